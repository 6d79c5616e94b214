"""The PV controller's and VolumeBinding's decisions, without an event loop: which volume
a claim gets, what an unbound claim needs next, a volume's phase, and which nodes a pod's
claims allow."""

from __future__ import annotations

from typing import Any

from kactors.controllers.localpath import provisioned_volume, standard_storage_class
from kactors.controllers.pvbinding import next_claim_step, volume_phase_for
from kactors.scheduler.nodeinfo import NodeInfo
from kactors.scheduler.plugins.volumebinding import (
    CONFLICT,
    NO_VOLUMES,
    UNBOUND_IMMEDIATE,
    Rejection,
    VolumeData,
    volume_binding,
    volume_prefilter,
)
from kactors.scheduler.volumematch import find_matching_volume


def claim(name: str = "data", size: str = "1Gi", modes: tuple[str, ...] = ("ReadWriteOnce",),
          cls: str | None = "", **spec: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"accessModes": list(modes),
                            "resources": {"requests": {"storage": size}}, **spec}
    if cls is not None:
        body["storageClassName"] = cls
    return {"apiVersion": "v1", "kind": "PersistentVolumeClaim",
            "metadata": {"name": name, "namespace": "default", "uid": f"uid-{name}"},
            "spec": body}


def volume(name: str, size: str, modes: tuple[str, ...] = ("ReadWriteOnce",), cls: str = "",
           labels: dict[str, str] | None = None, **spec: Any) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "PersistentVolume",
            "metadata": {"name": name, "labels": labels or {}},
            "spec": {"capacity": {"storage": size}, "accessModes": list(modes),
                     "storageClassName": cls, "hostPath": {"path": f"/data/{name}"}, **spec}}


def on_node(node: str) -> dict[str, Any]:
    return {"required": {"nodeSelectorTerms": [{"matchExpressions": [
        {"key": "kubernetes.io/hostname", "operator": "In", "values": [node]}]}]}}


def wffc(name: str, provisioner: str) -> dict[str, Any]:
    return {"metadata": {"name": name}, "provisioner": provisioner,
            "volumeBindingMode": "WaitForFirstConsumer"}


def test_the_smallest_volume_that_satisfies_the_claim_wins() -> None:
    volumes = [volume("big", "10Gi"), volume("small", "2Gi"), volume("tiny", "500Mi"),
               volume("rwx", "1Gi", ("ReadWriteMany",)), volume("other", "1Gi", cls="fast")]
    assert find_matching_volume(claim(size="1Gi"), volumes)["metadata"]["name"] == "small"
    assert find_matching_volume(claim(size="20Gi"), volumes) is None
    # every requested mode must be offered; the class must be the same ("" is a class)
    got = find_matching_volume(claim(modes=("ReadWriteMany",)), volumes)
    assert got["metadata"]["name"] == "rwx"
    assert find_matching_volume(claim(cls="fast"), volumes)["metadata"]["name"] == "other"


def test_selector_pre_binding_and_volumes_taken_by_others() -> None:
    taken = volume("taken", "1Gi", claimRef={"namespace": "default", "name": "someone",
                                             "uid": "x"})
    mine = volume("mine", "50Gi", claimRef={"namespace": "default", "name": "data"})
    labelled = volume("ssd", "5Gi", labels={"disk": "ssd"})
    assert find_matching_volume(claim(), [taken, labelled, mine])["metadata"]["name"] == "mine"
    assert find_matching_volume(claim(), [taken]) is None
    wanted = claim(selector={"matchLabels": {"disk": "ssd"}})
    assert find_matching_volume(wanted, [volume("plain", "1Gi"), labelled])["metadata"][
        "name"] == "ssd"


def test_delayed_claims_take_only_volumes_that_fit_the_selected_node() -> None:
    volumes = [volume("a", "1Gi", nodeAffinity=on_node("node-1")),
               volume("b", "1Gi", nodeAffinity=on_node("node-2"))]
    assert find_matching_volume(claim(), volumes, delay_binding=True) is None
    got = find_matching_volume(claim(), volumes, "node-2", {"kubernetes.io/hostname": "node-2"},
                               delay_binding=True)
    assert got["metadata"]["name"] == "b"


def test_next_step_of_an_unbound_claim() -> None:
    classes = {"standard": wffc("standard", "rancher.io/local-path"),
               "fast": {"metadata": {"name": "fast"}, "provisioner": "example.com/fast",
                        "volumeBindingMode": "Immediate"},
               "static": {"metadata": {"name": "static"},
                          "provisioner": "kubernetes.io/no-provisioner",
                          "volumeBindingMode": "Immediate"}}
    labels = {"node-1": {"kubernetes.io/hostname": "node-1"}}.get
    step = next_claim_step(claim(cls="standard"), [], classes, labels)
    assert (step.action, step.reason, step.message) == (
        "wait", "WaitForFirstConsumer", "waiting for first consumer to be created before binding")
    selected = claim(cls="standard")
    selected["metadata"]["annotations"] = {"volume.kubernetes.io/selected-node": "node-1"}
    assert next_claim_step(selected, [], classes, labels).provisioner == "rancher.io/local-path"
    assert next_claim_step(claim(cls="fast"), [], classes, labels).action == "provision"
    assert next_claim_step(claim(cls="static"), [], classes, labels).action == "pending"
    step = next_claim_step(claim(cls=""), [], classes, labels)
    assert (step.action, step.message) == (
        "pending", "no persistent volumes available for this claim and no storage class is set")
    step = next_claim_step(claim(cls="gone"), [], classes, labels)
    assert (step.reason, step.message) == (
        "ProvisioningFailed", 'storageclass.storage.k8s.io "gone" not found')
    step = next_claim_step(claim(cls="fast"), [volume("v", "5Gi", cls="fast")], classes, labels)
    assert (step.action, step.volume["metadata"]["name"]) == ("bind", "v")
    named = claim(volumeName="v")
    other = volume("v", "5Gi", claimRef={"namespace": "default", "name": "x", "uid": "1"})
    assert next_claim_step(named, [other], classes, labels).message == \
        'volume "v" already bound to a different claim.'


def test_a_volume_follows_its_claim() -> None:
    bound = claim(volumeName="v")
    ref = {"namespace": "default", "name": "data", "uid": "uid-data"}
    assert volume_phase_for(volume("v", "1Gi"), None) == "Available"
    assert volume_phase_for(volume("v", "1Gi", claimRef=ref), bound) == "Bound"
    assert volume_phase_for(volume("v", "1Gi", claimRef=ref), None) == "Released"
    recreated = claim()
    recreated["metadata"]["uid"] = "new"
    assert volume_phase_for(volume("v", "1Gi", claimRef=ref), recreated) == "Released"


def test_local_path_volumes_live_on_the_selected_node() -> None:
    made = provisioned_volume(claim(cls="standard", size="2Gi"), standard_storage_class(),
                              "node-3")
    assert made["metadata"]["name"] == "pvc-uid-data"
    assert made["spec"]["claimRef"]["uid"] == "uid-data"
    assert made["spec"]["persistentVolumeReclaimPolicy"] == "Delete"
    assert made["spec"]["capacity"] == {"storage": "2Gi"}
    assert made["spec"]["hostPath"]["path"] == \
        "/var/local-path-provisioner/pvc-uid-data_default_data"
    assert made["spec"]["nodeAffinity"] == on_node("node-3")


def node(name: str) -> NodeInfo:
    return NodeInfo.for_node({"metadata": {"name": name,
                                           "labels": {"kubernetes.io/hostname": name}}})


def test_volume_binding_prefilter_and_filter() -> None:
    classes = {"standard": wffc("standard", "rancher.io/local-path"),
               "local": wffc("local", "kubernetes.io/no-provisioner"),
               "fast": {"metadata": {"name": "fast"}, "provisioner": "x",
                        "volumeBindingMode": "Immediate"}}
    claims = {"default/pending": claim("pending", cls="fast"),
              "default/bound": claim("bound", volumeName="pinned"),
              "default/later": claim("later", cls="standard"),
              "default/static": claim("static", cls="local")}
    volumes = {"pinned": volume("pinned", "1Gi", nodeAffinity=on_node("node-2")),
               "free": volume("free", "1Gi", cls="local", nodeAffinity=on_node("node-3"))}
    assert volume_prefilter("default", ("nope",), claims, volumes, classes) == Rejection(
        'persistentvolumeclaim "nope" not found')
    assert volume_prefilter("default", ("pending",), claims, volumes, classes) == Rejection(
        UNBOUND_IMMEDIATE)
    data = volume_prefilter("default", ("bound", "later"), claims, volumes, classes)
    assert isinstance(data, VolumeData)
    assert [volume_binding.filter(None, node(n), data) for n in ("node-1", "node-2")] == [
        (CONFLICT,), None]  # type: ignore[arg-type]
    data = volume_prefilter("default", ("static",), claims, volumes, classes)
    assert [volume_binding.filter(None, node(n), data) for n in ("node-1", "node-3")] == [
        (NO_VOLUMES,), None]  # type: ignore[arg-type]
