"""The ingress controller and NetworkPolicy enforcement in a whole cluster, in virtual
time: routing by host and path through kube-proxy's balancing, the Ingress's status, the
default backend, the default class, policies allowing and refusing (ingress and egress),
and no policy machinery at all while no policy exists."""

from __future__ import annotations

from typing import Any

import trio
import yaml

from kactors.networking.controller import Request, Response
from kactors.node.kubeproxy import Connect
from kactors.node.proxy import REFUSED, RouteResult
from kactors.testing.harness import full_cluster

CONFIG = """
[[nodes]]
name = "node"
count = 2
[images."nginx:1.27"]
pull_time = 1
start_time = 0.5
[ingress]
enabled = true
default_class = true
"""
PROXY = "/cluster/nodes/node-1/kube-proxy"
AGENT = "/cluster/network-policy"
CONTROLLER = "/cluster/control-plane/ingress-nginx"


def manifests() -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """examples/manifests/ingress.yaml: everything but the NetworkPolicy, and the policy."""
    with open("examples/manifests/ingress.yaml") as f:
        objects = [o for o in yaml.safe_load_all(f) if o]
    policies = [o for o in objects if o["kind"] == "NetworkPolicy"]
    return [o for o in objects if o["kind"] != "NetworkPolicy"], policies[0]


async def request(cluster: Any, host: str, path: str = "/") -> Response:
    return await cluster.system.lookup(CONTROLLER).ask(Request(host, path), timeout=5.0)


async def connect(cluster: Any, service: str, source: str | None) -> RouteResult:
    return await cluster.system.lookup(PROXY).ask(Connect(service, 80, source=source),
                                                  timeout=5.0)


async def until(check: Any, what: str, timeout: float = 30.0) -> Any:
    """Poll `check()` (in virtual time) until it returns something truthy."""
    with trio.move_on_after(timeout):
        while True:
            result = await check()
            if result:
                return result
            await trio.sleep(0.5)
    raise AssertionError(f"not within {timeout:g} s: {what}")


async def test_requests_routed_by_host_and_path_and_policies_enforced(autojump_clock) -> None:
    workloads, blog_policy = manifests()
    async with full_cluster(CONFIG, seed=5) as cluster:
        await cluster.apply(workloads)
        for name in ("shop", "blog", "client"):
            await cluster.wait_for(f"deployment/{name}", ready_replicas=(1 if name == "client"
                                                                        else 2), timeout=60)
        # the class came from the controller's IngressClass, marked default, by admission
        web = await cluster.wait_for("networking.k8s.io/v1/Ingress", "web", "default",
                                     predicate=lambda o: o.get("status", {}).get(
                                         "loadBalancer", {}).get("ingress"))
        assert web["spec"]["ingressClassName"] == "nginx"
        assert web["status"]["loadBalancer"]["ingress"] == [{"ip": "172.18.255.200"}]
        nginx = await cluster.get("networking.k8s.io/v1/IngressClass", "nginx")
        assert nginx["spec"]["controller"] == "k8s.io/ingress-nginx"

        async def shop_answers() -> Response | None:
            response = await request(cluster, "shop.example.com")
            return response if response else None

        first = await until(shop_answers, "the shop answers through the Ingress")
        assert first.text == "200 OK" and first.pod.startswith("default/shop-")
        pods = {(await request(cluster, "shop.example.com", "/cart")).pod for _ in range(12)}
        assert len(pods) == 2  # kube-proxy balanced over both shop pods
        blog = await request(cluster, "shop.example.com", "/blog/first-post")
        assert blog.pod.startswith("default/blog-") and blog.route.path == "/blog"
        assert (await request(cluster, "BLOG.example.com:80", "/x")).pod.startswith(
            "default/blog-")
        missing = await request(cluster, "www.example.com")
        assert (missing.text, missing.reason) == ("404 Not Found",
                                                  "no rule matched: default backend")
        logged = cluster.logs("ingress.request")
        assert logged[-1]["status"] == "404 Not Found"
        assert {"host": "shop.example.com", "path": "/blog/first-post", "status": "200 OK",
                "ingress": "default/web", "backend": "default/blog:80"}.items() <= \
            [r for r in logged if r["path"] == "/blog/first-post"][0].items()

        # no policy anywhere: nobody watches pods for policies, every connection goes through
        client = (await cluster.list("v1/Pod", "default", label_selector="app=client"))[0]
        source = f"default/{client['metadata']['name']}"
        assert cluster.system.lookup(f"{AGENT}/policy-pods") is None
        assert await connect(cluster, "default/blog", source)

        # the blog accepts only the ingress controller's namespace
        await cluster.apply(blog_policy)

        async def refused() -> bool:
            return (await connect(cluster, "default/blog", source)).reason == REFUSED

        await until(refused, "the blog refuses the client pod")
        assert cluster.system.lookup(f"{AGENT}/policy-pods") is not None
        event = cluster.logs("netpol.refused")[-1]
        assert (event["source"], event["direction"], event["policies"]) == (
            source, "ingress", ["blog-from-ingress"])
        assert event["pod"].startswith("default/blog-")
        assert await connect(cluster, "default/shop", source)  # no policy selects the shop
        assert not await connect(cluster, "default/blog", None)  # nor from outside
        assert await request(cluster, "blog.example.com")  # but through the Ingress: yes

        # egress: the client may talk to the blog only; the shop is refused at the source
        await cluster.apply({
            "apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": {"name": "client-out", "namespace": "default"},
            "spec": {"podSelector": {"matchLabels": {"app": "client"}},
                     "egress": [{"to": [{"podSelector": {"matchLabels": {"app": "blog"}}}]}]}})

        async def egress_refused() -> bool:
            return (await connect(cluster, "default/shop", source)).reason == REFUSED

        await until(egress_refused, "the client's egress policy refuses the shop")
        assert cluster.logs("netpol.refused")[-1]["direction"] == "egress"
        assert await connect(cluster, "default/shop", None)  # others still reach the shop
        await cluster.delete("networking.k8s.io/v1/NetworkPolicy", "blog-from-ingress",
                             "default")

        async def blog_open() -> bool:
            return bool(await connect(cluster, "default/blog", source))

        await until(blog_open, "the blog accepts the client again")

        # a Service gone: 503; an Ingress of another class is not served
        await cluster.delete("v1/Service", "shop", "default")

        async def unavailable() -> bool:
            return (await request(cluster, "shop.example.com")).status == 503

        await until(unavailable, "the shop's Service is gone")
        await cluster.apply({"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
                             "metadata": {"name": "other", "namespace": "default"},
                             "spec": {"ingressClassName": "traefik", "rules": [{
                                 "host": "other.example.com", "http": {"paths": [{
                                     "path": "/", "pathType": "Prefix", "backend": {
                                         "service": {"name": "blog",
                                                     "port": {"number": 80}}}}]}}]}})
        await trio.sleep(5)
        assert (await request(cluster, "other.example.com")).status == 404
        other = await cluster.get("networking.k8s.io/v1/Ingress", "other", "default")
        assert "loadBalancer" not in (other.get("status") or {}) or \
            not other["status"]["loadBalancer"].get("ingress")
        assert not cluster.logs("actor.crashed")
