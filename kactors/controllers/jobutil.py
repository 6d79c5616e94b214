"""What the Job controller decides, as pure functions over Job and pod dicts (no I/O).

After Kubernetes' `pkg/controller/job` (`job_controller.go`, `backoff_utils.go`,
`indexed_job_utils.go`), as of 1.32:

* a pod *counts* once: the controller puts the job-tracking finalizer on every pod it
  creates, records a finished pod's uid in `status.uncountedTerminatedPods`, removes the
  finalizer, and only then moves it to `succeeded` / `failed`. A pod deleted before it
  finished counts as failed (`isPodFailed`), which is why the finalizer exists: a pod that
  vanished unseen would otherwise never be counted;
* a failing Job waits before it replaces a failed pod: 10 s after the last failure, doubled
  for every further failure since the last success, at most 6 minutes;
* a Job finishes in two steps: an interim condition (`SuccessCriteriaMet` or
  `FailureTarget`) as soon as the outcome is known, then `Complete` or `Failed` once no
  pod is left terminating and every finished pod is counted.

Times are cluster seconds (see `podutil.cluster_seconds`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import attrs

from kactors.api.meta import metadata_of as _meta
from kactors.api.meta import spec_of as _spec
from kactors.api.meta import status_of as _status
from kactors.controllers.podutil import (
    cluster_seconds,
    is_pod_active,
    is_pod_ready,
    now_timestamp,
    pod_ready_condition,
)

__all__ = [
    "COMPLETION_INDEX",
    "DEFAULT_BACKOFF",
    "MAX_BACKOFF",
    "TRACKING_FINALIZER",
    "BackoffRecord",
    "active_pods",
    "completed_indexes",
    "count_ready",
    "duplicate_index_pods",
    "ensure_condition",
    "find_condition",
    "finish_condition",
    "first_pending_indexes",
    "format_indexes",
    "has_tracking_finalizer",
    "is_indexed",
    "is_job_finished",
    "is_pod_failed",
    "is_pod_terminating",
    "is_suspended",
    "job_finish_time",
    "new_backoff_record",
    "new_condition",
    "parse_indexes",
    "past_active_deadline",
    "past_backoff_limit_on_failure",
    "pod_completion_index",
    "pod_finished_time",
    "remaining_backoff",
    "want_active",
]

Obj = Mapping[str, Any]

#: `batch.kubernetes.io/job-tracking`: a pod is not gone before the Job counted it
TRACKING_FINALIZER = "batch.kubernetes.io/job-tracking"
#: annotation (and label) holding an Indexed Job pod's completion index
COMPLETION_INDEX = "batch.kubernetes.io/job-completion-index"
#: `DefaultJobPodFailureBackOff` and `MaxJobPodFailureBackOff`
DEFAULT_BACKOFF = 10.0
MAX_BACKOFF = 360.0

#: condition types, reasons and messages of Kubernetes 1.32
COMPLETE, FAILED = "Complete", "Failed"
SUCCESS_CRITERIA_MET, FAILURE_TARGET = "SuccessCriteriaMet", "FailureTarget"
SUSPENDED = "Suspended"
COMPLETIONS_REACHED = ("CompletionsReached", "Reached expected number of succeeded pods")
BACKOFF_LIMIT_EXCEEDED = ("BackoffLimitExceeded", "Job has reached the specified backoff limit")
DEADLINE_EXCEEDED = ("DeadlineExceeded", "Job was active longer than specified deadline")








# -- the Job ------------------------------------------------------------------------------------
def find_condition(job: Obj, type_: str) -> Mapping[str, Any] | None:
    for condition in _status(job).get("conditions") or []:
        if condition.get("type") == type_:
            return condition
    return None


def _true(condition: Mapping[str, Any] | None) -> bool:
    return condition is not None and condition.get("status") == "True"


def is_job_finished(job: Obj) -> bool:
    """`IsJobFinished`: a Complete or Failed condition is True."""
    return _true(find_condition(job, COMPLETE)) or _true(find_condition(job, FAILED))


def job_finish_time(job: Obj) -> float | None:
    """When the Job finished (its Complete/Failed condition's lastTransitionTime), as the
    TTL-after-finished controller reads it; None if it has not finished."""
    for type_ in (COMPLETE, FAILED):
        condition = find_condition(job, type_)
        if _true(condition):
            return cluster_seconds((condition or {}).get("lastTransitionTime"))
    return None


def is_suspended(job: Obj) -> bool:
    return bool(_spec(job).get("suspend"))


def is_indexed(job: Obj) -> bool:
    return _spec(job).get("completionMode") == "Indexed"


def new_condition(type_: str, status: str, reason: str, message: str,
                  now: float) -> dict[str, Any]:
    moment = now_timestamp(now)
    return {"type": type_, "status": status, "lastProbeTime": moment,
            "lastTransitionTime": moment, "reason": reason, "message": message}


def ensure_condition(conditions: list[dict[str, Any]], type_: str, status: str, reason: str,
                     message: str, now: float) -> bool:
    """`ensureJobConditionStatus`: set the condition of `type_` in place (a False one is
    never added, only updated to). Returns whether anything changed."""
    for index, condition in enumerate(conditions):
        if condition.get("type") == type_:
            if (condition.get("status"), condition.get("reason"),
                    condition.get("message")) == (status, reason, message):
                return False
            conditions[index] = new_condition(type_, status, reason, message, now)
            return True
    if status == "False":
        return False
    conditions.append(new_condition(type_, status, reason, message, now))
    return True


def finish_condition(interim: Mapping[str, Any]) -> str:
    """The final condition type an interim one leads to."""
    return COMPLETE if interim.get("type") == SUCCESS_CRITERIA_MET else FAILED


def past_active_deadline(job: Obj, now: float) -> bool:
    """`pastActiveDeadline`: running for `activeDeadlineSeconds` or longer (never while
    suspended, never before it started)."""
    deadline = _spec(job).get("activeDeadlineSeconds")
    started = cluster_seconds(_status(job).get("startTime"))
    if deadline is None or started is None or is_suspended(job):
        return False
    return now - started >= int(deadline)


def past_backoff_limit_on_failure(job: Obj, pods: Sequence[Obj]) -> bool:
    """`pastBackoffLimitOnFailure`: with `restartPolicy: OnFailure` the kubelet restarts
    failed containers in place, so their restarts (of pods still Pending or Running) count
    against `backoffLimit` instead of failed pods."""
    template_spec = _spec(_spec(job).get("template") or {})
    if template_spec.get("restartPolicy") != "OnFailure":
        return False
    restarts = 0
    for pod in pods:
        if _status(pod).get("phase") in ("Running", "Pending"):
            for field in ("initContainerStatuses", "containerStatuses"):
                restarts += sum(int(s.get("restartCount") or 0)
                                for s in _status(pod).get(field) or [])
    limit = int(_spec(job).get("backoffLimit", 6))
    return restarts > 0 if limit == 0 else restarts >= limit


def want_active(job: Obj, active: int, succeeded: int) -> int:
    """How many pods should run now (`manageJob`): `parallelism`, never more than the
    completions still missing; a Job without `completions` (a work queue) starts no
    more pods once one succeeded."""
    spec = _spec(job)
    parallelism = int(spec.get("parallelism", 1))
    completions = spec.get("completions")
    if completions is None:
        return active if succeeded > 0 else parallelism
    return max(0, min(int(completions) - succeeded, parallelism))


# -- pods ---------------------------------------------------------------------------------------
def has_tracking_finalizer(pod: Obj) -> bool:
    return TRACKING_FINALIZER in (_meta(pod).get("finalizers") or [])


def is_pod_failed(pod: Obj) -> bool:
    """`isPodFailed` (podReplacementPolicy TerminatingOrFailed): Failed, or being deleted
    before it succeeded (an evicted or deleted pod never runs to its end)."""
    phase = _status(pod).get("phase")
    if phase == "Failed":
        return True
    return bool(_meta(pod).get("deletionTimestamp")) and phase != "Succeeded"


def is_pod_terminating(pod: Obj) -> bool:
    """`CountTerminatingPods`: being deleted and not yet Succeeded or Failed."""
    return bool(_meta(pod).get("deletionTimestamp")) and \
        _status(pod).get("phase") not in ("Succeeded", "Failed")


def pod_finished_time(pod: Obj) -> float:
    """`getFinishedTime`: the last container's finishedAt, else when Ready turned False,
    else when the deletion began (minus its grace period), else the creation time."""
    latest: float | None = None
    statuses = _status(pod).get("containerStatuses") or []
    for status in statuses:
        finished = cluster_seconds(((status.get("state") or {}).get("terminated") or {})
                                   .get("finishedAt"))
        if finished is None:
            latest = None
            break
        latest = finished if latest is None else max(latest, finished)
    if latest is not None:
        return latest
    ready = pod_ready_condition(pod)
    if ready is not None and ready.get("status") == "False":
        since = cluster_seconds(ready.get("lastTransitionTime"))
        if since is not None:
            return since
    deleted = cluster_seconds(_meta(pod).get("deletionTimestamp"))
    if deleted is not None:
        return deleted - int(_meta(pod).get("deletionGracePeriodSeconds") or 0)
    return cluster_seconds(_meta(pod).get("creationTimestamp")) or 0.0


def count_ready(pods: Iterable[Obj]) -> int:
    return sum(1 for pod in pods if is_pod_ready(pod))


def active_pods(pods: Iterable[Obj]) -> list[Obj]:
    return [pod for pod in pods if is_pod_active(pod)]


# -- backoff between pod re-creations ------------------------------------------------------------
@attrs.frozen
class BackoffRecord:
    """Failures since the last success and when the last one happened (`backoffRecord`)."""

    failures: int = 0
    last_failure: float | None = None


def new_backoff_record(old: BackoffRecord, succeeded: Sequence[Obj],
                       failed: Sequence[Obj]) -> BackoffRecord:
    """`newBackoffRecord`: `old` updated with newly finished pods. A success resets the
    count; failures after the latest success add up."""
    if not failed:
        return BackoffRecord() if succeeded else old
    failed_times = sorted(pod_finished_time(pod) for pod in failed)
    if not succeeded:
        return BackoffRecord(old.failures + len(failed_times), failed_times[-1])
    last_success = max(pod_finished_time(pod) for pod in succeeded)
    later = [moment for moment in failed_times if moment > last_success]
    return BackoffRecord(len(later), later[-1] if later else None)


def remaining_backoff(record: BackoffRecord, now: float, base: float = DEFAULT_BACKOFF,
                      cap: float = MAX_BACKOFF) -> float:
    """Seconds to wait before creating a pod: `base` after one failure, doubled per
    further failure, at most `cap`, counted from the last failure."""
    if record.failures == 0 or record.last_failure is None:
        return 0.0
    delay = base
    for _ in range(1, record.failures):
        delay *= 2
        if delay >= cap:
            delay = cap
            break
    return max(0.0, delay - (now - record.last_failure))


# -- Indexed Jobs --------------------------------------------------------------------------------
def pod_completion_index(pod: Obj) -> int | None:
    """The pod's completion index (annotation, then label); None if missing or invalid."""
    for source in (_meta(pod).get("annotations") or {}, _meta(pod).get("labels") or {}):
        value = source.get(COMPLETION_INDEX)
        if value is not None:
            try:
                index = int(value)
            except ValueError:
                return None
            return index if index >= 0 else None
    return None


def parse_indexes(text: str | None, completions: int) -> set[int]:
    """`parseIndexesFromString`: "0-2,5" -> {0, 1, 2, 5}, below `completions` only."""
    found: set[int] = set()
    for part in (text or "").split(","):
        if not part:
            continue
        first, _, last = part.partition("-")
        try:
            low, high = int(first), int(last or first)
        except ValueError:
            continue
        found.update(i for i in range(low, high + 1) if i < completions)
    return found


def format_indexes(indexes: Iterable[int]) -> str:
    """`succeededIndexes.String()`: sorted, runs as ranges: {0, 1, 2, 5} -> "0-2,5"."""
    parts: list[str] = []
    ordered = sorted(set(indexes))
    start = previous = None
    for index in [*ordered, None]:
        if start is not None and (index is None or index != previous + 1):
            parts.append(str(start) if start == previous else f"{start}-{previous}")
            start = None
        if index is not None and start is None:
            start = index
        previous = index
    return ",".join(parts)


def completed_indexes(job: Obj, pods: Sequence[Obj]) -> set[int]:
    """The recorded `completedIndexes` plus the indexes of succeeded pods."""
    completions = int(_spec(job).get("completions") or 0)
    indexes = parse_indexes(_status(job).get("completedIndexes"), completions)
    for pod in pods:
        index = pod_completion_index(pod)
        if _status(pod).get("phase") == "Succeeded" and index is not None and index < completions:
            indexes.add(index)
    return indexes


def first_pending_indexes(job: Obj, active: Sequence[Obj], succeeded: set[int],
                          count: int) -> list[int]:
    """`firstPendingIndexes`: the lowest `count` indexes neither succeeded nor running."""
    completions = int(_spec(job).get("completions") or 0)
    taken = set(succeeded) | {i for i in map(pod_completion_index, active) if i is not None}
    return [i for i in range(completions) if i not in taken][:count]


def duplicate_index_pods(job: Obj, active: Sequence[Obj]) -> list[Obj]:
    """`appendDuplicatedIndexPodsForRemoval`: active pods of an Indexed Job without a
    valid index, or a second pod for one index (the first one of each index stays)."""
    completions = int(_spec(job).get("completions") or 0)
    seen: set[int] = set()
    extra = []
    for pod in active:
        index = pod_completion_index(pod)
        if index is None or index >= completions or index in seen:
            extra.append(pod)
        else:
            seen.add(index)
    return extra
