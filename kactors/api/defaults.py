"""Defaulting of built-in kinds: what the apiserver fills in before validating an object.

:func:`apply_defaults` reproduces, per kind, Kubernetes' versioned defaulters
(``SetDefaults_*`` in ``pkg/apis/*/v1/defaults.go``, run on every decoded request), plus,
when ``create`` is true, the create-time mutations that make a freshly created object
look the way Kubernetes returns it: the default mutating admission plugins for Pods
(:mod:`kactors.api.defaults_pod`) and a few ``PrepareForCreate`` strategy steps
(Namespace finalizer and phase, Service IP families, CRD stored versions). Each defaulter
below says where its rules come from.

Covered: Pod, every pod template (Deployment, ReplicaSet, StatefulSet, DaemonSet, Job),
Service, Namespace, Node, Secret, Endpoints, PersistentVolume, PersistentVolumeClaim,
StorageClass, Role/ClusterRole bindings and
CustomResourceDefinition. ConfigMap, ServiceAccount, Event, Lease, Role, ClusterRole,
ControllerRevision and Binding have no visible defaults in v1 (``SetDefaults_ConfigMap``
only creates an empty map, which serialises to nothing).

:func:`apply_defaults` never mutates its input: it works on a private deep copy.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping
from typing import Any

from .autoscaling import default_hpa
from .defaults_pod import (
    default_pod,
    default_pod_template,
    default_resource_list,
    image_tag,
)
from .errors import KindError
from .kinds import parse_api_version
from .meta import deep_copy

__all__ = [
    "JOB_CONTROLLER_UID_LABEL",
    "JOB_NAME_LABEL",
    "LEGACY_JOB_CONTROLLER_UID_LABEL",
    "LEGACY_JOB_NAME_LABEL",
    "apply_defaults",
    "defaulted_kinds",
    "generate_job_selector",
    "image_tag",
]

JSON = dict[str, Any]

JOB_CONTROLLER_UID_LABEL = "batch.kubernetes.io/controller-uid"
JOB_NAME_LABEL = "batch.kubernetes.io/job-name"
LEGACY_JOB_CONTROLLER_UID_LABEL = "controller-uid"
LEGACY_JOB_NAME_LABEL = "job-name"

_RBAC_GROUP = "rbac.authorization.k8s.io"
_MAX_INT32 = 2**31 - 1


def _spec(obj: JSON) -> JSON:
    """``obj["spec"]``, created if absent (Go structs always have a spec)."""
    spec = obj.get("spec")
    if not isinstance(spec, dict):
        spec = obj["spec"] = {}
    return spec


def _setdefault(obj: JSON, key: str, value: Any) -> None:
    """Set ``key`` when absent or null (a nil pointer / empty string in Go)."""
    if obj.get(key) is None or obj.get(key) == "":
        obj[key] = value


def _rolling_update(strategy: JSON) -> JSON:
    rolling = strategy.get("rollingUpdate")
    if not isinstance(rolling, dict):
        rolling = strategy["rollingUpdate"] = {}
    return rolling


# -- core/v1 ------------------------------------------------------------------------------


def _default_pod(obj: JSON, create: bool) -> None:
    default_pod(obj, create)


def _default_service(obj: JSON, create: bool) -> None:
    """``SetDefaults_Service``, plus the create-time IP family defaults.

    ``normalizeClusterIPs`` (strategy) keeps ``clusterIP`` and ``clusterIPs[0]`` in step;
    on create, the REST storage's ``initIPFamilyFields`` picks ``ipFamilyPolicy`` and
    ``ipFamilies`` for a single-stack IPv4 cluster (headless services without a selector
    get ``RequireDualStack``, as Kubernetes does). Allocating the cluster IP itself is the
    apiserver's job, not a default.
    """
    spec = _spec(obj)
    _setdefault(spec, "sessionAffinity", "None")
    if spec["sessionAffinity"] == "None":
        spec.pop("sessionAffinityConfig", None)
    elif spec["sessionAffinity"] == "ClientIP":
        config = spec.get("sessionAffinityConfig")
        client_ip = config.get("clientIP") if isinstance(config, dict) else None
        if not isinstance(client_ip, dict) or client_ip.get("timeoutSeconds") is None:
            spec["sessionAffinityConfig"] = {"clientIP": {"timeoutSeconds": 10800}}
    _setdefault(spec, "type", "ClusterIP")
    for port in spec.get("ports") or []:
        if isinstance(port, dict):
            _setdefault(port, "protocol", "TCP")
            if port.get("targetPort") in (None, 0, ""):
                port["targetPort"] = port.get("port")
    service_type = spec["type"]
    externally_accessible = service_type in ("LoadBalancer", "NodePort") or (
        service_type == "ClusterIP" and bool(spec.get("externalIPs"))
    )
    if externally_accessible:
        _setdefault(spec, "externalTrafficPolicy", "Cluster")
    if service_type in ("NodePort", "LoadBalancer", "ClusterIP"):
        _setdefault(spec, "internalTrafficPolicy", "Cluster")
    if service_type == "LoadBalancer":
        _setdefault(spec, "allocateLoadBalancerNodePorts", True)
    if service_type != "ExternalName":
        if spec.get("clusterIP") and not spec.get("clusterIPs"):
            spec["clusterIPs"] = [spec["clusterIP"]]
        elif spec.get("clusterIPs") and not spec.get("clusterIP"):
            spec["clusterIP"] = spec["clusterIPs"][0]
        if create:
            _default_ip_families(spec)


def _default_ip_families(spec: JSON) -> None:
    families = spec.get("ipFamilies") or []
    if spec.get("ipFamilyPolicy") is None and len(families) == 2:
        spec["ipFamilyPolicy"] = "RequireDualStack"
    if spec.get("clusterIP") == "None" and not spec.get("selector"):
        _setdefault(spec, "ipFamilyPolicy", "RequireDualStack")
        families = list(families) or ["IPv4"]
        if len(families) < 2 and spec["ipFamilyPolicy"] != "SingleStack":
            families.append("IPv6" if families[0] == "IPv4" else "IPv4")
        spec["ipFamilies"] = families
        return
    _setdefault(spec, "ipFamilyPolicy", "SingleStack")
    if not families:
        spec["ipFamilies"] = ["IPv4"]


def _default_namespace(obj: JSON, create: bool) -> None:
    """``SetDefaults_Namespace`` (the ``kubernetes.io/metadata.name`` label) and status phase.

    On create, like the namespace strategy's ``PrepareForCreate``: status reset to
    ``Active`` and the ``kubernetes`` finalizer appended to ``spec.finalizers``.
    """
    metadata = obj.get("metadata")
    if isinstance(metadata, dict) and metadata.get("name"):
        labels = metadata.get("labels")
        labels = dict(labels) if isinstance(labels, dict) else {}
        labels["kubernetes.io/metadata.name"] = metadata["name"]
        metadata["labels"] = labels
    if create:
        obj["status"] = {"phase": "Active"}
        spec = _spec(obj)
        finalizers = spec.get("finalizers")
        finalizers = list(finalizers) if isinstance(finalizers, list) else []
        if "kubernetes" not in finalizers:
            finalizers.append("kubernetes")
        spec["finalizers"] = finalizers
    status = obj.get("status")
    if not isinstance(status, dict):
        status = obj["status"] = {}
    _setdefault(status, "phase", "Active")


def _default_node(obj: JSON, create: bool) -> None:
    """``SetDefaults_NodeStatus``: allocatable defaults to capacity; quantities canonical."""
    status = obj.get("status")
    if not isinstance(status, dict):
        return
    default_resource_list(status.get("capacity"))
    default_resource_list(status.get("allocatable"))
    if status.get("allocatable") is None and isinstance(status.get("capacity"), dict):
        status["allocatable"] = dict(status["capacity"])


def _default_secret(obj: JSON, create: bool) -> None:
    """``SetDefaults_Secret`` (type ``Opaque``) and the v1 conversion of ``stringData``.

    ``stringData`` is write-only: the conversion to the internal type base64-encodes it
    into ``data`` (overriding keys present in both) and drops it.
    """
    _setdefault(obj, "type", "Opaque")
    string_data = obj.pop("stringData", None)
    if isinstance(string_data, dict) and string_data:
        data = obj.get("data")
        data = dict(data) if isinstance(data, dict) else {}
        for key, value in string_data.items():
            data[key] = base64.b64encode(str(value).encode()).decode()
        obj["data"] = data


def complete_limit_item(item: Mapping[str, Any]) -> dict[str, Any]:
    """``SetDefaults_LimitRangeItem``: a Container item's ``default`` (limits) completed
    from ``max``, its ``defaultRequest`` from ``default``, then from ``min``."""
    result = dict(item)
    if result.get("type") != "Container":
        return result
    default = dict(result.get("default") or {})
    request = dict(result.get("defaultRequest") or {})
    for key, value in (result.get("max") or {}).items():
        default.setdefault(key, value)
    for key, value in default.items():
        request.setdefault(key, value)
    for key, value in (result.get("min") or {}).items():
        request.setdefault(key, value)
    result["default"], result["defaultRequest"] = default, request
    return result


def _default_limitrange(obj: JSON, create: bool) -> None:
    limits = _spec(obj).get("limits")
    if isinstance(limits, list):
        _spec(obj)["limits"] = [complete_limit_item(item) if isinstance(item, dict) else item
                                for item in limits]


def _default_endpoints(obj: JSON, create: bool) -> None:
    """``SetDefaults_Endpoints``: ports default to TCP."""
    for subset in obj.get("subsets") or []:
        if isinstance(subset, dict):
            for port in subset.get("ports") or []:
                if isinstance(port, dict):
                    _setdefault(port, "protocol", "TCP")


def _default_endpoint_slice(obj: JSON, create: bool) -> None:
    """discovery/v1 ``SetDefaults_EndpointPort``: a port's name defaults to "" and its
    protocol to TCP (consumers match ports by name, so an absent name must read as "")."""
    for port in obj.get("ports") or []:
        if isinstance(port, dict):
            _setdefault(port, "name", "")
            _setdefault(port, "protocol", "TCP")


# -- apps/v1 ------------------------------------------------------------------------------


def _default_deployment(obj: JSON, create: bool) -> None:
    """``SetDefaults_Deployment`` (apps/v1): 1 replica, RollingUpdate 25%/25%, 10, 600s."""
    spec = _spec(obj)
    _setdefault(spec, "replicas", 1)
    strategy = spec.get("strategy")
    if not isinstance(strategy, dict):
        strategy = spec["strategy"] = {}
    _setdefault(strategy, "type", "RollingUpdate")
    if strategy["type"] == "RollingUpdate":
        rolling = _rolling_update(strategy)
        _setdefault(rolling, "maxUnavailable", "25%")
        _setdefault(rolling, "maxSurge", "25%")
    _setdefault(spec, "revisionHistoryLimit", 10)
    _setdefault(spec, "progressDeadlineSeconds", 600)
    default_pod_template(spec.setdefault("template", {}))


def _default_replicaset(obj: JSON, create: bool) -> None:
    """``SetDefaults_ReplicaSet``: 1 replica."""
    spec = _spec(obj)
    _setdefault(spec, "replicas", 1)
    default_pod_template(spec.setdefault("template", {}))


def _default_daemonset(obj: JSON, create: bool) -> None:
    """``SetDefaults_DaemonSet``: RollingUpdate with maxUnavailable 1, maxSurge 0; 10."""
    spec = _spec(obj)
    strategy = spec.get("updateStrategy")
    if not isinstance(strategy, dict):
        strategy = spec["updateStrategy"] = {}
    _setdefault(strategy, "type", "RollingUpdate")
    if strategy["type"] == "RollingUpdate":
        rolling = _rolling_update(strategy)
        _setdefault(rolling, "maxUnavailable", 1)
        _setdefault(rolling, "maxSurge", 0)
    _setdefault(spec, "revisionHistoryLimit", 10)
    default_pod_template(spec.setdefault("template", {}))


def _default_statefulset(obj: JSON, create: bool) -> None:
    """``SetDefaults_StatefulSet``.

    OrderedReady, RollingUpdate with partition 0 (the ``rollingUpdate`` block is only
    created when the type was defaulted too), PVC retention ``Retain``/``Retain``
    (``StatefulSetAutoDeletePVC`` is GA), 1 replica, 10 revisions; the claim templates get
    the PVC defaults (``volumeMode: Filesystem``, ``status.phase: Pending``).
    """
    spec = _spec(obj)
    _setdefault(spec, "podManagementPolicy", "OrderedReady")
    strategy = spec.get("updateStrategy")
    if not isinstance(strategy, dict):
        strategy = spec["updateStrategy"] = {}
    if not strategy.get("type"):
        strategy["type"] = "RollingUpdate"
        _rolling_update(strategy)
    rolling = strategy.get("rollingUpdate")
    if strategy["type"] == "RollingUpdate" and isinstance(rolling, dict):
        _setdefault(rolling, "partition", 0)
    retention = spec.get("persistentVolumeClaimRetentionPolicy")
    if not isinstance(retention, dict):
        retention = spec["persistentVolumeClaimRetentionPolicy"] = {}
    _setdefault(retention, "whenDeleted", "Retain")
    _setdefault(retention, "whenScaled", "Retain")
    _setdefault(spec, "replicas", 1)
    _setdefault(spec, "revisionHistoryLimit", 10)
    default_pod_template(spec.setdefault("template", {}))
    for claim in spec.get("volumeClaimTemplates") or []:
        if isinstance(claim, dict):
            claim_spec = claim.setdefault("spec", {})
            if isinstance(claim_spec, dict):
                _setdefault(claim_spec, "volumeMode", "Filesystem")
            status = claim.setdefault("status", {})
            if isinstance(status, dict):
                _setdefault(status, "phase", "Pending")


# -- storage ----------------------------------------------------------------------------


def _status_phase(obj: JSON, phase: str) -> None:
    status = obj.get("status")
    if not isinstance(status, dict):
        status = obj["status"] = {}
    _setdefault(status, "phase", phase)


def _default_persistent_volume(obj: JSON, create: bool) -> None:
    """``SetDefaults_PersistentVolume``: reclaim policy ``Retain`` (a provisioner sets its
    class's policy explicitly), ``volumeMode: Filesystem``, phase ``Pending``."""
    spec = _spec(obj)
    _setdefault(spec, "persistentVolumeReclaimPolicy", "Retain")
    _setdefault(spec, "volumeMode", "Filesystem")
    _status_phase(obj, "Pending")


def _default_persistent_volume_claim(obj: JSON, create: bool) -> None:
    """``SetDefaults_PersistentVolumeClaim[Spec]``: ``volumeMode: Filesystem``, phase
    ``Pending``."""
    _setdefault(_spec(obj), "volumeMode", "Filesystem")
    _status_phase(obj, "Pending")


def _default_storage_class(obj: JSON, create: bool) -> None:
    """``SetDefaults_StorageClass`` (storage/v1): reclaim ``Delete``, binding ``Immediate``."""
    _setdefault(obj, "reclaimPolicy", "Delete")
    _setdefault(obj, "volumeBindingMode", "Immediate")


# -- batch/v1 -----------------------------------------------------------------------------


def _default_job(obj: JSON, create: bool) -> None:
    """``SetDefaults_Job`` (batch/v1).

    completions and parallelism become 1 *only when both are unset*; otherwise only
    parallelism defaults to 1 (a work-queue Job keeps ``completions`` unset). backoffLimit
    6 (MaxInt32 with ``backoffLimitPerIndex``), labels copied from the template when the
    Job has none, ``NonIndexed``, not suspended, ``podReplacementPolicy`` per
    ``podFailurePolicy``, and ``manualSelector: false`` (as current Kubernetes does).
    The selector itself is generated at creation: see :func:`generate_job_selector`.
    """
    spec = _spec(obj)
    if spec.get("completions") is None and spec.get("parallelism") is None:
        spec["completions"] = 1
        spec["parallelism"] = 1
    _setdefault(spec, "parallelism", 1)
    if spec.get("backoffLimit") is None:
        spec["backoffLimit"] = _MAX_INT32 if spec.get("backoffLimitPerIndex") is not None else 6
    template = spec.setdefault("template", {})
    template_meta = template.get("metadata") if isinstance(template, dict) else None
    template_labels = template_meta.get("labels") if isinstance(template_meta, dict) else None
    metadata = obj.setdefault("metadata", {})
    if isinstance(template_labels, dict) and isinstance(metadata, dict):
        if not metadata.get("labels"):
            metadata["labels"] = dict(template_labels)
    _setdefault(spec, "completionMode", "NonIndexed")
    _setdefault(spec, "suspend", False)
    failure_policy = spec.get("podFailurePolicy")
    if isinstance(failure_policy, dict):
        for rule in failure_policy.get("rules") or []:
            for condition in (rule.get("onPodConditions") or []) if isinstance(rule, dict) else []:
                if isinstance(condition, dict):
                    _setdefault(condition, "status", "True")
    replacement = "Failed" if failure_policy is not None else "TerminatingOrFailed"
    _setdefault(spec, "podReplacementPolicy", replacement)
    _setdefault(spec, "manualSelector", False)
    default_pod_template(template)


def _default_cronjob(obj: JSON, create: bool) -> None:
    """``SetDefaults_CronJob``: concurrency Allow, not suspended, 3 successful and 1
    failed Job kept; the job template's pod template gets the pod defaults (its Job
    spec gets the Job defaults only when a Job is made from it)."""
    spec = _spec(obj)
    _setdefault(spec, "concurrencyPolicy", "Allow")
    _setdefault(spec, "suspend", False)
    _setdefault(spec, "successfulJobsHistoryLimit", 3)
    _setdefault(spec, "failedJobsHistoryLimit", 1)
    job_template = spec.setdefault("jobTemplate", {})
    job_spec = job_template.setdefault("spec", {}) if isinstance(job_template, dict) else None
    if isinstance(job_spec, dict):
        default_pod_template(job_spec.setdefault("template", {}))


def generate_job_selector(job: Mapping[str, Any], uid: str) -> dict[str, Any]:
    """A copy of ``job`` with its selector generated, as the Job strategy does on create.

    Unless ``spec.manualSelector`` is true, the pod template gets the labels
    ``batch.kubernetes.io/controller-uid``/``controller-uid`` (= ``uid``) and
    ``batch.kubernetes.io/job-name``/``job-name`` (= the Job's name), each only when the
    user did not set it (a conflicting value is then rejected by validation), and
    ``spec.selector.matchLabels`` gets ``batch.kubernetes.io/controller-uid: <uid>``.
    The caller stores ``uid`` in ``metadata.uid`` too (validation requires it).
    """
    result = deep_copy(job)
    spec = _spec(result)
    if spec.get("manualSelector") is True:
        return result
    name = str(result.get("metadata", {}).get("name", ""))
    template = spec.get("template")
    if not isinstance(template, dict):
        template = spec["template"] = {}
    template_meta = template.get("metadata")
    if not isinstance(template_meta, dict):
        template_meta = template["metadata"] = {}
    labels = template_meta.get("labels")
    labels = dict(labels) if isinstance(labels, dict) else {}
    for key in (LEGACY_JOB_NAME_LABEL, JOB_NAME_LABEL):
        labels.setdefault(key, name)
    for key in (LEGACY_JOB_CONTROLLER_UID_LABEL, JOB_CONTROLLER_UID_LABEL):
        labels.setdefault(key, uid)
    template_meta["labels"] = labels
    selector = spec.get("selector")
    selector = dict(selector) if isinstance(selector, dict) else {}
    match_labels = selector.get("matchLabels")
    match_labels = dict(match_labels) if isinstance(match_labels, dict) else {}
    match_labels.setdefault(JOB_CONTROLLER_UID_LABEL, uid)
    selector["matchLabels"] = match_labels
    spec["selector"] = selector
    return result


# -- rbac, apiextensions ------------------------------------------------------------------


def _default_binding(obj: JSON, create: bool) -> None:
    """``SetDefaults_RoleBinding``/``ClusterRoleBinding`` and ``SetDefaults_Subject``."""
    role_ref = obj.get("roleRef")
    if isinstance(role_ref, dict):
        _setdefault(role_ref, "apiGroup", _RBAC_GROUP)
    for subject in obj.get("subjects") or []:
        if isinstance(subject, dict) and subject.get("kind") in ("User", "Group"):
            _setdefault(subject, "apiGroup", _RBAC_GROUP)


def _default_crd(obj: JSON, create: bool) -> None:
    """``SetDefaults_CustomResourceDefinition[Spec]`` (apiextensions/v1).

    Singular name and list kind from the kind, conversion strategy ``None``, webhook
    service port 443. ``scope`` is *required* in v1 (only v1beta1 defaulted it), so it is
    left to validation. On create, like ``PrepareForCreate``: status reset and
    ``storedVersions`` set to the storage version.
    """
    spec = _spec(obj)
    names = spec.get("names")
    if isinstance(names, dict) and isinstance(names.get("kind"), str) and names["kind"]:
        _setdefault(names, "singular", names["kind"].lower())
        _setdefault(names, "listKind", names["kind"] + "List")
    conversion = spec.get("conversion")
    if not isinstance(conversion, dict):
        conversion = spec["conversion"] = {}
    _setdefault(conversion, "strategy", "None")
    webhook = conversion.get("webhook")
    client_config = webhook.get("clientConfig") if isinstance(webhook, dict) else None
    service = client_config.get("service") if isinstance(client_config, dict) else None
    if isinstance(service, dict):
        _setdefault(service, "port", 443)
    if create:
        stored = [
            version["name"]
            for version in spec.get("versions") or []
            if isinstance(version, dict) and version.get("storage") is True and "name" in version
        ]
        obj["status"] = {"storedVersions": stored[:1]} if stored else {}


def _default_network_policy(obj: JSON, create: bool) -> None:
    """``SetDefaults_NetworkPolicyPort`` (protocol TCP) and ``SetDefaults_NetworkPolicy``:
    no ``policyTypes`` means Ingress, plus Egress when there are egress rules."""
    spec = _spec(obj)
    for direction in ("ingress", "egress"):
        for rule in spec.get(direction) or []:
            for port in (rule.get("ports") or []) if isinstance(rule, dict) else []:
                if isinstance(port, dict):
                    _setdefault(port, "protocol", "TCP")
    if not spec.get("policyTypes"):
        spec["policyTypes"] = ["Ingress", "Egress"] if spec.get("egress") else ["Ingress"]
    if not isinstance(spec.get("podSelector"), dict):
        spec["podSelector"] = {}


def _default_ingress_class(obj: JSON, create: bool) -> None:
    """``SetDefaults_IngressClass``: parameters without a scope are cluster-scoped."""
    parameters = _spec(obj).get("parameters")
    if isinstance(parameters, dict):
        _setdefault(parameters, "scope", "Cluster")


_Defaulter = Callable[[JSON, bool], None]

_DEFAULTERS: dict[tuple[str, str], _Defaulter] = {
    ("", "Pod"): _default_pod,
    ("", "Service"): _default_service,
    ("", "Namespace"): _default_namespace,
    ("", "Node"): _default_node,
    ("", "Secret"): _default_secret,
    ("", "Endpoints"): _default_endpoints,
    ("discovery.k8s.io", "EndpointSlice"): _default_endpoint_slice,
    ("", "LimitRange"): _default_limitrange,
    ("", "PersistentVolume"): _default_persistent_volume,
    ("", "PersistentVolumeClaim"): _default_persistent_volume_claim,
    ("storage.k8s.io", "StorageClass"): _default_storage_class,
    ("apps", "Deployment"): _default_deployment,
    ("apps", "ReplicaSet"): _default_replicaset,
    ("apps", "DaemonSet"): _default_daemonset,
    ("apps", "StatefulSet"): _default_statefulset,
    ("batch", "Job"): _default_job,
    ("batch", "CronJob"): _default_cronjob,
    ("autoscaling", "HorizontalPodAutoscaler"): default_hpa,
    (_RBAC_GROUP, "RoleBinding"): _default_binding,
    (_RBAC_GROUP, "ClusterRoleBinding"): _default_binding,
    ("apiextensions.k8s.io", "CustomResourceDefinition"): _default_crd,
    ("networking.k8s.io", "NetworkPolicy"): _default_network_policy,
    ("networking.k8s.io", "IngressClass"): _default_ingress_class,
}


def defaulted_kinds() -> tuple[tuple[str, str], ...]:
    """The (group, kind) pairs that have defaults, sorted."""
    return tuple(sorted(_DEFAULTERS))


def apply_defaults(obj: Mapping[str, Any], *, create: bool = True, copy: bool = True
                   ) -> dict[str, Any]:
    """A defaulted deep copy of ``obj``; the input is never mutated.

    ``create=True`` (the default) also applies the create-only mutations (Pod admission
    plugins, Namespace finalizer, Service IP families, CRD stored versions); pass
    ``create=False`` when defaulting the body of an update or a patch result. Objects of
    kinds without defaults (custom resources included) come back as plain copies.
    ``copy=False``: ``obj`` is a plain-dict deep copy of the caller's own, defaulted in
    place and returned (the apiserver's create path copies the body once, already).
    """
    result = deep_copy(obj) if copy else obj
    api_version = result.get("apiVersion")
    try:
        group, _version = parse_api_version(api_version if isinstance(api_version, str) else "")
    except KindError:
        return result
    defaulter = _DEFAULTERS.get((group, str(result.get("kind", ""))))
    if defaulter is not None:
        defaulter(result, create)
    return result
