"""Controllers and builders shared by the controller tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import trio

from kactors.client.result import Result
from kactors.controllers import Controller, ControllerConfig

#: what a Probe's script answers for one attempt: a Result, None, or an exception to raise
Step = Callable[[int], Any]


def cm(name: str, namespace: str = "default", **data: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": name, "namespace": namespace}, "data": data}


def secret(name: str, owner: dict[str, Any] | None = None, *, controller: bool = True,
           **data: str) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "namespace": "default"}
    if owner is not None:
        meta["ownerReferences"] = [{
            "apiVersion": owner["apiVersion"], "kind": owner["kind"],
            "name": owner["metadata"]["name"], "uid": owner["metadata"]["uid"],
            "controller": controller}]
    return {"apiVersion": "v1", "kind": "Secret", "metadata": meta, "stringData": data}


def deployment(name: str, replicas: int = 1, image: str = "nginx") -> dict[str, Any]:
    labels = {"app": name}
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": name, "namespace": "default"},
            "spec": {"replicas": replicas, "selector": {"matchLabels": labels},
                     "template": {"metadata": {"labels": labels},
                                  "spec": {"containers": [{"name": "app", "image": image}]}}}}


class Journal:
    """What reconciles did, kept outside the controller so that it survives restarts."""

    def __init__(self) -> None:
        self.entries: list[tuple[str, str, float]] = []

    def starts(self, key: str | None = None) -> list[float]:
        return [t for what, k, t in self.entries
                if what == "start" and (key is None or k == key)]

    def keys(self) -> list[str]:
        return [k for what, k, _ in self.entries if what == "start"]

    def max_concurrency(self) -> int:
        running = peak = 0
        for what, _, _ in self.entries:
            running += 1 if what == "start" else -1
            peak = max(peak, running)
        return peak


class Probe(Controller):
    """Reconciles ConfigMaps (owning Secrets): journals each reconcile, which takes
    `duration` seconds and then does what `script[key]` says for that attempt."""

    watches = "v1/ConfigMap"
    owns = ["v1/Secret"]
    workers = 2

    def __init__(self, config: ControllerConfig, journal: Journal, *,
                 script: dict[str, Step] | None = None, duration: float = 0.0) -> None:
        super().__init__(config)
        self.journal = journal
        self.script = script or {}
        self.duration = duration
        self.attempts: dict[str, int] = {}

    async def reconcile(self, key: str) -> Result | None:
        attempt = self.attempts[key] = self.attempts.get(key, 0) + 1
        self.journal.entries.append(("start", key, self.ctx.now()))
        try:
            if self.duration:
                await trio.sleep(self.duration)
            step = self.script.get(key)
            outcome = step(attempt) if step is not None else None
            if isinstance(outcome, BaseException):
                raise outcome
            return outcome
        finally:
            self.journal.entries.append(("end", key, self.ctx.now()))

    def handle(self, message: Any) -> Any:
        if message == "crash":
            raise RuntimeError("crash on request")
        return super().handle(message)


class OtherProbe(Probe):
    """A second controller of the same component, watching the same kind."""
