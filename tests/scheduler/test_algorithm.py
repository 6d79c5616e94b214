"""schedule(): sampling, FitError messages, tie-breaking, explanations, cached verdicts."""

from __future__ import annotations

import json
import random
from collections import Counter
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kactors.scheduler import (
    ClusterState,
    SchedulerConfig,
    build_context,
    explain,
    explanation_annotation,
    new_pod_info,
    node_explanation,
    num_feasible_nodes_to_find,
    schedule,
)
from kactors.scheduler.framework import normalize_score

from .helpers import (
    expr,
    make_node,
    make_pod,
    node_affinity,
    pod_anti_affinity,
    taint,
    toleration,
)

CONTROL_PLANE = "node-role.kubernetes.io/control-plane"


def cluster(count: int, cpu: str = "4", memory: str = "8Gi") -> ClusterState:
    state = ClusterState()
    for i in range(count):
        state.add_node(make_node(f"node-{i:04d}", cpu, memory))
    return state


# -- FitError ------------------------------------------------------------------------------------


def test_fit_error_counts_reasons_across_nodes() -> None:
    state = ClusterState()
    state.add_node(make_node("cp", labels={"disk": "ssd"}, taints=[taint(CONTROL_PLANE)]))
    state.add_node(make_node("small-1", memory="1Gi", labels={"disk": "ssd"}))
    state.add_node(make_node("small-2", memory="1Gi", labels={"disk": "ssd"}))
    state.add_node(make_node("hdd-1"))
    state.add_node(make_node("hdd-2"))
    result = schedule(make_pod("p", "1", "2Gi", nodeSelector={"disk": "ssd"}), state)
    assert result.node_name is None and result.fit_error is not None
    assert result.fit_error.message == (
        "0/5 nodes are available: 1 node(s) had untolerated taint "
        "{node-role.kubernetes.io/control-plane: }, 2 Insufficient memory, "
        "2 node(s) didn't match Pod's node affinity/selector."
    )
    assert str(result.fit_error) == result.fit_error.message
    assert result.fit_error.unschedulable_plugins == (
        "NodeAffinity",
        "NodeResourcesFit",
        "TaintToleration",
    )
    assert (result.evaluated_nodes, result.feasible_nodes) == (5, 0)


def test_fit_error_simple_and_multi_reason() -> None:
    state = cluster(3, "1", "1Gi")
    assert schedule(make_pod("p", "2"), state).fit_error.message == (  # type: ignore[union-attr]
        "0/3 nodes are available: 3 Insufficient cpu."
    )
    assert schedule(make_pod("p", "2", "2Gi"), state).fit_error.message == (  # type: ignore[union-attr]
        "0/3 nodes are available: 3 Insufficient cpu, 3 Insufficient memory."
    )


def test_fit_error_sorts_count_strings_like_go() -> None:
    state = ClusterState()
    for i in range(10):
        state.add_node(make_node(f"mem-{i}", "8", "1Gi"))
    for i in range(2):
        state.add_node(make_node(f"cpu-{i}", "1", "8Gi"))
    result = schedule(make_pod("p", "2", "2Gi"), state)
    # sort.Strings on "<count> <reason>": "10 ..." sorts before "2 ...".
    assert result.fit_error.message == (  # type: ignore[union-attr]
        "0/12 nodes are available: 10 Insufficient memory, 2 Insufficient cpu."
    )


def test_no_nodes() -> None:
    result = schedule(make_pod("p"), ClusterState())
    assert result.fit_error is not None
    assert result.fit_error.message == "no nodes available to schedule pods"
    assert json.loads(explanation_annotation(result))["message"] == (
        "no nodes available to schedule pods"
    )


# -- sampling ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("nodes", "percentage", "expected"),
    [
        (1, 0, 1),
        (99, 0, 99),
        (100, 0, 100),
        (199, 0, 100),  # 50% would be 99: at least 100
        (1000, 0, 420),  # 50 - 1000/125 = 42%
        (2000, 0, 680),
        (5000, 0, 500),  # 10%
        (6000, 0, 300),  # 50 - 48 = 2% -> at least 5%
        (10000, 0, 500),
        (5000, 50, 2500),
        (5000, 1, 100),
        (5000, 100, 5000),
    ],
)
def test_num_feasible_nodes_to_find(nodes: int, percentage: int, expected: int) -> None:
    assert num_feasible_nodes_to_find(nodes, percentage) == expected


def test_big_clusters_are_sampled_from_a_rotating_start() -> None:
    state = cluster(1000)
    first = schedule(make_pod("a", "100m"), state)
    assert (first.evaluated_nodes, first.feasible_nodes) == (420, 420)
    assert first.window.names[0] == "node-0000"
    assert state.next_start_index == 420
    second = schedule(make_pod("b", "100m"), state)
    assert second.window.names[0] == "node-0420"
    third = schedule(make_pod("c", "100m"), state)
    assert third.window.names[0] == "node-0840"
    assert third.window.names[-1] == "node-0259"  # wrapped around
    assert state.next_start_index == 260


def test_sampling_still_finds_a_lone_feasible_node() -> None:
    state = ClusterState()
    for i in range(1000):
        state.add_node(make_node(f"node-{i:04d}", "1" if i != 777 else "16"))
    state.next_start_index = 800
    result = schedule(make_pod("p", "8"), state)
    assert result.node_name == "node-0777"
    # Fewer feasible nodes than wanted (420): every node gets looked at.
    assert (result.evaluated_nodes, result.feasible_nodes) == (1000, 1)
    assert state.next_start_index == 800
    failed = schedule(make_pod("q", "32"), state)
    assert failed.evaluated_nodes == 1000  # everything, to be sure
    assert failed.fit_error.message == "0/1000 nodes are available: 1000 Insufficient cpu."  # type: ignore[union-attr]


def test_infeasible_nodes_extend_the_window() -> None:
    state = ClusterState()
    for i in range(200):
        state.add_node(make_node(f"node-{i:04d}", "1" if i % 2 else "8"))  # odd ones small
    result = schedule(make_pod("p", "2"), state)
    # 100 feasible nodes wanted; they are the even ones: node-0000 .. node-0198.
    assert (result.evaluated_nodes, result.feasible_nodes) == (199, 100)
    assert state.next_start_index == 199


# -- tie-breaking ---------------------------------------------------------------------------------


def placements(seed: int | None, pods: int = 30) -> list[str]:
    state = cluster(20)
    rng = None if seed is None else random.Random(seed)
    out = []
    for i in range(pods):
        pod = make_pod(f"p{i}", "100m", "128Mi")
        result = schedule(pod, state, rng=rng)
        assert result.node_name is not None
        state.assume_pod(pod, result.node_name)
        out.append(result.node_name)
    return out


def test_same_seed_same_choices() -> None:
    assert placements(7) == placements(7)
    assert placements(7) != placements(8)
    # Ties are really broken at random: more than the first node gets chosen first.
    assert len({placements(seed, 1)[0] for seed in range(10)}) > 3


def test_without_rng_the_first_best_node_wins() -> None:
    assert placements(None, 3) == ["node-0000", "node-0001", "node-0002"]


def test_pods_spread_over_identical_nodes() -> None:
    counts = Counter(placements(3, 40))
    assert set(counts.values()) == {2}  # least-allocated keeps them even


# -- explanations -------------------------------------------------------------------------------


def test_explanation_is_small_for_big_clusters() -> None:
    state = cluster(5000)
    result = schedule(make_pod("p", "100m"), state, rng=random.Random(1))
    text = explanation_annotation(result)
    assert len(text) < 1000
    data = json.loads(text)
    assert data["node"] == result.node_name
    assert (data["nodes"], data["evaluated"], data["feasible"]) == (5000, 500, 500)
    assert len(data["top"]) == 3
    assert data["top"][0]["node"] == result.node_name
    assert data["top"][0]["score"] >= data["top"][1]["score"] >= data["top"][2]["score"]
    assert set(data["top"][0]["scores"]) == {
        "TaintToleration",
        "NodeResourcesFit",
        "NodeResourcesBalancedAllocation",
    }
    assert text == json.dumps(explain(result), separators=(",", ":"), sort_keys=True)


def test_explanation_counts_rejections_and_details_nodes() -> None:
    state = ClusterState()
    state.add_node(make_node("big", "8"))
    state.add_node(make_node("small", "1"))
    state.add_node(make_node("cordoned", "8", unschedulable=True))
    result = schedule(make_pod("p", "2"), state)
    data = explain(result, top=5)
    assert data["rejected"] == {"Insufficient cpu": 1, "node(s) were unschedulable": 1}
    assert [entry["node"] for entry in data["top"]] == ["big"]
    small = node_explanation(result, "small")
    assert small == {
        "node": "small",
        "filters": {
            "NodeUnschedulable": "passed",
            "TaintToleration": "passed",
            "NodeResourcesFit": ["Insufficient cpu"],
            "NodeName": "skipped",
            "NodeAffinity": "skipped",
            "NodePorts": "skipped",
            "VolumeBinding": "skipped",
            "InterPodAffinity": "skipped",
        },
    }
    cordoned = node_explanation(result, "cordoned")
    assert cordoned is not None
    assert cordoned["filters"]["TaintToleration"] == "not run"
    assert node_explanation(result, "elsewhere") is None


# -- cached verdicts agree with evaluating everything afresh -------------------------------------


def test_a_new_anti_affinity_pod_invalidates_its_whole_domain() -> None:
    state = ClusterState()
    state.add_node(make_node("a1", "2", labels={"zone": "a"}))
    state.add_node(make_node("a2", "16", labels={"zone": "a"}))  # the emptiest: preferred
    state.add_node(make_node("b1", "4", labels={"zone": "b"}))
    # Some anti-affinity pod exists, so web pods' cached verdicts depend on their labels.
    state.add_pod(
        make_pod(
            "x", labels={"app": "x"}, affinity=pod_anti_affinity({"app": "zz"}), node_name="b1"
        )
    )
    web = make_pod("web-1", "100m", labels={"app": "web"})
    assert schedule(web, state).node_name == "a2"  # verdicts for a1, a2, b1 now cached
    loner = pod_anti_affinity({"app": "web"}, "zone")
    state.add_pod(make_pod("db", labels={"app": "db"}, affinity=loner, node_name="a1"))
    result = schedule(make_pod("web-2", "100m", labels={"app": "web"}), state)
    assert result.node_name == "b1"  # a2 shares a1's zone: its cached verdict was dropped
    state.remove_pod("default/db")
    assert schedule(make_pod("web-3", "100m", labels={"app": "web"}), state).node_name == "a2"


NODE_VARIANTS: list[dict[str, Any]] = [
    {"cpu": "2", "memory": "4Gi"},
    {"cpu": "4", "memory": "2Gi", "labels": {"zone": "a", "disk": "ssd"}},
    {"cpu": "1", "memory": "8Gi", "labels": {"zone": "b"}},
    {"cpu": "8", "memory": "8Gi", "taints": [taint("gpu")], "labels": {"zone": "a"}},
    {"cpu": "4", "memory": "4Gi", "taints": [taint("soft", effect="PreferNoSchedule")]},
    {"cpu": "4", "memory": "4Gi", "unschedulable": True, "labels": {"zone": "b"}},
    {"cpu": "3", "memory": "6Gi", "pods": "2", "labels": {"disk": "ssd"}},
]

POD_TEMPLATES: list[dict[str, Any]] = [
    {"cpu": "500m", "memory": "512Mi"},
    {"cpu": "1", "memory": "1Gi", "labels": {"app": "web"}},
    {"cpu": "250m", "tolerations": [toleration("gpu", "Exists")]},
    {"memory": "1Gi", "nodeSelector": {"zone": "a"}},
    {
        "cpu": "100m",
        "affinity": node_affinity(
            preferred=[(3, {"matchExpressions": [expr("disk", "In", "ssd")]})]
        ),
    },
    {"cpu": "300m", "labels": {"app": "web"}, "affinity": pod_anti_affinity({"app": "web"})},
    {"cpu": "200m", "labels": {"app": "db"}, "affinity": pod_anti_affinity({"app": "web"}, "zone")},
]


def reference(pod: dict[str, Any], state: ClusterState, config: SchedulerConfig) -> tuple:
    """kube-scheduler's algorithm written plainly: every plugin on every node it visits."""
    info = new_pod_info(pod)
    nodes = state.node_infos()
    context = build_context(info, state, config)
    wanted = num_feasible_nodes_to_find(len(nodes), config.percentage_of_nodes_to_score)
    start = state.next_start_index % len(nodes)
    feasible, reasons, processed = [], Counter(), 0
    for i in range(len(nodes)):
        node = nodes[(start + i) % len(nodes)]
        processed += 1
        status, fixed, raw = context.evaluate(node)
        if status is None:
            feasible.append((node.name, fixed, raw))
            if len(feasible) == wanted:
                break
        else:
            reasons.update(status.reasons)
    if not feasible:
        listed = sorted(f"{n} {r}" for r, n in reasons.items())
        return processed, set(), f"0/{len(nodes)} nodes are available: {', '.join(listed)}."
    if len(feasible) == 1:
        return processed, {feasible[0][0]}, None
    maxima = {i: max(raw[i] for _, _, raw in feasible) for i in context.normalized}
    totals = {}
    for name, fixed, raw in feasible:
        total = fixed
        for i in context.normalized:
            spec = context.scores[i]
            total += spec.weight * normalize_score(spec.normalize, raw[i], maxima[i])
        totals[name] = total
    best = max(totals.values())
    return processed, {name for name, total in totals.items() if total == best}, None


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(st.data())
def test_cached_verdicts_match_a_fresh_evaluation(data: st.DataObject) -> None:
    config = SchedulerConfig(table_cache_size=data.draw(st.sampled_from([1, 32])))
    state = ClusterState()
    count = data.draw(st.integers(1, 120))
    for i in range(count):
        variant = NODE_VARIANTS[data.draw(st.integers(0, len(NODE_VARIANTS) - 1))]
        state.add_node(make_node(f"n{i:03d}", **variant))
    rng = random.Random(data.draw(st.integers(0, 9)))
    placed: list[str] = []
    serial = 0
    for _ in range(data.draw(st.integers(1, 30))):
        action = data.draw(st.sampled_from(["schedule"] * 6 + ["remove", "node", "drop"]))
        if action == "remove" and placed:
            state.remove_pod(placed.pop(data.draw(st.integers(0, len(placed) - 1))))
        elif action == "node":
            name = f"n{data.draw(st.integers(0, count)):03d}"
            variant = NODE_VARIANTS[data.draw(st.integers(0, len(NODE_VARIANTS) - 1))]
            state.update_node(make_node(name, **variant))
        elif action == "drop" and state.num_nodes > 1:
            state.remove_node(state.node_names()[data.draw(st.integers(0, state.num_nodes - 1))])
        else:
            template = dict(POD_TEMPLATES[data.draw(st.integers(0, len(POD_TEMPLATES) - 1))])
            serial += 1
            pod = make_pod(f"p{serial}", **template)
            processed, best, message = reference(pod, state, config)
            result = schedule(pod, state, config, rng)
            assert result.evaluated_nodes == processed
            if message is not None:
                assert result.fit_error is not None and result.fit_error.message == message
            else:
                assert result.node_name in best
                state.assume_pod(pod, result.node_name)
                placed.append(f"default/p{serial}")


def test_explanation_caps_the_list_of_reasons() -> None:
    state = ClusterState()
    for i in range(30):
        state.add_node(make_node(f"n{i:02d}", taints=[taint("team", f"t{i % 15}")]))
    result = schedule(make_pod("p"), state)
    data = explain(result)
    assert len(data["rejected"]) == 10
    assert data["rejected_other"] == 10  # 5 more taint values, 2 nodes each
    assert data["rejected"]["node(s) had untolerated taint {team: t0}"] == 2
    assert result.fit_error is not None
    assert result.fit_error.message.startswith(
        "0/30 nodes are available: 2 node(s) had untolerated taint {team: t0}, "
    )
