"""Validation of core/v1 Services (``ValidateService``, ``ValidateServiceUpdate``).

Ports (required unless headless or ExternalName; numbers, names, protocols, target
ports, no duplicates), selector labels, session affinity, cluster IPs (``clusterIP`` and
``clusterIPs[0]`` agree, ``None`` only alone, valid addresses), IP families and policy
values, external IPs, type, node ports (none for ClusterIP, no duplicates), external and
internal traffic policies, and ``allocateLoadBalancerNodePorts``. Load-balancer source
ranges and classes, topology annotations, traffic distribution and the dual-stack
consistency rules are not checked. On update, allocated cluster IPs ``may not change
once set``.

Also home of the IP address validators shared with Endpoints.
"""

from __future__ import annotations

import ipaddress
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
)
from .kinds import ResourceInfo
from .validate_container import validate_port_num_or_name
from .validate_meta import (
    as_dicts,
    get_list,
    get_map,
    get_str,
    is_int,
    name_fn_for,
    validate_labels,
    validate_object_meta,
    validate_object_meta_update,
)
from .validation import (
    is_dns1123_label,
    is_dns1123_subdomain,
    is_qualified_name,
    is_valid_ip,
    is_valid_port_num,
)

__all__ = [
    "validate_ip",
    "validate_non_special_ip",
    "validate_service",
    "validate_service_update",
]

SPEC = FieldPath.of("spec")
_PROTOCOLS = ("SCTP", "TCP", "UDP")
_SERVICE_TYPES = ("ClusterIP", "ExternalName", "LoadBalancer", "NodePort")


def _dns_label(value: str, path: FieldPath) -> list[FieldError]:
    return [invalid(path, value, msg) for msg in is_dns1123_label(value)]


def validate_ip(value: str, path: FieldPath) -> list[FieldError]:
    """``validation.IsValidIP``: a valid IPv4 or IPv6 address."""
    return [invalid(path, value, msg) for msg in is_valid_ip(value)]


def validate_non_special_ip(value: str, path: FieldPath) -> list[FieldError]:
    """``ValidateNonSpecialIP``: no unspecified, loopback or link-local addresses."""
    try:
        ip = ipaddress.ip_address(value)
    except ValueError:
        return [invalid(path, value, "must be a valid IP address")]
    errors: list[FieldError] = []
    if ip.is_unspecified:
        errors.append(invalid(path, value, f"may not be unspecified ({value})"))
    if ip.is_loopback:
        errors.append(
            invalid(path, value, "may not be in the loopback range (127.0.0.0/8, ::1/128)")
        )
    if ip.is_link_local and not ip.is_multicast:
        errors.append(
            invalid(path, value, "may not be in the link-local range (169.254.0.0/16, fe80::/10)")
        )
    if ip.is_multicast and (
        (ip.version == 4 and ip in ipaddress.ip_network("224.0.0.0/24"))
        or (ip.version == 6 and ip in ipaddress.ip_network("ff02::/16"))
    ):
        errors.append(
            invalid(
                path,
                value,
                "may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)",
            )
        )
    return errors


def _service_port_key(port: Mapping[str, Any]) -> dict[str, Any]:
    """The internal ``core.ServicePort`` key Go prints in duplicate-port errors."""
    return {
        "Name": "",
        "Protocol": port.get("protocol", ""),
        "AppProtocol": None,
        "Port": port.get("port", 0),
        "TargetPort": 0,
        "NodePort": 0,
    }


def _is_headless(spec: Mapping[str, Any]) -> bool:
    cluster_ips = get_list(spec, "clusterIPs")
    if cluster_ips:
        return cluster_ips == ["None"]
    return spec.get("clusterIP") == "None"


def _validate_cluster_ips(spec: Mapping[str, Any]) -> list[FieldError]:
    """``ValidateServiceClusterIPsRelatedFields`` (family/policy consistency not checked)."""
    if spec.get("type") == "ExternalName":
        return []
    errors: list[FieldError] = []
    path = SPEC.child("clusterIPs")
    cluster_ip, cluster_ips = get_str(spec, "clusterIP"), get_list(spec, "clusterIPs")
    if cluster_ip:
        if not cluster_ips:
            errors.append(required(path))
        elif cluster_ips[0] != cluster_ip:
            errors.append(invalid(path, cluster_ips, "first value must match `clusterIP`"))
    elif cluster_ips:
        errors.append(invalid(path, cluster_ips, "must be empty when `clusterIP` is not specified"))
    seen: set[str] = set()
    for index, family in enumerate(get_list(spec, "ipFamilies")):
        if family not in ("IPv4", "IPv6"):
            errors.append(
                not_supported(SPEC.child("ipFamilies").index(index), family, ("IPv4", "IPv6"))
            )
        if family in seen:
            errors.append(duplicate(SPEC.child("ipFamilies").index(index), family))
        seen.add(str(family))
    policy = spec.get("ipFamilyPolicy")
    policies = ("PreferDualStack", "RequireDualStack", "SingleStack")
    if policy is not None and policy not in policies:
        errors.append(not_supported(SPEC.child("ipFamilyPolicy"), policy, policies))
    for index, value in enumerate(cluster_ips):
        if index == 0 and value == "None":
            if len(cluster_ips) > 1:
                errors.append(invalid(path, cluster_ips, "'None' must be the first and only value"))
            continue
        errors.extend(validate_ip(str(value), path.index(index)))
    return errors


def _validate_service_port(
    port: Mapping[str, Any], require_name: bool, names: set[str], path: FieldPath
) -> list[FieldError]:
    errors: list[FieldError] = []
    name = get_str(port, "name")
    if require_name and not name:
        errors.append(required(path.child("name")))
    elif name:
        errors.extend(_dns_label(name, path.child("name")))
        if name in names:
            errors.append(duplicate(path.child("name"), name))
        names.add(name)
    number = port.get("port", 0)
    if not is_int(number):
        errors.append(invalid(path.child("port"), number, "must be an integer"))
    else:
        errors.extend(
            invalid(path.child("port"), int(number), m) for m in is_valid_port_num(number)
        )
    protocol = port.get("protocol")
    if not protocol:
        errors.append(required(path.child("protocol")))
    elif protocol not in _PROTOCOLS:
        errors.append(not_supported(path.child("protocol"), protocol, _PROTOCOLS))
    errors.extend(validate_port_num_or_name(port.get("targetPort", 0), path.child("targetPort")))
    app_protocol = port.get("appProtocol")
    if app_protocol is not None:
        errors.extend(
            invalid(path.child("appProtocol"), app_protocol, msg)
            for msg in is_qualified_name(str(app_protocol))
        )
    return errors


def validate_service(obj: Mapping[str, Any], info: ResourceInfo) -> list[FieldError]:
    """``ValidateService``: ports, selector, session affinity, cluster IPs, type, node
    ports, external IPs and traffic policies (load-balancer source ranges and classes,
    topology annotations and traffic distribution are not checked)."""
    errors = validate_object_meta(obj, info.namespaced, name_fn_for(info))
    spec = get_map(obj, "spec")
    service_type = spec.get("type", "")
    headless = _is_headless(spec)
    ports = as_dicts(spec.get("ports"))
    if not ports and not headless and service_type != "ExternalName":
        errors.append(required(SPEC.child("ports")))
    first_ip = (get_list(spec, "clusterIPs") or [spec.get("clusterIP")])[0]
    if service_type in ("LoadBalancer", "NodePort") and headless:
        errors.append(
            invalid(
                SPEC.child("clusterIPs").index(0),
                first_ip,
                f"may not be set to 'None' for {service_type} services",
            )
        )
    elif service_type == "ExternalName":
        for key in ("clusterIPs", "ipFamilies"):
            if get_list(spec, key):
                errors.append(
                    forbidden(SPEC.child(key), "may not be set for ExternalName services")
                )
        if spec.get("ipFamilyPolicy") is not None:
            errors.append(
                forbidden(SPEC.child("ipFamilyPolicy"), "may not be set for ExternalName services")
            )
        cname = get_str(spec, "externalName").removesuffix(".")
        if cname:
            errors.extend(
                invalid(SPEC.child("externalName"), cname, m) for m in is_dns1123_subdomain(cname)
            )
        else:
            errors.append(required(SPEC.child("externalName")))
    names: set[str] = set()
    for index, port in enumerate(ports):
        errors.extend(
            _validate_service_port(port, len(ports) > 1, names, SPEC.child("ports").index(index))
        )
    if spec.get("selector") is not None:
        errors.extend(validate_labels(spec.get("selector"), SPEC.child("selector")))
    affinity = spec.get("sessionAffinity")
    if not affinity:
        errors.append(required(SPEC.child("sessionAffinity")))
    elif affinity not in ("ClientIP", "None"):
        errors.append(not_supported(SPEC.child("sessionAffinity"), affinity, ("ClientIP", "None")))
    errors.extend(_validate_session_affinity_config(spec))
    errors.extend(_validate_cluster_ips(spec))
    for index, ip in enumerate(get_list(spec, "externalIPs")):
        at = SPEC.child("externalIPs").index(index)
        ip_errors = validate_ip(str(ip), at)
        errors.extend(ip_errors or validate_non_special_ip(str(ip), at))
    if not service_type:
        errors.append(required(SPEC.child("type")))
    elif service_type not in _SERVICE_TYPES:
        errors.append(not_supported(SPEC.child("type"), service_type, _SERVICE_TYPES))
    if service_type == "ClusterIP":
        for index, port in enumerate(ports):
            if port.get("nodePort"):
                errors.append(
                    forbidden(
                        SPEC.child("ports").index(index).child("nodePort"),
                        "may not be used when `type` is 'ClusterIP'",
                    )
                )
    node_ports: set[tuple[Any, Any]] = set()
    for index, port in enumerate(ports):
        if not port.get("nodePort"):
            continue
        key = (port.get("protocol"), port.get("nodePort"))
        if key in node_ports:
            errors.append(
                duplicate(SPEC.child("ports").index(index).child("nodePort"), port["nodePort"])
            )
        node_ports.add(key)
    seen_ports: set[tuple[Any, Any]] = set()
    for index, port in enumerate(ports):
        key = (port.get("protocol"), port.get("port"))
        if key in seen_ports:
            errors.append(duplicate(SPEC.child("ports").index(index), _service_port_key(port)))
        seen_ports.add(key)
    if spec.get("allocateLoadBalancerNodePorts") is not None and service_type != "LoadBalancer":
        errors.append(
            forbidden(
                SPEC.child("allocateLoadBalancerNodePorts"),
                "may only be used when `type` is 'LoadBalancer'",
            )
        )
    if service_type == "LoadBalancer" and spec.get("allocateLoadBalancerNodePorts") is None:
        errors.append(required(FieldPath.of("allocateLoadBalancerNodePorts")))
    errors.extend(_validate_traffic_policies(spec, service_type))
    return errors


def _validate_session_affinity_config(spec: Mapping[str, Any]) -> list[FieldError]:
    path = SPEC.child("sessionAffinityConfig")
    config = spec.get("sessionAffinityConfig")
    if spec.get("sessionAffinity") == "None":
        if config is not None:
            return [forbidden(path, "must not be set when session affinity is None")]
        return []
    if spec.get("sessionAffinity") != "ClientIP":
        return []
    detail = "when session affinity type is ClientIP"
    if not isinstance(config, Mapping):
        return [required(path, detail)]
    client_ip = config.get("clientIP")
    if not isinstance(client_ip, Mapping):
        return [required(path.child("clientIP"), detail)]
    timeout = client_ip.get("timeoutSeconds")
    if timeout is None:
        return [required(path.child("clientIP", "timeoutSeconds"), detail)]
    if not is_int(timeout) or not 0 < timeout <= 86400:
        return [
            invalid(
                path.child("clientIP", "timeoutSeconds"),
                timeout,
                "must be greater than 0 and less than 86400",
            )
        ]
    return []


def _validate_traffic_policies(spec: Mapping[str, Any], service_type: str) -> list[FieldError]:
    errors: list[FieldError] = []
    external = spec.get("externalTrafficPolicy", "") or ""
    accessible = service_type in ("LoadBalancer", "NodePort") or (
        service_type == "ClusterIP" and bool(get_list(spec, "externalIPs"))
    )
    if not accessible:
        if external:
            errors.append(
                invalid(
                    SPEC.child("externalTrafficPolicy"),
                    external,
                    "may only be set for externally-accessible services",
                )
            )
    elif not external:
        errors.append(required(SPEC.child("externalTrafficPolicy")))
    elif external not in ("Cluster", "Local"):
        errors.append(
            not_supported(SPEC.child("externalTrafficPolicy"), external, ("Cluster", "Local"))
        )
    internal = spec.get("internalTrafficPolicy")
    if internal is None:
        if service_type in ("NodePort", "LoadBalancer", "ClusterIP"):
            errors.append(required(SPEC.child("internalTrafficPolicy")))
    elif internal not in ("Cluster", "Local"):
        errors.append(
            not_supported(SPEC.child("internalTrafficPolicy"), internal, ("Cluster", "Local"))
        )
    return errors


def validate_service_update(
    new: Mapping[str, Any], old: Mapping[str, Any], info: ResourceInfo
) -> list[FieldError]:
    """``ValidateServiceUpdate``: allocated cluster IPs may not change (``may not change
    once set``), then the new Service must be valid. Like Kubernetes' REST storage, the
    apiserver should carry allocated values (cluster IPs, node ports) over from the old
    object when the new one omits them, before validating."""
    errors = validate_object_meta_update(new, old)
    new_spec, old_spec = get_map(new, "spec"), get_map(old, "spec")
    if "ExternalName" not in (new_spec.get("type"), old_spec.get("type")):
        new_ips = get_list(new_spec, "clusterIPs")
        for index, ip in enumerate(get_list(old_spec, "clusterIPs")):
            if index >= len(new_ips):
                break
            if ip != new_ips[index]:
                errors.append(
                    invalid(
                        SPEC.child("clusterIPs").index(index), new_ips, "may not change once set"
                    )
                )
    return errors + validate_service(new, info)
