"""Storage end to end in a whole cluster, in virtual time: the PV controller binding
static volumes and provisioning for Immediate classes, reclaim policies, the
DefaultStorageClass admission, the scheduler's VolumeBinding verdicts, and a kubelet
that starts a pod only once its claim is Bound."""

from __future__ import annotations

from typing import Any

import pytest

from kactors.client.errors import ApiError
from kactors.testing.harness import full_cluster

CONFIG = """
[cluster]
name = "storage"
[[nodes]]
name = "node"
count = 3
"""


def claim(name: str, size: str = "1Gi", cls: str | None = "", **spec: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"accessModes": ["ReadWriteOnce"],
                            "resources": {"requests": {"storage": size}}, **spec}
    if cls is not None:
        body["storageClassName"] = cls
    return {"apiVersion": "v1", "kind": "PersistentVolumeClaim",
            "metadata": {"name": name, "namespace": "default"}, "spec": body}


def volume(name: str, size: str, cls: str = "", policy: str = "Retain",
           **spec: Any) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": name},
            "spec": {"capacity": {"storage": size}, "accessModes": ["ReadWriteOnce"],
                     "storageClassName": cls, "persistentVolumeReclaimPolicy": policy,
                     "hostPath": {"path": f"/data/{name}"}, **spec}}


def pod(name: str, claim_name: str, **spec: Any) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": "default"},
            "spec": {"containers": [{"name": "app", "image": "nginx:1.27",
                                     "volumeMounts": [{"name": "data", "mountPath": "/data"}]}],
                     "volumes": [{"name": "data",
                                  "persistentVolumeClaim": {"claimName": claim_name}}], **spec}}


def phase(value: str) -> Any:
    return lambda obj: (obj.get("status") or {}).get("phase") == value


async def events_of(cluster: Any, name: str) -> list[tuple[str, str]]:
    """The events of `name`, in the order they were written (a list is in key order)."""
    events = sorted(await cluster.list("events", "default"),
                    key=lambda e: int(e["metadata"]["resourceVersion"]))
    return [(e["reason"], e["message"]) for e in events
            if e["involvedObject"]["name"] == name]


async def test_static_volumes_bind_to_the_smallest_fit_and_are_released(autojump_clock):
    async with full_cluster(CONFIG, seed=1) as cluster:
        for name, size in (("big", "10Gi"), ("small", "2Gi"), ("tiny", "500Mi")):
            await cluster.apply(volume(name, size))
        await cluster.wait_for("pv/tiny", predicate=phase("Available"), timeout=10)
        await cluster.apply(claim("data", "1Gi"))
        got = await cluster.wait_for("pvc/data", predicate=phase("Bound"), timeout=10)
        assert got["spec"]["volumeName"] == "small"
        assert got["status"]["capacity"] == {"storage": "2Gi"}
        assert got["status"]["accessModes"] == ["ReadWriteOnce"]
        assert got["metadata"]["annotations"] == {"pv.kubernetes.io/bind-completed": "yes",
                                                  "pv.kubernetes.io/bound-by-controller": "yes"}
        small = await cluster.wait_for("pv/small", predicate=phase("Bound"), timeout=10)
        assert small["spec"]["claimRef"]["uid"] == got["metadata"]["uid"]
        # pre-bound by name: the claim gets the volume it names, however big
        await cluster.apply(claim("named", "1Gi", volumeName="big"))
        named = await cluster.wait_for("pvc/named", predicate=phase("Bound"), timeout=10)
        assert named["spec"]["volumeName"] == "big"
        assert "pv.kubernetes.io/bound-by-controller" not in named["metadata"]["annotations"]
        # Retain: the claim goes, the volume stays, Released
        await cluster.delete("pvc/data")
        await cluster.wait_for("pv/small", predicate=phase("Released"), timeout=10)
        # no volume fits and no class: Pending, said so
        await cluster.apply(claim("huge", "1Ti"))
        await cluster.sleep(2)
        assert (await cluster.get("pvc", "huge"))["status"]["phase"] == "Pending"
        assert ("FailedBinding", "no persistent volumes available for this claim and no "
                "storage class is set") in await events_of(cluster, "huge")


async def test_immediate_class_provisions_at_once_and_delete_reclaims(autojump_clock):
    async with full_cluster(CONFIG, seed=2) as cluster:
        await cluster.apply({"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
                             "metadata": {"name": "fast"}, "provisioner": "example.com/fast"})
        sc = await cluster.get("storageclass", "fast")
        assert (sc["reclaimPolicy"], sc["volumeBindingMode"]) == ("Delete", "Immediate")
        await cluster.apply(claim("fast-data", "3Gi", cls="fast"))
        got = await cluster.wait_for("pvc/fast-data", predicate=phase("Bound"), timeout=30)
        name = f"pvc-{got['metadata']['uid']}"
        assert got["spec"]["volumeName"] == name
        made = await cluster.get("pv", name)
        assert made["spec"]["persistentVolumeReclaimPolicy"] == "Delete"
        assert made["metadata"]["annotations"]["pv.kubernetes.io/provisioned-by"] == \
            "example.com/fast"
        reasons = [reason for reason, _ in await events_of(cluster, "fast-data")]
        # the PV controller's ExternalProvisioning and the provisioner's own events come
        # from two recorders at the same instant: only the provisioner's are ordered
        assert "ExternalProvisioning" in reasons
        assert reasons.index("Provisioning") < reasons.index("ProvisioningSucceeded")
        await cluster.delete("pvc/fast-data")
        await cluster.wait_gone("pv", name, timeout=30)


async def test_default_class_is_given_and_waits_for_first_consumer(autojump_clock):
    async with full_cluster(CONFIG, seed=3) as cluster:
        standard = await cluster.get("storageclass", "standard")
        assert standard["provisioner"] == "rancher.io/local-path"
        await cluster.apply(claim("mine", cls=None))
        got = await cluster.get("pvc", "mine")
        assert got["spec"]["storageClassName"] == "standard"
        await cluster.sleep(5)
        assert (await cluster.get("pvc", "mine"))["status"]["phase"] == "Pending"
        assert await events_of(cluster, "mine") == [
            ("WaitForFirstConsumer", "waiting for first consumer to be created before binding")]
        # a consumer: the scheduler picks its node, the volume is made there, then it runs
        await cluster.apply(pod("user", "mine"))
        running = await cluster.wait_for("pod/user", predicate=phase("Running"), timeout=60)
        got = await cluster.get("pvc", "mine")
        assert got["status"]["phase"] == "Bound"
        node = got["metadata"]["annotations"]["volume.kubernetes.io/selected-node"]
        assert running["spec"]["nodeName"] == node
        # in use: deleting the claim leaves it Terminating until its pod is gone
        assert got["metadata"]["finalizers"] == ["kubernetes.io/pvc-protection"]
        volume_name = got["spec"]["volumeName"]
        await cluster.delete("pvc/mine")
        await cluster.sleep(20)
        assert (await cluster.get("pvc", "mine"))["metadata"]["deletionTimestamp"]
        await cluster.delete("pod/user")
        await cluster.wait_gone("pvc/mine", timeout=60)
        await cluster.wait_gone("pv", volume_name, timeout=60)  # reclaim policy Delete


async def test_scheduler_refuses_missing_and_unbound_immediate_claims(autojump_clock):
    async with full_cluster(CONFIG, seed=4) as cluster:
        await cluster.apply(pod("orphan", "nothing"))
        await cluster.apply(claim("static", cls=""))
        await cluster.apply(pod("waiting", "static"))
        await cluster.sleep(5)
        for name, message in (
                ("orphan", '0/3 nodes are available: persistentvolumeclaim "nothing" not '
                           'found.'),
                ("waiting", "0/3 nodes are available: pod has unbound immediate "
                            "PersistentVolumeClaims.")):
            got = await cluster.get("pod", name)
            assert "nodeName" not in got["spec"]
            assert ("FailedScheduling", message) in await events_of(cluster, name)
        # a volume appears, tied to node-2: the claim binds, the pod goes there
        await cluster.apply(volume("local", "1Gi", nodeAffinity={"required": {
            "nodeSelectorTerms": [{"matchExpressions": [{
                "key": "kubernetes.io/hostname", "operator": "In", "values": ["node-2"]}]}]}}))
        got = await cluster.wait_for("pod/waiting", predicate=phase("Running"), timeout=120)
        assert got["spec"]["nodeName"] == "node-2"


async def test_kubelet_waits_for_the_claim_to_be_bound(autojump_clock):
    async with full_cluster(CONFIG, seed=5) as cluster:
        await cluster.apply(claim("later", cls=""))
        # bound to a node directly: no scheduler to wait for the claim
        await cluster.apply(pod("direct", "later", nodeName="node-1"))
        await cluster.sleep(15)
        got = await cluster.get("pod", "direct")
        assert got["status"]["phase"] == "Pending"
        assert got["status"]["containerStatuses"][0]["state"]["waiting"]["reason"] == \
            "ContainerCreating"
        assert ("FailedMount", "Unable to attach or mount volumes: unmounted volumes=[data], "
                "unattached volumes=[data], failed to process volumes=[data]: error processing "
                "PVC default/later: PVC is not bound") in await events_of(cluster, "direct")
        await cluster.apply(volume("v", "1Gi"))
        await cluster.wait_for("pod/direct", predicate=phase("Running"), timeout=60)


async def test_a_bound_claim_grows_only_if_its_class_allows_expansion(autojump_clock):
    async with full_cluster(CONFIG, seed=6) as cluster:
        for name, expandable in (("grow", True), ("fixed", False)):
            await cluster.apply({"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
                                 "metadata": {"name": name}, "provisioner": "example.com/x",
                                 "allowVolumeExpansion": expandable})
            await cluster.apply(claim(name, "1Gi", cls=name))
            await cluster.wait_for(f"pvc/{name}", predicate=phase("Bound"), timeout=30)
        bigger = {"spec": {"resources": {"requests": {"storage": "5Gi"}}}}
        with pytest.raises(ApiError) as refused:
            await cluster.client.patch("pvc", "fixed", bigger, "default")
        assert (refused.value.code, str(refused.value)) == (403, (
            'persistentvolumeclaims "fixed" is forbidden: only dynamically provisioned pvc '
            "can be resized and the storageclass that provisions the pvc must support resize"))
        await cluster.client.patch("pvc", "grow", bigger, "default")
        grown = await cluster.wait_for("pvc/grow", predicate=lambda c: c["status"].get(
            "capacity") == {"storage": "5Gi"}, timeout=30)
        volume = await cluster.get("pv", grown["spec"]["volumeName"])
        assert volume["spec"]["capacity"] == {"storage": "5Gi"}
        assert [r for r, _ in await events_of(cluster, "grow")][-2:] == [
            "ExternalExpanding", "VolumeResizeSuccessful"]
