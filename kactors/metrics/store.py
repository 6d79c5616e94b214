"""metrics-server's storage, sans-I/O: the last two scrapes of every node and container.

Kubelets report *cumulative* CPU time; a rate needs two points. As metrics-server's
``pkg/storage`` does, the store keeps, per node and per container, the point of the last
scrape (``last``) and an older one (``prev``) and serves ``(last - prev) / window``:

* a point replaces ``last`` and moves the old ``last`` to ``prev`` when it is newer; a
  point no newer than ``last`` keeps the old ``prev`` if that is older than it;
* a container that restarted since ``last`` starts over (its old points are dropped);
* a fresh container (started between 10 s and ``resolution`` before its first point)
  gets a ``prev`` at its start time with no CPU used, so it has metrics after one scrape;
* a pod has metrics only when every container of its last point has a ``prev``;
* a node (or pod) missing from a scrape is forgotten: a node whose kubelet did not
  answer disappears from the API at the next scrape, as in metrics-server.

A usage whose counters went backwards (a restarted kubelet) is skipped, as metrics-server
skips it ("unexpected decrease in cumulative CPU usage value").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import attrs

__all__ = [
    "FRESH_CONTAINER_MIN_SECONDS",
    "Batch",
    "MetricsStore",
    "Point",
    "Usage",
    "batch_from_summaries",
    "usage_between",
]

#: metrics-server's ``freshContainerMinMetricsResolution``: a rate over less is too noisy
FRESH_CONTAINER_MIN_SECONDS = 10.0

PodKey = tuple[str, str]  # (namespace, name)


@attrs.frozen
class Point:
    """One measurement: since ``start`` (of the node or container), ``cumulative``
    nanoseconds of CPU were used up to ``timestamp``; ``memory`` is the working set."""

    start: float
    timestamp: float
    cumulative: int
    memory: int


@attrs.frozen
class Usage:
    """What the API serves: CPU in nanocores over ``window`` seconds up to ``timestamp``,
    and the working set in bytes at ``timestamp``."""

    timestamp: float
    window: float
    cpu: int
    memory: int


@attrs.frozen
class Batch:
    """One scrape round: the points of every node that answered and of their pods'
    containers (containers in the kubelet's order)."""

    nodes: Mapping[str, Point] = attrs.field(factory=dict)
    pods: Mapping[PodKey, Mapping[str, Point]] = attrs.field(factory=dict)


def _point(stats: Mapping[str, Any], start: float) -> Point:
    cpu, memory = stats["cpu"], stats["memory"]
    return Point(start, float(cpu["time"]), int(cpu["usageCoreNanoSeconds"]),
                 int(memory["workingSetBytes"]))


def batch_from_summaries(summaries: Iterable[Mapping[str, Any]]) -> Batch:
    """A :class:`Batch` from kubelet summaries (:func:`kactors.node.usage.summary`)."""
    nodes: dict[str, Point] = {}
    pods: dict[PodKey, dict[str, Point]] = {}
    for summary in summaries:
        node = summary["node"]
        nodes[node["nodeName"]] = _point(node, float(node["startTime"]))
        for pod in summary.get("pods") or ():
            ref = pod["podRef"]
            key = (ref["namespace"], ref["name"])
            if key in pods:
                continue  # "Got duplicate pod point": the first one wins
            pods[key] = {c["name"]: _point(c, float(c["startTime"]))
                         for c in pod.get("containers") or ()}
    return Batch(nodes, pods)


def usage_between(last: Point, prev: Point) -> Usage | None:
    """``resourceUsage``: the rate from ``prev`` to ``last``; None if the counters went
    backwards or no time passed."""
    if last.start < prev.start or last.cumulative < prev.cumulative:
        return None
    window = last.timestamp - prev.timestamp
    if window <= 0:
        return None
    cpu = int((last.cumulative - prev.cumulative) / window)
    return Usage(last.timestamp, window, cpu, last.memory)


class MetricsStore:
    """The last two points of every node and container (see the module docstring)."""

    def __init__(self, resolution: float = 15.0) -> None:
        self.resolution = resolution
        self.nodes: dict[str, Point] = {}
        self.prev_nodes: dict[str, Point] = {}
        self.pods: dict[PodKey, dict[str, Point]] = {}
        self.prev_pods: dict[PodKey, dict[str, Point]] = {}

    def store(self, batch: Batch) -> None:
        """Take in one scrape round; whatever it does not mention is forgotten."""
        nodes: dict[str, Point] = {}
        prev_nodes: dict[str, Point] = {}
        for name, point in batch.nodes.items():
            nodes[name] = point
            older = self._previous(point, self.nodes.get(name), self.prev_nodes.get(name))
            if older is not None:
                prev_nodes[name] = older
        pods: dict[PodKey, dict[str, Point]] = {}
        prev_pods: dict[PodKey, dict[str, Point]] = {}
        for key, containers in batch.pods.items():
            last_pod = self.pods.get(key) or {}
            prev_pod = self.prev_pods.get(key) or {}
            kept: dict[str, Point] = {}
            for name, point in containers.items():
                age = point.timestamp - point.start
                if FRESH_CONTAINER_MIN_SECONDS <= age < self.resolution:
                    kept[name] = Point(point.start, point.start, 0, point.memory)
                    continue
                last = last_pod.get(name)
                if last is None or point.start >= last.timestamp:
                    continue  # new, or restarted since the last point: start over
                older = self._previous(point, last, prev_pod.get(name))
                if older is not None:
                    kept[name] = older
            pods[key] = dict(containers)
            if kept:
                prev_pods[key] = kept
        self.nodes, self.prev_nodes = nodes, prev_nodes
        self.pods, self.prev_pods = pods, prev_pods

    @staticmethod
    def _previous(point: Point, last: Point | None, prev: Point | None) -> Point | None:
        if last is None:
            return None
        if point.timestamp > last.timestamp:
            return last
        if prev is not None and prev.timestamp < point.timestamp:
            return prev
        return None

    def node(self, name: str) -> Usage | None:
        """The node's usage, or None until it has two points."""
        last, prev = self.nodes.get(name), self.prev_nodes.get(name)
        if last is None or prev is None:
            return None
        return usage_between(last, prev)

    def pod(self, namespace: str, name: str) -> tuple[float, float, list[tuple[str, Usage]]] | None:
        """(timestamp, window, [(container, usage)]) of a pod, or None while any of its
        containers lacks a previous point. The timestamp and window are those of the
        container measured earliest."""
        key = (namespace, name)
        last_pod, prev_pod = self.pods.get(key), self.prev_pods.get(key)
        if last_pod is None or prev_pod is None:
            return None
        containers: list[tuple[str, Usage]] = []
        earliest: Usage | None = None
        for container, last in last_pod.items():
            prev = prev_pod.get(container)
            if prev is None:
                return None
            usage = usage_between(last, prev)
            if usage is None:
                continue  # "Skipping container usage metric"
            containers.append((container, usage))
            if earliest is None or usage.timestamp < earliest.timestamp:
                earliest = usage
        if earliest is None:
            return None
        return earliest.timestamp, earliest.window, containers
