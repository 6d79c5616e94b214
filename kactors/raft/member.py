"""`RaftMember`: one etcd-like member as an actor, driving a `RaftCore` and a store replica.

The core is sans-I/O; this actor does its I/O. Per member:

* **Storage** is a `MemoryStorage` created *outside* the actor (by the cluster helper), so
  a crash and restart of the actor (``network.crash(host)`` / ``network.restart(host)``)
  builds a new core on the same "disk": the state machine is restored from the latest
  snapshot and the committed entries after it are applied again.
* **Time** is `ctx.every(tick, Tick)`; the randomized election timeout draws from
  `ctx.random`, the system's seeded generator.
* **Transport**: Raft messages go to peers through `ctx.remote(peer)` (see `transport`), so
  partitions, drops, delays, duplicates and reordering of `system.network` reach Raft.

Batching (the reason this can commit tens of thousands of writes per second): the Ready is
handled once per drained batch of mailbox messages, not once per message. The first
message that makes the core dirty tells the member a `_Flush`, which lands behind
everything already queued; when it is handled, all client writes collected meanwhile are
proposed with ONE `propose_batch` (one log append, one MsgApp per follower), all pending
linearizable reads share ONE `read_index`, and one Ready is persisted, sent and applied.
When nothing else is queued the `_Flush` would be handled next anyway, so the member
flushes at once instead (no mailbox round trip for a lone message).

Client requests (`kactors.store.protocol`):

* Writes go to the leader. A non-leader answers `NotLeader(member, leader_hint)` at once
  (no forwarding: the client follows the hint; one hop fewer and the client learns where
  the leader is). On the leader the reply is deferred (`ctx.defer_reply`) and settled when
  the entry at the proposal's (index, term) is applied: with the command's result if the
  applied entry has that term. If the entry applied at that index has *another* term, the
  proposal was overwritten by a newer leader and is known NOT to have been applied (an
  index holds one entry in every member's committed log, and the member never proposes a
  command twice), so the answer is the retriable `NotLeader`. If a snapshot jumps over the
  index (this member was cut off while the log was compacted), the restored request-id
  dedup table answers when it remembers the write; otherwise the outcome is unknown and
  the answer is `OutcomeUnknown`. A member that crashes forgets its waiting clients: they
  time out, also `OutcomeUnknown` on the client side.
* Linearizable reads (`serializable=False`) are served by the leader with ReadIndex: the
  reads collected in one flush share one `read_index` request and are answered from the
  local state machine once it applied the confirmed index. A non-leader answers
  `NotLeader`. A leader that steps down answers the reads still waiting for confirmation
  with `NotLeader` (reads are always safe to retry).
* Serializable reads are answered at once from this member's applied state (maybe stale).
* A `StoreBatch` (requests one client coalesced) is handled request by request, exactly as
  if each had come alone, and answered once all of them are.
* Watches (`WatchCreate`) are served by any member from its applied state, as etcd does:
  catch-up and live `WatchNotice`s go to `deliver_to` through the network. The stream
  assumes the link to the watcher is reliable and FIFO (etcd's gRPC stream over TCP); a
  member that crashes ends its watches silently (the watcher should use progress
  notifications to notice and re-watch from its last revision + 1).

Leases: only the leader expires leases, with its cluster clock: every
`lease_check_interval` it proposes `LeaseExpire(now)` if `store.leases.expired(now)` is not
empty (one at a time). Deadlines are replicated state (the grant/keep-alive commands carry
the leader's clock, stamped here at proposal time), so a new leader knows them. Where etcd
refreshes every lease on promotion, a new leader here waits one election timeout before
its first expiry check instead: keep-alives that could not commit during the election get
that long to land, and the state machine needs no extra "refresh all" command. A lease may
thus expire up to one election timeout late after a failover, never early.

Snapshots: every `snapshot_threshold` applied entries the member stores a snapshot of the
state machine and compacts its log, keeping `snapshot_catch_up_entries` entries so a
follower that is slightly behind catches up from the log (etcd keeps 5,000). A follower
that fell further behind receives MsgSnap and restores its state machine from it.

Log events (info), the story of the group: ``raft.started`` / ``raft.restarted``,
``raft.elected``, ``raft.leader_changed``, ``raft.stepped_down``, ``raft.transfer_started``,
``raft.membership_proposed`` / ``raft.membership_changed`` / ``raft.removed``,
``raft.snapshot_sent`` / ``raft.snapshot_installed``, ``raft.proposal_overwritten``,
``lease.expired``; ``raft.snapshot_taken`` and membership replayed at start at debug.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs

from kactors.actors import Actor, ActorRef, ReplyHandle, Terminated
from kactors.actors.errors import ActorError
from kactors.store.commands import (
    WRITE_COMMANDS,
    LeaseExpire,
    LeaseGrant,
    LeaseKeepAlive,
    LeaseTimeToLive,
    Range,
)
from kactors.store.errors import InvalidRequest, OutcomeUnknown, StoreError
from kactors.store.lease import MAX_LEASE_TTL
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
from kactors.store.results import LeaseExpireResult
from kactors.store.state_machine import StoreStateMachine
from kactors.store.watch import WatchResponse

from .confchange import ConfChange, ConfChangeType, ConfState
from .config import Config, ReadOnlyOption
from .core import RaftCore
from .entry import Entry, EntryType
from .errors import LeaderTransferError, ProposalDroppedError, RaftError
from .messages import Message, MessageType
from .snapshot import Snapshot
from .state import Role, SoftState
from .storage import MemoryStorage
from .transport import RaftMessages, Resolver, Transport

_NORMAL = EntryType.NORMAL
_LEADER = Role.LEADER
_SNAP = MessageType.SNAP
_WRITES = frozenset(WRITE_COMMANDS)
_STAMPED = frozenset((LeaseGrant, LeaseKeepAlive))  # commands that carry the leader's clock


# -- configuration ------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class MemberOptions:
    """Timings and knobs of a member. Every member of a group must use the same store
    settings (`min_lease_ttl`, `max_lease_ttl`, `dedup_window`) or their replicas diverge.

    `tick` is in cluster seconds; `election_tick`/`heartbeat_tick` count ticks, as etcd's
    ``--election-timeout=1000ms --heartbeat-interval=100ms`` are 10 and 1 ticks of 100 ms.
    """

    tick: float = 0.1
    election_tick: int = 10
    heartbeat_tick: int = 1
    pre_vote: bool = True
    check_quorum: bool = True
    read_only_option: ReadOnlyOption = attrs.field(
        default=ReadOnlyOption.SAFE, converter=ReadOnlyOption
    )
    max_entries_per_msg: int = 4096
    max_inflight: int = 256
    snapshot_threshold: int = 100_000
    """Applied entries between two automatic snapshots (etcd's --snapshot-count default)."""
    snapshot_catch_up_entries: int = 5_000
    """Entries kept in the log after a snapshot, for slow followers (etcd keeps 5,000)."""
    lease_check_interval: float = 0.5
    progress_notify_interval: float = 600.0
    """Bookmarks to watchers created with progress_notify (etcd's default: 10 minutes)."""
    min_lease_ttl: int = 1
    max_lease_ttl: int = MAX_LEASE_TTL
    dedup_window: int = 10_000

    def __attrs_post_init__(self) -> None:
        for name in ("tick", "lease_check_interval", "progress_notify_interval"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be > 0, got {getattr(self, name)!r}")
        if self.snapshot_threshold < 1 or self.snapshot_catch_up_entries < 0:
            raise ValueError("snapshot_threshold must be >= 1 and snapshot_catch_up_entries >= 0")

    @property
    def election_timeout(self) -> float:
        """The base election timeout in cluster seconds."""
        return self.election_tick * self.tick


# -- admin messages (asked to the leader) -------------------------------------------------------


@attrs.frozen
class AddMember:
    """Propose adding `member` as a voter (or a learner); replies `MembershipChanged` once
    applied. Starting the new member's actor (with empty storage and no peers, so it joins
    instead of bootstrapping) is the caller's job, e.g. `EtcdCluster.add_member`."""

    member: str
    learner: bool = False


@attrs.frozen
class RemoveMember:
    member: str


@attrs.frozen
class PromoteMember:
    """Make a learner a voter."""

    member: str


@attrs.frozen
class MembershipChanged:
    """Reply to a membership change: it is applied on the leader at `index`."""

    change: ConfChange
    index: int
    voters: tuple[str, ...]
    learners: tuple[str, ...]


@attrs.frozen
class TransferLeadership:
    """Hand leadership to voter `to`; replies `to` once it leads, or fails with
    `LeaderTransferError` if it did not take over within an election timeout."""

    to: str


# -- internal messages --------------------------------------------------------------------------


class _Tick:
    __slots__ = ()


class _Flush:
    __slots__ = ()


class _CheckLeases:
    __slots__ = ()


class _ProgressNotify:
    __slots__ = ()


class _BatchReply:
    """Collects the answers to the requests of one `StoreBatch`; replies once all are in."""

    __slots__ = ("reply", "results", "missing")

    def __init__(self, reply: ReplyHandle, size: int) -> None:
        self.reply = reply
        self.results: list[Any] = [None] * size
        self.missing = size

    def put(self, index: int, value: Any) -> None:
        self.results[index] = value
        self.missing -= 1
        if self.missing == 0:
            self.reply.set(tuple(self.results))


class _BatchSlot:
    """The reply handle of one request inside a batch."""

    __slots__ = ("batch", "index", "done")

    def __init__(self, batch: _BatchReply, index: int) -> None:
        self.batch = batch
        self.index = index
        self.done = False

    def set(self, value: Any) -> None:
        if not self.done:
            self.done = True
            self.batch.put(self.index, value)

    def fail(self, error: BaseException) -> None:
        self.set(error)


_DEFERRED = object()  # `_request` took over the reply

_TICK = _Tick()
_FLUSH = _Flush()
_CHECK_LEASES = _CheckLeases()
_PROGRESS_NOTIFY = _ProgressNotify()


# A proposal waiting for its entry to be applied: (term, reply or None, request_id,
# conf change or None). Plain tuples: one is made per client write.
_Waiter = tuple[int, "ReplyHandle | None", str, "ConfChange | None"]


class RaftMember(Actor):
    """One member of an etcd-like group; see the module docstring."""

    def __init__(self, member_id: str, peers: Sequence[str], storage: MemoryStorage,
                 resolve: Resolver, options: MemberOptions | None = None,
                 **overrides: Any) -> None:
        self.id = member_id
        self.peers = tuple(peers)
        self.storage = storage
        if isinstance(resolve, str) and "{id}" not in resolve:
            raise ValueError(f"peer path template must contain '{{id}}', got {resolve!r}")
        self.resolve = resolve
        self.options = attrs.evolve(options or MemberOptions(), **overrides)
        opts = self.options
        self.machine = StoreStateMachine(min_lease_ttl=opts.min_lease_ttl,
                                         max_lease_ttl=opts.max_lease_ttl,
                                         dedup_window=opts.dedup_window)
        self.core: RaftCore
        self.transport: Transport
        self._flush_queued = False
        self._proposals: list[Any] = []
        self._proposal_replies: list[ReplyHandle | None] = []
        self._waiting: dict[int, _Waiter | list[_Waiter]] = {}
        self._reads: list[tuple[Any, ReplyHandle]] = []
        self._read_batches: dict[int, list[tuple[Any, ReplyHandle]]] = {}
        self._confirmed_reads: list[tuple[int, list[tuple[Any, ReplyHandle]]]] = []
        self._read_seq = 0
        self._role = Role.FOLLOWER
        self._leader: str | None = None
        self._known_leader: tuple[str, int] | None = None  # last (leader, term) logged
        self._leader_since = 0.0
        self._expire_pending: tuple[int, int] | None = None
        self._transfer: tuple[str, ReplyHandle] | None = None
        self._conf_replies: list[tuple[_Waiter, int]] = []
        self._applied_conf: list[tuple[int, ConfChange]] = []
        self._snap_index = 0
        self._replay_until = 0
        # watches: hub watch id -> (tag, remote ref of the watcher, its path, its host)
        self._watchers: dict[int, tuple[Any, Any, str, str | None]] = {}
        self._watch_seq: dict[int, int] = {}  # watch id -> last WatchNotice.seq sent
        self._watch_batch: dict[int, None] = {}  # the watches created with `batch`
        self._watch_by_tag: dict[Any, int] = {}
        self._watched_paths: dict[str, int] = {}

    # -- lifecycle ------------------------------------------------------------------------------

    async def started(self) -> None:
        ctx = self.ctx
        opts = self.options
        storage = self.storage
        restarted = not storage.is_pristine()
        config = Config(id=self.id, rng=ctx.random, peers=self.peers,
                        election_tick=opts.election_tick, heartbeat_tick=opts.heartbeat_tick,
                        pre_vote=opts.pre_vote, check_quorum=opts.check_quorum,
                        read_only_option=opts.read_only_option,
                        max_entries_per_msg=opts.max_entries_per_msg,
                        max_inflight=opts.max_inflight)
        snap = storage.snapshot()
        if snap.data is not None:
            self.machine.restore(snap.data)
        self.core = RaftCore(config, storage)
        self.transport = Transport(ctx, self.resolve)
        self._snap_index = snap.index
        # After a restart the core already knows the membership changes committed after
        # the snapshot; a snapshot taken before they are applied again would record the
        # wrong membership, so none is taken until then.
        self._replay_until = self.core.commit_index
        if restarted:
            ctx.log.info("raft.restarted", member=self.id, term=self.core.term,
                         snapshot_index=snap.index, commit=self.core.commit_index,
                         last_index=self.core.last_index)
        else:
            ctx.log.info("raft.started", member=self.id, peers=list(self.peers))
        ctx.every(opts.tick, _TICK)
        ctx.every(opts.lease_check_interval, _CHECK_LEASES)
        ctx.every(opts.progress_notify_interval, _PROGRESS_NOTIFY)
        self._process_ready()

    # -- mailbox --------------------------------------------------------------------------------

    def receive(self, message: Any) -> Any:
        cls = message.__class__
        if cls is RaftMessages:
            step = self.core.step
            for m in message.messages:
                step(m)
            if not self._flush_queued:
                self._flush_now_or_later()
            return None
        if cls is StoreRequest:
            result = self._request(message, None)
            if result is _DEFERRED:
                if not self._flush_queued:
                    self._flush_now_or_later()
                return None
            return result
        if cls is StoreBatch:
            return self._batch(message.requests)
        if cls is _Flush:
            self._flush_queued = False
            self._flush()
            return None
        if cls is _Tick:
            self.core.tick()
            if not self._flush_queued:
                self._flush_now_or_later()
            return None
        if cls is WatchCreate:
            return self._watch(message)
        if cls is WatchCancel:
            return self._cancel_watch(message.tag)
        if cls is Status:
            return self.status()
        if cls is _CheckLeases:
            self._check_leases()
            return None
        if cls is _ProgressNotify:
            self._route(self.machine.hub.progress())
            return None
        if cls is Terminated:
            self._watcher_gone(message.path)
            return None
        if cls in (AddMember, RemoveMember, PromoteMember):
            self._change_membership(message)
            return None
        if cls is TransferLeadership:
            self._transfer_leadership(message.to)
            return None
        return super().receive(message)

    def _flush_now_or_later(self) -> None:
        """The message just handled gave the core work. When nothing else waits in the
        mailbox, the `_Flush` told now would be the very next message handled, in this
        same wake-up: flush at once instead of through the mailbox (the common case of a
        lone write: six such round trips per write on a 3-member group). Otherwise queue
        the `_Flush` behind the waiting messages, so that they share the flush."""
        if self.ctx.has_queued():
            self._schedule_flush()
        else:
            self._flush()

    def _schedule_flush(self) -> None:
        self._flush_queued = True
        try:
            self.ctx.self.tell(_FLUSH)
        except ActorError:  # mailbox full: do the work now rather than lose it
            self._flush_queued = False
            self._flush()

    def status(self) -> MemberStatus:
        core = self.core
        return MemberStatus(self.id, core.leader, core.term, core.commit_index,
                            core.applied_index, self.machine.store.revision, core.role.value)

    # -- client requests ------------------------------------------------------------------------

    def _batch(self, requests: tuple[StoreRequest, ...]) -> tuple[Any, ...] | None:
        if not requests:
            return ()
        batch = _BatchReply(self.ctx.defer_reply(), len(requests))
        request = self._request
        deferred = False
        for i, one in enumerate(requests):
            slot = _BatchSlot(batch, i)
            if one.__class__ is not StoreRequest:
                slot.set(InvalidRequest(f"not a StoreRequest: {type(one).__name__}"))
                continue
            result = request(one, slot)
            if result is _DEFERRED:
                deferred = True
            else:
                slot.set(result)
        if deferred and not self._flush_queued:
            self._flush_now_or_later()
        return None

    def _request(self, request: StoreRequest, handle: ReplyHandle | None) -> Any:
        """The answer now, or `_DEFERRED` after taking `handle` (default: this ask's)."""
        command = request.command
        cls = command.__class__
        core = self.core
        if cls in _WRITES:
            if core.role is not _LEADER or core.lead_transferee is not None:
                return NotLeader(self.id, core.lead_transferee or core.leader)
            if cls in _STAMPED:
                command = attrs.evolve(command, now=self.ctx.now())
            self._proposals.append(command)
            self._proposal_replies.append(handle if handle is not None else self.ctx.defer_reply())
            return _DEFERRED  # the caller flushes (once for a whole batch)
        if cls is Range or cls is LeaseTimeToLive:
            if request.serializable:
                return self._read(command)
            if core.role is not _LEADER:
                return NotLeader(self.id, core.leader)
            self._reads.append((command, handle if handle is not None else self.ctx.defer_reply()))
            return _DEFERRED
        return InvalidRequest(f"unknown command: {type(command).__name__}")

    def _read(self, command: Any) -> Any:
        """Serve a read from the local applied state; errors are values, as from apply."""
        store = self.machine.store
        try:
            if command.__class__ is Range:
                c = command
                return store.range(c.key, c.range_end, c.limit, c.revision, c.keys_only,
                                   c.count_only, c.sort_order, c.sort_target)
            return store.lease_time_to_live(command.lease_id, self.ctx.now(), command.keys)
        except StoreError as error:
            return error
        except (TypeError, AttributeError, ValueError) as error:
            return InvalidRequest(f"malformed {type(command).__name__}: {error}")

    # -- the flush: propose, read_index, Ready ---------------------------------------------------

    def _flush(self) -> None:
        core = self.core
        if self._proposals:
            commands, replies = self._proposals, self._proposal_replies
            self._proposals, self._proposal_replies = [], []
            self._propose(commands, replies)
        if self._reads:
            batch, self._reads = self._reads, []
            self._read_seq += 1
            ctx = self._read_seq
            try:
                core.read_index(ctx)
            except ProposalDroppedError as error:
                refusal = NotLeader(self.id, error.leader)
                for _, reply in batch:
                    reply.set(refusal)
            else:
                self._read_batches[ctx] = batch
        self._process_ready()

    def _propose(self, commands: list[Any], replies: list[ReplyHandle | None]) -> None:
        try:
            proposed = self.core.propose_batch(commands)
        except ProposalDroppedError as error:
            refusal = NotLeader(self.id, error.leader)
            for reply in replies:
                if reply is not None:
                    reply.set(refusal)
            return
        term = proposed.term
        index = proposed.first_index
        waiting = self._waiting
        for command, reply in zip(commands, replies, strict=True):
            if index in waiting:  # an older proposal at this index is still undecided
                self._add_waiter(index, (term, reply, command.request_id, None))
            else:
                waiting[index] = (term, reply, command.request_id, None)
            index += 1

    def _add_waiter(self, index: int, waiter: _Waiter) -> None:
        previous = self._waiting.get(index)
        if previous is None:
            self._waiting[index] = waiter
        elif isinstance(previous, list):
            previous.append(waiter)
        else:
            self._waiting[index] = [previous, waiter]

    def _process_ready(self) -> None:
        core = self.core
        storage = self.storage
        while core.has_ready():
            rd = core.ready()
            soft_state, hard_state, entries, snapshot, committed, messages, read_states = rd
            if snapshot is not None or entries or hard_state is not None:
                storage.save(hard_state, entries, snapshot)
            if messages:
                self._send(messages)
            if snapshot is not None:
                self._install_snapshot(snapshot)
            if committed:
                self._apply(committed)
            if read_states:
                for rs in read_states:
                    batch = self._read_batches.pop(rs.ctx, None)
                    if batch is not None:
                        self._confirmed_reads.append((rs.index, batch))
            core.advance(rd)
            if self._applied_conf:
                self._after_conf_changes()
            if soft_state is not None:
                self._on_soft_state(soft_state)
        if self._confirmed_reads:
            self._serve_confirmed_reads()
        if self._transfer is not None and core.role is _LEADER and core.lead_transferee is None:
            to, reply = self._transfer  # the core gave up after an election timeout
            self._transfer = None
            reply.fail(LeaderTransferError(
                f"leadership transfer to {to} did not complete within an election timeout"))
        responses = self.machine.take_watch_responses()
        if responses:
            self._route(responses)
        if core.applied_index - self._snap_index >= self.options.snapshot_threshold:
            self._snapshot()

    def _send(self, messages: tuple[Message, ...]) -> None:
        self.transport.send(messages)
        for m in messages:
            if m.type is _SNAP:
                assert m.snapshot is not None
                self.ctx.log.info("raft.snapshot_sent", to=m.to, index=m.snapshot.index,
                                  term=m.snapshot.term)

    # -- applying -------------------------------------------------------------------------------

    def _apply(self, committed: tuple[Entry, ...]) -> None:
        apply = self.machine.apply
        waiting = self._waiting
        for e in committed:
            index = e.index
            if e.type is _NORMAL:
                data = e.data
                if data is None:
                    result = None  # a new leader's no-op
                else:
                    try:
                        result = apply(index, data)
                    except Exception as error:  # never let a command kill every member
                        result = self._apply_failed(index, data, error)
                    if data.__class__ is LeaseExpire:
                        self._lease_expire_applied(index, result)
            else:
                result = None
                self._conf_change_applied(index, e.data)
            if waiting:
                waiter = waiting.pop(index, None)
                if waiter is not None:
                    # the common case inline: one client write of this very term
                    if (waiter.__class__ is tuple and waiter[0] == e.term
                            and waiter[3] is None and waiter[1] is not None):
                        waiter[1].set(result)
                    else:
                        self._settle(waiter, e.term, index, result)

    def _apply_failed(self, index: int, data: Any, error: Exception) -> StoreError:
        # Deterministic on every member (same command, same state), so they stay equal.
        self.ctx.log.error("store.apply_failed", index=index, command=type(data).__name__,
                           error=repr(error))
        return InvalidRequest(f"command failed: {error!r}")

    def _settle(self, waiter: _Waiter | list[_Waiter], term: int, index: int,
                result: Any) -> None:
        for w in waiter if isinstance(waiter, list) else (waiter,):
            w_term, reply, _, conf = w
            if w_term == term:
                if conf is not None:
                    self._conf_replies.append((w, index))  # answered after advance()
                elif reply is not None:
                    reply.set(result)
            elif reply is not None:
                # Another leader's entry took this index: ours is not applied, never will be.
                reply.set(NotLeader(self.id, self.core.leader))
                self.ctx.log.info("raft.proposal_overwritten", index=index, term=w_term,
                                  applied_term=term)

    def _install_snapshot(self, snap: Snapshot) -> None:
        data = snap.data
        if data is not None:
            self.machine.restore(data)
        self._snap_index = snap.index
        self.ctx.log.info("raft.snapshot_installed", index=snap.index, term=snap.term,
                          revision=self.machine.store.revision)
        if not self._waiting:
            return
        remembered = data.remembered() if data is not None else {}
        for index in [i for i in self._waiting if i <= snap.index]:
            waiter = self._waiting.pop(index)
            for _, reply, request_id, _ in waiter if isinstance(waiter, list) else (waiter,):
                if reply is None:
                    continue
                if request_id and request_id in remembered:
                    reply.set(remembered[request_id])
                else:
                    reply.set(OutcomeUnknown(request_id))

    def _serve_confirmed_reads(self) -> None:
        applied = self.core.applied_index
        confirmed = self._confirmed_reads
        while confirmed and confirmed[0][0] <= applied:
            _, batch = confirmed.pop(0)
            for command, reply in batch:
                reply.set(self._read(command))

    # -- snapshots ------------------------------------------------------------------------------

    def _snapshot(self) -> None:
        core = self.core
        applied = core.applied_index
        if applied < self._replay_until:
            return
        storage = self.storage
        try:
            storage.create_snapshot(applied, core.conf_state, self.machine.snapshot())
            keep_from = applied - self.options.snapshot_catch_up_entries
            if keep_from >= storage.first_index():
                storage.compact(keep_from)
        except RaftError as error:
            self.ctx.log.warning("raft.snapshot_failed", index=applied, error=str(error))
            return
        self._snap_index = applied
        self.ctx.log.debug("raft.snapshot_taken", index=applied,
                           first_index=storage.first_index())

    # -- leadership -----------------------------------------------------------------------------

    def _on_soft_state(self, soft: SoftState) -> None:
        core = self.core
        log = self.ctx.log
        was_leader = self._role is _LEADER
        if soft.role is _LEADER and not was_leader:
            self._leader_since = self.ctx.now()
            log.info("raft.elected", term=core.term, leader=self.id)
        elif was_leader and soft.role is not _LEADER:
            log.info("raft.stepped_down", term=core.term, leader=soft.leader)
            self._expire_pending = None
            if self._read_batches:
                refusal = NotLeader(self.id, soft.leader)
                for batch in self._read_batches.values():
                    for _, reply in batch:
                        reply.set(refusal)
                self._read_batches.clear()
        if soft.leader is not None and soft.leader != self.id and (
                soft.leader, core.term) != self._known_leader:
            log.info("raft.leader_changed", term=core.term, leader=soft.leader)
        if soft.leader is not None:
            self._known_leader = (soft.leader, core.term)
        self._role = soft.role
        self._leader = soft.leader
        transfer = self._transfer
        if transfer is not None:
            to, reply = transfer
            if soft.leader == to:
                self._transfer = None
                reply.set(to)
            elif soft.role is not _LEADER and soft.leader is not None:
                self._transfer = None
                reply.fail(LeaderTransferError(
                    f"leadership went to {soft.leader}, not {to}"))

    def _transfer_leadership(self, to: str) -> None:
        reply = self.ctx.defer_reply()
        core = self.core
        try:
            core.transfer_leadership(to)
        except RaftError as error:
            reply.fail(error)
            return
        if to == self.id:
            reply.set(to)
            return
        if self._transfer is not None:
            self._transfer[1].fail(LeaderTransferError(f"superseded by a transfer to {to}"))
        self._transfer = (to, reply)
        self.ctx.log.info("raft.transfer_started", term=core.term, to=to)
        self._schedule_flush_if_needed()

    def _schedule_flush_if_needed(self) -> None:
        if not self._flush_queued:
            self._schedule_flush()

    # -- membership -----------------------------------------------------------------------------

    def _change_membership(self, message: AddMember | RemoveMember | PromoteMember) -> None:
        reply = self.ctx.defer_reply()
        if isinstance(message, AddMember):
            kind = ConfChangeType.ADD_LEARNER if message.learner else ConfChangeType.ADD_VOTER
        elif isinstance(message, RemoveMember):
            kind = ConfChangeType.REMOVE_NODE
        else:
            kind = ConfChangeType.PROMOTE_LEARNER
        change = ConfChange(kind, message.member)
        try:
            proposed = self.core.propose_conf_change(change)
        except RaftError as error:
            reply.fail(error)
            return
        self._add_waiter(proposed.first_index, (proposed.term, reply, "", change))
        self.ctx.log.info("raft.membership_proposed", change=kind.value, member=message.member,
                          index=proposed.first_index)
        self._schedule_flush_if_needed()

    def _conf_change_applied(self, index: int, change: ConfChange) -> None:
        self._applied_conf.append((index, change))

    def _after_conf_changes(self) -> None:
        """Runs after advance(), when the core has switched to the new membership."""
        conf: ConfState = self.core.conf_state
        log = self.ctx.log
        for index, change in self._applied_conf:
            # replayed at start (bootstrap or restart): not news, debug only
            emit = log.info if index > self._replay_until else log.debug
            emit("raft.membership_changed", index=index, change=change.type.value,
                 member=change.node_id, voters=list(conf.voters), learners=list(conf.learners))
            if change.type is ConfChangeType.REMOVE_NODE and change.node_id == self.id:
                self.ctx.log.info("raft.removed", member=self.id)
        self._applied_conf.clear()
        for (_, reply, _, change), index in self._conf_replies:
            assert change is not None and reply is not None
            reply.set(MembershipChanged(change, index, conf.voters, conf.learners))
        self._conf_replies.clear()

    # -- leases ---------------------------------------------------------------------------------

    def _check_leases(self) -> None:
        core = self.core
        if core.role is not _LEADER or self._expire_pending is not None:
            return
        now = self.ctx.now()
        if now - self._leader_since < self.options.election_timeout:
            return  # grace after an election, see the module docstring
        if not self.machine.store.leases.expired(now):
            return
        try:
            proposed = core.propose(LeaseExpire(now))
        except ProposalDroppedError:
            return
        self._expire_pending = (proposed.first_index, proposed.term)
        self._schedule_flush_if_needed()

    def _lease_expire_applied(self, index: int, result: Any) -> None:
        pending = self._expire_pending
        if pending is None or index < pending[0]:
            return
        self._expire_pending = None
        if index == pending[0] and isinstance(result, LeaseExpireResult) and result.lease_ids:
            self.ctx.log.info("lease.expired", leases=list(result.lease_ids),
                              deleted_keys=result.deleted, revision=result.revision)

    # -- watches --------------------------------------------------------------------------------

    def _watch(self, message: WatchCreate) -> Any:
        deliver_to = message.deliver_to
        path = deliver_to.path
        existing = self._watch_by_tag.get(message.tag)
        if existing is not None:
            if self._watchers[existing][2] != path:
                return InvalidRequest(f"watch tag {message.tag!r} is already in use")
            self._cancel_watch(message.tag)  # the same watcher again: replace it
        try:
            created = self.machine.hub.watch(message.key, message.range_end,
                                             message.start_revision, prev_kv=message.prev_kv,
                                             progress_notify=message.progress_notify)
        except StoreError as error:
            return error
        remote = self.ctx.remote(deliver_to)
        cell = getattr(deliver_to, "_cell", None)  # its host: not public runtime API yet
        self._watchers[created.watch_id] = (message.tag, remote, path,
                                            getattr(cell, "host", None))
        self._watch_by_tag[message.tag] = created.watch_id
        if message.batch:
            self._watch_batch[created.watch_id] = None
        count = self._watched_paths.get(path, 0)
        if count == 0 and isinstance(deliver_to, ActorRef):
            self.ctx.watch(deliver_to)
        self._watched_paths[path] = count + 1
        for response in created.responses:
            remote.tell(WatchNotice(message.tag, self.id, response,
                                    self._next_seq(created.watch_id)))
        return WatchStarted(message.tag, self.id, self.machine.store.revision)

    def _cancel_watch(self, tag: Any) -> bool:
        watch_id = self._watch_by_tag.pop(tag, None)
        if watch_id is None:
            return False
        self.machine.hub.cancel(watch_id)
        self._forget_watcher(watch_id)
        return True

    def _forget_watcher(self, watch_id: int) -> None:
        entry = self._watchers.pop(watch_id, None)
        self._watch_seq.pop(watch_id, None)
        self._watch_batch.pop(watch_id, None)
        if entry is None:
            return
        path = entry[2]
        count = self._watched_paths.get(path, 0) - 1
        if count <= 0:
            self._watched_paths.pop(path, None)
            target = getattr(entry[1], "target", None)
            if isinstance(target, ActorRef):
                self.ctx.unwatch(target)
        else:
            self._watched_paths[path] = count

    def _break_watch(self, watch_id: int, tag: Any) -> None:
        """The watcher cannot be reached (partition, crashed host): end its stream rather
        than skip notices, as a broken connection would. Nothing more is sent for it, so
        the watcher sees silence (progress notifications stop too) instead of a gap, and
        re-watches from its last revision + 1, from whichever member it can reach."""
        self.machine.hub.cancel(watch_id)
        if self._watch_by_tag.get(tag) == watch_id:
            del self._watch_by_tag[tag]
        entry = self._watchers.get(watch_id)
        self._forget_watcher(watch_id)
        self.ctx.log.info("watch.broken", tag=tag, watcher=entry[2] if entry else None)

    def _watcher_gone(self, path: str) -> None:
        self._watched_paths.pop(path, None)
        for watch_id, (tag, _, wpath, _) in list(self._watchers.items()):
            if wpath == path:
                if self._watch_by_tag.get(tag) == watch_id:
                    del self._watch_by_tag[tag]
                self.machine.hub.cancel(watch_id)
                self._watchers.pop(watch_id, None)
                self._watch_seq.pop(watch_id, None)
                self._watch_batch.pop(watch_id, None)

    def _next_seq(self, watch_id: int) -> int:
        seq = self._watch_seq.get(watch_id, 0) + 1
        self._watch_seq[watch_id] = seq
        return seq

    def _route(self, responses: list[WatchResponse]) -> None:
        """Each response to its watcher; a watcher created with `batch` gets the responses
        of this round in one notice."""
        watchers = self._watchers
        batching = self._watch_batch
        grouped: dict[int, list[WatchResponse]] | None = None
        for response in responses:
            watch_id = response.watch_id
            entry = watchers.get(watch_id)
            if entry is None:
                continue
            if watch_id in batching:
                if grouped is None:
                    grouped = {}
                group = grouped.get(watch_id)
                if group is None:
                    grouped[watch_id] = [response]
                else:
                    group.append(response)
                continue
            self._notify(watch_id, entry, response, ())
        if grouped:
            for watch_id, group in grouped.items():
                entry = watchers.get(watch_id)
                if entry is not None:
                    self._notify(watch_id, entry, group[0], tuple(group[1:]))

    def _notify(self, watch_id: int, entry: tuple[Any, Any, str, str | None],
                response: WatchResponse, more: tuple[WatchResponse, ...]) -> None:
        tag, remote, _, watcher_host = entry
        if not self.ctx.network.reachable(self.ctx.host, watcher_host):
            self._break_watch(watch_id, tag)
            return
        try:
            remote.tell(WatchNotice(tag, self.id, response, self._next_seq(watch_id), more))
        except ActorError:
            pass  # the watcher's mailbox is full (same host): the notice is lost
        if (more[-1] if more else response).canceled:
            if self._watch_by_tag.get(tag) == watch_id:
                del self._watch_by_tag[tag]
            self._forget_watcher(watch_id)
