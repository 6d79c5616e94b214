"""The ServiceAccount admission plugin: pods run as a ServiceAccount, with its token mounted.

Kubernetes' ``plugin/pkg/admission/serviceaccount``, on every Pod *create*:

* a pod naming no ``serviceAccountName`` runs as ``default``;
* the named ServiceAccount must exist, or the pod is refused: ``pods "web" is forbidden:
  error looking up service account shop/robot: serviceaccount "robot" not found``;
* unless ``automountServiceAccountToken`` is false (the pod's setting wins over the
  account's), the pod gets the projected volume ``kube-api-access-<5 random chars>`` (a
  bound token for the account, the cluster CA from the ``kube-root-ca.crt`` ConfigMap and
  the namespace from the downward API) and every container and init container mounts it
  read-only at ``/var/run/secrets/kubernetes.io/serviceaccount`` (except one that already
  mounts something there);
* the account's ``imagePullSecrets`` become the pod's when the pod names none;
* a mirror pod (a static pod the kubelet shows in the API) is left alone but may not
  reference ServiceAccounts, Secrets or token projections.

Pure functions over plain dicts: the apiserver passes the account lookup (its watch cache)
and the name generator (its seeded RNG, so a run is reproducible). Waiting for a
``default`` account that the controller has not created yet is the caller's job (see
``ApiServer._await_service_account``), as Kubernetes' ``getServiceAccount`` retries.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from kactors.api import status as st
from kactors.api.defaults_pod import MIRROR_ANNOTATION
from kactors.apiserver.auth import pod_references

__all__ = [
    "BOUND_TOKEN_EXPIRATION",
    "DEFAULT_ACCOUNT",
    "ROOT_CA_CONFIGMAP",
    "TOKEN_MOUNT_PATH",
    "VOLUME_PREFIX",
    "account_of",
    "admit_pod",
    "should_automount",
    "token_volume_source",
]

DEFAULT_ACCOUNT = "default"
#: `ServiceAccountVolumeName` + "-": the injected volume's name before its random suffix
VOLUME_PREFIX = "kube-api-access-"
TOKEN_MOUNT_PATH = "/var/run/secrets/kubernetes.io/serviceaccount"
#: the ConfigMap the root-ca-cert-publisher keeps in every namespace
ROOT_CA_CONFIGMAP = "kube-root-ca.crt"
#: `serviceaccount.WarnOnlyBoundTokenExpirationSeconds`: one hour and 7 seconds, a value
#: no client asks for, by which kube-apiserver recognises the tokens of this volume
BOUND_TOKEN_EXPIRATION = 3607

Obj = Mapping[str, Any]
#: ``lookup(namespace, name)`` -> the ServiceAccount, or ``None`` when there is none
AccountLookup = Callable[[str, str], "Obj | None"]


def token_volume_source() -> dict[str, Any]:
    """``TokenVolumeSource()``: the projected source of the injected volume, defaulted
    (``defaultMode`` 420, ``fieldRef.apiVersion`` v1) as the stored pod shows it."""
    return {
        "defaultMode": 0o644,
        "sources": [
            {"serviceAccountToken": {"path": "token",
                                     "expirationSeconds": BOUND_TOKEN_EXPIRATION}},
            {"configMap": {"name": ROOT_CA_CONFIGMAP,
                           "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
            {"downwardAPI": {"items": [{"path": "namespace", "fieldRef": {
                "apiVersion": "v1", "fieldPath": "metadata.namespace"}}]}},
        ],
    }


def account_of(pod: Obj) -> str | None:
    """The ServiceAccount admission will look up for ``pod`` (``default`` when it names
    none), or ``None`` for a mirror pod or a body that is not a pod."""
    meta = pod.get("metadata")
    spec = pod.get("spec")
    if not isinstance(meta, Mapping) or not isinstance(spec, Mapping):
        return None
    if MIRROR_ANNOTATION in (meta.get("annotations") or {}):
        return None
    name = spec.get("serviceAccountName") or spec.get("serviceAccount")
    return name if isinstance(name, str) and name else DEFAULT_ACCOUNT


def should_automount(account: Obj, spec: Obj) -> bool:
    """The pod's ``automountServiceAccountToken`` wins, then the account's; default true."""
    if isinstance(spec.get("automountServiceAccountToken"), bool):
        return bool(spec["automountServiceAccountToken"])
    if isinstance(account.get("automountServiceAccountToken"), bool):
        return bool(account["automountServiceAccountToken"])
    return True


def admit_pod(pod: dict[str, Any], lookup: AccountLookup,
              generate_name: Callable[[str], str]) -> None:
    """Admit a new pod in place (see the module doc), or raise a 403 StatusError."""
    meta = pod["metadata"]
    spec = pod.get("spec")
    if not isinstance(spec, dict):
        return
    namespace, name = meta.get("namespace", ""), meta.get("name", "")
    if MIRROR_ANNOTATION in (meta.get("annotations") or {}):
        _check_mirror(pod, spec, name)
        return
    if not spec.get("serviceAccountName"):
        spec["serviceAccountName"] = spec["serviceAccount"] = DEFAULT_ACCOUNT
    account_name = spec["serviceAccountName"]
    account = lookup(namespace, account_name)
    if account is None:
        raise st.StatusError(st.forbidden(
            ("", "pods"), name, f"error looking up service account {namespace}/"
                                f"{account_name}: serviceaccount \"{account_name}\" not found"))
    if should_automount(account, spec):
        _mount_token(spec, generate_name)
    if not spec.get("imagePullSecrets"):
        pulls = [{"name": ref["name"]} for ref in account.get("imagePullSecrets") or ()
                 if isinstance(ref, Mapping) and ref.get("name")]
        if pulls:
            spec["imagePullSecrets"] = pulls


def _check_mirror(pod: Obj, spec: Obj, name: str) -> None:
    """A mirror pod may use no ServiceAccount, no Secret and no token projection."""
    reason = None
    if spec.get("serviceAccountName"):
        reason = "a mirror pod may not reference service accounts"
    elif any(kind == "Secret" for kind, _, _ in pod_references(pod)):
        reason = "a mirror pod may not reference secrets"
    else:
        for volume in _dicts(spec.get("volumes")):
            projected = volume.get("projected")
            if isinstance(projected, Mapping) and any(
                    "serviceAccountToken" in source for source in _dicts(projected.get("sources"))):
                reason = "a mirror pod may not use ServiceAccountToken volume projections"
                break
    if reason:
        raise st.StatusError(st.forbidden(("", "pods"), name, reason))


def _mount_token(spec: dict[str, Any], generate_name: Callable[[str], str]) -> None:
    """``mountServiceAccountToken``: reuse a ``kube-api-access-*`` volume the pod has, or
    add one; mount it in every container that mounts nothing at the token path."""
    volumes = spec.get("volumes")
    volume_name = next((v["name"] for v in _dicts(volumes)
                        if str(v.get("name", "")).startswith(VOLUME_PREFIX)), None)
    has_volume = volume_name is not None
    if volume_name is None:
        volume_name = generate_name(VOLUME_PREFIX)
    needs_volume = False
    for key in ("initContainers", "containers"):
        for container in _dicts(spec.get(key)):
            mounts = container.get("volumeMounts")
            if not isinstance(mounts, list):
                mounts = container["volumeMounts"] = []
            if any(isinstance(m, Mapping) and m.get("mountPath") == TOKEN_MOUNT_PATH
                   for m in mounts):
                continue
            mounts.append({"name": volume_name, "readOnly": True,
                           "mountPath": TOKEN_MOUNT_PATH})
            needs_volume = True
    if needs_volume and not has_volume:
        if not isinstance(volumes, list):
            volumes = spec["volumes"] = []
        volumes.append({"name": volume_name, "projected": token_volume_source()})


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []
