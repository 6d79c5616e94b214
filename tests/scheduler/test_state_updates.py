"""ClusterState: a bound pod's status updates keep its accounting without a re-parse;
changes the plugins read (resources, labels) and terminal phases still count."""

from __future__ import annotations

from typing import Any

from kactors.scheduler import ClusterState, schedule

from .helpers import make_node, make_pod


def bound(pod: dict[str, Any], node: str = "n", **status: Any) -> dict[str, Any]:
    return {**pod, "spec": {**pod["spec"], "nodeName": node}, "status": dict(status)}


def test_a_status_update_keeps_the_accounting_and_the_newest_pod() -> None:
    state = ClusterState()
    state.add_node(make_node("n", "1"))
    pod = make_pod("web", "600m")
    assert state.add_pod(bound(pod, phase="Pending"))
    running = bound(pod, phase="Running")
    assert state.add_pod(running)
    assert state.node_info("n").req_cpu == 600  # type: ignore[union-attr]
    assert state._pods["default/web"].info.pod is running
    assert schedule(make_pod("other", "600m"), state).node_name is None


def test_a_resource_change_or_a_terminal_phase_is_not_a_mere_status_update() -> None:
    state = ClusterState()
    state.add_node(make_node("n", "1"))
    pod = make_pod("web", "600m")
    state.add_pod(bound(pod, phase="Running"))
    smaller = bound(make_pod("web", "200m"), phase="Running")
    assert state.add_pod(smaller)
    assert state.node_info("n").req_cpu == 200  # type: ignore[union-attr]
    assert not state.add_pod(bound(make_pod("web", "200m"), phase="Succeeded"))
    assert state.node_info("n").req_cpu == 0  # type: ignore[union-attr]
