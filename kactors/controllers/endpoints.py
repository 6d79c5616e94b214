"""The Endpoints controller: the addresses of the pods behind every Service.

After Kubernetes' `pkg/controller/endpoint/endpoints_controller.go`. For a Service with a
selector, the Endpoints object of the same name lists, for every pod of the namespace the
selector matches:

* nothing if the pod has no IP yet, is terminal (Succeeded / Failed) or is being deleted
  (unless the Service `publishNotReadyAddresses`);
* its address under `addresses` if it is Ready (or the Service publishes not-ready
  addresses), under `notReadyAddresses` otherwise: `ip` (the pod IP of the Service's IP
  family), `nodeName`, `targetRef` to the pod, and `hostname` for a pod whose
  `subdomain` is the Service's name;
* once per Service port, with the port number resolved from the port's `targetPort`: a
  number as is, a name looked up among the pod's container ports (`podutil.find_port`);
  a pod without that named port is left out of that port.

Subsets are then "repacked" as Kubernetes does: addresses that offer the same ports end up
in one subset, sorted. The Endpoints carries the Service's labels (plus
`service.kubernetes.io/headless` for a headless Service); it is written only when its
subsets or labels change, and deleted with the Service. Services without a selector (their
Endpoints are written by hand) and ExternalName Services are left alone.

Pod events are mapped to the Services selecting the pod (before and after a label change);
a change that cannot move an address (say, an annotation) maps to nothing.

Left out: the `endpoints.kubernetes.io/last-change-trigger-time` annotation, truncation to
1000 addresses (`endpoints.kubernetes.io/over-capacity`), and the start-up sweep that
deletes Endpoints whose Service no longer exists.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from kactors.api.labels import selector_from_set
from kactors.api.meta import metadata_of as _meta
from kactors.client.errors import NotFound
from kactors.client.indexer import Lister
from kactors.client.informer import DELETE, UPDATE, InformerEvent
from kactors.client.result import Result
from kactors.controllers.base import Controller
from kactors.controllers.podutil import find_port, is_pod_ready, is_pod_terminal

__all__ = [
    "HEADLESS_LABEL",
    "EndpointsController",
    "desired_subsets",
    "pod_ip_of_family",
    "repack_subsets",
    "selects",
    "service_selector",
    "services_for_pod_event",
    "should_pod_be_in_endpoints",
    "should_set_hostname",
]

Obj = Mapping[str, Any]
#: `v1.IsHeadlessService`: set on the Endpoints of a Service without a cluster IP
HEADLESS_LABEL = "service.kubernetes.io/headless"




def service_selector(service: Obj) -> Mapping[str, str] | None:
    """The Service's selector, None when it has none (an empty one counts as none)."""
    selector = (service.get("spec") or {}).get("selector")
    return selector or None


def selects(service: Obj, pod: Obj) -> bool:
    """`GetPodServiceMemberships`: the Service selects the pod (same namespace)."""
    selector = service_selector(service)
    if selector is None or _meta(service).get("namespace") != _meta(pod).get("namespace"):
        return False
    labels = _meta(pod).get("labels") or {}
    return all(labels.get(k) == v for k, v in selector.items())


def _services_of(pod: Obj, services: Sequence[Obj]) -> list[str]:
    """The keys of those of `services` that select `pod`."""
    return [f"{_meta(service).get('namespace', '')}/{_meta(service)['name']}"
            for service in services if selects(service, pod)]


# -- pure: what the Endpoints should say ---------------------------------------------------------
def should_pod_be_in_endpoints(pod: Obj, include_terminating: bool) -> bool:
    """`ShouldPodBeInEndpoints`: not terminal, has an IP, not being deleted (unless
    `include_terminating`)."""
    if is_pod_terminal(pod):
        return False
    status = pod.get("status") or {}
    if not status.get("podIP") and not status.get("podIPs"):
        return False
    return include_terminating or not _meta(pod).get("deletionTimestamp")


def pod_ip_of_family(pod: Obj, family: str) -> str | None:
    """The pod's first IP of `family` ("IPv4" or "IPv6"), from `podIPs` (else `podIP`)."""
    status = pod.get("status") or {}
    ips = [entry.get("ip") for entry in status.get("podIPs") or [] if entry.get("ip")]
    if not ips and status.get("podIP"):
        ips = [status["podIP"]]
    want_v6 = family == "IPv6"
    for ip in ips:
        if (":" in ip) == want_v6:
            return ip
    return None


def _pod_ip(service: Obj, pod: Obj) -> str | None:
    """The pod's IP of the Service's (first) IP family."""
    families = (service.get("spec") or {}).get("ipFamilies") or ["IPv4"]
    return pod_ip_of_family(pod, families[0])


def should_set_hostname(service: Obj, pod: Obj) -> bool:
    """`ShouldSetHostname`: the pod has a hostname and lives in the Service's subdomain
    (so DNS gives it a name under the Service)."""
    spec = pod.get("spec") or {}
    return bool(spec.get("hostname")) and spec.get("subdomain") == _meta(service).get("name") \
        and _meta(service).get("namespace") == _meta(pod).get("namespace")


def endpoint_address(service: Obj, pod: Obj) -> dict[str, Any] | None:
    """`podToEndpointAddressForService` (+ the hostname of a pod in the Service's
    subdomain); None if the pod has no IP of the Service's family."""
    ip = _pod_ip(service, pod)
    if ip is None:
        return None
    meta = _meta(pod)
    spec = pod.get("spec") or {}
    address: dict[str, Any] = {"ip": ip}
    if should_set_hostname(service, pod):
        address["hostname"] = spec["hostname"]
    if spec.get("nodeName"):
        address["nodeName"] = spec["nodeName"]
    address["targetRef"] = {"kind": "Pod", "namespace": meta.get("namespace"),
                            "name": meta.get("name"), "uid": meta.get("uid")}
    return address


def _endpoint_port(service_port: Mapping[str, Any], number: int) -> dict[str, Any]:
    port: dict[str, Any] = {}
    if service_port.get("name"):
        port["name"] = service_port["name"]
    port["port"] = number
    port["protocol"] = service_port.get("protocol") or "TCP"
    if service_port.get("appProtocol"):
        port["appProtocol"] = service_port["appProtocol"]
    return port


def desired_subsets(service: Obj, pods: Sequence[Obj]) -> list[dict[str, Any]]:
    """The Endpoints subsets for `service` and the pods its selector matches."""
    spec = service.get("spec") or {}
    publish_not_ready = bool(spec.get("publishNotReadyAddresses"))
    subsets: list[dict[str, Any]] = []
    for pod in pods:
        if not should_pod_be_in_endpoints(pod, publish_not_ready):
            continue
        address = endpoint_address(service, pod)
        if address is None:
            continue
        field = "addresses" if publish_not_ready or is_pod_ready(pod) else "notReadyAddresses"
        ports = spec.get("ports") or []
        if not ports:
            if spec.get("clusterIP") == "None":  # a headless Service may have no ports
                subsets.append({field: [address], "ports": []})
            continue
        for service_port in ports:
            number = find_port(pod, service_port)
            if number is None:
                continue
            subsets.append({field: [address], "ports": [_endpoint_port(service_port, number)]})
    return repack_subsets(subsets)


def _port_key(port: Mapping[str, Any]) -> tuple[Any, ...]:
    return (port.get("name") or "", int(port.get("port", -1)), port.get("protocol") or "TCP",
            port.get("appProtocol") or "")


def _address_key(address: Mapping[str, Any]) -> tuple[str, str]:
    return (str(address.get("ip")), str((address.get("targetRef") or {}).get("uid") or ""))


def repack_subsets(subsets: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """`endpoints.RepackSubsets`: regroup addresses so that each subset holds exactly
    the addresses offering the same ports (an address ready for one port and not for
    another counts as ready), then sort: addresses by IP then uid, ports by name, number,
    protocol, subsets by their first addresses."""
    addresses: dict[tuple[str, str], Mapping[str, Any]] = {}
    by_port: dict[tuple[Any, ...], tuple[Mapping[str, Any] | None, dict[tuple[str, str], bool]]] = {}
    for subset in subsets:
        ports = subset.get("ports") or [None]  # no ports: a sentinel keeps the addresses
        for port in ports:
            key = _port_key(port) if port is not None else ("", -1, "", "")
            _, ready_of = by_port.setdefault(key, (port, {}))
            for field, ready in (("addresses", True), ("notReadyAddresses", False)):
                for address in subset.get(field) or []:
                    akey = _address_key(address)
                    addresses.setdefault(akey, address)
                    if not ready_of.get(akey):
                        ready_of[akey] = ready
    groups: dict[tuple[tuple[tuple[str, str], bool], ...],
                 list[Mapping[str, Any] | None]] = {}
    for port, ready_of in by_port.values():
        group = tuple(sorted(ready_of.items()))
        groups.setdefault(group, []).append(port)
    final: list[dict[str, Any]] = []
    for group, ports in groups.items():
        subset: dict[str, Any] = {}
        ready = [dict(addresses[k]) for k, is_ready in group if is_ready]
        not_ready = [dict(addresses[k]) for k, is_ready in group if not is_ready]
        if ready:
            subset["addresses"] = ready
        if not_ready:
            subset["notReadyAddresses"] = not_ready
        real_ports = sorted((dict(p) for p in ports if p is not None), key=_port_key)
        if real_ports:
            subset["ports"] = real_ports
        final.append(subset)

    def subset_key(subset: Mapping[str, Any]) -> tuple[Any, ...]:
        first = (subset.get("addresses") or subset.get("notReadyAddresses") or [{}])[0]
        return (_address_key(first), [_port_key(p) for p in subset.get("ports") or []])

    return sorted(final, key=subset_key)


def endpoints_labels(service: Obj) -> dict[str, str]:
    """The Service's labels, plus the headless label for a Service without a cluster IP."""
    labels = dict(_meta(service).get("labels") or {})
    cluster_ip = (service.get("spec") or {}).get("clusterIP")
    if not cluster_ip or cluster_ip == "None":
        labels[HEADLESS_LABEL] = ""
    else:
        labels.pop(HEADLESS_LABEL, None)
    return labels


def _pod_changed(old: Obj, new: Obj) -> tuple[bool, bool]:
    """`podEndpointsChanged`: (a change that moves its address, its labels or hostname
    changed)."""
    old_spec, new_spec = old.get("spec") or {}, new.get("spec") or {}
    labels_changed = _meta(old).get("labels") != _meta(new).get("labels") or \
        old_spec.get("hostname") != new_spec.get("hostname") or \
        old_spec.get("subdomain") != new_spec.get("subdomain")
    old_status, new_status = old.get("status") or {}, new.get("status") or {}
    changed = _meta(old).get("deletionTimestamp") != _meta(new).get("deletionTimestamp") or \
        is_pod_ready(old) != is_pod_ready(new) or \
        is_pod_terminal(old) != is_pod_terminal(new) or \
        old_status.get("podIP") != new_status.get("podIP") or \
        [i.get("ip") for i in old_status.get("podIPs") or []] != \
        [i.get("ip") for i in new_status.get("podIPs") or []] or \
        old_spec.get("nodeName") != new_spec.get("nodeName")
    return changed, labels_changed


def services_for_pod_event(services: Lister, event: InformerEvent) -> list[str]:
    """`GetServicesToUpdateOnPodChange`: the keys of the Services a pod event concerns
    (those selecting the pod, before and after a label change), shared by the controllers
    that follow pods behind Services (Endpoints, EndpointSlices).

    The Services of the pod's namespace that select pods are listed once per event (a pod
    never changes namespace): none, as in most namespaces, means nothing to do, which
    keeps pod churn cheap where no Service looks.
    """
    pod, old = event.obj, event.old
    candidates = [service for service in services.list(_meta(pod).get("namespace", ""))
                  if service_selector(service) is not None]
    if not candidates:
        return []
    if event.type == UPDATE and old is not None:
        if _meta(pod).get("resourceVersion") == _meta(old).get("resourceVersion"):
            return []
        changed, labels_changed = _pod_changed(old, pod)
        if not changed and not labels_changed:
            return []
        now = _services_of(pod, candidates)
        if not labels_changed:
            return now
        before = _services_of(old, candidates)
        if changed:
            return [*now, *(k for k in before if k not in now)]
        return [*(k for k in now if k not in before), *(k for k in before if k not in now)]
    return _services_of(pod, candidates)


# -- the controller ---------------------------------------------------------------------------------
class EndpointsController(Controller):
    """Keeps every selector Service's Endpoints listing its pods' addresses."""

    watches = "v1/Service"
    owns: ClassVar[Sequence[str]] = ()
    workers = 5
    component = "endpoint-controller"

    async def setup(self) -> None:
        await self.informer("v1/Pod")
        await self.informer("v1/Endpoints")
        self.pods = self.lister("v1/Pod")
        self.endpoints = self.lister("v1/Endpoints")

    def map_event(self, event: InformerEvent) -> list[str]:
        if event.kind == self.kind:
            return [event.key]
        if event.kind == "Endpoints":
            # deleted by someone else: write it again (if its Service still selects pods)
            return [event.key] if event.type == DELETE else []
        if event.kind != "Pod":
            return []
        return services_for_pod_event(self.cache, event)

    async def reconcile(self, key: str) -> Result | None:
        namespace, _, name = key.rpartition("/")
        service = self.cache.get(key)
        if service is None:
            # the Service is gone: so are its Endpoints
            try:
                await self.client.delete("v1/Endpoints", name, namespace)
            except NotFound:
                pass
            return None
        spec = service.get("spec") or {}
        if spec.get("type") == "ExternalName" or service_selector(service) is None:
            return None  # no endpoints from this controller
        pods = self.pods.list(namespace, selector_from_set(service_selector(service) or {}))
        subsets = desired_subsets(service, pods)
        labels = endpoints_labels(service)
        current = self.endpoints.get(key)
        if current is not None and (current.get("subsets") or []) == subsets and \
                (_meta(current).get("labels") or {}) == labels:
            return None  # nothing new: no write
        if current is None:
            endpoints: dict[str, Any] = {"apiVersion": "v1", "kind": "Endpoints",
                                         "metadata": {"name": name, "namespace": namespace}}
        else:
            endpoints = {**current, "metadata": dict(_meta(current))}
        endpoints["metadata"]["labels"] = labels
        if subsets:
            endpoints["subsets"] = subsets
        else:
            endpoints.pop("subsets", None)
        self.ctx.log.info("endpoints.update", service=key,
                          ready=sum(len(s.get("addresses") or []) for s in subsets),
                          not_ready=sum(len(s.get("notReadyAddresses") or []) for s in subsets))
        try:
            if current is None:
                await self.client.create(endpoints)
            else:
                await self.client.update(endpoints)
        except Exception as error:
            if current is None:
                self.record_event(endpoints, "Warning", "FailedToCreateEndpoint",
                                  f"Failed to create endpoint for service {key}: {error}")
            else:
                self.record_event(endpoints, "Warning", "FailedToUpdateEndpoint",
                                  f"Failed to update endpoint {key}: {error}")
            raise
        return None
