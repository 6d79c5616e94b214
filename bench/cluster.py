"""A whole cluster in virtual time: N nodes, a Deployment of P replicas, wall seconds until
every pod is Running, pods per wall second, and peak memory.

    python bench/cluster.py [--nodes 1000] [--pods 10000] [--etcd-members 3]

Everything runs as in `kactors run`: three etcd members (Raft), the apiserver, the
controller-manager with every built-in controller, the scheduler, and a kubelet and
kube-proxy per node, each pod created, scheduled, bound, pulled, started and reported by
its kubelet, with its Events. Logs are off (level error); the garbage collector runs with
the thresholds `kactors run` uses (kactors.cluster.gcpolicy). What the bench configures, as
a big real cluster would: controllers coalesce the events of a key over 1 s
(`batch_period`, like kube's --endpoint-updates-batch-period) and nodes get a /24 each
from a /14 cluster CIDR when there are more than 256. The human line also gives the
process CPU seconds (steadier than wall time on a busy machine) and how much cluster time
the rollout took. The last line is machine-readable.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

import trio
import trio.testing

from kactors.actors import ActorSystem, ChildSpec
from kactors.api.quantity import Quantity
from kactors.client.client import ApiClient
from kactors.cluster.config import (
    ClusterConfig,
    ClusterSection,
    EtcdSection,
    LogSection,
    NodeGroup,
)
from kactors.cluster.gcpolicy import cluster_gc
from kactors.cluster.operator import Begin, Operator
from kactors.cluster.tree import ClusterTree

DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata: {{name: big}}
spec:
  replicas: {replicas}
  selector: {{matchLabels: {{app: big}}}}
  template:
    metadata: {{labels: {{app: big}}}}
    spec:
      containers:
      - name: app
        image: nginx:1.27
        resources: {{requests: {{cpu: 10m, memory: 16Mi}}}}
"""


async def run(nodes: int, pods: int, manifest: Path,
              etcd_members: int = 3) -> tuple[float, float, float]:
    """(wall seconds, process CPU seconds, cluster seconds) until every pod is Running."""
    config = ClusterConfig(
        cluster=ClusterSection(name="bench", seed=1, duration=10_000),
        # a /24 per node out of a /14 cluster CIDR (1,024 nodes), as a big cluster's
        # --cluster-cidr would be: the default 10.244.0.0/16 holds only 256 nodes
        node_groups=(NodeGroup(name="node", count=nodes, cpu=Quantity.parse("64"),
                               memory=Quantity.parse("256Gi"), pods=110,
                               pod_cidr="10.128.0.0/14" if nodes > 256 else None),),
        etcd=EtcdSection(members=tuple(f"etcd-{i}" for i in range(1, etcd_members + 1))),
        manifests=(manifest,), log=LogSection(level="error"))
    async with ActorSystem("bench", seed=1, log_level="error", deterministic=False) as system:
        tree = ClusterTree(config, batch_period=1.0)
        await system.start(tree.spec(system))
        operator = await system.start(ChildSpec("operator", lambda: Operator(tree),
                                                host="operator"))
        start = time.perf_counter()
        cpu = time.process_time()
        virtual = trio.current_time()
        await operator.ask(Begin(), timeout=10_000)
        client = ApiClient(system.lookup("/operator")._cell.actor.ctx, tree.apiserver(),
                           tree.credentials.admin, timeout=600)
        while True:
            await trio.sleep(5)
            deployment = await client.get("deployments", "big", "default")
            if (deployment.get("status") or {}).get("readyReplicas", 0) >= pods:
                return (time.perf_counter() - start, time.process_time() - cpu,
                        trio.current_time() - virtual)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--nodes", type=int, default=1000)
    parser.add_argument("--pods", type=int, default=10000)
    parser.add_argument("--etcd-members", type=int, default=3,
                        help="members of the Raft group (kactors run's default: 3)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        manifest = Path(folder) / "big.yaml"
        manifest.write_text(DEPLOYMENT.format(replicas=args.pods))
        with cluster_gc():  # as `kactors run` does
            wall, cpu, virtual = trio.run(run, args.nodes, args.pods, manifest,
                                          args.etcd_members,
                                          clock=trio.testing.MockClock(autojump_threshold=0))
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{args.pods} pods Running on {args.nodes} nodes in {wall:.1f} s wall "
          f"({args.pods / wall:,.0f} pods/s; {cpu:.1f} s CPU, {virtual:.0f} s of cluster "
          f"time), peak RSS {rss_mb:,.0f} MB")
    print(f"RESULT nodes={args.nodes} pods={args.pods} wall_s={wall:.1f} "
          f"pods_per_s={args.pods / wall:.0f} peak_rss_mb={rss_mb:.0f}")


if __name__ == "__main__":
    main()
