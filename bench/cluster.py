"""A whole cluster in virtual time: N nodes, a Deployment of P replicas, wall seconds until
every pod is Running, pods per wall second, and peak memory.

    python bench/cluster.py [--nodes 1000] [--pods 10000]

Everything runs as in `kactors run`: three etcd members, the apiserver, the
controller-manager, the scheduler, and a kubelet and kube-proxy per node, each pod
scheduled, pulled, started and reported by its kubelet. Logs are off (level error). The
baseline printed in the same run is the apiserver alone: creating P pods directly, the
floor under which no full workflow can go. The last line is machine-readable.
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
from kactors.cluster.config import ClusterConfig, ClusterSection, LogSection, NodeGroup
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


async def run(nodes: int, pods: int, manifest: Path) -> float:
    config = ClusterConfig(
        cluster=ClusterSection(name="bench", seed=1, duration=10_000),
        node_groups=(NodeGroup(name="node", count=nodes, cpu=Quantity.parse("64"),
                               memory=Quantity.parse("256Gi"), pods=110),),
        manifests=(manifest,), log=LogSection(level="error"))
    async with ActorSystem("bench", seed=1, log_level="error", deterministic=False) as system:
        tree = ClusterTree(config, batch_period=1.0)
        await system.start(tree.spec(system))
        operator = await system.start(ChildSpec("operator", lambda: Operator(tree),
                                                host="operator"))
        start = time.perf_counter()
        await operator.ask(Begin(), timeout=10_000)
        client = ApiClient(system.lookup("/operator")._cell.actor.ctx, tree.apiserver(),
                           tree.credentials.admin, timeout=600)
        while True:
            await trio.sleep(5)
            deployment = await client.get("deployments", "big", "default")
            if (deployment.get("status") or {}).get("readyReplicas", 0) >= pods:
                return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--nodes", type=int, default=1000)
    parser.add_argument("--pods", type=int, default=10000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        manifest = Path(folder) / "big.yaml"
        manifest.write_text(DEPLOYMENT.format(replicas=args.pods))
        wall = trio.run(run, args.nodes, args.pods, manifest,
                        clock=trio.testing.MockClock(autojump_threshold=0))
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{args.pods} pods Running on {args.nodes} nodes in {wall:.1f} s wall "
          f"({args.pods / wall:,.0f} pods/s), peak RSS {rss_mb:,.0f} MB")
    print(f"RESULT nodes={args.nodes} pods={args.pods} wall_s={wall:.1f} "
          f"pods_per_s={args.pods / wall:.0f} peak_rss_mb={rss_mb:.0f}")


if __name__ == "__main__":
    main()
