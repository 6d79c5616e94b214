"""Storage vocabulary shared by the apiserver, the PV controller, the scheduler and kubelets.

PersistentVolumes (cluster-scoped pieces of storage), PersistentVolumeClaims (a namespace's
request for storage) and StorageClasses (how to provision storage on demand) are plain
dicts like every object here; this module names their annotations, phases and modes once
and reads the few fields everyone needs (a claim's requested size, its class, a volume's
capacity), so that no component parses a quantity or a class name its own way.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .quantity import Quantity
from .validate_meta import quantity_or_none

__all__ = [
    "ACCESS_MODES",
    "ANN_BETA_STORAGE_PROVISIONER",
    "ANN_BIND_COMPLETED",
    "ANN_BOUND_BY_CONTROLLER",
    "ANN_DYNAMICALLY_PROVISIONED",
    "ANN_SELECTED_NODE",
    "ANN_STORAGE_PROVISIONER",
    "BINDING_MODES",
    "DEFAULT_CLASS_ANNOTATION",
    "NO_PROVISIONER",
    "PVC_PROTECTION",
    "PV_PROTECTION",
    "RECLAIM_POLICIES",
    "VOLUME_MODES",
    "claim_class",
    "claim_request",
    "is_default_class",
    "pod_claim_names",
    "volume_capacity",
    "volume_class",
]

ACCESS_MODES = ("ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany", "ReadWriteOncePod")
RECLAIM_POLICIES = ("Delete", "Recycle", "Retain")
BINDING_MODES = ("Immediate", "WaitForFirstConsumer")
VOLUME_MODES = ("Block", "Filesystem")

#: a StorageClass marked so is given to claims that name none (DefaultStorageClass admission)
DEFAULT_CLASS_ANNOTATION = "storageclass.kubernetes.io/is-default-class"
#: the node the scheduler chose for a WaitForFirstConsumer claim (the provisioner reads it)
ANN_SELECTED_NODE = "volume.kubernetes.io/selected-node"
#: on a claim: the PV controller finished binding it (``pv.kubernetes.io/bind-completed``)
ANN_BIND_COMPLETED = "pv.kubernetes.io/bind-completed"
#: on a claim or volume: the controller, not a user, made the binding
ANN_BOUND_BY_CONTROLLER = "pv.kubernetes.io/bound-by-controller"
#: on a volume: the provisioner that made it
ANN_DYNAMICALLY_PROVISIONED = "pv.kubernetes.io/provisioned-by"
#: on a claim: the provisioner asked to provision it (and its beta spelling, still written)
ANN_STORAGE_PROVISIONER = "volume.kubernetes.io/storage-provisioner"
ANN_BETA_STORAGE_PROVISIONER = "volume.beta.kubernetes.io/storage-provisioner"
#: a claim in use by a pod, or a bound volume, is not removed while it carries these
#: (the StorageObjectInUseProtection admission plugin adds them)
PVC_PROTECTION = "kubernetes.io/pvc-protection"
PV_PROTECTION = "kubernetes.io/pv-protection"
#: a class with this provisioner is for pre-made (static) volumes only
NO_PROVISIONER = "kubernetes.io/no-provisioner"


def _map(obj: Mapping[str, Any] | None, key: str) -> Mapping[str, Any]:
    value = obj.get(key) if obj is not None else None
    return value if isinstance(value, Mapping) else {}


def is_default_class(storage_class: Mapping[str, Any]) -> bool:
    """``IsDefaultAnnotation``: the class is annotated ``is-default-class: "true"``."""
    return _map(_map(storage_class, "metadata"), "annotations").get(
        DEFAULT_CLASS_ANNOTATION) == "true"


def claim_class(claim: Mapping[str, Any]) -> str:
    """``GetPersistentVolumeClaimClass``: the claim's class name ("" for none)."""
    return str(_map(claim, "spec").get("storageClassName") or "")


def volume_class(volume: Mapping[str, Any]) -> str:
    """``GetPersistentVolumeClass``: the volume's class name ("" for none)."""
    return str(_map(volume, "spec").get("storageClassName") or "")


def claim_request(claim: Mapping[str, Any]) -> Quantity:
    """The storage a claim requests (``spec.resources.requests.storage``), 0 if unreadable."""
    value = _map(_map(_map(claim, "spec"), "resources"), "requests").get("storage")
    return quantity_or_none(value) or Quantity(0)


def volume_capacity(volume: Mapping[str, Any]) -> Quantity:
    """A volume's ``spec.capacity.storage``, 0 if unreadable."""
    return quantity_or_none(_map(_map(volume, "spec"), "capacity").get("storage")) or Quantity(0)


def pod_claim_names(pod: Mapping[str, Any]) -> tuple[str, ...]:
    """The claims a pod's ``persistentVolumeClaim`` volumes name, in volume order.

    One pass over the pod's volumes (usually just the service-account token volume):
    callers on hot paths use an empty answer to skip all storage work for the pod."""
    names = []
    for volume in _map(pod, "spec").get("volumes") or ():
        source = volume.get("persistentVolumeClaim") if isinstance(volume, Mapping) else None
        if isinstance(source, Mapping) and source.get("claimName"):
            names.append(str(source["claimName"]))
    return tuple(names)
