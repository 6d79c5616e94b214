"""ResourceQuota: what a namespace may hold, and what a create would add to it.

A ResourceQuota's ``spec.hard`` caps, per namespace:

* pods' compute resources: ``requests.cpu`` (or ``cpu``), ``requests.memory`` (or
  ``memory``), ``limits.cpu``, ``limits.memory``, summed over the pods that are not
  finished (a pod asks for the sum of its containers, or its largest init container if
  more);
* object counts: ``pods``, ``services``, ``configmaps``, ``secrets``,
  ``resourcequotas``, and ``count/<resource>[.<group>]`` for any served resource
  (``count/deployments.apps``).

The apiserver's quota admission refuses a create that would go over a limit, with
Kubernetes' words (``exceeded quota: compute, requested: pods=1, used: pods=2, limited:
pods=2``), and a pod that does not say what a quota on cpu or memory needs to count
(``failed quota: compute: must specify limits.cpu for: app``). The resourcequota
controller writes each quota's ``status.hard`` and ``status.used``. Quota scopes are not
supported (a scoped quota counts everything in its namespace).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .kinds import ResourceInfo
from .meta import is_pod_terminal
from .quantity import Quantity
from .validate_meta import quantity_or_none

__all__ = ["COMPUTE", "counted_resource", "exceeded", "missing_resources", "pod_totals", "pod_usage",
           "resource_quantities", "usage_of"]

#: the compute resources a quota may cap, and the pod field each sums
COMPUTE = {"requests.cpu": ("requests", "cpu"), "cpu": ("requests", "cpu"),
           "requests.memory": ("requests", "memory"), "memory": ("requests", "memory"),
           "limits.cpu": ("limits", "cpu"), "limits.memory": ("limits", "memory")}
#: the object counts with names of their own (``count/<resource>`` names the others)
_LEGACY_COUNTS = {"pods": ("", "pods"), "services": ("", "services"),
                  "configmaps": ("", "configmaps"), "secrets": ("", "secrets"),
                  "resourcequotas": ("", "resourcequotas"),
                  "persistentvolumeclaims": ("", "persistentvolumeclaims")}
_ONE = Quantity.parse("1")


def resource_quantities(resources: Any, field: str) -> dict[str, Quantity]:
    """A container's ``resources[field]`` (``requests`` or ``limits``), parsed; what does
    not parse is left out."""
    values = resources.get(field) if isinstance(resources, Mapping) else None
    found = {}
    for name, raw in (values if isinstance(values, Mapping) else {}).items():
        quantity = quantity_or_none(raw)
        if quantity is not None:
            found[name] = quantity
    return found


def pod_totals(pod: Mapping[str, Any], field: str) -> dict[str, Quantity]:
    """A pod's effective requests or limits: the sum over its containers, or the most
    an init container asks if more (Kubernetes' pod resource rule)."""
    spec = pod.get("spec") or {}
    total: dict[str, Quantity] = {}
    for container in spec.get("containers") or []:
        for name, quantity in resource_quantities(container.get("resources"), field).items():
            total[name] = total[name] + quantity if name in total else quantity
    for container in spec.get("initContainers") or []:
        for name, quantity in resource_quantities(container.get("resources"), field).items():
            if name not in total or total[name] < quantity:
                total[name] = quantity
    return total


def pod_usage(pod: Mapping[str, Any], names: Iterable[str]) -> dict[str, Quantity]:
    """What `pod` counts for each quota resource in `names` (nothing once finished)."""
    if is_pod_terminal(pod):
        return {}
    usage: dict[str, Quantity] = {}
    sums: dict[str, dict[str, Quantity]] = {}  # field -> pod_totals, as first needed
    for name in names:
        if name in ("pods", "count/pods"):
            usage[name] = _ONE
        elif name in COMPUTE:
            field, resource = COMPUTE[name]
            totals = sums.get(field)
            if totals is None:
                totals = sums[field] = pod_totals(pod, field)
            if resource in totals:
                usage[name] = totals[resource]
    return usage


def counted_resource(name: str) -> tuple[str, str] | None:
    """(group, resource) an object-count quota resource counts, or None for another
    quota resource."""
    if name in _LEGACY_COUNTS:
        return _LEGACY_COUNTS[name]
    if name.startswith("count/"):
        resource, _, group = name[len("count/"):].partition(".")
        return group, resource
    return None


def usage_of(info: ResourceInfo, obj: Mapping[str, Any], names: Iterable[str]
             ) -> dict[str, Quantity]:
    """What one `obj` of `info`'s kind counts for each quota resource in `names`."""
    names = list(names)
    usage = pod_usage(obj, names) if (info.group, info.resource) == ("", "pods") else {}
    for name in names:
        if name not in usage and counted_resource(name) == (info.group, info.resource):
            usage[name] = _ONE
    return usage


def missing_resources(pod: Mapping[str, Any], names: Iterable[str]) -> str | None:
    """``must specify limits.cpu for: app; requests.memory for: app,side`` when a quota
    caps a compute resource some container does not state (Kubernetes' backward
    compatible rule), else None."""
    missing: dict[str, list[str]] = {}
    spec = pod.get("spec") or {}
    for name in sorted(set(names) & set(COMPUTE)):
        field, resource = COMPUTE[name]
        for container in [*(spec.get("initContainers") or []), *(spec.get("containers") or [])]:
            if resource not in (((container.get("resources") or {}).get(field)) or {}):
                missing.setdefault(name, []).append(str(container.get("name")))
    if not missing:
        return None
    return "must specify " + "; ".join(f"{name} for: {','.join(sorted(set(containers)))}"
                                       for name, containers in sorted(missing.items()))


def _pretty(values: Mapping[str, Quantity]) -> str:
    return ",".join(f"{name}={values[name]}" for name in sorted(values))


def exceeded(quota: Mapping[str, Any], used: Mapping[str, Quantity],
             delta: Mapping[str, Quantity]) -> str | None:
    """``exceeded quota: <name>, requested: ..., used: ..., limited: ...`` if `delta`
    on top of `used` goes over `quota`'s hard limits, else None."""
    hard = resource_quantities(quota.get("spec"), "hard")
    over = [name for name, value in delta.items() if name in hard and
            hard[name] < (used[name] + value if name in used else value)]
    if not over:
        return None
    zero = Quantity.parse("0")
    return (f"exceeded quota: {quota['metadata']['name']}, "
            f"requested: {_pretty({n: delta[n] for n in over})}, "
            f"used: {_pretty({n: used.get(n, zero) for n in over})}, "
            f"limited: {_pretty({n: hard[n] for n in over})}")
