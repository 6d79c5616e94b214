"""Builders and a tiny driver for runtime tests (what the kubelet actor will do, minus I/O)."""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

from kactors.node import (
    ConfigLookup,
    ContainerRuntime,
    EventKind,
    ImageBehavior,
    ImageCatalog,
    RuntimeEvent,
)

UID = "0c2f6a3e-uid"

#: A fast, spread-free image: pull 1 s, start 0.2 s, runs until stopped, stops in 0.1 s.
FAST = ImageBehavior(pull_seconds=1.0, start_seconds=0.2, spread=0.0, stop_seconds=0.1)


def make_pod(
    containers: list[dict[str, Any]],
    *,
    name: str = "web",
    namespace: str = "default",
    uid: str = UID,
    **spec: Any,
) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace, "uid": uid},
        "spec": {"containers": containers, **spec},
        "status": {
            "phase": "Pending",
            "conditions": [{"type": "PodScheduled", "status": "True", "lastProbeTime": None,
                            "lastTransitionTime": "2026-01-01T00:00:00Z"}],
            "qosClass": "BestEffort",
        },
    }


def catalog(**behaviors: ImageBehavior) -> ImageCatalog:
    """Default images plus ``behaviors`` (keyword names with ``_`` for ``-``)."""
    return ImageCatalog().with_images((key.replace("_", "-"), value) for key, value in behaviors.items())


class Driver:
    """Runs a runtime forward in cluster time, keeping every event."""

    def __init__(
        self,
        images: ImageCatalog | None = None,
        seed: int = 7,
        lookup: ConfigLookup | None = None,
        pod_cidr: str = "10.244.1.0/24",
    ) -> None:
        self.runtime = ContainerRuntime(
            "node-1", images or catalog(fast=FAST), random.Random(seed),
            pod_cidr=pod_cidr, host_ip="172.18.0.3",
        )
        self.lookup = lookup
        self.events: list[RuntimeEvent] = []
        self.pods: dict[str, Mapping[str, Any]] = {}

    def sync(self, pod: Mapping[str, Any], now: float = 0.0) -> None:
        self.pods[pod["metadata"]["uid"]] = pod
        self.runtime.sync_pod(pod, now, self.lookup)
        self.events += self.runtime.advance(now)

    def run_until(self, until: float) -> list[RuntimeEvent]:
        """Advance wake-up by wake-up (like the kubelet's timer) up to ``until``."""
        start = len(self.events)
        while (wake := self.runtime.next_wakeup()) is not None and wake <= until:
            self.events += self.runtime.advance(wake)
        self.events += self.runtime.advance(until)
        return self.events[start:]

    def status(self, uid: str = UID, now: float | None = None) -> dict[str, Any]:
        return self.runtime.pod_status(self.pods[uid], self.runtime.now if now is None else now)

    def container(self, name: str, uid: str = UID) -> dict[str, Any]:
        status = self.status(uid)
        for item in [*status.get("initContainerStatuses", []), *status["containerStatuses"]]:
            if item["name"] == name:
                return item
        raise KeyError(name)

    def recorded(self, container: str | None = None) -> list[tuple[str, str, str]]:
        """(type, reason, message) of the Kubernetes Events, like ``kubectl describe``."""
        return [
            (e.type, e.reason, e.message)
            for e in self.events
            if e.record and (container is None or e.container == container)
        ]

    def times(self, kind: EventKind, container: str | None = None) -> list[float]:
        return [e.time for e in self.events if e.kind is kind and (container is None or e.container == container)]

    def condition(self, kind: str, uid: str = UID) -> dict[str, Any]:
        return next(c for c in self.status(uid)["conditions"] if c["type"] == kind)
