"""The commands carried in the Raft log, and the operations a txn is made of.

They are plain frozen values: a command is proposed once by the leader, stored in every
member's log and applied by every member's `StoreStateMachine`, so it must be immutable
and must hold everything the outcome depends on. That is why lease commands carry
``now``: expiry is decided from the *leader's* cluster clock at proposal time, never from
a follower's own clock at apply time, and every member computes the same deadline.

``request_id`` is chosen by the client and must be unique across clients (for example
``f"{client_id}:{seq}"``). The state machine remembers the result of recent successful
writes by id, so a command retried after a leader change and committed twice takes
effect once; the id also routes the reply back to the waiting caller. An empty id opts
out of deduplication. Inside a `Txn` the operations' ids are ignored.
"""

from __future__ import annotations

import enum
from typing import Any

import attrs

from kactors.store.compare import Compare


class SortOrder(enum.Enum):
    """Order of a range result (NONE: by key, ascending)."""

    NONE = "NONE"
    ASCEND = "ASCEND"
    DESCEND = "DESCEND"


class SortTarget(enum.Enum):
    """Field a range result is sorted by. (etcd's VALUE target is left out: values are
    arbitrary Python objects, not bytes, and need not be ordered.)"""

    KEY = "KEY"
    VERSION = "VERSION"
    CREATE = "CREATE"
    MOD = "MOD"


@attrs.frozen
class Put:
    """Set ``key`` to ``value`` (attached to ``lease`` if non-zero); one new revision."""

    key: str
    value: Any
    lease: int = 0
    prev_kv: bool = False
    request_id: str = attrs.field(default="", kw_only=True)


@attrs.frozen
class Range:
    """Read a key or an interval, at the current or a past ``revision`` (0: current)."""

    key: str
    range_end: str | None = None
    limit: int = 0
    revision: int = 0
    keys_only: bool = False
    count_only: bool = False
    sort_order: SortOrder = SortOrder.NONE
    sort_target: SortTarget = SortTarget.KEY
    request_id: str = attrs.field(default="", kw_only=True)


@attrs.frozen
class DeleteRange:
    """Delete a key or an interval; one new revision if anything was deleted."""

    key: str
    range_end: str | None = None
    prev_kv: bool = False
    request_id: str = attrs.field(default="", kw_only=True)


TxnOp = Put | Range | DeleteRange
"""What a txn branch may contain (nested txns are not supported)."""


@attrs.frozen
class Txn:
    """If every compare holds run ``success``, else ``failure``: atomically, in one revision."""

    compare: tuple[Compare, ...] = ()
    success: tuple[TxnOp, ...] = ()
    failure: tuple[TxnOp, ...] = ()
    request_id: str = attrs.field(default="", kw_only=True)


@attrs.frozen
class Compact:
    """Drop the history older than ``revision`` (reads below it then fail `Compacted`)."""

    revision: int
    request_id: str = attrs.field(default="", kw_only=True)


@attrs.frozen
class LeaseGrant:
    """Create lease ``lease_id`` (0: the store picks one) expiring at ``now + ttl``."""

    lease_id: int
    ttl: int
    now: float
    request_id: str = attrs.field(default="", kw_only=True)


@attrs.frozen
class LeaseRevoke:
    """Delete the lease and, in one revision, every key attached to it."""

    lease_id: int
    request_id: str = attrs.field(default="", kw_only=True)


@attrs.frozen
class LeaseKeepAlive:
    """Push the lease's expiry to ``now + ttl`` (fails if it already expired at ``now``)."""

    lease_id: int
    now: float
    request_id: str = attrs.field(default="", kw_only=True)


@attrs.frozen
class LeaseExpire:
    """Revoke every lease whose expiry is ``<= now``, all in one revision.

    Proposed by the leader when `LeaseTable.expired` on its clock is non-empty. It is
    re-checked at apply time, so a keep-alive committed in between wins and nothing is
    revoked twice. Followers never expire leases by themselves.
    """

    now: float
    request_id: str = attrs.field(default="", kw_only=True)


@attrs.frozen
class LeaseTimeToLive:
    """Read a lease's remaining TTL at ``now`` (and its keys if asked)."""

    lease_id: int
    now: float
    keys: bool = False
    request_id: str = attrs.field(default="", kw_only=True)


Command = (
    Put
    | Range
    | DeleteRange
    | Txn
    | Compact
    | LeaseGrant
    | LeaseRevoke
    | LeaseKeepAlive
    | LeaseExpire
    | LeaseTimeToLive
)
"""Everything `StoreStateMachine.apply` accepts."""

WRITE_COMMANDS: tuple[type, ...] = (
    Put,
    DeleteRange,
    Txn,
    Compact,
    LeaseGrant,
    LeaseRevoke,
    LeaseKeepAlive,
    LeaseExpire,
)
"""Commands whose successful result is remembered for deduplication (reads are
idempotent and may be large, so they are simply executed again)."""
