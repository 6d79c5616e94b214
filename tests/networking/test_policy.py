"""NetworkPolicy evaluation, sans-I/O: isolation, additive rules, peers, ports, egress."""

from __future__ import annotations

from typing import Any

from kactors.networking.policy import Peer, evaluate


def pod(name: str, labels: dict[str, str], *, ip: str = "10.244.0.2", namespace: str = "default",
        ns_labels: dict[str, str] | None = None, ports: dict[str, int] | None = None) -> Peer:
    return Peer(ip, namespace, name, labels,
                ns_labels or {"kubernetes.io/metadata.name": namespace}, ports or {})


def policy(name: str, selector: dict[str, Any], *, ingress: list[Any] | None = None,
           egress: list[Any] | None = None, types: list[str] | None = None,
           namespace: str = "default") -> dict[str, Any]:
    spec: dict[str, Any] = {"podSelector": selector}
    if ingress is not None:
        spec["ingress"] = ingress
    if egress is not None:
        spec["egress"] = egress
    spec["policyTypes"] = types or (["Ingress", "Egress"] if egress is not None else ["Ingress"])
    return {"metadata": {"name": name, "namespace": namespace}, "spec": spec}


WEB = pod("web", {"app": "web"}, ip="10.244.1.5", ports={"http": 8080})
API = pod("api", {"app": "api"}, ip="10.244.1.6")
OUTSIDE = Peer("203.0.113.7")
OTHER_NS = pod("probe", {"app": "api"}, ip="10.244.2.9", namespace="monitoring",
               ns_labels={"kubernetes.io/metadata.name": "monitoring", "team": "ops"})


def test_a_pod_no_policy_selects_accepts_everything_and_deny_all_refuses_all() -> None:
    others = [policy("db-only", {"matchLabels": {"app": "db"}}, ingress=[])]
    assert evaluate(others, OUTSIDE, WEB, 8080)
    assert evaluate([], API, WEB, 8080)
    deny = [policy("deny-all", {}, ingress=[])]
    verdict = evaluate(deny, API, WEB, 8080)
    assert not verdict and (verdict.direction, verdict.policies) == ("ingress", ("deny-all",))
    assert verdict.reason == ("refused by NetworkPolicy: no ingress rule of the destination's "
                              "policies (deny-all) admits it")
    # a policy of another namespace never isolates these pods
    assert evaluate([policy("deny-all", {}, ingress=[], namespace="other")], API, WEB, 8080)


def test_policies_are_additive_and_an_empty_rule_admits_all() -> None:
    allow_api = policy("allow-api", {"matchLabels": {"app": "web"}},
                       ingress=[{"from": [{"podSelector": {"matchLabels": {"app": "api"}}}]}])
    deny = policy("deny-all", {}, ingress=[])
    assert evaluate([deny, allow_api], API, WEB, 8080)
    assert not evaluate([deny, allow_api], OUTSIDE, WEB, 8080)
    # the podSelector peer picks pods of the policy's namespace only
    assert not evaluate([allow_api], OTHER_NS, WEB, 8080)
    assert evaluate([policy("all", {}, ingress=[{}])], OUTSIDE, WEB, 8080)


def test_namespace_selector_alone_and_with_pod_selector() -> None:
    from_ops = policy("ops", {}, ingress=[{"from": [
        {"namespaceSelector": {"matchLabels": {"team": "ops"}}}]}])
    assert evaluate([from_ops], OTHER_NS, WEB, 8080)
    assert not evaluate([from_ops], API, WEB, 8080)  # default has no team=ops label
    both = policy("ops-web", {}, ingress=[{"from": [
        {"namespaceSelector": {"matchLabels": {"team": "ops"}},
         "podSelector": {"matchLabels": {"app": "web"}}}]}])
    assert not evaluate([both], OTHER_NS, WEB, 8080)  # the probe is app=api
    assert not evaluate([both], OUTSIDE, WEB, 8080)


def test_ip_blocks_with_exceptions_apply_to_any_address() -> None:
    block = policy("office", {}, ingress=[{"from": [{"ipBlock": {
        "cidr": "203.0.113.0/24", "except": ["203.0.113.0/29"]}}]}])
    assert evaluate([block], Peer("203.0.113.70"), WEB, 8080)
    assert not evaluate([block], OUTSIDE, WEB, 8080)  # .7 is in the excepted /29
    assert not evaluate([block], API, WEB, 8080)
    pods = policy("pods", {}, ingress=[{"from": [{"ipBlock": {"cidr": "10.244.0.0/16"}}]}])
    assert evaluate([pods], API, WEB, 8080)


def test_ports_numbers_ranges_names_and_protocols() -> None:
    def only(*ports: dict[str, Any]) -> list[dict[str, Any]]:
        return [policy("p", {}, ingress=[{"ports": list(ports)}])]

    assert evaluate(only({"port": 8080, "protocol": "TCP"}), API, WEB, 8080)
    assert not evaluate(only({"port": 80}), API, WEB, 8080)
    assert evaluate(only({"port": 8000, "endPort": 8100}), API, WEB, 8080)
    assert not evaluate(only({"port": 8000, "endPort": 8079}), API, WEB, 8080)
    # a named port resolves against the destination pod's container ports
    assert evaluate(only({"port": "http"}), API, WEB, 8080)
    assert not evaluate(only({"port": "http"}), API, API, 8080)
    assert not evaluate(only({"port": 8080, "protocol": "UDP"}), API, WEB, 8080)
    assert evaluate(only({"protocol": "UDP"}), API, WEB, 53, "UDP")


def test_egress_of_the_source_and_ingress_of_the_destination_must_both_admit() -> None:
    api_egress = policy("api-out", {"matchLabels": {"app": "api"}}, egress=[
        {"to": [{"podSelector": {"matchLabels": {"app": "db"}}}]}], types=["Egress"])
    verdict = evaluate([api_egress], API, WEB, 8080)
    assert not verdict and verdict.direction == "egress" and verdict.policies == ("api-out",)
    assert "source's" in verdict.reason
    db = pod("db", {"app": "db"}, ip="10.244.3.3")
    assert evaluate([api_egress], API, db, 5432)
    # egress-only policies do not isolate for ingress: anyone may still reach the api
    assert evaluate([api_egress], WEB, API, 80)
    # a client outside the cluster has no egress policies; external destinations match
    # only ipBlocks
    to_world = policy("world", {"matchLabels": {"app": "api"}}, egress=[
        {"to": [{"ipBlock": {"cidr": "0.0.0.0/0"}}]}], types=["Egress"])
    assert evaluate([to_world], API, OUTSIDE, 443)
    db_in = policy("db-in", {"matchLabels": {"app": "db"}}, ingress=[])
    verdict = evaluate([api_egress, db_in], API, db, 5432)
    assert not verdict and verdict.direction == "ingress"
