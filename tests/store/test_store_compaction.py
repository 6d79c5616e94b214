"""Compaction: what survives, what fails `Compacted`, and that later reads are unaffected."""

from __future__ import annotations

import random

import pytest

from kactors.store import ALL_KEYS, Compacted, FutureRevision, KeyValue, MVCCStore, Put

from .model import INTERVALS, Model, random_write


def test_compaction_keeps_the_version_current_at_the_revision() -> None:
    store = MVCCStore()
    store.put("a", 1)  # 2
    store.put("a", 2)  # 3
    store.put("b", 1)  # 4
    store.put("a", 3)  # 5
    result = store.compact(4)
    assert (result.revision, result.compact_revision) == (5, 4)
    assert store.compact_revision == 4
    assert store.get("a", revision=4) == KeyValue("a", 2, 2, 3, 2, 0)
    assert store.get("a") == KeyValue("a", 3, 2, 5, 3, 0)
    assert store.get("b", revision=4) == KeyValue("b", 1, 4, 4, 1, 0)
    histories = dict(store.snapshot().histories)
    assert [kv.mod_revision for kv in histories["a"]] == [3, 5]  # version at 2 is gone
    for rev in (1, 2, 3):
        with pytest.raises(Compacted) as info:
            store.get("a", revision=rev)
        assert info.value.compact_revision == 4
        assert str(info.value) == "mvcc: required revision has been compacted"


def test_deleted_keys_vanish_entirely_once_compacted_past_their_tombstone() -> None:
    store = MVCCStore()
    store.put("a", 1)  # 2
    store.put("gone", 1)  # 3
    store.delete_range("gone")  # 4
    store.put("back", 1)  # 5
    store.delete_range("back")  # 6
    store.put("back", 2)  # 7
    store.compact(6)
    histories = dict(store.snapshot().histories)
    assert "gone" not in histories
    assert [kv.mod_revision for kv in histories["back"]] == [7]
    assert store.get("gone", revision=6) is None
    assert store.get("back", revision=6) is None
    assert store.get("back") == KeyValue("back", 2, 7, 7, 1, 0)
    assert [kv.key for kv in store.range("\0", ALL_KEYS, revision=6).kvs] == ["a"]


def test_compacting_at_or_below_the_compaction_point_or_in_the_future_fails() -> None:
    store = MVCCStore()
    for i in range(5):
        store.put("k", i)  # revisions 2..6
    store.compact(3)
    with pytest.raises(Compacted) as info:
        store.compact(3)
    assert info.value.compact_revision == 3
    with pytest.raises(Compacted):
        store.compact(2)
    with pytest.raises(FutureRevision) as future:
        store.compact(7)
    assert str(future.value) == "mvcc: required revision is a future revision"
    store.compact(6)  # up to the current revision is fine
    assert store.get("k", revision=6).value == 4  # type: ignore[union-attr]


def test_compacted_events_are_gone_and_later_ones_kept() -> None:
    store = MVCCStore()
    for i in range(5):
        store.put(f"k{i}", i)  # revisions 2..6
    store.compact(4)
    assert store.first_revision == 4
    with pytest.raises(Compacted):
        store.events_at(3)
    assert [rev for rev, _ in store.history(4)] == [4, 5, 6]
    assert store.events_at(4)[0].kv.key == "k2"
    with pytest.raises(Compacted):
        store.history(3)
    with pytest.raises(FutureRevision):
        store.events_at(7)


def test_compact_at_revision_1_is_allowed_like_etcd() -> None:
    store = MVCCStore()
    store.compact(1)
    assert store.compact_revision == 1
    store.put("a", 1)
    assert [rev for rev, _ in store.history(1)] == [2]


@pytest.mark.parametrize("seed", range(8))
def test_reads_after_compaction_match_the_model(seed: int) -> None:
    rng = random.Random(seed)
    store = MVCCStore()
    model = Model()
    compacted = 0
    for step in range(80):
        ops = random_write(rng)
        if ops[0][0] == "put":
            store.txn((), tuple(Put(k, v) for _, k, v in ops))
        else:
            store.delete_range(ops[0][1], ops[0][2])
        model.write(ops)
        if step % 20 == 19 and model.revision > compacted:
            compacted = rng.randint(compacted + 1, model.revision)
            store.compact(compacted)
    for rev in range(compacted, model.revision + 1):
        for key, end in INTERVALS:
            assert store.range(key, end, revision=rev).kvs == model.range(key, end, rev), (
                f"seed={seed} rev={rev} [{key!r},{end!r})"
            )
    if compacted > 1:
        with pytest.raises(Compacted):
            store.range("a", revision=compacted - 1)
    # Nothing older than the compaction point survives, except versions current at it.
    for key, versions in store.snapshot().histories:
        older = [kv for kv in versions if kv.mod_revision < compacted]
        assert len(older) <= 1 and all(kv.version for kv in older), f"seed={seed} {key}"


@pytest.mark.parametrize("seed", range(6))
def test_snapshots_share_unchanged_histories_and_equal_fresh_ones(seed: int) -> None:
    # A snapshot reuses the previous one's (key, versions) pair for every history that did
    # not change in between; writes, deletes, re-creations and compactions in between must
    # never leave a stale pair behind.
    rng = random.Random(seed)
    store = MVCCStore()
    previous = store.snapshot()
    for step in range(120):
        ops = random_write(rng)
        if ops[0][0] == "put":
            store.txn((), tuple(Put(k, v) for _, k, v in ops))
        else:
            store.delete_range(ops[0][1], ops[0][2])
        if step % 25 == 24:
            store.compact(rng.randint(store.compact_revision + 1, store.revision))
        if step % 7 == 6:
            snapshot = store.snapshot()
            fresh = MVCCStore()  # a store that never snapshotted: nothing to reuse
            fresh.__dict__.update(store.__dict__, _snapshot_pairs={})
            assert snapshot == fresh.snapshot(), f"seed={seed} step={step}"
            before = {pair[0]: pair for pair in previous.histories}
            for pair in snapshot.histories:
                old = before.get(pair[0])
                if old is not None and old == pair:
                    assert old is pair, f"seed={seed} step={step} {pair[0]}"
            previous = snapshot
    restored = MVCCStore.from_snapshot(previous)
    again = restored.snapshot()
    assert again == previous
    assert all(a is b for a, b in zip(again.histories, previous.histories, strict=True))
