"""Informers: list then watch one kind into a local Indexer, and tell subscribers.

An informer is an actor of its component (one per kind and selector, shared by every
controller of the component through its `InformerFactory`). It lists, then watches from
the list's resourceVersion, and keeps the Indexer equal to the server's state:

* a watch that ends (`ApiWatchClosed`: its `timeoutSeconds` elapsed, jittered as in
  client-go so a thousand informers do not re-watch at once) is re-opened from the last
  resourceVersion seen, so no event is missed and none is seen twice;
* a watch answered or ended with 410 Gone (the apiserver's watch cache no longer holds
  that history, e.g. after compaction) leads to a re-list;
* a watch that goes silent (no event and no bookmark for `stall_timeout`: a partition, a
  lost `ApiWatchClosed`) is abandoned and the kind re-listed;
* a failed list or watch (apiserver unreachable) is retried with exponential backoff;
* events of a watch the informer abandoned (its StopWatch was lost on the way) are
  answered with another StopWatch, so the apiserver does not feed it forever.

* the simulated network may drop single messages of a watch (a partition shorter than
  `stall_timeout`), which a TCP stream cannot do: watch events carry a per-watch sequence
  number, and a gap makes the informer re-watch from the last resourceVersion it has (and
  re-list if that is gone); duplicates are ignored.

A re-list tells subscribers exactly what changed (add, update, delete against the cache),
then `InformerSynced`. Optional periodic resync re-delivers every object as an update
(`InformerEvent.resync`, client-go semantics). Subscribers survive a restart of the
informer: the factory keeps them, with the Indexer, outside the informer actor.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import attrs

from kactors.actors import Actor, ActorRef, ReplyHandle
from kactors.api.kinds import DEFAULT_REGISTRY, Registry, ResourceInfo
from kactors.apiserver.messages import ApiWatchClosed, ApiWatchEvent
from kactors.client.client import ApiClient
from kactors.client.discovery import resolve_kind
from kactors.client.errors import Gone
from kactors.client.indexer import Indexer, IndexFunc, object_key

ADD, UPDATE, DELETE = "add", "update", "delete"


# (not slotted: one is made per watch event, and a frozen attrs class without slots is
# built in a quarter less time, writing its fields straight into the instance's dict)
@attrs.frozen(slots=False)
class InformerEvent:
    """What a subscriber receives: `type` is add, update or delete; `old` for updates;
    `resync` marks the periodic re-delivery of an unchanged object (`old is obj`)."""

    kind: str
    type: str
    obj: dict[str, Any]
    old: dict[str, Any] | None = None
    resync: bool = False

    @property
    def key(self) -> str:
        return object_key(self.obj)


@attrs.frozen
class InformerSynced:
    """Told to subscribers after every (re-)list: the cache holds the server's state."""

    kind: str


@attrs.frozen
class Subscribe:
    """Receive `InformerEvent`s (an add for every cached object first, then `InformerSynced`
    if the cache is synced). As an ask, answers whether the cache is synced."""

    ref: ActorRef


@attrs.frozen
class Unsubscribe:
    ref: ActorRef


@attrs.frozen
class WaitForSync:
    """Ask: answered (True) once the first list has filled the cache."""


@attrs.frozen
class _Retry:
    relist: bool


@attrs.frozen
class _Check:
    pass


@attrs.frozen
class _Resync:
    pass


class Informer(Actor):
    def __init__(self, apiserver: ActorRef, token: str | None, kind: str, indexer: Indexer, *,
                 namespace: str | None = None, label_selector: str | None = None,
                 field_selector: str | None = None, resync_period: float | None = None,
                 stall_timeout: float = 60.0, retry_delay: float = 1.0,
                 max_retry_delay: float = 30.0, watch_timeout: float | None = 300.0,
                 registry: Registry = DEFAULT_REGISTRY,
                 subscribers: dict[str, ActorRef] | None = None) -> None:
        self.apiserver = apiserver
        self.token = token
        self.kind = kind
        self.indexer = indexer
        self.namespace = namespace
        self.label_selector = label_selector
        self.field_selector = field_selector
        self.resync_period = resync_period
        self.stall_timeout = stall_timeout
        self.retry_delay = retry_delay
        self.max_retry_delay = max_retry_delay
        self.watch_timeout = watch_timeout
        self.registry = registry
        #: path -> ref; shared with the factory so that it outlives a restart of this actor
        self.subscribers: dict[str, ActorRef] = subscribers if subscribers is not None else {}
        self.watch_id: int | None = None
        self.next_seq = 1
        self.last_heard = 0.0
        self.failures = 0
        self.relists = 0
        self.sync_waiters: list[ReplyHandle] = []
        #: abandoned watch id -> when we last told the apiserver to stop it
        self.abandoned: dict[int, float] = {}

    async def started(self) -> None:
        self.client = ApiClient(self.ctx, self.apiserver, self.token, registry=self.registry)
        info: ResourceInfo = await resolve_kind(self.client, self.kind)
        self.kind_name = info.kind
        self.ctx.every(max(1.0, self.stall_timeout / 4), _Check())
        if self.resync_period:
            self.ctx.every(self.resync_period, _Resync())
        await self._list_and_watch(relist=True)

    async def stopping(self) -> None:
        if self.watch_id is not None:
            self.client.stop_watch(self.watch_id)

    # -- talking to subscribers ----------------------------------------------------------------
    def _notify(self, type_: str, obj: dict[str, Any], old: dict[str, Any] | None,
                resync: bool = False) -> None:
        if not self.subscribers:
            return
        self._tell(self.subscribers.values(), InformerEvent(self.kind_name, type_, obj, old,
                                                            resync))

    def _tell(self, refs: Iterable[ActorRef], message: Any) -> None:
        """Tell `message` to each of `refs` (all subscribers, for every event: one call,
        not one per subscriber). A tell runs no code of theirs, so `subscribers` cannot
        change while it is iterated."""
        for ref in refs:
            try:
                ref.tell(message)
            except Exception as error:  # a stopped or overflowing subscriber must not stop us
                self.ctx.log.warning("informer.subscriber_unreachable", kind=self.kind_name,
                                     subscriber=ref.path, error=repr(error))

    # -- list and watch ------------------------------------------------------------------------
    async def _list_and_watch(self, relist: bool) -> None:
        """List (if `relist`, diffing against the cache) then watch from the cache's
        resourceVersion; on failure, schedule a retry with backoff."""
        if self.watch_id is not None:
            self._stop_watch(self.watch_id)
            self.watch_id = None
        try:
            if relist:
                listed = await self.client.list(
                    self.kind, self.namespace, label_selector=self.label_selector,
                    field_selector=self.field_selector, all_namespaces=self.namespace is None)
                self._replace(listed["items"], listed["metadata"]["resourceVersion"])
            timeout = None
            if self.watch_timeout:  # whole seconds, as the timeoutSeconds query parameter
                timeout = max(1, int(self.watch_timeout * (1.0 + self.ctx.random.random())))
            accepted = await self.client.watch(
                self.kind, self.namespace, resource_version=self.indexer.resource_version,
                label_selector=self.label_selector, field_selector=self.field_selector,
                all_namespaces=self.namespace is None, timeout_seconds=timeout)
        except Gone as error:
            if not relist:  # the history since our resourceVersion is gone: list again
                self.ctx.log.info("informer.relist", kind=self.kind_name, reason="410 Gone")
                await self._list_and_watch(relist=True)
                return
            self._retry_later(True, error)  # even a fresh list is too old: writes outrun us
            return
        except Exception as error:  # apiserver unreachable, timeout, 5xx: retry later
            self._retry_later(relist, error)
            return
        self.failures = 0
        self.watch_id = accepted.watch_id
        self.next_seq = 1
        self.last_heard = self.ctx.now()

    def _stop_watch(self, watch_id: int) -> None:
        self.abandoned[watch_id] = self.ctx.now()
        self.client.stop_watch(watch_id)

    def _retry_later(self, relist: bool, error: BaseException) -> None:
        self.failures += 1
        delay = min(self.max_retry_delay, self.retry_delay * 2 ** min(self.failures - 1, 10))
        self.ctx.log.warning("informer.list_failed" if relist else "informer.watch_failed",
                             kind=self.kind_name, error=repr(error), retry_in=delay)
        self.ctx.send_after(delay, _Retry(relist))

    def _replace(self, items: list[dict[str, Any]], resource_version: str) -> None:
        indexer = self.indexer
        old_items = dict(indexer.items)
        indexer.replace(items, resource_version)
        self.relists += 1
        for key, obj in indexer.items.items():
            old = old_items.pop(key, None)
            if old is None:
                self._notify(ADD, obj, None)
            elif old.get("metadata", {}).get("resourceVersion") != \
                    obj.get("metadata", {}).get("resourceVersion"):
                self._notify(UPDATE, obj, old)
        for old in old_items.values():
            self._notify(DELETE, old, None)
        synced = InformerSynced(self.kind_name)
        self._tell(self.subscribers.values(), synced)
        waiters, self.sync_waiters = self.sync_waiters, []
        for reply in waiters:
            reply.set(True)

    # -- messages ------------------------------------------------------------------------------
    async def receive(self, message: Any) -> Any:
        if isinstance(message, ApiWatchEvent):
            if message.watch_id != self.watch_id:
                # a watch we abandoned: its StopWatch was lost (partition) or its request
                # timed out after the apiserver had accepted it. Stop it (again).
                if self.ctx.now() - self.abandoned.get(message.watch_id, -1e9) >= 1.0:
                    self._stop_watch(message.watch_id)
                return None
            if message.seq:
                if message.seq < self.next_seq:
                    return None  # a duplicate delivery
                if message.seq > self.next_seq:
                    # a message of this watch was lost on the way (a real watch stream
                    # would have broken): resume from what we have, or re-list on 410
                    self.ctx.log.warning("informer.watch_gap", kind=self.kind_name,
                                         expected=self.next_seq, got=message.seq)
                    await self._list_and_watch(relist=False)
                    return None
                self.next_seq += 1
            self.last_heard = self.ctx.now()
            obj = message.object
            kind = message.type
            if kind in ("ADDED", "MODIFIED"):
                old = self.indexer.upsert(obj)
                self._notify(ADD if old is None else UPDATE, obj, old)
            elif kind == "DELETED":
                self.indexer.remove(obj)
                self._notify(DELETE, obj, None)
            elif kind == "ERROR":  # a Status: 410 when the watch fell out of the window
                status = obj if isinstance(obj, dict) else {}
                self.ctx.log.info("informer.relist", kind=self.kind_name,
                                  reason="410 Gone" if status.get("code") == 410
                                  else "watch error", status=status.get("message"))
                await self._list_and_watch(relist=True)
                return None
            rv = (obj.get("metadata") or {}).get("resourceVersion")
            if rv:
                self.indexer.resource_version = rv
            return None
        if isinstance(message, ApiWatchClosed):
            if message.watch_id == self.watch_id:
                self.watch_id = None
                await self._list_and_watch(relist=False)
            return None
        if isinstance(message, Subscribe):
            ref = message.ref
            self.subscribers[ref.path] = ref
            for obj in list(self.indexer.items.values()):
                self._tell((ref,), InformerEvent(self.kind_name, ADD, obj, None))
            if self.indexer.synced:
                self._tell((ref,), InformerSynced(self.kind_name))
            return self.indexer.synced
        if isinstance(message, Unsubscribe):
            self.subscribers.pop(message.ref.path, None)
            return None
        if isinstance(message, WaitForSync):
            if self.indexer.synced:
                return True
            self.sync_waiters.append(self.ctx.defer_reply())
            return None
        if isinstance(message, _Retry):
            if self.watch_id is None:  # nothing re-established the watch meanwhile
                await self._list_and_watch(relist=message.relist or not self.indexer.synced)
            return None
        if isinstance(message, _Check):
            now = self.ctx.now()
            self.abandoned = {i: t for i, t in self.abandoned.items() if now - t < 60.0}
            silent_for = now - self.last_heard
            if self.watch_id is not None and silent_for > self.stall_timeout:
                self.ctx.log.warning("informer.watch_stalled", kind=self.kind_name,
                                     silent_for=round(silent_for, 3))
                await self._list_and_watch(relist=True)
            return None
        if isinstance(message, _Resync):
            for obj in list(self.indexer.items.values()):
                self._notify(UPDATE, obj, obj, resync=True)
            return None
        return super().receive(message)


@attrs.frozen
class GetInformer:
    """Ask an InformerFactory for the shared informer of `kind` (created on first use).

    `kind` is anything a client resolves (`"pods"`, `"Pod"`, `"apps/v1/Deployment"`), custom
    resources included (the factory discovers CRDs it does not know). `indexers` are added
    to the shared cache (by name: the first function registered under a name wins)."""

    kind: str
    namespace: str | None = None
    label_selector: str | None = None
    field_selector: str | None = None
    indexers: tuple[tuple[str, IndexFunc], ...] = ()


@attrs.frozen
class InformerHandle:
    """A shared informer: its actor, its cache (read it, never write it) and its kind."""

    ref: ActorRef
    indexer: Indexer
    kind: str
    info: ResourceInfo | None = attrs.field(default=None, eq=False, repr=False)


class InformerFactory(Actor):
    """One per component: every controller of it shares one informer per kind/selector.

    A kind the factory cannot resolve (no such CRD) fails the asker's `GetInformer` with
    the `KindError`; the factory itself keeps running.
    """

    def __init__(self, apiserver: ActorRef | Callable[[], ActorRef], token: str | None, *,
                 registry: Registry = DEFAULT_REGISTRY, resync_period: float | None = None,
                 stall_timeout: float = 60.0, watch_timeout: float | None = 300.0,
                 retry_delay: float = 1.0) -> None:
        self.apiserver = apiserver
        self.token = token
        self.registry = registry
        self.resync_period = resync_period
        self.stall_timeout = stall_timeout
        self.watch_timeout = watch_timeout
        self.retry_delay = retry_delay
        self.handles: dict[tuple[Any, ...], InformerHandle] = {}

    async def started(self) -> None:
        apiserver = self.apiserver if isinstance(self.apiserver, ActorRef) else self.apiserver()
        self.apiserver_ref = apiserver
        self.client = ApiClient(self.ctx, apiserver, self.token, registry=self.registry)

    async def receive(self, message: Any) -> Any:
        if isinstance(message, GetInformer):
            try:
                info = await resolve_kind(self.client, message.kind)
            except Exception as error:  # unknown kind, apiserver unreachable: the asker's
                self.ctx.defer_reply().fail(error)  # problem, not a reason to restart
                return None
            return self._handle(info, message)
        return super().receive(message)

    def _handle(self, info: ResourceInfo, message: GetInformer) -> InformerHandle:
        key = (info.group, info.resource, message.namespace, message.label_selector,
               message.field_selector)
        handle = self.handles.get(key)
        if handle is None:
            indexer = Indexer()
            subscribers: dict[str, ActorRef] = {}
            name = "-".join(part for part in (info.resource, info.group.replace(".", "-"),
                                              message.namespace) if part)
            if message.label_selector or message.field_selector:
                name += f"-{len(self.handles)}"
            registry = self.client.registry
            apiserver = self.apiserver_ref
            ref = self.ctx.spawn(lambda: Informer(
                apiserver, self.token, f"{info.api_version}/{info.kind}", indexer,
                namespace=message.namespace, label_selector=message.label_selector,
                field_selector=message.field_selector, resync_period=self.resync_period,
                stall_timeout=self.stall_timeout, retry_delay=self.retry_delay,
                watch_timeout=self.watch_timeout, registry=registry,
                subscribers=subscribers), name=name)
            handle = self.handles[key] = InformerHandle(ref, indexer, info.kind, info)
        for index_name, fn in message.indexers:
            handle.indexer.add_indexer(index_name, fn)
        return handle
