"""Scheduling throughput through binding: N nodes, P pending pods, one scheduler actor.

    python bench/scheduler.py [--nodes 5000] [--pods 10000]

Nodes and pods are written straight into the store (a `LocalStore`), as if created long
ago, so that only the scheduler's work is timed: its informers list them, it schedules
every pod and binds it through the apiserver (authn, RBAC, the binding subresource, a store
transaction). Baseline in the same run: the pure `schedule()` algorithm alone on the same
cluster state (per CPU second). The RESULT is wall clock; the human line also gives pods
per CPU second of the process, steadier when other work shares the machine. The last
line is machine-readable.

``--gc freeze`` collects and freezes the setup's objects (the stored nodes and pods) out
of Python's cyclic GC before the clock starts, as bench/apiserver.py and bench/raft.py
do, so that full collections scan what the scheduling creates rather than the fixture;
the default leaves the collector alone (comparable with earlier results).
"""

from __future__ import annotations

import argparse
import gc
import time
from typing import Any

import trio

from kactors.actors import Actor, ActorSystem, ChildSpec
from kactors.apiserver.objects import for_storage
from kactors.scheduler import ClusterState, new_pod_info, schedule
from kactors.scheduler.actor import Scheduler, SchedulerOptions
from kactors.store.client import StoreClient
from kactors.testing.controlplane import ADMIN_TOKEN, start_control_plane


def node(i: int) -> dict[str, Any]:
    name = f"node-{i:05d}"
    capacity = {"cpu": "32", "memory": "128Gi", "pods": "110"}
    return {"apiVersion": "v1", "kind": "Node",
            "metadata": {"name": name, "uid": f"n{i}", "labels": {"kubernetes.io/hostname": name}},
            "spec": {},
            "status": {"capacity": capacity, "allocatable": capacity, "conditions": [
                {"type": "Ready", "status": "True"}]}}


def pod(i: int) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": f"pod-{i:05d}", "namespace": "default", "uid": f"p{i}",
                         "labels": {"app": f"app-{i % 10}"}},
            "spec": {"schedulerName": "default-scheduler", "containers": [
                {"name": "c", "image": "nginx", "resources": {
                    "requests": {"cpu": "100m", "memory": "128Mi"}}}]},
            "status": {"phase": "Pending"}}


def algorithm_only(nodes: int, pods: int) -> float:
    state = ClusterState()
    for i in range(nodes):
        state.add_node(node(i))
    infos = [new_pod_info(pod(i)) for i in range(pods)]
    start = time.process_time()
    for info in infos:
        result = schedule(info, state)
        state.assume_pod(info, result.node_name)
    return pods / (time.process_time() - start)


async def through_binding(nodes: int, pods: int, freeze: bool = False) -> tuple[float, float]:
    """Pods per wall second and pods per CPU second of this process (steadier when other
    work shares the machine)."""
    async with ActorSystem(seed=1, log_level="error", deterministic=False) as system:
        plane = await start_control_plane(system, store="local", store_timeout=120.0)
        writer = await system.start(ChildSpec("writer", _Writer, host="etcd"))
        await writer.ask((plane.store_refs, nodes, pods), timeout=600)
        if freeze:
            gc.collect()
            gc.freeze()  # the setup's objects are never scanned again
        scheduler = await system.start(ChildSpec("scheduler", lambda: Scheduler(
            SchedulerOptions(plane.apiserver, ADMIN_TOKEN, annotate=False)),
            host="control-plane", mailbox_capacity=10_000_000))
        cell = scheduler._cell  # peeked at only to stop the clock when all are bound
        start = time.perf_counter()
        cpu = time.process_time()
        while cell.actor.scheduled < pods:
            await trio.sleep(0.05)
        return (pods / (time.perf_counter() - start), pods / (time.process_time() - cpu))


class _Writer(Actor):
    async def receive(self, message: Any) -> None:
        refs, nodes, pods = message
        store = StoreClient(self.ctx, refs, timeout=120.0)
        for i in range(nodes):
            obj = node(i)
            await store.put(f"/registry/nodes/{obj['metadata']['name']}", for_storage(obj))
        for i in range(pods):
            obj = pod(i)
            await store.put(f"/registry/pods/default/{obj['metadata']['name']}",
                            for_storage(obj))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--nodes", type=int, default=5000)
    parser.add_argument("--pods", type=int, default=10000)
    parser.add_argument("--gc", choices=("default", "freeze"), default="default",
                        help="freeze: collect and freeze the setup before the clock starts")
    args = parser.parse_args()
    alone = algorithm_only(args.nodes, args.pods)
    print(f"schedule() alone: {alone:,.0f} pods per CPU second")
    actor, per_cpu = trio.run(through_binding, args.nodes, args.pods, args.gc == "freeze")
    print(f"scheduler actor through binding: {actor:,.0f} pods/s, {per_cpu:,.0f} pods per CPU "
          f"second (ratio to schedule() alone {per_cpu / alone:.2f})")
    print(f"RESULT nodes={args.nodes} pods={args.pods} pods_per_s={actor:.0f}")


if __name__ == "__main__":
    main()
