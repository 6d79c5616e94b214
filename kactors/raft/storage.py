"""`MemoryStorage`: the simulated stable storage of one member.

It plays the role of a disk: the member actor creates it once and keeps it *outside* the actor,
so when the actor crashes and is restarted, a new `RaftCore` is built on the same object and
finds exactly what was persisted (hard state, log, snapshot) and nothing else.

Layout (as etcd's MemoryStorage): `_ents[0]` is a dummy entry standing for the compaction point
(the snapshot's index and term), followed by the real entries, so the term of the entry just
before the first one is always known (needed for the append consistency check).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .confchange import ConfState
from .entry import Entry
from .errors import CompactedError, SnapshotOutOfDateError, StorageError, UnavailableError
from .snapshot import Snapshot, SnapshotMetadata
from .state import HardState


class MemoryStorage:
    """Stable storage of one member; every method is synchronous and "durable" on return.

    `conf_state` seeds the membership of a log that starts at index 0 (as etcd's test storage
    `withPeers`); prefer `Config.peers` to bootstrap real groups (see `Config`).
    """

    __slots__ = ("_hard_state", "_snapshot", "_ents")

    def __init__(self, conf_state: ConfState | None = None) -> None:
        self._hard_state = HardState()
        self._snapshot = Snapshot(SnapshotMetadata(conf_state=conf_state or ConfState()))
        self._ents: list[Entry] = [Entry(term=0, index=0)]

    # -- reads (used by the core) -------------------------------------------------------------

    @property
    def hard_state(self) -> HardState:
        return self._hard_state

    def initial_state(self) -> tuple[HardState, ConfState]:
        """What a (re)starting core restores: hard state and the snapshot's membership."""
        return self._hard_state, self._snapshot.metadata.conf_state

    def is_pristine(self) -> bool:
        """True if nothing was ever persisted (a brand-new member)."""
        return (
            len(self._ents) == 1
            and self._ents[0].index == 0
            and self._hard_state == HardState()
            and self._snapshot.metadata.conf_state.is_empty
        )

    def first_index(self) -> int:
        return self._ents[0].index + 1

    def last_index(self) -> int:
        return self._ents[0].index + len(self._ents) - 1

    def term(self, index: int) -> int:
        """Term of the entry at `index`; the compaction point's term is still known."""
        offset = self._ents[0].index
        if index < offset:
            raise CompactedError()
        if index - offset >= len(self._ents):
            raise UnavailableError()
        return self._ents[index - offset].term

    def maybe_term(self, index: int) -> int | None:
        """`term(index)`, or None where `term` raises (compacted, or beyond the end)."""
        ents = self._ents
        pos = index - ents[0].index
        if pos < 0 or pos >= len(ents):
            return None
        return ents[pos].term

    def entries(self, lo: int, hi: int) -> list[Entry]:
        """Entries in [lo, hi) as a new list (a slice: entries themselves are shared)."""
        offset = self._ents[0].index
        if lo <= offset:
            raise CompactedError()
        if hi > self.last_index() + 1:
            raise UnavailableError()
        return self._ents[lo - offset : hi - offset]

    def snapshot(self) -> Snapshot:
        return self._snapshot

    # -- writes (used by the caller, following the Ready contract) ----------------------------

    def set_hard_state(self, hard_state: HardState) -> None:
        self._hard_state = hard_state

    def append(self, entries: Sequence[Entry]) -> None:
        """Persist entries; an entry at an existing index replaces it and everything after."""
        if not entries:
            return
        first = self.first_index()
        start = entries[0].index
        if start + len(entries) - 1 < first:
            return  # all already compacted
        if start < first:
            entries = entries[first - start :]
            start = first
        offset = start - self._ents[0].index
        if offset > len(self._ents):
            raise StorageError(f"missing log entry [last: {self.last_index()}, append at: {start}]")
        del self._ents[offset:]
        self._ents.extend(entries)

    def apply_snapshot(self, snapshot: Snapshot) -> None:
        """Replace the whole log by a snapshot received from the leader."""
        if snapshot.index <= self._snapshot.index:
            raise SnapshotOutOfDateError()
        self._snapshot = snapshot
        self._ents = [Entry(term=snapshot.term, index=snapshot.index)]

    def save(
        self,
        hard_state: HardState | None,
        entries: Sequence[Entry],
        snapshot: Snapshot | None,
    ) -> None:
        """Persist one Ready's `hard_state`, `entries` and `snapshot`, in the safe order."""
        if snapshot is not None:
            self.apply_snapshot(snapshot)
        if entries:
            self.append(entries)
        if hard_state is not None:
            self._hard_state = hard_state

    def create_snapshot(self, index: int, conf_state: ConfState, data: Any) -> Snapshot:
        """Record the state machine `data` as of `index` (must be applied by the caller)."""
        if index <= self._snapshot.index:
            raise SnapshotOutOfDateError()
        if index > self.last_index():
            raise UnavailableError()
        term = self._ents[index - self._ents[0].index].term
        self._snapshot = Snapshot(SnapshotMetadata(index, term, conf_state), data)
        return self._snapshot

    def compact(self, index: int) -> None:
        """Drop entries up to and including `index`; a snapshot must already cover it."""
        offset = self._ents[0].index
        if index <= offset:
            raise CompactedError()
        if index > self._snapshot.index:
            raise StorageError(
                f"cannot compact to {index}: the latest snapshot is at {self._snapshot.index}"
            )
        keep = self._ents[index - offset :]
        keep[0] = Entry(term=keep[0].term, index=keep[0].index)
        self._ents = keep
