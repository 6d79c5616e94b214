"""The immutable image of an `MVCCStore`, for Raft log compaction and InstallSnapshot.

Everything in it is a tuple of frozen values, so it can be handed to another member (or
kept while the live store moves on) without copying and without any way to reach the live
store's mutable lists. Two members that applied the same commands produce *equal*
snapshots: histories are listed in key order and leases in id order, independent of the
order in which either member's dicts happened to be filled.
"""

from __future__ import annotations

import attrs

from kactors.store.kv import Event, KeyValue
from kactors.store.lease import LeaseRecord


@attrs.frozen
class StoreSnapshot:
    """``histories``: every key with retained history, sorted, with its versions oldest
    first (tombstones included). ``log``: the events of each revision from ``log_start``
    to ``revision``, kept so watchers can catch up after a restore, as the store keeps
    them (a created key's `KeyValue`, a lone `Event`, or a tuple of them: see
    `kactors.store.mvcc`); a snapshot shares the live log's objects."""

    revision: int
    compact_revision: int
    histories: tuple[tuple[str, tuple[KeyValue, ...]], ...]
    log_start: int
    log: tuple[KeyValue | Event | tuple[Event, ...], ...]
    leases: tuple[LeaseRecord, ...]
    next_lease_id: int
