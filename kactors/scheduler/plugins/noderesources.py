"""NodeResourcesFit and NodeResourcesBalancedAllocation.

Filter (``fit.go``): the node must have room for one more pod (``Too many pods``) and,
for every resource the pod requests (a zero request is never checked), allocatable minus
what is already requested must cover it (``Insufficient cpu``, ``Insufficient memory``,
``Insufficient ephemeral-storage``, ``Insufficient example.com/gpu``). All shortfalls on a
node are reported, in that order (extended resources by name).

Scores, both on cpu and memory with weight 1 each (the default ``resources`` argument):

* NodeResourcesFit, ``LeastAllocated`` strategy: per resource
  ``(allocatable - requested) * 100 // allocatable`` (0 when over-committed), with
  requested = the node's *non-zero* requests plus the pod's; then the weighted mean,
  integer-divided. Resources the node has none of are left out.
* NodeResourcesBalancedAllocation: with ``f = requested / allocatable`` (capped at 1,
  real requests this time) for cpu and memory, ``int((1 - |f_cpu - f_mem| / 2) * 100)``:
  nodes whose cpu and memory fill up evenly win. Skipped for pods that request neither
  (best-effort pods would otherwise all pile onto one node).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..events import (
    ASSIGNED_POD_DELETE,
    NODE_ADD,
    ActionType,
    ClusterEvent,
    EventResource,
)
from .base import MAX_NODE_SCORE, SKIP, FilterPlugin, Reasons, ScorePlugin

if TYPE_CHECKING:
    from ..nodeinfo import NodeInfo
    from ..podinfo import PodInfo
    from ..resources import Resources
    from ..state import ClusterState

__all__ = [
    "BALANCED_NAME",
    "FIT_NAME",
    "balanced_allocation_score",
    "balanced_score",
    "fit_filter",
    "least_allocated_score",
    "least_requested_score",
    "node_resources_fit_score",
]

FIT_NAME = "NodeResourcesFit"
BALANCED_NAME = "NodeResourcesBalancedAllocation"

TOO_MANY_PODS = "Too many pods"
INSUFFICIENT_CPU = "Insufficient cpu"
INSUFFICIENT_MEMORY = "Insufficient memory"
INSUFFICIENT_EPHEMERAL_STORAGE = "Insufficient ephemeral-storage"


def _prefilter(pod: PodInfo, state: ClusterState) -> Resources:
    return pod.requests


def _fit(pod: PodInfo, node: NodeInfo, requests: Resources) -> Reasons | None:
    # The common case (everything fits) returns before building any list.
    cpu, memory, ephemeral = requests.milli_cpu, requests.memory, requests.ephemeral_storage
    if (
        len(node.pods) < node.allowed_pods
        and cpu <= node.alloc_cpu - node.req_cpu
        and memory <= node.alloc_memory - node.req_memory
        and ephemeral <= node.alloc_ephemeral - node.req_ephemeral
        and not requests.scalars
    ):
        return None
    reasons = []
    if len(node.pods) + 1 > node.allowed_pods:
        reasons.append(TOO_MANY_PODS)
    if requests.is_zero():
        return tuple(reasons) or None
    if cpu > 0 and cpu > node.alloc_cpu - node.req_cpu:
        reasons.append(INSUFFICIENT_CPU)
    if memory > 0 and memory > node.alloc_memory - node.req_memory:
        reasons.append(INSUFFICIENT_MEMORY)
    if ephemeral > 0 and ephemeral > node.alloc_ephemeral - node.req_ephemeral:
        reasons.append(INSUFFICIENT_EPHEMERAL_STORAGE)
    for name, amount in requests.scalars:
        if amount > node.allocatable.scalar(name) - node.req_scalars.get(name, 0):
            reasons.append(f"Insufficient {name}")
    return tuple(reasons) or None


fit_filter = FilterPlugin(
    FIT_NAME,
    _fit,
    _prefilter,
    events=(
        NODE_ADD,
        ClusterEvent(
            EventResource.NODE, ActionType.UPDATE_NODE_ALLOCATABLE, "NodeAllocatableChange"
        ),
        ASSIGNED_POD_DELETE,
        ClusterEvent(
            EventResource.ASSIGNED_POD, ActionType.UPDATE_POD_SCALE_DOWN, "AssignedPodScaleDown"
        ),
    ),
)


def least_requested_score(requested: int, capacity: int) -> int:
    """``leastRequestedScore``: the free share of ``capacity``, 0..100 (0 if over-full)."""
    if capacity == 0 or requested > capacity:
        return 0
    return (capacity - requested) * MAX_NODE_SCORE // capacity


def _least_allocated(pod: PodInfo, node: NodeInfo, data: Any) -> int:
    # least_requested_score for cpu and memory, weight 1 each, written out: this runs
    # for every feasible node a pod is scored on.
    cpu, memory = node.alloc_cpu, node.alloc_memory
    if cpu and memory:
        used_cpu = node.non_zero_cpu + pod.non_zero_cpu
        used_memory = node.non_zero_memory + pod.non_zero_memory
        cpu_score = (cpu - used_cpu) * MAX_NODE_SCORE // cpu if used_cpu <= cpu else 0
        memory_score = (
            (memory - used_memory) * MAX_NODE_SCORE // memory if used_memory <= memory else 0
        )
        return (cpu_score + memory_score) // 2
    if cpu:
        return least_requested_score(node.non_zero_cpu + pod.non_zero_cpu, cpu)
    if memory:
        return least_requested_score(node.non_zero_memory + pod.non_zero_memory, memory)
    return 0


node_resources_fit_score = ScorePlugin(FIT_NAME, _least_allocated)
#: Alias naming the strategy: NodeResourcesFit scores with LeastAllocated.
least_allocated_score = node_resources_fit_score


def balanced_score(fractions: list[float]) -> int:
    """``balancedResourceScorer`` on already-capped fractions."""
    if len(fractions) == 2:
        std = abs((fractions[0] - fractions[1]) / 2)
    elif len(fractions) > 2:
        mean = sum(fractions) / len(fractions)
        std = (sum((f - mean) * (f - mean) for f in fractions) / len(fractions)) ** 0.5
    else:
        std = 0.0
    return int((1 - std) * MAX_NODE_SCORE)


def _balanced_prescore(pod: PodInfo) -> Any:
    if pod.requests.milli_cpu == 0 and pod.requests.memory == 0:
        return SKIP
    return None


def _balanced(pod: PodInfo, node: NodeInfo, data: Any) -> int:
    cpu, memory = node.alloc_cpu, node.alloc_memory
    if cpu and memory:
        # balanced_score([f_cpu, f_mem]) written out (same float operations, same result).
        cpu_fraction = (node.req_cpu + pod.requests.milli_cpu) / cpu
        memory_fraction = (node.req_memory + pod.requests.memory) / memory
        if cpu_fraction > 1:
            cpu_fraction = 1.0
        if memory_fraction > 1:
            memory_fraction = 1.0
        return int((1 - abs((cpu_fraction - memory_fraction) / 2)) * MAX_NODE_SCORE)
    return MAX_NODE_SCORE  # one resource or none: nothing to balance


balanced_allocation_score = ScorePlugin(BALANCED_NAME, _balanced, _balanced_prescore)
