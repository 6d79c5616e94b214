"""kubectl and networking.k8s.io: `create ingress` (kubectl's imperative form, sent as
protobuf), the default IngressClass given by admission, `get ing,ingressclass,netpol` with
Kubernetes' columns, `describe ingress`, `explain`, and validation errors as kubectl
prints them.
The served cluster runs no ingress controller (its ADDRESS stays empty)."""

from __future__ import annotations

import json
from typing import Any

from test_kubectl import Served, cluster, kubectl, needs_kubectl  # noqa: F401 - the fixture

pytestmark = needs_kubectl

CLASS = """
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata:
  name: nginx
  annotations: {ingressclass.kubernetes.io/is-default-class: "true"}
spec:
  controller: k8s.io/ingress-nginx
"""
POLICY = """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web-from-frontend, namespace: netdemo}
spec:
  podSelector:
    matchLabels: {app: web}
  ingress:
  - from:
    - podSelector:
        matchLabels: {role: frontend}
    ports:
    - port: 80
"""


def get(served: Served, *what: str) -> Any:
    return json.loads(kubectl(served, "get", *what, "-o", "json").stdout)


def rows(served: Served, *what: str) -> list[list[str]]:
    return [line.split() for line in kubectl(served, "get", *what).stdout.splitlines()]


def test_ingresses_classes_and_policies_with_kubectl(cluster: Served) -> None:  # noqa: F811
    kubectl(cluster, "create", "namespace", "netdemo")
    kubectl(cluster, "apply", "-f", "-", stdin=CLASS)
    created = kubectl(cluster, "create", "ingress", "simple", "-n", "netdemo",
                      "--rule=foo.com/bar=svc1:8080,tls=my-cert")
    assert created.stdout.strip() == "ingress.networking.k8s.io/simple created"
    simple = get(cluster, "ingress", "simple", "-n", "netdemo")
    assert simple["spec"]["ingressClassName"] == "nginx"  # the default class, by admission
    assert simple["spec"]["rules"] == [{"host": "foo.com", "http": {"paths": [{
        "path": "/bar", "pathType": "Exact",
        "backend": {"service": {"name": "svc1", "port": {"number": 8080}}}}]}}]
    assert simple["spec"]["tls"] == [{"hosts": ["foo.com"], "secretName": "my-cert"}]
    kubectl(cluster, "create", "ingress", "catch", "-n", "netdemo", "--class=other",
            "--rule=/path*=svc:http", "--default-backend=defsvc:80")
    catch = get(cluster, "ing", "catch", "-n", "netdemo")
    assert catch["spec"]["ingressClassName"] == "other"
    assert catch["spec"]["rules"][0]["http"]["paths"][0] == {
        "path": "/path", "pathType": "Prefix",
        "backend": {"service": {"name": "svc", "port": {"name": "http"}}}}
    assert catch["spec"]["defaultBackend"] == {"service": {"name": "defsvc",
                                                           "port": {"number": 80}}}
    kubectl(cluster, "apply", "-f", "-", stdin=POLICY)
    policy = get(cluster, "netpol", "web-from-frontend", "-n", "netdemo")
    assert policy["spec"]["policyTypes"] == ["Ingress"]
    assert policy["spec"]["ingress"][0]["ports"] == [{"port": 80, "protocol": "TCP"}]

    table = rows(cluster, "ing,netpol", "-n", "netdemo")
    assert table[0] == ["NAME", "CLASS", "HOSTS", "ADDRESS", "PORTS", "AGE"]
    assert table[1][:4] == ["ingress.networking.k8s.io/catch", "other", "*", "80"]
    assert table[2][:5] == ["ingress.networking.k8s.io/simple", "nginx", "foo.com", "80,",
                            "443"]
    assert table[4] == ["NAME", "POD-SELECTOR", "AGE"]
    assert table[5][:2] == ["networkpolicy.networking.k8s.io/web-from-frontend", "app=web"]
    classes = rows(cluster, "ingressclass")
    assert classes[0] == ["NAME", "CONTROLLER", "PARAMETERS", "AGE"]
    assert classes[1][:3] == ["nginx", "k8s.io/ingress-nginx", "<none>"]

    described = kubectl(cluster, "describe", "ingress", "simple", "-n", "netdemo").stdout
    for line in ("Name:             simple", "Namespace:        netdemo",
                 "Ingress Class:    nginx", "TLS:", "my-cert terminates foo.com", "Rules:",
                 "foo.com", "/bar   svc1:8080"):
        assert line in described, described

    bad = kubectl(cluster, "create", "ingress", "bad", "-n", "netdemo",
                  "--rule=1.2.3.4/x=svc:80", check=False)
    assert bad.returncode == 1
    assert bad.stderr.strip() == (
        'error: failed to create ingress: Ingress.networking.k8s.io "bad" is invalid: '
        'spec.rules[0].host: Invalid value: "1.2.3.4": must be a DNS name, not an IP address')
    listed = kubectl(cluster, "api-resources", "--api-group=networking.k8s.io").stdout
    assert [line.split()[:2] for line in listed.splitlines()[1:]] == [
        ["ingressclasses", "networking.k8s.io/v1"], ["ingresses", "ing"],
        ["networkpolicies", "netpol"]]
    explained = kubectl(cluster, "explain", "ingress.spec.rules.http.paths.pathType").stdout
    assert "KIND:       Ingress" in explained and "FIELD: pathType <string>" in explained
    kubectl(cluster, "delete", "namespace", "netdemo", "--wait=false")
    kubectl(cluster, "delete", "ingressclass", "nginx")
