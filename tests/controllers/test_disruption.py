"""PodDisruptionBudgets: the disruption controller counts them, evictions spend them.

The counting rules run without an event loop; the end-to-end tests run the whole cluster
(apiserver, Raft, controller-manager, scheduler, kubelets) in virtual time and evict pods
through the apiserver's eviction subresource, as `kubectl drain` does.
"""

from __future__ import annotations

from typing import Any

import pytest

from kactors.client.errors import ApiError, BadRequest, Invalid, TooManyRequests
from kactors.controllers.disruption import CannotCount, budget_counts, healthy_pods
from kactors.controllers.podutil import now_timestamp
from kactors.testing.harness import full_cluster

CONFIG = """
[cluster]
name = "t"
[[nodes]]
name = "node"
count = 2
[images."example.com/stuck:1"]
readiness = "never"
"""


def pod(name: str, ready: bool = True, owner: str | None = "rs-1",
        deleting: bool = False) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "namespace": "default", "labels": {"app": "web"}}
    if owner:
        meta["ownerReferences"] = [{"apiVersion": "apps/v1", "kind": "ReplicaSet",
                                    "name": owner, "uid": owner, "controller": True}]
    if deleting:
        meta["deletionTimestamp"] = "2026-01-01T00:00:00Z"
    return {"metadata": meta, "status": {"phase": "Running", "conditions": [
        {"type": "Ready", "status": "True" if ready else "False"}]}}


def budget(**spec: Any) -> dict[str, Any]:
    return {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
            "metadata": {"name": "web-pdb", "namespace": "default"},
            "spec": {"selector": {"matchLabels": {"app": "web"}}, **spec}}


def scale(replicas: int):
    def scale_of(p: dict[str, Any]) -> tuple[str, int] | None:
        refs = p["metadata"].get("ownerReferences")
        return (refs[0]["uid"], replicas) if refs else None
    return scale_of


def test_counts_follow_kubernetes_rules() -> None:
    pods = [pod("a"), pod("b"), pod("c", ready=False)]
    # an integer minAvailable counts the pods there are
    assert budget_counts(budget(minAvailable=2), pods, scale(5)) == (3, 2, [])
    # a percentage or maxUnavailable counts what the controllers want (5), rounding up
    assert budget_counts(budget(minAvailable="50%"), pods, scale(5)) == (5, 3, [])
    assert budget_counts(budget(maxUnavailable=1), pods, scale(5)) == (5, 4, [])
    assert budget_counts(budget(maxUnavailable="30%"), pods, scale(5)) == (5, 3, [])
    assert budget_counts(budget(maxUnavailable=9), pods, scale(5)) == (5, 0, [])
    assert budget_counts(budget(), pods, scale(5)) == (0, 0, [])
    # a pod without a controller is reported, not counted
    assert budget_counts(budget(maxUnavailable=1), [*pods, pod("d", owner=None)],
                         scale(5)) == (5, 4, ["d"])

    def no_scale(_: dict[str, Any]) -> tuple[str, int] | None:
        raise CannotCount('found no controllers for pod "a"')

    with pytest.raises(CannotCount):
        budget_counts(budget(maxUnavailable=1), pods, no_scale)


def test_healthy_pods_leave_out_deleting_unready_and_just_evicted() -> None:
    pods = [pod("a"), pod("b"), pod("c", ready=False), pod("d", deleting=True)]
    assert healthy_pods(pods, {}, 100.0) == 2
    just = {"a": now_timestamp(90.0)}
    assert healthy_pods(pods, just, 100.0) == 1
    assert healthy_pods(pods, just, 90.0 + 121) == 2  # two minutes on: not evicted after all


def web(replicas: int = 3, image: str = "nginx:1.27") -> dict[str, Any]:
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "namespace": "default"},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": "web"}},
                     "template": {"metadata": {"labels": {"app": "web"}},
                                  "spec": {"containers": [{"name": "c", "image": image}]}}}}


async def evict(cluster: Any, name: str, **body: Any) -> Any:
    client = cluster.client
    return await client.request("create", client.info("pods"), namespace="default", name=name,
                                subresource="eviction",
                                body={"apiVersion": "policy/v1", "kind": "Eviction",
                                      "metadata": {"name": name, "namespace": "default"},
                                      **body})


def allowing(count: int, healthy: int):
    def check(pdb: dict[str, Any]) -> bool:
        status = pdb.get("status") or {}
        return status.get("disruptionsAllowed") == count and \
            status.get("currentHealthy") == healthy
    return check


async def running_pods(cluster: Any) -> list[dict[str, Any]]:
    return sorted((p for p in await cluster.list("v1/Pod", "default")
                   if not p["metadata"].get("deletionTimestamp")),
                  key=lambda p: p["metadata"]["name"])


async def test_evictions_spend_the_budget_and_wait_for_replacements(autojump_clock) -> None:
    async with full_cluster(CONFIG, seed=1) as cluster:
        await cluster.apply(web(3))
        await cluster.wait_for("deployment/web", ready_replicas=3, timeout=120)
        await cluster.apply(budget(minAvailable=2))
        pdb = await cluster.wait_for("policy/v1/PodDisruptionBudget", "web-pdb", "default",
                                     timeout=60, predicate=allowing(1, 3))
        status = pdb["status"]
        assert (status["expectedPods"], status["desiredHealthy"]) == (3, 2)
        assert status["observedGeneration"] == pdb["metadata"]["generation"]
        condition = status["conditions"][0]
        assert (condition["type"], condition["status"], condition["reason"]) == \
            ("DisruptionAllowed", "True", "SufficientPods")

        first, second, _ = [p["metadata"]["name"] for p in await running_pods(cluster)]
        answer = await evict(cluster, first)
        assert (answer["kind"], answer["status"]) == ("Status", "Success")
        evicted = await cluster.get("v1/Pod", first, "default")
        assert evicted["metadata"].get("deletionTimestamp")  # graceful, as a delete
        target = [c for c in evicted["status"]["conditions"] if c["type"] == "DisruptionTarget"]
        assert [(c["status"], c["reason"], c["message"]) for c in target] == \
            [("True", "EvictionByEvictionAPI", "Eviction API: evicting")]
        spent = await cluster.wait_for("policy/v1/PodDisruptionBudget", "web-pdb", "default",
                                       timeout=10, predicate=allowing(0, 2))
        assert spent["status"]["conditions"][0]["reason"] == "InsufficientPods"

        # the budget is spent: the next eviction is refused with Kubernetes' words
        with pytest.raises(TooManyRequests) as refused:
            await evict(cluster, second)
        assert refused.value.status["message"] == (
            "Cannot evict pod as it would violate the pod's disruption budget.")
        assert refused.value.status["details"]["causes"] == [{
            "reason": "DisruptionBudget",
            "message": "The disruption budget web-pdb needs 2 healthy pods and has 2 "
                       "currently"}]
        assert not (await cluster.get("v1/Pod", second, "default"))["metadata"].get(
            "deletionTimestamp")

        # once the ReplicaSet's replacement is Ready, one disruption is allowed again
        await cluster.wait_for("policy/v1/PodDisruptionBudget", "web-pdb", "default",
                               timeout=120, predicate=allowing(1, 3))
        assert (await evict(cluster, second))["status"] == "Success"


async def test_percentages_count_the_deployments_replicas(autojump_clock) -> None:
    async with full_cluster(CONFIG, seed=2) as cluster:
        await cluster.apply(web(4))
        await cluster.wait_for("deployment/web", ready_replicas=4, timeout=120)
        await cluster.apply(budget(maxUnavailable="50%"))
        pdb = await cluster.wait_for("policy/v1/PodDisruptionBudget", "web-pdb", "default",
                                     timeout=60, predicate=allowing(2, 4))
        assert (pdb["status"]["expectedPods"], pdb["status"]["desiredHealthy"]) == (4, 2)
        # the spec may change: a new generation, counted again
        await cluster.apply(budget(maxUnavailable="25%"))
        pdb = await cluster.wait_for("policy/v1/PodDisruptionBudget", "web-pdb", "default",
                                     timeout=60, predicate=allowing(1, 4))
        assert pdb["status"]["observedGeneration"] == pdb["metadata"]["generation"] == 2


async def test_pods_that_cost_nothing_are_evicted_at_once(autojump_clock) -> None:
    """A pod that is not Ready costs the budget nothing while the budget is met; a
    Pending pod nothing at all; a dry run evicts nothing."""
    async with full_cluster(CONFIG, seed=3) as cluster:
        await cluster.apply(web(2))
        await cluster.wait_for("deployment/web", ready_replicas=2, timeout=120)
        await cluster.apply({**budget(minAvailable=2), "metadata": {
            "name": "web-pdb", "namespace": "default"}})
        await cluster.wait_for("policy/v1/PodDisruptionBudget", "web-pdb", "default",
                               timeout=60, predicate=allowing(0, 2))
        name = (await running_pods(cluster))[0]["metadata"]["name"]
        with pytest.raises(TooManyRequests):
            await evict(cluster, name)
        # dry run: answered, nothing deleted, nothing spent
        await cluster.apply(budget(minAvailable=1))
        await cluster.wait_for("policy/v1/PodDisruptionBudget", "web-pdb", "default",
                               timeout=60, predicate=allowing(1, 2))
        assert (await evict(cluster, name, deleteOptions={"dryRun": ["All"]}))["status"] == \
            "Success"
        assert not (await cluster.get("v1/Pod", name, "default"))["metadata"].get(
            "deletionTimestamp")
        assert (await cluster.get("policy/v1/PodDisruptionBudget", "web-pdb", "default"))[
            "status"]["disruptionsAllowed"] == 1

        # a pod that never turns Ready: evicted without spending the budget
        await cluster.apply({"apiVersion": "v1", "kind": "Pod",
                             "metadata": {"name": "stuck", "namespace": "default",
                                          "labels": {"app": "web"}},
                             "spec": {"containers": [{"name": "c",
                                                      "image": "example.com/stuck:1"}]}})
        await cluster.wait_for("v1/Pod", "stuck", "default", timeout=60,
                               predicate=lambda p: p["status"].get("phase") == "Running")
        assert (await evict(cluster, "stuck"))["status"] == "Success"
        assert (await cluster.get("policy/v1/PodDisruptionBudget", "web-pdb", "default"))[
            "status"]["disruptionsAllowed"] == 1


async def test_bad_evictions_and_budgets_are_refused(autojump_clock) -> None:
    async with full_cluster(CONFIG, seed=4) as cluster:
        await cluster.apply(web(1))
        await cluster.wait_for("deployment/web", ready_replicas=1, timeout=120)
        name = (await running_pods(cluster))[0]["metadata"]["name"]
        with pytest.raises(BadRequest, match="name in URL does not match name in Eviction"):
            await evict(cluster, name, metadata={"name": "other"})
        with pytest.raises(Invalid) as invalid:
            await cluster.apply(budget(minAvailable=1, maxUnavailable="120%"))
        assert [c["field"] for c in invalid.value.status["details"]["causes"]] == \
            ["spec", "spec.maxUnavailable"]
        # two budgets over one pod: Kubernetes does not support that either
        await cluster.apply(budget(minAvailable=0))
        await cluster.apply({**budget(minAvailable=0), "metadata": {
            "name": "second", "namespace": "default"}})
        with pytest.raises(ApiError) as two:
            await evict(cluster, name)
        assert two.value.status["code"] == 500
        assert two.value.status["message"] == ("This pod has more than one "
                                               "PodDisruptionBudget, which the eviction "
                                               "subresource does not support.")


WITHOUT_CONTROLLER = CONFIG + """
[controllers]
enabled = ["deployment", "replicaset", "endpoints", "garbagecollector", "serviceaccount",
           "serviceaccount-token", "root-ca-cert-publisher"]
"""


async def test_an_eviction_notes_the_pod_in_the_budget(autojump_clock) -> None:
    """Without the disruption controller, what an eviction writes stays to be read: one
    disruption spent, the pod in disruptedPods, the condition turned False. A budget
    whose status is older than its spec refuses evictions until it is counted."""
    async with full_cluster(WITHOUT_CONTROLLER, seed=5) as cluster:
        await cluster.apply(web(2))
        await cluster.wait_for("deployment/web", ready_replicas=2, timeout=120)
        await cluster.apply(budget(maxUnavailable=1))
        first, second = [p["metadata"]["name"] for p in await running_pods(cluster)]
        with pytest.raises(TooManyRequests) as refused:
            await evict(cluster, first)
        assert refused.value.status["details"]["causes"][0]["message"] == (
            "The disruption budget web-pdb is still being processed by the server.")
        pdb = await cluster.get("policy/v1/PodDisruptionBudget", "web-pdb", "default")
        counted = {**pdb, "status": {"disruptionsAllowed": 1, "currentHealthy": 2,
                                     "desiredHealthy": 1, "expectedPods": 2,
                                     "observedGeneration": 1}}
        await cluster.client.update_status(counted)
        assert (await evict(cluster, first))["status"] == "Success"
        status = (await cluster.get("policy/v1/PodDisruptionBudget", "web-pdb",
                                    "default"))["status"]
        assert status["disruptionsAllowed"] == 0
        assert list(status["disruptedPods"]) == [first]
        assert [(c["type"], c["status"], c["reason"]) for c in status["conditions"]] == \
            [("DisruptionAllowed", "False", "InsufficientPods")]
        with pytest.raises(TooManyRequests):
            await evict(cluster, second)
