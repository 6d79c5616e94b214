"""discovery.k8s.io/v1 EndpointSlices: defaults, create and update validation, and the
columns `kubectl get endpointslices` shows."""

from __future__ import annotations

import copy
import datetime
from typing import Any

from kactors.api import DEFAULT_REGISTRY, apply_defaults
from kactors.api.objvalidation import validate_create, validate_update
from kactors.apiserver.http.tables import to_table

R = DEFAULT_REGISTRY


def endpoint_slice(**fields: Any) -> dict[str, Any]:
    obj = {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
           "metadata": {"name": "web-abcde", "namespace": "default",
                        "creationTimestamp": "2024-01-10T11:55:00Z"},
           "addressType": "IPv4",
           "endpoints": [{"addresses": ["10.244.1.2"], "conditions": {"ready": True},
                          "nodeName": "node-1"}],
           "ports": [{"name": "http", "port": 8080}]}
    obj.update(fields)
    return apply_defaults(obj)


def messages(obj: dict[str, Any]) -> list[str]:
    return [error.message() for error in validate_create(obj, R.for_object(obj))]


def test_ports_default_to_an_empty_name_and_tcp() -> None:
    assert endpoint_slice(ports=[{"port": 80}])["ports"] == [
        {"port": 80, "name": "", "protocol": "TCP"}]
    assert messages(endpoint_slice()) == []


def test_address_types_and_addresses() -> None:
    assert messages(endpoint_slice(addressType="IP")) == [
        'addressType: Unsupported value: "IP": supported values: "FQDN", "IPv4", "IPv6"']
    assert messages(endpoint_slice(addressType="")) == ["addressType: Required value"]
    assert messages(endpoint_slice(endpoints=[
        {"addresses": []}, {"addresses": ["fd00::1"]}, {"addresses": ["127.0.0.1"]},
        {"addresses": [f"10.0.{i // 250}.{i % 250 + 1}" for i in range(101)]},
    ])) == [
        "endpoints[0].addresses: Required value: must contain at least 1 address",
        'endpoints[1].addresses[0]: Invalid value: "fd00::1": must be a valid IPv4 address',
        'endpoints[2].addresses[0]: Invalid value: "127.0.0.1": may not be in the loopback '
        "range (127.0.0.0/8, ::1/128)",
        "endpoints[3].addresses: Too many: 101: must have at most 100 items",
    ]
    assert messages(endpoint_slice(addressType="FQDN", endpoints=[
        {"addresses": ["db.example.com"]}, {"addresses": ["Not_A_Name"]}])) == [
        'endpoints[1].addresses[0]: Invalid value: "Not_A_Name": a lowercase RFC 1123 '
        "subdomain must consist of lower case alphanumeric characters, '-' or '.', and must "
        "start and end with an alphanumeric character (e.g. 'example.com', regex used for "
        "validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"]
    many = [{"addresses": ["10.0.0.1"]}] * 1001
    assert messages(endpoint_slice(endpoints=many)) == [
        "endpoints: Too many: 1001: must have at most 1000 items"]


def test_ports_hostname_and_node_name() -> None:
    assert messages(endpoint_slice(
        endpoints=[{"addresses": ["10.0.0.1"], "hostname": "Web_1", "nodeName": "Node 1"}],
        ports=[{"name": "http", "port": 80}, {"name": "http", "port": 81, "protocol": "ICMP"},
               {"name": "Bad_Name", "port": 82, "appProtocol": "a/b/c"}])) == [
        'endpoints[0].nodeName: Invalid value: "Node 1": a lowercase RFC 1123 subdomain must '
        "consist of lower case alphanumeric characters, '-' or '.', and must start and end "
        "with an alphanumeric character (e.g. 'example.com', regex used for validation is "
        "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
        'endpoints[0].hostname: Invalid value: "Web_1": a lowercase RFC 1123 label must '
        "consist of lower case alphanumeric characters or '-', and must start and end with an "
        "alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is "
        "'[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
        'ports[1].name: Duplicate value: "http"',
        'ports[1].protocol: Unsupported value: "ICMP": supported values: "SCTP", "TCP", "UDP"',
        'ports[2].name: Invalid value: "Bad_Name": a lowercase RFC 1123 label must consist of '
        "lower case alphanumeric characters or '-', and must start and end with an "
        "alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is "
        "'[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
        'ports[2].appProtocol: Invalid value: "a/b/c": a qualified name must consist of '
        "alphanumeric characters, '-', '_' or '.', and must start and end with an "
        "alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for "
        "validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS "
        "subdomain prefix and '/' (e.g. 'example.com/MyName')",
    ]
    assert messages(endpoint_slice(ports=[{"port": 80 + i} for i in range(101)])) == [
        "ports: Too many: 101: must have at most 100 items"]


def test_address_type_is_immutable() -> None:
    old = endpoint_slice()
    old["metadata"].update(uid="u", resourceVersion="1")
    new = copy.deepcopy(old)
    new["addressType"] = "IPv6"
    new["endpoints"] = [{"addresses": ["fd00::1"]}]
    assert [e.message() for e in validate_update(new, old, R.for_object(new))] == [
        'addressType: Invalid value: "IPv6": field is immutable']


def test_kubectl_columns() -> None:
    now = datetime.datetime(2024, 1, 10, 12, 0, 0, tzinfo=datetime.UTC)
    info = R.by_resource("endpointslices", "discovery.k8s.io")
    obj = endpoint_slice(endpoints=[{"addresses": [f"10.0.0.{i}"]} for i in range(1, 6)],
                         ports=[{"name": "a", "port": 80}, {"name": "b", "port": 81},
                                {"name": "c"}, {"name": "d", "port": 83}])
    table = to_table(info, obj, wide=False, now=now)
    assert [c["name"] for c in table["columnDefinitions"]] == [
        "Name", "AddressType", "Ports", "Endpoints", "Age"]
    assert table["rows"][0]["cells"] == [
        "web-abcde", "IPv4", "80,81,c + 1 more...", "10.0.0.1,10.0.0.2,10.0.0.3 + 2 more...",
        "5m"]
    empty = to_table(info, endpoint_slice(endpoints=[], ports=[]), wide=False, now=now)
    assert empty["rows"][0]["cells"][2:4] == ["<unset>", "<unset>"]
