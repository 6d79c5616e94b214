"""Kubernetes Events, as a controller records them: one Event per (object, reason,
message), its `count` and `lastTimestamp` bumped on repeats (client-go's aggregation)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from kactors.apiserver.objects import DEFAULT_EPOCH, timestamp
from kactors.client.client import ApiClient
from kactors.client.errors import ApiError, NotFound


class EventRecorder:
    def __init__(self, client: ApiClient, component: str, now: Callable[[], float],
                 host: str = "") -> None:
        self.client = client
        self.component = component
        self.host = host
        self.now = now
        self.seen: dict[tuple[str, ...], tuple[str, int]] = {}
        self.serial = 0

    async def record(self, obj: Mapping[str, Any], type_: str, reason: str,
                     message: str) -> None:
        meta = obj.get("metadata") or {}
        namespace = meta.get("namespace") or "default"
        when = timestamp(DEFAULT_EPOCH, self.now())
        involved = {"kind": obj.get("kind"), "namespace": meta.get("namespace"),
                    "name": meta.get("name"), "uid": meta.get("uid"),
                    "apiVersion": obj.get("apiVersion"),
                    "resourceVersion": meta.get("resourceVersion")}
        key = (str(obj.get("kind")), namespace, str(meta.get("name")), type_, reason, message)
        try:
            if key in self.seen:
                name, count = self.seen[key]
                try:
                    await self.client.patch("events", name, {"count": count + 1,
                                                             "lastTimestamp": when}, namespace)
                    self.seen[key] = (name, count + 1)
                    return
                except NotFound:
                    del self.seen[key]
            self.serial += 1
            name = f"{meta.get('name')}.{self.serial:x}{int(self.now() * 1000):x}"
            await self.client.create({
                "apiVersion": "v1", "kind": "Event",
                "metadata": {"name": name, "namespace": namespace},
                "involvedObject": involved, "reason": reason, "message": message,
                "type": type_, "count": 1, "firstTimestamp": when, "lastTimestamp": when,
                "source": {"component": self.component, **({"host": self.host}
                                                            if self.host else {})},
                "reportingComponent": self.component,
            })
            self.seen[key] = (name, 1)
        except ApiError:
            pass
