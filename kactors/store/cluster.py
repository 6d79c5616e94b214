"""The etcd tier as a piece of the supervision tree: Raft members under one supervisor.

    cluster = EtcdCluster(["etcd-1", "etcd-2", "etcd-3"], parent_path="/etcd")
    await system.start(cluster.spec())          # the supervisor lands at /etcd
    client = StoreClient(ctx, cluster.refs(system))

or, as a plain function, ``spec, storages = etcd_supervisor_spec(names, parent_path=...)``.

Supervision choice: **one_for_one**, permanent members. Members are independent
processes that only talk through Raft, and Raft is built to survive one of them
restarting, so a crashed member is restarted alone; restarting the others with it
(one_for_all) would turn one crash into an outage of the whole store. The restart
intensity (5 in 10 s) is there for a member that crashes on every start (a bug): then the
supervisor gives up and escalates instead of looping.

Each member runs on its own simulated host named after it, so ``network.crash("etcd-2")``
and ``network.restart("etcd-2")`` kill and restart exactly that member, and its
`MemoryStorage` lives in `storages`, outside the actor: the restarted member finds its
"disk" as it was. Mailboxes are large because a leader's mailbox absorbs bursts of
client requests; the clients' timeouts are the backpressure.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import attrs
import trio

from kactors.actors import (
    ActorRef,
    ActorSystem,
    ChildSpec,
    DeleteChild,
    StartChild,
    SupervisionPolicy,
    Supervisor,
)
from kactors.actors.errors import ActorError
from kactors.raft.errors import NotLeaderError, ProposalDroppedError
from kactors.raft.member import (
    AddMember,
    MemberOptions,
    MembershipChanged,
    RaftMember,
    RemoveMember,
)
from kactors.raft.storage import MemoryStorage
from kactors.store.protocol import MemberStatus, Status

MEMBER_MAILBOX = 1_000_000
SUPERVISION = SupervisionPolicy(strategy="one_for_one", intensity=5, period=10.0)


class EtcdCluster:
    """Names, paths, storages and options of one etcd-like group; builds its specs."""

    def __init__(self, names: Sequence[str] = ("etcd-1", "etcd-2", "etcd-3"), *,
                 parent_path: str = "/etcd", options: MemberOptions | None = None,
                 storages: dict[str, MemoryStorage] | None = None,
                 supervision: SupervisionPolicy = SUPERVISION, **overrides: Any) -> None:
        if not names:
            raise ValueError("an etcd cluster needs at least one member")
        if len(set(names)) != len(names):
            raise ValueError(f"member names must be unique: {list(names)}")
        if not parent_path.startswith("/") or parent_path.endswith("/"):
            raise ValueError(f"parent_path must look like '/a/b', got {parent_path!r}")
        self.names: list[str] = list(names)
        self.initial: tuple[str, ...] = tuple(names)
        self.parent_path = parent_path
        self.options = options or MemberOptions()
        if overrides:
            self.options = attrs.evolve(self.options, **overrides)
        self.storages: dict[str, MemoryStorage] = storages if storages is not None else {}
        for name in self.names:
            self.storages.setdefault(name, MemoryStorage())
        self.supervision = supervision

    # -- paths and refs -----------------------------------------------------------------------

    @property
    def supervisor_name(self) -> str:
        return self.parent_path.rsplit("/", 1)[-1]

    @property
    def template(self) -> str:
        """Where member ``{id}`` lives; what members use to find their peers."""
        return f"{self.parent_path}/{{id}}"

    def member_path(self, name: str) -> str:
        return f"{self.parent_path}/{name}"

    def paths(self) -> list[str]:
        return [self.member_path(name) for name in self.names]

    def refs(self, system: ActorSystem) -> list[ActorRef]:
        """Refs of the running members (in `names` order); a ref survives restarts."""
        refs = []
        for path in self.paths():
            ref = system.lookup(path)
            if ref is None:
                raise ActorError(f"etcd member {path} is not running")
            refs.append(ref)
        return refs

    # -- specs --------------------------------------------------------------------------------

    def member_spec(self, name: str, *, join: bool = False) -> ChildSpec:
        """The child spec of one member. A joining member starts with empty storage and no
        peers, and waits for the leader to bring it in (after `AddMember`)."""
        storages = self.storages
        storages.setdefault(name, MemoryStorage())
        peers: tuple[str, ...] = () if join else self.initial
        template = self.template
        options = self.options

        def factory() -> RaftMember:
            # The same storage object on every (re)start: it is the member's disk.
            return RaftMember(name, peers, storages[name], template, options)

        return ChildSpec(name=name, factory=factory, host=name,
                         mailbox_capacity=MEMBER_MAILBOX, shutdown=5.0)

    def spec(self) -> ChildSpec:
        """The supervisor of the whole tier (start it under the parent of `parent_path`)."""
        children = [self.member_spec(name) for name in self.names]
        policy = self.supervision
        return ChildSpec(name=self.supervisor_name,
                         factory=lambda: Supervisor(children, policy), shutdown=math.inf)

    # -- operations ---------------------------------------------------------------------------

    async def leader(self, system: ActorSystem, timeout: float = 10.0) -> ActorRef:
        """The member that leads (highest term), waiting for an election if needed
        (`trio.TooSlowError` after `timeout`)."""
        with trio.fail_after(timeout):
            while True:
                best: tuple[int, ActorRef] | None = None
                for name in self.names:
                    ref = system.lookup(self.member_path(name))
                    if ref is None:
                        continue
                    try:
                        status = await ref.ask(Status(), timeout=1.0)
                    except ActorError:
                        continue
                    if isinstance(status, MemberStatus) and status.role == "leader" and (
                            best is None or status.term > best[0]):
                        best = (status.term, ref)
                if best is not None:
                    return best[1]
                await trio.sleep(self.options.tick)

    async def add_member(self, system: ActorSystem, name: str, *, learner: bool = False,
                         timeout: float = 10.0) -> MembershipChanged:
        """Add a member at run time: propose the change to the leader, then start the new
        member's actor (joining, with fresh storage) under the supervisor."""
        if name in self.names:
            raise ValueError(f"{name} is already a member")
        changed = await self._change(system, AddMember(name, learner), timeout)
        self.names.append(name)
        supervisor = system.lookup(self.parent_path)
        if supervisor is None:
            raise ActorError(f"etcd supervisor {self.parent_path} is not running")
        await supervisor.ask(StartChild(self.member_spec(name, join=True)))
        return changed

    async def remove_member(self, system: ActorSystem, name: str, *, timeout: float = 10.0
                            ) -> MembershipChanged:
        """Remove a member: once the change is applied, stop its actor and forget its
        storage (etcd's removed member shuts itself down)."""
        changed = await self._change(system, RemoveMember(name), timeout)
        if name in self.names:
            self.names.remove(name)
        supervisor = system.lookup(self.parent_path)
        if supervisor is not None:
            try:
                await supervisor.ask(DeleteChild(name))
            except ActorError:
                pass
        self.storages.pop(name, None)
        return changed

    async def _change(self, system: ActorSystem, message: Any, timeout: float
                      ) -> MembershipChanged:
        with trio.fail_after(timeout):
            while True:
                leader = await self.leader(system, timeout)
                try:
                    return await leader.ask(message, timeout=timeout)
                except (NotLeaderError, ProposalDroppedError):
                    await trio.sleep(self.options.tick)


def etcd_supervisor_spec(names: Sequence[str] = ("etcd-1", "etcd-2", "etcd-3"), *,
                         parent_path: str = "/etcd", tick: float = 0.1,
                         election_tick: int = 10, heartbeat_tick: int = 1,
                         storages: dict[str, MemoryStorage] | None = None,
                         **options: Any) -> tuple[ChildSpec, dict[str, MemoryStorage]]:
    """The supervisor spec of an etcd tier and the members' storages (by name).

    Members live at ``f"{parent_path}/{name}"``, each on host ``name``; start the returned
    spec under the actor at the parent of `parent_path` (the system root for "/etcd").
    Keep `storages`: they are the members' disks, reused on every restart.
    """
    cluster = EtcdCluster(names, parent_path=parent_path, storages=storages, tick=tick,
                          election_tick=election_tick, heartbeat_tick=heartbeat_tick,
                          **options)
    return cluster.spec(), cluster.storages


def member_paths(names: Sequence[str], parent_path: str = "/etcd") -> list[str]:
    """Paths of the members of a tier built by `etcd_supervisor_spec`."""
    return [f"{parent_path}/{name}" for name in names]
