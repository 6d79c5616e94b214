"""`RaftCore`: the sans-I/O Raft state machine of one member (etcd's raft + RawNode).

No I/O, no clock, no global randomness: time is `tick()`, input is `step(msg)` plus the local
requests below, output is `ready()`. The randomized election timeout comes from `Config.rng`.

The Ready contract (synchronous storage, as etcd's RawNode without async writes)::

    while core.has_ready():
        rd = core.ready()
        storage.save(rd.hard_state, rd.entries, rd.snapshot)  # 1. persist
        send(rd.messages)                                      # 2. then send
        if rd.snapshot: restore state machine from rd.snapshot.data
        for e in rd.committed_entries: apply e                 # 3. apply (skip e.data None)
        serve rd.read_states once applied
        core.advance(rd)                                       # 4. acknowledge

Steps may happen between `ready()` and `advance()`, but `ready()` must not be called again
before `advance()`. Committed entries are handed out exactly once, in order, and only entries
that are persisted by the time they are applied (already stable, or in the same Ready's
`entries`, which step 1 persists first).

Membership changes are applied by the core itself: a committed CONF_CHANGE entry takes effect
in `advance()` of the Ready that delivered it (etcd's ApplyConfChange, done for you). The
caller still sees the entry (to update its transport) and can read `conf_state` after advance.

Restart: build a new core on the same `MemoryStorage`. The state machine must be restored from
`storage.snapshot().data`; the entries committed after it are delivered again by `ready()`.
"""

from __future__ import annotations

import enum
from collections.abc import Hashable, Sequence
from typing import Any, NamedTuple

from .confchange import ConfChange, ConfChangeType, ConfState, apply_conf_change
from .config import Config, ReadOnlyOption
from .entry import Entry, EntryType
from .errors import (
    ConfChangeError,
    LeaderTransferError,
    LeaderTransferInProgressError,
    NotLeaderError,
    RaftError,
    UsageError,
)
from .log import RaftLog
from .messages import CAMPAIGN_TRANSFER, COMMIT_ONLY, VOTE_RESPONSE, Message, MessageType
from .progress import Progress, ProgressState
from .readonly import ReadOnly
from .ready import Ready
from .snapshot import Snapshot
from .state import HardState, ReadState, Role, SoftState
from .storage import MemoryStorage
from .tracker import ProgressTracker, VoteResult

_APP = MessageType.APP
_APP_RESP = MessageType.APP_RESP
_VOTE = MessageType.VOTE
_VOTE_RESP = MessageType.VOTE_RESP
_PRE_VOTE = MessageType.PRE_VOTE
_PRE_VOTE_RESP = MessageType.PRE_VOTE_RESP
_HEARTBEAT = MessageType.HEARTBEAT
_HEARTBEAT_RESP = MessageType.HEARTBEAT_RESP
_SNAP = MessageType.SNAP
_READ_INDEX = MessageType.READ_INDEX
_READ_INDEX_RESP = MessageType.READ_INDEX_RESP
_TIMEOUT_NOW = MessageType.TIMEOUT_NOW

_LEADER = Role.LEADER
_FOLLOWER = Role.FOLLOWER
_NORMAL = EntryType.NORMAL
_CONF_CHANGE = EntryType.CONF_CHANGE
_REPLICATE = ProgressState.REPLICATE
_PROBE = ProgressState.PROBE
_SNAPSHOT = ProgressState.SNAPSHOT


class _Campaign(enum.Enum):
    PRE_ELECTION = "pre_election"
    ELECTION = "election"
    TRANSFER = "transfer"


class Proposed(NamedTuple):
    """Where a proposal landed: entries `first_index..last_index` of `term`.

    The proposal succeeded iff the entry applied at each index has this term; a different term
    there means it was overwritten by another leader (retry).
    """

    term: int
    first_index: int
    last_index: int


def _bootstrap(storage: MemoryStorage, config: Config) -> None:
    """Write the initial membership as committed conf-change entries (etcd's Bootstrap).

    Sorted, so every member of the new group writes the identical log prefix.
    """
    changes = [ConfChange(ConfChangeType.ADD_VOTER, p) for p in sorted(config.peers)]
    changes += [ConfChange(ConfChangeType.ADD_LEARNER, p) for p in sorted(config.learners)]
    ents = [Entry(1, i + 1, _CONF_CHANGE, cc) for i, cc in enumerate(changes)]
    storage.append(ents)
    storage.set_hard_state(HardState(term=1, vote=None, commit=len(ents)))


class RaftCore:
    """One Raft member's protocol state; see the module docstring for the caller's contract."""

    def __init__(self, config: Config, storage: MemoryStorage) -> None:
        self.id = config.id
        self._rng = config.rng
        self._election_tick = config.election_tick
        self._heartbeat_tick = config.heartbeat_tick
        self._check_quorum = config.check_quorum
        self._pre_vote = config.pre_vote
        self._max_entries = config.max_entries_per_msg
        self._safe_reads = config.read_only_option is ReadOnlyOption.SAFE

        if (config.peers or config.learners) and storage.is_pristine():
            _bootstrap(storage, config)
        hard_state, conf_state = storage.initial_state()

        self._log = RaftLog(storage)
        self._tracker = ProgressTracker(config.max_inflight)
        self._read_only = ReadOnly()
        self.term = 0
        self.vote: str | None = None
        self.lead: str | None = None
        self.role = _FOLLOWER
        self.lead_transferee: str | None = None
        self._pending_conf_index = 0
        self._msgs: list[Message] = []
        self._read_states: list[ReadState] = []
        self._pending_reads: list[tuple[str, Hashable]] = []
        self._election_elapsed = 0
        self._heartbeat_elapsed = 0
        self._randomized_election_timeout = self._election_tick
        self._ticks = 0
        self._ready_outstanding = False
        self._step_role = self._step_follower

        # Membership: the snapshot's, then every committed change after it. Applying those at
        # once (rather than when the caller applies them) lets a restarted or just
        # bootstrapped member campaign immediately; `_conf_index` keeps advance() from
        # applying them twice.
        self._conf_index = self._log.committed
        self._tracker.set_config(conf_state, self._log.last_index() + 1)
        if hard_state != HardState():
            self._load_hard_state(hard_state)
        self._become_follower(self.term, None)
        for e in self._log.slice(self._log.applied + 1, self._log.committed + 1):
            if e.type is _CONF_CHANGE:
                self._apply_conf_change_entry(e)

        self._prev_hard_state = self._hard_state()
        self._prev_soft_state = self._soft_state()

    def _load_hard_state(self, hs: HardState) -> None:
        commit = max(hs.commit, self._log.committed)
        if commit > self._log.last_index():
            raise RaftError(
                f"{self.id} state.commit {commit} is out of range "
                f"[{self._log.committed}, {self._log.last_index()}]"
            )
        self._log.commit_to(commit)
        self.term = hs.term
        self.vote = hs.vote

    # -- introspection ------------------------------------------------------------------------

    @property
    def commit_index(self) -> int:
        return self._log.committed

    @property
    def applied_index(self) -> int:
        return self._log.applied

    @property
    def last_index(self) -> int:
        return self._log.last_index()

    @property
    def conf_state(self) -> ConfState:
        """The current membership: every change applied so far (after a restart, also the
        committed ones about to be delivered again). A snapshot taken at `applied_index`
        records this; `compact` checks it is right to."""
        return self._tracker.conf_state()

    @property
    def log(self) -> RaftLog:
        """Read-only view for tests and diagnostics."""
        return self._log

    @property
    def leader(self) -> str | None:
        """The leader we know of in our term (where to redirect clients), or None."""
        return self.lead

    @property
    def is_leader(self) -> bool:
        return self.role is _LEADER

    def progress(self, node: str) -> Progress | None:
        """The leader's tracking of `node` (diagnostics; do not mutate)."""
        return self._tracker.progress.get(node)

    def _hard_state(self) -> HardState:
        return HardState(self.term, self.vote, self._log.committed)

    def _soft_state(self) -> SoftState:
        return SoftState(self.lead, self.role)

    def _hard_state_changed(self) -> bool:
        """Whether term, vote or commit moved since the last Ready (plain comparisons:
        asked at least twice per Ready, no record is built for it)."""
        hs = self._prev_hard_state
        return self.term != hs.term or self.vote != hs.vote or self._log.committed != hs.commit

    def _soft_state_changed(self) -> bool:
        ss = self._prev_soft_state
        return self.lead != ss.leader or self.role is not ss.role

    def _promotable(self) -> bool:
        return self.id in self._tracker.voters and self._log.unstable.snapshot is None

    # -- role transitions ---------------------------------------------------------------------

    def _reset(self, term: int) -> None:
        if self.term != term:
            self.term = term
            self.vote = None
        self.lead = None
        self._election_elapsed = 0
        self._heartbeat_elapsed = 0
        self._randomized_election_timeout = self._election_tick + self._rng.randrange(
            self._election_tick
        )
        self.lead_transferee = None
        self._tracker.reset_votes()
        last = self._log.last_index()
        max_inflight = self._tracker.max_inflight
        for node, pr in list(self._tracker.progress.items()):
            fresh = Progress(last + 1, max_inflight, pr.is_learner)
            # Nobody has proven to be alive to a new term yet (check-quorum counts from here).
            fresh.recent_active = False
            if node == self.id:
                fresh.match = last
            self._tracker.progress[node] = fresh
        self._pending_conf_index = 0
        self._read_only = ReadOnly()
        self._pending_reads = []

    def _become_follower(self, term: int, lead: str | None) -> None:
        self._reset(term)
        self.lead = lead
        self.role = _FOLLOWER
        self._step_role = self._step_follower

    def _become_pre_candidate(self) -> None:
        # Neither the term nor the vote change: a pre-vote must not disturb anything.
        self._tracker.reset_votes()
        self.lead = None
        self.role = Role.PRE_CANDIDATE
        self._step_role = self._step_candidate

    def _become_candidate(self) -> None:
        self._reset(self.term + 1)
        self.vote = self.id
        self.role = Role.CANDIDATE
        self._step_role = self._step_candidate

    def _become_leader(self) -> None:
        self._reset(self.term)
        self.lead = self.id
        self.role = _LEADER
        self._step_role = self._step_leader
        me = self._tracker.progress[self.id]
        me.become_replicate()
        me.recent_active = True
        # Conservative: there may be an uncommitted conf change in our log; refuse a new one
        # until everything we have now is applied.
        self._pending_conf_index = self._log.last_index()
        # The no-op entry of our term: committing it commits all earlier entries (§5.4.2).
        self._append_entries([Entry(self.term, self._log.last_index() + 1)])

    # -- time ---------------------------------------------------------------------------------

    def tick(self) -> None:
        """Advance logical time by one tick."""
        self._ticks += 1
        if self.role is _LEADER:
            self._tick_heartbeat()
        else:
            self._tick_election()

    def _tick_election(self) -> None:
        self._election_elapsed += 1
        if self._promotable() and self._election_elapsed >= self._randomized_election_timeout:
            self._election_elapsed = 0
            self._hup(_Campaign.PRE_ELECTION if self._pre_vote else _Campaign.ELECTION)

    def _tick_heartbeat(self) -> None:
        self._heartbeat_elapsed += 1
        self._election_elapsed += 1
        if self._election_elapsed >= self._election_tick:
            self._election_elapsed = 0
            if self._check_quorum:
                if not self._tracker.quorum_active():
                    self._become_follower(self.term, None)
                    return
                for node, pr in self._tracker.progress.items():
                    if node != self.id:
                        pr.recent_active = False
            if self.lead_transferee is not None:
                # The transfer did not finish within an election timeout: lead again.
                self.lead_transferee = None
        if self._heartbeat_elapsed >= self._heartbeat_tick:
            self._heartbeat_elapsed = 0
            self._bcast_heartbeat(None)

    # -- elections ----------------------------------------------------------------------------

    def campaign(self) -> None:
        """Start an election now (a pre-vote first if enabled); no-op on a leader."""
        self._hup(_Campaign.PRE_ELECTION if self._pre_vote else _Campaign.ELECTION)

    def _hup(self, kind: _Campaign) -> None:
        if self.role is _LEADER or not self._promotable() or self._has_unapplied_conf_change():
            return
        self._campaign(kind)

    def _has_unapplied_conf_change(self) -> bool:
        # A member must not campaign with a membership it has not applied yet (etcd does the
        # same scan; campaigns are rare so the scan is not on the hot path).
        lo = max(self._log.applied, self._conf_index) + 1
        if lo > self._log.committed:
            return False
        ents = self._log.slice(lo, self._log.committed + 1)
        return any(e.type is _CONF_CHANGE for e in ents)

    def _campaign(self, kind: _Campaign) -> None:
        if kind is _Campaign.PRE_ELECTION:
            self._become_pre_candidate()
            vote_type = _PRE_VOTE
            term = self.term + 1  # pre-votes ask for the next term without taking it
        else:
            self._become_candidate()
            vote_type = _VOTE
            term = self.term
        if self._poll(self.id, True) is VoteResult.WON:
            # A single-voter group wins at once.
            if kind is _Campaign.PRE_ELECTION:
                self._campaign(_Campaign.ELECTION)
            else:
                self._become_leader()
                self._bcast_append()
            return
        last_index = self._log.last_index()
        last_term = self._log.last_term()
        ctx = CAMPAIGN_TRANSFER if kind is _Campaign.TRANSFER else None
        for node in self._tracker.voters:
            if node != self.id:
                self._msgs.append(
                    Message(
                        vote_type,
                        node,
                        self.id,
                        term,
                        log_term=last_term,
                        index=last_index,
                        context=ctx,
                    )
                )

    def _poll(self, node: str, granted: bool) -> VoteResult:
        self._tracker.record_vote(node, granted)
        return self._tracker.vote_result()

    # -- message handling ---------------------------------------------------------------------

    def step(self, m: Message) -> None:
        """Handle a message from a peer."""
        t = m.type
        if m.term == 0:
            pass  # not bound to a term (forwarded READ_INDEX)
        elif m.term > self.term:
            if t is _VOTE or t is _PRE_VOTE:
                force = m.context == CAMPAIGN_TRANSFER
                in_lease = (
                    self._check_quorum
                    and self.lead is not None
                    and self._election_elapsed < self._election_tick
                )
                if not force and in_lease:
                    # Leader lease: we heard from a live leader less than an election
                    # timeout ago, so ignore (and do not adopt the term of) a disruptor.
                    return
            if t is _PRE_VOTE:
                pass  # never change our term in response to a pre-vote
            elif t is _PRE_VOTE_RESP and not m.reject:
                pass  # the future term we asked for; we take it when we win
            elif t is _APP or t is _HEARTBEAT or t is _SNAP:
                self._become_follower(m.term, m.sender)
            else:
                self._become_follower(m.term, None)
        elif m.term < self.term:
            if (self._check_quorum or self._pre_vote) and (t is _HEARTBEAT or t is _APP):
                # A stale leader (e.g. behind a healed partition) learns our term from this
                # and steps down; without it, it could stay leader forever since our votes
                # are not sent to it.
                self._send(Message(_APP_RESP, m.sender, self.id, self.term))
            elif t is _PRE_VOTE:
                self._send(Message(_PRE_VOTE_RESP, m.sender, self.id, self.term, reject=True))
            return

        if t is _VOTE or t is _PRE_VOTE:
            self._handle_vote_request(m)
        else:
            self._step_role(m)

    def _send(self, m: Message) -> None:
        self._msgs.append(m)

    def _handle_vote_request(self, m: Message) -> None:
        can_vote = (
            self.vote == m.sender  # a repeat of our vote
            or (self.vote is None and self.lead is None)  # not voted, no leader this term
            or (m.type is _PRE_VOTE and m.term > self.term)  # a pre-vote for a future term
        )
        resp = VOTE_RESPONSE[m.type]
        if can_vote and self._log.is_up_to_date(m.index, m.log_term):
            # Learners vote too: one may be promoted without knowing it yet (as etcd).
            self._send(Message(resp, m.sender, self.id, m.term))
            if m.type is _VOTE:
                self._election_elapsed = 0
                self.vote = m.sender
        else:
            self._send(Message(resp, m.sender, self.id, self.term, reject=True))

    def _step_follower(self, m: Message) -> None:
        t = m.type
        if t is _APP:
            self._election_elapsed = 0
            self.lead = m.sender
            self._handle_append_entries(m)
        elif t is _HEARTBEAT:
            self._election_elapsed = 0
            self.lead = m.sender
            self._handle_heartbeat(m)
        elif t is _SNAP:
            self._election_elapsed = 0
            self.lead = m.sender
            self._handle_snapshot(m)
        elif t is _TIMEOUT_NOW:
            # No pre-vote: we know the leader wants us to take over.
            self._hup(_Campaign.TRANSFER)
        elif t is _READ_INDEX:
            if self.lead is not None:
                self._send(m._replace(to=self.lead))
        elif t is _READ_INDEX_RESP:
            self._read_states.append(ReadState(m.index, m.context))

    def _step_candidate(self, m: Message) -> None:
        t = m.type
        if t is _APP:
            self._become_follower(m.term, m.sender)  # m.term == self.term here
            self._handle_append_entries(m)
        elif t is _HEARTBEAT:
            self._become_follower(m.term, m.sender)
            self._handle_heartbeat(m)
        elif t is _SNAP:
            self._become_follower(m.term, m.sender)
            self._handle_snapshot(m)
        elif t is (_PRE_VOTE_RESP if self.role is Role.PRE_CANDIDATE else _VOTE_RESP):
            result = self._poll(m.sender, not m.reject)
            if result is VoteResult.WON:
                if self.role is Role.PRE_CANDIDATE:
                    self._campaign(_Campaign.ELECTION)
                else:
                    self._become_leader()
                    self._bcast_append()
            elif result is VoteResult.LOST:
                # A pre-vote response may carry a future term: keep ours.
                self._become_follower(self.term, None)

    def _step_leader(self, m: Message) -> None:
        t = m.type
        if t is _READ_INDEX:
            self._leader_read_index(m.sender, m.context)
            return
        pr = self._tracker.progress.get(m.sender)
        if pr is None:
            return
        if t is _APP_RESP:
            self._handle_append_response(m, pr)
        elif t is _HEARTBEAT_RESP:
            self._handle_heartbeat_response(m, pr)

    # -- follower side of replication ---------------------------------------------------------

    def _handle_append_entries(self, m: Message) -> None:
        log = self._log
        if m.index < log.committed:
            self._send(Message(_APP_RESP, m.sender, self.id, self.term, index=log.committed))
            return
        last_new = log.maybe_append(m.index, m.log_term, m.commit, m.entries)
        if last_new is not None:
            if m.context == COMMIT_ONLY and not m.entries:
                return  # nothing new for the leader to learn (see COMMIT_ONLY)
            self._send(Message(_APP_RESP, m.sender, self.id, self.term, index=last_new))
            return
        # Mismatch: hint the largest (index, term) that may match so the leader can skip a
        # whole divergent term at once instead of probing one index per round trip.
        hint_index, hint_term = log.find_conflict_by_term(
            min(m.index, log.last_index()), m.log_term
        )
        self._send(
            Message(
                _APP_RESP,
                m.sender,
                self.id,
                self.term,
                index=m.index,
                reject=True,
                reject_hint=hint_index,
                log_term=hint_term,
            )
        )

    def _handle_heartbeat(self, m: Message) -> None:
        self._log.commit_to(m.commit)
        self._send(Message(_HEARTBEAT_RESP, m.sender, self.id, self.term, context=m.context))

    def _handle_snapshot(self, m: Message) -> None:
        assert m.snapshot is not None
        if self._restore(m.snapshot):
            index = self._log.last_index()
        else:
            index = self._log.committed
        self._send(Message(_APP_RESP, m.sender, self.id, self.term, index=index))

    def _restore(self, snap: Snapshot) -> bool:
        meta = snap.metadata
        log = self._log
        if meta.index <= log.committed:
            return False
        if self.role is not _FOLLOWER:
            # Defense in depth (as etcd): never restore a snapshot outside follower state.
            self._become_follower(self.term + 1, None)
            return False
        # Unlike etcd we accept a snapshot whose membership does not include us yet: a member
        # that joined after the leader's latest snapshot learns of its own addition from the
        # entries that follow it (a member outside its own config simply never campaigns).
        if log.match_term(meta.index, meta.term):
            # We already have the snapshot's entries: just fast-forward the commit.
            log.commit_to(meta.index)
            return False
        log.restore(snap)
        self._conf_index = meta.index
        self._tracker = ProgressTracker(self._tracker.max_inflight)
        self._tracker.set_config(meta.conf_state, log.last_index() + 1)
        return True

    # -- leader side of replication -----------------------------------------------------------

    def _append_entries(self, ents: list[Entry]) -> None:
        """Append to our own log; the leader's own copy counts towards the quorum at once
        (synchronous storage: the caller persists it before sending anything)."""
        last = self._log.append(ents)
        self._tracker.progress[self.id].maybe_update(last)
        if self._maybe_commit():
            self._on_commit_advanced(broadcast=False)

    def _maybe_commit(self) -> bool:
        return self._log.maybe_commit(self._tracker.committed(), self.term)

    def _on_commit_advanced(self, broadcast: bool) -> None:
        if self._pending_reads and self._committed_entry_in_current_term():
            pending, self._pending_reads = self._pending_reads, []
            for requester, ctx in pending:
                self._send_read_index_response(requester, ctx)
        if broadcast:
            self._bcast_append(commit_bump=True)

    def _bcast_append(self, commit_bump: bool = False) -> None:
        for node in self._tracker.progress:
            if node != self.id:
                self._send_append(node, commit_bump)

    def _send_append(self, to: str, commit_bump: bool = False) -> None:
        """Send an append even if it carries no entries, then stream what else there is."""
        self._maybe_send_append(to, True, commit_bump, stream=True)

    def _maybe_send_append(self, to: str, send_if_empty: bool, commit_bump: bool = False,
                           stream: bool = False) -> bool:
        """Send `to` one append if there is something to send (or `send_if_empty`); True if
        anything was sent. With `stream`, go on sending while entries remain and the
        inflight window is open (optimistic streaming), each later append as if asked
        with ``send_if_empty=False``.

        `commit_bump`: sent to tell the follower a new commit index; if that append
        carries no entries to a follower in REPLICATE state it is marked `COMMIT_ONLY`
        (not answered). Probes and the appends sent after a heartbeat response are never
        marked: their answers are how the leader learns where the follower's log ends."""
        pr = self._tracker.progress[to]
        log = self._log
        sent = False
        while True:
            if pr.paused or pr.state is _SNAPSHOT:
                return sent
            last = log.last_index()
            if not send_if_empty and pr.next > last:
                return sent  # nothing (more) to send: the common answer
            full = pr.state is _REPLICATE and pr.inflights.full()
            if not send_if_empty and full:
                return sent
            prev_index = pr.next - 1
            prev_term = log.term(prev_index)
            if prev_term is None:
                # Compacted away: the follower can only catch up from a snapshot.
                return self._maybe_send_snapshot(to, pr) or sent
            if full or pr.next > last:
                ents: tuple[Entry, ...] = ()
            else:
                ents = tuple(log.entries_from(pr.next, self._max_entries))
            if not ents and not send_if_empty:
                return sent
            self._msgs.append(
                Message(
                    _APP,
                    to,
                    self.id,
                    self.term,
                    log_term=prev_term,
                    index=prev_index,
                    entries=ents,
                    commit=log.committed,
                    context=COMMIT_ONLY if commit_bump and not ents and pr.state is _REPLICATE
                    else None,
                )
            )
            pr.sent_entries(len(ents), log.committed)
            if not stream:
                return True
            sent = True
            send_if_empty = commit_bump = False

    def _maybe_send_snapshot(self, to: str, pr: Progress) -> bool:
        if not pr.recent_active:
            return False
        snap = self._log.snapshot()
        pr.become_snapshot(snap.metadata.index, self._ticks)
        self._send(Message(_SNAP, to, self.id, self.term, snapshot=snap))
        return True

    def _handle_append_response(self, m: Message, pr: Progress) -> None:
        pr.recent_active = True
        if m.reject:
            next_probe = m.reject_hint
            if m.log_term > 0:
                next_probe, _ = self._log.find_conflict_by_term(m.reject_hint, m.log_term)
            if pr.maybe_decr_to(m.index, next_probe):
                if pr.state is _REPLICATE:
                    pr.become_probe()
                self._send_append(m.sender)
            return
        if not (pr.maybe_update(m.index) or (pr.match == m.index and pr.state is _PROBE)):
            return
        if pr.state is _PROBE:
            pr.become_replicate()
        elif pr.state is _SNAPSHOT:
            if pr.match + 1 >= self._log.first_index():
                pr.become_probe()
                pr.become_replicate()
        else:
            pr.inflights.free_le(m.index)
        if self._maybe_commit():
            self._on_commit_advanced(broadcast=True)
        elif pr.can_bump_commit(self._log.committed):
            self._send_append(m.sender, commit_bump=True)
        # More to send (e.g. the window opened, or a probe succeeded)? Stream it now.
        self._maybe_send_append(m.sender, False, stream=True)
        if m.sender == self.lead_transferee and pr.match == self._log.last_index():
            self._send(Message(_TIMEOUT_NOW, m.sender, self.id, self.term))

    def _handle_heartbeat_response(self, m: Message, pr: Progress) -> None:
        pr.recent_active = True
        pr.paused = False
        if pr.state is _SNAPSHOT and self._ticks - pr.snapshot_sent_at >= self._election_tick:
            # The follower answers heartbeats but never acknowledged the snapshot for an
            # election timeout: consider it lost and probe again (sends a new one if needed).
            pr.pending_snapshot = 0
            pr.become_probe()
        if pr.match < self._log.last_index() or pr.state is _PROBE:
            self._send_append(m.sender)
        if not self._safe_reads or m.context is None:
            return
        acks = self._read_only.recv_ack(m.sender, m.context)
        if acks is None or self._tracker.vote_result(acks) is not VoteResult.WON:
            return
        for status in self._read_only.advance(m.context):
            self._respond_read_index(status.requester, status.ctx, status.index)

    def _bcast_heartbeat(self, ctx: Hashable | None) -> None:
        if ctx is None:
            ctx = self._read_only.last_pending_ctx()
        committed = self._log.committed
        for node, pr in self._tracker.progress.items():
            if node != self.id:
                # Never tell a follower to commit beyond what it is known to hold.
                self._msgs.append(
                    Message(
                        _HEARTBEAT,
                        node,
                        self.id,
                        self.term,
                        commit=min(pr.match, committed),
                        context=ctx,
                    )
                )

    # -- local requests -----------------------------------------------------------------------

    def _check_can_propose(self) -> None:
        if self.role is not _LEADER:
            raise NotLeaderError(self.lead)
        if self.lead_transferee is not None:
            raise LeaderTransferInProgressError(self.lead_transferee)

    def propose(self, data: Any) -> Proposed:
        """Append one command; raises `NotLeaderError` (with the leader hint) on a non-leader."""
        return self.propose_batch((data,))

    def propose_batch(self, datas: Sequence[Any]) -> Proposed:
        """Append many commands as ONE log append and one MsgApp per follower."""
        if not datas:
            raise ValueError("propose_batch needs at least one command")
        self._check_can_propose()
        term = self.term
        first = self._log.last_index() + 1
        new = tuple.__new__  # one C call per entry, not the named tuple's Python __new__
        ents = [new(Entry, (term, first + i, _NORMAL, d)) for i, d in enumerate(datas)]
        self._append_entries(ents)
        self._bcast_append()
        return Proposed(term, first, first + len(ents) - 1)

    def propose_conf_change(self, cc: ConfChange) -> Proposed:
        """Propose a single-member change; raises `ConfChangeError` if invalid or if another
        change is not applied yet."""
        self._check_can_propose()
        if self._pending_conf_index > self._log.applied:
            raise ConfChangeError(
                f"a conf change is already pending at index {self._pending_conf_index} "
                f"(applied {self._log.applied})"
            )
        apply_conf_change(self.conf_state, cc)  # validate only
        index = self._log.last_index() + 1
        self._pending_conf_index = index
        self._append_entries([Entry(self.term, index, _CONF_CHANGE, cc)])
        self._bcast_append()
        return Proposed(self.term, index, index)

    def read_index(self, ctx: Hashable) -> None:
        """Request a linearizable read; the answer arrives as a `ReadState` with this `ctx` in
        some Ready's `read_states` (lost if leadership changes meanwhile: time out and retry).

        A follower forwards the request to its leader; without a known leader this raises
        `NotLeaderError`.
        """
        if self.role is _LEADER:
            self._leader_read_index(self.id, ctx)
        elif self.role is _FOLLOWER and self.lead is not None:
            self._send(Message(_READ_INDEX, self.lead, self.id, 0, context=ctx))
        else:
            raise NotLeaderError(self.lead)

    def _committed_entry_in_current_term(self) -> bool:
        return self._log.term(self._log.committed) == self.term

    def _leader_read_index(self, requester: str, ctx: Hashable) -> None:
        if self._tracker.is_singleton():
            self._respond_read_index(requester, ctx, self._log.committed)
        elif not self._committed_entry_in_current_term():
            # Our commit index may lag the true one until our no-op commits (§6.4).
            self._pending_reads.append((requester, ctx))
        else:
            self._send_read_index_response(requester, ctx)

    def _send_read_index_response(self, requester: str, ctx: Hashable) -> None:
        if self._safe_reads:
            self._read_only.add_request(self._log.committed, ctx, requester)
            self._read_only.recv_ack(self.id, ctx)
            self._bcast_heartbeat(ctx)
        else:
            self._respond_read_index(requester, ctx, self._log.committed)

    def _respond_read_index(self, requester: str, ctx: Hashable, index: int) -> None:
        if requester == self.id:
            self._read_states.append(ReadState(index, ctx))
        else:
            self._send(
                Message(_READ_INDEX_RESP, requester, self.id, self.term, index=index, context=ctx)
            )

    def transfer_leadership(self, to: str) -> None:
        """Hand leadership to voter `to`: catch it up, then send it MsgTimeoutNow. Proposals
        are refused meanwhile; the transfer is abandoned after an election timeout."""
        if self.role is not _LEADER:
            raise NotLeaderError(self.lead)
        pr = self._tracker.progress.get(to)
        if pr is None or pr.is_learner:
            raise LeaderTransferError(f"cannot transfer leadership to {to}: not a voter")
        if to == self.id or to == self.lead_transferee:
            return
        self._election_elapsed = 0  # the transfer must finish within one election timeout
        self.lead_transferee = to
        if pr.match == self._log.last_index():
            self._send(Message(_TIMEOUT_NOW, to, self.id, self.term))
        else:
            self._send_append(to)

    def report_unreachable(self, to: str) -> None:
        """The transport failed to deliver to `to`: stop streaming, probe instead."""
        pr = self._tracker.progress.get(to)
        if self.role is _LEADER and pr is not None and pr.state is _REPLICATE:
            pr.become_probe()

    def report_snapshot(self, to: str, ok: bool) -> None:
        """Outcome of sending a snapshot to `to` (optional: lost snapshots also time out)."""
        pr = self._tracker.progress.get(to)
        if self.role is not _LEADER or pr is None or pr.state is not _SNAPSHOT:
            return
        if not ok:
            pr.pending_snapshot = 0
        pr.become_probe()
        pr.paused = True  # wait for the follower's answer (or a heartbeat) before appending

    # -- membership ---------------------------------------------------------------------------

    def _apply_conf_change_entry(self, e: Entry) -> None:
        self._conf_index = e.index
        try:
            conf = apply_conf_change(self._tracker.conf_state(), e.data)
        except ConfChangeError:
            # Validated when proposed and changes are serialized, so this cannot happen for
            # entries we proposed; ignoring is deterministic on every member anyway.
            return
        self._switch_to_config(conf)

    def _switch_to_config(self, conf: ConfState) -> None:
        self._tracker.set_config(conf, max(self._log.last_index(), 1))
        if self.role is not _LEADER:
            return
        if self.id not in self._tracker.voters:
            self._become_follower(self.term, None)  # a removed leader steps down
            return
        if self._maybe_commit():
            self._on_commit_advanced(broadcast=True)
        else:
            for node in self._tracker.progress:
                if node != self.id:
                    self._maybe_send_append(node, False)  # probe new members right away
        if self.lead_transferee is not None and self.lead_transferee not in self._tracker.voters:
            self.lead_transferee = None

    # -- snapshots and compaction -------------------------------------------------------------

    def compact(self, index: int, data: Any) -> Snapshot:
        """Snapshot the state machine `data` (its state after applying `index`) into storage,
        then drop the log up to `index`. Followers that need the dropped entries get the
        snapshot instead. `index` must be applied and no conf change applied after it."""
        if index > self._log.applied:
            raise RaftError(f"cannot snapshot at {index}: only {self._log.applied} is applied")
        if index < self._conf_index:
            raise RaftError(f"cannot snapshot at {index}: membership changed at {self._conf_index}")
        storage = self._log.storage
        snap = storage.create_snapshot(index, self.conf_state, data)
        storage.compact(index)
        return snap

    # -- Ready --------------------------------------------------------------------------------

    def has_ready(self) -> bool:
        if self._msgs or self._read_states:
            return True
        log = self._log
        u = log.unstable
        if u.entries or u.snapshot is not None:
            return True
        if log.has_next_committed_entries():
            return True
        return self._hard_state_changed() or self._soft_state_changed()

    def ready(self) -> Ready:
        """Take the pending work; call `advance(ready)` once it is persisted and applied."""
        if self._ready_outstanding:
            raise UsageError("ready() called again before advance()")
        self._ready_outstanding = True
        log = self._log
        u = log.unstable
        # New HardState/SoftState records only when they changed (most Readies carry neither).
        hard: HardState | None = None
        if self._hard_state_changed():
            hard = self._prev_hard_state = self._hard_state()
        soft: SoftState | None = None
        if self._soft_state_changed():
            soft = self._prev_soft_state = self._soft_state()
        committed = (tuple(log.next_committed_entries()) if log.has_next_committed_entries()
                     else ())
        msgs = self._msgs
        if msgs:
            self._msgs = []
        read_states = self._read_states
        if read_states:
            self._read_states = []
        return Ready(
            soft,
            hard,
            tuple(u.entries) if u.entries else (),
            u.snapshot,
            committed,
            tuple(msgs),
            tuple(read_states),
        )

    def advance(self, rd: Ready) -> None:
        """The caller persisted `rd.entries`/`hard_state`/`snapshot` and applied
        `rd.committed_entries` (and `rd.snapshot`): apply their conf changes, move on."""
        if not self._ready_outstanding:
            raise UsageError("advance() called without a pending ready()")
        self._ready_outstanding = False
        log = self._log
        if rd.committed_entries:
            for e in rd.committed_entries:
                if e.type is _CONF_CHANGE and e.index > self._conf_index:
                    self._apply_conf_change_entry(e)
            log.applied_to(rd.committed_entries[-1].index)
        if rd.snapshot is not None:
            log.unstable.stable_snap_to(rd.snapshot.metadata.index)
            log.applied_to(rd.snapshot.metadata.index)
        if rd.entries:
            last = rd.entries[-1]
            log.unstable.stable_to(last.index, last.term)
