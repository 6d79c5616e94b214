"""Defaulting of pod specs: Pods themselves and every pod template.

Kubernetes applies two layers of defaults to a ``PodSpec`` (``pkg/apis/core/v1``):

* ``SetDefaults_PodSpec`` plus the container, volume and probe defaulters run for *every*
  pod spec, including the templates inside Deployments, Jobs and the like;
* ``SetDefaults_Pod`` (requests copied from limits, ``enableServiceLinks``, host ports
  under ``hostNetwork``) runs only for actual Pods, deliberately: a template must not be
  rewritten in ways that would change its hash when Kubernetes adds a default.

On top of that, three admission plugins that are on by default mutate Pods at creation
(``ServiceAccount``, ``Priority``, ``DefaultTolerationSeconds``); :func:`default_pod`
applies them when ``create`` is true, so that a created Pod looks the way
``kubectl get pod -o yaml`` shows it.

All functions here mutate the dicts they are given: callers pass a private deep copy
(see :func:`kactors.api.defaults.apply_defaults`, which never mutates its input).
"""

from __future__ import annotations

import functools
import marshal
import re
from typing import Any

from .errors import QuantityError
from .quantity import parse_quantity

__all__ = [
    "MIRROR_ANNOTATION",
    "VOLUME_SOURCES",
    "default_pod",
    "default_pod_spec",
    "default_pod_template",
    "default_resource_list",
    "image_tag",
]

JSON = dict[str, Any]

#: Every volume source field, in ``core.VolumeSource`` order (validation reports the
#: second of two sources, so the order matters).
VOLUME_SOURCES = (
    "emptyDir",
    "hostPath",
    "gitRepo",
    "gcePersistentDisk",
    "awsElasticBlockStore",
    "secret",
    "nfs",
    "iscsi",
    "glusterfs",
    "flocker",
    "persistentVolumeClaim",
    "rbd",
    "cinder",
    "cephfs",
    "quobyte",
    "downwardAPI",
    "fc",
    "flexVolume",
    "configMap",
    "azureFile",
    "vsphereVolume",
    "photonPersistentDisk",
    "portworxVolume",
    "azureDisk",
    "storageos",
    "projected",
    "scaleIO",
    "csi",
    "ephemeral",
    "image",
)

#: marks the API copy of a kubelet's static pod (a mirror pod): it gets no service account
MIRROR_ANNOTATION = "kubernetes.io/config.mirror"
_DEFAULT_MODE = 0o644  # 420: secret, configMap, downwardAPI and projected volumes
_DEFAULT_TOLERATION_SECONDS = 300
_SYSTEM_PRIORITIES = {"system-node-critical": 2000001000, "system-cluster-critical": 2000000000}

# A transcription of the docker reference grammar (distribution/reference), enough to
# find the tag the way ``parsers.ParseImageName`` does.
_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_DOMAIN_PART = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_DOMAIN = rf"(?:{_DOMAIN_PART}(?:\.{_DOMAIN_PART})*|\[[0-9a-fA-F:]+\])(?::[0-9]+)?"
_REFERENCE_RE = re.compile(
    rf"(?:{_DOMAIN}/)?{_COMPONENT}(?:/{_COMPONENT})*"
    r"(?::(?P<tag>[\w][\w.-]{0,127}))?"
    r"(?:@(?P<digest>[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}))?"
)


@functools.lru_cache(maxsize=1024)
def image_tag(image: str) -> str:
    """The tag of an image reference: ``nginx`` -> ``latest``, ``nginx:1.25`` -> ``1.25``.

    Like ``parsers.ParseImageName``: a reference without tag or digest means ``latest``,
    a digest-only reference has no tag, and an unparsable reference gives ``""``.
    """
    match = _REFERENCE_RE.fullmatch(image)
    if match is None:
        return ""
    tag, digest = match.group("tag") or "", match.group("digest") or ""
    return "latest" if not tag and not digest else tag


def default_resource_list(resources: Any) -> None:
    """``SetDefaults_ResourceList``: quantities rounded up to milli-units, canonical form.

    Kubernetes stores and returns quantities in canonical form (``0.5`` -> ``500m``,
    ``cpu: 1`` -> ``"1"``); unparsable values are left for validation to report.
    """
    if not isinstance(resources, dict):
        return
    for key, value in list(resources.items()):
        memo = (value.__class__, value) if value.__class__ in (str, int) else None
        text = _CANONICAL.get(memo) if memo is not None else None
        if text is None:
            try:
                quantity = parse_quantity(value)
            except (QuantityError, TypeError):
                continue
            text = quantity.round_up(-3)[0].to_string()
            if memo is not None:
                if len(_CANONICAL) >= 4096:
                    _CANONICAL.clear()
                _CANONICAL[memo] = text
        resources[key] = text


#: (type, value) -> its canonical text (see default_resource_list): a pure function of
#: the value, and pods repeat the same few quantities
_CANONICAL: dict[tuple[type, Any], str] = {}


def _set(obj: JSON, key: str, value: Any) -> None:
    """Set ``key`` when absent or Go-zero (``None``, ``""``, ``0``): ``if x == "" {...}``."""
    current = obj.get(key)
    if current is None or current == "" or (type(current) is int and current == 0):
        obj[key] = value


def _set_if_missing(obj: JSON, key: str, value: Any) -> None:
    """Set ``key`` when absent or null (a nil pointer in Go)."""
    if obj.get(key) is None:
        obj[key] = value


def _dicts(value: Any) -> list[JSON]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _default_handler(handler: Any) -> None:
    """Probe and lifecycle handlers: ``SetDefaults_HTTPGetAction``."""
    if not isinstance(handler, dict):
        return
    http_get = handler.get("httpGet")
    if isinstance(http_get, dict):
        _set(http_get, "path", "/")
        _set(http_get, "scheme", "HTTP")


def _default_probe(probe: Any) -> None:
    """``SetDefaults_Probe`` (only for probes that are present)."""
    if not isinstance(probe, dict):
        return
    _set(probe, "timeoutSeconds", 1)
    _set(probe, "periodSeconds", 10)
    _set(probe, "successThreshold", 1)
    _set(probe, "failureThreshold", 3)
    _default_handler(probe)


def _default_field_ref(holder: Any) -> None:
    """``SetDefaults_ObjectFieldSelector``: ``fieldRef.apiVersion`` defaults to ``v1``."""
    if isinstance(holder, dict) and isinstance(holder.get("fieldRef"), dict):
        _set(holder["fieldRef"], "apiVersion", "v1")


def _default_container(container: JSON) -> None:
    """``SetDefaults_Container`` and the generated defaults of a container's parts."""
    if not container.get("imagePullPolicy"):
        tag = image_tag(str(container.get("image", "")))
        container["imagePullPolicy"] = "Always" if tag == "latest" else "IfNotPresent"
    _set(container, "terminationMessagePath", "/dev/termination-log")
    _set(container, "terminationMessagePolicy", "File")
    for port in _dicts(container.get("ports")):
        _set(port, "protocol", "TCP")
    for env in _dicts(container.get("env")):
        _default_field_ref(env.get("valueFrom"))
    for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
        _default_probe(container.get(probe))
    lifecycle = container.get("lifecycle")
    if isinstance(lifecycle, dict):
        _default_handler(lifecycle.get("postStart"))
        _default_handler(lifecycle.get("preStop"))
    resources = container.get("resources")
    if isinstance(resources, dict):
        default_resource_list(resources.get("limits"))
        default_resource_list(resources.get("requests"))


def _default_volume(volume: JSON) -> None:
    """``SetDefaults_Volume`` and the defaults of the volume sources."""
    if all(volume.get(source) is None for source in VOLUME_SOURCES):
        volume["emptyDir"] = {}
    for source in ("secret", "configMap", "downwardAPI", "projected"):
        if isinstance(volume.get(source), dict):
            _set_if_missing(volume[source], "defaultMode", _DEFAULT_MODE)
    if isinstance(volume.get("hostPath"), dict):
        _set_if_missing(volume["hostPath"], "type", "")
    if isinstance(volume.get("downwardAPI"), dict):
        for item in _dicts(volume["downwardAPI"].get("items")):
            _default_field_ref(item)
    if isinstance(volume.get("projected"), dict):
        for projection in _dicts(volume["projected"].get("sources")):
            token = projection.get("serviceAccountToken")
            if isinstance(token, dict):
                _set_if_missing(token, "expirationSeconds", 3600)
            if isinstance(projection.get("downwardAPI"), dict):
                for item in _dicts(projection["downwardAPI"].get("items")):
                    _default_field_ref(item)
    ephemeral = volume.get("ephemeral")
    if isinstance(ephemeral, dict) and isinstance(ephemeral.get("volumeClaimTemplate"), dict):
        claim_spec = ephemeral["volumeClaimTemplate"].get("spec")
        if isinstance(claim_spec, dict):
            _set_if_missing(claim_spec, "volumeMode", "Filesystem")


def default_pod_spec(spec: JSON) -> None:
    """``SetDefaults_PodSpec`` with its containers and volumes (Pods and templates alike).

    Also mirrors ``serviceAccountName`` into the deprecated ``serviceAccount`` field (and
    back when only the old one is set), as the v1 conversion does on every read.
    """
    _set(spec, "dnsPolicy", "ClusterFirst")
    _set(spec, "restartPolicy", "Always")
    _set_if_missing(spec, "securityContext", {})
    _set_if_missing(spec, "terminationGracePeriodSeconds", 30)
    _set(spec, "schedulerName", "default-scheduler")
    for key in ("containers", "initContainers", "ephemeralContainers"):
        for container in _dicts(spec.get(key)):
            _default_container(container)
    for volume in _dicts(spec.get("volumes")):
        _default_volume(volume)
    if not spec.get("serviceAccountName") and spec.get("serviceAccount"):
        spec["serviceAccountName"] = spec["serviceAccount"]
    if spec.get("serviceAccountName"):
        spec["serviceAccount"] = spec["serviceAccountName"]


def default_pod_template(template: Any) -> None:
    """Defaults of a ``PodTemplateSpec`` (Deployments, ReplicaSets, Jobs...)."""
    if isinstance(template, dict):
        spec = template.setdefault("spec", {})
        if isinstance(spec, dict):
            default_pod_spec(spec)


def _requests_from_limits(container: JSON) -> None:
    """``SetDefaults_Pod``: a limit without a request makes the request equal the limit."""
    resources = container.get("resources")
    if not isinstance(resources, dict) or not isinstance(resources.get("limits"), dict):
        return
    requests = resources.get("requests")
    if not isinstance(requests, dict):
        requests = resources["requests"] = {}
    for name, value in resources["limits"].items():
        requests.setdefault(name, value)


def _tolerates_default_taints(tolerations: list[JSON]) -> tuple[bool, bool]:
    """Whether (not-ready, unreachable) NoExecute taints are already tolerated."""
    not_ready = unreachable = False
    for toleration in tolerations:
        key, effect = toleration.get("key", ""), toleration.get("effect", "")
        if effect in ("NoExecute", ""):
            not_ready |= key in ("node.kubernetes.io/not-ready", "")
            unreachable |= key in ("node.kubernetes.io/unreachable", "")
    return not_ready, unreachable


def _admit_pod(pod: JSON, spec: JSON) -> None:
    """The default mutating admission plugins that touch new Pods.

    * ``ServiceAccount``: ``serviceAccountName: default`` (mirror pods excepted);
    * ``Priority``: ``priority`` from the class (0 without one; only the two built-in
      ``system-*`` classes are known here, other classes are left for a PriorityClass
      lookup) and ``preemptionPolicy: PreemptLowerPriority``;
    * ``DefaultTolerationSeconds``: tolerate ``not-ready``/``unreachable`` NoExecute
      taints for 300 s, so that pods are evicted 5 minutes after their node fails.
    """
    annotations = pod.get("metadata", {}).get("annotations") or {}
    if not spec.get("serviceAccountName") and MIRROR_ANNOTATION not in annotations:
        spec["serviceAccountName"] = spec["serviceAccount"] = "default"
    class_name = spec.get("priorityClassName") or ""
    if spec.get("priority") is None and (not class_name or class_name in _SYSTEM_PRIORITIES):
        spec["priority"] = _SYSTEM_PRIORITIES.get(class_name, 0)
    _set_if_missing(spec, "preemptionPolicy", "PreemptLowerPriority")
    tolerations = spec.get("tolerations")
    if not isinstance(tolerations, list):
        tolerations = []
    not_ready, unreachable = _tolerates_default_taints(_dicts(tolerations))
    added = [
        {
            "key": key,
            "operator": "Exists",
            "effect": "NoExecute",
            "tolerationSeconds": _DEFAULT_TOLERATION_SECONDS,
        }
        for key, tolerated in (
            ("node.kubernetes.io/not-ready", not_ready),
            ("node.kubernetes.io/unreachable", unreachable),
        )
        if not tolerated
    ]
    if added:
        spec["tolerations"] = [*tolerations, *added]


def default_pod(pod: JSON, create: bool) -> None:
    """All defaults of a Pod: spec defaulters, ``SetDefaults_Pod``, and on create admission.

    The defaulted spec is a pure function of the spec, ``create`` and whether the pod is a
    mirror pod; the pods of one ReplicaSet or Job share their template's spec, so the last
    few hundred results are kept, as `marshal` bytes (the key: exact types and values;
    the value: a fresh copy on every use). ``spec`` keeps its identity either way."""
    spec = pod.setdefault("spec", {})
    if not isinstance(spec, dict):
        return
    key = None
    meta = pod.get("metadata", {})
    if meta.__class__ is dict:
        annotations = meta.get("annotations") or {}
        try:
            key = marshal.dumps((spec, create, MIRROR_ANNOTATION in annotations))
        except (ValueError, TypeError):
            key = None
        if key is not None:
            known = _DEFAULTED.get(key)
            if known is not None:
                spec.clear()
                spec.update(marshal.loads(known))
                return
    _default_pod_spec(pod, spec, create)
    if key is not None:
        if len(_DEFAULTED) >= 256:
            del _DEFAULTED[next(iter(_DEFAULTED))]  # the oldest
        _DEFAULTED[key] = marshal.dumps(spec)


#: marshal bytes of (spec, create, mirror) -> marshal bytes of the defaulted spec
_DEFAULTED: dict[bytes, bytes] = {}


def _default_pod_spec(pod: JSON, spec: JSON, create: bool) -> None:
    for key in ("containers", "initContainers"):
        for container in _dicts(spec.get(key)):
            _requests_from_limits(container)
    default_pod_spec(spec)
    _set_if_missing(spec, "enableServiceLinks", True)
    if spec.get("hostNetwork") is True:
        for key in ("containers", "initContainers"):
            for container in _dicts(spec.get(key)):
                for port in _dicts(container.get("ports")):
                    _set(port, "hostPort", port.get("containerPort"))
    if create:
        _admit_pod(pod, spec)
