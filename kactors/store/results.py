"""Successful results of store operations (failures are `StoreError` values).

Each carries ``revision``: the store revision after the operation, like the ``revision``
of etcd's response header. Results are frozen because the state machine caches them for
deduplication and hands them to another actor. The results of the hot operations (put,
range, txn) are named tuples, built in one call; the others frozen attrs classes.
"""

from __future__ import annotations

from typing import NamedTuple

import attrs

from kactors.store.kv import KeyValue


class PutResult(NamedTuple):
    """``revision`` is the put's own revision; ``prev_kv`` the replaced version if asked."""

    revision: int
    prev_kv: KeyValue | None = None


class RangeResult(NamedTuple):
    """``count`` is the number of keys in the interval (ignoring ``limit``); ``more`` says
    ``kvs`` was cut by ``limit``. ``revision`` is the store's current revision even for a
    read at a past revision, as in etcd."""

    kvs: tuple[KeyValue, ...]
    count: int
    more: bool
    revision: int


@attrs.frozen
class DeleteRangeResult:
    """``deleted`` keys; ``prev_kvs`` their last versions if asked."""

    revision: int
    deleted: int
    prev_kvs: tuple[KeyValue, ...] = ()


TxnOpResult = PutResult | RangeResult | DeleteRangeResult


class TxnResult(NamedTuple):
    """Which branch ran and one result per operation of that branch, in order. (A named
    tuple like `PutResult`: every member builds one per apiserver create or update.)"""

    succeeded: bool
    responses: tuple[TxnOpResult, ...]
    revision: int


@attrs.frozen
class CompactResult:
    """The revision after compaction (compaction itself creates no revision)."""

    revision: int
    compact_revision: int


@attrs.frozen
class LeaseGrantResult:
    lease_id: int
    ttl: int
    expiry: float
    revision: int


@attrs.frozen
class LeaseRevokeResult:
    """``revision`` is the revision of the deletions (unchanged if no keys were attached)."""

    revision: int
    deleted: int


@attrs.frozen
class LeaseKeepAliveResult:
    lease_id: int
    ttl: int
    expiry: float
    revision: int


@attrs.frozen
class LeaseExpireResult:
    """The leases revoked (sorted) and how many keys went with them."""

    lease_ids: tuple[int, ...]
    deleted: int
    revision: int


@attrs.frozen
class LeaseTimeToLiveResult:
    """``remaining`` is ``max(0, expiry - now)``; ``keys`` sorted, if asked."""

    lease_id: int
    ttl: int
    remaining: float
    keys: tuple[str, ...]
    revision: int
