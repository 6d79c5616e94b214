"""The ReplicaSet controller: keeps `spec.replicas` pods running for every ReplicaSet.

After Kubernetes' `pkg/controller/replicaset/replica_set.go`. One reconcile of a
ReplicaSet:

1. reads the ReplicaSet and the pods of its namespace from the informer caches;
2. claims pods (`refmanager`): keeps the active pods it controls that match its selector,
   adopts matching orphans, releases the pods it controls that no longer match;
3. if its expectations are met (every pod it created or deleted before has been seen by
   the informer; see `expectations`), creates or deletes pods to reach `spec.replicas`:
   creations in "slow start" batches of 1, 2, 4, ... so that a failing create (quota, a
   webhook) fails once rather than five hundred times; deletions preferring the pods that
   matter least (unscheduled, pending, not ready...; see `podutil.rank_pods_for_deletion`);
4. writes its status (replicas, fullyLabeledReplicas, readyReplicas, availableReplicas,
   observedGeneration, and a ReplicaFailure condition when creating or deleting failed).

Pods are named `<replicaset>-<5 random characters>` (from the actor's seeded random
generator), labelled as the template says, with a controller ownerReference to the
ReplicaSet. Events: `SuccessfulCreate` "Created pod: <name>", `SuccessfulDelete`
"Deleted pod: <name>", `FailedCreate` / `FailedDelete` "Error creating: ..." /
"Error deleting: ...".

Left out: pods of a ReplicaSet being deleted are not touched (garbage collection is the
garbage collector's job), and there is no periodic resync: expectations that are never
met are retried when they expire (5 minutes) instead.
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import trio

from kactors.api.labels import Selector, SelectorError, selector_from_label_selector
from kactors.api.meta import controller_of, new_controller_ref
from kactors.api.meta import metadata_of as _meta
from kactors.client.errors import AlreadyExists, ApiError
from kactors.client.indexer import (
    CONTROLLER_INDEX,
    by_controller,
    object_key,
    orphan_index_key,
)
from kactors.client.indexer import object_key as _key
from kactors.client.informer import DELETE, UPDATE, InformerEvent
from kactors.client.result import Result, TerminalError
from kactors.controllers.base import Controller, ControllerConfig
from kactors.controllers.expectations import EXPECTATIONS_TIMEOUT, Expectations
from kactors.controllers.owners import resolve_controller, selecting_owners
from kactors.controllers.podcontrol import delete_pods
from kactors.controllers.podutil import (
    availability_delays,
    generate_name,
    is_pod_active,
    is_pod_available,
    is_pod_ready,
    now_timestamp,
    pod_from_template,
    pods_to_delete,
)
from kactors.controllers.refmanager import claim, plan_claims

__all__ = ["BURST_REPLICAS", "ReplicaSetController", "calculate_status"]

Obj = Mapping[str, Any]

#: at most this many pods are created or deleted in one reconcile (`BurstReplicas`)
BURST_REPLICAS = 500
#: the first batch of a slow-start burst of creates (`SlowStartInitialBatchSize`)
SLOW_START_INITIAL_BATCH = 1
REPLICA_FAILURE = "ReplicaFailure"




def calculate_status(rs: Obj, pods: Sequence[Obj], error: Exception | None,
                     now: float) -> dict[str, Any]:
    """The ReplicaSet's status for its (claimed, active) `pods` (`calculateStatus`):
    pods, those labelled as the template is, those ready, those ready for longer than
    `minReadySeconds`; a ReplicaFailure condition while managing replicas fails.
    `observedGeneration` is the caller's; zero counts are left out but `replicas`, as
    Kubernetes' JSON does."""
    spec = rs.get("spec") or {}
    template_labels = ((spec.get("template") or {}).get("metadata") or {}).get("labels") or {}
    min_ready = int(spec.get("minReadySeconds") or 0)
    fully_labeled = ready = available = 0
    for pod in pods:
        labels = _meta(pod).get("labels") or {}
        # (labels equal to the template's, the usual case, need no comparison one by one;
        # with minReadySeconds 0 a ready pod is available: no second look at readiness)
        if labels == template_labels or all(labels.get(k) == v
                                            for k, v in template_labels.items()):
            fully_labeled += 1
        if is_pod_ready(pod):
            ready += 1
            if not min_ready or is_pod_available(pod, min_ready, now):
                available += 1
    old = rs.get("status") or {}
    conditions = [dict(c) for c in old.get("conditions") or []]
    failure = next((c for c in conditions if c.get("type") == REPLICA_FAILURE), None)
    if error is not None and failure is None:
        diff = len(pods) - int(spec.get("replicas", 1))
        reason = "FailedCreate" if diff < 0 else "FailedDelete" if diff > 0 else ""
        conditions.append({"type": REPLICA_FAILURE, "status": "True",
                           "lastTransitionTime": now_timestamp(now), "reason": reason,
                           "message": str(error)})
    elif error is None and failure is not None:
        conditions = [c for c in conditions if c.get("type") != REPLICA_FAILURE]
    status: dict[str, Any] = {"replicas": len(pods)}
    for key, value in (("fullyLabeledReplicas", fully_labeled), ("readyReplicas", ready),
                       ("availableReplicas", available)):
        if value:
            status[key] = value
    if conditions:
        status["conditions"] = conditions
    return status


class ReplicaSetController(Controller):
    """Creates and deletes pods so that every ReplicaSet runs `spec.replicas` of them."""

    watches = "apps/v1/ReplicaSet"
    owns: ClassVar[Sequence[str]] = ["v1/Pod"]
    workers = 5
    component = "replicaset-controller"
    #: pods created or deleted per reconcile at most
    burst_replicas: ClassVar[int] = BURST_REPLICAS

    def __init__(self, config: ControllerConfig,
                 expectations_timeout: float = EXPECTATIONS_TIMEOUT) -> None:
        super().__init__(config)
        self.expectations = Expectations(expectations_timeout)

    async def setup(self) -> None:
        await self.informer("v1/Pod", indexers=((CONTROLLER_INDEX, by_controller),))
        self.pods = self.lister("v1/Pod")

    def _candidate_pods(self, rs: Obj) -> list[Obj]:
        """`getRSPods`: the pods `rs` controls and the orphans of its namespace (it may
        adopt them), from the controller-uid index: a reconcile costs what the
        ReplicaSet owns, not what the namespace holds."""
        namespace = _meta(rs).get("namespace", "")
        owned = self.pods.by_index(CONTROLLER_INDEX, str(_meta(rs).get("uid")))
        orphans = self.pods.by_index(CONTROLLER_INDEX, orphan_index_key(namespace))
        if not orphans:  # the usual case: no merge (and no key computed per pod) needed
            return owned
        # in key order, as a namespace listing would give them
        return list(heapq.merge(owned, orphans, key=object_key))

    # -- events -> keys, and expectations observed ------------------------------------------------
    def map_event(self, event: InformerEvent) -> list[str]:
        if event.kind == self.kind:
            if event.type == DELETE:
                self.expectations.forget(event.key)
            return [event.key]
        if event.kind != "Pod":
            return []
        pod, old = event.obj, event.old
        if event.type == DELETE:
            return self._pod_deleted(pod)
        if event.type == UPDATE and old is not None:
            return self._pod_updated(pod, old)
        # an added pod
        if _meta(pod).get("deletionTimestamp"):
            return self._pod_deleted(pod)  # e.g. seen first on a re-list, already terminating
        rs = self._resolve(pod)
        if rs is not None:
            key = _key(rs)
            self.expectations.creation_observed(key)
            return [key]
        if controller_of(pod) is None:
            return [_key(rs) for rs in self._matching_replica_sets(pod)]
        return []

    def _pod_updated(self, pod: Obj, old: Obj) -> list[str]:
        if _meta(pod).get("resourceVersion") == _meta(old).get("resourceVersion"):
            return []  # a periodic resync: nothing changed
        keys: list[str] = []
        labels_changed = _meta(pod).get("labels") != _meta(old).get("labels")
        if _meta(pod).get("deletionTimestamp"):
            # a graceful deletion began: the pod no longer counts (and that was expected)
            keys = self._pod_deleted(pod)
            if labels_changed:
                keys += [k for k in self._pod_deleted(old) if k not in keys]
            return keys
        ref, old_ref = controller_of(pod), controller_of(old)
        ref_changed = (ref or {}).get("uid") != (old_ref or {}).get("uid")
        if ref_changed and old_ref is not None:
            previous = self._resolve(old)
            if previous is not None:
                keys.append(_key(previous))
        if ref is not None:
            rs = self._resolve(pod)
            if rs is not None:
                key = _key(rs)
                if key not in keys:
                    keys.append(key)  # (its reconcile requeues for minReadySeconds)
            return keys
        if labels_changed or ref_changed:
            for rs in self._matching_replica_sets(pod):
                if _key(rs) not in keys:
                    keys.append(_key(rs))
        return keys

    def _pod_deleted(self, pod: Obj) -> list[str]:
        rs = self._resolve(pod)
        if rs is None:
            return []
        key = _key(rs)
        self.expectations.deletion_observed(key, _key(pod))
        return [key]

    def _resolve(self, pod: Obj) -> Obj | None:
        """The ReplicaSet (in the cache) that `pod`'s controller ownerReference names."""
        return resolve_controller(self.cache, self.kind, "apps", pod)

    def _matching_replica_sets(self, pod: Obj) -> list[Obj]:
        """`getPodReplicaSets`: the ReplicaSets of the pod's namespace selecting it."""
        return selecting_owners(self.cache, pod)

    # -- reconcile ----------------------------------------------------------------------------------
    async def reconcile(self, key: str) -> Result | None:
        rs = self.cache.get(key)
        if rs is None:
            self.expectations.forget(key)
            return None
        now = self.ctx.now()
        needs_sync = self.expectations.satisfied(key, now)
        try:
            selector = selector_from_label_selector((rs.get("spec") or {}).get("selector"))
        except SelectorError as error:
            raise TerminalError(error) from error
        active = [pod for pod in self._candidate_pods(rs) if is_pod_active(pod)]
        pods = await self._claim_pods(rs, selector, active)

        error: Exception | None = None
        if needs_sync and not _meta(rs).get("deletionTimestamp"):
            try:
                await self._manage_replicas(key, rs, pods)
            except Exception as failure:  # reported in status, then retried with backoff
                error = failure
        now = self.ctx.now()
        status = calculate_status(rs, pods, error, now)
        await self._write_status(rs, status)
        if error is not None:
            raise error
        return self._requeue(key, rs, pods, needs_sync, now)

    def _requeue(self, key: str, rs: Obj, pods: Sequence[Obj], needs_sync: bool,
                 now: float) -> Result | None:
        """When to look again without an event: when a ready pod becomes available
        (minReadySeconds), or when unmet expectations expire."""
        delays = availability_delays(
            pods, int((rs.get("spec") or {}).get("minReadySeconds") or 0), now)
        if not needs_sync:
            expires = self.expectations.expires_in(key, now)
            if expires is not None:
                delays.append(expires + 0.001)
        return Result(requeue_after=min(delays)) if delays else None

    async def _claim_pods(self, rs: Obj, selector: Selector, pods: list[Obj]) -> list[Obj]:
        plan = plan_claims(rs, selector, pods)
        if not plan.adopt and not plan.release:
            return plan.claimed
        return await claim(self.client, rs, plan)

    async def _write_status(self, rs: Obj, status: dict[str, Any]) -> None:
        """`updateReplicaSetStatus`: write only what changed, and observedGeneration."""
        old = dict(rs.get("status") or {})
        generation = int(_meta(rs).get("generation") or 0)
        observed = int(old.pop("observedGeneration", 0) or 0)
        if old == status and observed == generation:
            return
        new = {**status, "observedGeneration": generation} if generation else status
        patch = {**{k: None for k in rs.get("status") or {} if k not in new}, **new}
        meta = _meta(rs)
        await self.client.patch("apps/v1/ReplicaSet", meta["name"], {"status": patch},
                                meta.get("namespace"), subresource="status")

    # -- creating and deleting pods ----------------------------------------------------------------
    async def _manage_replicas(self, key: str, rs: Obj, pods: list[Obj]) -> None:
        diff = len(pods) - int((rs.get("spec") or {}).get("replicas", 1))
        if diff < 0:
            await self._create_pods(key, rs, min(-diff, self.burst_replicas))
        elif diff > 0:
            await self._delete_pods(key, rs, pods, min(diff, self.burst_replicas))

    async def _create_pods(self, key: str, rs: Obj, count: int) -> None:
        """Create `count` pods in slow-start batches (1, 2, 4, ...), stopping at the first
        batch with a failure; creations never attempted are no longer expected."""
        now = self.ctx.now()
        self.expectations.expect_creations(key, count, now)
        self.ctx.log.info("replicaset.too_few_replicas", replicaset=key,
                          need=int((rs.get("spec") or {}).get("replicas", 1)), creating=count)
        successes = 0
        remaining = count
        batch = min(remaining, SLOW_START_INITIAL_BATCH)
        errors: list[Exception] = []
        while batch > 0:
            outcomes: list[Exception | None] = []
            async with trio.open_nursery() as nursery:
                for _ in range(batch):
                    nursery.start_soon(self._try_create_pod, rs, outcomes)
            errors = [outcome for outcome in outcomes if outcome is not None]
            successes += len(outcomes) - len(errors)
            if errors:
                break
            remaining -= batch
            batch = min(remaining, 2 * batch)
        for _ in range(count - successes):
            # the informer will never see these pods: stop waiting for them
            self.expectations.creation_observed(key)
        if errors:
            raise errors[0]

    async def _try_create_pod(self, rs: Obj, outcomes: list[Exception | None]) -> None:
        try:
            await self._create_pod(rs)
        except Exception as error:  # the batch stops; the error is reported after it
            outcomes.append(error)
        else:
            outcomes.append(None)

    async def _create_pod(self, rs: Obj) -> None:
        """`PodControl.CreatePods`: one pod from the template, with an event either way."""
        meta = _meta(rs)
        template = (rs.get("spec") or {}).get("template") or {}
        owner = new_controller_ref(rs)
        for attempt in range(3):
            name = generate_name(f"{meta['name']}-", self.ctx.random)
            pod = pod_from_template(template, name, meta.get("namespace", ""), owner)
            try:
                created = await self.client.create(pod)
            except AlreadyExists:
                if attempt < 2:
                    continue  # a name taken by chance: draw another
                raise
            except ApiError as error:
                self.record_event(rs, "Warning", "FailedCreate", f"Error creating: {error}")
                raise
            self.record_event(rs, "Normal", "SuccessfulCreate",
                              f"Created pod: {created['metadata']['name']}")
            return

    async def _delete_pods(self, key: str, rs: Obj, pods: list[Obj], count: int) -> None:
        """Delete the `count` pods that matter least, all at once."""
        now = self.ctx.now()
        victims = pods_to_delete(pods, self._related_pods(rs, pods), count, now)
        self.expectations.expect_deletions(key, [_key(p) for p in victims], now)
        self.ctx.log.info("replicaset.too_many_replicas", replicaset=key,
                          need=int((rs.get("spec") or {}).get("replicas", 1)), deleting=count)
        errors = await delete_pods(self, key, rs, victims, self.expectations)
        if errors:
            raise errors[0]

    def _related_pods(self, rs: Obj, pods: list[Obj]) -> list[Obj]:
        """`getIndirectlyRelatedPods`: the pods of every ReplicaSet with the same
        controller as `rs` (its siblings of one Deployment), or its own pods."""
        owner = controller_of(rs)
        if owner is None:
            return pods
        namespace = _meta(rs).get("namespace", "")
        siblings = sorted(str(_meta(other).get("uid")) for other in self.cache.list(namespace)
                          if (controller_of(other) or {}).get("uid") == owner.get("uid"))
        return list(heapq.merge(*(self.pods.by_index(CONTROLLER_INDEX, uid)
                                  for uid in siblings), key=object_key))



