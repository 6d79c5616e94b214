"""Storage admission: the DefaultStorageClass plugin (a new claim that names no class gets
the cluster's default one), StorageObjectInUseProtection (new claims and volumes get the
``kubernetes.io/pvc-protection`` / ``pv-protection`` finalizers, which the PV controller
removes once no pod uses the claim, or the volume is no longer bound) and
PersistentVolumeClaimResize (a claim may grow only if its class allows volume expansion).

A PersistentVolumeClaim created without ``spec.storageClassName`` (absent or null, not
``""``: an empty name asks for a class-less static volume) gets the name of the
StorageClass annotated ``storageclass.kubernetes.io/is-default-class: "true"``; with
several defaults, the newest wins (then the first by name), as in Kubernetes'
``GetDefaultClass`` since 1.26. With none, the claim stays without a class (and the PV
controller assigns one retroactively if a default appears later, as Kubernetes'
``RetroactiveDefaultStorageClass`` does).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from kactors.api.storage import (
    PV_PROTECTION,
    PVC_PROTECTION,
    claim_class,
    claim_request,
    is_default_class,
)

__all__ = ["RESIZE_FORBIDDEN", "add_protection_finalizer", "admit_default_storage_class",
           "default_storage_class", "resize_refusal"]

#: PersistentVolumeClaimResize's refusal
RESIZE_FORBIDDEN = ("only dynamically provisioned pvc can be resized and the storageclass "
                    "that provisions the pvc must support resize")


def default_storage_class(classes: Iterable[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    """``GetDefaultClass``: the newest class marked default (ties: first by name)."""
    defaults = [c for c in classes if is_default_class(c)]
    if not defaults:
        return None
    defaults.sort(key=lambda c: c["metadata"]["name"])
    defaults.sort(key=lambda c: str(c["metadata"].get("creationTimestamp") or ""), reverse=True)
    return defaults[0]


def admit_default_storage_class(claim: dict[str, Any],
                                classes: Iterable[Mapping[str, Any]]) -> None:
    """Give ``claim`` (in place) the default class if it names none."""
    spec = claim.get("spec")
    if not isinstance(spec, dict) or spec.get("storageClassName") is not None:
        return
    default = default_storage_class(classes)
    if default is not None:
        spec["storageClassName"] = default["metadata"]["name"]


def resize_refusal(new: Mapping[str, Any], old: Mapping[str, Any],
                   classes: Mapping[str, Mapping[str, Any]]) -> str | None:
    """PersistentVolumeClaimResize on an update: asking for more storage needs a class
    with ``allowVolumeExpansion: true`` (validation already said the claim must be bound
    and may not shrink below what it has). The refusal, or None."""
    if not claim_request(old) < claim_request(new):
        return None
    storage_class = classes.get(claim_class(new))
    if storage_class is None or storage_class.get("allowVolumeExpansion") is not True:
        return RESIZE_FORBIDDEN
    return None


def add_protection_finalizer(obj: dict[str, Any], kind: str) -> None:
    """StorageObjectInUseProtection on a new claim or volume (in place)."""
    finalizer = PVC_PROTECTION if kind == "PersistentVolumeClaim" else PV_PROTECTION
    meta = obj["metadata"]
    finalizers = list(meta.get("finalizers") or [])
    if finalizer not in finalizers:
        meta["finalizers"] = [*finalizers, finalizer]
