"""The informer's local cache: objects by "namespace/name" plus secondary indexes.

Written only by its informer actor; read by the controllers of the same component
(listers), never a round trip. Objects in it are shared and must not be mutated.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from kactors.api.labels import Selector

Obj = dict[str, Any]
IndexFunc = Callable[[Obj], Iterable[str]]


def object_key(obj: Mapping[str, Any]) -> str:
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
        #: (index name, value) -> the bucket's keys, sorted; dropped whenever a key joins or
        #: leaves that bucket. A ReplicaSet of 10,000 pods sorted their keys at every
        #: reconcile, though most pod events (status updates) move no key.
        self._sorted: dict[tuple[str, str], list[str]] = {}
        #: every key, sorted; dropped whenever a key is added or removed
        self._all_sorted: list[str] | None = None

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
        items = self.items
        old = items.get(key)
        items[key] = obj
        if old is None:
            self._all_sorted = None
        indices = self.indices
        for name, fn in self.indexers.items():
            if old is not None and fn is by_namespace:
                continue  # the key holds the namespace: a replaced object never moves here
            index = indices[name]
            values = fn(obj)
            if type(values) is not list:  # (index functions mostly return a list: no copy)
                values = list(values)
            if old is not None:
                old_values = fn(old)
                if type(old_values) is not list:
                    old_values = list(old_values)
                if old_values == values:
                    continue  # most updates (a status) move no index entry: nothing to do
                for value in old_values:
                    if value not in values:
                        self._unindex_value(name, index, value, key)
            for value in values:
                bucket = index.get(value)
                if bucket is None:
                    bucket = index[value] = {}
                if key not in bucket:
                    bucket[key] = None
                    self._sorted.pop((name, value), None)
        return old

    def remove(self, obj: Obj) -> Obj | None:
        key = object_key(obj)
        old = self.items.pop(key, None)
        if old is not None:
            self._all_sorted = None
            self._unindex(key, old)
        return old

    def replace(self, objs: Iterable[Obj], resource_version: str) -> None:
        self.items = {}
        self.indices = {n: {} for n in self.indexers}
        self._sorted = {}
        self._all_sorted = None
        for obj in objs:
            self.upsert(obj)
        self.resource_version = resource_version
        self.synced = True

    def _unindex(self, key: str, obj: Obj) -> None:
        for name, fn in self.indexers.items():
            index = self.indices[name]
            for value in fn(obj):
                self._unindex_value(name, index, value, key)

    def _unindex_value(self, name: str, index: dict[str, dict[str, None]], value: str,
                       key: str) -> None:
        bucket = index.get(value)
        if bucket is not None and key in bucket:
            del bucket[key]
            self._sorted.pop((name, value), None)
            if not bucket:
                del index[value]

    # -- reads (listers) -------------------------------------------------------------------------
    def get(self, key: str) -> Obj | None:
        return self.items.get(key)

    def keys(self) -> list[str]:
        """Every cached key, sorted."""
        return list(self._sorted_keys())

    def _sorted_keys(self) -> list[str]:
        """Every key, sorted (the indexer's own list: never hand it out)."""
        keys = self._all_sorted
        if keys is None:
            keys = self._all_sorted = sorted(self.items)
        return keys

    def by_index(self, name: str, value: str) -> list[Obj]:
        """The objects whose index function `name` gives `value`, in key order."""
        keys = self._sorted.get((name, value))
        if keys is None:
            bucket = self.indices[name].get(value)
            if not bucket:
                return []
            keys = self._sorted[(name, value)] = sorted(bucket)
        items = self.items
        return [items[key] for key in keys]

    def list(self, namespace: str | None = None, selector: Selector | None = None) -> list[Obj]:
        """The objects of `namespace` (every one if None) matching `selector`, in key
        order (the apiserver's list order)."""
        if namespace is not None:
            objs = self.by_index("namespace", namespace)
        else:
            items = self.items
            objs = [items[key] for key in self._sorted_keys()]
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
