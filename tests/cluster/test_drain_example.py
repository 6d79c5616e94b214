"""examples/drain.toml: a node drained within a PodDisruptionBudget: cordoned, its pods
evicted one disruption at a time, each refused eviction retried until a replacement is
Ready elsewhere; uncordoned later."""

from __future__ import annotations

from .helpers import run_json


def test_a_drain_waits_for_the_budget() -> None:
    records, summary = run_json("drain.toml")

    def events(name: str) -> list[dict]:
        return [r for r in records if r["event"] == name]

    counted = events("disruption.budget_counted")
    before = [r for r in counted if r["ts"] < 30]
    assert (before[-1]["healthy"], before[-1]["desired"], before[-1]["allowed"]) == (4, 3, 1)

    assert [(r["ts"], r["node"]) for r in events("action.drain")] == [(30, "node-1")]
    assert events("node.cordoned")[0]["ts"] == 30
    evicted, refused = events("drain.evicted"), events("drain.eviction_refused")
    assert len(evicted) == 2 and {r["node"] for r in evicted} == {"node-1"}
    assert evicted[0]["ts"] == 30
    # the second pod was refused while the budget allowed nothing, retried every 5 s
    assert refused and {r["pod"] for r in refused} == {evicted[1]["pod"]}
    assert refused[0]["message"] == ("Cannot evict pod as it would violate the pod's "
                                     "disruption budget.")
    assert [r["ts"] for r in refused] == [30 + 5 * i for i in range(len(refused))]
    assert evicted[1]["ts"] == refused[-1]["ts"] + 5
    # every eviction kept 3 web pods Ready: the controller never counted fewer
    assert all(r["healthy"] >= 3 for r in counted if r["ts"] >= 30)
    drained = events("node.drained")[0]
    assert drained["ts"] > evicted[1]["ts"]
    # cordoned: the replacements all went to node-2
    moved = [r for r in events("pod.scheduled") if r["ts"] >= 30]
    assert len(moved) == 2 and {r["node"] for r in moved} == {"node-2"}
    assert [(r["ts"], r["node"]) for r in events("node.uncordoned")] == [(90, "node-1")]
    assert not events("actor.crashed")
    assert summary["deployments"] == {"default/web": "4/4"}
    assert summary["nodes"] == {"Ready": 2, "NotReady": 0}
