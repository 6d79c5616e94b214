"""Informers: list then watch one kind into a local Indexer, and tell subscribers.

An informer is an actor of its component (one per kind and selector, shared by every
controller of the component through its `InformerFactory`). It lists, then watches from
the list's resourceVersion; it re-watches from the last seen resourceVersion when a watch
ends, re-lists on 410 Gone (history compacted) or when the watch goes silent (no event and
no bookmark for `stall_timeout`), and on a re-list tells subscribers exactly what changed.
Optional periodic resync re-delivers every object as an update (client-go semantics).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import attrs

from kactors.actors import Actor, ActorRef
from kactors.api.kinds import DEFAULT_REGISTRY, Registry
from kactors.apiserver.messages import ApiWatchClosed, ApiWatchEvent
from kactors.client.client import ApiClient
from kactors.client.errors import ApiError, Gone
from kactors.client.indexer import Indexer, IndexFunc, object_key

ADD, UPDATE, DELETE = "add", "update", "delete"


@attrs.frozen
class InformerEvent:
    """What a subscriber receives: `type` is add, update or delete; `old` for updates."""

    kind: str
    type: str
    obj: dict[str, Any]
    old: dict[str, Any] | None = None

    @property
    def key(self) -> str:
        return object_key(self.obj)


@attrs.frozen
class Subscribe:
    ref: ActorRef


@attrs.frozen
class Unsubscribe:
    ref: ActorRef


@attrs.frozen
class _Relist:
    pass


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
                 registry: Registry = DEFAULT_REGISTRY) -> None:
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
        self.registry = registry
        self.subscribers: dict[str, ActorRef] = {}
        self.watch_id: int | None = None
        self.last_heard = 0.0
        self.failures = 0

    async def started(self) -> None:
        self.client = ApiClient(self.ctx, self.apiserver, self.token, registry=self.registry)
        self.kind_name = self.client.info(self.kind).kind
        self.ctx.every(max(1.0, self.stall_timeout / 4), _Check())
        if self.resync_period:
            self.ctx.every(self.resync_period, _Resync())
        await self._list_and_watch()

    async def stopping(self) -> None:
        if self.watch_id is not None:
            self.client.stop_watch(self.watch_id)

    def _notify(self, type_: str, obj: dict[str, Any], old: dict[str, Any] | None) -> None:
        if not self.subscribers:
            return
        event = InformerEvent(self.kind_name, type_, obj, old)
        for ref in self.subscribers.values():
            ref.tell(event)

    async def _list_and_watch(self, resource_version: str | None = None) -> None:
        """Watch from `resource_version`, or list first (and diff against the cache)."""
        if self.watch_id is not None:
            self.client.stop_watch(self.watch_id)
            self.watch_id = None
        try:
            if resource_version is None:
                listed = await self.client.list(
                    self.kind, self.namespace, label_selector=self.label_selector,
                    field_selector=self.field_selector, all_namespaces=self.namespace is None)
                self._replace(listed["items"], listed["metadata"]["resourceVersion"])
            accepted = await self.client.watch(
                self.kind, self.namespace, resource_version=self.indexer.resource_version,
                label_selector=self.label_selector, field_selector=self.field_selector,
                all_namespaces=self.namespace is None)
        except Gone:
            self.ctx.log.info("informer.relist", kind=self.kind_name, reason="410 Gone")
            self.ctx.self.tell(_Relist())
            return
        except (ApiError, TimeoutError, Exception) as error:  # apiserver down: retry later
            self.failures += 1
            delay = min(30.0, self.retry_delay * 2 ** min(self.failures - 1, 5))
            self.ctx.log.warning("informer.list_failed", kind=self.kind_name, error=repr(error),
                                 retry_in=delay)
            self.ctx.send_after(delay, _Relist())
            return
        self.failures = 0
        self.watch_id = accepted.watch_id
        self.last_heard = self.ctx.now()

    def _replace(self, items: list[dict[str, Any]], resource_version: str) -> None:
        indexer = self.indexer
        old_items = dict(indexer.items)
        indexer.replace(items, resource_version)
        for key, obj in indexer.items.items():
            old = old_items.pop(key, None)
            if old is None:
                self._notify(ADD, obj, None)
            elif old.get("metadata", {}).get("resourceVersion") != \
                    obj.get("metadata", {}).get("resourceVersion"):
                self._notify(UPDATE, obj, old)
        for old in old_items.values():
            self._notify(DELETE, old, None)

    async def receive(self, message: Any) -> Any:
        if isinstance(message, ApiWatchEvent):
            if message.watch_id != self.watch_id:
                return None
            self.last_heard = self.ctx.now()
            obj = message.object
            kind = message.type
            if kind in ("ADDED", "MODIFIED"):
                old = self.indexer.upsert(obj)
                self._notify(ADD if old is None else UPDATE, obj, old)
            elif kind == "DELETED":
                old = self.indexer.remove(obj)
                self._notify(DELETE, obj if old is None else {**obj}, None)
            elif kind == "ERROR":
                await self._list_and_watch(None)
                return None
            rv = (obj.get("metadata") or {}).get("resourceVersion")
            if rv:
                self.indexer.resource_version = rv
            return None
        if isinstance(message, ApiWatchClosed):
            if message.watch_id == self.watch_id:
                self.watch_id = None
                await self._list_and_watch(self.indexer.resource_version)
            return None
        if isinstance(message, Subscribe):
            self.subscribers[message.ref.path] = message.ref
            for obj in self.indexer.items.values():
                message.ref.tell(InformerEvent(self.kind_name, ADD, obj, None))
            return self.indexer.synced
        if isinstance(message, Unsubscribe):
            self.subscribers.pop(message.ref.path, None)
            return None
        if isinstance(message, _Relist):
            await self._list_and_watch(None)
            return None
        if isinstance(message, _Check):
            if self.watch_id is not None and \
                    self.ctx.now() - self.last_heard > self.stall_timeout:
                self.ctx.log.warning("informer.watch_stalled", kind=self.kind_name,
                                     silent_for=round(self.ctx.now() - self.last_heard, 3))
                await self._list_and_watch(None)
            return None
        if isinstance(message, _Resync):
            for obj in list(self.indexer.items.values()):
                self._notify(UPDATE, obj, obj)
            return None
        return super().receive(message)


@attrs.frozen
class GetInformer:
    """Ask an InformerFactory for the shared informer of `kind` (created on first use)."""

    kind: str
    namespace: str | None = None
    label_selector: str | None = None
    field_selector: str | None = None
    indexers: tuple[tuple[str, IndexFunc], ...] = ()


@attrs.frozen
class InformerHandle:
    ref: ActorRef
    indexer: Indexer
    kind: str


class InformerFactory(Actor):
    """One per component: every controller of it shares one informer per kind/selector."""

    def __init__(self, apiserver: ActorRef | Callable[[], ActorRef], token: str | None, *,
                 registry: Registry = DEFAULT_REGISTRY, resync_period: float | None = None,
                 stall_timeout: float = 60.0) -> None:
        self.apiserver = apiserver
        self.token = token
        self.registry = registry
        self.resync_period = resync_period
        self.stall_timeout = stall_timeout
        self.handles: dict[tuple[Any, ...], InformerHandle] = {}

    def receive(self, message: Any) -> Any:
        if isinstance(message, GetInformer):
            info = self.registry.resolve(message.kind) if "/" not in message.kind else \
                self.registry.by_api_version(*message.kind.rsplit("/", 1))
            key = (info.group, info.resource, message.namespace, message.label_selector,
                   message.field_selector)
            handle = self.handles.get(key)
            if handle is None:
                indexer = Indexer()
                name = "-".join(part for part in (info.resource, info.group.replace(".", "-"),
                                                  message.namespace) if part)
                if message.label_selector or message.field_selector:
                    name += f"-{len(self.handles)}"
                apiserver = self.apiserver if isinstance(self.apiserver, ActorRef) else \
                    self.apiserver()
                ref = self.ctx.spawn(lambda: Informer(
                    apiserver, self.token, f"{info.api_version}/{info.kind}", indexer,
                    namespace=message.namespace, label_selector=message.label_selector,
                    field_selector=message.field_selector, resync_period=self.resync_period,
                    stall_timeout=self.stall_timeout, registry=self.registry), name=name)
                handle = self.handles[key] = InformerHandle(ref, indexer, info.kind)
            for name, fn in message.indexers:
                handle.indexer.add_indexer(name, fn)
            return handle
        return super().receive(message)


def informer_kinds(handles: Sequence[InformerHandle]) -> list[str]:
    return [handle.kind for handle in handles]
