"""Pod creates per second through the whole apiserver pipeline, and watch fan-out.

    python bench/apiserver.py [--creates N] [--clients C] [--concurrency K] [--rounds R]
                              [--informers I]

Phase 1: C client actors (default 8), each with K requests in flight (default 4), create
N pods through authentication, RBAC, admission, validation and a three-member Raft store;
the baseline is the same run against a single-replica `LocalStore` (no consensus). R
rounds of each (default 3, alternated, a fresh cluster each); the median round counts. Phase
2: I informers (default 100) list and watch pods while pods are written straight into the
store; deliveries per second until every informer's cache holds every pod. Wall clock, no
virtual time; the cyclic GC runs rarely (the objects are acyclic JSON). The last line is
machine-readable.

Where a create's time goes (profile): the store transaction, applied by each of the three
members (~20%); admission (~13%: the pods share one spec, which is defaulted and validated
once and then recalled, so what remains is the metadata); the body's check-and-copy, the
store client and Raft, trio's scheduling, the client's ask, and the watch cache.
"""

from __future__ import annotations

import argparse
import gc
import time
from typing import Any

import trio

from kactors.actors import Actor, ActorSystem, ChildSpec
from kactors.client.indexer import Indexer
from kactors.client.informer import Informer
from kactors.store.client import StoreClient
from kactors.testing.controlplane import start_control_plane


def pod(name: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": {"app": "b"}},
            "spec": {"containers": [{"name": "c", "image": "nginx:1.27",
                                     "resources": {"requests": {"cpu": "100m"}}}]}}


class Creator(Actor):
    """Creates `count` pods with `concurrency` requests in flight; replies latencies."""

    def __init__(self, plane: Any, prefix: str, count: int, concurrency: int) -> None:
        self.plane, self.prefix, self.count, self.concurrency = plane, prefix, count, concurrency

    async def receive(self, message: Any) -> list[float]:
        client = self.plane.client(self.ctx)
        client.timeout = 120.0
        latencies: list[float] = []
        next_index = iter(range(self.count))

        async def worker() -> None:
            for i in next_index:
                start = time.perf_counter()
                await client.create(pod(f"{self.prefix}-{i}"))
                latencies.append(time.perf_counter() - start)

        async with trio.open_nursery() as nursery:
            for _ in range(self.concurrency):
                nursery.start_soon(worker)
        return latencies


class Writer(Actor):
    """Puts `count` pods straight into the store (the apiserver sees them on its watch)."""

    def __init__(self, plane: Any, count: int) -> None:
        self.plane, self.count = plane, count

    async def receive(self, message: Any) -> None:
        store = StoreClient(self.ctx, self.plane.store_refs, timeout=120.0)
        counter = iter(range(self.count))

        async def worker() -> None:
            for i in counter:
                obj = pod(f"w-{i}")
                obj["metadata"].update(namespace="default", uid=f"u-{i}")
                await store.put(f"/registry/pods/default/w-{i}", obj)

        async with trio.open_nursery() as nursery:
            for _ in range(64):
                nursery.start_soon(worker)


async def creates(store: str, n: int, clients: int, concurrency: int) -> tuple[float, float, float]:
    async with ActorSystem(seed=1, log_level="error", deterministic=False) as system:
        plane = await start_control_plane(system, store=store, store_timeout=60.0)
        refs = [await system.start(ChildSpec(f"creator-{c}", lambda c=c: Creator(
            plane, f"p{c}", n // clients, concurrency), host=f"client-{c}"))
            for c in range(clients)]
        latencies: list[float] = []
        gc.collect()
        gc.freeze()  # the setup's objects are never scanned again (as bench/raft.py)
        start = time.perf_counter()
        async with trio.open_nursery() as nursery:
            async def run(ref: Any) -> None:
                latencies.extend(await ref.ask("go", timeout=600))
            for ref in refs:
                nursery.start_soon(run, ref)
        elapsed = time.perf_counter() - start
        latencies.sort()
        return (len(latencies) / elapsed, latencies[len(latencies) // 2] * 1000,
                latencies[int(len(latencies) * 0.99)] * 1000)


async def fan_out(informers: int, pods: int) -> float:
    """Deliveries per second to `informers` informers (each on its own host, list+watch
    of all pods into its indexer), counted when every indexer holds every pod. The pods
    are written straight into the store (as fast as Raft commits them), so what is timed
    is the fan-out: apiserver watch cache -> watch events -> informers' indexers."""
    async with ActorSystem(seed=1, log_level="error", deterministic=False) as system:
        plane = await start_control_plane(system, store="raft", store_timeout=60.0)
        indexers = []
        for i in range(informers):
            indexer = Indexer()
            indexers.append(indexer)
            await system.start(ChildSpec(f"informer-{i}", lambda indexer=indexer: Informer(
                plane.apiserver, plane.admin_token, "pods", indexer), host=f"node-{i}",
                mailbox_capacity=1_000_000))
        writer = await system.start(ChildSpec("writer", lambda: Writer(plane, pods),
                                              host="etcd-1"))
        start = time.perf_counter()
        await writer.ask("go", timeout=600)
        while min(len(indexer) for indexer in indexers) < pods:
            await trio.sleep(0.005)
        return informers * pods / (time.perf_counter() - start)


def _median(rounds: list[tuple[float, float, float]]) -> tuple[float, float, float]:
    """The round with the median throughput (its own latencies with it)."""
    return sorted(rounds)[len(rounds) // 2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--creates", type=int, default=20_000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3,
                        help="create rounds per store; the median round is reported")
    parser.add_argument("--informers", type=int, default=100)
    parser.add_argument("--watch-pods", type=int, default=2_000)
    args = parser.parse_args()
    # Python's cyclic GC walks every live object when it runs; objects here are acyclic
    # JSON data, so collect rarely (as bench/raft.py does) to keep pauses out of the p99
    gc.set_threshold(100_000, 1000, 1000)
    # Several rounds, local and raft alternated, each a fresh cluster; the median round
    # is reported: on a shared 2-core VM one round can be 20% off the next.
    locals_, rafts = [], []
    for _ in range(args.rounds):
        locals_.append(trio.run(creates, "local", args.creates, args.clients, args.concurrency))
        rafts.append(trio.run(creates, "raft", args.creates, args.clients, args.concurrency))
    local, raft = _median(locals_), _median(rafts)
    print(f"local store: {local[0]:,.0f} creates/s  p50={local[1]:.1f}ms  p99={local[2]:.1f}ms"
          f"  (rounds: {', '.join(f'{r[0]:,.0f}' for r in locals_)})")
    print(f"raft store:  {raft[0]:,.0f} creates/s  p50={raft[1]:.1f}ms  p99={raft[2]:.1f}ms  "
          f"(ratio vs local {raft[0] / local[0]:.2f}; rounds: "
          f"{', '.join(f'{r[0]:,.0f}' for r in rafts)})")
    watch = trio.run(fan_out, args.informers, args.watch_pods)
    print(f"watch: {watch:,.0f} deliveries/s to {args.informers} informers")
    print(f"RESULT creates_per_s={raft[0]:.0f} p99_ms={raft[2]:.1f} watch_events_per_s={watch:.0f}")


if __name__ == "__main__":
    main()
