"""Validation of rbac.authorization.k8s.io/v1 (``pkg/apis/rbac/validation``).

Roles and ClusterRoles: every rule needs verbs, and either non-resource URLs (cluster
roles only) or API groups and resources; aggregation rules need selectors. Bindings: the
``roleRef`` names a Role or ClusterRole of this group, subjects are well-formed, and the
``roleRef`` can never change (``roleRef: Invalid value: ...: cannot change roleRef``; the
bad value is printed like Go's JSON of the internal ``rbac.RoleRef``, capitalised keys
included). Names are path segments (``ValidateRBACName``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .fielderrors import FieldError, FieldPath, invalid, not_supported, required
from .kinds import ResourceInfo
from .validate_meta import (
    get_list,
    get_map,
    get_str,
    name_is_dns_subdomain,
    name_is_path_segment,
    selector_matches,
    validate_label_selector,
    validate_object_meta,
    validate_object_meta_update,
)

__all__ = [
    "validate_binding_update",
    "validate_cluster_role",
    "validate_cluster_role_binding",
    "validate_role",
    "validate_role_binding",
]

RBAC_GROUP = "rbac.authorization.k8s.io"


def _validate_rule(rule: Any, namespaced: bool, path: FieldPath) -> list[FieldError]:
    """``ValidatePolicyRule``."""
    rule = rule if isinstance(rule, Mapping) else {}
    errors: list[FieldError] = []
    if not get_list(rule, "verbs"):
        errors.append(required(path.child("verbs"), "verbs must contain at least one value"))
    urls = get_list(rule, "nonResourceURLs")
    if urls:
        if namespaced:
            errors.append(
                invalid(
                    path.child("nonResourceURLs"),
                    urls,
                    "namespaced rules cannot apply to non-resource URLs",
                )
            )
        if (
            get_list(rule, "apiGroups")
            or get_list(rule, "resources")
            or get_list(rule, "resourceNames")
        ):
            errors.append(
                invalid(
                    path.child("nonResourceURLs"),
                    urls,
                    "rules cannot apply to both regular resources and non-resource URLs",
                )
            )
        return errors
    if not get_list(rule, "apiGroups"):
        errors.append(
            required(path.child("apiGroups"), "resource rules must supply at least one api group")
        )
    if not get_list(rule, "resources"):
        errors.append(
            required(path.child("resources"), "resource rules must supply at least one resource")
        )
    return errors


def _validate_rules(obj: Mapping[str, Any], namespaced: bool) -> list[FieldError]:
    errors: list[FieldError] = []
    for index, rule in enumerate(get_list(obj, "rules")):
        errors += _validate_rule(rule, namespaced, FieldPath.of("rules").index(index))
    return errors


def validate_role(obj: Mapping[str, Any], info: ResourceInfo) -> list[FieldError]:
    """``ValidateRole``."""
    return validate_object_meta(obj, True, name_is_path_segment) + _validate_rules(obj, True)


def validate_cluster_role(obj: Mapping[str, Any], info: ResourceInfo) -> list[FieldError]:
    """``ValidateClusterRole``: rules, and the aggregation rule's selectors."""
    errors = validate_object_meta(obj, False, name_is_path_segment) + _validate_rules(obj, False)
    aggregation = obj.get("aggregationRule")
    if aggregation is not None:
        path = FieldPath.of("aggregationRule", "clusterRoleSelectors")
        selectors = get_list(aggregation, "clusterRoleSelectors")
        if not selectors:
            errors.append(
                required(
                    path, "at least one clusterRoleSelector required if aggregationRule is non-nil"
                )
            )
        for index, selector in enumerate(selectors):
            errors += validate_label_selector(selector, path.index(index))
            if selector_matches(selector, {}) is None:
                errors.append(invalid(path.index(index), selector, "invalid label selector."))
    return errors


def _validate_subject(subject: Any, namespaced: bool, path: FieldPath) -> list[FieldError]:
    """``ValidateRoleBindingSubject``."""
    subject = subject if isinstance(subject, Mapping) else {}
    errors: list[FieldError] = []
    name, kind, api_group = (
        get_str(subject, "name"),
        get_str(subject, "kind"),
        get_str(subject, "apiGroup"),
    )
    if not name:
        errors.append(required(path.child("name")))
    if kind == "ServiceAccount":
        if name:
            errors.extend(
                invalid(path.child("name"), name, msg) for msg in name_is_dns_subdomain(name, False)
            )
        if api_group:
            errors.append(not_supported(path.child("apiGroup"), api_group, ("",)))
        if not namespaced and not get_str(subject, "namespace"):
            errors.append(required(path.child("namespace")))
    elif kind in ("User", "Group"):
        if api_group != RBAC_GROUP:
            errors.append(not_supported(path.child("apiGroup"), api_group, (RBAC_GROUP,)))
    else:
        errors.append(not_supported(path.child("kind"), kind, ("ServiceAccount", "User", "Group")))
    return errors


def _validate_binding(obj: Mapping[str, Any], namespaced: bool) -> list[FieldError]:
    errors = validate_object_meta(obj, namespaced, name_is_path_segment)
    role_ref = get_map(obj, "roleRef")
    path = FieldPath.of("roleRef")
    if get_str(role_ref, "apiGroup") != RBAC_GROUP:
        errors.append(
            not_supported(path.child("apiGroup"), get_str(role_ref, "apiGroup"), (RBAC_GROUP,))
        )
    kinds = ("Role", "ClusterRole") if namespaced else ("ClusterRole",)
    if get_str(role_ref, "kind") not in kinds:
        errors.append(not_supported(path.child("kind"), get_str(role_ref, "kind"), kinds))
    name = get_str(role_ref, "name")
    if not name:
        errors.append(required(path.child("name")))
    else:
        errors.extend(
            invalid(path.child("name"), name, msg) for msg in name_is_path_segment(name, False)
        )
    for index, subject in enumerate(get_list(obj, "subjects")):
        errors += _validate_subject(subject, namespaced, FieldPath.of("subjects").index(index))
    return errors


def validate_role_binding(obj: Mapping[str, Any], info: ResourceInfo) -> list[FieldError]:
    """``ValidateRoleBinding``."""
    return _validate_binding(obj, True)


def validate_cluster_role_binding(obj: Mapping[str, Any], info: ResourceInfo) -> list[FieldError]:
    """``ValidateClusterRoleBinding``: the roleRef must be a ClusterRole."""
    return _validate_binding(obj, False)


def _internal_role_ref(role_ref: Mapping[str, Any]) -> dict[str, str]:
    """Go's JSON of the internal ``rbac.RoleRef`` (a struct without json tags)."""
    return {
        "APIGroup": get_str(role_ref, "apiGroup"),
        "Kind": get_str(role_ref, "kind"),
        "Name": get_str(role_ref, "name"),
    }


def validate_binding_update(
    new: Mapping[str, Any], old: Mapping[str, Any], info: ResourceInfo
) -> list[FieldError]:
    """``ValidateRoleBindingUpdate``/``ValidateClusterRoleBindingUpdate``."""
    errors = _validate_binding(new, info.namespaced)
    errors += validate_object_meta_update(new, old)
    new_ref, old_ref = (
        _internal_role_ref(get_map(new, "roleRef")),
        _internal_role_ref(get_map(old, "roleRef")),
    )
    if new_ref != old_ref:
        errors.append(invalid(FieldPath.of("roleRef"), new_ref, "cannot change roleRef"))
    return errors
