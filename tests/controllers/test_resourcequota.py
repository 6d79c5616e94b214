"""ResourceQuotas in a whole cluster: the controller counts each quota's usage into its
status; the apiserver refuses what does not fit, and the ReplicaSet controller reports it."""

from __future__ import annotations

from typing import Any

from kactors.testing.harness import full_cluster

CONFIG = """
[cluster]
name = "quota"
[[nodes]]
name = "node"
count = 2
"""


def web(replicas: int) -> dict[str, Any]:
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "namespace": "default"},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": "web"}},
                     "template": {"metadata": {"labels": {"app": "web"}}, "spec": {
                         "containers": [{"name": "c", "image": "nginx:1.27", "resources": {
                             "requests": {"cpu": "200m", "memory": "64Mi"},
                             "limits": {"cpu": "400m", "memory": "128Mi"}}}]}}}}


def used(**expected: str):
    def check(quota: dict[str, Any]) -> bool:
        return (quota.get("status") or {}).get("used") == expected
    return check


async def test_quota_usage_and_refusals(autojump_clock) -> None:
    async with full_cluster(CONFIG, seed=1) as cluster:
        await cluster.apply({"apiVersion": "v1", "kind": "ResourceQuota",
                             "metadata": {"name": "compute", "namespace": "default"},
                             "spec": {"hard": {"pods": "4", "requests.cpu": "1",
                                               "limits.memory": "1Gi"}}})
        await cluster.apply(web(2))
        await cluster.wait_for("deployment/web", ready_replicas=2, timeout=120)
        quota = await cluster.wait_for(
            "v1/ResourceQuota", "compute", "default", timeout=30,
            predicate=used(**{"pods": "2", "requests.cpu": "400m", "limits.memory": "256Mi"}))
        assert quota["status"]["hard"] == {"pods": "4", "requests.cpu": "1",
                                           "limits.memory": "1Gi"}
        # 8 replicas asked: the quota's 4 pods stop them (its cpu would allow 5)
        await cluster.apply(web(8))
        await cluster.wait_for(
            "v1/ResourceQuota", "compute", "default", timeout=60,
            predicate=used(**{"pods": "4", "requests.cpu": "800m", "limits.memory": "512Mi"}))
        await cluster.sleep(10)
        pods = [p for p in await cluster.list("v1/Pod", "default")
                if not p["metadata"].get("deletionTimestamp")]
        assert len(pods) == 4
        refused = [r["message"] for r in cluster.logs("event.recorded")
                   if r.get("reason") == "FailedCreate"]
        assert refused and refused[0].startswith('Error creating: pods "web-')
        assert refused[0].endswith('is forbidden: exceeded quota: compute, requested: pods=1, '
                                   "used: pods=4, limited: pods=4")
