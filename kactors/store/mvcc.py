"""`MVCCStore`: etcd's multi-version key-value store, as a pure in-memory state machine.

Model (as etcd's ``mvcc`` package): one global ``revision`` counter, starting at 1 with
nothing stored; every write operation that changes something (a put, a delete that
deleted something, a txn that wrote something) creates exactly one new revision, and every
change inside it is stamped with that revision. Reads can ask for any revision between the
compaction point and now.

Layout, chosen so the hot paths stay O(1) / O(log n) in pure Python:

* ``_index``: key -> list of its versions, oldest first, tombstones included. The latest
  version is ``list[-1]`` (O(1) current reads and puts); a past version is one bisect on
  ``mod_revision``. A txn may not change a key twice, so a list never holds two versions
  of one revision.
* ``_live``: the keys that currently exist, in a `SortedKeys`: ranges at the current
  revision walk only live keys and stop after ``limit``; counts come from chunk sizes.
* ``_dead``: the keys deleted but not yet compacted away (their latest version is a
  tombstone). Reads at past revisions walk ``_live`` and ``_dead`` merged: every key that
  still has history. Kept apart so that creating a key inserts it into one sorted set,
  not two (a create is applied by every Raft member).
* ``_log``: the events of each revision, in order, for watch catch-up. Events share the
  ``KeyValue`` objects of the histories. Every member keeps each revision's entry as
  long as the history, and the cyclic collector walks every such survivor, so a
  revision with one event (nearly all: every put) is stored as that `Event` itself, not
  wrapped in a 1-tuple, and the creation of a key (a PUT without previous version: most
  writes of a cluster, e.g. every Kubernetes Event) as its new `KeyValue` alone, which
  the history holds anyway: no object at all per create. `events_at` / `history` (and
  the watch hub) rebuild the equal tuples of `Event`s (see `as_events`).
* ``_dirty``: keys whose history holds more than one live version or a tombstone, the only
  ones compaction has to visit.

Errors are raised as `StoreError` before anything is modified: a failed call leaves the
store exactly as it was (the state machine turns them into error values).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator, Sequence
from heapq import merge
from operator import attrgetter
from typing import Any

import attrs

from kactors.store.commands import DeleteRange, Put, Range, SortOrder, SortTarget
from kactors.store.compare import Compare, check_compare, compare_kv
from kactors.store.errors import (
    Compacted,
    DuplicateKey,
    FutureRevision,
    InvalidRequest,
    LeaseNotFound,
)
from kactors.store.keys import check_key, check_range, in_range
from kactors.store.kv import DELETE, PUT, Event, KeyValue
from kactors.store.lease import MAX_LEASE_TTL, LeaseTable, check_lease_id, check_now
from kactors.store.results import (
    CompactResult,
    DeleteRangeResult,
    LeaseExpireResult,
    LeaseGrantResult,
    LeaseKeepAliveResult,
    LeaseRevokeResult,
    LeaseTimeToLiveResult,
    PutResult,
    RangeResult,
    TxnOpResult,
    TxnResult,
)
from kactors.store.snapshot import StoreSnapshot
from kactors.store.sorted_keys import SortedKeys

_mod_revision = attrgetter("mod_revision")

# The records every write builds on every member (`KeyValue`, `Event`, `PutResult`,
# `TxnResult`), made with `tuple.__new__(cls, fields)`: one C call, where calling the named
# tuple class runs its generated Python ``__new__`` (measured: 150 ns against 380 ns, four
# records per write). Same objects; every field is passed, none is defaulted.
_new = tuple.__new__
_SORT_KEYS = {
    SortTarget.VERSION: attrgetter("version"),
    SortTarget.CREATE: attrgetter("create_revision"),
    SortTarget.MOD: attrgetter("mod_revision"),
}


class MVCCStore:
    """The replicated key space: versions, ranges, txns, compaction, leases, event log."""

    def __init__(self, *, min_lease_ttl: int = 1, max_lease_ttl: int = MAX_LEASE_TTL) -> None:
        self.revision = 1
        """Revision of the last change (1: nothing was ever written, as in etcd)."""
        self.compact_revision = 0
        """Reads and watches below this revision fail `Compacted` (0: never compacted)."""
        self.leases = LeaseTable(min_lease_ttl, max_lease_ttl)
        self._index: dict[str, list[KeyValue]] = {}
        self._live = SortedKeys()
        self._dead = SortedKeys()
        self._dirty: dict[str, None] = {}
        self._log: list[KeyValue | Event | tuple[Event, ...]] = []  # see the module doc
        self._log_start = 2
        self._txn_writing = False
        # The (key, versions) pairs of the last snapshot taken or restored, by key: reused
        # by the next snapshot for every key whose history did not change since.
        self._snapshot_pairs: dict[str, tuple[str, tuple[KeyValue, ...]]] = {}

    def __len__(self) -> int:
        """Number of keys that currently exist."""
        return len(self._live)

    # ------------------------------------------------------------------ reads

    def get(self, key: str, revision: int = 0) -> KeyValue | None:
        """The version of ``key`` at ``revision`` (0: now), or None if it did not exist."""
        check_key(key)
        rev = self._read_revision(revision)
        if rev:
            return self._kv_at(key, rev)
        hist = self._index.get(key)
        if hist is not None:
            kv = hist[-1]
            if kv.version:
                return kv
        return None

    def range(
        self,
        key: str,
        range_end: str | None = None,
        limit: int = 0,
        revision: int = 0,
        keys_only: bool = False,
        count_only: bool = False,
        sort_order: SortOrder = SortOrder.NONE,
        sort_target: SortTarget = SortTarget.KEY,
    ) -> RangeResult:
        """Read ``key`` or ``[key, range_end)`` (see `keys`) at ``revision`` (0: now).

        ``limit`` (0: none) caps ``kvs``; ``count`` is still the size of the whole interval
        and ``more`` says whether ``kvs`` was cut. ``keys_only`` drops values,
        ``count_only`` drops ``kvs``. Sorting by a field other than the key, or descending,
        collects the whole interval first (as etcd does).
        """
        end = check_range(key, range_end)
        rev = self._read_revision(revision)
        self._check_range_options(limit, sort_order, sort_target)
        return self._range(key, end, limit, rev, keys_only, count_only, sort_order, sort_target)

    def _range(
        self,
        key: str,
        end: str | None,
        limit: int,
        rev: int,
        keys_only: bool,
        count_only: bool,
        sort_order: SortOrder,
        sort_target: SortTarget,
    ) -> RangeResult:
        if sort_order is SortOrder.NONE and sort_target is not SortTarget.KEY:
            sort_order = SortOrder.ASCEND
        natural = sort_target is SortTarget.KEY and sort_order is not SortOrder.DESCEND
        kvs: list[KeyValue]
        if rev:
            kvs = []
            for k in self._history_keys(key, end):
                kv = self._kv_at(k, rev)
                if kv is not None:
                    kvs.append(kv)
            count = len(kvs)
            if count_only:
                kvs = []
        elif end is None:
            hist = self._index.get(key)
            kvs = [hist[-1]] if hist is not None and hist[-1].version else []
            count = len(kvs)
            if count_only:
                kvs = []
        else:
            count = self._live.count(key, end)
            index = self._index
            if count_only:
                kvs = []
            elif natural and 0 < limit < count:
                kvs = []
                for k in self._live.irange(key, end):
                    kvs.append(index[k][-1])
                    if len(kvs) == limit:
                        break
            else:
                kvs = [index[k][-1] for k in self._live.irange(key, end)]
        if kvs and not natural:
            if sort_target is SortTarget.KEY:
                kvs.reverse()
            else:
                kvs.sort(key=_SORT_KEYS[sort_target], reverse=sort_order is SortOrder.DESCEND)
        if 0 < limit < len(kvs):
            del kvs[limit:]
        if keys_only:
            kvs = [
                KeyValue(kv.key, None, kv.create_revision, kv.mod_revision, kv.version, kv.lease)
                for kv in kvs
            ]
        more = not count_only and 0 < limit < count
        return RangeResult(tuple(kvs), count, more, self.revision)

    def _history_keys(self, key: str, end: str | None) -> Iterator[str]:
        """Every key with history in the interval, in order (live and dead are disjoint)."""
        dead = self._dead
        if not len(dead):
            return self._live.irange(key, end)
        return merge(self._live.irange(key, end), dead.irange(key, end))

    def _kv_at(self, key: str, rev: int) -> KeyValue | None:
        hist = self._index.get(key)
        if hist is None:
            return None
        i = bisect_right(hist, rev, key=_mod_revision)
        if i == 0:
            return None
        kv = hist[i - 1]
        return kv if kv.version else None

    def _read_revision(self, revision: int) -> int:
        """Validate a read revision; 0 means "the current state, read the latest versions"."""
        if revision.__class__ is not int:
            raise InvalidRequest(f"revision must be an int, not {revision!r}")
        if revision <= 0:
            return 0
        if revision > self.revision:
            raise FutureRevision(revision, self.revision)
        if revision < self.compact_revision:
            raise Compacted(self.compact_revision)
        if revision == self.revision and not self._txn_writing:
            return 0
        return revision

    @staticmethod
    def _check_range_options(limit: int, sort_order: SortOrder, sort_target: SortTarget) -> None:
        if limit.__class__ is not int:
            raise InvalidRequest(f"limit must be an int, not {limit!r}")
        if sort_order.__class__ is not SortOrder or sort_target.__class__ is not SortTarget:
            raise InvalidRequest("invalid sort option")

    # ----------------------------------------------------------------- writes

    def put(self, key: str, value: Any, lease: int = 0, prev_kv: bool = False) -> PutResult:
        """Write a new version of ``key`` in a new revision.

        ``value`` is stored as is (it must be immutable). ``lease`` attaches the key to an
        existing lease (0: none; a put without lease detaches the key from its old one).
        """
        if key.__class__ is not str or not key:
            check_key(key)
        if lease:
            self._check_lease(lease)
        rev = self.revision + 1
        event = self._write_put(rev, key, value, lease)
        self.revision = rev
        self._log.append(event[1] if event[2] is None else event)  # see the module doc
        return _new(PutResult, (rev, event[2] if prev_kv else None))

    def delete_range(
        self, key: str, range_end: str | None = None, prev_kv: bool = False
    ) -> DeleteRangeResult:
        """Delete ``key`` or the live keys of ``[key, range_end)`` in one new revision.

        Deleting nothing creates no revision (as in etcd).
        """
        end = check_range(key, range_end)
        rev = self.revision + 1
        events = self._delete(rev, key, end)
        if events:
            self._commit(rev, tuple(events))
        return DeleteRangeResult(
            self.revision,
            len(events),
            tuple(e.prev_kv for e in events) if prev_kv else (),  # type: ignore[misc]
        )

    def txn(
        self,
        compare: Sequence[Compare] = (),
        success: Sequence[Put | Range | DeleteRange] = (),
        failure: Sequence[Put | Range | DeleteRange] = (),
    ) -> TxnResult:
        """If every compare holds run ``success`` else ``failure``, atomically.

        Every write of the txn shares one new revision (none if it wrote nothing); reads
        inside it see its own earlier writes. Both branches are validated up front, as
        etcd's API layer does: a branch may not put the same key twice nor put a key it
        also deletes (`DuplicateKey`); a read at an explicit revision must name one that
        exists before the txn. Any error leaves the store untouched.
        """
        if (compare.__class__ is tuple and len(compare) == 1 and success.__class__ is tuple
                and len(success) == 1 and failure.__class__ is tuple
                and (not failure or (len(failure) == 1 and failure[0].__class__ is Range))):
            fast = self._txn_one_put(compare[0], success[0], failure)
            if fast is not None:
                return fast
        if not isinstance(compare, tuple | list):
            raise InvalidRequest("txn compare must be a tuple or list")
        for cmp in compare:
            if cmp.__class__ is not Compare:
                raise InvalidRequest(f"not a Compare: {cmp!r}")
            check_compare(cmp)
            key = cmp.key
            if cmp.range_end is not None or key.__class__ is not str or not key:
                check_range(key, cmp.range_end)
        self._check_ops(success)
        if failure.__class__ is not tuple or failure:  # an empty failure branch is common
            self._check_ops(failure)
        succeeded = True
        index = self._index
        for cmp in compare:
            if cmp.range_end is None:  # one key (most compares): its latest version
                hist = index.get(cmp.key)
                kv = hist[-1] if hist is not None else None
                holds = compare_kv(cmp, kv if kv is not None and kv.version else None)
            else:
                holds = self._evaluate(cmp)
            if not holds:
                succeeded = False
                break
        ops = success if succeeded else failure
        try:
            events, responses = self._run_ops(ops)
        finally:
            self._txn_writing = False
        if events:
            self._commit(self.revision + 1, tuple(events))
        final = self.revision
        for i, r in enumerate(responses):
            if r.revision != final:
                responses[i] = _with_revision(r, final)
        return TxnResult(succeeded, tuple(responses), final)

    def _txn_one_put(self, cmp: Any, op: Any, failure: tuple[Any, ...]) -> TxnResult | None:
        """`txn` for the shapes every apiserver write has (one compare on one key, then one
        put without lease, else nothing (create) or one Range (update)), applied by each
        Raft member for every create and update: the same checks and outcome as the
        general path, without its bookkeeping. None: not that shape, or the compare failed
        and the failure branch has a read to run: take the general path (nothing was
        changed yet)."""
        if (cmp.__class__ is not Compare or cmp.range_end is not None or op.__class__ is not Put
                or op.lease):
            return None
        key, put_key = cmp.key, op.key
        if key.__class__ is not str or not key or put_key.__class__ is not str or not put_key:
            return None  # the general path raises the right error
        check_compare(cmp)
        if failure:  # one Range, validated as `_check_ops` does, in the same order
            read = failure[0]
            revision = read.revision
            # The apiserver's read of the current version passes every check below; only
            # another read takes the calls (which raise the right error, if any).
            if (read.range_end is not None or revision.__class__ is not int or revision > 0
                    or read.key.__class__ is not str or not read.key
                    or read.limit.__class__ is not int
                    or read.sort_order.__class__ is not SortOrder
                    or read.sort_target.__class__ is not SortTarget):
                check_range(read.key, read.range_end)
                self._read_revision(revision)
                self._check_range_options(read.limit, read.sort_order, read.sort_target)
        hist = self._index.get(key)
        kv = hist[-1] if hist is not None else None
        if not compare_kv(cmp, kv if kv is not None and kv[4] else None):  # [4]: version
            if failure:
                return None
            return _new(TxnResult, (False, (), self.revision))
        rev = self.revision + 1
        event = self._write_put(rev, put_key, op.value, 0)
        self.revision = rev
        self._log.append(event[1] if event[2] is None else event)  # see the module doc
        return _new(TxnResult, (True, (_new(PutResult, (rev, event[2] if op.prev_kv else None)),),
                                rev))

    def _run_ops(
        self, ops: Sequence[Put | Range | DeleteRange]
    ) -> tuple[list[Event], list[TxnOpResult]]:
        """Execute a validated branch; writes are stamped with the next revision."""
        rev = self.revision + 1
        events: list[Event] = []
        responses: list[TxnOpResult] = []
        for op in ops:
            if op.__class__ is Put:
                assert isinstance(op, Put)
                event = self._write_put(rev, op.key, op.value, op.lease)
                events.append(event)
                self._txn_writing = True
                responses.append(PutResult(rev, event.prev_kv if op.prev_kv else None))
            elif op.__class__ is DeleteRange:
                assert isinstance(op, DeleteRange)
                deleted = self._delete(rev, op.key, check_range(op.key, op.range_end))
                events.extend(deleted)
                if deleted:
                    self._txn_writing = True
                prev = tuple(e.prev_kv for e in deleted) if op.prev_kv else ()
                responses.append(DeleteRangeResult(rev, len(deleted), prev))  # type: ignore[arg-type]
            else:
                assert isinstance(op, Range)
                end = check_range(op.key, op.range_end)
                responses.append(
                    self._range(
                        op.key,
                        end,
                        op.limit,
                        self._read_revision(op.revision),
                        op.keys_only,
                        op.count_only,
                        op.sort_order,
                        op.sort_target,
                    )
                )
        return events, responses

    def _check_ops(self, ops: object) -> None:
        """Validate a txn branch completely, so executing it cannot fail halfway."""
        if not isinstance(ops, tuple | list):
            raise InvalidRequest("txn branch must be a tuple or list")
        puts: dict[str, None] = {}
        deletes: list[tuple[str, str | None]] = []
        for op in ops:
            cls = op.__class__
            if cls is Put:
                key = check_key(op.key)
                if key in puts:
                    raise DuplicateKey(key)
                puts[key] = None
                if op.lease:
                    self._check_lease(op.lease)
            elif cls is DeleteRange:
                deletes.append((op.key, check_range(op.key, op.range_end)))
            elif cls is Range:
                check_range(op.key, op.range_end)
                self._read_revision(op.revision)
                self._check_range_options(op.limit, op.sort_order, op.sort_target)
            else:
                raise InvalidRequest(f"unsupported txn operation: {cls.__name__}")
        for key in puts:
            for start, end in deletes:
                if in_range(key, start, end):
                    raise DuplicateKey(key)

    def _evaluate(self, cmp: Compare) -> bool:
        end = check_range(cmp.key, cmp.range_end)
        if end is None:
            hist = self._index.get(cmp.key)
            kv = hist[-1] if hist is not None else None
            return compare_kv(cmp, kv if kv is not None and kv.version else None)
        index = self._index
        kvs = [index[k][-1] for k in self._live.irange(cmp.key, end)]
        if not kvs:
            return compare_kv(cmp, None)
        return all(compare_kv(cmp, kv) for kv in kvs)

    def _check_lease(self, lease: int) -> None:
        if lease.__class__ is not int:
            raise InvalidRequest(f"lease must be an int, not {lease!r}")
        if lease not in self.leases:
            raise LeaseNotFound(lease)

    def _write_put(self, rev: int, key: str, value: Any, lease: int) -> Event:
        hist = self._index.get(key)
        if hist is None:
            kv = _new(KeyValue, (key, value, rev, rev, 1, lease))
            self._index[key] = [kv]
            self._live.add(key)
            prev = None
        else:
            prev = hist[-1]
            if prev.version:
                kv = _new(KeyValue, (key, value, prev.create_revision, rev, prev.version + 1,
                                     lease))
                if prev.lease and prev.lease != lease:
                    self.leases.detach(prev.lease, key)
            else:
                prev = None
                kv = _new(KeyValue, (key, value, rev, rev, 1, lease))
                self._live.add(key)
                self._dead.discard(key)
            hist.append(kv)
            self._dirty[key] = None
        if lease and (prev is None or prev.lease != lease):
            self.leases.attach(lease, key)
        return _new(Event, (PUT, kv, prev))

    def _delete(self, rev: int, key: str, end: str | None) -> list[Event]:
        if end is None:
            hist = self._index.get(key)
            keys = [key] if hist is not None and hist[-1].version else []
        else:
            keys = list(self._live.irange(key, end))
        return [self._write_delete(rev, k) for k in keys]

    def _write_delete(self, rev: int, key: str) -> Event:
        hist = self._index[key]
        prev = hist[-1]
        tombstone = KeyValue(key, None, 0, rev, 0, 0)
        hist.append(tombstone)
        self._dirty[key] = None
        self._live.discard(key)
        self._dead.add(key)
        if prev.lease:
            self.leases.detach(prev.lease, key)
        return Event(DELETE, tombstone, prev)

    def _commit(self, rev: int, events: tuple[Event, ...]) -> None:
        self.revision = rev
        if len(events) == 1:
            event = events[0]
            self._log.append(event[1] if event[2] is None and event[0] is PUT else event)
        else:
            self._log.append(events)

    # ------------------------------------------------------------- compaction

    def compact(self, revision: int) -> CompactResult:
        """Forget every version superseded at or before ``revision``, and older events.

        Afterwards reads at ``revision`` still work but older ones fail `Compacted`; for
        each key the version current at ``revision`` survives, unless it was a deletion.
        Like etcd, compacting at or below the current compaction point fails `Compacted`,
        and beyond the current revision `FutureRevision`.
        """
        if revision.__class__ is not int:
            raise InvalidRequest(f"revision must be an int, not {revision!r}")
        if revision <= self.compact_revision:
            raise Compacted(self.compact_revision)
        if revision > self.revision:
            raise FutureRevision(revision, self.revision)
        index = self._index
        still_dirty: dict[str, None] = {}
        for key in self._dirty:
            hist = index[key]
            n = bisect_right(hist, revision, key=_mod_revision)
            if n:
                # Keep the version current at `revision`, unless it is a tombstone.
                cut = n - 1 if hist[n - 1].version else n
                if cut:
                    del hist[:cut]
            if not hist:
                del index[key]
                self._dead.discard(key)  # only a deleted key's history can end
            elif len(hist) > 1 or not hist[-1].version:
                still_dirty[key] = None
        self._dirty = still_dirty
        drop = revision - self._log_start
        if drop > 0:
            del self._log[:drop]
            self._log_start = revision
        self.compact_revision = revision
        return CompactResult(self.revision, revision)

    # ----------------------------------------------------------------- events

    @property
    def first_revision(self) -> int:
        """Oldest revision whose events are still retained."""
        return self._log_start

    def events_at(self, revision: int) -> tuple[Event, ...]:
        """The events of one revision, in the order they happened."""
        if revision < self.compact_revision:
            raise Compacted(self.compact_revision)
        if revision > self.revision:
            raise FutureRevision(revision, self.revision)
        i = revision - self._log_start
        if i < 0:
            return ()
        entry = self._log[i]
        return as_events(entry)

    def log_entry(self, revision: int) -> KeyValue | Event | tuple[Event, ...]:
        """The events of a retained revision as stored (see the module docstring): a
        created key's `KeyValue`, a lone `Event`, or a tuple of them; `as_events` turns
        it into the tuple. No checks: for the watch hub, which walks revisions it knows
        are retained."""
        return self._log[revision - self._log_start]

    def history(self, start_revision: int) -> Iterator[tuple[int, tuple[Event, ...]]]:
        """``(revision, events)`` from ``start_revision`` to now (for watch catch-up).

        The compaction check happens at the call, not lazily at the first iteration.
        """
        if start_revision < self.compact_revision:
            raise Compacted(self.compact_revision)
        first = max(start_revision, self._log_start)
        return self._iter_log(first, self.revision)

    def _iter_log(self, first: int, last: int) -> Iterator[tuple[int, tuple[Event, ...]]]:
        log = self._log
        base = self._log_start
        for rev in range(first, last + 1):
            yield rev, as_events(log[rev - base])

    # ----------------------------------------------------------------- leases

    def lease_grant(self, lease_id: int, ttl: int, now: float) -> LeaseGrantResult:
        """Create a lease (``lease_id`` 0: store-chosen) expiring at ``now + ttl``."""
        lease = self.leases.grant(lease_id, ttl, now)
        return LeaseGrantResult(lease.lease_id, lease.ttl, lease.expiry, self.revision)

    def lease_keep_alive(self, lease_id: int, now: float) -> LeaseKeepAliveResult:
        """Refresh a lease's deadline to ``now + ttl``."""
        check_lease_id(lease_id)
        lease = self.leases.keep_alive(lease_id, now)
        return LeaseKeepAliveResult(lease.lease_id, lease.ttl, lease.expiry, self.revision)

    def lease_revoke(self, lease_id: int) -> LeaseRevokeResult:
        """Delete the lease and all its keys, in one revision."""
        check_lease_id(lease_id)
        if lease_id not in self.leases:
            raise LeaseNotFound(lease_id)
        deleted = self._revoke((lease_id,))
        return LeaseRevokeResult(self.revision, deleted)

    def lease_expire(self, now: float) -> LeaseExpireResult:
        """Revoke every lease expired at ``now`` (ids ascending), all in one revision."""
        check_now(now)
        ids = tuple(self.leases.expired(now))
        deleted = self._revoke(ids)
        return LeaseExpireResult(ids, deleted, self.revision)

    def lease_time_to_live(
        self, lease_id: int, now: float, keys: bool = False
    ) -> LeaseTimeToLiveResult:
        """A lease's TTL, its remaining time at ``now`` and (if asked) its keys, sorted."""
        check_lease_id(lease_id)
        check_now(now)
        lease = self.leases.get(lease_id)
        if lease is None:
            raise LeaseNotFound(lease_id)
        attached = tuple(sorted(lease.keys)) if keys else ()
        remaining = max(0.0, lease.expiry - now)
        return LeaseTimeToLiveResult(lease_id, lease.ttl, remaining, attached, self.revision)

    def _revoke(self, lease_ids: Sequence[int]) -> int:
        rev = self.revision + 1
        events: list[Event] = []
        for lease_id in lease_ids:
            lease = self.leases.remove(lease_id)
            # Sorted, as etcd does, so the events' order never depends on dict history.
            for key in sorted(lease.keys):
                events.append(self._write_delete(rev, key))
        if events:
            self._commit(rev, tuple(events))
        return len(events)

    # -------------------------------------------------------------- snapshots

    def snapshot(self) -> StoreSnapshot:
        """An immutable, canonical image of the whole state (see `StoreSnapshot`).

        A key whose history did not change since the previous snapshot shares that
        snapshot's ``(key, versions)`` pair instead of getting two new tuples: a Raft member
        snapshots every few thousand entries and most keys (events, settled objects) do
        not change in between, and each of those tuples would live until the next snapshot
        (walked by the cyclic collector meanwhile). A history only grows at its end (a new
        `KeyValue` object) and only shrinks at its start (compaction), so it is unchanged
        exactly when its length and its last version (by identity) are the pair's.
        """
        keys = self._live.to_list()
        if len(self._dead):
            keys += self._dead.to_list()
            keys.sort()  # two sorted runs: one linear merge, in C
        index = self._index
        previous = self._snapshot_pairs
        histories = []
        add = histories.append
        for key in keys:
            hist = index[key]
            pair = previous.get(key)
            if pair is None or pair[1][-1] is not hist[-1] or len(pair[1]) != len(hist):
                pair = (key, tuple(hist))
            add(pair)
        self._snapshot_pairs = dict(zip(keys, histories, strict=True))
        return StoreSnapshot(
            revision=self.revision,
            compact_revision=self.compact_revision,
            histories=tuple(histories),
            log_start=self._log_start,
            log=tuple(self._log),
            leases=self.leases.records(),
            next_lease_id=self.leases.next_id,
        )

    @classmethod
    def from_snapshot(
        cls,
        snapshot: StoreSnapshot,
        *,
        min_lease_ttl: int = 1,
        max_lease_ttl: int = MAX_LEASE_TTL,
    ) -> MVCCStore:
        """A new store equal to the one that produced ``snapshot``, sharing nothing mutable."""
        store = cls(min_lease_ttl=min_lease_ttl, max_lease_ttl=max_lease_ttl)
        store.revision = snapshot.revision
        store.compact_revision = snapshot.compact_revision
        store.leases = LeaseTable.from_records(
            snapshot.leases, snapshot.next_lease_id, min_lease_ttl, max_lease_ttl
        )
        index = store._index
        dirty = store._dirty
        dead: list[str] = []
        live: list[str] = []
        for key, versions in snapshot.histories:
            hist = list(versions)
            index[key] = hist
            last = hist[-1]
            if last.version:
                live.append(key)
                if last.lease:
                    store.leases.attach(last.lease, key)
            else:
                dead.append(key)
            if len(hist) > 1 or not last.version:
                dirty[key] = None
        store._dead = SortedKeys(dead)
        store._live = SortedKeys(live)
        store._log = list(snapshot.log)
        store._log_start = snapshot.log_start
        store._snapshot_pairs = {pair[0]: pair for pair in snapshot.histories}
        return store


def as_events(entry: Any) -> tuple[Event, ...]:
    """A log entry (see the module docstring) as the tuple of its revision's events."""
    cls = entry.__class__
    if cls is KeyValue:
        return (_new(Event, (PUT, entry, None)),)
    if cls is Event:
        return (entry,)
    return entry  # type: ignore[no-any-return]


def _with_revision(result: Any, revision: int) -> Any:
    if isinstance(result, tuple):  # the named-tuple results (PutResult, RangeResult)
        return result._replace(revision=revision)
    return attrs.evolve(result, revision=revision)
