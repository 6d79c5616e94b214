"""Pod and pod template validation, create and update, with Kubernetes' messages."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from kactors.api import DEFAULT_REGISTRY, apply_defaults, load_manifest_file
from kactors.api.fielderrors import FieldPath
from kactors.api.objvalidation import validate_create, validate_update
from kactors.api.validate_pod import validate_pod_template

PODS = DEFAULT_REGISTRY.by_resource("pods")
FIXTURES = Path(__file__).parent / "fixtures"
LABEL = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', "
    "and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', "
    "regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
)


def pod(*containers: dict[str, Any], defaults: bool = True, **spec: Any) -> dict[str, Any]:
    obj = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p", "namespace": "default"},
        "spec": {"containers": list(containers) or [{"name": "c", "image": "nginx"}], **spec},
    }
    return apply_defaults(obj) if defaults else obj


def messages(obj: dict[str, Any]) -> list[str]:
    return [error.message() for error in validate_create(obj, PODS)]


def test_the_fixture_pod_is_valid() -> None:
    (frontend, _) = load_manifest_file(FIXTURES / "pod-with-resources.yaml")
    frontend["metadata"]["namespace"] = "default"
    assert messages(apply_defaults(frontend)) == []


def test_undefaulted_pod_reports_what_defaults_would_fill() -> None:
    assert messages(pod(defaults=False)) == [
        "spec.terminationGracePeriodSeconds: Required value",
        "spec.containers[0].terminationMessagePolicy: Required value",
        "spec.containers[0].imagePullPolicy: Required value",
        "spec.restartPolicy: Required value",
        "spec.dnsPolicy: Required value",
    ]


def test_containers_required() -> None:
    obj = pod()
    obj["spec"]["containers"] = []
    assert messages(obj) == ["spec.containers: Required value"]


def test_container_name_image_and_duplicates() -> None:
    obj = pod({"name": "Web", "image": "nginx"}, {"name": "x"}, {"name": "x", "image": "i"})
    assert messages(obj) == [
        f'spec.containers[0].name: Invalid value: "Web": {LABEL}',
        "spec.containers[1].image: Required value",
        'spec.containers[2].name: Duplicate value: "x"',
    ]


def test_ports() -> None:
    container = {
        "name": "c",
        "image": "i",
        "ports": [
            {"containerPort": 0, "name": "http"},
            {"containerPort": 70000, "name": "http", "protocol": "ICMP"},
            {"containerPort": 80, "name": "8080"},
            {"containerPort": 81, "hostPort": 8080},
            {"containerPort": 82, "hostPort": 8080},
        ],
    }
    assert messages(pod(container)) == [
        "spec.containers[0].ports[0].containerPort: Required value",
        'spec.containers[0].ports[1].name: Duplicate value: "http"',
        "spec.containers[0].ports[1].containerPort: Invalid value: 70000: must be between 1 and "
        "65535, inclusive",
        'spec.containers[0].ports[1].protocol: Unsupported value: "ICMP": supported values: '
        '"SCTP", "TCP", "UDP"',
        'spec.containers[0].ports[2].name: Invalid value: "8080": must contain at least one '
        "letter (a-z)",
        'spec.containers[0].ports[4].hostPort: Duplicate value: "TCP//8080"',
    ]


def test_env() -> None:
    env = [
        {"name": ""},
        {"name": "1BAD"},
        {"name": "A", "valueFrom": {}},
        {"name": "B", "value": "x", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
        {
            "name": "C",
            "valueFrom": {
                "configMapKeyRef": {"name": "cm", "key": "k"},
                "secretKeyRef": {"name": "s", "key": "k"},
            },
        },
        {
            "name": "D",
            "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "spec.restartPolicy"}},
        },
        {"name": "E", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "status.foo"}}},
        {"name": "F", "valueFrom": {"secretKeyRef": {"name": "s"}}},
        {"name": "G", "valueFrom": {"fieldRef": {"fieldPath": "metadata.labels['app']"}}},
    ]
    assert messages(pod({"name": "c", "image": "i", "env": env})) == [
        "spec.containers[0].env[0].name: Required value",
        'spec.containers[0].env[1].name: Invalid value: "1BAD": a valid environment variable '
        "name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start "
        "with a digit (e.g. 'my.env-name',  or 'MY_ENV.NAME',  or 'MyEnvName1', regex used for "
        "validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')",
        'spec.containers[0].env[2].valueFrom: Invalid value: "": must specify one of: `fieldRef`, '
        "`resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`",
        'spec.containers[0].env[3].valueFrom: Invalid value: "": may not be specified when '
        "`value` is not empty",
        'spec.containers[0].env[4].valueFrom: Invalid value: "": may not have more than one '
        "field specified at a time",
        "spec.containers[0].env[5].valueFrom.fieldRef.fieldPath: Unsupported value: "
        '"spec.restartPolicy": supported values: "metadata.name", "metadata.namespace", '
        '"metadata.uid", "spec.nodeName", "spec.serviceAccountName", "status.hostIP", '
        '"status.hostIPs", "status.podIP", "status.podIPs"',
        'spec.containers[0].env[6].valueFrom.fieldRef.fieldPath: Invalid value: "status.foo": '
        "error converting fieldPath: field label not supported: status.foo",
        "spec.containers[0].env[7].valueFrom.secretKeyRef.key: Required value",
    ]


def test_env_from() -> None:
    env_from = [{"prefix": "1"}, {"configMapRef": {"name": "a"}, "secretRef": {"name": "b"}}]
    assert messages(pod({"name": "c", "image": "i", "envFrom": env_from}))[1:] == [
        'spec.containers[0].envFrom: Invalid value: "": must specify one of: `configMapRef` or '
        "`secretRef`",
        'spec.containers[0].envFrom: Invalid value: "": may not have more than one field '
        "specified at a time",
    ]


def test_volumes_and_mounts() -> None:
    volumes = [
        {"name": "data", "emptyDir": {}},
        {"name": "data", "emptyDir": {}},
        {"name": "two", "emptyDir": {}, "configMap": {"name": "x"}, "downwardAPI": {}},
        {"name": "sec", "secret": {}},
        {"name": "Bad_Name", "emptyDir": {}},
    ]
    mounts = [
        {"name": "data", "mountPath": "/data"},
        {"name": "two", "mountPath": "/data"},
        {"name": "data", "mountPath": "/x", "subPath": "../etc"},
        {"name": "", "mountPath": ""},
    ]
    assert messages(pod({"name": "c", "image": "i", "volumeMounts": mounts}, volumes=volumes)) == [
        'spec.volumes[1].name: Duplicate value: "data"',
        # core.VolumeSource order: downwardAPI comes before configMap; "downwarAPI" is Go's.
        "spec.volumes[2].downwarAPI: Forbidden: may not specify more than 1 volume type",
        "spec.volumes[2].configMap: Forbidden: may not specify more than 1 volume type",
        "spec.volumes[3].secret.secretName: Required value",
        f'spec.volumes[4].name: Invalid value: "Bad_Name": {LABEL}',
        'spec.containers[0].volumeMounts[1].name: Not found: "two"',
        'spec.containers[0].volumeMounts[1].mountPath: Invalid value: "/data": must be unique',
        "spec.containers[0].volumeMounts.subPath: Invalid value: \"../etc\": must not contain '..'",
        "spec.containers[0].volumeMounts[3].name: Required value",
        'spec.containers[0].volumeMounts[3].name: Not found: ""',
        "spec.containers[0].volumeMounts[3].mountPath: Required value",
    ]


def test_volume_without_source_when_not_defaulted() -> None:
    obj = pod(volumes=[{"name": "v"}])
    obj["spec"]["volumes"] = [{"name": "v"}]  # bypass the emptyDir default
    assert messages(obj) == ["spec.volumes[0]: Required value: must specify a volume type"]


def test_resources() -> None:
    resources = {
        "limits": {"cpu": "1", "memory": "-1Gi", "gpu": "1", "example.com/gpu": "1"},
        "requests": {"cpu": "2", "memory": "abc", "example.com/dongle": "500m"},
    }
    assert messages(pod({"name": "c", "image": "i", "resources": resources})) == [
        'spec.containers[0].resources.limits[memory]: Invalid value: "-1Gi": must be greater '
        "than or equal to 0",
        'spec.containers[0].resources.limits[gpu]: Invalid value: "gpu": must be a standard '
        "resource for containers",
        'spec.containers[0].resources.requests: Invalid value: "2": must be less than or equal to '
        "cpu limit of 1",
        'spec.containers[0].resources.requests[memory]: Invalid value: "abc": quantities must '
        "match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
        'spec.containers[0].resources.requests[example.com/dongle]: Invalid value: "500m": must '
        "be an integer",
        "spec.containers[0].resources.limits: Required value: Limit must be set for non "
        "overcommitable resources",
        # requests defaulted from limits (SetDefaults_Pod) are checked too
        'spec.containers[0].resources.requests[gpu]: Invalid value: "gpu": must be a standard '
        "resource for containers",
    ]


def test_extended_resource_requests_must_equal_limits() -> None:
    resources = {"limits": {"example.com/gpu": "2"}, "requests": {"example.com/gpu": "1"}}
    assert messages(pod({"name": "c", "image": "i", "resources": resources})) == [
        'spec.containers[0].resources.requests: Invalid value: "1": must be equal to '
        "example.com/gpu limit of 2"
    ]


def test_policies() -> None:
    assert messages(pod(restartPolicy="Sometimes", dnsPolicy="Google")) == [
        'spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", '
        '"OnFailure", "Never"',
        'spec.dnsPolicy: Unsupported value: "Google": supported values: '
        '"ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"',
    ]
    container = {"name": "c", "image": "i", "imagePullPolicy": "Sometimes"}
    assert messages(pod(container)) == [
        'spec.containers[0].imagePullPolicy: Unsupported value: "Sometimes": supported values: '
        '"Always", "IfNotPresent", "Never"'
    ]


def test_probes() -> None:
    container = {
        "name": "c",
        "image": "i",
        "livenessProbe": {
            "httpGet": {"port": 0},
            "exec": {"command": ["true"]},
            "successThreshold": 2,
        },
        "readinessProbe": {"periodSeconds": -1},
    }
    assert messages(pod(container)) == [
        "spec.containers[0].livenessProbe.httpGet: Forbidden: may not specify more than 1 "
        "handler type",
        "spec.containers[0].livenessProbe.successThreshold: Invalid value: 2: must be 1",
        "spec.containers[0].readinessProbe: Required value: must specify a handler type",
        "spec.containers[0].readinessProbe.periodSeconds: Invalid value: -1: must be greater "
        "than or equal to 0",
    ]


def test_init_containers() -> None:
    obj = pod(
        initContainers=[{"name": "c", "image": "i", "readinessProbe": {"exec": {"command": ["x"]}}}]
    )
    assert messages(obj) == [
        'spec.initContainers[0].name: Duplicate value: "c"',
        "spec.initContainers[0].readinessProbe: Forbidden: may not be set for init containers "
        "without restartPolicy=Always",
    ]


def test_node_selector_and_tolerations() -> None:
    tolerations = [
        {"operator": "Equal", "value": "x"},
        {"key": "k", "operator": "Exists", "value": "v"},
        {"key": "k", "operator": "Near", "effect": "Explode", "tolerationSeconds": 5},
        {"key": "k", "value": "bad value"},
    ]
    obj = pod(nodeSelector={"disk": "ssd!"}, tolerations=tolerations)
    assert messages(obj) == [
        'spec.nodeSelector: Invalid value: "ssd!": a valid label must be an empty string or '
        "consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
        "alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for "
        "validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
        'spec.tolerations[0].operator: Invalid value: "Equal": operator must be Exists when '
        '`key` is empty, which means "match all values and all keys"',
        'spec.tolerations[1].operator: Invalid value: "v": value must be empty when `operator` '
        "is 'Exists'",
        "spec.tolerations[2].effect: Invalid value: \"Explode\": effect must be 'NoExecute' when "
        "`tolerationSeconds` is set",
        'spec.tolerations[2].operator: Unsupported value: "Near": supported values: "Equal", '
        '"Exists"',
        'spec.tolerations[2].effect: Unsupported value: "Explode": supported values: '
        '"NoSchedule", "PreferNoSchedule", "NoExecute"',
        'spec.tolerations[3].operator: Invalid value: "bad value": a valid label must be an '
        "empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and "
        "end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex "
        "used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
    ]


def test_affinity_basics() -> None:
    affinity = {
        "nodeAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": []},
            "preferredDuringSchedulingIgnoredDuringExecution": [
                {"weight": 0, "preference": {"matchExpressions": [{"key": "a", "operator": "Gt"}]}}
            ],
        },
        "podAntiAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": [
                {"labelSelector": {"matchLabels": {"app": "web"}}, "topologyKey": ""}
            ]
        },
    }
    name_part = (
        "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and "
        "end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex "
        "used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
    )
    assert messages(pod(affinity=affinity)) == [
        "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution."
        "nodeSelectorTerms: Required value: must have at least one node selector term",
        "spec.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight: "
        "Invalid value: 0: must be in the range 1-100",
        "spec.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].preference"
        ".matchExpressions[0].values: Required value: must be specified single value when "
        "`operator` is 'Lt' or 'Gt'",
        "spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0]."
        "topologyKey: Required value: can not be empty",
        "spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0]."
        'topologyKey: Invalid value: "": name part must be non-empty',
        "spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0]."
        f'topologyKey: Invalid value: "": {name_part}',
    ]


def test_scalar_fields() -> None:
    obj = pod(activeDeadlineSeconds=0, hostname="Host", serviceAccountName="Bad SA")
    found = messages(obj)
    assert found[0].startswith('spec.serviceAccountName: Invalid value: "Bad SA": a lowercase')
    assert found[1:] == [
        "spec.activeDeadlineSeconds: Invalid value: 0: must be between 1 and 2147483647, inclusive",
        f'spec.hostname: Invalid value: "Host": {LABEL}',
    ]


def test_pod_only_image_whitespace() -> None:
    assert messages(pod({"name": "c", "image": " nginx"})) == [
        'spec.containers[0].image: Invalid value: " nginx": must not have leading or trailing '
        "whitespace"
    ]


def test_template_validation_checks_labels_and_spec() -> None:
    template = {
        "metadata": {"labels": {"-x": "y"}},
        "spec": apply_defaults(pod())["spec"] | {"ephemeralContainers": [{"name": "e"}]},
    }
    errors = validate_pod_template(template, FieldPath.of("spec", "template"))
    assert [e.message() for e in errors] == [
        'spec.template.labels: Invalid value: "-x": name part must consist of alphanumeric '
        "characters, '-', '_' or '.', and must start and end with an alphanumeric character "
        "(e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is "
        "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
        "spec.template.spec.ephemeralContainers: Forbidden: ephemeral containers not allowed in "
        "pod template",
    ]


# -- update -------------------------------------------------------------------------------------


def stored_pod(**spec: Any) -> dict[str, Any]:
    obj = pod(**spec)
    obj["metadata"].update(uid="u", resourceVersion="1", creationTimestamp="2024-01-01T00:00:00Z")
    return obj


def update_messages(new: dict[str, Any], old: dict[str, Any]) -> list[str]:
    return [error.message() for error in validate_update(new, old, PODS)]


FORBIDDEN_PREFIX = (
    "spec: Forbidden: pod updates may not change fields other than "
    "`spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,"
    "`spec.tolerations` (only additions to existing tolerations),"
    "`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)"
)


def test_update_image_deadline_and_added_toleration_are_allowed() -> None:
    old = stored_pod()
    new = copy.deepcopy(old)
    new["spec"]["containers"][0]["image"] = "nginx:1.26"
    new["spec"]["activeDeadlineSeconds"] = 60
    new["spec"]["tolerations"].append({"key": "k", "operator": "Exists", "effect": "NoSchedule"})
    new["spec"]["tolerations"][0]["tolerationSeconds"] = 10
    assert update_messages(new, old) == []


def test_update_other_spec_fields_forbidden_with_diff() -> None:
    old = stored_pod()
    new = copy.deepcopy(old)
    new["spec"]["restartPolicy"] = "Never"
    (message,) = update_messages(new, old)
    assert (
        message
        == FORBIDDEN_PREFIX + '\n- spec.restartPolicy: "Always"\n+ spec.restartPolicy: "Never"'
    )


def test_update_containers_cannot_be_added() -> None:
    old = stored_pod()
    new = copy.deepcopy(old)
    new["spec"]["containers"].append({**new["spec"]["containers"][0], "name": "d"})
    assert update_messages(new, old) == [
        "spec.containers: Forbidden: pod updates may not add or remove containers"
    ]


def test_update_active_deadline_rules() -> None:
    old = stored_pod(activeDeadlineSeconds=30)
    raised = copy.deepcopy(old)
    raised["spec"]["activeDeadlineSeconds"] = 60
    assert update_messages(raised, old) == [
        "spec.activeDeadlineSeconds: Invalid value: 60: must be less than or equal to previous "
        "value"
    ]
    removed = copy.deepcopy(old)
    del removed["spec"]["activeDeadlineSeconds"]
    assert update_messages(removed, old) == [
        "spec.activeDeadlineSeconds: Invalid value: null: must not update from a positive "
        "integer to nil value"
    ]


def test_update_tolerations_may_not_be_removed() -> None:
    old = stored_pod()
    new = copy.deepcopy(old)
    new["spec"]["tolerations"].pop()
    assert update_messages(new, old) == [
        "spec.tolerations: Forbidden: existing toleration can not be modified except its "
        "tolerationSeconds"
    ]


@pytest.mark.parametrize("image", ["", " x"])
def test_update_images_must_stay_valid(image: str) -> None:
    old = stored_pod()
    new = copy.deepcopy(old)
    new["spec"]["containers"][0]["image"] = image
    found = update_messages(new, old)
    assert any(m.startswith("spec.containers[0].image: ") for m in found)
