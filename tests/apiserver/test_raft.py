"""The apiserver over a three-member Raft store: the same semantics, and it keeps working
when a member is lost (lists stay consistent: a client reads its own writes)."""

from __future__ import annotations

from typing import Any

import pytest
import trio

from kactors.client.errors import Conflict

from .conftest import Env, configmap, control_plane, deployment, names, settle


async def leader_name(env: Env) -> str:
    assert env.plane.etcd is not None
    ref = await env.plane.etcd.leader(env.system)
    return ref.name


async def write_and_read(env: Env, prefix: str, count: int) -> list[list[str]]:
    """Create `count` ConfigMaps, listing after each create: what each list saw."""
    async def run(c: Any) -> list[list[str]]:
        seen = []
        for i in range(count):
            await c.create(configmap(f"{prefix}-{i}"))
            listed = await c.list("configmaps", label_selector=None)
            seen.append([n for n in names(listed) if n.startswith(prefix)])
        return seen

    return await env.call(run)


async def test_crud_watch_and_conflicts_over_raft(autojump_clock: Any) -> None:
    async with control_plane(store="raft") as env:
        watch, _ = await env.watch("deployments", bookmarks=False)
        created = await env.call(lambda c: c.create(deployment("web")))
        changed = {**created, "metadata": {**created["metadata"], "labels": {"v": "2"}}}
        await env.call(lambda c: c.update(changed))
        with pytest.raises(Conflict):
            await env.call(lambda c: c.update(created))
        scaled = await env.call(lambda c: c.scale("deployments", "web", 3))
        assert scaled["spec"]["replicas"] == 3
        await env.call(lambda c: c.delete("deployments", "web"))
        await settle(1)
        assert watch.changes() == [("ADDED", "web"), ("MODIFIED", "web"),
                                   ("MODIFIED", "web"), ("DELETED", "web")]
        seen = await write_and_read(env, "cm", 3)
        assert seen == [["cm-0"], ["cm-0", "cm-1"], ["cm-0", "cm-1", "cm-2"]]


async def test_the_apiserver_survives_a_follower_crash(autojump_clock: Any) -> None:
    async with control_plane(store="raft") as env:
        await write_and_read(env, "before", 2)
        leader = await leader_name(env)
        follower = next(n for n in ("etcd-1", "etcd-2", "etcd-3") if n != leader)
        env.system.network.crash(follower)
        seen = await write_and_read(env, "after", 4)
        assert seen == [[f"after-{j}" for j in range(i + 1)] for i in range(4)]
        listed = await env.call(lambda c: c.list("configmaps"))
        assert names(listed) == ["after-0", "after-1", "after-2", "after-3",
                                 "before-0", "before-1"]
        env.system.network.restart(follower)
        await trio.sleep(5)
        assert len(names(await env.call(lambda c: c.list("configmaps")))) == 6


async def test_the_apiserver_survives_losing_etcd_2(autojump_clock: Any) -> None:
    async with control_plane(store="raft") as env:
        watch, _ = await env.watch("configmaps", bookmarks=False)
        await write_and_read(env, "before", 2)
        env.system.network.crash("etcd-2")
        seen = await write_and_read(env, "after", 3)
        assert seen == [[f"after-{j}" for j in range(i + 1)] for i in range(3)]
        await settle(1)
        assert [n for _, n in watch.changes()] == ["before-0", "before-1", "after-0",
                                                   "after-1", "after-2"]


async def test_the_apiserver_survives_a_leader_crash(autojump_clock: Any) -> None:
    async with control_plane(store="raft") as env:
        watch, _ = await env.watch("configmaps", bookmarks=False)
        await write_and_read(env, "before", 2)
        leader = await leader_name(env)
        env.system.network.crash(leader)
        start = trio.current_time()
        seen = await write_and_read(env, "after", 3)
        assert seen == [[f"after-{j}" for j in range(i + 1)] for i in range(3)]
        assert trio.current_time() - start < 20  # an election, not an outage
        await settle(1)
        # the watch moved to a live member: nothing missed, nothing twice
        assert [n for _, n in watch.changes()] == ["before-0", "before-1", "after-0",
                                                   "after-1", "after-2"]
        assert await leader_name(env) != leader


async def test_creation_right_after_a_namespace_over_raft(autojump_clock: Any) -> None:
    async with control_plane(store="raft") as env:
        async def run(c: Any) -> Any:
            for i in range(3):
                await c.create({"apiVersion": "v1", "kind": "Namespace",
                                "metadata": {"name": f"ns-{i}"}})
                await c.create(configmap("cfg", f"ns-{i}"))
            return await c.list("configmaps", all_namespaces=True)

        listed = await env.call(run)
        assert [i["metadata"]["namespace"] for i in listed["items"]] == ["ns-0", "ns-1", "ns-2"]
