"""Validation of pod specs: Pods and pod templates (``pkg/apis/core/validation``).

Covers what the control plane relies on: containers (:mod:`kactors.api.validate_container`),
volumes (names and exactly one source), restart and DNS policies, node selectors,
tolerations and affinity (:mod:`kactors.api.validate_scheduling`) and a few scalar
fields, plus the Pod update rules (only images, ``activeDeadlineSeconds``,
added tolerations and removed scheduling gates may change). Security contexts,
topology spread constraints, DNS config details, resource claims and the Windows/Linux
OS-specific rules are not checked. Messages and field paths are Kubernetes' own, quirks
included (``volumeMounts.subPath`` is reported without the mount's index, like Go).
"""

from __future__ import annotations

import json
import marshal
import re
from collections.abc import Mapping
from typing import Any

from .defaults_pod import VOLUME_SOURCES
from .fielderrors import (
    FieldError,
    FieldPath,
    duplicate,
    forbidden,
    invalid,
    not_supported,
    required,
)
from .kinds import ResourceInfo
from .validate_container import validate_containers, validate_init_containers
from .validate_meta import (
    METADATA,
    as_dicts,
    get_list,
    get_map,
    get_str,
    is_int,
    name_is_dns_subdomain,
    quantity_or_none,
    semantic_equal,
    validate_annotations,
    validate_labels,
    validate_object_meta,
    validate_object_meta_update,
)
from .validate_scheduling import validate_affinity, validate_tolerations
from .validation import (
    inclusive_range_error,
    is_dns1123_label,
    is_qualified_name,
)

__all__ = [
    "UPDATABLE_POD_SPEC_FIELDS",
    "validate_pod",
    "validate_pod_spec",
    "validate_pod_template",
    "validate_pod_update",
]

SPEC = FieldPath.of("spec")
_MAX_INT32 = 2**31 - 1
_RESTART_POLICIES = ("Always", "OnFailure", "Never")
_DNS_POLICIES = ("ClusterFirstWithHostNet", "ClusterFirst", "Default", "None")
# Paths Go uses for "may not specify more than 1 volume type" (two are misspelt there).
_SOURCE_PATH_NAMES = {"cephfs": "cephFS", "downwardAPI": "downwarAPI"}

#: ``updatablePodSpecFields``, in Kubernetes' order and wording.
UPDATABLE_POD_SPEC_FIELDS = (
    "`spec.containers[*].image`",
    "`spec.initContainers[*].image`",
    "`spec.activeDeadlineSeconds`",
    "`spec.tolerations` (only additions to existing tolerations)",
    "`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)",
)


def _dns_label(value: str, path: FieldPath) -> list[FieldError]:
    return [invalid(path, value, msg) for msg in is_dns1123_label(value)]


# -- volumes and mounts ----------------------------------------------------------------------


def _validate_volume_source(volume: Mapping[str, Any], path: FieldPath) -> list[FieldError]:
    errors: list[FieldError] = []
    count = 0
    for source in VOLUME_SOURCES:
        if volume.get(source) is None:
            continue
        if count:
            errors.append(
                forbidden(
                    path.child(_SOURCE_PATH_NAMES.get(source, source)),
                    "may not specify more than 1 volume type",
                )
            )
            continue
        count += 1
        body = volume[source] if isinstance(volume[source], Mapping) else {}
        at = path.child(source)
        if source == "hostPath" and not get_str(body, "path"):
            errors.append(required(at.child("path")))
        elif source == "secret" and not get_str(body, "secretName"):
            errors.append(required(at.child("secretName")))
        elif source == "configMap" and not get_str(body, "name"):
            errors.append(required(at.child("name")))
        elif source == "persistentVolumeClaim" and not get_str(body, "claimName"):
            errors.append(required(at.child("claimName")))
        elif source == "emptyDir" and body.get("sizeLimit") is not None:
            quantity = quantity_or_none(body["sizeLimit"])
            if quantity is None or quantity.sign() < 0:
                errors.append(
                    forbidden(
                        at.child("sizeLimit"), "SizeLimit field must be a valid resource quantity"
                    )
                )
    if count == 0:
        errors.append(required(path, "must specify a volume type"))
    return errors


def _validate_volumes(volumes: Any, path: FieldPath) -> tuple[set[str], list[FieldError]]:
    """``ValidateVolumes``: the names of the valid volumes, and the errors."""
    errors: list[FieldError] = []
    names: set[str] = set()
    for index, volume in enumerate(as_dicts(volumes)):
        at = path.index(index)
        name = get_str(volume, "name")
        volume_errors = _validate_volume_source(volume, at)
        if not name:
            volume_errors.append(required(at.child("name")))
        else:
            volume_errors.extend(_dns_label(name, at.child("name")))
        if name in names:
            volume_errors.append(duplicate(at.child("name"), name))
        if volume_errors:
            errors.extend(volume_errors)
        else:
            names.add(name)
    return names, errors


# -- the spec ---------------------------------------------------------------------------------


def _subdomain_fields(
    spec: Mapping[str, Any], keys: tuple[str, ...], path: FieldPath
) -> list[FieldError]:
    errors: list[FieldError] = []
    for key in keys:
        value = get_str(spec, key)
        if value:
            errors.extend(
                invalid(path.child(key), value, msg) for msg in name_is_dns_subdomain(value, False)
            )
    return errors


def _enum(value: Any, allowed: tuple[str, ...], path: FieldPath) -> list[FieldError]:
    if not value:
        return [required(path)]
    if value not in allowed:
        return [not_supported(path, value, allowed)]
    return []


def validate_pod_spec(spec: Any, path: FieldPath, *, is_pod: bool = False) -> list[FieldError]:
    """``ValidatePodSpec`` (the checked subset; see the module docstring)."""
    spec = spec if isinstance(spec, Mapping) else {}
    errors: list[FieldError] = []
    if spec.get("terminationGracePeriodSeconds") is None:
        errors.append(required(path.child("terminationGracePeriodSeconds")))
    volumes, volume_errors = _validate_volumes(spec.get("volumes"), path.child("volumes"))
    errors += volume_errors
    errors += validate_containers(spec.get("containers"), volumes, path.child("containers"))
    errors += validate_init_containers(
        spec.get("initContainers"), spec.get("containers"), volumes, path.child("initContainers")
    )
    if spec.get("hostNetwork") is True:
        for index, container in enumerate(as_dicts(spec.get("containers"))):
            for port_index, port in enumerate(as_dicts(container.get("ports"))):
                host_port, container_port = (
                    port.get("hostPort") or 0,
                    port.get("containerPort") or 0,
                )
                if (is_pod or host_port != 0) and host_port != container_port:
                    at = path.child("containers").index(index).child("ports").index(port_index)
                    errors.append(
                        invalid(
                            at.child("hostPort"),
                            host_port,
                            "must match `containerPort` when `hostNetwork` is true",
                        )
                    )
    errors += _enum(spec.get("restartPolicy"), _RESTART_POLICIES, path.child("restartPolicy"))
    errors += _enum(spec.get("dnsPolicy"), _DNS_POLICIES, path.child("dnsPolicy"))
    errors += validate_labels(spec.get("nodeSelector"), path.child("nodeSelector"))
    for index, secret in enumerate(get_list(spec, "imagePullSecrets")):
        if not isinstance(secret, Mapping) or set(secret) - {"name"}:
            errors.append(
                invalid(
                    path.child("imagePullSecrets").index(index),
                    {"Name": get_str(secret, "name")},  # core.LocalObjectReference, as Go prints it
                    "only name may be set",
                )
            )
    errors += validate_affinity(spec.get("affinity"), path.child("affinity"))
    if spec.get("dnsPolicy") == "None" and not get_list(get_map(spec, "dnsConfig"), "nameservers"):
        if spec.get("dnsConfig") is None:
            errors.append(
                required(
                    path.child("dnsConfig"), "must provide `dnsConfig` when `dnsPolicy` is None"
                )
            )
        else:
            errors.append(
                required(
                    path.child("dnsConfig", "nameservers"),
                    "must provide at least one DNS nameserver when `dnsPolicy` is None",
                )
            )
    gates: set[str] = set()
    for index, gate in enumerate(as_dicts(spec.get("schedulingGates"))):
        name = get_str(gate, "name")
        errors.extend(
            invalid(path.child("schedulingGates").index(index), name, msg)
            for msg in is_qualified_name(name)
        )
        if name in gates:
            errors.append(duplicate(path.child("schedulingGates").index(index), name))
        gates.add(name)
    errors += _subdomain_fields(spec, ("serviceAccountName", "nodeName"), path)
    deadline = spec.get("activeDeadlineSeconds")
    if deadline is not None and (not is_int(deadline) or not 1 <= deadline <= _MAX_INT32):
        errors.append(
            invalid(
                path.child("activeDeadlineSeconds"), deadline, inclusive_range_error(1, _MAX_INT32)
            )
        )
    for key in ("hostname", "subdomain"):
        if get_str(spec, key):
            errors.extend(_dns_label(get_str(spec, key), path.child(key)))
    errors += validate_tolerations(spec.get("tolerations"), path.child("tolerations"))
    errors += _subdomain_fields(spec, ("priorityClassName",), path)
    if spec.get("preemptionPolicy") is not None:
        errors += _enum(
            spec.get("preemptionPolicy"),
            ("PreemptLowerPriority", "Never"),
            path.child("preemptionPolicy"),
        )
    os = spec.get("os")
    if isinstance(os, Mapping):
        if not get_str(os, "name"):
            errors.append(required(path.child("os", "name"), "cannot be empty"))
        elif os["name"] not in ("linux", "windows"):
            errors.append(not_supported(path.child("os"), os["name"], ("linux", "windows")))
    return errors


def validate_pod_template(template: Any, path: FieldPath) -> list[FieldError]:
    """``ValidatePodTemplateSpec``: template labels and annotations, then the pod spec."""
    template = template if isinstance(template, Mapping) else {}
    metadata = get_map(template, "metadata")
    errors = validate_labels(metadata.get("labels"), path.child("labels"))
    errors += validate_annotations(metadata.get("annotations"), path.child("annotations"))
    spec = get_map(template, "spec")
    errors += validate_pod_spec(spec, path.child("spec"))
    if get_list(spec, "ephemeralContainers"):
        errors.append(
            forbidden(
                path.child("spec", "ephemeralContainers"),
                "ephemeral containers not allowed in pod template",
            )
        )
    return errors


def _pod_only(spec: Mapping[str, Any]) -> list[FieldError]:
    """Checks ``validatePodMetadataAndSpec`` adds for Pods (not templates)."""
    errors: list[FieldError] = []
    if not get_str(spec, "serviceAccountName"):
        for index, volume in enumerate(as_dicts(spec.get("volumes"))):
            for source_index, source in enumerate(
                as_dicts(get_map(volume, "projected").get("sources"))
            ):
                if source.get("serviceAccountToken") is not None:
                    at = (
                        SPEC.child("volumes")
                        .index(index)
                        .child("projected", "sources")
                        .index(source_index)
                    )
                    errors.append(
                        forbidden(
                            at.child("serviceAccountToken"),
                            "must not be specified when serviceAccountName is not set",
                        )
                    )
    for key in ("containers", "initContainers"):
        for index, container in enumerate(as_dicts(spec.get(key))):
            image = get_str(container, "image")
            if image != image.strip():
                errors.append(
                    invalid(
                        SPEC.child(key).index(index).child("image"),
                        image,
                        "must not have leading or trailing whitespace",
                    )
                )
    return errors


def validate_pod(pod: Mapping[str, Any], info: ResourceInfo) -> list[FieldError]:
    """Create validation of a Pod (``ValidatePodCreate``)."""
    errors = validate_object_meta(pod, info.namespaced, name_is_dns_subdomain)
    spec = get_map(pod, "spec")
    return errors + _pod_spec_errors(spec)


def _pod_spec_errors(spec: Mapping[str, Any]) -> list[FieldError]:
    """The spec's problems as a Pod's (see _remembered_spec_errors). ServiceAccount
    admission gives every pod a token volume of its own random name, so the pods of one
    template would never share a spec: the spec with that name replaced by a fixed one is
    asked first, and when it is valid, so is this one (see _token_neutral)."""
    neutral = _token_neutral(spec) if spec.__class__ is dict else None
    if neutral is not None:
        errors = _remembered_spec_errors(neutral)
        if not errors:
            return errors
    return _remembered_spec_errors(spec)


def _remembered_spec_errors(spec: Mapping[str, Any]) -> list[FieldError]:
    """The spec's problems as a Pod's: a pure function of the spec, so remembered by its
    exact content for the specs seen last. The pods of one ReplicaSet, Job or DaemonSet
    share their template's spec: the apiserver validates it once, not once per pod.

    The key is the spec's `marshal` bytes: equal bytes mean equal data of the same exact
    types (bool is not int, a tuple is not a list); a spec holding anything else (a
    Mapping that is not a dict, a str subclass) cannot be marshalled and is validated
    every time. Different bytes for equal data (key order) only cost a validation.
    """
    try:
        key = marshal.dumps(spec)
    except ValueError:
        key = None
    if key is not None:
        known = _SPEC_ERRORS.get(key)
        if known is not None:
            return list(known)
    errors = validate_pod_spec(spec, SPEC, is_pod=True) + _pod_only(spec)
    if key is not None:
        if len(_SPEC_ERRORS) >= _SPEC_MEMO_SIZE:
            del _SPEC_ERRORS[next(iter(_SPEC_ERRORS))]  # the oldest
        _SPEC_ERRORS[key] = tuple(errors)
    return errors


#: spec bytes -> its errors (see _remembered_spec_errors); errors are immutable values
_SPEC_ERRORS: dict[bytes, tuple[FieldError, ...]] = {}
_SPEC_MEMO_SIZE = 256

#: the name ServiceAccount admission gives the token volume (`kube-api-access-` and 5
#: random characters), and the fixed name :func:`_token_neutral` puts in its place (one
#: that admission never generates: it draws no "0")
_TOKEN_VOLUME = re.compile(r"kube-api-access-[a-z0-9]{5}")
_NEUTRAL_TOKEN_VOLUME = "kube-api-access-00000"
_CONTAINER_LISTS = ("containers", "initContainers", "ephemeralContainers")
_VOLUME_REFERENCES = ("volumeMounts", "volumeDevices")


def _token_neutral(spec: dict[str, Any]) -> dict[str, Any] | None:
    """`spec` with its one token volume (a volume named like ServiceAccount admission
    names them) and every mount and device referring to it renamed to
    `_NEUTRAL_TOKEN_VOLUME`; None when there is no such volume, more than one, or the
    fixed name is in use already. Shallow copies along the renamed paths: `spec` itself
    is not changed.

    Why a valid result means a valid `spec`: a volume name is only ever checked for its
    format (both names are DNS labels of the same length), for uniqueness among the
    volumes, and for being the target of mounts and devices; a renaming of one name to
    a name used nowhere else, in the volume and every reference alike, changes none of
    these answers."""
    volumes = spec.get("volumes")
    if volumes.__class__ is not list:
        return None
    found = -1
    for index, volume in enumerate(volumes):
        name = volume.get("name") if volume.__class__ is dict else None
        if name.__class__ is str and name.startswith("kube-api-access-"):
            if found >= 0 or name == _NEUTRAL_TOKEN_VOLUME or not _TOKEN_VOLUME.fullmatch(name):
                return None
            found = index
    if found < 0:
        return None
    name = volumes[found]["name"]
    neutral = dict(spec)
    renamed_volumes = list(volumes)
    renamed_volumes[found] = {**volumes[found], "name": _NEUTRAL_TOKEN_VOLUME}
    neutral["volumes"] = renamed_volumes
    for list_key in _CONTAINER_LISTS:
        containers = spec.get(list_key)
        if containers.__class__ is not list:
            continue
        renamed_containers = list(containers)
        for index, container in enumerate(containers):
            if container.__class__ is not dict:
                continue
            renamed = None
            for ref_key in _VOLUME_REFERENCES:
                refs = container.get(ref_key)
                if refs.__class__ is not list:
                    continue
                new_refs = None
                for ref_index, ref in enumerate(refs):
                    if ref.__class__ is not dict:
                        continue
                    target = ref.get("name")
                    if target == _NEUTRAL_TOKEN_VOLUME:
                        return None
                    if target == name:
                        if new_refs is None:
                            new_refs = list(refs)
                        new_refs[ref_index] = {**ref, "name": _NEUTRAL_TOKEN_VOLUME}
                if new_refs is not None:
                    if renamed is None:
                        renamed = dict(container)
                    renamed[ref_key] = new_refs
            if renamed is not None:
                renamed_containers[index] = renamed
        neutral[list_key] = renamed_containers
    return neutral


# -- update -------------------------------------------------------------------------------------


def _container_updates(new: Any, old: Any, path: FieldPath) -> tuple[list[FieldError], bool]:
    """``ValidateContainerUpdates``: same number of containers, images set and trimmed."""
    new_items, old_items = as_dicts(new), as_dicts(old)
    if len(new_items) != len(old_items):
        return [forbidden(path, "pod updates may not add or remove containers")], True
    errors: list[FieldError] = []
    for index, container in enumerate(new_items):
        image = get_str(container, "image")
        if not image:
            errors.append(required(path.index(index).child("image")))
        if image != image.strip():
            errors.append(
                invalid(
                    path.index(index).child("image"),
                    image,
                    "must not have leading or trailing whitespace",
                )
            )
    return errors, False


def _only_added_tolerations(new: Any, old: Any, path: FieldPath) -> list[FieldError]:
    new_items = as_dicts(new)
    for old_toleration in as_dicts(old):
        if old_toleration in new_items:  # kept as it was (an update that keeps the spec)
            continue
        if not any(
            semantic_equal(
                {**old_toleration, "tolerationSeconds": None}, {**item, "tolerationSeconds": None}
            )
            for item in new_items
        ):
            return [
                forbidden(
                    path, "existing toleration can not be modified except its tolerationSeconds"
                )
            ]
    return validate_tolerations(new, path)


def _dump(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


def _spec_diff(old: Any, new: Any, path: str = "spec") -> list[str]:
    """A small line diff of two JSON values (Kubernetes prints a Go ``cmp.Diff`` here)."""
    if semantic_equal(old, new):
        return []
    if isinstance(old, Mapping) and isinstance(new, Mapping):
        lines: list[str] = []
        for key in [*old, *(key for key in new if key not in old)]:
            lines += _spec_diff(old.get(key), new.get(key), f"{path}.{key}")
        return lines
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        lines = []
        for index, (old_item, new_item) in enumerate(zip(old, new, strict=True)):
            lines += _spec_diff(old_item, new_item, f"{path}[{index}]")
        return lines
    return [f"- {path}: {_dump(old)}", f"+ {path}: {_dump(new)}"]


def validate_pod_update(
    new: Mapping[str, Any], old: Mapping[str, Any], info: ResourceInfo
) -> list[FieldError]:
    """``ValidatePodUpdate``: metadata rules, the new pod valid, and an immutable spec except
    container images, ``activeDeadlineSeconds`` (set or lowered), added tolerations,
    removed scheduling gates and a negative grace period raised to 1.

    The final ``spec: Forbidden: pod updates may not change fields other than ...``
    message ends with a diff, like Kubernetes', but in a simpler format.
    """
    errors = validate_object_meta_update(new, old, METADATA)
    errors += validate_pod(new, info)
    new_spec, old_spec = dict(get_map(new, "spec")), get_map(old, "spec")
    for key in ("containers", "initContainers"):
        container_errors, stop = _container_updates(
            new_spec.get(key), old_spec.get(key), SPEC.child(key)
        )
        errors += container_errors
        if stop:
            return errors
    deadline, old_deadline = (
        new_spec.get("activeDeadlineSeconds"),
        old_spec.get("activeDeadlineSeconds"),
    )
    if deadline is not None:
        if not is_int(deadline) or not 0 <= deadline <= _MAX_INT32:
            errors.append(
                invalid(
                    SPEC.child("activeDeadlineSeconds"),
                    deadline,
                    inclusive_range_error(0, _MAX_INT32),
                )
            )
            return errors
        if is_int(old_deadline) and old_deadline < deadline:
            errors.append(
                invalid(
                    SPEC.child("activeDeadlineSeconds"),
                    deadline,
                    "must be less than or equal to previous value",
                )
            )
            return errors
    elif old_deadline is not None:
        errors.append(
            invalid(
                SPEC.child("activeDeadlineSeconds"),
                None,
                "must not update from a positive integer to nil value",
            )
        )
    errors += _only_added_tolerations(
        new_spec.get("tolerations"), old_spec.get("tolerations"), SPEC.child("tolerations")
    )
    old_gates = {get_str(gate, "name") for gate in as_dicts(old_spec.get("schedulingGates"))}
    for index, gate in enumerate(as_dicts(new_spec.get("schedulingGates"))):
        if get_str(gate, "name") not in old_gates:
            errors.append(
                forbidden(
                    SPEC.child("schedulingGates").index(index).child("name"),
                    f"only deletion is allowed, but found new scheduling gate '{get_str(gate, 'name')}'",
                )
            )
    if semantic_equal(new_spec, old_spec):
        return errors
    munged = dict(new_spec)
    for key in ("containers", "initContainers"):
        if isinstance(new_spec.get(key), list):
            munged[key] = [
                {**container, "image": old_container.get("image")}
                if isinstance(container, Mapping)
                else container
                for container, old_container in zip(
                    new_spec[key], as_dicts(old_spec.get(key)), strict=False
                )
            ]
    munged["activeDeadlineSeconds"] = old_deadline
    munged["schedulingGates"] = old_spec.get("schedulingGates")
    munged["tolerations"] = old_spec.get("tolerations")
    old_grace, new_grace = (
        old_spec.get("terminationGracePeriodSeconds"),
        munged.get("terminationGracePeriodSeconds"),
    )
    if is_int(old_grace) and old_grace < 0 and new_grace == 1:
        munged["terminationGracePeriodSeconds"] = old_grace
    if not semantic_equal(munged, old_spec):
        diff = "\n".join(_spec_diff(old_spec, munged))
        errors.append(
            forbidden(
                SPEC,
                f"pod updates may not change fields other than {','.join(UPDATABLE_POD_SPEC_FIELDS)}\n{diff}",
            )
        )
    return errors
