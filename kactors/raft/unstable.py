"""The unstable part of the log: entries and a snapshot not yet handed to stable storage.

`offset` is the index of `entries[0]`. Everything below `offset` lives in storage (or in the
pending snapshot). Appends extend a list; truncation is a slice deletion: no per-entry copies.
"""

from __future__ import annotations

from collections.abc import Sequence

from .entry import Entry
from .snapshot import Snapshot


class Unstable:
    __slots__ = ("snapshot", "entries", "offset")

    def __init__(self, offset: int) -> None:
        self.snapshot: Snapshot | None = None
        self.entries: list[Entry] = []
        self.offset = offset

    def maybe_last_index(self) -> int | None:
        if self.entries:
            return self.offset + len(self.entries) - 1
        if self.snapshot is not None:
            return self.snapshot.metadata.index
        return None

    def maybe_term(self, index: int) -> int | None:
        """The term at `index` if this part of the log knows it."""
        if index < self.offset:
            snap = self.snapshot
            if snap is not None and snap.metadata.index == index:
                return snap.metadata.term
            return None
        pos = index - self.offset
        if pos < len(self.entries):
            return self.entries[pos].term
        return None

    def stable_to(self, index: int, term: int) -> None:
        """Entries up to (index, term) reached storage; forget them unless they were replaced
        meanwhile (then the term no longer matches and they stay unstable)."""
        if index < self.offset or self.maybe_term(index) != term:
            return
        del self.entries[: index + 1 - self.offset]
        self.offset = index + 1

    def stable_snap_to(self, index: int) -> None:
        if self.snapshot is not None and self.snapshot.metadata.index == index:
            self.snapshot = None

    def restore(self, snapshot: Snapshot) -> None:
        self.offset = snapshot.metadata.index + 1
        self.entries = []
        self.snapshot = snapshot

    def truncate_and_append(self, ents: Sequence[Entry]) -> None:
        after = ents[0].index
        if after == self.offset + len(self.entries):
            self.entries.extend(ents)
        elif after <= self.offset:
            # Replaces everything unstable and shadows storage from `after` on.
            self.entries = list(ents)
            self.offset = after
        else:
            del self.entries[after - self.offset :]
            self.entries.extend(ents)

    def slice(self, lo: int, hi: int) -> list[Entry]:
        return self.entries[lo - self.offset : hi - self.offset]
