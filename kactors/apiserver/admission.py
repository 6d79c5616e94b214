"""Admission: what the apiserver does to an object between authorization and storage.

Mutating first (defaults, ServiceAccount, LimitRanger's default resources, Service
ClusterIP, DefaultStorageClass, StorageObjectInUseProtection), then validation of the
object (Kubernetes' rules and wording, 422 Invalid with the field paths), then the
validating plugins that need cluster state: NamespaceLifecycle (no creation in a missing
or terminating namespace), LimitRanger's bounds, PersistentVolumeClaimResize and, for
custom resources, the CRD's structural schema.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from typing import Any

from kactors.api import fielderrors as fe
from kactors.api import status as st
from kactors.api.defaults import apply_defaults
from kactors.api.kinds import Registry, ResourceInfo, storage_prefix
from kactors.api.objvalidation import validate_create, validate_update
from kactors.api.quantity import Quantity
from kactors.api.quota import counted_resource, exceeded, missing_resources, usage_of
from kactors.api.schema import (
    apply_schema_defaults,
    prune,
    schema_for_version,
    validate_custom_resource,
    validate_schema,
)
from kactors.api.validation import go_quote
from kactors.apiserver.auth import node_name_of
from kactors.apiserver.config import ApiServerConfig
from kactors.apiserver.ingressclass import admit_ingress_class
from kactors.apiserver.limitranger import apply_limit_ranges, limit_violations
from kactors.apiserver.objects import Obj, generated_name
from kactors.apiserver.priority import admit_priority
from kactors.apiserver.saadmission import admit_pod
from kactors.apiserver.storageadmission import (
    add_protection_finalizer,
    admit_default_storage_class,
    resize_refusal,
)
from kactors.apiserver.strategy import ClusterIPAllocator
from kactors.apiserver.watchcache import WatchCache

#: the resources whose objects admission keeps track of (see `Admission.observe`)
_OBSERVED = frozenset({"namespaces", "services", "limitranges", "resourcequotas", "pods",
                       "priorityclasses", "storageclasses", "ingressclasses"})
#: objects the namespace lifecycle check never blocks (the namespace itself, events of it)
_LIFECYCLE_EXEMPT = {("", "Namespace"), ("", "Event"), ("authorization.k8s.io", "SubjectAccessReview")}


class CacheDependent(st.StatusError):
    """A refusal based on what the watch caches say (no such namespace, an address in
    use), which a cache lagging behind the store could get wrong: the caller may catch up
    with the store and ask again (Kubernetes' NamespaceLifecycle does a live lookup)."""


class Admission:
    def __init__(self, config: ApiServerConfig, caches: dict[str, WatchCache],
                 registry: Registry, rng: random.Random) -> None:
        self.config = config
        self.caches = caches
        self.registry = registry
        self.rng = rng
        self.cluster_ips = ClusterIPAllocator(config.service_cidr)
        #: the ClusterIPs of the Services in the store (the rest are being created)
        self.stored_ips: dict[str, None] = {}
        self.namespace_phase: dict[str, str] = {}
        #: namespace -> name -> LimitRange, as the watch cache has them
        self.limit_ranges: dict[str, dict[str, Obj]] = {}
        #: name -> PriorityClass, as the watch cache has them
        self.priority_classes: dict[str, Obj] = {}
        #: name -> StorageClass, as the watch cache has them (DefaultStorageClass)
        self.storage_classes: dict[str, Obj] = {}
        #: name -> IngressClass, as the watch cache has them
        self.ingress_classes: dict[str, Obj] = {}
        #: the class kinds above, by resource (what `observe` keeps)
        self._classes = {"priorityclasses": self.priority_classes,
                         "storageclasses": self.storage_classes,
                         "ingressclasses": self.ingress_classes}
        #: namespace -> name -> ResourceQuota, as the watch cache has them
        self.quotas: dict[str, dict[str, Obj]] = {}
        #: pods admitted under a quota and not in the watch cache yet ("ns/name" -> pod):
        #: counted as used, so that creates in flight together cannot overrun a quota
        self.reserved_pods: dict[str, Obj] = {}
        self.schemas: dict[tuple[str, str, str], Any] = {}
        try:
            self.accounts_prefix = registry.by_resource("serviceaccounts", "").storage_prefix
        except LookupError:  # a registry without ServiceAccounts: no account is found
            self.accounts_prefix = ""

    # -- keeping current -----------------------------------------------------------------------
    def resync(self, prefix: str, objects: Iterable[Obj]) -> None:
        for obj in objects:
            self._observe(prefix, obj, None)

    @staticmethod
    def observes(prefix: str) -> bool:
        """Whether the objects under `prefix` matter here (`observe` ignores the rest)."""
        return prefix.rsplit("/", 1)[-1] in _OBSERVED

    def observe(self, prefix: str, events: Iterable[Any]) -> None:
        if not self.reserved_pods and prefix.endswith("/pods"):
            return  # pods matter only while a quota'd create is on its way to the cache
        for event in events:
            self._observe(prefix, event.obj if event.type != "DELETED" else None, event.prev)

    def _observe(self, prefix: str, obj: Obj | None, prev: Obj | None) -> None:
        resource = prefix.rsplit("/", 1)[-1]
        if resource == "namespaces":
            target = obj or prev
            assert target is not None
            name = target["metadata"]["name"]
            if obj is None:
                self.namespace_phase.pop(name, None)
            else:
                terminating = bool(obj["metadata"].get("deletionTimestamp")) or \
                    (obj.get("status") or {}).get("phase") == "Terminating"
                self.namespace_phase[name] = "Terminating" if terminating else "Active"
        elif resource in ("limitranges", "resourcequotas"):
            target = obj or prev
            assert target is not None
            namespace, name = target["metadata"].get("namespace", ""), target["metadata"]["name"]
            kept = (self.limit_ranges if resource == "limitranges" else self.quotas
                    ).setdefault(namespace, {})
            if obj is None:
                kept.pop(name, None)
            else:
                kept[name] = obj
        elif resource in self._classes:
            target = obj or prev
            assert target is not None
            classes = self._classes[resource]
            if obj is None:
                classes.pop(target["metadata"]["name"], None)
            else:
                classes[obj["metadata"]["name"]] = obj
        elif resource == "pods":
            target = obj or prev
            assert target is not None
            meta = target["metadata"]
            self.reserved_pods.pop(f"{meta.get('namespace')}/{meta['name']}", None)
        elif resource == "services":
            if prev is not None:
                ip = _cluster_ip(prev)
                if ip and ip in self.stored_ips:
                    del self.stored_ips[ip]
                    if obj is None:
                        self.cluster_ips.release(ip)
            if obj is not None:
                ip = _cluster_ip(obj)
                if ip:
                    self.stored_ips[ip] = None
                    self.cluster_ips.reserve(ip)

    # -- the plugins -----------------------------------------------------------------------------
    def set_schemas(self, crd: Obj) -> None:
        """Remember the openAPIV3Schema of every served version of a CRD."""
        group = (crd.get("spec") or {}).get("group", "")
        kind = ((crd.get("spec") or {}).get("names") or {}).get("kind", "")
        for version in (crd.get("spec") or {}).get("versions") or []:
            self.schemas[(group, version.get("name", ""), kind)] = schema_for_version(
                crd, version.get("name", ""))

    def forget_schemas(self, crd: Obj) -> None:
        group = (crd.get("spec") or {}).get("group", "")
        kind = ((crd.get("spec") or {}).get("names") or {}).get("kind", "")
        for key in [k for k in self.schemas if k[0] == group and k[2] == kind]:
            del self.schemas[key]

    def _custom(self, info: ResourceInfo, obj: Obj) -> Obj:
        """A custom resource: unknown fields pruned, schema defaults applied."""
        schema = self.schemas.get((info.group, info.version, info.kind))
        if schema is None:
            return obj
        return apply_schema_defaults(prune(obj, schema), schema)

    def admit_create(self, info: ResourceInfo, obj: Obj, user: Any, owned: bool = False) -> Obj:
        """The object to store, or a StatusError. `owned`: `obj` is the caller's own
        deep copy, which defaulting may change in place (no copy of its own)."""
        self._node_restriction(info, obj, user)
        if info.custom:
            obj = self._custom(info, obj)
            schema = self.schemas.get((info.group, info.version, info.kind))
            errors = validate_custom_resource(obj, info, schema)
            if errors:
                raise st.StatusError(st.invalid(info, obj["metadata"].get("name", ""), errors))
            return self._namespace_lifecycle(info, obj)
        obj = apply_defaults(obj, copy=not owned)
        obj = self._namespace_lifecycle(info, obj)
        ranges = None
        if info.resource == "pods" and info.group == "":
            if self.config.service_account_admission:
                admit_pod(obj, self.service_account, self._generate_name)
            admit_priority(info, obj, self.priority_classes)
            ranges = self.limit_ranges.get(obj["metadata"].get("namespace", ""))
            if ranges:  # LimitRanger, mutating: the namespace's default resources
                apply_limit_ranges(obj, ranges.values())
        elif info.kind in ("PersistentVolumeClaim", "PersistentVolume") and info.group == "":
            if info.kind == "PersistentVolumeClaim":
                admit_default_storage_class(obj, self.storage_classes.values())
            add_protection_finalizer(obj, info.kind)
        elif info.resource == "ingresses" and info.group == "networking.k8s.io":
            admit_ingress_class(obj, self.ingress_classes)
        errors = validate_create(obj, info)
        if errors:
            raise st.StatusError(st.invalid(info, obj["metadata"].get("name", ""), errors))
        if ranges:  # LimitRanger, validating: its bounds
            problems = limit_violations(obj, ranges.values())
            if problems:
                raise st.StatusError(st.forbidden(
                    info, obj["metadata"].get("name", ""),
                    problems[0] if len(problems) == 1 else f"[{', '.join(problems)}]"))
        if info.namespaced:
            quotas = self.quotas.get(obj["metadata"].get("namespace", ""))
            if quotas:
                self._charge_quotas(info, obj, quotas)
        if info.kind == "Service" and info.group == "":
            obj = self._allocate_cluster_ip(obj)
        return obj

    def _charge_quotas(self, info: ResourceInfo, obj: Obj, quotas: dict[str, Obj]) -> None:
        """ResourceQuota admission (see :mod:`kactors.api.quota`): 403 for a create the
        namespace's quotas do not allow. A pod that passes is counted until the cache has
        it, so that pods created together cannot overrun a quota; other objects are
        counted from the caches only (creates of them in the same instant may)."""
        meta = obj["metadata"]
        namespace, name = meta.get("namespace", ""), meta.get("name", "")
        names = {key for quota in quotas.values()
                 for key in ((quota.get("spec") or {}).get("hard") or {})}
        delta = usage_of(info, obj, names)
        if not delta:
            return
        is_pod = (info.group, info.resource) == ("", "pods")
        for quota in sorted(quotas.values(), key=lambda q: q["metadata"]["name"]):
            if is_pod:
                missing = missing_resources(obj, (quota.get("spec") or {}).get("hard") or {})
                if missing:
                    raise st.StatusError(st.forbidden(
                        info, name, f"failed quota: {quota['metadata']['name']}: {missing}"))
        used = self._quota_usage(namespace, names)
        for quota in sorted(quotas.values(), key=lambda q: q["metadata"]["name"]):
            message = exceeded(quota, used, delta)
            if message:
                raise st.StatusError(st.forbidden(info, name, message))
        if is_pod:
            self.reserved_pods[f"{namespace}/{name}"] = obj

    def _quota_usage(self, namespace: str, names: set[str]) -> dict[str, Any]:
        """What the namespace holds now, as the watch caches and the pods on their way
        to them say."""
        used: dict[str, Any] = {}

        def add(usage: dict[str, Any]) -> None:
            for key, value in usage.items():
                used[key] = used[key] + value if key in used else value

        pods_info = self.registry.by_resource("pods", "")
        pods = self.caches.get(pods_info.storage_prefix)
        seen = set()
        if pods is not None:
            for pod in pods.list(storage_prefix(pods_info, namespace)):
                seen.add(f"{namespace}/{pod['metadata']['name']}")
                add(usage_of(pods_info, pod, names))
        for key, pod in self.reserved_pods.items():
            if key not in seen and key.startswith(f"{namespace}/"):
                add(usage_of(pods_info, pod, names))
        for name in names:  # object counts other than pods: what the caches hold
            counted = counted_resource(name)
            if counted is None or counted == ("", "pods"):
                continue
            try:
                info = self.registry.by_resource(counted[1], counted[0])
            except LookupError:
                continue  # a count of a resource not served: nothing of it exists
            cache = self.caches.get(info.storage_prefix)
            if cache is not None and info.namespaced:
                used[name] = Quantity.from_int(
                    len(cache.keys_in(storage_prefix(info, namespace))))
        return used

    def abort_create(self, info: ResourceInfo, obj: Obj) -> None:
        """An admitted object was not stored after all (it existed, the store failed, a
        dry run): give back what admission allocated for it (its ClusterIP, its place in
        a quota)."""
        meta = obj.get("metadata") or {}
        self.reserved_pods.pop(f"{meta.get('namespace')}/{meta.get('name')}", None)
        if info.kind == "Service" and info.group == "":
            ip = (obj.get("spec") or {}).get("clusterIP")
            if ip and ip != "None" and ip not in self.stored_ips:
                self.cluster_ips.release(ip)

    def service_account(self, namespace: str, name: str) -> Obj | None:
        """The ServiceAccount `namespace/name` as the watch cache holds it."""
        cache = self.caches.get(self.accounts_prefix)
        return cache.objects.get(f"{self.accounts_prefix}/{namespace}/{name}") \
            if cache is not None else None

    def _generate_name(self, prefix: str) -> str:
        return generated_name(prefix, self.rng)

    @staticmethod
    def _node_restriction(info: ResourceInfo, obj: Obj, user: Any) -> None:
        """NodeRestriction's checks of a create, which the node authorizer cannot make
        (it does not see the name of an object being created): a kubelet may create its
        own Node and its own heartbeat Lease only."""
        node = node_name_of(user) if user is not None else None
        if not node:
            return
        name = obj["metadata"].get("name", "")
        if info.group == "" and info.resource == "nodes" and name != node:
            raise st.StatusError(st.forbidden(
                info, name, f"node {go_quote(node)} is not allowed to modify node "
                            f"{go_quote(name)}"))
        if info.group == "coordination.k8s.io" and info.resource == "leases" and \
                name != node:
            raise st.StatusError(st.forbidden(
                info, name, "can only access node lease with the same name as the "
                            "requesting node"))

    def _namespace_lifecycle(self, info: ResourceInfo, obj: Obj) -> Obj:
        if info.namespaced and (info.group, info.kind) not in _LIFECYCLE_EXEMPT:
            namespace = obj["metadata"].get("namespace", "")
            phase = self.namespace_phase.get(namespace)
            if phase is None:
                raise CacheDependent(st.not_found(("", "namespaces"), namespace))
            if phase == "Terminating":
                raise st.StatusError(st.forbidden(
                    info, obj["metadata"].get("name", ""),
                    f"unable to create new content in namespace {namespace} because it is "
                    f"being terminated"))
        return obj

    def admit_update(self, info: ResourceInfo, new: Obj, old: Obj, user: Any) -> Obj:
        if info.custom:
            new = self._custom(info, new)
            schema = self.schemas.get((info.group, info.version, info.kind))
            errors = validate_update(new, old, info)
            if schema is not None:
                errors += validate_schema(new, schema)
            if errors:
                raise st.StatusError(st.invalid(info, new["metadata"].get("name", ""), errors))
            return new
        new = apply_defaults(new, create=False)
        if info.kind == "Service" and info.group == "":
            spec = dict(new.get("spec") or {})
            old_ip = (old.get("spec") or {}).get("clusterIP")
            if not spec.get("clusterIP") and old_ip:
                spec["clusterIP"] = old_ip
                spec["clusterIPs"] = [old_ip]
                new = {**new, "spec": spec}
        errors = validate_update(new, old, info)
        if errors:
            raise st.StatusError(st.invalid(info, new["metadata"].get("name", ""), errors))
        if info.kind == "PersistentVolumeClaim" and info.group == "":
            refusal = resize_refusal(new, old, self.storage_classes)
            if refusal is not None:
                raise st.StatusError(st.forbidden(info, new["metadata"].get("name", ""),
                                                  refusal))
        return new

    def _allocate_cluster_ip(self, obj: Obj) -> Obj:
        spec = dict(obj.get("spec") or {})
        if spec.get("type") == "ExternalName":
            return obj
        ip = spec.get("clusterIP")
        if ip in (None, ""):
            try:
                ip = self.cluster_ips.allocate()
            except RuntimeError as error:
                raise st.StatusError(st.new_status(500, "InternalError", str(error))) from None
        elif ip != "None":
            name = obj["metadata"].get("name", "")
            if not self.cluster_ips.contains(ip):
                raise st.StatusError(st.invalid(("", "Service"), name, [fe.invalid(
                    "spec.clusterIPs", [ip],
                    f"failed to allocate IP {ip}: the provided IP ({ip}) is not in the valid "
                    f"range. The range of valid IPs is {self.cluster_ips.network}")]))
            if ip in self.cluster_ips.used:
                raise CacheDependent(st.invalid(("", "Service"), name, [fe.invalid(
                    "spec.clusterIPs", [ip],
                    f"failed to allocate IP {ip}: provided IP is already allocated")]))
            self.cluster_ips.reserve(ip)
        spec["clusterIP"] = ip
        spec["clusterIPs"] = [ip]
        return {**obj, "spec": spec}


def _cluster_ip(service: Obj) -> str | None:
    spec = service.get("spec")
    ip = spec.get("clusterIP") if isinstance(spec, dict) else None
    return ip if isinstance(ip, str) and ip and ip != "None" else None
