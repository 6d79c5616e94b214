"""The horizontal pod autoscaler controller: scales a workload to its pods' resource use.

After Kubernetes' ``pkg/controller/podautoscaler/horizontal.go``. Every 15 s
(``--horizontal-pod-autoscaler-sync-period``) each HorizontalPodAutoscaler is reconciled:

1. the target's scale subresource is read (a Deployment, ReplicaSet or StatefulSet):
   its replicas and its pod selector (``AbleToScale`` False ``FailedGetScale`` if not);
2. outside ``[minReplicas, maxReplicas]`` the count is brought back within; a target
   scaled to 0 is left alone (``ScalingDisabled``); else, for each metric, its pods'
   ``PodMetrics`` (metrics.k8s.io through the apiserver) and the pods themselves (the
   informer cache) go through :mod:`.replicacalc`, the largest proposal wins
   (``ScalingActive`` ``ValidMetricFound``), and :mod:`.hpabehavior` stabilizes and
   bounds it (``AbleToScale``, ``ScalingLimited``);
3. a new count is written to the scale subresource, with a ``SuccessfulRescale`` Event
   (``New size: 4; reason: cpu resource utilization (percentage of request) above
   target``), and the status says what was seen: replicas, current metrics, last scale
   time, conditions.

Only resource metrics (cpu, memory) are served here: Pods, Object, External and
ContainerResource metrics fail as they do in a cluster without a custom or external
metrics API. Nothing runs while no HPA exists: the controller watches only HPAs and reads
pods from the controller-manager's shared cache without subscribing to their events.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from kactors.api.labels import parse_selector
from kactors.api.meta import deep_copy
from kactors.api.meta import metadata_of as _meta
from kactors.api.quantity import Quantity
from kactors.client.errors import ApiError
from kactors.client.indexer import Lister
from kactors.client.informer import GetInformer, InformerEvent
from kactors.client.result import Result
from kactors.controllers.base import INFORMER_TIMEOUT, Controller
from kactors.controllers.hpabehavior import ScalingHistory, normalize, record_scale
from kactors.controllers.podutil import now_timestamp
from kactors.controllers.replicacalc import (
    MetricError,
    raw_resource_replicas,
    resource_replicas,
)

__all__ = ["SYNC_PERIOD", "HorizontalPodAutoscalerController", "set_condition"]

Obj = Mapping[str, Any]
#: --horizontal-pod-autoscaler-sync-period
SYNC_PERIOD = 15.0
POD_METRICS = "metrics.k8s.io/v1beta1/PodMetrics"
_CUSTOM_API = {"Pods": "custom", "Object": "custom", "External": "external"}


def set_condition(conditions: list[dict[str, Any]], kind: str, status: str, reason: str,
                  message: str, now: str) -> None:
    """``setCondition``: the condition of that type (added if missing); its
    ``lastTransitionTime`` moves only when its status changes."""
    for condition in conditions:
        if condition.get("type") == kind:
            if condition.get("status") != status:
                condition["lastTransitionTime"] = now
            condition.update(status=status, reason=reason, message=message)
            return
    conditions.append({"type": kind, "status": status, "lastTransitionTime": now,
                       "reason": reason, "message": message})


class _Failed(Exception):
    """A metric gave no proposal: the condition to set and the error to report."""

    def __init__(self, condition: tuple[str, str], error: str) -> None:
        super().__init__(error)
        self.condition = condition


class HorizontalPodAutoscalerController(Controller):
    """Scales each HPA's target to its metrics (see the module doc)."""

    watches = "autoscaling/v2/HorizontalPodAutoscaler"
    workers = 5  # --concurrent-horizontal-pod-autoscaler-syncs
    component = "horizontal-pod-autoscaler"

    async def setup(self) -> None:
        # the pod cache, read without subscribing: no HPA must mean no work per pod event
        handle = await self.config.informers.ask(GetInformer("v1/Pod"),
                                                 timeout=INFORMER_TIMEOUT)
        self.pods = Lister(handle.indexer)
        self.histories: dict[str, ScalingHistory] = {}

    def map_event(self, event: InformerEvent) -> list[str]:
        """A new HPA, or a changed spec, is synced one sync period later, unless a sync is
        due sooner (Kubernetes' queue adds every HPA with its fixed 15 s rate limiter);
        this controller's own status writes change nothing."""
        if event.kind != self.kind:
            return []
        if event.type == "delete":
            self.histories.pop(event.key, None)
            return []
        if event.old is None or event.old.get("spec") != (event.obj or {}).get("spec"):
            self.enqueue(event.key, after=SYNC_PERIOD)
        return []

    async def reconcile(self, key: str) -> Result | None:
        hpa = self.cache.get(key)
        if hpa is None:
            self.histories.pop(key, None)
            return None
        if not self.pods.synced:
            return Result(requeue_after=1.0)
        await self._sync(key, deep_copy(dict(hpa)))
        return Result(requeue_after=SYNC_PERIOD)

    # -- one sync ---------------------------------------------------------------------------
    async def _sync(self, key: str, hpa: dict[str, Any]) -> None:
        """``reconcileAutoscaler``."""
        now = self.ctx.now()
        stamp = now_timestamp(now)
        spec = hpa.get("spec") or {}
        original = deep_copy(hpa.get("status") or {})
        status = deep_copy(original)
        conditions: list[dict[str, Any]] = status.setdefault("conditions", [])
        ref = spec.get("scaleTargetRef") or {}
        namespace = _meta(hpa).get("namespace", "default")
        target = f"{ref.get('apiVersion', '')}/{ref.get('kind', '')}"
        reference = f"{ref.get('kind')}/{namespace}/{ref.get('name')}"
        try:
            info = self.client.info(target)
            scale = await self.client.request("get", info, namespace=namespace,
                                              name=ref.get("name"), subresource="scale")
        except (LookupError, ApiError) as error:
            self.record_event(hpa, "Warning", "FailedGetScale", str(error))
            set_condition(conditions, "AbleToScale", "False", "FailedGetScale",
                          f"the HPA controller was unable to get the target's current scale: "
                          f"{error}", stamp)
            await self._write_status(hpa, original, status)
            self.ctx.log.info("hpa.scale_unavailable", hpa=key, target=reference,
                              error=str(error))
            return
        set_condition(conditions, "AbleToScale", "True", "SucceededGetScale",
                      "the HPA controller was able to get the target's current scale", stamp)
        current = int((scale.get("spec") or {}).get("replicas", 0))
        history = self.histories.setdefault(key, ScalingHistory())
        if not history.recommendations:
            history.recommendations.append((current, now))
        minimum = int(spec.get("minReplicas") or 1)
        maximum = int(spec.get("maxReplicas", 0))
        metric_statuses: list[dict[str, Any]] | None = None
        reason = ""
        rescale = True
        if current == 0 and minimum != 0:
            desired, rescale = 0, False
            set_condition(conditions, "ScalingActive", "False", "ScalingDisabled",
                          "scaling is disabled since the replica count of the target is zero",
                          stamp)
        elif current > maximum:
            desired, reason = maximum, "Current number of replicas above Spec.MaxReplicas"
        elif current < minimum:
            desired, reason = minimum, "Current number of replicas below Spec.MinReplicas"
        else:
            try:
                proposed, metric, metric_statuses = await self._compute(
                    hpa, scale, conditions, now, stamp)
            except _Failed as failure:
                status["currentReplicas"] = current
                await self._write_status(hpa, original, status)
                self.record_event(hpa, "Warning", "FailedComputeMetricsReplicas", str(failure))
                return
            desired = max(0, proposed)
            if desired > current:
                reason = f"{metric} above target"
            elif desired < current:
                reason = "All metrics below target"
            normalized = normalize(spec, history, current, desired, minimum, now)
            set_condition(conditions, "AbleToScale", "True", *normalized.able, stamp)
            set_condition(conditions, "ScalingLimited", "True" if normalized.limited else "False",
                          *normalized.limit, stamp)
            self.ctx.log.debug("hpa.recommended", hpa=key, target=reference,
                               current=current, proposed=desired, desired=normalized.replicas,
                               metric=metric, metrics=_describe(metric_statuses))
            desired = normalized.replicas
            rescale = desired != current
        if rescale:
            try:
                await self.client.scale(target, ref["name"], desired, namespace)
            except ApiError as error:
                self.record_event(hpa, "Warning", "FailedRescale",
                                  f"New size: {desired}; reason: {reason}; error: {error}")
                set_condition(conditions, "AbleToScale", "False", "FailedUpdateScale",
                              f"the HPA controller was unable to update the target scale: "
                              f"{error}", stamp)
                status["currentReplicas"] = current
                await self._write_status(hpa, original, status)
                return
            set_condition(conditions, "AbleToScale", "True", "SucceededRescale",
                          f"the HPA controller was able to update the target scale to {desired}",
                          stamp)
            self.record_event(hpa, "Normal", "SuccessfulRescale",
                              f"New size: {desired}; reason: {reason}")
            record_scale(spec, history, current, desired, now)
            self.ctx.log.info("hpa.rescaled", hpa=key, target=reference, old=current,
                              new=desired, reason=reason)
            status["lastScaleTime"] = stamp
        else:
            desired = current
        status["currentReplicas"] = current
        status["desiredReplicas"] = desired
        if metric_statuses:
            status["currentMetrics"] = metric_statuses
        else:
            status.pop("currentMetrics", None)
        await self._write_status(hpa, original, status)

    async def _compute(self, hpa: Obj, scale: Obj, conditions: list[dict[str, Any]],
                       now: float, stamp: str) -> tuple[int, str, list[dict[str, Any]]]:
        """``computeReplicasForMetrics``: the largest proposal, its metric's name and every
        metric's status; raises _Failed when no metric (or, scaling down, not every
        metric) gave one."""
        selector_text = (scale.get("status") or {}).get("selector") or ""
        if not selector_text:
            self.record_event(hpa, "Warning", "SelectorRequired", "selector is required")
            set_condition(conditions, "ScalingActive", "False", "InvalidSelector",
                          "the HPA target's scale is missing a selector", stamp)
            raise _Failed(("InvalidSelector", ""), "selector is required")
        selector = parse_selector(selector_text)
        namespace = _meta(hpa).get("namespace", "default")
        pods = self.pods.list(namespace, selector)
        specs = (hpa.get("spec") or {}).get("metrics") or []
        spec_replicas = int((scale.get("spec") or {}).get("replicas", 0))
        statuses: list[dict[str, Any]] = []
        replicas, metric = 0, ""
        invalid: list[tuple[tuple[str, str], str]] = []
        items: Sequence[Obj] | MetricError | None = None
        for spec in specs:
            try:
                if spec.get("type") != "Resource":
                    raise self._unsupported(hpa, spec)
                if items is None:
                    items = await self._pod_metrics(namespace, selector_text, spec)
                proposal, name, status = self._resource(
                    hpa, spec, spec_replicas, pods, items, now)
            except _Failed as failure:
                invalid.append((failure.condition, str(failure)))
                statuses.append({"type": ""})
                continue
            statuses.append(status)
            if replicas == 0 or proposal > replicas:
                replicas, metric = proposal, name
        if invalid and (len(invalid) >= len(specs) or replicas < spec_replicas):
            (reason, message), first = invalid[0]
            set_condition(conditions, "ScalingActive", "False", reason, message, stamp)
            raise _Failed((reason, message), f"invalid metrics ({len(invalid)} invalid out of "
                                             f"{len(specs)}), first error is: {first}")
        set_condition(conditions, "ScalingActive", "True", "ValidMetricFound",
                      f"the HPA was able to successfully calculate a replica count from {metric}",
                      stamp)
        return replicas, metric, statuses

    def _unsupported(self, hpa: Obj, spec: Obj) -> _Failed:
        kind = str(spec.get("type") or "")
        reason = f"FailedGet{kind}Metric"
        api = _CUSTOM_API.get(kind)
        detail = (f"unable to fetch metrics from {api} metrics API: no {api} metrics API "
                  f"({api}.metrics.k8s.io) registered" if api else
                  f"{kind} metrics are not served here")
        self.record_event(hpa, "Warning", reason, detail)
        return _Failed((reason, f"the HPA was unable to compute the replica count: {detail}"),
                       f"failed to get {kind.lower()} metric value: {detail}")

    async def _pod_metrics(self, namespace: str, selector: str, spec: Obj
                           ) -> Sequence[Obj] | MetricError:
        """The target's PodMetrics, or why metrics.k8s.io did not answer (which fails every
        resource metric alike)."""
        try:
            answer = await self.client.list(POD_METRICS, namespace, label_selector=selector)
        except ApiError as error:
            resource = (spec.get("resource") or {}).get("name", "")
            return MetricError(f"unable to get metrics for resource {resource}: unable to "
                               f"fetch metrics from resource metrics API: {error}")
        return answer.get("items") or []

    def _resource(self, hpa: Obj, spec: Obj, current: int, pods: Sequence[Obj],
                  items: Sequence[Obj] | MetricError, now: float
                  ) -> tuple[int, str, dict[str, Any]]:
        """``computeStatusForResourceMetric``."""
        source = spec.get("resource") or {}
        name = str(source.get("name", ""))
        target = source.get("target") or {}
        what = "usage" if target.get("averageValue") is not None else "utilization"
        try:
            if isinstance(items, MetricError):
                raise items
            if target.get("averageValue") is not None:
                wanted = Quantity.parse(str(target["averageValue"])).milli_value()
                proposal = raw_resource_replicas(current, wanted, name, pods, items, now)
                label = f"{name} resource"
                current_status: dict[str, Any] = {"averageValue": _milli(proposal.average)}
            else:
                proposal = resource_replicas(current, int(target.get("averageUtilization", 0)),
                                             name, pods, items, now)
                label = f"{name} resource utilization (percentage of request)"
                current_status = {"averageUtilization": proposal.utilization,
                                  "averageValue": _milli(proposal.average)}
        except MetricError as error:
            detail = f"failed to get {name} {what}: {error}"
            self.record_event(hpa, "Warning", "FailedGetResourceMetric", detail)
            raise _Failed(("FailedGetResourceMetric",
                           f"the HPA was unable to compute the replica count: {detail}"),
                          f"failed to get {name} resource metric value: {detail}") from error
        return proposal.replicas, label, {"type": "Resource", "resource": {
            "name": name, "current": current_status}}

    async def _write_status(self, hpa: Obj, original: Obj, status: dict[str, Any]) -> None:
        """``updateStatusIfNeeded``."""
        if not status.get("conditions"):
            status.pop("conditions", None)
        if status == original:
            return
        await self.client.update_status({**hpa, "status": status})


def _describe(statuses: Sequence[Obj]) -> list[str]:
    """What the metrics measured, for the log: ``cpu 43% (86m)``."""
    described = []
    for status in statuses:
        resource = status.get("resource") or {}
        current = resource.get("current") or {}
        if "averageUtilization" in current:
            described.append(f"{resource.get('name')} {current['averageUtilization']}% "
                             f"({current.get('averageValue')})")
        elif current:
            described.append(f"{resource.get('name')} {current.get('averageValue')}")
    return described


def _milli(value: int) -> str:
    """``resource.NewMilliQuantity(v, DecimalSI).String()``."""
    return Quantity.from_milli(value).to_string()
