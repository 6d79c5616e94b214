"""The Deployment controller: rolls pod templates out through ReplicaSets.

After Kubernetes' `pkg/controller/deployment/` (`deployment_controller.go`, `sync.go`,
`rolling.go`, `recreate.go`, `progress.go`). A Deployment owns one ReplicaSet per pod
template it has had, named `<deployment>-<pod-template-hash>` (see `hashing`), the hash
also added as the `pod-template-hash` label to the ReplicaSet, its selector and its
template, so the pods of different templates never mix. The ReplicaSet whose template is
the Deployment's is the *new* one; the others are *old*. One reconcile:

1. claims ReplicaSets by selector (adopting orphans, releasing strays; `refmanager`);
2. a paused Deployment, or one whose `replicas` changed (the ReplicaSets'
   `desired-replicas` annotation says another number), is *scaled*: the only active
   ReplicaSet gets all replicas, or, mid-rollout, every active one gets its proportional
   share of the change; old ReplicaSets beyond `revisionHistoryLimit` are deleted;
3. otherwise the rollout goes on with the strategy:
   - RollingUpdate: the new ReplicaSet grows while all ReplicaSets together have fewer
     than `replicas + maxSurge` replicas; old ones shrink while more than
     `replicas - maxUnavailable` pods are available (maxSurge rounds up, maxUnavailable
     down, both 25% by default; both 0 makes maxUnavailable 1). Each step waits for the
     ReplicaSets' status, i.e. for pods to become available.
   - Recreate: every old ReplicaSet goes to 0, then, once no old pod is left, the new
     ReplicaSet is created (or scaled) with all replicas.
4. writes status: replicas, updatedReplicas, readyReplicas, availableReplicas,
   unavailableReplicas, observedGeneration, collisionCount, and the conditions
   Available (MinimumReplicasAvailable / MinimumReplicasUnavailable) and Progressing
   (NewReplicaSetCreated, FoundNewReplicaSet, ReplicaSetUpdated, NewReplicaSetAvailable,
   ProgressDeadlineExceeded, DeploymentPaused / DeploymentResumed), with Kubernetes'
   messages.

Revisions: the new ReplicaSet's `deployment.kubernetes.io/revision` is one more than the
highest old one, and the Deployment carries its revision too. `kubectl rollout undo` is
just a template change back to an old ReplicaSet's template: that ReplicaSet becomes the
new one again, its revision is bumped, and the revision it had is kept in
`deployment.kubernetes.io/revision-history`.

Events (`ScalingReplicaSet`): "Scaled up replica set nginx-5d4f9b7c8c from 0 to 3",
"Scaled down replica set ... from 3 to 2".

Left out: the deprecated `rollbackTo` annotation (extensions/v1beta1 rollback), the
`terminatingReplicas` status field (alpha), and the last-applied annotation handling
beyond not copying it. Two deliberate differences: when deciding how far old ReplicaSets
may shrink, a ReplicaSet is never counted with more available pods than its
`spec.replicas` (Kubernetes trusts its status there, which lags a scale-down: pods that
are already going away must not be counted as available); and the revision annotation
is written with a metadata patch of its own, as this apiserver's status subresource keeps
metadata unchanged (Kubernetes' Deployment status strategy lets annotations through).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from kactors.api.labels import SelectorError, selector_from_label_selector
from kactors.api.meta import controller_of, deep_copy, new_controller_ref
from kactors.api.meta import metadata_of as _meta
from kactors.client.errors import AlreadyExists, NotFound
from kactors.client.indexer import object_key as _key
from kactors.client.informer import ADD, DELETE, UPDATE, InformerEvent
from kactors.client.result import Result, TerminalError
from kactors.controllers import deploymentutil as du
from kactors.controllers.base import Controller
from kactors.controllers.hashing import compute_hash
from kactors.controllers.owners import resolve_controller, selecting_owners
from kactors.controllers.refmanager import claim, plan_claims

__all__ = ["DeploymentController"]

Obj = Mapping[str, Any]
RS_KIND = "apps/v1/ReplicaSet"
SCALING_REPLICA_SET = "ScalingReplicaSet"






def _selects_everything(selector: Any) -> bool:
    return isinstance(selector, Mapping) and not selector.get("matchLabels") and \
        not selector.get("matchExpressions")


class DeploymentController(Controller):
    """Rolls Deployments out through ReplicaSets (RollingUpdate or Recreate)."""

    watches = "apps/v1/Deployment"
    owns: ClassVar[Sequence[str]] = ["apps/v1/ReplicaSet"]
    workers = 5
    component = "deployment-controller"

    async def setup(self) -> None:
        self.replica_sets = self.lister(RS_KIND)
        await self.informer("v1/Pod")  # Recreate waits for old pods to be gone
        self.pods = self.lister("v1/Pod")

    # -- events -> keys --------------------------------------------------------------------------
    def map_event(self, event: InformerEvent) -> list[str]:
        if event.kind == self.kind:
            return [event.key]
        if event.kind == "ReplicaSet":
            return self._replica_set_keys(event)
        if event.kind == "Pod" and event.type == DELETE:
            # Recreate: the deletion of the last old pod lets the new ReplicaSet start
            deployment = self._deployment_of_pod(event.obj)
            if deployment is not None and not du.is_rolling_update(deployment):
                return [_key(deployment)]
        return []

    def _replica_set_keys(self, event: InformerEvent) -> list[str]:
        rs, old = event.obj, event.old
        if event.type in (ADD, DELETE) or old is None:
            owner = self._resolve(rs)
            if owner is not None:
                return [_key(owner)]
            if event.type == ADD and controller_of(rs) is None and \
                    not _meta(rs).get("deletionTimestamp"):
                return [_key(d) for d in self._matching_deployments(rs)]
            return []
        if event.type == UPDATE and \
                _meta(rs).get("resourceVersion") == _meta(old).get("resourceVersion"):
            return []  # a periodic resync: nothing changed
        keys: list[str] = []
        ref, old_ref = controller_of(rs), controller_of(old)
        ref_changed = (ref or {}).get("uid") != (old_ref or {}).get("uid")
        if ref_changed and old_ref is not None:
            previous = self._resolve(old)
            if previous is not None:
                keys.append(_key(previous))
        if ref is not None:
            owner = self._resolve(rs)
            if owner is not None and _key(owner) not in keys:
                keys.append(_key(owner))
            return keys
        if ref_changed or _meta(rs).get("labels") != _meta(old).get("labels"):
            keys += [_key(d) for d in self._matching_deployments(rs) if _key(d) not in keys]
        return keys

    def _resolve(self, rs: Obj) -> Obj | None:
        """The Deployment (in the cache) that `rs`'s controller ownerReference names."""
        return resolve_controller(self.cache, self.kind, "apps", rs)

    def _matching_deployments(self, rs: Obj) -> list[Obj]:
        """`getDeploymentsForReplicaSet`: Deployments of its namespace selecting it."""
        return selecting_owners(self.cache, rs)

    def _deployment_of_pod(self, pod: Obj) -> Obj | None:
        ref = controller_of(pod)
        if ref is None or ref.get("kind") != "ReplicaSet":
            return None
        rs = self.replica_sets.get(_meta(pod).get("namespace", ""), ref.get("name", ""))
        if rs is None or _meta(rs).get("uid") != ref.get("uid"):
            return None
        return self._resolve(rs)

    # -- reconcile ----------------------------------------------------------------------------------
    async def reconcile(self, key: str) -> Result | None:
        cached = self.cache.get(key)
        if cached is None:
            return None
        d = deep_copy(dict(cached))  # our working copy: status and annotations change in it
        spec = d.get("spec") or {}
        if _selects_everything(spec.get("selector")):
            self.record_event(d, "Warning", "SelectingAll",
                              "This deployment is selecting all pods. A non-empty selector "
                              "is required.")
            generation = int(_meta(d).get("generation") or 0)
            if int((d.get("status") or {}).get("observedGeneration") or 0) < generation:
                await self._write_status(d, {**(d.get("status") or {}),
                                             "observedGeneration": generation})
            return None
        try:
            selector = selector_from_label_selector(spec.get("selector"))
        except SelectorError as error:
            raise TerminalError(error) from error
        rs_list = await self._claim_replica_sets(d, selector)
        if _meta(d).get("deletionTimestamp"):
            new_rs, old_rss = await self._new_and_old(d, rs_list, create=False)
            await self._write_status(d, du.calculate_status([*old_rss, new_rs], new_rs, d,
                                                            self.ctx.now()))
            return None
        await self._check_paused_conditions(d)
        new_rs, old_rss = await self._new_and_old(d, rs_list, create=False)
        if spec.get("paused") or self._is_scaling_event(d, new_rs, old_rss):
            await self._sync(d, new_rs, old_rss)
            return None
        if du.is_rolling_update(d):
            return await self._rollout_rolling(d, rs_list, new_rs, old_rss)
        if (spec.get("strategy") or {}).get("type") == "Recreate":
            return await self._rollout_recreate(d, rs_list, selector, new_rs, old_rss)
        raise TerminalError(ValueError(
            f"unexpected deployment strategy type: {(spec.get('strategy') or {}).get('type')}"))

    async def _claim_replica_sets(self, d: dict[str, Any], selector: Any) -> list[Obj]:
        """`getReplicaSetsForDeployment`: ReplicaSets of the namespace it controls or adopts."""
        candidates = self.replica_sets.list(_meta(d).get("namespace", ""))
        plan = plan_claims(d, selector, candidates)
        if not plan.adopt and not plan.release:
            return plan.claimed
        return await claim(self.client, d, plan)

    def _is_scaling_event(self, d: Obj, new_rs: Obj | None, old_rss: Sequence[Obj]) -> bool:
        """`isScalingEvent`: an active ReplicaSet was sized for another `replicas`."""
        for rs in du.filter_active([*old_rss, new_rs]):
            annotations = _meta(rs).get("annotations") or {}
            try:
                desired = int(annotations[du.DESIRED_REPLICAS_ANNOTATION])
            except (KeyError, ValueError):
                continue
            if desired != du.replicas(d):
                return True
        return False

    # -- writing the Deployment ---------------------------------------------------------------------
    async def _write_status(self, d: dict[str, Any], status: dict[str, Any]) -> None:
        """Replace the Deployment's status (through the status subresource) if it differs
        from what `d` says; `d` then says the new status."""
        old = d.get("status") or {}
        if old == status:
            return
        patch = {**{k: None for k in old if k not in status}, **status}
        meta = _meta(d)
        await self.client.patch("apps/v1/Deployment", meta["name"], {"status": patch},
                                meta.get("namespace"), subresource="status")
        d["status"] = status

    async def _set_revision(self, d: dict[str, Any], revision: str) -> None:
        """`SetDeploymentRevision`: the Deployment's revision annotation (a metadata
        patch: this apiserver's status subresource keeps metadata as it was)."""
        annotations = d.setdefault("metadata", {}).setdefault("annotations", {})
        if not revision or annotations.get(du.REVISION_ANNOTATION) == revision:
            return
        meta = _meta(d)
        await self.client.patch("apps/v1/Deployment", meta["name"],
                                {"metadata": {"annotations": {du.REVISION_ANNOTATION: revision}}},
                                meta.get("namespace"))
        annotations[du.REVISION_ANNOTATION] = revision

    async def _check_paused_conditions(self, d: dict[str, Any]) -> None:
        """`checkPausedConditions`: Progressing Unknown while paused / once resumed, so a
        paused Deployment never counts as stuck."""
        if not du.has_progress_deadline(d):
            return
        status = deep_copy(dict(d.get("status") or {}))
        condition = du.get_condition(status, du.PROGRESSING)
        if condition is not None and condition.get("reason") == du.TIMED_OUT:
            return
        paused_now = condition is not None and condition.get("reason") == du.PAUSED
        paused = bool((d.get("spec") or {}).get("paused"))
        now = self.ctx.now()
        if paused and not paused_now:
            du.set_condition(status, du.new_condition(du.PROGRESSING, "Unknown", du.PAUSED,
                                                       "Deployment is paused", now))
        elif not paused and paused_now:
            du.set_condition(status, du.new_condition(du.PROGRESSING, "Unknown", du.RESUMED,
                                                       "Deployment is resumed", now))
        else:
            return
        await self._write_status(d, status)

    # -- ReplicaSets ---------------------------------------------------------------------------------
    async def _new_and_old(self, d: dict[str, Any], rs_list: Sequence[Obj], create: bool
                           ) -> tuple[Obj | None, list[Obj]]:
        """`getAllReplicaSetsAndSyncRevision`: (the new ReplicaSet, all old ones)."""
        _, all_old = du.find_old_replica_sets(d, rs_list)
        new_rs = await self._get_new_replica_set(d, rs_list, all_old, create)
        return new_rs, all_old

    async def _get_new_replica_set(self, d: dict[str, Any], rs_list: Sequence[Obj],
                                   old_rss: Sequence[Obj], create: bool) -> Obj | None:
        """`getNewReplicaSet`: the ReplicaSet of the current template, its annotations
        and revision brought up to date; created (if `create`) when there is none."""
        existing = du.find_new_replica_set(d, rs_list)
        new_revision = du.max_revision(old_rss) + 1
        now = self.ctx.now()
        spec = d.get("spec") or {}
        min_ready = int(spec.get("minReadySeconds") or 0)
        if existing is not None:
            rs_copy = deep_copy(dict(existing))
            annotations_updated = du.set_new_replica_set_annotations(d, rs_copy, new_revision,
                                                                     exists=True)
            if annotations_updated or \
                    int((rs_copy.get("spec") or {}).get("minReadySeconds") or 0) != min_ready:
                rs_spec = rs_copy.setdefault("spec", {})
                if min_ready:
                    rs_spec["minReadySeconds"] = min_ready
                else:
                    rs_spec.pop("minReadySeconds", None)
                return await self.client.update(rs_copy)
            status = deep_copy(dict(d.get("status") or {}))
            if du.has_progress_deadline(d) and du.get_condition(status, du.PROGRESSING) is None:
                du.set_condition(status, du.new_condition(
                    du.PROGRESSING, "True", du.FOUND_NEW_RS,
                    f'Found new replica set "{_meta(rs_copy)["name"]}"', now))
            await self._set_revision(
                d, (_meta(rs_copy).get("annotations") or {}).get(du.REVISION_ANNOTATION, ""))
            await self._write_status(d, status)
            return rs_copy
        if not create:
            return None
        return await self._create_new_replica_set(d, old_rss, new_revision)

    async def _create_new_replica_set(self, d: dict[str, Any], old_rss: Sequence[Obj],
                                      new_revision: int) -> Obj | None:
        meta = _meta(d)
        spec = d.get("spec") or {}
        status = d.get("status") or {}
        template = deep_copy(dict(spec.get("template") or {}))
        pod_hash = compute_hash(spec.get("template") or {}, status.get("collisionCount"))
        template_meta = template.setdefault("metadata", {})
        template_meta["labels"] = {**(template_meta.get("labels") or {}),
                                   du.DEFAULT_UNIQUE_LABEL: pod_hash}
        selector = deep_copy(dict(spec.get("selector") or {}))
        selector["matchLabels"] = {**(selector.get("matchLabels") or {}),
                                   du.DEFAULT_UNIQUE_LABEL: pod_hash}
        rs_spec: dict[str, Any] = {"replicas": 0}
        if spec.get("minReadySeconds"):
            rs_spec["minReadySeconds"] = spec["minReadySeconds"]
        rs_spec["selector"] = selector
        rs_spec["template"] = template
        new_rs: dict[str, Any] = {
            "apiVersion": "apps/v1", "kind": "ReplicaSet",
            "metadata": {"name": f"{meta['name']}-{pod_hash}",
                         "namespace": meta.get("namespace"),
                         "labels": dict(template_meta["labels"]),
                         "ownerReferences": [new_controller_ref(d)]},
            "spec": rs_spec,
        }
        count = du.new_rs_new_replicas(d, [*old_rss, new_rs], new_rs)
        rs_spec["replicas"] = count
        du.set_new_replica_set_annotations(d, new_rs, new_revision, exists=False)
        name = new_rs["metadata"]["name"]
        now = self.ctx.now()
        already_exists = False
        try:
            created: Obj = await self.client.create(new_rs)
        except AlreadyExists:
            # a slow cache, or a hash collision with a ReplicaSet of another template
            found = self.replica_sets.get(meta.get("namespace", ""), name)
            if found is None:
                found = await self.client.get(RS_KIND, name, meta.get("namespace"))
            ref = controller_of(found)
            if ref is not None and ref.get("uid") == meta.get("uid") and \
                    du.equal_ignore_hash(spec.get("template") or {},
                                         (found.get("spec") or {}).get("template") or {}):
                created, already_exists = found, True
            else:
                collisions = int(status.get("collisionCount") or 0) + 1
                self.ctx.log.info("deployment.hash_collision", deployment=_key(d),
                                  replicaset=name, collision_count=collisions)
                await self._write_status(d, {**status, "collisionCount": collisions})
                raise
        except Exception as error:
            message = f'Failed to create new replica set "{name}": {error}'
            if du.has_progress_deadline(d):
                failed = deep_copy(dict(status))
                du.set_condition(failed, du.new_condition(du.PROGRESSING, "False",
                                                          du.FAILED_RS_CREATE, message, now))
                try:
                    await self._write_status(d, failed)
                except Exception as status_error:  # the bigger issue is reported below
                    self.ctx.log.info("deployment.status_failed", error=repr(status_error))
            self.record_event(d, "Warning", du.FAILED_RS_CREATE, message)
            raise
        if not already_exists and count > 0:
            self.record_event(d, "Normal", SCALING_REPLICA_SET,
                              f"Scaled up replica set {name} from 0 to {count}")
        await self._set_revision(d, str(new_revision))
        if not already_exists and du.has_progress_deadline(d):
            new_status = deep_copy(dict(d.get("status") or {}))
            du.set_condition(new_status, du.new_condition(
                du.PROGRESSING, "True", du.NEW_REPLICA_SET,
                f'Created new replica set "{name}"', now))
            await self._write_status(d, new_status)
        return created

    async def _scale(self, rs: Obj, new_scale: int, d: Obj) -> tuple[bool, Obj]:
        """`scaleReplicaSetAndRecordEvent`: set `rs`'s replicas (and its replicas
        annotations), with a ScalingReplicaSet event. Returns (scaled, the ReplicaSet)."""
        if du.replicas(rs) == new_scale:
            return False, rs
        return await self._scale_replica_set(rs, new_scale, d)

    async def _scale_replica_set(self, rs: Obj, new_scale: int, d: Obj) -> tuple[bool, Obj]:
        desired = du.replicas(d)
        max_replicas = desired + du.max_surge(d)
        size_changes = du.replicas(rs) != new_scale
        if not size_changes and not du.replicas_annotations_need_update(rs, desired,
                                                                       max_replicas):
            return False, rs
        old_scale = du.replicas(rs)
        rs_copy = deep_copy(dict(rs))
        rs_copy.setdefault("spec", {})["replicas"] = new_scale
        du.set_replicas_annotations(rs_copy, desired, max_replicas)
        updated = await self.client.update(rs_copy)  # resourceVersion: never on a stale one
        if size_changes:
            direction = "up" if old_scale < new_scale else "down"
            self.record_event(d, "Normal", SCALING_REPLICA_SET,
                              f"Scaled {direction} replica set {_meta(rs)['name']} from "
                              f"{old_scale} to {new_scale}")
        return size_changes, updated

    async def _cleanup(self, old_rss: Sequence[Obj], d: Obj) -> None:
        """`cleanupDeployment`: delete the oldest old ReplicaSets beyond
        `revisionHistoryLimit` (only empty ones whose status caught up)."""
        if not du.has_revision_history_limit(d):
            return
        alive = [rs for rs in old_rss if not _meta(rs).get("deletionTimestamp")]
        diff = len(alive) - int((d.get("spec") or {})["revisionHistoryLimit"])
        if diff <= 0:
            return
        for rs in du.sort_by_revision(alive)[:diff]:
            status = rs.get("status") or {}
            if int(status.get("replicas") or 0) != 0 or du.replicas(rs) != 0 or \
                    int(_meta(rs).get("generation") or 0) > \
                    int(status.get("observedGeneration") or 0):
                continue
            self.ctx.log.info("deployment.cleanup", deployment=_key(d), replicaset=_key(rs))
            try:
                await self.client.delete(RS_KIND, _meta(rs)["name"], _meta(rs).get("namespace"))
            except NotFound:
                continue

    # -- scaling (paused or resized Deployments) ----------------------------------------------------
    async def _sync(self, d: dict[str, Any], new_rs: Obj | None,
                    old_rss: list[Obj]) -> None:
        """`sync`: scale, clean up (if paused), write status; no rollout."""
        await self._scale_all(d, new_rs, old_rss)
        if (d.get("spec") or {}).get("paused"):
            await self._cleanup(old_rss, d)
        await self._write_status(d, du.calculate_status([*old_rss, new_rs], new_rs, d,
                                                        self.ctx.now()))

    async def _scale_all(self, d: dict[str, Any], new_rs: Obj | None,
                         old_rss: Sequence[Obj]) -> None:
        """`scale`: the only active (or the newest) ReplicaSet gets all replicas; with a
        saturated new ReplicaSet the old ones go to 0; mid-rollout, every active
        ReplicaSet gets its share of the change (leftovers to the largest)."""
        desired = du.replicas(d)
        active_or_latest = du.find_active_or_latest(new_rs, old_rss)
        if active_or_latest is not None:
            if du.replicas(active_or_latest) != desired:
                await self._scale(active_or_latest, desired, d)
            return
        if du.is_saturated(d, new_rs):
            for old in du.filter_active(old_rss):
                await self._scale(old, 0, d)
            return
        if not du.is_rolling_update(d):
            return
        active = du.filter_active([*old_rss, new_rs])
        allowed = desired + du.max_surge(d) if desired > 0 else 0
        to_add = allowed - sum(du.replicas(rs) for rs in active)
        if to_add > 0:
            active = du.sort_by_size_newer(active)
        elif to_add < 0:
            active = du.sort_by_size_older(active)
        added = 0
        sizes: list[int] = []
        for rs in active:
            if to_add:
                proportion = du.get_proportion(rs, d, to_add, added)
                sizes.append(du.replicas(rs) + proportion)
                added += proportion
            else:
                sizes.append(du.replicas(rs))
        for i, rs in enumerate(active):
            if i == 0 and to_add:
                sizes[0] = max(0, sizes[0] + to_add - added)
            await self._scale_replica_set(rs, sizes[i], d)

    # -- RollingUpdate ------------------------------------------------------------------------------
    async def _rollout_rolling(self, d: dict[str, Any], rs_list: Sequence[Obj],
                               new_rs: Obj | None, old_rss: list[Obj]) -> Result | None:
        """`rolloutRolling`: grow the new ReplicaSet if the surge allows, else shrink old
        ones if availability allows, else (rollout done) clean up; then status."""
        if new_rs is None:
            new_rs = await self._get_new_replica_set(d, rs_list, old_rss, create=True)
        all_rss = [*old_rss, new_rs]
        if new_rs is not None and await self._reconcile_new(all_rss, new_rs, d):
            return await self._sync_rollout_status(all_rss, new_rs, d)
        if await self._reconcile_old(all_rss, du.filter_active(old_rss), new_rs, d):
            return await self._sync_rollout_status(all_rss, new_rs, d)
        if du.deployment_complete(d, d.get("status") or {}):
            await self._cleanup(old_rss, d)
        return await self._sync_rollout_status(all_rss, new_rs, d)

    async def _reconcile_new(self, all_rss: Sequence[Obj | None], new_rs: Obj,
                             d: Obj) -> bool:
        """`reconcileNewReplicaSet`: scale the new ReplicaSet toward `replicas`."""
        desired = du.replicas(d)
        if du.replicas(new_rs) == desired:
            return False
        if du.replicas(new_rs) > desired:
            scaled, _ = await self._scale(new_rs, desired, d)
            return scaled
        count = du.new_rs_new_replicas(d, all_rss, new_rs)
        scaled, _ = await self._scale(new_rs, count, d)
        return scaled

    async def _reconcile_old(self, all_rss: Sequence[Obj | None], old_rss: list[Obj],
                             new_rs: Obj | None, d: Obj) -> bool:
        """`reconcileOldReplicaSets`: shrink old ReplicaSets as far as availability
        allows, their unhealthy replicas first."""
        if sum(du.replicas(rs) for rs in old_rss) == 0:
            return False
        all_pods = sum(du.replicas(rs) for rs in all_rss if rs is not None)
        min_available = du.replicas(d) - du.max_unavailable(d)
        new_unavailable = du.replicas(new_rs) - _available(new_rs)
        max_scaled_down = all_pods - min_available - new_unavailable
        if max_scaled_down <= 0:
            return False
        old_rss, cleaned = await self._cleanup_unhealthy(old_rss, d, max_scaled_down)
        scaled = await self._scale_down_old(old_rss, new_rs, d)
        return cleaned + scaled > 0

    async def _cleanup_unhealthy(self, old_rss: list[Obj], d: Obj, max_cleanup: int
                                 ) -> tuple[list[Obj], int]:
        """`cleanupUnhealthyReplicas`: drop old ReplicaSets' unavailable replicas (they
        cannot lower availability), oldest ReplicaSets first."""
        old_rss = du.sort_by_creation(old_rss)
        total = 0
        for i, rs in enumerate(old_rss):
            if total >= max_cleanup:
                break
            unhealthy = du.replicas(rs) - _available(rs)
            if du.replicas(rs) == 0 or unhealthy <= 0:
                continue
            count = min(max_cleanup - total, unhealthy)
            _, old_rss[i] = await self._scale(rs, du.replicas(rs) - count, d)
            total += count
        return old_rss, total

    async def _scale_down_old(self, old_rss: list[Obj], new_rs: Obj | None, d: Obj) -> int:
        """`scaleDownOldReplicaSetsForRollingUpdate`: take old replicas away while more
        than `replicas - maxUnavailable` pods are available, oldest ReplicaSets first."""
        min_available = du.replicas(d) - du.max_unavailable(d)
        available = sum(_available(rs) for rs in [*old_rss, new_rs] if rs is not None)
        if available <= min_available:
            return 0
        to_scale_down = available - min_available
        total = 0
        for rs in du.sort_by_creation(old_rss):
            if total >= to_scale_down:
                break
            if du.replicas(rs) == 0:
                continue
            count = min(du.replicas(rs), to_scale_down - total)
            await self._scale(rs, du.replicas(rs) - count, d)
            total += count
        return total

    # -- Recreate -------------------------------------------------------------------------------------
    async def _rollout_recreate(self, d: dict[str, Any], rs_list: Sequence[Obj], selector: Any,
                                new_rs: Obj | None, old_rss: list[Obj]) -> Result | None:
        """`rolloutRecreate`: old ReplicaSets to 0; once no old pod is left, the new
        ReplicaSet (created only now) to `replicas`."""
        all_rss = [*old_rss, new_rs]
        scaled_down = False
        for rs in du.filter_active(old_rss):
            scaled, _ = await self._scale(rs, 0, d)
            scaled_down = scaled_down or scaled
        if scaled_down:
            return await self._sync_rollout_status(all_rss, new_rs, d)
        if self._old_pods_running(new_rs, old_rss, rs_list, selector, d):
            return await self._sync_rollout_status(all_rss, new_rs, d)
        if new_rs is None:
            new_rs = await self._get_new_replica_set(d, rs_list, old_rss, create=True)
            all_rss = [*old_rss, new_rs]
        if new_rs is not None:
            await self._scale(new_rs, du.replicas(d), d)
        if du.deployment_complete(d, d.get("status") or {}):
            await self._cleanup(old_rss, d)
        return await self._sync_rollout_status(all_rss, new_rs, d)

    def _old_pods_running(self, new_rs: Obj | None, old_rss: Sequence[Obj],
                          rs_list: Sequence[Obj], selector: Any, d: Obj) -> bool:
        """`oldPodsRunning`: an old ReplicaSet still counts pods, or a pod of one (even
        terminating) is not in a terminal phase."""
        if sum(int((rs.get("status") or {}).get("replicas") or 0) for rs in old_rss) > 0:
            return True
        new_uid = _meta(new_rs).get("uid") if new_rs is not None else None
        old_uids = {_meta(rs).get("uid") for rs in rs_list} - {new_uid}
        for pod in self.pods.list(_meta(d).get("namespace", ""), selector):
            if (controller_of(pod) or {}).get("uid") not in old_uids:
                continue
            if (pod.get("status") or {}).get("phase") not in ("Failed", "Succeeded"):
                return True
        return False

    # -- status ------------------------------------------------------------------------------------
    async def _sync_rollout_status(self, all_rss: Sequence[Obj | None], new_rs: Obj | None,
                                   d: dict[str, Any]) -> Result | None:
        """`syncRolloutStatus`: status with the Progressing condition; if nothing changed,
        come back when the progress deadline would pass."""
        now = self.ctx.now()
        status = du.rollout_status(all_rss, new_rs, d, now)
        if status == (d.get("status") or {}):
            after = du.stuck_requeue_after(d, status, now)
            return Result(requeue_after=after) if after is not None else None
        await self._write_status(d, status)
        return None


def _available(rs: Obj | None) -> int:
    """A ReplicaSet's available replicas, never more than it is asked to run (a status
    that lags a scale-down must not count pods that are going away)."""
    if rs is None:
        return 0
    return min(int((rs.get("status") or {}).get("availableReplicas") or 0), du.replicas(rs))
