"""Validation of PersistentVolumes, PersistentVolumeClaims (v1) and StorageClasses
(storage.k8s.io/v1), after Kubernetes' ``ValidatePersistentVolume[Claim][Update]`` and
``ValidateStorageClass[Update]``.

What a user meets: a claim needs access modes and a positive ``resources.requests.storage``;
a volume needs access modes, a ``capacity`` of ``storage`` only and exactly one volume
source (a ``local`` one also node affinity). A claim's spec is fixed once made, except that
the PV controller fills in ``volumeName`` (and a default class may be given to a claim
without one), and a *bound* claim may ask for more storage (expansion), never less than it
has. A class's provisioner, parameters, reclaim policy and binding mode never change.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .fielderrors import FieldError, FieldPath, forbidden, invalid, not_supported, required
from .kinds import ResourceInfo
from .quantity import Quantity
from .storage import ACCESS_MODES, BINDING_MODES, RECLAIM_POLICIES, VOLUME_MODES
from .validate_meta import (
    get_map,
    get_str,
    go_map,
    name_is_dns_subdomain,
    quantity_or_none,
    semantic_equal,
    validate_immutable,
    validate_label_selector,
    validate_object_meta,
    validate_object_meta_update,
)
from .validation import is_dns1123_subdomain

__all__ = [
    "validate_persistent_volume",
    "validate_persistent_volume_claim",
    "validate_persistent_volume_claim_update",
    "validate_persistent_volume_update",
    "validate_storage_class",
    "validate_storage_class_update",
]

_SPEC = FieldPath.of("spec")
#: the volume sources a PersistentVolume may use (``PersistentVolumeSource``)
PV_SOURCES = (
    "gcePersistentDisk", "awsElasticBlockStore", "hostPath", "glusterfs", "nfs", "rbd",
    "iscsi", "cinder", "cephfs", "fc", "flocker", "flexVolume", "azureFile", "vsphereVolume",
    "quobyte", "azureDisk", "photonPersistentDisk", "portworxVolume", "scaleIO", "local",
    "storageos", "csi",
)


def _access_modes(spec: Mapping[str, Any], path: FieldPath, claim: bool) -> list[FieldError]:
    modes = spec.get("accessModes") or []
    at = path.child("accessModes")
    if not isinstance(modes, list) or not modes:
        return [required(at, "at least 1 access mode is required" if claim else "")]
    errors = [not_supported(at, mode, ACCESS_MODES) for mode in modes
              if mode not in ACCESS_MODES]
    if "ReadWriteOncePod" in modes and len(modes) > 1:
        errors.append(forbidden(at, "may not use ReadWriteOncePod with other access modes"))
    return errors


def _class_name(spec: Mapping[str, Any], path: FieldPath) -> list[FieldError]:
    name = spec.get("storageClassName")
    if not name:
        return []
    return [invalid(path.child("storageClassName"), name, problem)
            for problem in is_dns1123_subdomain(str(name))]


def _volume_mode(spec: Mapping[str, Any], path: FieldPath) -> list[FieldError]:
    mode = spec.get("volumeMode")
    if mode is None or mode in VOLUME_MODES:
        return []
    return [not_supported(path.child("volumeMode"), mode, VOLUME_MODES)]


# -- PersistentVolumeClaim ------------------------------------------------------------------


def _claim_spec(spec: Mapping[str, Any]) -> list[FieldError]:
    """``ValidatePersistentVolumeClaimSpec``."""
    errors = _access_modes(spec, _SPEC, claim=True)
    if spec.get("selector") is not None:
        errors += validate_label_selector(spec.get("selector"), _SPEC.child("selector"))
    requests = get_map(get_map(spec, "resources"), "requests")
    if "storage" not in requests:
        errors.append(required(_SPEC.child("resources").key("storage"), ""))
    else:
        at = _SPEC.child("resources", "requests").key("storage")
        value = quantity_or_none(requests["storage"])
        if value is None:
            errors.append(invalid(at, requests["storage"], "quantities must match the regular "
                                  "expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"))
        elif value <= Quantity(0):
            errors.append(invalid(at, requests["storage"], "must be greater than zero"))
    return errors + _class_name(spec, _SPEC) + _volume_mode(spec, _SPEC)


def validate_persistent_volume_claim(obj: Mapping[str, Any], info: ResourceInfo
                                     ) -> list[FieldError]:
    """``ValidatePersistentVolumeClaim``."""
    return validate_object_meta(obj, True, name_is_dns_subdomain) + \
        _claim_spec(get_map(obj, "spec"))


def validate_persistent_volume_claim_update(new: Mapping[str, Any], old: Mapping[str, Any],
                                            info: ResourceInfo) -> list[FieldError]:
    """``ValidatePersistentVolumeClaimUpdate``: the spec is fixed but for what binding fills
    in (``volumeName``, once) and a default class given to a claim without one; a bound
    claim may grow (``resources.requests.storage``), never below its ``status.capacity``."""
    errors = validate_object_meta_update(new, old) + validate_persistent_volume_claim(new, info)
    new_spec, old_spec = dict(get_map(new, "spec")), dict(get_map(old, "spec"))
    if not old_spec.get("volumeName"):
        new_spec["volumeName"] = old_spec.get("volumeName")
    if old_spec.get("storageClassName") is None:
        new_spec["storageClassName"] = None
        old_spec["storageClassName"] = None
    bound = get_str(get_map(new, "status"), "phase") == "Bound"
    new_size = get_map(get_map(new_spec, "resources"), "requests").get("storage")
    old_size = get_map(get_map(old_spec, "resources"), "requests").get("storage")
    if bound and new_size is not None:
        resources = dict(get_map(new_spec, "resources"))
        resources["requests"] = {**get_map(resources, "requests"), "storage": old_size}
        new_spec["resources"] = resources
    if not semantic_equal(_without_none(new_spec), _without_none(old_spec)):
        errors.append(forbidden(_SPEC, "spec is immutable after creation except "
                                       "resources.requests and volumeAttributesClassName for "
                                       "bound claims"))
    elif bound and new_size is not None and new_size != old_size:
        wanted = quantity_or_none(new_size)
        has = quantity_or_none(get_map(get_map(new, "status"), "capacity").get("storage"))
        if wanted is not None and has is not None and wanted < has:
            errors.append(forbidden(_SPEC.child("resources", "requests", "storage"),
                                    "field can not be less than status.capacity"))
    return errors


def _without_none(spec: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in spec.items() if value is not None}


# -- PersistentVolume -----------------------------------------------------------------------


def _volume_spec(spec: Mapping[str, Any]) -> list[FieldError]:
    """``ValidatePersistentVolumeSpec``."""
    errors = _access_modes(spec, _SPEC, claim=False)
    capacity = get_map(spec, "capacity")
    at = _SPEC.child("capacity")
    if not capacity:
        errors.append(required(at, ""))
    elif "storage" not in capacity or len(capacity) > 1:
        errors.append(not_supported(at, go_map(capacity), ("storage",)))
    for key, value in capacity.items():
        quantity = quantity_or_none(value)
        if quantity is None or quantity < Quantity(0):
            errors.append(invalid(at.key(str(key)), value,
                                  "must be greater than or equal to 0"))
    policy = spec.get("persistentVolumeReclaimPolicy")
    if policy is not None and policy not in RECLAIM_POLICIES:
        errors.append(not_supported(_SPEC.child("persistentVolumeReclaimPolicy"), policy,
                                    RECLAIM_POLICIES))
    errors += _class_name(spec, _SPEC) + _volume_mode(spec, _SPEC)
    sources = [name for name in PV_SOURCES if spec.get(name) is not None]
    if not sources:
        errors.append(required(_SPEC, "must specify a volume type"))
    for extra in sources[1:]:
        errors.append(forbidden(_SPEC.child(extra), "may not specify more than 1 volume type"))
    for source in ("hostPath", "local"):
        if source in sources and not get_str(get_map(spec, source), "path"):
            errors.append(required(_SPEC.child(source, "path"), ""))
    affinity = spec.get("nodeAffinity")
    if affinity is not None and not get_map(affinity, "required"):
        errors.append(required(_SPEC.child("nodeAffinity", "required"),
                               "must specify required node constraints"))
    if "local" in sources and affinity is None:
        errors.append(required(_SPEC.child("nodeAffinity"), "Local volume requires node "
                                                            "affinity"))
    return errors


def validate_persistent_volume(obj: Mapping[str, Any], info: ResourceInfo) -> list[FieldError]:
    """``ValidatePersistentVolume``."""
    return validate_object_meta(obj, False, name_is_dns_subdomain) + \
        _volume_spec(get_map(obj, "spec"))


def validate_persistent_volume_update(new: Mapping[str, Any], old: Mapping[str, Any],
                                      info: ResourceInfo) -> list[FieldError]:
    """``ValidatePersistentVolumeUpdate``: the volume source, mode and (once set) node
    affinity are fixed."""
    errors = validate_object_meta_update(new, old) + validate_persistent_volume(new, info)
    new_spec, old_spec = get_map(new, "spec"), get_map(old, "spec")
    if any(not semantic_equal(new_spec.get(name), old_spec.get(name)) for name in PV_SOURCES):
        errors.append(forbidden(_SPEC.child("persistentvolumesource"),
                                "spec.persistentvolumesource is immutable after creation"))
    errors += validate_immutable(new_spec.get("volumeMode"), old_spec.get("volumeMode"),
                                 FieldPath.of("volumeMode"))
    if old_spec.get("nodeAffinity") is not None:
        errors += validate_immutable(new_spec.get("nodeAffinity"), old_spec.get("nodeAffinity"),
                                     FieldPath.of("nodeAffinity"))
    return errors


# -- StorageClass ---------------------------------------------------------------------------


def validate_storage_class(obj: Mapping[str, Any], info: ResourceInfo) -> list[FieldError]:
    """``ValidateStorageClass``."""
    errors = validate_object_meta(obj, False, name_is_dns_subdomain)
    provisioner = obj.get("provisioner")
    if not provisioner:
        errors.append(required(FieldPath.of("provisioner"), ""))
    policy = obj.get("reclaimPolicy")
    if policy is not None and policy not in ("Delete", "Retain"):
        errors.append(not_supported(FieldPath.of("reclaimPolicy"), policy, ("Delete", "Retain")))
    mode = obj.get("volumeBindingMode")
    if mode is None:
        errors.append(required(FieldPath.of("volumeBindingMode"), ""))
    elif mode not in BINDING_MODES:
        errors.append(not_supported(FieldPath.of("volumeBindingMode"), mode, BINDING_MODES))
    return errors


def validate_storage_class_update(new: Mapping[str, Any], old: Mapping[str, Any],
                                  info: ResourceInfo) -> list[FieldError]:
    """``ValidateStorageClassUpdate``."""
    errors = validate_object_meta_update(new, old) + validate_storage_class(new, info)
    if not semantic_equal(new.get("parameters") or {}, old.get("parameters") or {}):
        errors.append(forbidden(FieldPath.of("parameters"), "updates to parameters are "
                                                            "forbidden."))
    if new.get("provisioner") != old.get("provisioner"):
        errors.append(forbidden(FieldPath.of("provisioner"), "updates to provisioner are "
                                                             "forbidden."))
    if new.get("reclaimPolicy") != old.get("reclaimPolicy"):
        errors.append(forbidden(FieldPath.of("reclaimPolicy"), "updates to reclaimPolicy are "
                                                               "forbidden."))
    errors += validate_immutable(new.get("volumeBindingMode"), old.get("volumeBindingMode"),
                                 FieldPath.of("volumeBindingMode"))
    return errors
