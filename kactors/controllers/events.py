"""Kubernetes Events, as a controller records them: one Event per (object, type, reason,
message), its `count` and `lastTimestamp` bumped on repeats (client-go's aggregation).
Before that, client-go's `EventCorrelator` (see `eventcorrelator`): similar events that
differ only by message are combined into one counted Event after ten, and a spam filter
drops events about one object beyond a burst of 25 (then one per 5 minutes).

Records are written one at a time, in the order they were made (a FIFO lock), so that two
repeats recorded back to back become one Event with count 2, never two Events. `emit`
records without waiting: the event joins a queue that one background task of the actor
drains (client-go's broadcaster goroutine), rather than a task per event.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Mapping
from typing import Any

import trio

from kactors.apiserver.objects import cluster_epoch, timestamp
from kactors.client.client import ApiClient
from kactors.client.errors import AlreadyExists, ApiError, NotFound
from kactors.controllers.eventcorrelator import Correlation, EventCorrelator

NORMAL, WARNING = "Normal", "Warning"


#: names an Event create tries before it gives up (see `EventRecorder._record`)
_NAME_ATTEMPTS = 4


class EventRecorder:
    def __init__(self, client: ApiClient, component: str, now: Callable[[], float],
                 host: str = "") -> None:
        self.client = client
        self.component = component
        self.host = host
        self.now = now
        #: (kind, namespace, name, uid, type, reason, message, combined, field path)
        #: -> (event name, count)
        self.seen: dict[tuple[str, ...], tuple[str, int]] = {}
        self.serial = 0
        self.failures = 0
        #: events the spam filter dropped (not failures: client-go drops them silently)
        self.dropped = 0
        self.correlator = EventCorrelator()
        self.cache_size = 4096
        self._lock = trio.Lock()
        #: emitted, not yet written: (obj, type, reason, message, aggregated, field path)
        self._queue: deque[tuple[Mapping[str, Any], str, str, str, bool, str]] = deque()
        #: whether the drain task exists, and the drain task while it waits for events
        self._draining = False
        self._idle: trio.lowlevel.Task | None = None

    def emit(self, obj: Mapping[str, Any], type_: str, reason: str, message: str,
             field_path: str = "") -> None:
        """`record` without waiting, from the recorder's actor: correlated now (so in the
        order of the calls), written in the background in that order."""
        correlation = self._correlate(obj, type_, reason, message)
        if correlation is None:
            return
        self._queue.append((obj, type_, reason, correlation.message, correlation.aggregated,
                            field_path))
        if self._idle is not None:
            task, self._idle = self._idle, None
            trio.lowlevel.reschedule(task)
        elif not self._draining:
            self._draining = True
            self.client.ctx.start_soon(self._drain)

    async def _drain(self) -> None:
        """Write the queued events in order, then wait for more: the task stays for the
        actor's lifetime (cancelled with its other tasks when it stops), since starting
        a task per burst of events cost more than writing a kubelet's events."""
        try:
            while True:
                while self._queue:
                    await self._locked_write(*self._queue.popleft())
                self._idle = trio.lowlevel.current_task()
                await trio.lowlevel.wait_task_rescheduled(self._abort_idle)
        finally:
            self._draining = False
            self._idle = None

    def _abort_idle(self, _: Any) -> trio.lowlevel.Abort:
        self._idle = None
        return trio.lowlevel.Abort.SUCCEEDED

    def _correlate(self, obj: Mapping[str, Any], type_: str, reason: str,
                   message: str) -> Correlation | None:
        """The EventCorrelator's verdict, or None (counted) if the event is dropped."""
        if type_ not in (NORMAL, WARNING):
            self.failures += 1
            return None
        meta = obj.get("metadata") or {}
        involved = (str(obj.get("kind")), str(meta.get("namespace") or ""),
                    str(meta.get("name")), str(meta.get("uid")), str(obj.get("apiVersion")))
        correlation = self.correlator.correlate((self.component, self.host), involved, type_,
                                                reason, message, self.now())
        if correlation.skip:
            self.dropped += 1
            return None
        return correlation

    async def record(self, obj: Mapping[str, Any], type_: str, reason: str,
                     message: str, field_path: str = "") -> dict[str, Any] | None:
        """Create the Event, or bump the count of the one already recorded; returns the
        stored Event, or None if it was dropped (a type other than Normal or Warning, as
        client-go drops them) or the apiserver refused it; both count in `failures`. Never
        raises: it runs in the background of its actor. `field_path`: the part of the
        object it is about (``spec.containers{app}``, as a kubelet says of a container)."""
        correlation = self._correlate(obj, type_, reason, message)
        if correlation is None:
            return None
        return await self._locked_write(obj, type_, reason, correlation.message,
                                        correlation.aggregated, field_path)

    async def _locked_write(self, obj: Mapping[str, Any], type_: str, reason: str,
                            message: str, aggregated: bool, field_path: str = ""
                            ) -> dict[str, Any] | None:
        """`_record` under the FIFO lock, a refusal counted in `failures`. The lock is
        taken without a checkpoint when it is free and nobody waits (what
        `trio.Lock.acquire` does, minus its two checkpoints: the write itself waits for the
        apiserver anyway), which spares a task switch per event."""
        lock = self._lock
        try:
            lock.acquire_nowait()
        except trio.WouldBlock:
            await lock.acquire()
        try:
            return await self._record(obj, type_, reason, message, aggregated, field_path)
        except (ApiError, TimeoutError, LookupError):
            self.failures += 1
            return None
        finally:
            lock.release()

    async def _record(self, obj: Mapping[str, Any], type_: str, reason: str,
                      message: str, aggregated: bool = False, field_path: str = ""
                      ) -> dict[str, Any]:
        meta = obj.get("metadata") or {}
        namespace = meta.get("namespace") or "default"
        now = self.now()
        when = timestamp(cluster_epoch(), now)
        # a combined event is one Event whatever its latest message (the aggregate key);
        # the field path counts, as in client-go's getEventKey (each container its own)
        key = (str(obj.get("kind")), namespace, str(meta.get("name")), str(meta.get("uid")),
               type_, reason, "" if aggregated else message, "combined" if aggregated else "",
               field_path)
        seen = self.seen.get(key)
        if seen is not None:
            name, count = seen
            change: dict[str, Any] = {"count": count + 1, "lastTimestamp": when}
            if aggregated:
                change["message"] = message
            try:
                event = await self.client.patch("events", name, change, namespace)
                self.seen[key] = (name, count + 1)
                return event
            except NotFound:  # deleted meanwhile (events expire): start a new one
                del self.seen[key]
                now = self.now()
        involved = {field: value for field, value in (
            ("kind", obj.get("kind")), ("namespace", meta.get("namespace")),
            ("name", meta.get("name")), ("uid", meta.get("uid")),
            ("apiVersion", obj.get("apiVersion")),
            ("resourceVersion", meta.get("resourceVersion")), ("fieldPath", field_path))
            if value}
        source = {"component": self.component, **({"host": self.host} if self.host else {})}
        for attempt in range(_NAME_ATTEMPTS):
            # client-go names an Event after its object and the time in nanoseconds; in
            # virtual time two components may record about one object at one instant
            # (the scheduler and a kubelet about a preempted pod): the next name is tried
            self.serial += 1
            name = f"{meta.get('name')}.{int(now * 1e9):x}{self.serial:02x}"
            try:
                event = await self.client.create({
                    "apiVersion": "v1", "kind": "Event",
                    "metadata": {"name": name, "namespace": namespace},
                    "involvedObject": involved, "reason": reason, "message": message,
                    "type": type_, "count": 1, "firstTimestamp": when, "lastTimestamp": when,
                    "source": source, "reportingComponent": self.component,
                    "reportingInstance": self.host or self.component,
                })
                break
            except AlreadyExists:
                if attempt == _NAME_ATTEMPTS - 1:
                    raise
        self.seen[key] = (name, 1)
        if len(self.seen) > self.cache_size:  # forget the oldest, as client-go's LRU does
            del self.seen[next(iter(self.seen))]
        return event
