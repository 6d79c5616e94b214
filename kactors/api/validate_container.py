"""Validation of containers (``validateContainers``, ``validateInitContainers``).

Names (DNS labels, unique across regular and init containers), images, termination
message and pull policies, ports (numbers, names, protocols, host-port conflicts),
environment variables (names, exactly one ``valueFrom`` source, downward API field
paths, key references), ``envFrom``, volume mounts (known volume, unique path, relative
``subPath``), resources (:mod:`kactors.api.validate_resources`), probes and lifecycle
handlers (exactly one handler; liveness and startup probes need ``successThreshold: 1``),
and the init-container rules (probes only for ``restartPolicy: Always`` sidecars).
Security contexts, resize policies and volume devices are not checked.
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping
from typing import Any

from .fielderrors import (
    FieldError,
    FieldPath,
    duplicate,
    forbidden,
    invalid,
    not_found,
    not_supported,
    required,
)
from .validate_meta import (
    as_dicts,
    get_list,
    get_str,
    is_int,
    name_is_dns_subdomain,
    validate_nonnegative,
)
from .validate_resources import validate_resources
from .validation import (
    is_config_map_key,
    is_dns1123_label,
    is_env_var_name,
    is_qualified_name,
    is_valid_port_name,
    is_valid_port_num,
)

__all__ = [
    "validate_containers",
    "validate_init_containers",
    "validate_port_num_or_name",
]

_PROTOCOLS = ("SCTP", "TCP", "UDP")  # sets.List: sorted
_PULL_POLICIES = ("Always", "IfNotPresent", "Never")
_ENV_FIELD_PATHS = (
    "metadata.name",
    "metadata.namespace",
    "metadata.uid",
    "spec.nodeName",
    "spec.serviceAccountName",
    "status.hostIP",
    "status.hostIPs",
    "status.podIP",
    "status.podIPs",
)
# Labels ConvertDownwardAPIFieldLabel accepts for v1 pods (before the env-specific check).
_CONVERTIBLE_FIELD_PATHS = frozenset(
    {
        *_ENV_FIELD_PATHS,
        "metadata.annotations",
        "metadata.labels",
        "spec.restartPolicy",
        "spec.schedulerName",
        "status.phase",
    }
)
_RESOURCE_FIELD_PATHS = (
    "limits.cpu",
    "limits.ephemeral-storage",
    "limits.memory",
    "requests.cpu",
    "requests.ephemeral-storage",
    "requests.memory",
)


def _dns_label(value: str, path: FieldPath) -> list[FieldError]:
    return [invalid(path, value, msg) for msg in is_dns1123_label(value)]


# -- ports, handlers, probes -------------------------------------------------------------


def validate_port_num_or_name(port: Any, path: FieldPath) -> list[FieldError]:
    """``ValidatePortNumOrName`` for an int-or-string port."""
    if isinstance(port, str):
        return [invalid(path, port, msg) for msg in is_valid_port_name(port)]
    if is_int(port):
        return [invalid(path, int(port), msg) for msg in is_valid_port_num(int(port))]
    return [invalid(path, port, "must be an integer or a port name")]


def _validate_container_ports(ports: Any, path: FieldPath) -> list[FieldError]:
    errors: list[FieldError] = []
    names: set[str] = set()
    for index, port in enumerate(as_dicts(ports)):
        at = path.index(index)
        name = get_str(port, "name")
        if name:
            messages = is_valid_port_name(name)
            if messages:
                errors.extend(invalid(at.child("name"), name, msg) for msg in messages)
            elif name in names:
                errors.append(duplicate(at.child("name"), name))
            else:
                names.add(name)
        container_port = port.get("containerPort")
        if not container_port:
            errors.append(required(at.child("containerPort")))
        elif not is_int(container_port):
            errors.append(invalid(at.child("containerPort"), container_port, "must be an integer"))
        else:
            errors.extend(
                invalid(at.child("containerPort"), int(container_port), msg)
                for msg in is_valid_port_num(int(container_port))
            )
        host_port = port.get("hostPort")
        if host_port:
            if not is_int(host_port):
                errors.append(invalid(at.child("hostPort"), host_port, "must be an integer"))
            else:
                errors.extend(
                    invalid(at.child("hostPort"), int(host_port), msg)
                    for msg in is_valid_port_num(int(host_port))
                )
        errors.extend(_validate_protocol(port.get("protocol"), at.child("protocol")))
    return errors


def _validate_protocol(protocol: Any, path: FieldPath) -> list[FieldError]:
    if not protocol:
        return [required(path)]
    if protocol not in _PROTOCOLS:
        return [not_supported(path, protocol, _PROTOCOLS)]
    return []


def _validate_handler(
    handler: Mapping[str, Any], path: FieldPath, kinds: tuple[str, ...]
) -> list[FieldError]:
    """``validateHandler``: exactly one of exec/httpGet/tcpSocket/grpc/sleep."""
    errors: list[FieldError] = []
    count = 0
    for kind in kinds:
        action = handler.get(kind)
        if action is None:
            continue
        if count:
            errors.append(forbidden(path.child(kind), "may not specify more than 1 handler type"))
            continue
        count += 1
        action = action if isinstance(action, Mapping) else {}
        at = path.child(kind)
        if kind == "exec" and not get_list(action, "command"):
            errors.append(required(at.child("command")))
        elif kind == "httpGet":
            if not get_str(action, "path"):
                errors.append(required(at.child("path")))
            errors.extend(validate_port_num_or_name(action.get("port"), at.child("port")))
            if action.get("scheme", "") not in ("HTTP", "HTTPS"):
                errors.append(
                    not_supported(at.child("scheme"), action.get("scheme", ""), ("HTTP", "HTTPS"))
                )
        elif kind in ("tcpSocket", "grpc"):
            errors.extend(validate_port_num_or_name(action.get("port"), at.child("port")))
    if count == 0:
        errors.append(required(path, "must specify a handler type"))
    return errors


_PROBE_HANDLERS = ("exec", "httpGet", "tcpSocket", "grpc")
_LIFECYCLE_HANDLERS = ("exec", "httpGet", "tcpSocket", "sleep")


def _validate_probe(probe: Any, path: FieldPath, kind: str) -> list[FieldError]:
    if not isinstance(probe, Mapping):
        return []
    errors = _validate_handler(probe, path, _PROBE_HANDLERS)
    for key in (
        "initialDelaySeconds",
        "timeoutSeconds",
        "periodSeconds",
        "successThreshold",
        "failureThreshold",
    ):
        errors.extend(validate_nonnegative(probe.get(key), path.child(key)))
    grace = probe.get("terminationGracePeriodSeconds")
    if grace is not None and is_int(grace) and grace <= 0:
        errors.append(
            invalid(path.child("terminationGracePeriodSeconds"), grace, "must be greater than 0")
        )
    if kind in ("liveness", "startup") and probe.get("successThreshold", 1) != 1:
        errors.append(
            invalid(path.child("successThreshold"), probe.get("successThreshold"), "must be 1")
        )
    if kind == "readiness" and grace is not None:
        errors.append(
            invalid(
                path.child("terminationGracePeriodSeconds"),
                grace,
                "must not be set for readinessProbes",
            )
        )
    return errors


# -- env ----------------------------------------------------------------------------------


def _split_subscript(field_path: str) -> tuple[str, str] | None:
    """``metadata.labels['key']`` -> (``metadata.labels``, ``key``) (``SplitMaybeSubscriptedPath``)."""
    if not field_path.endswith("']"):
        return None
    head, sep, subscript = field_path[:-2].partition("['")
    return (head, subscript) if sep else None


def _validate_field_ref(ref: Mapping[str, Any], path: FieldPath) -> list[FieldError]:
    if not get_str(ref, "apiVersion"):
        return [required(path.child("apiVersion"))]
    field_path = get_str(ref, "fieldPath")
    if not field_path:
        return [required(path.child("fieldPath"))]
    subscripted = _split_subscript(field_path)
    base = subscripted[0] if subscripted else field_path
    if base not in _CONVERTIBLE_FIELD_PATHS or (
        subscripted and base not in ("metadata.labels", "metadata.annotations")
    ):
        return [
            invalid(
                path.child("fieldPath"),
                field_path,
                f"error converting fieldPath: field label not supported: {base}",
            )
        ]
    if subscripted:
        key = subscripted[1].lower() if base == "metadata.annotations" else subscripted[1]
        return [invalid(path, key, msg) for msg in is_qualified_name(key)]
    if field_path not in _ENV_FIELD_PATHS:
        return [not_supported(path.child("fieldPath"), field_path, sorted(_ENV_FIELD_PATHS))]
    return []


def _validate_key_ref(ref: Mapping[str, Any], path: FieldPath) -> list[FieldError]:
    name = get_str(ref, "name")
    errors = [invalid(path.child("name"), name, msg) for msg in name_is_dns_subdomain(name, False)]
    key = get_str(ref, "key")
    if not key:
        errors.append(required(path.child("key")))
    else:
        errors.extend(invalid(path.child("key"), key, msg) for msg in is_config_map_key(key))
    return errors


def _validate_value_from(env: Mapping[str, Any], path: FieldPath) -> list[FieldError]:
    value_from = env.get("valueFrom")
    if value_from is None:
        return []
    value_from = value_from if isinstance(value_from, Mapping) else {}
    errors: list[FieldError] = []
    sources = 0
    if isinstance(value_from.get("fieldRef"), Mapping):
        sources += 1
        errors.extend(_validate_field_ref(value_from["fieldRef"], path.child("fieldRef")))
    if isinstance(value_from.get("resourceFieldRef"), Mapping):
        sources += 1
        ref, at = value_from["resourceFieldRef"], path.child("resourceFieldRef")
        resource = get_str(ref, "resource")
        if not resource:
            errors.append(required(at.child("resource")))
        elif resource not in _RESOURCE_FIELD_PATHS and not resource.startswith(
            ("requests.hugepages-", "limits.hugepages-")
        ):
            errors.append(not_supported(at.child("resource"), resource, _RESOURCE_FIELD_PATHS))
    for key in ("configMapKeyRef", "secretKeyRef"):
        if isinstance(value_from.get(key), Mapping):
            sources += 1
            errors.extend(_validate_key_ref(value_from[key], path.child(key)))
    if sources == 0:
        errors.append(
            invalid(
                path,
                "",
                "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`",
            )
        )
    elif env.get("value"):
        errors.append(invalid(path, "", "may not be specified when `value` is not empty"))
    elif sources > 1:
        errors.append(invalid(path, "", "may not have more than one field specified at a time"))
    return errors


def _validate_env(env_list: Any, path: FieldPath) -> list[FieldError]:
    errors: list[FieldError] = []
    for index, env in enumerate(as_dicts(env_list)):
        at = path.index(index)
        name = get_str(env, "name")
        if not name:
            errors.append(required(at.child("name")))
        else:
            errors.extend(invalid(at.child("name"), name, msg) for msg in is_env_var_name(name))
        errors.extend(_validate_value_from(env, at.child("valueFrom")))
    return errors


def _validate_env_from(env_from: Any, path: FieldPath) -> list[FieldError]:
    errors: list[FieldError] = []
    for index, source in enumerate(as_dicts(env_from)):
        at = path.index(index)
        prefix = get_str(source, "prefix")
        if prefix:
            errors.extend(
                invalid(at.child("prefix"), prefix, msg) for msg in is_env_var_name(prefix)
            )
        count = 0
        for key in ("configMapRef", "secretRef"):
            ref = source.get(key)
            if isinstance(ref, Mapping):
                count += 1
                name = get_str(ref, "name")
                if not name:
                    errors.append(required(at.child(key).child("name")))
                else:
                    errors.extend(
                        invalid(at.child(key).child("name"), name, msg)
                        for msg in name_is_dns_subdomain(name, True)
                    )
        if count == 0:
            errors.append(invalid(path, "", "must specify one of: `configMapRef` or `secretRef`"))
        elif count > 1:
            errors.append(invalid(path, "", "may not have more than one field specified at a time"))
    return errors


def _validate_local_descending_path(value: str, path: FieldPath) -> list[FieldError]:
    errors: list[FieldError] = []
    if posixpath.isabs(value):
        errors.append(invalid(path, value, "must be a relative path"))
    if ".." in value.replace("\\", "/").split("/"):
        errors.append(invalid(path, value, "must not contain '..'"))
    return errors


def _validate_volume_mounts(mounts: Any, volumes: set[str], path: FieldPath) -> list[FieldError]:
    errors: list[FieldError] = []
    mount_points: set[str] = set()
    for index, mount in enumerate(as_dicts(mounts)):
        at = path.index(index)
        name = get_str(mount, "name")
        if not name:
            errors.append(required(at.child("name")))
        if name not in volumes:
            errors.append(not_found(at.child("name"), name))
        mount_path = get_str(mount, "mountPath")
        if not mount_path:
            errors.append(required(at.child("mountPath")))
        if mount_path in mount_points:
            errors.append(invalid(at.child("mountPath"), mount_path, "must be unique"))
        mount_points.add(mount_path)
        sub_path, sub_path_expr = get_str(mount, "subPath"), get_str(mount, "subPathExpr")
        if sub_path:
            errors.extend(_validate_local_descending_path(sub_path, path.child("subPath")))
        if sub_path_expr:
            if sub_path:
                errors.append(
                    invalid(
                        at.child("subPathExpr"),
                        sub_path_expr,
                        "subPathExpr and subPath are mutually exclusive",
                    )
                )
            errors.extend(_validate_local_descending_path(sub_path_expr, path.child("subPathExpr")))
    return errors


# -- containers -----------------------------------------------------------------------------


def _validate_container_common(
    container: Mapping[str, Any], volumes: set[str], path: FieldPath
) -> list[FieldError]:
    """``validateContainerCommon``."""
    errors: list[FieldError] = []
    name = get_str(container, "name")
    if not name:
        errors.append(required(path.child("name")))
    else:
        errors.extend(_dns_label(name, path.child("name")))
    if not get_str(container, "image"):
        errors.append(required(path.child("image")))
    policy = container.get("terminationMessagePolicy") or ""
    if not policy:
        errors.append(required(path.child("terminationMessagePolicy")))
    elif policy not in ("File", "FallbackToLogsOnError"):
        errors.append(
            not_supported(
                path.child("terminationMessagePolicy"), policy, ("File", "FallbackToLogsOnError")
            )
        )
    errors.extend(_validate_container_ports(container.get("ports"), path.child("ports")))
    errors.extend(_validate_env(container.get("env"), path.child("env")))
    errors.extend(_validate_env_from(container.get("envFrom"), path.child("envFrom")))
    errors.extend(
        _validate_volume_mounts(container.get("volumeMounts"), volumes, path.child("volumeMounts"))
    )
    pull = container.get("imagePullPolicy") or ""
    if not pull:
        errors.append(required(path.child("imagePullPolicy")))
    elif pull not in _PULL_POLICIES:
        errors.append(not_supported(path.child("imagePullPolicy"), pull, _PULL_POLICIES))
    errors.extend(validate_resources(container.get("resources"), path.child("resources")))
    return errors


def _validate_probes_and_lifecycle(
    container: Mapping[str, Any], path: FieldPath
) -> list[FieldError]:
    errors: list[FieldError] = []
    lifecycle = container.get("lifecycle")
    if isinstance(lifecycle, Mapping):
        for hook in ("postStart", "preStop"):
            if isinstance(lifecycle.get(hook), Mapping):
                errors.extend(
                    _validate_handler(
                        lifecycle[hook], path.child("lifecycle", hook), _LIFECYCLE_HANDLERS
                    )
                )
    for kind in ("liveness", "readiness", "startup"):
        errors.extend(
            _validate_probe(container.get(f"{kind}Probe"), path.child(f"{kind}Probe"), kind)
        )
    return errors


def _host_port_conflicts(containers: list[Mapping[str, Any]], path: FieldPath) -> list[FieldError]:
    errors: list[FieldError] = []
    seen: set[str] = set()
    for index, container in enumerate(containers):
        for port_index, port in enumerate(as_dicts(container.get("ports"))):
            host_port = port.get("hostPort")
            if not host_port:
                continue
            key = f"{port.get('protocol', '')}/{port.get('hostIP', '')}/{host_port}"
            if key in seen:
                errors.append(
                    duplicate(
                        path.index(index).child("ports").index(port_index).child("hostPort"), key
                    )
                )
            seen.add(key)
    return errors


def validate_containers(containers: Any, volumes: set[str], path: FieldPath) -> list[FieldError]:
    """``validateContainers``: at least one, unique names, probes, no restartPolicy."""
    items = as_dicts(containers)
    if not items:
        return [required(path)]
    errors: list[FieldError] = []
    names: set[str] = set()
    for index, container in enumerate(items):
        at = path.index(index)
        errors.extend(_validate_container_common(container, volumes, at))
        name = get_str(container, "name")
        if name in names:
            errors.append(duplicate(at.child("name"), name))
        names.add(name)
        errors.extend(_validate_probes_and_lifecycle(container, at))
        if container.get("restartPolicy") is not None:
            errors.append(
                forbidden(at.child("restartPolicy"), "may not be set for non-init containers")
            )
    return errors + _host_port_conflicts(items, path)


def validate_init_containers(
    containers: Any, regular: Any, volumes: set[str], path: FieldPath
) -> list[FieldError]:
    """``validateInitContainers``: names unique with the regular containers; probes only
    for restartable (sidecar) init containers."""
    errors: list[FieldError] = []
    names = {get_str(container, "name") for container in as_dicts(regular)}
    for index, container in enumerate(as_dicts(containers)):
        at = path.index(index)
        errors.extend(_validate_container_common(container, volumes, at))
        policy = container.get("restartPolicy")
        if policy is not None and policy != "Always":
            errors.append(not_supported(at.child("restartPolicy"), policy, ("Always",)))
        name = get_str(container, "name")
        if name in names:
            errors.append(duplicate(at.child("name"), name))
        elif name:
            names.add(name)
        errors.extend(_host_port_conflicts([container], path))
        if policy == "Always":
            errors.extend(_validate_probes_and_lifecycle(container, at))
        else:
            for key in ("lifecycle", "livenessProbe", "readinessProbe", "startupProbe"):
                if container.get(key) is not None:
                    errors.append(
                        forbidden(
                            at.child(key),
                            "may not be set for init containers without restartPolicy=Always",
                        )
                    )
    return errors
