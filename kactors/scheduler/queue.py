"""``SchedulingQueue``: kube-scheduler's ``PriorityQueue``, sans-I/O, on cluster time.

Three places a pending pod can wait, and it is in at most one of them (or *in flight*,
popped and being scheduled):

* **activeQ**: ready to be tried; highest ``spec.priority`` first, then the earliest
  enqueued (ties in virtual time go by arrival order, so runs are reproducible);
* **backoffQ**: failed recently; comes back after ``1s * 2**(attempts-1)``, at most 10s;
* **unschedulable**: rejected by filters and parked until a cluster event that one of the
  rejecting plugins cares about (node added, assigned pod deleted, ...) moves it back,
  or until it has waited ``unschedulable_timeout`` (5 minutes).

A pod that failed while a move request arrived during its cycle goes to backoffQ rather
than being parked, so the event is not lost (``moveRequestCycle``). Pods with
``spec.schedulingGates`` wait in the unschedulable pool until an update removes the gates.

Every method takes the current cluster time ``now`` where time matters; nothing here
reads a clock or sleeps. The actor pops until ``None``, then waits for a message or
until :meth:`SchedulingQueue.next_ready_at`.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Mapping
from typing import Any

import attrs

from ._util import get_map
from .events import ClusterEvent
from .plugins import FILTER_PLUGINS
from .podinfo import PodInfo, new_pod_info, pod_key

__all__ = [
    "ACTIVE",
    "BACKOFF",
    "DROPPED",
    "UNSCHEDULABLE",
    "QueuedPodInfo",
    "SchedulingQueue",
    "is_pod_updated",
]

ACTIVE = "active"
BACKOFF = "backoff"
UNSCHEDULABLE = "unschedulable"
DROPPED = "dropped"


def _priority(pod: Mapping[str, Any]) -> int:
    value = get_map(pod, "spec").get("priority")
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _gated(pod: Mapping[str, Any]) -> bool:
    return bool(get_map(pod, "spec").get("schedulingGates"))


_IGNORED_METADATA = ("resourceVersion", "generation", "managedFields", "finalizers")


def _strip(pod: Mapping[str, Any]) -> dict[str, Any]:
    metadata = pod.get("metadata")
    metadata = metadata if isinstance(metadata, Mapping) else {}
    out = {k: v for k, v in pod.items() if k not in ("metadata", "status")}
    out["metadata"] = {k: v for k, v in metadata.items() if k not in _IGNORED_METADATA}
    return out


def is_pod_updated(old: Mapping[str, Any] | None, new: Mapping[str, Any]) -> bool:
    """``isPodUpdated``: a change other than status, resourceVersion, generation,
    managedFields or finalizers (those cannot make a pod schedulable)."""
    return old is None or _strip(old) != _strip(new)


@attrs.define(eq=False)
class QueuedPodInfo:
    """A pending pod and its queueing history (``framework.QueuedPodInfo``)."""

    pod: Mapping[str, Any]
    key: str
    #: Cluster time the pod was last (re-)enqueued; orders activeQ and starts backoff.
    timestamp: float
    initial_attempt_timestamp: float | None = None
    attempts: int = 0
    #: Filter plugins that rejected the pod in its last attempt.
    unschedulable_plugins: tuple[str, ...] = ()
    gated: bool = False
    #: The scheduling cycle it was last popped in.
    cycle: int = 0
    _info: PodInfo | None = None

    @property
    def priority(self) -> int:
        """``spec.priority`` (0 when unset)."""
        return _priority(self.pod)

    @property
    def pod_info(self) -> PodInfo:
        """The pod parsed for scheduling (computed once per pod version)."""
        if self._info is None or self._info.pod is not self.pod:
            self._info = new_pod_info(self.pod)
        return self._info

    def set_pod(self, pod: Mapping[str, Any]) -> None:
        """Replace the pod by a newer version, keeping the history."""
        self.pod = pod
        self.gated = _gated(pod)


@attrs.define
class _InFlight:
    info: QueuedPodInfo
    updated: bool = False
    deleted: bool = False


@attrs.define(eq=False)
class SchedulingQueue:
    """The scheduler's pending pods (see the module docstring). Keys are ``ns/name``."""

    initial_backoff: float = 1.0
    max_backoff: float = 10.0
    unschedulable_timeout: float = 300.0
    #: Incremented by each :meth:`pop` (``SchedulingCycle``).
    scheduling_cycle: int = attrs.field(init=False, default=0)
    move_request_cycle: int = attrs.field(init=False, default=-1)
    _active: dict[str, tuple[int, QueuedPodInfo]] = attrs.field(init=False, factory=dict)
    _active_heap: list[tuple[int, float, int, str]] = attrs.field(init=False, factory=list)
    _backoff: dict[str, tuple[int, QueuedPodInfo]] = attrs.field(init=False, factory=dict)
    _backoff_heap: list[tuple[float, int, str]] = attrs.field(init=False, factory=list)
    _unschedulable: dict[str, QueuedPodInfo] = attrs.field(init=False, factory=dict)
    _in_flight: dict[str, _InFlight] = attrs.field(init=False, factory=dict)
    _seq: int = attrs.field(init=False, default=0)
    _now: float = attrs.field(init=False, default=0.0)

    # -- internals ----------------------------------------------------------------------------

    def _next_seq(self) -> int:
        self._seq += 1
        return self._seq

    def _push_active(self, info: QueuedPodInfo) -> None:
        seq = self._next_seq()
        self._active[info.key] = (seq, info)
        heapq.heappush(self._active_heap, (-info.priority, info.timestamp, seq, info.key))
        if len(self._active_heap) > 2 * len(self._active) + 64:
            # Deleted and moved pods leave stale entries behind; drop them now and then.
            self._active_heap = [
                (-i.priority, i.timestamp, seq, key) for key, (seq, i) in self._active.items()
            ]
            heapq.heapify(self._active_heap)

    def _push_backoff(self, info: QueuedPodInfo) -> None:
        seq = self._next_seq()
        self._backoff[info.key] = (seq, info)
        heapq.heappush(self._backoff_heap, (self.backoff_expiry(info), seq, info.key))
        if len(self._backoff_heap) > 2 * len(self._backoff) + 64:
            self._backoff_heap = [
                (self.backoff_expiry(i), seq, key) for key, (seq, i) in self._backoff.items()
            ]
            heapq.heapify(self._backoff_heap)

    def _discard(self, key: str) -> QueuedPodInfo | None:
        """Take the pod out of whichever queue holds it (heap entries go stale)."""
        for table in (self._active, self._backoff):
            entry = table.pop(key, None)
            if entry is not None:
                return entry[1]
        return self._unschedulable.pop(key, None)

    def _move(self, info: QueuedPodInfo, now: float) -> str:
        if self.is_backing_off(info, now):
            self._push_backoff(info)
            return BACKOFF
        self._push_active(info)
        return ACTIVE

    def backoff_duration(self, info: QueuedPodInfo) -> float:
        """``initial * 2**(attempts-1)``, capped at ``max_backoff`` (0 before any attempt)."""
        if info.attempts == 0:
            return 0.0
        duration = self.initial_backoff
        for _ in range(1, info.attempts):
            if duration > self.max_backoff - duration:
                return self.max_backoff
            duration += duration
        return min(duration, self.max_backoff)

    def backoff_expiry(self, info: QueuedPodInfo) -> float:
        """When the pod's backoff ends."""
        return info.timestamp + self.backoff_duration(info)

    def is_backing_off(self, info: QueuedPodInfo, now: float) -> bool:
        """Whether the pod must still wait in backoffQ at ``now``."""
        return not info.gated and self.backoff_expiry(info) > now

    # -- informer events on pending pods ----------------------------------------------------------

    def add(self, pod: Mapping[str, Any], now: float) -> str:
        """A new pending pod: into activeQ (or the unschedulable pool if gated)."""
        self._now = now
        key = pod_key(pod)
        if key in self._in_flight:
            self.update(None, pod, now)
            return ACTIVE
        self._discard(key)
        info = QueuedPodInfo(pod, key, now, gated=_gated(pod))
        if info.gated:
            self._unschedulable[key] = info
            return UNSCHEDULABLE
        self._push_active(info)
        return ACTIVE

    def update(self, old: Mapping[str, Any] | None, new: Mapping[str, Any], now: float) -> str:
        """A pending pod changed. Returns where it now waits (or ``"in flight"``)."""
        self._now = now
        key = pod_key(new)
        flight = self._in_flight.get(key)
        if flight is not None:
            # Being scheduled right now: remember the news for add_unschedulable.
            flight.info.set_pod(new)
            flight.updated = flight.updated or is_pod_updated(old, new)
            return "in flight"
        if key in self._active:
            info = self._active[key][1]
            priority = info.priority
            info.set_pod(new)
            if info.priority != priority:
                self._push_active(info)  # re-sorted; the old heap entry goes stale
            return ACTIVE
        if key in self._backoff:
            self._backoff[key][1].set_pod(new)
            return BACKOFF
        info = self._unschedulable.get(key)
        if info is not None:
            was_gated = info.gated
            info.set_pod(new)
            if info.gated:
                return UNSCHEDULABLE
            if was_gated or is_pod_updated(old, new):
                del self._unschedulable[key]
                return self._move(info, now)
            return UNSCHEDULABLE
        return self.add(new, now)

    def delete(self, pod: Mapping[str, Any] | str) -> bool:
        """A pending pod was deleted (or got bound elsewhere): forget it."""
        key = pod if isinstance(pod, str) else pod_key(pod)
        flight = self._in_flight.get(key)
        if flight is not None:
            flight.deleted = True
            return True
        return self._discard(key) is not None

    # -- the scheduling loop ------------------------------------------------------------------------

    def pop(self, now: float) -> QueuedPodInfo | None:
        """The next pod to schedule, or ``None`` if none is ready at ``now``."""
        self.flush(now)
        heap = self._active_heap
        while heap:
            _, _, seq, key = heapq.heappop(heap)
            entry = self._active.get(key)
            if entry is None or entry[0] != seq:
                continue  # stale: the pod moved or was re-sorted
            del self._active[key]
            info = entry[1]
            info.attempts += 1
            if info.initial_attempt_timestamp is None:
                info.initial_attempt_timestamp = now
            self.scheduling_cycle += 1
            info.cycle = self.scheduling_cycle
            self._in_flight[key] = _InFlight(info)
            return info
        return None

    def done(self, key: str) -> None:
        """The cycle of the pod with ``key`` ended (scheduled, or given up on)."""
        self._in_flight.pop(key, None)

    def add_unschedulable(
        self,
        info: QueuedPodInfo,
        cycle: int,
        now: float,
        unschedulable_plugins: tuple[str, ...] = (),
        *,
        error: bool = False,
    ) -> str:
        """Put back a pod whose cycle failed (``AddUnschedulableIfNotPresent``); also
        ends its cycle. Returns where it went, or ``"dropped"`` if it was deleted meanwhile.

        Parked as unschedulable, unless the failure was an error, no plugin rejected it,
        it was updated during the cycle, or a move request arrived since ``cycle``
        started: then it goes to backoffQ, to be retried soon.
        """
        self._now = now
        key = info.key
        for table, where in ((self._active, "active queue"), (self._backoff, "backoff queue")):
            if key in table:
                raise ValueError(f"Pod {key} is already present in the {where}")
        if key in self._unschedulable:
            raise ValueError(f"Pod {key} is already present in unschedulable queue")
        flight = self._in_flight.pop(key, None)
        if flight is not None and flight.deleted:
            return DROPPED
        updated = flight is not None and flight.updated
        info.timestamp = now
        info.unschedulable_plugins = tuple(unschedulable_plugins)
        if error or updated or not unschedulable_plugins or self.move_request_cycle >= cycle:
            self._push_backoff(info)
            return BACKOFF
        self._unschedulable[key] = info
        return UNSCHEDULABLE

    # -- cluster events and time -------------------------------------------------------------------

    def move_all_to_active_or_backoff(
        self,
        event: ClusterEvent,
        now: float,
        pre_check: Callable[[QueuedPodInfo], bool] | None = None,
    ) -> int:
        """Move parked pods that ``event`` may help (``MoveAllToActiveOrBackoffQueue``).

        A pod moves when one of the plugins that rejected it registered for the event
        (or none is recorded) and ``pre_check`` (if given) agrees. Returns how many moved.
        """
        self._now = now
        moved = 0
        for key, info in list(self._unschedulable.items()) if self._unschedulable else ():
            if info.gated or not _interested(info.unschedulable_plugins, event):
                continue
            if pre_check is not None and not pre_check(info):
                continue
            del self._unschedulable[key]
            self._move(info, now)
            moved += 1
        self.move_request_cycle = self.scheduling_cycle
        return moved

    def flush(self, now: float) -> None:
        """Move pods whose backoff ended to activeQ, and pods parked longer than
        ``unschedulable_timeout`` back to activeQ/backoffQ (kube does both periodically;
        here they happen exactly when due)."""
        self._now = now
        heap = self._backoff_heap
        while heap and heap[0][0] <= now:
            _, seq, key = heapq.heappop(heap)
            entry = self._backoff.get(key)
            if entry is None or entry[0] != seq:
                continue
            del self._backoff[key]
            self._push_active(entry[1])
        expired = [
            key
            for key, info in self._unschedulable.items()
            if not info.gated and now - info.timestamp > self.unschedulable_timeout
        ]
        for key in expired:  # kube's UnschedulableTimeout event
            self._move(self._unschedulable.pop(key), now)

    def next_ready_at(self) -> float | None:
        """When a pod will next become ready without outside help: the end of the earliest
        backoff or unschedulable timeout (a time already past means "now"); ``None`` when
        nothing waits on time. Pods already in activeQ are ready at the last ``now``."""
        if self._active:
            return self._now
        times = []
        heap = self._backoff_heap
        while heap:
            _, seq, key = heap[0]
            entry = self._backoff.get(key)
            if entry is not None and entry[0] == seq:
                break
            heapq.heappop(heap)  # a stale head: the pod left backoffQ
        if heap:
            times.append(heap[0][0])
        for info in self._unschedulable.values():
            if not info.gated:
                # Timestamps only grow as pods are parked, so the first one is the oldest.
                times.append(info.timestamp + self.unschedulable_timeout)
                break
        return min(times) if times else None

    # -- introspection ----------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._active) + len(self._backoff) + len(self._unschedulable)

    def __contains__(self, key: object) -> bool:
        return key in self._active or key in self._backoff or key in self._unschedulable

    def where(self, key: str) -> str | None:
        """Which queue holds the pod: ``active``, ``backoff``, ``unschedulable``,
        ``in flight``, or ``None``."""
        if key in self._active:
            return ACTIVE
        if key in self._backoff:
            return BACKOFF
        if key in self._unschedulable:
            return UNSCHEDULABLE
        if key in self._in_flight:
            return "in flight"
        return None

    def counts(self) -> dict[str, int]:
        """Pods per queue, for metrics and logs."""
        return {
            ACTIVE: len(self._active),
            BACKOFF: len(self._backoff),
            UNSCHEDULABLE: len(self._unschedulable),
            "in flight": len(self._in_flight),
        }


def _interested(plugins: tuple[str, ...], event: ClusterEvent) -> bool:
    if not plugins:
        return True
    for name in plugins:
        plugin = FILTER_PLUGINS.get(name)
        if plugin is None or any(registered.interests(event) for registered in plugin.events):
            return True
    return False
