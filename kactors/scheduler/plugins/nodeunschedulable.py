"""NodeUnschedulable: keep pods off cordoned nodes (``spec.unschedulable: true``).

A pod that tolerates the ``node.kubernetes.io/unschedulable:NoSchedule`` taint (as
DaemonSet pods do) may still land there.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..events import NODE_ADD, ActionType, ClusterEvent, EventResource
from ..taints import UNSCHEDULABLE_TAINT, tolerates
from .base import FilterPlugin, Reasons

if TYPE_CHECKING:
    from ..nodeinfo import NodeInfo
    from ..podinfo import PodInfo
    from ..state import ClusterState

__all__ = ["NAME", "REASON", "node_unschedulable"]

NAME = "NodeUnschedulable"
REASON = "node(s) were unschedulable"
_REASONS: Reasons = (REASON,)


def _prefilter(pod: PodInfo, state: ClusterState) -> bool:
    return tolerates(pod.tolerations, UNSCHEDULABLE_TAINT)


def _filter(pod: PodInfo, node: NodeInfo, tolerated: bool) -> Reasons | None:
    if node.unschedulable and not tolerated:
        return _REASONS
    return None


node_unschedulable = FilterPlugin(
    NAME,
    _filter,
    _prefilter,
    events=(
        NODE_ADD,
        ClusterEvent(EventResource.NODE, ActionType.UPDATE_NODE_TAINT, "NodeTaintChange"),
    ),
)
