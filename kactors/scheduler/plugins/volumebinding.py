"""VolumeBinding: a pod's PersistentVolumeClaims decide where it may run.

After kube-scheduler's ``volumebinding`` plugin. PreFilter looks at each claim the pod
names: a missing claim (``persistentvolumeclaim "data" not found``) or one that is not
bound and whose class binds ``Immediate`` (``pod has unbound immediate
PersistentVolumeClaims``: the PV controller binds it, not the scheduler) makes the whole
pod unschedulable before any node is looked at. Filter then checks each node: every
volume the pod's bound claims use must admit the node by its node affinity (``node(s) had
volume node affinity conflict``: a local-path volume pins its claim's pods to its node),
and a ``WaitForFirstConsumer`` claim of a class without a provisioner needs an available
static volume that fits the node (``node(s) didn't find available persistent volumes to
bind``); a claim whose class provisions fits any node.

Pods without claims skip the plugin in PreFilter: no per-node cost. A pod with claims has
no signature (:mod:`..podinfo`), so no verdict is cached for it across pods.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import attrs

from kactors.api.storage import NO_PROVISIONER, claim_class

from ..events import NODE_ADD, NODE_UPDATE, ActionType, ClusterEvent, EventResource
from ..volumematch import find_matching_volume, volume_fits_node
from .base import SKIP, FilterPlugin, Reasons

if TYPE_CHECKING:
    from ..nodeinfo import NodeInfo
    from ..podinfo import PodInfo
    from ..state import ClusterState

__all__ = ["CONFLICT", "NAME", "NO_VOLUMES", "UNBOUND_IMMEDIATE", "Rejection", "VolumeData",
           "STORAGE_EVENT", "volume_binding", "volume_prefilter"]

NAME = "VolumeBinding"
UNBOUND_IMMEDIATE = "pod has unbound immediate PersistentVolumeClaims"
CONFLICT = "node(s) had volume node affinity conflict"
NO_VOLUMES = "node(s) didn't find available persistent volumes to bind"
PV_MISSING = "node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s)"
#: a claim, volume or class changed: pods VolumeBinding rejected may fit now
STORAGE_EVENT = ClusterEvent(EventResource.STORAGE, ActionType.ALL, "StorageChange")

Obj = Mapping[str, Any]


@attrs.frozen
class Rejection:
    """PreFilter's verdict for the whole pod (``UnschedulableAndUnresolvable``)."""

    message: str


@attrs.frozen
class VolumeData:
    """What Filter checks per node: the volumes of bound claims, the delayed claims that
    need a static volume, and the delayed claims that will be provisioned (any node)."""

    bound: tuple[Obj, ...] = ()
    static: tuple[Obj, ...] = ()
    provisioned: tuple[Obj, ...] = ()
    missing_volume: bool = False
    volumes: tuple[Obj, ...] = attrs.field(default=(), repr=False)


def volume_prefilter(namespace: str, claims: tuple[str, ...], claims_by_key: Mapping[str, Obj],
                     volumes: Mapping[str, Obj], classes: Mapping[str, Obj]
                     ) -> VolumeData | Rejection:
    """PreFilter over plain dicts (see the module doc)."""
    bound, static, provisioned = [], [], []
    missing_volume = False
    for name in claims:
        claim = claims_by_key.get(f"{namespace}/{name}")
        if claim is None:
            return Rejection(f'persistentvolumeclaim "{name}" not found')
        if (claim.get("metadata") or {}).get("deletionTimestamp"):
            return Rejection(f'persistentvolumeclaim "{name}" is being deleted')
        volume_name = (claim.get("spec") or {}).get("volumeName")
        if volume_name:
            volume = volumes.get(volume_name)
            if volume is None:
                missing_volume = True
            else:
                bound.append(volume)
            continue
        storage_class = classes.get(claim_class(claim))
        if storage_class is None or storage_class.get("volumeBindingMode") != \
                "WaitForFirstConsumer":
            return Rejection(UNBOUND_IMMEDIATE)
        if storage_class.get("provisioner") in ("", None, NO_PROVISIONER):
            static.append(claim)
        else:
            provisioned.append(claim)
    return VolumeData(tuple(bound), tuple(static), tuple(provisioned), missing_volume,
                      tuple(volumes.values()) if static else ())


def _prefilter(pod: PodInfo, state: ClusterState) -> Any:
    if not pod.claims:
        return SKIP
    cache = state.volumes
    return volume_prefilter(pod.namespace, pod.claims, cache.claims, cache.volumes,
                            cache.classes)


def _filter(pod: PodInfo, node: NodeInfo, data: VolumeData) -> Reasons | None:
    if data.missing_volume:
        return (PV_MISSING,)
    for volume in data.bound:
        if not volume_fits_node(volume, node.labels, node.name):
            return (CONFLICT,)
    for claim in data.static:
        if find_matching_volume(claim, data.volumes, node.name, node.labels, True) is None:
            return (NO_VOLUMES,)
    return None


volume_binding = FilterPlugin(NAME, _filter, _prefilter,
                              events=(NODE_ADD, NODE_UPDATE, STORAGE_EVENT))
