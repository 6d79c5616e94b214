"""A whole control plane as a test fixture: apply manifests, run controllers, wait for state.

    async def test_website(autojump_clock):
        async with cluster_harness(seed=1) as cluster:
            await cluster.apply("examples/website/website-crd.yaml")
            await cluster.apply("examples/website/website.yaml")
            await cluster.start_controller(WebsiteController)
            deploy = await cluster.wait_for("deployment/hello", spec__replicas=2)

Everything runs in virtual time (the test's trio clock must be a
`MockClock(autojump_threshold=0)`: pytest-trio's `autojump_clock` fixture), from one seed,
so a minute of cluster time costs milliseconds and the same seed gives the same story.
`kactors.testing.pytest_plugin` wraps this in a `kactors_cluster` fixture.
"""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import attrs
import trio

from kactors.actors import (
    Actor,
    ActorRef,
    ActorSystem,
    ChildSpec,
    DeleteChild,
    StartChild,
    Supervisor,
    TerminateChild,
)
from kactors.api.manifests import load_manifest_file, load_manifests
from kactors.api.meta import deep_copy
from kactors.api.patch import PATCH_META
from kactors.client.client import ApiClient
from kactors.client.discovery import discover, resolve_kind
from kactors.client.errors import NotFound
from kactors.client.informer import InformerFactory
from kactors.cluster.config import ClusterConfig
from kactors.cluster.loader import load_config, parse_config
from kactors.cluster.tree import ClusterTree
from kactors.controllers.base import Controller, ControllerConfig
from kactors.testing.controlplane import ControlPlane, start_control_plane

__all__ = ["Cluster", "WaitTimeout", "cluster_harness", "full_cluster"]

Obj = dict[str, Any]
Source = str | os.PathLike[str] | Mapping[str, Any] | Iterable[Mapping[str, Any]]

#: where the harness's admin client, the apiserver and the controller-manager live
CONTROL_PLANE_HOST = "control-plane"
CONTROLLER_MANAGER = "controller-manager"


class WaitTimeout(AssertionError):
    """`Cluster.wait_for` / `wait_gone` gave up; the message shows what was last seen."""


class _Probe(Actor):
    """The harness's own actor: the admin client's identity on the network."""

    def receive(self, message: Any) -> Any:
        return None


class Cluster:
    """What `cluster_harness` yields: the running cluster and helpers to drive it."""

    def __init__(self, system: ActorSystem, plane: ControlPlane, probe: ActorRef, *,
                 informer_options: Mapping[str, Any]) -> None:
        self.system = system
        self.plane = plane
        self.probe = probe
        self.informer_options = dict(informer_options)
        #: an admin ApiClient (system:masters) that lives in the harness's probe actor
        self.client: ApiClient = plane.client(self.actor(probe).ctx)
        self._manager: ActorRef | None = None
        #: the ClusterTree of a `full_cluster` (None for a bare control plane)
        self.tree: ClusterTree | None = None

    def __repr__(self) -> str:
        return f"<Cluster seed={self.system.seed} t={self.now():g}>"

    # -- small conveniences ---------------------------------------------------------------------
    @property
    def apiserver(self) -> ActorRef:
        return self.plane.apiserver

    def now(self) -> float:
        """Cluster time (virtual seconds since the system started)."""
        return self.system.now()

    async def sleep(self, seconds: float) -> None:
        """Let `seconds` of cluster time pass (instantly, in virtual time)."""
        await trio.sleep(seconds)

    def actor(self, ref: ActorRef | str) -> Any:
        """The live actor instance behind a ref or path, to inspect its state in a test."""
        if isinstance(ref, str):
            found = self.system.lookup(ref)
            if found is None:
                raise LookupError(f"no actor at {ref!r}")
            ref = found
        actor = ref._cell.actor
        if actor is None:
            raise LookupError(f"{ref.path} is not running")
        return actor

    def logs(self, event: str | None = None, actor: str | None = None) -> list[dict[str, Any]]:
        """Captured log records (the harness captures them), by event name and/or actor."""
        records = self.system.records or []
        return [r for r in records if (event is None or r.get("event") == event)
                and (actor is None or r.get("actor") == actor)]

    # -- objects ----------------------------------------------------------------------------------
    async def apply(self, source: Source, namespace: str | None = None) -> list[Obj]:
        """Create or update every object of `source`, in order: a manifest file path, YAML
        text, one object or a list of objects. An existing object is patched with what
        the manifest says (strategic merge for built-in kinds, merge patch otherwise). A
        CustomResourceDefinition is waited for until it is Established, so objects of its
        kind can follow it in the same call. Returns the stored objects."""
        stored = []
        for obj in _objects(source):
            stored.append(await self._apply_one(obj, namespace))
        return stored

    async def _apply_one(self, obj: Obj, namespace: str | None) -> Obj:
        client = self.client
        info = await resolve_kind(client, f"{obj.get('apiVersion')}/{obj.get('kind')}")
        meta = obj.setdefault("metadata", {})
        if info.namespaced and not meta.get("namespace"):
            meta["namespace"] = namespace or client.default_namespace
        kind = f"{info.api_version}/{info.kind}"
        try:
            await client.get(kind, meta["name"], meta.get("namespace"))
        except NotFound:
            result = await client.create(obj)
        else:
            patch = {k: v for k, v in obj.items() if k != "status"}
            patch_type = ("application/strategic-merge-patch+json"
                          if not info.custom and info.kind in PATCH_META
                          else "application/merge-patch+json")
            result = await client.patch(kind, meta["name"], patch, meta.get("namespace"),
                                        patch_type=patch_type)
        if info.kind == "CustomResourceDefinition" and info.group == "apiextensions.k8s.io":
            result = await self.wait_for(
                "apiextensions.k8s.io/v1/CustomResourceDefinition", meta["name"],
                predicate=_established, timeout=30.0)
            client.registry = await discover(client)
        return result

    async def get(self, kind: str, name: str | None = None, namespace: str | None = None
                  ) -> Obj | None:
        """The object (`get("deployment/hello")` or `get("Deployment", "hello")`), or None."""
        kind, name = _kind_and_name(kind, name)
        await resolve_kind(self.client, kind)
        try:
            return await self.client.get(kind, name, namespace)
        except NotFound:
            return None

    async def list(self, kind: str, namespace: str | None = None, *,
                   label_selector: str | None = None) -> list[Obj]:
        """Objects of `kind` in `namespace` (all namespaces if None), in key order."""
        await resolve_kind(self.client, kind)
        listed = await self.client.list(kind, namespace, label_selector=label_selector,
                                        all_namespaces=namespace is None)
        return list(listed["items"])

    async def delete(self, kind: str, name: str | None = None, namespace: str | None = None,
                     **options: Any) -> Obj | None:
        """Delete the object; None if it did not exist."""
        kind, name = _kind_and_name(kind, name)
        await resolve_kind(self.client, kind)
        try:
            return await self.client.delete(kind, name, namespace, **options)
        except NotFound:
            return None

    async def wait_for(self, kind: str, name: str | None = None, namespace: str | None = None,
                       predicate: Callable[[Obj], Any] | None = None, *,
                       timeout: float = 30.0, poll: float = 0.1, **fields: Any) -> Obj:
        """Wait until the object exists, `predicate(obj)` is true and every field matches;
        return it. Raises WaitTimeout after `timeout` cluster seconds.

        `kind` may carry the name (`"deployment/hello"`). A field is named like
        `spec__replicas=2` (path segments joined by `__`, snake_case or camelCase) or just
        `ready_replicas=2`, looked up in status, then spec, then the top level.
        """
        kind, name = _kind_and_name(kind, name)
        await resolve_kind(self.client, kind)
        deadline = trio.current_time() + timeout
        last: Obj | None = None
        while True:
            try:
                last = await self.client.get(kind, name, namespace)
            except NotFound:
                last = None
            if last is not None and _matches(last, predicate, fields):
                return last
            if trio.current_time() + poll > deadline:
                break
            await trio.sleep(poll)
        wanted = ", ".join([*(f"{k}={v!r}" for k, v in fields.items()),
                            *(["predicate"] if predicate else [])]) or "existence"
        raise WaitTimeout(f"{kind} {namespace or self.client.default_namespace}/{name}: "
                          f"no {wanted} after {timeout:g} s; last seen: "
                          f"{_describe(last, fields)}")

    async def wait_gone(self, kind: str, name: str | None = None, namespace: str | None = None,
                        *, timeout: float = 30.0, poll: float = 0.1) -> None:
        """Wait until the object no longer exists (finalizers, GC); raises WaitTimeout."""
        kind, name = _kind_and_name(kind, name)
        await resolve_kind(self.client, kind)
        deadline = trio.current_time() + timeout
        while True:
            try:
                await self.client.get(kind, name, namespace)
            except NotFound:
                return
            if trio.current_time() + poll > deadline:
                raise WaitTimeout(f"{kind} {name} still exists after {timeout:g} s")
            await trio.sleep(poll)

    # -- controllers ----------------------------------------------------------------------------
    async def controller_manager(self) -> ActorRef:
        """The `/controller-manager` supervisor (started on first use) on the control-plane
        host, with its `informers` InformerFactory shared by every controller in it."""
        if self._manager is None:
            plane = self.plane
            options = self.informer_options
            self._manager = await self.system.start(ChildSpec(
                CONTROLLER_MANAGER, lambda: Supervisor([ChildSpec(
                    "informers", lambda: InformerFactory(plane.apiserver, plane.admin_token,
                                                         **options))]),
                host=CONTROL_PLANE_HOST, shutdown=float("inf")))
        return self._manager

    @property
    def informers(self) -> ActorRef:
        """The controller-manager's InformerFactory (start a controller first)."""
        ref = self.system.lookup(f"/{CONTROLLER_MANAGER}/informers")
        if ref is None:
            raise LookupError("no controller-manager yet: call start_controller first")
        return ref

    async def start_controller(self, cls: Callable[..., Controller], *args: Any,
                               name: str | None = None, token: str | None = None,
                               **kwargs: Any) -> ActorRef:
        """Start `cls(ControllerConfig(...), *args, **kwargs)` in the controller-manager;
        returns its ref once it started (`cluster.actor(ref)` is the instance). It acts as
        the admin unless given another `token`."""
        watches = getattr(cls, "watches", "")
        if not watches:
            raise TypeError(f"{getattr(cls, '__name__', cls)} must set `watches`")
        for kind in (watches, *getattr(cls, "owns", ())):
            await resolve_kind(self.client, kind)  # an unknown kind fails here, clearly
        manager = await self.controller_manager()
        config = ControllerConfig(self.plane.apiserver, self.informers,
                                  token if token is not None else self.plane.admin_token)
        name = name or _kebab(getattr(cls, "__name__", "controller"))
        ref: ActorRef = await manager.ask(StartChild(ChildSpec(
            name, lambda: cls(config, *args, **kwargs))), timeout=120.0)
        await trio.sleep(0)
        reason = ref._cell.exit_reason
        if reason is not None and reason.abnormal:  # its `started` or `setup` raised
            await manager.ask(TerminateChild(name))
            await manager.ask(DeleteChild(name))
            raise RuntimeError(f"controller {name} failed to start: {reason}") from reason.error
        return ref


@asynccontextmanager
async def cluster_harness(seed: int = 0, store: str = "local", *, log_level: str = "info",
                          log_to_stdout: bool = False,
                          informer_options: Mapping[str, Any] | None = None,
                          **apiserver_options: Any) -> AsyncIterator[Cluster]:
    """Start an ActorSystem with a control plane (`store="local"` or `"raft"`) and yield a
    `Cluster`; stop everything on exit. `apiserver_options` go to `ApiServerConfig`
    (e.g. `watch_cache_size=5`); `informer_options` to the controller-manager's
    InformerFactory (e.g. `resync_period=30`). Logs are captured (`cluster.logs()`)."""
    system = ActorSystem(seed=seed, log_level=log_level, log_to_stdout=log_to_stdout,
                         capture_logs=True)
    async with system:
        plane = await start_control_plane(system, store=store, **apiserver_options)
        probe = await system.start(ChildSpec("harness", _Probe, host=CONTROL_PLANE_HOST))
        yield Cluster(system, plane, probe, informer_options=informer_options or {})


# -- helpers ------------------------------------------------------------------------------------
def _objects(source: Source) -> list[Obj]:
    if isinstance(source, Mapping):
        return [deep_copy(dict(source))]
    if isinstance(source, os.PathLike) or (isinstance(source, str) and "\n" not in source):
        return load_manifest_file(Path(source))
    if isinstance(source, str):
        return load_manifests(source)
    return [deep_copy(dict(obj)) for obj in source]


def _established(crd: Obj) -> bool:
    return any(c.get("type") == "Established" and c.get("status") == "True"
               for c in (crd.get("status") or {}).get("conditions") or [])


def _kind_and_name(kind: str, name: str | None) -> tuple[str, str]:
    if name is not None:
        return kind, name
    head, slash, tail = kind.rpartition("/")
    if not slash or tail[:1].isupper():
        raise ValueError(f"name the object: wait_for({kind!r}, name) or "
                         f"wait_for('{kind.lower()}/<name>')")
    return head, tail


def _camel(word: str) -> str:
    first, *rest = word.split("_")
    return first + "".join(part[:1].upper() + part[1:] for part in rest)


_MISSING = object()


def _field(obj: Obj, name: str) -> Any:
    if "__" in name:
        value: Any = obj
        for part in name.split("__"):
            if not isinstance(value, Mapping):
                return _MISSING
            value = value.get(_camel(part), value.get(part, _MISSING))
            if value is _MISSING:
                return _MISSING
        return value
    key = _camel(name)
    for section in (obj.get("status"), obj.get("spec"), obj):
        if isinstance(section, Mapping) and key in section:
            return section[key]
    return _MISSING


def _matches(obj: Obj, predicate: Callable[[Obj], Any] | None, fields: Mapping[str, Any]
             ) -> bool:
    for name, wanted in fields.items():
        if _field(obj, name) != wanted:
            return False
    return predicate is None or bool(predicate(obj))


def _describe(obj: Obj | None, fields: Mapping[str, Any]) -> str:
    if obj is None:
        return "nothing (not found)"
    if fields:
        seen = {name: _field(obj, name) for name in fields}
        return ", ".join(f"{k}={'<missing>' if v is _MISSING else repr(v)}"
                         for k, v in seen.items())
    meta = obj.get("metadata") or {}
    return f"resourceVersion {meta.get('resourceVersion')}, status {obj.get('status')!r}"


def _kebab(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "-", name).lower()


@asynccontextmanager
async def full_cluster(config: ClusterConfig | str | os.PathLike[str] = "", *,
                       seed: int | None = None, log_level: str = "info",
                       log_to_stdout: bool = False, batch_period: float = 0.0,
                       wait_nodes: bool = True) -> AsyncIterator[Cluster]:
    """A *whole* cluster as `kactors run` builds it (etcd members, apiserver, every enabled
    controller, the scheduler, a kubelet and kube-proxy per node), from a cluster.toml
    (`config` is a `ClusterConfig`, a path, or TOML text; "" is the default cluster), in the
    test's virtual time. Yields the same `Cluster` helpers as `cluster_harness`, acting as
    the cluster's admin, plus `cluster.tree` (the `ClusterTree`: node and etcd paths) and
    `cluster.system.network` for faults. The config's manifests and actions are *not*
    applied: the test drives the story. With `wait_nodes`, every node is Ready first."""
    if isinstance(config, ClusterConfig):
        parsed = config
    elif isinstance(config, str) and ("\n" in config or "=" in config or not config):
        parsed = parse_config(config, "<test cluster.toml>", base_dir=Path.cwd())
    else:
        parsed = load_config(config)
    if seed is not None:
        parsed = attrs.evolve(parsed, cluster=attrs.evolve(parsed.cluster, seed=seed))
    system = ActorSystem(parsed.cluster.name, seed=parsed.cluster.seed, log_level=log_level,
                         log_to_stdout=log_to_stdout, capture_logs=True)
    async with system:
        tree = ClusterTree(parsed, batch_period=batch_period)
        await system.start(tree.spec(system))
        plane = ControlPlane(tree.apiserver(), tree.etcd.refs(system),
                             tree._apiserver_config(), tree.etcd,
                             admin_token=tree.credentials.admin)
        probe = await system.start(ChildSpec("harness", _Probe, host=CONTROL_PLANE_HOST))
        cluster = Cluster(system, plane, probe, informer_options={})
        cluster.tree = tree
        if wait_nodes:
            for node in parsed.nodes:
                await cluster.wait_for("v1/Node", node.name, predicate=_node_ready,
                                       timeout=120.0)
        yield cluster


def _node_ready(node: Obj) -> bool:
    return any(c.get("type") == "Ready" and c.get("status") == "True"
               for c in (node.get("status") or {}).get("conditions") or [])
