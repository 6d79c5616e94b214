"""`StoreClient`: the etcd client an actor (the apiserver) uses to talk to the store tier.

It runs inside an actor and every request crosses the simulated network from the actor's
host (`ctx.remote(endpoint).ask`), so it sees what a real client sees: members that are
down, partitions, lost replies. It speaks `kactors.store.protocol`, so the endpoints may be
the members of a Raft group or one `LocalStore`.

Finding the leader: requests go to the member believed to lead (at first the first
endpoint). A `NotLeader(member, hint)` answer moves the client to the hinted member, or to
the next endpoint when there is no hint; when a whole round of endpoints refused, it backs
off briefly (an election is probably running). An endpoint whose link is known to be down
(crashed host or partition: a real client's connection would be refused) is skipped without
sending anything.

What is retried, and what is not:

* A refusal (`NotLeader`) means the request was NOT applied: it is retried at the leader,
  for writes too, until the overall `timeout`; then `Unavailable`.
* Reads (and watch creation, status) that get no answer within `attempt_timeout` are
  retried on the next endpoint: reading twice is harmless.
* A write that was sent but not answered (the member crashed, a partition cut the reply,
  or it did not commit within the time left) may or may not have been applied, and it is
  NOT re-sent: the client raises `OutcomeUnknown(request_id)`. Every write carries a
  unique ``request_id`` (``f"{client_id}:{seq}"``) and the state machine remembers recent
  results by id, so the *caller* may retry it explicitly by passing
  ``request_id=error.request_id`` to the same method: it is applied at most once (within
  the store's dedup window) and a retry of an applied write returns the original result.

Coalescing (`coalesce=True`, the default): writes and linearizable reads that several tasks
of the actor issue in the same scheduling round travel together as one `StoreBatch` message
(the first of them yields once, then sends what has queued meanwhile), like calls
multiplexed on one gRPC connection. The leader proposes them in one flush and answers
them in one reply. Each request keeps its own semantics: a refusal or a lost batch sends
it down the one-by-one path above (a lost write is `OutcomeUnknown`, as always). It saves
one network round trip and one mailbox message per request, which is most of the cost of
a put in this one-process cluster (see bench/raft.py).

Errors the store returns as values (`Compacted`, `LeaseNotFound`, `InvalidRange`, ...) are
raised as exceptions. Request ids come from a counter and nothing iterates over a set, so a
seeded run issues the same requests in the same order.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import trio

from kactors.actors.errors import ActorStopped, AskTimeout
from kactors.store.commands import (
    Compact,
    DeleteRange,
    LeaseGrant,
    LeaseKeepAlive,
    LeaseRevoke,
    LeaseTimeToLive,
    Put,
    Range,
    Txn,
)
from kactors.store.errors import OutcomeUnknown, StoreError, Unavailable
from kactors.store.protocol import (
    MemberStatus,
    NotLeader,
    Status,
    StoreBatch,
    StoreRequest,
    WatchCancel,
    WatchCreate,
    WatchNotice,
    WatchStarted,
)

if TYPE_CHECKING:
    from kactors.actors import ActorContext, ActorRef
    from kactors.store.compare import Compare
    from kactors.store.kv import KeyValue
    from kactors.store.results import (
        CompactResult,
        DeleteRangeResult,
        LeaseGrantResult,
        LeaseKeepAliveResult,
        LeaseRevokeResult,
        LeaseTimeToLiveResult,
        PutResult,
        RangeResult,
        TxnResult,
    )

RETRY_BACKOFF = 0.05
"""Seconds to wait after every endpoint refused (an election is probably in progress)."""

_EMPTY = object()
_LOST = object()  # the batch was sent but no answer came back in time
_REFUSED = object()  # the endpoint was stopped: nobody handled the batch


class _Slot:
    """One request waiting in a coalesced batch: parks its task until the answer is in."""

    __slots__ = ("task", "value", "index")

    def __init__(self) -> None:
        self.task: trio.lowlevel.Task | None = None
        self.value: Any = _EMPTY
        self.index = 0  # the endpoint the batch went to

    def set(self, value: Any, index: int) -> None:
        if self.value is _EMPTY:
            self.value = value
            self.index = index
            task = self.task
            if task is not None:
                self.task = None
                trio.lowlevel.reschedule(task)

    async def wait(self) -> Any:
        if self.value is _EMPTY:
            self.task = trio.lowlevel.current_task()

            def abort(_: Any) -> trio.lowlevel.Abort:
                self.task = None
                return trio.lowlevel.Abort.SUCCEEDED

            await trio.lowlevel.wait_task_rescheduled(abort)
        return self.value


class StoreClient:
    """See the module docstring. `timeout` bounds each call (cluster seconds);
    `attempt_timeout` bounds one try of a read before the next endpoint is tried
    (default: a quarter of `timeout`); `coalesce` batches concurrent requests."""

    def __init__(self, ctx: ActorContext, endpoints: Sequence[ActorRef], *,
                 timeout: float = 5.0, client_id: str | None = None,
                 attempt_timeout: float | None = None, coalesce: bool = True) -> None:
        if not endpoints:
            raise ValueError("a store client needs at least one endpoint")
        if not timeout > 0:
            raise ValueError(f"timeout must be > 0, got {timeout!r}")
        self.ctx = ctx
        self.endpoints: list[ActorRef] = list(endpoints)
        self.timeout = timeout
        self.attempt_timeout = attempt_timeout if attempt_timeout is not None else timeout / 4
        if client_id is None:
            # Unique across clients and across restarts of the same actor (a restarted
            # apiserver must not reuse its predecessor's ids: the dedup table would answer
            # with an old result), and still reproducible: drawn from the seeded generator.
            client_id = f"{ctx.path}#{ctx.random.getrandbits(32):08x}"
        self.client_id = client_id
        self._seq = 0
        self._leader = 0  # index into endpoints of the member believed to lead
        self._answered = 0  # index of the endpoint that answered the last request
        self._by_name = {ref.name: i for i, ref in enumerate(self.endpoints)}
        self._remotes = [ctx.remote(ref) for ref in self.endpoints]
        self._network = ctx.network
        self._src = ctx.host
        self._hosts = [_host(ref) for ref in self.endpoints]
        self._watches: dict[Any, int] = {}  # tag -> endpoint index serving the watch
        self._watch_members: dict[Any, str] = {}  # tag -> member name serving the watch
        self.coalesce = coalesce
        self._pending: list[tuple[StoreRequest, _Slot, bool]] = []

    # -- identity -----------------------------------------------------------------------------

    def next_request_id(self) -> str:
        self._seq += 1
        return f"{self.client_id}:{self._seq}"

    @property
    def leader(self) -> ActorRef:
        """The endpoint currently believed to lead."""
        return self.endpoints[self._leader]

    def add_endpoint(self, ref: ActorRef) -> None:
        """Learn a member added at run time (etcd clients "sync endpoints" the same way): a
        leader that is not among the endpoints cannot be followed."""
        if ref.name in self._by_name:
            return
        self._by_name[ref.name] = len(self.endpoints)
        self.endpoints.append(ref)
        self._remotes.append(self.ctx.remote(ref))
        self._hosts.append(_host(ref))

    # -- KV -----------------------------------------------------------------------------------

    async def range(self, key: str, range_end: str | None = None, *, limit: int = 0,
                    revision: int = 0, keys_only: bool = False, count_only: bool = False,
                    serializable: bool = False) -> RangeResult:
        command = Range(key, range_end, limit, revision, keys_only, count_only)
        return await self._read(StoreRequest(command, serializable))

    async def get(self, key: str, *, revision: int = 0, serializable: bool = False
                  ) -> KeyValue | None:
        result = await self.range(key, revision=revision, serializable=serializable)
        return result.kvs[0] if result.kvs else None

    async def put(self, key: str, value: Any, *, lease: int = 0, prev_kv: bool = False,
                  request_id: str | None = None) -> PutResult:
        rid = request_id or self.next_request_id()
        return await self._write(Put(key, value, lease, prev_kv, request_id=rid))

    async def delete_range(self, key: str, range_end: str | None = None, *,
                           prev_kv: bool = False, request_id: str | None = None
                           ) -> DeleteRangeResult:
        rid = request_id or self.next_request_id()
        return await self._write(DeleteRange(key, range_end, prev_kv, request_id=rid))

    async def txn(self, compare: Sequence[Compare], success: Sequence[Any],
                  failure: Sequence[Any], *, request_id: str | None = None) -> TxnResult:
        rid = request_id or self.next_request_id()
        return await self._write(Txn(tuple(compare), tuple(success), tuple(failure),
                                     request_id=rid))

    async def compact(self, revision: int, *, request_id: str | None = None) -> CompactResult:
        rid = request_id or self.next_request_id()
        return await self._write(Compact(revision, request_id=rid))

    # -- leases -------------------------------------------------------------------------------
    # `now` is this actor's cluster clock; a Raft leader replaces it by its own at proposal.

    async def lease_grant(self, ttl: int, lease_id: int = 0, *,
                          request_id: str | None = None) -> LeaseGrantResult:
        rid = request_id or self.next_request_id()
        return await self._write(LeaseGrant(lease_id, ttl, self.ctx.now(), request_id=rid))

    async def lease_keep_alive(self, lease_id: int, *, request_id: str | None = None
                               ) -> LeaseKeepAliveResult:
        rid = request_id or self.next_request_id()
        return await self._write(LeaseKeepAlive(lease_id, self.ctx.now(), request_id=rid))

    async def lease_revoke(self, lease_id: int, *, request_id: str | None = None
                           ) -> LeaseRevokeResult:
        rid = request_id or self.next_request_id()
        return await self._write(LeaseRevoke(lease_id, request_id=rid))

    async def lease_time_to_live(self, lease_id: int, *, keys: bool = False
                                 ) -> LeaseTimeToLiveResult:
        command = LeaseTimeToLive(lease_id, self.ctx.now(), keys)
        return await self._read(StoreRequest(command))

    # -- watches ------------------------------------------------------------------------------

    async def watch(self, tag: Any, key: str, range_end: str | None = None, *,
                    start_revision: int = 0, prev_kv: bool = False,
                    progress_notify: bool = False, batch: bool = False) -> WatchStarted:
        """Start a watch on some member (the leader if known); notices arrive at this
        actor as `WatchNotice(tag, member, response)`. `tag` must be unique per watcher.
        `batch`: this actor reads `WatchNotice.responses` (a notice may carry several)."""
        message = WatchCreate(tag, key, range_end, start_revision, self.ctx.self,
                              prev_kv, progress_notify, batch)
        reply = await self._call(message, True, "", False)
        if isinstance(reply, StoreError):
            raise reply
        self._watches[tag] = self._answered
        self._watch_members[tag] = reply.member
        return reply

    def accepts(self, notice: WatchNotice) -> bool:
        """Whether `notice` comes from the member that currently serves its watch.

        After a re-watch under the same tag (e.g. the old member went silent), a member
        that could not be told to cancel may still send notices for that tag; drop those
        (or use a fresh tag per watch)."""
        return self._watch_members.get(notice.tag) == notice.member

    async def cancel_watch(self, tag: Any) -> None:
        """Stop the watch `tag` (best effort: a member that cannot be reached keeps it until
        it notices the watcher is gone)."""
        index = self._watches.pop(tag, None)
        self._watch_members.pop(tag, None)
        if index is None:
            return
        try:
            await self._remotes[index].ask(WatchCancel(tag), timeout=self.attempt_timeout)
        except (AskTimeout, ActorStopped):
            pass

    # -- cluster ------------------------------------------------------------------------------

    async def status(self) -> list[MemberStatus]:
        """The status of every endpoint that answered within `attempt_timeout`, in
        endpoint order."""
        answers: list[MemberStatus | None] = [None] * len(self.endpoints)

        async def ask(i: int) -> None:
            try:
                answer = await self._remotes[i].ask(Status(), timeout=self.attempt_timeout)
            except (AskTimeout, ActorStopped):
                return
            if isinstance(answer, MemberStatus):
                answers[i] = answer

        async with trio.open_nursery() as nursery:
            for i in range(len(self.endpoints)):
                if self._reachable(i):
                    nursery.start_soon(ask, i)
        return [a for a in answers if a is not None]

    # -- the request loop ---------------------------------------------------------------------

    async def _read(self, request: StoreRequest) -> Any:
        if request.serializable:
            reply = await self._call(request, True, "", False)
        else:
            reply = await self._submit(request, True, "")
        if isinstance(reply, StoreError):
            raise reply
        return reply

    async def _write(self, command: Any) -> Any:
        reply = await self._submit(StoreRequest(command), False, command.request_id)
        if isinstance(reply, StoreError):
            raise reply
        return reply

    async def _submit(self, request: StoreRequest, idempotent: bool, request_id: str) -> Any:
        """A leader-bound request: coalesced with the concurrent ones into one `StoreBatch`
        on the first attempt if `coalesce` is on; retries go one by one through `_call`."""
        if not self.coalesce:
            return await self._call(request, idempotent, request_id, True)
        deadline = trio.current_time() + self.timeout
        index = self._leader
        if not self._network.reachable(self._src, self._hosts[index]):
            return await self._call(request, idempotent, request_id, True, deadline)
        slot = _Slot()
        pending = self._pending
        pending.append((request, slot, idempotent))
        if len(pending) == 1:
            # The first request of this scheduling round sends the batch, after letting the
            # other tasks that are runnable now queue theirs behind it.
            await trio.lowlevel.cancel_shielded_checkpoint()
            batch = self._pending
            self._pending = []
            await self._send_batch(index, batch)
        answer = await slot.wait()
        index = slot.index
        if answer is _LOST:
            if not idempotent:
                raise OutcomeUnknown(request_id)
            start = (index + 1) % len(self.endpoints)
        elif answer is _REFUSED:
            start = (index + 1) % len(self.endpoints)
        elif answer.__class__ is NotLeader:
            hint = self._by_name.get(answer.leader) if answer.leader is not None else None
            start = hint if hint is not None and hint != index else (
                (index + 1) % len(self.endpoints))
        else:
            self._answered = self._leader = index
            return answer
        return await self._call(request, idempotent, request_id, True, deadline, start)

    async def _send_batch(self, index: int, batch: list[tuple[StoreRequest, _Slot, bool]]
                          ) -> None:
        requests = tuple([request for request, _, _ in batch])
        writes = not all(idempotent for _, _, idempotent in batch)
        timeout = self.timeout if writes else self.attempt_timeout
        try:
            answers = await self._network.ask(self._src, self.endpoints[index],
                                              StoreBatch(requests), timeout)
        except AskTimeout:
            answers = None
            failure = _LOST
        except ActorStopped:
            answers = None
            failure = _REFUSED
        except BaseException:
            # This task was cancelled while the batch was out: the others stop waiting too,
            # with an unknown outcome (the batch may have been applied).
            for _, slot, _ in batch:
                slot.set(_LOST, index)
            raise
        if answers is not None and (answers.__class__ is not tuple
                                    or len(answers) != len(batch)):
            raise TypeError(f"{self.endpoints[index].path} answered a StoreBatch with "
                            f"{answers!r}: does it support batches? (coalesce=False)")
        if answers is None:
            for _, slot, _ in batch:
                slot.set(failure, index)
        else:
            for (_, slot, _), answer in zip(batch, answers, strict=True):
                slot.set(answer, index)

    async def _call(self, message: Any, idempotent: bool, request_id: str,
                    needs_leader: bool, deadline: float | None = None,
                    start: int | None = None) -> Any:
        """Send `message` to the leader, following refusals, until the deadline. On success
        `self._answered` is the endpoint that answered (and `self._leader` too if only a
        leader could have answered)."""
        network = self._network
        src = self._src
        endpoints = self.endpoints
        hosts = self._hosts
        if deadline is None:
            deadline = trio.current_time() + self.timeout
        n = len(endpoints)
        index = self._leader if start is None else start
        refused_in_a_row = 0
        while True:
            remaining = deadline - trio.current_time()
            if remaining <= 0:
                raise Unavailable(self.timeout)
            if refused_in_a_row >= n:
                refused_in_a_row = 0
                await trio.sleep(min(RETRY_BACKOFF, remaining))
                continue
            if not network.reachable(src, hosts[index]):
                refused_in_a_row += 1
                index = (index + 1) % n
                continue
            wait = remaining if not idempotent or remaining < self.attempt_timeout else (
                self.attempt_timeout)
            try:
                reply = await network.ask(src, endpoints[index], message, wait)
            except AskTimeout:
                if not idempotent:
                    raise OutcomeUnknown(request_id) from None
                index = (index + 1) % n
                continue
            except ActorStopped:
                # Nobody handled it (the member was stopped before it got the message).
                refused_in_a_row += 1
                index = (index + 1) % n
                continue
            if reply.__class__ is NotLeader:
                refused_in_a_row += 1
                hint = self._by_name.get(reply.leader) if reply.leader is not None else None
                index = hint if hint is not None and hint != index else (index + 1) % n
                continue
            self._answered = index
            if needs_leader:
                self._leader = index
            return reply

    def _reachable(self, index: int) -> bool:
        """Is the link to this endpoint up? (A real client's connection would be refused.)"""
        return self._network.reachable(self._src, self._hosts[index])


def _host(ref: ActorRef) -> str | None:
    # The ref's host is not public API of the actor runtime yet; it is fixed per cell.
    cell = getattr(ref, "_cell", None)
    return getattr(cell, "host", None)
