"""MVCCStore: revisions and versions, ranges and their options, deletes, bad input."""

from __future__ import annotations

import random

import pytest

from kactors.store import (
    ALL_KEYS,
    Compacted,
    EmptyKey,
    Event,
    FutureRevision,
    InvalidRange,
    InvalidRequest,
    KeyValue,
    LeaseNotFound,
    MVCCStore,
    Put,
    PutResult,
    SortOrder,
    SortTarget,
    prefix_end,
)

from .model import INTERVALS, Model, random_write


def filled(*keys: str) -> MVCCStore:
    store = MVCCStore()
    for key in keys:
        store.put(key, f"v-{key}")
    return store


def test_new_store_starts_at_revision_1_and_is_empty() -> None:
    store = MVCCStore()
    assert store.revision == 1 and store.compact_revision == 0 and len(store) == 0
    assert store.get("a") is None
    result = store.range("\0", ALL_KEYS)
    assert (result.kvs, result.count, result.more, result.revision) == ((), 0, False, 1)


def test_revisions_and_versions_through_create_update_delete_recreate() -> None:
    store = MVCCStore()
    assert store.put("a", "1") == PutResult(2, None)
    assert store.get("a") == KeyValue("a", "1", 2, 2, 1, 0)
    assert store.put("b", "x").revision == 3
    assert store.put("a", "2") == PutResult(4, None)
    assert store.get("a") == KeyValue("a", "2", 2, 4, 2, 0)
    deleted = store.delete_range("a", prev_kv=True)
    assert (deleted.revision, deleted.deleted) == (5, 1)
    assert deleted.prev_kvs == (KeyValue("a", "2", 2, 4, 2, 0),)
    assert store.get("a") is None and store.revision == 5
    assert store.put("a", "3").revision == 6
    assert store.get("a") == KeyValue("a", "3", 6, 6, 1, 0)  # version restarts at 1
    # Every past revision is still readable.
    assert store.get("a", revision=1) is None
    assert store.get("a", revision=2) == KeyValue("a", "1", 2, 2, 1, 0)
    assert store.get("a", revision=3) == KeyValue("a", "1", 2, 2, 1, 0)
    assert store.get("a", revision=4) == KeyValue("a", "2", 2, 4, 2, 0)
    assert store.get("a", revision=5) is None
    assert store.get("a", revision=6) == KeyValue("a", "3", 6, 6, 1, 0)


def test_put_prev_kv_and_same_value_still_makes_a_revision() -> None:
    store = MVCCStore()
    store.put("k", "v")
    result = store.put("k", "v", prev_kv=True)
    assert result == PutResult(3, KeyValue("k", "v", 2, 2, 1, 0))
    assert store.get("k").version == 2  # type: ignore[union-attr]


def test_values_are_stored_as_is_without_copy() -> None:
    store = MVCCStore()
    value = ("frozen", ("object",))
    store.put("k", value)
    got = store.get("k")
    assert got is not None and got.value is value


def test_range_single_prefix_interval_and_all() -> None:
    store = filled("a", "ab", "abc", "b", "ba", "c")
    keys = lambda r: [kv.key for kv in r.kvs]  # noqa: E731
    assert keys(store.range("ab")) == ["ab"]
    assert keys(store.range("zz")) == []
    assert keys(store.range("a", prefix_end("a"))) == ["a", "ab", "abc"]
    assert keys(store.range("ab", "ba")) == ["ab", "abc", "b"]
    assert keys(store.range("b", ALL_KEYS)) == ["b", "ba", "c"]
    assert keys(store.range("\0", ALL_KEYS)) == ["a", "ab", "abc", "b", "ba", "c"]
    assert keys(store.range("b", "b")) == []
    assert store.range("a", prefix_end("a")).revision == store.revision


def test_range_limit_count_and_more() -> None:
    store = filled("a", "ab", "abc", "abd", "b")
    result = store.range("a", prefix_end("a"), limit=2)
    assert [kv.key for kv in result.kvs] == ["a", "ab"]
    assert (result.count, result.more) == (4, True)
    result = store.range("a", prefix_end("a"), limit=4)
    assert (len(result.kvs), result.count, result.more) == (4, 4, False)
    result = store.range("a", prefix_end("a"), limit=10)
    assert (len(result.kvs), result.count, result.more) == (4, 4, False)
    result = store.range("a", limit=1)
    assert (len(result.kvs), result.count, result.more) == (1, 1, False)


def test_range_count_only_and_keys_only() -> None:
    store = filled("a", "ab", "b")
    result = store.range("a", prefix_end("a"), count_only=True)
    assert (result.kvs, result.count, result.more) == ((), 2, False)
    result = store.range("a", prefix_end("a"), keys_only=True)
    assert result.kvs == (KeyValue("a", None, 2, 2, 1, 0), KeyValue("ab", None, 3, 3, 1, 0))
    assert store.get("a").value == "v-a"  # type: ignore[union-attr]
    result = store.range("a", prefix_end("a"), count_only=True, revision=2)
    assert (result.kvs, result.count) == ((), 1)


def test_range_sorting() -> None:
    store = MVCCStore()
    store.put("c", 1)
    store.put("a", 1)
    store.put("b", 1)
    store.put("a", 2)  # a: version 2, mod 5
    keys = lambda **kw: [kv.key for kv in store.range("\0", ALL_KEYS, **kw).kvs]  # noqa: E731
    assert keys() == ["a", "b", "c"]
    assert keys(sort_order=SortOrder.DESCEND) == ["c", "b", "a"]
    assert keys(sort_target=SortTarget.MOD) == ["c", "b", "a"]  # NONE + target => ascending
    assert keys(sort_order=SortOrder.DESCEND, sort_target=SortTarget.MOD) == ["a", "b", "c"]
    assert keys(sort_order=SortOrder.ASCEND, sort_target=SortTarget.CREATE) == ["c", "a", "b"]
    # Ties keep key order (stable), also descending.
    assert keys(sort_order=SortOrder.DESCEND, sort_target=SortTarget.VERSION) == ["a", "b", "c"]
    # Limit applies after sorting.
    assert keys(sort_order=SortOrder.DESCEND, limit=1) == ["c"]
    result = store.range("\0", ALL_KEYS, sort_target=SortTarget.MOD, limit=2)
    assert ([kv.key for kv in result.kvs], result.count, result.more) == (["c", "b"], 3, True)


def test_range_at_past_revision_with_limit_and_deleted_keys() -> None:
    store = filled("a", "ab", "abc")  # revisions 2, 3, 4
    store.delete_range("ab")  # 5
    store.put("a", "new")  # 6
    result = store.range("a", prefix_end("a"), revision=4, limit=2)
    assert [kv.key for kv in result.kvs] == ["a", "ab"]
    assert (result.count, result.more, result.revision) == (3, True, 6)
    assert result.kvs[0].value == "v-a"
    result = store.range("a", prefix_end("a"), revision=5)
    assert [kv.key for kv in result.kvs] == ["a", "abc"]
    assert store.range("a", prefix_end("a"), revision=3).count == 2
    # The current revision given explicitly is the current state.
    assert store.range("a", prefix_end("a"), revision=6) == store.range("a", prefix_end("a"))


def test_delete_range_prefix_single_and_nothing() -> None:
    store = filled("a", "ab", "abc", "b")
    result = store.delete_range("a", prefix_end("a"))
    assert (result.revision, result.deleted, result.prev_kvs) == (6, 3, ())
    assert [kv.key for kv in store.range("\0", ALL_KEYS).kvs] == ["b"]
    # Deleting nothing creates no revision.
    result = store.delete_range("zz")
    assert (result.revision, result.deleted) == (6, 0)
    assert store.delete_range("a", prefix_end("a")).deleted == 0
    assert store.revision == 6
    result = store.delete_range("\0", ALL_KEYS, prev_kv=True)
    assert [kv.key for kv in result.prev_kvs] == ["b"]
    assert len(store) == 0


def test_delete_events_share_the_revision() -> None:
    store = filled("a", "ab")
    store.delete_range("a", prefix_end("a"))
    events = store.events_at(store.revision)
    assert [(e.type.value, e.kv.key, e.kv.mod_revision) for e in events] == [
        ("DELETE", "a", 4),
        ("DELETE", "ab", 4),
    ]
    assert events[0].kv == KeyValue("a", None, 0, 4, 0, 0)  # etcd's DELETE event kv
    assert events[0].prev_kv == KeyValue("a", "v-a", 2, 2, 1, 0)


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda s: s.put("", "v"), EmptyKey, "key is not provided"),
        (lambda s: s.put(None, "v"), EmptyKey, "key is not provided"),
        (lambda s: s.put(3, "v"), InvalidRequest, "key must be a str, not int"),
        (lambda s: s.put("k", "v", lease=7), LeaseNotFound, "requested lease not found"),
        (lambda s: s.put("k", "v", lease="7"), InvalidRequest, "lease must be an int, not '7'"),
        (lambda s: s.get(""), EmptyKey, "key is not provided"),
        (lambda s: s.range(""), EmptyKey, "key is not provided"),
        (lambda s: s.range("b", "a"), InvalidRange, "range end is before key"),
        (
            lambda s: s.range("a", revision=99),
            FutureRevision,
            "mvcc: required revision is a future revision",
        ),
        (lambda s: s.range("a", revision="1"), InvalidRequest, "revision must be an int, not '1'"),
        (lambda s: s.range("a", limit=None), InvalidRequest, "limit must be an int, not None"),
        (lambda s: s.range("a", sort_order="ASCEND"), InvalidRequest, "invalid sort option"),
        (lambda s: s.delete_range(""), EmptyKey, "key is not provided"),
        (lambda s: s.delete_range("b", "a"), InvalidRange, "range end is before key"),
        (lambda s: s.compact(99), FutureRevision, "mvcc: required revision is a future revision"),
        (lambda s: s.compact(1.5), InvalidRequest, "revision must be an int, not 1.5"),
    ],
)
def test_bad_input_raises_exact_error_and_leaves_state_unchanged(call, error, message) -> None:  # type: ignore[no-untyped-def]
    store = filled("a", "b")
    before = store.snapshot()
    with pytest.raises(error) as info:
        call(store)
    assert str(info.value) == message
    assert store.snapshot() == before


def test_error_attributes_and_value_equality() -> None:
    store = filled("a", "b", "c")
    store.compact(3)
    with pytest.raises(Compacted) as info:
        store.range("a", revision=2)
    assert info.value.compact_revision == 3
    assert str(info.value) == "mvcc: required revision has been compacted"
    assert info.value == Compacted(3) and info.value != Compacted(4)
    assert hash(Compacted(3)) == hash(Compacted(3))
    assert repr(Compacted(3)) == "Compacted(3)"
    with pytest.raises(FutureRevision) as future:
        store.get("a", revision=5)
    assert (future.value.revision, future.value.current_revision) == (5, 4)
    with pytest.raises(LeaseNotFound) as lease:
        store.put("a", 1, lease=42)
    assert lease.value.lease_id == 42


@pytest.mark.parametrize("seed", range(12))
def test_random_writes_match_the_naive_model_at_every_revision(seed: int) -> None:
    rng = random.Random(seed)
    store = MVCCStore()
    model = Model()
    for _ in range(60):
        ops = random_write(rng)
        if len(ops) == 1 and ops[0][0] == "put":
            _, key, value = ops[0]
            store.put(key, value)
        elif len(ops) == 1:
            _, key, end = ops[0]
            store.delete_range(key, end)
        else:
            store.txn((), tuple(Put(k, v) for _, k, v in ops))
        model.write(ops)
        assert store.revision == model.revision, f"seed={seed}"
    for rev in range(1, model.revision + 1):
        for key, end in INTERVALS:
            expected = model.range(key, end, rev)
            got = store.range(key, end, revision=rev)
            assert got.kvs == expected, f"seed={seed} rev={rev} [{key!r},{end!r})"
            assert got.count == len(expected), f"seed={seed} rev={rev}"
            limited = store.range(key, end, revision=rev, limit=2)
            assert limited.kvs == expected[:2], f"seed={seed} rev={rev} limit"
            assert limited.more == (len(expected) > 2), f"seed={seed} rev={rev} more"
        changes = [(e.type.value, e.kv.key) for e in store.events_at(rev)]
        assert changes == model.changes.get(rev, []), f"seed={seed} rev={rev} events"
    assert len(store) == len(model.current), f"seed={seed}"


def test_the_event_log_hands_out_each_revisions_events_however_it_keeps_them() -> None:
    # The log keeps a create as its KeyValue, a lone change as its Event and several
    # changes as a tuple; reads, watch catch-up and a restored store see the same events.
    store = MVCCStore()
    store.put("a", 1)  # 2: create
    store.put("a", 2)  # 3: update
    store.txn((), (Put("b", 1), Put("c", 1)))  # 4: two creates
    store.delete_range("a")  # 5: delete
    store.put("a", 3)  # 6: re-create
    expected = {
        2: [("PUT", "a", 1, None)],
        3: [("PUT", "a", 2, 1)],
        4: [("PUT", "b", 1, None), ("PUT", "c", 1, None)],
        5: [("DELETE", "a", None, 2)],
        6: [("PUT", "a", 3, None)],
    }

    def described(events: tuple[Event, ...]) -> list[tuple[str, str, object, object]]:
        assert events.__class__ is tuple and all(e.__class__ is Event for e in events)
        return [(e.type.value, e.kv.key, e.kv.value,
                 None if e.prev_kv is None else e.prev_kv.value) for e in events]

    assert {rev: described(store.events_at(rev)) for rev in expected} == expected
    assert store.events_at(2)[0].kv is store.get("a", revision=2)  # shared, not copied
    restored = MVCCStore.from_snapshot(store.snapshot())
    assert {rev: described(events) for rev, events in restored.history(2)} == expected
