"""examples/node-failure.toml: a node cut off by the network goes Unknown, is tainted,
its pods are evicted and recreated on the other nodes; healed, it comes back Ready."""

from __future__ import annotations

from .helpers import run_json


def test_a_node_failure_tells_its_story_in_the_log() -> None:
    records, summary = run_json("node-failure.toml")

    def first(event: str, **fields: object) -> dict:
        return next(r for r in records if r["event"] == event
                    and all(r.get(k) == v for k, v in fields.items()))

    isolated = first("net.isolated", host="node-2")
    assert isolated["ts"] == 30
    assert first("node.lease_failed")["actor"] == "/cluster/nodes/node-2/kubelet"
    unreachable = first("node.unreachable", node="node-2")
    # 40 s (the grace period) after the last Lease renewal the controller saw
    assert 60 < unreachable["ts"] <= 70 and unreachable["grace_period"] == 40
    not_ready = first("node.not_ready", node="node-2")
    assert not_ready["status"] == "Unknown"
    assert first("event.recorded", reason="NodeNotReady", object="Node/node-2")["message"] == \
        "Node node-2 status is now: NodeNotReady"
    assert first("node.tainted", node="node-2")["taints"] == [
        "node.kubernetes.io/unreachable:NoSchedule", "node.kubernetes.io/unreachable:NoExecute"]

    # the two web pods of node-2 are marked not ready, then evicted after their 30 s
    web = [r["pod"] for r in records if r["event"] == "pod.eviction_scheduled"
           and r["pod"].startswith("default/web-")]
    assert len(web) == 2 and all(r["node"] == "node-2" for r in records
                                 if r["event"] == "pod.marked_not_ready")
    evicted = [r for r in records if r["event"] == "pod.evicted"]
    assert sorted(r["pod"] for r in evicted) == sorted(web)
    assert all(abs(r["ts"] - unreachable["ts"] - 30) < 0.5 for r in evicted)
    eviction_events = [r["message"] for r in records if r["event"] == "event.recorded"
                       and r["reason"] == "TaintManagerEviction"
                       and r["message"].startswith("Marking")]
    assert sorted(eviction_events) == sorted(f"Marking for deletion Pod {p}" for p in web)

    # replacements go to the nodes that are left
    replaced = [r for r in records if r["event"] == "pod.scheduled"
                and r["ts"] >= evicted[0]["ts"]]
    assert len(replaced) == 2 and {r["node"] for r in replaced} <= {"node-1", "node-3"}

    # healed: the taints go, the node is Ready, the kubelet removes its evicted pods
    healed = first("net.healed")
    assert healed["ts"] == 150
    again = first("node.ready_again", node="node-2")
    assert again["ts"] > healed["ts"] and len(again["removed"]) == 2
    deleted = {r["pod"] for r in records if r["event"] == "pod.deleted"
               and r["actor"] == "/cluster/nodes/node-2/kubelet"}
    assert deleted == set(web)
    assert not [r for r in records if r["event"] == "actor.crashed"]

    # 6 web pods + 10 kube-system mirror pods, all Running; every node Ready
    assert summary["pods"]["Running"] == 16 and summary["pods"]["Pending"] == 0
    assert summary["nodes"] == {"Ready": 3, "NotReady": 0}
    assert summary["deployments"] == {"default/web": "6/6"}
