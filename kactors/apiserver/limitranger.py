"""LimitRanger: the admission plugin that applies a namespace's LimitRanges to new pods.

A LimitRange (core/v1) lists limits per ``type``: ``Container`` items give each container
``default`` limits and ``defaultRequest`` requests it does not set, and bound each
container with ``min``, ``max`` and ``maxLimitRequestRatio``; ``Pod`` items bound the
sums over a pod's containers. As Kubernetes' plugin does on a pod create:

* mutating: missing requests and limits are filled from every LimitRange of the
  namespace, and the pod is annotated ``kubernetes.io/limit-ranger: LimitRanger plugin
  set: cpu, memory request for container app; cpu limit for container app``;
* validating: every bound is checked; a breach refuses the pod with 403 and Kubernetes'
  words (``maximum cpu usage per Container is 500m, but limit is 1``).

An item's defaults are completed as the API defaults them (a ``max`` is the default
limit, a default limit the default request, a ``min`` the default request:
`kactors.api.defaults.complete_limit_item`). Pod updates are not checked, as
in Kubernetes (containers' resources cannot change).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from kactors.api.defaults import complete_limit_item
from kactors.api.quantity import Quantity
from kactors.api.quota import pod_totals, resource_quantities
from kactors.api.validate_meta import quantity_or_none

__all__ = ["LIMIT_RANGER_ANNOTATION", "apply_limit_ranges", "limit_violations"]

LIMIT_RANGER_ANNOTATION = "kubernetes.io/limit-ranger"
_CONTAINER, _POD = "Container", "Pod"


def _items(ranges: Iterable[Mapping[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [complete_limit_item(item) for limit_range in ranges
            for item in (limit_range.get("spec") or {}).get("limits") or []
            if isinstance(item, Mapping) and item.get("type") == kind]


def _containers(pod: Mapping[str, Any]) -> list[dict[str, Any]]:
    spec = pod.get("spec") or {}
    return [c for key in ("initContainers", "containers") for c in spec.get(key) or []
            if isinstance(c, dict)]


def apply_limit_ranges(pod: dict[str, Any], ranges: Iterable[Mapping[str, Any]]) -> None:
    """Fill in `pod`'s missing container requests and limits from the Container items
    of `ranges` (in place), and say what was set in its annotation."""
    items = _items(ranges, _CONTAINER)
    if not items:
        return
    said: list[str] = []
    for container in _containers(pod):
        resources = container.get("resources")
        resources = dict(resources) if isinstance(resources, Mapping) else {}
        for field, item_key, word in (("requests", "defaultRequest", "request"),
                                      ("limits", "default", "limit")):
            current = dict(resources.get(field) or {})
            added = []
            for item in items:
                for name, value in (item.get(item_key) or {}).items():
                    if name not in current:
                        current[name] = value
                        added.append(name)
            if added:
                resources[field] = current
                said.append(f"{', '.join(added)} {word} for container {container.get('name')}")
        if resources:
            container["resources"] = resources
    if said:
        meta = pod.setdefault("metadata", {})
        meta["annotations"] = {**(meta.get("annotations") or {}),
                               LIMIT_RANGER_ANNOTATION: "LimitRanger plugin set: " +
                               "; ".join(said)}


def _measure(name: str, quantity: Quantity) -> int:
    """``requestLimitEnforcedValues``: millis for cpu, whole units otherwise."""
    return quantity.milli_value() if name == "cpu" else quantity.value()


def _check(kind: str, item: Mapping[str, Any], requests: Mapping[str, Quantity],
           limits: Mapping[str, Quantity]) -> list[str]:
    """``minConstraint``, ``maxConstraint``, ``limitRequestRatioConstraint``."""
    problems: list[str] = []
    for name, raw in (item.get("min") or {}).items():
        enforced = quantity_or_none(raw)
        if enforced is None:
            continue
        request, limit = requests.get(name), limits.get(name)
        if request is None:
            problems.append(f"minimum {name} usage per {kind} is {enforced}.  No request is "
                            "specified")
        elif _measure(name, request) < _measure(name, enforced):
            problems.append(f"minimum {name} usage per {kind} is {enforced}, but request is "
                            f"{request}")
        elif limit is not None and _measure(name, limit) < _measure(name, enforced):
            problems.append(f"minimum {name} usage per {kind} is {enforced}, but limit is "
                            f"{limit}")
    for name, raw in (item.get("max") or {}).items():
        enforced = quantity_or_none(raw)
        if enforced is None:
            continue
        limit = limits.get(name)
        if limit is None:
            problems.append(f"maximum {name} usage per {kind} is {enforced}.  No limit is "
                            "specified")
        elif _measure(name, limit) > _measure(name, enforced):
            problems.append(f"maximum {name} usage per {kind} is {enforced}, but limit is "
                            f"{limit}")
    for name, raw in (item.get("maxLimitRequestRatio") or {}).items():
        enforced = quantity_or_none(raw)
        if enforced is None:
            continue
        request, limit = requests.get(name), limits.get(name)
        if limit is None or request is None or request.is_zero():
            problems.append(f"{name} max limit to request ratio per {kind} is {enforced}, "
                            "but no request is specified or request is 0.")
            continue
        ratio = limit.milli_value() / request.milli_value()
        if ratio > enforced.milli_value() / 1000:
            problems.append(f"{name} max limit to request ratio per {kind} is {enforced}, "
                            f"but provided ratio is {ratio:f}.")
    return problems


def limit_violations(pod: Mapping[str, Any], ranges: Iterable[Mapping[str, Any]]
                     ) -> list[str]:
    """Every bound of `ranges` that `pod` breaks, in Kubernetes' words."""
    ranges = list(ranges)
    problems: list[str] = []
    for item in _items(ranges, _CONTAINER):
        for container in _containers(pod):
            resources = container.get("resources")
            problems += _check(_CONTAINER, item, resource_quantities(resources, "requests"),
                               resource_quantities(resources, "limits"))
    for item in _items(ranges, _POD):
        problems += _check(_POD, item, pod_totals(pod, "requests"),
                           pod_totals(pod, "limits"))
    return problems
