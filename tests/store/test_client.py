"""`StoreClient` against a single `LocalStore`: the same API as against a Raft group."""

from __future__ import annotations

from typing import Any

import pytest
import trio

from kactors.actors import Actor, ActorSystem
from kactors.store import (
    Compacted,
    DeleteRange,
    MemberStatus,
    OutcomeUnknown,
    Put,
    Range,
    StoreClient,
    StoreError,
    Unavailable,
    WatchNotice,
    compare_mod,
)
from kactors.store.compare import CompareResult
from kactors.store.local import LocalStore


class Probe(Actor):
    def __init__(self, box: list[Probe]) -> None:
        self.box = box
        self.notices: list[WatchNotice] = []

    async def started(self) -> None:
        self.box.append(self)

    def receive(self, message: Any) -> Any:
        if isinstance(message, WatchNotice):
            self.notices.append(message)
        return None


def new_system(seed: int = 0) -> ActorSystem:
    return ActorSystem(seed=seed, log_to_stdout=False, capture_logs=True)


async def local_client(system: ActorSystem, **options: Any) -> tuple[StoreClient, Probe]:
    store = await system.start(LocalStore, name="store", host="store")
    box: list[Probe] = []
    await system.start(lambda: Probe(box), name="client", host="client")
    options.setdefault("client_id", "c")
    return StoreClient(box[0].ctx, [store], **options), box[0]


async def test_the_whole_api_against_a_local_store(autojump_clock: Any) -> None:
    async with new_system() as system:
        client, probe = await local_client(system)
        put = await client.put("/a", 1)
        assert put.revision == 2
        replaced = await client.put("/a", 2, prev_kv=True)
        assert replaced.prev_kv is not None and replaced.prev_kv.value == 1
        await client.put("/b", 3)
        listed = await client.range("/", "0", limit=1)
        assert [kv.key for kv in listed.kvs] == ["/a"] and listed.more and listed.count == 2
        keys = await client.range("/", "0", keys_only=True)
        assert [kv.value for kv in keys.kvs] == [None, None]
        assert (await client.get("/a", revision=2)).value == 1  # type: ignore[union-attr]
        assert (await client.get("/a", serializable=True)).value == 2  # type: ignore[union-attr]
        txn = await client.txn([compare_mod("/a", CompareResult.EQUAL, 3)],
                               [Put("/a", "swapped"), Range("/b")], [DeleteRange("/a")])
        assert txn.succeeded and txn.responses[1].kvs[0].value == 3
        deleted = await client.delete_range("/", "0", prev_kv=True)
        assert deleted.deleted == 2 and {kv.key for kv in deleted.prev_kvs} == {"/a", "/b"}
        compacted = await client.compact(deleted.revision)
        assert compacted.compact_revision == deleted.revision
        with pytest.raises(Compacted):
            await client.get("/a", revision=2)
        lease = await client.lease_grant(10)
        assert lease.ttl == 10 and lease.expiry == pytest.approx(system.now() + 10)
        await client.put("/leased", 1, lease=lease.lease_id)
        alive = await client.lease_keep_alive(lease.lease_id)
        assert alive.lease_id == lease.lease_id
        ttl = await client.lease_time_to_live(lease.lease_id, keys=True)
        assert ttl.keys == ("/leased",)
        revoked = await client.lease_revoke(lease.lease_id)
        assert revoked.deleted == 1
        started = await client.watch("w", "/w")
        assert started.member == "local"
        await client.put("/w", "x")
        await trio.sleep(0.01)
        assert [n.tag for n in probe.notices] == ["w"]
        await client.cancel_watch("w")
        await client.cancel_watch("never-started")  # no error
        statuses = await client.status()
        assert statuses == [MemberStatus("local", "local", 1, statuses[0].commit_index,
                                         statuses[0].applied_index, statuses[0].revision,
                                         "leader")]


async def test_request_ids_are_the_client_id_and_a_sequence(autojump_clock: Any) -> None:
    async with new_system() as system:
        client, _ = await local_client(system, client_id="apiserver")
        assert client.next_request_id() == "apiserver:1"
        await client.put("/a", 1)
        assert client.next_request_id() == "apiserver:3"


async def test_default_client_ids_are_distinct_and_reproducible(autojump_clock: Any) -> None:
    ids = []
    for _ in range(2):
        async with new_system(seed=9) as system:
            client, probe = await local_client(system, client_id=None)
            other = StoreClient(probe.ctx, client.endpoints)
            ids.append((client.client_id, other.client_id))
    assert ids[0] == ids[1] and ids[0][0] != ids[0][1]
    assert ids[0][0].startswith("/client#")


async def test_an_explicit_retry_with_the_same_request_id_applies_once(
        autojump_clock: Any) -> None:
    async with new_system() as system:
        client, _ = await local_client(system)
        first = await client.put("/a", 1, request_id="op-1")
        again = await client.put("/a", 1, request_id="op-1")
        assert again == first
        assert (await client.get("/a")).version == 1  # type: ignore[union-attr]


async def test_an_unreachable_store_is_unavailable_and_a_lost_reply_unknown(
        autojump_clock: Any) -> None:
    async with new_system() as system:
        client, _ = await local_client(system, timeout=1.0)
        await client.put("/a", 1)
        system.network.partition(["client"], ["store"])
        with pytest.raises(Unavailable, match=r"^request timed out: no leader available within 1s$"):
            await client.put("/a", 2)
        system.network.heal()
        # The request gets there, the reply is lost on the way back: outcome unknown.
        from kactors.actors import LinkFaults

        system.network.set_link("store", "client", LinkFaults(drop=1.0), symmetric=False)
        with pytest.raises(OutcomeUnknown) as info:
            await client.put("/a", 3)
        assert info.value.request_id == "c:3"
        assert isinstance(info.value, StoreError)
        with pytest.raises(Unavailable):
            await client.get("/a")  # reads are retried until the deadline, then Unavailable
        system.network.set_link("store", "client", LinkFaults(), symmetric=False)
        assert (await client.get("/a")).value == 3  # type: ignore[union-attr]


def test_a_client_needs_endpoints_and_a_positive_timeout() -> None:
    class Ctx:
        path = "/x"

    with pytest.raises(ValueError, match="^a store client needs at least one endpoint$"):
        StoreClient(Ctx(), [])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"^timeout must be > 0, got 0$"):
        StoreClient(Ctx(), [object()], timeout=0)  # type: ignore[arg-type,list-item]
