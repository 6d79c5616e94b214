"""The apiserver's watch cache for one resource: current objects plus recent events.

One store watch per resource feeds it; every list and watch of that resource is served
from it, so a thousand informers cost one store watch (as in Kubernetes' cacher).
Sans-I/O: the apiserver actor feeds it store events and asks it questions.

* `objects` holds the current state at `revision`, keys kept sorted for ordered lists and
  namespace ranges.
* `events` keeps the last `capacity` changes; a watch from a resourceVersion older than
  the oldest kept event is answered 410 Gone, and the client re-lists.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator
from typing import Any

import attrs

from kactors.apiserver.objects import Obj, with_resource_version
from kactors.store.keys import prefix_end
from kactors.store.kv import DELETE, PUT
from kactors.store.sorted_keys import SortedKeys

ADDED, MODIFIED, DELETED, BOOKMARK, ERROR = "ADDED", "MODIFIED", "DELETED", "BOOKMARK", "ERROR"


@attrs.frozen
class CacheEvent:
    """One change, shared by every watcher it goes to. `prev` is the object before it."""

    type: str
    key: str
    obj: Obj
    prev: Obj | None
    revision: int


class TooOldResourceVersion(Exception):
    def __init__(self, requested: int, oldest: int) -> None:
        super().__init__(f"too old resource version: {requested} ({oldest})")
        self.requested = requested
        self.oldest = oldest


class WatchCache:
    def __init__(self, prefix: str, capacity: int = 4096) -> None:
        self.prefix = prefix
        self.capacity = capacity
        self.objects: dict[str, Obj] = {}
        #: the keys of `objects` in order, chunked: a new key in a cache of 10^5 objects
        #: must not move the whole list (as `bisect.insort` into one list would)
        self._keys = SortedKeys()
        self.events: deque[CacheEvent] = deque()
        self.revision = 0
        self.ready = False
        #: the oldest revision a watch may start after without missing events
        self.oldest = 0
        #: the cache of a custom resource (served while its CRD exists)
        self.custom = False

    def replace(self, kvs: Iterable[Any], revision: int) -> None:
        """Reset from a full list at `revision` (start, or after the store watch failed)."""
        self.objects = {kv.key: with_resource_version(kv.value, kv.mod_revision) for kv in kvs}
        self._keys = SortedKeys(sorted(self.objects))
        self.events.clear()
        self.revision = revision
        self.oldest = revision
        self.ready = True

    def apply(self, events: Iterable[Any], revision: int) -> list[CacheEvent]:
        """Apply one store revision's events; return the cache events to fan out."""
        out: list[CacheEvent] = []
        objects = self.objects
        for event in events:
            kv = event.kv
            key = kv.key
            prev = objects.get(key)
            etype = event.type  # the store's enum; `.name` is a slow property: test identity
            if etype is DELETE or (etype is not PUT and etype.name == "DELETE"):
                if prev is None:
                    continue
                del objects[key]
                self._keys.discard(key)
                gone = with_resource_version(prev, kv.mod_revision)
                out.append(CacheEvent(DELETED, key, gone, prev, kv.mod_revision))
            else:
                obj = with_resource_version(kv.value, kv.mod_revision)
                objects[key] = obj
                if prev is None:
                    self._keys.add(key)
                out.append(CacheEvent(ADDED if prev is None else MODIFIED, key, obj, prev,
                                      kv.mod_revision))
        kept = self.events
        for event in out:
            kept.append(event)
            while len(kept) > self.capacity:
                # what is dropped can no longer be replayed: a watch must start after it
                self.oldest = kept.popleft().revision
        self.revision = max(self.revision, revision)
        return out

    def advance(self, revision: int) -> None:
        """A progress notification: nothing of ours changed up to `revision`."""
        self.revision = max(self.revision, revision)

    def list(self, prefix: str | None = None, start_after: str | None = None) -> list[Obj]:
        """Current objects under `prefix` (a namespace), in key order."""
        objects = self.objects
        return [objects[key] for key in self._range(prefix, start_after)]

    def keys_in(self, prefix: str | None = None, start_after: str | None = None) -> list[str]:
        return list(self._range(prefix, start_after))

    def _range(self, prefix: str | None, start_after: str | None) -> Iterator[str]:
        low = prefix or self.prefix
        start = low
        if start_after is not None and start_after >= low:
            start = start_after + "\0"  # the first key after it
        return self._keys.irange(start, prefix_end(low))

    def events_after(self, revision: int) -> list[CacheEvent]:
        """Events with revision > `revision`; 410 if some of them were dropped already."""
        if revision < self.oldest:
            raise TooOldResourceVersion(revision, self.oldest)
        if not self.events or self.events[-1].revision <= revision:
            return []
        return [event for event in self.events if event.revision > revision]
