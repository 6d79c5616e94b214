"""The ``kubernetes`` Service in ``default``: how pods find the apiserver.

kube-apiserver's bootstrap controller (``pkg/controlplane/controller/kubernetesservice``)
keeps a Service ``default/kubernetes`` with the *first* address of the service CIDR as its
ClusterIP (10.96.0.1 for 10.96.0.0/12) and port 443 named ``https``, and, since that
Service has no selector, writes its Endpoints itself: the apiserver's advertised address
and secure port (6443). In-cluster clients (client-go's ``InClusterConfig``) reach the
apiserver at ``https://kubernetes.default.svc``, through kube-proxy's rules for it.

Since kube-proxy reads EndpointSlices, the apiserver's endpoints adapter
(``pkg/controlplane/reconcilers/endpointsadapter.go``) also writes the EndpointSlice
``default/kubernetes`` (labelled with the Service name only), and marks the Endpoints
``endpointslice.kubernetes.io/skip-mirror`` so the mirroring controller leaves it alone.

Here the apiserver creates all three at bootstrap when they are missing, as every other
object a cluster starts with (sans-I/O: these functions only build them).
"""

from __future__ import annotations

import ipaddress
from typing import Any

__all__ = ["KUBERNETES_SERVICE", "first_service_ip", "kubernetes_service_objects"]

KUBERNETES_SERVICE = "kubernetes"
#: what kube-apiserver labels its Service and Endpoints with
_LABELS = {"component": "apiserver", "provider": "kubernetes"}


def first_service_ip(service_cidr: str) -> str:
    """The first address of the service range: the kubernetes Service's ClusterIP."""
    network = ipaddress.ip_network(service_cidr, strict=False)
    return str(network.network_address + 1)


def kubernetes_service_objects(service_cidr: str, address: str, port: int = 6443
                               ) -> list[dict[str, Any]]:
    """The Service ``default/kubernetes`` (ClusterIP: the first service address, port
    443 -> ``port``), its Endpoints (``address:port``) and its EndpointSlice, in the
    order to create them."""
    ip = first_service_ip(service_cidr)
    service = {
        "apiVersion": "v1", "kind": "Service",
        "metadata": {"name": KUBERNETES_SERVICE, "namespace": "default",
                     "labels": dict(_LABELS)},
        "spec": {"type": "ClusterIP", "clusterIP": ip, "clusterIPs": [ip],
                 "sessionAffinity": "None",
                 "ports": [{"name": "https", "protocol": "TCP", "port": 443,
                            "targetPort": port}]},
    }
    endpoints = {
        "apiVersion": "v1", "kind": "Endpoints",
        "metadata": {"name": KUBERNETES_SERVICE, "namespace": "default",
                     "labels": {"endpointslice.kubernetes.io/skip-mirror": "true"}},
        "subsets": [{"addresses": [{"ip": address}],
                     "ports": [{"name": "https", "port": port, "protocol": "TCP"}]}],
    }
    address_type = "IPv6" if ":" in address else "IPv4"
    endpoint_slice = {
        "apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
        "metadata": {"name": KUBERNETES_SERVICE, "namespace": "default",
                     "labels": {"kubernetes.io/service-name": KUBERNETES_SERVICE}},
        "addressType": address_type,
        "endpoints": [{"addresses": [address], "conditions": {"ready": True}}],
        "ports": [{"name": "https", "port": port, "protocol": "TCP"}],
    }
    return [service, endpoints, endpoint_slice]
