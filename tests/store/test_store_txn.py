"""Txn: compare semantics (every target and result), atomicity, validation, OCC pattern."""

from __future__ import annotations

import pytest

from kactors.store import (
    ALL_KEYS,
    Compare,
    CompareResult,
    CompareTarget,
    DeleteRange,
    DeleteRangeResult,
    DuplicateKey,
    EmptyKey,
    FutureRevision,
    InvalidCompare,
    InvalidRange,
    InvalidRequest,
    KeyValue,
    LeaseNotFound,
    MVCCStore,
    Put,
    PutResult,
    Range,
    RangeResult,
    Txn,
    compare_create,
    compare_lease,
    compare_mod,
    compare_value,
    compare_version,
    prefix_end,
)

EQ, NE, GT, LT = (
    CompareResult.EQUAL,
    CompareResult.NOT_EQUAL,
    CompareResult.GREATER,
    CompareResult.LESS,
)


def store_with_k() -> MVCCStore:
    """k: value 5, version 2, create 2, mod 4, lease 1."""
    store = MVCCStore()
    store.lease_grant(1, 60, now=0)
    store.put("k", 3, lease=1)  # rev 2
    store.put("other", 0)  # rev 3
    store.put("k", 5, lease=1)  # rev 4
    return store


def holds(store: MVCCStore, cmp: Compare) -> bool:
    return store.txn((cmp,)).succeeded


# (builder, operand below, operand equal, operand above) for key "k"
TARGETS = [
    (compare_value, 4, 5, 6),
    (compare_version, 1, 2, 3),
    (compare_create, 1, 2, 3),
    (compare_mod, 3, 4, 5),
    (compare_lease, 0, 1, 2),
]


@pytest.mark.parametrize(("build", "below", "equal", "above"), TARGETS)
def test_every_target_with_every_result(build, below, equal, above) -> None:  # type: ignore[no-untyped-def]
    store = store_with_k()
    assert holds(store, build("k", EQ, equal))
    assert not holds(store, build("k", EQ, below))
    assert holds(store, build("k", NE, below))
    assert not holds(store, build("k", NE, equal))
    assert holds(store, build("k", GT, below))
    assert not holds(store, build("k", GT, equal))
    assert not holds(store, build("k", GT, above))
    assert holds(store, build("k", LT, above))
    assert not holds(store, build("k", LT, equal))
    assert not holds(store, build("k", LT, below))


def test_missing_key_compares_as_zero_except_value_which_always_fails() -> None:
    store = store_with_k()
    for build in (compare_version, compare_create, compare_mod, compare_lease):
        assert holds(store, build("missing", EQ, 0)), build.__name__
        assert holds(store, build("missing", LT, 1)), build.__name__
        assert not holds(store, build("missing", GT, 0)), build.__name__
    for result in (EQ, NE, GT, LT):
        assert not holds(store, compare_value("missing", result, "anything"))
        assert not holds(store, compare_value("missing", result, None))
    # A deleted key is missing too.
    store.delete_range("k")
    assert holds(store, compare_create("k", EQ, 0))
    assert not holds(store, compare_value("k", NE, 5))


def test_range_compare_needs_every_key_and_empty_range_is_a_missing_key() -> None:
    store = MVCCStore()
    store.put("p/a", 1)
    store.put("p/b", 1)
    end = prefix_end("p/")
    assert holds(store, compare_version("p/", EQ, 1, end))
    store.put("p/b", 2)
    assert not holds(store, compare_version("p/", EQ, 1, end))
    assert holds(store, compare_version("p/", GT, 0, end))
    assert holds(store, compare_create("q/", EQ, 0, prefix_end("q/")))
    assert not holds(store, compare_value("q/", NE, 1, prefix_end("q/")))
    assert holds(store, compare_mod("\0", GT, 1, ALL_KEYS))


def test_all_compares_must_hold() -> None:
    store = store_with_k()
    ok = compare_version("k", EQ, 2)
    bad = compare_version("k", EQ, 1)
    assert store.txn((ok, ok)).succeeded
    assert not store.txn((ok, bad)).succeeded
    assert store.txn(()).succeeded  # no compare: success branch


def test_writes_share_one_revision_in_order_and_reads_see_them() -> None:
    store = MVCCStore()
    store.put("a", 1)
    store.put("gone", 1)  # rev 3
    result = store.txn(
        (compare_value("a", EQ, 1),),
        (
            Put("a", 2, prev_kv=True),
            Put("b", 1),
            DeleteRange("gone", prev_kv=True),
            Range("a", prefix_end("a")),
            Range("a", revision=3),
        ),
    )
    assert result.succeeded and result.revision == 4 and store.revision == 4
    put_a, put_b, deleted, read, read_past = result.responses
    assert put_a == PutResult(4, KeyValue("a", 1, 2, 2, 1, 0))
    assert put_b == PutResult(4, None)
    assert deleted == DeleteRangeResult(4, 1, (KeyValue("gone", 1, 3, 3, 1, 0),))
    assert isinstance(read, RangeResult) and read.revision == 4
    assert read.kvs == (KeyValue("a", 2, 2, 4, 2, 0),)  # its own write
    assert isinstance(read_past, RangeResult) and read_past.kvs == (KeyValue("a", 1, 2, 2, 1, 0),)
    events = store.events_at(4)
    assert [(e.type.value, e.kv.key, e.kv.mod_revision) for e in events] == [
        ("PUT", "a", 4),
        ("PUT", "b", 4),
        ("DELETE", "gone", 4),
    ]


def test_failure_branch_runs_when_a_compare_fails() -> None:
    store = store_with_k()
    result = store.txn(
        (compare_value("k", EQ, 999),), (Put("k", "s"),), (Put("f", "x"), Range("k"))
    )
    assert not result.succeeded
    assert store.get("k").value == 5  # type: ignore[union-attr]
    assert store.get("f").value == "x"  # type: ignore[union-attr]
    assert result.responses[1].kvs[0].value == 5  # type: ignore[union-attr]


def test_read_only_txn_creates_no_revision() -> None:
    store = store_with_k()
    result = store.txn((compare_version("k", EQ, 2),), (Range("k"), DeleteRange("nothing")))
    assert result.revision == 4 and store.revision == 4
    assert all(r.revision == 4 for r in result.responses)


def test_optimistic_concurrency_create_update_conflict() -> None:
    """The apiserver pattern: create if absent; update if mod_revision == rv else get."""
    store = MVCCStore()
    key = "/registry/pods/default/p"

    def create(obj: str) -> bool:
        return store.txn((compare_create(key, EQ, 0),), (Put(key, obj),), (Range(key),)).succeeded

    def update(rv: int, obj: str):  # type: ignore[no-untyped-def]
        return store.txn((compare_mod(key, EQ, rv),), (Put(key, obj),), (Range(key),))

    assert create("v1")
    assert not create("v1-again")
    rv = store.get(key).mod_revision  # type: ignore[union-attr]
    first = update(rv, "v2")
    assert first.succeeded and first.revision == rv + 1
    stale = update(rv, "v2-from-a-stale-reader")
    assert not stale.succeeded and stale.revision == rv + 1
    (current,) = stale.responses[0].kvs  # type: ignore[union-attr]
    assert (current.value, current.mod_revision, current.version) == ("v2", rv + 1, 2)
    retry = update(current.mod_revision, "v3")
    assert retry.succeeded and store.get(key).value == "v3"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("txn", "error", "message"),
    [
        (Txn((), (Put("a", 1), Put("a", 2))), DuplicateKey, "duplicate key given in txn request"),
        (
            Txn((), (), (Put("a", 1), DeleteRange("a"))),
            DuplicateKey,
            "duplicate key given in txn request",
        ),
        (
            Txn((), (DeleteRange("\0", ALL_KEYS), Put("z", 1))),
            DuplicateKey,
            "duplicate key given in txn request",
        ),
        (Txn((), (Put("b", 1), Put("", 1))), EmptyKey, "key is not provided"),
        (Txn((), (Put("b", 1), Put("c", 1, lease=9))), LeaseNotFound, "requested lease not found"),
        (Txn((), (Put("b", 1), DeleteRange("z", "a"))), InvalidRange, "range end is before key"),
        (
            Txn((), (Put("b", 1), Range("a", revision=50))),
            FutureRevision,
            "mvcc: required revision is a future revision",
        ),
        (Txn((), (Put("b", 1), Txn())), InvalidRequest, "unsupported txn operation: Txn"),
        (Txn((), (Put("b", 1), "put")), InvalidRequest, "unsupported txn operation: str"),
        (
            Txn((Compare("a", "VALUE", EQ, 1),), (Put("b", 1),)),
            InvalidCompare,
            "invalid compare target",
        ),
        (
            Txn((Compare("a", CompareTarget.VALUE, "==", 1),), (Put("b", 1),)),
            InvalidCompare,
            "invalid compare result",
        ),
        (
            Txn((compare_value("a", GT, 1),), (Put("b", 1),)),
            InvalidCompare,
            "compare values are not ordered",
        ),
        (
            Txn((compare_mod("a", GT, None),), (Put("b", 1),)),
            InvalidCompare,
            "compare values are not ordered",
        ),
        (Txn((compare_mod("", EQ, 0),), (Put("b", 1),)), EmptyKey, "key is not provided"),
        (
            Txn((compare_mod("b", EQ, 0, "a"),), (Put("b", 1),)),
            InvalidRange,
            "range end is before key",
        ),
        (Txn(("cmp",), (Put("b", 1),)), InvalidRequest, "not a Compare: 'cmp'"),
        (Txn((), Put("b", 1)), InvalidRequest, "txn branch must be a tuple or list"),  # type: ignore[arg-type]
    ],
)
def test_invalid_txn_fails_before_writing_anything(txn: Txn, error: type, message: str) -> None:
    store = MVCCStore()
    store.put("a", "text")
    before = store.snapshot()
    with pytest.raises(error) as info:
        store.txn(txn.compare, txn.success, txn.failure)
    assert str(info.value) == message
    assert store.snapshot() == before


def test_overlapping_deletes_and_other_branch_duplicates_are_allowed_apart() -> None:
    store = MVCCStore()
    store.put("a", 1)
    store.put("ab", 1)
    result = store.txn((), (DeleteRange("a", prefix_end("a")), DeleteRange("ab")))
    assert [r.deleted for r in result.responses] == [2, 0]  # type: ignore[union-attr]
    # The same key in both branches is fine: only one branch runs.
    result = store.txn((), (Put("x", 1),), (Put("x", 2),))
    assert result.succeeded and store.get("x").value == 1  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "failure",
    [
        (Range("k"),),
        (Range("k", prefix_end("k")),),
        (Range("other", limit=1),),
        (Range("k", revision=2),),
        (Range("k", revision=50),),  # invalid: raises whichever branch runs
        (Range("k", "a"),),  # invalid range
        (Range("k", limit="1"),),  # type: ignore[arg-type]
    ],
)
@pytest.mark.parametrize("mod", [4, 3])  # the compare holds / fails
def test_update_shaped_txns_match_the_general_path(failure: tuple[Range], mod: int) -> None:
    """The apiserver's update (one compare, one put, a Range on failure) takes a fast path
    for tuples; lists take the general one: same result, same error, same store after."""
    results = []
    for wrap in (tuple, list):
        store = store_with_k()
        try:
            outcome: object = store.txn(wrap((compare_mod("k", EQ, mod),)),
                                        wrap((Put("k", "new"),)), wrap(failure))
        except Exception as error:  # noqa: BLE001 - compared below
            outcome = (type(error), str(error))
        results.append((outcome, store.snapshot()))
    assert results[0] == results[1]
