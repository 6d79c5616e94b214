"""The environment a container's process sees, as ``kubectl exec ... env`` prints it.

The kubelet resolves a container's environment once, when it creates the container
(``makeEnvironmentVariables``): a ConfigMap edited later does not change it until the
container restarts. :func:`~kactors.node.envconfig.resolve_env` keeps the ConfigMaps and
Secrets it read at that moment (``EnvResult.sources``), and :func:`container_env`
computes the values from them, on demand: the simulated runtime carries no values (no
Secret in its state), and a cluster where nobody runs ``exec`` pays nothing.

Order: the image's ``PATH``, ``HOSTNAME`` (the runtime sets it from the pod's hostname),
``envFrom`` then ``env`` (``$(VAR)`` references expanded against what came before, as
the kubelet does; ``$$`` escapes), the ``kubernetes`` Service's variables
(``KUBERNETES_SERVICE_HOST`` and friends, which in-cluster clients read; the kubelet adds
them whatever ``enableServiceLinks`` says), and ``HOME`` as the runtime adds it. The
links of the namespace's other Services are not simulated (the kubelet would need to
watch every Service).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from kactors.api.quantity import parse_quantity

from .envconfig import _dicts, _keys, env_from_refs
from .volumefiles import decode_secret_value, field_value

__all__ = ["DEFAULT_PATH", "container_env", "expand_references", "pod_hostname",
           "runtime_files", "service_env"]

DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
_REFERENCE = re.compile(r"\$\$|\$\(([^)]*)\)")

Obj = Mapping[str, Any]


def pod_hostname(pod: Obj) -> str:
    """The hostname of the pod's containers: ``spec.hostname`` or the pod's name."""
    spec = pod.get("spec") or {}
    return str(spec.get("hostname") or (pod.get("metadata") or {}).get("name") or "")


def expand_references(text: str, defined: Mapping[str, str]) -> str:
    """Kubernetes' ``$(VAR)`` expansion: a defined variable's value; ``$$`` is ``$``; an
    undefined reference stays as written."""
    def replace(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name = match.group(1)
        return defined[name] if name in defined else match.group(0)
    return _REFERENCE.sub(replace, text)


def _source_value(kind: str, obj: Obj, key: str) -> str | None:
    data = obj.get("data") or {}
    if key not in data:
        return None
    value = data[key]
    return decode_secret_value(value) if kind == "Secret" else str(value)


def _resource_value(container: Obj, ref: Obj, allocatable: Mapping[str, str]) -> str | None:
    """``resourceFieldRef``: a limit or request in units of ``divisor``, rounded up; a
    limit the container does not set is the node's allocatable, as the kubelet does."""
    resource = str(ref.get("resource") or "")
    kind, _, name = resource.partition(".")
    resources = container.get("resources") or {}
    raw = (resources.get(kind) or {}).get(name)
    if raw is None and kind == "limits":
        raw = allocatable.get(name)
    if raw is None:
        return "0"
    try:
        quantity = parse_quantity(raw)
        divisor = parse_quantity(ref.get("divisor") or "1")
    except (ValueError, TypeError):
        return None
    if divisor.milli_value() <= 0:
        return None
    return str(math.ceil(quantity.milli_value() / divisor.milli_value()))


def service_env(name: str, ip: str, port: int, protocol: str = "TCP",
                port_name: str = "") -> dict[str, str]:
    """The Docker-link-style variables of a Service (``makeEnvironmentVariables``)."""
    prefix = name.upper().replace("-", "_")
    proto = protocol.lower()
    url = f"{proto}://{ip}:{port}"
    env = {f"{prefix}_SERVICE_HOST": ip, f"{prefix}_SERVICE_PORT": str(port)}
    if port_name:
        env[f"{prefix}_SERVICE_PORT_{port_name.upper().replace('-', '_')}"] = str(port)
    base = f"{prefix}_PORT_{port}_{protocol.upper()}"
    env.update({f"{prefix}_PORT": url, base: url, f"{base}_PROTO": proto,
                f"{base}_PORT": str(port), f"{base}_ADDR": ip})
    return env


def container_env(pod: Obj, container: Obj, sources: Mapping[tuple[str, str], Any], *,
                  allocatable: Mapping[str, str] | None = None,
                  kubernetes_service_ip: str | None = None) -> list[tuple[str, str]]:
    """``(name, value)`` pairs of the process environment, in order (see the module)."""
    services = service_env("kubernetes", kubernetes_service_ip, 443, port_name="https") \
        if kubernetes_service_ip else {}
    env: dict[str, str] = {"PATH": DEFAULT_PATH, "HOSTNAME": pod_hostname(pod)}
    for prefix, kind, ref in env_from_refs(container):
        obj = sources.get((kind, str(ref.get("name") or "")))
        if obj is None:
            continue
        for key in sorted(_keys(kind, obj)):
            value = _source_value(kind, obj, key)
            if value is not None:
                env[prefix + key] = value
    for item in _dicts(container.get("env")):
        name = str(item.get("name") or "")
        if not name:
            continue
        value_from = item.get("valueFrom")
        if not isinstance(value_from, Mapping):
            env[name] = expand_references(str(item.get("value") or ""),
                                          {**services, **env} if services else env)
            continue
        value: str | None = None
        for field, kind in (("configMapKeyRef", "ConfigMap"), ("secretKeyRef", "Secret")):
            ref = value_from.get(field)
            if isinstance(ref, Mapping):
                obj = sources.get((kind, str(ref.get("name") or "")))
                value = None if obj is None else _source_value(kind, obj, str(ref.get("key")))
        ref = value_from.get("fieldRef")
        if isinstance(ref, Mapping):
            value = field_value(pod, str(ref.get("fieldPath") or ""))
        ref = value_from.get("resourceFieldRef")
        if isinstance(ref, Mapping):
            value = _resource_value(container, ref, allocatable or {})
        if value is not None:
            env[name] = value
    for key, value in services.items():
        env.setdefault(key, value)
    env.setdefault("HOME", "/root")
    return list(env.items())


def runtime_files(pod: Obj, pod_ip: str | None) -> dict[str, str]:
    """The files the kubelet and the runtime write into every container:
    ``/etc/hostname`` and the kubelet-managed ``/etc/hosts``."""
    hostname = pod_hostname(pod)
    hosts = ("# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n"
             "::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\n"
             "fe00::0\tip6-mcastprefix\nfe00::1\tip6-allnodes\nfe00::2\tip6-allrouters\n")
    if pod_ip:
        hosts += f"{pod_ip}\t{hostname}\n"
    return {"/etc/hostname": f"{hostname}\n", "/etc/hosts": hosts}
