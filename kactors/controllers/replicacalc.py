"""How many replicas a resource metric asks for: the HPA's replica calculator, sans-I/O.

After Kubernetes' ``pkg/controller/podautoscaler/replica_calculator.go`` and the resource
metrics client beside it, over plain dicts: the target's pods (from the informer cache) and
the ``PodMetrics`` items metrics-server answered for the scale's selector. Values are
milli-units, as Go's ``Quantity.MilliValue()`` gives them: millicores for CPU,
thousandths of a byte for memory.

The rules that make the HPA calm rather than jumpy, all kept:

* a pod being deleted or failed is ignored; a pending pod is *unready*; a running pod
  without metrics is *missing*; for CPU, a pod still in its first five minutes is unready
  while its Ready condition is False or its sample predates readiness by less than one
  metrics window (a starting JVM burns CPU that says nothing about load), and after that
  only while it has never been ready;
* the usage ratio is total usage over total requests of the pods with metrics, against the
  target; within the tolerance (10 %) nothing changes;
* with missing pods, a scale-down counts them as using the target (at least 100 % of their
  request) and a scale-up as using nothing; a scale-up counts unready pods as using
  nothing; if that flips the direction, or lands within the tolerance, nothing changes.

Errors are :class:`MetricError` with Kubernetes' words, which the controller puts into
its condition and Events.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from kactors.api.meta import metadata_of, pod_ready_condition
from kactors.api.quantity import parse_quantity
from kactors.controllers.podutil import cluster_seconds

__all__ = [
    "CPU_INITIALIZATION_PERIOD",
    "INITIAL_READINESS_DELAY",
    "TOLERANCE",
    "MetricError",
    "PodGroups",
    "PodMetric",
    "Proposal",
    "group_pods",
    "pod_metrics",
    "pod_requests",
    "raw_resource_replicas",
    "resource_replicas",
]

Obj = Mapping[str, Any]
#: --horizontal-pod-autoscaler-tolerance
TOLERANCE = 0.1
#: --horizontal-pod-autoscaler-cpu-initialization-period
CPU_INITIALIZATION_PERIOD = 300.0
#: --horizontal-pod-autoscaler-initial-readiness-delay
INITIAL_READINESS_DELAY = 30.0


class MetricError(Exception):
    """No replica count can be computed from this metric (the message says why)."""


@attrs.frozen
class PodMetric:
    """One pod's usage of a resource: milli-units, sampled at ``timestamp`` over
    ``window`` seconds (cluster seconds)."""

    value: int
    timestamp: float
    window: float


@attrs.frozen
class PodGroups:
    """``groupPods``: the ready pods counted, and the names of the others by why."""

    ready: int
    unready: frozenset[str]
    missing: frozenset[str]
    ignored: frozenset[str]


@attrs.frozen
class Proposal:
    """What one metric proposes: a replica count, the utilization (percent of requests,
    for a Utilization target) and the average usage in milli-units."""

    replicas: int
    utilization: int | None
    average: int


def _window_seconds(text: Any) -> float:
    """metrics-server's window (``15s``, ``1m0s``) in seconds."""
    if not isinstance(text, str):
        return 0.0
    total, number = 0.0, ""
    for char in text:
        if char.isdigit() or char == ".":
            number += char
        elif number:
            total += float(number) * {"h": 3600, "m": 60, "s": 1}.get(char, 0)
            number = ""
    return total


def pod_metrics(items: Sequence[Obj], resource: str) -> dict[str, PodMetric]:
    """``getPodMetrics``: each pod's usage summed over its containers; a pod one of whose
    containers lacks the resource (or that has no containers) has no metric."""
    found: dict[str, PodMetric] = {}
    for item in items:
        containers = item.get("containers") or []
        total, missing = 0, not containers
        for container in containers:
            usage = (container.get("usage") or {}).get(resource)
            if usage is None:
                missing = True
                break
            total += parse_quantity(usage).milli_value()
        if not missing:
            found[metadata_of(item)["name"]] = PodMetric(
                total, cluster_seconds(item.get("timestamp")) or 0.0,
                _window_seconds(item.get("window")))
    return found


def group_pods(pods: Sequence[Obj], metrics: Mapping[str, PodMetric], resource: str,
               now: float, cpu_initialization_period: float = CPU_INITIALIZATION_PERIOD,
               initial_readiness_delay: float = INITIAL_READINESS_DELAY) -> PodGroups:
    """``groupPods`` (see the module doc)."""
    ready = 0
    unready: set[str] = set()
    missing: set[str] = set()
    ignored: set[str] = set()
    for pod in pods:
        meta = metadata_of(pod)
        name = meta["name"]
        phase = (pod.get("status") or {}).get("phase")
        if meta.get("deletionTimestamp") or phase == "Failed":
            ignored.add(name)
            continue
        if phase == "Pending":
            unready.add(name)
            continue
        metric = metrics.get(name)
        if metric is None:
            missing.add(name)
            continue
        if resource == "cpu" and _cpu_unready(pod, metric, now, cpu_initialization_period,
                                              initial_readiness_delay):
            unready.add(name)
            continue
        ready += 1
    return PodGroups(ready, frozenset(unready), frozenset(missing), frozenset(ignored))


def _cpu_unready(pod: Obj, metric: PodMetric, now: float, initialization: float,
                 readiness_delay: float) -> bool:
    condition = pod_ready_condition(pod)
    start = cluster_seconds((pod.get("status") or {}).get("startTime"))
    if condition is None or start is None:
        return True
    transition = cluster_seconds(condition.get("lastTransitionTime")) or 0.0
    not_ready = condition.get("status") == "False"
    if start + initialization > now:
        # still starting: unready, or the sample was (partly) taken before it was ready
        return not_ready or metric.timestamp < transition + metric.window
    # unready now and never ready since it started
    return not_ready and start + readiness_delay > transition


def pod_requests(pods: Sequence[Obj], resource: str) -> dict[str, int]:
    """``calculateRequests``: each pod's request of the resource (milli-units) over its
    containers and restartable (sidecar) init containers; raises MetricError for a
    container without one."""
    requests: dict[str, int] = {}
    for pod in pods:
        spec = pod.get("spec") or {}
        containers = list(spec.get("containers") or [])
        containers += [c for c in spec.get("initContainers") or []
                       if c.get("restartPolicy") == "Always"]
        total = 0
        for container in containers:
            value = ((container.get("resources") or {}).get("requests") or {}).get(resource)
            request = parse_quantity(value).milli_value() if value is not None else 0
            if request == 0:
                raise MetricError(f"missing request for {resource} in container "
                                  f"{container.get('name')} of Pod {metadata_of(pod)['name']}")
            total += request
        requests[metadata_of(pod)["name"]] = total
    return requests


def _utilization_ratio(metrics: Mapping[str, int], requests: Mapping[str, int],
                       target: int) -> tuple[float, int, int]:
    """``GetResourceUtilizationRatio``: (ratio to the target, utilization %, average)."""
    used = requested = entries = 0
    for name, value in metrics.items():
        if name not in requests:
            continue  # a metric for a pod we do not know: extraneous
        used += value
        requested += requests[name]
        entries += 1
    if requested == 0:
        raise MetricError("no metrics returned matched known pods")
    utilization = used * 100 // requested
    return utilization / target, utilization, used // entries


def _usage_ratio(metrics: Mapping[str, int], target: int) -> tuple[float, int]:
    """``GetMetricUtilizationRatio``: (ratio to the target, average usage)."""
    average = sum(metrics.values()) // len(metrics)
    return average / target, average


def _prepare(pods: Sequence[Obj], items: Sequence[Obj], resource: str, now: float
             ) -> tuple[dict[str, int], PodGroups]:
    if not items:
        raise MetricError(f"unable to get metrics for resource {resource}: "
                          "no metrics returned from resource metrics API")
    if not pods:
        raise MetricError("no pods returned by selector while calculating replica count")
    metrics = pod_metrics(items, resource)
    groups = group_pods(pods, metrics, resource, now)
    values = {name: metric.value for name, metric in metrics.items()
              if name not in groups.ignored and name not in groups.unready}
    return values, groups


def resource_replicas(current: int, target_utilization: int, resource: str,
                      pods: Sequence[Obj], items: Sequence[Obj], now: float,
                      tolerance: float = TOLERANCE) -> Proposal:
    """``GetResourceReplicas``: the replicas a Utilization target asks for."""
    metrics, groups = _prepare(pods, items, resource, now)
    requests = pod_requests(pods, resource)
    if not metrics:
        raise MetricError("did not receive metrics for targeted pods (pods might be unready)")
    ratio, utilization, average = _utilization_ratio(metrics, requests, target_utilization)
    scale_up_with_unready = bool(groups.unready) and ratio > 1.0
    if not scale_up_with_unready and not groups.missing:
        if abs(1.0 - ratio) <= tolerance:
            return Proposal(current, utilization, average)
        return Proposal(math.ceil(ratio * groups.ready), utilization, average)
    if groups.missing:
        if ratio < 1.0:  # scale-down: missing pods use exactly the target (>= 100 %)
            fallback = max(100, target_utilization)
            for name in groups.missing:
                metrics[name] = requests[name] * fallback // 100
        elif ratio > 1.0:  # scale-up: missing pods use nothing
            for name in groups.missing:
                metrics[name] = 0
    if scale_up_with_unready:
        for name in groups.unready:
            metrics[name] = 0
    new_ratio, _, _ = _utilization_ratio(metrics, requests, target_utilization)
    return Proposal(_settle(current, ratio, new_ratio, len(metrics), tolerance),
                    utilization, average)


def raw_resource_replicas(current: int, target_average: int, resource: str,
                          pods: Sequence[Obj], items: Sequence[Obj], now: float,
                          tolerance: float = TOLERANCE) -> Proposal:
    """``GetRawResourceReplicas`` (``calcPlainMetricReplicas``): the replicas an
    AverageValue target (milli-units per pod) asks for."""
    metrics, groups = _prepare(pods, items, resource, now)
    if not metrics:
        raise MetricError("did not receive metrics for targeted pods (pods might be unready)")
    ratio, average = _usage_ratio(metrics, target_average)
    scale_up_with_unready = bool(groups.unready) and ratio > 1.0
    if not scale_up_with_unready and not groups.missing:
        if abs(1.0 - ratio) <= tolerance:
            return Proposal(current, None, average)
        return Proposal(math.ceil(ratio * groups.ready), None, average)
    if groups.missing:
        for name in groups.missing:
            metrics[name] = target_average if ratio < 1.0 else 0
    if scale_up_with_unready:
        for name in groups.unready:
            metrics[name] = 0
    new_ratio, _ = _usage_ratio(metrics, target_average)
    return Proposal(_settle(current, ratio, new_ratio, len(metrics), tolerance), None, average)


def _settle(current: int, ratio: float, new_ratio: float, counted: int,
            tolerance: float) -> int:
    """The count after missing and unready pods were filled in: unchanged if that lands
    within the tolerance or would reverse the direction."""
    if abs(1.0 - new_ratio) <= tolerance or (ratio < 1.0 < new_ratio) or \
            (ratio > 1.0 > new_ratio):
        return current
    replicas = math.ceil(new_ratio * counted)
    if (new_ratio < 1.0 and replicas > current) or (new_ratio > 1.0 and replicas < current):
        return current
    return replicas
