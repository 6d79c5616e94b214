"""The DaemonSet controller: one pod of every DaemonSet on each node where it may run.

After Kubernetes' `pkg/controller/daemon/daemon_controller.go` and `update.go`. One
reconcile of a DaemonSet:

1. reads the DaemonSet, the nodes and the pods of its namespace from the informer caches,
   claims its pods (`refmanager`: adopt matching orphans, release those no longer
   matching) and groups them by target node;
2. claims its ControllerRevisions the same way and finds or makes the revision of its
   template (`revisioncontrol`, `history`: an older revision of the same template is
   renumbered as the latest, a rollback); the revision's `controller-revision-hash` label
   is the hash its pods carry;
3. if its expectations are met (see `expectations`), carries out `daemonutil.plan_manage`:
   a pod for every eligible node without one (`node_should_run`: nodeSelector, required node
   affinity, taints against the template's tolerations plus the daemon tolerations), and
   deletes the pods that must go (failed, duplicated, on a node that is no longer eligible),
   and force-deletes those of nodes that no longer exist (PodGC's job in Kubernetes;
   kactors has no PodGC);
4. with nothing left to create or delete and `updateStrategy` RollingUpdate, deletes the
   out-of-date pods `plan_rolling_update` allows (at most `maxUnavailable` nodes without an
   available up-to-date pod); the next reconcile creates their replacements. OnDelete
   leaves old pods alone until someone deletes them; then deletes the oldest revisions
   that no pod runs, down to `revisionHistoryLimit` (10 by default);
5. writes its status (desiredNumberScheduled, currentNumberScheduled, numberReady,
   numberAvailable, numberUnavailable, updatedNumberScheduled, numberMisscheduled,
   observedGeneration, and collisionCount after a revision name collision).

Pods are not placed by this controller: as in Kubernetes since 1.12 each is created with a
required node affinity `matchFields metadata.name In [<node>]` and the default scheduler
binds it. They are named `<daemonset>-<5 random characters>` and labelled
`controller-revision-hash` (the template hash, the hash label of its revision) and
`pod-template-generation`. Events:
`SuccessfulCreate` "Created pod: <name>", `SuccessfulDelete` "Deleted pod: <name>",
`FailedDaemonPod` "Found failed daemon pod <ns>/<name> on node <node>, will try to kill it".

Node events (added, deleted, labels, taints or conditions changed) requeue every
DaemonSet; a ControllerRevision event requeues its DaemonSet (an orphan's: those that
select it). `kubectl rollout history|undo daemonset/<name>` read the revisions and patch
the DaemonSet with one of them. Left out: `maxSurge` (a surge rollout proceeds as
maxUnavailable 1), the failed-pod backoff, and the merging of duplicate revisions of one
template (`dedupCurHistories`: the newest is used, the others age out of the history).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import trio

from kactors.api.labels import SelectorError, selector_from_label_selector
from kactors.api.meta import metadata_of as _meta
from kactors.api.meta import new_controller_ref
from kactors.client.errors import AlreadyExists, ApiError, Conflict, NotFound
from kactors.client.informer import DELETE, UPDATE, InformerEvent
from kactors.client.result import Result, TerminalError
from kactors.controllers.base import Controller, ControllerConfig
from kactors.controllers.daemonutil import (
    daemonset_hash,
    daemonset_status,
    new_daemon_pod,
    nodes_to_daemon_pods,
    plan_manage,
    plan_rolling_update,
)
from kactors.controllers.expectations import EXPECTATIONS_TIMEOUT, Expectations
from kactors.controllers.history import HASH_LABEL
from kactors.controllers.podcontrol import delete_pods
from kactors.controllers.podevents import object_key as _key
from kactors.controllers.podevents import pod_event_keys
from kactors.controllers.podutil import (
    availability_delays,
    generate_name,
)
from kactors.controllers.refmanager import claim, plan_claims
from kactors.controllers.revisioncontrol import (
    REVISION_KIND,
    History,
    revision_event_keys,
    sync_history,
    truncate_history,
)

__all__ = ["DaemonSetController"]

Obj = Mapping[str, Any]

#: `BurstReplicas`: pods created or deleted per reconcile at most
BURST_REPLICAS = 250




def _node_changed(old: Obj, new: Obj) -> bool:
    """`shouldIgnoreNodeUpdate`'s complement, narrowed to what eligibility reads: labels,
    taints, unschedulable, and the status of its conditions (not their heartbeats)."""
    def view(node: Obj) -> tuple[Any, ...]:
        spec = node.get("spec") or {}
        conditions = sorted((str(c.get("type")), str(c.get("status")))
                            for c in (node.get("status") or {}).get("conditions") or [])
        return (_meta(node).get("labels"), spec.get("taints"), spec.get("unschedulable"),
                conditions)
    return view(old) != view(new)


class DaemonSetController(Controller):
    """Runs one pod of every DaemonSet on each eligible node."""

    watches = "apps/v1/DaemonSet"
    owns: ClassVar[Sequence[str]] = ["v1/Pod"]
    workers = 2
    component = "daemonset-controller"

    def __init__(self, config: ControllerConfig,
                 expectations_timeout: float = EXPECTATIONS_TIMEOUT) -> None:
        super().__init__(config)
        self.expectations = Expectations(expectations_timeout)

    async def setup(self) -> None:
        self.pods = self.lister("v1/Pod")
        await self.informer("v1/Node")
        self.nodes = self.lister("v1/Node")
        await self.informer(REVISION_KIND)
        self.revisions = self.lister(REVISION_KIND)

    # -- events -> keys ----------------------------------------------------------------------------
    def map_event(self, event: InformerEvent) -> list[str]:
        if event.kind == self.kind:
            if event.type == DELETE:
                self.expectations.forget(event.key)
            return [event.key]
        if event.kind == "Node":
            if event.type == UPDATE and event.old is not None and \
                    not _node_changed(event.old, event.obj):
                return []
            return [_key(ds) for ds in self.cache.list()]
        if event.kind == "ControllerRevision":
            return revision_event_keys(self.cache, self.kind, "apps", event)
        if event.kind != "Pod":
            return []
        return pod_event_keys(self.cache, self.kind, "apps", self.expectations, event)

    # -- reconcile ---------------------------------------------------------------------------------
    async def reconcile(self, key: str) -> Result | None:
        ds = self.cache.get(key)
        if ds is None:
            self.expectations.forget(key)
            return None
        try:
            selector = selector_from_label_selector((ds.get("spec") or {}).get("selector"))
        except SelectorError as error:
            raise TerminalError(error) from error
        namespace = _meta(ds).get("namespace", "")
        plan = plan_claims(ds, selector, self.pods.list(namespace))
        claimed = plan.claimed if not plan.adopt and not plan.release \
            else await claim(self.client, ds, plan)
        nodes = self.nodes.list()
        deleting = bool(_meta(ds).get("deletionTimestamp"))
        history = None if deleting else \
            await sync_history(self, ds, selector, self.revisions, release=True)
        hash_ = daemonset_hash(ds) if history is None else \
            str((_meta(history.update).get("labels") or {}).get(HASH_LABEL)
                or _meta(history.update)["name"])
        now = self.ctx.now()
        if self.expectations.satisfied(key, now) and history is not None:
            by_node = nodes_to_daemon_pods(claimed)
            manage = plan_manage(ds, nodes, by_node)
            for pod in manage.failed:
                node = (pod.get("spec") or {}).get("nodeName", "")
                self.record_event(ds, "Warning", "FailedDaemonPod",
                                  f"Found failed daemon pod {_key(pod)} on node {node}, "
                                  "will try to kill it")
            if manage.orphaned:
                await self._force_delete(key, manage.orphaned)
            if manage.create_on or manage.delete:
                await self._sync_nodes(key, ds, manage.delete, manage.create_on, hash_)
            elif ((ds.get("spec") or {}).get("updateStrategy") or {}).get("type") \
                    != "OnDelete":
                old = plan_rolling_update(ds, nodes, by_node, hash_, now)
                if old:
                    self.ctx.log.info("daemonset.rolling_update", daemonset=key,
                                      replacing=[_meta(p)["name"] for p in old])
                    await self._sync_nodes(key, ds, old, [], hash_)
            await self._cleanup_history(ds, history, claimed)
        now = self.ctx.now()
        status: dict[str, int] = daemonset_status(ds, nodes, nodes_to_daemon_pods(claimed),
                                                  hash_, now)
        if history is not None and history.collision_count:
            status["collisionCount"] = history.collision_count
        await self._write_status(ds, status)
        return self._requeue(key, ds, claimed, now)

    async def _cleanup_history(self, ds: Obj, history: History, pods: Sequence[Obj]) -> None:
        """`cleanupHistory`: of the old revisions (all but the current one), those whose
        hash a pod carries (terminal ones included) are live: they count towards the
        limit but are never deleted."""
        current = _meta(history.update)["name"]
        old = [r for r in history.revisions if _meta(r)["name"] != current]
        hashes = {(_meta(p).get("labels") or {}).get(HASH_LABEL) for p in pods}
        live = {_meta(r)["name"] for r in old
                if (_meta(r).get("labels") or {}).get(HASH_LABEL) in hashes}
        await truncate_history(self, ds, old, live, counting_live=True)

    def _requeue(self, key: str, ds: Obj, pods: Sequence[Obj], now: float) -> Result | None:
        """Look again when a ready pod becomes available (minReadySeconds) or unmet
        expectations expire."""
        delays = availability_delays(
            pods, int((ds.get("spec") or {}).get("minReadySeconds") or 0), now)
        expires = self.expectations.expires_in(key, now)
        if expires is not None:
            delays.append(expires + 0.001)
        return Result(requeue_after=min(delays)) if delays else None

    async def _write_status(self, ds: Obj, status: dict[str, Any]) -> None:
        generation = int(_meta(ds).get("generation") or 0)
        wanted = {**status, "observedGeneration": generation}
        old = ds.get("status") or {}
        if all(old.get(k, 0) == v for k, v in wanted.items()):
            return
        meta = _meta(ds)
        await self.client.patch("apps/v1/DaemonSet", meta["name"], {"status": wanted},
                                meta.get("namespace"), subresource="status")
        self.ctx.log.info("daemonset.status", daemonset=_key(ds),
                          desired=status["desiredNumberScheduled"],
                          current=status["currentNumberScheduled"],
                          ready=status["numberReady"],
                          updated=status["updatedNumberScheduled"],
                          misscheduled=status["numberMisscheduled"])

    # -- creating and deleting pods -----------------------------------------------------------------
    async def _force_delete(self, key: str, pods: Sequence[Obj]) -> None:
        """Delete (grace 0) the pods of nodes that are gone, as PodGC's `gcOrphaned`."""
        for pod in pods:
            meta = _meta(pod)
            try:
                await self.client.delete("v1/Pod", meta["name"], meta.get("namespace"),
                                         grace_period_seconds=0,
                                         preconditions={"uid": meta.get("uid")})
            except (NotFound, Conflict):
                continue
            self.ctx.log.info("daemonset.pod_deleted", daemonset=key, pod=meta["name"],
                              node=(pod.get("spec") or {}).get("nodeName"),
                              reason="node gone")

    async def _sync_nodes(self, key: str, ds: Obj, delete: Sequence[Obj],
                          create_on: Sequence[str], hash_: str) -> None:
        """`syncNodes`: delete `delete`, then create a pod on every node of `create_on`
        (in slow-start batches 1, 2, 4, ...), setting expectations first."""
        create_on = list(create_on)[:BURST_REPLICAS]
        delete = list(delete)[:BURST_REPLICAS]
        now = self.ctx.now()
        self.expectations.expect_deletions(key, [_key(p) for p in delete], now)
        self.expectations.by_key[key].add = len(create_on)
        def deleted(pod: Obj) -> None:
            self.ctx.log.info("daemonset.pod_deleted", daemonset=key, pod=_meta(pod)["name"],
                              node=(pod.get("spec") or {}).get("nodeName"))

        errors = await delete_pods(self, key, ds, delete, self.expectations, deleted)

        remaining = list(create_on)
        batch = 1
        while remaining:
            now_batch, remaining = remaining[:batch], remaining[batch:]
            outcomes: list[Exception | None] = []
            async with trio.open_nursery() as nursery:
                for node in now_batch:
                    nursery.start_soon(self._try_create, key, ds, node, hash_, outcomes)
            failures = [o for o in outcomes if o is not None]
            if failures:
                errors.extend(failures)
                for _ in remaining:  # never attempted: no longer expected
                    self.expectations.creation_observed(key)
                break
            batch *= 2
        if errors:
            raise errors[0]

    async def _try_create(self, key: str, ds: Obj, node: str, hash_: str,
                          outcomes: list[Exception | None]) -> None:
        meta = _meta(ds)
        owner = new_controller_ref(ds)
        for attempt in range(3):
            name = generate_name(f"{meta['name']}-", self.ctx.random)
            pod = new_daemon_pod(ds, node, name, hash_, owner)
            try:
                await self.client.create(pod)
            except AlreadyExists:
                if attempt < 2:
                    continue
                self.expectations.creation_observed(key)
                outcomes.append(RuntimeError(f"no free name for a pod of {key}"))
                return
            except ApiError as error:
                self.expectations.creation_observed(key)
                self.record_event(ds, "Warning", "FailedCreate", f"Error creating: {error}")
                outcomes.append(error)
                return
            self.ctx.log.info("daemonset.pod_created", daemonset=key, pod=name, node=node)
            self.record_event(ds, "Normal", "SuccessfulCreate", f"Created pod: {name}")
            outcomes.append(None)
            return
