"""The Raft log as a member sees it: stable storage followed by the unstable part.

Invariants: `applied <= committed <= last_index()`; storage holds [first_index, unstable.offset),
the unstable part holds the rest. Term lookups are O(1) (list indexing), appends are list
extends: nothing here scans the whole log on the hot path.
"""

from __future__ import annotations

from collections.abc import Sequence

from .entry import Entry
from .errors import CompactedError, RaftError
from .snapshot import Snapshot
from .storage import MemoryStorage
from .unstable import Unstable


class RaftLog:
    __slots__ = ("storage", "unstable", "committed", "applied")

    def __init__(self, storage: MemoryStorage) -> None:
        self.storage = storage
        self.unstable = Unstable(storage.last_index() + 1)
        # Everything up to the snapshot is committed and applied (the state machine restarts
        # from the snapshot).
        self.committed = storage.first_index() - 1
        self.applied = self.committed

    # -- indexes and terms --------------------------------------------------------------------

    def first_index(self) -> int:
        snap = self.unstable.snapshot
        if snap is not None:
            return snap.metadata.index + 1
        return self.storage.first_index()

    def last_index(self) -> int:
        u = self.unstable
        if u.entries:
            return u.offset + len(u.entries) - 1
        if u.snapshot is not None:
            return u.snapshot.metadata.index
        return self.storage.last_index()

    def term(self, index: int) -> int | None:
        """Term at `index`, or None if compacted away or beyond the end.

        The term of `first_index() - 1` is known (snapshot term) for the consistency check.
        """
        u = self.unstable
        ents = u.entries
        pos = index - u.offset
        if pos >= 0:
            if pos < len(ents):
                return ents[pos].term
            if ents:
                return None  # beyond the last unstable entry: beyond the end
        elif u.snapshot is None:
            # The common case, in storage; the same answers as the general path below.
            return self.storage.maybe_term(index)
        t = u.maybe_term(index)
        if t is not None:
            return t
        if index + 1 < self.first_index() or index > self.last_index():
            return None
        return self.storage.term(index)

    def last_term(self) -> int:
        t = self.term(self.last_index())
        assert t is not None
        return t

    def match_term(self, index: int, term: int) -> bool:
        return self.term(index) == term

    def is_up_to_date(self, last_index: int, term: int) -> bool:
        """Is a candidate whose last entry is (last_index, term) at least as up to date (§5.4)?"""
        our_term = self.last_term()
        return term > our_term or (term == our_term and last_index >= self.last_index())

    # -- reading entries ----------------------------------------------------------------------

    def slice(self, lo: int, hi: int) -> list[Entry]:
        """Entries in [lo, hi); raises `CompactedError` if lo was compacted away."""
        if lo >= hi:
            return []
        if lo < self.first_index():
            raise CompactedError()
        offset = self.unstable.offset
        if hi <= offset:
            return self.storage.entries(lo, hi)
        if lo >= offset:
            return self.unstable.slice(lo, hi)
        return self.storage.entries(lo, offset) + self.unstable.slice(offset, hi)

    def entries_from(self, lo: int, max_count: int) -> list[Entry]:
        return self.slice(lo, min(self.last_index() + 1, lo + max_count))

    def snapshot(self) -> Snapshot:
        """The newest snapshot: a pending one received from the leader, or storage's."""
        return self.unstable.snapshot or self.storage.snapshot()

    def has_next_committed_entries(self) -> bool:
        return self.unstable.snapshot is None and self.committed > self.applied

    def next_committed_entries(self) -> list[Entry]:
        """Committed entries not yet handed out. They may include entries of the current
        Ready's `entries`: the caller persists those before applying (synchronous storage)."""
        if self.unstable.snapshot is not None:
            return []  # the snapshot must be applied first
        return self.slice(self.applied + 1, self.committed + 1)

    # -- mutations ----------------------------------------------------------------------------

    def find_conflict(self, ents: Sequence[Entry]) -> int:
        """Index of the first entry that is new or disagrees with our log, 0 if none."""
        last = self.last_index()
        for e in ents:
            if e.index > last or self.term(e.index) != e.term:
                return e.index
        return 0

    def find_conflict_by_term(self, index: int, term: int) -> tuple[int, int]:
        """Largest (i, term(i)) with i <= index and term(i) <= term: the fast back-off hint.

        A compacted/unknown index is returned with term 0 ("maybe matches").
        """
        while index > 0:
            our = self.term(index)
            if our is None:
                return index, 0
            if our <= term:
                return index, our
            index -= 1
        return 0, 0

    def maybe_append(
        self, prev_index: int, prev_term: int, committed: int, ents: Sequence[Entry]
    ) -> int | None:
        """The follower side of AppendEntries; returns the last new index, None on mismatch."""
        if not self.match_term(prev_index, prev_term):
            return None
        last_new = prev_index + len(ents)
        ci = self.find_conflict(ents) if ents else 0
        if ci:
            if ci <= self.committed:
                raise RaftError(
                    f"entry {ci} conflicts with committed entry [committed({self.committed})]"
                )
            self.append(ents[ci - prev_index - 1 :])
        self.commit_to(min(committed, last_new))
        return last_new

    def append(self, ents: Sequence[Entry]) -> int:
        if ents:
            if ents[0].index - 1 < self.committed:
                raise RaftError(
                    f"after({ents[0].index - 1}) is out of range [committed({self.committed})]"
                )
            self.unstable.truncate_and_append(ents)
        return self.last_index()

    def commit_to(self, index: int) -> None:
        if index > self.committed:
            if index > self.last_index():
                raise RaftError(
                    f"tocommit({index}) is out of range [last_index({self.last_index()})]"
                )
            self.committed = index

    def maybe_commit(self, index: int, term: int) -> bool:
        """Commit `index` if it is from `term` (a leader only counts its own term, §5.4.2)."""
        if index > self.committed and self.term(index) == term:
            self.committed = index
            return True
        return False

    def applied_to(self, index: int) -> None:
        if index > self.applied:
            self.applied = index

    def restore(self, snapshot: Snapshot) -> None:
        self.committed = snapshot.metadata.index
        self.unstable.restore(snapshot)
