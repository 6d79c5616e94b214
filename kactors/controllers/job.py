"""The Job controller: runs pods until enough of them succeeded, or gives up.

After Kubernetes' `pkg/controller/job/job_controller.go` (`syncJob`, 1.32). One
reconcile of a Job that has not finished:

1. claims its pods (`refmanager`) and sorts them: active (running or pending), finished
   but not yet counted (they still carry the `batch.kubernetes.io/job-tracking`
   finalizer), counted;
2. decides whether the Job failed: more failed pods than `backoffLimit` (with
   `restartPolicy: OnFailure`, container restarts count instead: `jobutil`), or running
   longer than `activeDeadlineSeconds`. Then the interim `FailureTarget` condition is set
   and the active pods are deleted;
3. otherwise creates pods up to `parallelism` (never more than the completions still
   missing), waiting out the backoff after failures (10 s, doubled per failure, at most
   6 min), or deletes extra ones; once `completions` pods succeeded, the interim
   `SuccessCriteriaMet` condition is set;
4. counts finished pods: their uids go to `status.uncountedTerminatedPods`, then their
   tracking finalizer is removed, then they move to `succeeded` / `failed` (so that a pod
   is counted exactly once even if the controller restarts between the steps);
5. once every finished pod is counted and none is terminating, turns the interim
   condition into `Complete` (with `completionTime`) or `Failed`, and records the event.

Pods are named `<job>-<5 random characters>` (`<job>-<index>-...` for an Indexed Job),
carry the labels the apiserver put on the template (`batch.kubernetes.io/controller-uid`,
`batch.kubernetes.io/job-name` and their legacy forms) and a controller ownerReference.
Events: `SuccessfulCreate` "Created pod: <name>", `SuccessfulDelete` "Deleted pod: <name>",
`Completed` "Job completed", `BackoffLimitExceeded` / `DeadlineExceeded` with Kubernetes'
messages, `Suspended` / `Resumed`.

Left out: podFailurePolicy, successPolicy, backoffLimitPerIndex, managedBy, the
`terminating`-aware podReplacementPolicy `Failed`, and the batching of pod events (each
event reconciles at once).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import trio

from kactors.api.labels import SelectorError, selector_from_label_selector
from kactors.api.meta import controller_of, deep_copy, new_controller_ref
from kactors.api.meta import metadata_of as _meta
from kactors.client.errors import ApiError, NotFound
from kactors.client.informer import ADD, DELETE, InformerEvent
from kactors.client.result import Result, TerminalError
from kactors.controllers import jobutil as ju
from kactors.controllers.base import Controller, ControllerConfig
from kactors.controllers.expectations import EXPECTATIONS_TIMEOUT, Expectations
from kactors.controllers.podutil import (
    cluster_seconds,
    is_pod_ready,
    now_timestamp,
    pod_from_template,
    rank_pods_for_deletion,
)
from kactors.controllers.refmanager import claim, plan_claims

__all__ = ["JobController"]

Obj = Mapping[str, Any]
STRATEGIC = "application/strategic-merge-patch+json"
#: `MaxPodCreateDeletePerSync`
MAX_POD_CREATE_DELETE = 500
#: `syncJobBatchPeriod`: the shortest wait before a delayed re-sync
SYNC_BATCH_PERIOD = 1.0




def _key(obj: Obj) -> str:
    meta = _meta(obj)
    return f"{meta.get('namespace')}/{meta['name']}"


def _uid(obj: Obj) -> str:
    return str(_meta(obj).get("uid") or "")


def _finalizer_patch(pod: Obj) -> dict[str, Any]:
    """`removeTrackingFinalizerPatch`, with the pod's uid so that a pod re-created under
    the same name is never touched."""
    return {"metadata": {"uid": _uid(pod),
                         "$deleteFromPrimitiveList/finalizers": [ju.TRACKING_FINALIZER]}}


class JobController(Controller):
    """Creates the pods of every Job and tracks them until the Job completes or fails."""

    watches = "batch/v1/Job"
    owns: ClassVar[Sequence[str]] = ["v1/Pod"]
    workers = 5
    component = "job-controller"

    def __init__(self, config: ControllerConfig,
                 expectations_timeout: float = EXPECTATIONS_TIMEOUT) -> None:
        super().__init__(config)
        self.expectations = Expectations(expectations_timeout)
        #: job key -> uids of pods whose finalizer removal the cache has not shown yet
        #: (`finalizerExpectations`): they are counted already, never count them again
        self.removing: dict[str, set[str]] = {}
        #: job key -> failures since the last success (`podBackoffStore`)
        self.backoff: dict[str, ju.BackoffRecord] = {}
        #: job key -> the backoff last logged (one `job.backoff` line per failure)
        self.backoff_logged: dict[str, ju.BackoffRecord] = {}
        #: job key -> resourceVersion of our last status write: a cache older than that
        #: would count pods twice or too few (read your own writes)
        self.written: dict[str, int] = {}
        #: job key -> uid of a Job just deleted: its pods lose their finalizer
        self.deleted: dict[str, str] = {}

    async def setup(self) -> None:
        self.pods = self.lister("v1/Pod")

    # -- events -> keys, and expectations observed ------------------------------------------------
    def map_event(self, event: InformerEvent) -> list[str]:
        if event.kind == self.kind:
            if event.type == DELETE and event.obj is not None:
                self.expectations.forget(event.key)
                self.deleted[event.key] = _uid(event.obj)
            return [event.key]
        if event.kind != "Pod":
            return []
        keys = super().map_event(event)
        pod = event.obj
        if pod is None:
            return keys
        deleting = event.type == DELETE or bool(_meta(pod).get("deletionTimestamp"))
        for key in keys:
            if event.type == ADD and not deleting:
                self.expectations.creation_observed(key)
            if deleting:
                self.expectations.deletion_observed(key, _key(pod))
            if event.type == DELETE or not ju.has_tracking_finalizer(pod):
                self.removing.get(key, set()).discard(_uid(pod))
        return keys

    # -- reconcile ----------------------------------------------------------------------------------
    async def reconcile(self, key: str) -> Result | None:
        cached = self.cache.get(key)
        if cached is None:
            self.expectations.forget(key)
            self.backoff.pop(key, None)
            self.backoff_logged.pop(key, None)
            self.removing.pop(key, None)
            self.written.pop(key, None)
            uid = self.deleted.pop(key, None)
            if uid:
                namespace, _, name = key.partition("/")
                await self._remove_finalizers(namespace, name, uid)
            return None
        if _revision(cached) < self.written.get(key, 0):
            return None  # the watch event of our own write is on its way: it requeues
        if ju.is_job_finished(cached):
            # done; a backup for finalizers a crash left behind (`cleanupPodFinalizers`)
            self.backoff.pop(key, None)
            self.backoff_logged.pop(key, None)
            meta = _meta(cached)
            await self._remove_finalizers(meta.get("namespace", ""), meta["name"], _uid(cached))
            return None
        mode = (cached.get("spec") or {}).get("completionMode") or "NonIndexed"
        if mode not in ("NonIndexed", "Indexed"):
            self.record_event(cached, "Warning", "UnknownCompletionMode",
                              "Skipped Job sync because completion mode is unknown")
            return None
        return await _Sync(self, key, cached).run()

    # -- pods ---------------------------------------------------------------------------------------
    async def claim_pods(self, job: Obj) -> list[Obj]:
        """`getPodsForJob`: every pod of the namespace this Job controls (finished ones
        too), adopting orphans its selector matches."""
        try:
            selector = selector_from_label_selector((job.get("spec") or {}).get("selector"))
        except SelectorError as error:
            raise TerminalError(error) from error
        plan = plan_claims(job, selector, self.pods.list(_meta(job).get("namespace", "")))
        if not plan.adopt and not plan.release:
            return plan.claimed
        return await claim(self.client, job, plan)

    async def create_pod(self, job: Obj, index: int | None) -> str:
        """`CreatePodsWithGenerateName`: one pod from the template, with the tracking
        finalizer (and, in an Indexed Job, its index); returns its name."""
        meta = _meta(job)
        name = meta["name"]
        template = deep_copy(dict((job.get("spec") or {}).get("template") or {}))
        template_meta = template.setdefault("metadata", {})
        finalizers = list(template_meta.get("finalizers") or [])
        if ju.TRACKING_FINALIZER not in finalizers:
            finalizers.append(ju.TRACKING_FINALIZER)
        template_meta["finalizers"] = finalizers
        prefix = f"{name}-"
        if index is not None:
            _add_index(template, name, index)
            prefix = f"{name}-{index}-"
        pod = pod_from_template(template, "", meta.get("namespace", ""), new_controller_ref(job))
        del pod["metadata"]["name"]
        pod["metadata"]["generateName"] = prefix
        try:
            created = await self.client.create(pod)
        except ApiError as error:
            self.record_event(job, "Warning", "FailedCreate", f"Error creating: {error}")
            raise
        pod_name = created["metadata"]["name"]
        self.record_event(job, "Normal", "SuccessfulCreate", f"Created pod: {pod_name}")
        self.ctx.log.info("job.pod_created", job=_key(job), pod=pod_name,
                          **({"index": index} if index is not None else {}))
        return pod_name

    async def delete_pod(self, job: Obj, pod: Obj, *, keep_finalizer: bool) -> bool:
        """Delete `pod` (first removing its tracking finalizer unless `keep_finalizer`:
        then it is counted as failed when the Job sees it terminating). Returns whether the
        pod is going away (a pod already gone counts)."""
        meta = _meta(pod)
        try:
            if not keep_finalizer and ju.has_tracking_finalizer(pod):
                await self.client.patch("v1/Pod", meta["name"], _finalizer_patch(pod),
                                        meta.get("namespace"), patch_type=STRATEGIC)
            await self.client.delete("v1/Pod", meta["name"], meta.get("namespace"))
        except NotFound:
            return True
        except ApiError as error:
            self.record_event(job, "Warning", "FailedDelete", f"Error deleting: {error}")
            return False
        self.record_event(job, "Normal", "SuccessfulDelete", f"Deleted pod: {meta['name']}")
        return True

    async def remove_finalizers(self, key: str, pods: Sequence[Obj]) -> set[str]:
        """Remove the tracking finalizer of `pods` at once; returns the uids done (a pod
        already gone counts as done). The informer will show them without it: until
        then they are `removing`."""
        removing = self.removing.setdefault(key, set())
        done: set[str] = set()
        errors: list[Exception] = []

        async def one(pod: Obj) -> None:
            meta = _meta(pod)
            removing.add(_uid(pod))
            try:
                await self.client.patch("v1/Pod", meta["name"], _finalizer_patch(pod),
                                        meta.get("namespace"), patch_type=STRATEGIC)
            except NotFound:
                removing.discard(_uid(pod))
            except ApiError as error:
                removing.discard(_uid(pod))
                errors.append(error)
                return
            done.add(_uid(pod))

        async with trio.open_nursery() as nursery:
            for pod in pods:
                nursery.start_soon(one, pod)
        if errors:
            raise errors[0]
        return done

    async def _remove_finalizers(self, namespace: str, name: str, uid: str) -> None:
        """Free the pods of a finished or deleted Job from the tracking finalizer
        (`cleanupPodFinalizers`)."""
        removing = self.removing.get(f"{namespace}/{name}", set())
        pods = [pod for pod in self.pods.list(namespace)
                if (controller_of(pod) or {}).get("uid") == uid
                and ju.has_tracking_finalizer(pod) and _uid(pod) not in removing]
        if pods:
            await self.remove_finalizers(f"{namespace}/{name}", pods)


def _add_index(template: dict[str, Any], job_name: str, index: int) -> None:
    """An Indexed Job pod: the completion index as annotation and label, the hostname
    `<job>-<index>` and `JOB_COMPLETION_INDEX` from the annotation."""
    meta = template.setdefault("metadata", {})
    meta["annotations"] = {**(meta.get("annotations") or {}), ju.COMPLETION_INDEX: str(index)}
    meta["labels"] = {**(meta.get("labels") or {}), ju.COMPLETION_INDEX: str(index)}
    spec = template.setdefault("spec", {})
    spec["hostname"] = f"{job_name}-{index}"
    env_var = {"name": "JOB_COMPLETION_INDEX", "valueFrom": {"fieldRef": {
        "fieldPath": f"metadata.annotations['{ju.COMPLETION_INDEX}']"}}}
    for field in ("initContainers", "containers"):
        for container in spec.get(field) or []:
            env = list(container.get("env") or [])
            if not any(e.get("name") == "JOB_COMPLETION_INDEX" for e in env):
                env.append(dict(env_var))
            container["env"] = env


class _Sync:
    """One `syncJob` of one Job: the state it reads and the status it writes."""

    def __init__(self, controller: JobController, key: str, cached: Obj) -> None:
        self.c = controller
        self.key = key
        self.job: dict[str, Any] = deep_copy(dict(cached))
        self.status: dict[str, Any] = self.job.setdefault("status", {})
        self.original = deep_copy(self.status)
        self.now = controller.ctx.now()
        self.delays: list[float] = []
        #: what `job.backoff` will say, if pod creation waits
        self.backoff_note: dict[str, Any] = {}

    @property
    def log(self) -> Any:
        return self.c.ctx.log

    async def run(self) -> Result | None:
        c, job, status, key, now = self.c, self.job, self.status, self.key, self.now
        spec = job.get("spec") or {}
        satisfied = c.expectations.satisfied(key, now)
        pods = await c.claim_pods(job)
        removing = c.removing.get(key, set())
        uncounted = status.get("uncountedTerminatedPods") or {}
        self.uncounted_s = set(uncounted.get("succeeded") or [])
        self.uncounted_f = set(uncounted.get("failed") or [])
        self.pods = pods
        self.tracked = [p for p in pods if ju.has_tracking_finalizer(p) and _uid(p) not in removing]
        active = ju.active_pods(pods)
        self.ready = ju.count_ready(active)
        self.terminating = sum(1 for p in pods if ju.is_pod_terminating(p))
        indexed = ju.is_indexed(job)
        completions = int(spec.get("completions") or 0)
        new_s = [p for p in self.tracked if _uid(p) not in self.uncounted_s
                 and _valid_index(p, indexed, completions)
                 and (p.get("status") or {}).get("phase") == "Succeeded"]
        new_f = [p for p in self.tracked if _uid(p) not in self.uncounted_f
                 and _valid_index(p, indexed, completions) and ju.is_pod_failed(p)]
        succeeded = int(status.get("succeeded") or 0) + len(new_s) + len(self.uncounted_s)
        failed = int(status.get("failed") or 0) + len(new_f) + len(self.uncounted_f)
        if not status.get("startTime") and not ju.is_suspended(job):
            status["startTime"] = now_timestamp(now)
        self.record = ju.new_backoff_record(c.backoff.get(key, ju.BackoffRecord()), new_s, new_f)
        self.succeeded_indexes: set[int] = set()
        if indexed:
            self.succeeded_indexes = ju.completed_indexes(job, pods)
            succeeded = len(self.succeeded_indexes)

        finished = self._known_outcome()
        if finished is None:
            if failed > int(spec.get("backoffLimit", 6)) or \
                    ju.past_backoff_limit_on_failure(job, pods):
                finished = self._failure(*ju.BACKOFF_LIMIT_EXCEEDED)
            elif ju.past_active_deadline(job, now):
                finished = self._failure(*ju.DEADLINE_EXCEEDED)
            elif spec.get("activeDeadlineSeconds") is not None and not ju.is_suspended(job):
                started = cluster_seconds(status.get("startTime")) or now
                self.delays.append(max(0.001, started + int(spec["activeDeadlineSeconds"]) - now))

        error: Exception | None = None
        count = len(active)
        if finished is not None:
            if active and finished["type"] != ju.SUCCESS_CRITERIA_MET:
                self.log.info("job.deleting_active_pods", job=key, reason=finished["reason"],
                              pods=[_meta(p)["name"] for p in active])
            deleted = 0
            for pod in active:
                if await c.delete_pod(job, pod, keep_finalizer=True):
                    deleted += 1
                    self.ready -= is_pod_ready(pod)
            if deleted != count or not satisfied:
                finished = None  # not before every pod is seen going
            self.terminating += deleted
            count -= deleted
        else:
            if satisfied and not _meta(job).get("deletionTimestamp"):
                try:
                    count = await self._manage(active, succeeded)
                except Exception as failure:  # status is written first, then retried
                    error = failure
                    count = len(ju.active_pods(pods))
                self._suspend_condition()
            done = succeeded >= completions if spec.get("completions") is not None \
                else succeeded > 0
            if done and count == 0:
                finished = ju.new_condition(ju.SUCCESS_CRITERIA_MET, "True",
                                            *ju.COMPLETIONS_REACHED, now)
        status["active"] = count
        status["ready"] = self.ready
        status["terminating"] = self.terminating
        await self._track(finished)
        if self.backoff_note:  # after job.pod_failed: the story in order
            self.log.info("job.backoff", job=key, **self.backoff_note)
        if error is not None:
            raise error
        if not satisfied:
            expires = c.expectations.expires_in(key, now)
            if expires is not None:
                self.delays.append(expires + 0.001)
        return Result(requeue_after=min(self.delays)) if self.delays else None

    # -- the outcome --------------------------------------------------------------------------------
    def _known_outcome(self) -> dict[str, Any] | None:
        """An interim condition a previous sync already wrote."""
        met = ju.find_condition(self.job, ju.SUCCESS_CRITERIA_MET)
        if met is not None and met.get("status") == "True":
            return dict(met)
        target = ju.find_condition(self.job, ju.FAILURE_TARGET)
        if target is not None and target.get("status") == "True":
            return dict(target)
        return None

    def _failure(self, reason: str, message: str) -> dict[str, Any]:
        self.log.info("job.failing", job=self.key, reason=reason, message=message)
        return ju.new_condition(ju.FAILURE_TARGET, "True", reason, message, self.now)

    def _suspend_condition(self) -> None:
        """The Suspended condition and events (`manageJob` ran, the Job is not done)."""
        conditions = self.status.setdefault("conditions", [])
        if ju.is_suspended(self.job):
            if ju.ensure_condition(conditions, ju.SUSPENDED, "True", "JobSuspended",
                                   "Job suspended", self.now):
                self.c.record_event(self.job, "Normal", "Suspended", "Job suspended")
                self.log.info("job.suspended", job=self.key)
        elif ju.ensure_condition(conditions, ju.SUSPENDED, "False", "JobResumed",
                                 "Job resumed", self.now):
            self.c.record_event(self.job, "Normal", "Resumed", "Job resumed")
            self.log.info("job.resumed", job=self.key)
            self.status["startTime"] = now_timestamp(self.now)
        if not conditions:
            del self.status["conditions"]

    # -- creating and deleting pods -----------------------------------------------------------------
    async def _manage(self, active: list[Obj], succeeded: int) -> int:
        """`manageJob`: returns the number of active pods afterwards."""
        c, job, key, now = self.c, self.job, self.key, self.now
        count = len(active)
        if ju.is_suspended(job):
            return count - await self._delete(active, "suspended")
        wanted = ju.want_active(job, count, succeeded)
        excess = ju.duplicate_index_pods(job, active) if ju.is_indexed(job) else []
        if len(excess) < count - wanted:
            rest = [p for p in active if p not in excess]
            excess += rank_pods_for_deletion(rest, [], now)[:count - wanted - len(excess)]
        if excess:
            return count - await self._delete(excess[:MAX_POD_CREATE_DELETE], "too_many")
        diff = wanted - count
        if diff <= 0:
            return count
        remaining = ju.remaining_backoff(self.record, now)
        if remaining > 0:
            if c.backoff_logged.get(key) != self.record:
                c.backoff_logged[key] = self.record
                self.backoff_note = {"failures": self.record.failures,
                                     "wait": round(remaining, 3)}
            self.delays.append(max(remaining, SYNC_BATCH_PERIOD))
            return count
        diff = min(diff, MAX_POD_CREATE_DELETE)
        indexes: list[int | None] = [None] * diff
        if ju.is_indexed(job):
            indexes = list(ju.first_pending_indexes(job, active, self.succeeded_indexes, diff))
            diff = len(indexes)
            if not diff:
                return count
        c.expectations.expect_creations(key, diff, now)
        created = 0
        errors: list[Exception] = []
        batch = 1  # slow start: 1, 2, 4, ... stopping at the first failing batch

        async def one(index: int | None) -> None:
            try:
                await c.create_pod(job, index)
            except Exception as error:  # counted, the batch stops, raised after it
                c.expectations.creation_observed(key)
                errors.append(error)

        while indexes and not errors:
            group, indexes = indexes[:batch], indexes[batch:]
            async with trio.open_nursery() as nursery:
                for index in group:
                    nursery.start_soon(one, index)
            created += len(group)
            batch *= 2
        for _ in indexes:
            c.expectations.creation_observed(key)  # never attempted: never seen
        if errors:
            raise errors[0]
        return count + created - len(errors)

    async def _delete(self, pods: list[Obj], why: str) -> int:
        """`deleteJobPods`: returns how many went."""
        c = self.c
        c.expectations.expect_deletions(self.key, [_key(p) for p in pods], self.now)
        self.log.info("job.deleting_pods", job=self.key, why=why,
                      pods=[_meta(p)["name"] for p in pods])
        removed = 0
        for pod in pods:
            if await c.delete_pod(self.job, pod, keep_finalizer=False):
                removed += 1
                self.terminating += 1
                self.ready -= is_pod_ready(pod)
            else:
                c.expectations.deletion_observed(self.key, _key(pod))
        return removed

    # -- counting finished pods ---------------------------------------------------------------------
    async def _track(self, finished: dict[str, Any] | None) -> None:
        """`trackJobStatusAndRemoveFinalizers`."""
        c, job, status, key = self.c, self.job, self.status, self.key
        indexed = ju.is_indexed(job)
        completions = int((job.get("spec") or {}).get("completions") or 0)
        with_finalizer = {_uid(p) for p in self.tracked}
        status["uncountedTerminatedPods"] = {
            "succeeded": [u for u in status.get("uncountedTerminatedPods", {}).get("succeeded") or []],
            "failed": [u for u in status.get("uncountedTerminatedPods", {}).get("failed") or []]}
        _count_uncounted(status, with_finalizer)
        uncounted = status["uncountedTerminatedPods"]
        failing = finished is not None and finished["type"] != ju.SUCCESS_CRITERIA_MET
        to_remove: list[Obj] = []
        needs_flush = False
        for pod in self.tracked:
            failed = ju.is_pod_failed(pod)
            phase = (pod.get("status") or {}).get("phase")
            if not (_meta(job).get("deletionTimestamp") or finished is not None
                    or phase == "Succeeded" or failed):
                continue
            to_remove.append(pod)
            uid = _uid(pod)
            if phase == "Succeeded" and uid not in self.uncounted_f:
                if not indexed and uid not in self.uncounted_s:
                    uncounted["succeeded"].append(uid)
                    needs_flush = True
                    self.log.info("job.pod_succeeded", job=key, pod=_meta(pod)["name"])
                elif indexed:
                    self.log.info("job.pod_succeeded", job=key, pod=_meta(pod)["name"],
                                  index=ju.pod_completion_index(pod))
            elif (failed or failing) and uid not in self.uncounted_f \
                    and _valid_index(pod, indexed, completions):
                uncounted["failed"].append(uid)
                needs_flush = True
                self.log.info("job.pod_failed", job=key, pod=_meta(pod)["name"],
                              phase=phase, deleted=bool(_meta(pod).get("deletionTimestamp")))
        if indexed:
            text = ju.format_indexes(self.succeeded_indexes)
            if text:
                status["completedIndexes"] = text
            status["succeeded"] = len(self.succeeded_indexes)
        final: dict[str, Any] | None = None
        if finished is not None:
            conditions = status.setdefault("conditions", [])
            if ju.find_condition(job, finished["type"]) is None:
                conditions.append(finished)
                needs_flush = True
            final = {**finished, "type": ju.finish_condition(finished)}
        if needs_flush or _normalized(status) != _normalized(self.original):
            await self._write()
            status = self.status
            c.backoff[key] = self.record
        if to_remove:
            done = await c.remove_finalizers(key, to_remove)
            with_finalizer -= done
        _count_uncounted(status, with_finalizer)
        finished_now = False
        uncounted = status["uncountedTerminatedPods"]
        if final is not None and not uncounted["succeeded"] and not uncounted["failed"] \
                and self.terminating == 0:
            conditions = status.setdefault("conditions", [])
            ju.ensure_condition(conditions, final["type"], "True", final["reason"],
                                final["message"], self.now)
            if final["type"] == ju.COMPLETE:
                status["completionTime"] = now_timestamp(self.now)
            finished_now = True
        if _normalized(status) != _normalized(self.original):
            await self._write()
        if finished_now and final is not None:
            self._finished(final)

    async def _write(self) -> None:
        """`updateJobStatus` (a PUT of the status with the resourceVersion read: a stale
        cache conflicts and the reconcile is retried)."""
        stored = await self.c.client.update_status({**self.job, "status": _normalized(self.status)})
        self.c.written[self.key] = _revision(stored)
        self.job = deep_copy(stored)
        self.status = self.job.setdefault("status", {})
        uncounted = self.status.get("uncountedTerminatedPods") or {}
        self.status["uncountedTerminatedPods"] = {"succeeded": list(uncounted.get("succeeded") or []),
                                                  "failed": list(uncounted.get("failed") or [])}
        self.original = deep_copy(self.status)

    def _finished(self, final: Mapping[str, Any]) -> None:
        """`recordJobFinished`: the event and the log line."""
        status = self.status
        counts = {"succeeded": int(status.get("succeeded") or 0),
                  "failed": int(status.get("failed") or 0)}
        if final["type"] == ju.COMPLETE:
            self.c.record_event(self.job, "Normal", "Completed", "Job completed")
            started = cluster_seconds(status.get("startTime"))
            self.log.info("job.completed", job=self.key, **counts,
                          duration=None if started is None else round(self.now - started, 3))
        else:
            self.c.record_event(self.job, "Warning", final["reason"], final["message"])
            self.log.info("job.failed", job=self.key, reason=final["reason"],
                          message=final["message"], **counts)


def _revision(obj: Obj) -> int:
    """The object's resourceVersion as a number (kactors' are store revisions)."""
    try:
        return int(_meta(obj).get("resourceVersion") or 0)
    except ValueError:
        return 0


def _valid_index(pod: Obj, indexed: bool, completions: int) -> bool:
    if not indexed:
        return True
    index = ju.pod_completion_index(pod)
    return index is not None and index < completions


def _normalized(status: Mapping[str, Any]) -> dict[str, Any]:
    """The status as Kubernetes serializes it: zero counters and empty lists left out
    (`ready` and `terminating` are pointers: kept at 0)."""
    out = deep_copy(dict(status))
    uncounted = out.get("uncountedTerminatedPods") or {}
    out["uncountedTerminatedPods"] = {k: v for k, v in uncounted.items() if v}
    for field in ("active", "succeeded", "failed", "conditions", "completedIndexes"):
        if not out.get(field):
            out.pop(field, None)
    return out


def _count_uncounted(status: dict[str, Any], with_finalizer: set[str]) -> None:
    """`cleanUncountedPodsWithoutFinalizers`: uids whose finalizer is gone are counted."""
    uncounted = status["uncountedTerminatedPods"]
    for field in ("succeeded", "failed"):
        uids = list(uncounted.get(field) or [])
        kept = [uid for uid in uids if uid in with_finalizer]
        if len(kept) != len(uids):
            status[field] = int(status.get(field) or 0) + len(uids) - len(kept)
        uncounted[field] = kept
