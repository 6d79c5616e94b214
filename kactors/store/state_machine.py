"""`StoreStateMachine`: what a Raft member applies its committed entries to.

Determinism is the whole contract: every member applies the same commands in the same
order and must end in equal state, so nothing here reads a clock, draws a random number or
depends on dict/set iteration that could differ between members. Time enters only as the
``now`` carried by lease commands (the leader's cluster clock at proposal time).

``apply`` never raises on a bad command: the error is *returned* as a `StoreError` value
(and the state is unchanged), because an exception escaping into the Raft member would
kill it for a client's mistake. Successful write results are remembered by
``request_id`` in a bounded window, so a command proposed twice (a client retry after a
leader change) takes effect once and the retry gets the original answer. Every member
keeps the window (10,000 results by default) long enough for the cyclic collector to walk
each entry many times, so the commonest result, a txn that ran one put (every apiserver
create and update), is remembered as its revision alone (an int, which the collector
does not track) and rebuilt, equal, when a retry asks.

Each applied revision is fanned out to the member's `WatchHub`; the resulting
`WatchResponse` values accumulate until the member actor collects them with
`take_watch_responses` (typically once per batch of applied entries).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import attrs

from kactors.store.commands import (
    WRITE_COMMANDS,
    Compact,
    DeleteRange,
    LeaseExpire,
    LeaseGrant,
    LeaseKeepAlive,
    LeaseRevoke,
    LeaseTimeToLive,
    Put,
    Range,
    Txn,
)
from kactors.store.errors import InvalidRequest, StoreError
from kactors.store.lease import MAX_LEASE_TTL
from kactors.store.mvcc import MVCCStore
from kactors.store.results import PutResult, TxnResult
from kactors.store.snapshot import StoreSnapshot
from kactors.store.watch import WatchHub, WatchResponse

Result = Any
"""A result value from `kactors.store.results`, or a `StoreError` value."""

_WRITES = frozenset(WRITE_COMMANDS)


@attrs.frozen
class StateMachineSnapshot:
    """Everything a member needs to continue from ``applied_index`` (InstallSnapshot)."""

    applied_index: int
    store: StoreSnapshot
    dedup: tuple[tuple[str, Result], ...]
    """Remembered write results, oldest first, as the state machine keeps them (a one-put
    txn's result as its revision: use `remembered` to read them)."""

    def remembered(self) -> dict[str, Result]:
        """Request id -> the write's result, as `apply` answered it."""
        return {request_id: _expand(memo) for request_id, memo in self.dedup}


def _memo(result: Result) -> Result:
    """What the dedup window keeps of a txn's result: a txn that succeeded with one put
    and no prev_kv as its revision (an int: untracked by the cyclic GC), else itself."""
    if result[0] and len(result[1]) == 1:  # type: ignore[index]
        response = result[1][0]  # type: ignore[index]
        if response.__class__ is PutResult and response[1] is None and \
                response[0] == result[2]:  # type: ignore[index]
            return result[2]  # type: ignore[index,no-any-return]
    return result


def _expand(memo: Result) -> Result:
    """The result a dedup entry stands for: an int is the revision of a txn that succeeded
    with one put and no prev_kv (see `StoreStateMachine.apply`), else the result itself."""
    if memo.__class__ is int:
        return TxnResult(True, (PutResult(memo, None),), memo)
    return memo


class StoreStateMachine:
    """An `MVCCStore` driven by Raft log entries, with a watch hub and request dedup."""

    def __init__(
        self,
        *,
        min_lease_ttl: int = 1,
        max_lease_ttl: int = MAX_LEASE_TTL,
        dedup_window: int = 10_000,
    ) -> None:
        """The lease bounds and dedup window are cluster configuration: every member must
        use the same values or they would diverge."""
        self._min_lease_ttl = min_lease_ttl
        self._max_lease_ttl = max_lease_ttl
        self._dedup_window = dedup_window
        self.store = MVCCStore(min_lease_ttl=min_lease_ttl, max_lease_ttl=max_lease_ttl)
        self.hub = WatchHub(self.store)
        self.applied_index = 0
        # An OrderedDict, not a dict: evicting the oldest id with `next(iter(dict))` is O(n)
        # once many have been deleted from the front (a dict skips its dead slots on every
        # iteration until it resizes); `popitem(last=False)` is O(1).
        self._dedup: OrderedDict[str, Result] = OrderedDict()
        self._watch_outbox: list[WatchResponse] = []
        self._handlers: dict[type, Callable[[Any], Result]] = {
            Put: self._put,
            Range: self._range,
            DeleteRange: self._delete_range,
            Txn: self._txn,
            Compact: self._compact,
            LeaseGrant: self._lease_grant,
            LeaseRevoke: self._lease_revoke,
            LeaseKeepAlive: self._lease_keep_alive,
            LeaseExpire: self._lease_expire,
            LeaseTimeToLive: self._lease_time_to_live,
        }

    def apply(self, index: int, command: object) -> Result:
        """Apply the committed entry at ``index``; return its result or error value.

        ``index`` must grow (Raft applies each entry once, in order; gaps are fine, for
        entries such as no-ops that never reach the store). A smaller or equal index is a
        bug in the caller and raises ``ValueError``.
        """
        if index <= self.applied_index:
            raise ValueError(f"entry {index} already applied (applied index {self.applied_index})")
        self.applied_index = index
        request_id = getattr(command, "request_id", "")
        if request_id:
            if request_id.__class__ is not str:
                return InvalidRequest(f"request id must be a str, not {request_id!r}")
            cached = self._dedup.get(request_id)
            if cached is not None:
                return _expand(cached)
        cls = command.__class__
        store = self.store
        if cls is Txn:  # every apiserver write: straight to the store
            try:
                result = store.txn(command.compare, command.success,  # type: ignore[attr-defined]
                                   command.failure)  # type: ignore[attr-defined]
            except StoreError as error:
                return error
            if request_id:
                self._remember(request_id, _memo(result))
        else:
            handler = self._handlers.get(cls)
            if handler is None:
                return InvalidRequest(f"unknown command: {type(command).__name__}")
            try:
                result = handler(command)
            except StoreError as error:
                return error
            if request_id and cls in _WRITES:
                self._remember(request_id, result)
        hub = self.hub
        if hub.revision != store.revision:
            responses = hub.sync()
            if responses:
                self._watch_outbox.extend(responses)
        return result

    def _remember(self, request_id: str, memo: Result) -> None:
        """Keep a write's result (see `_memo`) for a retry of the same request id."""
        dedup = self._dedup
        dedup[request_id] = memo
        if len(dedup) > self._dedup_window:
            dedup.popitem(last=False)

    def take_watch_responses(self) -> list[WatchResponse]:
        """Watch responses produced since the last call, in order, for the member to route."""
        out = self._watch_outbox
        self._watch_outbox = []
        return out

    def snapshot(self) -> StateMachineSnapshot:
        """Immutable, canonical image: equal on every member at the same applied index."""
        return StateMachineSnapshot(
            self.applied_index, self.store.snapshot(), tuple(self._dedup.items())
        )

    def restore(self, snapshot: StateMachineSnapshot) -> None:
        """Replace the whole state with ``snapshot`` (InstallSnapshot / restart).

        The live store is rebuilt from the snapshot's immutable parts, so neither can
        change the other afterwards. Existing watchers are caught up from the restored
        history (or canceled if it was compacted); their responses go to the outbox.
        """
        self.store = MVCCStore.from_snapshot(
            snapshot.store, min_lease_ttl=self._min_lease_ttl, max_lease_ttl=self._max_lease_ttl
        )
        self.applied_index = snapshot.applied_index
        self._dedup = OrderedDict(snapshot.dedup)
        self._watch_outbox.extend(self.hub.rebind(self.store))

    # One small adapter per command: they only unpack the frozen command for the store.

    def _put(self, c: Put) -> Result:
        return self.store.put(c.key, c.value, c.lease, c.prev_kv)

    def _range(self, c: Range) -> Result:
        return self.store.range(
            c.key,
            c.range_end,
            c.limit,
            c.revision,
            c.keys_only,
            c.count_only,
            c.sort_order,
            c.sort_target,
        )

    def _delete_range(self, c: DeleteRange) -> Result:
        return self.store.delete_range(c.key, c.range_end, c.prev_kv)

    def _txn(self, c: Txn) -> Result:
        return self.store.txn(c.compare, c.success, c.failure)

    def _compact(self, c: Compact) -> Result:
        return self.store.compact(c.revision)

    def _lease_grant(self, c: LeaseGrant) -> Result:
        return self.store.lease_grant(c.lease_id, c.ttl, c.now)

    def _lease_revoke(self, c: LeaseRevoke) -> Result:
        return self.store.lease_revoke(c.lease_id)

    def _lease_keep_alive(self, c: LeaseKeepAlive) -> Result:
        return self.store.lease_keep_alive(c.lease_id, c.now)

    def _lease_expire(self, c: LeaseExpire) -> Result:
        return self.store.lease_expire(c.now)

    def _lease_time_to_live(self, c: LeaseTimeToLive) -> Result:
        return self.store.lease_time_to_live(c.lease_id, c.now, c.keys)
