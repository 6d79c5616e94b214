"""apps/v1 controllers and batch/v1 Jobs: create and update validation."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from kactors.api import (
    DEFAULT_REGISTRY,
    apply_defaults,
    generate_job_selector,
    invalid_status,
    load_manifest_file,
)
from kactors.api.objvalidation import validate_create, validate_update

FIXTURES = Path(__file__).parent / "fixtures"
R = DEFAULT_REGISTRY


def messages(obj: dict[str, Any]) -> list[str]:
    return [error.message() for error in validate_create(obj, R.for_object(obj))]


def update_messages(new: dict[str, Any], old: dict[str, Any]) -> list[str]:
    return [error.message() for error in validate_update(new, old, R.for_object(new))]


def stored(obj: dict[str, Any]) -> dict[str, Any]:
    obj = copy.deepcopy(obj)
    obj["metadata"].update(uid="u", resourceVersion="1")
    return obj


def nginx() -> dict[str, Any]:
    (deployment,) = load_manifest_file(FIXTURES / "nginx-deployment.yaml")
    deployment["metadata"]["namespace"] = "default"
    return apply_defaults(deployment)


def workload(kind: str, **spec: Any) -> dict[str, Any]:
    obj = {
        "apiVersion": "apps/v1",
        "kind": kind,
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "web", "image": "nginx:1.25"}]},
            },
            **spec,
        },
    }
    return apply_defaults(obj)


# -- Deployment -------------------------------------------------------------------------------


def test_nginx_deployment_is_valid() -> None:
    assert messages(nginx()) == []


def test_negative_replicas_and_label_mismatch() -> None:
    deployment = nginx()
    deployment["spec"]["replicas"] = -1
    deployment["spec"]["template"]["metadata"]["labels"] = {"app": "other"}
    errors = validate_create(deployment, R.for_object(deployment))
    assert [e.message() for e in errors] == [
        "spec.replicas: Invalid value: -1: must be greater than or equal to 0",
        'spec.template.metadata.labels: Invalid value: {"app":"other"}: `selector` does not '
        "match template `labels`",
    ]
    built = invalid_status(deployment, R.for_object(deployment), errors)
    assert built["message"] == (
        'Deployment.apps "nginx-deployment" is invalid: [spec.replicas: Invalid value: -1: must '
        'be greater than or equal to 0, spec.template.metadata.labels: Invalid value: {"app":'
        '"other"}: `selector` does not match template `labels`]'
    )
    assert built["code"] == 422 and built["details"]["kind"] == "Deployment"


def test_missing_and_empty_selectors() -> None:
    missing = workload("Deployment")
    del missing["spec"]["selector"]
    assert messages(missing) == [
        "spec.selector: Required value",
        'spec.template.metadata.labels: Invalid value: {"app":"web"}: `selector` does not match '
        "template `labels`",
    ]
    empty = workload("Deployment", selector={})
    assert messages(empty) == [
        "spec.selector: Invalid value: {}: empty selector is invalid for deployment"
    ]


def test_template_must_restart_always() -> None:
    deployment = workload("Deployment")
    deployment["spec"]["template"]["spec"]["restartPolicy"] = "OnFailure"
    deployment["spec"]["template"]["spec"]["activeDeadlineSeconds"] = 10
    assert messages(deployment) == [
        'spec.template.spec.restartPolicy: Unsupported value: "OnFailure": supported values: '
        '"Always"',
        "spec.template.spec.activeDeadlineSeconds: Forbidden: activeDeadlineSeconds in "
        "Deployment is not Supported",
    ]


def test_template_pod_spec_is_validated() -> None:
    deployment = workload("Deployment")
    deployment["spec"]["template"]["spec"]["containers"][0]["image"] = ""
    assert messages(deployment) == ["spec.template.spec.containers[0].image: Required value"]


def test_rolling_update_parameters() -> None:
    zero = workload(
        "Deployment",
        strategy={"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 0, "maxUnavailable": 0}},
    )
    assert messages(zero) == [
        "spec.strategy.rollingUpdate.maxUnavailable: Invalid value: 0: may not be 0 when "
        "`maxSurge` is 0"
    ]
    bad = workload(
        "Deployment",
        strategy={
            "type": "RollingUpdate",
            "rollingUpdate": {"maxSurge": "x", "maxUnavailable": "120%"},
        },
    )
    assert messages(bad) == [
        'spec.strategy.rollingUpdate.maxSurge: Invalid value: "x": a valid percent string must '
        "be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for "
        "validation is '[0-9]+%')",
        'spec.strategy.rollingUpdate.maxUnavailable: Invalid value: "120%": must not be greater '
        "than 100%",
    ]
    unknown = workload("Deployment", strategy={"type": "BlueGreen"})
    assert messages(unknown) == [
        'spec.strategy: Unsupported value: {"Type":"BlueGreen","RollingUpdate":null}: supported '
        'values: "Recreate", "RollingUpdate"'
    ]
    recreate = workload("Deployment", strategy={"type": "Recreate", "rollingUpdate": {}})
    assert messages(recreate) == [
        "spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is "
        "'Recreate'"
    ]


def test_progress_deadline_after_min_ready() -> None:
    deployment = workload("Deployment", minReadySeconds=600)
    assert messages(deployment) == [
        "spec.progressDeadlineSeconds: Invalid value: 600: must be greater than minReadySeconds"
    ]


@pytest.mark.parametrize("kind", ["Deployment", "ReplicaSet", "DaemonSet"])
def test_selector_is_immutable(kind: str) -> None:
    old = stored(workload(kind))
    new = copy.deepcopy(old)
    new["spec"]["selector"] = {"matchLabels": {"app": "web", "tier": "front"}}
    new["spec"]["template"]["metadata"]["labels"]["tier"] = "front"
    assert update_messages(new, old) == [
        'spec.selector: Invalid value: {"matchLabels":{"app":"web","tier":"front"}}: field is '
        "immutable"
    ]
    scaled = copy.deepcopy(old)
    if kind != "DaemonSet":
        scaled["spec"]["replicas"] = 5
    scaled["spec"]["template"]["spec"]["containers"][0]["image"] = "nginx:1.26"
    assert update_messages(scaled, old) == []


# -- ReplicaSet, DaemonSet, StatefulSet ---------------------------------------------------------


def test_replicaset() -> None:
    assert messages(workload("ReplicaSet")) == []
    assert messages(workload("ReplicaSet", replicas=-2)) == [
        "spec.replicas: Invalid value: -2: must be greater than or equal to 0"
    ]


def test_daemonset() -> None:
    assert messages(workload("DaemonSet")) == []
    both = workload(
        "DaemonSet",
        updateStrategy={
            "type": "RollingUpdate",
            "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 1},
        },
    )
    assert messages(both) == [
        "spec.updateStrategy.rollingUpdate.maxSurge: Invalid value: 1: may not be set when "
        "maxUnavailable is non-zero"
    ]
    neither = workload(
        "DaemonSet",
        updateStrategy={
            "type": "RollingUpdate",
            "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 0},
        },
    )
    assert messages(neither) == [
        "spec.updateStrategy.rollingUpdate.maxUnavailable: Required value: cannot be 0 when "
        "maxSurge is 0"
    ]
    empty = workload("DaemonSet", selector={})
    assert messages(empty) == [
        "spec.selector: Invalid value: {}: empty selector is invalid for daemonset"
    ]


def test_statefulset() -> None:
    sts = workload("StatefulSet", serviceName="web")
    assert messages(sts) == []
    sts["metadata"]["name"] = "web.v1"
    sts["spec"]["podManagementPolicy"] = "Random"
    sts["spec"]["replicas"] = -1
    assert messages(sts) == [
        'metadata.name: Invalid value: "web.v1": must not contain dots',
        "spec.podManagementPolicy: Invalid value: \"Random\": must be 'OrderedReady' or 'Parallel'",
        "spec.replicas: Invalid value: -1: must be greater than or equal to 0",
    ]


def test_statefulset_pod_spec_is_not_validated_like_kubernetes() -> None:
    sts = workload("StatefulSet")
    sts["spec"]["template"]["spec"]["containers"][0]["image"] = ""
    assert messages(sts) == []


def test_statefulset_update_forbids_other_fields() -> None:
    old = stored(workload("StatefulSet", serviceName="web"))
    new = copy.deepcopy(old)
    new["spec"]["replicas"] = 3
    new["spec"]["template"]["spec"]["containers"][0]["image"] = "nginx:1.26"
    assert update_messages(new, old) == []
    new["spec"]["serviceName"] = "other"
    assert update_messages(new, old) == [
        "spec: Forbidden: updates to statefulset spec for fields other than 'replicas', "
        "'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and "
        "'minReadySeconds' are forbidden"
    ]


# -- Job -----------------------------------------------------------------------------------------


def job(restart: str | None = "Never", **spec: Any) -> dict[str, Any]:
    pod_spec: dict[str, Any] = {"containers": [{"name": "pi", "image": "perl:5.34"}]}
    if restart:
        pod_spec["restartPolicy"] = restart
    obj = {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": "pi", "namespace": "default", "uid": "uid-1"},
        "spec": {"template": {"spec": pod_spec}, **spec},
    }
    return generate_job_selector(apply_defaults(obj), "uid-1")


def test_job_is_valid_with_generated_selector() -> None:
    assert messages(job()) == []


def test_job_default_restart_policy_is_rejected() -> None:
    assert messages(job(restart=None)) == [
        'spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"'
    ]
    assert messages(job(restart="Sometimes")) == [
        'spec.template.spec.restartPolicy: Unsupported value: "Sometimes": supported values: '
        '"Always", "OnFailure", "Never"',
        'spec.template.spec.restartPolicy: Unsupported value: "Sometimes": supported values: '
        '"OnFailure", "Never"',
    ]


def test_job_counters_nonnegative() -> None:
    assert messages(job(completions=-1, parallelism=-2, backoffLimit=-3)) == [
        "spec.parallelism: Invalid value: -2: must be greater than or equal to 0",
        "spec.completions: Invalid value: -1: must be greater than or equal to 0",
        "spec.backoffLimit: Invalid value: -3: must be greater than or equal to 0",
    ]


def test_job_selector_must_be_generated() -> None:
    ungenerated = apply_defaults(job())
    del ungenerated["spec"]["selector"]
    assert messages(ungenerated) == [
        "spec.selector: Required value",
        'spec.template.metadata.labels: Invalid value: {"batch.kubernetes.io/controller-uid":'
        '"uid-1","batch.kubernetes.io/job-name":"pi","controller-uid":"uid-1","job-name":"pi"}: '
        "`selector` does not match template `labels`",
    ]
    tampered = job()
    tampered["spec"]["template"]["metadata"]["labels"]["job-name"] = "other"
    assert messages(tampered) == [
        "spec.template.metadata.labels[job-name]: Invalid value: "
        '{"batch.kubernetes.io/controller-uid":"uid-1","batch.kubernetes.io/job-name":"pi",'
        '"controller-uid":"uid-1","job-name":"other"}: must be \'pi\''
    ]


def test_indexed_job_needs_completions() -> None:
    assert messages(job(completionMode="Indexed", parallelism=2)) == [
        "spec.completions: Required value: when completion mode is Indexed"
    ]
    assert messages(job(completionMode="Sometimes")) == [
        'spec.completionMode: Unsupported value: "Sometimes": supported values: "NonIndexed", '
        '"Indexed"'
    ]


def test_job_template_and_selector_are_immutable() -> None:
    old = stored(job())
    new = copy.deepcopy(old)
    new["spec"]["template"]["spec"]["containers"][0]["image"] = "perl:5.36"
    (message,) = update_messages(new, old)
    assert message.startswith("spec.template: Invalid value: {")
    assert message.endswith("}: field is immutable")
    completions = copy.deepcopy(old)
    completions["spec"]["completions"] = 3
    assert update_messages(completions, old) == [
        "spec.completions: Invalid value: 3: field is immutable"
    ]
    parallel = copy.deepcopy(old)
    parallel["spec"]["parallelism"] = 4
    parallel["spec"]["suspend"] = True
    assert update_messages(parallel, old) == []


def test_suspended_job_may_change_scheduling_directives() -> None:
    old = stored(job(suspend=True))
    new = copy.deepcopy(old)
    new["spec"]["template"]["spec"]["nodeSelector"] = {"disk": "ssd"}
    new["spec"]["template"]["metadata"]["annotations"] = {"a": "b"}
    assert update_messages(new, old) == []
    old["status"] = {"startTime": "2024-01-01T00:00:00Z"}
    assert update_messages(new, old)[0].startswith("spec.template: Invalid value: ")


def revision(**fields: Any) -> dict[str, Any]:
    return {"apiVersion": "apps/v1", "kind": "ControllerRevision",
            "metadata": {"name": "web-5d4f9b7c8c", "namespace": "default"},
            "data": {"spec": {"template": {"$patch": "replace"}}}, "revision": 1, **fields}


def test_controller_revision_data_is_mandatory_and_immutable_revision_is_not() -> None:
    assert messages(revision()) == []
    assert messages(revision(data=None, revision=-1)) == [
        "data: Required value: data is mandatory",
        "revision: Invalid value: -1: must be greater than or equal to 0",
    ]
    old = stored(revision())
    renumbered = copy.deepcopy(old)
    renumbered["revision"] = 7  # what a controller does on rollback
    assert update_messages(renumbered, old) == []
    changed = copy.deepcopy(old)
    changed["data"] = {"spec": {}}
    (message,) = update_messages(changed, old)
    assert message.startswith("data: Invalid value: ") and message.endswith(
        ": field is immutable")
