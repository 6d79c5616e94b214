"""kube-scheduler's default filter and score plugins, in its default profile order.

Filters run in this order on each node and stop at the first rejection, as in the
framework's ``RunFilterPlugins`` (so a node reports the reasons of one plugin only).
Score weights default to kube-scheduler's: TaintToleration 3, NodeAffinity 2,
NodeResourcesFit 1, NodeResourcesBalancedAllocation 1.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from .base import MAX_NODE_SCORE, SKIP, FilterPlugin, Normalize, Reasons, ScorePlugin
from .interpodaffinity import inter_pod_affinity
from .nodeaffinity import node_affinity_filter, node_affinity_score
from .nodename import node_name
from .nodeports import node_ports
from .noderesources import balanced_allocation_score, fit_filter, node_resources_fit_score
from .nodeunschedulable import node_unschedulable
from .tainttoleration import taint_toleration_filter, taint_toleration_score
from .volumebinding import volume_binding

__all__ = [
    "DEFAULT_FILTERS",
    "DEFAULT_WEIGHTS",
    "FILTER_PLUGINS",
    "MAX_NODE_SCORE",
    "SCORE_PLUGINS",
    "SKIP",
    "FilterPlugin",
    "Normalize",
    "Reasons",
    "ScorePlugin",
]

#: Every filter plugin by name, in kube-scheduler's default order.
FILTER_PLUGINS: Mapping[str, FilterPlugin] = MappingProxyType(
    {
        plugin.name: plugin
        for plugin in (
            node_unschedulable,
            node_name,
            taint_toleration_filter,
            node_affinity_filter,
            node_ports,
            fit_filter,
            volume_binding,
            inter_pod_affinity,
        )
    }
)

#: Every score plugin by name, in kube-scheduler's default order.
SCORE_PLUGINS: Mapping[str, ScorePlugin] = MappingProxyType(
    {
        plugin.name: plugin
        for plugin in (
            taint_toleration_score,
            node_affinity_score,
            node_resources_fit_score,
            balanced_allocation_score,
        )
    }
)

DEFAULT_FILTERS: tuple[str, ...] = tuple(FILTER_PLUGINS)
DEFAULT_WEIGHTS: Mapping[str, int] = MappingProxyType(
    {
        "TaintToleration": 3,
        "NodeAffinity": 2,
        "NodeResourcesFit": 1,
        "NodeResourcesBalancedAllocation": 1,
    }
)
