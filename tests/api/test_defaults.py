"""Defaulting of built-in kinds, against Kubernetes' v1 defaulters."""

from __future__ import annotations

import base64
import copy
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kactors.api import DEFAULT_REGISTRY, load_manifest_file, validate_create
from kactors.api.defaults import (
    apply_defaults,
    defaulted_kinds,
    generate_job_selector,
    image_tag,
)

FIXTURES = Path(__file__).parent / "fixtures"
PODS = DEFAULT_REGISTRY.by_resource("pods")

CONTAINER_DEFAULTS = {
    "imagePullPolicy": "IfNotPresent",
    "terminationMessagePath": "/dev/termination-log",
    "terminationMessagePolicy": "File",
}
POD_SPEC_DEFAULTS = {
    "dnsPolicy": "ClusterFirst",
    "restartPolicy": "Always",
    "securityContext": {},
    "terminationGracePeriodSeconds": 30,
    "schedulerName": "default-scheduler",
}
DEFAULT_TOLERATIONS = [
    {
        "key": "node.kubernetes.io/not-ready",
        "operator": "Exists",
        "effect": "NoExecute",
        "tolerationSeconds": 300,
    },
    {
        "key": "node.kubernetes.io/unreachable",
        "operator": "Exists",
        "effect": "NoExecute",
        "tolerationSeconds": 300,
    },
]


def pod(**spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p", "namespace": "default"},
        "spec": {"containers": [{"name": "c", "image": "nginx:1.25"}], **spec},
    }


def test_nginx_deployment_from_the_docs() -> None:
    (deployment,) = load_manifest_file(FIXTURES / "nginx-deployment.yaml")
    snapshot = copy.deepcopy(deployment)
    defaulted = apply_defaults(deployment)
    assert deployment == snapshot  # never mutates its input
    spec = defaulted["spec"]
    assert spec["replicas"] == 3  # given, kept
    assert spec["strategy"] == {
        "type": "RollingUpdate",
        "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"},
    }
    assert spec["revisionHistoryLimit"] == 10
    assert spec["progressDeadlineSeconds"] == 600
    template_spec = spec["template"]["spec"]
    assert {key: template_spec[key] for key in POD_SPEC_DEFAULTS} == POD_SPEC_DEFAULTS
    assert template_spec["containers"] == [
        {
            "name": "nginx",
            "image": "nginx:1.14.2",
            "ports": [{"containerPort": 80, "protocol": "TCP"}],
            **CONTAINER_DEFAULTS,
        }
    ]
    # Pod-only defaults and admission never touch templates.
    for key in ("enableServiceLinks", "serviceAccountName", "priority", "tolerations"):
        assert key not in template_spec


def test_deployment_replicas_default_and_recreate_strategy() -> None:
    minimal = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}}
    assert apply_defaults(minimal)["spec"]["replicas"] == 1
    recreate = {**minimal, "spec": {"strategy": {"type": "Recreate"}}}
    assert apply_defaults(recreate)["spec"]["strategy"] == {"type": "Recreate"}
    partial = {**minimal, "spec": {"strategy": {"rollingUpdate": {"maxSurge": 2}}}}
    assert apply_defaults(partial)["spec"]["strategy"]["rollingUpdate"] == {
        "maxSurge": 2,
        "maxUnavailable": "25%",
    }


def test_pod_defaults_and_admission_on_create() -> None:
    spec = apply_defaults(pod())["spec"]
    assert {key: spec[key] for key in POD_SPEC_DEFAULTS} == POD_SPEC_DEFAULTS
    assert spec["containers"][0] == {"name": "c", "image": "nginx:1.25", **CONTAINER_DEFAULTS}
    assert spec["enableServiceLinks"] is True
    assert spec["serviceAccountName"] == spec["serviceAccount"] == "default"
    assert spec["priority"] == 0
    assert spec["preemptionPolicy"] == "PreemptLowerPriority"
    assert spec["tolerations"] == DEFAULT_TOLERATIONS


def test_pod_defaults_on_update_skip_admission() -> None:
    spec = apply_defaults(pod(), create=False)["spec"]
    assert spec["enableServiceLinks"] is True
    for key in ("serviceAccountName", "priority", "tolerations", "preemptionPolicy"):
        assert key not in spec


def test_given_values_are_kept() -> None:
    given = pod(
        restartPolicy="Never",
        serviceAccountName="builder",
        terminationGracePeriodSeconds=0,
        enableServiceLinks=False,
        tolerations=[{"operator": "Exists"}],
        priorityClassName="system-node-critical",
    )
    spec = apply_defaults(given)["spec"]
    assert spec["restartPolicy"] == "Never"
    assert spec["serviceAccountName"] == spec["serviceAccount"] == "builder"
    assert spec["terminationGracePeriodSeconds"] == 0  # a set pointer is kept, even 0
    assert spec["enableServiceLinks"] is False
    assert spec["tolerations"] == [{"operator": "Exists"}]  # tolerates everything already
    assert spec["priority"] == 2000001000


def test_unknown_priority_class_is_left_for_lookup() -> None:
    spec = apply_defaults(pod(priorityClassName="high"))["spec"]
    assert "priority" not in spec


def test_partial_tolerations_get_the_missing_default() -> None:
    given = pod(tolerations=[{"key": "node.kubernetes.io/not-ready", "operator": "Exists"}])
    tolerations = apply_defaults(given)["spec"]["tolerations"]
    assert tolerations == [given["spec"]["tolerations"][0], DEFAULT_TOLERATIONS[1]]


def test_mirror_pods_get_no_service_account() -> None:
    mirror = pod()
    mirror["metadata"]["annotations"] = {"kubernetes.io/config.mirror": "abc"}
    assert "serviceAccountName" not in apply_defaults(mirror)["spec"]


@pytest.mark.parametrize(
    ("image", "tag", "policy"),
    [
        ("nginx", "latest", "Always"),
        ("nginx:latest", "latest", "Always"),
        ("nginx:1.25", "1.25", "IfNotPresent"),
        ("localhost:5000/team/app", "latest", "Always"),
        ("localhost:5000/team/app:v2", "v2", "IfNotPresent"),
        ("registry.k8s.io/pause:3.9", "3.9", "IfNotPresent"),
        ("nginx@sha256:" + "a" * 64, "", "IfNotPresent"),
        ("nginx:1.25@sha256:" + "a" * 64, "1.25", "IfNotPresent"),
        ("Nginx", "", "IfNotPresent"),  # unparsable: no tag
        ("", "", "IfNotPresent"),
    ],
)
def test_image_pull_policy_follows_the_tag(image: str, tag: str, policy: str) -> None:
    assert image_tag(image) == tag
    container = apply_defaults(pod(containers=[{"name": "c", "image": image}]))["spec"][
        "containers"
    ][0]
    assert container["imagePullPolicy"] == policy


def test_requests_default_to_limits_and_quantities_are_canonical() -> None:
    (frontend, _cm) = load_manifest_file(FIXTURES / "pod-with-resources.yaml")
    frontend["metadata"]["namespace"] = "default"
    container = apply_defaults(frontend)["spec"]["containers"][0]
    assert container["resources"] == {
        "requests": {"memory": "64Mi", "cpu": "250m"},
        "limits": {"memory": "128Mi", "cpu": "500m"},
    }
    limited = pod(
        containers=[
            {
                "name": "c",
                "image": "i",
                "resources": {"limits": {"cpu": 0.5, "memory": "1Gi"}, "requests": {"cpu": 1}},
            }
        ]
    )
    resources = apply_defaults(limited)["spec"]["containers"][0]["resources"]
    assert resources == {
        "limits": {"cpu": "500m", "memory": "1Gi"},
        "requests": {"cpu": "1", "memory": "1Gi"},
    }


def test_requests_are_not_copied_into_templates() -> None:
    rs = {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": {"name": "r"},
        "spec": {
            "template": {
                "spec": {
                    "containers": [
                        {"name": "c", "image": "i", "resources": {"limits": {"cpu": "1"}}}
                    ]
                }
            }
        },
    }
    defaulted = apply_defaults(rs)
    assert defaulted["spec"]["replicas"] == 1
    assert defaulted["spec"]["template"]["spec"]["containers"][0]["resources"] == {
        "limits": {"cpu": "1"}
    }


def test_container_parts_defaults() -> None:
    container = {
        "name": "c",
        "image": "i",
        "ports": [{"containerPort": 80}, {"containerPort": 53, "protocol": "UDP"}],
        "env": [{"name": "NODE", "valueFrom": {"fieldRef": {"fieldPath": "spec.nodeName"}}}],
        "livenessProbe": {"httpGet": {"port": 8080}},
        "readinessProbe": {"tcpSocket": {"port": 80}, "periodSeconds": 5},
        "lifecycle": {"preStop": {"httpGet": {"port": 80, "path": "/stop"}}},
    }
    defaulted = apply_defaults(pod(containers=[container], hostNetwork=True))["spec"]
    result = defaulted["containers"][0]
    assert result["ports"] == [
        {"containerPort": 80, "protocol": "TCP", "hostPort": 80},
        {"containerPort": 53, "protocol": "UDP", "hostPort": 53},
    ]
    assert result["env"][0]["valueFrom"]["fieldRef"] == {
        "fieldPath": "spec.nodeName",
        "apiVersion": "v1",
    }
    assert result["livenessProbe"] == {
        "httpGet": {"port": 8080, "path": "/", "scheme": "HTTP"},
        "timeoutSeconds": 1,
        "periodSeconds": 10,
        "successThreshold": 1,
        "failureThreshold": 3,
    }
    assert result["readinessProbe"]["periodSeconds"] == 5
    assert result["lifecycle"]["preStop"]["httpGet"] == {
        "port": 80,
        "path": "/stop",
        "scheme": "HTTP",
    }


def test_volume_defaults() -> None:
    volumes = [
        {"name": "scratch"},
        {"name": "cfg", "configMap": {"name": "cm"}},
        {"name": "sec", "secret": {"secretName": "s", "defaultMode": 0o400}},
        {"name": "host", "hostPath": {"path": "/var"}},
        {"name": "tok", "projected": {"sources": [{"serviceAccountToken": {"path": "t"}}]}},
    ]
    result = apply_defaults(pod(volumes=volumes))["spec"]["volumes"]
    assert result[0] == {"name": "scratch", "emptyDir": {}}
    assert result[1]["configMap"] == {"name": "cm", "defaultMode": 420}
    assert result[2]["secret"] == {"secretName": "s", "defaultMode": 0o400}
    assert result[3]["hostPath"] == {"path": "/var", "type": ""}
    assert result[4]["projected"] == {
        "sources": [{"serviceAccountToken": {"path": "t", "expirationSeconds": 3600}}],
        "defaultMode": 420,
    }


def test_replicaset_and_daemonset() -> None:
    ds = apply_defaults({"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "d"}})
    assert ds["spec"]["updateStrategy"] == {
        "type": "RollingUpdate",
        "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0},
    }
    assert ds["spec"]["revisionHistoryLimit"] == 10
    on_delete = {
        "apiVersion": "apps/v1",
        "kind": "DaemonSet",
        "metadata": {"name": "d"},
        "spec": {"updateStrategy": {"type": "OnDelete"}},
    }
    assert apply_defaults(on_delete)["spec"]["updateStrategy"] == {"type": "OnDelete"}


def test_statefulset() -> None:
    sts = {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": {"name": "db"},
        "spec": {"volumeClaimTemplates": [{"metadata": {"name": "data"}, "spec": {}}]},
    }
    spec = apply_defaults(sts)["spec"]
    assert spec["replicas"] == 1
    assert spec["podManagementPolicy"] == "OrderedReady"
    assert spec["updateStrategy"] == {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}}
    assert spec["revisionHistoryLimit"] == 10
    assert spec["persistentVolumeClaimRetentionPolicy"] == {
        "whenDeleted": "Retain",
        "whenScaled": "Retain",
    }
    assert spec["volumeClaimTemplates"][0] == {
        "metadata": {"name": "data"},
        "spec": {"volumeMode": "Filesystem"},
        "status": {"phase": "Pending"},
    }
    # A given RollingUpdate type without a rollingUpdate block stays without one.
    typed = copy.deepcopy(sts)
    typed["spec"]["updateStrategy"] = {"type": "RollingUpdate"}
    assert apply_defaults(typed)["spec"]["updateStrategy"] == {"type": "RollingUpdate"}


def job(**spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": "pi", "namespace": "default"},
        "spec": {
            "template": {
                "metadata": {"labels": {"app": "pi"}},
                "spec": {"containers": [{"name": "pi", "image": "perl"}], "restartPolicy": "Never"},
            },
            **spec,
        },
    }


def test_job_defaults() -> None:
    defaulted = apply_defaults(job())
    spec = defaulted["spec"]
    assert (spec["completions"], spec["parallelism"], spec["backoffLimit"]) == (1, 1, 6)
    assert spec["completionMode"] == "NonIndexed"
    assert spec["suspend"] is False
    assert spec["manualSelector"] is False
    assert spec["podReplacementPolicy"] == "TerminatingOrFailed"
    assert defaulted["metadata"]["labels"] == {"app": "pi"}  # copied from the template
    assert spec["template"]["spec"]["restartPolicy"] == "Never"


@pytest.mark.parametrize(
    ("given", "completions", "parallelism"),
    [
        ({}, 1, 1),
        ({"parallelism": 5}, None, 5),  # a work queue: completions stays unset
        ({"completions": 5}, 5, 1),
        ({"completions": 0, "parallelism": 0}, 0, 0),
    ],
)
def test_job_completions_and_parallelism(
    given: dict[str, int], completions: int | None, parallelism: int
) -> None:
    spec = apply_defaults(job(**given))["spec"]
    assert spec.get("completions") == completions
    assert spec["parallelism"] == parallelism


def test_job_other_rules() -> None:
    per_index = apply_defaults(job(backoffLimitPerIndex=1, completionMode="Indexed"))["spec"]
    assert per_index["backoffLimit"] == 2**31 - 1
    policy = {"rules": [{"action": "Ignore", "onPodConditions": [{"type": "DisruptionTarget"}]}]}
    with_policy = apply_defaults(job(podFailurePolicy=policy))["spec"]
    assert with_policy["podReplacementPolicy"] == "Failed"
    assert with_policy["podFailurePolicy"]["rules"][0]["onPodConditions"] == [
        {"type": "DisruptionTarget", "status": "True"}
    ]
    labelled = job()
    labelled["metadata"]["labels"] = {"team": "a"}
    assert apply_defaults(labelled)["metadata"]["labels"] == {"team": "a"}


def test_generate_job_selector() -> None:
    defaulted = apply_defaults(job())
    generated = generate_job_selector(defaulted, "uid-1")
    assert defaulted == apply_defaults(job())  # input untouched
    assert generated["spec"]["selector"] == {
        "matchLabels": {"batch.kubernetes.io/controller-uid": "uid-1"}
    }
    assert generated["spec"]["template"]["metadata"]["labels"] == {
        "app": "pi",
        "job-name": "pi",
        "batch.kubernetes.io/job-name": "pi",
        "controller-uid": "uid-1",
        "batch.kubernetes.io/controller-uid": "uid-1",
    }


def test_generate_job_selector_respects_manual_and_user_labels() -> None:
    manual = job(manualSelector=True, selector={"matchLabels": {"app": "pi"}})
    assert generate_job_selector(manual, "u") == manual
    conflicting = job()
    conflicting["spec"]["template"]["metadata"]["labels"]["job-name"] = "other"
    labels = generate_job_selector(conflicting, "u")["spec"]["template"]["metadata"]["labels"]
    assert labels["job-name"] == "other"  # left for validation to reject


def test_service_defaults() -> None:
    (service,) = load_manifest_file(FIXTURES / "service.yaml")
    spec = apply_defaults(service)["spec"]
    assert spec == {
        "selector": {"app.kubernetes.io/name": "MyApp"},
        "ports": [{"protocol": "TCP", "port": 80, "targetPort": 9376}],
        "sessionAffinity": "None",
        "type": "ClusterIP",
        "internalTrafficPolicy": "Cluster",
        "ipFamilyPolicy": "SingleStack",
        "ipFamilies": ["IPv4"],
    }


def test_service_defaults_per_type() -> None:
    def svc(**spec: Any) -> dict[str, Any]:
        return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"}, "spec": spec}

    node_port = apply_defaults(svc(type="NodePort", ports=[{"port": 80}]))["spec"]
    assert node_port["ports"] == [{"port": 80, "protocol": "TCP", "targetPort": 80}]
    assert node_port["externalTrafficPolicy"] == "Cluster"
    lb = apply_defaults(svc(type="LoadBalancer"))["spec"]
    assert lb["allocateLoadBalancerNodePorts"] is True
    external = apply_defaults(svc(type="ExternalName", externalName="example.com"))["spec"]
    for key in ("ipFamilies", "ipFamilyPolicy", "internalTrafficPolicy", "clusterIPs"):
        assert key not in external
    affinity = apply_defaults(svc(sessionAffinity="ClientIP"))["spec"]
    assert affinity["sessionAffinityConfig"] == {"clientIP": {"timeoutSeconds": 10800}}
    none = apply_defaults(svc(sessionAffinityConfig={"clientIP": {}}))["spec"]
    assert "sessionAffinityConfig" not in none
    fixed = apply_defaults(svc(clusterIP="10.0.0.10"))["spec"]
    assert fixed["clusterIPs"] == ["10.0.0.10"]
    headless = apply_defaults(svc(clusterIP="None"))["spec"]
    assert headless["ipFamilyPolicy"] == "RequireDualStack"
    assert headless["ipFamilies"] == ["IPv4", "IPv6"]
    headless_selected = apply_defaults(svc(clusterIP="None", selector={"a": "b"}))["spec"]
    assert headless_selected["ipFamilyPolicy"] == "SingleStack"
    assert "ipFamilyPolicy" not in apply_defaults(svc(), create=False)["spec"]


def test_namespace_defaults() -> None:
    ns = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team-a"}}
    defaulted = apply_defaults(ns)
    assert defaulted["metadata"]["labels"] == {"kubernetes.io/metadata.name": "team-a"}
    assert defaulted["spec"] == {"finalizers": ["kubernetes"]}
    assert defaulted["status"] == {"phase": "Active"}
    custom = {**ns, "spec": {"finalizers": ["example.com/x"]}, "status": {"phase": "Terminating"}}
    created = apply_defaults(custom)
    assert created["spec"]["finalizers"] == ["example.com/x", "kubernetes"]
    assert created["status"] == {"phase": "Active"}  # PrepareForCreate resets the status
    updated = apply_defaults(custom, create=False)
    assert updated["spec"]["finalizers"] == ["example.com/x"]
    assert updated["status"] == {"phase": "Terminating"}


def test_node_secret_endpoints_defaults() -> None:
    node = {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": "n1"},
        "status": {"capacity": {"cpu": 4, "memory": "8Gi", "pods": "110"}},
    }
    assert apply_defaults(node)["status"]["allocatable"] == {
        "cpu": "4",
        "memory": "8Gi",
        "pods": "110",
    }
    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "s"},
        "data": {"a": base64.b64encode(b"old").decode()},
        "stringData": {"a": "new", "b": "two"},
    }
    defaulted = apply_defaults(secret)
    assert defaulted["type"] == "Opaque"
    assert "stringData" not in defaulted
    assert defaulted["data"] == {"a": "bmV3", "b": "dHdv"}
    endpoints = {
        "apiVersion": "v1",
        "kind": "Endpoints",
        "metadata": {"name": "e"},
        "subsets": [{"addresses": [{"ip": "10.1.0.1"}], "ports": [{"port": 80}]}],
    }
    assert apply_defaults(endpoints)["subsets"][0]["ports"] == [{"port": 80, "protocol": "TCP"}]


def test_rbac_defaults() -> None:
    binding = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "RoleBinding",
        "metadata": {"name": "b", "namespace": "default"},
        "roleRef": {"kind": "Role", "name": "r"},
        "subjects": [
            {"kind": "User", "name": "jane"},
            {"kind": "ServiceAccount", "name": "default", "namespace": "default"},
        ],
    }
    defaulted = apply_defaults(binding)
    assert defaulted["roleRef"]["apiGroup"] == "rbac.authorization.k8s.io"
    assert defaulted["subjects"][0]["apiGroup"] == "rbac.authorization.k8s.io"
    assert "apiGroup" not in defaulted["subjects"][1]


def test_crd_defaults() -> None:
    crd = {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "websites.example.com"},
        "spec": {
            "group": "example.com",
            "names": {"plural": "websites", "kind": "Website"},
            "scope": "Namespaced",
            "versions": [
                {"name": "v1beta1", "served": True, "storage": False},
                {"name": "v1", "served": True, "storage": True},
            ],
        },
    }
    defaulted = apply_defaults(crd)
    names = defaulted["spec"]["names"]
    assert (names["singular"], names["listKind"]) == ("website", "WebsiteList")
    assert defaulted["spec"]["conversion"] == {"strategy": "None"}
    assert defaulted["status"] == {"storedVersions": ["v1"]}


def test_kinds_without_defaults_are_copied() -> None:
    cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"k": "v"}}
    copied = apply_defaults(cm)
    assert copied == cm and copied is not cm and copied["data"] is not cm["data"]
    assert apply_defaults({"apiVersion": "a/b/c", "kind": "X"}) == {
        "apiVersion": "a/b/c",
        "kind": "X",
    }
    assert ("", "Pod") in defaulted_kinds() and ("batch", "Job") in defaulted_kinds()


# -- properties ------------------------------------------------------------------------------

_names = st.from_regex(r"[a-z][a-z0-9]{0,8}", fullmatch=True)
_images = st.sampled_from(["nginx", "nginx:1.25", "busybox:latest", "registry.k8s.io/pause:3.9"])
_containers = st.lists(
    st.fixed_dictionaries(
        {"name": _names, "image": _images},
        optional={
            "ports": st.lists(
                st.fixed_dictionaries(
                    {"containerPort": st.integers(1, 65535)},
                    optional={"protocol": st.sampled_from(["TCP", "UDP"])},
                ),
                max_size=2,
            ),
            "resources": st.fixed_dictionaries(
                {},
                optional={
                    "limits": st.fixed_dictionaries({"cpu": st.sampled_from(["1", "500m", 2])}),
                    "requests": st.fixed_dictionaries({"memory": st.sampled_from(["64Mi", "1G"])}),
                },
            ),
        },
    ),
    min_size=1,
    max_size=3,
    unique_by=lambda container: container["name"],
)
_pods = st.builds(
    lambda containers, extra: {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p", "namespace": "default"},
        "spec": {"containers": containers, **extra},
    },
    _containers,
    st.fixed_dictionaries(
        {},
        optional={
            "restartPolicy": st.sampled_from(["Always", "OnFailure", "Never"]),
            "nodeSelector": st.dictionaries(_names, _names, max_size=2),
            "priorityClassName": st.sampled_from(["system-node-critical", "high"]),
        },
    ),
)


@settings(max_examples=30, deadline=None)
@given(_pods, st.booleans())
def test_defaults_are_idempotent_pure_and_valid(obj: dict[str, Any], create: bool) -> None:
    snapshot = copy.deepcopy(obj)
    once = apply_defaults(obj, create=create)
    assert obj == snapshot
    assert apply_defaults(once, create=create) == once
    if create:
        assert validate_create(once, PODS) == []
