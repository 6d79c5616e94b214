"""NodeName: a pod that names a node (``spec.nodeName``) fits only that node."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..events import NODE_ADD
from .base import SKIP, FilterPlugin, Reasons

if TYPE_CHECKING:
    from ..nodeinfo import NodeInfo
    from ..podinfo import PodInfo
    from ..state import ClusterState

__all__ = ["NAME", "REASON", "node_name"]

NAME = "NodeName"
REASON = "node(s) didn't match the requested node name"
_REASONS: Reasons = (REASON,)


def _prefilter(pod: PodInfo, state: ClusterState) -> Any:
    return pod.node_name or SKIP


def _filter(pod: PodInfo, node: NodeInfo, wanted: str) -> Reasons | None:
    return None if node.name == wanted else _REASONS


node_name = FilterPlugin(NAME, _filter, _prefilter, events=(NODE_ADD,))
