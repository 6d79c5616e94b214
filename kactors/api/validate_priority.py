"""Validation of scheduling.k8s.io/v1 PriorityClasses (``ValidatePriorityClass``).

A PriorityClass names a pod priority: ``value`` (at most 1,000,000,000 for classes users
make; the ``system-`` names and higher values are Kubernetes' own), whether it is the
``globalDefault`` of pods that name none, and its ``preemptionPolicy``. Its value and
policy cannot change once made.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .fielderrors import FieldError, FieldPath, forbidden, invalid, not_supported, required
from .kinds import ResourceInfo
from .validate_meta import (
    get_str,
    is_int,
    name_is_dns_subdomain,
    validate_object_meta,
    validate_object_meta_update,
)

__all__ = ["HIGHEST_USER_PRIORITY", "PREEMPTION_POLICIES", "SYSTEM_PRIORITY_CLASSES",
           "validate_priority_class", "validate_priority_class_update"]

#: the highest value of a class users may make (``HighestUserDefinablePriority``)
HIGHEST_USER_PRIORITY = 1_000_000_000
PREEMPTION_POLICIES = ("Never", "PreemptLowerPriority")
#: Kubernetes' own classes, which the apiserver makes at start
SYSTEM_PRIORITY_CLASSES = {"system-node-critical": 2_000_001_000,
                           "system-cluster-critical": 2_000_000_000}
_VALUE = FieldPath.of("value")


def validate_priority_class(obj: Mapping[str, Any], info: ResourceInfo) -> list[FieldError]:
    """``ValidatePriorityClass``."""
    errors = validate_object_meta(obj, info.namespaced, name_is_dns_subdomain)
    name = get_str(obj.get("metadata") or {}, "name")
    value = obj.get("value")
    if value is None:
        errors.append(required(_VALUE, ""))
    elif not is_int(value):
        errors.append(invalid(_VALUE, value, "must be an integer"))
    elif name in SYSTEM_PRIORITY_CLASSES:
        if value != SYSTEM_PRIORITY_CLASSES[name]:
            errors.append(invalid(_VALUE, value, f"value of {name} must be "
                                                 f"{SYSTEM_PRIORITY_CLASSES[name]}"))
    elif name.startswith("system-"):
        errors.append(forbidden(FieldPath.of("metadata", "name"),
                                "priority class names with 'system-' prefix are reserved for "
                                "system use only"))
    elif value > HIGHEST_USER_PRIORITY:
        errors.append(forbidden(_VALUE, f"maximum allowed value of a user defined priority is "
                                        f"{HIGHEST_USER_PRIORITY}"))
    policy = obj.get("preemptionPolicy")
    if policy is not None and policy not in PREEMPTION_POLICIES:
        errors.append(not_supported(FieldPath.of("preemptionPolicy"), policy,
                                    PREEMPTION_POLICIES))
    return errors


def validate_priority_class_update(new: Mapping[str, Any], old: Mapping[str, Any],
                                   info: ResourceInfo) -> list[FieldError]:
    """``ValidatePriorityClassUpdate``: value and preemptionPolicy are fixed."""
    errors = validate_object_meta_update(new, old) + validate_priority_class(new, info)
    for field in ("value", "preemptionPolicy"):
        if new.get(field) != old.get(field):
            errors.append(forbidden(FieldPath.of(field), "may not be changed in an update."))
    return errors
