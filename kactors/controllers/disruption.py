"""The disruption controller: keeps each PodDisruptionBudget's status counted.

After Kubernetes' ``pkg/controller/disruption``. For a budget, the pods its selector picks
in its namespace are counted:

* ``expectedPods``: with an integer ``minAvailable``, how many pods there are; with a
  percentage, or with ``maxUnavailable``, the sum of the desired replicas of the pods'
  controllers (a Deployment's replicas for the pods of its ReplicaSets, a ReplicaSet's or
  StatefulSet's own), because a pod that is missing still counts against the budget;
* ``desiredHealthy``: ``minAvailable`` (scaled, rounded up), or ``expectedPods`` minus
  ``maxUnavailable`` (scaled, rounded up);
* ``currentHealthy``: the Ready pods not being deleted, minus those an eviction has just
  been allowed for (``disruptedPods``, for at most two minutes: then the pod is deemed
  not deleted after all, with a ``NotDeleted`` Event);
* ``disruptionsAllowed``: ``currentHealthy - desiredHealthy``, at least 0 (0 when nothing
  is expected), with the ``DisruptionAllowed`` condition.

Pods whose controller has no scale (a DaemonSet's, a Job's) cannot be counted for a
percentage or ``maxUnavailable``: the budget then allows no disruption, its condition
says why (``SyncFailed``), as Kubernetes' fail-safe does. The apiserver's eviction
subresource spends what the status allows.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar

from kactors.api.disruption import selects, with_disruption_allowed_condition
from kactors.api.meta import controller_of
from kactors.api.meta import metadata_of as _meta
from kactors.client.indexer import object_key
from kactors.client.informer import InformerEvent
from kactors.client.result import Result
from kactors.controllers.base import Controller
from kactors.controllers.deploymentutil import int_or_percent
from kactors.controllers.podutil import cluster_seconds, is_pod_ready, now_timestamp

__all__ = ["DELETION_TIMEOUT", "DisruptionController", "budget_counts", "healthy_pods"]

Obj = Mapping[str, Any]
#: how long after an eviction was allowed a pod still counts as about to go
DELETION_TIMEOUT = 120.0


class CannotCount(Exception):
    """The budget's expected pods cannot be counted (a pod's controller has no scale)."""


def budget_counts(budget: Obj, pods: Sequence[Obj],
                  scale_of: Callable[[Obj], tuple[str, int] | None]
                  ) -> tuple[int, int, list[str]]:
    """(expectedPods, desiredHealthy, unmanaged pod names) of `budget` over `pods`
    (``getExpectedPodCount``). `scale_of(pod)` is (its controller's uid, desired
    replicas), or None when it has no controller; raises `CannotCount` when the
    controller has no scale."""
    spec = budget.get("spec") or {}
    minimum, maximum = spec.get("minAvailable"), spec.get("maxUnavailable")
    if maximum is not None:
        expected, unmanaged = _expected_scale(pods, scale_of)
        desired = max(0, expected - int_or_percent(maximum, expected, True))
        return expected, desired, unmanaged
    if minimum is None:
        return 0, 0, []
    if isinstance(minimum, int):
        return len(pods), minimum, []
    expected, unmanaged = _expected_scale(pods, scale_of)
    return expected, int_or_percent(minimum, expected, True), unmanaged


def _expected_scale(pods: Sequence[Obj], scale_of: Callable[[Obj], tuple[str, int] | None]
                    ) -> tuple[int, list[str]]:
    scales: dict[str, int] = {}
    unmanaged: list[str] = []
    for pod in pods:
        found = scale_of(pod)
        if found is None:
            unmanaged.append(_meta(pod)["name"])
            continue
        uid, replicas = found
        scales[uid] = replicas
    return sum(scales.values()), unmanaged


def healthy_pods(pods: Sequence[Obj], disrupted: Mapping[str, str], now: float) -> int:
    """``countHealthyPods``: Ready, not being deleted, not just allowed an eviction."""
    count = 0
    for pod in pods:
        meta = _meta(pod)
        if meta.get("deletionTimestamp"):
            continue
        since = cluster_seconds(disrupted.get(meta["name"]))
        if since is not None and since + DELETION_TIMEOUT > now:
            continue
        if is_pod_ready(pod):
            count += 1
    return count


class DisruptionController(Controller):
    """Counts every PodDisruptionBudget's pods into its status."""

    watches = "policy/v1/PodDisruptionBudget"
    owns: ClassVar[Sequence[str]] = ()
    workers = 1
    component = "controllermanager"

    async def setup(self) -> None:
        for kind in ("v1/Pod", "apps/v1/ReplicaSet", "apps/v1/Deployment",
                     "apps/v1/StatefulSet"):
            await self.informer(kind)
        self.pods = self.lister("v1/Pod")
        self.scalers = {kind.rpartition("/")[2]: self.lister(kind) for kind in (
            "apps/v1/ReplicaSet", "apps/v1/Deployment", "apps/v1/StatefulSet")}

    def map_event(self, event: InformerEvent) -> list[str]:
        if event.kind == self.kind:
            return [event.key]
        obj = event.obj if event.obj is not None else event.old
        namespace = _meta(obj).get("namespace", "") if obj is not None else ""
        budgets = self.cache.list(namespace)
        if not budgets:
            return []  # most namespaces have none: nothing to count
        if event.kind != "Pod":  # a controller's scale: every budget here may count it
            return [object_key(budget) for budget in budgets]
        keys: list[str] = []
        for pod in (event.obj, event.old):
            if pod is None:
                continue
            for budget in budgets:
                key = object_key(budget)
                if key not in keys and selects(budget, pod):
                    keys.append(key)
        return keys

    async def reconcile(self, key: str) -> Result | None:
        budget = self.cache.get(key)
        if budget is None:
            return None
        now = self.ctx.now()
        pods = [pod for pod in self.pods.list(_meta(budget).get("namespace", ""))
                if selects(budget, pod)]
        if not pods:
            self.record_event(budget, "Normal", "NoPods", "No matching pods found")
        try:
            expected, desired, unmanaged = budget_counts(budget, pods, self._scale_of)
        except CannotCount as error:
            self.record_event(budget, "Warning", "CalculateExpectedPodCountFailed",
                              f"Failed to calculate the number of expected pods: {error}")
            # failSafe: allow no disruption, and say why
            status = {**(budget.get("status") or {}), "disruptionsAllowed": 0}
            await self._write(budget, with_disruption_allowed_condition(
                status, now_timestamp(now), failure=str(error)))
            return None
        if unmanaged:
            self.record_event(
                budget, "Warning", "UnmanagedPods",
                "Pods selected by this PodDisruptionBudget (selector: "
                f"{(budget.get('spec') or {}).get('selector')}) were found to be unmanaged. "
                "As a result, the status of the PDB cannot be calculated correctly, which "
                "may result in undefined behavior. To account for these pods please set "
                '".spec.minAvailable" field of the PDB to an integer value.')
        disrupted, recheck = self._disrupted(budget, pods, now)
        healthy = healthy_pods(pods, disrupted, now)
        allowed = healthy - desired if expected > 0 and healthy > desired else 0
        status = {**(budget.get("status") or {}), "currentHealthy": healthy,
                  "desiredHealthy": desired, "expectedPods": expected,
                  "disruptionsAllowed": allowed,
                  "observedGeneration": _meta(budget).get("generation", 0)}
        if disrupted:
            status["disruptedPods"] = disrupted
        else:
            status.pop("disruptedPods", None)
        await self._write(budget, with_disruption_allowed_condition(status, now_timestamp(now)))
        if recheck is not None:
            return Result(requeue_after=max(0.0, recheck - now))
        return None

    def _scale_of(self, pod: Obj) -> tuple[str, int] | None:
        """(uid, desired replicas) of the controller whose scale counts for `pod`."""
        ref = controller_of(pod)
        if ref is None:
            return None
        namespace = _meta(pod).get("namespace", "")
        kind = ref.get("kind")
        if kind in ("ReplicaSet", "StatefulSet") and \
                str(ref.get("apiVersion", "")).startswith("apps/"):
            owner = self.scalers[kind].get(f"{namespace}/{ref.get('name')}")
            if owner is not None and _meta(owner).get("uid") == ref.get("uid"):
                deployment_ref = controller_of(owner) if kind == "ReplicaSet" else None
                if deployment_ref is not None and deployment_ref.get("kind") == "Deployment":
                    deployment = self.scalers["Deployment"].get(
                        f"{namespace}/{deployment_ref.get('name')}")
                    if deployment is not None and \
                            _meta(deployment).get("uid") == deployment_ref.get("uid"):
                        return _meta(deployment)["uid"], _replicas(deployment)
                return _meta(owner)["uid"], _replicas(owner)
        raise CannotCount(f'found no controllers for pod "{_meta(pod).get("name")}"')

    def _disrupted(self, budget: Obj, pods: Sequence[Obj], now: float
                   ) -> tuple[dict[str, str], float | None]:
        """``buildDisruptedPodMap``: the evictions still expected to happen, and when the
        first of them times out (to look again then)."""
        noted = (budget.get("status") or {}).get("disruptedPods") or {}
        result: dict[str, str] = {}
        recheck: float | None = None
        if not noted:
            return result, recheck
        for pod in pods:
            meta = _meta(pod)
            if meta.get("deletionTimestamp") or meta["name"] not in noted:
                continue
            since = cluster_seconds(noted[meta["name"]])
            if since is None:
                continue
            expected_deletion = since + DELETION_TIMEOUT
            if expected_deletion < now:
                self.record_event(pod, "Warning", "NotDeleted",
                                  f"Pod was expected by PDB {_meta(budget).get('namespace')}/"
                                  f"{_meta(budget)['name']} to be deleted but it wasn't")
                continue
            result[meta["name"]] = noted[meta["name"]]
            if recheck is None or expected_deletion < recheck:
                recheck = expected_deletion
        return result, recheck

    async def _write(self, budget: Obj, status: dict[str, Any]) -> None:
        if status == (budget.get("status") or {}):
            return
        await self.client.update_status({**budget, "status": status})
        self.ctx.log.info("disruption.budget_counted", budget=f"{_meta(budget).get('namespace')}"
                          f"/{_meta(budget)['name']}",
                          healthy=status.get("currentHealthy"),
                          desired=status.get("desiredHealthy"),
                          expected=status.get("expectedPods"),
                          allowed=status.get("disruptionsAllowed"))


def _replicas(obj: Obj) -> int:
    replicas = (obj.get("spec") or {}).get("replicas")
    return replicas if isinstance(replicas, int) else 1
