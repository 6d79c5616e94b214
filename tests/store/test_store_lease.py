"""Leases: grant, keep-alive, time-to-live, revoke and expiry deleting the attached keys."""

from __future__ import annotations

import pytest

from kactors.store import (
    MAX_LEASE_TTL,
    InvalidRequest,
    KeyValue,
    LeaseExists,
    LeaseNotFound,
    LeaseTable,
    LeaseTTLTooLarge,
    MVCCStore,
)


def test_grant_picks_ids_deterministically_and_refuses_duplicates() -> None:
    store = MVCCStore()
    assert store.lease_grant(0, 10, now=100).lease_id == 1
    assert store.lease_grant(2, 10, now=100).lease_id == 2
    assert store.lease_grant(0, 10, now=100).lease_id == 3  # skips the client-chosen 2
    with pytest.raises(LeaseExists) as info:
        store.lease_grant(2, 10, now=100)
    assert str(info.value) == "lease already exists" and info.value.lease_id == 2
    assert store.revision == 1  # granting a lease is no key-space change
    assert store.leases.ids() == [1, 2, 3]


def test_ttl_bounds() -> None:
    store = MVCCStore(min_lease_ttl=5)
    granted = store.lease_grant(1, 1, now=10.5)
    assert (granted.ttl, granted.expiry) == (5, 15.5)  # raised to the minimum
    assert store.lease_grant(2, 0, now=0).ttl == 5
    with pytest.raises(LeaseTTLTooLarge) as info:
        store.lease_grant(3, MAX_LEASE_TTL + 1, now=0)
    assert str(info.value) == "too large lease TTL"
    assert 3 not in store.leases


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda s: s.lease_grant(-1, 10, now=0), "lease id must be a non-negative int, not -1"),
        (lambda s: s.lease_grant("1", 10, now=0), "lease id must be a non-negative int, not '1'"),
        (lambda s: s.lease_grant(1, 1.5, now=0), "ttl must be an int, not 1.5"),
        (lambda s: s.lease_grant(1, 10, now=None), "now must be a number, not None"),
        (lambda s: s.lease_keep_alive(1, now="x"), "now must be a number, not 'x'"),
        (lambda s: s.lease_expire(now=None), "now must be a number, not None"),
        (lambda s: s.lease_revoke(None), "lease id must be a non-negative int, not None"),
    ],
)
def test_bad_lease_requests(call, message) -> None:  # type: ignore[no-untyped-def]
    store = MVCCStore()
    store.lease_grant(1, 10, now=0)
    before = store.snapshot()
    with pytest.raises(InvalidRequest) as info:
        call(store)
    assert str(info.value) == message
    assert store.snapshot() == before


def test_revoke_deletes_attached_keys_in_one_revision_sorted() -> None:
    store = MVCCStore()
    store.lease_grant(7, 10, now=0)
    store.put("z", 1, lease=7)  # 2
    store.put("a", 1, lease=7)  # 3
    store.put("free", 1)  # 4
    result = store.lease_revoke(7)
    assert (result.revision, result.deleted) == (5, 2)
    assert [(e.type.value, e.kv.key) for e in store.events_at(5)] == [
        ("DELETE", "a"),
        ("DELETE", "z"),
    ]
    assert store.get("a") is None and store.get("z") is None and store.get("free") is not None
    assert 7 not in store.leases
    with pytest.raises(LeaseNotFound) as info:
        store.lease_revoke(7)
    assert str(info.value) == "requested lease not found" and info.value.lease_id == 7


def test_revoking_a_lease_without_keys_creates_no_revision() -> None:
    store = MVCCStore()
    store.lease_grant(1, 10, now=0)
    assert store.lease_revoke(1).revision == 1 and store.revision == 1


def test_overwrite_without_lease_or_delete_detaches() -> None:
    store = MVCCStore()
    store.lease_grant(1, 10, now=0)
    store.lease_grant(2, 10, now=0)
    store.put("moved", 1, lease=1)
    store.put("moved", 2, lease=2)  # now belongs to lease 2
    store.put("freed", 1, lease=1)
    store.put("freed", 2)  # no lease any more
    store.put("deleted", 1, lease=1)
    store.delete_range("deleted")
    store.put("deleted", 2)  # recreated without lease
    assert store.lease_time_to_live(1, now=0, keys=True).keys == ()
    assert store.lease_time_to_live(2, now=0, keys=True).keys == ("moved",)
    assert store.get("moved") == KeyValue("moved", 2, 2, 3, 2, 2)
    store.lease_revoke(1)
    assert store.get("freed") is not None and store.get("deleted") is not None
    store.lease_revoke(2)
    assert store.get("moved") is None


def test_keep_alive_extends_from_the_given_now() -> None:
    store = MVCCStore()
    store.lease_grant(1, 10, now=100)
    result = store.lease_keep_alive(1, now=105)
    assert (result.lease_id, result.ttl, result.expiry, result.revision) == (1, 10, 115, 1)
    ttl = store.lease_time_to_live(1, now=111)
    assert (ttl.ttl, ttl.remaining, ttl.keys) == (10, 4, ())
    assert store.lease_time_to_live(1, now=200).remaining == 0
    with pytest.raises(LeaseNotFound):
        store.lease_keep_alive(99, now=105)
    with pytest.raises(LeaseNotFound):
        store.lease_time_to_live(99, now=105)


def test_an_expired_lease_cannot_be_kept_alive() -> None:
    store = MVCCStore()
    store.lease_grant(1, 10, now=0)
    with pytest.raises(LeaseNotFound):
        store.lease_keep_alive(1, now=10)
    assert store.leases.get(1).expiry == 10  # type: ignore[union-attr]


def test_expire_revokes_only_leases_past_their_deadline() -> None:
    store = MVCCStore()
    store.lease_grant(1, 10, now=0)  # expires at 10
    store.lease_grant(2, 10, now=0)  # kept alive below
    store.lease_grant(3, 30, now=0)  # expires at 30
    store.put("k1", 1, lease=1)
    store.put("k2", 1, lease=2)
    store.put("k3", 1, lease=3)
    store.lease_keep_alive(2, now=9)  # now expires at 19
    assert store.leases.expired(10) == [1]
    assert store.leases.expired(30) == [1, 2, 3]
    result = store.lease_expire(now=10)
    assert (result.lease_ids, result.deleted, result.revision) == ((1,), 1, 5)
    assert store.get("k1") is None and store.get("k2") is not None
    # Nothing expired: no revision.
    assert store.lease_expire(now=12).lease_ids == () and store.revision == 5
    result = store.lease_expire(now=40)
    assert (result.lease_ids, result.deleted, result.revision) == ((2, 3), 2, 6)
    assert [e.kv.key for e in store.events_at(6)] == ["k2", "k3"]
    assert len(store) == 0 and len(store.leases) == 0


def test_lease_table_records_round_trip() -> None:
    table = LeaseTable()
    table.grant(5, 10, now=1)
    table.grant(0, 20, now=2)
    table.attach(5, "k")
    copy = LeaseTable.from_records(table.records(), table.next_id)
    assert copy.records() == table.records() and copy.next_id == table.next_id == 2
    assert copy.get(5).keys == {}  # type: ignore[union-attr]  # keys are re-attached by the store
