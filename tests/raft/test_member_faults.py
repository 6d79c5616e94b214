"""Members under faults: compaction and snapshot install, crash and restart from storage,
leader loss, proposals overwritten by a newer leader, and what the client reports."""

from __future__ import annotations

from typing import Any

import pytest
import trio

from kactors.store import OutcomeUnknown, Unavailable

from .member_harness import Harness, events, new_system


async def test_a_member_partitioned_while_the_log_was_compacted_installs_a_snapshot(
        autojump_clock: Any) -> None:
    async with new_system(seed=11) as system:
        h = await Harness.start(system, snapshot_threshold=20, snapshot_catch_up_entries=5)
        client, _ = await h.client()
        await client.put("/warm", 0)
        leader = await h.leader()
        lagging = next(n for n in h.cluster.names if n != leader)
        others = [n for n in h.cluster.names if n != lagging]
        system.network.partition([lagging], [*others, "client"])
        for i in range(60):
            await client.put(f"/k{i % 7}", i)
        assert h.cluster.storages[leader].first_index() > 20  # the log was compacted
        behind = await h.status(lagging)
        assert behind.applied_index < 20
        system.network.heal()
        statuses = await h.wait_applied()
        assert len({s.revision for s in statuses}) == 1
        installed = events(system, "raft.snapshot_installed", f"/etcd/{lagging}")
        assert installed and installed[0]["index"] > behind.applied_index
        assert events(system, "raft.snapshot_sent", f"/etcd/{leader}")
        kv = await h.ref(lagging).ask(_serializable_get("/k6"))
        assert kv.kvs[0].value == 55


def _serializable_get(key: str) -> Any:
    from kactors.store import Range, StoreRequest

    return StoreRequest(Range(key), serializable=True)


async def test_a_crashed_member_restarts_from_its_storage_and_catches_up(
        autojump_clock: Any) -> None:
    async with new_system(seed=12) as system:
        h = await Harness.start(system, snapshot_threshold=10, snapshot_catch_up_entries=2)
        client, _ = await h.client()
        for i in range(15):
            await client.put(f"/k{i}", i)
        leader = await h.leader()
        victim = next(n for n in h.cluster.names if n != leader)
        await h.wait_applied()
        storage = h.cluster.storages[victim]
        before = storage.hard_state
        assert storage.snapshot().index > 0  # it compacted: restart goes through the snapshot
        system.network.crash(victim)
        await trio.sleep(0.1)
        assert system.lookup(f"/etcd/{victim}") is None
        for i in range(15, 25):
            await client.put(f"/k{i}", i)  # the other two still make a quorum
        system.network.restart(victim)
        await trio.sleep(0.1)
        restarted = events(system, "raft.restarted", f"/etcd/{victim}")
        assert len(restarted) == 1 and restarted[0]["term"] == before.term
        assert restarted[0]["commit"] >= before.commit
        statuses = await h.wait_applied()
        assert {s.revision for s in statuses} == {26}
        assert h.cluster.storages[victim] is storage  # the same "disk" object


async def test_leader_crash_elects_a_new_leader_and_the_client_follows(
        autojump_clock: Any) -> None:
    async with new_system(seed=13) as system:
        h = await Harness.start(system)
        client, _ = await h.client()
        await client.put("/a", 1)
        old = await h.leader()
        system.network.crash(old)
        start = trio.current_time()
        result = await client.put("/b", 2)  # waits out the election, then succeeds
        assert trio.current_time() - start < 5.0
        new = client.leader.name
        assert new != old and result.revision == 3
        assert (await client.get("/a")).value == 1  # type: ignore[union-attr]
        terms = {r["term"]: r["leader"] for r in events(system, "raft.elected")}
        assert len(terms) == 2 and terms[max(terms)] == new
        system.network.restart(old)
        statuses = await h.wait_applied()
        assert {s.leader for s in statuses} == {new}


async def test_a_write_the_old_leader_accepted_but_lost_is_retried_at_the_new_one(
        autojump_clock: Any) -> None:
    """The client and the leader are cut off from the other two. The leader accepts the
    write but cannot commit it; the majority elects a new leader and moves on. After the
    heal, the old leader's entry at that index is replaced: the write is known NOT to be
    applied, the member answers NotLeader, and the client retries it at the new leader."""
    async with new_system(seed=14) as system:
        h = await Harness.start(system)
        client, _ = await h.client(timeout=10.0)
        await client.put("/a", 1)
        old = await h.leader()
        others = [n for n in h.cluster.names if n != old]
        system.network.partition([old, "client"], others)
        async with trio.open_nursery() as nursery:
            results: list[Any] = []

            async def write() -> None:
                results.append(await client.put("/b", "lost-then-retried"))

            nursery.start_soon(write)
            await trio.sleep(3.0)  # the majority elects a new leader meanwhile
            new = await h.cluster.leader(system)
            assert new.name in others
            other_client, _ = await h.client(host="client-2")
            await other_client.put("/c", "majority")
            system.network.heal()
        assert results[0].revision == 4  # after the majority's write at revision 3
        assert client.leader.name == new.name
        kv = await client.get("/b")
        assert kv is not None and kv.value == "lost-then-retried" and kv.version == 1
        assert events(system, "raft.stepped_down", f"/etcd/{old}")
        lost = events(system, "raft.proposal_overwritten", f"/etcd/{old}")
        assert len(lost) == 1 and lost[0]["term"] < lost[0]["applied_term"]


async def test_no_leader_within_the_timeout_is_unavailable(autojump_clock: Any) -> None:
    async with new_system(seed=15) as system:
        h = await Harness.start(system)
        client, _ = await h.client(timeout=2.0)
        await client.put("/a", 1)
        leader = await h.leader()
        follower = next(n for n in h.cluster.names if n != leader)
        system.network.crash(leader)
        system.network.crash(follower)
        with pytest.raises(Unavailable) as info:
            await client.get("/a")
        assert str(info.value) == "request timed out: no leader available within 2s"
        with pytest.raises(Unavailable):
            await client.put("/b", 2)  # refused by the survivor: never applied


async def test_a_write_whose_leader_crashes_mid_flight_has_an_unknown_outcome(
        autojump_clock: Any) -> None:
    async with new_system(seed=16) as system:
        h = await Harness.start(system)
        client, _ = await h.client(timeout=3.0)
        await client.put("/a", 1)
        leader = await h.leader()
        # Slow links: the write reaches the leader, which crashes before committing it.
        from kactors.actors import Delay, LinkFaults

        for name in h.cluster.names:
            if name != leader:
                system.network.set_link(leader, name, LinkFaults(delay=Delay.constant(0.5)))
        async with trio.open_nursery() as nursery:
            outcome: list[BaseException] = []

            async def write() -> None:
                try:
                    await client.put("/b", "maybe")
                except OutcomeUnknown as error:
                    outcome.append(error)

            nursery.start_soon(write)
            await trio.sleep(0.05)
            system.network.crash(leader)
        error = outcome[0]
        assert str(error) == ("request timed out, possibly due to previous leader failure "
                              "(request client:2; outcome unknown)")
        assert isinstance(error, OutcomeUnknown) and error.request_id == "client:2"
        # The caller may retry explicitly with the same id: applied at most once.
        retried = await client.put("/b", "maybe", request_id=error.request_id)
        again = await client.put("/b", "maybe", request_id=error.request_id)
        assert again == retried
        kv = await client.get("/b")
        assert kv is not None and kv.version == 1


async def test_a_watch_cut_off_by_a_partition_ends_instead_of_skipping_events(
        autojump_clock: Any) -> None:
    """A broken connection ends a watch stream; it never resumes with a hole in it."""
    async with new_system(seed=17) as system:
        h = await Harness.start(system, progress_notify_interval=1.0)
        client, _ = await h.client()
        watcher, probe = await h.client(host="watcher")
        await client.put("/w", 0)
        started = await watcher.watch("w", "/w", progress_notify=True)
        await client.put("/w", 1)
        await trio.sleep(0.5)
        assert probe.revisions("w") == [3]
        system.network.partition(["watcher"], list(h.cluster.names))
        await client.put("/w", 2)  # lost for the watcher: its stream must end here
        await trio.sleep(2.0)
        system.network.heal()
        await client.put("/w", 3)
        await trio.sleep(2.0)
        assert probe.revisions("w") == [3]  # no event after the hole, and no bookmark either
        assert not [n for n in probe.notices if n.response.progress and
                    n.response.header_revision >= 4]
        broken = events(system, "watch.broken", f"/etcd/{started.member}")
        assert broken and broken[0]["tag"] == "w" and broken[0]["watcher"] == "/watcher"
        # the watcher resumes from its last revision + 1 and misses nothing
        await watcher.watch("w", "/w", start_revision=4)
        await trio.sleep(0.5)
        assert probe.revisions("w") == [3, 4, 5]
