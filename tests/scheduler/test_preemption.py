"""Preemption: a pod of higher priority that fits nowhere evicts lower-priority pods.

The victim choice runs without an event loop; the end-to-end test runs a whole cluster in
virtual time (PriorityClass, Priority admission, scheduler, kubelets)."""

from __future__ import annotations

from typing import Any

from kactors.scheduler.framework import FilterStatus
from kactors.scheduler.nodeinfo import NodeInfo
from kactors.scheduler.plugins.noderesources import FIT_NAME
from kactors.scheduler.podinfo import new_pod_info
from kactors.scheduler.preemption import may_preempt, select_victims
from kactors.testing.harness import full_cluster


def node(name: str, cpu: str = "1") -> dict[str, Any]:
    return {"metadata": {"name": name}, "status": {"allocatable": {
        "cpu": cpu, "memory": "4Gi", "pods": "10"}}}


def pod(name: str, cpu: str, priority: int, node_name: str = "") -> dict[str, Any]:
    spec: dict[str, Any] = {"priority": priority, "containers": [
        {"name": "c", "resources": {"requests": {"cpu": cpu}}}]}
    if node_name:
        spec["nodeName"] = node_name
    return {"metadata": {"name": name, "namespace": "default"}, "spec": spec}


def nodes_with(*placed: tuple[str, str, int, str]) -> list[NodeInfo]:
    infos = {name: NodeInfo.for_node(node(name)) for name in ("n1", "n2")}
    for name, cpu, priority, where in placed:
        infos[where].add_pod(new_pod_info(pod(name, cpu, priority, where)))
    return list(infos.values())


FULL = FilterStatus(FIT_NAME, ("Insufficient cpu",))


def test_the_fewest_least_important_victims() -> None:
    nodes = nodes_with(("a", "400m", 0, "n1"), ("b", "400m", 0, "n1"),
                       ("c", "600m", 5, "n2"), ("d", "300m", 0, "n2"))
    incoming = new_pod_info(pod("vip", "500m", 100))
    chosen = select_victims(incoming, nodes, {"n1": FULL, "n2": FULL})
    # n1: one of its two priority-0 pods is enough (the other is given back); n2 would
    # need the priority-5 pod
    assert chosen is not None and chosen.node == "n1"
    assert [v.key for v in chosen.victims] == ["default/b"]
    # nothing to gain where another filter said no, or from pods as important
    assert select_victims(incoming, nodes, {"n1": FilterStatus("TaintToleration", ("x",)),
                                            "n2": None}) is None
    equal = new_pod_info(pod("peer", "500m", 0))
    assert select_victims(equal, nodes, {"n1": FULL, "n2": FULL}) is None
    assert not may_preempt({"spec": {"preemptionPolicy": "Never"}})


CONFIG = """
[cluster]
name = "preempt"
[[nodes]]
name = "node"
count = 2
cpu = "1"
"""


def low(replicas: int) -> dict[str, Any]:
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "batch", "namespace": "default"},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": "batch"}},
                     "template": {"metadata": {"labels": {"app": "batch"}}, "spec": {
                         "containers": [{"name": "c", "image": "nginx:1.27", "resources": {
                             "requests": {"cpu": "400m"}}}]}}}}


async def test_a_high_priority_pod_preempts(autojump_clock) -> None:
    async with full_cluster(CONFIG, seed=1) as cluster:
        await cluster.apply(low(4))
        await cluster.wait_for("deployment/batch", ready_replicas=4, timeout=120)
        await cluster.apply({"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass",
                             "metadata": {"name": "high"}, "value": 1000})
        await cluster.apply({"apiVersion": "v1", "kind": "Pod",
                             "metadata": {"name": "vip", "namespace": "default"},
                             "spec": {"priorityClassName": "high", "containers": [{
                                 "name": "c", "image": "nginx:1.27",
                                 "resources": {"requests": {"cpu": "500m"}}}]}})
        for _ in range(100):  # until the scheduler has chosen (cluster time, 0.1 s steps)
            if cluster.logs("pod.preempting"):
                break
            await cluster.sleep(0.1)
        victim = cluster.logs("pod.preempting")[0]["victims"][0].split("/")[1]
        # the victim is told why it goes before it goes (a status condition)
        marked = await cluster.wait_for("v1/Pod", victim, "default", timeout=10, predicate=lambda
                                        p: any(c["type"] == "DisruptionTarget" for c in
                                               (p.get("status") or {}).get("conditions") or []))
        [target] = [c for c in marked["status"]["conditions"] if c["type"] == "DisruptionTarget"]
        assert (target["reason"], target["message"]) == (
            "PreemptionByScheduler",
            "default-scheduler: preempting to accommodate a higher priority pod")
        vip = await cluster.wait_for("v1/Pod", "vip", "default", timeout=120, predicate=lambda
                                     p: (p.get("status") or {}).get("phase") == "Running")
        assert vip["spec"]["priority"] == 1000
        [preempting] = [r for r in cluster.logs("pod.preempting")]
        assert preempting["pod"] == "default/vip" and len(preempting["victims"]) == 1
        assert vip["spec"]["nodeName"] == preempting["node"]
        assert vip["status"].get("nominatedNodeName") == preempting["node"]
        events = (await cluster.client.list("events", "default"))["items"]
        preempted = [e for e in events if e["reason"] == "Preempted"]
        assert [f"default/{e['involvedObject']['name']}" for e in preempted] == \
            preempting["victims"]
        assert preempted[0]["message"] == (f"Preempted by pod {vip['metadata']['uid']} on node "
                                           f"{preempting['node']}")
        assert preempted[0]["source"]["component"] == "default-scheduler"
        # the victim's replacement fits nowhere, and may not preempt the vip back
        await cluster.sleep(20)
        phases = sorted((p["status"] or {}).get("phase") for p in
                        await cluster.list("v1/Pod", "default", label_selector="app=batch")
                        if not p["metadata"].get("deletionTimestamp"))
        assert phases == ["Pending", "Running", "Running", "Running"]
        assert len(cluster.logs("pod.preempting")) == 1
