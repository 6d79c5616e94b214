"""The storage kinds through the API layer without an event loop: defaults, Kubernetes'
validation messages, the DefaultStorageClass choice and the kubectl columns."""

from __future__ import annotations

import datetime
from typing import Any

from kactors.api.defaults import apply_defaults
from kactors.api.kinds import DEFAULT_REGISTRY
from kactors.api.objvalidation import validate_create, validate_update
from kactors.apiserver.http.tables import to_table
from kactors.apiserver.storageadmission import admit_default_storage_class


def errors(obj: dict[str, Any], old: dict[str, Any] | None = None) -> list[str]:
    info = DEFAULT_REGISTRY.for_object(obj)
    obj = apply_defaults(obj)
    if old is None:
        return [str(e) for e in validate_create(obj, info)]
    for body in (obj, old):
        body["metadata"]["resourceVersion"] = "1"
    return [str(e) for e in validate_update(obj, apply_defaults(old), info)]


def pvc(**spec: Any) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "PersistentVolumeClaim",
            "metadata": {"name": "data", "namespace": "default"},
            "spec": {"accessModes": ["ReadWriteOnce"],
                     "resources": {"requests": {"storage": "1Gi"}}, **spec}}


def pv(**spec: Any) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": "v"},
            "spec": {"accessModes": ["ReadWriteOnce"], "capacity": {"storage": "1Gi"},
                     "hostPath": {"path": "/d"}, **spec}}


def sc(**fields: Any) -> dict[str, Any]:
    return {"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
            "metadata": {"name": "fast"}, "provisioner": "example.com/fast", **fields}


def test_defaults() -> None:
    assert apply_defaults(pvc())["spec"]["volumeMode"] == "Filesystem"
    assert apply_defaults(pvc())["status"] == {"phase": "Pending"}
    volume = apply_defaults(pv())
    assert volume["spec"]["persistentVolumeReclaimPolicy"] == "Retain"
    assert volume["spec"]["volumeMode"] == "Filesystem"
    assert volume["status"] == {"phase": "Pending"}
    made = apply_defaults(sc())
    assert (made["reclaimPolicy"], made["volumeBindingMode"]) == ("Delete", "Immediate")


def test_claim_validation() -> None:
    assert errors(pvc()) == []
    assert errors(pvc(accessModes=[], resources={})) == [
        "spec.accessModes: Required value: at least 1 access mode is required",
        "spec.resources[storage]: Required value"]
    assert errors(pvc(accessModes=["ReadWriteOncePod", "ReadWriteMany", "Sometimes"],
                      resources={"requests": {"storage": "0"}})) == [
        'spec.accessModes: Unsupported value: "Sometimes": supported values: "ReadWriteOnce", '
        '"ReadOnlyMany", "ReadWriteMany", "ReadWriteOncePod"',
        "spec.accessModes: Forbidden: may not use ReadWriteOncePod with other access modes",
        'spec.resources.requests[storage]: Invalid value: "0": must be greater than zero']


def test_claim_spec_is_immutable_but_a_bound_claim_may_grow() -> None:
    old = pvc(storageClassName="fast")
    changed = pvc(storageClassName="slow")
    assert errors(changed, old) == [
        "spec: Forbidden: spec is immutable after creation except resources.requests and "
        "volumeAttributesClassName for bound claims"]
    assert errors(pvc(storageClassName="fast", volumeName="v"), old) == []  # binding
    bigger = pvc(storageClassName="fast", resources={"requests": {"storage": "2Gi"}})
    assert errors(bigger, old) != []  # only a bound claim may be expanded
    bound_old = {**old, "status": {"phase": "Bound", "capacity": {"storage": "1Gi"}}}
    assert errors({**bigger, "status": bound_old["status"]}, bound_old) == []
    smaller = pvc(storageClassName="fast", resources={"requests": {"storage": "500Mi"}})
    assert errors({**smaller, "status": bound_old["status"]}, bound_old) == [
        "spec.resources.requests.storage: Forbidden: field can not be less than "
        "status.capacity"]


def test_volume_and_class_validation() -> None:
    assert errors(pv()) == []
    assert errors(pv(accessModes=None, capacity={"storage": "1Gi", "cpu": "1"},
                     hostPath=None)) == [
        "spec.accessModes: Required value",
        'spec.capacity: Unsupported value: {"cpu":"1","storage":"1Gi"}: supported values: '
        '"storage"',
        "spec: Required value: must specify a volume type"]
    assert errors(pv(local={"path": "/mnt"})) == [
        "spec.local: Forbidden: may not specify more than 1 volume type",
        "spec.nodeAffinity: Required value: Local volume requires node affinity"]
    assert errors(pv(hostPath={"path": "/other"}), pv()) == [
        "spec.persistentvolumesource: Forbidden: spec.persistentvolumesource is immutable "
        "after creation"]
    assert errors(sc(provisioner="", reclaimPolicy="Recycle")) == [
        "provisioner: Required value",
        'reclaimPolicy: Unsupported value: "Recycle": supported values: "Delete", "Retain"']
    assert errors(sc(provisioner="other", parameters={"a": "b"}), sc()) == [
        "parameters: Forbidden: updates to parameters are forbidden.",
        "provisioner: Forbidden: updates to provisioner are forbidden."]


def test_default_storage_class_admission() -> None:
    classes = [
        {"metadata": {"name": "old", "creationTimestamp": "2026-01-01T00:00:00Z",
                      "annotations": {"storageclass.kubernetes.io/is-default-class": "true"}}},
        {"metadata": {"name": "new", "creationTimestamp": "2026-01-02T00:00:00Z",
                      "annotations": {"storageclass.kubernetes.io/is-default-class": "true"}}},
        {"metadata": {"name": "plain", "creationTimestamp": "2026-01-03T00:00:00Z"}},
    ]
    claim = pvc()
    admit_default_storage_class(claim, classes)
    assert claim["spec"]["storageClassName"] == "new"  # the newest default
    empty = pvc(storageClassName="")
    admit_default_storage_class(empty, classes)
    assert empty["spec"]["storageClassName"] == ""  # "" asks for no class
    alone = pvc()
    admit_default_storage_class(alone, classes[2:])
    assert "storageClassName" not in alone["spec"]


def rows(obj: dict[str, Any]) -> tuple[list[str], list[Any]]:
    info = DEFAULT_REGISTRY.for_object(obj)
    now = datetime.datetime(2026, 1, 1, 0, 5, tzinfo=datetime.UTC)
    obj["metadata"]["creationTimestamp"] = "2026-01-01T00:00:00Z"
    table = to_table(info, obj, now=now)
    return [c["name"] for c in table["columnDefinitions"]], table["rows"][0]["cells"]


def test_kubectl_columns() -> None:
    claim = pvc(storageClassName="standard", volumeName="pvc-1")
    claim["status"] = {"phase": "Bound", "capacity": {"storage": "1Gi"},
                       "accessModes": ["ReadWriteOnce", "ReadWriteMany"]}
    claim["spec"]["volumeMode"] = "Filesystem"
    assert rows(claim) == (
        ["Name", "Status", "Volume", "Capacity", "Access Modes", "StorageClass",
         "VolumeAttributesClass", "Age", "VolumeMode"],
        ["data", "Bound", "pvc-1", "1Gi", "RWO,RWX", "standard", "<unset>", "5m",
         "Filesystem"])
    volume = pv(storageClassName="standard", persistentVolumeReclaimPolicy="Delete",
                claimRef={"namespace": "default", "name": "data"})
    volume["status"] = {"phase": "Bound"}
    assert rows(volume)[1] == ["v", "1Gi", "RWO", "Delete", "Bound", "default/data", "standard",
                               "<unset>", "", "5m", "<unset>"]
    cls = sc(metadata={"name": "standard", "annotations": {
        "storageclass.kubernetes.io/is-default-class": "true"}},
        volumeBindingMode="WaitForFirstConsumer", reclaimPolicy="Delete")
    assert rows(cls) == (["Name", "Provisioner", "ReclaimPolicy", "VolumeBindingMode",
                          "AllowVolumeExpansion", "Age"],
                         ["standard (default)", "example.com/fast", "Delete",
                          "WaitForFirstConsumer", False, "5m"])
