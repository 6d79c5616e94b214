"""InterPodAffinity (filter part): required pod affinity and anti-affinity.

PreFilter walks the assigned pods once and counts, per topology pair (``zone=a``,
``kubernetes.io/hostname=node-3``):

* pods matching *all* of the incoming pod's affinity terms;
* pods matching each of its anti-affinity terms;
* existing pods whose own anti-affinity terms match the incoming pod (the rule is
  symmetric: a pod that refuses company keeps newcomers away too).

Filter then only looks up the node's labels, in kube-scheduler's order: affinity
(``node(s) didn't match pod affinity rules``), anti-affinity (``node(s) didn't match pod
anti-affinity rules``), existing pods' anti-affinity (``node(s) didn't satisfy existing
pods anti-affinity rules``). The first pod of a group whose affinity points at itself is
let through when no pod anywhere matches yet, so such groups can start.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import attrs

from ..events import (
    ASSIGNED_POD_ADD,
    ASSIGNED_POD_DELETE,
    NODE_ADD,
    ActionType,
    ClusterEvent,
    EventResource,
)
from ..podaffinity import AffinityTerm
from .base import SKIP, FilterPlugin, Reasons

if TYPE_CHECKING:
    from ..nodeinfo import NodeInfo
    from ..podinfo import PodInfo
    from ..state import ClusterState

__all__ = [
    "AFFINITY_REASON",
    "ANTI_AFFINITY_REASON",
    "EXISTING_ANTI_AFFINITY_REASON",
    "NAME",
    "existing_anti_affinity_counts",
    "inter_pod_affinity",
]

NAME = "InterPodAffinity"
AFFINITY_REASON = "node(s) didn't match pod affinity rules"
ANTI_AFFINITY_REASON = "node(s) didn't match pod anti-affinity rules"
EXISTING_ANTI_AFFINITY_REASON = "node(s) didn't satisfy existing pods anti-affinity rules"

TopologyCounts = dict[tuple[str, str], int]


@attrs.frozen
class _PreFilter:
    affinity_terms: tuple[AffinityTerm, ...]
    anti_affinity_terms: tuple[AffinityTerm, ...]
    affinity_counts: TopologyCounts
    anti_affinity_counts: TopologyCounts
    existing_anti_affinity: frozenset[tuple[str, str]]
    self_match: bool


def existing_anti_affinity_counts(pod: PodInfo, state: ClusterState) -> TopologyCounts:
    """Topology pairs where an existing pod's required anti-affinity rejects ``pod``."""
    counts: TopologyCounts = {}
    namespace_labels = state.namespace_labels(pod.namespace)
    for existing, node in state.pods_with_anti_affinity():
        for term in existing.anti_affinity_terms:
            if term.matches(pod.namespace, pod.labels, namespace_labels):
                value = node.labels.get(term.topology_key)
                if value is not None:
                    pair = (term.topology_key, value)
                    counts[pair] = counts.get(pair, 0) + 1
    return counts


def _candidates(
    terms: Iterable[AffinityTerm], state: ClusterState
) -> Iterable[tuple[PodInfo, NodeInfo]]:
    """Assigned pods the terms could match: only their namespaces, unless one of them
    selects namespaces by label."""
    namespaces: set[str] = set()
    for term in terms:
        if term.namespace_selector is not None:
            return state.assigned_pods()
        namespaces.update(term.namespaces)
    return state.assigned_pods(sorted(namespaces))


def _matches(
    term: AffinityTerm, pod: PodInfo, cache: dict[str, Mapping[str, str]], state: ClusterState
) -> bool:
    labels = cache.get(pod.namespace)
    if labels is None:
        labels = cache[pod.namespace] = state.namespace_labels(pod.namespace)
    return term.matches(pod.namespace, pod.labels, labels)


def _prefilter(pod: PodInfo, state: ClusterState) -> Any:
    existing = existing_anti_affinity_counts(pod, state) if state.has_anti_affinity_pods else {}
    if not pod.affinity_terms and not pod.anti_affinity_terms and not existing:
        return SKIP
    affinity: TopologyCounts = {}
    anti: TopologyCounts = {}
    ns_cache: dict[str, Mapping[str, str]] = {}
    terms = (*pod.affinity_terms, *pod.anti_affinity_terms)
    if terms:
        for other, node in _candidates(terms, state):
            if pod.affinity_terms and all(
                _matches(t, other, ns_cache, state) for t in pod.affinity_terms
            ):
                for term in pod.affinity_terms:
                    value = node.labels.get(term.topology_key)
                    if value is not None:
                        pair = (term.topology_key, value)
                        affinity[pair] = affinity.get(pair, 0) + 1
            for term in pod.anti_affinity_terms:
                if _matches(term, other, ns_cache, state):
                    value = node.labels.get(term.topology_key)
                    if value is not None:
                        pair = (term.topology_key, value)
                        anti[pair] = anti.get(pair, 0) + 1
    self_match = bool(pod.affinity_terms) and all(
        _matches(t, pod, ns_cache, state) for t in pod.affinity_terms
    )
    return _PreFilter(
        pod.affinity_terms,
        pod.anti_affinity_terms,
        affinity,
        anti,
        frozenset(pair for pair, count in existing.items() if count > 0),
        self_match,
    )


_AFFINITY: Reasons = (AFFINITY_REASON,)
_ANTI: Reasons = (ANTI_AFFINITY_REASON,)
_EXISTING: Reasons = (EXISTING_ANTI_AFFINITY_REASON,)


def _filter(pod: PodInfo, node: NodeInfo, data: _PreFilter) -> Reasons | None:
    labels = node.labels
    if data.affinity_terms:
        pods_exist = True
        for term in data.affinity_terms:
            value = labels.get(term.topology_key)
            if value is None:
                return _AFFINITY  # every topology label must exist on the node
            if data.affinity_counts.get((term.topology_key, value), 0) <= 0:
                pods_exist = False
        if not pods_exist and (data.affinity_counts or not data.self_match):
            return _AFFINITY
    if data.anti_affinity_counts:
        for term in data.anti_affinity_terms:
            value = labels.get(term.topology_key)
            if value is not None and data.anti_affinity_counts.get((term.topology_key, value), 0):
                return _ANTI
    existing = data.existing_anti_affinity
    if existing:
        # Look up whichever side is smaller: a few rejected pairs, or the node's labels.
        if len(existing) <= len(labels):
            for key, value in existing:
                if labels.get(key) == value:
                    return _EXISTING
        elif not existing.isdisjoint(labels.items()):
            return _EXISTING
    return None


inter_pod_affinity = FilterPlugin(
    NAME,
    _filter,
    _prefilter,
    events=(
        ASSIGNED_POD_ADD,
        ASSIGNED_POD_DELETE,
        ClusterEvent(EventResource.ASSIGNED_POD, ActionType.UPDATE_POD_LABEL, "AssignedPodLabel"),
        NODE_ADD,
        ClusterEvent(EventResource.NODE, ActionType.UPDATE_NODE_LABEL, "NodeLabelChange"),
    ),
)
