"""Validation of discovery.k8s.io/v1 EndpointSlices (``pkg/apis/discovery/validation``).

An EndpointSlice is what kube-proxy (and DNS) read to find a Service's backends, so the
rules protect consumers: every endpoint has 1..100 addresses of the slice's
``addressType`` (IPv4 and IPv6 ones not special: no loopback, link-local...), a slice holds
at most 1000 endpoints and 100 ports, port names are unique DNS labels (or empty) with a
protocol, and the address type never changes once created.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Any

from .fielderrors import (
    FieldError,
    FieldPath,
    duplicate,
    invalid,
    not_supported,
    required,
    too_many,
)
from .kinds import ResourceInfo
from .validate_meta import (
    as_dicts,
    get_str,
    name_is_dns_subdomain,
    validate_immutable,
    validate_labels,
    validate_object_meta,
    validate_object_meta_update,
)
from .validate_service import validate_non_special_ip
from .validation import is_dns1123_label, is_dns1123_subdomain, is_qualified_name

__all__ = [
    "ADDRESS_TYPES",
    "MAX_ADDRESSES",
    "MAX_ENDPOINTS",
    "MAX_PORTS",
    "validate_endpoint_slice",
    "validate_endpoint_slice_update",
]

#: `supportedAddressTypes`, sorted as Go's `sets.String.List()` lists them
ADDRESS_TYPES = ("FQDN", "IPv4", "IPv6")
_PORT_PROTOCOLS = ("SCTP", "TCP", "UDP")
MAX_ADDRESSES = 100
MAX_PORTS = 100
MAX_ENDPOINTS = 1000
_MAX_TOPOLOGY_LABELS = 16

ENDPOINTS = FieldPath.of("endpoints")
PORTS = FieldPath.of("ports")


def _ip_errors(address: str, path: FieldPath, version: int) -> list[FieldError]:
    """`IsValidIPv4Address` / `IsValidIPv6Address`, then `ValidateNonSpecialIP`."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        ip = None
    if ip is None or ip.version != version:
        return [invalid(path, address, f"must be a valid IPv{version} address")]
    return validate_non_special_ip(address, path)


def _fqdn_errors(address: str, path: FieldPath) -> list[FieldError]:
    """`IsFullyQualifiedDomainName`: a DNS subdomain of at least two labels (one error at
    most, the problems of the first failing check joined by commas)."""
    if not address:
        return [required(path)]
    name = address[:-1] if address.endswith(".") else address
    problems = is_dns1123_subdomain(name)
    if problems:
        return [invalid(path, name, ",".join(problems))]
    if len(name.split(".")) < 2:
        return [invalid(path, name, "should be a domain with at least two segments "
                                    "separated by dots")]
    for label in name.split("."):
        problems = is_dns1123_label(label)
        if problems:
            return [invalid(path, label, ",".join(problems))]
    return []


def _validate_endpoints(endpoints: Any, address_type: str) -> list[FieldError]:
    if isinstance(endpoints, list) and len(endpoints) > MAX_ENDPOINTS:
        return [too_many(ENDPOINTS, len(endpoints), MAX_ENDPOINTS)]
    errors: list[FieldError] = []
    for index, endpoint in enumerate(as_dicts(endpoints)):
        at = ENDPOINTS.index(index)
        addresses_path = at.child("addresses")
        addresses = endpoint.get("addresses")
        addresses = addresses if isinstance(addresses, list) else []
        if not addresses:
            errors.append(required(addresses_path, "must contain at least 1 address"))
        elif len(addresses) > MAX_ADDRESSES:
            errors.append(too_many(addresses_path, len(addresses), MAX_ADDRESSES))
        for i, address in enumerate(addresses):
            path = addresses_path.index(i)
            text = str(address)
            if address_type == "IPv4":
                errors.extend(_ip_errors(text, path, 4))
            elif address_type == "IPv6":
                errors.extend(_ip_errors(text, path, 6))
            elif address_type == "FQDN":
                errors.extend(_fqdn_errors(text, path))
        node_name = endpoint.get("nodeName")
        if node_name is not None:
            errors.extend(invalid(at.child("nodeName"), node_name, msg)
                          for msg in is_dns1123_subdomain(str(node_name)))
        topology = endpoint.get("deprecatedTopology")
        if isinstance(topology, Mapping):
            if len(topology) > _MAX_TOPOLOGY_LABELS:
                errors.append(too_many(at.child("deprecatedTopology"), len(topology),
                                       _MAX_TOPOLOGY_LABELS))
            errors.extend(validate_labels(topology, at.child("deprecatedTopology")))
        hostname = endpoint.get("hostname")
        if hostname is not None:
            errors.extend(invalid(at.child("hostname"), hostname, msg)
                          for msg in is_dns1123_label(str(hostname)))
    return errors


def _validate_ports(ports: Any) -> list[FieldError]:
    if isinstance(ports, list) and len(ports) > MAX_PORTS:
        return [too_many(PORTS, len(ports), MAX_PORTS)]
    errors: list[FieldError] = []
    names: set[str] = set()
    for index, port in enumerate(as_dicts(ports)):
        at = PORTS.index(index)
        name = get_str(port, "name")
        if name:
            errors.extend(invalid(at.child("name"), name, msg) for msg in is_dns1123_label(name))
        if name in names:
            errors.append(duplicate(at.child("name"), name))
        names.add(name)
        protocol = port.get("protocol")
        if protocol is None:
            errors.append(required(at.child("protocol")))
        elif protocol not in _PORT_PROTOCOLS:
            errors.append(not_supported(at.child("protocol"), protocol, _PORT_PROTOCOLS))
        app_protocol = port.get("appProtocol")
        if app_protocol is not None:
            errors.extend(invalid(at.child("appProtocol"), app_protocol, msg)
                          for msg in is_qualified_name(str(app_protocol)))
    return errors


def _validate_body(obj: Mapping[str, Any]) -> list[FieldError]:
    errors: list[FieldError] = []
    address_type = get_str(obj, "addressType")
    if not address_type:
        errors.append(required("addressType"))
    elif address_type not in ADDRESS_TYPES:
        errors.append(not_supported("addressType", address_type, ADDRESS_TYPES))
    errors.extend(_validate_endpoints(obj.get("endpoints"), address_type))
    errors.extend(_validate_ports(obj.get("ports")))
    return errors


def validate_endpoint_slice(obj: Mapping[str, Any], info: ResourceInfo) -> list[FieldError]:
    """``ValidateEndpointSliceCreate``."""
    return validate_object_meta(obj, info.namespaced, name_is_dns_subdomain) + \
        _validate_body(obj)


def validate_endpoint_slice_update(new: Mapping[str, Any], old: Mapping[str, Any],
                                   info: ResourceInfo) -> list[FieldError]:
    """``ValidateEndpointSliceUpdate``: the create rules, and `addressType` is immutable."""
    return validate_object_meta_update(new, old) + _validate_body(new) + validate_immutable(
        new.get("addressType"), old.get("addressType"), "addressType")
