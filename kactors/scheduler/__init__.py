"""The scheduler's pure parts: cluster state with an assume cache, filter and score
plugins, the scheduling algorithm with explanations, and the scheduling queue.

Everything here is sans-I/O and deterministic; the scheduler actor drives it.
"""

from .algorithm import (
    NO_NODES_AVAILABLE,
    FitError,
    ScheduleResult,
    Window,
    num_feasible_nodes_to_find,
    schedule,
)
from .config import DEFAULT_CONFIG, SchedulerConfig
from .events import (
    ASSIGNED_POD_ADD,
    ASSIGNED_POD_DELETE,
    ASSIGNED_POD_UPDATE,
    FORCE_ACTIVATE,
    NODE_ADD,
    NODE_UPDATE,
    UNSCHEDULABLE_TIMEOUT,
    ActionType,
    ClusterEvent,
    EventResource,
    node_update_event,
)
from .explain import EXPLANATION_ANNOTATION, explain, explanation_annotation, node_explanation
from .framework import FilterStatus, PodContext, build_context
from .nodeinfo import NodeChange, NodeInfo
from .plugins import DEFAULT_FILTERS, DEFAULT_WEIGHTS, FILTER_PLUGINS, SCORE_PLUGINS
from .podinfo import HostPort, PodInfo, new_pod_info, pod_key
from .queue import QueuedPodInfo, SchedulingQueue, is_pod_updated
from .resources import Resources, node_allocatable, pod_non_zero_requests, pod_requests
from .state import ClusterState

__all__ = [
    "ASSIGNED_POD_ADD",
    "ASSIGNED_POD_DELETE",
    "ASSIGNED_POD_UPDATE",
    "DEFAULT_CONFIG",
    "DEFAULT_FILTERS",
    "DEFAULT_WEIGHTS",
    "EXPLANATION_ANNOTATION",
    "FILTER_PLUGINS",
    "FORCE_ACTIVATE",
    "NODE_ADD",
    "NODE_UPDATE",
    "NO_NODES_AVAILABLE",
    "SCORE_PLUGINS",
    "UNSCHEDULABLE_TIMEOUT",
    "ActionType",
    "ClusterEvent",
    "ClusterState",
    "EventResource",
    "FilterStatus",
    "FitError",
    "HostPort",
    "NodeChange",
    "NodeInfo",
    "PodContext",
    "PodInfo",
    "QueuedPodInfo",
    "Resources",
    "ScheduleResult",
    "SchedulerConfig",
    "SchedulingQueue",
    "Window",
    "build_context",
    "explain",
    "explanation_annotation",
    "is_pod_updated",
    "new_pod_info",
    "node_allocatable",
    "node_explanation",
    "node_update_event",
    "num_feasible_nodes_to_find",
    "pod_key",
    "pod_non_zero_requests",
    "pod_requests",
    "schedule",
]
