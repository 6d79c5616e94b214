"""Pod creates per second through the whole apiserver pipeline, and watch fan-out.

    python bench/apiserver.py [--creates N] [--clients C] [--concurrency K] [--informers I]

Phase 1: C client actors, each with K concurrent requests in flight, create N pods through
authentication, RBAC, admission, validation and a three-member Raft store; the baseline is
the same run against a single-replica `LocalStore` (no consensus). Phase 2: I informers
watch pods; we create pods and count deliveries until every informer has seen every pod.
Wall clock, no virtual time. The last line is machine-readable.
"""

from __future__ import annotations

import argparse
import gc
import time
from typing import Any

import trio

from kactors.actors import Actor, ActorSystem, ChildSpec
from kactors.client.indexer import Indexer
from kactors.client.informer import Informer, InformerEvent, Subscribe
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


class Counter(Actor):
    def __init__(self, target: int, done: trio.Event, counts: list[int]) -> None:
        self.target, self.done, self.counts = target, done, counts
        self.seen = 0

    def receive(self, message: Any) -> None:
        if isinstance(message, InformerEvent) and message.type == "add":
            self.seen += 1
            self.counts[0] += 1
            if self.counts[0] >= self.target:
                self.done.set()


async def creates(store: str, n: int, clients: int, concurrency: int) -> tuple[float, float, float]:
    async with ActorSystem(seed=1, log_level="error", deterministic=False) as system:
        plane = await start_control_plane(system, store=store, store_timeout=60.0)
        refs = [await system.start(ChildSpec(f"creator-{c}", lambda c=c: Creator(
            plane, f"p{c}", n // clients, concurrency), host=f"client-{c}"))
            for c in range(clients)]
        latencies: list[float] = []
        gc.collect()
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
    async with ActorSystem(seed=1, log_level="error", deterministic=False) as system:
        plane = await start_control_plane(system, store="raft", store_timeout=60.0)
        done = trio.Event()
        counts = [0]
        for i in range(informers):
            counter = await system.start(ChildSpec(
                f"counter-{i}", lambda: Counter(informers * pods, done, counts), host=f"node-{i}"))
            informer = await system.start(ChildSpec(f"informer-{i}", lambda: Informer(
                plane.apiserver, plane.admin_token, "pods", Indexer()), host=f"node-{i}",
                mailbox_capacity=1_000_000))
            await informer.ask(Subscribe(counter))
        creator = await system.start(ChildSpec("creator", lambda: Creator(
            plane, "w", pods, 64), host="client"))
        start = time.perf_counter()
        await creator.ask("go", timeout=600)
        await done.wait()
        return counts[0] / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--creates", type=int, default=20_000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--informers", type=int, default=100)
    parser.add_argument("--watch-pods", type=int, default=2_000)
    args = parser.parse_args()
    local = trio.run(creates, "local", args.creates, args.clients, args.concurrency)
    print(f"local store: {local[0]:,.0f} creates/s  p50={local[1]:.1f}ms  p99={local[2]:.1f}ms")
    raft = trio.run(creates, "raft", args.creates, args.clients, args.concurrency)
    print(f"raft store:  {raft[0]:,.0f} creates/s  p50={raft[1]:.1f}ms  p99={raft[2]:.1f}ms  "
          f"(ratio vs local {raft[0] / local[0]:.2f})")
    watch = trio.run(fan_out, args.informers, args.watch_pods)
    print(f"watch: {watch:,.0f} deliveries/s to {args.informers} informers")
    print(f"RESULT creates_per_s={raft[0]:.0f} p99_ms={raft[2]:.1f} watch_events_per_s={watch:.0f}")


if __name__ == "__main__":
    main()
