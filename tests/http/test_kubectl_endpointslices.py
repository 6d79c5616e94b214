"""EndpointSlices with kubectl v1.32: `get endpointslices` (Kubernetes' columns),
`describe endpointslice` and `describe service` (which reads the Service's slices), against
`kactors run --api-port 0 --https` as in test_kubectl.py; `explain` from the OpenAPI. Waits are `kubectl rollout
status` and `kubectl wait`, each with a deadline."""

from __future__ import annotations

import json
from typing import Any

from test_kubectl import Served, cluster, kubectl, needs_kubectl  # noqa: F401 - the fixture

pytestmark = needs_kubectl

SELECT = "kubernetes.io/service-name=sliced"


def test_get_and_describe_endpointslices(cluster: Served) -> None:  # noqa: F811
    kubectl(cluster, "create", "deployment", "sliced", "--image=nginx:1.27", "--replicas=2",
            "--port=80")
    kubectl(cluster, "expose", "deployment", "sliced", "--port=8080", "--target-port=80")
    kubectl(cluster, "rollout", "status", "deployment/sliced", "--timeout=60s")
    kubectl(cluster, "wait", "endpointslice", "-l", SELECT,
            "--for=jsonpath={.endpoints[1].conditions.ready}=true", "--timeout=60s")
    listed: dict[str, Any] = json.loads(
        kubectl(cluster, "get", "endpointslices", "-l", SELECT, "-o", "json").stdout)
    (slice_,) = listed["items"]
    name = slice_["metadata"]["name"]
    assert name.startswith("sliced-") and len(name) == len("sliced-") + 5
    assert slice_["metadata"]["labels"]["endpointslice.kubernetes.io/managed-by"] == \
        "endpointslice-controller.k8s.io"
    ips = sorted(e["addresses"][0] for e in slice_["endpoints"])
    pods = json.loads(kubectl(cluster, "get", "pods", "-l", "app=sliced", "-o", "json").stdout)
    assert ips == sorted(p["status"]["podIP"] for p in pods["items"])

    table = kubectl(cluster, "get", "endpointslices", "-l", SELECT).stdout.splitlines()
    assert table[0].split() == ["NAME", "ADDRESSTYPE", "PORTS", "ENDPOINTS", "AGE"]
    row = table[1].split()
    assert row[:3] == [name, "IPv4", "80"] and sorted(row[3].split(",")) == ips

    described = kubectl(cluster, "describe", "endpointslice", name).stdout
    for line in (f"Name:         {name}", "AddressType:  IPv4", "Endpoints:",
                 "<unset>  80    TCP", "Events:         <none>"):
        assert line in described, described
    assert described.count("Ready:    true") == 2, described
    assert described.count("TargetRef:  Pod/sliced-") == 2, described
    assert {f"Addresses:  {ip}" for ip in ips} <= {
        line.strip(" -") for line in described.splitlines()}, described

    service = kubectl(cluster, "describe", "service", "sliced").stdout
    endpoints_line = next(line for line in service.splitlines() if line.startswith("Endpoints:"))
    assert sorted(endpoints_line.split()[1].split(",")) == sorted(f"{ip}:80" for ip in ips)

    explained = kubectl(cluster, "explain", "endpointslice.endpoints.conditions").stdout
    assert "GROUP:      discovery.k8s.io" in explained and "serving\t<boolean>" in explained, \
        explained

    # the Service gone: its slices too (the garbage collector follows the owner reference)
    kubectl(cluster, "delete", "service", "sliced")
    kubectl(cluster, "wait", "endpointslice", name, "--for=delete", "--timeout=60s")
    kubectl(cluster, "delete", "deployment", "sliced")
