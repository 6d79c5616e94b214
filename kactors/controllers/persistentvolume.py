"""The PV controller (``persistentvolume-binder``) and the simulated provisioners.

After Kubernetes' ``pkg/controller/volume/persistentvolume`` (``pv_controller.go``) and,
for provisioning, the external provisioners it waits for (kind's local-path). Keys are
claims (``namespace/name``) and volumes (``volume:<name>``), so one actor keeps both
sides of every binding current:

* **a claim** that is not bound gets the next step of
  :func:`~kactors.controllers.pvbinding.next_claim_step`: bound to the smallest
  matching volume; for a class with a provisioner, provisioned (``Immediate``: at once;
  ``WaitForFirstConsumer``: once the scheduler annotates it with
  ``volume.kubernetes.io/selected-node``, until then Pending with the
  ``WaitForFirstConsumer`` Event "waiting for first consumer to be created before
  binding"); else Pending (``FailedBinding``). Binding writes the volume's side first
  (``claimRef``, phase Bound), then the claim's (``volumeName``, the
  ``pv.kubernetes.io/bind-completed`` and ``bound-by-controller`` annotations, phase
  Bound with the volume's capacity and access modes), as ``bindVolumeToClaim`` /
  ``bindClaimToVolume`` do. A bound claim whose volume is gone becomes Lost
  (``ClaimLost``).
* **provisioning** is simulated here (the cluster has no storage): the claim is
  annotated ``volume.kubernetes.io/storage-provisioner`` (``ExternalProvisioning``
  Event), and :data:`~kactors.controllers.localpath.PROVISION_SECONDS` later the volume
  ``pvc-<uid>`` exists, pre-bound to the claim (``Provisioning``, then
  ``ProvisioningSucceeded`` Events, recorded as the provisioner); its own informer event
  completes the binding. local-path's volumes are ``hostPath`` directories of the
  selected node, with node affinity to it; it cannot provision without a node
  (``ProvisioningFailed``: "configuration error, no node was specified").
* **a volume** follows its claim: Available without one, Bound to it, Released once it is
  deleted; then its reclaim policy decides: ``Delete`` removes a provisioned volume
  (the provisioner deletes its storage), ``Retain`` keeps it Released for an
  administrator.

**Expansion**: a bound claim that asks for more storage (the PersistentVolumeClaimResize
admission lets it only if its class has ``allowVolumeExpansion: true``) gets its volume
grown at once by the simulated resizer (``ExternalExpanding``, ``VolumeResizeSuccessful``),
and its ``status.capacity`` follows.

**In-use protection**: claims and volumes carry the ``kubernetes.io/pvc-protection`` and
``pv-protection`` finalizers from their creation. A deleted claim stays (Terminating)
while a pod that has not finished uses it, and a deleted volume while it is Bound.

Not done: recycling, the resize conditions and
``allocatedResources``, retroactive default classes, and the scheduler binding static volumes itself (the
controller binds a delayed claim to a static volume once a node is selected).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from kactors.api.meta import metadata_of as _meta
from kactors.api.storage import (
    ANN_BETA_STORAGE_PROVISIONER,
    ANN_BIND_COMPLETED,
    ANN_BOUND_BY_CONTROLLER,
    ANN_DYNAMICALLY_PROVISIONED,
    ANN_SELECTED_NODE,
    ANN_STORAGE_PROVISIONER,
    PV_PROTECTION,
    PVC_PROTECTION,
    claim_request,
    pod_claim_names,
    volume_capacity,
)
from kactors.client.errors import AlreadyExists, NotFound
from kactors.client.informer import DELETE, InformerEvent
from kactors.client.result import Result
from kactors.controllers.base import Controller
from kactors.controllers.events import EventRecorder
from kactors.controllers.localpath import LOCAL_PATH, PROVISION_SECONDS, provisioned_volume
from kactors.controllers.pvbinding import (
    ClaimAction,
    claim_ref,
    next_claim_step,
    volume_phase_for,
)
from kactors.scheduler.volumematch import binds_to_claim

__all__ = ["PersistentVolumeController"]

Obj = Mapping[str, Any]
CLAIM = "v1/PersistentVolumeClaim"
VOLUME = "v1/PersistentVolume"
CLASS = "storage.k8s.io/v1/StorageClass"
_VOLUME_KEY = "volume:"
#: how often a deleted claim still used by a pod is looked at again
PROTECTION_RECHECK = 5.0


def _key(obj: Obj) -> str:
    meta = _meta(obj)
    return f"{meta.get('namespace')}/{meta['name']}"


class PersistentVolumeController(Controller):
    """Binds claims to volumes, provisions volumes, reclaims released ones."""

    watches = CLAIM
    owns: ClassVar[Sequence[str]] = ()
    workers = 5
    component = "persistentvolume-controller"

    def __init__(self, config: Any) -> None:
        super().__init__(config)
        #: claim key -> (its uid, when its simulated provisioning began)
        self.provisioning: dict[str, tuple[str, float]] = {}
        #: claim key -> the (reason, message) last recorded for it (recorded on change)
        self.said: dict[str, tuple[str, str]] = {}

    async def setup(self) -> None:
        await self.informer(VOLUME)
        await self.informer(CLASS)
        await self.informer("v1/Node")
        self.volumes = self.lister(VOLUME)
        self.classes = self.lister(CLASS)
        self.nodes = self.lister("v1/Node")
        #: events recorded as the simulated provisioners, as external provisioners do
        self.provisioner_events: dict[str, EventRecorder] = {}

    def map_event(self, event: InformerEvent) -> list[str]:
        obj = event.obj if event.obj is not None else event.old
        if obj is None:
            return []
        if event.kind == "PersistentVolumeClaim":
            keys = [event.key]
            for claim in (event.obj, event.old):
                name = ((claim or {}).get("spec") or {}).get("volumeName")
                if name and event.type == DELETE:
                    keys.append(_VOLUME_KEY + name)
            return keys
        if event.kind == "PersistentVolume":
            keys = [_VOLUME_KEY + _meta(obj)["name"]]
            for volume in (event.obj, event.old):
                ref = ((volume or {}).get("spec") or {}).get("claimRef")
                if isinstance(ref, Mapping) and f"{ref.get('namespace')}/{ref.get('name')}" \
                        not in keys:
                    keys.append(f"{ref.get('namespace')}/{ref.get('name')}")
            if event.type != DELETE and not (event.obj.get("spec") or {}).get("claimRef"):
                keys += self._unbound_claims()  # an available volume: for whoever waits
            return keys
        if event.kind == "StorageClass":  # a class a pending claim waited for
            return self._unbound_claims()
        return []

    def _unbound_claims(self) -> list[str]:
        """The claims still waiting for a volume (what Kubernetes' periodic resync of
        every claim would find)."""
        return [_key(c) for c in self.cache.list() if not (c.get("spec") or {}).get(
            "volumeName")]

    async def reconcile(self, key: str) -> Result | None:
        if key.startswith(_VOLUME_KEY):
            return await self._sync_volume(key[len(_VOLUME_KEY):])
        claim = self.cache.get(key)
        if claim is None:
            self.said.pop(key, None)
            self.provisioning.pop(key, None)
            return None
        if _meta(claim).get("deletionTimestamp"):
            return await self._release_claim_protection(claim)
        name = (claim.get("spec") or {}).get("volumeName")
        volume = self.volumes.get(name) if name else None
        if name and _meta(claim).get("annotations", {}).get(ANN_BIND_COMPLETED):
            return await self._sync_bound_claim(claim, volume)
        classes = {_meta(c)["name"]: c for c in self.classes.list()}
        step = next_claim_step(claim, self.volumes.list(), classes, self._node_labels)
        if step.action == "bind":
            assert step.volume is not None
            await self._bind(claim, step.volume)
            return None
        if step.action == "provision":
            return await self._provision(claim, classes, step)
        self._say(claim, step)
        await self.patch_status(claim, {"phase": "Pending"})
        return None

    def _node_labels(self, name: str) -> Mapping[str, str] | None:
        node = self.nodes.get(name)
        return (_meta(node).get("labels") or {}) if node is not None else None

    def _say(self, claim: Obj, step: ClaimAction) -> None:
        """Record the step's Event once per change of what is said about the claim."""
        if not step.reason or self.said.get(_key(claim)) == (step.reason, step.message):
            return
        self.said[_key(claim)] = (step.reason, step.message)
        self.record_event(claim, step.event_type, step.reason, step.message)

    # -- binding ---------------------------------------------------------------------------
    async def _bind(self, claim: Obj, volume: Obj) -> None:
        """``bind``: the volume's side, then the claim's."""
        meta, vmeta = _meta(claim), _meta(volume)
        name = vmeta["name"]
        if not binds_to_claim(volume, claim) or not (volume.get("spec") or {}).get(
                "claimRef", {}).get("uid"):
            patch: dict[str, Any] = {"spec": {"claimRef": claim_ref(claim)}}
            if not (volume.get("spec") or {}).get("claimRef"):
                patch["metadata"] = {"annotations": {ANN_BOUND_BY_CONTROLLER: "yes"}}
            volume = await self.client.patch(VOLUME, name, patch)
        volume = await self.patch_status(volume, {"phase": "Bound"})
        annotations = {ANN_BIND_COMPLETED: "yes"}
        if not (claim.get("spec") or {}).get("volumeName"):
            annotations[ANN_BOUND_BY_CONTROLLER] = "yes"
        claim = await self.client.patch(CLAIM, meta["name"], {
            "metadata": {"annotations": annotations}, "spec": {"volumeName": name}},
            meta.get("namespace"))
        await self._claim_bound_status(claim, volume)
        self.said.pop(_key(claim), None)
        self.ctx.log.info("volume.bound", claim=_key(claim), volume=name,
                          capacity=(volume.get("spec") or {}).get("capacity", {}).get("storage"))

    async def _claim_bound_status(self, claim: Obj, volume: Obj) -> None:
        spec = volume.get("spec") or {}
        await self.patch_status(claim, {"phase": "Bound",
                                        "accessModes": list(spec.get("accessModes") or []),
                                        "capacity": dict(spec.get("capacity") or {})})

    async def _sync_bound_claim(self, claim: Obj, volume: Obj | None) -> None:
        """``syncBoundClaim``: keep a bound claim's status; Lost once its volume is gone."""
        if volume is None or not binds_to_claim(volume, claim):
            if (claim.get("status") or {}).get("phase") != "Lost":
                await self.patch_status(claim, {"phase": "Lost"})
                self.record_event(claim, "Warning", "ClaimLost",
                                  "Bound claim has lost its PersistentVolume. Data on the "
                                  "volume is lost!")
            return
        if (volume.get("status") or {}).get("phase") != "Bound":
            await self.patch_status(volume, {"phase": "Bound"})
        if volume_capacity(volume) < claim_request(claim):
            volume = await self._expand(claim, volume)
        await self._claim_bound_status(claim, volume)

    async def _expand(self, claim: Obj, volume: Obj) -> Obj:
        """A bound claim asks for more (admission let it: its class allows expansion):
        the simulated resizer grows the volume at once; the claim's status follows."""
        size = ((claim.get("spec") or {}).get("resources") or {}).get("requests", {})["storage"]
        name = _meta(volume)["name"]
        self.record_event(claim, "Normal", "ExternalExpanding",
                          "waiting for an external controller to expand this PVC")
        volume = await self.client.patch(VOLUME, name, {"spec": {"capacity": {"storage": size}}})
        self.ctx.log.info("volume.expanded", claim=_key(claim), volume=name, capacity=size)
        self.record_event(claim, "Normal", "VolumeResizeSuccessful",
                          f'resize volume "{name}" finished successfully')
        return volume

    # -- provisioning ----------------------------------------------------------------------
    def _provisioner_events(self, provisioner: str) -> EventRecorder:
        recorder = self.provisioner_events.get(provisioner)
        if recorder is None:
            name = provisioner.replace("/", "_").replace(".", "-")
            recorder = self.provisioner_events[provisioner] = EventRecorder(
                self.client, f"{provisioner}_{name}-provisioner", self.ctx.now)
        return recorder

    async def _provision(self, claim: Obj, classes: Mapping[str, Obj], step: ClaimAction
                         ) -> Result | None:
        meta = _meta(claim)
        provisioner = step.provisioner
        annotations = meta.get("annotations") or {}
        if annotations.get(ANN_STORAGE_PROVISIONER) != provisioner:
            claim = await self.client.patch(CLAIM, meta["name"], {"metadata": {"annotations": {
                ANN_STORAGE_PROVISIONER: provisioner, ANN_BETA_STORAGE_PROVISIONER: provisioner}}},
                meta.get("namespace"))
        self._say(claim, ClaimAction("wait", reason="ExternalProvisioning", message=(
            f"Waiting for a volume to be created either by the external provisioner "
            f"'{provisioner}' or manually by the system administrator. If volume creation is "
            f"delayed, please verify that the provisioner is running and correctly "
            f"registered.")))
        await self.patch_status(claim, {"phase": "Pending"})
        node = str(annotations.get(ANN_SELECTED_NODE) or "")
        events = self._provisioner_events(provisioner)
        if provisioner == LOCAL_PATH and not node:
            events.emit(claim, "Warning", "ProvisioningFailed", "failed to provision volume "
                        "with StorageClass \"{}\": configuration error, no node was "
                        "specified".format((claim.get("spec") or {}).get("storageClassName")))
            return None
        uid, now, key = str(meta.get("uid")), self.ctx.now(), _key(claim)
        began = self.provisioning.get(key, (uid, None))[1]
        if began is None or self.provisioning[key][0] != uid:
            began = now
            self.provisioning[key] = (uid, now)
            self.ctx.log.info("volume.provisioning", claim=_key(claim), provisioner=provisioner,
                              node=node or None)
            events.emit(claim, "Normal", "Provisioning", "External provisioner is provisioning "
                        f'volume for claim "{_key(claim)}"')
        if now < began + PROVISION_SECONDS:
            return Result(requeue_after=began + PROVISION_SECONDS - now)
        storage_class = classes[(claim.get("spec") or {}).get("storageClassName")]
        volume = provisioned_volume(claim, storage_class, node)
        try:
            await self.client.create(volume)
        except AlreadyExists:
            pass
        del self.provisioning[key]
        name = volume["metadata"]["name"]
        self.ctx.log.info("volume.provisioned", claim=_key(claim), volume=name, node=node or None)
        events.emit(claim, "Normal", "ProvisioningSucceeded",
                    f"Successfully provisioned volume {name}")
        return None

    # -- in-use protection ------------------------------------------------------------------
    async def _release_claim_protection(self, claim: Obj) -> Result | None:
        """The pvc-protection controller: a deleted claim goes once no pod that is not
        finished uses it. Its pods are listed then (one request per deleted claim, nothing
        while none is deleted) and again every few seconds while one still does."""
        meta = _meta(claim)
        if PVC_PROTECTION not in (meta.get("finalizers") or []):
            return None
        pods = await self.client.list("v1/Pod", meta.get("namespace"))
        users = [_meta(p)["name"] for p in pods.get("items") or []
                 if meta["name"] in pod_claim_names(p)
                 and (p.get("status") or {}).get("phase") not in ("Succeeded", "Failed")]
        if users:
            if self.said.get(_key(claim)) != ("in-use", ",".join(users)):
                self.said[_key(claim)] = ("in-use", ",".join(users))
                self.ctx.log.info("claim.in_use", claim=_key(claim), pods=users)
            return Result(requeue_after=PROTECTION_RECHECK)
        await self._remove_finalizer(CLAIM, claim, PVC_PROTECTION)
        return None

    async def _remove_finalizer(self, kind: str, obj: Obj, finalizer: str) -> None:
        meta = _meta(obj)
        rest = [f for f in meta.get("finalizers") or [] if f != finalizer]
        try:
            await self.client.patch(kind, meta["name"], {"metadata": {
                "finalizers": rest, "resourceVersion": meta.get("resourceVersion")}},
                meta.get("namespace"))
        except NotFound:
            return
        self.ctx.log.info("storage.protection_removed", object=f"{obj.get('kind')}/"
                          f"{_key(obj) if meta.get('namespace') else meta['name']}",
                          finalizer=finalizer)

    # -- volumes ---------------------------------------------------------------------------
    async def _sync_volume(self, name: str) -> None:
        volume = self.volumes.get(name)
        if volume is None:
            return
        if _meta(volume).get("deletionTimestamp"):
            # pv-protection: a deleted volume goes once it is no longer bound
            if PV_PROTECTION in (_meta(volume).get("finalizers") or []) and \
                    (volume.get("status") or {}).get("phase") != "Bound":
                await self._remove_finalizer(VOLUME, volume, PV_PROTECTION)
            return
        ref = (volume.get("spec") or {}).get("claimRef")
        claim = self.cache.get(f"{ref.get('namespace')}/{ref.get('name')}") \
            if isinstance(ref, Mapping) else None
        phase = volume_phase_for(volume, claim)
        if phase == "Released":
            await self._reclaim(volume)
            return
        if (volume.get("status") or {}).get("phase") != phase:
            await self.patch_status(volume, {"phase": phase})
            self.ctx.log.info("volume.phase", volume=name, phase=phase)

    async def _reclaim(self, volume: Obj) -> None:
        """``reclaimVolume``: Retain keeps it Released; Delete deletes a provisioned one
        (its provisioner removes the storage); anything else fails."""
        name = _meta(volume)["name"]
        policy = (volume.get("spec") or {}).get("persistentVolumeReclaimPolicy") or "Retain"
        provisioner = (_meta(volume).get("annotations") or {}).get(ANN_DYNAMICALLY_PROVISIONED)
        if (volume.get("status") or {}).get("phase") not in ("Released", "Failed"):
            volume = await self.patch_status(volume, {"phase": "Released"})
            self.ctx.log.info("volume.released", volume=name, policy=policy)
        if policy == "Delete" and provisioner:
            try:
                await self.client.delete(VOLUME, name)
            except NotFound:
                return
            self.ctx.log.info("volume.deleted", volume=name, provisioner=provisioner)
            return
        if policy == "Delete" or policy == "Recycle":
            message = f'error getting deleter volume plugin for volume "{name}": no volume ' \
                      "plugin matched" if policy == "Delete" else \
                      "recycling is not supported by kactors"
            if (volume.get("status") or {}).get("phase") != "Failed":
                await self.patch_status(volume, {"phase": "Failed", "message": message})
                self.record_event(volume, "Warning", "VolumeFailedDelete" if policy == "Delete"
                                  else "VolumeFailedRecycle", message)
            return
