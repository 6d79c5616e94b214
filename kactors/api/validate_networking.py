"""Validation of networking.k8s.io/v1 Ingresses, IngressClasses and NetworkPolicies
(``pkg/apis/networking/validation``).

An Ingress routes HTTP by host and path to Service backends: every path names its
``pathType`` (``Exact``, ``Prefix`` or ``ImplementationSpecific``; the first two must be
clean absolute paths), every backend either a Service (a name and *one* of a port name or
number) or a typed ``resource``; a host is a DNS name, possibly ``*.``-wildcarded, never an
IP. An IngressClass names the ``controller`` that implements it (a domain-prefixed path,
fixed once created). A NetworkPolicy's peers are pod/namespace selectors or an ``ipBlock``
(a CIDR with strict sub-ranges excepted), its ports a number or name, optionally with an
``endPort``.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from typing import Any

from .fielderrors import (
    FieldError,
    FieldPath,
    forbidden,
    invalid,
    not_supported,
    required,
    too_long,
)
from .kinds import ResourceInfo
from .validate_meta import (
    as_dicts,
    get_list,
    get_map,
    name_is_dns_subdomain,
    validate_immutable,
    validate_label_selector,
    validate_object_meta,
    validate_object_meta_update,
)
from .validation import (
    DNS1123_SUBDOMAIN_FMT,
    is_dns1035_label,
    is_dns1123_label,
    is_dns1123_subdomain,
    is_path_segment_name,
    is_valid_port_name,
    is_valid_port_num,
    regex_error,
)

__all__ = [
    "INGRESS_CLASS_ANNOTATION",
    "PATH_TYPES",
    "is_wildcard_dns1123_subdomain",
    "validate_ingress",
    "validate_ingress_class",
    "validate_ingress_class_update",
    "validate_ingress_update",
    "validate_network_policy",
    "validate_network_policy_update",
]

SPEC = FieldPath.of("spec")
#: the deprecated annotation that named an Ingress's class before ``ingressClassName``
INGRESS_CLASS_ANNOTATION = "kubernetes.io/ingress.class"
PATH_TYPES = ("Exact", "ImplementationSpecific", "Prefix")
_INVALID_SEQUENCES = ("//", "/./", "/../", "%2f", "%2F")
_INVALID_SUFFIXES = ("/..", "/.")
_MAX_CONTROLLER = 250
_PROTOCOLS = ("TCP", "UDP", "SCTP")
_POLICY_TYPES = ("Ingress", "Egress")

_WILDCARD_FMT = r"\*\." + DNS1123_SUBDOMAIN_FMT
_WILDCARD_RE = re.compile(_WILDCARD_FMT)
_WILDCARD_ERR = ("a wildcard DNS-1123 subdomain must start with '*.', followed by a valid "
                 "DNS subdomain, which must consist of lower case alphanumeric characters, "
                 "'-' or '.' and end with an alphanumeric character")
_DOMAIN_PATH_RE = re.compile(r"[A-Za-z0-9/\-._~%!$&'()*+,;=:]+")
_CIDR_ERR = "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)"


def is_wildcard_dns1123_subdomain(value: str) -> list[str]:
    """``IsWildcardDNS1123Subdomain``: ``*.example.com``."""
    errors: list[str] = []
    if len(value) > 253:
        errors.append("must be no more than 253 characters")
    if not _WILDCARD_RE.fullmatch(value):
        errors.append(regex_error(_WILDCARD_ERR, _WILDCARD_FMT, "*.example.com"))
    return errors


def _is_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


# -- Ingress -----------------------------------------------------------------------------------

def _validate_backend(backend: Mapping[str, Any], path: FieldPath) -> list[FieldError]:
    """``validateIngressBackend``: a Service (name + port name or number) or a resource."""
    resource, service = backend.get("resource"), backend.get("service")
    if resource is not None and service is not None:
        return [invalid(path, "", "cannot set both resource and service backends")]
    if isinstance(resource, Mapping):
        return _validate_typed_reference(resource, path.child("resource"))
    if not isinstance(service, Mapping):
        return [invalid(path, "", "resource or service backend is required")]
    errors: list[FieldError] = []
    name = str(service.get("name") or "")
    if not name:
        errors.append(required(path.child("service", "name")))
    else:
        errors += [invalid(path.child("service", "name"), name, msg)
                   for msg in is_dns1035_label(name)]
    port = service.get("port") if isinstance(service.get("port"), Mapping) else {}
    port_name, number = str(port.get("name") or ""), port.get("number") or 0
    if port_name and number:
        errors.append(invalid(path, "", "cannot set both port name & port number"))
    elif port_name:
        errors += [invalid(path.child("service", "port", "name"), port_name, msg)
                   for msg in is_valid_port_name(port_name)]
    elif number:
        errors += [invalid(path.child("service", "port", "number"), number, msg)
                   for msg in is_valid_port_num(int(number))]
    else:
        errors.append(required(path, "port name or number is required"))
    return errors


def _validate_typed_reference(ref: Mapping[str, Any], path: FieldPath) -> list[FieldError]:
    errors: list[FieldError] = []
    group = ref.get("apiGroup")
    if group is not None:
        errors += [invalid(path.child("apiGroup"), group, msg)
                   for msg in is_dns1123_subdomain(str(group))]
    for field in ("kind", "name"):
        value = str(ref.get(field) or "")
        if not value:
            errors.append(required(path.child(field)))
        else:
            errors += [invalid(path.child(field), value, msg)
                       for msg in is_path_segment_name(value)]
    return errors


def _validate_path(entry: Mapping[str, Any], path: FieldPath) -> list[FieldError]:
    """``validateHTTPIngressPath``."""
    path_type = entry.get("pathType")
    if path_type is None:
        return [required(path.child("pathType"), "pathType must be specified")]
    value = str(entry.get("path") or "")
    errors: list[FieldError] = []
    if path_type in ("Exact", "Prefix"):
        if not value.startswith("/"):
            errors.append(invalid(path.child("path"), value, "must be an absolute path"))
        if value:
            errors += [invalid(path.child("path"), value, f"must not contain '{seq}'")
                       for seq in _INVALID_SEQUENCES if seq in value]
            errors += [invalid(path.child("path"), value, f"cannot end with '{suffix}'")
                       for suffix in _INVALID_SUFFIXES if value.endswith(suffix)]
    elif path_type == "ImplementationSpecific":
        if value and not value.startswith("/"):
            errors.append(invalid(path.child("path"), value, "must be an absolute path"))
    else:
        errors.append(not_supported(path.child("pathType"), path_type, PATH_TYPES))
    backend = entry.get("backend")
    return errors + _validate_backend(backend if isinstance(backend, Mapping) else {},
                                      path.child("backend"))


def _validate_rules(rules: list[Any], path: FieldPath) -> list[FieldError]:
    errors: list[FieldError] = []
    for index, rule in enumerate(as_dicts(rules)):
        host = str(rule.get("host") or "")
        if host:
            host_path = path.index(index).child("host")
            if _is_ip(host):
                errors.append(invalid(host_path, host, "must be a DNS name, not an IP address"))
            check = is_wildcard_dns1123_subdomain if "*" in host else is_dns1123_subdomain
            errors += [invalid(host_path, host, msg) for msg in check(host)]
        http = rule.get("http")
        if isinstance(http, Mapping):
            http_path = path.index(index).child("http")
            paths = as_dicts(http.get("paths"))
            if not paths:
                errors.append(required(http_path.child("paths")))
            for i, entry in enumerate(paths):
                errors += _validate_path(entry, http_path.child("paths").index(i))
    return errors


def _validate_tls(tls: list[Any], path: FieldPath) -> list[FieldError]:
    errors: list[FieldError] = []
    for index, entry in enumerate(as_dicts(tls)):
        for i, host in enumerate(get_list(entry, "hosts")):
            check = is_wildcard_dns1123_subdomain if "*" in str(host) else is_dns1123_subdomain
            errors += [invalid(path.index(index).child("hosts").index(i), host, msg)
                       for msg in check(str(host))]
        secret = str(entry.get("secretName") or "")
        if secret:
            errors += [invalid(path.index(index).child("secretName"), secret, msg)
                       for msg in is_dns1123_subdomain(secret)]
    return errors


def _validate_ingress_spec(spec: Mapping[str, Any]) -> list[FieldError]:
    """``ValidateIngressSpec``."""
    errors: list[FieldError] = []
    rules = get_list(spec, "rules")
    default = spec.get("defaultBackend")
    if not rules and default is None:
        errors.append(invalid(SPEC, rules or None,
                              "either `defaultBackend` or `rules` must be specified"))
    if isinstance(default, Mapping):
        errors += _validate_backend(default, SPEC.child("defaultBackend"))
    errors += _validate_rules(rules, SPEC.child("rules"))
    errors += _validate_tls(get_list(spec, "tls"), SPEC.child("tls"))
    class_name = spec.get("ingressClassName")
    if class_name is not None:
        errors += [invalid(SPEC.child("ingressClassName"), class_name, msg)
                   for msg in is_dns1123_subdomain(str(class_name))]
    return errors


def _validate_load_balancer(status: Mapping[str, Any]) -> list[FieldError]:
    errors: list[FieldError] = []
    path = FieldPath.of("status", "loadBalancer", "ingress")
    for index, entry in enumerate(as_dicts(get_map(status, "loadBalancer").get("ingress"))):
        ip, hostname = str(entry.get("ip") or ""), str(entry.get("hostname") or "")
        if ip and not _is_ip(ip):
            errors.append(invalid(path.index(index).child("ip"), ip,
                                  "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"))
        if hostname:
            errors += [invalid(path.index(index).child("hostname"), hostname, msg)
                       for msg in is_dns1123_subdomain(hostname)]
            if _is_ip(hostname):
                errors.append(invalid(path.index(index).child("hostname"), hostname,
                                      "must be a DNS name, not an IP address"))
    return errors


def validate_ingress(obj: Mapping[str, Any], info: ResourceInfo) -> list[FieldError]:
    """``ValidateIngressCreate``: the spec, and the deprecated class annotation agreeing
    with ``ingressClassName`` when both are set."""
    errors = validate_object_meta(obj, True, name_is_dns_subdomain)
    spec = get_map(obj, "spec")
    errors += _validate_ingress_spec(spec)
    annotation = get_map(get_map(obj, "metadata"), "annotations").get(INGRESS_CLASS_ANNOTATION)
    class_name = spec.get("ingressClassName")
    if annotation is not None and class_name is not None and annotation != class_name:
        errors.append(invalid(FieldPath.of("annotations", INGRESS_CLASS_ANNOTATION), annotation,
                              "must match `ingressClassName` when both are specified"))
    return errors + _validate_load_balancer(get_map(obj, "status"))


def validate_ingress_update(new: Mapping[str, Any], old: Mapping[str, Any], info: ResourceInfo
                            ) -> list[FieldError]:
    """``ValidateIngressUpdate`` (and its status subresource's)."""
    errors = validate_object_meta_update(new, old)
    errors += validate_object_meta(new, True, name_is_dns_subdomain)
    return errors + _validate_ingress_spec(get_map(new, "spec")) + \
        _validate_load_balancer(get_map(new, "status"))


# -- IngressClass ------------------------------------------------------------------------------

def _validate_domain_prefixed_path(value: str, path: FieldPath) -> list[FieldError]:
    """``IsDomainPrefixedPath``: ``example.com/name``."""
    host, slash, rest = value.partition("/")
    if not slash or not host or not rest:
        return [invalid(path, value, 'must be a domain-prefixed path (such as "acme.io/foo")')]
    errors = [invalid(path, host, msg) for msg in is_dns1123_subdomain(host)]
    if not _DOMAIN_PATH_RE.fullmatch(rest):
        errors.append(invalid(path, rest, regex_error("must be a valid path",
                                                      _DOMAIN_PATH_RE.pattern)))
    return errors


def _validate_parameters(params: Any, path: FieldPath) -> list[FieldError]:
    if not isinstance(params, Mapping):
        return []
    errors = _validate_typed_reference(params, path)
    scope = params.get("scope")
    if scope is None:
        return errors + [required(path.child("scope"))]
    if scope not in ("Cluster", "Namespace"):
        return errors + [not_supported(path.child("scope"), scope, ["Cluster", "Namespace"])]
    namespace = params.get("namespace")
    if scope == "Namespace":
        if namespace is None:
            errors.append(required(path.child("namespace"),
                                   "`parameters.scope` is set to 'Namespace'"))
        else:
            errors += [invalid(path.child("namespace"), namespace, msg)
                       for msg in is_dns1123_label(str(namespace))]
    elif namespace is not None:
        errors.append(forbidden(path.child("namespace"), "`parameters.scope` is set to 'Cluster'"))
    return errors


def validate_ingress_class(obj: Mapping[str, Any], info: ResourceInfo) -> list[FieldError]:
    """``ValidateIngressClass``."""
    errors = validate_object_meta(obj, False, name_is_dns_subdomain)
    spec = get_map(obj, "spec")
    controller = str(spec.get("controller") or "")
    if not controller:
        errors.append(required(SPEC.child("controller")))
    else:
        if len(controller) > _MAX_CONTROLLER:
            errors.append(too_long(SPEC.child("controller"), _MAX_CONTROLLER))
        errors += _validate_domain_prefixed_path(controller, SPEC.child("controller"))
    return errors + _validate_parameters(spec.get("parameters"), SPEC.child("parameters"))


def validate_ingress_class_update(new: Mapping[str, Any], old: Mapping[str, Any],
                                  info: ResourceInfo) -> list[FieldError]:
    """``ValidateIngressClassUpdate``: the controller is fixed."""
    errors = validate_object_meta_update(new, old)
    errors += validate_immutable(get_map(new, "spec").get("controller"),
                                 get_map(old, "spec").get("controller"),
                                 SPEC.child("controller"))
    return errors + validate_ingress_class(new, info)


# -- NetworkPolicy -----------------------------------------------------------------------------

def _validate_policy_port(port: Mapping[str, Any], path: FieldPath) -> list[FieldError]:
    """``ValidateNetworkPolicyPort``."""
    errors: list[FieldError] = []
    protocol = port.get("protocol")
    if protocol is not None and protocol not in _PROTOCOLS:
        errors.append(not_supported(path.child("protocol"), protocol, _PROTOCOLS))
    number, end = port.get("port"), port.get("endPort")
    if number is None:
        if end is not None:
            errors.append(invalid(path.child("endPort"), end,
                                  "may not be specified when `port` is not specified"))
    elif isinstance(number, int):
        errors += [invalid(path.child("port"), number, msg) for msg in is_valid_port_num(number)]
        if isinstance(end, int):
            if end < number:
                errors.append(invalid(path.child("endPort"), end,
                                      "must be greater than or equal to `port`"))
            errors += [invalid(path.child("endPort"), end, msg)
                       for msg in is_valid_port_num(end)]
    else:
        if end is not None:
            errors.append(invalid(path.child("endPort"), end,
                                  "may not be specified when `port` is non-numeric"))
        errors += [invalid(path.child("port"), number, msg)
                   for msg in is_valid_port_name(str(number))]
    return errors


def _parse_cidr(value: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    try:
        return ipaddress.ip_network(value, strict=False)
    except ValueError:
        return None


def _validate_ip_block(block: Mapping[str, Any], path: FieldPath) -> list[FieldError]:
    """``ValidateIPBlock``: a CIDR, and excepted ranges strictly inside it."""
    cidr = str(block.get("cidr") or "")
    if not cidr:
        return [required(path.child("cidr"))]
    network = _parse_cidr(cidr)
    if network is None:
        return [invalid(path.child("cidr"), cidr, _CIDR_ERR)]
    errors: list[FieldError] = []
    for index, text in enumerate(get_list(block, "except")):
        except_path = path.child("except").index(index)
        excepted = _parse_cidr(str(text))
        if excepted is None:
            errors.append(invalid(except_path, text, _CIDR_ERR))
            continue
        if excepted.version != network.version or \
                excepted.network_address not in network or \
                network.prefixlen >= excepted.prefixlen:
            errors.append(invalid(except_path, text, "must be a strict subset of `cidr`"))
    return errors


def _validate_peer(peer: Mapping[str, Any], path: FieldPath) -> list[FieldError]:
    """``ValidateNetworkPolicyPeer``: at least one kind of peer; an ipBlock alone."""
    errors: list[FieldError] = []
    count = 0
    for field in ("podSelector", "namespaceSelector"):
        if peer.get(field) is not None:
            count += 1
            errors += validate_label_selector(peer.get(field), path.child(field))
    block = peer.get("ipBlock")
    if block is not None:
        count += 1
        errors += _validate_ip_block(block if isinstance(block, Mapping) else {},
                                     path.child("ipBlock"))
    if count == 0:
        errors.append(required(path, "must specify a peer"))
    elif count > 1 and block is not None:
        errors.append(forbidden(path, "may not specify both ipBlock and another peer"))
    return errors


def _validate_policy_spec(spec: Mapping[str, Any]) -> list[FieldError]:
    """``ValidateNetworkPolicySpec``."""
    errors = validate_label_selector(spec.get("podSelector"), SPEC.child("podSelector"))
    for direction, peers in (("ingress", "from"), ("egress", "to")):
        for index, rule in enumerate(as_dicts(spec.get(direction))):
            rule_path = SPEC.child(direction).index(index)
            for i, port in enumerate(as_dicts(rule.get("ports"))):
                errors += _validate_policy_port(port, rule_path.child("ports").index(i))
            for i, peer in enumerate(as_dicts(rule.get(peers))):
                errors += _validate_peer(peer, rule_path.child(peers).index(i))
    types = get_list(spec, "policyTypes")
    if len(types) > len(_POLICY_TYPES):
        return errors + [invalid(SPEC.child("policyTypes"), types,
                                 "may not specify more than two policyTypes")]
    for index, kind in enumerate(types):
        if kind not in _POLICY_TYPES:
            errors.append(not_supported(SPEC.child("policyTypes").index(index), kind,
                                        _POLICY_TYPES))
    return errors


def validate_network_policy(obj: Mapping[str, Any], info: ResourceInfo) -> list[FieldError]:
    """``ValidateNetworkPolicy``."""
    errors = validate_object_meta(obj, True, name_is_dns_subdomain)
    return errors + _validate_policy_spec(get_map(obj, "spec"))


def validate_network_policy_update(new: Mapping[str, Any], old: Mapping[str, Any],
                                   info: ResourceInfo) -> list[FieldError]:
    """``ValidateNetworkPolicyUpdate``: the spec may change."""
    return validate_object_meta_update(new, old) + validate_network_policy(new, info)
