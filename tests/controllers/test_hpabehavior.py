"""From proposal to new size (kactors.controllers.hpabehavior), without an event loop:
the downscale stabilization, the default rate limit, and spec.behavior's windows and
policies, with Kubernetes' condition reasons."""

from __future__ import annotations

from typing import Any

from kactors.api.autoscaling import default_hpa
from kactors.controllers.hpabehavior import ScalingHistory, normalize, record_scale


def spec(minimum: int = 1, maximum: int = 10, behavior: Any = None) -> dict[str, Any]:
    hpa: dict[str, Any] = {"spec": {"minReplicas": minimum, "maxReplicas": maximum,
                                    "scaleTargetRef": {"kind": "Deployment", "name": "web"}}}
    if behavior is not None:
        hpa["spec"]["behavior"] = behavior
    default_hpa(hpa, True)  # what the apiserver stores
    return hpa["spec"]


def step(the_spec: dict[str, Any], history: ScalingHistory, current: int, desired: int,
         now: float) -> tuple[int, str, str]:
    """One sync: the new size, the AbleToScale and the ScalingLimited reasons."""
    result = normalize(the_spec, history, current, desired, the_spec["minReplicas"], now)
    if result.replicas != current:
        record_scale(the_spec, history, current, result.replicas, now)
    return result.replicas, result.able[0], result.limit[0]


def test_a_scale_down_waits_for_the_highest_recommendation_of_five_minutes() -> None:
    the_spec, history = spec(), ScalingHistory()
    assert step(the_spec, history, 5, 5, 0.0) == (5, "ReadyForNewScale", "DesiredWithinRange")
    assert step(the_spec, history, 5, 2, 15.0) == (5, "ScaleDownStabilized",
                                                   "DesiredWithinRange")
    assert step(the_spec, history, 5, 3, 200.0)[0] == 5
    assert step(the_spec, history, 5, 2, 301.0)[0] == 3  # t=0's 5 is gone; 200's 3 is not
    assert step(the_spec, history, 3, 2, 501.0) == (2, "ReadyForNewScale", "DesiredWithinRange")


def test_without_behavior_a_scale_up_at_most_doubles_and_stops_at_the_bounds() -> None:
    the_spec, history = spec(minimum=2, maximum=10), ScalingHistory()
    assert step(the_spec, history, 1, 9, 0.0) == (4, "ReadyForNewScale", "ScaleUpLimit")
    assert step(the_spec, history, 4, 9, 15.0)[0] == 8
    assert step(the_spec, history, 8, 30, 30.0) == (10, "ReadyForNewScale", "TooManyReplicas")
    history = ScalingHistory()
    assert step(the_spec, history, 2, 1, 0.0) == (2, "ReadyForNewScale", "TooFewReplicas")


def test_default_behavior_scales_up_by_4_pods_or_100_percent_per_15s() -> None:
    the_spec, history = spec(maximum=50, behavior={}), ScalingHistory()
    assert the_spec["behavior"]["scaleUp"]["policies"] == [
        {"type": "Pods", "value": 4, "periodSeconds": 15},
        {"type": "Percent", "value": 100, "periodSeconds": 15}]
    assert step(the_spec, history, 1, 20, 0.0) == (5, "ReadyForNewScale", "ScaleUpLimit")
    # within the same 15 s, the 4 pods just added count against the period
    assert step(the_spec, history, 5, 20, 10.0)[0] == 5
    assert step(the_spec, history, 5, 20, 16.0)[0] == 10  # 100% of 5
    # a default scale-down is stabilized 300 s: the highest recommendation since wins,
    # here the 20 of 24 s ago (a rise, then, up to 100% more)
    assert step(the_spec, history, 10, 1, 40.0) == (20, "ScaleDownStabilized",
                                                    "DesiredWithinRange")
    assert step(the_spec, history, 20, 1, 300.0)[0] == 20
    # five minutes on, nothing higher: all the way down at once (100% per 15 s)
    assert step(the_spec, history, 20, 1, 341.0) == (1, "ReadyForNewScale",
                                                     "DesiredWithinRange")


def test_policies_windows_and_select_policy() -> None:
    behavior = {"scaleDown": {"stabilizationWindowSeconds": 0, "policies": [
        {"type": "Pods", "value": 1, "periodSeconds": 60}]},
        "scaleUp": {"stabilizationWindowSeconds": 60, "policies": [
            {"type": "Pods", "value": 2, "periodSeconds": 60},
            {"type": "Percent", "value": 50, "periodSeconds": 60}], "selectPolicy": "Min"}}
    the_spec, history = spec(maximum=20, behavior=behavior), ScalingHistory()
    # one pod a minute down
    assert step(the_spec, history, 6, 1, 0.0) == (5, "ReadyForNewScale", "ScaleDownLimit")
    assert step(the_spec, history, 5, 1, 30.0)[0] == 5
    assert step(the_spec, history, 5, 1, 61.0)[0] == 4
    # scale-up: the lowest recommendation of the last 60 s wins (t=61's 1, a scale-down
    # that the one-pod-a-minute policy holds back)
    assert step(the_spec, history, 4, 12, 70.0) == (4, "ScaleUpStabilized", "ScaleDownLimit")
    assert step(the_spec, history, 4, 12, 122.0) == (6, "ReadyForNewScale", "ScaleUpLimit")
    disabled = spec(behavior={"scaleUp": {"selectPolicy": "Disabled"}})
    assert step(disabled, ScalingHistory(), 3, 9, 0.0) == (3, "ReadyForNewScale",
                                                           "ScaleUpLimit")
