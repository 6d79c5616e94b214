"""`WatchHub`: etcd's watch guarantees as a sans-I/O fan-out of each revision's events.

etcd promises that a watch is *ordered* (by revision), *unique* (an event is never
delivered twice), *reliable* (no event is skipped), *atomic* (a revision's events are never
split) and *resumable* (a watcher that saw revision R restarts from R + 1 and misses
nothing, unless that history was compacted). Here:

* the hub is fed every revision exactly once, in order (`notify` / `sync`), and refuses a
  gap, so each watcher sees each matching revision once and in order;
* each revision produces at most one `WatchResponse` per watcher holding all the events of
  that revision that match it;
* a new watcher first receives, synchronously, one response per matching revision from
  ``start_revision`` out of the store's retained history, then live revisions: there is no
  window between catch-up and live delivery because both happen in the same actor step;
* a ``start_revision`` below the compaction point fails with `Compacted` (carrying the
  compact revision, so the client can re-list), one in the future simply waits.

An `Event` object is shared by every watcher it goes to; watchers that did not ask for
``prev_kv`` get one shared stripped copy per event instead.

Fan-out cost: exact-key watchers sit in a dict by key (one lookup per event); range and
prefix watchers are grouped by their interval, so an event is tested once per *distinct*
interval (Kubernetes has one per resource type), not once per watcher.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

import attrs

from kactors.store.errors import InvalidRequest
from kactors.store.keys import ALL_KEYS, check_range, in_range
from kactors.store.kv import PUT, Event, KeyValue
from kactors.store.mvcc import MVCCStore


class WatchResponse(NamedTuple):
    """What one watcher receives for one revision, or a progress / cancel notice.

    ``header_revision`` is the revision the watcher is now up to date with: the events'
    revision, or for a progress notification (``progress=True``, no events) the hub's
    current revision. ``compact_revision > 0`` with ``canceled=True`` means the watcher
    fell behind compacted history and was dropped; re-list and watch from there.

    A named tuple like `Event`: the serving member builds one per watcher per applied
    revision.
    """

    watch_id: int
    events: tuple[Event, ...]
    header_revision: int
    compact_revision: int = 0
    progress: bool = False
    canceled: bool = False


@attrs.frozen
class WatchCreated:
    """The new watcher's id and its catch-up responses (oldest first)."""

    watch_id: int
    responses: tuple[WatchResponse, ...]


@attrs.define
class _Watcher:
    watch_id: int
    key: str
    range_end: str | None
    prev_kv: bool
    progress_notify: bool
    start_revision: int
    """Lowest revision still to deliver live; earlier ones came from catch-up."""


_new = tuple.__new__  # one C call per record (see kactors.store.mvcc)


def _strip(event: Event) -> Event:
    return _new(Event, (event[0], event[1], None)) if event[2] is not None else event


class WatchHub:
    """Watchers of one store replica, fed with each applied revision's events."""

    def __init__(self, store: MVCCStore) -> None:
        self._store = store
        self.revision = store.revision
        """Last revision fanned out."""
        self._watchers: dict[int, _Watcher] = {}
        self._exact: dict[str, dict[int, _Watcher]] = {}
        self._ranges: dict[tuple[str, str], dict[int, _Watcher]] = {}
        self._next_id = 1

    def __len__(self) -> int:
        return len(self._watchers)

    def __contains__(self, watch_id: object) -> bool:
        return watch_id in self._watchers

    def watch(
        self,
        key: str,
        range_end: str | None = None,
        start_revision: int = 0,
        prev_kv: bool = False,
        progress_notify: bool = False,
    ) -> WatchCreated:
        """Watch ``key`` or ``[key, range_end)`` from ``start_revision`` (0: from now on).

        Raises `Compacted` if ``start_revision`` is below the compaction point, `EmptyKey` /
        `InvalidRange` for a bad interval. The hub must be in sync with its store (the
        state machine syncs it after every apply).
        """
        end = check_range(key, range_end)
        if start_revision.__class__ is not int or start_revision < 0:
            raise InvalidRequest(f"start revision must be a non-negative int: {start_revision!r}")
        store = self._store
        if self.revision != store.revision:
            raise RuntimeError(
                f"watch hub is at revision {self.revision}, store at {store.revision}: sync first"
            )
        watcher = _Watcher(self._next_id, key, end, prev_kv, progress_notify, 0)
        responses: list[WatchResponse] = []
        if 0 < start_revision <= store.revision:
            for rev, events in store.history(start_revision):  # raises Compacted
                response = self._filter(watcher, rev, events)
                if response is not None:
                    responses.append(response)
        watcher.start_revision = max(start_revision, store.revision + 1)
        self._next_id += 1
        self._add(watcher)
        return WatchCreated(watcher.watch_id, tuple(responses))

    def cancel(self, watch_id: int) -> bool:
        """Stop a watcher; False if it did not exist (already canceled)."""
        watcher = self._watchers.pop(watch_id, None)
        if watcher is None:
            return False
        if watcher.range_end is None:
            group = self._exact[watcher.key]
            del group[watch_id]
            if not group:
                del self._exact[watcher.key]
        else:
            interval = (watcher.key, watcher.range_end)
            group = self._ranges[interval]
            del group[watch_id]
            if not group:
                del self._ranges[interval]
        return True

    def notify(self, revision: int, events: Iterable[Event]) -> list[WatchResponse]:
        """Fan out the events of ``revision``, which must follow the last one fed.

        Returns one response per interested watcher, in a deterministic order. Feeding a
        revision already fed returns nothing (unique delivery); skipping one is a bug in
        the caller and raises ``ValueError``.
        """
        if revision <= self.revision:
            return []
        if revision != self.revision + 1:
            raise ValueError(f"watch hub at revision {self.revision} cannot jump to {revision}")
        self.revision = revision
        if not self._watchers:
            return []
        return self._fan_out(revision, events)

    def _fan_out(
        self, revision: int, events: KeyValue | Event | Iterable[Event]
    ) -> list[WatchResponse]:
        """The responses for one revision's events: as the store logs them (a created
        key's `KeyValue`, one `Event`; see `kactors.store.mvcc`) or an iterable of them."""
        cls = events.__class__
        if cls is KeyValue or cls is Event:
            # One event (nearly every revision): each watcher matches it at most once and
            # gets one of two shared tuples (with or without prev_kv); a created key's
            # `Event` is only built if someone watches it.
            watchers = self._interested(events[0] if cls is KeyValue else events[1][0],
                                        revision)
            if not watchers:
                return []
            event = events if cls is Event else _new(Event, (PUT, events, None))
            full = (event,)
            stripped = full if event[2] is None else None
            responses = []
            for watcher in watchers:
                if watcher.prev_kv:
                    evs = full
                else:
                    if stripped is None:
                        stripped = (_strip(event),)
                    evs = stripped
                responses.append(_new(WatchResponse, (watcher.watch_id, evs, revision, 0,
                                                      False, False)))
            return responses
        matched: dict[int, tuple[_Watcher, list[Event]]] = {}
        for event in events:
            for watcher in self._interested(event[1][0], revision):
                entry = matched.get(watcher.watch_id)
                if entry is None:
                    matched[watcher.watch_id] = (watcher, [event])
                else:
                    entry[1].append(event)
        copies: dict[int, Event] = {}
        responses = []
        for watch_id, (watcher, evs) in matched.items():
            if not watcher.prev_kv:
                out = []
                for event in evs:
                    copy = copies.get(id(event))
                    if copy is None:
                        copy = copies[id(event)] = _strip(event)
                    out.append(copy)
                evs = out
            responses.append(_new(WatchResponse, (watch_id, tuple(evs), revision, 0, False,
                                                  False)))
        return responses

    def _interested(self, key: str, revision: int) -> list[_Watcher]:
        """The watchers an event on ``key`` at ``revision`` goes to, in delivery order:
        those of the key itself, then those of each interval holding it."""
        found = []
        group = self._exact.get(key)
        if group is not None:
            for watcher in group.values():
                if revision >= watcher.start_revision:
                    found.append(watcher)
        for (start, end), group in self._ranges.items():
            if key >= start and (end == ALL_KEYS or key < end):
                for watcher in group.values():
                    if revision >= watcher.start_revision:
                        found.append(watcher)
        return found

    def sync(self) -> list[WatchResponse]:
        """Fan out every revision the store has and the hub has not, from the store's log.

        After a snapshot restore the store may have jumped past revisions whose events are
        no longer retained: watchers that needed them are canceled with the compact
        revision (etcd's answer to a watcher behind compaction); the others continue.
        A store that went *back* (restored from an older snapshot) cancels every watcher.
        """
        store = self._store
        if not self._watchers:
            self.revision = store.revision  # nobody to tell: the common case, kept cheap
            return []
        responses: list[WatchResponse] = []
        if store.revision < self.revision:
            for watch_id in list(self._watchers):
                self.cancel(watch_id)
                responses.append(WatchResponse(watch_id, (), store.revision, canceled=True))
            self.revision = store.revision
            return responses
        retained = store.first_revision
        if self.revision + 1 < retained <= store.revision:
            missing_until = retained - 1
            for watch_id, watcher in list(self._watchers.items()):
                if watcher.start_revision <= missing_until:
                    self.cancel(watch_id)
                    responses.append(
                        WatchResponse(
                            watch_id,
                            (),
                            store.revision,
                            compact_revision=store.compact_revision,
                            canceled=True,
                        )
                    )
            self.revision = missing_until
        log_entry = store.log_entry
        for rev in range(self.revision + 1, store.revision + 1):
            self.revision = rev
            if rev >= retained:  # else nothing is retained for it: no events
                responses.extend(self._fan_out(rev, log_entry(rev)))
        return responses

    def rebind(self, store: MVCCStore) -> list[WatchResponse]:
        """Switch to a store restored from a snapshot and catch the watchers up (`sync`)."""
        self._store = store
        return self.sync()

    def progress(self, watch_ids: Iterable[int] | None = None) -> list[WatchResponse]:
        """Progress notifications (bookmarks) carrying the hub's current revision.

        With no ids: every watcher created with ``progress_notify`` (the periodic ticker);
        with ids: exactly those watchers (an explicit progress request), unknown ids
        ignored. A progress response promises that no event below its revision is still
        to come, which holds because the hub is always fully delivered up to
        ``self.revision``.
        """
        if watch_ids is None:
            ids = [wid for wid, w in self._watchers.items() if w.progress_notify]
        else:
            ids = [wid for wid in watch_ids if wid in self._watchers]
        return [WatchResponse(wid, (), self.revision, progress=True) for wid in ids]

    def _add(self, watcher: _Watcher) -> None:
        self._watchers[watcher.watch_id] = watcher
        if watcher.range_end is None:
            self._exact.setdefault(watcher.key, {})[watcher.watch_id] = watcher
        else:
            interval = (watcher.key, watcher.range_end)
            self._ranges.setdefault(interval, {})[watcher.watch_id] = watcher

    @staticmethod
    def _filter(
        watcher: _Watcher, revision: int, events: tuple[Event, ...]
    ) -> WatchResponse | None:
        selected = tuple(
            event if watcher.prev_kv else _strip(event)
            for event in events
            if in_range(event.kv.key, watcher.key, watcher.range_end)
        )
        if not selected:
            return None
        return WatchResponse(watcher.watch_id, selected, revision)
