"""Preemption: which lower-priority pods to evict so that a pod that fits nowhere fits.

After kube-scheduler's DefaultPreemption (its PostFilter), for resources: a pod that
fails on every node may preempt (unless its ``preemptionPolicy`` is ``Never``). The
candidates are the nodes it failed on for resources only (NodeResourcesFit: cpu,
memory, ephemeral storage, pod count); on each, all pods of lower priority are taken
away, and if the pod then fits, as many of them as possible are given back, the most
important first (the "reprieve"): the rest are the victims. The node chosen is the one
whose victims have the lowest highest priority, then the lowest sum of priorities, then
are fewest (then the first by name). The scheduler then nominates the node for the pod,
deletes the victims with an Event ``Preempted``, and schedules the pod once they are
gone.

Simplified from Kubernetes: only resources are re-checked with the victims away (a node
that failed another filter is no candidate), PodDisruptionBudgets are not weighed, and
pods nominated to a node do not reserve it from others.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import attrs

from kactors.scheduler.framework import FilterStatus
from kactors.scheduler.nodeinfo import NodeInfo
from kactors.scheduler.plugins.noderesources import FIT_NAME
from kactors.scheduler.podinfo import PodInfo

__all__ = ["Preemption", "may_preempt", "select_victims"]


@attrs.frozen
class Preemption:
    """The node to nominate and the pods to evict there."""

    node: str
    victims: tuple[PodInfo, ...]


def may_preempt(pod: Mapping[str, object]) -> bool:
    """Whether the pod's ``preemptionPolicy`` lets it preempt (``Never`` does not)."""
    spec = pod.get("spec")
    return not (isinstance(spec, Mapping) and spec.get("preemptionPolicy") == "Never")


def _fits(pod: PodInfo, node: NodeInfo, away: Sequence[PodInfo]) -> bool:
    """NodeResourcesFit of `pod` on `node` with `away` gone."""
    requests = pod.requests
    cpu = node.req_cpu - sum(p.requests.milli_cpu for p in away)
    memory = node.req_memory - sum(p.requests.memory for p in away)
    ephemeral = node.req_ephemeral - sum(p.requests.ephemeral_storage for p in away)
    if len(node.pods) - len(away) + 1 > node.allowed_pods:
        return False
    if requests.milli_cpu > node.alloc_cpu - cpu or requests.memory > node.alloc_memory - memory:
        return False
    if requests.ephemeral_storage > node.alloc_ephemeral - ephemeral:
        return False
    for name, amount in requests.scalars:
        used = node.req_scalars.get(name, 0) - sum(p.requests.scalar(name) for p in away)
        if amount > node.allocatable.scalar(name) - used:
            return False
    return True


def _victims_on(pod: PodInfo, node: NodeInfo) -> list[PodInfo] | None:
    """``selectVictimsOnNode`` for resources: None if no preemption makes room."""
    lower = [other for other in node.pods.values() if other.priority < pod.priority]
    if not lower or not _fits(pod, node, lower):
        return None
    away = list(lower)
    for candidate in sorted(lower, key=lambda p: (-p.priority, p.key)):  # reprieve
        kept = [p for p in away if p is not candidate]
        if _fits(pod, node, kept):
            away = kept
    return away


def select_victims(pod: PodInfo, nodes: Iterable[NodeInfo],
                   statuses: Mapping[str, FilterStatus | None]) -> Preemption | None:
    """The best preemption for `pod`, given why each node rejected it, or None."""
    best: tuple[tuple[int, int, int, str], Preemption] | None = None
    for node in nodes:
        status = statuses.get(node.name)
        if status is None or status.plugin != FIT_NAME:
            continue  # fits already, or rejected for something evicting cannot change
        victims = _victims_on(pod, node)
        if not victims:
            continue
        rank = (max(p.priority for p in victims), sum(p.priority for p in victims),
                len(victims), node.name)
        if best is None or rank < best[0]:
            best = (rank, Preemption(node.name, tuple(sorted(victims, key=lambda p: p.key))))
    return None if best is None else best[1]
