"""Messages between store clients and store servers (a Raft member, or `LocalStore`).

Every server speaks the same protocol, so the apiserver cannot tell a three-member Raft
cluster from the single-replica `LocalStore` used as a baseline and in fast tests.
"""

from __future__ import annotations

from typing import Any

import attrs

from kactors.store.commands import Command
from kactors.store.watch import WatchResponse


@attrs.frozen
class StoreRequest:
    """Apply `command`; the reply is its result, a `StoreError` value, or `NotLeader`.

    Reads are linearizable (ReadIndex on the leader) unless `serializable`, in which case
    any member answers from its own applied state, which may be stale.
    """

    command: Command
    serializable: bool = False


@attrs.frozen
class NotLeader:
    """The member cannot serve the request; `leader` is the member it believes leads."""

    member: str
    leader: str | None


@attrs.frozen
class WatchCreate:
    """Start a watch; responses go to `deliver_to` as `WatchNotice(tag, response)`.

    The reply is `WatchStarted` or a `StoreError` value (e.g. `Compacted`).
    """

    tag: Any
    key: str
    range_end: str | None
    start_revision: int
    deliver_to: Any  # ActorRef of the watching actor
    prev_kv: bool = False
    progress_notify: bool = False
    #: the watcher reads `WatchNotice.more`: the responses one apply round produces for
    #: it may travel in one notice (one message, one wake-up for a burst of writes)
    batch: bool = False


@attrs.frozen
class WatchStarted:
    tag: Any
    member: str
    revision: int


@attrs.frozen
class WatchCancel:
    tag: Any


@attrs.frozen
class WatchNotice:
    """One `WatchResponse` for the watch the client registered under `tag`."""

    tag: Any
    member: str
    response: WatchResponse
    #: 1, 2, 3... per watch: the simulated network may drop or reorder one message where
    #: etcd's gRPC stream would break instead, so a gap tells the watcher to re-watch
    seq: int = 0
    #: for a watch created with `batch`: the responses that follow `response`, in order
    more: tuple[WatchResponse, ...] = ()

    @property
    def responses(self) -> tuple[WatchResponse, ...]:
        """Every response of this notice, oldest first."""
        return (self.response, *self.more) if self.more else (self.response,)


@attrs.frozen
class Status:
    """Ask a member who it is and what it knows (leader, term, indexes, revision)."""


@attrs.frozen
class MemberStatus:
    member: str
    leader: str | None
    term: int
    commit_index: int
    applied_index: int
    revision: int
    role: str


@attrs.frozen
class StoreBatch:
    """Several `StoreRequest`s that one client issued concurrently, in one message.

    The reply is a tuple with, at each position, exactly what that request alone would
    have got (a result, a `StoreError` value or `NotLeader`); it is sent once every request
    of the batch is answered. Like several gRPC calls multiplexed on one connection and
    written in one segment: the requests are independent, so the server is free to order
    them as if they had arrived one by one in this order. A Raft member proposes the writes
    of a batch in the same flush; `LocalStore` applies them in order.
    """

    requests: tuple[StoreRequest, ...]
