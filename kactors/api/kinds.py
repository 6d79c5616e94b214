"""The registry of API kinds and resources: what ``kubectl api-resources`` shows.

A :class:`ResourceInfo` describes one resource in one version: its group, version,
kind, plural resource name, scope, short names, categories, verbs and subresources, plus
where its objects live in the store. A :class:`Registry` indexes them for the lookups the
apiserver and the CLI need: by (group, version, kind), by ``apiVersion`` string, by
resource name, by short name, and kubectl-style by any of those.

The registry is **immutable**: :meth:`Registry.with_resources` returns a new registry.
This is deliberate: the apiserver registers kinds defined by CustomResourceDefinitions
at runtime while other actors hold the old registry; swapping one immutable value
atomically means nobody ever observes a half-registered CRD, and there is no lock.

Storage keys follow Kubernetes' etcd layout: ``/registry/<resource>/<namespace>/<name>``
for namespaced built-in resources, ``/registry/<resource>/<name>`` for cluster-scoped
ones, and ``/registry/<group>/<resource>/...`` for custom resources (exactly what the
real apiserver does for CRD-defined kinds). Kubernetes' few historical exceptions
(``/registry/minions`` for nodes, ``/registry/services/specs`` for services) are not
reproduced: plain resource names are unique among our built-ins.
"""

from __future__ import annotations

import enum
import json
import re
from collections.abc import Iterable, Iterator, Mapping

import attrs

from .errors import KindError
from .validation import (
    is_dns1035_label,
    is_dns1123_label,
    is_dns1123_subdomain,
    is_path_segment_name,
)

__all__ = [
    "DEFAULT_REGISTRY",
    "METRICS_GROUP",
    "NameFormat",
    "PrinterColumn",
    "Registry",
    "ResourceInfo",
    "STANDARD_VERBS",
    "SubresourceInfo",
    "format_api_version",
    "parse_api_version",
    "resource_infos_from_crd",
    "storage_key",
    "storage_prefix",
    "validate_object_name",
    "version_priority_key",
]

STANDARD_VERBS = ("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch")
_NO_COLLECTION_DELETE = ("create", "delete", "get", "list", "patch", "update", "watch")


class NameFormat(enum.Enum):
    """Which rule object names of a kind must follow (Kubernetes varies it per kind)."""

    DNS_SUBDOMAIN = "dns-subdomain"
    DNS_LABEL = "dns-label"
    DNS1035_LABEL = "dns-1035-label"
    PATH_SEGMENT = "path-segment"


_NAME_VALIDATORS = {
    NameFormat.DNS_SUBDOMAIN: is_dns1123_subdomain,
    NameFormat.DNS_LABEL: is_dns1123_label,
    NameFormat.DNS1035_LABEL: is_dns1035_label,
    NameFormat.PATH_SEGMENT: is_path_segment_name,
}


@attrs.frozen
class SubresourceInfo:
    """A subresource (``pods/status``, ``deployments/scale``...) and the kind it serves.

    ``kind`` is empty for subresources that do not carry an object (``pods/log``).
    """

    name: str
    group: str
    version: str
    kind: str
    verbs: tuple[str, ...] = ("get", "patch", "update")


@attrs.frozen
class PrinterColumn:
    """One of a CRD version's ``additionalPrinterColumns`` (what ``kubectl get`` shows)."""

    name: str
    type: str
    json_path: str
    description: str = ""
    format: str = ""
    priority: int = 0


def _default_storage_prefix(info: ResourceInfo) -> str:
    if info.custom:
        return f"/registry/{info.group}/{info.resource}"
    return f"/registry/{info.resource}"


@attrs.frozen
class ResourceInfo:
    """One resource in one version, as served by the apiserver."""

    group: str
    version: str
    kind: str
    resource: str
    singular: str
    namespaced: bool
    short_names: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    verbs: tuple[str, ...] = STANDARD_VERBS
    subresources: tuple[SubresourceInfo, ...] = ()
    name_format: NameFormat = NameFormat.DNS_SUBDOMAIN
    #: True for kinds defined by a CustomResourceDefinition.
    custom: bool = False
    list_kind: str = attrs.field(
        default=attrs.Factory(lambda self: self.kind + "List", takes_self=True)
    )
    storage_prefix: str = attrs.field(
        default=attrs.Factory(_default_storage_prefix, takes_self=True)
    )
    #: a CRD version's ``additionalPrinterColumns`` (server-side printing)
    printer_columns: tuple[PrinterColumn, ...] = ()
    #: a CRD version's ``openAPIV3Schema`` as JSON text (a string keeps the info hashable
    #: and immutable); served as OpenAPI for ``kubectl explain`` and validation
    openapi_schema: str = ""
    #: served by an aggregated API server (an ``APIService``: metrics-server's
    #: ``metrics.k8s.io``), not stored: the apiserver authorizes the request and hands it on
    aggregated: bool = False
    #: the version objects of this resource are stored in, when it is not this one
    #: (autoscaling/v1 HorizontalPodAutoscalers are stored as v2): the apiserver converts
    #: at the edge (:mod:`kactors.apiserver.conversion`); shares the storage prefix
    stored_as: str = ""
    #: ``apps/v1``, or ``v1`` for the core group: derived, so not an argument; kept as a
    #: field because every request reads it (a property formatted it each time)
    api_version: str = attrs.field(init=False, eq=False, repr=False, default=attrs.Factory(
        lambda self: format_api_version(self.group, self.version), takes_self=True))

    @property
    def group_version_kind(self) -> tuple[str, str, str]:
        return (self.group, self.version, self.kind)

    @property
    def group_resource(self) -> str:
        """``deployments.apps``, or ``pods`` for the core group (kubectl's spelling)."""
        return f"{self.resource}.{self.group}" if self.group else self.resource

    def subresource(self, name: str) -> SubresourceInfo | None:
        """The named subresource, or ``None``."""
        for subresource in self.subresources:
            if subresource.name == name:
                return subresource
        return None


def parse_api_version(api_version: str) -> tuple[str, str]:
    """Split an ``apiVersion`` into (group, version): ``"apps/v1"``, ``"v1"`` -> core.

    Raises :class:`KindError` like ``schema.ParseGroupVersion``.
    """
    if api_version in ("", "/"):
        return "", ""
    group, slash, version = api_version.partition("/")
    if not slash:
        return "", api_version
    if "/" not in version:
        return group, version
    raise KindError(f"unexpected GroupVersion string: {api_version}")


def format_api_version(group: str, version: str) -> str:
    """The inverse of :func:`parse_api_version`."""
    return f"{group}/{version}" if group else version


_KUBE_VERSION_RE = re.compile(r"v([1-9][0-9]*)(?:(alpha|beta)([1-9][0-9]*))?")


def version_priority_key(version: str) -> tuple[int, int, int, int, str]:
    """Sort key putting versions in Kubernetes' priority order (best first).

    GA before beta before alpha, higher numbers first, and versions that do not look
    like Kubernetes versions last, alphabetically (``CompareKubeAwareVersionStrings``).
    """
    match = _KUBE_VERSION_RE.fullmatch(version)
    if match is None:
        return (1, 0, 0, 0, version)
    major, stability, minor = match.groups()
    rank = {None: 0, "beta": 1, "alpha": 2}[stability]
    return (0, rank, -int(major), -int(minor or 0), "")


def validate_object_name(info: ResourceInfo, name: str) -> list[str]:
    """Problems with ``name`` as the name of an object of this resource."""
    if not name:
        return ["name or generateName is required"]
    return _NAME_VALIDATORS[info.name_format](name)


def storage_prefix(info: ResourceInfo, namespace: str | None = None) -> str:
    """The key prefix (ending in ``/``) under which objects of ``info`` live.

    With a namespace, only that namespace's objects; without, all of them.
    """
    if namespace and not info.namespaced:
        raise KindError(f"{info.group_resource} is cluster-scoped: namespace must be empty")
    if namespace:
        return f"{info.storage_prefix}/{namespace}/"
    return f"{info.storage_prefix}/"


def storage_key(info: ResourceInfo, name: str, namespace: str | None = None) -> str:
    """The store key of one object: ``/registry/<resource>[/<namespace>]/<name>``."""
    if not name:
        raise KindError("name is required to build a storage key")
    if info.namespaced and not namespace:
        raise KindError(f"{info.group_resource} is namespaced: a namespace is required")
    return storage_prefix(info, namespace) + name


class Registry:
    """An immutable index of :class:`ResourceInfo` values (see the module docstring)."""

    def __init__(self, infos: Iterable[ResourceInfo] = ()) -> None:
        self._infos: tuple[ResourceInfo, ...] = ()
        self._by_gvk: dict[tuple[str, str, str], ResourceInfo] = {}
        self._by_gvr: dict[tuple[str, str, str], ResourceInfo] = {}
        #: what `resolve` answered (the registry never changes): every client of every
        #: component resolves the same few names
        self._resolved: dict[str, ResourceInfo] = {}
        for info in infos:
            self._add(info)

    def _add(self, info: ResourceInfo) -> None:
        gvk = info.group_version_kind
        gvr = (info.group, info.version, info.resource)
        if gvk in self._by_gvk:
            raise KindError(
                f"kind {info.kind!r} is already registered in version {info.api_version!r}"
            )
        if gvr in self._by_gvr:
            raise KindError(
                f"resource {info.group_resource!r} is already registered "
                f"in version {info.api_version!r}"
            )
        self._infos = (*self._infos, info)
        self._by_gvk[gvk] = info
        self._by_gvr[gvr] = info

    # -- derivation ---------------------------------------------------------------------------

    def with_resources(self, *infos: ResourceInfo) -> Registry:
        """A new registry with ``infos`` added; raises KindError on a duplicate."""
        return Registry((*self._infos, *infos))

    def without_resource(self, group: str, resource: str) -> Registry:
        """A new registry without any version of ``resource.group`` (a deleted CRD)."""
        return Registry(
            info for info in self._infos if (info.group, info.resource) != (group, resource)
        )

    # -- lookups ----------------------------------------------------------------------------------

    def __iter__(self) -> Iterator[ResourceInfo]:
        return iter(self._infos)

    def __len__(self) -> int:
        return len(self._infos)

    def by_gvk(self, group: str, version: str, kind: str) -> ResourceInfo:
        """The resource serving ``kind`` in ``group/version``; raises KindError."""
        info = self._by_gvk.get((group, version, kind))
        if info is None:
            api_version = format_api_version(group, version)
            raise KindError(f'no matches for kind "{kind}" in version "{api_version}"')
        return info

    def by_api_version(self, api_version: str, kind: str) -> ResourceInfo:
        """The resource for an object's ``apiVersion`` and ``kind``; raises KindError."""
        group, version = parse_api_version(api_version)
        return self.by_gvk(group, version, kind)

    def for_object(self, obj: Mapping[str, object]) -> ResourceInfo:
        """The resource an object belongs to, from its ``apiVersion`` and ``kind``."""
        return self.by_api_version(str(obj.get("apiVersion", "")), str(obj.get("kind", "")))

    def by_resource(
        self, resource: str, group: str | None = None, version: str | None = None
    ) -> ResourceInfo:
        """The resource by plural name, in any group unless one is given.

        Without a version the highest-priority served version wins; without a group,
        built-in resources win over custom ones, then registration order.
        """
        candidates = [
            info
            for info in self._infos
            if info.resource == resource
            and (group is None or info.group == group)
            and (version is None or info.version == version)
        ]
        if not candidates:
            raise KindError(f'the server doesn\'t have a resource type "{resource}"')
        return self._preferred(candidates)

    def by_short_name(self, short_name: str) -> ResourceInfo:
        """The resource with this short name (``po``, ``deploy``...); raises KindError."""
        candidates = [info for info in self._infos if short_name in info.short_names]
        if not candidates:
            raise KindError(f'the server doesn\'t have a resource type "{short_name}"')
        return self._preferred(candidates)

    def resolve(self, name: str) -> ResourceInfo:
        """Resolve what a user typed after ``kubectl get``.

        Accepts a plural, singular, short name or kind (case-insensitively), optionally
        qualified by group or version and group: ``pods``, ``pod``, ``po``, ``Pod``,
        ``deployments.apps``, ``deployments.v1.apps``. Raises :class:`KindError`.
        """
        info = self._resolved.get(name)
        if info is None:
            info = self._resolved[name] = self._resolve(name)
        return info

    def _resolve(self, name: str) -> ResourceInfo:
        lowered = name.lower()
        attempts: list[tuple[str, str | None, str | None]] = [(lowered, None, None)]
        if "." in lowered:
            head, _, rest = lowered.partition(".")
            attempts.append((head, None, rest))
            version, _, group = rest.partition(".")
            if group:
                attempts.append((head, version, group))
        for word, version, group in attempts:
            for match in (
                lambda i, w=word: i.resource == w,
                lambda i, w=word: i.singular == w,
                lambda i, w=word: w in i.short_names,
                lambda i, w=word: i.kind.lower() == w,
            ):
                candidates = [
                    info
                    for info in self._infos
                    if match(info)
                    and (group is None or info.group == group)
                    and (version is None or info.version == version)
                ]
                if candidates:
                    return self._preferred(candidates)
        raise KindError(f'the server doesn\'t have a resource type "{name}"')

    def by_category(self, category: str) -> tuple[ResourceInfo, ...]:
        """The preferred version of every resource in ``category`` (``all``...)."""
        seen: dict[tuple[str, str], list[ResourceInfo]] = {}
        for info in self._infos:
            if category in info.categories:
                seen.setdefault((info.group, info.resource), []).append(info)
        return tuple(self._preferred(versions) for versions in seen.values())

    def versions(self, group: str, resource: str) -> tuple[ResourceInfo, ...]:
        """Every registered version of ``resource.group``, in priority order."""
        infos = [i for i in self._infos if (i.group, i.resource) == (group, resource)]
        return tuple(sorted(infos, key=lambda i: version_priority_key(i.version)))

    @staticmethod
    def _preferred(candidates: list[ResourceInfo]) -> ResourceInfo:
        # sorted() is stable: among equal keys, registration order decides.
        return sorted(candidates, key=lambda i: (i.custom, version_priority_key(i.version)))[0]


def _sub(
    name: str, group: str, version: str, kind: str, verbs: tuple[str, ...] | None = None
) -> SubresourceInfo:
    return SubresourceInfo(name, group, version, kind, verbs or ("get", "patch", "update"))


def _status(group: str, version: str, kind: str) -> SubresourceInfo:
    return _sub("status", group, version, kind)


def _scale() -> SubresourceInfo:
    return _sub("scale", "autoscaling", "v1", "Scale")


_RBAC = "rbac.authorization.k8s.io"
#: the resource metrics API group (``kubectl top``), served by metrics-server
METRICS_GROUP = "metrics.k8s.io"

# fmt: off
BUILTIN_RESOURCES: tuple[ResourceInfo, ...] = (
    ResourceInfo(
        "", "v1", "Namespace", "namespaces", "namespace", False,
        short_names=("ns",), verbs=_NO_COLLECTION_DELETE,
        subresources=(
            _status("", "v1", "Namespace"),
            _sub("finalize", "", "v1", "Namespace", ("update",)),
        ),
        name_format=NameFormat.DNS_LABEL,
    ),
    ResourceInfo(
        "", "v1", "Node", "nodes", "node", False, short_names=("no",),
        subresources=(_status("", "v1", "Node"),),
    ),
    ResourceInfo(
        "", "v1", "Pod", "pods", "pod", True, short_names=("po",), categories=("all",),
        subresources=(
            _status("", "v1", "Pod"),
            _sub("binding", "", "v1", "Binding", ("create",)),
            _sub("eviction", "policy", "v1", "Eviction", ("create",)),
            _sub("log", "", "v1", "", ("get",)),
            _sub("exec", "", "v1", "PodExecOptions", ("create", "get")),
        ),
    ),
    ResourceInfo("", "v1", "Binding", "bindings", "binding", True, verbs=("create",)),
    ResourceInfo("", "v1", "ConfigMap", "configmaps", "configmap", True, short_names=("cm",)),
    ResourceInfo("", "v1", "Secret", "secrets", "secret", True),
    ResourceInfo(
        "", "v1", "Service", "services", "service", True,
        short_names=("svc",), categories=("all",),
        verbs=_NO_COLLECTION_DELETE,
        subresources=(_status("", "v1", "Service"),),
        name_format=NameFormat.DNS1035_LABEL,
    ),
    ResourceInfo("", "v1", "Endpoints", "endpoints", "endpoints", True, short_names=("ep",)),
    ResourceInfo("discovery.k8s.io", "v1", "EndpointSlice", "endpointslices", "endpointslice",
                 True),
    ResourceInfo(
        "", "v1", "ServiceAccount", "serviceaccounts", "serviceaccount", True,
        short_names=("sa",),
        subresources=(_sub("token", "authentication.k8s.io", "v1", "TokenRequest",
                           ("create",)),),
    ),
    ResourceInfo("", "v1", "Event", "events", "event", True, short_names=("ev",)),
    ResourceInfo("", "v1", "LimitRange", "limitranges", "limitrange", True,
                 short_names=("limits",)),
    ResourceInfo("", "v1", "ResourceQuota", "resourcequotas", "resourcequota", True,
                 short_names=("quota",),
                 subresources=(_status("", "v1", "ResourceQuota"),)),
    ResourceInfo(
        "", "v1", "PersistentVolume", "persistentvolumes", "persistentvolume", False,
        short_names=("pv",), subresources=(_status("", "v1", "PersistentVolume"),),
    ),
    ResourceInfo(
        "", "v1", "PersistentVolumeClaim", "persistentvolumeclaims", "persistentvolumeclaim",
        True, short_names=("pvc",),
        subresources=(_status("", "v1", "PersistentVolumeClaim"),),
    ),
    ResourceInfo("storage.k8s.io", "v1", "StorageClass", "storageclasses", "storageclass",
                 False, short_names=("sc",)),
    ResourceInfo(
        "apps", "v1", "Deployment", "deployments", "deployment", True,
        short_names=("deploy",), categories=("all",),
        subresources=(_status("apps", "v1", "Deployment"), _scale()),
    ),
    ResourceInfo(
        "apps", "v1", "ReplicaSet", "replicasets", "replicaset", True,
        short_names=("rs",), categories=("all",),
        subresources=(_status("apps", "v1", "ReplicaSet"), _scale()),
    ),
    ResourceInfo(
        "apps", "v1", "StatefulSet", "statefulsets", "statefulset", True,
        short_names=("sts",), categories=("all",),
        subresources=(_status("apps", "v1", "StatefulSet"), _scale()),
    ),
    ResourceInfo(
        "apps", "v1", "DaemonSet", "daemonsets", "daemonset", True,
        short_names=("ds",), categories=("all",),
        subresources=(_status("apps", "v1", "DaemonSet"),),
    ),
    # the history of StatefulSets and DaemonSets: immutable snapshots of their templates
    ResourceInfo("apps", "v1", "ControllerRevision", "controllerrevisions",
                 "controllerrevision", True),
    ResourceInfo(
        "batch", "v1", "Job", "jobs", "job", True, categories=("all",),
        subresources=(_status("batch", "v1", "Job"),),
    ),
    ResourceInfo(
        "batch", "v1", "CronJob", "cronjobs", "cronjob", True, short_names=("cj",),
        categories=("all",), subresources=(_status("batch", "v1", "CronJob"),),
    ),
    ResourceInfo("coordination.k8s.io", "v1", "Lease", "leases", "lease", True),
    ResourceInfo(
        "networking.k8s.io", "v1", "Ingress", "ingresses", "ingress", True,
        short_names=("ing",), subresources=(_status("networking.k8s.io", "v1", "Ingress"),),
    ),
    ResourceInfo("networking.k8s.io", "v1", "IngressClass", "ingressclasses", "ingressclass",
                 False),
    ResourceInfo("networking.k8s.io", "v1", "NetworkPolicy", "networkpolicies",
                 "networkpolicy", True, short_names=("netpol",)),
    ResourceInfo("scheduling.k8s.io", "v1", "PriorityClass", "priorityclasses",
                 "priorityclass", False, short_names=("pc",)),
    ResourceInfo(
        "policy", "v1", "PodDisruptionBudget", "poddisruptionbudgets", "poddisruptionbudget",
        True, short_names=("pdb",),
        subresources=(_status("policy", "v1", "PodDisruptionBudget"),),
    ),
    ResourceInfo(
        "autoscaling", "v2", "HorizontalPodAutoscaler", "horizontalpodautoscalers",
        "horizontalpodautoscaler", True, short_names=("hpa",), categories=("all",),
        subresources=(_status("autoscaling", "v2", "HorizontalPodAutoscaler"),),
    ),
    # served for kubectl autoscale (v1.32 creates through v1); stored as v2
    ResourceInfo(
        "autoscaling", "v1", "HorizontalPodAutoscaler", "horizontalpodautoscalers",
        "horizontalpodautoscaler", True, short_names=("hpa",), categories=("all",),
        subresources=(_status("autoscaling", "v1", "HorizontalPodAutoscaler"),),
        storage_prefix="/registry/horizontalpodautoscalers", stored_as="v2",
    ),
    ResourceInfo(
        _RBAC, "v1", "Role", "roles", "role", True, name_format=NameFormat.PATH_SEGMENT
    ),
    ResourceInfo(
        _RBAC, "v1", "RoleBinding", "rolebindings", "rolebinding", True,
        name_format=NameFormat.PATH_SEGMENT,
    ),
    ResourceInfo(
        _RBAC, "v1", "ClusterRole", "clusterroles", "clusterrole", False,
        name_format=NameFormat.PATH_SEGMENT,
    ),
    ResourceInfo(
        _RBAC, "v1", "ClusterRoleBinding", "clusterrolebindings", "clusterrolebinding", False,
        name_format=NameFormat.PATH_SEGMENT,
    ),
    # access reviews: create-only, evaluated by the apiserver, never stored
    ResourceInfo(
        "authorization.k8s.io", "v1", "SelfSubjectAccessReview", "selfsubjectaccessreviews",
        "selfsubjectaccessreview", False, verbs=("create",),
    ),
    ResourceInfo(
        "authorization.k8s.io", "v1", "SubjectAccessReview", "subjectaccessreviews",
        "subjectaccessreview", False, verbs=("create",),
    ),
    ResourceInfo(
        "authorization.k8s.io", "v1", "SelfSubjectRulesReview", "selfsubjectrulesreviews",
        "selfsubjectrulesreview", False, verbs=("create",),
    ),
    ResourceInfo(
        "authentication.k8s.io", "v1", "SelfSubjectReview", "selfsubjectreviews",
        "selfsubjectreview", False, verbs=("create",),
    ),
    ResourceInfo(
        "apiextensions.k8s.io", "v1", "CustomResourceDefinition", "customresourcedefinitions",
        "customresourcedefinition", False,
        short_names=("crd", "crds"), categories=("api-extensions",),
        subresources=(_status("apiextensions.k8s.io", "v1", "CustomResourceDefinition"),),
    ),
    # the resource metrics API (metrics-server's APIService): read-only, never stored
    ResourceInfo(
        METRICS_GROUP, "v1beta1", "NodeMetrics", "nodes", "", False, verbs=("get", "list"),
        storage_prefix=f"/registry/{METRICS_GROUP}/nodes", aggregated=True,
    ),
    ResourceInfo(
        METRICS_GROUP, "v1beta1", "PodMetrics", "pods", "", True, verbs=("get", "list"),
        storage_prefix=f"/registry/{METRICS_GROUP}/pods", aggregated=True,
    ),
)
# fmt: on

#: The registry of built-in kinds every cluster starts with.
DEFAULT_REGISTRY = Registry(BUILTIN_RESOURCES)


def _strings(value: object) -> tuple[str, ...]:
    """A list of strings from a CRD field, or ``()`` when absent."""
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise KindError(f"expected a list of strings, got {value!r}")
    return tuple(value)


def resource_infos_from_crd(crd: Mapping[str, object]) -> tuple[ResourceInfo, ...]:
    """One :class:`ResourceInfo` per served version of a CustomResourceDefinition.

    Reads ``spec.group``, ``spec.names`` (plural, singular, kind, listKind, shortNames,
    categories), ``spec.scope`` and ``spec.versions[*]`` (name, served, subresources).
    Raises :class:`KindError` if the definition lacks what is needed.
    """
    spec = crd.get("spec")
    if not isinstance(spec, Mapping):
        raise KindError("CustomResourceDefinition has no spec")
    names = spec.get("names")
    group = spec.get("group")
    versions = spec.get("versions")
    if not isinstance(names, Mapping) or not isinstance(group, str) or not group:
        raise KindError("CustomResourceDefinition needs spec.group and spec.names")
    if not isinstance(versions, list):
        raise KindError("CustomResourceDefinition needs spec.versions")
    plural, kind = names.get("plural"), names.get("kind")
    if not isinstance(plural, str) or not plural or not isinstance(kind, str) or not kind:
        raise KindError("CustomResourceDefinition needs spec.names.plural and spec.names.kind")
    singular = names.get("singular") or kind.lower()
    list_kind = names.get("listKind") or kind + "List"
    scope = spec.get("scope", "Namespaced")
    if scope not in ("Namespaced", "Cluster"):
        raise KindError(f"CustomResourceDefinition scope must be Namespaced or Cluster: {scope}")
    infos = []
    for entry in versions:
        if not isinstance(entry, Mapping) or not entry.get("served", False):
            continue
        version = str(entry.get("name", ""))
        declared = entry.get("subresources") or {}
        subresources = []
        if isinstance(declared, Mapping):
            if "status" in declared:
                subresources.append(_status(group, version, kind))
            if "scale" in declared:
                subresources.append(_scale())
        infos.append(
            ResourceInfo(
                group,
                version,
                kind,
                plural,
                str(singular),
                scope == "Namespaced",
                short_names=_strings(names.get("shortNames")),
                categories=_strings(names.get("categories")),
                subresources=tuple(subresources),
                custom=True,
                list_kind=str(list_kind),
                printer_columns=_printer_columns(entry.get("additionalPrinterColumns")),
                openapi_schema=_schema_text(entry.get("schema")),
            )
        )
    return tuple(infos)


def _printer_columns(value: object) -> tuple[PrinterColumn, ...]:
    """The well-formed entries of ``additionalPrinterColumns`` (validation rejects the rest)."""
    columns = []
    for column in value if isinstance(value, list) else ():
        if isinstance(column, Mapping) and column.get("name") and column.get("jsonPath"):
            priority = column.get("priority")
            columns.append(PrinterColumn(
                str(column["name"]), str(column.get("type", "string")), str(column["jsonPath"]),
                str(column.get("description", "")), str(column.get("format", "")),
                priority if isinstance(priority, int) and not isinstance(priority, bool) else 0,
            ))
    return tuple(columns)


def _schema_text(holder: object) -> str:
    """``schema.openAPIV3Schema`` as canonical JSON text, or ``""``."""
    schema = holder.get("openAPIV3Schema") if isinstance(holder, Mapping) else None
    return json.dumps(schema, sort_keys=True, separators=(",", ":")) if schema else ""
