"""Committed puts per second through a 3-member Raft group, against the store without Raft.

    python bench/raft.py [--writers 256] [--seconds 3] [--watchers 1000]

All in one process and one trio run, on the wall clock (no MockClock, no deterministic
scheduling), default network (no delay, no faults):

* raft: `--writers` tasks share one `StoreClient` in a client actor on its own host; each
  loops `await client.put(...)` against the 3-member group. The client coalesces the puts
  issued in one scheduling round into one `StoreBatch` message (`--no-coalesce`: one
  message per put), and the leader proposes everything that arrived since its last flush
  as one log append.
* local: the same writers against one `LocalStore` actor (the store applied directly in
  one actor, no Raft, same protocol and network hops): the baseline of the ratio.
* direct: `StoreStateMachine.apply` in a plain loop (no actors at all).
* watch fan-out: one event delivered to `--watchers` watchers (WatchNotice messages from
  the leader to the watching actors), deliveries per second.

Where the time goes (profile, coalescing on, 2-core machine): about half of the CPU is
`StoreStateMachine.apply`, run three times per put (every member applies every entry);
the writer tasks' own wake-ups and the client are most of the rest; Raft itself (propose,
MsgApp/MsgAppResp, Ready) is under 15%. `KeyValue`, `Event` and `PutResult` are named
tuples rather than frozen attrs classes for this reason (+15%: 28k -> 33k puts/s). With
128 writers instead of 256, ~29k puts/s at a p99 of ~14 ms.

The last line is machine-readable:
``RESULT puts_per_s=... p99_ms=... ratio_vs_direct=...`` where the ratio is raft puts/s
over LocalStore puts/s.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import pstats
import time
from typing import Any

import trio

from kactors.actors import Actor, ActorSystem
from kactors.store import Put, StoreClient, StoreStateMachine, WatchNotice
from kactors.store.cluster import EtcdCluster
from kactors.store.local import LocalStore


class Host(Actor):
    """A client actor whose context the writer tasks share; counts watch notices."""

    def __init__(self, box: list[Host]) -> None:
        self.box = box
        self.notices = 0
        self.target = 0
        self.done: trio.Event | None = None

    async def started(self) -> None:
        self.box.append(self)

    def receive(self, message: Any) -> Any:
        if message.__class__ is WatchNotice:
            self.notices += 1
            if self.done is not None and self.notices >= self.target:
                self.done.set()
        return None


def percentile(sorted_values: list[float], p: float) -> float:
    if not sorted_values:
        return 0.0
    k = min(len(sorted_values) - 1, max(0, round(p / 100 * (len(sorted_values) - 1))))
    return sorted_values[k]


async def drive(client: StoreClient, writers: int, seconds: float, prefix: str
                ) -> tuple[float, list[float]]:
    """`writers` tasks putting in a loop for `seconds`; (puts/s, latencies in ms)."""
    latencies: list[float] = []
    stop_at = time.perf_counter() + seconds
    count = 0

    async def writer(w: int) -> None:
        nonlocal count
        put = client.put
        record = latencies.append
        clock = time.perf_counter
        i = 0
        while True:
            t0 = clock()
            if t0 >= stop_at:
                return
            await put(f"{prefix}/{w}/{i % 100}", i)
            record((clock() - t0) * 1000.0)
            i += 1
            count += 1

    start = time.perf_counter()
    async with trio.open_nursery() as nursery:
        for w in range(writers):
            nursery.start_soon(writer, w)
    elapsed = time.perf_counter() - start
    latencies.sort()
    return count / elapsed, latencies


def direct_apply(n: int) -> float:
    machine = StoreStateMachine()
    commands = [Put(f"/direct/{i % 100}", i, request_id=f"d:{i}") for i in range(n)]
    start = time.perf_counter()
    apply = machine.apply
    for i, command in enumerate(commands, 1):
        apply(i, command)
    return n / (time.perf_counter() - start)


async def fan_out(system: ActorSystem, client: StoreClient, hosts: list[Host],
                  watchers: int, events: int) -> float:
    """Deliveries per second of `events` puts to one key watched `watchers` times."""
    per_host = watchers // len(hosts)
    for h, host in enumerate(hosts):
        watcher_client = StoreClient(host.ctx, client.endpoints, timeout=30.0)
        for i in range(per_host):
            await watcher_client.watch(("fan", h, i), "/fan/key")
    total = per_host * len(hosts) * events
    for host in hosts:
        host.notices = 0
        host.target = per_host * events
        host.done = trio.Event()
    start = time.perf_counter()
    for i in range(events):
        await client.put("/fan/key", i)
    for host in hosts:
        assert host.done is not None
        await host.done.wait()
    return total / (time.perf_counter() - start)


async def bench(args: argparse.Namespace) -> dict[str, Any]:
    out: dict[str, Any] = {}
    async with ActorSystem(seed=0, deterministic=False, log_to_stdout=False,
                           log_level="warning") as system:
        cluster = EtcdCluster(["etcd-1", "etcd-2", "etcd-3"], parent_path="/etcd",
                              snapshot_threshold=args.snapshot_threshold)
        await system.start(cluster.spec())
        box: list[Host] = []
        await system.start(lambda: Host(box), name="client", host="client")
        await system.start(LocalStore, name="local", host="local", mailbox_capacity=1_000_000)
        for i in range(args.watcher_actors):
            await system.start(lambda: Host(box), name=f"watcher-{i}", host="watchers")
        client_actor, watcher_hosts = box[0], box[1:]
        coalesce = not args.no_coalesce
        raft_client = StoreClient(client_actor.ctx, cluster.refs(system), timeout=30.0,
                                  coalesce=coalesce)
        local_ref = system.lookup("/local")
        assert local_ref is not None
        local_client = StoreClient(client_actor.ctx, [local_ref], timeout=30.0,
                                   coalesce=coalesce)
        await raft_client.put("/warmup", 0)  # waits for the first election
        await local_client.put("/warmup", 0)
        if args.gc != "default":
            gc.collect()
            gc.freeze()  # the setup's objects are never scanned again
        for round_ in range(args.rounds):
            for name, client in (("raft", raft_client), ("local", local_client)):
                profiler = cProfile.Profile() if args.profile and name == "raft" else None
                if profiler is not None:
                    profiler.enable()
                rate, lat = await drive(client, args.writers, args.seconds, f"/{name}{round_}")
                if profiler is not None:
                    profiler.disable()
                    pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
                if rate > out.get(name, (0.0,))[0]:
                    out[name] = (rate, percentile(lat, 50), percentile(lat, 99))
        out["fanout"] = await fan_out(system, raft_client, watcher_hosts, args.watchers,
                                      args.fanout_events)
        statuses = await raft_client.status()
        out["applied"] = [s.applied_index for s in statuses]
    out["direct"] = direct_apply(200_000)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--writers", type=int, default=256)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--watchers", type=int, default=1000)
    parser.add_argument("--watcher-actors", type=int, default=10)
    parser.add_argument("--fanout-events", type=int, default=50)
    parser.add_argument("--snapshot-threshold", type=int, default=100_000)
    parser.add_argument("--gc", choices=("tuned", "off", "default"), default="tuned",
                        help="tuned: freeze the setup, young collections every 100k "
                             "allocations, older ones practically never (the default)")
    parser.add_argument("--profile", action="store_true",
                        help="cProfile the raft rounds (slows them down) and print the top")
    parser.add_argument("--no-coalesce", action="store_true",
                        help="one message per request (StoreClient(coalesce=False))")
    args = parser.parse_args()
    if args.gc == "tuned":
        gc.set_threshold(100_000, 1000, 1000)
    elif args.gc == "off":
        gc.disable()
    out = trio.run(bench, args)
    raft_rate, raft_p50, raft_p99 = out["raft"]
    local_rate, local_p50, local_p99 = out["local"]
    print(f"writers: {args.writers}, {args.seconds:g}s x {args.rounds} rounds (best round), "
          f"gc {args.gc}, coalesce {'off' if args.no_coalesce else 'on'}")
    print(f"raft (3 members): {raft_rate:>10,.0f} puts/s  p50 {raft_p50:6.2f} ms  "
          f"p99 {raft_p99:6.2f} ms")
    print(f"LocalStore:       {local_rate:>10,.0f} puts/s  p50 {local_p50:6.2f} ms  "
          f"p99 {local_p99:6.2f} ms")
    print(f"direct apply:     {out['direct']:>10,.0f} puts/s (StoreStateMachine.apply loop)")
    print(f"applied indexes:  {out['applied']}")
    print(f"watch fan-out: {out['fanout']:,.0f} deliveries/s "
          f"({args.watchers} watchers x {args.fanout_events} events)")
    print(f"RESULT puts_per_s={raft_rate:.0f} p99_ms={raft_p99:.2f} "
          f"ratio_vs_direct={raft_rate / local_rate:.2f}")


if __name__ == "__main__":
    main()
