"""Kubernetes Events, as a controller records them: one Event per (object, type, reason,
message), its `count` and `lastTimestamp` bumped on repeats (client-go's aggregation).

Records are written one at a time, in the order they were made (a FIFO lock), so that two
repeats recorded back to back become one Event with count 2, never two Events.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import trio

from kactors.apiserver.objects import DEFAULT_EPOCH, timestamp
from kactors.client.client import ApiClient
from kactors.client.errors import ApiError, NotFound

NORMAL, WARNING = "Normal", "Warning"


class EventRecorder:
    def __init__(self, client: ApiClient, component: str, now: Callable[[], float],
                 host: str = "") -> None:
        self.client = client
        self.component = component
        self.host = host
        self.now = now
        #: (kind, namespace, name, uid, type, reason, message) -> (event name, count)
        self.seen: dict[tuple[str, ...], tuple[str, int]] = {}
        self.serial = 0
        self.failures = 0
        self.cache_size = 4096
        self._lock = trio.Lock()

    async def record(self, obj: Mapping[str, Any], type_: str, reason: str,
                     message: str) -> dict[str, Any] | None:
        """Create the Event, or bump the count of the one already recorded; returns the
        stored Event, or None if it was dropped (a type other than Normal or Warning, as
        client-go drops them) or the apiserver refused it; both count in `failures`. Never
        raises: it runs in the background of its actor."""
        if type_ not in (NORMAL, WARNING):
            self.failures += 1
            return None
        async with self._lock:
            try:
                return await self._record(obj, type_, reason, message)
            except (ApiError, TimeoutError, LookupError):
                self.failures += 1
                return None

    async def _record(self, obj: Mapping[str, Any], type_: str, reason: str,
                      message: str) -> dict[str, Any]:
        meta = obj.get("metadata") or {}
        namespace = meta.get("namespace") or "default"
        when = timestamp(DEFAULT_EPOCH, self.now())
        key = (str(obj.get("kind")), namespace, str(meta.get("name")), str(meta.get("uid")),
               type_, reason, message)
        seen = self.seen.get(key)
        if seen is not None:
            name, count = seen
            try:
                event = await self.client.patch(
                    "events", name, {"count": count + 1, "lastTimestamp": when}, namespace)
                self.seen[key] = (name, count + 1)
                return event
            except NotFound:  # deleted meanwhile (events expire): start a new one
                del self.seen[key]
        self.serial += 1
        name = f"{meta.get('name')}.{int(self.now() * 1e9):x}{self.serial:02x}"
        involved = {field: value for field, value in (
            ("kind", obj.get("kind")), ("namespace", meta.get("namespace")),
            ("name", meta.get("name")), ("uid", meta.get("uid")),
            ("apiVersion", obj.get("apiVersion")),
            ("resourceVersion", meta.get("resourceVersion"))) if value}
        source = {"component": self.component, **({"host": self.host} if self.host else {})}
        event = await self.client.create({
            "apiVersion": "v1", "kind": "Event",
            "metadata": {"name": name, "namespace": namespace},
            "involvedObject": involved, "reason": reason, "message": message,
            "type": type_, "count": 1, "firstTimestamp": when, "lastTimestamp": when,
            "source": source, "reportingComponent": self.component,
            "reportingInstance": self.host or self.component,
        })
        self.seen[key] = (name, 1)
        if len(self.seen) > self.cache_size:  # forget the oldest, as client-go's LRU does
            del self.seen[next(iter(self.seen))]
        return event
