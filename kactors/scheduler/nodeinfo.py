"""``NodeInfo``: a node plus the pods the scheduler counts on it.

The pods include *assumed* ones (chosen by the scheduler, binding not yet confirmed), so
two pods scheduled back to back never both take the last free CPU. Every total a filter
or score needs (requested cpu/memory, non-zero requests, pod count, used host ports) is
kept up to date incrementally by :meth:`NodeInfo.add_pod` / :meth:`NodeInfo.remove_pod`,
in integers, so a filter is a handful of integer comparisons.

NodeInfo is the scheduler's own mutable bookkeeping; the node and pod dicts it refers
to are shared and never modified.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any

import attrs

from .podinfo import HostPort, PodInfo
from .resources import Resources, node_allocatable
from .taints import NO_EXECUTE, NO_SCHEDULE, PREFER_NO_SCHEDULE, Taint, parse_taints

__all__ = ["NodeChange", "NodeInfo"]

_EMPTY: Mapping[str, str] = {}
_HARD_EFFECTS = frozenset((NO_SCHEDULE, NO_EXECUTE))


class NodeChange(enum.IntFlag):
    """Which scheduling-relevant parts of a node changed in an update."""

    NONE = 0
    ALLOCATABLE = 1
    LABELS = 2
    TAINTS = 4
    UNSCHEDULABLE = 8
    ALL = ALLOCATABLE | LABELS | TAINTS | UNSCHEDULABLE


@attrs.define(eq=False)
class NodeInfo:
    """Scheduling view of one node. ``node`` is ``None`` while only pods are known
    (a pod's binding arrived before its node, or the node was deleted before its pods)."""

    name: str
    node: Mapping[str, Any] | None = None
    labels: Mapping[str, str] = _EMPTY
    taints: tuple[Taint, ...] = ()
    #: NoSchedule/NoExecute taints, in node order (what TaintToleration filters on).
    hard_taints: tuple[Taint, ...] = ()
    #: PreferNoSchedule taints (what TaintToleration scores on).
    prefer_taints: tuple[Taint, ...] = ()
    unschedulable: bool = False
    allocatable: Resources = Resources()
    allowed_pods: int = 0
    alloc_cpu: int = 0
    alloc_memory: int = 0
    alloc_ephemeral: int = 0
    req_cpu: int = 0
    req_memory: int = 0
    req_ephemeral: int = 0
    req_scalars: dict[str, int] = attrs.Factory(dict)
    non_zero_cpu: int = 0
    non_zero_memory: int = 0
    pods: dict[str, PodInfo] = attrs.Factory(dict)
    #: (protocol, port) -> {ip: number of pods using it}
    used_ports: dict[tuple[str, int], dict[str, int]] = attrs.Factory(dict)
    #: Bumped on every change: lets caches tell whether what they saw is still current.
    generation: int = 0

    @classmethod
    def for_node(cls, node: Mapping[str, Any]) -> NodeInfo:
        """A NodeInfo for ``node`` with no pods yet."""
        metadata = node.get("metadata")
        name = metadata.get("name", "") if isinstance(metadata, Mapping) else ""
        info = cls(str(name))
        info.set_node(node)
        return info

    def set_node(self, node: Mapping[str, Any] | None) -> NodeChange:
        """Point at a new version of the node; returns the :class:`NodeChange` flags."""
        old = (self.allocatable, self.allowed_pods, self.labels, self.taints, self.unschedulable)
        self.node = node
        if node is None:
            self.labels, self.taints, self.unschedulable = _EMPTY, (), False
            self.allocatable, self.allowed_pods = Resources(), 0
        else:
            metadata = node.get("metadata")
            labels = metadata.get("labels") if isinstance(metadata, Mapping) else None
            self.labels = labels if isinstance(labels, Mapping) else _EMPTY
            self.taints = parse_taints(node)
            spec = node.get("spec")
            self.unschedulable = (
                bool(spec.get("unschedulable")) if isinstance(spec, Mapping) else False
            )
            self.allocatable, self.allowed_pods = node_allocatable(node)
        self.hard_taints = tuple(t for t in self.taints if t.effect in _HARD_EFFECTS)
        self.prefer_taints = tuple(t for t in self.taints if t.effect == PREFER_NO_SCHEDULE)
        self.alloc_cpu = self.allocatable.milli_cpu
        self.alloc_memory = self.allocatable.memory
        self.alloc_ephemeral = self.allocatable.ephemeral_storage
        self.generation += 1
        change = NodeChange.NONE
        if old[0] != self.allocatable or old[1] != self.allowed_pods:
            change |= NodeChange.ALLOCATABLE
        if dict(old[2]) != dict(self.labels):
            change |= NodeChange.LABELS
        if old[3] != self.taints:
            change |= NodeChange.TAINTS
        if old[4] != self.unschedulable:
            change |= NodeChange.UNSCHEDULABLE
        return change

    # -- pods -----------------------------------------------------------------------------

    def add_pod(self, pod: PodInfo) -> None:
        """Count ``pod`` on this node (its key must not be here yet)."""
        self.pods[pod.key] = pod
        self._account(pod, 1)

    def remove_pod(self, key: str) -> PodInfo | None:
        """Stop counting the pod with ``key``; returns it, or ``None`` if it was not here."""
        pod = self.pods.pop(key, None)
        if pod is not None:
            self._account(pod, -1)
        return pod

    def _account(self, pod: PodInfo, sign: int) -> None:
        requests = pod.requests
        self.req_cpu += sign * requests.milli_cpu
        self.req_memory += sign * requests.memory
        self.req_ephemeral += sign * requests.ephemeral_storage
        for name, amount in requests.scalars:
            total = self.req_scalars.get(name, 0) + sign * amount
            if total:
                self.req_scalars[name] = total
            else:
                self.req_scalars.pop(name, None)
        self.non_zero_cpu += sign * pod.non_zero_cpu
        self.non_zero_memory += sign * pod.non_zero_memory
        for port in pod.host_ports:
            ips = self.used_ports.setdefault((port.protocol, port.port), {})
            count = ips.get(port.ip, 0) + sign
            if count > 0:
                ips[port.ip] = count
            else:
                ips.pop(port.ip, None)
                if not ips:
                    del self.used_ports[(port.protocol, port.port)]
        self.generation += 1

    # -- queries ----------------------------------------------------------------------------

    @property
    def requested(self) -> Resources:
        """Total requests of the pods counted here."""
        return Resources(
            self.req_cpu,
            self.req_memory,
            self.req_ephemeral,
            tuple(sorted(self.req_scalars.items())),
        )

    @property
    def num_pods(self) -> int:
        """Number of pods counted here (assumed ones included)."""
        return len(self.pods)

    def port_conflicts(self, port: HostPort) -> bool:
        """``HostPortInfo.CheckConflict``: ``0.0.0.0`` clashes with every ip of the same
        (protocol, port); a specific ip clashes with itself and with ``0.0.0.0``."""
        ips = self.used_ports.get((port.protocol, port.port))
        if not ips:
            return False
        if port.ip == "0.0.0.0":
            return True
        return port.ip in ips or "0.0.0.0" in ips
