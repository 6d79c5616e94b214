"""The node lifecycle controller's decisions, as pure functions over Node and Pod dicts.

After Kubernetes' `pkg/controller/nodelifecycle` (node health, condition and taint
passes) and `pkg/controller/tainteviction` (the NoExecute taint manager):

* a node whose kubelet has not been heard from (its Lease in `kube-node-lease` not
  renewed, its Ready heartbeat not bumped) for `node_monitor_grace_period` gets every
  condition set to Unknown, reason `NodeStatusUnknown`;
* the Ready condition decides the taints: Unknown -> `node.kubernetes.io/unreachable`,
  False -> `node.kubernetes.io/not-ready`, each with effect NoExecute (eviction) and
  NoSchedule (no new pods); True -> neither;
* a pod on a node with NoExecute taints is deleted at once if it does not tolerate one
  of them, after the smallest `tolerationSeconds` of the tolerations it uses otherwise,
  never if those tolerate forever.

No I/O here: the actor (`nodelifecycle.py`) reads the informer caches, asks these
functions what to change, and writes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from kactors.scheduler.taints import NO_EXECUTE, NO_SCHEDULE, Taint, Toleration

__all__ = [
    "DEFAULT_GRACE_PERIOD",
    "NODE_CONDITIONS",
    "NOT_READY_TAINT",
    "UNKNOWN_MESSAGE",
    "UNKNOWN_REASON",
    "UNREACHABLE_TAINT",
    "desired_taints",
    "eviction_delay",
    "heartbeat_signature",
    "node_ready_status",
    "pod_not_ready_conditions",
    "taint_names",
    "unknown_conditions",
]

Obj = Mapping[str, Any]

#: kube-controller-manager's --node-monitor-grace-period default (Kubernetes 1.32: 40 s)
DEFAULT_GRACE_PERIOD = 40.0
NOT_READY_TAINT = "node.kubernetes.io/not-ready"
UNREACHABLE_TAINT = "node.kubernetes.io/unreachable"
#: the conditions the kubelet posts, and the controller turns Unknown when it goes silent
NODE_CONDITIONS = ("Ready", "MemoryPressure", "DiskPressure", "PIDPressure")
UNKNOWN_REASON = "NodeStatusUnknown"
UNKNOWN_MESSAGE = "Kubelet stopped posting node status."
_OURS = (NOT_READY_TAINT, UNREACHABLE_TAINT)


def node_ready_status(node: Obj) -> str:
    """The status of the node's Ready condition: "True", "False" or "Unknown" (missing)."""
    for condition in (node.get("status") or {}).get("conditions") or []:
        if condition.get("type") == "Ready":
            return str(condition.get("status") or "Unknown")
    return "Unknown"


def heartbeat_signature(node: Obj, lease: Obj | None) -> tuple[str, str]:
    """What changes each time the kubelet is heard from: its Lease's renewTime and its
    Ready condition's lastHeartbeatTime. The controller stamps the moment *it* saw this
    change (the probe time), as Kubernetes' nodeHealthMap does, rather than trusting
    the kubelet's clock."""
    renew = str(((lease or {}).get("spec") or {}).get("renewTime") or "")
    heartbeat = ""
    for condition in (node.get("status") or {}).get("conditions") or []:
        if condition.get("type") == "Ready":
            heartbeat = str(condition.get("lastHeartbeatTime") or "")
    return renew, heartbeat


def unknown_conditions(node: Obj, when: str) -> list[dict[str, Any]] | None:
    """The node's conditions with the kubelet's ones set to Unknown (transition time
    `when`, heartbeat kept: it is the last time the kubelet was heard from), or None if
    they all say Unknown already."""
    conditions = [dict(c) for c in (node.get("status") or {}).get("conditions") or []]
    changed = False
    seen: set[str] = set()
    for condition in conditions:
        kind = condition.get("type")
        if kind not in NODE_CONDITIONS:
            continue
        seen.add(str(kind))
        if condition.get("status") != "Unknown":
            condition.update(status="Unknown", reason=UNKNOWN_REASON,
                             message=UNKNOWN_MESSAGE, lastTransitionTime=when)
            changed = True
    for kind in NODE_CONDITIONS:
        if kind not in seen:
            conditions.append({"type": kind, "status": "Unknown",
                               "reason": "NodeStatusNeverUpdated",
                               "message": "Kubelet never posted node status.",
                               "lastHeartbeatTime": when, "lastTransitionTime": when})
            changed = True
    return conditions if changed else None


def desired_taints(node: Obj, when: str) -> list[dict[str, Any]]:
    """The node's taints as its Ready condition wants them: ours added or removed, any
    other taint kept as it is (in order). A NoExecute taint carries `timeAdded`."""
    ready = node_ready_status(node)
    want = {"Unknown": UNREACHABLE_TAINT, "False": NOT_READY_TAINT}.get(ready)
    taints = [dict(t) for t in (node.get("spec") or {}).get("taints") or []]
    kept = [t for t in taints if t.get("key") not in _OURS or t.get("key") == want]
    if want is None:
        return kept
    for effect in (NO_SCHEDULE, NO_EXECUTE):
        if not any(t.get("key") == want and t.get("effect") == effect for t in kept):
            taint: dict[str, Any] = {"key": want, "effect": effect}
            if effect == NO_EXECUTE:
                taint["timeAdded"] = when
            kept.append(taint)
    return kept


def taint_names(taints: Sequence[Obj]) -> list[str]:
    """`key=value:effect` (or `key:effect`), as kubectl prints taints."""
    return [f"{t.get('key')}{'=' + str(t['value']) if t.get('value') else ''}:{t.get('effect')}"
            for t in taints]


def eviction_delay(taints: Sequence[Obj], pod: Obj) -> float | None:
    """How long the pod may stay on a node with `taints`: 0 (evict now: a NoExecute
    taint it does not tolerate, or a toleration of <= 0 s), the smallest
    `tolerationSeconds` of the tolerations it uses for the NoExecute taints, or None
    (no NoExecute taint, or every toleration used is forever)."""
    no_execute = [Taint(str(t.get("key") or ""), str(t.get("value") or ""), NO_EXECUTE)
                  for t in taints if t.get("effect") == NO_EXECUTE]
    if not no_execute:
        return None
    pairs = [(Toleration(str(t.get("key") or ""), str(t.get("operator") or ""),
                         str(t.get("value") or ""), str(t.get("effect") or "")), t)
             for t in (pod.get("spec") or {}).get("tolerations") or []
             if isinstance(t, Mapping)]
    shortest: float | None = None
    for taint in no_execute:
        used = [raw for toleration, raw in pairs if toleration.tolerates(taint)]
        if not used:
            return 0.0
        for toleration in used:
            seconds = toleration.get("tolerationSeconds")
            if seconds is None:
                continue
            if seconds <= 0:
                return 0.0
            shortest = float(seconds) if shortest is None else min(shortest, float(seconds))
    return shortest


def pod_not_ready_conditions(pod: Obj, when: str) -> list[dict[str, Any]] | None:
    """`MarkPodsNotReady`: the pod's conditions with Ready set to False (transition time
    `when`), or None if Ready is not True (nothing to do)."""
    conditions = [dict(c) for c in (pod.get("status") or {}).get("conditions") or []]
    for condition in conditions:
        if condition.get("type") == "Ready" and condition.get("status") == "True":
            condition.update(status="False", lastTransitionTime=when)
            return conditions
    return None
