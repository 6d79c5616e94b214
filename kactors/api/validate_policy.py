"""Validation of policy/v1 PodDisruptionBudgets (``pkg/apis/policy/validation``).

A budget says how many of the pods its selector picks may be disrupted at once (by an
eviction: ``kubectl drain``): ``minAvailable`` or ``maxUnavailable``, never both, each a
non-negative count or a percentage no greater than 100%. Its spec may change after
creation (since Kubernetes 1.15); its status is written by the disruption controller and,
for each eviction it allows, by the apiserver.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .fielderrors import FieldError, FieldPath, invalid, not_supported
from .kinds import ResourceInfo
from .validate_apps import not_more_than_100_percent, validate_positive_int_or_percent
from .validate_meta import (
    get_map,
    name_is_dns_subdomain,
    validate_label_selector,
    validate_nonnegative,
    validate_object_meta,
    validate_object_meta_update,
)

__all__ = ["UNHEALTHY_POD_EVICTION_POLICIES", "validate_pdb", "validate_pdb_update"]

SPEC = FieldPath.of("spec")
STATUS = FieldPath.of("status")
#: ``spec.unhealthyPodEvictionPolicy``: evict a not-ready pod only while the budget is
#: met (the default), or always
UNHEALTHY_POD_EVICTION_POLICIES = ("AlwaysAllow", "IfHealthyBudget")
_COUNTERS = ("disruptionsAllowed", "currentHealthy", "desiredHealthy", "expectedPods")


def _validate_spec(spec: Mapping[str, Any]) -> list[FieldError]:
    errors: list[FieldError] = []
    minimum, maximum = spec.get("minAvailable"), spec.get("maxUnavailable")
    if minimum is not None and maximum is not None:
        errors.append(invalid(SPEC, dict(spec), "minAvailable and maxUnavailable cannot be "
                                                "both set"))
    for field, value in (("minAvailable", minimum), ("maxUnavailable", maximum)):
        if value is not None:
            errors += validate_positive_int_or_percent(value, SPEC.child(field))
            errors += not_more_than_100_percent(value, SPEC.child(field))
    errors += validate_label_selector(spec.get("selector"), SPEC.child("selector"))
    policy = spec.get("unhealthyPodEvictionPolicy")
    if policy is not None and policy not in UNHEALTHY_POD_EVICTION_POLICIES:
        errors.append(not_supported(SPEC.child("unhealthyPodEvictionPolicy"), policy,
                                    list(UNHEALTHY_POD_EVICTION_POLICIES)))
    return errors


def _validate_status(status: Mapping[str, Any]) -> list[FieldError]:
    errors: list[FieldError] = []
    for field in _COUNTERS:
        errors += validate_nonnegative(status.get(field), STATUS.child(field))
    return errors


def validate_pdb(obj: Mapping[str, Any], info: ResourceInfo) -> list[FieldError]:
    """``ValidatePodDisruptionBudget``."""
    errors = validate_object_meta(obj, info.namespaced, name_is_dns_subdomain)
    return errors + _validate_spec(get_map(obj, "spec")) + \
        _validate_status(get_map(obj, "status"))


def validate_pdb_update(new: Mapping[str, Any], old: Mapping[str, Any], info: ResourceInfo
                        ) -> list[FieldError]:
    """An update (of the spec, or of the status through its subresource)."""
    return validate_object_meta_update(new, old) + validate_pdb(new, info)
