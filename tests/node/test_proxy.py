from __future__ import annotations

import collections
import random
from typing import Any

import pytest

from kactors.node import Endpoint, ProxyTable


def service(name: str, cluster_ip: str, ports: list[dict[str, Any]], **spec: Any) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": name, "namespace": "default"},
            "spec": {"clusterIP": cluster_ip, "clusterIPs": [cluster_ip], "ports": ports, **spec}}


def endpoints(name: str, ready: list[str], not_ready: list[str] = (), ports: list[dict[str, Any]] | None = None) -> dict[str, Any]:  # type: ignore[assignment]
    subset: dict[str, Any] = {"ports": ports or [{"name": "http", "port": 8080, "protocol": "TCP"}]}
    if ready:
        subset["addresses"] = [{"ip": ip} for ip in ready]
    if not_ready:
        subset["notReadyAddresses"] = [{"ip": ip} for ip in not_ready]
    return {"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": name, "namespace": "default"},
            "subsets": [subset]}


WEB = service("web", "10.96.0.10", [{"name": "http", "port": 80, "targetPort": 8080, "protocol": "TCP"}])
PODS = ["10.244.1.2", "10.244.2.3", "10.244.1.7"]


def table(mode: str = "random") -> ProxyTable:
    proxy = ProxyTable(mode)  # type: ignore[arg-type]
    proxy.update_service(WEB)
    proxy.update_endpoints(endpoints("web", PODS, ["10.244.3.9"]))
    return proxy


def test_rules_map_cluster_ip_port_to_ready_pods_only() -> None:
    proxy = table()
    (rule,) = proxy.rules()
    assert rule.label == "default/web:http"
    assert rule.endpoints == (Endpoint("10.244.1.2", 8080), Endpoint("10.244.1.7", 8080), Endpoint("10.244.2.3", 8080))
    assert rule.not_ready == (Endpoint("10.244.3.9", 8080),)
    assert proxy.lookup("10.96.0.10", 80) is rule
    assert proxy.lookup("10.96.0.10", 81) is None


def test_random_balancing_is_deterministic_and_roughly_even() -> None:
    proxy = table()
    picks = [str(proxy.route("10.96.0.10", 80, random.Random(5)).endpoint) for _ in range(3)]
    assert len(set(picks)) == 1  # same seed, same choice
    rng = random.Random(2024)
    counts = collections.Counter(str(proxy.route("10.96.0.10", 80, rng).endpoint) for _ in range(3000))
    assert set(counts) == {f"{ip}:8080" for ip in PODS}
    assert all(900 <= count <= 1100 for count in counts.values()), counts


def test_same_seed_same_routes() -> None:
    def routes(seed: int) -> list[Endpoint | None]:
        proxy, rng = table(), random.Random(seed)
        return [proxy.route("10.96.0.10", 80, rng).endpoint for _ in range(50)]

    assert routes(9) == routes(9)
    assert routes(9) != routes(10)


def test_round_robin_cycles_in_order() -> None:
    proxy = table("round-robin")
    rng = random.Random(0)
    assert [str(proxy.route("10.96.0.10", 80, rng).endpoint) for _ in range(4)] == [
        "10.244.1.2:8080", "10.244.1.7:8080", "10.244.2.3:8080", "10.244.1.2:8080",
    ]


def test_no_endpoints_and_no_service() -> None:
    proxy = ProxyTable()
    proxy.update_service(WEB)
    result = proxy.route("10.96.0.10", 80, random.Random(1))
    assert not result and result.reason == "no endpoints" and result.rule is not None
    proxy.update_endpoints(endpoints("web", [], ["10.244.3.9"]))
    assert proxy.route("10.96.0.10", 80, random.Random(1)).reason == "no endpoints"
    missing = proxy.route("10.96.0.99", 80, random.Random(1))
    assert missing.endpoint is None and missing.reason == "no service"


def test_updates_and_deletes() -> None:
    proxy = table()
    proxy.update_endpoints(endpoints("web", ["10.244.9.9"]))
    assert proxy.route("10.96.0.10", 80, random.Random(1)).endpoint == Endpoint("10.244.9.9", 8080)
    proxy.delete_endpoints("default", "web")
    assert proxy.route("10.96.0.10", 80, random.Random(1)).reason == "no endpoints"
    proxy.delete_service("default", "web")
    assert proxy.rules() == []
    assert proxy.route("10.96.0.10", 80, random.Random(1)).reason == "no service"
    proxy.delete_service("default", "web")  # idempotent


def test_ports_are_matched_by_name_and_protocol() -> None:
    proxy = ProxyTable()
    proxy.update_service(service("dns", "10.96.0.53", [
        {"name": "dns", "port": 53, "protocol": "UDP"}, {"name": "dns-tcp", "port": 53, "protocol": "TCP"},
    ]))
    proxy.update_endpoints(endpoints("dns", ["10.244.0.5"], ports=[
        {"name": "dns", "port": 5353, "protocol": "UDP"}, {"name": "dns-tcp", "port": 5354, "protocol": "TCP"},
    ]))
    assert proxy.route("10.96.0.53", 53, random.Random(1), protocol="UDP").endpoint == Endpoint("10.244.0.5", 5353)
    assert proxy.route("10.96.0.53", 53, random.Random(1)).endpoint == Endpoint("10.244.0.5", 5354)


def test_client_ip_session_affinity() -> None:
    proxy = ProxyTable()
    sticky = service("web", "10.96.0.10", [{"name": "http", "port": 80}], sessionAffinity="ClientIP",
                     sessionAffinityConfig={"clientIP": {"timeoutSeconds": 60}})
    proxy.update_service(sticky)
    proxy.update_endpoints(endpoints("web", PODS))
    rng = random.Random(3)
    first = proxy.route("10.96.0.10", 80, rng, client_ip="192.168.0.9", now=0.0).endpoint
    assert all(proxy.route("10.96.0.10", 80, rng, client_ip="192.168.0.9", now=t).endpoint == first
               for t in range(1, 50))
    assert first is not None
    others = [ip for ip in PODS if ip != first.ip]
    proxy.update_endpoints(endpoints("web", others))  # the pinned pod went away
    moved = proxy.route("10.96.0.10", 80, rng, client_ip="192.168.0.9", now=60.0).endpoint
    assert moved is not None and moved.ip in others


def test_headless_and_external_name_have_no_rules_node_ports_do() -> None:
    proxy = ProxyTable()
    proxy.update_service(service("headless", "None", [{"name": "http", "port": 80}]))
    proxy.update_service({"metadata": {"name": "ext", "namespace": "default"},
                          "spec": {"type": "ExternalName", "externalName": "example.com"}})
    assert proxy.rules() == []
    node_port = service("web", "10.96.0.10", [{"name": "http", "port": 80, "nodePort": 30080}], type="NodePort")
    proxy.update_service(node_port)
    proxy.update_endpoints(endpoints("web", ["10.244.1.2"]))
    assert proxy.route_node_port(30080, random.Random(1)).endpoint == Endpoint("10.244.1.2", 8080)
    assert proxy.route_node_port(30081, random.Random(1)).reason == "no service"


def test_describe() -> None:
    proxy = table()
    proxy.update_service(service("db", "10.96.0.11", [{"port": 5432}]))
    assert proxy.describe() == [
        "default/db 10.96.0.11:5432/TCP -> no endpoints (reject)",
        "default/web:http 10.96.0.10:80/TCP -> 10.244.1.2:8080, 10.244.1.7:8080, 10.244.2.3:8080 (random)"
        " [not ready: 10.244.3.9:8080]",
    ]


def test_bad_mode() -> None:
    with pytest.raises(ValueError, match="round-robin"):
        ProxyTable("fastest")  # type: ignore[arg-type]
