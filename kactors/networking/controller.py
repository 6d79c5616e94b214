"""An ingress controller actor, like ingress-nginx: the Ingresses of its class become a
routing table, and simulated HTTP requests are routed by it.

At start it creates its IngressClass (``nginx``, controller ``k8s.io/ingress-nginx``, as the
chart's install does; annotated default if so configured). It serves an Ingress whose class
(``spec.ingressClassName``, or the deprecated ``kubernetes.io/ingress.class`` annotation)
is its own and whose IngressClass names its controller; it writes its address into the
Ingress's ``status.loadBalancer.ingress`` (what ``kubectl get ingress`` shows as ADDRESS)
and logs ``ingress.synced`` with the rules it took.

``Request(host, path)`` is answered as nginx would: the routing table
(:mod:`kactors.networking.routes`) picks the backend Service port, then the connection is
handed to a kube-proxy (``Connect`` to the Service's cluster IP), whose balancing picks the
pod and whose dataplane applies NetworkPolicies. The source of that connection is the
controller's own pod (namespace ``ingress-nginx``, labels ``app.kubernetes.io/name:
ingress-nginx``), as the backend sees it in Kubernetes. The answer (:class:`Response`) says
which Service and pod answered, or why not: ``404`` from the default backend (no rule
matched), ``503`` (no such Service or port, or no ready endpoint), ``504`` (a NetworkPolicy
dropped the connection: nginx times out). One ``ingress.request`` event per request.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import attrs

from kactors.actors import Actor, ActorRef, ActorStopped, AskTimeout
from kactors.api.validate_networking import INGRESS_CLASS_ANNOTATION
from kactors.apiserver.ingressclass import IS_DEFAULT_CLASS_ANNOTATION
from kactors.client.client import ApiClient
from kactors.client.errors import AlreadyExists, ApiError
from kactors.client.indexer import Indexer
from kactors.client.informer import Informer, InformerEvent, InformerSynced, Subscribe
from kactors.networking.policy import Peer
from kactors.networking.routes import Backend, RouteMatch, RoutingTable
from kactors.node.kubeproxy import Connect
from kactors.node.proxy import NO_ENDPOINTS, REFUSED, Endpoint

__all__ = ["CONTROLLER", "CONTROLLER_LABELS", "IngressController", "Request", "Response",
           "ingress_class"]

#: the ``spec.controller`` of ingress-nginx's IngressClass
CONTROLLER = "k8s.io/ingress-nginx"
#: the labels of the controller's pod (what a NetworkPolicy's podSelector can pick)
CONTROLLER_LABELS = {"app.kubernetes.io/name": "ingress-nginx",
                     "app.kubernetes.io/component": "controller"}
CONTROLLER_NAMESPACE = "ingress-nginx"
#: where simulated requests come from unless told: an address outside the cluster
EXTERNAL_CLIENT = "203.0.113.7"
_ADDRESS_INDEX = "address"
_STATUS_TEXT = {200: "OK", 404: "Not Found", 502: "Bad Gateway",
                503: "Service Temporarily Unavailable", 504: "Gateway Timeout"}


@attrs.frozen
class Request:
    """A simulated ``GET http://host/path`` from `client_ip`."""

    host: str
    path: str = "/"
    client_ip: str = EXTERNAL_CLIENT


@attrs.frozen
class Response:
    """How a request was answered; truthy for a 2xx."""

    status: int
    route: RouteMatch
    endpoint: Endpoint | None = None
    pod: str = ""  # namespace/name of the pod that answered
    reason: str = ""

    def __bool__(self) -> bool:
        return 200 <= self.status < 300

    @property
    def text(self) -> str:
        return f"{self.status} {_STATUS_TEXT.get(self.status, '')}".strip()


def ingress_class(name: str, *, default: bool = False) -> dict[str, Any]:
    """The IngressClass the controller serves (as ingress-nginx's chart creates it)."""
    meta: dict[str, Any] = {"name": name, "labels": dict(CONTROLLER_LABELS)}
    if default:
        meta["annotations"] = {IS_DEFAULT_CLASS_ANNOTATION: "true"}
    return {"apiVersion": "networking.k8s.io/v1", "kind": "IngressClass", "metadata": meta,
            "spec": {"controller": CONTROLLER}}


def _addresses(obj: Mapping[str, Any]) -> list[str]:
    return [str(address) for endpoint in obj.get("endpoints") or ()
            for address in (endpoint.get("addresses") or ())[:1]]


class IngressController(Actor):
    def __init__(self, apiserver: ActorRef, token: str | None,
                 proxy: Callable[[], ActorRef | None], *, class_name: str = "nginx",
                 default_class: bool = False, address: str = "172.18.255.200",
                 pod_ip: str = "10.244.255.10") -> None:
        self.apiserver = apiserver
        self.token = token
        self.proxy = proxy
        self.class_name = class_name
        self.default_class = default_class
        self.address = address
        self.peer = Peer(pod_ip, CONTROLLER_NAMESPACE, "ingress-nginx-controller",
                         dict(CONTROLLER_LABELS),
                         {"kubernetes.io/metadata.name": CONTROLLER_NAMESPACE})
        self.routes = RoutingTable()
        self.classes = Indexer()
        self.ingresses = Indexer()
        self.services = Indexer()
        self.slices = Indexer({_ADDRESS_INDEX: _addresses})
        #: "namespace/name" of each Ingress in the routing table -> its rules, as logged
        self.served: dict[str, list[str]] = {}

    async def started(self) -> None:
        ctx = self.ctx
        self.client = ApiClient(ctx, self.apiserver, self.token)
        await self._create_class()
        for kind, indexer in (("ingressclasses", self.classes), ("ingresses", self.ingresses),
                              ("services", self.services), ("endpointslices", self.slices)):
            ref = ctx.spawn(lambda kind=kind, indexer=indexer: Informer(
                self.apiserver, self.token, kind, indexer), name=kind)
            if kind in ("ingressclasses", "ingresses"):
                await ref.ask(Subscribe(ctx.self))

    async def _create_class(self) -> None:
        try:
            await self.client.create(ingress_class(self.class_name, default=self.default_class))
            self.ctx.log.info("ingressclass.created", ingressclass=self.class_name,
                              controller=CONTROLLER, default=self.default_class)
        except AlreadyExists:
            pass
        except ApiError as error:
            self.ctx.log.warning("ingressclass.create_failed", ingressclass=self.class_name,
                                 code=error.code, message=str(error))

    # -- the routing table -------------------------------------------------------------------
    def _class_of(self, ingress: Mapping[str, Any]) -> str | None:
        name = (ingress.get("spec") or {}).get("ingressClassName")
        if name is None:
            name = ((ingress.get("metadata") or {}).get("annotations") or {}).get(
                INGRESS_CLASS_ANNOTATION)
        return None if name is None else str(name)

    def _serves(self, ingress: Mapping[str, Any]) -> bool:
        """Whether the Ingress is of our class, and that class names our controller."""
        name = self._class_of(ingress)
        if name != self.class_name:
            return False
        found = self.classes.get(name)
        return found is not None and (found.get("spec") or {}).get("controller") == CONTROLLER

    def _sync(self, ingress: Mapping[str, Any]) -> None:
        meta = ingress["metadata"]
        namespace, name = meta.get("namespace", "default"), meta["name"]
        key = f"{namespace}/{name}"
        if not self._serves(ingress):
            if self.served.pop(key, None) is not None:
                self.routes.delete(namespace, name)
                self.ctx.log.info("ingress.dropped", ingress=key,
                                  ingressclass=self._class_of(ingress))
            return
        self.routes.update(ingress)
        rules = [line for line in self.routes.describe() if line.endswith(f"[{key}]")]
        if self.served.get(key) != rules:  # (its status written back changes nothing)
            self.served[key] = rules
            self.ctx.log.info("ingress.synced", ingress=key, ingressclass=self.class_name,
                              rules=rules)
        loadbalancer = ((ingress.get("status") or {}).get("loadBalancer") or {}).get("ingress")
        if loadbalancer != [{"ip": self.address}]:
            self.ctx.start_soon(self._write_status, namespace, name)

    async def _write_status(self, namespace: str, name: str) -> None:
        try:
            await self.client.patch("ingresses", name, {"status": {"loadBalancer": {
                "ingress": [{"ip": self.address}]}}}, namespace, subresource="status")
        except ApiError as error:
            self.ctx.log.warning("ingress.status_failed", ingress=f"{namespace}/{name}",
                                 code=error.code, message=str(error))
            return
        self.ctx.log.info("ingress.status_updated", ingress=f"{namespace}/{name}",
                          address=self.address)

    async def receive(self, message: Any) -> Any:
        if isinstance(message, InformerEvent):
            if message.kind == "IngressClass":
                for ingress in self.ingresses.list():  # membership may have changed
                    self._sync(ingress)
            elif message.type == "delete":
                meta = message.obj["metadata"]
                key = f"{meta.get('namespace', 'default')}/{meta['name']}"
                if self.served.pop(key, None) is not None:
                    self.routes.delete(meta.get("namespace", "default"), meta["name"])
                    self.ctx.log.info("ingress.dropped", ingress=key, reason="deleted")
            elif not message.resync:
                self._sync(message.obj)
            return None
        if isinstance(message, InformerSynced):
            return None
        if isinstance(message, Request):
            return await self.serve(message)
        return super().receive(message)

    # -- serving -----------------------------------------------------------------------------
    def _target(self, backend: Backend) -> tuple[str, int] | None:
        """The cluster IP and port of a backend's Service port, if it exists."""
        service = self.services.get(f"{backend.namespace}/{backend.service}")
        spec = (service or {}).get("spec") or {}
        for port in spec.get("ports") or ():
            if port.get("port") == backend.port or (port.get("name") or None) == backend.port:
                ip = spec.get("clusterIP")
                return (str(ip), int(port["port"])) if ip and ip != "None" else None
        return None

    def _pod_at(self, endpoint: Endpoint) -> str:
        for slice_ in self.slices.by_index(_ADDRESS_INDEX, endpoint.ip):
            for entry in slice_.get("endpoints") or ():
                ref = entry.get("targetRef") or {}
                if (entry.get("addresses") or [None])[0] == endpoint.ip and ref.get("name"):
                    return f"{ref.get('namespace')}/{ref['name']}"
        return ""

    async def serve(self, request: Request) -> Response:
        """Route one request: the rule, then kube-proxy's balancing and dataplane."""
        route = self.routes.match(request.host, request.path)
        response = await self._forward(request, route)
        fields: dict[str, Any] = {"host": request.host, "path": request.path,
                                  "status": response.text}
        if route:
            fields.update(ingress=route.ingress, backend=str(route.backend))
        if response.pod:
            fields["pod"] = response.pod
        if response.endpoint is not None:
            fields["to"] = str(response.endpoint)
        if response.reason:
            fields["reason"] = response.reason
        self.ctx.log.info("ingress.request", **fields)
        return response

    async def _forward(self, request: Request, route: RouteMatch) -> Response:
        if route.backend is None:
            return Response(404, route, reason="no rule matched: default backend")
        target = self._target(route.backend)
        if target is None:
            return Response(503, route, reason=f"no service port {route.backend}")
        proxy = self.proxy()
        if proxy is None:
            return Response(502, route, reason="no kube-proxy to hand the connection to")
        try:
            result = await self.ctx.remote(proxy).ask(
                Connect(target[0], target[1], client_ip=request.client_ip, peer=self.peer),
                timeout=5.0)
        except (AskTimeout, ActorStopped):
            return Response(502, route, reason="kube-proxy did not answer")
        if result:
            return Response(200, route, result.endpoint, self._pod_at(result.endpoint))
        if result.reason == REFUSED:
            return Response(504, route, reason=REFUSED)
        return Response(503, route, reason=result.reason or NO_ENDPOINTS)
