"""A simulated dynamic provisioner, after kind's rancher/local-path-provisioner.

kind clusters come with one StorageClass, ``standard`` (the default), served by
``rancher.io/local-path``: it binds at the first consumer (``WaitForFirstConsumer``), and
once the scheduler has put that consumer on a node, the provisioner makes a ``hostPath``
volume in a directory of that node, tied to it by node affinity (so every later pod of
the claim lands there too). :func:`standard_storage_class` is that class;
:func:`provisioned_volume` the PersistentVolume such a provisioner makes for a claim.

Any other provisioner named by a class is simulated too (the cluster has no real
storage), by the same function without the node part: its volumes are pre-bound to their
claim (``claimRef``), carry the class's reclaim policy and
``pv.kubernetes.io/provisioned-by``, and are named ``pvc-<claim uid>``, as external
provisioners name them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kactors.api.meta import metadata_of as _meta
from kactors.api.storage import ANN_DYNAMICALLY_PROVISIONED, DEFAULT_CLASS_ANNOTATION
from kactors.controllers.pvbinding import claim_ref

__all__ = ["LOCAL_PATH", "PROVISION_SECONDS", "provisioned_volume", "standard_storage_class"]

LOCAL_PATH = "rancher.io/local-path"
#: how long a simulated provisioner takes to make a volume (local-path makes a directory
#: through a helper pod: about a second)
PROVISION_SECONDS = 1.0
#: local-path-provisioner's own annotation naming the node of a volume
_LOCAL_PATH_NODE = "local.path.provisioner/selected-node"
_BASE_PATH = "/var/local-path-provisioner"


def standard_storage_class() -> dict[str, Any]:
    """kind's default class: ``standard``, local-path, WaitForFirstConsumer, Delete."""
    return {"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
            "metadata": {"name": "standard",
                         "annotations": {DEFAULT_CLASS_ANNOTATION: "true"}},
            "provisioner": LOCAL_PATH, "reclaimPolicy": "Delete",
            "volumeBindingMode": "WaitForFirstConsumer"}


def provisioned_volume(claim: Mapping[str, Any], storage_class: Mapping[str, Any],
                       node: str = "") -> dict[str, Any]:
    """The volume a provisioner makes for ``claim`` of ``storage_class`` (on ``node``,
    for a node-local provisioner such as local-path)."""
    meta = _meta(claim)
    spec = claim.get("spec") or {}
    uid, namespace, claim_name = meta.get("uid", ""), meta.get("namespace", ""), meta["name"]
    name = f"pvc-{uid}"
    provisioner = str(storage_class.get("provisioner") or "")
    volume: dict[str, Any] = {
        "apiVersion": "v1", "kind": "PersistentVolume",
        "metadata": {"name": name, "annotations": {ANN_DYNAMICALLY_PROVISIONED: provisioner}},
        "spec": {
            "accessModes": list(spec.get("accessModes") or []),
            "capacity": {"storage": ((spec.get("resources") or {}).get("requests") or {})
                         .get("storage", "0")},
            "claimRef": claim_ref(claim),
            "persistentVolumeReclaimPolicy": storage_class.get("reclaimPolicy") or "Delete",
            "storageClassName": _meta(storage_class)["name"],
            "volumeMode": spec.get("volumeMode") or "Filesystem",
        },
    }
    if node:
        volume["metadata"]["annotations"][_LOCAL_PATH_NODE] = node
        volume["spec"]["hostPath"] = {
            "path": f"{_BASE_PATH}/{name}_{namespace}_{claim_name}", "type": "DirectoryOrCreate"}
        volume["spec"]["nodeAffinity"] = {"required": {"nodeSelectorTerms": [{
            "matchExpressions": [{"key": "kubernetes.io/hostname", "operator": "In",
                                  "values": [node]}]}]}}
    else:
        volume["spec"]["csi"] = {"driver": provisioner, "volumeHandle": name}
    return volume
