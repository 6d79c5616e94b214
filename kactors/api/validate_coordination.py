"""Validation of coordination.k8s.io/v1 Leases (``pkg/apis/coordination/validation``).

Leases are how controllers elect leaders and nodes report heartbeats; validation only
guards the numbers: a positive duration, non-negative transitions.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .fielderrors import FieldError, FieldPath, invalid
from .kinds import ResourceInfo
from .validate_meta import (
    get_map,
    is_int,
    name_is_dns_subdomain,
    validate_object_meta,
    validate_object_meta_update,
)

__all__ = ["validate_lease", "validate_lease_update"]

SPEC = FieldPath.of("spec")


def _validate_lease_spec(spec: Mapping[str, Any]) -> list[FieldError]:
    errors: list[FieldError] = []
    duration = spec.get("leaseDurationSeconds")
    if duration is not None and (not is_int(duration) or duration <= 0):
        errors.append(
            invalid(SPEC.child("leaseDurationSeconds"), duration, "must be greater than 0")
        )
    transitions = spec.get("leaseTransitions")
    if transitions is not None and (not is_int(transitions) or transitions < 0):
        errors.append(
            invalid(
                SPEC.child("leaseTransitions"), transitions, "must be greater than or equal to 0"
            )
        )
    return errors


def validate_lease(obj: Mapping[str, Any], info: ResourceInfo) -> list[FieldError]:
    """``ValidateLease``."""
    errors = validate_object_meta(obj, info.namespaced, name_is_dns_subdomain)
    return errors + _validate_lease_spec(get_map(obj, "spec"))


def validate_lease_update(
    new: Mapping[str, Any], old: Mapping[str, Any], info: ResourceInfo
) -> list[FieldError]:
    """``ValidateLeaseUpdate``."""
    errors = validate_object_meta_update(new, old)
    return errors + _validate_lease_spec(get_map(new, "spec"))
