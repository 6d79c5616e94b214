"""networking.k8s.io/v1 kinds: validation (Kubernetes' messages), defaults, the
DefaultIngressClass admission plugin and the kubectl columns, without an event loop."""

from __future__ import annotations

import datetime
from typing import Any

from kactors.api.defaults import apply_defaults
from kactors.api.kinds import DEFAULT_REGISTRY
from kactors.api.objvalidation import validate_create, validate_update
from kactors.apiserver.http.tables import to_table
from kactors.apiserver.ingressclass import admit_ingress_class, default_ingress_class

GROUP = "networking.k8s.io"


def errors(obj: dict[str, Any], old: dict[str, Any] | None = None) -> list[str]:
    info = DEFAULT_REGISTRY.for_object(obj)
    found = validate_create(obj, info) if old is None else validate_update(obj, old, info)
    return [str(error) for error in found]


def ingress(spec: dict[str, Any], **meta: Any) -> dict[str, Any]:
    return {"apiVersion": f"{GROUP}/v1", "kind": "Ingress",
            "metadata": {"name": "web", "namespace": "default", **meta}, "spec": spec}


def backend(service: str = "web", **port: Any) -> dict[str, Any]:
    return {"service": {"name": service, "port": port or {"number": 80}}}


def paths(*entries: dict[str, Any], host: str = "example.com") -> dict[str, Any]:
    return {"rules": [{"host": host, "http": {"paths": list(entries)}}]}


def test_ingress_validation_speaks_kubernetes() -> None:
    assert errors(ingress(paths({"path": "/", "pathType": "Prefix", "backend": backend()}))) \
        == []
    assert errors(ingress({})) == [
        "spec: Invalid value: null: either `defaultBackend` or `rules` must be specified"]
    assert errors(ingress(paths({"path": "/a/../b", "pathType": "Exact", "backend": backend()},
                                {"path": "x", "pathType": "Prefix", "backend": backend()},
                                {"path": "/", "backend": backend()},
                                {"path": "/", "pathType": "Regex", "backend": backend()}))) == [
        "spec.rules[0].http.paths[0].path: Invalid value: \"/a/../b\": must not contain '/../'",
        "spec.rules[0].http.paths[1].path: Invalid value: \"x\": must be an absolute path",
        "spec.rules[0].http.paths[2].pathType: Required value: pathType must be specified",
        "spec.rules[0].http.paths[3].pathType: Unsupported value: \"Regex\": supported "
        "values: \"Exact\", \"ImplementationSpecific\", \"Prefix\""]
    assert errors(ingress(paths({"path": "/", "pathType": "Prefix", "backend": {}},
                                {"path": "/", "pathType": "Prefix",
                                 "backend": backend("Web")},
                                {"path": "/", "pathType": "Prefix",
                                 "backend": {"service": {"name": "web", "port": {}}}},
                                {"path": "/", "pathType": "Prefix", "backend": backend(
                                    number=80, name="http")}))) == [
        "spec.rules[0].http.paths[0].backend: Invalid value: \"\": resource or service "
        "backend is required",
        "spec.rules[0].http.paths[1].backend.service.name: Invalid value: \"Web\": a DNS-1035 "
        "label must consist of lower case alphanumeric characters or '-', start with an "
        "alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or "
        "'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
        "spec.rules[0].http.paths[2].backend: Required value: port name or number is required",
        "spec.rules[0].http.paths[3].backend: Invalid value: \"\": cannot set both port name "
        "& port number"]
    host_errors = errors(ingress(paths({"path": "/", "pathType": "Prefix",
                                        "backend": backend()}, host="10.0.0.1")))
    assert host_errors == ["spec.rules[0].host: Invalid value: \"10.0.0.1\": must be a DNS "
                           "name, not an IP address"]
    wildcard = errors(ingress(paths({"path": "/", "pathType": "Prefix", "backend": backend()},
                                    host="foo.*.com")))
    assert wildcard == ["spec.rules[0].host: Invalid value: \"foo.*.com\": a wildcard DNS-1123 "
                        "subdomain must start with '*.', followed by a valid DNS subdomain, "
                        "which must consist of lower case alphanumeric characters, '-' or '.' "
                        "and end with an alphanumeric character (e.g. '*.example.com', regex "
                        "used for validation is '\\*\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]"
                        "([-a-z0-9]*[a-z0-9])?)*')"]
    assert errors(ingress(paths({"path": "/", "pathType": "Prefix", "backend": backend()},
                                host="*.example.com"))) == []
    mismatch = ingress({"ingressClassName": "nginx", "defaultBackend": backend()},
                       annotations={"kubernetes.io/ingress.class": "traefik"})
    assert errors(mismatch) == ["annotations.kubernetes.io/ingress.class: Invalid value: "
                                "\"traefik\": must match `ingressClassName` when both are "
                                "specified"]


def test_ingress_class_and_network_policy_validation() -> None:
    cls = {"apiVersion": f"{GROUP}/v1", "kind": "IngressClass",
           "metadata": {"name": "nginx", "resourceVersion": "5"},
           "spec": {"controller": "k8s.io/ingress-nginx"}}
    assert errors(cls) == []
    assert errors({**cls, "spec": {"controller": "nginx"}}) == [
        "spec.controller: Invalid value: \"nginx\": must be a domain-prefixed path (such as "
        "\"acme.io/foo\")"]
    assert errors({**cls, "spec": {"controller": "example.com/other"}}, old=cls) == [
        "spec.controller: Invalid value: \"example.com/other\": field is immutable"]
    params = apply_defaults({**cls, "spec": {"controller": "k8s.io/x", "parameters": {
        "kind": "Config", "name": "c", "namespace": "x"}}})
    assert params["spec"]["parameters"]["scope"] == "Cluster"
    assert errors(params) == [
        "spec.parameters.namespace: Forbidden: `parameters.scope` is set to 'Cluster'"]

    netpol = apply_defaults({"apiVersion": f"{GROUP}/v1", "kind": "NetworkPolicy",
                             "metadata": {"name": "p", "namespace": "default"},
                             "spec": {"podSelector": {}, "egress": [{"ports": [{"port": 53}]}],
                                      "ingress": [{"from": [
                                          {"ipBlock": {"cidr": "10.0.0.0/8",
                                                       "except": ["10.0.0.0/8", "nope"]}},
                                          {}],
                                          "ports": [{"port": "http", "endPort": 90},
                                                    {"port": 90, "endPort": 80},
                                                    {"protocol": "ICMP"}]}]}})
    # defaults: TCP ports, and policyTypes from the rules present
    assert netpol["spec"]["policyTypes"] == ["Ingress", "Egress"]
    assert netpol["spec"]["egress"][0]["ports"] == [{"port": 53, "protocol": "TCP"}]
    assert errors(netpol) == [
        "spec.ingress[0].ports[0].endPort: Invalid value: 90: may not be specified when "
        "`port` is non-numeric",
        "spec.ingress[0].ports[1].endPort: Invalid value: 80: must be greater than or equal "
        "to `port`",
        "spec.ingress[0].ports[2].protocol: Unsupported value: \"ICMP\": supported values: "
        "\"TCP\", \"UDP\", \"SCTP\"",
        "spec.ingress[0].from[0].ipBlock.except[0]: Invalid value: \"10.0.0.0/8\": must be a "
        "strict subset of `cidr`",
        "spec.ingress[0].from[0].ipBlock.except[1]: Invalid value: \"nope\": must be a valid "
        "CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)",
        "spec.ingress[0].from[1]: Required value: must specify a peer"]
    ingress_only = apply_defaults({**netpol, "spec": {"podSelector": {}, "ingress": []}})
    assert ingress_only["spec"]["policyTypes"] == ["Ingress"]


def test_the_newest_default_class_goes_to_ingresses_that_name_none() -> None:
    def cls(name: str, created: str, default: bool) -> dict[str, Any]:
        annotations = {"ingressclass.kubernetes.io/is-default-class": "true"} if default \
            else {}
        return {"metadata": {"name": name, "creationTimestamp": created,
                             "annotations": annotations}}

    classes = {"a": cls("a", "2026-01-01T00:00:00Z", True),
               "b": cls("b", "2026-01-02T00:00:00Z", True),
               "c": cls("c", "2026-01-03T00:00:00Z", False)}
    assert default_ingress_class(classes) == "b"
    assert default_ingress_class({"c": classes["c"]}) is None
    plain = ingress({"defaultBackend": backend()})
    admit_ingress_class(plain, classes)
    assert plain["spec"]["ingressClassName"] == "b"
    named = ingress({"ingressClassName": "c"})
    admit_ingress_class(named, classes)
    assert named["spec"]["ingressClassName"] == "c"
    annotated = ingress({}, annotations={"kubernetes.io/ingress.class": "x"})
    admit_ingress_class(annotated, classes)
    assert "ingressClassName" not in annotated["spec"]


def test_kubectl_columns() -> None:
    now = datetime.datetime(2026, 1, 1, 0, 5, tzinfo=datetime.UTC)
    created = {"creationTimestamp": "2026-01-01T00:00:00Z"}

    def row(obj: dict[str, Any]) -> tuple[list[str], list[Any]]:
        table = to_table(DEFAULT_REGISTRY.for_object(obj), obj, now=now)
        return [c["name"] for c in table["columnDefinitions"]], table["rows"][0]["cells"]

    hosts = [{"host": f"h{i}.com"} for i in range(4)] + [{}]
    obj = ingress({"ingressClassName": "nginx", "rules": hosts, "tls": [{"hosts": ["h0.com"]}]},
                  **created)
    obj["status"] = {"loadBalancer": {"ingress": [{"ip": "172.18.255.200"},
                                                  {"hostname": "lb.example.com"}]}}
    assert row(obj) == (["Name", "Class", "Hosts", "Address", "Ports", "Age"],
                        ["web", "nginx", "h0.com,h1.com,h2.com + 2 more...",
                         "172.18.255.20...", "80, 443", "5m"])
    assert row(ingress({"rules": [{}]}, **created))[1] == ["web", "<none>", "*", "", "80", "5m"]
    cls = {"apiVersion": f"{GROUP}/v1", "kind": "IngressClass",
           "metadata": {"name": "nginx", **created},
           "spec": {"controller": "k8s.io/ingress-nginx", "parameters": {
               "apiGroup": "k8s.example.com", "kind": "IngressParameters", "name": "p"}}}
    assert row(cls) == (["Name", "Controller", "Parameters", "Age"],
                        ["nginx", "k8s.io/ingress-nginx",
                         "IngressParameters.k8s.example.com/p", "5m"])
    netpol = {"apiVersion": f"{GROUP}/v1", "kind": "NetworkPolicy",
              "metadata": {"name": "p", "namespace": "default", **created},
              "spec": {"podSelector": {"matchLabels": {"app": "web"}}}}
    assert row(netpol) == (["Name", "Pod-Selector", "Age"], ["p", "app=web", "5m"])
    netpol["spec"]["podSelector"] = {}
    assert row(netpol)[1][1] == "<none>"
