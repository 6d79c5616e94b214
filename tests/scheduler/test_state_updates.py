"""ClusterState: a bound pod's status updates keep its accounting without a re-parse;
changes the plugins read (resources, labels) and terminal phases still count."""

from __future__ import annotations

from typing import Any

from kactors.scheduler import ClusterState, new_pod_info, schedule

from .helpers import make_node, make_pod, toleration


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


def _fields(info: Any) -> dict[str, Any]:
    return {name: getattr(info, name) for name in type(info).__slots__ if name != "__weakref__"}


def test_confirming_an_assumed_pod_reuses_its_parse_and_keeps_cached_verdicts() -> None:
    state = ClusterState()
    state.add_node(make_node("n", "1"))
    state.add_node(make_node("m", "1"))
    pod = make_pod("web", "600m", labels={"app": "web"},
                   tolerations=[toleration("t", "Exists", effect="NoSchedule")])
    info = new_pod_info(pod)
    state.assume_pod(info, "n")
    assert schedule(make_pod("other", "600m"), state).node_name == "m"  # verdicts cached
    changes = len(state.changes)
    running = bound(pod, phase="Pending")
    assert state.add_pod(running)
    confirmed = state.pod_info("default/web")
    assert confirmed is not None and not state.is_assumed("default/web")
    # exactly what parsing the bound pod gives, signature included
    assert _fields(confirmed) == _fields(new_pod_info(running))
    assert confirmed.requests is info.requests and confirmed.tolerations is info.tolerations
    assert state.node_info("n").pods["default/web"] is confirmed  # type: ignore[union-attr]
    assert state.node_info("n").req_cpu == 600  # type: ignore[union-attr]
    assert len(state.changes) == changes  # nothing a plugin reads changed
    assert schedule(make_pod("other", "600m"), state).node_name == "m"


def test_a_bound_pod_that_differs_from_the_assumed_one_is_parsed_again() -> None:
    state = ClusterState()
    state.add_node(make_node("n", "1"))
    pod = make_pod("web", "600m", labels={"app": "web"})
    state.assume_pod(new_pod_info(pod), "n")
    relabelled = bound(make_pod("web", "600m", labels={"app": "db"}))
    assert state.add_pod(relabelled)
    assert state.pod_info("default/web").labels == {"app": "db"}  # type: ignore[union-attr]
    smaller = bound(make_pod("web", "200m", labels={"app": "db"}))
    state.assume_pod(new_pod_info(make_pod("api", "100m")), "n")
    assert state.add_pod(smaller)
    assert state.node_info("n").req_cpu == 300  # type: ignore[union-attr]
    elsewhere = bound(make_pod("api", "100m"), node="m")
    assert state.add_pod(elsewhere)  # confirmed on another node: moved
    assert state.pod_node("default/api") == "m"
    assert state.node_info("n").req_cpu == 200  # type: ignore[union-attr]
