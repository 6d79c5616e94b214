"""The authorization chain and Kubernetes' 403 message.

kube-apiserver asks its authorizers in order and stops at the first that allows (a
``union`` authorizer); if none does, the request is refused with 403 and the reasons of
the authorizers that gave one, joined by newlines, are appended to the message. Its
default order is: the ``system:masters`` superuser group (so a broken RBAC setup can
always be repaired), the Node authorizer, then RBAC. :func:`default_chain` builds that.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from kactors.api.validation import go_quote

from .attributes import Attributes
from .decision import Decision
from .errors import Forbidden
from .node import NodeAuthorizer
from .rbac import RBACAuthorizer
from .user import SYSTEM_PRIVILEGED_GROUP

__all__ = [
    "AuthorizerChain",
    "AuthorizerLike",
    "PrivilegedGroups",
    "default_chain",
    "forbidden_detail",
    "forbidden_message",
]


class AuthorizerLike(Protocol):
    """Anything with ``authorize(attrs) -> Decision``."""

    def authorize(self, attrs: Attributes, /) -> Decision: ...


class PrivilegedGroups:
    """Allow every request of members of the given groups (``NewPrivilegedGroups``)."""

    def __init__(self, groups: Iterable[str] = (SYSTEM_PRIVILEGED_GROUP,)) -> None:
        self._groups = tuple(groups)
        self._group_set = frozenset(self._groups)

    def __repr__(self) -> str:
        return f"PrivilegedGroups({self._groups!r})"

    def authorize(self, attrs: Attributes) -> Decision:
        # asked first, for every request: one set test, shared immutable answers
        if not self._group_set.isdisjoint(attrs.user.groups):
            return _ALLOW
        return _NO_OPINION


_ALLOW = Decision.allow()
_NO_OPINION = Decision.no_opinion()


class AuthorizerChain:
    """The union of authorizers: the first that allows wins; otherwise no opinion."""

    def __init__(self, *authorizers: AuthorizerLike) -> None:
        self.authorizers = authorizers

    def __repr__(self) -> str:
        return f"AuthorizerChain{self.authorizers!r}"

    def authorize(self, attrs: Attributes) -> Decision:
        reasons: list[str] = []
        for authorizer in self.authorizers:
            decision = authorizer.authorize(attrs)
            if decision.allowed:
                return decision
            if decision.reason:
                reasons.append(decision.reason)
        return Decision.no_opinion("\n".join(reasons))

    def check(self, attrs: Attributes) -> Decision:
        """The allowing decision, or :class:`~.errors.Forbidden` with Kubernetes' message."""
        decision = self.authorize(attrs)
        if not decision.allowed:
            raise Forbidden(
                forbidden_message(attrs, decision.reason),
                detail=forbidden_detail(attrs, decision.reason),
                attributes=attrs,
            )
        return decision


def default_chain(rbac: RBACAuthorizer, node: NodeAuthorizer | None = None) -> AuthorizerChain:
    """kube-apiserver's order: ``system:masters``, then the node authorizer, then RBAC."""
    node = node if node is not None else NodeAuthorizer()
    return AuthorizerChain(PrivilegedGroups(), node, rbac)


def _sanitize(text: str) -> str:
    """Keep the message from looking like HTML (``responsewriters`` does the same)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _detail(attrs: Attributes) -> str:
    """``forbiddenMessage``: who cannot do what, where."""
    user = go_quote(attrs.user.name)
    if not attrs.resource_request:
        return f"User {user} cannot {attrs.verb} path {go_quote(attrs.path)}"
    what = (
        f"User {user} cannot {attrs.verb} resource {go_quote(attrs.combined_resource)} "
        f"in API group {go_quote(attrs.api_group)}"
    )
    if attrs.namespace:
        return f"{what} in the namespace {go_quote(attrs.namespace)}"
    return f"{what} at the cluster scope"


def forbidden_detail(attrs: Attributes, reason: str = "") -> str:
    """The error ``responsewriters.Forbidden`` hands to ``NewForbidden``: who cannot do
    what, where, then ``": "`` and the authorizers' reason if there is one."""
    detail = _sanitize(_detail(attrs))
    return f"{detail}: {reason}" if reason else detail


def forbidden_message(attrs: Attributes, reason: str = "") -> str:
    """The ``message`` of Kubernetes' 403 Status for a refused request.

    ``pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the
    namespace "default"``; with a name and a group, ``deployments.apps "web" is forbidden:
    ...``; for a non-resource request, ``forbidden: User "x" cannot get path "/metrics"``.
    A non-empty ``reason`` (the authorizers' explanation) is appended after ``": "``.
    """
    message = forbidden_detail(attrs, reason)
    # apierrors.NewForbidden(GroupResource{group, resource}, name, err)
    resource = attrs.resource if attrs.resource_request else ""
    group = attrs.api_group if attrs.resource_request else ""
    name = attrs.name if attrs.resource_request else ""
    if not resource and not group:
        return f"forbidden: {message}"
    qualified = f"{resource}.{group}" if group else resource
    if not name:
        return f"{qualified} is forbidden: {message}"
    return f"{qualified} {go_quote(name)} is forbidden: {message}"
