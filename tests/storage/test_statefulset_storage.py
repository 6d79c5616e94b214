"""The docs' `web` StatefulSet with volumeClaimTemplates in a whole cluster: claims
www-web-N created before their pods, provisioned by the default `standard` class once the
scheduler picked each pod's node, bound, and the pods started on the nodes of their
volumes (a recreated pod comes back to its volume's node)."""

from __future__ import annotations

from typing import Any

from kactors.testing.harness import full_cluster

CONFIG = """
[cluster]
name = "storage"
[[nodes]]
name = "node"
count = 3
"""

MANIFEST = "examples/manifests/web-statefulset.yaml"


def ready(sts: dict[str, Any]) -> bool:
    return (sts.get("status") or {}).get("readyReplicas") == 3


async def test_web_statefulset_claims_are_provisioned_bound_and_mounted(autojump_clock):
    async with full_cluster(CONFIG, seed=5) as cluster:
        await cluster.apply(MANIFEST)
        await cluster.wait_for("statefulset/web", predicate=ready, timeout=300)
        claims = {c["metadata"]["name"]: c for c in await cluster.list("pvc")}
        assert sorted(claims) == ["www-web-0", "www-web-1", "www-web-2"]
        volumes = {v["metadata"]["name"]: v for v in await cluster.list("pv")}
        for ordinal in range(3):
            claim = claims[f"www-web-{ordinal}"]
            assert claim["status"]["phase"] == "Bound"
            assert claim["spec"]["storageClassName"] == "standard"
            assert claim["metadata"]["labels"] == {"app": "nginx"}
            assert claim["metadata"]["annotations"]["pv.kubernetes.io/bind-completed"] == "yes"
            volume = volumes[claim["spec"]["volumeName"]]
            assert volume["metadata"]["name"] == f"pvc-{claim['metadata']['uid']}"
            assert volume["status"]["phase"] == "Bound"
            assert volume["spec"]["claimRef"]["name"] == f"www-web-{ordinal}"
            pod = await cluster.get("pod", f"web-{ordinal}")
            node = claim["metadata"]["annotations"]["volume.kubernetes.io/selected-node"]
            assert pod["spec"]["nodeName"] == node
            assert volume["spec"]["nodeAffinity"]["required"]["nodeSelectorTerms"][0][
                "matchExpressions"][0]["values"] == [node]
            assert {"name": "www", "persistentVolumeClaim": {
                "claimName": f"www-web-{ordinal}"}} in pod["spec"]["volumes"]
        reasons = [e["reason"] for e in await cluster.list("events")
                   if e["involvedObject"]["name"] == "www-web-0"]
        for reason in ("WaitForFirstConsumer", "ExternalProvisioning", "Provisioning",
                       "ProvisioningSucceeded"):
            assert reason in reasons
        # web-1 deleted: it comes back with the same claim, on the node of its volume
        node = (await cluster.get("pod", "web-1"))["spec"]["nodeName"]
        uid = (await cluster.get("pod", "web-1"))["metadata"]["uid"]
        await cluster.delete("pod/web-1")
        await cluster.wait_for("pod/web-1", predicate=lambda p: p["metadata"]["uid"] != uid
                               and p["spec"].get("nodeName") == node
                               and p.get("status", {}).get("phase") == "Running", timeout=120)
        assert len(await cluster.list("pvc")) == 3


def small_set(**retention: str) -> dict[str, Any]:
    return {"apiVersion": "apps/v1", "kind": "StatefulSet",
            "metadata": {"name": "s", "namespace": "default"},
            "spec": {"serviceName": "s", "replicas": 2, "podManagementPolicy": "Parallel",
                     "persistentVolumeClaimRetentionPolicy": retention,
                     "selector": {"matchLabels": {"app": "s"}},
                     "template": {"metadata": {"labels": {"app": "s"}}, "spec": {
                         "containers": [{"name": "app", "image": "nginx:1.27"}]}},
                     "volumeClaimTemplates": [{"metadata": {"name": "data"}, "spec": {
                         "accessModes": ["ReadWriteOnce"],
                         "resources": {"requests": {"storage": "1Gi"}}}}]}}


async def test_retention_policy_deletes_claims_on_scale_down_and_with_the_set(autojump_clock):
    async with full_cluster(CONFIG, seed=6) as cluster:
        await cluster.apply(small_set(whenDeleted="Delete", whenScaled="Delete"))
        await cluster.wait_for("statefulset/s", predicate=lambda s: (s.get("status") or {})
                               .get("readyReplicas") == 2, timeout=120)
        claim = await cluster.get("pvc", "data-s-1")
        assert claim["metadata"]["ownerReferences"][0]["kind"] == "StatefulSet"
        volume = claim["spec"]["volumeName"]
        await cluster.client.patch("statefulsets", "s", {"spec": {"replicas": 1}}, "default")
        await cluster.wait_gone("pvc/data-s-1", timeout=120)
        await cluster.wait_gone("pv", volume, timeout=60)
        assert [c["metadata"]["name"] for c in await cluster.list("pvc")] == ["data-s-0"]
        await cluster.delete("statefulset/s")
        await cluster.wait_gone("pvc/data-s-0", timeout=120)


async def test_claims_are_kept_by_default(autojump_clock):
    async with full_cluster(CONFIG, seed=7) as cluster:
        await cluster.apply(small_set())
        await cluster.wait_for("statefulset/s", predicate=lambda s: (s.get("status") or {})
                               .get("readyReplicas") == 2, timeout=120)
        await cluster.client.patch("statefulsets", "s", {"spec": {"replicas": 1}}, "default")
        await cluster.wait_gone("pod/s-1", timeout=120)
        await cluster.delete("statefulset/s")
        await cluster.wait_gone("pod/s-0", timeout=120)
        claims = await cluster.list("pvc")
        assert sorted(c["metadata"]["name"] for c in claims) == ["data-s-0", "data-s-1"]
        assert all("ownerReferences" not in c["metadata"] for c in claims)
