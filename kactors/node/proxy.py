"""kube-proxy's rule table, sans-I/O: which pod answers a connection to a Service.

Built from Services (``clusterIP``/``clusterIPs``, ``ports``, ``nodePort``,
``sessionAffinity``) and their Endpoints (ready ``addresses``, ``notReadyAddresses``,
``ports`` by name): every ``ClusterIP:port/protocol`` maps to the ready
``podIP:targetPort`` of its Endpoints, in a stable order. ``NodePort`` services are also
reachable on their node port (:meth:`ProxyTable.route_node_port`).

Balancing, chosen and documented: **random**, as in iptables mode. kube-proxy writes one
rule per endpoint, the i-th of n matching with probability ``1/(n-i)``
(``-m statistic --mode random``): a cascade that picks each endpoint with probability
``1/n``. :meth:`ProxyTable.route` draws that uniform choice from the caller's
``random.Random``, so routing is deterministic under a seed. ``mode="round-robin"``
(IPVS' default ``rr`` scheduler) is available too.

kube-proxy reads a Service's backends from its EndpointSlices
(:meth:`ProxyTable.update_endpoint_slices`, as kube-proxy does since Kubernetes 1.21);
Endpoints objects are still understood (:meth:`ProxyTable.update_endpoints`). From slices,
an endpoint is one address and a port of the same name and protocol; it takes traffic if
its ``ready`` condition is true (or unset). When *no* endpoint of a port is ready, the
ones that are ``serving`` and ``terminating`` take it instead (kube-proxy's fallback, so
connections keep landing while every pod of a rollout is shutting down); an endpoint
listed by two slices counts once.

``sessionAffinity: ClientIP`` pins a client IP to the endpoint it got first, for
``sessionAffinityConfig.clientIP.timeoutSeconds`` (default 10800 s) after its last use,
as long as that endpoint stays ready. A service without ready endpoints answers
``no endpoints`` (iptables' REJECT: "connection refused" at once); headless and
``ExternalName`` services have no rules.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import attrs

__all__ = ["REFUSED", "Endpoint", "ProxyTable", "RouteResult", "ServicePortRule"]

DEFAULT_AFFINITY_SECONDS = 10800.0
NO_ENDPOINTS = "no endpoints"
NO_SERVICE = "no service"
#: a NetworkPolicy of the source or of the destination refused the connection
REFUSED = "refused by NetworkPolicy"

BalanceMode = Literal["random", "round-robin"]


@attrs.frozen(order=True)
class Endpoint:
    """A pod address behind a service port."""

    ip: str
    port: int

    def __str__(self) -> str:
        return f"{self.ip}:{self.port}"


@attrs.frozen
class ServicePortRule:
    """One service port and where its traffic goes."""

    service: str  # namespace/name
    port_name: str
    cluster_ips: tuple[str, ...]
    port: int
    protocol: str
    node_port: int | None
    affinity_seconds: float | None  # None: no session affinity
    endpoints: tuple[Endpoint, ...]
    not_ready: tuple[Endpoint, ...]

    @property
    def label(self) -> str:
        """``namespace/name:port-name`` (``namespace/name`` for an unnamed port)."""
        return f"{self.service}:{self.port_name}" if self.port_name else self.service


@attrs.frozen
class RouteResult:
    """Where a connection goes: an endpoint, or why it goes nowhere.

    Truthy when an endpoint was chosen; ``reason`` is ``"no endpoints"`` (the service
    exists but nothing is ready), ``"no service"`` (nothing listens on that address) or
    ``"refused by NetworkPolicy"`` (the dataplane dropped it, see `kactors.node.kubeproxy`).
    """

    endpoint: Endpoint | None
    rule: ServicePortRule | None = None
    reason: str = ""

    def __bool__(self) -> bool:
        return self.endpoint is not None


def _key(namespace: str, name: str) -> str:
    return f"{namespace}/{name}"


def _meta(obj: Mapping[str, Any]) -> tuple[str, str]:
    metadata = obj.get("metadata") or {}
    return str(metadata.get("namespace") or "default"), str(metadata.get("name") or "")


class ProxyTable:
    """The service rules of one node's kube-proxy."""

    def __init__(self, mode: BalanceMode = "random") -> None:
        if mode not in ("random", "round-robin"):
            raise ValueError(f'mode must be "random" or "round-robin", not {mode!r}')
        self.mode = mode
        self._services: dict[str, Mapping[str, Any]] = {}
        self._endpoints: dict[str, Mapping[str, Any]] = {}
        #: service key -> its EndpointSlices (read instead of Endpoints when present)
        self._slices: dict[str, tuple[Mapping[str, Any], ...]] = {}
        self._rules: dict[tuple[str, int, str], ServicePortRule] = {}
        self._node_ports: dict[tuple[int, str], ServicePortRule] = {}
        self._next: dict[tuple[str, str], int] = {}  # round-robin positions
        self._affinity: dict[tuple[str, str, str], tuple[Endpoint, float]] = {}

    # -- updates -----------------------------------------------------------------------

    def update_service(self, service: Mapping[str, Any]) -> None:
        """Add or replace a Service."""
        self._services[_key(*_meta(service))] = service
        self._rebuild()

    def delete_service(self, namespace: str, name: str) -> None:
        if self._services.pop(_key(namespace, name), None) is not None:
            self._rebuild()

    def update_endpoints(self, endpoints: Mapping[str, Any]) -> None:
        """Add or replace an Endpoints object (named like its Service)."""
        self._endpoints[_key(*_meta(endpoints))] = endpoints
        self._rebuild()

    def delete_endpoints(self, namespace: str, name: str) -> None:
        if self._endpoints.pop(_key(namespace, name), None) is not None:
            self._rebuild()

    def update_endpoint_slices(self, namespace: str, service: str,
                               slices: Sequence[Mapping[str, Any]]) -> None:
        """Replace the EndpointSlices of a Service (none: forget them)."""
        key = _key(namespace, service)
        if slices:
            self._slices[key] = tuple(slices)
        elif self._slices.pop(key, None) is None:
            return
        self._rebuild()

    def _rebuild(self) -> None:
        rules: dict[tuple[str, int, str], ServicePortRule] = {}
        node_ports: dict[tuple[int, str], ServicePortRule] = {}
        for key in sorted(self._services):
            slices = self._slices.get(key)
            source = _SlicesSource(slices) if slices is not None else self._endpoints.get(key)
            for rule in _service_rules(key, self._services[key], source):
                for ip in rule.cluster_ips:
                    rules[ip, rule.port, rule.protocol] = rule
                if rule.node_port is not None:
                    node_ports[rule.node_port, rule.protocol] = rule
        self._rules, self._node_ports = rules, node_ports
        live = {(rule.label, str(e)) for rule in rules.values() for e in rule.endpoints}
        self._affinity = {
            key: value for key, value in self._affinity.items() if (key[0], str(value[0])) in live
        }

    # -- lookups -------------------------------------------------------------------------

    def rules(self) -> list[ServicePortRule]:
        """Every service port rule, by service and port."""
        unique = {(rule.label, rule.port, rule.protocol): rule for rule in self._rules.values()}
        unique.update({(r.label, r.port, r.protocol): r for r in self._node_ports.values()})
        return [unique[key] for key in sorted(unique)]

    def lookup(self, cluster_ip: str, port: int, protocol: str = "TCP") -> ServicePortRule | None:
        return self._rules.get((cluster_ip, port, protocol))

    def route(
        self,
        cluster_ip: str,
        port: int,
        rng: random.Random,
        *,
        protocol: str = "TCP",
        client_ip: str | None = None,
        now: float = 0.0,
    ) -> RouteResult:
        """The endpoint a new connection to ``cluster_ip:port`` reaches."""
        rule = self._rules.get((cluster_ip, port, protocol))
        if rule is None:
            return RouteResult(None, None, NO_SERVICE)
        return self._choose(rule, rng, client_ip, now)

    def route_node_port(
        self,
        node_port: int,
        rng: random.Random,
        *,
        protocol: str = "TCP",
        client_ip: str | None = None,
        now: float = 0.0,
    ) -> RouteResult:
        """The endpoint a connection to any node's ``node_port`` reaches."""
        rule = self._node_ports.get((node_port, protocol))
        if rule is None:
            return RouteResult(None, None, NO_SERVICE)
        return self._choose(rule, rng, client_ip, now)

    def _choose(
        self, rule: ServicePortRule, rng: random.Random, client_ip: str | None, now: float
    ) -> RouteResult:
        if not rule.endpoints:
            return RouteResult(None, rule, NO_ENDPOINTS)
        affinity_key = None
        if rule.affinity_seconds is not None and client_ip is not None:
            affinity_key = (rule.label, str(rule.port), client_ip)
            pinned = self._affinity.get(affinity_key)
            if pinned is not None and now - pinned[1] <= rule.affinity_seconds:
                self._affinity[affinity_key] = (pinned[0], now)
                return RouteResult(pinned[0], rule)
        if self.mode == "round-robin":
            position_key = (rule.label, str(rule.port))
            position = self._next.get(position_key, 0) % len(rule.endpoints)
            self._next[position_key] = position + 1
            endpoint = rule.endpoints[position]
        else:
            endpoint = rule.endpoints[rng.randrange(len(rule.endpoints))]
        if affinity_key is not None:
            self._affinity[affinity_key] = (endpoint, now)
        return RouteResult(endpoint, rule)

    def describe(self) -> list[str]:
        """The table as readable lines, one per service port::

            default/web:http 10.96.0.10:80/TCP -> 10.244.1.2:8080, 10.244.2.3:8080 (random)
            default/db 10.96.0.11:5432/TCP -> no endpoints (reject)
        """
        lines = []
        for rule in self.rules():
            address = ", ".join(f"{ip}:{rule.port}" for ip in rule.cluster_ips)
            if rule.node_port is not None:
                address += f", *:{rule.node_port}"
            target = ", ".join(str(e) for e in rule.endpoints)
            if rule.endpoints:
                how = self.mode + (
                    f", ClientIP affinity {rule.affinity_seconds:g}s"
                    if rule.affinity_seconds is not None else ""
                )
                text = f"{rule.label} {address}/{rule.protocol} -> {target} ({how})"
            else:
                text = f"{rule.label} {address}/{rule.protocol} -> {NO_ENDPOINTS} (reject)"
            if rule.not_ready:
                text += f" [not ready: {', '.join(str(e) for e in rule.not_ready)}]"
            lines.append(text)
        return lines


@attrs.frozen
class _SlicesSource:
    """A Service's EndpointSlices, where `_service_rules` would take its Endpoints."""

    slices: tuple[Mapping[str, Any], ...]


def _service_rules(
    key: str, service: Mapping[str, Any], endpoints: Mapping[str, Any] | _SlicesSource | None
) -> list[ServicePortRule]:
    spec = service.get("spec") or {}
    if spec.get("type") == "ExternalName":
        return []
    cluster_ips = [str(ip) for ip in spec.get("clusterIPs") or () if ip and ip != "None"]
    primary = spec.get("clusterIP")
    if primary and primary != "None" and primary not in cluster_ips:
        cluster_ips.insert(0, str(primary))
    if not cluster_ips:
        return []  # headless: DNS only, no virtual IP
    affinity: float | None = None
    if spec.get("sessionAffinity") == "ClientIP":
        config = ((spec.get("sessionAffinityConfig") or {}).get("clientIP") or {})
        timeout = config.get("timeoutSeconds")
        affinity = float(timeout) if isinstance(timeout, int) and timeout > 0 else DEFAULT_AFFINITY_SECONDS
    rules = []
    for port in spec.get("ports") or ():
        if not isinstance(port, Mapping) or not isinstance(port.get("port"), int):
            continue
        name = str(port.get("name") or "")
        protocol = str(port.get("protocol") or "TCP")
        ready, not_ready = (_slice_endpoints_for(endpoints.slices, name, protocol)
                            if isinstance(endpoints, _SlicesSource)
                            else _endpoints_for(endpoints, name, protocol))
        node_port = port.get("nodePort") if spec.get("type") in ("NodePort", "LoadBalancer") else None
        rules.append(ServicePortRule(
            key, name, tuple(cluster_ips), port["port"], protocol,
            node_port if isinstance(node_port, int) else None, affinity, ready, not_ready,
        ))
    return rules


def _endpoints_for(
    endpoints: Mapping[str, Any] | None, port_name: str, protocol: str
) -> tuple[tuple[Endpoint, ...], tuple[Endpoint, ...]]:
    ready: set[Endpoint] = set()
    not_ready: set[Endpoint] = set()
    for subset in (endpoints or {}).get("subsets") or ():
        if not isinstance(subset, Mapping):
            continue
        for port in subset.get("ports") or ():
            if not isinstance(port, Mapping) or not isinstance(port.get("port"), int):
                continue
            if str(port.get("name") or "") != port_name:
                continue
            if str(port.get("protocol") or "TCP") != protocol:
                continue
            for field, into in (("addresses", ready), ("notReadyAddresses", not_ready)):
                for address in subset.get(field) or ():
                    if isinstance(address, Mapping) and address.get("ip"):
                        into.add(Endpoint(str(address["ip"]), port["port"]))
    return tuple(sorted(ready)), tuple(sorted(not_ready - ready))


def _slice_endpoints_for(
    slices: Sequence[Mapping[str, Any]], port_name: str, protocol: str
) -> tuple[tuple[Endpoint, ...], tuple[Endpoint, ...]]:
    """(endpoints taking traffic, the others) of one service port, from its slices:
    kube-proxy's `EndpointSliceCache` (first address, deduplicated, slices by name) and
    `CategorizeEndpoints` (ready ones; if none, the serving terminating ones)."""
    seen: dict[Endpoint, tuple[bool, bool, bool]] = {}
    ordered = sorted(slices, key=lambda s: str((s.get("metadata") or {}).get("name") or ""))
    for slice_ in ordered:
        for port in slice_.get("ports") or ():
            if not isinstance(port, Mapping) or str(port.get("name") or "") != port_name:
                continue
            number = port.get("port")
            if str(port.get("protocol") or "TCP") != protocol or not isinstance(number, int) \
                    or not number:
                continue
            for endpoint in slice_.get("endpoints") or ():
                addresses = endpoint.get("addresses") if isinstance(endpoint, Mapping) else None
                if not addresses:
                    continue
                conditions = endpoint.get("conditions") or {}
                key = Endpoint(str(addresses[0]), number)
                seen.setdefault(key, (conditions.get("ready") is not False,
                                      conditions.get("serving") is not False,
                                      conditions.get("terminating") is True))
    ready = {e for e, (is_ready, _, _) in seen.items() if is_ready}
    if not ready:
        ready = {e for e, (_, serving, terminating) in seen.items() if serving and terminating}
    return tuple(sorted(ready)), tuple(sorted(set(seen) - ready))
