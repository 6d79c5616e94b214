"""A Raft-backed store cluster in virtual time, for the member and client tests.

`Harness` starts an `EtcdCluster` under the system root plus a `Probe` client actor on its
own host ("client"), and gives the test a `StoreClient` bound to that actor's context, so
every request crosses the simulated network exactly as the apiserver's would.
"""

from __future__ import annotations

from typing import Any

import trio

from kactors.actors import Actor, ActorRef, ActorSystem
from kactors.store import MemberStatus, Status, StoreClient, WatchNotice
from kactors.store.cluster import EtcdCluster

NAMES = ("etcd-1", "etcd-2", "etcd-3")


def new_system(seed: int = 0, **options: Any) -> ActorSystem:
    options.setdefault("log_to_stdout", False)
    options.setdefault("capture_logs", True)
    return ActorSystem(seed=seed, **options)


def events(system: ActorSystem, name: str, actor: str | None = None) -> list[dict[str, Any]]:
    assert system.records is not None
    return [r for r in system.records
            if r["event"] == name and (actor is None or r["actor"] == actor)]


class Probe(Actor):
    """A client actor: its context backs a StoreClient; it records watch notices."""

    def __init__(self, box: list[Probe]) -> None:
        self.box = box
        self.notices: list[WatchNotice] = []
        self.other: list[Any] = []

    async def started(self) -> None:
        self.box.append(self)

    def receive(self, message: Any) -> Any:
        if isinstance(message, WatchNotice):
            self.notices.append(message)
        else:
            self.other.append(message)
        return None

    def revisions(self, tag: Any) -> list[int]:
        return [n.response.header_revision for n in self.notices
                if n.tag == tag and n.response.events]


class Harness:
    def __init__(self, system: ActorSystem, cluster: EtcdCluster) -> None:
        self.system = system
        self.cluster = cluster
        self.probes: list[Probe] = []

    @classmethod
    async def start(cls, system: ActorSystem, names: tuple[str, ...] = NAMES,
                    **options: Any) -> Harness:
        cluster = EtcdCluster(names, parent_path="/etcd", **options)
        await system.start(cluster.spec())
        return cls(system, cluster)

    def ref(self, name: str) -> ActorRef:
        ref = self.system.lookup(self.cluster.member_path(name))
        assert ref is not None, f"{name} is not running"
        return ref

    async def client(self, host: str = "client", **options: Any) -> tuple[StoreClient, Probe]:
        box: list[Probe] = []
        await self.system.start(lambda: Probe(box), name=host, host=host)
        probe = box[0]
        self.probes.append(probe)
        options.setdefault("client_id", host)
        return StoreClient(probe.ctx, self.cluster.refs(self.system), **options), probe

    async def status(self, name: str) -> MemberStatus:
        return await self.ref(name).ask(Status())

    async def leader(self, timeout: float = 30.0) -> str:
        ref = await self.cluster.leader(self.system, timeout)
        return ref.name

    async def wait_applied(self, names: tuple[str, ...] | list[str] | None = None,
                           timeout: float = 30.0) -> list[MemberStatus]:
        """Wait until the given members (default: all) applied the same index."""
        names = list(names or self.cluster.names)
        with trio.fail_after(timeout):
            while True:
                statuses = [await self.status(n) for n in names]
                if len({s.applied_index for s in statuses}) == 1 and len(
                        {s.commit_index for s in statuses}) == 1:
                    return statuses
                await trio.sleep(0.1)
