"""Validation of core/v1 LimitRanges and ResourceQuotas (``ValidateLimitRange``,
``ValidateResourceQuota``).

Each item of ``spec.limits`` has a ``type`` (``Container``, ``Pod`` or
``PersistentVolumeClaim``) and quantities that must be consistent: ``min <=
defaultRequest <= default <= max`` for each resource, a ``maxLimitRequestRatio`` of at
least 1; a ``Pod`` item has no defaults. Validation runs after defaulting, which fills a
Container item's defaults from its ``max`` and ``min``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .fielderrors import FieldError, FieldPath, forbidden, invalid, not_supported
from .kinds import ResourceInfo
from .quantity import Quantity
from .validate_meta import (
    get_map,
    name_is_dns_subdomain,
    quantity_or_none,
    validate_object_meta,
    validate_object_meta_update,
)

__all__ = ["LIMIT_TYPES", "STANDARD_QUOTA_RESOURCES", "validate_limit_range",
           "validate_limit_range_update", "validate_resource_quota",
           "validate_resource_quota_update"]

LIMIT_TYPES = ("Container", "PersistentVolumeClaim", "Pod")
_FIELDS = ("max", "min", "default", "defaultRequest", "maxLimitRequestRatio")
#: the orders an item's quantities keep, in Kubernetes' order: (smaller, larger, the
#: field the error is reported at, the field whose value it shows, message)
_ORDERS = (("min", "max", "min", "min", "min value {min} is greater than max value {max}"),
           ("min", "defaultRequest", "defaultRequest", "defaultRequest",
            "min value {min} is greater than default request value {defaultRequest}"),
           ("defaultRequest", "max", "defaultRequest", "defaultRequest",
            "default request value {defaultRequest} is greater than max value {max}"),
           ("defaultRequest", "default", "defaultRequest", "defaultRequest",
            "default request value {defaultRequest} is greater than default limit value "
            "{default}"),
           ("min", "default", "default", "min",
            "min value {min} is greater than default value {default}"),
           ("default", "max", "default", "default",
            "default value {default} is greater than max value {max}"))


def _quantities(item: Mapping[str, Any], field: str, path: FieldPath,
                errors: list[FieldError]) -> dict[str, Quantity]:
    found = {}
    for name, raw in get_map(item, field).items():
        quantity = quantity_or_none(raw)
        if quantity is None:
            errors.append(invalid(path.child(field).key(name), raw,
                                  "quantities must match the regular expression "
                                  "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"))
        else:
            found[name] = quantity
    return found


def _validate_item(item: Mapping[str, Any], path: FieldPath) -> list[FieldError]:
    errors: list[FieldError] = []
    kind = item.get("type")
    if kind not in LIMIT_TYPES:
        errors.append(not_supported(path.child("type"), kind, LIMIT_TYPES))
    values = {field: _quantities(item, field, path, errors) for field in _FIELDS}
    if kind == "Pod":
        for field in ("default", "defaultRequest"):
            if values[field]:
                errors.append(forbidden(path.child(field),
                                        "may not be specified when `type` is 'Pod'"))
    for name in sorted({name for field in _FIELDS for name in values[field]}):
        here = {field: values[field].get(name) for field in _FIELDS}
        for smaller, larger, at, shown, message in _ORDERS:
            low, high = here[smaller], here[larger]
            if low is not None and high is not None and high < low:
                errors.append(invalid(path.child(at).key(name), str(here[shown]),
                                      message.format(**here)))
        ratio, low, high = here["maxLimitRequestRatio"], here["min"], here["max"]
        if ratio is None:
            continue
        ratio_path = path.child("maxLimitRequestRatio").key(name)
        if ratio.milli_value() < 1000:
            errors.append(invalid(ratio_path, str(ratio), f"ratio {ratio} is less than 1"))
        if low is not None and high is not None and not low.is_zero():
            most = high.milli_value() / low.milli_value()
            if ratio.milli_value() / 1000 > most:
                errors.append(invalid(ratio_path, str(ratio),
                                      f"ratio {ratio} is greater than max/min = {most:f}"))
    return errors


def validate_limit_range(obj: Mapping[str, Any], info: ResourceInfo) -> list[FieldError]:
    """``ValidateLimitRange``."""
    errors = validate_object_meta(obj, info.namespaced, name_is_dns_subdomain)
    limits = get_map(obj, "spec").get("limits")
    path = FieldPath.of("spec", "limits")
    for index, item in enumerate(limits if isinstance(limits, list) else []):
        if isinstance(item, Mapping):
            errors += _validate_item(item, path.index(index))
    return errors


def validate_limit_range_update(new: Mapping[str, Any], old: Mapping[str, Any],
                                info: ResourceInfo) -> list[FieldError]:
    return validate_object_meta_update(new, old) + validate_limit_range(new, info)


# -- ResourceQuota --------------------------------------------------------------------------

#: the resource names a quota may cap without a ``/`` (``count/...`` and qualified names
#: are free form)
STANDARD_QUOTA_RESOURCES = frozenset({
    "pods", "services", "replicationcontrollers", "resourcequotas", "secrets", "configmaps",
    "persistentvolumeclaims", "services.nodeports", "services.loadbalancers", "cpu",
    "memory", "ephemeral-storage", "requests.cpu", "requests.memory", "requests.storage",
    "requests.ephemeral-storage", "limits.cpu", "limits.memory", "limits.ephemeral-storage"})


def validate_resource_quota(obj: Mapping[str, Any], info: ResourceInfo) -> list[FieldError]:
    """``ValidateResourceQuota``: each hard limit a known resource and a quantity >= 0."""
    errors = validate_object_meta(obj, info.namespaced, name_is_dns_subdomain)
    for field in ("spec", "status"):
        for part in ("hard", "used") if field == "status" else ("hard",):
            path = FieldPath.of(field, part)
            for name, raw in get_map(get_map(obj, field), part).items():
                if "/" not in name and name not in STANDARD_QUOTA_RESOURCES and \
                        not name.startswith(("hugepages-", "requests.hugepages-")):
                    errors.append(invalid(path.key(name), name,
                                          "must be a standard resource for quota"))
                quantity = quantity_or_none(raw)
                if quantity is None:
                    errors.append(invalid(path.key(name), raw,
                                          "quantities must match the regular expression "
                                          "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"))
                elif quantity.sign() < 0:
                    errors.append(invalid(path.key(name), str(quantity),
                                          "must be greater than or equal to 0"))
    return errors


def validate_resource_quota_update(new: Mapping[str, Any], old: Mapping[str, Any],
                                   info: ResourceInfo) -> list[FieldError]:
    return validate_object_meta_update(new, old) + validate_resource_quota(new, info)
