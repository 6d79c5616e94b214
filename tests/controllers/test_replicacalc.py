"""The HPA's replica calculation (kactors.controllers.replicacalc), without an event loop:
the cases of Kubernetes' replica_calculator_test.go that make the HPA calm."""

from __future__ import annotations

from typing import Any

import pytest

from kactors.controllers.podutil import now_timestamp
from kactors.controllers.replicacalc import (
    MetricError,
    group_pods,
    pod_metrics,
    raw_resource_replicas,
    resource_replicas,
)

NOW = 1000.0


def pod(name: str, request: str | None = "100m", phase: str = "Running", ready: bool = True,
        started: float = 0.0, ready_since: float = 10.0, deleting: bool = False
        ) -> dict[str, Any]:
    resources = {"requests": {"cpu": request, "memory": "100Mi"}} if request else {}
    meta: dict[str, Any] = {"name": name, "namespace": "default"}
    if deleting:
        meta["deletionTimestamp"] = now_timestamp(NOW)
    return {"metadata": meta,
            "spec": {"containers": [{"name": "app", "resources": resources}]},
            "status": {"phase": phase, "startTime": now_timestamp(started), "conditions": [
                {"type": "Ready", "status": "True" if ready else "False",
                 "lastTransitionTime": now_timestamp(ready_since)}]}}


def usage(name: str, cpu: str, memory: str = "50Mi", at: float = NOW - 5,
          window: str = "15s") -> dict[str, Any]:
    return {"metadata": {"name": name, "namespace": "default"},
            "timestamp": now_timestamp(at), "window": window,
            "containers": [{"name": "app", "usage": {"cpu": cpu, "memory": memory}}]}


def replicas(current: int, target: int, pods: list[Any], items: list[Any],
             resource: str = "cpu") -> tuple[int, int | None]:
    proposal = resource_replicas(current, target, resource, pods, items, NOW)
    return proposal.replicas, proposal.utilization


def test_scale_up_and_down_in_proportion_to_the_usage() -> None:
    pods = [pod("a"), pod("b"), pod("c")]
    # 300m of 300m requested is 100%, twice the 50% target: twice the pods
    assert replicas(3, 50, pods, [usage(p["metadata"]["name"], "100m") for p in pods]) == (6, 100)
    # 30m of 300m is 10%: one pod
    assert replicas(3, 50, pods, [usage(n, "10m") for n in "abc"]) == (1, 10)
    # ceil: 3 x 70% / 50% is 4.2, so 5
    assert replicas(3, 50, pods, [usage(n, "70m") for n in "abc"]) == (5, 70)


def test_within_the_tolerance_nothing_changes() -> None:
    pods = [pod("a"), pod("b")]
    assert replicas(2, 50, pods, [usage("a", "54m"), usage("b", "54m")]) == (2, 54)
    assert replicas(2, 50, pods, [usage("a", "46m"), usage("b", "46m")]) == (2, 46)
    assert replicas(2, 50, pods, [usage("a", "56m"), usage("b", "56m")]) == (3, 56)


def test_missing_metrics_count_as_the_target_on_scale_down_and_nothing_on_scale_up() -> None:
    pods = [pod("a"), pod("b"), pod("c")]
    # scale-down: c without metrics counts as 100% of its request: (10+10+100)/300 = 40%
    assert replicas(3, 50, pods, [usage("a", "10m"), usage("b", "10m")]) == (3, 10)
    assert replicas(4, 50, [*pods, pod("d")],
                    [usage("a", "5m"), usage("b", "5m"), usage("c", "5m")]) == (3, 5)
    # scale-up: c counts as 0: (90+90+0)/300 = 60% of a 50% target: ceil(1.2 x 3) = 4
    assert replicas(3, 50, pods, [usage("a", "90m"), usage("b", "90m")]) == (4, 90)
    # ...unless counting it as 0 turns the scale-up into a scale-down: nothing changes
    assert replicas(3, 50, pods, [usage("a", "60m"), usage("b", "60m")]) == (3, 60)


def test_unready_and_starting_pods_do_not_drive_a_scale_up() -> None:
    # b is not ready yet: ignored, and counted as 0 for a scale-up
    pods = [pod("a"), pod("b", ready=False, started=NOW - 20, ready_since=NOW - 20)]
    assert replicas(2, 50, pods, [usage("a", "200m"), usage("b", "200m")]) == (4, 200)
    # b turned ready 10 s ago, within one metrics window: its sample still counts as 0
    pods = [pod("a"), pod("b", started=NOW - 30, ready_since=NOW - 10)]
    assert group_pods(pods, pod_metrics([usage("a", "1m"), usage("b", "1m")], "cpu"), "cpu",
                      NOW).unready == {"b"}
    # a pending pod is unready; a failed or deleted one is ignored altogether
    pods = [pod("a"), pod("p", phase="Pending"), pod("f", phase="Failed"),
            pod("d", deleting=True)]
    groups = group_pods(pods, pod_metrics([usage(n, "1m") for n in "afd"], "cpu"), "cpu", NOW)
    assert (groups.ready, groups.unready, groups.ignored) == (1, {"p"}, {"f", "d"})
    # memory has no initialization period: an unready pod's sample counts
    pods = [pod("a"), pod("b", ready=False, started=NOW - 20, ready_since=NOW - 20)]
    assert group_pods(pods, pod_metrics([usage("a", "1m"), usage("b", "1m")], "memory"),
                      "memory", NOW).ready == 2


def test_a_pod_past_its_initialization_that_was_once_ready_counts() -> None:
    pods = [pod("a", ready=False, started=0.0, ready_since=NOW - 100)]
    groups = group_pods(pods, pod_metrics([usage("a", "1m")], "cpu"), "cpu", NOW)
    assert groups.ready == 1
    never = [pod("a", ready=False, started=NOW - 400, ready_since=NOW - 390)]
    assert group_pods(never, pod_metrics([usage("a", "1m")], "cpu"), "cpu", NOW).unready == {"a"}


def test_kubernetes_errors() -> None:
    with pytest.raises(MetricError, match="^unable to get metrics for resource cpu: no metrics "
                                          "returned from resource metrics API$"):
        replicas(1, 50, [pod("a")], [])
    with pytest.raises(MetricError, match="^missing request for cpu in container app of Pod a$"):
        replicas(1, 50, [pod("a", request=None)], [usage("a", "1m")])
    with pytest.raises(MetricError, match=r"^did not receive metrics for targeted pods \(pods "
                                          r"might be unready\)$"):
        replicas(1, 50, [pod("a", phase="Pending")], [usage("a", "1m")])
    with pytest.raises(MetricError, match="^no pods returned by selector"):
        replicas(1, 50, [], [usage("a", "1m")])


def test_average_value_targets_and_memory() -> None:
    pods = [pod("a"), pod("b")]
    items = [usage("a", "300m"), usage("b", "100m")]
    proposal = raw_resource_replicas(2, 100, "cpu", pods, items, NOW)  # 100m per pod
    assert (proposal.replicas, proposal.utilization, proposal.average) == (4, None, 200)
    # memory in milli-bytes: 50Mi used of 100Mi requested is 50%, on a 80% target
    proposal = resource_replicas(2, 80, "memory", pods, items, NOW)
    assert (proposal.replicas, proposal.utilization) == (2, 50)
    assert proposal.average == 50 * 1024 * 1024 * 1000
