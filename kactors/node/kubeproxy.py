"""kube-proxy: one actor per node keeping the Service rule table from Services and
Endpoints, and balancing simulated connections over ready endpoints.

A demo (or a test) sends `Connect(service or cluster IP, port)` and learns, and sees in
the log, which pod the connection landed on, or that no endpoint is ready.
"""

from __future__ import annotations

import random
from typing import Any

import attrs

from kactors.actors import Actor, ActorRef
from kactors.client.indexer import Indexer
from kactors.client.informer import Informer, InformerEvent, InformerSynced, Subscribe
from kactors.node.proxy import ProxyTable, RouteResult


@attrs.frozen
class Connect:
    """Open a simulated connection to `target` (a ClusterIP, or "namespace/name")."""

    target: str
    port: int
    client_ip: str | None = None


class KubeProxy(Actor):
    def __init__(self, node: str, apiserver: ActorRef, token: str, *,
                 mode: str = "random") -> None:
        self.node = node
        self.apiserver = apiserver
        self.token = token
        self.table = ProxyTable(mode)  # type: ignore[arg-type]
        self.services = Indexer()
        self.endpoints = Indexer()

    async def started(self) -> None:
        ctx = self.ctx
        self.rng = random.Random(ctx.random.getrandbits(64))
        for kind, indexer in (("services", self.services), ("endpoints", self.endpoints)):
            ref = ctx.spawn(lambda kind=kind, indexer=indexer: Informer(
                self.apiserver, self.token, kind, indexer), name=kind)
            await ref.ask(Subscribe(ctx.self))

    def receive(self, message: Any) -> Any:
        if isinstance(message, InformerEvent):
            obj = message.obj
            meta = obj["metadata"]
            namespace, name = meta.get("namespace", "default"), meta["name"]
            if message.kind == "Service":
                if message.type == "delete":
                    self.table.delete_service(namespace, name)
                else:
                    self.table.update_service(obj)
            elif message.kind == "Endpoints":
                if message.type == "delete":
                    self.table.delete_endpoints(namespace, name)
                else:
                    self.table.update_endpoints(obj)
                    ready = sum(len(s.get("addresses") or []) for s in obj.get("subsets") or [])
                    self.ctx.log.debug("proxy.rules_updated", service=f"{namespace}/{name}",
                                       ready_endpoints=ready, node=self.node)
            return None
        if isinstance(message, InformerSynced):
            return None
        if isinstance(message, Connect):
            return self.connect(message)
        return super().receive(message)

    def connect(self, request: Connect) -> RouteResult:
        target = request.target
        cluster_ip = target
        if "/" in target:
            namespace, _, name = target.partition("/")
            service = self.services.get(f"{namespace}/{name}")
            cluster_ip = (service or {}).get("spec", {}).get("clusterIP", "")
        result = self.table.route(cluster_ip, request.port, self.rng,
                                  client_ip=request.client_ip, now=self.ctx.now())
        if result:
            assert result.endpoint is not None and result.rule is not None
            self.ctx.log.info("proxy.routed", service=result.rule.label,
                              to=str(result.endpoint), node=self.node)
        else:
            self.ctx.log.info("proxy.no_route", target=f"{target}:{request.port}",
                              reason=result.reason, node=self.node)
        return result
