"""The DaemonSet controller: pure eligibility and planning, and, through a whole cluster in
virtual time, one pod per eligible node, taints and tolerations, nodes removed and back,
and a rolling update."""

from __future__ import annotations

from typing import Any

from kactors.controllers.daemonutil import (
    DEFAULT_UNIQUE_LABEL,
    daemonset_status,
    new_daemon_pod,
    node_should_run,
    nodes_to_daemon_pods,
    plan_manage,
    plan_rolling_update,
    target_node_name,
)
from kactors.scheduler.nodeselector import required_node_affinity
from kactors.testing.harness import full_cluster

H_OLD, H_NEW = "old", "new"


def ds(**pod_spec: Any) -> dict[str, Any]:
    return {"apiVersion": "apps/v1", "kind": "DaemonSet",
            "metadata": {"name": "agent", "namespace": "default", "uid": "u1",
                         "generation": 2},
            "spec": {"selector": {"matchLabels": {"app": "agent"}},
                     "updateStrategy": {"type": "RollingUpdate",
                                        "rollingUpdate": {"maxUnavailable": 1}},
                     "template": {"metadata": {"labels": {"app": "agent"}},
                                  "spec": {"containers": [{"name": "c", "image": "a"}],
                                           **pod_spec}}}}


def node(name: str, labels: dict[str, str] | None = None,
         taints: list[dict[str, str]] | None = None) -> dict[str, Any]:
    return {"metadata": {"name": name, "labels": labels or {}},
            "spec": {"taints": taints or []}}


def pod(name: str, node_name: str, hash_: str = H_NEW, ready: bool = True,
        phase: str = "Running", created: str = "2024-01-01T00:00:00Z") -> dict[str, Any]:
    return {"metadata": {"name": name, "namespace": "default", "creationTimestamp": created,
                         "labels": {"app": "agent", DEFAULT_UNIQUE_LABEL: hash_}},
            "spec": {"nodeName": node_name},
            "status": {"phase": phase, "conditions": [
                {"type": "Ready", "status": "True" if ready else "False"}]}}


def taint(key: str, effect: str) -> dict[str, str]:
    return {"key": key, "value": "x", "effect": effect}


# -- pure -------------------------------------------------------------------------------------------
def test_eligibility_follows_node_selector_affinity_and_taints() -> None:
    assert node_should_run(node("n"), ds()) == (True, True)
    ssd = ds(nodeSelector={"disk": "ssd"})
    assert node_should_run(node("n", {"disk": "ssd"}), ssd) == (True, True)
    assert node_should_run(node("n", {"disk": "hdd"}), ssd) == (False, False)
    affinity = ds(affinity={"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
        "nodeSelectorTerms": [{"matchExpressions": [
            {"key": "zone", "operator": "In", "values": ["a"]}]}]}}})
    assert node_should_run(node("n", {"zone": "a"}), affinity) == (True, True)
    assert node_should_run(node("n", {"zone": "b"}), affinity) == (False, False)
    assert node_should_run(node("n"), ds(nodeName="other")) == (False, False)
    # NoSchedule keeps new pods away, but a running pod may stay; NoExecute evicts
    assert node_should_run(node("n", taints=[taint("db", "NoSchedule")]), ds()) == (False, True)
    assert node_should_run(node("n", taints=[taint("db", "NoExecute")]), ds()) == (False, False)
    assert node_should_run(node("n", taints=[taint("db", "PreferNoSchedule")]), ds()) == (
        True, True)
    tolerating = ds(tolerations=[{"key": "db", "operator": "Exists"}])
    assert node_should_run(node("n", taints=[taint("db", "NoExecute")]), tolerating) == (
        True, True)


def test_daemon_pods_tolerate_not_ready_unreachable_and_cordoned_nodes() -> None:
    for key, effect in (("node.kubernetes.io/not-ready", "NoExecute"),
                        ("node.kubernetes.io/unreachable", "NoExecute"),
                        ("node.kubernetes.io/unschedulable", "NoSchedule"),
                        ("node.kubernetes.io/memory-pressure", "NoSchedule"),
                        ("node.kubernetes.io/disk-pressure", "NoSchedule"),
                        ("node.kubernetes.io/pid-pressure", "NoSchedule")):
        assert node_should_run(node("n", taints=[taint(key, effect)]), ds()) == (True, True)
    network = {"key": "node.kubernetes.io/network-unavailable", "effect": "NoSchedule"}
    assert node_should_run(node("n", taints=[network]), ds())[0] is False
    assert node_should_run(node("n", taints=[network]), ds(hostNetwork=True))[0] is True


def test_a_daemon_pod_is_pinned_to_its_node_by_a_match_fields_affinity() -> None:
    new = new_daemon_pod(ds(nodeSelector={"disk": "ssd"}), "node-2", "agent-x", "h1",
                         {"kind": "DaemonSet", "name": "agent", "uid": "u1"})
    terms = new["spec"]["affinity"]["nodeAffinity"][
        "requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"]
    assert terms == [{"matchFields": [{"key": "metadata.name", "operator": "In",
                                       "values": ["node-2"]}]}]
    assert new["metadata"]["labels"] == {"app": "agent", DEFAULT_UNIQUE_LABEL: "h1",
                                         "pod-template-generation": "2"}
    assert any(t["key"] == "node.kubernetes.io/unreachable" for t in new["spec"]["tolerations"])
    assert target_node_name(new) == "node-2"
    # the scheduler understands the pin (and still applies the nodeSelector)
    required = required_node_affinity(new)
    assert required is not None
    assert required.matches({"disk": "ssd"}, "node-2")
    assert not required.matches({"disk": "ssd"}, "node-1")
    assert not required.matches({}, "node-2")


def test_manage_creates_where_missing_and_deletes_what_must_go() -> None:
    nodes = [node("a"), node("b"), node("c", {"x": "y"}, [taint("db", "NoExecute")]),
             node("d", taints=[taint("db", "NoSchedule")])]
    pods = [pod("p1", "a", created="2024-01-01T00:00:00Z"),
            pod("p2", "a", created="2024-01-01T00:01:00Z"),   # a duplicate, newer
            pod("p3", "c"),                                     # evicted by NoExecute
            pod("p4", "d"),                                     # may stay (NoSchedule)
            pod("p5", "gone"),                                  # its node was deleted
            pod("p6", "b", phase="Failed", ready=False)]
    plan = plan_manage(ds(), nodes, nodes_to_daemon_pods(pods))
    assert plan.create_on == []  # b's failed pod goes first; its replacement comes next
    assert [p["metadata"]["name"] for p in plan.delete] == ["p2", "p6", "p3"]
    assert [p["metadata"]["name"] for p in plan.failed] == ["p6"]
    assert [p["metadata"]["name"] for p in plan.orphaned] == ["p5"]
    plan = plan_manage(ds(), nodes, nodes_to_daemon_pods(pods[:2]))
    assert plan.create_on == ["b"]


def test_rolling_update_respects_max_unavailable() -> None:
    nodes = [node(n) for n in "abcd"]
    old = [pod(f"p{n}", n, H_OLD) for n in "abcd"]
    deleted = plan_rolling_update(ds(), nodes, nodes_to_daemon_pods(old), H_NEW, 0.0)
    assert [p["metadata"]["name"] for p in deleted] == ["pa"]
    # a new pod not yet available uses up the budget
    pods = [pod("na", "a", H_NEW, ready=False), *old[1:]]
    assert plan_rolling_update(ds(), nodes, nodes_to_daemon_pods(pods), H_NEW, 0.0) == []
    # ... but an old pod that is not available anyway is replaced at once
    pods = [pod("na", "a", H_NEW, ready=False), pod("pb", "b", H_OLD, ready=False), *old[2:]]
    assert [p["metadata"]["name"] for p in plan_rolling_update(
        ds(), nodes, nodes_to_daemon_pods(pods), H_NEW, 0.0)] == ["pb"]
    half = ds()
    half["spec"]["updateStrategy"]["rollingUpdate"]["maxUnavailable"] = "50%"
    assert len(plan_rolling_update(half, nodes, nodes_to_daemon_pods(old), H_NEW, 0.0)) == 2


def test_status_counts_nodes() -> None:
    nodes = [node("a"), node("b"), node("c"), node("d", {"x": "y"}, [taint("k", "NoExecute")])]
    pods = [pod("pa", "a", H_NEW), pod("pb", "b", H_OLD, ready=False), pod("pd", "d")]
    status = daemonset_status(ds(), nodes, nodes_to_daemon_pods(pods), H_NEW, 0.0)
    assert status == {"desiredNumberScheduled": 3, "currentNumberScheduled": 2,
                      "numberReady": 1, "numberAvailable": 1, "numberUnavailable": 2,
                      "updatedNumberScheduled": 1, "numberMisscheduled": 1}


# -- through a whole cluster -----------------------------------------------------------------------
CONFIG = """
[cluster]
name = "t"
[[nodes]]
name = "node"
count = 2
labels = { "disk" = "ssd" }
[[nodes]]
name = "db"
count = 1
taints = [{ key = "dedicated", value = "db", effect = "NoSchedule" }]
"""


def agent(image: str = "fluentd:1", tolerate: bool = False, **extra: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {"containers": [{"name": "agent", "image": image}], **extra}
    if tolerate:
        spec["tolerations"] = [{"key": "dedicated", "operator": "Exists",
                                "effect": "NoSchedule"}]
    return {"apiVersion": "apps/v1", "kind": "DaemonSet",
            "metadata": {"name": "agent", "namespace": "default"},
            "spec": {"selector": {"matchLabels": {"app": "agent"}},
                     "template": {"metadata": {"labels": {"app": "agent"}}, "spec": spec}}}


async def placement(cluster: Any) -> dict[str, str]:
    pods = await cluster.list("v1/Pod", "default")
    return {p["spec"].get("nodeName") or "": p["metadata"]["name"] for p in pods
            if not p["metadata"].get("deletionTimestamp")}


async def test_one_pod_per_eligible_node_and_taints_keep_it_away(autojump_clock) -> None:
    async with full_cluster(CONFIG, seed=1) as cluster:
        await cluster.apply(agent())
        status = (await cluster.wait_for("daemonset/agent", number_ready=2, timeout=60))["status"]
        assert status["desiredNumberScheduled"] == 2 and status["numberMisscheduled"] == 0
        assert sorted(await placement(cluster)) == ["node-1", "node-2"]
        created = [r["message"] for r in cluster.logs(event="event.recorded")
                   if r["reason"] == "SuccessfulCreate" and "agent-" in r["message"]]
        assert len(created) == 2 and all(m.startswith("Created pod: agent-") for m in created)

        # tolerating the taint: the tainted node gets its pod; the others are updated
        await cluster.apply(agent(tolerate=True))
        status = (await cluster.wait_for(
            "daemonset/agent", number_ready=3, updated_number_scheduled=3, timeout=120,
            predicate=lambda d: d["status"].get("numberAvailable") == 3))["status"]
        assert status["desiredNumberScheduled"] == 3
        assert sorted(await placement(cluster)) == ["db-1", "node-1", "node-2"]

        # a nodeSelector: only the ssd nodes; the pod on db-1 is deleted
        await cluster.apply(agent(tolerate=True, nodeSelector={"disk": "ssd"}))
        await cluster.wait_for("daemonset/agent", desired_number_scheduled=2, number_ready=2,
                               updated_number_scheduled=2, timeout=120)
        await cluster.sleep(10)
        assert sorted(await placement(cluster)) == ["node-1", "node-2"]


async def test_a_removed_node_loses_its_pod_and_gets_one_when_back(autojump_clock) -> None:
    async with full_cluster(CONFIG, seed=2) as cluster:
        await cluster.apply(agent())
        await cluster.wait_for("daemonset/agent", number_ready=2, timeout=60)
        on_node_2 = (await placement(cluster))["node-2"]
        cluster.system.network.crash("node-2")
        await cluster.delete("v1/Node", "node-2")
        await cluster.wait_gone("v1/Pod", on_node_2, "default", timeout=120)
        status = (await cluster.wait_for("daemonset/agent", desired_number_scheduled=1,
                                         timeout=60))["status"]
        assert status["currentNumberScheduled"] == 1
        deleted = [r for r in cluster.logs(event="daemonset.pod_deleted")]
        assert [r["pod"] for r in deleted] == [on_node_2]

        # the kubelet comes back and registers its Node again: a new pod for it
        cluster.system.network.restart("node-2")
        await cluster.wait_for("daemonset/agent", desired_number_scheduled=2, number_ready=2,
                               timeout=120)
        assert sorted(await placement(cluster)) == ["node-1", "node-2"]


async def test_a_rolling_update_replaces_one_node_at_a_time(autojump_clock) -> None:
    async with full_cluster(CONFIG, seed=3) as cluster:
        await cluster.apply(agent(tolerate=True))
        before = (await cluster.wait_for("daemonset/agent", number_ready=3, timeout=60))
        await cluster.apply(agent(image="fluentd:2", tolerate=True))
        after = await cluster.wait_for(
            "daemonset/agent", updated_number_scheduled=3, number_available=3, timeout=120,
            predicate=lambda d: d["status"].get("observedGeneration") == 2)
        assert after["metadata"]["generation"] == before["metadata"]["generation"] + 1
        pods = await cluster.list("v1/Pod", "default")
        assert all(p["spec"]["containers"][0]["image"] == "fluentd:2" for p in pods)
        # deletions and creations alternate: never two nodes without a pod at once
        steps = [r["event"] for r in cluster.logs()
                 if r["event"] in ("daemonset.pod_deleted", "daemonset.pod_created")]
        assert steps[3:] == ["daemonset.pod_deleted", "daemonset.pod_created"] * 3
        assert len(cluster.logs(event="daemonset.rolling_update")) == 3


async def test_on_delete_waits_for_pods_to_be_deleted(autojump_clock) -> None:
    async with full_cluster(CONFIG, seed=4) as cluster:
        on_delete = agent()
        on_delete["spec"]["updateStrategy"] = {"type": "OnDelete"}
        await cluster.apply(on_delete)
        await cluster.wait_for("daemonset/agent", number_ready=2, timeout=60)
        before = await placement(cluster)
        changed = agent(image="fluentd:2")
        changed["spec"]["updateStrategy"] = {"type": "OnDelete"}
        await cluster.apply(changed)
        await cluster.sleep(30)
        assert await placement(cluster) == before
        status = (await cluster.get("daemonset/agent"))["status"]
        assert (status["observedGeneration"], status["updatedNumberScheduled"]) == (2, 0)
        await cluster.delete("v1/Pod", before["node-1"], "default")
        await cluster.wait_for("daemonset/agent", updated_number_scheduled=1, number_ready=2,
                               timeout=60)
        pods = {p["spec"]["nodeName"]: p for p in await cluster.list("v1/Pod", "default")}
        assert pods["node-1"]["spec"]["containers"][0]["image"] == "fluentd:2"
        assert pods["node-2"]["metadata"]["name"] == before["node-2"]
