"""The Endpoints controller: pure subset computation, then against a control plane with a
fake kubelet driving pod readiness, in virtual time."""

from __future__ import annotations

from typing import Any

import trio

from kactors.api.meta import deep_copy
from kactors.controllers.deployment import DeploymentController
from kactors.controllers.endpoints import (
    EndpointsController,
    desired_subsets,
    endpoints_labels,
    repack_subsets,
)
from kactors.controllers.podutil import find_port
from kactors.controllers.replicaset import ReplicaSetController

from .workloads_env import Env, cluster, deployment, pod

EP = "v1/Endpoints"
HTTP = [{"name": "http", "containerPort": 8080, "protocol": "TCP"}]


def service(name: str, selector: dict[str, str] | None = None, *,
            ports: list[dict[str, Any]] | None = None, **spec: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"ports": ports or [{"name": "http", "port": 80,
                                                "targetPort": "http"}], **spec}
    if selector is not None:
        body["selector"] = selector
    return {"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": name, "namespace": "default", "labels": {"tier": "web"}},
            "spec": body}


def running(name: str, ip: str | None, *, ready: bool = True, node: str = "node-1",
            ports: list[dict[str, Any]] | None = None, **meta: Any) -> dict[str, Any]:
    obj = pod(name, {"app": "web"}, ports=ports if ports is not None else HTTP)
    obj["metadata"].update(uid=f"uid-{name}", **meta)
    obj["spec"]["nodeName"] = node
    status: dict[str, Any] = {"phase": "Running", "conditions": [
        {"type": "Ready", "status": "True" if ready else "False"}]}
    if ip:
        status["podIP"] = ip
        status["podIPs"] = [{"ip": ip}]
    obj["status"] = status
    return obj


def address(name: str, ip: str, node: str = "node-1") -> dict[str, Any]:
    return {"ip": ip, "nodeName": node, "targetRef": {
        "kind": "Pod", "namespace": "default", "name": name, "uid": f"uid-{name}"}}


# -- pure ----------------------------------------------------------------------------------------
def test_ready_and_not_ready_addresses_with_resolved_ports():
    svc = service("web", {"app": "web"}, ports=[
        {"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"},
        {"name": "admin", "port": 81, "targetPort": 9000, "protocol": "TCP"}])
    pods = [running("b", "10.0.0.2", ready=False), running("a", "10.0.0.1"),
            running("no-ip", None),
            running("going", "10.0.0.9", deletionTimestamp="2026-01-01T00:00:00Z"),
            {**running("done", "10.0.0.8"), "status": {"phase": "Succeeded",
                                                       "podIP": "10.0.0.8"}}]
    assert desired_subsets(svc, pods) == [{
        "addresses": [address("a", "10.0.0.1")],
        "notReadyAddresses": [address("b", "10.0.0.2")],
        "ports": [{"name": "admin", "port": 9000, "protocol": "TCP"},
                  {"name": "http", "port": 8080, "protocol": "TCP"}],
    }]
    # publishNotReadyAddresses: every pod with an IP is an address (terminating too)
    publish = service("web", {"app": "web"}, publishNotReadyAddresses=True)
    published = desired_subsets(publish, pods[:4])
    assert [a["ip"] for a in published[0]["addresses"]] == ["10.0.0.1", "10.0.0.2", "10.0.0.9"]


def test_pods_without_the_named_port_get_their_own_subset():
    svc = service("web", {"app": "web"}, ports=[
        {"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"},
        {"name": "metrics", "port": 9090, "targetPort": "metrics", "protocol": "TCP"}])
    with_metrics = running("a", "10.0.0.1", ports=[*HTTP, {"name": "metrics",
                                                           "containerPort": 9100}])
    plain = running("b", "10.0.0.2")
    assert find_port(plain, svc["spec"]["ports"][1]) is None
    assert find_port(with_metrics, svc["spec"]["ports"][1]) == 9100
    assert find_port(plain, {"port": 80, "targetPort": "http", "protocol": "UDP"}) is None
    assert desired_subsets(svc, [plain, with_metrics]) == [
        {"addresses": [address("a", "10.0.0.1"), address("b", "10.0.0.2")],
         "ports": [{"name": "http", "port": 8080, "protocol": "TCP"}]},
        {"addresses": [address("a", "10.0.0.1")],
         "ports": [{"name": "metrics", "port": 9100, "protocol": "TCP"}]},
    ]


def test_repack_merges_subsets_and_ready_wins():
    a, b = address("a", "10.0.0.1"), address("b", "10.0.0.2")
    port = {"name": "http", "port": 80, "protocol": "TCP"}
    assert repack_subsets([{"notReadyAddresses": [b], "ports": [port]},
                           {"addresses": [a], "ports": [port]},
                           {"notReadyAddresses": [a], "ports": [port]}]) == \
        [{"addresses": [a], "notReadyAddresses": [b], "ports": [port]}]
    assert repack_subsets([]) == []
    headless = service("db", {"app": "db"}, clusterIP="None")
    assert endpoints_labels(headless) == {"tier": "web", "service.kubernetes.io/headless": ""}


# -- against a control plane ------------------------------------------------------------------
async def endpoints(env: Env, name: str) -> dict[str, Any] | None:
    found = [e for e in await env.items(EP) if e["metadata"]["name"] == name]
    return found[0] if found else None


def addresses(ep: dict[str, Any] | None) -> tuple[list[str], list[str]]:
    """(ready pod names, not-ready pod names)."""
    ready, not_ready = [], []
    for subset in (ep or {}).get("subsets") or []:
        ready += [a["targetRef"]["name"] for a in subset.get("addresses") or []]
        not_ready += [a["targetRef"]["name"] for a in subset.get("notReadyAddresses") or []]
    return sorted(ready), sorted(not_ready)


async def test_endpoints_follow_pod_readiness(autojump_clock):
    async with cluster() as env:
        await env.start(EndpointsController)
        await env.start_kubelet(never_ready=lambda p: True)  # the test says who is ready
        await env.client.create(service("web", {"app": "web"}, ports=[
            {"name": "http", "port": 80, "targetPort": "http"},
            {"name": "admin", "port": 81, "targetPort": 9000}]))
        for name in ("web-1", "web-2"):
            await env.client.create(pod(name, {"app": "web"}, ports=HTTP))
        await env.client.create(pod("other", {"app": "other"}, ports=HTTP))
        await trio.sleep(2)
        ep = await endpoints(env, "web")
        assert addresses(ep) == ([], ["web-1", "web-2"])
        assert ep["metadata"]["labels"] == {"tier": "web"}
        (subset,) = ep["subsets"]
        assert subset["ports"] == [{"name": "admin", "port": 9000, "protocol": "TCP"},
                                   {"name": "http", "port": 8080, "protocol": "TCP"}]
        web1 = await env.get("v1/Pod", "web-1")
        assert subset["notReadyAddresses"][0] == {
            "ip": web1["status"]["podIP"], "nodeName": web1["spec"]["nodeName"],
            "targetRef": {"kind": "Pod", "namespace": "default", "name": "web-1",
                          "uid": web1["metadata"]["uid"]}}

        await env.set_ready("web-1")
        await trio.sleep(1)
        ep = await endpoints(env, "web")
        assert addresses(ep) == (["web-1"], ["web-2"])

        # a change that cannot move an address: the Endpoints is not written again
        await env.client.patch("v1/Pod", "web-2", {"metadata": {"annotations": {"a": "b"}}},
                               "default")
        await trio.sleep(1)
        assert (await endpoints(env, "web"))["metadata"]["resourceVersion"] == \
            ep["metadata"]["resourceVersion"]

        # relabelled out of the selector, then a terminating pod: both leave
        await env.client.patch("v1/Pod", "web-2", {"metadata": {"labels": {"app": "x"}}},
                               "default")
        await env.client.delete("v1/Pod", "web-1")
        await trio.sleep(0.2)  # web-1 is terminating (its kubelet stops it 0.5 s later)
        ep = await endpoints(env, "web")
        assert addresses(ep) == ([], []) and "subsets" not in ep

        await env.client.delete("v1/Service", "web")
        await env.until(lambda: _gone(env, "web"))


async def _gone(env: Env, name: str) -> bool:
    return await endpoints(env, name) is None


async def test_services_without_selector_keep_their_own_endpoints(autojump_clock):
    async with cluster() as env:
        await env.client.create(service("external"))
        manual = await env.client.create({
            "apiVersion": "v1", "kind": "Endpoints",
            "metadata": {"name": "external", "namespace": "default"},
            "subsets": [{"addresses": [{"ip": "192.168.1.10"}],
                         "ports": [{"name": "http", "port": 80, "protocol": "TCP"}]}]})
        await env.start(EndpointsController)
        headless = service("db", {"app": "web"}, clusterIP="None")
        await env.client.create(headless)
        await env.client.create(running("db-0", "10.0.0.5") | {"status": {}})
        await trio.sleep(2)
        assert (await endpoints(env, "external"))["metadata"]["resourceVersion"] == \
            manual["metadata"]["resourceVersion"]
        db = await endpoints(env, "db")
        assert db["metadata"]["labels"] == {"tier": "web", "service.kubernetes.io/headless": ""}
        assert "subsets" not in db  # the pod has no IP yet

        # deleted by someone: written again
        await env.client.delete(EP, "db", "default")
        await env.until(lambda: endpoints(env, "db"))


async def test_endpoints_follow_a_rolling_deployment(autojump_clock):
    async with cluster(seed=4) as env:
        await env.start(ReplicaSetController)
        await env.start(DeploymentController)
        await env.start(EndpointsController)
        await env.start_kubelet(start_after=0.5, ready_after=1.0)
        d = deployment("web", 3)
        d["spec"]["template"]["spec"]["containers"][0]["ports"] = HTTP
        await env.client.create(d)
        await env.client.create(service("web", {"app": "web"}))
        await trio.sleep(10)
        ready, not_ready = addresses(await endpoints(env, "web"))
        assert len(ready) == 3 and not not_ready
        current = deep_copy(await env.get("apps/v1/Deployment", "web"))
        current["spec"]["template"]["spec"]["containers"][0]["image"] = "nginx:1.26"
        await env.client.update(current)
        await trio.sleep(20)
        ready, not_ready = addresses(await endpoints(env, "web"))
        pods = {p["metadata"]["name"]: p for p in await env.pods("web-")}
        assert len(ready) == 3 and not not_ready
        assert {pods[n]["spec"]["containers"][0]["image"] for n in ready} == {"nginx:1.26"}
