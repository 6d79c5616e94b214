"""Validation of autoscaling/v2 HorizontalPodAutoscalers (``pkg/apis/autoscaling/validation``).

An HPA names what it scales (``scaleTargetRef``: a kind and a name, each a valid path
segment), between ``minReplicas`` (at least 1: scaling to zero is behind the
HPAScaleToZero gate, off by default) and ``maxReplicas`` (at least ``minReplicas``),
on which metrics (each of one source type, the source it names populated and no other;
a resource's target a Utilization of at least 1 % or a positive AverageValue), and
how fast (``behavior``: windows of 0 to 3600 s, policies of a positive value over 1 to
1800 s, ``selectPolicy`` Max, Min or Disabled). v1 bodies are converted to v2 first, so
these rules judge both versions.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .fielderrors import FieldError, FieldPath, forbidden, invalid, not_supported, required
from .kinds import ResourceInfo
from .validate_meta import (
    as_dicts,
    get_map,
    is_int,
    name_is_dns_subdomain,
    quantity_or_none,
    validate_nonnegative,
    validate_object_meta,
    validate_object_meta_update,
)
from .validation import is_path_segment_name

__all__ = ["validate_hpa", "validate_hpa_update"]

SPEC = FieldPath.of("spec")
#: minReplicas' lower bound without the HPAScaleToZero feature gate
MIN_REPLICAS_LOWER_BOUND = 1
_SOURCE_TYPES = ("ContainerResource", "External", "Object", "Pods", "Resource")
_SOURCE_FIELDS = {"ContainerResource": "containerResource", "External": "external",
                  "Object": "object", "Pods": "pods", "Resource": "resource"}
_TARGET_TYPES = ("Utilization", "Value", "AverageValue")
_SELECT_POLICIES = ("Disabled", "Max", "Min")
_POLICY_TYPES = ("Percent", "Pods")
MAX_STABILIZATION_WINDOW = 3600
MAX_PERIOD_SECONDS = 1800


def _reference(ref: Mapping[str, Any], path: FieldPath) -> list[FieldError]:
    """``ValidateCrossVersionObjectReference``."""
    errors: list[FieldError] = []
    for field in ("kind", "name"):
        value = ref.get(field)
        if not value:
            errors.append(required(path.child(field), ""))
        else:
            errors += [invalid(path.child(field), value, message)
                       for message in is_path_segment_name(str(value))]
    return errors


def _target(target: Mapping[str, Any], path: FieldPath) -> list[FieldError]:
    """``validateMetricTarget``."""
    errors: list[FieldError] = []
    kind = target.get("type")
    if not kind:
        errors.append(required(path.child("type"), "must specify a metric target type"))
    elif kind not in _TARGET_TYPES:
        errors.append(invalid(path.child("type"), kind,
                              "must be either Utilization, Value, or AverageValue"))
    utilization = target.get("averageUtilization")
    if utilization is not None and (not is_int(utilization) or utilization < 1):
        errors.append(invalid(path.child("averageUtilization"), utilization,
                              "must be greater than 0"))
    for field in ("value", "averageValue"):
        value = target.get(field)
        if value is None:
            continue
        quantity = quantity_or_none(value)
        if quantity is None or quantity.sign() != 1:
            errors.append(invalid(path.child(field), value, "must be positive"))
    return errors


def _resource_source(source: Mapping[str, Any], path: FieldPath) -> list[FieldError]:
    """``validateResourceSource``."""
    errors: list[FieldError] = []
    if not source.get("name"):
        errors.append(required(path.child("name"), "must specify a resource name"))
    target = get_map(source, "target")
    errors += _target(target, path.child("target"))
    if target.get("averageUtilization") is None and target.get("averageValue") is None:
        errors.append(required(path.child("target", "averageUtilization"),
                               "must set either a target raw value or a target utilization"))
    if target.get("averageUtilization") is not None and target.get("averageValue") is not None:
        errors.append(forbidden(path.child("target", "averageValue"),
                                "may not set both a target raw value and a target utilization"))
    return errors


def _metric(metric: Mapping[str, Any], path: FieldPath) -> list[FieldError]:
    """``validateMetricSpec`` (Resource sources in full; the others need only be there:
    no custom or external metrics API serves them here)."""
    errors: list[FieldError] = []
    kind = metric.get("type")
    if not kind:
        errors.append(required(path.child("type"), "must specify a metric source type"))
    elif kind not in _SOURCE_TYPES:
        errors.append(not_supported(path.child("type"), kind, list(_SOURCE_TYPES)))
    present = [field for field in _SOURCE_FIELDS.values() if metric.get(field) is not None]
    if "resource" in present[:1]:
        errors += _resource_source(get_map(metric, "resource"), path.child("resource"))
    expected = _SOURCE_FIELDS.get(str(kind), str(kind or "").lower())
    if expected not in present:
        errors.append(required(path.child(expected),
                               "must populate information for the given metric source"))
    for field in present:
        if field != expected:
            errors.append(forbidden(path.child(field),
                                    "must populate the given metric source only"))
    return errors


def _rules(rules: Mapping[str, Any], path: FieldPath) -> list[FieldError]:
    """``validateScalingRules``."""
    errors: list[FieldError] = []
    window = rules.get("stabilizationWindowSeconds")
    if window is not None:
        if not is_int(window) or window < 0:
            errors.append(invalid(path.child("stabilizationWindowSeconds"), window,
                                  "must be greater than or equal to zero"))
        elif window > MAX_STABILIZATION_WINDOW:
            errors.append(invalid(path.child("stabilizationWindowSeconds"), window,
                                  f"must be less than or equal to {MAX_STABILIZATION_WINDOW}"))
    select = rules.get("selectPolicy")
    if select is not None and select not in _SELECT_POLICIES:
        errors.append(not_supported(path.child("selectPolicy"), select, list(_SELECT_POLICIES)))
    policies = rules.get("policies")
    if not policies:
        errors.append(required(path.child("policies"), "must specify at least one Policy"))
    for index, policy in enumerate(as_dicts(policies)):
        at = path.child("policies").index(index)
        if policy.get("type") not in _POLICY_TYPES:
            errors.append(not_supported(at.child("type"), policy.get("type"),
                                        list(_POLICY_TYPES)))
        value = policy.get("value")
        if not is_int(value) or value <= 0:
            errors.append(invalid(at.child("value"), value, "must be greater than zero"))
        period = policy.get("periodSeconds")
        if not is_int(period) or period <= 0:
            errors.append(invalid(at.child("periodSeconds"), period, "must be greater than zero"))
        elif period > MAX_PERIOD_SECONDS:
            errors.append(invalid(at.child("periodSeconds"), period,
                                  f"must be less than or equal to {MAX_PERIOD_SECONDS}"))
    return errors


def _spec(spec: Mapping[str, Any]) -> list[FieldError]:
    """``validateHorizontalPodAutoscalerSpec``."""
    errors: list[FieldError] = []
    minimum, maximum = spec.get("minReplicas"), spec.get("maxReplicas")
    if minimum is not None and (not is_int(minimum) or minimum < MIN_REPLICAS_LOWER_BOUND):
        errors.append(invalid(SPEC.child("minReplicas"), minimum,
                              f"must be greater than or equal to {MIN_REPLICAS_LOWER_BOUND}"))
    if not is_int(maximum) or maximum < 1:
        errors.append(invalid(SPEC.child("maxReplicas"), maximum, "must be greater than 0"))
    elif is_int(minimum) and maximum < minimum:
        errors.append(invalid(SPEC.child("maxReplicas"), maximum,
                              "must be greater than or equal to `minReplicas`"))
    errors += _reference(get_map(spec, "scaleTargetRef"), SPEC.child("scaleTargetRef"))
    for index, metric in enumerate(as_dicts(spec.get("metrics"))):
        errors += _metric(metric, SPEC.child("metrics").index(index))
    behavior = spec.get("behavior")
    if isinstance(behavior, Mapping):
        for direction in ("scaleUp", "scaleDown"):
            if isinstance(behavior.get(direction), Mapping):
                errors += _rules(behavior[direction], SPEC.child("behavior", direction))
    return errors


def _status(status: Mapping[str, Any]) -> list[FieldError]:
    errors: list[FieldError] = []
    for field in ("currentReplicas", "desiredReplicas"):
        errors += validate_nonnegative(status.get(field), FieldPath.of("status", field))
    return errors


def validate_hpa(obj: Mapping[str, Any], info: ResourceInfo) -> list[FieldError]:
    """``ValidateHorizontalPodAutoscaler``."""
    errors = validate_object_meta(obj, info.namespaced, name_is_dns_subdomain)
    return errors + _spec(get_map(obj, "spec")) + _status(get_map(obj, "status"))


def validate_hpa_update(new: Mapping[str, Any], old: Mapping[str, Any], info: ResourceInfo
                        ) -> list[FieldError]:
    """An update of the spec, or of the status through its subresource."""
    return validate_object_meta_update(new, old) + validate_hpa(new, info)
