"""The protobuf reader: bodies captured from real kubectl, and hand-encoded edge cases.

The captured bodies are what kubectl v1.32.4 sent (``kubectl ... -v=10`` prints them as a
hex dump); each decodes to exactly the object ``kubectl ... --dry-run=client -o json``
prints for the same command, less its ``null`` fields (that equality was checked when
they were captured; the expected dicts below are written out by hand).
"""

from __future__ import annotations

import base64

import pytest
from protowire import entry, envelope, msg, num, varint

from kactors.api.kinds import DEFAULT_REGISTRY
from kactors.apiserver.http import protobuf
from kactors.apiserver.http.content import decode_body

PROTOBUF = "application/vnd.kubernetes.protobuf"

# -- captured from kubectl v1.32.4 --------------------------------------------------------

NAMESPACE = (  # kubectl create namespace dev
    "6b3873000a0f0a02763112094e616d657370616365121b0a130a0364657612001a0022002a00320038004200"
    "12001a020a001a002200")
DEPLOYMENT = (  # kubectl create deployment web --image=nginx --replicas=2 --port=80
    "6b3873000a150a07617070732f7631120a4465706c6f796d656e7412b8010a1f0a0377656212001a0022002a"
    "003200380042005a0a0a0361707012037765621286010802120c0a0a0a0361707012037765621a6c0a1c0a00"
    "12001a0022002a003200380042005a0a0a036170701203776562124c122e0a056e67696e7812056e67696e78"
    "2a00320a0a001000185022002a0042006a007200800100880100900100a201001a00320042004a0052005800"
    "600068008201008a01009a0100c2010022020a00280038001a0c0800100018002000280038001a002200")
SERVICE = (  # kubectl create service nodeport web --tcp=80:8080 --node-port=30080
    "6b3873000a0d0a027631120753657276696365126a0a1f0a0377656212001a0022002a003200380042005a0a"
    "0a03617070120377656212430a1d0a0738302d38303830120354435018502207080010903f1a002880eb0112"
    "0a0a0361707012037765621a0022084e6f6465506f72743a00420052005a00600068001a020a001a002200")
JOB = (  # kubectl create job pi --image=perl -- perl -e 1
    "6b3873000a0f0a0862617463682f763112034a6f621284010a120a02706912001a0022002a00320038004200"
    "126432620a100a0012001a0022002a00320038004200124e122b0a02706912047065726c1a047065726c1a02"
    "2d651a01312a0042006a007200800100880100900100a201001a054e65766572320042004a00520058006000"
    "68008201008a01009a0100c201001a082000280030003a001a002200")
ROLE = (  # kubectl create role reader --verb=get,list --resource=pods,deployments.apps
    #                            --resource-name=x
    "6b3873000a240a1c726261632e617574686f72697a6174696f6e2e6b38732e696f2f76311204526f6c651253"
    "0a160a0672656164657212001a0022002a0032003800420012160a036765740a046c69737412001a04706f64"
    "7322017812210a036765740a046c6973741204617070731a0b6465706c6f796d656e74732201781a002200")
CLUSTER_ROLE_BINDING = (  # kubectl create clusterrolebinding ops --clusterrole=view
    #                        --user=bob --group=devs --serviceaccount=default:robot
    "6b3873000a320a1c726261632e617574686f72697a6174696f6e2e6b38732e696f2f76311212436c75737465"
    "72526f6c6542696e64696e6712bf010a130a036f707312001a0022002a0032003800420012280a0455736572"
    "1219726261632e617574686f72697a6174696f6e2e6b38732e696f1a03626f622200122a0a0547726f757012"
    "19726261632e617574686f72697a6174696f6e2e6b38732e696f1a0464657673220012220a0e536572766963"
    "654163636f756e7412001a05726f626f74220764656661756c741a2e0a19726261632e617574686f72697a61"
    "74696f6e2e6b38732e696f120b436c7573746572526f6c651a04766965771a002200")
CLUSTER_ROLE = (  # kubectl create clusterrole probe --verb=get --non-resource-url=/healthz
    "6b3873000a2b0a1c726261632e617574686f72697a6174696f6e2e6b38732e696f2f7631120b436c75737465"
    "72526f6c6512280a150a0570726f626512001a0022002a00320038004200120f0a036765742a082f6865616c"
    "74687a1a002200")
SECRET = (  # kubectl create secret docker-registry regcred --docker-server=r.io
    #         --docker-username=u --docker-password=p
    "6b3873000a0c0a02763112065365637265741290010a170a077265676372656412001a0022002a0032003800"
    "420012550a112e646f636b6572636f6e6669676a736f6e12407b226175746873223a7b22722e696f223a7b22"
    "757365726e616d65223a2275222c2270617373776f7264223a2270222c2261757468223a2264547077227d7d"
    "7d1a1e6b756265726e657465732e696f2f646f636b6572636f6e6669676a736f6e1a002200")
TOKEN_REQUEST = (  # kubectl create token default --audience=a --audience=b --duration=20m
    "6b3873000a280a1861757468656e7469636174696f6e2e6b38732e696f2f7631120c546f6b656e5265717565"
    "737412230a100a0012001a0022002a0032003800420012090a01610a016220b0091a040a0012001a002200")

RBAC = "rbac.authorization.k8s.io"
APP_WEB = {"app": "web"}
CONTAINER_DEFAULTS: dict = {"resources": {}}


def test_namespace() -> None:
    assert protobuf.decode(bytes.fromhex(NAMESPACE)) == {
        "apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "dev"},
        "spec": {}, "status": {}}


def test_deployment_with_its_pod_template() -> None:
    assert protobuf.decode(bytes.fromhex(DEPLOYMENT)) == {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "labels": APP_WEB},
        "spec": {
            "replicas": 2, "selector": {"matchLabels": APP_WEB},
            "template": {"metadata": {"labels": APP_WEB}, "spec": {"containers": [{
                "name": "nginx", "image": "nginx", "ports": [{"containerPort": 80}],
                **CONTAINER_DEFAULTS}]}},
            "strategy": {}},
        "status": {}}


def test_service_ports_int_or_string_and_status() -> None:
    assert protobuf.decode(bytes.fromhex(SERVICE)) == {
        "apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "labels": APP_WEB},
        "spec": {"ports": [{"name": "80-8080", "protocol": "TCP", "port": 80,
                            "targetPort": 8080, "nodePort": 30080}],
                 "selector": APP_WEB, "type": "NodePort"},
        "status": {"loadBalancer": {}}}


def test_job_command_and_restart_policy() -> None:
    assert protobuf.decode(bytes.fromhex(JOB)) == {
        "apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "pi"},
        "spec": {"template": {"metadata": {}, "spec": {
            "containers": [{"name": "pi", "image": "perl", "command": ["perl", "-e", "1"],
                            **CONTAINER_DEFAULTS}],
            "restartPolicy": "Never"}}},
        "status": {}}


def test_rbac_role_cluster_role_and_binding() -> None:
    assert protobuf.decode(bytes.fromhex(ROLE)) == {
        "apiVersion": f"{RBAC}/v1", "kind": "Role", "metadata": {"name": "reader"},
        "rules": [{"verbs": ["get", "list"], "apiGroups": [""], "resources": ["pods"],
                   "resourceNames": ["x"]},
                  {"verbs": ["get", "list"], "apiGroups": ["apps"],
                   "resources": ["deployments"], "resourceNames": ["x"]}]}
    assert protobuf.decode(bytes.fromhex(CLUSTER_ROLE))["rules"] == [
        {"verbs": ["get"], "nonResourceURLs": ["/healthz"]}]
    assert protobuf.decode(bytes.fromhex(CLUSTER_ROLE_BINDING)) == {
        "apiVersion": f"{RBAC}/v1", "kind": "ClusterRoleBinding", "metadata": {"name": "ops"},
        "subjects": [{"kind": "User", "apiGroup": RBAC, "name": "bob"},
                     {"kind": "Group", "apiGroup": RBAC, "name": "devs"},
                     {"kind": "ServiceAccount", "name": "robot", "namespace": "default"}],
        "roleRef": {"apiGroup": RBAC, "kind": "ClusterRole", "name": "view"}}


def test_secret_bytes_become_base64() -> None:
    secret = protobuf.decode(bytes.fromhex(SECRET))
    assert secret["type"] == "kubernetes.io/dockerconfigjson"
    config = base64.b64decode(secret["data"][".dockerconfigjson"])
    assert config == b'{"auths":{"r.io":{"username":"u","password":"p","auth":"dTpw"}}}'


def test_token_request() -> None:
    assert protobuf.decode(bytes.fromhex(TOKEN_REQUEST)) == {
        "apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest", "metadata": {},
        "spec": {"audiences": ["a", "b"], "expirationSeconds": 1200}, "status": {}}


def test_decode_body_takes_protobuf_for_create_and_update() -> None:
    for verb in ("create", "update"):
        body, extra = decode_body(verb, PROTOBUF, bytes.fromhex(DEPLOYMENT))
        assert (body["kind"], body["spec"]["replicas"], extra) == ("Deployment", 2, {})


# -- hand-encoded: what kubectl's commands do not exercise ----------------------------------

def test_pod_spec_fields_kubectl_does_not_send() -> None:
    probe = msg(10, msg(1, msg(2, msg(1, "/healthz"), msg(2, num(1, 1), msg(3, "http")))),
                num(4, 5), num(2, 0))  # initialDelaySeconds 0: not a pointer, dropped
    container = msg(2, msg(1, "app"), msg(2, "img"), probe,
                    msg(8, entry(1, "cpu", msg(1, "500m")), entry(2, "memory", msg(1, "64Mi"))),
                    msg(7, msg(1, "PASS"), msg(3, msg(4, msg(1, msg(1, "creds")),
                                                      msg(2, "password")))),
                    msg(9, msg(1, "data"), msg(3, "/data"), num(2, 1)),
                    msg(15, num(4, 1000), num(6, 0)))  # readOnlyRootFilesystem: *bool false
    volume = msg(1, msg(1, "data"), msg(2, msg(19, msg(1, msg(1, "settings")), num(3, 420))))
    spec = (volume + container + num(4, 0) + num(25, -5)  # pointers: zero and negative kept
            + msg(14, num(4, 1), num(4, 2), msg(4, varint(3) + varint(4)))  # unpacked, packed
            + msg(22, msg(2, "Exists"), msg(4, "NoExecute"), num(5, 300))
            + entry(7, "disk", "ssd"))
    meta = msg(1, msg(1, "p"), msg(8, num(1, 1700000000), num(2, 5)), msg(9, num(2, 0)),
               msg(13, msg(5, "apps/v1"), msg(1, "ReplicaSet"), msg(3, "rs"), msg(4, "u1"),
                   num(6, 1)))
    pod = protobuf.decode(envelope("v1", "Pod", meta, msg(2, spec)))
    assert pod["metadata"] == {
        "name": "p", "creationTimestamp": "2023-11-14T22:13:20Z",
        "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "rs",
                             "uid": "u1", "controller": True}]}
    assert pod["spec"] == {
        "volumes": [{"name": "data", "configMap": {"name": "settings", "defaultMode": 420}}],
        "containers": [{
            "name": "app", "image": "img",
            "livenessProbe": {"httpGet": {"path": "/healthz", "port": "http"},
                              "periodSeconds": 5},
            "resources": {"limits": {"cpu": "500m"}, "requests": {"memory": "64Mi"}},
            "env": [{"name": "PASS", "valueFrom": {"secretKeyRef": {"name": "creds",
                                                                    "key": "password"}}}],
            "volumeMounts": [{"name": "data", "mountPath": "/data", "readOnly": True}],
            "securityContext": {"runAsUser": 1000, "readOnlyRootFilesystem": False}}],
        "terminationGracePeriodSeconds": 0, "priority": -5,
        "securityContext": {"supplementalGroups": [1, 2, 3, 4]},
        "tolerations": [{"operator": "Exists", "effect": "NoExecute",
                         "tolerationSeconds": 300}],
        "nodeSelector": {"disk": "ssd"}}


def test_pointer_zero_is_kept_and_rolling_update_percentages() -> None:
    rolling = msg(2, msg(1, num(1, 1), msg(3, "25%")), msg(2, num(2, 0)))
    spec = num(1, 0) + num(5, 0) + msg(4, msg(1, "RollingUpdate"), rolling)
    deployment = protobuf.decode(envelope("apps/v1", "Deployment", msg(2, spec)))
    assert deployment["spec"] == {
        "replicas": 0,  # *int32: an explicit zero; minReadySeconds (int32) 0 is unset
        "strategy": {"type": "RollingUpdate",
                     "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": 0}}}


def test_unknown_fields_and_wire_types_are_skipped() -> None:
    unknown = (num(99, 7) + msg(98, "x") + varint(97 << 3 | 1) + b"\x00" * 8
               + varint(96 << 3 | 5) + b"\x00" * 4)
    config_map = protobuf.decode(envelope("v1", "ConfigMap", msg(1, msg(1, "c"), unknown),
                                          unknown, entry(2, "k", "v"), entry(3, "b", b"\xff")))
    assert config_map == {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"},
                          "data": {"k": "v"}, "binaryData": {"b": "/w=="}}


@pytest.mark.parametrize("raw", [
    msg(1, num(1, 5)),                       # metadata.name sent as a varint
    num(1, 5),                               # metadata sent as a varint
    msg(2, msg(2, msg(1, "web"), b"\x80")),  # a truncated varint inside a container
    b"\x12\x05ab",                           # a length running past the end
    varint(1 << 3 | 3) + b"\x00",            # a group (wire type 3)
    varint(0 << 3 | 2) + b"\x00",            # field number 0
])
def test_malformed_messages_are_value_errors(raw: bytes) -> None:
    with pytest.raises(ValueError):
        protobuf.decode(envelope("v1", "Pod", raw))


def test_nesting_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(protobuf.SCHEMAS, "Loop", {1: protobuf.Field("self", "Loop")})
    nested = b""
    for _ in range(60):
        nested = msg(1, nested)
    with pytest.raises(ValueError, match="too deep"):
        protobuf.decode_message("Loop", nested)
    assert protobuf.decode_message("Loop", msg(1, msg(1))) == {"self": {"self": {}}}


def test_tables_name_kinds_kactors_serves() -> None:
    served = {(info.api_version, info.kind) for info in DEFAULT_REGISTRY} | {
        (f"{sub.group}/{sub.version}".lstrip("/"), sub.kind)
        for info in DEFAULT_REGISTRY for sub in info.subresources}
    assert set(protobuf.KINDS) <= served  # TokenRequest is serviceaccounts/token's kind
    for name, schema in protobuf.SCHEMAS.items():
        names = [f.name for f in schema.values() if f.name != "-"]
        assert len(names) == len(set(names)), name
