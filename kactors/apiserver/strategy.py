"""What differs per kind when the apiserver writes an object (Kubernetes' "strategies").

Pure functions over JSON-shaped objects: what status a new object starts with, which
fields an update may change, when `generation` moves, and which kinds delete gracefully.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from kactors.api.defaults import generate_job_selector
from kactors.api.kinds import ResourceInfo
from kactors.apiserver.objects import Obj

#: Kinds whose status is owned by a controller or kubelet: reset on create.
_RESET_STATUS = {"Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job", "CronJob",
                 "Pod", "ResourceQuota"}
_NOT_SPEC = ("apiVersion", "kind", "metadata", "status")


def has_status(info: ResourceInfo) -> bool:
    return info.subresource("status") is not None


def spec_part(obj: Obj) -> dict[str, Any]:
    """Everything that is neither metadata nor status: a change here bumps generation."""
    return {key: value for key, value in obj.items() if key not in _NOT_SPEC}


def pod_qos_class(pod: Obj) -> str:
    """BestEffort, Guaranteed or Burstable, from the containers' requests and limits."""
    spec = pod.get("spec")
    containers = spec.get("containers") if isinstance(spec, dict) else None
    if not isinstance(containers, list):
        containers = []
    requests_any = limits_any = False
    guaranteed = True
    for container in containers:
        resources = container.get("resources") if isinstance(container, dict) else None
        resources = resources if isinstance(resources, dict) else {}
        requests = resources.get("requests")
        requests = requests if isinstance(requests, dict) else {}
        limits = resources.get("limits")
        limits = limits if isinstance(limits, dict) else {}
        requests_any = requests_any or bool(requests)
        limits_any = limits_any or bool(limits)
        for name in ("cpu", "memory"):
            if name not in limits or str(requests.get(name, limits[name])) != str(limits[name]):
                guaranteed = False
    if not requests_any and not limits_any:
        return "BestEffort"
    return "Guaranteed" if guaranteed else "Burstable"


def prepare_for_create(info: ResourceInfo, obj: Obj, *, owned: bool = False) -> Obj:
    """What a new object starts as: generation 1, not being deleted, its kind's fresh
    status. `owned`: `obj` and its metadata are the caller's own dicts (the apiserver's
    copy of a create's body), changed in place instead of copied (every create)."""
    kind = info.kind
    meta = obj.get("metadata")
    if not (owned and meta.__class__ is dict):
        meta = dict(meta or {})
        obj = {**obj, "metadata": meta}
    meta["generation"] = 1
    meta.pop("deletionTimestamp", None)
    meta.pop("deletionGracePeriodSeconds", None)
    if kind in _RESET_STATUS:
        obj["status"] = {"phase": "Pending", "qosClass": pod_qos_class(obj)} if kind == "Pod" else {}
    elif kind == "Namespace":
        obj["status"] = {"phase": "Active"}
    elif kind == "PodDisruptionBudget":  # its Go status: four counters, no omitempty
        obj["status"] = {"disruptionsAllowed": 0, "currentHealthy": 0, "desiredHealthy": 0,
                         "expectedPods": 0}
    elif kind == "HorizontalPodAutoscaler":  # reset; its one counter without omitempty
        obj["status"] = {"desiredReplicas": 0}
    if kind == "Job" and info.group == "batch":
        # the Job strategy's PrepareForCreate: selector and pod labels from the new uid
        # (before defaulting, so the Job's own labels copy them from the template)
        obj = generate_job_selector(obj, str(meta.get("uid") or ""))
    return obj


def prepare_for_update(info: ResourceInfo, new: Obj, old: Obj) -> Obj:
    """A main-resource update: status stays as it was (when status is a subresource);
    identity and deletion fields cannot be changed; spec changes bump generation."""
    meta = dict(new.get("metadata") or {})
    old_meta = old.get("metadata") or {}
    for field in ("uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds",
                  "namespace", "name"):
        if field in old_meta:
            meta[field] = old_meta[field]
        else:
            meta.pop(field, None)
    generation = old_meta.get("generation", 1)
    result = {**new, "metadata": meta}
    if is_namespace(info):  # spec.finalizers change through namespaces/finalize only
        spec = {key: value for key, value in (new.get("spec") or {}).items()
                if key != "finalizers"}
        old_finalizers = (old.get("spec") or {}).get("finalizers")
        if old_finalizers:
            spec["finalizers"] = old_finalizers
        result["spec"] = spec
    if has_status(info):
        if "status" in old:
            result["status"] = old["status"]
        else:
            result.pop("status", None)
    if spec_part(result) != spec_part(old):
        generation += 1
    meta["generation"] = generation
    return result


def is_namespace(info: ResourceInfo) -> bool:
    return info.kind == "Namespace" and info.group == ""


def prepare_for_finalize_update(new: Obj, old: Obj) -> Obj:
    """namespaces/finalize changes spec.finalizers only."""
    finalizers = (new.get("spec") or {}).get("finalizers")
    spec = {key: value for key, value in (old.get("spec") or {}).items()
            if key != "finalizers"}
    if finalizers:
        spec["finalizers"] = finalizers
    return {**old, "spec": spec}


def should_delete_during_update(info: ResourceInfo, obj: Obj) -> bool:
    """An object being deleted whose last finalizer went (and whose grace period is over)
    is deleted by the update that removed it; a namespace also waits for its
    spec.finalizers (ShouldDeleteNamespaceDuringUpdate)."""
    meta = obj.get("metadata") or {}
    if not meta.get("deletionTimestamp") or meta.get("finalizers"):
        return False
    if int(meta.get("deletionGracePeriodSeconds") or 0):
        return False
    return not (is_namespace(info) and (obj.get("spec") or {}).get("finalizers"))


def prepare_for_status_update(new: Obj, old: Obj) -> Obj:
    """The status subresource changes status only; a status write never bumps generation."""
    result = dict(old)
    if "status" in new:
        result["status"] = new["status"]
    else:
        result.pop("status", None)
    return result


def graceful_seconds(info: ResourceInfo, obj: Obj, requested: int | None) -> int:
    """Pods bound to a node get their grace period so the kubelet can stop them;
    everything else (and an unscheduled pod) is deleted at once."""
    if info.kind != "Pod" or info.group != "":
        return 0
    if not (obj.get("spec") or {}).get("nodeName"):
        return 0
    if requested is not None:
        return max(0, int(requested))
    spec_grace = (obj.get("spec") or {}).get("terminationGracePeriodSeconds")
    return int(spec_grace) if spec_grace is not None else 30


class ClusterIPAllocator:
    """Hands out Service ClusterIPs from a range, lowest free first (deterministic).

    Rebuilt from the Services in the store when the apiserver starts, so a restart never
    hands out an address twice.
    """

    def __init__(self, cidr: str = "10.96.0.0/12") -> None:
        self.network = ipaddress.ip_network(cidr)
        self.used: dict[str, None] = {}
        self._next = 1

    def contains(self, ip: str) -> bool:
        """Whether `ip` is an address of the range that may be handed out."""
        try:
            address = ipaddress.ip_address(ip)
        except ValueError:
            return False
        return address in self.network and address not in (
            self.network.network_address, self.network.broadcast_address)

    def reserve(self, ip: str) -> None:
        self.used[ip] = None

    def release(self, ip: str) -> None:
        self.used.pop(ip, None)

    def allocate(self) -> str:
        size = self.network.num_addresses - 2
        for _ in range(size):
            candidate = str(self.network.network_address + self._next)
            self._next = self._next % size + 1
            if candidate not in self.used:
                self.used[candidate] = None
                return candidate
        raise RuntimeError(f"no ClusterIP left in {self.network}")
