"""Builders for RBAC manifests and users, shaped exactly like Kubernetes YAML."""

from __future__ import annotations

from typing import Any

from kactors.apiserver.auth import UserInfo, service_account_user
from kactors.apiserver.auth.authn import with_authenticated_group

RBAC_V1 = "rbac.authorization.k8s.io/v1"


def rule(
    verbs: list[str],
    resources: list[str] | None = None,
    groups: list[str] | None = None,
    names: list[str] | None = None,
    urls: list[str] | None = None,
) -> dict[str, Any]:
    result: dict[str, Any] = {"verbs": verbs}
    if resources is not None:
        result["apiGroups"] = [""] if groups is None else groups
        result["resources"] = resources
    if names is not None:
        result["resourceNames"] = names
    if urls is not None:
        result["nonResourceURLs"] = urls
    return result


def role(name: str, namespace: str, *rules: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": RBAC_V1,
        "kind": "Role",
        "metadata": {"name": name, "namespace": namespace},
        "rules": list(rules),
    }


def cluster_role(name: str, *rules: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": RBAC_V1,
        "kind": "ClusterRole",
        "metadata": {"name": name},
        "rules": list(rules),
    }


def user_subject(name: str) -> dict[str, str]:
    return {"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": name}


def group_subject(name: str) -> dict[str, str]:
    return {"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": name}


def sa_subject(name: str, namespace: str | None = None) -> dict[str, str]:
    subject = {"kind": "ServiceAccount", "name": name}
    if namespace is not None:
        subject["namespace"] = namespace
    return subject


def role_binding(
    name: str,
    namespace: str,
    role_name: str,
    *subjects: dict[str, str],
    role_kind: str = "Role",
) -> dict[str, Any]:
    return {
        "apiVersion": RBAC_V1,
        "kind": "RoleBinding",
        "metadata": {"name": name, "namespace": namespace},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": role_kind, "name": role_name},
        "subjects": list(subjects),
    }


def cluster_role_binding(name: str, role_name: str, *subjects: dict[str, str]) -> dict[str, Any]:
    return {
        "apiVersion": RBAC_V1,
        "kind": "ClusterRoleBinding",
        "metadata": {"name": name},
        "roleRef": {
            "apiGroup": "rbac.authorization.k8s.io",
            "kind": "ClusterRole",
            "name": role_name,
        },
        "subjects": list(subjects),
    }


def user(name: str, *groups: str) -> UserInfo:
    """An authenticated user, with ``system:authenticated`` as the authenticator adds it."""
    return with_authenticated_group(UserInfo(name, groups=groups))


def sa_user(namespace: str, name: str) -> UserInfo:
    return with_authenticated_group(service_account_user(namespace, name, "uid-" + name))
