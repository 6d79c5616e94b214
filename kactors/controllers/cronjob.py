"""The CronJob controller: makes a Job at each time a CronJob's schedule names.

After Kubernetes' ``pkg/controller/cronjob`` (the v2 controller). For each CronJob:

* its Jobs (controlled by it) are matched with ``status.active``: a finished Job leaves
  it (``SawCompletedJob``; a Complete one moves ``lastSuccessfulTime``), one that is gone
  is dropped (``MissingJob``); an unfinished one it did not make (``kubectl create job
  --from=cronjob/...``) is only told of (``UnexpectedJob``);
* finished Jobs beyond ``successfulJobsHistoryLimit`` (3) and ``failedJobsHistoryLimit``
  (1) are deleted, oldest first;
* unless it is suspended or being deleted, the most recent schedule time since its last
  one (or its creation; no earlier than ``startingDeadlineSeconds`` ago) is due: too
  late for its deadline, it is missed (``MissSchedule``); with ``concurrencyPolicy:
  Forbid`` and a Job still running, it waits (``JobAlreadyActive``); with ``Replace`` the
  running Jobs are deleted first; then the Job ``<cronjob>-<minutes since 1970>`` is
  created from ``jobTemplate`` (``SuccessfulCreate``) and ``lastScheduleTime`` set;
* it looks again at the next schedule time.

Times follow the CronJob's ``timeZone`` (UTC by default: the controller-manager's zone).
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from kactors.api.cron import CronError, CronSchedule, parse_cron, schedule_times, time_zone
from kactors.api.meta import controller_of
from kactors.api.meta import metadata_of as _meta
from kactors.apiserver.objects import cluster_epoch
from kactors.client.errors import AlreadyExists, NotFound
from kactors.client.result import Result
from kactors.controllers.base import Controller
from kactors.controllers.jobutil import COMPLETE, find_condition, is_job_finished
from kactors.controllers.podutil import cluster_seconds, now_timestamp

__all__ = ["SCHEDULED_TIMESTAMP", "CronJobController", "job_name_for"]

Obj = Mapping[str, Any]
#: the annotation a Job made for a schedule time gets (Kubernetes 1.28+)
SCHEDULED_TIMESTAMP = "batch.kubernetes.io/cronjob-scheduled-timestamp"
#: more missed schedule times than this and the CronJob gets a warning
_TOO_MANY_MISSED = 100


def job_name_for(cronjob: Obj, scheduled: datetime.datetime) -> str:
    """``getJobName``: the CronJob's name and the scheduled minute (since 1970)."""
    return f"{cronjob['metadata']['name']}-{int(scheduled.timestamp()) // 60}"


def _reference(job: Obj) -> dict[str, Any]:
    meta = _meta(job)
    return {"apiVersion": "batch/v1", "kind": "Job", "name": meta["name"],
            "namespace": meta.get("namespace"), "uid": meta.get("uid"),
            "resourceVersion": meta.get("resourceVersion")}


def _started(job: Obj) -> str:
    return (job.get("status") or {}).get("startTime") or _meta(job).get(
        "creationTimestamp") or ""


class CronJobController(Controller):
    """Creates each CronJob's Jobs on schedule and keeps its status and history."""

    watches = "batch/v1/CronJob"
    owns: ClassVar[Sequence[str]] = ("batch/v1/Job",)
    workers = 5
    component = "cronjob-controller"

    async def setup(self) -> None:
        self.jobs = self.lister("batch/v1/Job")

    def _at(self, seconds: float, zone: datetime.tzinfo) -> datetime.datetime:
        return (cluster_epoch() + datetime.timedelta(seconds=seconds)).astimezone(zone)

    async def reconcile(self, key: str) -> Result | None:
        cronjob = self.cache.get(key)
        if cronjob is None:
            return None
        meta, spec = _meta(cronjob), cronjob.get("spec") or {}
        namespace, uid = meta.get("namespace", ""), meta.get("uid")
        now = self.ctx.now()
        jobs = [job for job in self.jobs.list(namespace)
                if (controller_of(job) or {}).get("uid") == uid]
        status = dict(cronjob.get("status") or {})
        self._sync_active(cronjob, jobs, status)
        await self._clean_history(cronjob, jobs, spec)
        zone = time_zone(spec.get("timeZone"))
        schedule: CronSchedule | None = None
        try:
            schedule = parse_cron(str(spec.get("schedule") or ""))
        except CronError as error:
            self.record_event(cronjob, "Warning", "UnparseableSchedule",
                              f"unparseable schedule: {spec.get('schedule')!r} : {error}")
        if zone is None:
            self.record_event(cronjob, "Warning", "UnknownTimeZone",
                              f"invalid timeZone: {spec.get('timeZone')!r}")
        if meta.get("deletionTimestamp") or spec.get("suspend") or schedule is None or \
                zone is None:
            await self._write(cronjob, status)
            return None
        now_at = self._at(now, zone)
        earliest = cluster_seconds(status.get("lastScheduleTime") or
                                   meta.get("creationTimestamp")) or 0.0
        deadline = spec.get("startingDeadlineSeconds")
        if isinstance(deadline, int):
            earliest = max(earliest, now - deadline)
        missed = schedule_times(schedule, self._at(earliest, zone), now_at, 10_000)
        next_at = schedule.next_after(now_at)
        requeue = Result(requeue_after=(next_at - now_at).total_seconds() + 0.1) \
            if next_at is not None else None
        if not missed:
            await self._write(cronjob, status)
            return requeue
        if len(missed) > _TOO_MANY_MISSED:
            self.record_event(cronjob, "Warning", "TooManyMissedTimes",
                              f"too many missed start times: {len(missed)}. Set or decrease "
                              ".spec.startingDeadlineSeconds or check clock skew")
        scheduled = missed[-1]
        if isinstance(deadline, int) and scheduled + datetime.timedelta(
                seconds=deadline) < now_at:
            self.record_event(cronjob, "Warning", "MissSchedule",
                              "Missed scheduled time to start a job: "
                              f"{scheduled.isoformat()}")
            await self._write(cronjob, status)
            return requeue
        name = job_name_for(cronjob, scheduled)
        active = status.get("active") or []
        if any(ref.get("name") == name for ref in active) or \
                any(_meta(job)["name"] == name for job in jobs):
            await self._write(cronjob, status)
            return requeue
        policy = spec.get("concurrencyPolicy") or "Allow"
        if policy == "Forbid" and active:
            self.record_event(cronjob, "Normal", "JobAlreadyActive",
                              "Not starting job because prior execution is running and "
                              "concurrency policy is Forbid")
            await self._write(cronjob, status)
            return requeue
        if policy == "Replace":
            for ref in list(active):
                try:
                    await self.client.delete("batch/v1/Job", ref["name"], namespace,
                                             propagation_policy="Background")
                except NotFound:
                    pass
                self.record_event(cronjob, "Normal", "SuccessfulDelete",
                                  f"Deleted job {ref['name']}")
            status["active"] = active = []
        job = await self._create_job(cronjob, name, scheduled)
        if job is not None:
            status["active"] = [*active, _reference(job)]
        status["lastScheduleTime"] = now_timestamp(
            (scheduled - cluster_epoch()).total_seconds())
        await self._write(cronjob, status)
        return requeue

    def _sync_active(self, cronjob: Obj, jobs: Sequence[Obj], status: dict[str, Any]
                     ) -> None:
        """``status.active`` made to match the CronJob's Jobs (see the module doc)."""
        active = list(status.get("active") or [])
        by_uid = {_meta(job).get("uid"): job for job in jobs}
        listed = {ref.get("uid") for ref in active}
        for job in jobs:  # only told, as Kubernetes does (kubectl create job --from)
            if _meta(job).get("uid") not in listed and not is_job_finished(job):
                self.record_event(cronjob, "Warning", "UnexpectedJob",
                                  "Saw a job that the controller did not create or forgot: "
                                  f"{_meta(job)['name']}")
        kept = []
        for ref in active:
            job = by_uid.get(ref.get("uid"))
            if job is None:
                self.record_event(cronjob, "Normal", "MissingJob",
                                  f"Active job went missing: {ref.get('name')}")
                continue
            if is_job_finished(job):
                complete = (find_condition(job, COMPLETE) or {}).get("status") == "True"
                self.record_event(cronjob, "Normal", "SawCompletedJob",
                                  f"Saw completed job: {ref.get('name')}, status: "
                                  f"{'Complete' if complete else 'Failed'}")
                if complete:
                    done = (job.get("status") or {}).get("completionTime")
                    if done and done > (status.get("lastSuccessfulTime") or ""):
                        status["lastSuccessfulTime"] = done
                continue
            kept.append(ref)
        if kept:
            status["active"] = kept
        else:
            status.pop("active", None)

    async def _clean_history(self, cronjob: Obj, jobs: Sequence[Obj], spec: Obj) -> None:
        """Finished Jobs beyond the history limits go, oldest first."""
        for complete, limit_key in ((True, "successfulJobsHistoryLimit"),
                                    (False, "failedJobsHistoryLimit")):
            limit = spec.get(limit_key)
            if not isinstance(limit, int):
                continue
            finished = sorted(
                (job for job in jobs if is_job_finished(job) and not _meta(job).get(
                    "deletionTimestamp") and ((find_condition(job, COMPLETE) or {}).get(
                        "status") == "True") == complete), key=_started)
            for job in finished[:max(0, len(finished) - limit)]:
                try:
                    await self.client.delete("batch/v1/Job", _meta(job)["name"],
                                             _meta(job).get("namespace"),
                                             propagation_policy="Background")
                except NotFound:
                    continue
                self.record_event(cronjob, "Normal", "SuccessfulDelete",
                                  f"Deleted job {_meta(job)['name']}")

    async def _create_job(self, cronjob: Obj, name: str, scheduled: datetime.datetime
                          ) -> dict[str, Any] | None:
        """``getJobFromTemplate2`` and its create; None if it exists already."""
        template = (cronjob.get("spec") or {}).get("jobTemplate") or {}
        template_meta = template.get("metadata") or {}
        meta = _meta(cronjob)
        job = {"apiVersion": "batch/v1", "kind": "Job",
               "metadata": {"name": name, "namespace": meta.get("namespace"),
                            "labels": dict(template_meta.get("labels") or {}),
                            "annotations": {**(template_meta.get("annotations") or {}),
                                            SCHEDULED_TIMESTAMP: scheduled.isoformat()},
                            "ownerReferences": [self.owner_reference(cronjob)]},
               "spec": dict(template.get("spec") or {})}
        if not job["metadata"]["labels"]:
            del job["metadata"]["labels"]
        try:
            created = await self.client.create(job)
        except AlreadyExists:
            return None
        self.record_event(cronjob, "Normal", "SuccessfulCreate", f"Created job {name}")
        self.ctx.log.info("cronjob.job_created", cronjob=f"{meta.get('namespace')}/"
                          f"{meta['name']}", job=name, scheduled=scheduled.isoformat())
        return created

    async def _write(self, cronjob: Obj, status: dict[str, Any]) -> None:
        if status != (cronjob.get("status") or {}):
            await self.client.update_status({**cronjob, "status": status})
