"""TaintToleration: a node's NoSchedule/NoExecute taints must be tolerated; among the
nodes that pass, fewer untolerated PreferNoSchedule taints score better.

The filter reports the *first* untolerated taint in the node's order, as
``node(s) had untolerated taint {key: value}``. The score counts untolerated
PreferNoSchedule taints, considering only tolerations with an empty or PreferNoSchedule
effect, and is normalised in reverse (the node with the most such taints gets 0, nodes
with none get 100).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..events import NODE_ADD, ActionType, ClusterEvent, EventResource
from ..taints import (
    NO_EXECUTE,
    NO_SCHEDULE,
    PREFER_NO_SCHEDULE,
    Toleration,
    find_untolerated_taint,
    tolerates,
)
from .base import FilterPlugin, Normalize, Reasons, ScorePlugin

if TYPE_CHECKING:
    from ..nodeinfo import NodeInfo
    from ..podinfo import PodInfo

__all__ = ["NAME", "taint_toleration_filter", "taint_toleration_score", "untolerated_reason"]

NAME = "TaintToleration"
_HARD = frozenset((NO_SCHEDULE, NO_EXECUTE))


def untolerated_reason(key: str, value: str) -> str:
    """The filter's reason for an untolerated taint, worded like kube-scheduler."""
    return f"node(s) had untolerated taint {{{key}: {value}}}"


def _filter(pod: PodInfo, node: NodeInfo, data: None) -> Reasons | None:
    if not node.hard_taints:
        return None
    taint = find_untolerated_taint(node.hard_taints, pod.tolerations, _HARD)
    if taint is None:
        return None
    return (untolerated_reason(taint.key, taint.value),)


def _prescore(pod: PodInfo) -> tuple[Toleration, ...]:
    return tuple(t for t in pod.tolerations if t.effect in ("", PREFER_NO_SCHEDULE))


def _score(pod: PodInfo, node: NodeInfo, tolerations: tuple[Toleration, ...]) -> int:
    if not node.prefer_taints:
        return 0
    return sum(1 for taint in node.prefer_taints if not tolerates(tolerations, taint))


taint_toleration_filter = FilterPlugin(
    NAME,
    _filter,
    events=(
        NODE_ADD,
        ClusterEvent(EventResource.NODE, ActionType.UPDATE_NODE_TAINT, "NodeTaintChange"),
    ),
)
taint_toleration_score = ScorePlugin(NAME, _score, _prescore, Normalize.MAX_REVERSE)
