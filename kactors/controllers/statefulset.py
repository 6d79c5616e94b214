"""The StatefulSet controller: pods with a stable identity, created and removed in order.

After Kubernetes' `pkg/controller/statefulset`. One reconcile of a StatefulSet:

1. reads the set and the pods of its namespace from the informer caches and claims its
   pods (`refmanager`: matching its selector *and* named `<set>-<ordinal>`);
2. claims its ControllerRevisions (adopting orphans its selector matches) and finds or
   makes the update revision, the snapshot of its template (`revisioncontrol`,
   `history`): a template it ran before gets its old revision back, renumbered as the
   latest (a rollback); the current revision is the one `status.currentRevision` names,
   and its template is read back from that revision, so pods below the partition are
   recreated at the old template even by a controller that has just restarted. Pods are
   labelled `controller-revision-hash` with their revision's name;
3. if its expectations are met (every pod it created or deleted has been seen), carries
   out the steps of `statefulutil.plan_statefulset`: create missing ordinals (OrderedReady:
   one at a time, each Running and Ready before the next; Parallel: all at once), recreate
   failed pods under the same name, delete condemned ordinals from the highest down, then
   roll out a new template in reverse ordinal order down to the partition (RollingUpdate)
   or leave it to whoever deletes pods (OnDelete);
4. writes its status: replicas, readyReplicas, availableReplicas, currentReplicas,
   updatedReplicas, currentRevision, updateRevision, collisionCount, observedGeneration;
5. deletes the oldest revisions that are neither current, update, nor the revision of a
   pod, down to `revisionHistoryLimit` (10 by default). The garbage collector deletes
   the rest with the set (they carry its controller ownerReference).

A deleted pod comes back with the same name, labels `statefulset.kubernetes.io/pod-name`,
`apps.kubernetes.io/pod-index`, hostname and subdomain (the set's `serviceName`, whose
headless Service gives each pod its DNS name: the Endpoints controller publishes the
`hostname` of such pods). Events, with Kubernetes' wording: `SuccessfulCreate` "create Pod
web-0 in StatefulSet web successful", `SuccessfulDelete` "delete Pod web-2 in StatefulSet
web successful", `SuccessfulUpdate`, `FailedCreate` "create Pod web-0 in StatefulSet web
failed error: ...", `RecreatingFailedPod`.

Storage (`createPersistentVolumeClaims`): before a pod is created, each of the set's
`volumeClaimTemplates` gives the ordinal a PersistentVolumeClaim `<template>-<set>-<ordinal>`
(labelled with the set's selector labels), unless it exists: the claims outlive their
pods, so a recreated `web-0` mounts the same `www-web-0` again. The pod gets a
`persistentVolumeClaim` volume of the template's name (`updateStorage`). The claims are
kept when the set goes (`persistentVolumeClaimRetentionPolicy.whenDeleted: Retain`, the
default) or owned by the set, and garbage-collected with it (`Delete`); with
`whenScaled: Delete`, the pod of a condemned ordinal is made the owner of its claims
before it is deleted, so they go with it. Events:
`SuccessfulCreate` "create Claim www-web-0 Pod web-0 in StatefulSet web success",
`FailedCreate` "create Claim ... failed error: ...".

`kubectl rollout history|undo statefulset/<name>` read these revisions and patch the set
with one of them. Left out, and said here so nobody relies on them: no `maxUnavailable`
for rolling updates (one pod at a time); the retention policy is applied when claims are
made or pods condemned, not re-applied to existing claims when the policy changes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from kactors.api.labels import SelectorError, selector_from_label_selector
from kactors.api.meta import metadata_of as _meta
from kactors.api.meta import new_controller_ref
from kactors.client.errors import AlreadyExists, ApiError, NotFound
from kactors.client.informer import DELETE, InformerEvent
from kactors.client.result import Result, TerminalError
from kactors.controllers.base import Controller, ControllerConfig
from kactors.controllers.expectations import EXPECTATIONS_TIMEOUT, Expectation, Expectations
from kactors.controllers.history import template_of
from kactors.controllers.podevents import object_key, pod_event_keys
from kactors.controllers.podutil import cluster_seconds, pod_ready_condition
from kactors.controllers.refmanager import claim, plan_claims
from kactors.controllers.revisioncontrol import REVISION_KIND, sync_history, truncate_history
from kactors.controllers.statefulutil import (
    Step,
    claim_names,
    deletes_claims_on_scale_down,
    deletes_claims_with_set,
    identity_labels,
    is_member_of,
    is_running_and_ready,
    new_statefulset_claims,
    new_statefulset_pod,
    plan_statefulset,
    pod_revision,
    statefulset_status,
)

__all__ = ["StatefulSetController"]

Obj = Mapping[str, Any]
KIND = "apps/v1/StatefulSet"
CLAIM_KIND = "v1/PersistentVolumeClaim"




class StatefulSetController(Controller):
    """Keeps every StatefulSet's ordinals `<set>-0..N-1` running, in order."""

    watches = KIND
    owns: ClassVar[Sequence[str]] = ["v1/Pod"]
    workers = 5
    component = "statefulset-controller"

    def __init__(self, config: ControllerConfig,
                 expectations_timeout: float = EXPECTATIONS_TIMEOUT) -> None:
        super().__init__(config)
        self.expectations = Expectations(expectations_timeout)
        #: what each set's last pass waited for (logged once, when it changes)
        self.waiting: dict[str, tuple[str, str]] = {}

    async def setup(self) -> None:
        self.pods = self.lister("v1/Pod")
        await self.informer(REVISION_KIND)  # read, not reconciled on (as in Kubernetes)
        self.revisions = self.lister(REVISION_KIND)
        await self.informer(CLAIM_KIND)
        self.claims = self.lister(CLAIM_KIND)

    def map_event(self, event: InformerEvent) -> list[str]:
        if event.kind == self.kind:
            if event.type == DELETE:
                self.expectations.forget(event.key)
            return [event.key]
        if event.kind != "Pod":
            return []
        return pod_event_keys(self.cache, self.kind, "apps", self.expectations, event)

    # -- reconcile ---------------------------------------------------------------------------------
    async def reconcile(self, key: str) -> Result | None:
        sts = self.cache.get(key)
        if sts is None:
            self.expectations.forget(key)
            self.waiting.pop(key, None)
            return None
        try:
            selector = selector_from_label_selector((sts.get("spec") or {}).get("selector"))
        except SelectorError as error:
            raise TerminalError(error) from error
        namespace = _meta(sts).get("namespace", "")
        plan = plan_claims(sts, selector, self.pods.list(namespace),
                           match=lambda pod: is_member_of(sts, pod))
        pods = plan.claimed if not plan.adopt and not plan.release \
            else await claim(self.client, sts, plan)
        history = await sync_history(self, sts, selector, self.revisions)
        update_revision = str(_meta(history.update)["name"])
        wanted_current = (sts.get("status") or {}).get("currentRevision")
        current = next((r for r in history.revisions if _meta(r)["name"] == wanted_current),
                       history.update)
        current_revision = str(_meta(current)["name"])
        templates = {update_revision: (sts.get("spec") or {}).get("template") or {}}
        if current_revision != update_revision:
            templates[current_revision] = template_of(sts, current)
        now = self.ctx.now()
        steps: list[Step] = []
        if self.expectations.satisfied(key, now) and not _meta(sts).get("deletionTimestamp"):
            steps = plan_statefulset(sts, pods, current_revision, update_revision, now)
            await self._carry_out(key, sts, steps, pods, templates)
        now = self.ctx.now()
        status = statefulset_status(sts, pods, current_revision, update_revision, now, steps)
        status["collisionCount"] = history.collision_count
        await self._write_status(sts, status)
        live = {current_revision, update_revision, *map(pod_revision, pods)}
        await truncate_history(self, sts, history.revisions, live)
        return self._requeue(key, sts, pods, now)

    def _requeue(self, key: str, sts: Obj, pods: Sequence[Obj], now: float) -> Result | None:
        """Come back when a ready pod becomes available (minReadySeconds) or unmet
        expectations expire."""
        delays = []
        min_ready = int((sts.get("spec") or {}).get("minReadySeconds") or 0)
        if min_ready:
            for pod in pods:
                since = cluster_seconds((pod_ready_condition(pod) or {})
                                        .get("lastTransitionTime"))
                if is_running_and_ready(pod) and since is not None \
                        and since + min_ready >= now:
                    delays.append(max(0.001, since + min_ready - now + 0.001))
        expires = self.expectations.expires_in(key, now)
        if expires is not None:
            delays.append(expires + 0.001)
        return Result(requeue_after=min(delays)) if delays else None

    async def _write_status(self, sts: Obj, status: dict[str, Any]) -> None:
        generation = int(_meta(sts).get("generation") or 0)
        wanted = {**status, "observedGeneration": generation}
        old = sts.get("status") or {}
        if all(old.get(k, 0 if isinstance(v, int) else "") == v for k, v in wanted.items()):
            return
        meta = _meta(sts)
        await self.client.patch(KIND, meta["name"], {"status": wanted}, meta.get("namespace"),
                                subresource="status")
        self.ctx.log.info("statefulset.status", statefulset=object_key(sts),
                          replicas=status["replicas"], ready=status["readyReplicas"],
                          current=status["currentReplicas"],
                          updated=status["updatedReplicas"],
                          update_revision=status["updateRevision"])

    # -- steps -------------------------------------------------------------------------------------
    async def _carry_out(self, key: str, sts: Obj, steps: Sequence[Step], pods: Sequence[Obj],
                         templates: Mapping[str, Obj]) -> None:
        """Take `steps`; a pod is created from the template of its revision (by name in
        `templates`)."""
        by_name = {_meta(p)["name"]: p for p in pods}
        creates = [s for s in steps if s.action == "create"]
        deletes = [s for s in steps if s.action == "delete"]
        self.expectations.by_key[key] = Expectation(
            add=len(creates), delete=len(deletes),
            deleting={f"{_meta(sts).get('namespace')}/{s.pod}" for s in deletes},
            timestamp=self.ctx.now())
        for step in steps:
            if step.action == "create":
                await self._create(key, sts, step, templates[step.detail])
            elif step.action == "delete":
                await self._delete(key, sts, by_name[step.pod], step)
            elif step.action == "update":
                await self._update_identity(sts, by_name[step.pod], step)
            elif self.waiting.get(key) != (step.pod, step.detail):
                self.ctx.log.info("statefulset.waiting", statefulset=key, pod=step.pod,
                                  until=step.detail)
        wait = next((s for s in steps if s.action == "wait"), None)
        self.waiting[key] = (wait.pod, wait.detail) if wait is not None else ("", "")

    async def _create(self, key: str, sts: Obj, step: Step, template: Obj) -> None:
        pod = new_statefulset_pod(sts, template, step.ordinal, step.detail,
                                  new_controller_ref(sts))
        name = _meta(sts)["name"]
        try:
            await self._create_claims(sts, step)
        except ApiError:
            self.expectations.creation_observed(key)
            raise
        try:
            await self.client.create(pod)
        except AlreadyExists:
            # our cache is behind (we made it): its informer event fulfils the expectation
            return
        except ApiError as error:
            self.expectations.creation_observed(key)
            self.record_event(sts, "Warning", "FailedCreate",
                              f"create Pod {step.pod} in StatefulSet {name} failed error: {error}")
            raise
        self.ctx.log.info("statefulset.pod_created", statefulset=key, pod=step.pod,
                          ordinal=step.ordinal, revision=step.detail)
        self.record_event(sts, "Normal", "SuccessfulCreate",
                          f"create Pod {step.pod} in StatefulSet {name} successful")

    async def _create_claims(self, sts: Obj, step: Step) -> None:
        """`createPersistentVolumeClaims`: the ordinal's missing claims, before its pod."""
        if not (sts.get("spec") or {}).get("volumeClaimTemplates"):
            return
        meta = _meta(sts)
        owner = new_controller_ref(sts) if deletes_claims_with_set(sts) else None
        for pvc in new_statefulset_claims(sts, step.ordinal, owner):
            claim_name = pvc["metadata"]["name"]
            if self.claims.get(f"{meta.get('namespace')}/{claim_name}") is not None:
                continue
            try:
                await self.client.create(pvc)
            except AlreadyExists:
                continue
            except ApiError as error:
                self.record_event(sts, "Warning", "FailedCreate",
                                  f"create Claim {claim_name} for Pod {step.pod} in "
                                  f"StatefulSet {meta['name']} failed error: {error}")
                raise
            self.ctx.log.info("statefulset.claim_created", statefulset=object_key(sts),
                              claim=claim_name, pod=step.pod)
            self.record_event(sts, "Normal", "SuccessfulCreate",
                              f"create Claim {claim_name} Pod {step.pod} in StatefulSet "
                              f"{meta['name']} success")

    async def _hand_claims_to_pod(self, sts: Obj, pod: Obj, step: Step) -> None:
        """`whenScaled: Delete`: a condemned pod becomes the owner of its claims instead of
        the set, so the garbage collector deletes them once the pod is gone
        (`updateClaimOwnerRefForSetAndPod`)."""
        namespace = _meta(sts).get("namespace")
        pod_ref = {"apiVersion": "v1", "kind": "Pod", "name": step.pod,
                   "uid": _meta(pod).get("uid")}
        for name in claim_names(sts, step.ordinal):
            claim = self.claims.get(f"{namespace}/{name}")
            if claim is None:
                continue
            refs = list(_meta(claim).get("ownerReferences") or [])
            if any(ref.get("uid") == pod_ref["uid"] for ref in refs):
                continue
            # the pod alone: an owning set would keep the claim alive after the pod
            refs = [ref for ref in refs if ref.get("uid") != _meta(sts).get("uid")]
            try:
                await self.client.patch(CLAIM_KIND, name, {"metadata": {
                    "ownerReferences": [*refs, pod_ref]}}, namespace)
            except NotFound:
                continue
            self.ctx.log.info("statefulset.claim_released", statefulset=object_key(sts),
                              claim=name, pod=step.pod)

    async def _delete(self, key: str, sts: Obj, pod: Obj, step: Step) -> None:
        meta = _meta(sts)
        if step.detail == "failed":
            self.record_event(sts, "Warning", "RecreatingFailedPod",
                              f"StatefulSet {meta.get('namespace')}/{meta['name']} is "
                              f"recreating failed Pod {step.pod}")
        if step.detail == "scale_down" and deletes_claims_on_scale_down(sts):
            await self._hand_claims_to_pod(sts, pod, step)
        try:
            await self.client.delete("v1/Pod", step.pod, meta.get("namespace"),
                                     preconditions={"uid": _meta(pod).get("uid")})
        except NotFound:
            self.expectations.deletion_observed(key, object_key(pod))
            return
        except ApiError as error:
            self.expectations.deletion_observed(key, object_key(pod))
            self.record_event(sts, "Warning", "FailedDelete",
                              f"delete Pod {step.pod} in StatefulSet {meta['name']} failed "
                              f"error: {error}")
            raise
        self.ctx.log.info("statefulset.pod_deleted", statefulset=key, pod=step.pod,
                          ordinal=step.ordinal, reason=step.detail)
        self.record_event(sts, "Normal", "SuccessfulDelete",
                          f"delete Pod {step.pod} in StatefulSet {meta['name']} successful")

    async def _update_identity(self, sts: Obj, pod: Obj, step: Step) -> None:
        """`UpdateStatefulPod`: give a pod whose identity labels were changed its own back."""
        meta = _meta(sts)
        patch = {"metadata": {"labels": identity_labels(sts, step.ordinal),
                              "uid": _meta(pod).get("uid")}}
        try:
            await self.client.patch("v1/Pod", step.pod, patch, meta.get("namespace"),
                                    patch_type="application/strategic-merge-patch+json")
        except NotFound:
            return
        self.record_event(sts, "Normal", "SuccessfulUpdate",
                          f"update Pod {step.pod} in StatefulSet {meta['name']} successful")
