"""Every filter plugin, with Kubernetes' exact reason strings."""

from __future__ import annotations

from typing import Any

import pytest

from kactors.scheduler import ClusterState, build_context, new_pod_info, schedule
from kactors.scheduler.config import DEFAULT_CONFIG

from .helpers import (
    expr,
    make_node,
    make_pod,
    node_affinity,
    pod_affinity,
    pod_anti_affinity,
    taint,
    toleration,
)


def verdict(
    pod: dict[str, Any], node: dict[str, Any], state: ClusterState | None = None
) -> tuple[str, tuple[str, ...]] | None:
    """(plugin, reasons) rejecting ``pod`` on ``node``, or None if it fits."""
    state = state or ClusterState()
    name = node["metadata"]["name"]
    if state.node_info(name) is None:
        state.add_node(node)
    context = build_context(new_pod_info(pod), state, DEFAULT_CONFIG)
    status, _, _ = context.evaluate(state.node_info(name))  # type: ignore[arg-type]
    return None if status is None else (status.plugin, status.reasons)


# -- NodeResourcesFit ------------------------------------------------------------------------


def test_insufficient_cpu_and_memory_are_both_reported() -> None:
    assert verdict(make_pod("p", "5", "9Gi"), make_node("n", "4", "8Gi")) == (
        "NodeResourcesFit",
        ("Insufficient cpu", "Insufficient memory"),
    )
    assert verdict(make_pod("p", "4", "8Gi"), make_node("n", "4", "8Gi")) is None


def test_requests_are_checked_against_what_is_left() -> None:
    state = ClusterState()
    state.add_node(make_node("n", "1", "1Gi"))
    state.add_pod(make_pod("old", "600m", "100Mi", node_name="n"))
    assert verdict(make_pod("p", "500m"), make_node("n"), state) == (
        "NodeResourcesFit",
        ("Insufficient cpu",),
    )
    assert verdict(make_pod("p", "400m", "924Mi"), make_node("n"), state) is None
    assert verdict(make_pod("p", "400m", "925Mi"), make_node("n"), state) == (
        "NodeResourcesFit",
        ("Insufficient memory",),
    )


def test_too_many_pods_even_for_a_pod_requesting_nothing() -> None:
    state = ClusterState()
    state.add_node(make_node("n", pods="1"))
    state.add_pod(make_pod("old", node_name="n"))
    assert verdict(make_pod("p"), make_node("n"), state) == ("NodeResourcesFit", ("Too many pods",))
    assert verdict(make_pod("p", "5"), make_node("n"), state) == (
        "NodeResourcesFit",
        ("Too many pods", "Insufficient cpu"),
    )


def test_zero_requests_are_never_insufficient_on_an_overcommitted_node() -> None:
    state = ClusterState()
    state.add_node(make_node("n", "1", "1Gi"))
    state.add_pod(make_pod("old", "2", "2Gi", node_name="n"))  # bound by hand: overcommitted
    assert verdict(make_pod("p", memory="0"), make_node("n"), state) is None
    assert verdict(make_pod("p", "1m"), make_node("n"), state) == (
        "NodeResourcesFit",
        ("Insufficient cpu",),
    )


def test_extended_and_ephemeral_resources() -> None:
    node = make_node("n", extra={"example.com/gpu": "1", "ephemeral-storage": "1Gi"})
    gpu2 = make_pod("p", requests={"example.com/gpu": "2"})
    assert verdict(gpu2, node) == ("NodeResourcesFit", ("Insufficient example.com/gpu",))
    assert verdict(make_pod("p", requests={"example.com/gpu": "1"}), node) is None
    assert verdict(make_pod("p", requests={"other.io/fpga": "1"}), node) == (
        "NodeResourcesFit",
        ("Insufficient other.io/fpga",),
    )
    assert verdict(make_pod("p", requests={"ephemeral-storage": "2Gi"}), node) == (
        "NodeResourcesFit",
        ("Insufficient ephemeral-storage",),
    )


# -- NodeName -----------------------------------------------------------------------------------


def test_node_name() -> None:
    reason = ("NodeName", ("node(s) didn't match the requested node name",))
    assert verdict(make_pod("p", node_name="other"), make_node("n")) == reason
    assert verdict(make_pod("p", node_name="n"), make_node("n")) is None


# -- NodeAffinity --------------------------------------------------------------------------------

AFFINITY = ("NodeAffinity", ("node(s) didn't match Pod's node affinity/selector",))


def test_node_selector_requires_every_label() -> None:
    node = make_node("n", labels={"disk": "ssd", "zone": "a"})
    assert verdict(make_pod("p", nodeSelector={"disk": "ssd"}), node) is None
    assert verdict(make_pod("p", nodeSelector={"disk": "ssd", "zone": "b"}), node) == AFFINITY
    assert verdict(make_pod("p", nodeSelector={}), node) is None


@pytest.mark.parametrize(
    ("requirement", "fits"),
    [
        (expr("zone", "In", "a", "b"), True),
        (expr("zone", "In", "b"), False),
        (expr("zone", "NotIn", "b"), True),
        (expr("zone", "NotIn", "a"), False),
        (expr("missing", "NotIn", "a"), True),
        (expr("zone", "Exists"), True),
        (expr("missing", "Exists"), False),
        (expr("missing", "DoesNotExist"), True),
        (expr("zone", "DoesNotExist"), False),
        (expr("cores", "Gt", "8"), True),
        (expr("cores", "Gt", "16"), False),
        (expr("cores", "Lt", "17"), True),
        (expr("cores", "Lt", "16"), False),
        (expr("zone", "Gt", "1"), False),  # not an integer label
        (expr("missing", "Lt", "100"), False),
        (expr("zone", "Like", "a"), False),  # unknown operator: the term never matches
    ],
)
def test_required_node_affinity_operators(requirement: dict, fits: bool) -> None:
    node = make_node("n", labels={"zone": "a", "cores": "16"})
    pod = make_pod("p", affinity=node_affinity([{"matchExpressions": [requirement]}]))
    assert (verdict(pod, node) is None) is fits


def test_node_affinity_terms_are_ored_and_expressions_anded() -> None:
    node = make_node("n", labels={"zone": "a", "disk": "hdd"})
    both = {"matchExpressions": [expr("zone", "In", "a"), expr("disk", "In", "ssd")]}
    either = [both, {"matchExpressions": [expr("disk", "In", "hdd")]}]
    assert verdict(make_pod("p", affinity=node_affinity([both])), node) == AFFINITY
    assert verdict(make_pod("p", affinity=node_affinity(either)), node) is None
    # An empty term matches nothing, even beside a broken one.
    assert verdict(make_pod("p", affinity=node_affinity([{}])), node) == AFFINITY
    assert verdict(make_pod("p", affinity=node_affinity([])), node) == AFFINITY
    # Selector and affinity must both hold.
    pod = make_pod("p", nodeSelector={"zone": "b"}, affinity=node_affinity(either))
    assert verdict(pod, node) == AFFINITY


def test_node_affinity_match_fields_metadata_name() -> None:
    node = make_node("n")
    by_name = [{"matchFields": [expr("metadata.name", "In", "n")]}]
    not_name = [{"matchFields": [expr("metadata.name", "NotIn", "n")]}]
    assert verdict(make_pod("p", affinity=node_affinity(by_name)), node) is None
    assert verdict(make_pod("p", affinity=node_affinity(not_name)), node) == AFFINITY
    two_values = [{"matchFields": [expr("metadata.name", "In", "n", "m")]}]
    assert verdict(make_pod("p", affinity=node_affinity(two_values)), node) == AFFINITY


# -- TaintToleration ------------------------------------------------------------------------


def test_untolerated_taint_reports_the_first_one() -> None:
    node = make_node(
        "n",
        taints=[
            taint("soft", "x", "PreferNoSchedule"),
            taint("node-role.kubernetes.io/control-plane"),
            taint("dedicated", "gpu", "NoExecute"),
        ],
    )
    assert verdict(make_pod("p"), node) == (
        "TaintToleration",
        ("node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }",),
    )
    tolerate_cp = toleration("node-role.kubernetes.io/control-plane", "Exists")
    assert verdict(make_pod("p", tolerations=[tolerate_cp]), node) == (
        "TaintToleration",
        ("node(s) had untolerated taint {dedicated: gpu}",),
    )


@pytest.mark.parametrize(
    ("tol", "tolerated"),
    [
        (toleration("dedicated", "Equal", "gpu", "NoSchedule"), True),
        (toleration("dedicated", "", "gpu", "NoSchedule"), True),  # "" means Equal
        (toleration("dedicated", "Equal", "cpu", "NoSchedule"), False),
        (toleration("dedicated", "Exists", effect="NoSchedule"), True),
        (toleration("dedicated", "Exists"), True),  # empty effect matches all effects
        (toleration("dedicated", "Exists", effect="NoExecute"), False),
        (toleration("other", "Exists"), False),
        (toleration("", "Exists"), True),  # empty key + Exists tolerates everything
        (toleration("dedicated", "Bogus", "gpu"), False),
    ],
)
def test_toleration_matching(tol: dict, tolerated: bool) -> None:
    node = make_node("n", taints=[taint("dedicated", "gpu", "NoSchedule")])
    assert (verdict(make_pod("p", tolerations=[tol]), node) is None) is tolerated


def test_prefer_no_schedule_taints_do_not_filter() -> None:
    node = make_node("n", taints=[taint("soft", effect="PreferNoSchedule")])
    assert verdict(make_pod("p"), node) is None


# -- NodeUnschedulable ------------------------------------------------------------------------


def test_cordoned_nodes_reject_pods_unless_tolerated() -> None:
    node = make_node("n", unschedulable=True)
    assert verdict(make_pod("p"), node) == ("NodeUnschedulable", ("node(s) were unschedulable",))
    tol = toleration("node.kubernetes.io/unschedulable", "Exists", effect="NoSchedule")
    assert verdict(make_pod("p", tolerations=[tol]), node) is None
    assert verdict(make_pod("p", tolerations=[toleration("", "Exists")]), node) is None


# -- NodePorts ---------------------------------------------------------------------------------


def with_port(
    name: str, port: int, ip: str = "", protocol: str = "", node: str | None = None
) -> dict:
    pod = make_pod(name, node_name=node)
    entry: dict[str, Any] = {"containerPort": 80, "hostPort": port}
    if ip:
        entry["hostIP"] = ip
    if protocol:
        entry["protocol"] = protocol
    pod["spec"]["containers"][0]["ports"] = [entry]
    return pod


@pytest.mark.parametrize(
    ("used", "wanted", "conflict"),
    [
        (("", ""), ("", ""), True),  # 0.0.0.0/TCP twice
        (("", ""), ("", "UDP"), False),
        (("10.0.0.1", ""), ("10.0.0.2", ""), False),
        (("10.0.0.1", ""), ("10.0.0.1", "TCP"), True),
        (("10.0.0.1", ""), ("0.0.0.0", ""), True),  # all addresses clash with any
        (("", ""), ("10.0.0.1", ""), True),
    ],
)
def test_host_port_conflicts(
    used: tuple[str, str], wanted: tuple[str, str], conflict: bool
) -> None:
    state = ClusterState()
    state.add_node(make_node("n"))
    state.add_pod(with_port("old", 8080, *used, node="n"))
    expected = ("NodePorts", ("node(s) didn't have free ports for the requested pod ports",))
    assert verdict(with_port("p", 8080, *wanted), make_node("n"), state) == (
        expected if conflict else None
    )
    assert verdict(with_port("p", 9090, *wanted), make_node("n"), state) is None


def test_ports_are_freed_when_the_pod_goes() -> None:
    state = ClusterState()
    state.add_node(make_node("n"))
    old = with_port("old", 8080, node="n")
    state.add_pod(old)
    assert verdict(with_port("p", 8080), make_node("n"), state) is not None
    state.remove_pod(old)
    assert verdict(with_port("p", 8080), make_node("n"), state) is None


# -- InterPodAffinity ------------------------------------------------------------------------------


def zoned_state() -> ClusterState:
    state = ClusterState()
    for name, zone in (("a1", "a"), ("a2", "a"), ("b1", "b")):
        state.add_node(make_node(name, labels={"zone": zone}))
    return state


def test_anti_affinity_on_hostname() -> None:
    state = zoned_state()
    state.add_pod(make_pod("web-1", labels={"app": "web"}, node_name="a1"))
    pod = make_pod("web-2", labels={"app": "web"}, affinity=pod_anti_affinity({"app": "web"}))
    reason = ("InterPodAffinity", ("node(s) didn't match pod anti-affinity rules",))
    assert verdict(pod, make_node("a1"), state) == reason
    assert verdict(pod, make_node("a2"), state) is None


def test_anti_affinity_on_zone_covers_every_node_of_the_zone() -> None:
    state = zoned_state()
    state.add_pod(make_pod("web-1", labels={"app": "web"}, node_name="a1"))
    pod = make_pod(
        "web-2", labels={"app": "web"}, affinity=pod_anti_affinity({"app": "web"}, "zone")
    )
    result = schedule(pod, state)
    assert result.node_name == "b1"
    assert result.feasible_nodes == 1


def test_anti_affinity_only_counts_its_namespaces() -> None:
    state = zoned_state()
    state.add_pod(make_pod("web-1", namespace="other", labels={"app": "web"}, node_name="a1"))
    pod = make_pod("web-2", labels={"app": "web"}, affinity=pod_anti_affinity({"app": "web"}))
    assert verdict(pod, make_node("a1"), state) is None
    term = pod["spec"]["affinity"]["podAntiAffinity"][
        "requiredDuringSchedulingIgnoredDuringExecution"
    ][0]
    term["namespaces"] = ["other"]
    assert verdict(pod, make_node("a1"), state) is not None
    del term["namespaces"]
    term["namespaceSelector"] = {}  # every namespace
    assert verdict(pod, make_node("a1"), state) is not None
    term["namespaceSelector"] = {"matchLabels": {"team": "x"}}
    assert verdict(pod, make_node("a1"), state) is None
    state.set_namespace({"metadata": {"name": "other", "labels": {"team": "x"}}})
    assert verdict(pod, make_node("a1"), state) is not None


def test_existing_pods_anti_affinity_is_symmetric() -> None:
    state = zoned_state()
    loner = make_pod(
        "loner",
        labels={"app": "db"},
        affinity=pod_anti_affinity({"app": "web"}, "zone"),
        node_name="a1",
    )
    state.add_pod(loner)
    web = make_pod("web", labels={"app": "web"})
    reason = ("InterPodAffinity", ("node(s) didn't satisfy existing pods anti-affinity rules",))
    assert verdict(web, make_node("a2"), state) == reason
    assert verdict(web, make_node("b1"), state) is None
    assert verdict(make_pod("other", labels={"app": "api"}), make_node("a2"), state) is None
    # Through the cached path too, and released when the loner leaves.
    assert schedule(web, state).node_name == "b1"
    state.remove_pod(loner)
    assert verdict(web, make_node("a2"), state) is None


def test_pod_affinity_needs_a_matching_pod_in_the_domain() -> None:
    state = zoned_state()
    state.add_pod(make_pod("cache", labels={"app": "cache"}, node_name="a2"))
    pod = make_pod("web", labels={"app": "web"}, affinity=pod_affinity({"app": "cache"}, "zone"))
    reason = ("InterPodAffinity", ("node(s) didn't match pod affinity rules",))
    assert verdict(pod, make_node("a1"), state) is None  # same zone as the cache
    assert verdict(pod, make_node("b1"), state) == reason


def test_pod_affinity_lets_the_first_pod_of_a_self_affine_group_in() -> None:
    state = zoned_state()
    pod = make_pod("web-1", labels={"app": "web"}, affinity=pod_affinity({"app": "web"}, "zone"))
    assert verdict(pod, make_node("a1"), state) is None
    # ...but not a pod whose affinity points at something else that does not exist.
    other = make_pod("web-1", labels={"app": "web"}, affinity=pod_affinity({"app": "db"}, "zone"))
    assert verdict(other, make_node("a1"), state) == (
        "InterPodAffinity",
        ("node(s) didn't match pod affinity rules",),
    )


def test_pod_affinity_requires_the_topology_label_on_the_node() -> None:
    state = zoned_state()
    state.add_pod(make_pod("cache", labels={"app": "cache"}, node_name="a2"))
    pod = make_pod("web", labels={"app": "web"}, affinity=pod_affinity({"app": "cache"}, "rack"))
    assert verdict(pod, make_node("a2"), state) == (
        "InterPodAffinity",
        ("node(s) didn't match pod affinity rules",),
    )


def test_filters_stop_at_the_first_rejection_in_kube_order() -> None:
    node = make_node("n", "1", unschedulable=True, taints=[taint("t")], labels={"a": "b"})
    pod = make_pod("p", "2", nodeSelector={"a": "c"})
    assert verdict(pod, node)[0] == "NodeUnschedulable"  # type: ignore[index]
    node["spec"].pop("unschedulable")
    assert verdict(pod, node)[0] == "TaintToleration"  # type: ignore[index]
    node["spec"].pop("taints")
    assert verdict(pod, node)[0] == "NodeAffinity"  # type: ignore[index]
    del pod["spec"]["nodeSelector"]
    assert verdict(pod, node)[0] == "NodeResourcesFit"  # type: ignore[index]
