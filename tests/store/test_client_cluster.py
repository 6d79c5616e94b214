"""The etcd tier as built by `kactors.store.cluster`, seen through `StoreClient`."""

from __future__ import annotations

from typing import Any

import pytest
import trio

from kactors.actors import Actor, ActorSystem, Supervisor, WhichChildren
from kactors.store import MemberStatus, StoreClient
from kactors.store.cluster import EtcdCluster, etcd_supervisor_spec, member_paths


class Host(Actor):
    def __init__(self, box: list[Host]) -> None:
        self.box = box

    async def started(self) -> None:
        self.box.append(self)


async def test_etcd_supervisor_spec_builds_members_on_their_own_hosts(
        autojump_clock: Any) -> None:
    async with ActorSystem(seed=3, log_to_stdout=False) as system:
        parent = await system.start(lambda: Supervisor(), name="cluster")
        spec, storages = etcd_supervisor_spec(["a", "b", "c"], parent_path="/cluster/etcd",
                                              tick=0.05, election_tick=20)
        assert spec.name == "etcd" and sorted(storages) == ["a", "b", "c"]
        from kactors.actors import StartChild

        await parent.ask(StartChild(spec))
        paths = member_paths(["a", "b", "c"], "/cluster/etcd")
        refs = [system.lookup(p) for p in paths]
        assert all(r is not None for r in refs)
        assert [r._cell.host for r in refs] == ["a", "b", "c"]  # type: ignore[union-attr]
        children = await system.lookup("/cluster/etcd").ask(WhichChildren())  # type: ignore[union-attr]
        assert [(c.name, c.restart) for c in children] == [
            ("a", "permanent"), ("b", "permanent"), ("c", "permanent")]
        box: list[Host] = []
        await system.start(lambda: Host(box), name="apiserver", host="control-plane")
        client = StoreClient(box[0].ctx, refs)  # type: ignore[arg-type]
        await client.put("/registry/x", "y")
        statuses = await client.status()
        assert [s.member for s in statuses] == ["a", "b", "c"]
        assert all(isinstance(s, MemberStatus) and s.revision == 2 for s in statuses)
        assert sum(s.role == "leader" for s in statuses) == 1
        # status() skips members it cannot reach
        system.network.crash("b")
        assert [s.member for s in await client.status()] == ["a", "c"]


async def test_a_crashed_host_restarts_its_member_with_the_same_storage(
        autojump_clock: Any) -> None:
    async with ActorSystem(seed=4, log_to_stdout=False) as system:
        cluster = EtcdCluster(["m1", "m2", "m3"], parent_path="/etcd")
        await system.start(cluster.spec())
        box: list[Host] = []
        await system.start(lambda: Host(box), name="client", host="client")
        client = StoreClient(box[0].ctx, cluster.refs(system))
        await client.put("/a", 1)
        storage = cluster.storages["m2"]
        old = system.lookup("/etcd/m2")._cell.actor  # type: ignore[union-attr]
        system.network.crash("m2")
        await trio.sleep(0.5)
        system.network.restart("m2")
        await trio.sleep(0.5)
        new = system.lookup("/etcd/m2")._cell.actor  # type: ignore[union-attr]
        assert new is not old and new.storage is storage
        assert (await client.get("/a", serializable=True)).value == 1  # type: ignore[union-attr]


def test_cluster_arguments_are_checked() -> None:
    with pytest.raises(ValueError, match="^an etcd cluster needs at least one member$"):
        EtcdCluster([])
    with pytest.raises(ValueError, match="^member names must be unique"):
        EtcdCluster(["a", "a"])
    with pytest.raises(ValueError, match="^parent_path must look like"):
        EtcdCluster(["a"], parent_path="etcd/")
    with pytest.raises(ValueError, match="^tick must be > 0"):
        EtcdCluster(["a"], tick=0)
    cluster = EtcdCluster(["a"], parent_path="/x/etcd")
    assert cluster.template == "/x/etcd/{id}" and cluster.paths() == ["/x/etcd/a"]
