"""The PV controller's decisions, as pure functions: which volume a claim gets, what a
claim or a volume needs next. After Kubernetes' ``pkg/controller/volume/persistentvolume``
(``pv_controller.go``: ``syncUnboundClaim``, ``syncBoundClaim``, ``syncVolume``;
``util.FindMatchingVolume``).

A claim is matched with the smallest available volume that satisfies it
(:func:`~kactors.scheduler.volumematch.find_matching_volume`, shared with the scheduler's
VolumeBinding plugin). A claim naming a volume (``spec.volumeName``) gets that one or
waits for it.

These functions read plain dicts and return what to do; the controller actor
(:mod:`.persistentvolume`) makes the API writes and records the Events.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, Literal

import attrs

from kactors.api.meta import metadata_of as _meta
from kactors.api.storage import ANN_SELECTED_NODE, NO_PROVISIONER, claim_class
from kactors.scheduler.volumematch import binds_to_claim, find_matching_volume

__all__ = [
    "ClaimAction",
    "NodeLabels",
    "claim_ref",
    "is_delay_binding",
    "next_claim_step",
    "volume_phase_for",
]

Obj = Mapping[str, Any]
#: a node's labels by its name (None: no such node)
NodeLabels = Callable[[str], "Mapping[str, str] | None"]


def _spec(obj: Obj) -> Mapping[str, Any]:
    spec = obj.get("spec")
    return spec if isinstance(spec, Mapping) else {}


def claim_ref(claim: Obj) -> dict[str, Any]:
    """The ``claimRef`` a volume bound to ``claim`` carries."""
    meta = _meta(claim)
    return {"kind": "PersistentVolumeClaim", "namespace": meta.get("namespace", ""),
            "name": meta.get("name", ""), "uid": meta.get("uid", ""), "apiVersion": "v1",
            "resourceVersion": meta.get("resourceVersion", "")}


def is_delay_binding(claim: Obj, classes: Mapping[str, Obj]) -> bool:
    """``IsDelayBindingMode``: the claim's class binds at the first consumer."""
    storage_class = classes.get(claim_class(claim))
    return storage_class is not None and \
        storage_class.get("volumeBindingMode") == "WaitForFirstConsumer"


@attrs.frozen
class ClaimAction:
    """What an unbound claim needs: ``bind`` (to ``volume``), ``provision`` (with
    ``provisioner``), ``wait`` (for a consumer or a volume), or ``pending`` (nothing
    can satisfy it now); ``reason``/``message`` word the Event Kubernetes records."""

    action: Literal["bind", "provision", "wait", "pending"]
    volume: Obj | None = None
    provisioner: str = ""
    reason: str = ""
    message: str = ""
    event_type: str = "Normal"


WAIT_FOR_FIRST_CONSUMER = "waiting for first consumer to be created before binding"


def next_claim_step(claim: Obj, volumes: Iterable[Obj], classes: Mapping[str, Obj],
                    node_labels: NodeLabels) -> ClaimAction:
    """``syncUnboundClaim``: the next step for a claim that is not bound yet."""
    volumes = list(volumes)
    name = str(_spec(claim).get("volumeName") or "")
    if name:  # the user asked for this volume
        volume = next((v for v in volumes if _meta(v).get("name") == name), None)
        if volume is None:
            return ClaimAction("pending")
        ref = _spec(volume).get("claimRef")
        if ref is not None and not binds_to_claim(volume, claim):
            return ClaimAction("pending", reason="FailedBinding", event_type="Warning",
                               message=f'volume "{name}" already bound to a different claim.')
        return ClaimAction("bind", volume)
    delay = is_delay_binding(claim, classes)
    node = str((_meta(claim).get("annotations") or {}).get(ANN_SELECTED_NODE) or "")
    labels = node_labels(node) if node else None
    volume = find_matching_volume(claim, volumes, node, labels, delay)
    if volume is not None:
        return ClaimAction("bind", volume)
    if delay and not node:
        return ClaimAction("wait", reason="WaitForFirstConsumer", message=WAIT_FOR_FIRST_CONSUMER)
    class_name = claim_class(claim)
    if not class_name:
        return ClaimAction("pending", reason="FailedBinding", message=(
            "no persistent volumes available for this claim and no storage class is set"))
    storage_class = classes.get(class_name)
    if storage_class is None:
        return ClaimAction("pending", reason="ProvisioningFailed", event_type="Warning",
                           message=f'storageclass.storage.k8s.io "{class_name}" not found')
    provisioner = str(storage_class.get("provisioner") or "")
    if not provisioner or provisioner == NO_PROVISIONER:
        return ClaimAction("pending")  # static volumes only: wait for one to be made
    return ClaimAction("provision", provisioner=provisioner)


def volume_phase_for(volume: Obj, claim: Obj | None) -> str:
    """``syncVolume``: Available (no claim), Bound (its claim points back), Released (its
    claim is gone: a new claim of the same name has another uid), or Pending (bound by
    the volume's side only, the claim's side to follow)."""
    ref = _spec(volume).get("claimRef")
    if not isinstance(ref, Mapping):
        return "Available"
    if claim is None or (ref.get("uid") and ref.get("uid") != _meta(claim).get("uid")):
        return "Released"
    if _spec(claim).get("volumeName") == _meta(volume).get("name"):
        return "Bound"
    return str((volume.get("status") or {}).get("phase") or "Pending")
