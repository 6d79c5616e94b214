"""The node lifecycle controller: silent nodes turn Unknown, get tainted, their pods are
evicted after their tolerations; a node heard from again is untainted. Pure decisions
first, then the whole cluster with a node cut off by the simulated network."""

from __future__ import annotations

from kactors.controllers.nodehealth import (
    NOT_READY_TAINT,
    UNKNOWN_MESSAGE,
    UNREACHABLE_TAINT,
    desired_taints,
    eviction_delay,
    heartbeat_signature,
    pod_not_ready_conditions,
    taint_names,
    unknown_conditions,
)
from kactors.testing.harness import full_cluster

WHEN = "2026-01-01T00:01:00Z"


def node(ready: str = "True", taints: list | None = None) -> dict:
    conditions = [{"type": kind, "status": "False", "reason": "KubeletHasSufficient",
                   "lastHeartbeatTime": "2026-01-01T00:00:10Z",
                   "lastTransitionTime": "2026-01-01T00:00:01Z"}
                  for kind in ("MemoryPressure", "DiskPressure", "PIDPressure")]
    conditions.append({"type": "Ready", "status": ready, "reason": "KubeletReady",
                       "lastHeartbeatTime": "2026-01-01T00:00:10Z",
                       "lastTransitionTime": "2026-01-01T00:00:01Z"})
    return {"metadata": {"name": "n"}, "spec": {"taints": taints or []},
            "status": {"conditions": conditions}}


def pod(*tolerations: dict) -> dict:
    return {"metadata": {"name": "p", "namespace": "default"},
            "spec": {"tolerations": list(tolerations)}}


def tol(key: str = UNREACHABLE_TAINT, seconds: int | None = None, **extra: str) -> dict:
    found = {"key": key, "operator": "Exists", "effect": "NoExecute", **extra}
    if seconds is not None:
        found["tolerationSeconds"] = seconds
    return found


# -- pure decisions -------------------------------------------------------------------------------
def test_a_silent_node_gets_every_condition_unknown_keeping_its_last_heartbeat() -> None:
    conditions = unknown_conditions(node(), WHEN)
    assert conditions is not None
    assert [(c["type"], c["status"], c["reason"], c["message"]) for c in conditions] == [
        (kind, "Unknown", "NodeStatusUnknown", UNKNOWN_MESSAGE)
        for kind in ("MemoryPressure", "DiskPressure", "PIDPressure", "Ready")]
    assert {c["lastTransitionTime"] for c in conditions} == {WHEN}
    assert {c["lastHeartbeatTime"] for c in conditions} == {"2026-01-01T00:00:10Z"}
    again = {"metadata": {"name": "n"}, "status": {"conditions": conditions}}
    assert unknown_conditions(again, "2026-01-01T00:02:00Z") is None


def test_ready_decides_the_taints_and_other_taints_are_kept() -> None:
    mine = {"key": "dedicated", "value": "db", "effect": "NoSchedule"}
    unknown = desired_taints(node("Unknown", [mine]), WHEN)
    assert unknown == [mine, {"key": UNREACHABLE_TAINT, "effect": "NoSchedule"},
                       {"key": UNREACHABLE_TAINT, "effect": "NoExecute", "timeAdded": WHEN}]
    assert taint_names(unknown) == ["dedicated=db:NoSchedule",
                                    f"{UNREACHABLE_TAINT}:NoSchedule",
                                    f"{UNREACHABLE_TAINT}:NoExecute"]
    # Unknown -> False swaps unreachable for not-ready; True removes both
    not_ready = desired_taints(node("False", unknown), "2026-01-01T00:02:00Z")
    assert [(t["key"], t["effect"]) for t in not_ready] == [
        ("dedicated", "NoSchedule"), (NOT_READY_TAINT, "NoSchedule"),
        (NOT_READY_TAINT, "NoExecute")]
    assert desired_taints(node("True", not_ready), WHEN) == [mine]
    # already tainted: nothing changes (timeAdded kept)
    assert desired_taints(node("Unknown", unknown), "2026-01-01T00:09:00Z") == unknown


def test_eviction_waits_for_the_shortest_toleration_used() -> None:
    taints = [{"key": UNREACHABLE_TAINT, "effect": "NoExecute"},
              {"key": UNREACHABLE_TAINT, "effect": "NoSchedule"}]
    assert eviction_delay([], pod()) is None
    assert eviction_delay(taints[1:], pod()) is None  # NoSchedule evicts nothing
    assert eviction_delay(taints, pod()) == 0.0  # not tolerated: at once
    assert eviction_delay(taints, pod(tol(NOT_READY_TAINT, 300))) == 0.0
    assert eviction_delay(taints, pod(tol(seconds=300), tol(seconds=30))) == 30.0
    assert eviction_delay(taints, pod(tol())) is None  # tolerated forever
    assert eviction_delay(taints, pod(tol(seconds=0))) == 0.0
    assert eviction_delay(taints, pod({"operator": "Exists"})) is None  # tolerates all
    both = [*taints, {"key": "maintenance", "value": "yes", "effect": "NoExecute"}]
    assert eviction_delay(both, pod(tol(seconds=60))) == 0.0
    assert eviction_delay(both, pod(tol(seconds=60), {"key": "maintenance", "operator":
                                                      "Equal", "value": "yes",
                                                      "tolerationSeconds": 20})) == 20.0


def test_marking_a_pod_not_ready_touches_only_a_true_ready_condition() -> None:
    ready = {"status": {"conditions": [{"type": "PodScheduled", "status": "True"},
                                       {"type": "Ready", "status": "True"}]}}
    assert pod_not_ready_conditions(ready, WHEN) == [
        {"type": "PodScheduled", "status": "True"},
        {"type": "Ready", "status": "False", "lastTransitionTime": WHEN}]
    assert pod_not_ready_conditions({"status": {"conditions": [
        {"type": "Ready", "status": "False"}]}}, WHEN) is None


def test_the_heartbeat_is_the_lease_renewal_and_the_ready_heartbeat() -> None:
    lease = {"spec": {"renewTime": "2026-01-01T00:00:20.000000Z"}}
    assert heartbeat_signature(node(), lease) == ("2026-01-01T00:00:20.000000Z",
                                                  "2026-01-01T00:00:10Z")
    assert heartbeat_signature({"metadata": {}}, None) == ("", "")


# -- through the whole cluster --------------------------------------------------------------------
CONFIG = """
[cluster]
name = "t"
[[nodes]]
name = "node"
count = 2
[controllers]
node_monitor_grace_period = 20
"""


def pinned(name: str, node_name: str, *tolerations: dict) -> dict:
    spec: dict = {"nodeName": node_name, "containers": [{"name": "c", "image": "nginx"}]}
    if tolerations:
        spec["tolerations"] = list(tolerations)
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": "default"}, "spec": spec}


def ready(obj: dict) -> str:
    return next((c["status"] for c in (obj.get("status") or {}).get("conditions") or []
                 if c["type"] == "Ready"), "")


async def test_an_isolated_node_is_tainted_its_pods_evicted_then_it_heals(autojump_clock):
    async with full_cluster(CONFIG, seed=5) as cluster:
        await cluster.apply([
            pinned("quick", "node-2", tol(seconds=20)),
            pinned("default-300", "node-2"),
            pinned("forever", "node-2", tol()),
            pinned("elsewhere", "node-1", tol(seconds=20))])
        await cluster.sleep(10)
        assert {p["metadata"]["name"]: p["status"]["phase"]
                for p in await cluster.list("v1/Pod", "default")} == {
            "quick": "Running", "default-300": "Running", "forever": "Running",
            "elsewhere": "Running"}
        isolated_at = cluster.now()
        cluster.system.network.isolate("node-2")
        await cluster.sleep(15)  # within the grace period (20 s): still Ready
        assert ready(await cluster.get("v1/Node", "node-2")) == "True"
        await cluster.sleep(15)
        node2 = await cluster.get("v1/Node", "node-2")
        assert {c["status"] for c in node2["status"]["conditions"]} == {"Unknown"}
        assert [(t["key"], t["effect"]) for t in node2["spec"]["taints"]] == [
            (UNREACHABLE_TAINT, "NoSchedule"), (UNREACHABLE_TAINT, "NoExecute")]
        assert ready(await cluster.get("v1/Node", "node-1")) == "True"
        [unreachable] = cluster.logs("node.unreachable")
        assert unreachable["node"] == "node-2" and unreachable["grace_period"] == 20
        assert 10 < unreachable["ts"] - isolated_at <= 20  # 20 s after the last renewal
        for name in ("quick", "default-300", "forever"):
            assert ready(await cluster.get("v1/Pod", name, "default")) == "False"
        assert ready(await cluster.get("v1/Pod", "elsewhere", "default")) == "True"
        events = {(e["reason"], e["message"]) for e in await cluster.list("v1/Event",
                                                                          "default")}
        assert ("NodeNotReady", "Node node-2 status is now: NodeNotReady") in events
        assert ("NodeNotReady", "Node is not ready") in events

        await cluster.sleep(30)  # the 20 s toleration ran out; 300 s and forever did not
        quick = await cluster.get("v1/Pod", "quick", "default")
        assert quick["metadata"].get("deletionTimestamp")  # Terminating: kubelet is away
        assert any(c["type"] == "DisruptionTarget" and c["reason"] == "DeletionByTaintManager"
                   for c in quick["status"]["conditions"])
        [evicted] = cluster.logs("pod.evicted")
        assert evicted["pod"] == "default/quick"
        assert abs(evicted["ts"] - unreachable["ts"] - 20) < 0.5
        for name in ("default-300", "forever", "elsewhere"):
            pod_ = await cluster.get("v1/Pod", name, "default")
            assert not pod_["metadata"].get("deletionTimestamp"), name
        events = {(e["reason"], e["message"]) for e in await cluster.list("v1/Event",
                                                                          "default")}
        assert ("TaintManagerEviction", "Marking for deletion Pod default/quick") in events

        cluster.system.network.heal()
        await cluster.sleep(60)
        node2 = await cluster.get("v1/Node", "node-2")
        assert ready(node2) == "True" and not node2["spec"].get("taints")
        assert [r["node"] for r in cluster.logs("node.ready_again")] == ["node-2"]
        assert [r["pod"] for r in cluster.logs("pod.eviction_cancelled")] == [
            "default/default-300"]
        # the kubelet saw its pod deleted meanwhile: stopped it and removed it for good
        assert sorted(p["metadata"]["name"] for p in await cluster.list("v1/Pod",
                                                                        "default")) == [
            "default-300", "elsewhere", "forever"]
        assert "default/quick" in [r["pod"] for r in cluster.logs("pod.deleted")]
        # the pods that stayed are Ready again: the kubelet re-posts what it knows
        for name in ("default-300", "forever"):
            assert ready(await cluster.get("v1/Pod", name, "default")) == "True", name
        events = {(e["reason"], e["message"]) for e in await cluster.list("v1/Event",
                                                                          "default")}
        assert ("NodeReady", "Node node-2 status is now: NodeReady") in events
        assert not cluster.logs("actor.crashed")


async def test_a_noexecute_taint_evicts_pods_that_do_not_tolerate_it_at_once(autojump_clock):
    async with full_cluster(CONFIG, seed=6) as cluster:
        await cluster.apply([
            pinned("plain", "node-1"),
            pinned("tolerant", "node-1", {"key": "maintenance", "operator": "Exists",
                                          "effect": "NoExecute"}),
            pinned("for-a-while", "node-1", {"key": "maintenance", "operator": "Exists",
                                             "effect": "NoExecute", "tolerationSeconds": 15})])
        await cluster.sleep(5)
        await cluster.client.patch("nodes", "node-1", {"spec": {"taints": [
            {"key": "maintenance", "value": "yes", "effect": "NoExecute"}]}})
        await cluster.sleep(2)
        assert [r["pod"] for r in cluster.logs("pod.evicted")] == ["default/plain"]
        await cluster.sleep(20)
        assert [r["pod"] for r in cluster.logs("pod.evicted")] == [
            "default/plain", "default/for-a-while"]
        names = sorted(p["metadata"]["name"] for p in await cluster.list("v1/Pod", "default"))
        assert names == ["tolerant"]  # the kubelet is up: evicted pods are gone for good
        # the node is Ready: the controller leaves a taint it did not add alone
        node1 = await cluster.get("v1/Node", "node-1")
        assert node1["spec"]["taints"] == [{"key": "maintenance", "value": "yes",
                                            "effect": "NoExecute"}]
        assert not cluster.logs("node.unreachable")
