"""RaftLog and its unstable part (mirrors etcd's log_test.go where it matters)."""

from __future__ import annotations

import pytest

from kactors.raft import CompactedError, Entry, MemoryStorage, RaftError, Snapshot
from kactors.raft.log import RaftLog
from kactors.raft.snapshot import SnapshotMetadata


def ents(first: int, *terms: int) -> list[Entry]:
    return [Entry(t, first + i) for i, t in enumerate(terms)]


def make_log(*terms: int) -> RaftLog:
    storage = MemoryStorage()
    storage.append(ents(1, *terms))
    return RaftLog(storage)


def ids(es: list[Entry]) -> list[tuple[int, int]]:
    return [(e.index, e.term) for e in es]


def test_find_conflict() -> None:
    log = make_log(1, 2, 3)
    assert log.find_conflict([]) == 0
    assert log.find_conflict(ents(1, 1, 2, 3)) == 0
    assert log.find_conflict(ents(2, 2, 3)) == 0
    assert log.find_conflict(ents(2, 2, 3, 4, 4)) == 4  # new entries
    assert log.find_conflict(ents(1, 4, 4)) == 1  # conflict
    assert log.find_conflict(ents(3, 4, 4)) == 3


def test_find_conflict_by_term_skips_a_divergent_term() -> None:
    log = make_log(1, 1, 1, 1, 2, 2)  # the follower of etcd's back-off example
    # Leader probes at index 6 with term 5: the follower can skip its whole term-2 tail.
    assert log.find_conflict_by_term(6, 5) == (6, 2)
    assert log.find_conflict_by_term(6, 1) == (4, 1)
    assert log.find_conflict_by_term(3, 0) == (0, 0)


def test_maybe_append_truncates_conflicts_and_commits_up_to_last_new() -> None:
    log = make_log(1, 2, 3)
    assert log.maybe_append(3, 4, 3, ents(4, 4)) is None  # prev term mismatch
    assert log.maybe_append(1, 1, 10, ents(2, 4, 4, 4)) == 4
    assert ids(log.slice(1, 5)) == [(1, 1), (2, 4), (3, 4), (4, 4)]
    assert log.committed == 4  # min(leader commit, last new)
    with pytest.raises(RaftError, match=r"^entry 2 conflicts with committed entry"):
        log.maybe_append(1, 1, 4, ents(2, 5))


def test_unstable_entries_become_stable_only_if_unchanged() -> None:
    log = make_log(1)
    log.append(ents(2, 2, 2))
    assert ids(log.unstable.entries) == [(2, 2), (3, 2)]
    log.storage.append(log.unstable.entries)
    log.append(ents(3, 3))  # replaced meanwhile
    log.unstable.stable_to(3, 2)  # stale acknowledgement: ignored
    assert ids(log.unstable.entries) == [(2, 2), (3, 3)]
    log.storage.append(log.unstable.entries)
    log.unstable.stable_to(3, 3)
    assert log.unstable.entries == [] and log.unstable.offset == 4
    assert ids(log.slice(1, 4)) == [(1, 1), (2, 2), (3, 3)]


def test_slice_spans_storage_and_unstable() -> None:
    log = make_log(1, 1)
    log.append(ents(3, 2, 2))
    assert ids(log.slice(2, 5)) == [(2, 1), (3, 2), (4, 2)]
    assert ids(log.entries_from(1, 2)) == [(1, 1), (2, 1)]
    assert log.term(0) == 0 and log.term(5) is None
    log.storage.create_snapshot(1, log.storage.initial_state()[1], None)
    log.storage.compact(1)
    with pytest.raises(CompactedError):
        log.slice(1, 3)
    assert log.term(0) is None and log.term(1) == 1


def test_commit_and_is_up_to_date() -> None:
    log = make_log(1, 2)
    assert not log.maybe_commit(2, 1)  # index 2 is from term 2
    assert log.maybe_commit(2, 2) and log.committed == 2
    with pytest.raises(RaftError, match=r"^tocommit\(3\) is out of range \[last_index\(2\)\]$"):
        log.commit_to(3)
    assert log.is_up_to_date(2, 2) and log.is_up_to_date(1, 3)
    assert not log.is_up_to_date(1, 2) and not log.is_up_to_date(9, 1)


def test_restore_from_snapshot_hides_older_entries() -> None:
    log = make_log(1, 1, 1)
    log.restore(Snapshot(SnapshotMetadata(10, 4)))
    assert (log.first_index(), log.last_index(), log.committed) == (11, 10, 10)
    assert log.term(10) == 4 and log.term(3) is None
    assert not log.has_next_committed_entries()
    assert log.next_committed_entries() == []
