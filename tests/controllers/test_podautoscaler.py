"""The horizontal pod autoscaler controller in a whole cluster, in virtual time:
metrics-server measures the pods (their images' CPU), the HPA scales the Deployment up,
is limited by maxReplicas, waits out the 5-minute stabilization before scaling down, and
says what it could not do in its conditions and Events, in Kubernetes' words."""

from __future__ import annotations

from typing import Any

import trio

from kactors.testing.harness import full_cluster

CONFIG = """
[[nodes]]
name = "node"
count = 2
cpu = "4"

[images."busy:1"]
cpu = "150m"

[images."idle:1"]
cpu = "2m"
"""
HPA_V2 = "autoscaling/v2/HorizontalPodAutoscaler"


def deployment(name: str, image: str, requests: dict[str, str] | None = None
               ) -> dict[str, Any]:
    container: dict[str, Any] = {"name": "app", "image": image}
    if requests:
        container["resources"] = {"requests": requests}
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": name, "namespace": "default"},
            "spec": {"replicas": 1, "selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": {"app": name}},
                                  "spec": {"containers": [container]}}}}


def autoscaler(name: str, target: str, maximum: int, kind: str = "Deployment"
               ) -> dict[str, Any]:
    return {"apiVersion": "autoscaling/v1", "kind": "HorizontalPodAutoscaler",
            "metadata": {"name": name, "namespace": "default"},
            "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": kind, "name": target},
                     "minReplicas": 1, "maxReplicas": maximum,
                     "targetCPUUtilizationPercentage": 50}}


def events(cluster: Any, name: str) -> list[tuple[float, str, str]]:
    return [(r["ts"], r["reason"], r["message"]) for r in cluster.logs("event.recorded")
            if r.get("object") == f"HorizontalPodAutoscaler/default/{name}"]


def conditions(hpa: dict[str, Any]) -> dict[str, tuple[str, str]]:
    return {c["type"]: (c["status"], c["reason"]) for c in hpa["status"].get("conditions", [])}


async def test_scale_up_to_the_limit_then_down_after_the_stabilization_window(
        autojump_clock: Any) -> None:
    async with full_cluster(CONFIG, seed=3) as cluster:
        client = cluster.client
        await client.create(deployment("web", "busy:1", {"cpu": "100m"}))
        created = await client.create(autoscaler("web", "web", 5))  # as kubectl autoscale
        created_at = trio.current_time()
        assert created["apiVersion"] == "autoscaling/v1"
        await trio.sleep(75)
        hpa = await client.get(HPA_V2, "web", "default")
        assert hpa["spec"]["metrics"][0]["resource"]["target"]["averageUtilization"] == 50
        assert hpa["status"]["currentReplicas"] == hpa["status"]["desiredReplicas"] == 5
        (current,) = hpa["status"]["currentMetrics"]
        assert current["resource"]["name"] == "cpu"
        assert current["resource"]["current"]["averageUtilization"] >= 130
        assert conditions(hpa) == {"AbleToScale": ("True", "ReadyForNewScale"),
                                   "ScalingActive": ("True", "ValidMetricFound"),
                                   "ScalingLimited": ("True", "TooManyReplicas")}
        seen = events(cluster, "web")
        # the first sync, one period after the HPA was made: the pod is not measured yet
        # (its first sample predates its readiness), then 150% of a 50% target
        assert seen[0][1:] == ("FailedGetResourceMetric", "failed to get cpu utilization: "
                               "did not receive metrics for targeted pods (pods might be "
                               "unready)")
        assert seen[0][0] >= created_at + 15
        rescales = [(ts, message) for ts, reason, message in seen
                    if reason == "SuccessfulRescale"]
        # one pod at ~150% (the image's 150m, with its seeded jitter) asks for 3 or 4, then
        # the limit
        above = "reason: cpu resource utilization (percentage of request) above target"
        assert [m for _, m in rescales][0] in (f"New size: 3; {above}", f"New size: 4; {above}")
        assert [m for _, m in rescales][1:] == [f"New size: 5; {above}"]
        deployment_now = await client.get("apps/v1/Deployment", "web", "default")
        assert deployment_now["spec"]["replicas"] == 5

        # the load goes: a cheaper image rolls out; the HPA waits 5 minutes of low
        # recommendations before scaling down
        idle = deployment("web", "idle:1", {"cpu": "100m"})["spec"]["template"]
        await client.patch("apps/v1/Deployment", "web", {"spec": {"template": idle}},
                           "default")
        await trio.sleep(240)
        hpa = await client.get(HPA_V2, "web", "default")
        assert hpa["status"]["desiredReplicas"] == 5
        assert conditions(hpa)["AbleToScale"] == ("True", "ScaleDownStabilized")
        await trio.sleep(120)
        hpa = await client.get(HPA_V2, "web", "default")
        assert hpa["status"]["currentReplicas"] == 1
        last = [(ts, m) for ts, reason, m in events(cluster, "web")
                if reason == "SuccessfulRescale"][-1]
        assert last[1] == "New size: 1; reason: All metrics below target"
        # five minutes after the last recommendation of 5 or more (before the rollout)
        assert last[0] - rescales[-1][0] >= 300
        assert (await client.get("apps/v1/Deployment", "web", "default"))["spec"]["replicas"] == 1


async def test_what_the_hpa_cannot_do_it_says(autojump_clock: Any) -> None:
    config = CONFIG + "\n[metrics_server]\nenabled = false\n"
    async with full_cluster(config, seed=5) as cluster:
        client = cluster.client
        await client.create(deployment("norequests", "busy:1"))
        await client.create(deployment("small", "busy:1", {"cpu": "100m"}))
        await client.create(autoscaler("ghost", "nothing-here", 3))
        await client.create(autoscaler("norequests", "norequests", 3))
        limited = autoscaler("small", "small", 3)
        limited["spec"]["minReplicas"] = 2
        await client.create(limited)
        await trio.sleep(20)
        ghost = await client.get(HPA_V2, "ghost", "default")
        assert conditions(ghost) == {"AbleToScale": ("False", "FailedGetScale")}
        assert events(cluster, "ghost")[0][1:] == (
            "FailedGetScale", 'deployments.apps "nothing-here" not found')
        # below minReplicas: raised at once, metrics or not
        small = await client.get(HPA_V2, "small", "default")
        assert small["status"]["desiredReplicas"] == 2
        assert events(cluster, "small")[0][1:] == (
            "SuccessfulRescale", "New size: 2; reason: Current number of replicas below "
                                 "Spec.MinReplicas")
        # no metrics-server: the resource metrics API is unavailable
        reasons = {(reason, message) for _, reason, message in events(cluster, "norequests")}
        assert ("FailedGetResourceMetric", "failed to get cpu utilization: unable to get "
                "metrics for resource cpu: unable to fetch metrics from resource metrics API: "
                "the server is currently unable to handle the request") in reasons
        hpa = await client.get(HPA_V2, "norequests", "default")
        assert conditions(hpa)["ScalingActive"] == ("False", "FailedGetResourceMetric")
        assert (hpa["status"]["currentReplicas"], hpa["status"]["desiredReplicas"]) == (1, 0)


def processed(cluster: Any, suffix: str) -> int:
    """How many messages the actor whose path ends in `suffix` has handled."""
    stack = [cluster.system.tree()]
    while stack:
        node = stack.pop()
        if node["path"].endswith(suffix):
            return int(node["processed"])
        stack.extend(node["children"])
    raise LookupError(suffix)


async def test_pods_without_requests_cannot_be_measured_against_them(autojump_clock: Any
                                                                     ) -> None:
    async with full_cluster(CONFIG, seed=6) as cluster:
        client = cluster.client
        before = processed(cluster, "/horizontalpodautoscaling")
        replicasets = processed(cluster, "/replicaset")
        await client.create(deployment("norequests", "busy:1"))
        await trio.sleep(30)
        # no HPA: the pods' events never reach the HPA controller
        assert processed(cluster, "/horizontalpodautoscaling") == before
        assert processed(cluster, "/replicaset") > replicasets
        await client.create(autoscaler("norequests", "norequests", 3))
        await trio.sleep(20)
        hpa = await client.get(HPA_V2, "norequests", "default")
        status, reason = conditions(hpa)["ScalingActive"]
        assert (status, reason) == ("False", "FailedGetResourceMetric")
        messages = [m for _, r, m in events(cluster, "norequests")
                    if r == "FailedComputeMetricsReplicas"]
        assert messages[-1].startswith(
            "invalid metrics (1 invalid out of 1), first error is: failed to get cpu resource "
            "metric value: failed to get cpu utilization: missing request for cpu in container "
            "app of Pod norequests-")
        assert (await client.get("apps/v1/Deployment", "norequests",
                                 "default"))["spec"]["replicas"] == 1
