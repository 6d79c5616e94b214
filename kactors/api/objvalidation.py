"""Validation of built-in objects on create and update: the apiserver's "validation" step.

:func:`validate_create` and :func:`validate_update` dispatch on the object's kind to the
per-kind modules (:mod:`~kactors.api.validate_pod` with ``validate_container``,
``validate_resources`` and ``validate_scheduling``; :mod:`~kactors.api.validate_service`,
:mod:`~kactors.api.validate_core`, :mod:`~kactors.api.validate_apps`,
:mod:`~kactors.api.validate_batch`, :mod:`~kactors.api.validate_rbac`,
:mod:`~kactors.api.validate_coordination`, :mod:`~kactors.api.validate_policy`,
:mod:`~kactors.api.validate_discovery`, :mod:`~kactors.api.validate_storage`,
:mod:`~kactors.api.validate_apiextensions`,
all built on :mod:`~kactors.api.validate_meta`) and return :class:`FieldError` values with
Kubernetes' messages; an empty list means valid. :func:`invalid_status` turns the errors
into the 422 ``Status`` the apiserver answers with.

The apiserver runs these *after* defaulting (:func:`kactors.api.defaults.apply_defaults`)
and after the steps Kubernetes' generic registry performs first: generating the name from
``generateName``, setting ``uid``/``creationTimestamp`` on create, generating a Job's
selector, and on update carrying ``uid``, ``creationTimestamp`` and (for unconditional
updates) ``resourceVersion`` over from the stored object. Validating an object that
skipped defaulting reports the defaulted fields as ``Required value``, as Kubernetes
would.

Kinds without dedicated rules (custom resources included) get the generic ObjectMeta
validation; custom resources are validated against their schema by
:func:`kactors.api.schema.validate_custom_resource`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from . import (
    validate_apiextensions,
    validate_apps,
    validate_autoscaling,
    validate_batch,
    validate_coordination,
    validate_core,
    validate_discovery,
    validate_limits,
    validate_networking,
    validate_pod,
    validate_policy,
    validate_priority,
    validate_rbac,
    validate_service,
    validate_storage,
)
from .fielderrors import FieldError
from .kinds import ResourceInfo
from .status import invalid
from .validate_meta import name_fn_for, validate_object_meta, validate_object_meta_update

__all__ = [
    "CreateValidator",
    "UpdateValidator",
    "invalid_status",
    "validate_create",
    "validate_update",
    "validated_kinds",
]

CreateValidator = Callable[[Mapping[str, Any], ResourceInfo], list[FieldError]]
UpdateValidator = Callable[[Mapping[str, Any], Mapping[str, Any], ResourceInfo], list[FieldError]]

_RBAC = "rbac.authorization.k8s.io"
_CRD = ("apiextensions.k8s.io", "CustomResourceDefinition")


def _update_from_create(create: CreateValidator) -> UpdateValidator:
    """The common shape of ``Validate<Kind>Update``: metadata rules, then the new object."""

    def update(
        new: Mapping[str, Any], old: Mapping[str, Any], info: ResourceInfo
    ) -> list[FieldError]:
        return validate_object_meta_update(new, old) + create(new, info)

    return update


# (group, kind) -> (create validator, update validator)
_VALIDATORS: dict[tuple[str, str], tuple[CreateValidator, UpdateValidator]] = {
    ("", "Pod"): (validate_pod.validate_pod, validate_pod.validate_pod_update),
    ("", "Service"): (validate_service.validate_service, validate_service.validate_service_update),
    ("", "ConfigMap"): (
        validate_core.validate_config_map,
        validate_core.validate_config_map_update,
    ),
    ("", "Secret"): (validate_core.validate_secret, validate_core.validate_secret_update),
    ("", "Namespace"): (
        validate_core.validate_namespace,
        lambda new, old, info: validate_object_meta_update(new, old),
    ),
    ("", "Node"): (validate_core.validate_node, validate_core.validate_node_update),
    ("", "ServiceAccount"): (
        validate_core.validate_service_account,
        _update_from_create(validate_core.validate_service_account),
    ),
    ("", "Event"): (
        validate_core.validate_event,
        _update_from_create(validate_core.validate_event),
    ),
    ("", "Endpoints"): (
        validate_core.validate_endpoints,
        _update_from_create(validate_core.validate_endpoints),
    ),
    ("discovery.k8s.io", "EndpointSlice"): (
        validate_discovery.validate_endpoint_slice,
        validate_discovery.validate_endpoint_slice_update,
    ),
    ("", "Binding"): (
        validate_core.validate_binding,
        _update_from_create(validate_core.validate_binding),
    ),
    ("apps", "Deployment"): (
        validate_apps.validate_deployment,
        validate_apps.validate_deployment_update,
    ),
    ("apps", "ReplicaSet"): (
        validate_apps.validate_replicaset,
        validate_apps.validate_replicaset_update,
    ),
    ("apps", "StatefulSet"): (
        validate_apps.validate_statefulset,
        validate_apps.validate_statefulset_update,
    ),
    ("apps", "DaemonSet"): (
        validate_apps.validate_daemonset,
        validate_apps.validate_daemonset_update,
    ),
    ("apps", "ControllerRevision"): (
        validate_apps.validate_controller_revision,
        validate_apps.validate_controller_revision_update,
    ),
    ("batch", "Job"): (validate_batch.validate_job, validate_batch.validate_job_update),
    ("coordination.k8s.io", "Lease"): (
        validate_coordination.validate_lease,
        validate_coordination.validate_lease_update,
    ),
    (_RBAC, "Role"): (
        validate_rbac.validate_role,
        _update_from_create(validate_rbac.validate_role),
    ),
    (_RBAC, "ClusterRole"): (
        validate_rbac.validate_cluster_role,
        _update_from_create(validate_rbac.validate_cluster_role),
    ),
    (_RBAC, "RoleBinding"): (
        validate_rbac.validate_role_binding,
        validate_rbac.validate_binding_update,
    ),
    (_RBAC, "ClusterRoleBinding"): (
        validate_rbac.validate_cluster_role_binding,
        validate_rbac.validate_binding_update,
    ),
    _CRD: (validate_apiextensions.validate_crd, validate_apiextensions.validate_crd_update),
    ("", "LimitRange"): (validate_limits.validate_limit_range,
                         validate_limits.validate_limit_range_update),
    ("", "ResourceQuota"): (validate_limits.validate_resource_quota,
                            validate_limits.validate_resource_quota_update),
    ("batch", "CronJob"): (validate_batch.validate_cronjob,
                           validate_batch.validate_cronjob_update),
    ("scheduling.k8s.io", "PriorityClass"): (validate_priority.validate_priority_class,
                                             validate_priority.validate_priority_class_update),
    ("", "PersistentVolume"): (validate_storage.validate_persistent_volume,
                               validate_storage.validate_persistent_volume_update),
    ("", "PersistentVolumeClaim"): (validate_storage.validate_persistent_volume_claim,
                                    validate_storage.validate_persistent_volume_claim_update),
    ("storage.k8s.io", "StorageClass"): (validate_storage.validate_storage_class,
                                         validate_storage.validate_storage_class_update),
    ("networking.k8s.io", "Ingress"): (validate_networking.validate_ingress,
                                       validate_networking.validate_ingress_update),
    ("networking.k8s.io", "IngressClass"): (validate_networking.validate_ingress_class,
                                            validate_networking.validate_ingress_class_update),
    ("networking.k8s.io", "NetworkPolicy"): (
        validate_networking.validate_network_policy,
        validate_networking.validate_network_policy_update),
    ("policy", "PodDisruptionBudget"): (validate_policy.validate_pdb,
                                        validate_policy.validate_pdb_update),
    ("autoscaling", "HorizontalPodAutoscaler"): (validate_autoscaling.validate_hpa,
                                                 validate_autoscaling.validate_hpa_update),
}


def validated_kinds() -> tuple[tuple[str, str], ...]:
    """The (group, kind) pairs with dedicated rules, sorted."""
    return tuple(sorted(_VALIDATORS))


def _generic_create(obj: Mapping[str, Any], info: ResourceInfo) -> list[FieldError]:
    return validate_object_meta(obj, info.namespaced, name_fn_for(info))


def validate_create(obj: Mapping[str, Any], info: ResourceInfo) -> list[FieldError]:
    """Problems with ``obj`` as a new object of ``info``'s kind (empty when valid)."""
    validators = None if info.custom else _VALIDATORS.get((info.group, info.kind))
    return (validators[0] if validators else _generic_create)(obj, info)


def validate_update(
    new: Mapping[str, Any], old: Mapping[str, Any], info: ResourceInfo
) -> list[FieldError]:
    """Problems with replacing ``old`` by ``new`` (both of ``info``'s kind)."""
    validators = None if info.custom else _VALIDATORS.get((info.group, info.kind))
    if validators is None:
        return validate_object_meta_update(new, old) + _generic_create(new, info)
    return validators[1](new, old, info)


def invalid_status(
    obj: Mapping[str, Any], info: ResourceInfo, errors: list[FieldError]
) -> dict[str, Any]:
    """The 422 ``Status`` for ``errors``: ``Deployment.apps "x" is invalid: [...]``."""
    metadata = obj.get("metadata")
    name = metadata.get("name", "") if isinstance(metadata, Mapping) else ""
    return invalid(info, str(name), errors)
