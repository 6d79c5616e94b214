"""MemoryStorage: the simulated disk (mirrors etcd's storage_test.go)."""

from __future__ import annotations

import pytest

from kactors.raft import (
    CompactedError,
    ConfState,
    Entry,
    HardState,
    MemoryStorage,
    Snapshot,
    SnapshotMetadata,
    SnapshotOutOfDateError,
    StorageError,
    UnavailableError,
)


def storage_with(*index_terms: tuple[int, int]) -> MemoryStorage:
    """A storage whose log is compacted to the first (index, term) given."""
    s = MemoryStorage()
    first_index, first_term = index_terms[0]
    if first_index > 0:
        s.apply_snapshot(Snapshot(SnapshotMetadata(first_index, first_term)))
    s.append([Entry(t, i) for i, t in index_terms[1:]])
    return s


def test_new_storage_is_pristine_and_empty() -> None:
    s = MemoryStorage()
    assert s.is_pristine()
    assert (s.first_index(), s.last_index()) == (1, 0)
    assert s.initial_state() == (HardState(), ConfState())
    assert s.term(0) == 0


def test_term_and_entries_respect_compaction_bounds() -> None:
    s = storage_with((3, 3), (4, 4), (5, 5))
    assert (s.first_index(), s.last_index()) == (4, 5)
    assert s.term(3) == 3  # the compaction point's term stays known
    assert [e.index for e in s.entries(4, 6)] == [4, 5]
    with pytest.raises(CompactedError, match="^requested index is unavailable due to compaction$"):
        s.term(2)
    with pytest.raises(UnavailableError, match="^requested entry at index is unavailable$"):
        s.term(6)
    with pytest.raises(CompactedError):
        s.entries(3, 5)
    with pytest.raises(UnavailableError):
        s.entries(4, 7)


def test_append_overwrites_conflicting_suffix_and_ignores_compacted_prefix() -> None:
    s = storage_with((3, 3), (4, 4), (5, 5))
    s.append([Entry(3, 3), Entry(6, 4), Entry(6, 5), Entry(6, 6)])
    assert [(e.index, e.term) for e in s.entries(4, 7)] == [(4, 6), (5, 6), (6, 6)]
    s.append([Entry(1, 1), Entry(2, 2)])  # entirely compacted: ignored
    assert s.last_index() == 6
    with pytest.raises(StorageError, match=r"^missing log entry \[last: 6, append at: 8\]$"):
        s.append([Entry(6, 8)])


def test_create_snapshot_then_compact() -> None:
    s = storage_with((3, 3), (4, 4), (5, 5))
    cs = ConfState(voters=("a", "b"))
    with pytest.raises(StorageError, match="^cannot compact to 4: the latest snapshot is at 3$"):
        s.compact(4)
    snap = s.create_snapshot(4, cs, "state@4")
    assert snap.metadata == SnapshotMetadata(4, 4, cs) and snap.data == "state@4"
    s.compact(4)
    assert (s.first_index(), s.last_index(), s.term(4)) == (5, 5, 4)
    with pytest.raises(CompactedError):
        s.compact(4)
    with pytest.raises(SnapshotOutOfDateError, match="^requested index is older"):
        s.create_snapshot(4, cs, "again")


def test_apply_snapshot_replaces_the_log() -> None:
    s = storage_with((0, 0), (1, 1), (2, 1))
    snap = Snapshot(SnapshotMetadata(7, 3, ConfState(voters=("a",))), "data")
    s.apply_snapshot(snap)
    assert (s.first_index(), s.last_index(), s.term(7)) == (8, 7, 3)
    assert s.initial_state()[1] == ConfState(voters=("a",))
    with pytest.raises(SnapshotOutOfDateError):
        s.apply_snapshot(Snapshot(SnapshotMetadata(6, 3)))


def test_save_persists_a_ready_in_order() -> None:
    s = MemoryStorage()
    snap = Snapshot(SnapshotMetadata(5, 2, ConfState(voters=("a",))), "d")
    s.save(HardState(3, "a", 6), [Entry(3, 6)], snap)
    assert s.hard_state == HardState(3, "a", 6)
    assert (s.first_index(), s.last_index()) == (6, 6)
    assert not s.is_pristine()
