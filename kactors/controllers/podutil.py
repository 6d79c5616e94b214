"""What controllers ask about pods, as pure functions over pod dicts (no I/O).

After Kubernetes' `pkg/api/v1/pod` (readiness, availability), `pkg/controller`
(`IsPodActive`, `ActivePodsWithRanks`: which pods a ReplicaSet deletes first,
`GetPodFromTemplate`) and `podutil.FindPort` (a Service's target port on a pod).
Times are cluster seconds: metav1 timestamps (second precision) count from
`cluster_epoch()`, the moment cluster time 0 stands for in this run.
"""

from __future__ import annotations

import functools
import math
import random
from collections.abc import Mapping, Sequence
from typing import Any

from kactors.api.meta import deep_copy, is_pod_ready, is_pod_terminal, pod_ready_condition
from kactors.api.meta import status_of as _status
from kactors.apiserver.objects import cluster_epoch, parse_timestamp, timestamp
from kactors.controllers.hashing import ALPHANUMS

__all__ = [
    "DELETION_COST_ANNOTATION",
    "cluster_seconds",
    "find_port",
    "generate_name",
    "is_pod_active",
    "is_pod_available",
    "is_pod_ready",
    "is_pod_terminal",
    "now_timestamp",
    "pod_from_template",
    "pod_ready_condition",
    "pods_to_delete",
    "rank_pods_for_deletion",
]

Obj = Mapping[str, Any]

#: `controller.kubernetes.io/pod-deletion-cost`: lower cost, deleted first
DELETION_COST_ANNOTATION = "controller.kubernetes.io/pod-deletion-cost"

#: `PodPending < PodUnknown < PodRunning` when choosing pods to delete (missing phase: 0)
_PHASE_ORDINAL = {"Pending": 0, "Unknown": 1, "Running": 2}
#: Kubernetes' maxNameLength - randomLength: the longest prefix of a generated name
_MAX_GENERATED_PREFIX = 63 - 5


# -- time ---------------------------------------------------------------------------------------
def cluster_seconds(text: str | None) -> float | None:
    """A metav1 timestamp as cluster seconds (None for a missing timestamp)."""
    if not text:
        return None
    return (parse_timestamp(text) - cluster_epoch()).total_seconds()


def now_timestamp(now: float) -> str:
    """Cluster time `now` as a metav1 timestamp (what `metav1.Now()` would say)."""
    return timestamp(cluster_epoch(), now)


# -- phase, readiness, availability ------------------------------------------------------------


def is_pod_active(pod: Obj) -> bool:
    """`controller.IsPodActive`: not terminal and not being deleted."""
    return not is_pod_terminal(pod) and not (pod.get("metadata") or {}).get("deletionTimestamp")


def is_pod_available(pod: Obj, min_ready_seconds: int, now: float) -> bool:
    """`podutil.IsPodAvailable`: ready, and for longer than `min_ready_seconds` (strictly)."""
    if not is_pod_ready(pod):
        return False
    if not min_ready_seconds:
        return True
    since = cluster_seconds((pod_ready_condition(pod) or {}).get("lastTransitionTime"))
    return since is not None and since + min_ready_seconds < now


def availability_delays(pods: Sequence[Obj], min_ready_seconds: int, now: float
                        ) -> list[float]:
    """Seconds until each ready pod that is not available yet becomes available (its
    owner looks again then: no event marks the moment `minReadySeconds` have passed)."""
    if not min_ready_seconds:
        return []
    delays = []
    for pod in pods:
        if is_pod_ready(pod) and not is_pod_available(pod, min_ready_seconds, now):
            since = cluster_seconds((pod_ready_condition(pod) or {})
                                    .get("lastTransitionTime")) or now
            delays.append(max(0.001, since + min_ready_seconds - now + 0.001))
    return delays


# -- deletion preference -----------------------------------------------------------------------
def _restarts(statuses: Sequence[Mapping[str, Any]] | None) -> int:
    return max((int(s.get("restartCount") or 0) for s in statuses or []), default=0)


def _deletion_cost(pod: Obj) -> int:
    value = ((pod.get("metadata") or {}).get("annotations") or {}).get(DELETION_COST_ANNOTATION)
    try:
        return int(value) if value is not None else 0
    except ValueError:
        return 0


def _log_rank(moment: float, now: float) -> int:
    """`logarithmicRankDiff`'s rank: log2 of the age in nanoseconds (-1 if not in the past)."""
    age = (now - moment) * 1e9
    return int(math.log2(age)) if age > 0 else -1


def _before_by_age(t1: float | None, t2: float | None, uid1: str, uid2: str,
                   now: float) -> bool:
    """Whether a pod with time `t1` goes before one with `t2`: empty first, then newer
    first, ages compared on a log2 scale (LogarithmicScaleDown), ties by uid."""
    if t1 is None or t2 is None:
        return t1 is None and t2 is not None  # afterOrZero: a zero time comes first
    diff = _log_rank(t1, now) - _log_rank(t2, now)
    if diff == 0:
        return uid1 < uid2
    return diff < 0


def _compare(a: tuple[Obj, int], b: tuple[Obj, int], now: float) -> int:
    """`ActivePodsWithRanks.Less` as a cmp function: negative if `a` is deleted first."""
    pa, rank_a = a
    pb, rank_b = b

    def less(x: bool) -> int:
        return -1 if x else 1

    node_a = (pa.get("spec") or {}).get("nodeName") or ""
    node_b = (pb.get("spec") or {}).get("nodeName") or ""
    # 1. unassigned < assigned
    if node_a != node_b and (not node_a or not node_b):
        return less(not node_a)
    # 2. Pending < Unknown < Running
    phase_a = _PHASE_ORDINAL.get(_status(pa).get("phase") or "", 0)
    phase_b = _PHASE_ORDINAL.get(_status(pb).get("phase") or "", 0)
    if phase_a != phase_b:
        return less(phase_a < phase_b)
    # 3. not ready < ready
    ready_a, ready_b = is_pod_ready(pa), is_pod_ready(pb)
    if ready_a != ready_b:
        return less(not ready_a)
    # 4. lower pod-deletion-cost < higher
    cost_a, cost_b = _deletion_cost(pa), _deletion_cost(pb)
    if cost_a != cost_b:
        return less(cost_a < cost_b)
    # 5. doubled up (more related pods on its node) < not doubled up
    if rank_a != rank_b:
        return less(rank_a > rank_b)
    uid_a = str((pa.get("metadata") or {}).get("uid") or "")
    uid_b = str((pb.get("metadata") or {}).get("uid") or "")
    # 6. ready for less time < more time
    if ready_a and ready_b:
        since_a = cluster_seconds((pod_ready_condition(pa) or {}).get("lastTransitionTime"))
        since_b = cluster_seconds((pod_ready_condition(pb) or {}).get("lastTransitionTime"))
        if since_a != since_b:
            if _before_by_age(since_a, since_b, uid_a, uid_b, now):
                return -1
            if _before_by_age(since_b, since_a, uid_b, uid_a, now):
                return 1
    # 7. higher restart counts < lower
    status_a, status_b = _status(pa), _status(pb)
    for field in ("containerStatuses", "initContainerStatuses"):
        restarts_a, restarts_b = _restarts(status_a.get(field)), _restarts(status_b.get(field))
        if restarts_a != restarts_b:
            return less(restarts_a > restarts_b)
    # 8. empty creation time < newer < older
    created_a = cluster_seconds((pa.get("metadata") or {}).get("creationTimestamp"))
    created_b = cluster_seconds((pb.get("metadata") or {}).get("creationTimestamp"))
    if created_a != created_b:
        if _before_by_age(created_a, created_b, uid_a, uid_b, now):
            return -1
        if _before_by_age(created_b, created_a, uid_b, uid_a, now):
            return 1
    return 0


def rank_pods_for_deletion(pods: Sequence[Obj], related: Sequence[Obj], now: float
                           ) -> list[Obj]:
    """`pods` in the order a ReplicaSet deletes them (`ActivePodsWithRanks`): unassigned
    before assigned, Pending < Unknown < Running, not ready before ready, lower
    pod-deletion-cost first, pods doubled up on a node (counting the active `related`
    pods, those of every ReplicaSet of the same owner) first, ready for less time first,
    more restarts first, newer first. Python's sort is stable, so ties keep their order."""
    on_node: dict[str, int] = {}
    for pod in related:
        if is_pod_active(pod):
            node = (pod.get("spec") or {}).get("nodeName") or ""
            on_node[node] = on_node.get(node, 0) + 1
    ranked = [(pod, on_node.get((pod.get("spec") or {}).get("nodeName") or "", 0))
              for pod in pods]
    ranked.sort(key=functools.cmp_to_key(lambda a, b: _compare(a, b, now)))
    return [pod for pod, _ in ranked]


def pods_to_delete(pods: Sequence[Obj], related: Sequence[Obj], count: int,
                   now: float) -> list[Obj]:
    """`getPodsToDelete`: the `count` pods to delete first (no ranking if all go)."""
    if count >= len(pods):
        return list(pods)
    return rank_pods_for_deletion(pods, related, now)[:count]


# -- creating pods ------------------------------------------------------------------------------
def generate_name(prefix: str, rng: random.Random) -> str:
    """`names.SimpleNameGenerator`: `prefix` (cut to 58 characters) + 5 random characters."""
    if len(prefix) > _MAX_GENERATED_PREFIX:
        prefix = prefix[:_MAX_GENERATED_PREFIX]
    return prefix + "".join(rng.choice(ALPHANUMS) for _ in range(5))


def pod_from_template(template: Obj, name: str, namespace: str,
                      owner_reference: Mapping[str, Any]) -> dict[str, Any]:
    """`controller.GetPodFromTemplate`: a pod named `name`, with the template's labels,
    annotations, finalizers and spec, controlled by `owner_reference`."""
    template_meta = template.get("metadata") or {}
    meta: dict[str, Any] = {"name": name, "namespace": namespace}
    for field in ("labels", "annotations"):
        if template_meta.get(field):
            meta[field] = dict(template_meta[field])
    if template_meta.get("finalizers"):
        meta["finalizers"] = list(template_meta["finalizers"])
    meta["ownerReferences"] = [dict(owner_reference)]
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta,
            "spec": deep_copy(template.get("spec") or {})}


# -- services -----------------------------------------------------------------------------------
def find_port(pod: Obj, service_port: Mapping[str, Any]) -> int | None:
    """`podutil.FindPort`: the container port a Service port's `targetPort` names on `pod`
    (a number as is; a name looked up among the containers' (and sidecars') ports with
    the same protocol). None if the pod has no such port."""
    target = service_port.get("targetPort")
    if target is None or target == "" or target == 0:
        target = service_port.get("port")
    if isinstance(target, int):
        return target
    protocol = service_port.get("protocol") or "TCP"
    spec = pod.get("spec") or {}
    containers = list(spec.get("containers") or [])
    containers += [c for c in spec.get("initContainers") or [] if c.get("restartPolicy") == "Always"]
    for container in containers:
        for port in container.get("ports") or []:
            if port.get("name") == target and (port.get("protocol") or "TCP") == protocol:
                return int(port["containerPort"])
    return None
