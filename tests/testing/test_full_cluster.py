"""`full_cluster`: the whole cluster of `kactors run` as a test fixture, in virtual time."""

from __future__ import annotations

from kactors.testing.harness import full_cluster

CONFIG = """
[cluster]
name = "t"
[[nodes]]
name = "node"
count = 2
"""


async def test_a_deployment_runs_on_the_nodes_of_a_full_cluster(autojump_clock) -> None:
    async with full_cluster(CONFIG, seed=3) as cluster:
        assert cluster.tree is not None
        nodes = await cluster.list("v1/Node")
        assert [n["metadata"]["name"] for n in nodes] == ["node-1", "node-2"]
        await cluster.apply({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "namespace": "default"},
            "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
                     "template": {"metadata": {"labels": {"app": "web"}},
                                  "spec": {"containers": [{"name": "c", "image": "nginx"}]}}}})
        await cluster.wait_for("deployment/web", ready_replicas=2, timeout=120)
        pods = await cluster.list("v1/Pod", "default")
        assert sorted(p["status"]["phase"] for p in pods) == ["Running", "Running"]
        assert all(p["spec"]["nodeName"] in ("node-1", "node-2") for p in pods)
