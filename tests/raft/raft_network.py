"""A pure in-memory network of `RaftCore`s for tests (like etcd's `network` test helper).

Each member has a `MemoryStorage` that outlives its core (crash = drop the core, restart = a
new core on the same storage) and a toy state machine: the list of applied entries as
`(index, term, data)`, whose snapshot is simply that list as a tuple.
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any

from kactors.raft import (
    Config,
    ConfState,
    Entry,
    HardState,
    MemoryStorage,
    Message,
    MessageType,
    RaftCore,
    ReadState,
    Ready,
    Role,
)

Applied = tuple[int, int, Any]


def make_config(node: str, seed: int = 0, **overrides: Any) -> Config:
    settings: dict[str, Any] = {
        "id": node,
        "rng": random.Random(f"{seed}-{node}"),
        "election_tick": 10,
        "heartbeat_tick": 1,
        "pre_vote": False,
        "check_quorum": False,
    }
    settings.update(overrides)
    return Config(**settings)


def seeded_storage(
    voters: Iterable[str],
    terms: Iterable[int] = (),
    hard_state: HardState | None = None,
    learners: Iterable[str] = (),
) -> MemoryStorage:
    """A storage whose membership sits at index 0 and whose log has entries of `terms`."""
    storage = MemoryStorage(ConfState(voters=tuple(voters), learners=tuple(learners)))
    ents = [Entry(t, i + 1, data=f"e{i + 1}") for i, t in enumerate(terms)]
    storage.append(ents)
    if hard_state is not None:
        storage.set_hard_state(hard_state)
    return storage


class Network:
    """Cores wired by a FIFO message queue. Messages to crashed members, or over a cut link,
    are dropped; `drop` can drop more (it returns True for messages to lose)."""

    def __init__(
        self,
        ids: Iterable[str] = ("n1", "n2", "n3"),
        *,
        seed: int = 0,
        storages: dict[str, MemoryStorage] | None = None,
        bootstrap: bool = True,
        **config: Any,
    ) -> None:
        self.ids = list(ids)
        self.seed = seed
        self.config = config
        self.storages: dict[str, MemoryStorage] = dict(storages or {})
        self.cores: dict[str, RaftCore] = {}
        self.sm: dict[str, list[Applied]] = {}
        self.read_states: dict[str, list[ReadState]] = {}
        self.queue: deque[Message] = deque()
        self.cut: set[frozenset[str]] = set()
        self.drop: Callable[[Message], bool] | None = None
        self.delivered: list[Message] = []
        self.restarts = 0
        for node in self.ids:
            peers = tuple(self.ids) if bootstrap and node not in self.storages else ()
            self.add(node, peers=peers)

    # -- membership of the harness ------------------------------------------------------------

    def add(self, node: str, peers: tuple[str, ...] = (), **overrides: Any) -> RaftCore:
        """Start `node` (a joiner when `peers` is empty and its storage is new)."""
        if node not in self.ids:
            self.ids.append(node)
        storage = self.storages.setdefault(node, MemoryStorage())
        settings = {**self.config, **overrides}
        rng_seed = f"{self.seed}-{node}-{self.restarts}"
        cfg = make_config(node, peers=peers, rng=random.Random(rng_seed), **settings)
        core = RaftCore(cfg, storage)
        self.cores[node] = core
        snap = storage.snapshot()
        self.sm[node] = list(snap.data) if snap.data is not None else []
        self.read_states[node] = []
        self.process(node)
        return core

    def crash(self, node: str) -> None:
        """Lose the core and everything it had not persisted yet."""
        del self.cores[node]

    def restart(self, node: str) -> RaftCore:
        self.restarts += 1
        self.cores.pop(node, None)
        return self.add(node)

    # -- driving ------------------------------------------------------------------------------

    def process(self, node: str) -> None:
        """Run the Ready loop of `node`: persist, send, apply, advance."""
        core = self.cores.get(node)
        if core is None:
            return
        storage = self.storages[node]
        while core.has_ready():
            rd = core.ready()
            self.handle_ready(node, rd, storage)
            core.advance(rd)

    def handle_ready(self, node: str, rd: Ready, storage: MemoryStorage) -> None:
        storage.save(rd.hard_state, rd.entries, rd.snapshot)
        # A cut link loses what is sent over it (and, in deliver_one, what was in flight).
        self.queue.extend(m for m in rd.messages if not self.is_cut(m.sender, m.to))
        sm = self.sm[node]
        if rd.snapshot is not None:
            sm[:] = list(rd.snapshot.data or ())
            assert len(sm) == rd.snapshot.index, (node, len(sm), rd.snapshot.index)
        for e in rd.committed_entries:
            assert e.index == len(sm) + 1, f"{node} applied {e.index} after {len(sm)}"
            sm.append((e.index, e.term, e.data))
        self.read_states[node].extend(rd.read_states)

    def is_cut(self, a: str, b: str) -> bool:
        return frozenset((a, b)) in self.cut

    def deliver_one(self, m: Message) -> None:
        core = self.cores.get(m.to)
        if core is None or self.is_cut(m.sender, m.to):
            return
        if self.drop is not None and self.drop(m):
            return
        self.delivered.append(m)
        core.step(m)
        self.process(m.to)

    def stabilize(self, limit: int = 100_000) -> None:
        """Deliver until no message is left."""
        for node in list(self.cores):
            self.process(node)
        n = 0
        while self.queue:
            n += 1
            assert n < limit, "network did not quiesce"
            self.deliver_one(self.queue.popleft())

    def send(self, *msgs: Message) -> None:
        self.queue.extend(msgs)
        self.stabilize()

    def tick(self, node: str, n: int = 1) -> None:
        for _ in range(n):
            self.cores[node].tick()
            self.process(node)

    def tick_all(self, n: int = 1, stabilize: bool = True) -> None:
        for _ in range(n):
            for node in list(self.cores):
                self.cores[node].tick()
                self.process(node)
            if stabilize:
                self.stabilize()

    def campaign(self, node: str) -> None:
        self.cores[node].campaign()
        self.stabilize()

    def isolate(self, node: str) -> None:
        for other in self.ids:
            if other != node:
                self.cut.add(frozenset((node, other)))

    def partition(self, *groups: Iterable[str]) -> None:
        sets = [set(g) for g in groups]
        for i, a in enumerate(sets):
            for b in sets[i + 1 :]:
                for x in a:
                    for y in b:
                        self.cut.add(frozenset((x, y)))

    def heal(self) -> None:
        self.cut.clear()
        self.drop = None

    # -- inspection ---------------------------------------------------------------------------

    def leaders(self) -> list[str]:
        return [n for n, c in self.cores.items() if c.role is Role.LEADER]

    def leader(self) -> str:
        leaders = self.leaders()
        assert len(leaders) == 1, f"expected one leader, got {leaders}"
        return leaders[0]

    def propose(self, node: str, *datas: Any) -> None:
        self.cores[node].propose_batch(list(datas))
        self.stabilize()

    def applied_data(self, node: str) -> list[Any]:
        return [d for (_, _, d) in self.sm[node] if isinstance(d, str)]

    def types_sent(self, sender: str) -> list[MessageType]:
        return [m.type for m in self.delivered if m.sender == sender]


def take_messages(core: RaftCore) -> list[Message]:
    """Drain a lone core's Ready, ignoring persistence (for single-core unit tests)."""
    msgs: list[Message] = []
    while core.has_ready():
        rd = core.ready()
        core.log.storage.save(rd.hard_state, rd.entries, rd.snapshot)
        msgs.extend(rd.messages)
        core.advance(rd)
    return msgs
