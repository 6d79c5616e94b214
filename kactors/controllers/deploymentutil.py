"""The Deployment controller's decisions, as pure functions over plain data (no I/O).

After Kubernetes' `pkg/controller/deployment/util/deployment_util.go` and the pure parts
of `sync.go`, `rolling.go` and `progress.go`: revisions and their annotations, maxSurge /
maxUnavailable resolution, how many replicas the new ReplicaSet may have, proportional
scaling, status and the Progressing / Available conditions. Objects are JSON-shaped dicts;
functions that "change" one return a changed deep copy, or mutate a copy the caller owns
(said so in their docstring). Times are cluster seconds.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any

from kactors.api.meta import deep_copy
from kactors.api.meta import metadata_of as _meta
from kactors.api.meta import spec_of as _spec
from kactors.api.meta import status_of as _status
from kactors.controllers.podutil import cluster_seconds, now_timestamp

__all__ = [
    "AVAILABLE",
    "DEFAULT_UNIQUE_LABEL",
    "DESIRED_REPLICAS_ANNOTATION",
    "MAX_REPLICAS_ANNOTATION",
    "PROGRESSING",
    "REVISION_ANNOTATION",
    "REVISION_HISTORY_ANNOTATION",
    "calculate_status",
    "deployment_complete",
    "deployment_progressing",
    "deployment_timed_out",
    "equal_ignore_hash",
    "filter_active",
    "find_active_or_latest",
    "find_new_replica_set",
    "find_old_replica_sets",
    "get_condition",
    "get_proportion",
    "int_or_percent",
    "is_saturated",
    "max_revision",
    "max_surge",
    "max_unavailable",
    "new_condition",
    "new_rs_new_replicas",
    "replicas",
    "replicas_annotations_need_update",
    "resolve_fenceposts",
    "revision",
    "set_condition",
    "set_new_replica_set_annotations",
    "set_replicas_annotations",
    "sort_by_creation",
    "sort_by_revision",
    "sort_by_size_newer",
    "sort_by_size_older",
]

Obj = Mapping[str, Any]

#: the label that tells a Deployment's ReplicaSets (and their pods) apart
DEFAULT_UNIQUE_LABEL = "pod-template-hash"
REVISION_ANNOTATION = "deployment.kubernetes.io/revision"
REVISION_HISTORY_ANNOTATION = "deployment.kubernetes.io/revision-history"
DESIRED_REPLICAS_ANNOTATION = "deployment.kubernetes.io/desired-replicas"
MAX_REPLICAS_ANNOTATION = "deployment.kubernetes.io/max-replicas"
LAST_APPLIED_ANNOTATION = "kubectl.kubernetes.io/last-applied-configuration"
DEPRECATED_ROLLBACK_TO = "deprecated.deployment.rollback.to"
#: annotations a Deployment never copies to its ReplicaSets
ANNOTATIONS_TO_SKIP = frozenset({
    LAST_APPLIED_ANNOTATION, REVISION_ANNOTATION, REVISION_HISTORY_ANNOTATION,
    DESIRED_REPLICAS_ANNOTATION, MAX_REPLICAS_ANNOTATION, DEPRECATED_ROLLBACK_TO})
#: `maxRevHistoryLengthInChars`: the revision-history annotation stays below this
MAX_REVISION_HISTORY_CHARS = 2000
MAX_INT32 = 2**31 - 1

PROGRESSING = "Progressing"
AVAILABLE = "Available"
REPLICA_FAILURE = "ReplicaFailure"

# Condition reasons (deployment_util.go)
REPLICA_SET_UPDATED = "ReplicaSetUpdated"
FAILED_RS_CREATE = "ReplicaSetCreateError"
NEW_REPLICA_SET = "NewReplicaSetCreated"
FOUND_NEW_RS = "FoundNewReplicaSet"
NEW_RS_AVAILABLE = "NewReplicaSetAvailable"
TIMED_OUT = "ProgressDeadlineExceeded"
PAUSED = "DeploymentPaused"
RESUMED = "DeploymentResumed"
MINIMUM_REPLICAS_AVAILABLE = "MinimumReplicasAvailable"
MINIMUM_REPLICAS_UNAVAILABLE = "MinimumReplicasUnavailable"


# -- small accessors ------------------------------------------------------------------------------






def replicas(obj: Obj | None) -> int:
    """`*spec.replicas` (a ReplicaSet or Deployment; absent means 1, as defaulted)."""
    if obj is None:
        return 0
    value = _spec(obj).get("replicas")
    return 1 if value is None else int(value)


def _status_count(rs: Obj | None, field: str) -> int:
    return int(_status(rs).get(field) or 0) if rs is not None else 0


def is_rolling_update(deployment: Obj) -> bool:
    return ((_spec(deployment).get("strategy") or {}).get("type") or "RollingUpdate") \
        == "RollingUpdate"


def has_progress_deadline(deployment: Obj) -> bool:
    seconds = _spec(deployment).get("progressDeadlineSeconds")
    return seconds is not None and int(seconds) != MAX_INT32


def has_revision_history_limit(deployment: Obj) -> bool:
    limit = _spec(deployment).get("revisionHistoryLimit")
    return limit is not None and int(limit) != MAX_INT32


# -- maxSurge / maxUnavailable ----------------------------------------------------------------------
def int_or_percent(value: int | str | None, total: int, round_up: bool) -> int:
    """`intstr.GetScaledValueFromIntOrPercent`: an int as is, "25%" of `total` rounded
    up (maxSurge) or down (maxUnavailable)."""
    if value is None:
        return 0
    if isinstance(value, int):
        return value
    text = str(value)
    if not text.endswith("%"):
        try:
            return int(text)
        except ValueError:
            raise ValueError(f"invalid value for IntOrString: invalid type: string is not "
                             f"a percentage: {text!r}") from None
    percent = int(text[:-1])
    if round_up:
        return -(-percent * total // 100)
    return percent * total // 100


def resolve_fenceposts(surge: int | str | None, unavailable: int | str | None,
                       desired: int) -> tuple[int, int]:
    """`ResolveFenceposts`: (maxSurge, maxUnavailable) for `desired` replicas. If both
    round to zero, maxUnavailable becomes 1 so that a rollout can make progress."""
    max_surge_value = int_or_percent(0 if surge is None else surge, desired, True)
    max_unavailable_value = int_or_percent(0 if unavailable is None else unavailable,
                                           desired, False)
    if max_surge_value == 0 and max_unavailable_value == 0:
        max_unavailable_value = 1
    return max_surge_value, max_unavailable_value


def _rolling(deployment: Obj) -> Mapping[str, Any]:
    return (_spec(deployment).get("strategy") or {}).get("rollingUpdate") or {}


def max_surge(deployment: Obj) -> int:
    """How many pods above `replicas` a rolling update may run (0 for Recreate)."""
    if not is_rolling_update(deployment):
        return 0
    rolling = _rolling(deployment)
    return resolve_fenceposts(rolling.get("maxSurge"), rolling.get("maxUnavailable"),
                              replicas(deployment))[0]


def max_unavailable(deployment: Obj) -> int:
    """How many of `replicas` may be unavailable during a rolling update (at most
    `replicas`; 0 for Recreate or no replicas)."""
    desired = replicas(deployment)
    if not is_rolling_update(deployment) or desired == 0:
        return 0
    rolling = _rolling(deployment)
    value = resolve_fenceposts(rolling.get("maxSurge"), rolling.get("maxUnavailable"),
                               desired)[1]
    return min(value, desired)


# -- ReplicaSet lists -----------------------------------------------------------------------------
def _created(rs: Obj) -> float:
    value = cluster_seconds(_meta(rs).get("creationTimestamp"))
    return value if value is not None else float("-inf")


def _by_creation(a: Obj, b: Obj) -> int:
    """`ReplicaSetsByCreationTimestamp`: older first, ties by name."""
    ka, kb = (_created(a), _meta(a).get("name", "")), (_created(b), _meta(b).get("name", ""))
    return -1 if ka < kb else (1 if ka > kb else 0)


def sort_by_creation(rss: Sequence[Obj]) -> list[Obj]:
    return sorted(rss, key=functools.cmp_to_key(_by_creation))


def sort_by_size_older(rss: Sequence[Obj]) -> list[Obj]:
    """`ReplicaSetsBySizeOlder`: larger first; same size: older first."""
    def cmp(a: Obj, b: Obj) -> int:
        if replicas(a) != replicas(b):
            return -1 if replicas(a) > replicas(b) else 1
        return _by_creation(a, b)
    return sorted(rss, key=functools.cmp_to_key(cmp))


def sort_by_size_newer(rss: Sequence[Obj]) -> list[Obj]:
    """`ReplicaSetsBySizeNewer`: larger first; same size: newer first."""
    def cmp(a: Obj, b: Obj) -> int:
        if replicas(a) != replicas(b):
            return -1 if replicas(a) > replicas(b) else 1
        return _by_creation(b, a)
    return sorted(rss, key=functools.cmp_to_key(cmp))


def sort_by_revision(rss: Sequence[Obj]) -> list[Obj]:
    """`ReplicaSetsByRevision`: lower revision first; same revision: older first."""
    def cmp(a: Obj, b: Obj) -> int:
        ra, rb = revision(a), revision(b)
        if ra != rb:
            return -1 if ra < rb else 1
        return _by_creation(a, b)
    return sorted(rss, key=functools.cmp_to_key(cmp))


def filter_active(rss: Sequence[Obj | None]) -> list[Obj]:
    """`FilterActiveReplicaSets`: those with replicas to run."""
    return [rs for rs in rss if rs is not None and replicas(rs) > 0]


def _prune(value: Any) -> Any:
    """Drop nulls, empty maps and empty lists (Go's nil vs empty do not differ to
    `apiequality.Semantic.DeepEqual`)."""
    if isinstance(value, Mapping):
        pruned = {k: _prune(v) for k, v in value.items()}
        return {k: v for k, v in pruned.items() if v not in (None, {}, [])}
    if isinstance(value, list):
        return [_prune(v) for v in value]
    return value


def equal_ignore_hash(template1: Obj, template2: Obj) -> bool:
    """`EqualIgnoreHash`: two pod templates are equal but for the pod-template-hash label."""
    def without_hash(template: Obj) -> Any:
        copy = deep_copy(dict(template))
        labels = (copy.get("metadata") or {}).get("labels")
        if isinstance(labels, dict):
            labels.pop(DEFAULT_UNIQUE_LABEL, None)
        return _prune(copy)
    return bool(without_hash(template1) == without_hash(template2))


def find_new_replica_set(deployment: Obj, rss: Sequence[Obj]) -> Obj | None:
    """`FindNewReplicaSet`: the (oldest) ReplicaSet whose template is the Deployment's."""
    template = _spec(deployment).get("template") or {}
    for rs in sort_by_creation(rss):
        if equal_ignore_hash(_spec(rs).get("template") or {}, template):
            return rs
    return None


def find_old_replica_sets(deployment: Obj, rss: Sequence[Obj]
                          ) -> tuple[list[Obj], list[Obj]]:
    """`FindOldReplicaSets`: (old ones with replicas, all old ones)."""
    new_rs = find_new_replica_set(deployment, rss)
    new_uid = _meta(new_rs).get("uid") if new_rs is not None else None
    all_old = [rs for rs in rss if new_rs is None or _meta(rs).get("uid") != new_uid]
    return [rs for rs in all_old if replicas(rs) != 0], all_old


def find_active_or_latest(new_rs: Obj | None, old_rss: Sequence[Obj]) -> Obj | None:
    """`FindActiveOrLatest`: the only active ReplicaSet, or the newest if none is
    active; None if several are active (they are then scaled proportionally)."""
    if new_rs is None and not old_rss:
        return None
    newest_first = list(reversed(sort_by_creation(old_rss)))
    active = filter_active([*newest_first, new_rs])
    if not active:
        return new_rs if new_rs is not None else newest_first[0]
    if len(active) == 1:
        return active[0]
    return None


# -- revisions --------------------------------------------------------------------------------------
def revision(obj: Obj | None) -> int:
    """The `deployment.kubernetes.io/revision` annotation as a number (0 if absent or bad)."""
    if obj is None:
        return 0
    value = (_meta(obj).get("annotations") or {}).get(REVISION_ANNOTATION)
    try:
        return int(value) if value is not None else 0
    except ValueError:
        return 0


def max_revision(rss: Sequence[Obj]) -> int:
    return max((revision(rs) for rs in rss), default=0)


def set_replicas_annotations(rs: dict[str, Any], desired: int, max_replicas: int) -> bool:
    """Set desired-replicas and max-replicas on `rs` (a copy the caller owns); whether
    anything changed."""
    annotations = rs.setdefault("metadata", {}).setdefault("annotations", {})
    updated = False
    for key, value in ((DESIRED_REPLICAS_ANNOTATION, str(desired)),
                       (MAX_REPLICAS_ANNOTATION, str(max_replicas))):
        if annotations.get(key) != value:
            annotations[key] = value
            updated = True
    return updated


def replicas_annotations_need_update(rs: Obj, desired: int, max_replicas: int) -> bool:
    annotations = _meta(rs).get("annotations") or {}
    return annotations.get(DESIRED_REPLICAS_ANNOTATION) != str(desired) or \
        annotations.get(MAX_REPLICAS_ANNOTATION) != str(max_replicas)


def set_new_replica_set_annotations(deployment: Obj, rs: dict[str, Any], new_revision: int,
                                    exists: bool) -> bool:
    """`SetNewReplicaSetAnnotations` on `rs` (a copy the caller owns): copy the
    Deployment's own annotations, raise the revision to `new_revision` (remembering the
    one it replaces in revision-history: a rollback), and on creation set the replicas
    annotations. Whether anything changed."""
    annotations = rs.setdefault("metadata", {}).setdefault("annotations", {})
    changed = False
    for key, value in (_meta(deployment).get("annotations") or {}).items():
        if key in ANNOTATIONS_TO_SKIP or annotations.get(key) == value:
            continue
        annotations[key] = value
        changed = True
    old_text = annotations.get(REVISION_ANNOTATION)
    try:
        old_revision = int(old_text) if old_text else 0
    except ValueError:
        return False
    if old_revision < new_revision:
        annotations[REVISION_ANNOTATION] = str(new_revision)
        changed = True
        if old_text:  # a ReplicaSet coming back to life: keep its earlier revision
            history = annotations.get(REVISION_HISTORY_ANNOTATION) or ""
            if not history:
                annotations[REVISION_HISTORY_ANNOTATION] = old_text
            else:
                revisions = history.split(",")
                total = len(history) + len(old_text) + 1
                start = 0
                while total > MAX_REVISION_HISTORY_CHARS and start < len(revisions):
                    total -= len(revisions[start]) + 1
                    start += 1
                if total <= MAX_REVISION_HISTORY_CHARS:
                    annotations[REVISION_HISTORY_ANNOTATION] = ",".join(
                        [*revisions[start:], old_text])
    if not exists:
        desired = replicas(deployment)
        if set_replicas_annotations(rs, desired, desired + max_surge(deployment)):
            changed = True
    return changed


# -- how many replicas ----------------------------------------------------------------------------
def new_rs_new_replicas(deployment: Obj, all_rss: Sequence[Obj | None], new_rs: Obj) -> int:
    """`NewRSNewReplicas`: the size the new ReplicaSet may grow to now. Rolling update:
    up to `replicas + maxSurge` pods in all, never beyond `replicas`; Recreate: all."""
    desired = replicas(deployment)
    if is_rolling_update(deployment):
        surge = int_or_percent((_rolling(deployment)).get("maxSurge"), desired, True)
        current = sum(replicas(rs) for rs in all_rss if rs is not None)
        max_total = desired + surge
        if current >= max_total:
            return replicas(new_rs)
        scale_up = min(max_total - current, desired - replicas(new_rs))
        return replicas(new_rs) + scale_up
    return desired


def is_saturated(deployment: Obj, rs: Obj | None) -> bool:
    """`IsSaturated`: the ReplicaSet runs all the Deployment's replicas, available."""
    if rs is None:
        return False
    try:
        desired = int((_meta(rs).get("annotations") or {}).get(DESIRED_REPLICAS_ANNOTATION, ""))
    except ValueError:
        return False
    want = replicas(deployment)
    return replicas(rs) == want and desired == want and \
        _status_count(rs, "availableReplicas") == want


def _annotation_int(rs: Obj, key: str) -> int | None:
    try:
        return int((_meta(rs).get("annotations") or {})[key])
    except (KeyError, ValueError):
        return None


def get_proportion(rs: Obj | None, deployment: Obj, to_add: int, added: int) -> int:
    """`GetReplicaSetProportion`: this ReplicaSet's share of `to_add` replicas (negative
    to remove) when a Deployment is scaled in the middle of a rollout, in proportion to
    its size against the max-replicas it was sized for."""
    if rs is None or replicas(rs) == 0 or to_add == 0 or to_add == added:
        return 0
    fraction = _fraction(rs, deployment)
    allowed = to_add - added
    if to_add > 0:
        return min(fraction, allowed)
    return max(fraction, allowed)


def _fraction(rs: Obj, deployment: Obj) -> int:
    if replicas(deployment) == 0:
        return -replicas(rs)
    deployment_replicas = replicas(deployment) + max_surge(deployment)
    annotated = _annotation_int(rs, MAX_REPLICAS_ANNOTATION)
    if annotated is None:
        annotated = _status_count(deployment, "replicas")
    if not annotated:
        return 0
    size = replicas(rs) * deployment_replicas / annotated
    # integer.RoundToInt32: round half away from zero
    rounded = int(size + 0.5) if size >= 0 else -int(-size + 0.5)
    return rounded - replicas(rs)


# -- conditions ---------------------------------------------------------------------------------
def new_condition(type_: str, status: str, reason: str, message: str,
                  now: float) -> dict[str, Any]:
    """`NewDeploymentCondition`, stamped with cluster time `now`."""
    stamp = now_timestamp(now)
    return {"type": type_, "status": status, "lastUpdateTime": stamp,
            "lastTransitionTime": stamp, "reason": reason, "message": message}


def get_condition(status: Mapping[str, Any], type_: str) -> Mapping[str, Any] | None:
    for condition in status.get("conditions") or []:
        if condition.get("type") == type_:
            return condition
    return None


def set_condition(status: dict[str, Any], condition: Mapping[str, Any]) -> None:
    """`SetDeploymentCondition` on `status` (the caller's copy): no change if a condition
    of that type has the same status and reason; the transition time is kept if only the
    reason changed. The condition goes last."""
    current = get_condition(status, condition["type"])
    if current is not None and current.get("status") == condition["status"] and \
            current.get("reason") == condition["reason"]:
        return
    new = dict(condition)
    if current is not None and current.get("status") == condition["status"]:
        new["lastTransitionTime"] = current.get("lastTransitionTime")
    status["conditions"] = [*(c for c in status.get("conditions") or []
                              if c.get("type") != condition["type"]), new]


def remove_condition(status: dict[str, Any], type_: str) -> None:
    conditions = [c for c in status.get("conditions") or [] if c.get("type") != type_]
    if conditions:
        status["conditions"] = conditions
    else:
        status.pop("conditions", None)


# -- status -------------------------------------------------------------------------------------------
def calculate_status(all_rss: Sequence[Obj | None], new_rs: Obj | None, deployment: Obj,
                     now: float) -> dict[str, Any]:
    """`calculateStatus`: counts summed over the ReplicaSets (updated = the new one's),
    `observedGeneration`, the kept `collisionCount` and conditions, and the Available
    condition (at least `replicas - maxUnavailable` available). Zero counts are left out,
    as Kubernetes' JSON leaves them out."""
    rss = [rs for rs in all_rss if rs is not None]
    available = sum(_status_count(rs, "availableReplicas") for rs in rss)
    total = sum(replicas(rs) for rs in rss)
    unavailable = max(0, total - available)
    old = _status(deployment)
    status: dict[str, Any] = {}
    counts = (("observedGeneration", int(_meta(deployment).get("generation") or 0)),
              ("replicas", sum(_status_count(rs, "replicas") for rs in rss)),
              ("updatedReplicas", _status_count(new_rs, "replicas")),
              ("readyReplicas", sum(_status_count(rs, "readyReplicas") for rs in rss)),
              ("availableReplicas", available),
              ("unavailableReplicas", unavailable))
    for key, value in counts:
        if value:
            status[key] = value
    if old.get("conditions"):
        status["conditions"] = [dict(c) for c in old["conditions"]]
    if old.get("collisionCount") is not None:
        status["collisionCount"] = old["collisionCount"]
    if available >= replicas(deployment) - max_unavailable(deployment):
        set_condition(status, new_condition(AVAILABLE, "True", MINIMUM_REPLICAS_AVAILABLE,
                                            "Deployment has minimum availability.", now))
    else:
        set_condition(status, new_condition(AVAILABLE, "False", MINIMUM_REPLICAS_UNAVAILABLE,
                                            "Deployment does not have minimum availability.",
                                            now))
    return status


def deployment_complete(deployment: Obj, status: Mapping[str, Any]) -> bool:
    """`DeploymentComplete`: every replica updated and available, no old one left, and
    the latest generation observed."""
    want = replicas(deployment)
    return int(status.get("updatedReplicas") or 0) == want and \
        int(status.get("replicas") or 0) == want and \
        int(status.get("availableReplicas") or 0) == want and \
        int(status.get("observedGeneration") or 0) >= int(_meta(deployment).get("generation") or 0)


def deployment_progressing(deployment: Obj, status: Mapping[str, Any]) -> bool:
    """`DeploymentProgressing`: more updated, fewer old, more ready or more available
    replicas than the stored status says."""
    old = _status(deployment)

    def count(s: Mapping[str, Any], key: str) -> int:
        return int(s.get(key) or 0)

    old_old = count(old, "replicas") - count(old, "updatedReplicas")
    new_old = count(status, "replicas") - count(status, "updatedReplicas")
    return count(status, "updatedReplicas") > count(old, "updatedReplicas") or \
        new_old < old_old or \
        count(status, "readyReplicas") > count(old, "readyReplicas") or \
        count(status, "availableReplicas") > count(old, "availableReplicas")


def deployment_timed_out(deployment: Obj, status: Mapping[str, Any], now: float) -> bool:
    """`DeploymentTimedOut`: no progress reported for `progressDeadlineSeconds`."""
    if not has_progress_deadline(deployment):
        return False
    condition = get_condition(status, PROGRESSING)
    if condition is None or condition.get("reason") == NEW_RS_AVAILABLE:
        return False
    if condition.get("reason") == TIMED_OUT:
        return True
    since = cluster_seconds(condition.get("lastUpdateTime"))
    if since is None:
        return False
    return since + int(_spec(deployment)["progressDeadlineSeconds"]) < now


def rollout_status(all_rss: Sequence[Obj | None], new_rs: Obj | None, deployment: Obj,
                   now: float) -> dict[str, Any]:
    """`syncRolloutStatus`'s new status: `calculate_status` plus the Progressing
    condition (complete / progressing / timed out) and any ReplicaFailure of the
    ReplicaSets."""
    status = calculate_status(all_rss, new_rs, deployment, now)
    name = _meta(deployment).get("name")
    if not has_progress_deadline(deployment):
        remove_condition(status, PROGRESSING)
    current = get_condition(_status(deployment), PROGRESSING)
    complete_already = status.get("replicas", 0) == status.get("updatedReplicas", 0) and \
        current is not None and current.get("reason") == NEW_RS_AVAILABLE
    if has_progress_deadline(deployment) and not complete_already:
        new_name = _meta(new_rs).get("name") if new_rs is not None else None
        if deployment_complete(deployment, status):
            message = f'ReplicaSet "{new_name}" has successfully progressed.' if new_name \
                else f'Deployment "{name}" has successfully progressed.'
            set_condition(status, new_condition(PROGRESSING, "True", NEW_RS_AVAILABLE,
                                                message, now))
        elif deployment_progressing(deployment, status):
            message = f'ReplicaSet "{new_name}" is progressing.' if new_name \
                else f'Deployment "{name}" is progressing.'
            condition = new_condition(PROGRESSING, "True", REPLICA_SET_UPDATED, message, now)
            if current is not None:
                if current.get("status") == "True":
                    condition["lastTransitionTime"] = current.get("lastTransitionTime")
                remove_condition(status, PROGRESSING)
            set_condition(status, condition)
        elif deployment_timed_out(deployment, status, now):
            message = f'ReplicaSet "{new_name}" has timed out progressing.' if new_name \
                else f'Deployment "{name}" has timed out progressing.'
            set_condition(status, new_condition(PROGRESSING, "False", TIMED_OUT, message, now))
    failure = _replica_failure(all_rss, new_rs)
    if failure is not None:
        set_condition(status, failure)
    else:
        remove_condition(status, REPLICA_FAILURE)
    return status


def _replica_failure(all_rss: Sequence[Obj | None], new_rs: Obj | None
                     ) -> dict[str, Any] | None:
    """`getReplicaFailures`: the new ReplicaSet's ReplicaFailure condition, else any
    other's, as a Deployment condition."""
    for rs in [new_rs, *all_rss]:
        if rs is None:
            continue
        for condition in _status(rs).get("conditions") or []:
            if condition.get("type") == REPLICA_FAILURE and condition.get("status") == "True":
                stamp = condition.get("lastTransitionTime")
                return {"type": REPLICA_FAILURE, "status": "True", "lastUpdateTime": stamp,
                        "lastTransitionTime": stamp, "reason": condition.get("reason"),
                        "message": condition.get("message")}
    return None


def stuck_requeue_after(deployment: Obj, status: Mapping[str, Any], now: float
                        ) -> float | None:
    """`requeueStuckDeployment`: when to look again for a missed progress deadline
    (None: no need to)."""
    current = get_condition(_status(deployment), PROGRESSING)
    if not has_progress_deadline(deployment) or current is None:
        return None
    if deployment_complete(deployment, status) or current.get("reason") == TIMED_OUT:
        return None
    since = cluster_seconds(current.get("lastUpdateTime"))
    if since is None:
        return None
    after = since + int(_spec(deployment)["progressDeadlineSeconds"]) - now
    if after < 1.0:
        return 1.0
    return after + 1.0
