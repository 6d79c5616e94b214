"""The TTL-after-finished controller: deletes finished Jobs once their time is up.

After Kubernetes' `pkg/controller/ttlafterfinished`. A Job with
`spec.ttlSecondsAfterFinished` that is Complete or Failed is deleted that many seconds
after it finished (the lastTransitionTime of its Complete/Failed condition), with
`propagationPolicy: Background`: the Job goes at once and the garbage collector removes
its pods afterwards. Before deleting, the Job is read again from the apiserver (not the
cache): a TTL changed in the meantime is honoured, and the delete carries the uid and
resourceVersion read as preconditions, so a Job re-created under the same name, or
changed since, is never deleted by mistake.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kactors.client.errors import Conflict, NotFound
from kactors.client.result import Result
from kactors.controllers.base import Controller
from kactors.controllers.jobutil import is_job_finished, job_finish_time

__all__ = ["TTLAfterFinishedController", "expires_in"]

Obj = Mapping[str, Any]


def expires_in(job: Obj, now: float) -> float | None:
    """Seconds until `job` must be deleted (<= 0: now); None when it never expires: no
    TTL, not finished, or already being deleted (`needsCleanup`, `timeLeft`)."""
    ttl = (job.get("spec") or {}).get("ttlSecondsAfterFinished")
    meta = job.get("metadata") or {}
    if ttl is None or meta.get("deletionTimestamp") or not is_job_finished(job):
        return None
    finished = job_finish_time(job)
    if finished is None:
        return None
    return finished + int(ttl) - now


class TTLAfterFinishedController(Controller):
    """Deletes each finished Job `ttlSecondsAfterFinished` after it finished."""

    watches = "batch/v1/Job"
    workers = 5
    component = "ttl-after-finished-controller"

    async def reconcile(self, key: str) -> Result | None:
        job = self.cache.get(key)
        if job is None:
            return None
        left = expires_in(job, self.ctx.now())
        if left is None:
            return None
        if left > 0:
            return Result(requeue_after=left)
        meta = job.get("metadata") or {}
        namespace, name = meta.get("namespace"), meta["name"]
        try:
            fresh = await self.client.get("batch/v1/Job", name, namespace)
        except NotFound:
            return None
        left = expires_in(fresh, self.ctx.now())
        if left is None:
            return None
        if left > 0:
            return Result(requeue_after=left)
        fresh_meta = fresh.get("metadata") or {}
        try:
            await self.client.delete(
                "batch/v1/Job", name, namespace, propagation_policy="Background",
                preconditions={"uid": fresh_meta.get("uid"),
                               "resourceVersion": fresh_meta.get("resourceVersion")})
        except NotFound:
            return None
        except Conflict:
            raise  # changed since we read it: look again (the retry reads it afresh)
        ttl = (fresh.get("spec") or {}).get("ttlSecondsAfterFinished")
        self.ctx.log.info("ttlafterfinished.job_deleted", job=key, ttl_seconds=ttl,
                          finished_at=job_finish_time(fresh))
        return None
