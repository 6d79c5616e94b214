"""Validation of container resource requirements (``ValidateContainerResourceRequirements``).

Resource names must be standard (``cpu``, ``memory``, ``ephemeral-storage``,
``hugepages-*``) or fully qualified extended resources; quantities must parse, be
non-negative (integers for extended resources), and requests may not exceed limits
(extended, non-overcommittable resources need requests equal to limits). A quantity that
does not parse fails JSON decoding in Kubernetes (a 400); here it is reported as an
``Invalid value`` with the parser's message.
"""

from __future__ import annotations

from typing import Any

from .fielderrors import FieldError, FieldPath, invalid, required
from .quantity import Quantity
from .validate_meta import get_map, quantity_or_none
from .validation import is_qualified_name

__all__ = ["validate_resources"]

_STANDARD_CONTAINER_RESOURCES = frozenset({"cpu", "memory", "ephemeral-storage"})


def _is_native(name: str) -> bool:
    return "/" not in name or "kubernetes.io/" in name


def _is_hugepages(name: str) -> bool:
    return name.startswith("hugepages-")


def _is_extended(name: str) -> bool:
    return (
        not _is_native(name)
        and not name.startswith("requests.")
        and not is_qualified_name("requests." + name)
    )


def _validate_resource_name(name: str, path: FieldPath) -> list[FieldError]:
    """``validateContainerResourceName``."""
    errors = [invalid(path, name, msg) for msg in is_qualified_name(name)]
    if errors:
        return errors
    if "/" not in name:
        if name not in _STANDARD_CONTAINER_RESOURCES and not _is_hugepages(name):
            errors.append(invalid(path, name, "must be a standard resource for containers"))
    elif not _is_native(name) and not _is_extended(name):
        errors.append(invalid(path, name, "doesn't follow extended resource name standard"))
    return errors


def _validate_quantity_value(
    name: str, value: Any, path: FieldPath
) -> tuple[Quantity | None, list[FieldError]]:
    quantity = quantity_or_none(value)
    if quantity is None:
        detail = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
        return None, [invalid(path, value, detail)]
    if quantity.sign() < 0:
        return quantity, [invalid(path, quantity.to_string(), "must be greater than or equal to 0")]
    if _is_extended(name) and quantity.milli_value() % 1000:
        return quantity, [invalid(path, quantity.to_string(), "must be an integer")]
    return quantity, []


def validate_resources(resources: Any, path: FieldPath) -> list[FieldError]:
    """``ValidateContainerResourceRequirements``: names, quantities, requests <= limits."""
    errors: list[FieldError] = []
    limits, requests = get_map(resources, "limits"), get_map(resources, "requests")
    limits_path, requests_path = path.child("limits"), path.child("requests")
    parsed_limits: dict[str, Quantity] = {}
    for name, value in limits.items():
        errors.extend(_validate_resource_name(name, limits_path.key(name)))
        quantity, quantity_errors = _validate_quantity_value(name, value, limits_path.key(name))
        errors.extend(quantity_errors)
        if quantity is not None:
            parsed_limits[name] = quantity
    for name, value in requests.items():
        errors.extend(_validate_resource_name(name, requests_path.key(name)))
        quantity, quantity_errors = _validate_quantity_value(name, value, requests_path.key(name))
        errors.extend(quantity_errors)
        overcommit = _is_native(name) and not _is_hugepages(name)
        limit = parsed_limits.get(name)
        if quantity is None:
            continue
        if limit is not None:
            text, limit_text = quantity.to_string(), limit.to_string()
            if quantity != limit and not overcommit:
                errors.append(
                    invalid(requests_path, text, f"must be equal to {name} limit of {limit_text}")
                )
            elif quantity > limit:
                errors.append(
                    invalid(
                        requests_path,
                        text,
                        f"must be less than or equal to {name} limit of {limit_text}",
                    )
                )
        elif name not in limits and not overcommit:
            errors.append(
                required(limits_path, "Limit must be set for non overcommitable resources")
            )
    return errors
