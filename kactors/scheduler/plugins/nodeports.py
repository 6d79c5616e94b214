"""NodePorts: a pod asking for a host port needs a node where that port is free."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..events import ASSIGNED_POD_DELETE, NODE_ADD
from .base import SKIP, FilterPlugin, Reasons

if TYPE_CHECKING:
    from ..nodeinfo import NodeInfo
    from ..podinfo import HostPort, PodInfo
    from ..state import ClusterState

__all__ = ["NAME", "REASON", "node_ports"]

NAME = "NodePorts"
REASON = "node(s) didn't have free ports for the requested pod ports"
_REASONS: Reasons = (REASON,)


def _prefilter(pod: PodInfo, state: ClusterState) -> Any:
    return pod.host_ports or SKIP


def _filter(pod: PodInfo, node: NodeInfo, ports: tuple[HostPort, ...]) -> Reasons | None:
    if not node.used_ports:
        return None
    for port in ports:
        if node.port_conflicts(port):
            return _REASONS
    return None


node_ports = FilterPlugin(NAME, _filter, _prefilter, events=(ASSIGNED_POD_DELETE, NODE_ADD))
