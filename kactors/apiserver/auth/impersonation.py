"""Impersonation: a request made as another user (``kubectl --as``, ``--as-group``).

A caller names the user it acts as (``Impersonate-User``), and may add groups
(``Impersonate-Group``), a uid (``Impersonate-Uid``) and extra values
(``Impersonate-Extra-<key>``). Like Kubernetes' ``WithImpersonation`` filter, each of
these is an authorization check of the *caller* with the verb ``impersonate``:

* a user: resource ``users`` named after it; a service-account user name
  (``system:serviceaccount:<ns>:<name>``) is resource ``serviceaccounts`` in ``<ns>``;
* a group: ``groups``; a uid: ``uids`` and each extra value: ``userextras/<key>``, both in
  the API group ``authentication.k8s.io``.

The first refusal is the request's 403 (``users "bob" is forbidden: User "alice" cannot
impersonate resource "users" in API group "" at the cluster scope``); when all pass, the
request goes on as the impersonated user, so what it may do is what *that* user may do.
The impersonated user's groups are the ones asked for; a service account without groups
asked for gets its fixed ones; ``system:authenticated`` is added unless
``system:unauthenticated`` is there (``system:anonymous`` gets
``system:unauthenticated``), as Kubernetes does.

Kubernetes answers "groups without a user" with a 500; an error in the request is a 400
here, because bad input never gets a 500 from this apiserver.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from urllib.parse import unquote

import attrs

from .attributes import Attributes
from .user import (
    ALL_AUTHENTICATED,
    ALL_UNAUTHENTICATED,
    ANONYMOUS,
    UserInfo,
    service_account_groups,
    service_account_username,
    split_service_account_username,
)

__all__ = [
    "AUTHENTICATION_GROUP",
    "Impersonation",
    "ImpersonationError",
    "from_headers",
    "impersonated_user",
]

#: the API group of the ``uids`` and ``userextras`` impersonation checks
AUTHENTICATION_GROUP = "authentication.k8s.io"

_USER_HEADER = "impersonate-user"
_GROUP_HEADER = "impersonate-group"
_UID_HEADER = "impersonate-uid"
_EXTRA_PREFIX = "impersonate-extra-"


class ImpersonationError(ValueError):
    """An impersonation request that cannot be served as asked (a 400)."""


def _extra(value: Mapping[str, Iterable[str]]) -> Mapping[str, tuple[str, ...]]:
    return {key: tuple(value[key]) for key in sorted(value)}


@attrs.frozen
class Impersonation:
    """Who a request acts as: ``user`` (required), plus ``groups``, ``uid``, ``extra``."""

    user: str
    groups: tuple[str, ...] = attrs.field(default=(), converter=tuple)
    uid: str = ""
    extra: Mapping[str, tuple[str, ...]] = attrs.field(factory=dict, converter=_extra,
                                                       hash=False)

    def __attrs_post_init__(self) -> None:
        if not self.user:
            raise ImpersonationError(
                "requested impersonation of groups, a uid or extra values without "
                "impersonating a user")


def from_headers(headers: Mapping[str, str]) -> Impersonation | None:
    """The impersonation an HTTP request asks for (lower-cased header names, repeated
    headers joined with ``", "``), or None. Extra keys are lower-cased and
    percent-decoded, as Kubernetes reads them."""
    user = headers.get(_USER_HEADER, "")
    groups = _values(headers.get(_GROUP_HEADER))
    uid = headers.get(_UID_HEADER, "")
    extra = {unquote(name[len(_EXTRA_PREFIX):].lower()): _values(value)
             for name, value in headers.items() if name.startswith(_EXTRA_PREFIX)}
    if not (user or groups or uid or extra):
        return None
    return Impersonation(user, groups, uid, extra)


def _values(joined: str | None) -> tuple[str, ...]:
    return tuple(joined.split(", ")) if joined else ()


def impersonated_user(requestor: UserInfo, wanted: Impersonation,
                      authorize: Callable[[Attributes], None]) -> UserInfo:
    """The user `requestor` acts as, once `authorize` (which raises on a refusal) has
    allowed it to impersonate each part of `wanted`, in Kubernetes' order: the user, each
    group, each extra value, the uid."""
    service_account = split_service_account_username(wanted.user)
    if service_account is not None:
        namespace, name = service_account
        authorize(_check(requestor, "serviceaccounts", name, namespace=namespace))
        username = service_account_username(namespace, name)
    else:
        authorize(_check(requestor, "users", wanted.user))
        username = wanted.user
    for group in wanted.groups:
        authorize(_check(requestor, "groups", group))
    for key, values in wanted.extra.items():
        for value in values:
            authorize(_check(requestor, "userextras", value, group=AUTHENTICATION_GROUP,
                             subresource=key))
    if wanted.uid:
        authorize(_check(requestor, "uids", wanted.uid, group=AUTHENTICATION_GROUP))
    groups = list(wanted.groups)
    if service_account is not None and not groups:
        groups = list(service_account_groups(service_account[0]))
    if username != ANONYMOUS:
        if ALL_AUTHENTICATED not in groups and ALL_UNAUTHENTICATED not in groups:
            groups.append(ALL_AUTHENTICATED)
    elif ALL_UNAUTHENTICATED not in groups:
        groups.append(ALL_UNAUTHENTICATED)
    return UserInfo(username, wanted.uid, tuple(groups), wanted.extra)


def _check(requestor: UserInfo, resource: str, name: str, *, namespace: str = "",
           group: str = "", subresource: str = "") -> Attributes:
    return Attributes(user=requestor, verb="impersonate", api_group=group,
                      api_version="v1", resource=resource, subresource=subresource,
                      namespace=namespace, name=name)
