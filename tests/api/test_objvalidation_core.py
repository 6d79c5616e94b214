"""core/v1 kinds other than Pod, and Leases: create and update validation."""

from __future__ import annotations

import base64
import copy
from pathlib import Path
from typing import Any

from kactors.api import DEFAULT_REGISTRY, apply_defaults, load_manifest_file
from kactors.api.objvalidation import validate_create, validate_update

FIXTURES = Path(__file__).parent / "fixtures"
R = DEFAULT_REGISTRY
IP_ERROR = "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"


def messages(obj: dict[str, Any]) -> list[str]:
    return [error.message() for error in validate_create(obj, R.for_object(obj))]


def update_messages(new: dict[str, Any], old: dict[str, Any]) -> list[str]:
    return [error.message() for error in validate_update(new, old, R.for_object(new))]


def stored(obj: dict[str, Any]) -> dict[str, Any]:
    obj = copy.deepcopy(obj)
    obj["metadata"].update(uid="u", resourceVersion="1")
    return obj


# -- Service ----------------------------------------------------------------------------------


def service(defaults: bool = True, **spec: Any) -> dict[str, Any]:
    obj = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}], **spec},
    }
    return apply_defaults(obj) if defaults else obj


def test_fixture_service_is_valid() -> None:
    (svc,) = load_manifest_file(FIXTURES / "service.yaml")
    svc["metadata"]["namespace"] = "default"
    assert messages(apply_defaults(svc)) == []


def test_service_names_are_dns1035_labels() -> None:
    obj = service()
    obj["metadata"]["name"] = "1web"
    assert messages(obj) == [
        'metadata.name: Invalid value: "1web": a DNS-1035 label must consist of lower case '
        "alphanumeric characters or '-', start with an alphabetic character, and end with an "
        "alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is "
        "'[a-z]([-a-z0-9]*[a-z0-9])?')"
    ]


def test_service_ports() -> None:
    assert messages(service(ports=[])) == ["spec.ports: Required value"]
    assert messages(service(ports=[], clusterIP="None")) == []  # headless
    ports = [
        {"port": 0, "protocol": "ICMP", "targetPort": "HTTP"},
        {"name": "b", "port": 80, "targetPort": 70000},
        {"name": "b", "port": 80},
    ]
    assert messages(service(ports=ports)) == [
        "spec.ports[0].name: Required value",
        "spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive",
        'spec.ports[0].protocol: Unsupported value: "ICMP": supported values: "SCTP", "TCP", "UDP"',
        'spec.ports[0].targetPort: Invalid value: "HTTP": must contain only alpha-numeric '
        "characters (a-z, 0-9), and hyphens (-)",
        'spec.ports[0].targetPort: Invalid value: "HTTP": must contain at least one letter (a-z)',
        "spec.ports[1].targetPort: Invalid value: 70000: must be between 1 and 65535, inclusive",
        'spec.ports[2].name: Duplicate value: "b"',
        'spec.ports[2]: Duplicate value: {"Name":"","Protocol":"TCP","AppProtocol":null,'
        '"Port":80,"TargetPort":0,"NodePort":0}',
    ]


def test_service_type_and_affinity() -> None:
    assert messages(service(type="Magic")) == [
        'spec.type: Unsupported value: "Magic": supported values: "ClusterIP", "ExternalName", '
        '"LoadBalancer", "NodePort"'
    ]
    assert messages(service(sessionAffinity="Sticky")) == [
        'spec.sessionAffinity: Unsupported value: "Sticky": supported values: "ClientIP", "None"'
    ]
    assert messages(service(defaults=False)) == [
        "spec.ports[0].protocol: Required value",
        "spec.ports[0].targetPort: Invalid value: 0: must be between 1 and 65535, inclusive",
        "spec.sessionAffinity: Required value",
        "spec.type: Required value",
    ]


def test_service_cluster_ip() -> None:
    assert messages(service(clusterIP="10.96.0.10")) == []
    assert messages(service(clusterIP="10.96.0.300")) == [
        f'spec.clusterIPs[0]: Invalid value: "10.96.0.300": {IP_ERROR}'
    ]
    mismatch = service(clusterIP="10.96.0.10", clusterIPs=["10.96.0.11"])
    assert messages(mismatch) == [
        'spec.clusterIPs: Invalid value: ["10.96.0.11"]: first value must match `clusterIP`'
    ]
    assert messages(service(type="NodePort", clusterIP="None")) == [
        "spec.clusterIPs[0]: Invalid value: \"None\": may not be set to 'None' for NodePort "
        "services"
    ]


def test_service_node_ports_and_external_name() -> None:
    assert messages(service(ports=[{"port": 80, "nodePort": 30080}])) == [
        "spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'"
    ]
    external = service(type="ExternalName", ports=[])
    assert messages(external) == ["spec.externalName: Required value"]
    assert messages(service(type="ExternalName", externalName="example.com.", ports=[])) == []


def test_service_cluster_ip_may_not_change() -> None:
    old = stored(service(clusterIP="10.96.0.10"))
    new = copy.deepcopy(old)
    new["spec"]["clusterIP"] = "10.96.0.11"
    new["spec"]["clusterIPs"] = ["10.96.0.11"]
    assert update_messages(new, old) == [
        'spec.clusterIPs[0]: Invalid value: ["10.96.0.11"]: may not change once set'
    ]
    same = copy.deepcopy(old)
    same["spec"]["ports"][0]["port"] = 8080
    assert update_messages(same, old) == []


# -- ConfigMap and Secret ------------------------------------------------------------------------


def test_fixture_configmap_is_valid_and_bad_keys() -> None:
    (_, game) = load_manifest_file(FIXTURES / "pod-with-resources.yaml")
    game["metadata"]["namespace"] = "default"
    assert messages(game) == []
    game["data"]["bad key"] = "x"
    game["binaryData"] = {"player_initial_lives": "Mw=="}
    assert messages(game) == [
        'data[player_initial_lives]: Invalid value: "player_initial_lives": duplicate of key '
        "present in binaryData",
        'data[bad key]: Invalid value: "bad key": a valid config key must consist of '
        "alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or "
        "'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
    ]


def test_configmap_size_limit() -> None:
    big = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "big", "namespace": "default"},
        "data": {"a": "x" * (1024 * 1024 + 1)},
    }
    assert messages(big) == ["[]: Too long: may not be more than 1048576 bytes"]


def secret(**fields: Any) -> dict[str, Any]:
    obj = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s", "namespace": "default"}}
    return apply_defaults({**obj, **fields})


def test_secret_data() -> None:
    good = base64.b64encode(b"hunter2").decode()
    assert messages(secret(data={"password": good})) == []
    assert messages(secret(data={"a": "not base64!", "b": "abcde"})) == [
        'data[a]: Invalid value: "<secret contents redacted>": illegal base64 data at input byte 3',
        'data[b]: Invalid value: "<secret contents redacted>": illegal base64 data at input byte 4',
    ]


def test_secret_types_require_keys() -> None:
    assert messages(secret(type="kubernetes.io/tls", data={"tls.crt": "eA=="})) == [
        "data[tls.key]: Required value"
    ]
    assert messages(secret(type="kubernetes.io/service-account-token")) == [
        "metadata.annotations[kubernetes.io/service-account.name]: Required value"
    ]
    assert messages(secret(type="kubernetes.io/basic-auth")) == [
        "data[username]: Required value",
        "data[password]: Required value",
    ]


def test_immutable_configmap_and_secret() -> None:
    cm = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "c", "namespace": "default", "uid": "u", "resourceVersion": "1"},
        "data": {"k": "v"},
        "immutable": True,
    }
    changed = {**cm, "data": {"k": "w"}}
    assert update_messages(changed, cm) == [
        "data: Forbidden: field is immutable when `immutable` is set"
    ]
    unlocked = {**cm, "immutable": False}
    assert update_messages(unlocked, cm) == [
        "immutable: Forbidden: field is immutable when `immutable` is set"
    ]
    assert update_messages({**cm, "metadata": {**cm["metadata"], "labels": {"a": "b"}}}, cm) == []
    old_secret = stored(secret(data={"k": "dg=="}, immutable=True))
    new_secret = {**old_secret, "data": {"k": "dw=="}, "type": "kubernetes.io/tls"}
    assert update_messages(new_secret, old_secret) == [
        'type: Invalid value: "kubernetes.io/tls": field is immutable',
        "data: Forbidden: field is immutable when `immutable` is set",
        "data[tls.crt]: Required value",
        "data[tls.key]: Required value",
    ]


# -- Namespace, Node, ServiceAccount, Event, Endpoints, Binding, Lease --------------------------


def test_namespace() -> None:
    ns = apply_defaults({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team"}})
    assert messages(ns) == []
    ns["spec"]["finalizers"] = ["custom"]
    assert messages(ns) == [
        'spec.finalizers: Invalid value: "custom": name is neither a standard finalizer name nor '
        "is it fully qualified"
    ]


def node(**spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": "node-1"},
        "spec": spec,
        "status": {"capacity": {"cpu": "4", "memory": "-1"}},
    }


def test_node() -> None:
    taints = [
        {"key": "dedicated", "value": "gpu", "effect": "NoSchedule"},
        {"key": "dedicated", "value": "other", "effect": "NoSchedule"},
        {"key": "x", "effect": "Boom"},
        {"key": "y"},
    ]
    assert messages(node(taints=taints, podCIDRs=["10.0.0.0/33"])) == [
        # the internal core.Taint has no json tags: Go prints its field names
        'metadata.taints[1]: Duplicate value: {"Key":"dedicated","Value":"other","Effect":'
        '"NoSchedule","TimeAdded":null}: taints must be unique by key and effect pair',
        'metadata.taints[2].effect: Unsupported value: "Boom": supported values: "NoSchedule", '
        '"PreferNoSchedule", "NoExecute"',
        "metadata.taints[3].effect: Required value",
        'status.capacity.memory: Invalid value: "-1": must be greater than or equal to 0',
        'spec.podCIDRs[0]: Invalid value: "10.0.0.0/33": must be a valid CIDR value, (e.g. '
        "10.9.8.0/24 or 2001:db8::/64)",
    ]


def test_node_update_pod_cidr_is_set_once() -> None:
    old = stored(node(podCIDRs=["10.0.1.0/24"], providerID="kind://a"))
    old["status"] = {}
    new = copy.deepcopy(old)
    new["spec"] = {"podCIDRs": ["10.0.2.0/24"], "providerID": "kind://b", "unschedulable": True}
    assert update_messages(new, old) == [
        'spec.podCIDRs: Forbidden: node updates may not change podCIDR except from "" to valid',
        'spec.providerID: Forbidden: node updates may not change providerID except from "" to '
        "valid",
    ]
    first = stored(node())
    first["status"] = {}
    assigned = copy.deepcopy(first)
    assigned["spec"] = {"podCIDRs": ["10.0.2.0/24"]}
    assert update_messages(assigned, first) == []


def test_service_account() -> None:
    sa = {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "builder"}}
    assert messages(sa) == ["metadata.namespace: Required value"]


def event(**fields: Any) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {"name": "web.17a8b", "namespace": "default"},
        "involvedObject": {"kind": "Pod", "name": "web", "namespace": "default"},
        "reason": "Scheduled",
        "message": "Successfully assigned default/web to node-1",
        **fields,
    }


def test_event() -> None:
    assert messages(event()) == []
    assert messages(event(involvedObject={"kind": "Pod", "name": "w", "namespace": "other"})) == [
        'involvedObject.namespace: Invalid value: "other": does not match event.namespace'
    ]
    new_style = event(eventTime="2024-01-01T00:00:00.000000Z", reason="")
    assert messages(new_style) == [
        "reportingComponent: Required value",
        'reportingComponent: Invalid value: "": name part must be non-empty',
        'reportingComponent: Invalid value: "": name part must consist of alphanumeric '
        "characters, '-', '_' or '.', and must start and end with an alphanumeric character "
        "(e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is "
        "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
        "reportingInstance: Required value",
        "action: Required value",
        "reason: Required value",
    ]


def test_endpoints() -> None:
    endpoints = apply_defaults(
        {
            "apiVersion": "v1",
            "kind": "Endpoints",
            "metadata": {"name": "web", "namespace": "default"},
            "subsets": [
                {
                    "addresses": [{"ip": "10.1.0.5"}, {"ip": "127.0.0.1"}, {"ip": "x"}],
                    "ports": [{"port": 80}],
                },
                {"ports": [{"port": 80}, {"port": 81, "name": "b"}]},
            ],
        }
    )
    assert messages(endpoints) == [
        'subsets[0].addresses[1].ip: Invalid value: "127.0.0.1": may not be in the loopback '
        "range (127.0.0.0/8, ::1/128)",
        f'subsets[0].addresses[2].ip: Invalid value: "x": {IP_ERROR}',
        'subsets[0].addresses[2].ip: Invalid value: "x": must be a valid IP address',
        "subsets[1]: Required value: must specify `addresses` or `notReadyAddresses`",
        "subsets[1].ports[0].name: Required value",
    ]


def test_binding() -> None:
    binding = {
        "apiVersion": "v1",
        "kind": "Binding",
        "metadata": {"name": "web", "namespace": "default"},
        "target": {"kind": "Pod"},
    }
    assert messages(binding) == [
        'target.kind: Unsupported value: "Pod": supported values: "Node", "<empty>"',
        "target.name: Required value",
    ]


def test_lease() -> None:
    lease = {
        "apiVersion": "coordination.k8s.io/v1",
        "kind": "Lease",
        "metadata": {"name": "node-1", "namespace": "kube-node-lease"},
        "spec": {"holderIdentity": "node-1", "leaseDurationSeconds": 40},
    }
    assert messages(lease) == []
    lease["spec"].update(leaseDurationSeconds=0, leaseTransitions=-1)
    assert messages(lease) == [
        "spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0",
        "spec.leaseTransitions: Invalid value: -1: must be greater than or equal to 0",
    ]
    old = stored(lease)
    assert update_messages({**old, "metadata": {**old["metadata"], "name": "x"}}, old)[0] == (
        'metadata.name: Invalid value: "x": field is immutable'
    )
