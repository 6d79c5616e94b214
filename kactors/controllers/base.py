"""`Controller`: the public library API for writing controllers as actors.

A controller declares what it `watches` (the kind it reconciles) and what it `owns` (kinds
whose objects carry a controller ownerReference to a watched object: their events map to
the owner's key). Informer events become keys in a rate-limited workqueue; up to `workers`
reconciles run at once as tasks of the actor, never two for the same key, and none before
every informer of the controller has synced its cache. `reconcile` is level-based: it gets
a key ("namespace/name"), reads the current state from `self.cache` (the informer's cache,
never a round trip) and converges. Its outcome decides what happens next, as in
controller-runtime:

* it returns `None` or `Result()`: done until something changes;
* `Result(requeue_after=30)`: come back in 30 s;
* it raises: retry with per-key exponential backoff;
* it raises `TerminalError`: stop retrying this key.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import attrs

from kactors.actors import Actor, ActorRef
from kactors.api.kinds import ResourceInfo
from kactors.api.meta import deep_copy
from kactors.api.patch import json_merge_patch
from kactors.client.client import ApiClient
from kactors.client.discovery import lookup_kind, resolve_kind
from kactors.client.errors import AlreadyExists, Conflict, NotFound
from kactors.client.indexer import Lister, object_key
from kactors.client.informer import (
    GetInformer,
    InformerEvent,
    InformerHandle,
    InformerSynced,
    Subscribe,
)
from kactors.client.result import Disposition, Result, TerminalError, after_reconcile
from kactors.client.workqueue import WorkQueue
from kactors.controllers.apply import (
    AlreadyOwned,
    controller_reference,
    merge_for_apply,
    set_controller,
)
from kactors.controllers.events import EventRecorder

#: how long a controller waits for its InformerFactory to hand out an informer
INFORMER_TIMEOUT = 60.0


@attrs.frozen
class ControllerConfig:
    """How a controller reaches the cluster: the apiserver, its credentials, its informers
    (the `InformerFactory` of its component)."""

    apiserver: ActorRef
    informers: ActorRef
    token: str | None = attrs.field(default=None, repr=False)


@attrs.frozen
class _Done:
    key: str
    outcome: Any


@attrs.frozen
class _Wake:
    pass


class Controller(Actor):
    #: the kind reconciled, e.g. "apps/v1/Deployment", "Deployment" or "deployments"
    watches: ClassVar[str] = ""
    #: kinds whose controller ownerReference points at a watched object
    owns: ClassVar[Sequence[str]] = ()
    #: reconciles running at once (never two for the same key)
    workers: ClassVar[int] = 2
    #: coalesce the events of a key over this many cluster seconds before reconciling it
    #: (0: at once). Like kube's --endpoint-updates-batch-period: in a big cluster a
    #: ReplicaSet sees one event per pod status change, and one reconcile per window
    #: does the work of all of them.
    batch_period: ClassVar[float] = 0.0
    #: a name for logs and events (defaults to the class name)
    component: ClassVar[str] = ""

    def __init__(self, config: ControllerConfig) -> None:
        self.config = config
        self.queue: WorkQueue[str] = WorkQueue(name=type(self).__name__)
        self.running = 0
        self.wake: _Timer | None = None
        #: informers by the kind string asked for and by Kind
        self.handles: dict[str, InformerHandle] = {}
        #: informers (by actor path) that have not told this controller they synced yet
        self.unsynced: dict[str, InformerHandle] = {}
        #: how many reconciles ended each way (Disposition value -> count)
        self.outcomes: dict[str, int] = {}

    # -- wiring -----------------------------------------------------------------------------
    async def started(self) -> None:
        if not self.watches:
            raise TypeError(f"{type(self).__name__} must set `watches`")
        ctx = self.ctx
        self.client = ApiClient(ctx, self.config.apiserver, self.config.token)
        self.events = EventRecorder(self.client, self.component or type(self).__name__,
                                    ctx.now, ctx.host or "")
        primary = await self.informer(self.watches)
        self.kind = primary.kind
        self.group = primary.info.group if primary.info is not None else ""
        self.cache = Lister(primary.indexer)
        for kind in self.owns:
            await self.informer(kind)
        await self.setup()

    async def setup(self) -> None:
        """Override to get more informers (`await self.informer(kind)`) before running."""

    async def informer(self, kind: str, **options: Any) -> InformerHandle:
        """The component's shared informer of `kind`; its events reach `map_event`.
        Options are those of `GetInformer` (namespace, label_selector, indexers...)."""
        handle: InformerHandle = await self.config.informers.ask(
            GetInformer(kind, **options), timeout=INFORMER_TIMEOUT)
        if handle.info is not None and handle.info.custom:
            self._learn(handle.info)
        self.handles[kind] = handle
        self.handles.setdefault(handle.kind, handle)
        if not handle.indexer.synced:
            self.unsynced[handle.ref.path] = handle
        handle.ref.tell(Subscribe(self.ctx.self))
        return handle

    def _learn(self, info: ResourceInfo) -> None:
        """Teach our client a custom resource the factory discovered."""
        try:
            lookup_kind(self.client.registry, f"{info.api_version}/{info.kind}")
        except LookupError:
            self.client.registry = self.client.registry.without_resource(
                info.group, info.resource).with_resources(info)

    def lister(self, kind: str) -> Lister:
        """The cache of an informer this controller asked for (`watches`, `owns`, `setup`)."""
        handle = self.handles.get(kind)
        if handle is None:
            handle = self.handles[lookup_kind(self.client.registry, kind).kind]
        return Lister(handle.indexer)

    @property
    def synced(self) -> bool:
        """Every informer of this controller has filled its cache (workers may run)."""
        return not self.unsynced

    def map_event(self, event: InformerEvent) -> list[str]:
        """Which keys an informer event concerns. Default: the object itself for the
        watched kind, its controller owner (if of the watched kind) otherwise."""
        if event.kind == self.kind:
            return [event.key]
        keys: list[str] = []
        for obj in (event.obj, event.old):
            if obj is None:
                continue
            meta = obj.get("metadata") or {}
            for ref in meta.get("ownerReferences") or []:
                if not ref.get("controller") or ref.get("kind") != self.kind:
                    continue
                if str(ref.get("apiVersion", "")).rpartition("/")[0] != self.group:
                    continue
                namespace = meta.get("namespace")
                key = f"{namespace}/{ref['name']}" if namespace else ref["name"]
                if key not in keys:
                    keys.append(key)
        return keys

    # -- the loop ---------------------------------------------------------------------------
    def receive(self, message: Any) -> Any:
        if isinstance(message, InformerEvent):
            keys = self.map_event(message)
            if not keys:
                return None  # not ours (most pod events, for most controllers): no work
            if self.batch_period > 0:
                now = self.ctx.now()
                for key in keys:
                    self.queue.add_after(key, self.batch_period, now)
            else:
                for key in keys:
                    self.queue.add(key)
            self._dispatch()
            return None
        if isinstance(message, InformerSynced):
            for path, handle in list(self.unsynced.items()):
                if handle.indexer.synced:
                    del self.unsynced[path]
            self._dispatch()
            return None
        if isinstance(message, _Done):
            disposition = after_reconcile(self.queue, message.key, message.outcome,
                                          self.ctx.now())
            self.outcomes[disposition.value] = self.outcomes.get(disposition.value, 0) + 1
            if disposition is Disposition.TERMINAL_ERROR:
                self.ctx.log.warning("controller.reconcile_terminal", key=message.key,
                                     error=repr(message.outcome))
            self.running -= 1
            self._dispatch()
            return None
        if isinstance(message, _Wake):
            self.wake = None
            self._dispatch()
            return None
        return self.handle(message)

    def handle(self, message: Any) -> Any:
        """Override to handle other messages."""
        return super().receive(message)

    def enqueue(self, key: str, after: float | None = None) -> None:
        """Reconcile `key` (again), now or `after` seconds from now."""
        if after:
            self.queue.add_after(key, after, self.ctx.now())
        else:
            self.queue.add(key)
        self._dispatch()

    def _dispatch(self) -> None:
        queue = self.queue
        now = self.ctx.now()
        queue.advance(now)
        if self.unsynced:
            return  # InformerSynced will dispatch; delayed keys wait in the queue meanwhile
        while self.running < self.workers:
            key = queue.get()
            if key is None:
                break
            self.running += 1
            self.ctx.start_soon(self._reconcile, key)
        ready_at = queue.next_ready_at()
        if ready_at is not None:
            if self.wake is not None and self.wake.deadline_at > ready_at + 1e-9:
                self.wake.handle.cancel()
                self.wake = None
            if self.wake is None:
                handle = self.ctx.send_after(max(0.0, ready_at - now), _Wake())
                self.wake = _Timer(handle, ready_at)

    async def _reconcile(self, key: str) -> None:
        try:
            outcome = await self.reconcile(key)
            if outcome is None:
                outcome = Result()
            elif not isinstance(outcome, Result):
                raise TypeError(f"reconcile must return None or a Result, not {outcome!r}")
        except Exception as error:
            self.ctx.log.info("controller.reconcile_failed", key=key, error=repr(error))
            outcome = error
        self.ctx.self.tell(_Done(key, outcome))

    async def reconcile(self, key: str) -> Result | None:
        raise NotImplementedError

    # -- helpers for reconcilers ------------------------------------------------------------
    def owner_reference(self, owner: Mapping[str, Any]) -> dict[str, Any]:
        return controller_reference(owner)

    async def apply(self, obj: Mapping[str, Any], owner: Mapping[str, Any] | None = None
                    ) -> dict[str, Any]:
        """Create `obj`, or update the stored one to match it, with `owner` (if given) as
        its controller (its namespace the default). Returns the stored object.

        Merges like a patch (see `kactors.controllers.apply`): fields `obj` leaves out keep
        their value, a field set to None is removed, status is never written, and nothing
        is sent when the stored object already matches. Conflicts are retried; an object
        controlled by someone else raises TerminalError(AlreadyOwned).
        """
        desired = deep_copy(dict(obj))
        if owner is not None:
            try:
                set_controller(desired, owner)
            except AlreadyOwned as error:
                raise TerminalError(error) from error
        meta = desired.setdefault("metadata", {})
        kind = f"{desired['apiVersion']}/{desired['kind']}"
        info = await resolve_kind(self.client, kind)
        if info.namespaced and not meta.get("namespace"):
            meta["namespace"] = self.client.default_namespace
        for _ in range(5):
            try:
                current = await self.client.get(kind, meta["name"], meta.get("namespace"))
            except NotFound:
                try:
                    return await self.client.create(desired)
                except AlreadyExists:
                    continue
            try:
                merged = merge_for_apply(current, desired, custom=info.custom)
            except AlreadyOwned as error:
                raise TerminalError(error) from error
            if merged == current:
                return current
            try:
                return await self.client.update(merged)
            except Conflict:
                continue
        raise Conflict({"kind": "Status", "code": 409, "reason": "Conflict",
                        "message": f"apply of {object_key(desired)} kept conflicting"})

    async def patch_status(self, obj: Mapping[str, Any], status: Mapping[str, Any]
                           ) -> dict[str, Any]:
        """Merge `status` into `obj`'s status (JSON merge patch: None removes a field),
        through the status subresource if the kind has one. Sends nothing, and returns
        `obj`, if its status already says so."""
        current = obj.get("status") or {}
        if json_merge_patch(current, dict(status), copy=False) == current:
            return dict(obj)
        meta = obj["metadata"]
        kind = f"{obj['apiVersion']}/{obj['kind']}"
        info = await resolve_kind(self.client, kind)
        subresource = "status" if info.subresource("status") is not None else None
        return await self.client.patch(kind, meta["name"], {"status": dict(status)},
                                       meta.get("namespace"), subresource=subresource)

    def record_event(self, obj: Mapping[str, Any], type_: str, reason: str, message: str) -> None:
        """Record a Kubernetes Event about `obj` (type "Normal" or "Warning"), in the
        background and in order; repeats bump the count of one Event. Failures are counted
        in `self.events.failures`, never raised."""
        if type_ not in ("Normal", "Warning"):
            raise ValueError(f"event type must be 'Normal' or 'Warning', not {type_!r}")
        self.ctx.log.info("event.recorded", object=f"{obj.get('kind')}/{object_key(obj)}",
                          type=type_, reason=reason, message=message)
        self.events.emit(obj, type_, reason, message)


@attrs.define
class _Timer:
    handle: Any
    deadline_at: float
