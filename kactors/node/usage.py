"""What a kubelet's resource usage summary says (``/stats/summary``), sans-I/O.

A real kubelet reads cgroup counters through cAdvisor; ours derives each running
container's usage from its image's behaviour (:class:`~kactors.node.images.ImageBehavior`)
and the container's age, at the moment someone asks, so usage costs nothing while nobody
asks (metrics-server asks every ``metric_resolution`` seconds):

* memory: the working set is :meth:`ImageBehavior.memory_at` (the same ramp the runtime
  plans OOM kills with), capped at the memory limit, in whole 4 KiB pages as a cgroup
  counts it;
* CPU: the image's ``cpu_nanocores`` times a per-container factor within the image's
  ``spread``, plus the image's ``cpu_per_request`` for every connection kube-proxy
  balanced onto the pod (:mod:`kactors.node.traffic`: a load generator drives it),
  capped at the CPU limit. The factor comes from the container ID, which the
  runtime drew from its seeded generator: seeded like every other spread, without drawing
  from that generator again (which would move every later pull, start and crash time).
  The cumulative counter (``usageCoreNanoSeconds``) is rate x age plus the connections'
  work, so metrics-server's rate between two scrapes gives the rate back;
* the node: the sum of its containers plus a fixed system overhead (kubelet, container
  runtime, OS). Its cumulative CPU must never go down while containers come and go:
  :class:`NodeCpuCounter` keeps what vanished containers had used.

Times are cluster seconds (floats), as everywhere in the runtime.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from .images import ImageBehavior

__all__ = [
    "NODE_SYSTEM_CPU",
    "NODE_SYSTEM_MEMORY",
    "ContainerUsage",
    "NodeCpuCounter",
    "container_usage",
    "spread_factor",
    "summary",
]

#: CPU the node's system uses besides its pods (kubelet, containerd, the OS): 50m
NODE_SYSTEM_CPU = 50_000_000
#: memory the node's system holds besides its pods
NODE_SYSTEM_MEMORY = 320 * 1024 * 1024
#: a cgroup counts memory in pages
PAGE = 4096



@attrs.frozen
class ContainerUsage:
    """One container's usage at ``time``: nanocores now, CPU nanoseconds since ``start``,
    working set bytes."""

    name: str
    start: float
    time: float
    nanocores: int
    cumulative: int
    working_set: int


def spread_factor(behavior: ImageBehavior, container_id: str) -> float:
    """``1 ± spread``, fixed for one container: from the last 8 hex digits of its ID."""
    if behavior.spread <= 0:
        return 1.0
    try:
        unit = int(container_id[-8:], 16) / 0xFFFFFFFF
    except ValueError:
        return 1.0
    return 1.0 + behavior.spread * (2.0 * unit - 1.0)


def container_usage(name: str, behavior: ImageBehavior, container_id: str, started: float,
                    now: float, cpu_limit: int | None = None,
                    memory_limit: int | None = None, load: tuple[int, int] = (0, 0)
                    ) -> ContainerUsage:
    """The usage of a container started at ``started``, at ``now`` (see the module doc);
    limits in nanocores and bytes (None: unlimited). ``load``: the CPU its connections
    cost it, (nanoseconds so far, nanocores now), already throttled at its limit
    (:mod:`kactors.node.workload`)."""
    age = max(0.0, now - started)
    nanocores = int(behavior.cpu_nanocores * spread_factor(behavior, container_id))
    if cpu_limit is not None:
        nanocores = min(nanocores, cpu_limit)
    cumulative = int(nanocores * age) + load[0]
    nanocores += load[1]
    memory = behavior.memory_at(age)
    if memory_limit is not None:
        memory = min(memory, memory_limit)
    memory = -(-memory // PAGE) * PAGE  # whole pages
    return ContainerUsage(name, started, now, nanocores, cumulative, memory)


class NodeCpuCounter:
    """The node's cumulative CPU time: its system's since the node started, plus every
    container's, including those gone since the last summary, so that it only grows.

    A container that vanished between two summaries is counted up to the last summary
    that saw it (cAdvisor's node counter would include its last moments too)."""

    def __init__(self, started: float) -> None:
        self.started = started
        self.retired = 0
        self.seen: dict[str, int] = {}

    def total(self, containers: Mapping[str, int], now: float) -> int:
        """Nanoseconds of CPU used on the node up to ``now``; ``containers`` maps each
        running container's ID to its cumulative CPU."""
        for container_id, used in self.seen.items():
            if container_id not in containers:
                self.retired += used
        self.seen = dict(containers)
        system = int(NODE_SYSTEM_CPU * max(0.0, now - self.started))
        return self.retired + system + sum(containers.values())


def _cpu(usage_nanocores: int, cumulative: int, time: float) -> dict[str, Any]:
    return {"time": time, "usageNanoCores": usage_nanocores,
            "usageCoreNanoSeconds": cumulative}


def _memory(working_set: int, time: float) -> dict[str, Any]:
    return {"time": time, "workingSetBytes": working_set}


def summary(node: str, pods: Iterable[tuple[Mapping[str, str], list[tuple[str,
            ContainerUsage]]]], counter: NodeCpuCounter, now: float) -> dict[str, Any]:
    """The kubelet's ``Summary`` (``/stats/summary``) as a plain dict.

    ``pods`` gives, per pod, its ``podRef`` (name, namespace, uid) and its running
    containers as (container ID, usage). Pods with no running container are left out, as
    cAdvisor knows no cgroup for them.
    """
    rendered = []
    by_id: dict[str, int] = {}
    node_cpu = NODE_SYSTEM_CPU
    node_memory = NODE_SYSTEM_MEMORY
    for ref, containers in pods:
        if not containers:
            continue
        items = []
        pod_cpu = pod_cumulative = pod_memory = 0
        for container_id, usage in containers:
            by_id[container_id] = usage.cumulative
            pod_cpu += usage.nanocores
            pod_cumulative += usage.cumulative
            pod_memory += usage.working_set
            items.append({"name": usage.name, "startTime": usage.start,
                          "cpu": _cpu(usage.nanocores, usage.cumulative, now),
                          "memory": _memory(usage.working_set, now)})
        node_cpu += pod_cpu
        node_memory += pod_memory
        rendered.append({"podRef": dict(ref),
                         "startTime": min(usage.start for _, usage in containers),
                         "containers": items, "cpu": _cpu(pod_cpu, pod_cumulative, now),
                         "memory": _memory(pod_memory, now)})
    return {"node": {"nodeName": node, "startTime": counter.started,
                     "cpu": _cpu(node_cpu, counter.total(by_id, now), now),
                     "memory": _memory(node_memory, now)},
            "pods": rendered}
