"""autoscaling/v2 HorizontalPodAutoscalers: defaults, validation with Kubernetes' messages,
and the v1 <-> v2 conversion kubectl autoscale relies on."""

from __future__ import annotations

from typing import Any

from kactors.api import DEFAULT_REGISTRY, apply_defaults
from kactors.api.autoscaling import hpa_v1_to_v2, hpa_v2_to_v1
from kactors.api.objvalidation import validate_create

R = DEFAULT_REGISTRY


def hpa(**spec: Any) -> dict[str, Any]:
    return {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
            "metadata": {"name": "web", "namespace": "default"},
            "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment",
                                        "name": "web"}, "maxReplicas": 5, **spec}}


def messages(obj: dict[str, Any]) -> list[str]:
    return [error.message() for error in validate_create(obj, R.for_object(obj))]


def test_registered_as_v2_and_v1_sharing_one_storage() -> None:
    v2 = R.resolve("hpa")
    v1 = R.by_gvk("autoscaling", "v1", "HorizontalPodAutoscaler")
    assert (v2.api_version, v2.resource, v2.namespaced, v2.stored_as) == (
        "autoscaling/v2", "horizontalpodautoscalers", True, "")
    assert (v1.stored_as, v1.storage_prefix) == ("v2", v2.storage_prefix)
    assert v2.subresource("status") is not None and "all" in v2.categories


def test_defaults() -> None:
    obj = apply_defaults(hpa())
    assert obj["spec"]["minReplicas"] == 1
    assert obj["spec"]["metrics"] == [{"type": "Resource", "resource": {
        "name": "cpu", "target": {"type": "Utilization", "averageUtilization": 80}}}]
    assert "behavior" not in obj["spec"]
    behavior = apply_defaults(hpa(behavior={"scaleDown": {"stabilizationWindowSeconds": 60}}))
    rules = behavior["spec"]["behavior"]
    assert rules["scaleDown"] == {"stabilizationWindowSeconds": 60, "selectPolicy": "Max",
                                  "policies": [{"type": "Percent", "value": 100,
                                                "periodSeconds": 15}]}
    assert rules["scaleUp"]["stabilizationWindowSeconds"] == 0
    assert messages(behavior) == [] and messages(obj) == []


def test_validation_messages() -> None:
    assert messages(hpa(minReplicas=0)) == [
        "spec.minReplicas: Invalid value: 0: must be greater than or equal to 1"]
    assert messages(hpa(minReplicas=6)) == [
        "spec.maxReplicas: Invalid value: 5: must be greater than or equal to `minReplicas`"]
    assert messages({**hpa(), "spec": {"maxReplicas": 0}}) == [
        "spec.maxReplicas: Invalid value: 0: must be greater than 0",
        "spec.scaleTargetRef.kind: Required value",
        "spec.scaleTargetRef.name: Required value"]
    metric = {"type": "Resource", "resource": {"name": "cpu", "target": {
        "type": "Utilization", "averageUtilization": 0}}}
    assert messages(hpa(metrics=[metric])) == [
        "spec.metrics[0].resource.target.averageUtilization: Invalid value: 0: must be "
        "greater than 0"]
    both = {"type": "Resource", "resource": {"name": "cpu", "target": {
        "type": "Value", "averageUtilization": 50, "averageValue": "100m"}}}
    assert messages(hpa(metrics=[both])) == [
        "spec.metrics[0].resource.target.averageValue: Forbidden: may not set both a target "
        "raw value and a target utilization"]
    assert messages(hpa(metrics=[{"type": "Pods", "resource": metric["resource"] | {
        "target": {"type": "Utilization", "averageUtilization": 50}}}])) == [
        "spec.metrics[0].pods: Required value: must populate information for the given "
        "metric source",
        "spec.metrics[0].resource: Forbidden: must populate the given metric source only"]
    behavior = {"scaleUp": {"stabilizationWindowSeconds": 4000, "selectPolicy": "Sometimes",
                            "policies": [{"type": "Pods", "value": 0, "periodSeconds": 2000}]},
                "scaleDown": {"policies": []}}
    assert messages(hpa(behavior=behavior)) == [
        "spec.behavior.scaleUp.stabilizationWindowSeconds: Invalid value: 4000: must be less "
        "than or equal to 3600",
        'spec.behavior.scaleUp.selectPolicy: Unsupported value: "Sometimes": supported '
        'values: "Disabled", "Max", "Min"',
        "spec.behavior.scaleUp.policies[0].value: Invalid value: 0: must be greater than zero",
        "spec.behavior.scaleUp.policies[0].periodSeconds: Invalid value: 2000: must be less "
        "than or equal to 1800",
        "spec.behavior.scaleDown.policies: Required value: must specify at least one Policy"]


def test_v1_round_trip_keeps_what_v1_cannot_say() -> None:
    v1 = {"apiVersion": "autoscaling/v1", "kind": "HorizontalPodAutoscaler",
          "metadata": {"name": "web", "namespace": "default"},
          "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment",
                                      "name": "web"},
                   "minReplicas": 1, "maxReplicas": 5, "targetCPUUtilizationPercentage": 50}}
    v2 = hpa_v1_to_v2(v1)
    assert v2["apiVersion"] == "autoscaling/v2"
    assert v2["spec"]["metrics"] == [{"type": "Resource", "resource": {
        "name": "cpu", "target": {"type": "Utilization", "averageUtilization": 50}}}]
    assert "targetCPUUtilizationPercentage" not in v2["spec"]
    memory = {"type": "Resource", "resource": {"name": "memory", "target": {
        "type": "AverageValue", "averageValue": "64Mi"}}}
    v2["spec"]["metrics"].append(memory)
    v2["spec"]["behavior"] = {"scaleDown": {"stabilizationWindowSeconds": 30}}
    v2["status"] = {"currentReplicas": 2, "desiredReplicas": 3, "currentMetrics": [
        {"type": "Resource", "resource": {"name": "cpu", "current": {
            "averageUtilization": 70, "averageValue": "140m"}}}],
        "conditions": [{"type": "AbleToScale", "status": "True"}]}
    back = hpa_v2_to_v1(v2)
    assert back["spec"]["targetCPUUtilizationPercentage"] == 50
    assert back["status"] == {"currentReplicas": 2, "desiredReplicas": 3,
                              "currentCPUUtilizationPercentage": 70}
    assert set(back["metadata"]["annotations"]) == {
        "autoscaling.alpha.kubernetes.io/metrics", "autoscaling.alpha.kubernetes.io/behavior",
        "autoscaling.alpha.kubernetes.io/conditions"}
    again = hpa_v1_to_v2(back)
    assert again["spec"]["metrics"] == v2["spec"]["metrics"]
    assert again["spec"]["behavior"] == v2["spec"]["behavior"]
    assert again["status"]["conditions"] == v2["status"]["conditions"]
    assert "annotations" not in again["metadata"]
