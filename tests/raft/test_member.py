"""A 3-member Raft store in virtual time: election, writes, reads, watches, bad input."""

from __future__ import annotations

from typing import Any

import pytest
import trio

from kactors.raft import MemoryStorage, RaftMember
from kactors.store import (
    Compacted,
    EmptyKey,
    InvalidCompare,
    InvalidRange,
    InvalidRequest,
    LeaseNotFound,
    NotLeader,
    Put,
    Range,
    StoreRequest,
    WatchCreate,
    WatchNotice,
    compare_value,
)
from kactors.store.compare import Compare, CompareResult
from kactors.store.protocol import StoreBatch

from .member_harness import Harness, events, new_system


async def test_three_members_elect_one_leader_and_commit_writes(autojump_clock: Any) -> None:
    async with new_system(seed=1) as system:
        h = await Harness.start(system)
        client, _ = await h.client()
        first = await client.put("/a", "1")
        second = await client.put("/b", "2")
        assert (first.revision, second.revision) == (2, 3)
        leader = await h.leader()
        statuses = await h.wait_applied()
        assert {s.leader for s in statuses} == {leader}
        assert {s.revision for s in statuses} == {3}
        assert [s.role for s in statuses].count("leader") == 1
        elected = events(system, "raft.elected")
        assert len(elected) == 1 and elected[0]["leader"] == leader
        assert elected[0]["actor"] == f"/etcd/{leader}"
        followers = {r["actor"] for r in events(system, "raft.leader_changed")}
        assert followers == {f"/etcd/{n}" for n in h.cluster.names if n != leader}
        assert client.leader.name == leader


async def test_linearizable_and_serializable_reads(autojump_clock: Any) -> None:
    async with new_system(seed=2) as system:
        h = await Harness.start(system)
        client, _ = await h.client()
        await client.put("/k", "v1")
        kv = await client.get("/k")
        assert kv is not None and kv.value == "v1" and kv.version == 1
        assert (await client.get("/k", serializable=True)).value == "v1"  # type: ignore[union-attr]
        assert await client.get("/missing") is None
        await client.put("/k", "v2")
        old = await client.get("/k", revision=2)
        assert old is not None and old.value == "v1"
        many = await client.range("/", "0", count_only=True)
        assert many.count == 1 and many.kvs == ()
        leader = await h.leader()
        follower = next(n for n in h.cluster.names if n != leader)
        await h.wait_applied()
        # A follower answers serializable reads from its own state, refuses linearizable ones.
        local = await h.ref(follower).ask(StoreRequest(Range("/k"), serializable=True))
        assert local.kvs[0].value == "v2"
        refused = await h.ref(follower).ask(StoreRequest(Range("/k")))
        assert refused == NotLeader(follower, leader)
        assert await h.ref(follower).ask(StoreRequest(Put("/x", 1))) == NotLeader(follower, leader)


async def test_a_client_that_starts_at_a_follower_follows_the_hint(autojump_clock: Any) -> None:
    async with new_system(seed=3) as system:
        h = await Harness.start(system)
        client, _ = await h.client()
        await client.put("/warm", 0)
        leader = await h.leader()
        follower = next(n for n in h.cluster.names if n != leader)
        client._leader = h.cluster.names.index(follower)  # as if it had guessed wrong
        await client.put("/k", 1)
        assert client.leader.name == leader


async def test_a_batch_refused_by_a_follower_is_retried_at_the_leader(
        autojump_clock: Any) -> None:
    async with new_system(seed=8) as system:
        h = await Harness.start(system)
        client, _ = await h.client()
        await client.put("/warm", 0)
        leader = await h.leader()
        follower = next(n for n in h.cluster.names if n != leader)
        client._leader = h.cluster.names.index(follower)
        results: list[Any] = [None] * 20

        async def put(i: int) -> None:
            results[i] = await client.put(f"/k{i}", i)

        async with trio.open_nursery() as nursery:
            for i in range(20):
                nursery.start_soon(put, i)
        assert sorted(r.revision for r in results) == list(range(3, 23))
        assert client.leader.name == leader


async def test_members_answer_a_batch_request_by_request(autojump_clock: Any) -> None:
    async with new_system(seed=9) as system:
        h = await Harness.start(system)
        client, _ = await h.client()
        await client.put("/a", 1)
        leader = await h.leader()
        follower = next(n for n in h.cluster.names if n != leader)
        await h.wait_applied()
        batch = StoreBatch((StoreRequest(Put("/b", 2)), StoreRequest(Range("/a")),
                            StoreRequest(Range("/a"), serializable=True),
                            StoreRequest(Put("", 0)), "junk"))  # type: ignore[arg-type]
        at_leader = await h.ref(leader).ask(batch)
        assert at_leader[0].revision == 3 and at_leader[1].kvs[0].value == 1
        assert at_leader[2].kvs[0].value == 1 and str(at_leader[3]) == "key is not provided"
        assert str(at_leader[4]) == "not a StoreRequest: str"
        at_follower = await h.ref(follower).ask(batch)
        refused = NotLeader(follower, leader)
        assert at_follower[0] == refused and at_follower[1] == refused
        assert at_follower[2].kvs[0].value == 1 and at_follower[3] == refused
        assert await h.ref(leader).ask(StoreBatch(())) == ()


async def test_watch_from_a_revision_catches_up_then_streams_live(autojump_clock: Any) -> None:
    async with new_system(seed=4) as system:
        h = await Harness.start(system)
        client, probe = await h.client()
        for i in range(3):
            await client.put(f"/pods/p{i}", i)  # revisions 2, 3, 4
        await client.put("/other", "x")  # 5: outside the watched prefix
        started = await client.watch("pods", "/pods/", "/pods0", start_revision=3)
        assert started.tag == "pods" and started.revision == 5
        await client.put("/pods/p9", 9)  # 6
        await client.delete_range("/pods/p0")  # 7
        await trio.sleep(0.5)
        assert probe.revisions("pods") == [3, 4, 6, 7]
        last = probe.notices[-1].response.events[0]
        assert last.type.value == "DELETE" and last.kv.key == "/pods/p0"
        assert {n.member for n in probe.notices} == {started.member}
        assert all(client.accepts(n) for n in probe.notices)
        stray = WatchNotice("pods", "etcd-9", probe.notices[0].response)
        assert not client.accepts(stray)  # e.g. an old member after a re-watch
        await client.cancel_watch("pods")
        assert not client.accepts(probe.notices[0])
        await client.put("/pods/p10", 10)
        await trio.sleep(0.5)
        assert probe.revisions("pods") == [3, 4, 6, 7]


async def test_a_batch_watch_gets_one_notice_per_apply_round(autojump_clock: Any) -> None:
    """Writes committed together reach a `batch` watcher as one notice holding one
    response per revision, in order, with one seq; a plain watcher gets one each."""
    async with new_system(seed=4) as system:
        h = await Harness.start(system)
        client, probe = await h.client()
        await client.put("/warm", 0)  # a leader is known: the puts below go out together
        await client.watch("batched", "/pods/", "/pods0", batch=True)
        await client.watch("plain", "/pods/", "/pods0")
        async with trio.open_nursery() as nursery:
            for i in range(5):
                nursery.start_soon(client.put, f"/pods/p{i}", i)
        await trio.sleep(0.5)
        batched = [n for n in probe.notices if n.tag == "batched"]
        plain = [n for n in probe.notices if n.tag == "plain"]
        assert len(plain) == 5 and all(not n.more for n in plain)
        assert len(batched) < 5
        revisions = [r.header_revision for n in batched for r in n.responses]
        assert revisions == [n.response.header_revision for n in plain]
        assert revisions == sorted(revisions) and len(set(revisions)) == 5
        assert [n.seq for n in batched] == list(range(1, len(batched) + 1))


async def test_progress_notifications_reach_watchers_that_asked(autojump_clock: Any) -> None:
    async with new_system(seed=5) as system:
        h = await Harness.start(system, progress_notify_interval=5.0)
        client, probe = await h.client()
        await client.put("/a", 1)
        await client.watch("quiet", "/a", progress_notify=True)
        await client.watch("silent", "/b")
        await trio.sleep(11)
        bookmarks = [n for n in probe.notices if n.response.progress]
        assert len(bookmarks) == 2 and {n.tag for n in bookmarks} == {"quiet"}
        assert bookmarks[-1].response.header_revision == 2


async def test_watching_actor_that_stops_is_forgotten(autojump_clock: Any) -> None:
    async with new_system(seed=6) as system:
        h = await Harness.start(system)
        client, _ = await h.client()
        watcher, _ = await h.client(host="watcher")
        started = await watcher.watch("w", "/a")
        await system.stop(system.lookup("/watcher"))  # type: ignore[arg-type]
        await trio.sleep(0.1)
        before = system.dead_letters
        await client.put("/a", 1)
        await trio.sleep(0.5)
        assert system.dead_letters == before  # no notice sent to the stopped watcher
        member = h.ref(started.member)
        assert await member.ask(WatchCreate("w", "/a", None, 0, member)) is not None


async def test_bad_input_gets_the_specific_error_and_the_member_keeps_running(
        autojump_clock: Any) -> None:
    async with new_system(seed=7) as system:
        h = await Harness.start(system, snapshot_threshold=50)
        client, _ = await h.client()
        with pytest.raises(EmptyKey, match="^key is not provided$"):
            await client.put("", 1)
        with pytest.raises(EmptyKey):
            await client.get("")
        with pytest.raises(InvalidRange, match="^range end is before key$"):
            await client.range("/b", "/a")
        with pytest.raises(InvalidRange):
            await client.delete_range("/b", "/a")
        bogus = Compare("/a", "BOGUS", CompareResult.EQUAL, 1)  # type: ignore[arg-type]
        with pytest.raises(InvalidCompare, match="^invalid compare target$"):
            await client.txn([bogus], [Put("/a", 1)], [])
        with pytest.raises(LeaseNotFound, match="^requested lease not found$"):
            await client.lease_keep_alive(424242)
        with pytest.raises(LeaseNotFound):
            await client.put("/leased", 1, lease=77)
        with pytest.raises(LeaseNotFound):
            await client.lease_revoke(77)
        for i in range(5):
            await client.put("/a", i)
        await client.compact(5)
        with pytest.raises(Compacted, match="compacted") as info:
            await client.watch("old", "/a", start_revision=2)
        assert info.value.compact_revision == 5
        with pytest.raises(Compacted):
            await client.get("/a", revision=3)
        with pytest.raises(InvalidRequest, match="^unknown command: str$"):
            await client._read(StoreRequest("not a command"))  # type: ignore[arg-type]
        # Still the same members, still serving.
        assert all(p.restarts == 0 for p in _member_cells(h))
        result = await client.txn([compare_value("/a", CompareResult.EQUAL, 4)],
                                  [Put("/a", "ok")], [])
        assert result.succeeded
        assert (await client.get("/a")).value == "ok"  # type: ignore[union-attr]


def _member_cells(h: Harness) -> list[Any]:
    return [h.ref(n)._cell for n in h.cluster.names]


def test_a_member_rejects_a_peer_template_without_id() -> None:
    with pytest.raises(ValueError, match="^peer path template must contain '{id}', got '/x'$"):
        RaftMember("m", ["m"], MemoryStorage(), "/x")
