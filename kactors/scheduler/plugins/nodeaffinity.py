"""NodeAffinity: ``nodeSelector`` and required node affinity filter nodes; preferred
node affinity scores the sum of the weights of the terms a node matches, normalised so
the best node gets 100."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..events import NODE_ADD, ActionType, ClusterEvent, EventResource
from ..nodeselector import PreferredTerm, RequiredNodeAffinity
from .base import SKIP, FilterPlugin, Normalize, Reasons, ScorePlugin

if TYPE_CHECKING:
    from ..nodeinfo import NodeInfo
    from ..podinfo import PodInfo
    from ..state import ClusterState

__all__ = ["NAME", "REASON", "node_affinity_filter", "node_affinity_score"]

NAME = "NodeAffinity"
REASON = "node(s) didn't match Pod's node affinity/selector"
_REASONS: Reasons = (REASON,)


def _prefilter(pod: PodInfo, state: ClusterState) -> Any:
    return pod.required_node_affinity or SKIP


def _filter(pod: PodInfo, node: NodeInfo, required: RequiredNodeAffinity) -> Reasons | None:
    return None if required.matches(node.labels, node.name) else _REASONS


def _prescore(pod: PodInfo) -> Any:
    return pod.preferred_node_affinity or SKIP


def _score(pod: PodInfo, node: NodeInfo, terms: tuple[PreferredTerm, ...]) -> int:
    return sum(t.weight for t in terms if t.term.matches(node.labels, node.name))


node_affinity_filter = FilterPlugin(
    NAME,
    _filter,
    _prefilter,
    events=(
        NODE_ADD,
        ClusterEvent(EventResource.NODE, ActionType.UPDATE_NODE_LABEL, "NodeLabelChange"),
    ),
)
node_affinity_score = ScorePlugin(NAME, _score, _prescore, Normalize.MAX)
