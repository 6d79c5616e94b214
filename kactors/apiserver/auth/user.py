"""Who is making a request: ``user.Info`` and Kubernetes' well-known names.

Authentication produces a :class:`UserInfo`; authorization only ever looks at it (never at
the credential). The user and group names below are the ones Kubernetes reserves, so RBAC
manifests written for Kubernetes (``system:masters``, ``system:serviceaccounts:<ns>``...)
mean the same thing here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType

import attrs

__all__ = [
    "ALL_AUTHENTICATED",
    "ALL_UNAUTHENTICATED",
    "ANONYMOUS",
    "KUBE_CONTROLLER_MANAGER",
    "KUBE_PROXY",
    "KUBE_SCHEDULER",
    "NODES_GROUP",
    "NODE_USER_PREFIX",
    "SERVICE_ACCOUNTS_GROUP",
    "SERVICE_ACCOUNT_USER_PREFIX",
    "SYSTEM_PRIVILEGED_GROUP",
    "UserInfo",
    "node_name_of",
    "node_user",
    "service_account_groups",
    "service_account_user",
    "service_account_username",
    "split_service_account_username",
]

#: The user name of a request without credentials (``user.Anonymous``).
ANONYMOUS = "system:anonymous"
#: Every authenticated user is in this group (``user.AllAuthenticated``).
ALL_AUTHENTICATED = "system:authenticated"
#: The anonymous user is in this group (``user.AllUnauthenticated``).
ALL_UNAUTHENTICATED = "system:unauthenticated"
#: Superusers: bound to ``cluster-admin`` and allowed everything (``user.SystemPrivilegedGroup``).
SYSTEM_PRIVILEGED_GROUP = "system:masters"
#: Kubelets are in this group (``user.NodesGroup``).
NODES_GROUP = "system:nodes"
#: A kubelet's user name is this prefix followed by its node name.
NODE_USER_PREFIX = "system:node:"
#: Every service account is in this group, and in ``system:serviceaccounts:<namespace>``.
SERVICE_ACCOUNTS_GROUP = "system:serviceaccounts"
#: A service account's user name is ``system:serviceaccount:<namespace>:<name>``.
SERVICE_ACCOUNT_USER_PREFIX = "system:serviceaccount:"
#: The identities of the components with bootstrap roles of their own.
KUBE_SCHEDULER = "system:kube-scheduler"
KUBE_CONTROLLER_MANAGER = "system:kube-controller-manager"
#: kube-proxy's user (``user.KubeProxy``), bound to ``system:node-proxier``
KUBE_PROXY = "system:kube-proxy"


def _frozen_extra(value: Mapping[str, Iterable[str]]) -> Mapping[str, tuple[str, ...]]:
    # Sorted keys so that repr() and iteration are the same in every run.
    return MappingProxyType({key: tuple(value[key]) for key in sorted(value)})


@attrs.frozen
class UserInfo:
    """An authenticated (or anonymous) user: ``k8s.io/apiserver/pkg/authentication/user.Info``.

    ``groups`` keeps the order the authenticator produced (it shows in logs and in
    SubjectAccessReviews); ``extra`` is read-only. Equality compares every field; the hash
    leaves ``extra`` out so that users can be dictionary keys.
    """

    name: str
    uid: str = ""
    groups: tuple[str, ...] = attrs.field(default=(), converter=tuple)
    extra: Mapping[str, tuple[str, ...]] = attrs.field(
        factory=dict, converter=_frozen_extra, hash=False
    )

    def in_group(self, group: str) -> bool:
        """Whether ``group`` is one of this user's groups."""
        return group in self.groups


def service_account_username(namespace: str, name: str) -> str:
    """``system:serviceaccount:<namespace>:<name>`` (``serviceaccount.MakeUsername``)."""
    return f"{SERVICE_ACCOUNT_USER_PREFIX}{namespace}:{name}"


def service_account_groups(namespace: str) -> tuple[str, ...]:
    """The groups of every service account in ``namespace`` (``MakeGroupNames``)."""
    return (SERVICE_ACCOUNTS_GROUP, f"{SERVICE_ACCOUNTS_GROUP}:{namespace}")


def service_account_user(namespace: str, name: str, uid: str) -> UserInfo:
    """The user a service account token authenticates as (before ``system:authenticated``)."""
    return UserInfo(
        service_account_username(namespace, name), uid, service_account_groups(namespace)
    )


def split_service_account_username(username: str) -> tuple[str, str] | None:
    """``(namespace, name)`` of a service account user name, or ``None`` for other users.

    Like ``serviceaccount.SplitUsername``, exactly two non-empty ``:``-separated parts must
    follow the prefix.
    """
    if not username.startswith(SERVICE_ACCOUNT_USER_PREFIX):
        return None
    parts = username[len(SERVICE_ACCOUNT_USER_PREFIX) :].split(":")
    if len(parts) != 2 or not parts[0] or not parts[1]:
        return None
    return parts[0], parts[1]


def node_user(node_name: str) -> UserInfo:
    """The user a kubelet credential authenticates as (before ``system:authenticated``)."""
    return UserInfo(f"{NODE_USER_PREFIX}{node_name}", "", (NODES_GROUP,))


def node_name_of(user: UserInfo) -> str | None:
    """The node a user speaks for, or ``None`` if it is not a node (``NodeIdentity``).

    Both conditions of Kubernetes' default node identifier must hold: the name starts with
    ``system:node:`` *and* the user is in ``system:nodes``; a user named like a node but
    outside the group is an ordinary user. The result may be ``""`` (a node user without a
    node name), which the node authorizer refuses.
    """
    if not user.name.startswith(NODE_USER_PREFIX) or NODES_GROUP not in user.groups:
        return None
    return user.name[len(NODE_USER_PREFIX) :]
