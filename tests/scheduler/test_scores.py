"""Score plugins with hand-computed values, normalisation and weights."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kactors.scheduler import (
    ClusterState,
    NodeInfo,
    SchedulerConfig,
    new_pod_info,
    node_explanation,
    schedule,
)
from kactors.scheduler.plugins.noderesources import (
    balanced_allocation_score,
    balanced_score,
    least_requested_score,
    node_resources_fit_score,
)

from .helpers import expr, make_node, make_pod, node_affinity, taint, toleration


def scores_of(state: ClusterState, pod: dict, config: SchedulerConfig | None = None) -> dict:
    """{node: (total, {plugin: [raw, final]})} for every node the pod was scored on."""
    result = schedule(pod, state, config or SchedulerConfig())
    out = {}
    for name in result.window.names:
        explanation = node_explanation(result, name)
        assert explanation is not None
        if "scores" in explanation:
            out[name] = (explanation["score"], explanation["scores"])
    return out


def test_least_requested_score_formula() -> None:
    assert least_requested_score(3000, 4000) == 25
    assert least_requested_score(0, 4000) == 100
    assert least_requested_score(4001, 4000) == 0
    assert least_requested_score(1, 0) == 0
    assert least_requested_score(1, 3) == 66  # integer division, truncated


def test_balanced_score_formula() -> None:
    assert balanced_score([0.75, 0.5]) == 87  # 1 - 0.125
    assert balanced_score([0.5, 0.5]) == 100
    assert balanced_score([1.0, 0.0]) == 50
    assert balanced_score([0.3]) == 100  # one resource: nothing to balance
    # Three resources: population standard deviation.
    assert balanced_score([0.2, 0.4, 0.6]) == int((1 - (0.08 / 3) ** 0.5) * 100)


def test_least_allocated_and_balanced_on_differently_sized_nodes() -> None:
    # kube-scheduler's own test case: pod 3000m/5000, nodes 4000m/10000 and 6000m/10000.
    state = ClusterState()
    state.add_node(make_node("node1", "4000m", "10000"))
    state.add_node(make_node("node2", "6000m", "10000"))
    scores = scores_of(state, make_pod("p", "3000m", "5000"))
    # node1: cpu (4000-3000)*100/4000 = 25, memory 50 -> 37; fractions .75/.5 -> 87.
    assert scores["node1"][1]["NodeResourcesFit"] == [37, 37]
    assert scores["node1"][1]["NodeResourcesBalancedAllocation"] == [87, 87]
    # node2: cpu 50, memory 50 -> 50; fractions .5/.5 -> 100.
    assert scores["node2"][1]["NodeResourcesFit"] == [50, 50]
    assert scores["node2"][1]["NodeResourcesBalancedAllocation"] == [100, 100]
    # No PreferNoSchedule taints anywhere: TaintToleration gives everyone 100, weight 3.
    assert scores["node1"][1]["TaintToleration"] == [0, 300]
    assert scores["node1"][0] == 37 + 87 + 300
    assert scores["node2"][0] == 50 + 100 + 300
    assert schedule(make_pod("p", "3000m", "5000"), state).node_name == "node2"


def test_least_allocated_counts_best_effort_pods_as_100m_200mi() -> None:
    state = ClusterState()
    state.add_node(make_node("n", "1000m", "1000Mi"))
    state.add_node(make_node("m", "1000m", "1000Mi"))
    state.add_pod(make_pod("old", node_name="n"))  # requests nothing
    scores = scores_of(state, make_pod("p", "100m", "100Mi"))
    # Non-zero requests: cpu 100+100 -> 80; memory 200Mi+100Mi -> 70; mean 75.
    assert scores["n"][1]["NodeResourcesFit"] == [75, 75]
    # Balanced uses real requests: 0.1 and 0.1 -> 100.
    assert scores["n"][1]["NodeResourcesBalancedAllocation"] == [100, 100]
    # The empty node scores better: cpu 90, memory 90.
    assert scores["m"][1]["NodeResourcesFit"] == [90, 90]


def test_balanced_allocation_skips_best_effort_pods() -> None:
    state = ClusterState()
    state.add_node(make_node("n"))
    state.add_node(make_node("m"))
    scores = scores_of(state, make_pod("p"))
    assert set(scores["n"][1]) == {"NodeResourcesFit", "TaintToleration"}


def test_preferred_node_affinity_is_normalised_to_the_best_node() -> None:
    state = ClusterState()
    state.add_node(make_node("n1", labels={"disk": "ssd", "zone": "a"}))
    state.add_node(make_node("n2", labels={"zone": "a"}))
    state.add_node(make_node("n3"))
    preferred = [
        (5, {"matchExpressions": [expr("disk", "In", "ssd")]}),
        (3, {"matchExpressions": [expr("zone", "Exists")]}),
        (7, {}),  # empty terms are ignored
    ]
    scores = scores_of(
        state, make_pod("p", "1", "1Gi", affinity=node_affinity(preferred=preferred))
    )
    # Raw 8, 3, 0 -> 100, 3*100//8 = 37, 0; weight 2.
    assert scores["n1"][1]["NodeAffinity"] == [8, 200]
    assert scores["n2"][1]["NodeAffinity"] == [3, 74]
    assert scores["n3"][1]["NodeAffinity"] == [0, 0]
    assert (
        schedule(
            make_pod("p", "1", "1Gi", affinity=node_affinity(preferred=preferred)), state
        ).node_name
        == "n1"
    )


def test_prefer_no_schedule_taints_are_normalised_in_reverse() -> None:
    state = ClusterState()
    soft = "PreferNoSchedule"
    state.add_node(make_node("n1", taints=[taint("a", effect=soft), taint("b", effect=soft)]))
    state.add_node(
        make_node("n2", taints=[taint("a", effect=soft), taint("hard", effect="NoExecute")])
    )
    state.add_node(make_node("n3", taints=[taint("c", effect=soft)]))
    state.add_node(make_node("n4"))
    tolerations = [
        toleration("hard", "Exists"),
        toleration("c", "Exists", effect="PreferNoSchedule"),
        toleration("b", "Exists", effect="NoSchedule"),  # wrong effect: does not help scoring
    ]
    scores = scores_of(state, make_pod("p", "1", "1Gi", tolerations=tolerations))
    # Untolerated PreferNoSchedule taints: n1 2, n2 1, n3 0, n4 0 -> max 2.
    assert scores["n1"][1]["TaintToleration"] == [2, 0]
    assert scores["n2"][1]["TaintToleration"] == [1, 150]
    assert scores["n3"][1]["TaintToleration"] == [0, 300]
    assert scores["n4"][1]["TaintToleration"] == [0, 300]


def test_weights_are_configurable() -> None:
    state = ClusterState()
    state.add_node(make_node("node1", "4000m", "10000"))
    state.add_node(make_node("node2", "6000m", "10000"))
    config = SchedulerConfig(weights={"NodeResourcesFit": 3, "NodeResourcesBalancedAllocation": 0})
    scores = scores_of(state, make_pod("p", "3000m", "5000"), config)
    assert scores["node1"] == (111, {"NodeResourcesFit": [37, 111]})
    assert scores["node2"] == (150, {"NodeResourcesFit": [50, 150]})
    assert config.weight("NodeResourcesFit") == 3 and config.weight("TaintToleration") == 0


def test_weights_decide_between_plugins() -> None:
    # n1 is emptier; n2 is preferred by node affinity. The affinity weight tips it.
    state = ClusterState()
    state.add_node(make_node("n1", "8", "16Gi"))
    state.add_node(make_node("n2", "2", "4Gi", labels={"fast": "yes"}))
    pod = make_pod(
        "p",
        "1",
        "1Gi",
        affinity=node_affinity(preferred=[(1, {"matchExpressions": [expr("fast", "Exists")]})]),
    )
    assert schedule(pod, state).node_name == "n2"  # affinity 2*100 beats the resource gap
    light = SchedulerConfig(weights={"NodeAffinity": 1, "NodeResourcesFit": 10})
    assert schedule(pod, state, light).node_name == "n1"


def test_a_single_feasible_node_is_not_scored() -> None:
    state = ClusterState()
    state.add_node(make_node("n1", "1"))
    state.add_node(make_node("n2", "8"))
    result = schedule(make_pod("p", "2"), state)
    assert result.node_name == "n2"
    assert not result.window.scored
    assert "scores" not in (node_explanation(result, "n2") or {})


@pytest.mark.parametrize(
    ("weights", "message"),
    [
        ({"Bogus": 1}, "unknown score plugin 'Bogus'"),
        ({"NodeAffinity": -1}, "weight of NodeAffinity must be a non-negative integer"),
    ],
)
def test_bad_weights_are_rejected(weights: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        SchedulerConfig(weights=weights)


def test_bad_config_values_are_rejected() -> None:
    with pytest.raises(ValueError, match="unknown filter plugins"):
        SchedulerConfig(filters=("NodeName", "Nope"))
    with pytest.raises(ValueError, match="percentage_of_nodes_to_score must be in 0..100"):
        SchedulerConfig(percentage_of_nodes_to_score=101)


@settings(max_examples=200, deadline=None)
@given(
    alloc=st.tuples(st.integers(0, 64_000), st.integers(0, 2**40)),
    used=st.tuples(st.integers(0, 70_000), st.integers(0, 2**41)),
    asked=st.tuples(st.integers(0, 8_000), st.integers(0, 2**36)),
)
def test_written_out_resource_scores_match_the_general_formulas(
    alloc: tuple[int, int], used: tuple[int, int], asked: tuple[int, int]
) -> None:
    node = NodeInfo("n")
    node.alloc_cpu, node.alloc_memory = alloc
    node.req_cpu, node.req_memory = used
    node.non_zero_cpu, node.non_zero_memory = used
    pod = new_pod_info(make_pod("p", f"{asked[0]}m", str(asked[1])))
    cpu, memory = pod.requests.milli_cpu, pod.requests.memory
    least = [
        least_requested_score(u + a, c)
        for c, u, a in zip(alloc, used, (cpu, memory), strict=True)
        if c
    ]
    expected_least = sum(least) // len(least) if least else 0
    assert node_resources_fit_score.score(pod, node, None) == expected_least
    fractions = [
        min((u + a) / c, 1.0) for c, u, a in zip(alloc, used, (cpu, memory), strict=True) if c
    ]
    assert balanced_allocation_score.score(pod, node, None) == balanced_score(fractions)
