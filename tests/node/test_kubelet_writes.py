"""What the kubelet writes, end to end in a whole cluster: a pod's status once per relist
and only when it changed (written again when someone else changed it), the Lease every
heartbeat, and the Node's status only when it is not what the kubelet would post."""

from __future__ import annotations

from typing import Any

import pytest

from kactors.testing.harness import full_cluster

CONFIG = """
[cluster]
name = "writes"
[[nodes]]
name = "node"
count = 1
"""

KUBELET = "/cluster/nodes/node-1/kubelet"


def pod(name: str = "web") -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": "default"},
            "spec": {"containers": [{"name": "app", "image": "nginx:1.27"}]}}


def count_writes(cluster: Any) -> list[tuple[str, str, str | None, float]]:
    """Wrap the kubelet's client: every request it sends, as (verb, resource,
    subresource, cluster time)."""
    kubelet = cluster.actor(KUBELET)
    seen: list[tuple[str, str, str | None, float]] = []
    request = kubelet.client.request

    async def counting(verb: str, info: Any, **options: Any) -> Any:
        seen.append((verb, info.resource, options.get("subresource"), cluster.now()))
        return await request(verb, info, **options)

    kubelet.client.request = counting
    return seen


def running(obj: dict[str, Any]) -> bool:
    return (obj.get("status") or {}).get("phase") == "Running"


async def test_a_pod_status_is_written_once_per_change_at_relist_ticks(autojump_clock):
    async with full_cluster(CONFIG, seed=1) as cluster:
        seen = count_writes(cluster)
        await cluster.apply(pod())
        await cluster.wait_for("pod/web", predicate=running, timeout=60)
        await cluster.sleep(60)  # heartbeats and relists: nothing changes, nothing written
        writes = [(at, verb) for verb, resource, sub, at in seen
                  if resource == "pods" and sub == "status"]
        # Pending (sandbox up, image pulling), then Running: the pull ending, the
        # container created and started within one relist period make one write
        assert len(writes) == 2
        assert all(at == int(at) for at, _ in writes)  # at whole relist ticks
        stored = await cluster.get("pod/web")
        assert stored["status"]["containerStatuses"][0]["state"]["running"]


async def test_a_status_changed_by_someone_else_is_written_again(autojump_clock):
    async with full_cluster(CONFIG, seed=2) as cluster:
        await cluster.apply(pod())
        await cluster.wait_for("pod/web", predicate=running, timeout=60)
        current = await cluster.get("pod/web")
        conditions = [dict(c, status="False") if c["type"] == "Ready" else c
                      for c in current["status"]["conditions"]]
        await cluster.client.patch("pods", "web", {"status": {"conditions": conditions}},
                                   "default", subresource="status")
        # the status manager's reconcile (each heartbeat) puts back what it knows
        await cluster.wait_for("pod/web", timeout=15, predicate=lambda p: any(
            c["type"] == "Ready" and c["status"] == "True"
            for c in p["status"]["conditions"]))


async def test_the_lease_is_renewed_and_the_node_status_posted_only_when_needed(
        autojump_clock):
    async with full_cluster(CONFIG, seed=3) as cluster:
        seen = count_writes(cluster)
        await cluster.sleep(100)
        leases = [at for verb, resource, _, at in seen if resource == "leases"]
        node_patches = [at for verb, resource, sub, at in seen
                        if resource == "nodes" and verb == "patch"]
        assert len(leases) >= 9  # every 10 s
        assert [b - a for a, b in zip(leases, leases[1:], strict=False)] == pytest.approx(
            [10.0] * (len(leases) - 1))
        assert node_patches == []  # nothing changed: no status write before 5 minutes
        # the node lifecycle controller (or anyone) says Unknown: the kubelet corrects it
        node = await cluster.get("v1/Node", "node-1")
        unknown = [dict(c, status="Unknown", reason="NodeStatusUnknown")
                   for c in node["status"]["conditions"]]
        await cluster.client.patch("nodes", "node-1", {"status": {"conditions": unknown}},
                                   subresource="status")
        await cluster.wait_for("v1/Node", "node-1", timeout=15, predicate=lambda n: all(
            c["status"] != "Unknown" for c in n["status"]["conditions"]))
        await cluster.sleep(300)  # and the 5-minute report comes without any change
        node_patches = [at for verb, resource, sub, at in seen
                        if resource == "nodes" and verb == "patch"]
        assert len(node_patches) == 2
