"""`Controller`: the public library API for writing controllers as actors.

A controller declares what it `watches` (the kind it reconciles) and what it `owns` (kinds
whose objects carry a controller ownerReference to a watched object: their events map to
the owner's key). Informer events become keys in a rate-limited workqueue; up to `workers`
reconciles run at once as tasks of the actor, never two for the same key. `reconcile` is
level-based: it gets a key ("namespace/name"), reads the current state from `self.cache`
(the informer's cache, never a round trip) and converges. Its outcome decides what
happens next, as in controller-runtime:

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
from kactors.api.meta import deep_copy
from kactors.client.client import ApiClient
from kactors.client.errors import AlreadyExists, Conflict, NotFound
from kactors.client.indexer import Lister, object_key
from kactors.client.informer import GetInformer, InformerEvent, InformerHandle, Subscribe
from kactors.client.result import Result, after_reconcile
from kactors.client.workqueue import WorkQueue
from kactors.controllers.events import EventRecorder


@attrs.frozen
class ControllerConfig:
    """How a controller reaches the cluster: the apiserver, its credentials, its informers."""

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
    #: a name for logs and events (defaults to the class name)
    component: ClassVar[str] = ""

    def __init__(self, config: ControllerConfig) -> None:
        self.config = config
        self.queue: WorkQueue[str] = WorkQueue(name=type(self).__name__)
        self.running = 0
        self.wake: Any = None
        self.handles: dict[str, InformerHandle] = {}

    # -- wiring -----------------------------------------------------------------------------
    async def started(self) -> None:
        if not self.watches:
            raise TypeError(f"{type(self).__name__} must set `watches`")
        ctx = self.ctx
        self.client = ApiClient(ctx, self.config.apiserver, self.config.token)
        self.events = EventRecorder(self.client, self.component or type(self).__name__,
                                    ctx.now)
        primary = await self.informer(self.watches)
        self.kind = primary.kind
        self.cache = Lister(primary.indexer)
        for kind in self.owns:
            await self.informer(kind)
        await self.setup()

    async def setup(self) -> None:
        """Override to get more informers (`await self.informer(kind)`) before running."""

    async def informer(self, kind: str, **options: Any) -> InformerHandle:
        """The component's shared informer of `kind`; its events reach `map_event`."""
        handle: InformerHandle = await self.config.informers.ask(GetInformer(kind, **options))
        self.handles[handle.kind] = handle
        await handle.ref.ask(Subscribe(self.ctx.self))
        return handle

    def lister(self, kind: str) -> Lister:
        return Lister(self.handles[self.client.info(kind).kind].indexer)

    def map_event(self, event: InformerEvent) -> list[str]:
        """Which keys an informer event concerns. Default: the object itself for the
        watched kind, the controller owner (if it is of the watched kind) otherwise."""
        if event.kind == self.kind:
            return [event.key]
        keys = []
        for obj in (event.obj, event.old):
            if obj is None:
                continue
            meta = obj.get("metadata") or {}
            for ref in meta.get("ownerReferences") or []:
                if ref.get("controller") and ref.get("kind") == self.kind:
                    namespace = meta.get("namespace")
                    key = f"{namespace}/{ref['name']}" if namespace else ref["name"]
                    if key not in keys:
                        keys.append(key)
        return keys

    # -- the loop ---------------------------------------------------------------------------
    def receive(self, message: Any) -> Any:
        if isinstance(message, InformerEvent):
            for key in self.map_event(message):
                self.queue.add(key)
            self._dispatch()
            return None
        if isinstance(message, _Done):
            after_reconcile(self.queue, message.key, message.outcome, self.ctx.now())
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

    def enqueue(self, key: str) -> None:
        self.queue.add(key)
        self._dispatch()

    def _dispatch(self) -> None:
        queue = self.queue
        now = self.ctx.now()
        queue.advance(now)
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
        except Exception as error:
            self.ctx.log.info("controller.reconcile_failed", key=key, error=repr(error))
            outcome = error
        self.ctx.self.tell(_Done(key, outcome))

    async def reconcile(self, key: str) -> Result | None:
        raise NotImplementedError

    # -- helpers for reconcilers ------------------------------------------------------------
    def owner_reference(self, owner: Mapping[str, Any]) -> dict[str, Any]:
        meta = owner["metadata"]
        return {"apiVersion": owner["apiVersion"], "kind": owner["kind"], "name": meta["name"],
                "uid": meta["uid"], "controller": True, "blockOwnerDeletion": True}

    async def apply(self, obj: Mapping[str, Any], owner: Mapping[str, Any] | None = None
                    ) -> dict[str, Any]:
        """Create `obj`, or update the existing one to match it (labels, annotations,
        spec and data), setting `owner` as its controller. Returns the stored object."""
        desired = deep_copy(dict(obj))
        meta = desired.setdefault("metadata", {})
        if owner is not None:
            refs = [r for r in meta.get("ownerReferences") or []
                    if r.get("uid") != owner["metadata"]["uid"]]
            meta["ownerReferences"] = [*refs, self.owner_reference(owner)]
            if owner["metadata"].get("namespace") and not meta.get("namespace"):
                meta["namespace"] = owner["metadata"]["namespace"]
        kind = f"{desired['apiVersion']}/{desired['kind']}"
        for _ in range(5):
            try:
                current = await self.client.get(kind, meta["name"], meta.get("namespace"))
            except NotFound:
                try:
                    return await self.client.create(desired)
                except AlreadyExists:
                    continue
            merged = deep_copy(current)
            changed = False
            for field, value in desired.items():
                if field in ("apiVersion", "kind", "status"):
                    continue
                if field == "metadata":
                    for mfield in ("labels", "annotations", "ownerReferences"):
                        if mfield in value and merged["metadata"].get(mfield) != value[mfield]:
                            merged["metadata"][mfield] = value[mfield]
                            changed = True
                elif merged.get(field) != value:
                    merged[field] = value
                    changed = True
            if not changed:
                return current
            try:
                return await self.client.update(merged)
            except Conflict:
                continue
        raise Conflict({"kind": "Status", "code": 409, "reason": "Conflict",
                        "message": f"apply of {object_key(desired)} kept conflicting"})

    def record_event(self, obj: Mapping[str, Any], type_: str, reason: str, message: str) -> None:
        """Record a Kubernetes Event about `obj` (in the background; failures are logged)."""
        self.ctx.log.info("event.recorded", object=f"{obj.get('kind')}/{object_key(dict(obj))}",
                          type=type_, reason=reason, message=message)
        self.ctx.start_soon(self.events.record, obj, type_, reason, message)


@attrs.define
class _Timer:
    handle: Any
    deadline_at: float
