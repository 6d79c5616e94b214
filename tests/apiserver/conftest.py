"""A control plane (store + apiserver) in virtual time, and actors to talk to it.

Requests to the apiserver must come from inside an actor (they cross the simulated
network), so tests hand coroutine functions to a `Probe` actor and get the results back;
watch events go to `Collector` actors, which record what they receive for the test.
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import attrs
import pytest
import trio

from kactors.actors import Actor, ActorContext, ActorRef, ActorSystem, ChildSpec
from kactors.apiserver.messages import ApiWatchClosed, ApiWatchEvent
from kactors.client.client import ApiClient
from kactors.store.client import StoreClient
from kactors.testing.controlplane import ControlPlane, start_control_plane


@pytest.fixture(autouse=True)
def _virtual_time_only(request: pytest.FixtureRequest) -> None:
    function = getattr(request, "function", None)
    if inspect.iscoroutinefunction(function) and "autojump_clock" not in request.fixturenames:
        pytest.fail(f"{request.node.name} must take the autojump_clock fixture "
                    f"(apiserver tests run in virtual time only)")


@attrs.frozen
class _Call:
    fn: Callable[[ActorContext], Awaitable[Any]]


@attrs.frozen
class _Outcome:
    value: Any = None
    error: BaseException | None = None


class Probe(Actor):
    """Runs the coroutine functions it is sent, each as a task of its own (so several can
    be in flight at once), and answers with their outcome; it never crashes."""

    def receive(self, message: Any) -> Any:
        if isinstance(message, _Call):
            reply = self.ctx.defer_reply()
            self.ctx.start_soon(self._run, message.fn, reply)
            return None
        return super().receive(message)

    async def _run(self, fn: Callable[[ActorContext], Awaitable[Any]], reply: Any) -> None:
        try:
            outcome = _Outcome(value=await fn(self.ctx))
        except Exception as error:  # handed back to the test, re-raised there
            outcome = _Outcome(error=error)
        reply.set(outcome)


class Collector(Actor):
    """Records every message it receives (watch events) in a list the test reads."""

    def __init__(self, sink: list[Any]) -> None:
        self.sink = sink

    def receive(self, message: Any) -> Any:
        self.sink.append(message)
        return None


@attrs.define
class Watch:
    """The messages one collector received; `events` are the ApiWatchEvents only."""

    ref: ActorRef
    received: list[Any]
    name: str

    @property
    def events(self) -> list[ApiWatchEvent]:
        return [m for m in self.received if isinstance(m, ApiWatchEvent)]

    def changes(self, bookmarks: bool = False) -> list[tuple[str, str]]:
        """(type, name) of every event, bookmarks left out unless asked for."""
        return [(e.type, (e.object.get("metadata") or {}).get("name", ""))
                for e in self.events if bookmarks or e.type != "BOOKMARK"]

    @property
    def closed(self) -> list[ApiWatchClosed]:
        return [m for m in self.received if isinstance(m, ApiWatchClosed)]

    def clear(self) -> None:
        self.received.clear()


@attrs.define
class Env:
    system: ActorSystem
    plane: ControlPlane
    probe: ActorRef
    _collectors: int = 0

    async def call(self, fn: Callable[[ApiClient], Awaitable[Any]], *,
                   token: str | None = None, timeout: float = 60.0) -> Any:
        """Run `fn(client)` inside the probe actor, the client with `token` (admin by
        default); return its result or raise its exception."""
        plane = self.plane

        async def run(ctx: ActorContext) -> Any:
            return await fn(plane.client(ctx, token))

        return await self.run(run, timeout=timeout)

    async def run(self, fn: Callable[[ActorContext], Awaitable[Any]], *,
                  timeout: float = 60.0) -> Any:
        outcome = await self.probe.ask(_Call(fn), timeout=timeout)
        if outcome.error is not None:
            raise outcome.error
        return outcome.value

    async def store(self, fn: Callable[[StoreClient], Awaitable[Any]]) -> Any:
        """Run `fn(store_client)` against the control plane's store, from the probe."""
        refs = self.plane.store_refs

        async def run(ctx: ActorContext) -> Any:
            return await fn(StoreClient(ctx, list(refs)))

        return await self.run(run)

    def logs(self, event: str | None = None, level: str | None = None) -> list[dict[str, Any]]:
        """Captured log records, optionally one event name and/or level only."""
        records = self.system.records or []
        return [r for r in records if (event is None or r.get("event") == event)
                and (level is None or r.get("level") == level)]

    async def collector(self, host: str = "watchers") -> Watch:
        """A fresh actor that records the watch events sent to it."""
        self._collectors += 1
        name = f"collector-{self._collectors}"
        sink: list[Any] = []
        ref = await self.system.start(ChildSpec(name, lambda: Collector(sink), host=host))
        return Watch(ref, sink, name)

    async def watch(self, kind: str, namespace: str | None = None, *,
                    token: str | None = None, **options: Any) -> tuple[Watch, Any]:
        """Start a watch whose events go to a new collector: (watch, WatchAccepted)."""
        watch = await self.collector()
        accepted = await self.call(lambda c: c.watch(kind, namespace, watcher=watch.ref,
                                                     **options), token=token)
        return watch, accepted


@asynccontextmanager
async def control_plane(store: str = "local", seed: int = 1, **options: Any
                        ) -> AsyncIterator[Env]:
    async with ActorSystem(seed=seed, log_to_stdout=False, capture_logs=True) as system:
        plane = await start_control_plane(system, store=store, **options)
        probe = await system.start(ChildSpec("probe", Probe, host="client"))
        yield Env(system, plane, probe)


async def settle(seconds: float = 0.5) -> None:
    """Let messages in flight arrive (virtual time)."""
    await trio.sleep(seconds)


@pytest.fixture
async def env(autojump_clock: Any) -> AsyncIterator[Env]:
    async with control_plane() as environment:
        yield environment


def pod(name: str, namespace: str | None = None, *, labels: dict[str, str] | None = None,
        node: str | None = None, **spec: Any) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name}
    if namespace:
        meta["namespace"] = namespace
    if labels:
        meta["labels"] = labels
    body: dict[str, Any] = {"containers": [{"name": "app", "image": "nginx:1.25"}], **spec}
    if node:
        body["nodeName"] = node
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": body}


def configmap(name: str, namespace: str | None = None, *,
              labels: dict[str, str] | None = None, **data: str) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name}
    if namespace:
        meta["namespace"] = namespace
    if labels:
        meta["labels"] = labels
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta, "data": dict(data)}


def deployment(name: str, replicas: int = 1, image: str = "nginx:1.25") -> dict[str, Any]:
    labels = {"app": name}
    return {
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
        "spec": {"replicas": replicas, "selector": {"matchLabels": labels},
                 "template": {"metadata": {"labels": labels},
                              "spec": {"containers": [{"name": "app", "image": image}]}}},
    }


def replicaset(name: str, replicas: int = 1) -> dict[str, Any]:
    obj = deployment(name, replicas)
    return {**obj, "kind": "ReplicaSet"}


def statefulset(name: str, replicas: int = 1) -> dict[str, Any]:
    obj = deployment(name, replicas)
    return {**obj, "kind": "StatefulSet", "spec": {**obj["spec"], "serviceName": name}}


def names(listed: dict[str, Any]) -> list[str]:
    return [item["metadata"]["name"] for item in listed["items"]]
