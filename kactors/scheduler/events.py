"""Cluster events that can make an unschedulable pod schedulable (``framework.ClusterEvent``).

When a pod fails, the algorithm records which plugins rejected it. The queue parks it
until an event arrives that one of those plugins registered for: a pod rejected only for
``Insufficient cpu`` is retried when a node is added or an assigned pod goes away, not
when some node's labels change. Events are plain frozen values; the scheduler actor
derives them from informer notifications (``node_update_event`` helps for nodes).
"""

from __future__ import annotations

import enum

import attrs

from .nodeinfo import NodeChange

__all__ = [
    "ASSIGNED_POD_ADD",
    "ASSIGNED_POD_DELETE",
    "ASSIGNED_POD_UPDATE",
    "ActionType",
    "ClusterEvent",
    "EventResource",
    "FORCE_ACTIVATE",
    "NODE_ADD",
    "NODE_UPDATE",
    "UNSCHEDULABLE_TIMEOUT",
    "node_update_event",
]


class ActionType(enum.Flag):
    """What happened to the resource (``framework.ActionType``)."""

    ADD = enum.auto()
    DELETE = enum.auto()
    UPDATE_NODE_ALLOCATABLE = enum.auto()
    UPDATE_NODE_LABEL = enum.auto()
    UPDATE_NODE_TAINT = enum.auto()
    UPDATE_POD_LABEL = enum.auto()
    UPDATE_POD_SCALE_DOWN = enum.auto()
    UPDATE_OTHER = enum.auto()
    UPDATE = (
        UPDATE_NODE_ALLOCATABLE
        | UPDATE_NODE_LABEL
        | UPDATE_NODE_TAINT
        | UPDATE_POD_LABEL
        | UPDATE_POD_SCALE_DOWN
        | UPDATE_OTHER
    )
    ALL = ADD | DELETE | UPDATE


class EventResource(enum.Enum):
    """The kind of object the event is about; ``WILDCARD`` matches every registration."""

    NODE = "Node"
    ASSIGNED_POD = "AssignedPod"
    #: claims, volumes and storage classes (VolumeBinding's inputs)
    STORAGE = "Storage"
    WILDCARD = "*"


@attrs.frozen
class ClusterEvent:
    """An event (or, in a plugin's registration, the events it cares about)."""

    resource: EventResource
    action: ActionType
    label: str

    def interests(self, event: ClusterEvent) -> bool:
        """Whether this registration wants to hear about ``event``."""
        if event.resource is EventResource.WILDCARD or self.resource is EventResource.WILDCARD:
            return True
        return self.resource is event.resource and bool(self.action & event.action)


NODE_ADD = ClusterEvent(EventResource.NODE, ActionType.ADD, "NodeAdd")
NODE_UPDATE = ClusterEvent(EventResource.NODE, ActionType.UPDATE, "NodeUpdate")
ASSIGNED_POD_ADD = ClusterEvent(EventResource.ASSIGNED_POD, ActionType.ADD, "AssignedPodAdd")
ASSIGNED_POD_UPDATE = ClusterEvent(
    EventResource.ASSIGNED_POD, ActionType.UPDATE, "AssignedPodUpdate"
)
ASSIGNED_POD_DELETE = ClusterEvent(
    EventResource.ASSIGNED_POD, ActionType.DELETE, "AssignedPodDelete"
)
#: Fired for pods parked longer than the unschedulable timeout: moves them regardless.
UNSCHEDULABLE_TIMEOUT = ClusterEvent(EventResource.WILDCARD, ActionType.ALL, "UnschedulableTimeout")
#: Moves every parked pod (a test or an operator asking for a retry).
FORCE_ACTIVATE = ClusterEvent(EventResource.WILDCARD, ActionType.ALL, "ForceActivate")


def node_update_event(change: NodeChange) -> ClusterEvent | None:
    """The event for a node update from :meth:`NodeInfo.set_node`'s change flags, or
    ``None`` when nothing a plugin looks at changed (a status heartbeat)."""
    action = ActionType(0)
    if change & NodeChange.ALLOCATABLE:
        action |= ActionType.UPDATE_NODE_ALLOCATABLE
    if change & NodeChange.LABELS:
        action |= ActionType.UPDATE_NODE_LABEL
    if change & (NodeChange.TAINTS | NodeChange.UNSCHEDULABLE):
        action |= ActionType.UPDATE_NODE_TAINT
    if not action:
        return None
    return ClusterEvent(EventResource.NODE, action, "NodeUpdate")
