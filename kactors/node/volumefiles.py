"""What a container finds in its mounted volumes: path -> text, sans-I/O.

The simulated containers have no filesystem, but a test (or a learner) may want to see
what a pod got: above all the service-account token at
``/var/run/secrets/kubernetes.io/serviceaccount/token``, to call the apiserver as the
pod would. :func:`mounted_files` renders the files of every volume a container mounts,
as the kubelet's volume plugins would write them:

* ``configMap`` and ``secret`` volumes and projections: one file per key (or per
  ``items`` entry, at its ``path``); Secret values base64-decoded;
* ``downwardAPI`` volumes and projections: ``metadata.name``, ``metadata.namespace``,
  ``metadata.uid``, ``metadata.labels`` / ``metadata.annotations`` (``k="v"`` lines) and
  ``spec.nodeName`` / ``spec.serviceAccountName``;
* ``serviceAccountToken`` projections: the pod's token, from the kubelet's token manager
  (``lookup("ServiceAccountToken", namespace, "<account>/<pod uid>")``);
* other sources (``emptyDir``, ``hostPath``...) hold nothing.

A ``subPath`` mount shows that one file at the mount path. What cannot be found (a
missing ConfigMap, a token not yet issued) is simply absent.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from typing import Any

from .envconfig import ConfigLookup, _dicts
from .tokens import TOKEN_KIND, token_name

__all__ = ["decode_secret_value", "field_value", "mounted_files", "volume_files"]

Obj = Mapping[str, Any]


def decode_secret_value(value: Any) -> str:
    """A Secret's ``data`` value as text (base64 decoded; "" if it is not base64)."""
    try:
        return base64.b64decode(str(value), validate=True).decode("utf-8", "replace")
    except (binascii.Error, ValueError):
        return ""


def _keyed(ref: Obj, data: Mapping[str, str]) -> dict[str, str]:
    """The files of a ConfigMap or Secret: all keys, or the ``items`` chosen."""
    items = _dicts(ref.get("items"))
    if not items:
        return dict(data)
    return {str(item.get("path") or item.get("key")): data[str(item.get("key"))]
            for item in items if str(item.get("key")) in data}


def field_value(pod: Obj, path: str) -> str | None:
    """A downward API ``fieldRef``'s value (volumes and env alike), or None when the pod
    has none: ``metadata.name|namespace|uid``, ``metadata.labels`` / ``annotations``
    (all, ``k="v"`` lines) or one of them (``metadata.labels['k']``), ``spec.nodeName``,
    ``spec.serviceAccountName``, ``status.podIP``, ``status.hostIP`` (and their plural
    forms, comma-separated, as the kubelet joins them)."""
    meta = pod.get("metadata") or {}
    spec = pod.get("spec") or {}
    if path in ("metadata.labels", "metadata.annotations"):
        values = meta.get(path.split(".")[1]) or {}
        return "\n".join(f'{key}="{values[key]}"' for key in sorted(values))
    for field in ("labels", "annotations"):
        prefix = f"metadata.{field}['"
        if path.startswith(prefix) and path.endswith("']"):
            found = (meta.get(field) or {}).get(path[len(prefix):-2])
            return str(found) if found is not None else ""
    status = pod.get("status") or {}
    if path in ("status.podIPs", "status.hostIPs"):
        ips = [str(i.get("ip")) for i in _dicts(status.get(path[7:])) if i.get("ip")]
        return ",".join(ips) if ips else None
    simple = {"metadata.name": meta.get("name"), "metadata.namespace": meta.get("namespace"),
              "metadata.uid": meta.get("uid"), "spec.nodeName": spec.get("nodeName"),
              "spec.serviceAccountName": spec.get("serviceAccountName"),
              "status.podIP": status.get("podIP"), "status.hostIP": status.get("hostIP")}
    value = simple.get(path)
    return str(value) if value is not None else None


def _source_files(source: Obj, pod: Obj, lookup: ConfigLookup, secret_key: str) -> dict[str, str]:
    namespace = str((pod.get("metadata") or {}).get("namespace", ""))
    files: dict[str, str] = {}
    ref = source.get("configMap")
    if isinstance(ref, Mapping):
        obj = lookup("ConfigMap", namespace, str(ref.get("name") or ""))
        if obj is not None:
            files.update(_keyed(ref, {str(k): str(v) for k, v in (obj.get("data") or {}).items()}))
    ref = source.get("secret")
    if isinstance(ref, Mapping):
        obj = lookup("Secret", namespace, str(ref.get(secret_key) or ""))
        if obj is not None:
            files.update(_keyed(ref, {str(k): decode_secret_value(v)
                                      for k, v in (obj.get("data") or {}).items()}))
    ref = source.get("downwardAPI")
    if isinstance(ref, Mapping):
        for item in _dicts(ref.get("items")):
            field_ref = item.get("fieldRef")
            value = field_value(pod, str(field_ref.get("fieldPath"))) \
                if isinstance(field_ref, Mapping) else None
            if value is not None:
                files[str(item.get("path"))] = value
    ref = source.get("serviceAccountToken")
    if isinstance(ref, Mapping):
        meta = pod.get("metadata") or {}
        account = (pod.get("spec") or {}).get("serviceAccountName") or "default"
        token = lookup(TOKEN_KIND, namespace, token_name(account, str(meta.get("uid"))))
        if token is not None and "token" in token:
            files[str(ref.get("path") or "token")] = str(token["token"])
    return files


def volume_files(volume: Obj, pod: Obj, lookup: ConfigLookup) -> dict[str, str]:
    """The files of one volume of ``pod``: relative path -> text."""
    files = _source_files(volume, pod, lookup, "secretName")
    projected = volume.get("projected")
    if isinstance(projected, Mapping):
        for source in _dicts(projected.get("sources")):
            files.update(_source_files(source, pod, lookup, "name"))
    return files


def mounted_files(pod: Obj, container: str, lookup: ConfigLookup) -> dict[str, str]:
    """Every file ``container`` of ``pod`` sees in its volume mounts: absolute path -> text."""
    spec = pod.get("spec") or {}
    volumes = {str(v.get("name")): v for v in _dicts(spec.get("volumes"))}
    found = next((c for key in ("containers", "initContainers")
                  for c in _dicts(spec.get(key)) if c.get("name") == container), None)
    files: dict[str, str] = {}
    for mount in _dicts((found or {}).get("volumeMounts")):
        volume = volumes.get(str(mount.get("name")))
        if volume is None:
            continue
        root = str(mount.get("mountPath") or "").rstrip("/")
        contents = volume_files(volume, pod, lookup)
        sub_path = str(mount.get("subPath") or "")
        if sub_path:
            if sub_path in contents:
                files[root] = contents[sub_path]
            continue
        for path, text in contents.items():
            files[f"{root}/{path}"] = text
    return dict(sorted(files.items()))
