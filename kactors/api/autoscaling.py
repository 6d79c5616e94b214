"""HorizontalPodAutoscalers as objects: autoscaling/v2 defaults, and v1 <-> v2 conversion.

Objects are stored in autoscaling/v2 (Kubernetes' storage version). autoscaling/v1 is
served too, because ``kubectl autoscale`` (v1.32) creates through it: the apiserver
converts a v1 body to v2 before anything else sees it, and every v1 answer back from v2,
as Kubernetes' conversion functions do. v1 only knows ``targetCPUUtilizationPercentage``
and ``currentCPUUtilizationPercentage``; what v2 says beyond that travels in annotations,
so that a v1 round trip (``kubectl edit`` through v1) loses nothing:

* ``autoscaling.alpha.kubernetes.io/metrics``: the metrics other than a CPU utilization;
* ``autoscaling.alpha.kubernetes.io/behavior``: ``spec.behavior``;
* ``autoscaling.alpha.kubernetes.io/conditions`` and ``.../current-metrics``: status.

The annotations hold the v2 shapes as JSON (Kubernetes writes v1's own ``MetricSpec``
there, an older shape): only a v1 reader ever sees them, and they come back as they went.

Defaults (``SetDefaults_HorizontalPodAutoscaler``): ``minReplicas`` 1; no metrics means
a CPU utilization of 80 %; a ``behavior`` that is set gets its missing rules and fields:
scale up by 4 pods or 100 % per 15 s (the larger), no stabilization; scale down by 100 %
per 15 s, with the controller's 300 s stabilization when unset.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from kactors.api.meta import deep_copy

__all__ = [
    "DEFAULT_CPU_UTILIZATION",
    "default_hpa",
    "hpa_v1_to_v2",
    "hpa_v2_to_v1",
]

JSON = dict[str, Any]
DEFAULT_CPU_UTILIZATION = 80
_PREFIX = "autoscaling.alpha.kubernetes.io/"
_METRICS = _PREFIX + "metrics"
_BEHAVIOR = _PREFIX + "behavior"
_CONDITIONS = _PREFIX + "conditions"
_CURRENT = _PREFIX + "current-metrics"


def _scale_up_rules(rules: Any) -> JSON:
    """``GenerateHPAScaleUpRules``."""
    rules = dict(rules) if isinstance(rules, Mapping) else {}
    if rules.get("policies") is None:
        rules["policies"] = [{"type": "Pods", "value": 4, "periodSeconds": 15},
                             {"type": "Percent", "value": 100, "periodSeconds": 15}]
    if rules.get("selectPolicy") is None:
        rules["selectPolicy"] = "Max"
    if rules.get("stabilizationWindowSeconds") is None:
        rules["stabilizationWindowSeconds"] = 0
    return rules


def _scale_down_rules(rules: Any) -> JSON:
    """``GenerateHPAScaleDownRules``: the window stays unset (the controller's flag)."""
    rules = dict(rules) if isinstance(rules, Mapping) else {}
    if rules.get("policies") is None:
        rules["policies"] = [{"type": "Percent", "value": 100, "periodSeconds": 15}]
    if rules.get("selectPolicy") is None:
        rules["selectPolicy"] = "Max"
    return rules


def default_hpa(obj: JSON, create: bool) -> None:
    """``SetDefaults_HorizontalPodAutoscaler`` (autoscaling/v2), in place."""
    spec = obj.get("spec")
    if not isinstance(spec, dict):
        spec = obj["spec"] = {}
    if spec.get("minReplicas") is None:
        spec["minReplicas"] = 1
    if not spec.get("metrics"):
        spec["metrics"] = [_cpu_metric(DEFAULT_CPU_UTILIZATION)]
    behavior = spec.get("behavior")
    if isinstance(behavior, dict):
        behavior["scaleUp"] = _scale_up_rules(behavior.get("scaleUp"))
        behavior["scaleDown"] = _scale_down_rules(behavior.get("scaleDown"))


def _cpu_metric(percent: Any) -> JSON:
    return {"type": "Resource", "resource": {
        "name": "cpu", "target": {"type": "Utilization", "averageUtilization": percent}}}


def _is_cpu_utilization(metric: Any) -> bool:
    if not isinstance(metric, Mapping) or metric.get("type") != "Resource":
        return False
    resource = metric.get("resource") or {}
    target = resource.get("target") or {}
    return resource.get("name") == "cpu" and target.get("type") == "Utilization"


def _is_cpu_current(metric: Any) -> bool:
    if not isinstance(metric, Mapping) or metric.get("type") != "Resource":
        return False
    resource = metric.get("resource") or {}
    return resource.get("name") == "cpu" and \
        (resource.get("current") or {}).get("averageUtilization") is not None


def _dump(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


def hpa_v2_to_v1(obj: Mapping[str, Any]) -> JSON:
    """An autoscaling/v2 HorizontalPodAutoscaler as autoscaling/v1 says it."""
    source = deep_copy(dict(obj))
    spec = source.get("spec") or {}
    status = source.get("status") or {}
    meta = dict(source.get("metadata") or {})
    annotations = dict(meta.get("annotations") or {})
    v1_spec: JSON = {"scaleTargetRef": spec.get("scaleTargetRef") or {}}
    if spec.get("minReplicas") is not None:
        v1_spec["minReplicas"] = spec["minReplicas"]
    v1_spec["maxReplicas"] = spec.get("maxReplicas", 0)
    others = []
    for metric in spec.get("metrics") or []:
        if _is_cpu_utilization(metric) and "targetCPUUtilizationPercentage" not in v1_spec:
            v1_spec["targetCPUUtilizationPercentage"] = \
                metric["resource"]["target"].get("averageUtilization")
        else:
            others.append(metric)
    if others:
        annotations[_METRICS] = _dump(others)
    if spec.get("behavior") is not None:
        annotations[_BEHAVIOR] = _dump(spec["behavior"])
    v1_status: JSON = {}
    if status.get("observedGeneration") is not None:
        v1_status["observedGeneration"] = status["observedGeneration"]
    if status.get("lastScaleTime") is not None:
        v1_status["lastScaleTime"] = status["lastScaleTime"]
    v1_status["currentReplicas"] = status.get("currentReplicas", 0)
    v1_status["desiredReplicas"] = status.get("desiredReplicas", 0)
    current_others = []
    for metric in status.get("currentMetrics") or []:
        if _is_cpu_current(metric) and "currentCPUUtilizationPercentage" not in v1_status:
            v1_status["currentCPUUtilizationPercentage"] = \
                metric["resource"]["current"]["averageUtilization"]
        else:
            current_others.append(metric)
    if current_others:
        annotations[_CURRENT] = _dump(current_others)
    if status.get("conditions"):
        annotations[_CONDITIONS] = _dump(status["conditions"])
    if annotations:
        meta["annotations"] = annotations
    return {"apiVersion": "autoscaling/v1", "kind": "HorizontalPodAutoscaler",
            "metadata": meta, "spec": v1_spec, "status": v1_status}


def _load(annotations: JSON, key: str) -> Any:
    text = annotations.pop(key, None)
    if not isinstance(text, str):
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


def _v1_then_kept(cpu_entry: JSON | None, annotations: JSON, key: str) -> list[JSON]:
    """A v2 metric list from v1: the entry of v1's CPU field (if set), then the entries
    v1 could not say, kept in the `key` annotation (which is consumed)."""
    entries = [] if cpu_entry is None else [cpu_entry]
    kept = _load(annotations, key)
    if isinstance(kept, list):
        entries += kept
    return entries


def hpa_v1_to_v2(obj: Mapping[str, Any]) -> JSON:
    """An autoscaling/v1 HorizontalPodAutoscaler (a request body) as autoscaling/v2.

    Fields v1 does not have are left as they are (the apiserver's strict decoding of the
    v1 body reports unknown ones before this runs)."""
    source = deep_copy(dict(obj))
    spec = source.get("spec") if isinstance(source.get("spec"), Mapping) else {}
    status = source.get("status") if isinstance(source.get("status"), Mapping) else {}
    meta = source.get("metadata")
    result: JSON = {**source, "apiVersion": "autoscaling/v2"}
    annotations: JSON = {}
    if isinstance(meta, Mapping):
        meta = dict(meta)
        annotations = dict(meta.get("annotations") or {})
    v2_spec: JSON = {k: v for k, v in spec.items() if k != "targetCPUUtilizationPercentage"}
    target = spec.get("targetCPUUtilizationPercentage")
    metrics = _v1_then_kept(None if target is None else _cpu_metric(target), annotations,
                            _METRICS)
    if metrics:
        v2_spec["metrics"] = metrics
    behavior = _load(annotations, _BEHAVIOR)
    if isinstance(behavior, dict):
        v2_spec["behavior"] = behavior
    result["spec"] = v2_spec
    v2_status: JSON = {k: v for k, v in status.items()
                       if k != "currentCPUUtilizationPercentage"}
    utilization = status.get("currentCPUUtilizationPercentage")
    current = _v1_then_kept(
        None if utilization is None else {"type": "Resource", "resource": {
            "name": "cpu", "current": {"averageUtilization": utilization}}},
        annotations, _CURRENT)
    if current:
        v2_status["currentMetrics"] = current
    conditions = _load(annotations, _CONDITIONS)
    if isinstance(conditions, list):
        v2_status["conditions"] = conditions
    if v2_status or "status" in source:
        result["status"] = v2_status
    if isinstance(meta, dict):
        if annotations:
            meta["annotations"] = annotations
        else:
            meta.pop("annotations", None)
        result["metadata"] = meta
    return result
