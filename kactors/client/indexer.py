"""The informer's local cache: objects by "namespace/name" plus secondary indexes.

Written only by its informer actor; read by the controllers of the same component
(listers), never a round trip. Objects in it are shared and must not be mutated.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from kactors.api.labels import Selector

Obj = dict[str, Any]
IndexFunc = Callable[[Obj], Iterable[str]]


def object_key(obj: Obj) -> str:
    meta = obj.get("metadata") or {}
    namespace = meta.get("namespace")
    return f"{namespace}/{meta['name']}" if namespace else str(meta["name"])


def by_namespace(obj: Obj) -> list[str]:
    return [str((obj.get("metadata") or {}).get("namespace") or "")]


#: the index of `by_controller`: objects by their controller's uid, orphans together
CONTROLLER_INDEX = "controller-uid"


def orphan_index_key(namespace: str) -> str:
    """The `by_controller` value of a namespace's orphans (`OrphanPodIndexKeyForNamespace`)."""
    return f"orphan/{namespace}"


def by_controller(obj: Obj) -> list[str]:
    """Kubernetes' `controllerUIDIndex`: the uid of the object's controller, or the
    namespace's orphan key. A ReplicaSet's candidates are then its own pods plus the
    orphans it might adopt, not every pod of the namespace."""
    meta = obj.get("metadata") or {}
    for ref in meta.get("ownerReferences") or ():
        if isinstance(ref, dict) and ref.get("controller") is True:
            return [str(ref.get("uid"))]
    return [orphan_index_key(str(meta.get("namespace") or ""))]


def pods_by_node(obj: Obj) -> list[str]:
    node = (obj.get("spec") or {}).get("nodeName")
    return [node] if node else []


class Indexer:
    def __init__(self, indexers: dict[str, IndexFunc] | None = None) -> None:
        self.items: dict[str, Obj] = {}
        self.indexers: dict[str, IndexFunc] = {"namespace": by_namespace, **(indexers or {})}
        self.indices: dict[str, dict[str, dict[str, None]]] = {n: {} for n in self.indexers}
        self.synced = False
        self.resource_version = ""

    def __len__(self) -> int:
        return len(self.items)

    def add_indexer(self, name: str, fn: IndexFunc) -> None:
        if name in self.indexers:
            return
        self.indexers[name] = fn
        index: dict[str, dict[str, None]] = {}
        for key, obj in self.items.items():
            for value in fn(obj):
                index.setdefault(value, {})[key] = None
        self.indices[name] = index

    # -- writes (the informer only) ------------------------------------------------------------
    def upsert(self, obj: Obj) -> Obj | None:
        """Insert or replace `obj`; returns the object it replaced, if any."""
        key = object_key(obj)
        old = self.items.get(key)
        self.items[key] = obj
        for name, fn in self.indexers.items():
            index = self.indices[name]
            values = list(fn(obj))
            if old is not None:
                for value in fn(old):
                    if value not in values:
                        self._unindex_value(index, value, key)
            for value in values:
                index.setdefault(value, {})[key] = None
        return old

    def remove(self, obj: Obj) -> Obj | None:
        key = object_key(obj)
        old = self.items.pop(key, None)
        if old is not None:
            self._unindex(key, old)
        return old

    def replace(self, objs: Iterable[Obj], resource_version: str) -> None:
        self.items = {}
        self.indices = {n: {} for n in self.indexers}
        for obj in objs:
            self.upsert(obj)
        self.resource_version = resource_version
        self.synced = True

    def _unindex(self, key: str, obj: Obj) -> None:
        for name, fn in self.indexers.items():
            index = self.indices[name]
            for value in fn(obj):
                self._unindex_value(index, value, key)

    @staticmethod
    def _unindex_value(index: dict[str, dict[str, None]], value: str, key: str) -> None:
        bucket = index.get(value)
        if bucket is not None:
            bucket.pop(key, None)
            if not bucket:
                del index[value]

    # -- reads (listers) -------------------------------------------------------------------------
    def get(self, key: str) -> Obj | None:
        return self.items.get(key)

    def keys(self) -> list[str]:
        """Every cached key, sorted."""
        return sorted(self.items)

    def by_index(self, name: str, value: str) -> list[Obj]:
        """The objects whose index function `name` gives `value`, in key order."""
        keys = self.indices[name].get(value) or {}
        items = self.items
        return [items[key] for key in sorted(keys)]

    def list(self, namespace: str | None = None, selector: Selector | None = None) -> list[Obj]:
        """The objects of `namespace` (every one if None) matching `selector`, in key
        order (the apiserver's list order)."""
        if namespace is not None:
            objs = self.by_index("namespace", namespace)
        else:
            items = self.items
            objs = [items[key] for key in sorted(items)]
        if selector is not None and not selector.empty:
            objs = [o for o in objs if selector.matches((o.get("metadata") or {}).get("labels")
                                                        or {})]
        return objs


class Lister:
    """Read-only view of an Indexer for one kind (what controllers get as `self.cache`)."""

    def __init__(self, indexer: Indexer) -> None:
        self._indexer = indexer

    def get(self, key: str, name: str | None = None) -> Obj | None:
        """`get("ns/name")` or `get("ns", "name")`; cluster-scoped: `get("name")`."""
        return self._indexer.get(f"{key}/{name}" if name is not None else key)

    def list(self, namespace: str | None = None, selector: Selector | None = None) -> list[Obj]:
        return self._indexer.list(namespace, selector)

    def by_index(self, name: str, value: str) -> list[Obj]:
        return self._indexer.by_index(name, value)

    def keys(self) -> list[str]:
        return self._indexer.keys()

    @property
    def synced(self) -> bool:
        return self._indexer.synced

    def __len__(self) -> int:
        return len(self._indexer)
