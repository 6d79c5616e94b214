"""A control plane plus stand-ins for the scheduler and kubelets, for the workload
controller tests (ReplicaSet, Deployment, Endpoints).

There is no scheduler or kubelet yet, so `FakeKubelet` plays both: it binds every new pod
to a node (pods/binding), starts it after `start_after` seconds (phase Running, a pod IP),
marks it Ready after `ready_after` more seconds (unless `never_ready(pod)` says not), and
finishes the deletion of pods being deleted after `stop_after` seconds. `PodWatcher`
calls a function with every pod's latest state after each watch event, in the order the
apiserver committed them, so a test can check an invariant at every step of a rollout.

Controllers run on their own host ("controller-manager"), so the network between them and
the apiserver can be slowed down or cut (`env.system.network`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from typing import Any

import attrs
import trio

from kactors.actors import Actor, ActorRef, ActorSystem, ChildSpec
from kactors.apiserver.messages import ApiWatchEvent
from kactors.client.client import ApiClient
from kactors.client.errors import ApiError
from kactors.client.informer import InformerFactory
from kactors.controllers.base import Controller, ControllerConfig
from kactors.controllers.podutil import is_pod_ready, now_timestamp
from kactors.testing.controlplane import ControlPlane, start_control_plane

Obj = dict[str, Any]
CONTROLLERS_HOST = "controller-manager"


class _Identity(Actor):
    """The test's own actor: its client's identity on the network."""

    def receive(self, message: Any) -> Any:
        return None


# -- the fake kubelet -------------------------------------------------------------------------
@attrs.frozen
class _Start:
    key: str


@attrs.frozen
class _Ready:
    key: str
    ready: bool


@attrs.frozen
class _Stop:
    key: str


class FakeKubelet(Actor):
    """Schedules, starts, readies and finally deletes pods, as a scheduler and kubelets
    would, with fixed delays (cluster seconds)."""

    def __init__(self, apiserver: ActorRef, token: str, *,
                 nodes: tuple[str, ...] = ("node-1", "node-2", "node-3"),
                 start_after: float = 0.5, ready_after: float = 1.0, stop_after: float = 0.5,
                 never_ready: Callable[[Obj], bool] | None = None) -> None:
        self.apiserver = apiserver
        self.token = token
        self.nodes = nodes
        self.start_after = start_after
        self.ready_after = ready_after
        self.stop_after = stop_after
        self.never_ready = never_ready
        self.pods: dict[str, Obj] = {}
        self.handled: dict[tuple[str, str], None] = {}
        self.next_node = 0
        self.next_ip = 10

    async def started(self) -> None:
        self.client = ApiClient(self.ctx, self.apiserver, self.token)
        await self.client.watch("v1/Pod", all_namespaces=True)

    def _once(self, key: str, step: str) -> bool:
        if (key, step) in self.handled:
            return False
        self.handled[(key, step)] = None
        return True

    def receive(self, message: Any) -> Any:
        if isinstance(message, ApiWatchEvent):
            pod = message.object
            if message.type not in ("ADDED", "MODIFIED", "DELETED"):
                return None
            key = f"{pod['metadata']['namespace']}/{pod['metadata']['name']}"
            if message.type == "DELETED":
                self.pods.pop(key, None)
                return None
            self.pods[key] = pod
            meta, spec = pod["metadata"], pod.get("spec") or {}
            phase = (pod.get("status") or {}).get("phase")
            if meta.get("deletionTimestamp"):
                if self._once(key, "stop"):
                    self.ctx.send_after(self.stop_after, _Stop(key))
            elif not spec.get("nodeName"):
                if self._once(key, "bind"):
                    node = self.nodes[self.next_node % len(self.nodes)]
                    self.next_node += 1
                    self.ctx.start_soon(self._ignore_errors, self.client.bind(pod, node))
            elif phase == "Pending" and self._once(key, "start"):
                self.ctx.send_after(self.start_after, _Start(key))
            return None
        if isinstance(message, _Start):
            pod = self.pods.get(message.key)
            if pod is not None:
                self.next_ip += 1
                ip = f"10.244.0.{self.next_ip}"
                status = {"phase": "Running", "podIP": ip, "podIPs": [{"ip": ip}],
                          "conditions": self._conditions(pod, False)}
                self.ctx.start_soon(self._patch_status, pod, status)
                if self.never_ready is None or not self.never_ready(pod):
                    self.ctx.send_after(self.ready_after, _Ready(message.key, True))
            return None
        if isinstance(message, _Ready):
            pod = self.pods.get(message.key)
            if pod is not None and is_pod_ready(pod) != message.ready:
                self.ctx.start_soon(self._patch_status, pod,
                                    {"conditions": self._conditions(pod, message.ready)})
            return None
        if isinstance(message, _Stop):
            pod = self.pods.get(message.key)
            if pod is not None:
                meta = pod["metadata"]
                self.ctx.start_soon(self._ignore_errors, self.client.delete(
                    "v1/Pod", meta["name"], meta["namespace"], grace_period_seconds=0,
                    preconditions={"uid": meta["uid"]}))
            return None
        return super().receive(message)

    def _conditions(self, pod: Obj, ready: bool) -> list[Obj]:
        now = now_timestamp(self.ctx.now())
        kept = [c for c in (pod.get("status") or {}).get("conditions") or []
                if c.get("type") not in ("Ready", "ContainersReady", "Initialized")]
        value = "True" if ready else "False"
        return [*kept, {"type": "Initialized", "status": "True", "lastTransitionTime": now},
                {"type": "Ready", "status": value, "lastTransitionTime": now},
                {"type": "ContainersReady", "status": value, "lastTransitionTime": now}]

    async def _patch_status(self, pod: Obj, status: Obj) -> None:
        meta = pod["metadata"]
        await self._ignore_errors(self.client.patch("v1/Pod", meta["name"], {"status": status},
                                                    meta["namespace"], subresource="status"))

    async def _ignore_errors(self, request: Awaitable[Any]) -> None:
        try:
            await request
        except (ApiError, TimeoutError):
            pass  # the pod went away, or will be seen again


# -- watching pods ----------------------------------------------------------------------------
class PodWatcher(Actor):
    """Calls `on_change(pods, now)` (pods by key, latest state) after every pod event."""

    def __init__(self, apiserver: ActorRef, token: str,
                 on_change: Callable[[dict[str, Obj], float], None]) -> None:
        self.apiserver = apiserver
        self.token = token
        self.on_change = on_change
        self.pods: dict[str, Obj] = {}

    async def started(self) -> None:
        self.client = ApiClient(self.ctx, self.apiserver, self.token)
        await self.client.watch("v1/Pod", all_namespaces=True)

    def receive(self, message: Any) -> Any:
        if isinstance(message, ApiWatchEvent) and message.type in ("ADDED", "MODIFIED",
                                                                   "DELETED"):
            pod = message.object
            key = f"{pod['metadata']['namespace']}/{pod['metadata']['name']}"
            if message.type == "DELETED":
                self.pods.pop(key, None)
            else:
                self.pods[key] = pod
            self.on_change(self.pods, self.ctx.now())
        return None


# -- the environment --------------------------------------------------------------------------
@attrs.define
class Env:
    system: ActorSystem
    plane: ControlPlane
    client: ApiClient
    informers: dict[str, ActorRef] = attrs.field(factory=dict)
    kubelet: FakeKubelet | None = None

    def now(self) -> float:
        return self.system.now()

    async def start(self, cls: Callable[..., Controller], *args: Any,
                    host: str = CONTROLLERS_HOST, informer_host: str | None = None,
                    name: str | None = None, token: str | None = None, **kwargs: Any) -> Any:
        """Start a controller on `host`, with the InformerFactory of `informer_host` (by
        default the same host; another one lets a test slow down only the informers'
        watch events); returns the controller instance."""
        plane = self.plane
        token = token or plane.admin_token
        informer_host = informer_host or host
        if informer_host not in self.informers:
            self.informers[informer_host] = await self.system.start(ChildSpec(
                f"informers-{informer_host}", lambda: InformerFactory(plane.apiserver, token),
                host=informer_host))
        config = ControllerConfig(plane.apiserver, self.informers[informer_host], token)
        ref = await self.system.start(ChildSpec(
            name or getattr(cls, "__name__", "controller").lower(),
            lambda: cls(config, *args, **kwargs), host=host))
        return ref._cell.actor

    async def start_kubelet(self, **options: Any) -> FakeKubelet:
        plane = self.plane
        ref = await self.system.start(ChildSpec(
            "kubelet", lambda: FakeKubelet(plane.apiserver, plane.admin_token, **options),
            host="nodes"))
        self.kubelet = ref._cell.actor
        return self.kubelet

    async def watch_pods(self, on_change: Callable[[dict[str, Obj], float], None]) -> None:
        plane = self.plane
        await self.system.start(ChildSpec(
            f"pod-watcher-{len(self.system._cells)}",
            lambda: PodWatcher(plane.apiserver, plane.admin_token, on_change), host="client"))

    async def set_ready(self, name: str, ready: bool = True, namespace: str = "default") -> Obj:
        """Flip a pod's Ready condition, as its kubelet would after a readiness probe."""
        current = await self.get("v1/Pod", name, namespace)
        now = now_timestamp(self.now())
        value = "True" if ready else "False"
        conditions = [c for c in (current.get("status") or {}).get("conditions") or []
                      if c.get("type") not in ("Ready", "ContainersReady")]
        conditions += [{"type": "Ready", "status": value, "lastTransitionTime": now},
                       {"type": "ContainersReady", "status": value, "lastTransitionTime": now}]
        return await self.client.patch("v1/Pod", name, {"status": {"conditions": conditions}},
                                       namespace, subresource="status")

    # -- reading ----------------------------------------------------------------------------------
    async def get(self, kind: str, name: str, namespace: str = "default") -> Obj:
        return await self.client.get(kind, name, namespace)

    async def items(self, kind: str, namespace: str = "default", **options: Any) -> list[Obj]:
        listed = await self.client.list(kind, namespace, **options)
        return list(listed["items"])

    async def pods(self, prefix: str = "", namespace: str = "default") -> list[Obj]:
        return [p for p in await self.items("v1/Pod", namespace)
                if p["metadata"]["name"].startswith(prefix)]

    async def events(self, reason: str | None = None, name: str | None = None) -> list[Obj]:
        """Events (by reason / involved object name), oldest first."""
        found = [e for e in await self.items("v1/Event")
                 if (reason is None or e.get("reason") == reason)
                 and (name is None or (e.get("involvedObject") or {}).get("name") == name)]
        return sorted(found, key=lambda e: (e.get("firstTimestamp") or "",
                                            e["metadata"]["name"]))

    async def messages(self, reason: str | None = None, name: str | None = None) -> list[str]:
        return [e["message"] for e in await self.events(reason, name)]

    async def until(self, check: Callable[[], Awaitable[Any]], timeout: float = 60.0,
                    poll: float = 0.25) -> Any:
        """Poll `check()` (cluster time) until it returns something truthy; return it."""
        deadline = trio.current_time() + timeout
        while True:
            value = await check()
            if value:
                return value
            if trio.current_time() > deadline:
                raise AssertionError(f"not true after {timeout} s: {check}")
            await trio.sleep(poll)

    async def wait_status(self, kind: str, name: str, timeout: float = 60.0,
                          **fields: Any) -> Obj:
        """Wait until the object's status has `fields` (camelCase names); return it."""
        last: list[Obj] = []

        async def check() -> Obj | None:
            obj = await self.get(kind, name)
            last[:] = [obj]
            status = obj.get("status") or {}
            if all(status.get(k, 0 if isinstance(v, int) else None) == v
                   for k, v in fields.items()):
                return obj
            return None

        try:
            return await self.until(check, timeout)
        except AssertionError:
            raise AssertionError(f"{kind} {name}: status {last[0].get('status') if last else None}"
                                 f" never had {fields}") from None


@asynccontextmanager
async def cluster(seed: int = 1, **options: Any) -> AsyncIterator[Env]:
    """An ActorSystem with a control plane (LocalStore) and an admin client for the test."""
    async with ActorSystem(seed=seed, log_to_stdout=False) as system:
        plane = await start_control_plane(system, **options)
        identity = await system.start(ChildSpec("test", _Identity, host="client"))
        client = plane.client(identity._cell.actor.ctx)
        yield Env(system, plane, client)


# -- objects ---------------------------------------------------------------------------------------
def container(image: str = "nginx:1.25", **extra: Any) -> Obj:
    return {"name": "app", "image": image, **extra}


def replicaset(name: str, replicas: int = 3, *, labels: Mapping[str, str] | None = None,
               image: str = "nginx:1.25", min_ready_seconds: int = 0) -> Obj:
    labels = dict(labels or {"app": name})
    spec: Obj = {"replicas": replicas, "selector": {"matchLabels": labels},
                 "template": {"metadata": {"labels": labels},
                              "spec": {"containers": [container(image)]}}}
    if min_ready_seconds:
        spec["minReadySeconds"] = min_ready_seconds
    return {"apiVersion": "apps/v1", "kind": "ReplicaSet",
            "metadata": {"name": name, "namespace": "default"}, "spec": spec}


def deployment(name: str, replicas: int = 3, *, image: str = "nginx:1.25",
               strategy: Obj | None = None, **spec_fields: Any) -> Obj:
    labels = {"app": name}
    spec: Obj = {"replicas": replicas, "selector": {"matchLabels": labels},
                 "template": {"metadata": {"labels": labels},
                              "spec": {"containers": [container(image)]}}}
    if strategy is not None:
        spec["strategy"] = strategy
    spec.update(spec_fields)
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": name, "namespace": "default"}, "spec": spec}


def pod(name: str, labels: Mapping[str, str], *, image: str = "nginx:1.25",
        ports: list[Obj] | None = None) -> Obj:
    extra = {"ports": ports} if ports else {}
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": "default", "labels": dict(labels)},
            "spec": {"containers": [container(image, **extra)]}}


def owner_names(obj: Obj) -> list[str]:
    return [ref["name"] for ref in obj["metadata"].get("ownerReferences") or []
            if ref.get("controller")]
