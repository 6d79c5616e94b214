"""Validation of the core/v1 kinds other than Pod and Service (``pkg/apis/core/validation``).

ConfigMap, Secret, Namespace, Node, ServiceAccount, Event, Endpoints and
Binding, on create and update, with Kubernetes' messages. Each function says what it
leaves out. Every ``validate_*`` takes the object and its
:class:`~kactors.api.kinds.ResourceInfo`; ``validate_*_update`` also takes the old object.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import string
from collections.abc import Mapping
from typing import Any

from .fielderrors import (
    FieldError,
    FieldPath,
    duplicate,
    forbidden,
    invalid,
    not_supported,
    required,
    too_long,
)
from .kinds import ResourceInfo
from .validate_meta import (
    METADATA,
    as_dicts,
    get_list,
    get_map,
    get_str,
    is_int,
    name_fn_for,
    name_is_dns_label,
    name_is_dns_subdomain,
    name_is_path_segment,
    namespace_problems,
    quantity_or_none,
    validate_label_name,
    validate_object_meta,
    validate_object_meta_update,
)
from .validate_service import validate_ip, validate_non_special_ip
from .validation import (
    FIELD_IMMUTABLE_ERROR_MSG,
    is_config_map_key,
    is_dns1123_label,
    is_dns1123_subdomain,
    is_label_value,
    is_qualified_name,
    is_valid_port_num,
)

__all__ = [
    "MAX_SECRET_SIZE",
    "validate_binding",
    "validate_config_map",
    "validate_config_map_update",
    "validate_endpoints",
    "validate_event",
    "validate_namespace",
    "validate_node",
    "validate_node_update",
    "validate_secret",
    "validate_secret_update",
    "validate_service_account",
]

SPEC = FieldPath.of("spec")
#: ``core.MaxSecretSize``: 1 MiB, for Secrets and ConfigMaps alike.
MAX_SECRET_SIZE = 1024 * 1024
_PROTOCOLS = ("SCTP", "TCP", "UDP")
_STANDARD_FINALIZERS = frozenset({"kubernetes", "orphan", "foregroundDeletion"})
_TAINT_EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")
_BASE64_ALPHABET = frozenset(string.ascii_letters + string.digits + "+/=")


def _dns_label(value: str, path: FieldPath) -> list[FieldError]:
    return [invalid(path, value, msg) for msg in is_dns1123_label(value)]


# -- ConfigMap and Secret -----------------------------------------------------------------------


def _base64_error(value: Any) -> str | None:
    """Go's ``illegal base64 data at input byte N`` for a bad Secret value, else None."""
    if not isinstance(value, str):
        return "must be a base64-encoded string"
    text = value.replace("\r", "").replace("\n", "")
    for index, char in enumerate(text):
        if char not in _BASE64_ALPHABET:
            return f"illegal base64 data at input byte {index}"
    try:
        base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return f"illegal base64 data at input byte {len(text) - len(text) % 4}"
    return None


def validate_config_map(obj: Mapping[str, Any], info: ResourceInfo) -> list[FieldError]:
    """``ValidateConfigMap``: keys, no key in both ``data`` and ``binaryData``, 1 MiB."""
    errors = validate_object_meta(obj, info.namespaced, name_fn_for(info))
    data, binary = get_map(obj, "data"), get_map(obj, "binaryData")
    total = 0
    for key, value in data.items():
        at = FieldPath.of("data").key(key)
        errors.extend(invalid(at, key, msg) for msg in is_config_map_key(key))
        if key in binary:
            errors.append(invalid(at, key, "duplicate of key present in binaryData"))
        total += len(str(value).encode())
    for key, value in binary.items():
        at = FieldPath.of("binaryData").key(key)
        errors.extend(invalid(at, key, msg) for msg in is_config_map_key(key))
        total += len(str(value)) * 3 // 4
    if total > MAX_SECRET_SIZE:
        errors.append(too_long("[]", MAX_SECRET_SIZE))
    return errors


def _immutable_data(
    new: Mapping[str, Any], old: Mapping[str, Any], keys: tuple[str, ...]
) -> list[FieldError]:
    """``immutable: true`` freezes the data and itself."""
    if old.get("immutable") is not True:
        return []
    detail = "field is immutable when `immutable` is set"
    errors: list[FieldError] = []
    if new.get("immutable") is not True:
        errors.append(forbidden(FieldPath.of("immutable"), detail))
    for key in keys:
        if dict(get_map(new, key)) != dict(get_map(old, key)):
            errors.append(forbidden(FieldPath.of(key), detail))
    return errors


def validate_config_map_update(
    new: Mapping[str, Any], old: Mapping[str, Any], info: ResourceInfo
) -> list[FieldError]:
    """``ValidateConfigMapUpdate``."""
    errors = validate_object_meta_update(new, old)
    errors += _immutable_data(new, old, ("data", "binaryData"))
    return errors + validate_config_map(new, info)


_SECRET_REQUIRED_KEYS = {
    "kubernetes.io/dockercfg": (".dockercfg",),
    "kubernetes.io/dockerconfigjson": (".dockerconfigjson",),
    "kubernetes.io/ssh-auth": ("ssh-privatekey",),
    "kubernetes.io/tls": ("tls.crt", "tls.key"),
}


def validate_secret(obj: Mapping[str, Any], info: ResourceInfo) -> list[FieldError]:
    """``ValidateSecret``: keys, base64 values, 1 MiB, and the per-type required keys.

    A value that is not valid base64 fails JSON decoding in Kubernetes (a 400); here it
    is reported as ``Invalid value: "<secret contents redacted>": illegal base64 ...``.
    The JSON content of docker config secrets is not parsed.
    """
    errors = validate_object_meta(obj, info.namespaced, name_fn_for(info))
    data = get_map(obj, "data")
    data_path = FieldPath.of("data")
    total = 0
    for key, value in data.items():
        errors.extend(invalid(data_path.key(key), key, msg) for msg in is_config_map_key(key))
        problem = _base64_error(value)
        if problem:
            errors.append(invalid(data_path.key(key), "<secret contents redacted>", problem))
        else:
            total += len(base64.b64decode(str(value).replace("\r", "").replace("\n", "")))
    if total > MAX_SECRET_SIZE:
        errors.append(too_long(data_path, MAX_SECRET_SIZE))
    secret_type = obj.get("type", "")
    if secret_type == "kubernetes.io/service-account-token":
        if not get_str(get_map(get_map(obj, "metadata"), "annotations"), _SA_NAME_KEY):
            errors.append(required(METADATA.child("annotations").key(_SA_NAME_KEY)))
    elif secret_type == "kubernetes.io/basic-auth":
        if "username" not in data and "password" not in data:
            errors.append(required(data_path.key("username")))
            errors.append(required(data_path.key("password")))
    elif secret_type == "kubernetes.io/ssh-auth":
        if not data.get("ssh-privatekey"):
            errors.append(required(data_path.key("ssh-privatekey")))
    else:
        for key in _SECRET_REQUIRED_KEYS.get(str(secret_type), ()):
            if key not in data:
                errors.append(required(data_path.key(key)))
    return errors


_SA_NAME_KEY = "kubernetes.io/service-account.name"


def validate_secret_update(
    new: Mapping[str, Any], old: Mapping[str, Any], info: ResourceInfo
) -> list[FieldError]:
    """``ValidateSecretUpdate``: type immutable, ``immutable: true`` freezes data."""
    errors = validate_object_meta_update(new, old)
    if new.get("type", "") != old.get("type", ""):
        errors.append(invalid(FieldPath.of("type"), new.get("type", ""), FIELD_IMMUTABLE_ERROR_MSG))
    errors += _immutable_data(new, old, ("data",))
    return errors + validate_secret(new, info)


# -- Namespace, Node, ServiceAccount ---------------------------------------------------------------


def validate_namespace(obj: Mapping[str, Any], info: ResourceInfo) -> list[FieldError]:
    """``ValidateNamespace``: a DNS-label name and valid ``spec.finalizers``."""
    errors = validate_object_meta(obj, False, name_is_dns_label)
    path = SPEC.child("finalizers")
    for finalizer in get_list(get_map(obj, "spec"), "finalizers"):
        finalizer = str(finalizer)
        errors.extend(invalid(path, finalizer, msg) for msg in is_qualified_name(finalizer))
        if "/" not in finalizer and finalizer not in _STANDARD_FINALIZERS:
            errors.append(
                invalid(
                    path,
                    finalizer,
                    "name is neither a standard finalizer name nor is it fully qualified",
                )
            )
    return errors


def _validate_taints(taints: Any) -> list[FieldError]:
    """``validateNodeTaints``; reported under ``metadata.taints``, exactly as Go does."""
    errors: list[FieldError] = []
    seen: set[tuple[str, str]] = set()
    for index, taint in enumerate(as_dicts(taints)):
        at = METADATA.child("taints").index(index)
        key, effect = get_str(taint, "key"), get_str(taint, "effect")
        errors.extend(validate_label_name(key, at.child("key")))
        messages = is_label_value(get_str(taint, "value"))
        if messages:
            errors.append(invalid(at.child("value"), get_str(taint, "value"), ";".join(messages)))
        if not effect:
            errors.append(required(at.child("effect")))
        elif effect not in _TAINT_EFFECTS:
            errors.append(not_supported(at.child("effect"), effect, _TAINT_EFFECTS))
        if (key, effect) in seen:
            internal = {  # core.Taint, printed with Go's field names (no json tags)
                "Key": key,
                "Value": get_str(taint, "value"),
                "Effect": effect,
                "TimeAdded": taint.get("timeAdded"),
            }
            error = duplicate(at, internal)
            errors.append(
                FieldError(
                    error.type,
                    error.field,
                    error.bad_value,
                    "taints must be unique by key and effect pair",
                )
            )
            continue
        seen.add((key, effect))
    return errors


def _validate_node_resources(obj: Mapping[str, Any]) -> list[FieldError]:
    errors: list[FieldError] = []
    status = get_map(obj, "status")
    for section in ("capacity", "allocatable"):
        for name, value in get_map(status, section).items():
            path = FieldPath.of("status", section, name)
            quantity = quantity_or_none(value)
            if quantity is None:
                errors.append(invalid(path, value, "must be a valid resource quantity"))
            elif quantity.sign() < 0:
                errors.append(
                    invalid(path, quantity.to_string(), "must be greater than or equal to 0")
                )
    return errors


def validate_node(obj: Mapping[str, Any], info: ResourceInfo) -> list[FieldError]:
    """``ValidateNode``: name, taints, capacity/allocatable quantities, pod CIDRs."""
    errors = validate_object_meta(obj, False, name_is_dns_subdomain)
    spec = get_map(obj, "spec")
    errors += _validate_taints(spec.get("taints"))
    errors += _validate_node_resources(obj)
    for index, cidr in enumerate(get_list(spec, "podCIDRs")):
        try:
            ipaddress.ip_network(str(cidr), strict=False)
        except ValueError:
            errors.append(
                invalid(
                    SPEC.child("podCIDRs").index(index),
                    cidr,
                    "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)",
                )
            )
    return errors


def validate_node_update(
    new: Mapping[str, Any], old: Mapping[str, Any], info: ResourceInfo
) -> list[FieldError]:
    """``ValidateNodeUpdate``: pod CIDRs and provider ID are set once; taints valid."""
    errors = validate_object_meta_update(new, old)
    errors += _validate_node_resources(new)
    new_spec, old_spec = get_map(new, "spec"), get_map(old, "spec")
    old_cidrs = get_list(old_spec, "podCIDRs")
    if old_cidrs and old_cidrs != get_list(new_spec, "podCIDRs"):
        errors.append(
            forbidden(
                SPEC.child("podCIDRs"),
                'node updates may not change podCIDR except from "" to valid',
            )
        )
    old_provider = get_str(old_spec, "providerID")
    if old_provider and old_provider != get_str(new_spec, "providerID"):
        errors.append(
            forbidden(
                SPEC.child("providerID"),
                'node updates may not change providerID except from "" to valid',
            )
        )
    return errors + _validate_taints(new_spec.get("taints"))


def validate_service_account(obj: Mapping[str, Any], info: ResourceInfo) -> list[FieldError]:
    """``ValidateServiceAccount``: metadata only."""
    return validate_object_meta(obj, info.namespaced, name_is_dns_subdomain)


# -- Event, Endpoints, Binding ---------------------------------------------------------------


def validate_event(obj: Mapping[str, Any], info: ResourceInfo) -> list[FieldError]:
    """``legacyValidateEvent`` for core/v1, plus the generic metadata checks the apiserver
    runs for every kind (path-segment names).

    An event without ``eventTime`` must name its involved object's namespace (or
    ``default``); a "new" event (with ``eventTime``) needs ``reportingComponent``,
    ``reportingInstance``, ``action`` and ``reason``.
    """
    errors = validate_object_meta(obj, info.namespaced, name_is_path_segment)
    namespace = get_str(get_map(obj, "metadata"), "namespace")
    involved_namespace = get_str(get_map(obj, "involvedObject"), "namespace")
    involved_path = _INVOLVED_NAMESPACE
    if not obj.get("eventTime"):
        if not involved_namespace:
            if namespace not in ("", "default"):
                errors.append(
                    invalid(involved_path, involved_namespace, "does not match event.namespace")
                )
        elif namespace != involved_namespace:
            errors.append(
                invalid(involved_path, involved_namespace, "does not match event.namespace")
            )
    else:
        if not involved_namespace and namespace not in ("default", "kube-system"):
            errors.append(
                invalid(involved_path, involved_namespace, "does not match event.namespace")
            )
        controller = get_str(obj, "reportingComponent")
        if not controller:
            errors.append(required(FieldPath.of("reportingComponent")))
        errors.extend(
            invalid(FieldPath.of("reportingComponent"), controller, msg)
            for msg in is_qualified_name(controller)
        )
        for key, limit in (("reportingInstance", 128), ("action", 128), ("reason", 128)):
            value = get_str(obj, key)
            if not value:
                errors.append(required(FieldPath.of(key)))
            if len(value) > limit:
                errors.append(
                    invalid(FieldPath.of(key), "", f"can have at most {limit} characters")
                )
        if len(get_str(obj, "message")) > 1024:
            errors.append(invalid(FieldPath.of("message"), "", "can have at most 1024 characters"))
    messages = namespace_problems(namespace, is_dns1123_subdomain)
    if messages:
        errors.extend(invalid(FieldPath.of("namespace"), namespace, msg) for msg in messages)
    return errors


#: where a mismatched involved object's namespace is reported (every event create)
_INVOLVED_NAMESPACE = FieldPath.of("involvedObject", "namespace")


def validate_endpoints(obj: Mapping[str, Any], info: ResourceInfo) -> list[FieldError]:
    """``ValidateEndpoints``: addresses are valid non-special IPs, ports valid."""
    errors = validate_object_meta(obj, info.namespaced, name_is_dns_subdomain)
    for index, subset in enumerate(as_dicts(obj.get("subsets"))):
        at = FieldPath.of("subsets").index(index)
        if not get_list(subset, "addresses") and not get_list(subset, "notReadyAddresses"):
            errors.append(required(at, "must specify `addresses` or `notReadyAddresses`"))
        for key in ("addresses", "notReadyAddresses"):
            for address_index, address in enumerate(as_dicts(subset.get(key))):
                address_path = at.child(key).index(address_index)
                ip = get_str(address, "ip")
                errors.extend(validate_ip(ip, address_path.child("ip")))
                if get_str(address, "hostname"):
                    errors.extend(
                        _dns_label(get_str(address, "hostname"), address_path.child("hostname"))
                    )
                if address.get("nodeName") is not None:
                    node_name = str(address["nodeName"])
                    errors.extend(
                        invalid(address_path.child("nodeName"), node_name, msg)
                        for msg in is_dns1123_subdomain(node_name)
                    )
                errors.extend(validate_non_special_ip(ip, address_path.child("ip")))
        ports = as_dicts(subset.get("ports"))
        for port_index, port in enumerate(ports):
            port_path = at.child("ports").index(port_index)
            name = get_str(port, "name")
            if len(ports) > 1 and not name:
                errors.append(required(port_path.child("name")))
            elif name:
                errors.extend(_dns_label(name, port_path.child("name")))
            number = port.get("port", 0)
            errors.extend(
                invalid(port_path.child("port"), number, msg)
                for msg in (is_valid_port_num(number) if is_int(number) else ["must be an integer"])
            )
            protocol = port.get("protocol")
            if not protocol:
                errors.append(required(port_path.child("protocol")))
            elif protocol not in _PROTOCOLS:
                errors.append(not_supported(port_path.child("protocol"), protocol, _PROTOCOLS))
    return errors


def validate_binding(obj: Mapping[str, Any], info: ResourceInfo) -> list[FieldError]:
    """``ValidatePodBinding``: the target is a Node and has a name."""
    errors = validate_object_meta(obj, info.namespaced, name_is_dns_subdomain)
    target = get_map(obj, "target")
    if get_str(target, "kind") not in ("", "Node"):
        errors.append(
            not_supported(
                FieldPath.of("target", "kind"), get_str(target, "kind"), ("Node", "<empty>")
            )
        )
    if not get_str(target, "name"):
        errors.append(required(FieldPath.of("target", "name")))
    return errors
