"""The `kubernetes` Service in `default`, created by the apiserver as Kubernetes' bootstrap
controller does: the first service address, port 443 to the apiserver's 6443."""

from __future__ import annotations

from typing import Any

import trio

from kactors.apiserver.kubernetesservice import first_service_ip, kubernetes_service_objects

from .conftest import control_plane


def test_the_service_takes_the_first_address_of_the_range() -> None:
    assert first_service_ip("10.96.0.0/12") == "10.96.0.1"
    assert first_service_ip("10.100.0.0/16") == "10.100.0.1"
    service, endpoints, slice_ = kubernetes_service_objects("10.96.0.0/12", "10.0.255.100")
    assert service["spec"]["ports"] == [{"name": "https", "protocol": "TCP", "port": 443,
                                         "targetPort": 6443}]
    assert "selector" not in service["spec"]  # its Endpoints are the apiserver's to write
    assert endpoints["subsets"] == [{"addresses": [{"ip": "10.0.255.100"}],
                                     "ports": [{"name": "https", "port": 6443,
                                                "protocol": "TCP"}]}]
    # kube-proxy reads the slice; the mirroring controller must leave the Endpoints alone
    assert endpoints["metadata"]["labels"] == {"endpointslice.kubernetes.io/skip-mirror": "true"}
    assert slice_["metadata"]["labels"] == {"kubernetes.io/service-name": "kubernetes"}
    assert (slice_["addressType"], slice_["endpoints"], slice_["ports"]) == (
        "IPv4", [{"addresses": ["10.0.255.100"], "conditions": {"ready": True}}],
        [{"name": "https", "port": 6443, "protocol": "TCP"}])


async def test_the_apiserver_creates_it_and_other_services_get_other_addresses(
        autojump_clock: Any) -> None:
    async with control_plane() as env:
        await trio.sleep(1)
        service = await env.call(lambda c: c.get("services", "kubernetes", "default"))
        assert service["spec"]["clusterIP"] == "10.96.0.1"
        assert service["metadata"]["labels"] == {"component": "apiserver",
                                                 "provider": "kubernetes"}
        endpoints = await env.call(lambda c: c.get("endpoints", "kubernetes", "default"))
        assert endpoints["subsets"][0]["addresses"] == [{"ip": "10.0.255.100"}]
        slice_ = await env.call(lambda c: c.get("endpointslices", "kubernetes", "default"))
        assert slice_["endpoints"][0]["addresses"] == ["10.0.255.100"]
        web = await env.call(lambda c: c.create(
            {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
             "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]}}, "default"))
        assert web["spec"]["clusterIP"] not in ("", "10.96.0.1")
