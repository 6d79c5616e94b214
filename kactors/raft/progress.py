"""The leader's view of one follower's log (etcd's tracker.Progress).

- PROBE: we do not know where the follower's log ends; send one append at a time and wait.
- REPLICATE: optimistic streaming, at most `max_inflight` unacknowledged appends.
- SNAPSHOT: the follower needs entries we compacted; a snapshot is on its way, send nothing.
"""

from __future__ import annotations

import enum
from collections import deque


class ProgressState(enum.Enum):
    PROBE = "probe"
    REPLICATE = "replicate"
    SNAPSHOT = "snapshot"


class Inflights:
    """Last indexes of the appends sent but not yet acknowledged, oldest first."""

    __slots__ = ("_queue", "capacity")

    def __init__(self, capacity: int) -> None:
        self._queue: deque[int] = deque()
        self.capacity = capacity

    def __len__(self) -> int:
        return len(self._queue)

    def full(self) -> bool:
        return len(self._queue) >= self.capacity

    def add(self, last_index: int) -> None:
        self._queue.append(last_index)

    def free_le(self, index: int) -> None:
        q = self._queue
        while q and q[0] <= index:
            q.popleft()

    def reset(self) -> None:
        self._queue.clear()


class Progress:
    """`match`: highest index known replicated; `next`: next index to send (match < next)."""

    __slots__ = (
        "match",
        "next",
        "state",
        "pending_snapshot",
        "snapshot_sent_at",
        "sent_commit",
        "recent_active",
        "paused",
        "inflights",
        "is_learner",
    )

    def __init__(self, next_index: int, max_inflight: int, is_learner: bool = False) -> None:
        self.match = 0
        self.next = next_index
        self.state = ProgressState.PROBE
        self.pending_snapshot = 0
        self.snapshot_sent_at = 0
        # The commit index last sent in an append: lets the leader tell a follower about a
        # commit it does not know yet without waiting for the next heartbeat.
        self.sent_commit = 0
        # Active by default: a freshly added member must not make check-quorum fail at once.
        self.recent_active = True
        self.paused = False
        self.inflights = Inflights(max_inflight)
        self.is_learner = is_learner

    def __repr__(self) -> str:
        return (
            f"Progress(match={self.match}, next={self.next}, state={self.state.value}, "
            f"pending_snapshot={self.pending_snapshot}, learner={self.is_learner})"
        )

    def _reset_state(self, state: ProgressState) -> None:
        self.paused = False
        self.pending_snapshot = 0
        self.state = state
        self.inflights.reset()

    def become_probe(self) -> None:
        if self.state is ProgressState.SNAPSHOT:
            # The snapshot was delivered: probe right after it.
            pending = self.pending_snapshot
            self._reset_state(ProgressState.PROBE)
            self.next = max(self.match + 1, pending + 1)
        else:
            self._reset_state(ProgressState.PROBE)
            self.next = self.match + 1
        self.sent_commit = min(self.sent_commit, self.next - 1)

    def become_replicate(self) -> None:
        self._reset_state(ProgressState.REPLICATE)
        self.next = self.match + 1

    def become_snapshot(self, snapshot_index: int, now: int) -> None:
        self._reset_state(ProgressState.SNAPSHOT)
        self.pending_snapshot = snapshot_index
        self.snapshot_sent_at = now
        self.sent_commit = snapshot_index

    def is_paused(self) -> bool:
        return self.state is ProgressState.SNAPSHOT or self.paused

    def sent_entries(self, count: int, commit: int) -> None:
        """Bookkeeping after sending an append of `count` entries carrying `commit`."""
        self.sent_commit = commit
        if self.state is ProgressState.REPLICATE:
            if count:
                self.next += count
                self.inflights.add(self.next - 1)
            self.paused = self.inflights.full()
        elif count:
            self.paused = True  # a probe: wait for its answer

    def maybe_update(self, index: int) -> bool:
        """An acknowledgment up to `index`; False if it is stale."""
        if index <= self.match:
            return False
        self.match = index
        if self.next < index + 1:
            self.next = index + 1
        self.paused = False
        return True

    def maybe_decr_to(self, rejected: int, match_hint: int) -> bool:
        """A rejection of the append after `rejected`; False if it is stale."""
        if self.state is ProgressState.REPLICATE:
            if rejected <= self.match:
                return False
            self.next = self.match + 1
            self.sent_commit = min(self.sent_commit, self.next - 1)
            return True
        # Probes are sent one at a time: only the latest one's rejection counts.
        if self.next - 1 != rejected:
            return False
        self.next = max(min(rejected, match_hint + 1), self.match + 1)
        self.sent_commit = min(self.sent_commit, self.next - 1)
        self.paused = False
        return True

    def can_bump_commit(self, commit: int) -> bool:
        """Would an (empty) append carrying `commit` teach the follower something?"""
        return commit > self.sent_commit and self.sent_commit < self.next - 1
