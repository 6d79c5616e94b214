"""kube-proxy: one actor per node keeping the Service rule table from Services and
their EndpointSlices, and balancing simulated connections over ready endpoints.

Like kube-proxy since Kubernetes 1.21, it reads discovery.k8s.io/v1 EndpointSlices (not
Endpoints), finding a Service's slices by their `kubernetes.io/service-name` label
(an index of its informer cache), whoever wrote them: the EndpointSlice controller for
selector Services, the mirroring controller for hand-written Endpoints.

A demo (or a test) sends `Connect(service or cluster IP, port)` and learns, and sees in
the log, which pod the connection landed on, or that no endpoint is ready.

NetworkPolicies are enforced on that connection too (the CNI agent's part of the node's
dataplane, from the caches of `kactors.networking.policywatch`): a connection carries its
source (a pod ``namespace/name``, or a client outside the cluster at ``client_ip``); one
the policies of either end refuse is dropped, logged (``netpol.refused``) and answered
with the reason ``refused by NetworkPolicy``. With no policy in the cluster nothing is
evaluated.
"""

from __future__ import annotations

import random
from typing import Any

import attrs

from kactors.actors import Actor, ActorRef
from kactors.api.discovery import SERVICE_INDEX, slice_service_keys
from kactors.client.indexer import Indexer
from kactors.client.informer import Informer, InformerEvent, InformerSynced, Subscribe
from kactors.networking.policy import Peer
from kactors.networking.policywatch import PolicyWatch
from kactors.node.proxy import REFUSED, ProxyTable, RouteResult
from kactors.node.traffic import Traffic


@attrs.frozen
class Connect:
    """Open a simulated connection to `target` (a ClusterIP, or "namespace/name") from the
    pod `source` ("namespace/name"), or, without one, from outside the cluster (`client_ip`)."""

    target: str
    port: int
    client_ip: str | None = None
    source: str | None = None
    #: a source described by the caller, for a client the caches do not hold (the
    #: ingress controller's own pod); wins over `source` and `client_ip`
    peer: Peer | None = None
    #: log where it landed at debug, not info (a load generator's many connections)
    quiet: bool = False


class KubeProxy(Actor):
    def __init__(self, node: str, apiserver: ActorRef, token: str, *,
                 mode: str = "random", netpol: PolicyWatch | None = None,
                 traffic: Traffic | None = None) -> None:
        self.node = node
        #: where connections landed, for the pods' CPU (:mod:`kactors.node.traffic`)
        self.traffic = traffic
        self.apiserver = apiserver
        self.token = token
        self.table = ProxyTable(mode)  # type: ignore[arg-type]
        self.services = Indexer()
        self.slices = Indexer({SERVICE_INDEX: slice_service_keys})
        #: the cluster's NetworkPolicies (read only; none given: a watch never started,
        #: so nothing is ever enforced)
        self.netpol = netpol if netpol is not None else PolicyWatch(apiserver, token)

    async def started(self) -> None:
        ctx = self.ctx
        self.rng = random.Random(ctx.random.getrandbits(64))
        for kind, indexer in (("services", self.services), ("endpointslices", self.slices)):
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
            elif message.kind == "EndpointSlice":
                keys = slice_service_keys(obj)
                if message.old is not None:
                    keys += [k for k in slice_service_keys(message.old) if k not in keys]
                for key in keys:  # (a slice moved to another Service: both change)
                    self._service_slices_changed(key)
            return None
        if isinstance(message, InformerSynced):
            return None
        if isinstance(message, Connect):
            return self.connect(message)
        return super().receive(message)

    def _service_slices_changed(self, key: str) -> None:
        namespace, _, service = key.partition("/")
        slices = self.slices.by_index(SERVICE_INDEX, key)
        self.table.update_endpoint_slices(namespace, service, slices)
        self.ctx.log.debug("proxy.rules_updated", service=key, slices=len(slices),
                           node=self.node)

    def connect(self, request: Connect) -> RouteResult:
        target = request.target
        cluster_ip = target
        if "/" in target:
            namespace, _, name = target.partition("/")
            service = self.services.get(f"{namespace}/{name}")
            cluster_ip = (service or {}).get("spec", {}).get("clusterIP", "")
        result = self.table.route(cluster_ip, request.port, self.rng,
                                  client_ip=request.client_ip, now=self.ctx.now())
        if result and self.netpol.active:  # the one check a cluster without policies pays
            result = self._enforce(request, result)
        if result:
            assert result.endpoint is not None and result.rule is not None
            if self.traffic is not None:
                self.traffic.record(result.endpoint.ip, self.ctx.now())
            log = self.ctx.log.debug if request.quiet else self.ctx.log.info
            log("proxy.routed", service=result.rule.label, to=str(result.endpoint),
                node=self.node)
        elif result.reason != REFUSED:  # (a refusal is logged by _enforce)
            self.ctx.log.info("proxy.no_route", target=f"{target}:{request.port}",
                              reason=result.reason, node=self.node)
        return result

    def _enforce(self, request: Connect, result: RouteResult) -> RouteResult:
        """The NetworkPolicies' verdict on the connection kube-proxy chose an endpoint for."""
        assert result.endpoint is not None and result.rule is not None
        source = request.peer or self.netpol.source(request.source, request.client_ip)
        if source is None:
            self.ctx.log.info("netpol.refused", source=request.source,
                              to=str(result.endpoint), service=result.rule.label,
                              reason="unknown source pod", node=self.node)
            return RouteResult(None, result.rule, REFUSED)
        destination, verdict = self.netpol.check(source, result.endpoint.ip,
                                                 result.endpoint.port, result.rule.protocol)
        if verdict:
            return result
        self.ctx.log.info("netpol.refused", source=source.label, to=str(result.endpoint),
                          pod=destination.label, service=result.rule.label,
                          direction=verdict.direction, policies=list(verdict.policies),
                          node=self.node)
        return RouteResult(None, result.rule, REFUSED)
