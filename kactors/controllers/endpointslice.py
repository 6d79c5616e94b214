"""The EndpointSlice controller: a selector Service's pods as discovery.k8s.io/v1
EndpointSlices, what kube-proxy reads.

After Kubernetes' `pkg/controller/endpointslice` (the controller) and
`staging/src/k8s.io/endpointslice` (its reconciler); the decisions are the pure
functions of `kactors.controllers.sliceutil`. For every Service with a selector (not
ExternalName), its slices, named `<service>-<5 random>` by the apiserver's generateName,
carry the labels `kubernetes.io/service-name` and `endpointslice.kubernetes.io/managed-by:
endpointslice-controller.k8s.io`, a controller owner reference to the Service (so the
garbage collector removes them with it), and at most `max_endpoints_per_slice` endpoints
(--max-endpoints-per-slice, 100 by default). Slices are written only when something
changes, updated in place before new ones are created.

Pod events map to Services exactly as for the Endpoints controller
(`endpoints.services_for_pod_event`: nothing to do, and little spent, in namespaces
without a selecting Service). Slice events map to their owning Service, so a slice
deleted or edited by someone else is put back.

Like Kubernetes' `endpointSliceTracker`, the controller remembers the resourceVersions it
wrote: a reconcile that finds its cache older than its own writes does nothing and waits
for the informer to catch up (the slice events bring the Service back), rather than
creating a duplicate slice from a stale view.

Left out: topology hints (`service.kubernetes.io/topology-mode`), the
`endpoints.kubernetes.io/last-change-trigger-time` annotation, metrics.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from kactors.api.discovery import (
    DISCOVERY_API_VERSION,
    MANAGED_BY_LABEL,
    SERVICE_INDEX,
    slice_service_keys,
)
from kactors.api.labels import selector_from_set
from kactors.api.meta import metadata_of as _meta
from kactors.client.errors import NotFound
from kactors.client.informer import InformerEvent
from kactors.client.result import Result
from kactors.controllers.base import Controller
from kactors.controllers.endpoints import service_selector, services_for_pod_event
from kactors.controllers.sliceutil import (
    DEFAULT_MAX_ENDPOINTS_PER_SLICE,
    SlicePlan,
    address_types,
    plan_slices,
    service_groups,
    slice_labels,
)

__all__ = ["CONTROLLER_NAME", "EndpointSliceController"]

Obj = Mapping[str, Any]

#: the `managed-by` value of this controller's slices
CONTROLLER_NAME = "endpointslice-controller.k8s.io"


def _slice_prefix(name: str) -> str:
    """`getEndpointSlicePrefix`: `<service>-`, the apiserver adds 5 random characters."""
    return f"{name}-"


def _counts(slice_: Obj) -> dict[str, int]:
    """What a slice's log line tells: its endpoints, and how many are ready (the ones
    kube-proxy balances over)."""
    endpoints = slice_.get("endpoints") or []
    ready = sum(1 for e in endpoints if (e.get("conditions") or {}).get("ready") is not False)
    return {"endpoints": len(endpoints), "ready": ready}


class EndpointSliceController(Controller):
    """Keeps every selector Service's EndpointSlices listing its pods."""

    watches = "v1/Service"
    owns: ClassVar[Sequence[str]] = ("discovery.k8s.io/v1/EndpointSlice",)
    workers = 5
    component = "endpointslice-controller"
    #: the label value marking the slices this controller writes
    managed_by: ClassVar[str] = CONTROLLER_NAME
    #: --max-endpoints-per-slice (set from cluster.toml's [controllers])
    max_endpoints_per_slice: int = DEFAULT_MAX_ENDPOINTS_PER_SLICE

    async def setup(self) -> None:
        await self.informer("v1/Pod")
        await self.informer("v1/Node")
        await self.informer("discovery.k8s.io/v1/EndpointSlice",
                            indexers=((SERVICE_INDEX, slice_service_keys),))
        self.pods = self.lister("v1/Pod")
        self.nodes = self.lister("v1/Node")
        self.slices = self.lister("discovery.k8s.io/v1/EndpointSlice")
        #: service key -> {slice name: resourceVersion written, or None when deleted}
        self.written: dict[str, dict[str, str | None]] = {}

    def map_event(self, event: InformerEvent) -> list[str]:
        if event.kind == "Pod":
            return services_for_pod_event(self.cache, event)
        if event.kind == "Node":
            return []  # zones are read when a Service syncs (no topology hints here)
        return super().map_event(event)

    def _owned(self, key: str) -> list[Obj]:
        return [s for s in self.slices.by_index(SERVICE_INDEX, key)
                if (_meta(s).get("labels") or {}).get(MANAGED_BY_LABEL) == self.managed_by]

    def _stale(self, key: str) -> bool:
        """`endpointSliceTracker.StaleSlices`: the cache has not seen our last writes."""
        written = self.written.get(key)
        if not written:
            return False
        for name, version in list(written.items()):
            cached = self.slices.get(key.rpartition("/")[0], name)
            if version is None:
                if cached is None:
                    del written[name]
                    continue
                return True
            if cached is None:
                return True
            if _newer_or_same(str(_meta(cached).get("resourceVersion") or ""), version):
                del written[name]
                continue
            return True
        if not written:
            del self.written[key]
        return False

    async def reconcile(self, key: str) -> Result | None:
        service = self.cache.get(key)
        if service is None:
            self.written.pop(key, None)
            return None  # gone: the garbage collector deletes its slices (owner reference)
        spec = service.get("spec") or {}
        if spec.get("type") == "ExternalName" or service_selector(service) is None:
            return None  # no slices from this controller
        if self._stale(key):
            self.ctx.log.debug("endpointslice.stale_cache", service=key)
            return None
        namespace = key.rpartition("/")[0]
        pods = self.pods.list(namespace, selector_from_set(service_selector(service) or {}))
        groups, missing_nodes = service_groups(service, pods, self.nodes.get)
        labels = slice_labels(service, self.managed_by)
        plan = plan_slices(self._owned(key), groups, labels,
                           lambda address_type, ports: self._new_slice(service, labels,
                                                                       address_type, ports),
                           self.max_endpoints_per_slice, address_types(service))
        if plan:
            await self._write(key, service, plan)
        if missing_nodes:
            # `skipping Pod for Service, Node not found`: retried until the node shows up
            raise RuntimeError(f"skipping pods of Service {key}: node(s) "
                               f"{', '.join(missing_nodes)} not found")
        return None

    def _new_slice(self, service: Obj, labels: Mapping[str, str], address_type: str,
                   ports: list[dict[str, Any]]) -> dict[str, Any]:
        """`newEndpointSlice`: unnamed (generateName), owned by the Service."""
        meta = _meta(service)
        return {
            "apiVersion": DISCOVERY_API_VERSION, "kind": "EndpointSlice",
            "metadata": {
                "generateName": _slice_prefix(str(meta["name"])),
                "namespace": meta.get("namespace"), "labels": dict(labels),
                "ownerReferences": [{"apiVersion": "v1", "kind": "Service",
                                     "name": meta["name"], "uid": meta.get("uid"),
                                     "controller": True, "blockOwnerDeletion": True}],
            },
            "addressType": address_type, "endpoints": [], "ports": ports,
        }

    async def _write(self, key: str, service: Obj, plan: SlicePlan) -> None:
        """`finalize`: creates, then updates, then deletes, remembering each write."""
        written = self.written.setdefault(key, {})
        try:
            for slice_ in plan.create:
                created = await self.client.create(slice_)
                meta = _meta(created)
                written[meta["name"]] = str(meta.get("resourceVersion") or "")
                self.ctx.log.info("endpointslice.created", service=key, slice=meta["name"],
                                  **_counts(created))
            for slice_ in plan.update:
                updated = await self.client.update(slice_)
                meta = _meta(updated)
                written[meta["name"]] = str(meta.get("resourceVersion") or "")
                self.ctx.log.info("endpointslice.updated", service=key, slice=meta["name"],
                                  **_counts(updated))
            for slice_ in plan.delete:
                name = _meta(slice_)["name"]
                try:
                    await self.client.delete(DISCOVERY_API_VERSION + "/EndpointSlice", name,
                                             _meta(slice_).get("namespace"))
                except NotFound:
                    pass
                written[name] = None
                self.ctx.log.info("endpointslice.deleted", service=key, slice=name)
        except Exception as error:
            self.record_event(service, "Warning", "FailedToUpdateEndpointSlices",
                              f"Error updating Endpoint Slices for Service {key}: {error}")
            raise


def _newer_or_same(cached: str, written: str) -> bool:
    """The cached resourceVersion is at least the one written (numbers when they are)."""
    if cached.isdigit() and written.isdigit():
        return int(cached) >= int(written)
    return cached == written
