"""ClusterState: nodes, bound pods and the assume cache."""

from __future__ import annotations

import pytest

from kactors.scheduler import (
    ClusterState,
    NodeChange,
    new_pod_info,
    node_update_event,
    schedule,
)
from kactors.scheduler.events import ActionType

from .helpers import make_node, make_pod, taint


def test_assumed_pod_counts_until_its_binding_is_confirmed() -> None:
    state = ClusterState()
    state.add_node(make_node("n", "1"))
    first, second = make_pod("first", "600m"), make_pod("second", "600m")
    # Each fits alone...
    assert schedule(second, state).node_name == "n"
    result = schedule(first, state)
    assert result.node_name == "n"
    state.assume_pod(first, "n")
    assert state.is_assumed("default/first")
    # ...but not together: the assumed pod holds its cpu before any binding.
    failed = schedule(second, state)
    assert failed.node_name is None
    assert failed.fit_error is not None
    assert failed.fit_error.message == "0/1 nodes are available: 1 Insufficient cpu."
    # The informer confirms the binding: still counted, no longer assumed.
    state.add_pod({**first, "spec": {**first["spec"], "nodeName": "n"}})
    assert not state.is_assumed("default/first")
    assert state.node_info("n").req_cpu == 600  # type: ignore[union-attr]
    assert schedule(second, state).node_name is None


def test_forget_releases_an_assumed_pod() -> None:
    state = ClusterState()
    state.add_node(make_node("n", "1"))
    state.assume_pod(make_pod("first", "600m"), "n")
    assert state.forget_pod("default/first")
    assert not state.forget_pod("default/first")
    assert state.node_info("n").req_cpu == 0  # type: ignore[union-attr]
    assert schedule(make_pod("second", "600m"), state).node_name == "n"


def test_assuming_twice_is_an_error() -> None:
    state = ClusterState()
    state.add_node(make_node("n"))
    state.assume_pod(make_pod("p"), "n")
    with pytest.raises(ValueError, match="pod default/p is in the cache, so can't be assumed"):
        state.assume_pod(make_pod("p"), "n")


def test_assumed_pods_expire_only_after_binding_finished_and_ttl() -> None:
    state = ClusterState(assumed_ttl=30.0)
    state.add_node(make_node("n", "1"))
    state.assume_pod(make_pod("a", "500m"), "n")
    state.assume_pod(make_pod("b", "500m"), "n")
    assert state.cleanup_expired(1000.0) == []  # binding not finished: never expires
    state.finish_binding("default/a", now=10.0)
    assert state.cleanup_expired(40.0) == []  # exactly at the deadline: not yet
    assert state.cleanup_expired(40.5) == ["default/a"]
    assert state.node_info("n").req_cpu == 500  # type: ignore[union-attr]
    # An expired pod seen later by the informer is simply added back.
    state.add_pod(make_pod("a", "500m", node_name="n"))
    assert state.node_info("n").req_cpu == 1000  # type: ignore[union-attr]
    never = ClusterState()  # kube's default: assumed pods never expire
    never.add_node(make_node("n"))
    never.assume_pod(make_pod("c"), "n")
    never.finish_binding("default/c", now=0.0)
    assert never.cleanup_expired(10**9) == []


def test_confirmation_on_another_node_moves_the_pod() -> None:
    state = ClusterState()
    state.add_node(make_node("n1"))
    state.add_node(make_node("n2"))
    state.assume_pod(make_pod("p", "1"), "n1")
    state.add_pod(make_pod("p", "1", node_name="n2"))
    assert state.pod_node("default/p") == "n2"
    assert state.node_info("n1").req_cpu == 0  # type: ignore[union-attr]
    assert state.node_info("n2").req_cpu == 1000  # type: ignore[union-attr]


def test_unbound_and_finished_pods_are_not_counted() -> None:
    state = ClusterState()
    state.add_node(make_node("n"))
    assert not state.add_pod(make_pod("pending", "1"))
    done = make_pod("done", "1", node_name="n")
    assert state.add_pod(done)
    assert state.node_info("n").req_cpu == 1000  # type: ignore[union-attr]
    assert not state.update_pod({**done, "status": {"phase": "Succeeded"}})
    assert state.node_info("n").req_cpu == 0  # type: ignore[union-attr]
    assert state.num_pods == 0


def test_pods_may_arrive_before_their_node_and_outlive_it() -> None:
    state = ClusterState()
    state.add_pod(make_pod("early", "1", node_name="n"))
    assert state.num_nodes == 0
    state.add_node(make_node("n", "2"))
    assert state.node_info("n").req_cpu == 1000  # type: ignore[union-attr]
    assert schedule(make_pod("p", "1500m"), state).node_name is None
    assert state.remove_node("n")
    assert state.num_nodes == 0 and state.num_pods == 1
    state.add_node(make_node("n", "2"))
    assert state.node_info("n").req_cpu == 1000  # type: ignore[union-attr]
    state.remove_pod("default/early")
    state.remove_node("n")
    assert not state.remove_node("n")


def test_node_updates_report_what_changed() -> None:
    state = ClusterState()
    node = make_node("n", "2")
    assert state.add_node(node) == NodeChange.ALL
    assert state.update_node(node) == NodeChange.NONE
    assert node_update_event(NodeChange.NONE) is None
    bigger = make_node("n", "4")
    assert state.update_node(bigger) == NodeChange.ALLOCATABLE
    tainted = make_node("n", "4", taints=[taint("x")], unschedulable=True)
    change = state.update_node(tainted)
    assert change == NodeChange.TAINTS | NodeChange.UNSCHEDULABLE
    event = node_update_event(change)
    assert event is not None and event.action == ActionType.UPDATE_NODE_TAINT
    relabeled = make_node("n", "4", taints=[taint("x")], unschedulable=True, labels={"a": "b"})
    assert state.update_node(relabeled) == NodeChange.LABELS


def test_node_order_is_by_name_and_pods_are_indexed() -> None:
    state = ClusterState()
    for name in ("c", "a", "b"):
        state.add_node(make_node(name))
    assert state.node_names() == ["a", "b", "c"]
    state.add_pod(make_pod("x", node_name="b", namespace="ns1"))
    state.assume_pod(new_pod_info(make_pod("y", namespace="ns2")), "c")
    assert [p.key for p, _ in state.assigned_pods()] == ["ns1/x", "ns2/y"]
    assert [(p.key, n.name) for p, n in state.assigned_pods(["ns2"])] == [("ns2/y", "c")]
    assert state.pod_info("ns1/x") is not None and state.pod_info("nope") is None
