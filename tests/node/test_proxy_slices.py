"""kube-proxy over EndpointSlices: the rule table from slices (ready endpoints, the
terminating fallback, several slices per Service), then a whole cluster whose kube-proxy
balances over the slices the EndpointSlice and mirroring controllers write."""

from __future__ import annotations

import collections
import random
from typing import Any

import trio

from kactors.cluster.config import CONTROLLERS
from kactors.node import Endpoint, ProxyTable
from kactors.node.kubeproxy import Connect
from kactors.testing.harness import full_cluster

from .test_proxy import WEB

PORTS = [{"name": "http", "port": 8080, "protocol": "TCP"}]


def endpoint(ip: str, ready: bool | None = True, serving: bool | None = None,
             terminating: bool | None = None) -> dict[str, Any]:
    conditions = {k: v for k, v in (("ready", ready), ("serving", serving),
                                    ("terminating", terminating)) if v is not None}
    return {"addresses": [ip], "conditions": conditions}


def slice_(name: str, *endpoints: dict[str, Any], ports: Any = None) -> dict[str, Any]:
    return {"metadata": {"name": name, "namespace": "default",
                         "labels": {"kubernetes.io/service-name": "web"}},
            "addressType": "IPv4", "ports": PORTS if ports is None else ports,
            "endpoints": list(endpoints)}


def table(*slices: dict[str, Any]) -> ProxyTable:
    proxy = ProxyTable()
    proxy.update_service(WEB)
    proxy.update_endpoint_slices("default", "web", slices)
    return proxy


def test_ready_endpoints_of_every_slice_take_traffic_once_each() -> None:
    proxy = table(slice_("web-a", endpoint("10.244.1.2"), endpoint("10.244.1.3", ready=False)),
                  slice_("web-b", endpoint("10.244.2.2"), endpoint("10.244.1.2"),
                         {"addresses": [], "conditions": {"ready": True}}),
                  slice_("web-c", endpoint("10.244.3.3"), ports=[
                      {"name": "other", "port": 9090, "protocol": "TCP"}]))
    (rule,) = proxy.rules()
    assert rule.endpoints == (Endpoint("10.244.1.2", 8080), Endpoint("10.244.2.2", 8080))
    assert rule.not_ready == (Endpoint("10.244.1.3", 8080),)
    rng = random.Random(7)
    counts = collections.Counter(str(proxy.route("10.96.0.10", 80, rng).endpoint)
                                 for _ in range(2000))
    assert set(counts) == {"10.244.1.2:8080", "10.244.2.2:8080"}
    assert all(900 <= c <= 1100 for c in counts.values()), counts
    # unset conditions count as ready (the mirroring controller sets only `ready`)
    assert table(slice_("m", {"addresses": ["10.0.0.9"]})).rules()[0].endpoints == (
        Endpoint("10.0.0.9", 8080),)


def test_terminating_serving_endpoints_only_when_none_is_ready() -> None:
    leaving = endpoint("10.244.1.2", ready=False, serving=True, terminating=True)
    stopped = endpoint("10.244.1.3", ready=False, serving=False, terminating=True)
    proxy = table(slice_("web-a", leaving, stopped))
    assert proxy.route("10.96.0.10", 80, random.Random(1)).endpoint == \
        Endpoint("10.244.1.2", 8080)
    proxy = table(slice_("web-a", leaving, stopped, endpoint("10.244.2.2")))
    assert proxy.rules()[0].endpoints == (Endpoint("10.244.2.2", 8080),)
    # not ready and not terminating: no fallback, no endpoints
    assert table(slice_("web-a", endpoint("10.244.1.4", ready=False, serving=True,
                                          terminating=False))).route(
        "10.96.0.10", 80, random.Random(1)).reason == "no endpoints"
    # the slices gone: no endpoints
    proxy.update_endpoint_slices("default", "web", [])
    assert proxy.route("10.96.0.10", 80, random.Random(1)).reason == "no endpoints"


async def _connect(cluster: Any, target: str, port: int, times: int) -> collections.Counter:
    proxy = cluster.system.lookup("/cluster/nodes/node-1/kube-proxy")
    landed: collections.Counter = collections.Counter()
    for _ in range(times):
        result = await proxy.ask(Connect(target, port), timeout=5.0)
        landed[str(result.endpoint) if result else result.reason] += 1
    return landed


async def test_kube_proxy_balances_over_the_slices_of_a_cluster(autojump_clock) -> None:
    # no Endpoints controller: what kube-proxy routes by can only come from the slices, two
    # of them for three pods (at most two endpoints per slice)
    enabled = ", ".join(f'"{c}"' for c in CONTROLLERS if c != "endpoints")
    config = (f"[controllers]\nenabled = [{enabled}]\nmax_endpoints_per_slice = 2\n"
              "[[nodes]]\nname = 'node'\ncount = 2\n")
    async with full_cluster(config, seed=3) as cluster:
        await cluster.apply("examples/manifests/nginx.yaml")
        await cluster.wait_for("deployment/nginx-deployment", ready_replicas=3, timeout=120)
        pods = await cluster.list("v1/Pod", "default", label_selector="app=nginx")
        ips = {f"{p['status']['podIP']}:80" for p in pods}

        async def routed_everywhere() -> collections.Counter | None:
            landed = await _connect(cluster, "default/nginx", 80, 60)
            return landed if set(landed) == ips else None

        landed = None
        for _ in range(20):  # the slices reach the proxy a moment after the pods are ready
            landed = await routed_everywhere()
            if landed:
                break
            await trio.sleep(1)
        assert landed and sum(landed.values()) == 60 and all(c >= 10 for c in landed.values())
        slices = await cluster.list("discovery.k8s.io/v1/EndpointSlice", "default",
                                    label_selector="kubernetes.io/service-name=nginx")
        assert sorted(len(s["endpoints"]) for s in slices) == [1, 2]
        assert "default/nginx" not in [f"{e['metadata']['namespace']}/{e['metadata']['name']}"
                                       for e in await cluster.list("v1/Endpoints")]

        # a Service without a selector and its hand-written Endpoints: mirrored, then routed
        await cluster.apply({"apiVersion": "v1", "kind": "Service",
                             "metadata": {"name": "external", "namespace": "default"},
                             "spec": {"ports": [{"name": "db", "port": 5432}]}})
        await cluster.apply({"apiVersion": "v1", "kind": "Endpoints",
                             "metadata": {"name": "external", "namespace": "default"},
                             "subsets": [{"addresses": [{"ip": "192.168.7.7"}],
                                          "ports": [{"name": "db", "port": 5432}]}]})
        for _ in range(20):
            landed = await _connect(cluster, "default/external", 5432, 3)
            if landed == {"192.168.7.7:5432": 3}:
                break
            await trio.sleep(1)
        assert landed == {"192.168.7.7:5432": 3}
        (mirror,) = await cluster.list("discovery.k8s.io/v1/EndpointSlice", "default",
                                       label_selector="kubernetes.io/service-name=external")
        assert mirror["metadata"]["labels"]["endpointslice.kubernetes.io/managed-by"] == \
            "endpointslicemirroring-controller.k8s.io"
        # the kubernetes Service: the apiserver's own slice
        landed = await _connect(cluster, "default/kubernetes", 443, 2)
        assert list(landed) == ["10.0.255.100:6443"]
