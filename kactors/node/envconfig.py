"""ConfigMaps and Secrets a pod consumes, checked the way the kubelet does before use.

Two different failures, as in Kubernetes:

* **environment** (``env[].valueFrom`` and ``envFrom``) is resolved when the container is
  created: a missing object or key makes the container wait with
  ``CreateContainerConfigError`` and a message such as ``configmap "x" not found`` or
  ``couldn't find key k in ConfigMap default/x``;
* **volumes** (``configMap``/``secret``) are mounted before the pod's sandbox exists: a
  missing object leaves the whole pod ``ContainerCreating`` with ``FailedMount`` events
  (``MountVolume.SetUp failed for volume "cfg" : configmap "x" not found``).

* **claims** (``persistentVolumeClaim`` volumes): the pod waits ``ContainerCreating``
  until each claim is Bound, with a ``FailedMount`` event worded as the kubelet's volume
  manager words it (``Unable to attach or mount volumes: unmounted volumes=[www],
  unattached volumes=[www], failed to process volumes=[www]: error processing PVC
  default/www-web-0: PVC is not bound``).

``optional: true`` references are skipped when missing. ``projected`` volumes are checked
source by source, the service-account token included (the ``kube-api-access-*`` volume
fails with ``configmap "kube-root-ca.crt" not found`` or ``failed to fetch token: ...``);
``emptyDir``, ``hostPath`` and the other sources are accepted as they are.

The simulated images need variable *names* only (``POSTGRES_PASSWORD`` set or not):
:func:`resolve_env` returns those, plus the objects it read (``EnvResult.sources``, kept
by reference, never logged) from which :mod:`.containerenv` computes the values when
someone runs ``kubectl exec ... env``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import attrs

__all__ = ["CLAIM_ERROR_PREFIX", "ConfigLookup", "EnvResult", "check_volumes", "claim_error",
           "env_from_refs", "resolve_env"]

#: ``lookup(kind, namespace, name)`` -> the object (``kind`` is ``"ConfigMap"`` or
#: ``"Secret"``), or ``None`` when it does not exist.
ConfigLookup = Callable[[str, str, str], Mapping[str, Any] | None]

_LOWER = {"ConfigMap": "configmap", "Secret": "secret"}


@attrs.frozen
class EnvResult:
    """The names of the container's environment variables, or why it cannot be created."""

    names: tuple[str, ...] = ()
    error: str | None = None
    #: the ConfigMaps and Secrets read, ``(kind, name) -> object`` (None: missing), as
    #: they were at this moment: what ``kubectl exec ... env`` shows later comes from
    #: them (:mod:`.containerenv`), since a container's environment is fixed at its start
    sources: Mapping[tuple[str, str], Mapping[str, Any] | None] = attrs.field(
        factory=dict, eq=False, repr=False)


def _fields(kind: str) -> tuple[str, str]:
    """Where a ConfigMap's or a Secret's keys are."""
    return ("data", "binaryData") if kind == "ConfigMap" else ("data", "stringData")


def _keys(kind: str, obj: Mapping[str, Any]) -> set[str]:
    keys: set[str] = set()
    for field in _fields(kind):
        value = obj.get(field)
        if isinstance(value, Mapping):
            keys.update(str(key) for key in value)
    return keys


def _has_key(kind: str, obj: Mapping[str, Any], key: str) -> bool:
    """``key in _keys(kind, obj)``, without building the set (every pod's volumes ask)."""
    for field in _fields(kind):
        value = obj.get(field)
        if value is not None and _is_map(value) and (
                key in value or any(str(k) == key for k in value if type(k) is not str)):
            return True
    return False


def _is_map(item: Any) -> bool:
    # a plain dict nearly always: a type test before the (slower) ABC check
    return type(item) is dict or isinstance(item, Mapping)


def _dicts(value: Any) -> list[Mapping[str, Any]]:
    return [item for item in value if _is_map(item)] if isinstance(value, list) else []


def env_from_refs(container: Mapping[str, Any]
                  ) -> Iterator[tuple[str, str, Mapping[str, Any]]]:
    """``envFrom``'s references in order, as ``(prefix, kind, ref)``: what both the
    kubelet's check (:func:`resolve_env`) and the values exec shows
    (:func:`kactors.node.containerenv.container_env`) walk."""
    for source in _dicts(container.get("envFrom")):
        prefix = str(source.get("prefix") or "")
        for field, kind in (("configMapRef", "ConfigMap"), ("secretRef", "Secret")):
            ref = source.get(field)
            if isinstance(ref, Mapping):
                yield prefix, kind, ref


def resolve_env(container: Mapping[str, Any], namespace: str, lookup: ConfigLookup) -> EnvResult:
    """The variables ``container`` would get (``envFrom`` first, then ``env``), or the error."""
    names: dict[str, None] = {}
    cache: dict[tuple[str, str], Mapping[str, Any] | None] = {}

    def get(kind: str, name: str) -> Mapping[str, Any] | None:
        if (kind, name) not in cache:
            cache[kind, name] = lookup(kind, namespace, name)
        return cache[kind, name]

    for prefix, kind, ref in env_from_refs(container):
        name = str(ref.get("name") or "")
        obj = get(kind, name)
        if obj is None:
            if ref.get("optional") is True:
                continue
            return EnvResult(error=f'{_LOWER[kind]} "{name}" not found')
        for key in sorted(_keys(kind, obj)):
            names[prefix + key] = None
    for env in _dicts(container.get("env")):
        name = str(env.get("name") or "")
        value_from = env.get("valueFrom")
        if isinstance(value_from, Mapping):
            for field, kind in (("configMapKeyRef", "ConfigMap"), ("secretKeyRef", "Secret")):
                ref = value_from.get(field)
                if not isinstance(ref, Mapping):
                    continue
                ref_name, key = str(ref.get("name") or ""), str(ref.get("key") or "")
                optional = ref.get("optional") is True
                obj = get(kind, ref_name)
                if obj is None:
                    if optional:
                        break
                    return EnvResult(error=f'{_LOWER[kind]} "{ref_name}" not found')
                if not _has_key(kind, obj, key):
                    if optional:
                        break
                    return EnvResult(
                        error=f"couldn't find key {key} in {kind} {namespace}/{ref_name}"
                    )
                names[name] = None
                break
            else:
                names[name] = None  # fieldRef, resourceFieldRef
        else:
            names[name] = None
    names.pop("", None)
    return EnvResult(tuple(names), sources=cache)


def check_volumes(
    volumes: Sequence[Mapping[str, Any]], namespace: str, lookup: ConfigLookup,
    token_name: str = "",
) -> list[tuple[str, str]]:
    """``(volume name, error)`` for each volume that cannot be mounted: a configMap or
    secret volume, or a ``projected`` one whose ConfigMap, Secret or service-account
    token (``lookup("ServiceAccountToken", namespace, token_name)``: ``{"token": ...}``,
    or ``{"error": ...}`` when the kubelet could not get one) is missing. One error per
    volume, the first."""
    errors: list[tuple[str, str]] = []
    for volume in volumes:
        if not _is_map(volume):
            continue
        name = str(volume.get("name"))
        claim = volume.get("persistentVolumeClaim")
        if claim is not None and _is_map(claim):
            error = claim_error(namespace, str(claim.get("claimName") or ""), lookup)
            if error is not None:
                errors.append((name, error))
            continue
        error = _source_error(volume, namespace, lookup, "secretName")
        projected = volume.get("projected")
        if error is None and projected is not None and _is_map(projected):
            for source in _dicts(projected.get("sources")):
                error = _source_error(source, namespace, lookup, "name")
                account_token = source.get("serviceAccountToken")
                if error is None and account_token is not None and _is_map(account_token):
                    token = lookup("ServiceAccountToken", namespace, token_name) or {
                        "error": "no token requested"}
                    if "token" not in token:
                        error = f"failed to fetch token: {token.get('error')}"
                if error is not None:
                    break
        if error is not None:
            errors.append((name, error))
    return errors


#: how the kubelet's volume manager words a claim it cannot use yet (``getPVCExtractPV``)
CLAIM_ERROR_PREFIX = "error processing PVC "


def claim_error(namespace: str, name: str, lookup: ConfigLookup) -> str | None:
    """Why the claim ``namespace/name`` of a ``persistentVolumeClaim`` volume cannot be
    mounted yet: missing, or not Bound (the pod waits, ContainerCreating)."""
    claim = lookup("PersistentVolumeClaim", namespace, name)
    where = f"{CLAIM_ERROR_PREFIX}{namespace}/{name}: "
    if claim is None:
        return f'{where}failed to fetch PVC from API server: persistentvolumeclaims "{name}" ' \
               "not found"
    status = claim.get("status")
    if not _is_map(status) or status.get("phase") != "Bound":
        return f"{where}PVC is not bound"
    return None


def _source_error(source: Mapping[str, Any], namespace: str, lookup: ConfigLookup,
                  secret_key: str) -> str | None:
    """Why the ``configMap`` or ``secret`` of a volume (or of a projection, where the
    Secret's name is under ``name`` rather than ``secretName``) cannot be mounted."""
    for field, kind, name_key in (("configMap", "ConfigMap", "name"),
                                  ("secret", "Secret", secret_key)):
        ref = source.get(field)
        if ref is None or not _is_map(ref):  # None: without a type check
            continue
        name = str(ref.get(name_key) or "")
        optional = ref.get("optional") is True
        obj = lookup(kind, namespace, name)
        if obj is None:
            return None if optional else f'{_LOWER[kind]} "{name}" not found'
        if optional:
            continue  # present: an optional reference's missing keys are no error
        for item in _dicts(ref.get("items")):
            key = str(item.get("key") or "")
            if not _has_key(kind, obj, key):
                return (f"configmap references non-existent config key: {key}"
                        if kind == "ConfigMap" else
                        f"references non-existent secret key: {key}")
    return None
