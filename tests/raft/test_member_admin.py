"""Run-time administration: membership changes, leadership transfer, and leases, which
only the leader expires, on the cluster clock."""

from __future__ import annotations

from typing import Any

import pytest
import trio

from kactors.raft import (
    AddMember,
    ConfChangeError,
    LeaderTransferError,
    NotLeaderError,
    TransferLeadership,
)
from kactors.store import LeaseNotFound, Unavailable

from .member_harness import Harness, events, new_system


async def test_add_a_fourth_member_at_run_time_then_remove_one(autojump_clock: Any) -> None:
    async with new_system(seed=21) as system:
        h = await Harness.start(system, snapshot_threshold=10, snapshot_catch_up_entries=2)
        client, _ = await h.client()
        for i in range(20):
            await client.put(f"/k{i}", i)
        changed = await h.cluster.add_member(system, "etcd-4")
        assert changed.voters == ("etcd-1", "etcd-2", "etcd-3", "etcd-4")
        statuses = await h.wait_applied()
        assert len(statuses) == 4 and {s.revision for s in statuses} == {21}
        # It caught up from a snapshot: the leader had compacted the early log.
        assert events(system, "raft.snapshot_installed", "/etcd/etcd-4")
        await client.put("/after-add", 1)
        leader = await h.leader()
        victim = next(n for n in ("etcd-1", "etcd-2", "etcd-3") if n != leader)
        removed = await h.cluster.remove_member(system, victim)
        assert victim not in removed.voters and len(removed.voters) == 3
        assert system.lookup(f"/etcd/{victim}") is None and victim not in h.cluster.storages
        await client.put("/after-remove", 2)  # the client skips the stopped member
        statuses = await h.wait_applied()
        assert {s.revision for s in statuses} == {23}
        changes = [(r["change"], r["member"]) for r in
                   events(system, "raft.membership_changed", f"/etcd/{leader}")]
        assert changes == [("add_voter", "etcd-4"), ("remove_node", victim)]


async def test_a_client_follows_a_new_member_once_told_about_it(autojump_clock: Any) -> None:
    async with new_system(seed=28) as system:
        h = await Harness.start(system)
        await h.leader()
        client, _ = await h.client(timeout=1.0)
        await client.put("/a", 1)
        await h.cluster.add_member(system, "etcd-4")
        await h.wait_applied()
        leader = h.ref(await h.leader())
        assert await leader.ask(TransferLeadership("etcd-4")) == "etcd-4"
        with pytest.raises(Unavailable):  # the hint names a member it cannot reach
            await client.put("/b", 2)
        client.add_endpoint(h.ref("etcd-4"))
        client.add_endpoint(h.ref("etcd-4"))  # idempotent
        assert len(client.endpoints) == 4
        await client.put("/b", 2)
        assert client.leader.name == "etcd-4"


async def test_add_a_learner_then_promote_it(autojump_clock: Any) -> None:
    async with new_system(seed=22) as system:
        h = await Harness.start(system)
        client, _ = await h.client()
        await client.put("/a", 1)
        changed = await h.cluster.add_member(system, "etcd-4", learner=True)
        assert changed.learners == ("etcd-4",) and "etcd-4" not in changed.voters
        await h.wait_applied()
        from kactors.raft import PromoteMember

        leader = h.ref(await h.leader())
        promoted = await leader.ask(PromoteMember("etcd-4"))
        assert promoted.voters[-1] == "etcd-4" and promoted.learners == ()
        with pytest.raises(ConfChangeError, match="^etcd-4 is already a voter$"):
            await leader.ask(AddMember("etcd-4"))


async def test_membership_changes_are_refused_by_followers(autojump_clock: Any) -> None:
    async with new_system(seed=23) as system:
        h = await Harness.start(system)
        client, _ = await h.client()
        await client.put("/a", 1)
        leader = await h.leader()
        follower = next(n for n in h.cluster.names if n != leader)
        with pytest.raises(NotLeaderError) as info:
            await h.ref(follower).ask(AddMember("etcd-9"))
        assert info.value.leader == leader
        await client.put("/b", 2)  # the follower is still fine


async def test_leadership_transfer(autojump_clock: Any) -> None:
    async with new_system(seed=24) as system:
        h = await Harness.start(system)
        client, _ = await h.client()
        await client.put("/a", 1)
        leader = await h.leader()
        target = next(n for n in h.cluster.names if n != leader)
        assert await h.ref(leader).ask(TransferLeadership(target)) == target
        assert await h.leader() == target
        await client.put("/b", 2)
        assert client.leader.name == target
        with pytest.raises(LeaderTransferError, match="not a voter"):
            await h.ref(target).ask(TransferLeadership("etcd-9"))
        with pytest.raises(NotLeaderError):
            await h.ref(leader).ask(TransferLeadership(target))


async def test_a_transfer_to_an_unreachable_member_gives_up(autojump_clock: Any) -> None:
    async with new_system(seed=25) as system:
        h = await Harness.start(system)
        client, _ = await h.client()
        await client.put("/a", 1)
        leader = await h.leader()
        target = next(n for n in h.cluster.names if n != leader)
        system.network.isolate(target)
        await client.put("/b", 2)  # the target falls behind
        with pytest.raises(LeaderTransferError, match="did not complete within an election"):
            await h.ref(leader).ask(TransferLeadership(target))
        await client.put("/c", 3)  # the leader takes proposals again


async def test_leases_expire_on_cluster_time_and_delete_their_keys(autojump_clock: Any) -> None:
    async with new_system(seed=26) as system:
        h = await Harness.start(system)
        client, _ = await h.client()
        granted = await client.lease_grant(ttl=5)
        await client.put("/lease/a", 1, lease=granted.lease_id)
        await client.put("/lease/b", 2, lease=granted.lease_id)
        kept = await client.lease_grant(ttl=5)
        await client.put("/lease/kept", 3, lease=kept.lease_id)
        start = system.now()
        for _ in range(4):
            await trio.sleep(2.0)
            await client.lease_keep_alive(kept.lease_id)
        assert await client.get("/lease/a") is None and await client.get("/lease/b") is None
        assert await client.get("/lease/kept") is not None
        expired = events(system, "lease.expired")
        assert len(expired) == 1 and expired[0]["leases"] == [granted.lease_id]
        assert expired[0]["deleted_keys"] == 2
        assert 5.0 <= expired[0]["ts"] - start <= 5.0 + 0.5 + 0.5  # TTL + check period + commit
        with pytest.raises(LeaseNotFound):
            await client.lease_keep_alive(granted.lease_id)
        ttl = await client.lease_time_to_live(kept.lease_id, keys=True)
        assert ttl.keys == ("/lease/kept",) and 0 < ttl.remaining <= 5
        revoked = await client.lease_revoke(kept.lease_id)
        assert revoked.deleted == 1 and await client.get("/lease/kept") is None
        statuses = await h.wait_applied()
        assert len({s.revision for s in statuses}) == 1


async def test_a_new_leader_knows_the_lease_deadlines(autojump_clock: Any) -> None:
    async with new_system(seed=27) as system:
        h = await Harness.start(system)
        client, _ = await h.client()
        granted = await client.lease_grant(ttl=6)
        await client.put("/l", 1, lease=granted.lease_id)
        old = await h.leader()
        system.network.crash(old)
        await client.put("/other", 1)  # a new leader
        new = client.leader.name
        await trio.sleep(8.0)
        assert await client.get("/l") is None
        expired = events(system, "lease.expired", f"/etcd/{new}")
        assert expired and expired[0]["leases"] == [granted.lease_id]
