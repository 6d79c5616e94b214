"""The StatefulSet controller: pure planning (ordering, partition, scale down) and, through
a whole cluster in virtual time, ordered creation, a pod stuck not ready blocking the next
ordinal, reverse scale down, Parallel, rolling update with a partition, stable identity."""

from __future__ import annotations

from typing import Any

from kactors.controllers.statefulutil import (
    POD_INDEX_LABEL,
    POD_NAME_LABEL,
    REVISION_LABEL,
    Step,
    identity_matches,
    new_statefulset_pod,
    parent_and_ordinal,
    plan_statefulset,
    statefulset_status,
)
from kactors.testing.harness import full_cluster

OLD, NEW = "web-old", "web-new"


def sts(replicas: int = 3, policy: str = "OrderedReady", partition: int | None = 0,
        **spec: Any) -> dict[str, Any]:
    strategy: dict[str, Any] = {"type": "OnDelete"} if partition is None else {
        "type": "RollingUpdate", "rollingUpdate": {"partition": partition}}
    return {"apiVersion": "apps/v1", "kind": "StatefulSet",
            "metadata": {"name": "web", "namespace": "default", "uid": "u-web"},
            "spec": {"replicas": replicas, "serviceName": "nginx",
                     "podManagementPolicy": policy, "updateStrategy": strategy,
                     "selector": {"matchLabels": {"app": "nginx"}},
                     "template": {"metadata": {"labels": {"app": "nginx"}},
                                  "spec": {"containers": [{"name": "c", "image": "nginx"}]}},
                     **spec}}


def pod(ordinal: int, revision: str = NEW, ready: bool = True, phase: str = "Running",
        deleting: bool = False) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": f"web-{ordinal}", "namespace": "default",
                            "labels": {"app": "nginx", POD_NAME_LABEL: f"web-{ordinal}",
                                       POD_INDEX_LABEL: str(ordinal),
                                       REVISION_LABEL: revision}}
    if deleting:
        meta["deletionTimestamp"] = "2024-01-01T00:00:00Z"
    return {"metadata": meta, "status": {"phase": phase, "conditions": [
        {"type": "Ready", "status": "True" if ready else "False"}]}}


def plan(set_: dict[str, Any], pods: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    return [(s.action, s.pod, s.detail) for s in plan_statefulset(set_, pods, OLD, NEW, 0.0)]


# -- pure -------------------------------------------------------------------------------------------
def test_ordinals_are_parsed_from_names() -> None:
    assert parent_and_ordinal({"metadata": {"name": "web-12"}}) == ("web", 12)
    assert parent_and_ordinal({"metadata": {"name": "my-db-0"}}) == ("my-db", 0)
    assert parent_and_ordinal({"metadata": {"name": "web"}}) is None


def test_a_new_pod_has_the_identity_of_its_ordinal() -> None:
    set_ = sts(volumeClaimTemplates=[{"metadata": {"name": "www"}}])
    new = new_statefulset_pod(set_, set_["spec"]["template"], 2, NEW,
                              {"kind": "StatefulSet", "name": "web", "uid": "u-web"})
    assert new["metadata"]["name"] == "web-2"
    assert new["metadata"]["labels"] == {"app": "nginx", POD_NAME_LABEL: "web-2",
                                         POD_INDEX_LABEL: "2", REVISION_LABEL: NEW}
    assert (new["spec"]["hostname"], new["spec"]["subdomain"]) == ("web-2", "nginx")
    assert new["spec"]["volumes"] == [{"name": "www", "persistentVolumeClaim": {
        "claimName": "www-web-2"}}]
    assert identity_matches(set_, new)
    new["metadata"]["labels"][POD_NAME_LABEL] = "web-7"
    assert not identity_matches(set_, new)


def test_ordered_ready_creates_one_pod_at_a_time() -> None:
    assert plan(sts(), []) == [("create", "web-0", NEW)]
    assert plan(sts(), [pod(0, ready=False)]) == [("wait", "web-0", "Running and Ready")]
    assert plan(sts(), [pod(0, phase="Pending", ready=False)])[0][0] == "wait"
    assert plan(sts(), [pod(0)]) == [("create", "web-1", NEW)]
    # a stuck web-1 blocks web-2, even if web-2 is missing
    assert plan(sts(), [pod(0), pod(1, ready=False)]) == [
        ("wait", "web-1", "Running and Ready")]
    assert plan(sts(), [pod(0), pod(1), pod(2)]) == []


def test_parallel_creates_every_missing_pod_at_once() -> None:
    assert plan(sts(policy="Parallel"), [pod(0, ready=False)]) == [
        ("create", "web-1", NEW), ("create", "web-2", NEW), ("wait", "web-2", "update")]


def test_a_deleted_or_failed_pod_comes_back_under_its_name() -> None:
    assert plan(sts(), [pod(0), pod(2)]) == [("create", "web-1", NEW)]
    assert plan(sts(), [pod(0), pod(1, phase="Failed", ready=False), pod(2)]) == [
        ("delete", "web-1", "failed")]
    assert plan(sts(), [pod(0), pod(1, deleting=True), pod(2)]) == [
        ("wait", "web-1", "Terminate")]


def test_scale_down_goes_from_the_highest_ordinal_one_at_a_time() -> None:
    pods = [pod(i) for i in range(5)]
    assert plan(sts(replicas=2), pods) == [("delete", "web-4", "scale_down")]
    pods[4] = pod(4, deleting=True)
    assert plan(sts(replicas=2), pods) == [("wait", "web-4", "Terminate")]
    # a not-ready condemned pod blocks, unless it is the first unhealthy one
    pods = [pod(0), pod(1), pod(2, ready=False), pod(3, ready=False)]
    assert plan(sts(replicas=2), pods) == [
        ("wait", "web-3", "Running and Ready prior to scale down")]
    pods = [pod(0), pod(1), pod(2), pod(3, ready=False)]
    assert plan(sts(replicas=2), pods) == [("delete", "web-3", "scale_down")]
    assert plan(sts(replicas=0, policy="Parallel"), pods[:3]) == [
        ("delete", "web-2", "scale_down"), ("delete", "web-1", "scale_down"),
        ("delete", "web-0", "scale_down")]


def test_rolling_update_goes_in_reverse_order_down_to_the_partition() -> None:
    old = [pod(i, OLD) for i in range(3)]
    assert plan(sts(partition=0), old) == [("delete", "web-2", "update")]
    assert plan(sts(partition=0), [old[0], old[1], pod(2, NEW, ready=False)]) == [
        ("wait", "web-2", "Running and Ready")]
    assert plan(sts(partition=0), [old[0], old[1], pod(2, NEW)]) == [
        ("delete", "web-1", "update")]
    assert plan(sts(partition=1), [old[0], pod(1, NEW), pod(2, NEW)]) == []
    # below the partition a missing pod is recreated at the current revision
    assert plan(sts(partition=1), [pod(1, NEW), pod(2, NEW)]) == [("create", "web-0", OLD)]
    assert plan(sts(partition=None), old) == []  # OnDelete


def test_status_counts_revisions_and_completes_the_rollout() -> None:
    status = statefulset_status(sts(), [pod(0, OLD), pod(1, NEW), pod(2, NEW, ready=False)],
                                OLD, NEW, 0.0)
    assert status == {"replicas": 3, "readyReplicas": 2, "availableReplicas": 2,
                      "currentReplicas": 1, "updatedReplicas": 2, "currentRevision": OLD,
                      "updateRevision": NEW}
    done = statefulset_status(sts(), [pod(i, NEW) for i in range(3)], OLD, NEW, 0.0)
    assert (done["currentRevision"], done["currentReplicas"]) == (NEW, 3)
    # what this pass did counts: a pod just created is not ready, so not done yet
    steps = [Step("create", 0, "web-0", NEW)]
    passing = statefulset_status(sts(), [pod(1, NEW), pod(2, NEW)], OLD, NEW, 0.0, steps)
    assert (passing["replicas"], passing["updatedReplicas"]) == (3, 3)
    assert passing["currentRevision"] == OLD
    steps = [Step("delete", 2, "web-2", "update")]
    passing = statefulset_status(sts(), [pod(i, OLD) for i in range(3)], OLD, NEW, 0.0, steps)
    assert (passing["replicas"], passing["currentReplicas"]) == (3, 2)


# -- through a whole cluster -----------------------------------------------------------------------
CONFIG = """
[cluster]
name = "t"
[[nodes]]
name = "node"
count = 2
[images."example.com/stuck:1"]
readiness = "never"
"""

PROBE = {"httpGet": {"path": "/", "port": 80}, "periodSeconds": 2}


def web(replicas: int = 3, image: str = "nginx:1", policy: str = "OrderedReady",
        partition: int = 0) -> dict[str, Any]:
    return {"apiVersion": "apps/v1", "kind": "StatefulSet",
            "metadata": {"name": "web", "namespace": "default"},
            "spec": {"replicas": replicas, "serviceName": "nginx",
                     "podManagementPolicy": policy,
                     "updateStrategy": {"type": "RollingUpdate",
                                        "rollingUpdate": {"partition": partition}},
                     "selector": {"matchLabels": {"app": "nginx"}},
                     "template": {"metadata": {"labels": {"app": "nginx"}}, "spec": {
                         "containers": [{"name": "nginx", "image": image,
                                         "readinessProbe": PROBE}]}}}}


def names(cluster: Any, event: str) -> list[str]:
    return [r["pod"] for r in cluster.logs(event=event)]


async def test_pods_come_up_in_order_each_ready_before_the_next(autojump_clock) -> None:
    async with full_cluster(CONFIG, seed=1) as cluster:
        await cluster.apply({"apiVersion": "v1", "kind": "Service",
                             "metadata": {"name": "nginx", "namespace": "default"},
                             "spec": {"clusterIP": "None", "selector": {"app": "nginx"},
                                      "ports": [{"port": 80, "name": "web"}]}})
        await cluster.apply(web())
        await cluster.wait_for("statefulset/web", ready_replicas=3, timeout=120)
        # the headless Service gives each pod its network identity (hostname.nginx)
        endpoints = await cluster.wait_for(
            "v1/Endpoints", "nginx", "default", timeout=30,
            predicate=lambda e: sum(len(s.get("addresses") or [])
                                    for s in e.get("subsets") or []) == 3)
        hostnames = sorted(a["hostname"] for s in endpoints["subsets"] for a in s["addresses"])
        assert hostnames == ["web-0", "web-1", "web-2"]
        assert names(cluster, "statefulset.pod_created") == ["web-0", "web-1", "web-2"]
        pods = {p["metadata"]["name"]: p for p in await cluster.list("v1/Pod", "default")}
        for before, after in (("web-0", "web-1"), ("web-1", "web-2")):
            ready_at = next(c["lastTransitionTime"] for c in pods[before]["status"]["conditions"]
                            if c["type"] == "Ready")
            assert pods[after]["metadata"]["creationTimestamp"] >= ready_at
        messages = [r["message"] for r in cluster.logs(event="event.recorded")
                    if r["reason"] == "SuccessfulCreate" and "StatefulSet" in r["message"]]
        assert messages[0] == "create Pod web-0 in StatefulSet web successful"

        # stable identity: a deleted pod comes back with its name and hostname
        uid = pods["web-1"]["metadata"]["uid"]
        await cluster.delete("v1/Pod", "web-1", "default")
        back = await cluster.wait_for("v1/Pod", "web-1", "default", timeout=60,
                                      predicate=lambda p: p["metadata"]["uid"] != uid
                                      and p["status"].get("phase") == "Running")
        assert back["spec"]["hostname"] == "web-1" and back["spec"]["subdomain"] == "nginx"
        assert back["metadata"]["labels"][POD_NAME_LABEL] == "web-1"

        # scale down: web-2 first, and web-1 only once web-2 is gone
        await cluster.client.scale("statefulset", "web", 1, "default")
        await cluster.wait_for("statefulset/web", status__replicas=1, timeout=120)
        deleted = cluster.logs(event="statefulset.pod_deleted")
        assert [r["pod"] for r in deleted] == ["web-2", "web-1"]
        assert [p["metadata"]["name"] for p in await cluster.list("v1/Pod", "default")] == [
            "web-0"]


async def test_a_pod_stuck_not_ready_blocks_the_next_ordinal(autojump_clock) -> None:
    async with full_cluster(CONFIG, seed=2) as cluster:
        await cluster.apply(web(image="example.com/stuck:1"))
        await cluster.wait_for("v1/Pod", "web-0", "default", timeout=60,
                               predicate=lambda p: p["status"].get("phase") == "Running")
        await cluster.sleep(60)
        assert await cluster.get("v1/Pod", "web-1", "default") is None
        status = (await cluster.get("statefulset/web"))["status"]
        assert (status["replicas"], status["readyReplicas"]) == (1, 0)
        waits = cluster.logs(event="statefulset.waiting")
        assert waits[-1]["pod"] == "web-0" and waits[-1]["until"] == "Running and Ready"


async def test_parallel_does_not_wait_for_readiness(autojump_clock) -> None:
    async with full_cluster(CONFIG, seed=3) as cluster:
        await cluster.apply(web(image="example.com/stuck:1", policy="Parallel"))
        await cluster.wait_for("statefulset/web", status__replicas=3, timeout=60)
        assert sorted(names(cluster, "statefulset.pod_created")) == ["web-0", "web-1", "web-2"]
        assert (await cluster.get("statefulset/web"))["status"]["readyReplicas"] == 0


async def test_rolling_update_in_reverse_order_honours_the_partition(autojump_clock) -> None:
    async with full_cluster(CONFIG, seed=4) as cluster:
        await cluster.apply(web(partition=1))
        first = await cluster.wait_for("statefulset/web", ready_replicas=3, timeout=120)
        old = first["status"]["currentRevision"]
        await cluster.apply(web(image="nginx:2", partition=1))
        done = await cluster.wait_for("statefulset/web", updated_replicas=2, ready_replicas=3,
                                      timeout=120)
        new = done["status"]["updateRevision"]
        assert new != old and done["status"]["currentRevision"] == old
        assert [r["pod"] for r in cluster.logs(event="statefulset.pod_deleted")] == [
            "web-2", "web-1"]
        revisions = {p["metadata"]["name"]: p["metadata"]["labels"][REVISION_LABEL]
                     for p in await cluster.list("v1/Pod", "default")}
        assert revisions == {"web-0": old, "web-1": new, "web-2": new}
        # below the partition, a deleted pod comes back at the old revision, old image
        uid = (await cluster.get("v1/Pod", "web-0", "default"))["metadata"]["uid"]
        await cluster.delete("v1/Pod", "web-0", "default")
        back = await cluster.wait_for("v1/Pod", "web-0", "default", timeout=60,
                                      predicate=lambda p: p["metadata"]["uid"] != uid)
        assert back["metadata"]["labels"][REVISION_LABEL] == old
        assert back["spec"]["containers"][0]["image"] == "nginx:1"
        # lowering the partition finishes the rollout: the set's current revision moves on
        await cluster.apply(web(image="nginx:2", partition=0))
        final = await cluster.wait_for("statefulset/web", current_revision=new,
                                       ready_replicas=3, timeout=120)
        assert final["status"]["currentReplicas"] == 3

