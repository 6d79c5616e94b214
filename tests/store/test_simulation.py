"""Randomized fault simulation of the Raft-replicated store (Jepsen in virtual time).

Each seed builds a 3- or 5-member group, several client actors doing put / get / delete /
compare-and-swap on a few keys, and a watcher, then lets a seeded nemesis partition the
network, crash and restart members (also at once: "bounce"), move leadership, and drop,
delay, duplicate and reorder messages; `test_membership_churn` also adds and removes
members meanwhile. After the faults heal it checks:

* election safety: at most one leader per term (from the `raft.elected` log events);
* log matching: the members' stored logs agree wherever they overlap;
* state machine safety: every member applied the same sequence (equal store images,
  event log included, at the same applied index);
* durability: every acknowledged write is in the final history at its revision;
* linearizability of the client history (`kactors.testing.linearizability`), with writes
  whose outcome the client could not know recorded as such;
* watch guarantees: the watcher's events are ordered, unique and gap-free, equal to the
  store's history (it resumes from its last revision + 1 when its member goes silent).

Seeds: a CI default set (`CI_SEEDS`, `CI_CHURN_SEEDS`); ``KACTORS_SIM_SEEDS=1000`` runs
seeds 0..999 of both; ``KACTORS_SIM_SEED=<seed>`` replays one (add ``KACTORS_SIM_LOG=1``
to print its log). A run is a pure function of its seed (see
`test_a_seed_replays_the_same_story`).
"""

from __future__ import annotations

import os
import random
from collections import defaultdict
from typing import Any

import attrs
import pytest
import trio
import trio.testing

from kactors.actors import (
    Actor,
    ActorError,
    ActorRef,
    ActorSystem,
    Delay,
    DeleteChild,
    LinkFaults,
    StartChild,
)
from kactors.raft import AddMember, RaftError, RemoveMember, TransferLeadership
from kactors.store import (
    OutcomeUnknown,
    Put,
    StoreClient,
    StoreError,
    Unavailable,
    WatchNotice,
    compare_create,
    compare_value,
)
from kactors.store.cluster import EtcdCluster
from kactors.store.compare import CompareResult
from kactors.testing.linearizability import INFINITY, Operation, check

CI_SEEDS = 32
CI_CHURN_SEEDS = 10
KEYS = ("/sim/k0", "/sim/k1", "/sim/k2")
PREFIX, PREFIX_END = "/sim/", "/sim0"
FAULT_SECONDS = 20.0


def seeds() -> list[int]:
    if "KACTORS_SIM_SEED" in os.environ:
        return [int(os.environ["KACTORS_SIM_SEED"])]
    return list(range(int(os.environ.get("KACTORS_SIM_SEEDS", CI_SEEDS))))


# -- actors -------------------------------------------------------------------------------------


@attrs.define
class Shared:
    """What the actors of one run record for the checks."""

    history: list[Operation] = attrs.Factory(list)
    acked: list[tuple[str, str, Any, int]] = attrs.Factory(list)  # (kind, key, value, revision)
    stopping: bool = False
    busy: dict[str, bool] = attrs.Factory(dict)
    clients: list[StoreClient] = attrs.Factory(list)  # told about members added at run time
    counts: dict[str, int] = attrs.Factory(lambda: defaultdict(int))


class _Next:
    pass


class Worker(Actor):
    """A client doing one random operation at a time on a few keys."""

    def __init__(self, number: int, endpoints: list[ActorRef], shared: Shared, seed: int
                 ) -> None:
        self.number = number
        self.endpoints = endpoints
        self.shared = shared
        self.rng = random.Random(f"worker-{seed}-{number}")
        self.written = 0
        self.client: StoreClient

    async def started(self) -> None:
        self.client = StoreClient(self.ctx, self.endpoints, timeout=3.0, attempt_timeout=0.75,
                                  client_id=f"w{self.number}")
        self.shared.clients.append(self.client)
        self.ctx.self.tell(_Next())

    async def receive(self, message: Any) -> Any:
        if not isinstance(message, _Next) or self.shared.stopping:
            return None
        self.shared.busy[self.ctx.name] = True
        try:
            await self.operate()
        finally:
            self.shared.busy[self.ctx.name] = False
        self.ctx.send_after(self.rng.uniform(0.0, 0.2), _Next())
        return None

    async def operate(self) -> None:
        rng, client, shared, me = self.rng, self.client, self.shared, self.number
        key = rng.choice(KEYS)
        kind = rng.choices(("put", "get", "delete", "cas"), weights=(4, 4, 1, 2))[0]
        now = self.ctx.now
        call = now()
        self.written += 1
        value = f"w{me}-{self.written}"
        try:
            if kind == "put":
                put = await client.put(key, value)
                shared.history.append(Operation.put(me, key, value, call, now()))
                shared.acked.append(("PUT", key, value, put.revision))
            elif kind == "get":
                kv = await client.get(key)
                read = kv.value if kv is not None else None
                shared.history.append(Operation.get(me, key, read, call, now()))
            elif kind == "delete":
                deleted = await client.delete_range(key)
                ok = deleted.deleted > 0
                shared.history.append(Operation.delete(me, key, call, now(), ok=ok))
                if ok:
                    shared.acked.append(("DELETE", key, None, deleted.revision))
            else:
                expected = await self.last_seen(key)
                call = now()  # the cas proper starts here
                guard = (compare_value(key, CompareResult.EQUAL, expected) if expected is not None
                         else compare_create(key, CompareResult.EQUAL, 0))
                txn = await client.txn([guard], [Put(key, value)], [])
                shared.history.append(
                    Operation.cas(me, key, expected, value, txn.succeeded, call, now()))
                if txn.succeeded:
                    shared.acked.append(("PUT", key, value, txn.revision))
        except OutcomeUnknown:
            shared.counts["unknown"] += 1
            if kind == "put":
                shared.history.append(Operation.put(me, key, value, call, INFINITY))
            elif kind == "delete":
                shared.history.append(Operation.delete(me, key, call, INFINITY))
            elif kind == "cas":
                shared.history.append(
                    Operation.cas(me, key, expected, value, None, call, INFINITY))
        except Unavailable:
            shared.counts["unavailable"] += 1  # known not applied (or a read): not recorded
        else:
            shared.counts["ok"] += 1

    async def last_seen(self, key: str) -> Any:
        kv = await self.client.get(key, serializable=self.rng.random() < 0.5)
        return kv.value if kv is not None else None


class _Check:
    pass


class Watcher(Actor):
    """Watches the key prefix from revision 1; when its member goes silent (no event and no
    progress notification for a while) it resumes elsewhere from its last revision + 1."""

    def __init__(self, endpoints: list[ActorRef], box: list[Watcher], shared: Shared) -> None:
        self.endpoints = endpoints
        self.box = box
        self.shared = shared
        self.tag: Any = None
        self.generation = 0
        self.revision = 0  # everything up to here was delivered (events or a bookmark)
        self.events: list[tuple[int, tuple[Any, ...]]] = []
        self.last_heard = 0.0
        self.resumes = 0
        self.client: StoreClient

    async def started(self) -> None:
        self.box.append(self)
        self.client = StoreClient(self.ctx, self.endpoints, timeout=3.0, attempt_timeout=0.75,
                                  client_id="watcher")
        self.shared.clients.append(self.client)
        self.ctx.every(1.0, _Check())

    async def receive(self, message: Any) -> Any:
        if isinstance(message, WatchNotice):
            if message.tag != self.tag:
                return None  # a stream we gave up on
            response = message.response
            self.last_heard = self.ctx.now()
            if response.canceled:
                self.tag = None
                return None
            if response.events:
                self.events.append((response.header_revision, response.events))
            self.revision = max(self.revision, response.header_revision)
            return None
        if isinstance(message, _Check) and (
                self.tag is None or self.ctx.now() - self.last_heard > 3.0):
            await self.resume()
        return None

    async def resume(self) -> None:
        old = self.tag
        self.generation += 1
        self.tag = ("watch", self.generation)
        self.last_heard = self.ctx.now()
        if old is not None:
            self.resumes += 1
            with trio.move_on_after(1.0):
                await self.client.cancel_watch(old)
        try:
            await self.client.watch(self.tag, PREFIX, PREFIX_END, start_revision=self.revision + 1,
                                    progress_notify=True)
        except (Unavailable, StoreError):
            self.tag = None  # try again at the next check


# -- one run ------------------------------------------------------------------------------------


@attrs.define
class Run:
    seed: int
    members: list[str]
    system: ActorSystem
    cluster: EtcdCluster
    shared: Shared
    watcher: Watcher
    final: dict[str, Any]
    actions: list[str]


def member_actor(system: ActorSystem, cluster: EtcdCluster, name: str) -> Any:
    ref = system.lookup(cluster.member_path(name))
    assert ref is not None
    return ref._cell.actor  # test-only peek at the member's state machine


async def simulate(seed: int, members: int, churn: bool = False) -> Run:
    """One run; `churn` adds and removes members while the faults go on."""
    rng = random.Random(f"nemesis-{seed}" + ("-churn" if churn else ""))
    log = os.environ.get("KACTORS_SIM_LOG") == "1"
    system = ActorSystem(seed=seed, capture_logs=True, log_to_stdout=log)
    names = [f"etcd-{i + 1}" for i in range(members)]
    shared = Shared()
    actions: list[str] = []
    async with system:
        net = system.network
        cluster = EtcdCluster(names, parent_path="/etcd", snapshot_threshold=rng.choice([25, 60]),
                              snapshot_catch_up_entries=10, progress_notify_interval=1.0)
        await system.start(cluster.spec())
        endpoints = cluster.refs(system)
        for name in names:  # the watch stream rides a reliable, ordered link (like TCP)
            net.set_link(name, "watcher", LinkFaults(delay=Delay.constant(0.002)))
        box: list[Watcher] = []
        await system.start(lambda: Watcher(endpoints, box, shared), name="watcher",
                           host="watcher")
        clients = [f"client-{i}" for i in range(3)]
        for i, host in enumerate(clients):
            await system.start(lambda i=i: Worker(i, endpoints, shared, seed), name=host,
                               host=host)

        crashed: list[str] = []
        deadline = system.now() + FAULT_SECONDS
        choices = ("partition", "partition", "heal", "crash", "restart", "restart", "bounce",
                   "bounce", "faults", "faults", "transfer")
        if churn:
            choices += ("add", "add", "remove", "remove", "heal")
        while system.now() < deadline:
            await trio.sleep(rng.uniform(0.3, 2.0))
            action = rng.choice(choices)
            if action == "add":
                name = f"etcd-{len(cluster.storages) + 1}"
                actions.append(await add_member(system, cluster, name))
                ref = system.lookup(cluster.member_path(name))
                assert ref is not None
                for client in shared.clients:
                    client.add_endpoint(ref)
            elif action == "remove":
                # the clients know the first members only: those stay
                candidates = [n for n in cluster.names if n not in names[:2] + crashed]
                if candidates and len(cluster.names) > 3:
                    actions.append(await remove_member(system, cluster, rng.choice(candidates)))
            elif action == "partition":
                hosts = cluster.names + clients
                rng.shuffle(hosts)
                cut = rng.randint(1, len(hosts) - 1)
                net.partition(hosts[:cut], hosts[cut:])
                actions.append(f"partition {sorted(hosts[:cut])} | {sorted(hosts[cut:])}")
            elif action == "heal":
                net.heal()
                actions.append("heal")
            elif action == "crash" and len(crashed) < (len(cluster.names) - 1) // 2:  # minority
                victim = rng.choice([n for n in cluster.names if n not in crashed])
                net.crash(victim)
                crashed.append(victim)
                actions.append(f"crash {victim}")
            elif action == "bounce":  # crash and come back at once: votes must persist
                victim = rng.choice([n for n in cluster.names if n not in crashed])
                net.crash(victim)
                await trio.sleep(rng.uniform(0.0, 0.3))
                net.restart(victim)
                actions.append(f"bounce {victim}")
            elif action == "restart" and crashed:
                back = crashed.pop(rng.randrange(len(crashed)))
                net.restart(back)
                actions.append(f"restart {back}")
            elif action == "transfer":  # an operator moves leadership (may fail: faults)
                target = rng.choice([n for n in cluster.names if n not in crashed])
                moved = await transfer(system, cluster, target)
                actions.append(f"transfer to {target}: {moved}")
            elif action == "faults":
                faults = LinkFaults(
                    delay=Delay.uniform(0.0, rng.choice((0.002, 0.02, 0.1))),
                    drop=rng.choice((0.0, 0.01, 0.05, 0.2)),
                    duplicate=rng.choice((0.0, 0.02, 0.1)),
                    reorder=rng.choice((0.0, 0.05, 0.2)))
                net.set_default(faults)
                actions.append(f"faults drop={faults.drop} dup={faults.duplicate} "
                               f"reorder={faults.reorder} delay<={faults.delay.b}")

        # Heal everything, let the clients stop, and wait for the members to converge.
        net.heal()
        net.set_default(LinkFaults())
        for name in crashed:
            net.restart(name)
        actions.append("heal all")
        await trio.sleep(0.1)  # let the restarts happen
        final_client = StoreClient(box[0].ctx, cluster.refs(system), timeout=30.0,
                                   client_id="final")
        final = await final_client.put("/sim/final", "done")
        shared.stopping = True
        with trio.fail_after(30):
            while any(shared.busy.values()):
                await trio.sleep(0.1)
        final = await final_client.put("/sim/final", "really")
        leader = member_actor(system, cluster, (await cluster.leader(system)).name)
        names = list(leader.core.conf_state.members())  # who is in the group now
        with trio.fail_after(60):
            while True:
                states = [member_actor(system, cluster, n) for n in names]
                applied = {(m.core.applied_index, m.core.commit_index, m.machine.store.revision)
                           for m in states}
                watcher = box[0]
                if len(applied) == 1 and watcher.revision >= final.revision:
                    break
                await trio.sleep(0.1)
        result = {
            "revision": final.revision,
            "images": {n: member_actor(system, cluster, n).machine.snapshot() for n in names},
            "history": list(member_actor(system, cluster, names[0]).machine.store.history(2)),
        }
        return Run(seed, names, system, cluster, shared, box[0], result, actions)


async def add_member(system: ActorSystem, cluster: EtcdCluster, name: str) -> str:
    """Propose the new member, then start its actor whatever the answer: if the change was
    applied after all, it must run; if not, it idles outside the group."""
    outcome = "added"
    with trio.move_on_after(4.0):
        try:
            leader = await cluster.leader(system, timeout=1.0)
            await leader.ask(AddMember(name), timeout=2.5)
        except (RaftError, ActorError, trio.TooSlowError) as error:
            outcome = type(error).__name__
    cluster.names.append(name)
    supervisor = system.lookup(cluster.parent_path)
    assert supervisor is not None
    await supervisor.ask(StartChild(cluster.member_spec(name, join=True)))
    return f"add {name}: {outcome}"


async def remove_member(system: ActorSystem, cluster: EtcdCluster, name: str) -> str:
    """Propose the removal; stop the actor only once it is known to be applied."""
    with trio.move_on_after(4.0):
        try:
            leader = await cluster.leader(system, timeout=1.0)
            await leader.ask(RemoveMember(name), timeout=2.5)
        except (RaftError, ActorError, trio.TooSlowError) as error:
            return f"remove {name}: {type(error).__name__}"
        cluster.names.remove(name)
        supervisor = system.lookup(cluster.parent_path)
        assert supervisor is not None
        await supervisor.ask(DeleteChild(name))
        return f"remove {name}: removed"
    return f"remove {name}: timed out"


async def transfer(system: ActorSystem, cluster: EtcdCluster, target: str) -> str:
    with trio.move_on_after(2.0):
        try:
            leader = await cluster.leader(system, timeout=1.0)
            return str(await leader.ask(TransferLeadership(target), timeout=1.5))
        except (RaftError, ActorError, trio.TooSlowError) as error:
            return type(error).__name__
    return "timed out"


# -- checks -------------------------------------------------------------------------------------


def check_run(run: Run) -> None:
    system, cluster, shared = run.system, run.cluster, run.shared
    assert system.records is not None
    leaders: dict[int, set[str]] = defaultdict(set)
    for record in system.records:
        if record["event"] == "raft.elected":
            leaders[record["term"]].add(record["leader"])
    assert leaders, "no leader was ever elected"
    for term, who in sorted(leaders.items()):
        assert len(who) == 1, f"two leaders in term {term}: {sorted(who)}"

    storages = cluster.storages
    for a in run.members:
        for b in run.members:
            if a >= b:
                continue
            sa, sb = storages[a], storages[b]
            lo = max(sa.first_index(), sb.first_index())
            hi = min(sa.hard_state.commit, sb.hard_state.commit)
            if lo <= hi:
                assert sa.entries(lo, hi + 1) == sb.entries(lo, hi + 1), (
                    f"logs of {a} and {b} differ within committed [{lo}, {hi}]")

    images = run.final["images"]
    first = images[run.members[0]]
    for name, image in images.items():
        assert image == first, f"{name} applied a different sequence than {run.members[0]}"

    by_revision = {rev: events for rev, events in run.final["history"]}
    for kind, key, value, revision in shared.acked:
        events = by_revision.get(revision, ())
        assert any(e.type.value == kind and e.kv.key == key and e.kv.value == value
                   for e in events), f"acknowledged {kind} {key}={value!r} at {revision} lost"

    verdict = check(shared.history)
    assert verdict.ok, f"{verdict.outcome.value}: {verdict.explanation}"

    expected = [(rev, tuple(_strip(e) for e in events)) for rev, events in run.final["history"]
                if any(e.kv.key.startswith(PREFIX) for e in events)]
    seen = run.watcher.events
    revisions = [rev for rev, _ in seen]
    assert revisions == sorted(set(revisions)), "watch revisions out of order or repeated"
    assert seen == expected[: len(seen)], "watch stream differs from the store history"
    assert len(seen) == len(expected), "the watcher missed the end of the history"


def _strip(event: Any) -> Any:
    return event._replace(prev_kv=None)


def run_seed(seed: int, churn: bool = False) -> Run:
    members = 3 if seed % 2 == 0 or churn else 5
    return trio.run(simulate, seed, members, churn,
                    clock=trio.testing.MockClock(autojump_threshold=0))


def run_and_check(seed: int, churn: bool) -> None:
    run = run_seed(seed, churn)
    try:
        check_run(run)
    except AssertionError as error:
        test = "test_membership_churn" if churn else "test_randomized_faults"
        raise AssertionError(
            f"simulation seed {seed} ({len(run.members)} members) failed: {error}\n"
            f"nemesis: {'; '.join(run.actions)}\n"
            f"replay: KACTORS_SIM_SEED={seed} pytest tests/store/test_simulation.py -k {test} "
            f"(KACTORS_SIM_LOG=1 prints the log)") from error


@pytest.mark.parametrize("seed", seeds())
def test_randomized_faults(seed: int) -> None:
    run_and_check(seed, churn=False)


@pytest.mark.parametrize("seed", seeds()[:CI_CHURN_SEEDS] if "KACTORS_SIM_SEEDS" not in os.environ
                         else seeds())
def test_membership_churn(seed: int) -> None:
    """Members are added and removed at run time, under the same faults."""
    run_and_check(seed, churn=True)


def test_a_seed_replays_the_same_story() -> None:
    def story(run: Run) -> list[Any]:
        assert run.system.records is not None
        return [(r["ts"], r["actor"], r["event"]) for r in run.system.records]

    first, second = run_seed(4), run_seed(4)
    assert first.shared.history == second.shared.history
    assert story(first) == story(second)
