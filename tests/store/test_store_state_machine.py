"""StoreStateMachine: apply, errors as values, dedup, watch feed, determinism, snapshots."""

from __future__ import annotations

import random

import pytest

from kactors.store import (
    Compact,
    Compacted,
    CompactResult,
    DeleteRange,
    EmptyKey,
    InvalidRequest,
    LeaseExpire,
    LeaseExpireResult,
    LeaseGrant,
    LeaseGrantResult,
    LeaseKeepAlive,
    LeaseKeepAliveResult,
    LeaseNotFound,
    LeaseRevoke,
    LeaseRevokeResult,
    LeaseTimeToLive,
    LeaseTimeToLiveResult,
    Put,
    PutResult,
    Range,
    RangeResult,
    StoreError,
    StoreStateMachine,
    Txn,
    TxnResult,
    compare_mod,
    compare_version,
    prefix_end,
)
from kactors.store.compare import EQUAL, GREATER

from .model import INTERVALS, KEYS


def test_every_command_applies_to_its_result() -> None:
    sm = StoreStateMachine()
    assert sm.apply(1, LeaseGrant(5, 10, now=0)) == LeaseGrantResult(5, 10, 10, 1)
    assert sm.apply(2, Put("a", 1, lease=5)) == PutResult(2)
    assert sm.apply(3, Put("b", 1)) == PutResult(3)
    result = sm.apply(4, Range("a", prefix_end("a")))
    assert isinstance(result, RangeResult) and result.count == 1
    result = sm.apply(5, Txn((compare_version("b", EQUAL, 1),), (Put("b", 2),)))
    assert isinstance(result, TxnResult) and result.succeeded and result.revision == 4
    assert sm.apply(6, LeaseKeepAlive(5, now=5)) == LeaseKeepAliveResult(5, 10, 15, 4)
    assert sm.apply(7, LeaseTimeToLive(5, now=6, keys=True)) == LeaseTimeToLiveResult(
        5, 10, 9, ("a",), 4
    )
    assert sm.apply(8, Compact(3)) == CompactResult(4, 3)
    assert sm.apply(9, LeaseExpire(now=14)) == LeaseExpireResult((), 0, 4)
    assert sm.apply(10, LeaseExpire(now=15)) == LeaseExpireResult((5,), 1, 5)
    sm.apply(11, LeaseGrant(6, 10, now=20))
    assert sm.apply(12, LeaseRevoke(6)) == LeaseRevokeResult(5, 0)
    assert sm.apply(13, DeleteRange("b", prev_kv=True)).deleted == 1  # type: ignore[union-attr]
    assert sm.applied_index == 13 and sm.store.revision == 6


@pytest.mark.parametrize(
    ("command", "error"),
    [
        (Put("", 1), EmptyKey()),
        (Put("a", 1, lease=3), LeaseNotFound(3)),
        (Range("a", revision=1), Compacted(2)),
        (Compact(1), Compacted(2)),
        (LeaseRevoke(9), LeaseNotFound(9)),
        (LeaseKeepAlive(9, now=0), LeaseNotFound(9)),
        (object(), InvalidRequest("unknown command: object")),
        (Put("a", 1, request_id=7), InvalidRequest("request id must be a str, not 7")),  # type: ignore[arg-type]
    ],
)
def test_bad_commands_return_error_values_and_change_nothing(
    command: object, error: StoreError
) -> None:
    sm = StoreStateMachine()
    sm.apply(1, Put("a", 0))
    sm.apply(2, Compact(2))
    before = sm.snapshot().store
    result = sm.apply(3, command)
    assert result == error and str(result) == str(error)
    assert sm.snapshot().store == before
    assert sm.applied_index == 3  # the entry is consumed all the same
    assert sm.take_watch_responses() == []


def test_apply_index_must_grow_but_may_skip() -> None:
    sm = StoreStateMachine()
    sm.apply(3, Put("a", 1))
    sm.apply(7, Put("a", 2))  # entries 4-6 were no-ops / config changes
    with pytest.raises(ValueError, match="already applied"):
        sm.apply(7, Put("a", 3))
    assert sm.store.get("a").value == 2  # type: ignore[union-attr]


def test_a_retried_write_takes_effect_once() -> None:
    sm = StoreStateMachine()
    hub_watch = sm.hub.watch("n").watch_id
    first = sm.apply(1, Put("n", 1, request_id="client-1:1"))
    again = sm.apply(2, Put("n", 1, request_id="client-1:1"))
    assert again is first and sm.store.revision == 2
    assert [r.watch_id for r in sm.take_watch_responses()] == [hub_watch]  # one event only
    # A different id is a different request.
    assert sm.apply(3, Put("n", 1, request_id="client-1:2")) == PutResult(3)


def test_failures_and_reads_are_not_remembered() -> None:
    sm = StoreStateMachine()
    failed = sm.apply(1, Put("k", 1, lease=4, request_id="r1"))
    assert failed == LeaseNotFound(4)
    sm.apply(2, LeaseGrant(4, 10, now=0, request_id="r2"))
    assert sm.apply(3, Put("k", 1, lease=4, request_id="r1")) == PutResult(2)
    read = sm.apply(4, Range("k", request_id="r3"))
    sm.apply(5, Put("k", 2))
    assert sm.apply(6, Range("k", request_id="r3")) != read


def test_dedup_window_forgets_the_oldest() -> None:
    sm = StoreStateMachine(dedup_window=2)
    for i in range(3):
        sm.apply(i + 1, Put("k", i, request_id=f"r{i}"))
    assert [rid for rid, _ in sm.snapshot().dedup] == ["r1", "r2"]
    assert sm.apply(4, Put("k", 0, request_id="r0")) == PutResult(5)  # r0 forgotten: applied


def test_a_retried_txn_gets_an_equal_answer_also_from_a_snapshot() -> None:
    # One-put txns are remembered compactly (their revision) and answered again equal.
    sm = StoreStateMachine()
    create = Txn((compare_version("k", EQUAL, 0),), (Put("k", 1),), request_id="c")
    with_prev = Txn((compare_version("k", GREATER, 0),), (Put("k", 2, prev_kv=True),),
                    request_id="p")
    failed = Txn((compare_version("k", EQUAL, 0),), (Put("k", 3),), (Range("k"),),
                 request_id="f")
    answers = [sm.apply(1, create), sm.apply(2, with_prev), sm.apply(3, failed)]
    assert answers[0] == TxnResult(True, (PutResult(2),), 2)
    assert answers[1].responses[0].prev_kv.value == 1 and not answers[2].succeeded
    for i, command in enumerate((create, with_prev, failed)):
        assert sm.apply(4 + i, command) == answers[i]
    assert sm.store.revision == 3  # no retry wrote anything
    remembered = sm.snapshot().remembered()
    assert [remembered[rid] for rid in ("c", "p", "f")] == answers
    other = StoreStateMachine()
    other.restore(sm.snapshot())
    assert other.apply(10, create) == answers[0] and other.store.revision == 3


def test_watch_responses_accumulate_until_taken() -> None:
    sm = StoreStateMachine()
    wid = sm.hub.watch("p/", prefix_end("p/")).watch_id
    sm.apply(1, Put("p/a", 1))
    sm.apply(2, Txn((), (Put("p/b", 1), Put("p/c", 1), Put("q", 1))))
    sm.apply(3, Range("p/", prefix_end("p/")))
    responses = sm.take_watch_responses()
    assert [(r.watch_id, r.header_revision, len(r.events)) for r in responses] == [
        (wid, 2, 1),
        (wid, 3, 2),
    ]
    assert sm.take_watch_responses() == []


def random_command(rng: random.Random, now: float) -> object:
    roll = rng.random()
    key = rng.choice(KEYS)
    lease = rng.choice((0, 0, 0, 1, 2, 3))
    rid = f"c{rng.randrange(4)}:{rng.randrange(60)}" if rng.random() < 0.3 else ""
    if roll < 0.35:
        return Put(key, rng.randrange(100), lease=lease, prev_kv=rng.random() < 0.5, request_id=rid)
    if roll < 0.45:
        start, end = rng.choice(INTERVALS)
        return DeleteRange(start, end, prev_kv=True, request_id=rid)
    if roll < 0.6:
        ops = [Put(k, rng.randrange(100)) for k in rng.sample(KEYS, rng.randint(0, 3))]
        if rng.random() < 0.3:
            ops.append(DeleteRange(*rng.choice(INTERVALS)))  # may clash: DuplicateKey
        if rng.random() < 0.5:
            ops.append(Range(*rng.choice(INTERVALS)))
        cmp = compare_mod(key, rng.choice((EQUAL, GREATER)), rng.randrange(20))
        return Txn((cmp,), tuple(ops), (Range(key),), request_id=rid)
    if roll < 0.7:
        return Range(*rng.choice(INTERVALS), limit=rng.randrange(3), revision=rng.randrange(40))
    if roll < 0.77:
        return LeaseGrant(rng.choice((0, 1, 2, 3)), rng.randint(1, 20), now=now, request_id=rid)
    if roll < 0.84:
        return LeaseKeepAlive(rng.choice((1, 2, 3)), now=now)
    if roll < 0.88:
        return LeaseRevoke(rng.choice((1, 2, 3)))
    if roll < 0.95:
        return LeaseExpire(now=now)
    return Compact(rng.randrange(1, 40))


def commands(seed: int, n: int) -> list[object]:
    rng = random.Random(seed)
    now = 0.0
    out = []
    for _ in range(n):
        now += rng.random()
        out.append(random_command(rng, now))
    return out


@pytest.mark.parametrize("seed", range(8))
def test_same_commands_same_state_and_results(seed: int) -> None:
    stream = commands(seed, 300)
    a, b = StoreStateMachine(), StoreStateMachine()
    # b also serves watchers: watching must not influence the replicated state.
    b.hub.watch("\0", "\0")
    results_a = [a.apply(i + 1, c) for i, c in enumerate(stream)]
    results_b = [b.apply(i + 1, c) for i, c in enumerate(stream)]
    assert results_a == results_b, f"seed={seed}"
    assert a.snapshot() == b.snapshot(), f"seed={seed}"
    assert a.store.revision > 20, f"seed={seed}: the stream should write"
    kinds = {type(r).__name__ for r in results_a}
    assert {"PutResult", "TxnResult", "LeaseExpireResult"} <= kinds, f"seed={seed} {kinds}"


@pytest.mark.parametrize("seed", range(8))
def test_snapshot_restore_then_continue_equals_never_stopping(seed: int) -> None:
    stream = commands(seed, 300)
    whole = StoreStateMachine()
    for i, command in enumerate(stream):
        whole.apply(i + 1, command)
    first = StoreStateMachine()
    for i, command in enumerate(stream[:150]):
        first.apply(i + 1, command)
    image = first.snapshot()
    second = StoreStateMachine()
    second.restore(image)
    assert second.snapshot() == image, f"seed={seed}: round trip"
    for i, command in enumerate(stream[150:], start=151):
        second.apply(i, command)
    assert second.snapshot() == whole.snapshot(), f"seed={seed}"
    # The image shares nothing mutable with either live machine.
    assert first.snapshot() == image and image.applied_index == 150, f"seed={seed}"
    third = StoreStateMachine()
    third.restore(image)
    assert third.snapshot() == image, f"seed={seed}: restoring twice"


def test_restored_machine_serves_the_same_reads_and_watch_history() -> None:
    sm = StoreStateMachine()
    for i, command in enumerate(commands(3, 200)):
        sm.apply(i + 1, command)
    copy = StoreStateMachine()
    copy.restore(sm.snapshot())
    store, other = sm.store, copy.store
    for rev in range(store.compact_revision, store.revision + 1):
        for key, end in INTERVALS:
            assert store.range(key, end, revision=rev) == other.range(key, end, revision=rev)
    assert list(store.history(store.compact_revision)) == list(
        other.history(other.compact_revision)
    )
    assert len(store) == len(other)
    assert store.leases.records() == other.leases.records()
    for lease_id in store.leases.ids():
        assert store.lease_time_to_live(lease_id, 0, keys=True) == other.lease_time_to_live(
            lease_id, 0, keys=True
        )


def test_restore_catches_existing_watchers_up_or_cancels_them() -> None:
    leader = StoreStateMachine()
    follower = StoreStateMachine()
    for i in range(1, 4):
        command = Put("k", i)
        leader.apply(i, command)
        follower.apply(i, command)  # revisions 2..4
    behind = follower.hub.watch("k", start_revision=0).watch_id  # wants 5 onwards
    future = follower.hub.watch("k", start_revision=8).watch_id
    for i in range(4, 9):
        leader.apply(i, Put("k", i))  # revisions 5..9
    leader.apply(9, Compact(6))
    follower.restore(leader.snapshot())  # InstallSnapshot: revisions 5 is compacted away
    responses = follower.take_watch_responses()
    assert [(r.watch_id, r.canceled, r.compact_revision) for r in responses if r.canceled] == [
        (behind, True, 6)
    ]
    assert [r.header_revision for r in responses if r.watch_id == future] == [8, 9]
    assert behind not in follower.hub and future in follower.hub
    follower.apply(10, Put("k", 10))
    assert [r.header_revision for r in follower.take_watch_responses()] == [10]


def test_restore_without_compaction_gap_delivers_every_revision() -> None:
    leader, follower = StoreStateMachine(), StoreStateMachine()
    wid = follower.hub.watch("k").watch_id
    for i in range(1, 5):
        leader.apply(i, Put("k", i))
    follower.restore(leader.snapshot())
    got = [(r.watch_id, r.header_revision) for r in follower.take_watch_responses()]
    assert got == [(wid, 2), (wid, 3), (wid, 4), (wid, 5)]
