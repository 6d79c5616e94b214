"""The EndpointSlice mirroring controller: hand-written Endpoints as EndpointSlices.

After Kubernetes' `pkg/controller/endpointslicemirroring`. A Service without a selector
gets its backends from an Endpoints object someone writes by hand; since kube-proxy reads
EndpointSlices, this controller mirrors such Endpoints into slices labelled
`endpointslice.kubernetes.io/managed-by: endpointslicemirroring-controller.k8s.io` and
`kubernetes.io/service-name`, owned by the Endpoints (deleting it deletes them).

What is mirrored (`syncEndpoints`, `reconcile`): the Endpoints' subsets, repacked
(`endpoints.repack_subsets`); ready addresses as endpoints with `ready: true`, not-ready
ones with `ready: false`; one slice shape per (address type, ports); at most 1000
addresses per subset (more are skipped, with a `TooManyAddressesToMirror` warning);
addresses that are not IPs are skipped (`InvalidIPAddress`). Nothing is mirrored (and
mirrored slices are deleted) when the Endpoints or its Service is missing, when the
Service has a selector (the EndpointSlice controller serves it), when the Endpoints is
labelled `endpointslice.kubernetes.io/skip-mirror: "true"` or carries the leader-election
annotation `control-plane.alpha.kubernetes.io/leader`.

The Endpoints' labels and annotations (but its last-change-trigger-time and
last-applied-configuration) are copied onto its slices, and kept in step.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from kactors.api.discovery import (
    DISCOVERY_API_VERSION,
    MANAGED_BY_LABEL,
    SERVICE_INDEX,
    SERVICE_NAME_LABEL,
    slice_service_keys,
)
from kactors.api.meta import deep_copy
from kactors.api.meta import metadata_of as _meta
from kactors.client.errors import NotFound
from kactors.client.informer import InformerEvent
from kactors.client.result import Result
from kactors.controllers.base import Controller
from kactors.controllers.endpoints import repack_subsets, service_selector
from kactors.controllers.sliceutil import (
    Group,
    GroupKey,
    plan_slices,
    port_key,
)

__all__ = ["MIRRORING_CONTROLLER_NAME", "EndpointSliceMirroringController",
           "SKIP_MIRROR_LABEL", "mirror_groups", "should_mirror"]

Obj = Mapping[str, Any]

MIRRORING_CONTROLLER_NAME = "endpointslicemirroring-controller.k8s.io"
#: `discovery.LabelSkipMirror`: an Endpoints its writer does not want mirrored
SKIP_MIRROR_LABEL = "endpointslice.kubernetes.io/skip-mirror"
#: old-style leader election writes an Endpoints: never a set of backends
LEADER_ANNOTATION = "control-plane.alpha.kubernetes.io/leader"
#: --mirroring-max-endpoints-per-subset
MAX_ENDPOINTS_PER_SUBSET = 1000
_NOT_COPIED_ANNOTATIONS = ("endpoints.kubernetes.io/last-change-trigger-time",
                           "kubectl.kubernetes.io/last-applied-configuration")


def should_mirror(endpoints: Obj | None, service: Obj | None) -> bool:
    """`shouldMirror` plus the Service checks of `syncEndpoints`."""
    if endpoints is None or service is None or service_selector(service) is not None:
        return False
    meta = _meta(endpoints)
    return (meta.get("labels") or {}).get(SKIP_MIRROR_LABEL) != "true" and \
        LEADER_ANNOTATION not in (meta.get("annotations") or {})


def _address_type(ip: Any) -> str | None:
    try:
        return "IPv4" if ipaddress.ip_address(str(ip)).version == 4 else "IPv6"
    except ValueError:
        return None


def _endpoint(address: Obj, ready: bool) -> dict[str, Any]:
    """`addressToEndpoint`."""
    endpoint: dict[str, Any] = {"addresses": [address["ip"]], "conditions": {"ready": ready}}
    if address.get("hostname"):
        endpoint["hostname"] = address["hostname"]
    if address.get("targetRef"):
        endpoint["targetRef"] = dict(address["targetRef"])
    if address.get("nodeName"):
        endpoint["nodeName"] = address["nodeName"]
    return endpoint


def mirror_groups(endpoints: Obj, max_per_subset: int = MAX_ENDPOINTS_PER_SUBSET
                  ) -> tuple[dict[GroupKey, Group], int, int]:
    """The desired slice groups of an Endpoints, the number of addresses that are not
    IPs and the number skipped beyond `max_per_subset` per subset."""
    groups: dict[GroupKey, Group] = {}
    invalid = skipped = 0
    for subset in repack_subsets(endpoints.get("subsets") or []):
        ports = [{"name": p.get("name") or "", "port": p.get("port"),
                  "protocol": p.get("protocol") or "TCP",
                  **({"appProtocol": p["appProtocol"]} if p.get("appProtocol") else {})}
                 for p in subset.get("ports") or []]
        added = 0
        addresses = [(a, True) for a in subset.get("addresses") or []] + \
            [(a, False) for a in subset.get("notReadyAddresses") or []]
        for address, ready in addresses:
            if added >= max_per_subset:
                skipped += 1
                continue
            address_type = _address_type(address.get("ip"))
            if address_type is None:
                invalid += 1
                continue
            key = (address_type, port_key(ports))
            group = groups.get(key)
            if group is None:
                group = groups[key] = Group(address_type, [dict(p) for p in ports])
            group.endpoints.append(_endpoint(address, ready))
            added += 1
    return groups, invalid, skipped


class EndpointSliceMirroringController(Controller):
    """Mirrors the Endpoints of selector-less Services into EndpointSlices."""

    watches = "v1/Endpoints"
    owns: ClassVar[Sequence[str]] = ("discovery.k8s.io/v1/EndpointSlice",)
    workers = 5
    component = "endpointslice-mirroring-controller"

    async def setup(self) -> None:
        await self.informer("v1/Service")
        await self.informer("discovery.k8s.io/v1/EndpointSlice",
                            indexers=((SERVICE_INDEX, slice_service_keys),))
        self.services = self.lister("v1/Service")
        self.slices = self.lister("discovery.k8s.io/v1/EndpointSlice")

    def _mirrored(self, key: str) -> list[Obj]:
        return [s for s in self.slices.by_index(SERVICE_INDEX, key)
                if (_meta(s).get("labels") or {}).get(MANAGED_BY_LABEL)
                == MIRRORING_CONTROLLER_NAME]

    def map_event(self, event: InformerEvent) -> list[str]:
        if event.kind in ("Endpoints", "Service"):
            # the Endpoints of a selector Service (the Endpoints controller's) with nothing
            # mirrored: the common case, and nothing to do
            service = self.services.get(event.key)
            if service is not None and service_selector(service) is not None and \
                    not self._mirrored(event.key):
                return []
            return [event.key]
        return super().map_event(event)

    async def reconcile(self, key: str) -> Result | None:
        endpoints = self.cache.get(key)
        existing = self._mirrored(key)
        if not should_mirror(endpoints, self.services.get(key)):
            for slice_ in existing:
                await self._delete(key, slice_)
            return None
        assert endpoints is not None
        groups, invalid, skipped = mirror_groups(endpoints)
        if invalid:
            self.record_event(endpoints, "Warning", "InvalidIPAddress",
                              f"Skipped {invalid} invalid IP addresses when mirroring to "
                              "EndpointSlices")
        if skipped:
            self.record_event(endpoints, "Warning", "TooManyAddressesToMirror",
                              f"A max of {MAX_ENDPOINTS_PER_SUBSET} addresses can be mirrored "
                              f"to EndpointSlices per Endpoints subset. {skipped} addresses "
                              "were skipped")
        labels = {**(_meta(endpoints).get("labels") or {}),
                  SERVICE_NAME_LABEL: str(_meta(endpoints)["name"]),
                  MANAGED_BY_LABEL: MIRRORING_CONTROLLER_NAME}
        annotations = _annotations(endpoints)
        plan = plan_slices(existing, groups, labels,
                           lambda address_type, ports: _new_slice(endpoints, labels,
                                                                  address_type, ports),
                           MAX_ENDPOINTS_PER_SUBSET)
        # annotations ride along with every rewrite, and alone cause one
        planned = {_meta(s)["name"] for s in (*plan.update, *plan.delete)}
        updates = [_annotated(s, annotations) for s in plan.update] + [
            _annotated(deep_copy(dict(s)), annotations) for s in existing
            if _meta(s)["name"] not in planned
            and (_meta(s).get("annotations") or {}) != annotations]
        for slice_ in plan.create:
            created = await self.client.create(slice_)
            self.ctx.log.info("endpointslice.mirrored", endpoints=key,
                              slice=_meta(created)["name"],
                              endpoints_count=len(created.get("endpoints") or []))
        for slice_ in updates:
            await self.client.update(slice_)
            self.ctx.log.info("endpointslice.mirror_updated", endpoints=key,
                              slice=_meta(slice_)["name"],
                              endpoints_count=len(slice_.get("endpoints") or []))
        for slice_ in plan.delete:
            await self._delete(key, slice_)
        return None

    async def _delete(self, key: str, slice_: Obj) -> None:
        name = _meta(slice_)["name"]
        try:
            await self.client.delete(DISCOVERY_API_VERSION + "/EndpointSlice", name,
                                     _meta(slice_).get("namespace"))
        except NotFound:
            return
        self.ctx.log.info("endpointslice.mirror_deleted", endpoints=key, slice=name)


def _annotations(endpoints: Obj) -> dict[str, str]:
    """The annotations a mirrored slice carries: the Endpoints', but two."""
    return {k: v for k, v in (_meta(endpoints).get("annotations") or {}).items()
            if k not in _NOT_COPIED_ANNOTATIONS}


def _annotated(slice_: dict[str, Any], annotations: Mapping[str, str]) -> dict[str, Any]:
    """`slice_` (a copy of ours to write) with exactly `annotations`."""
    meta = slice_["metadata"] = dict(slice_["metadata"])
    if annotations:
        meta["annotations"] = dict(annotations)
    else:
        meta.pop("annotations", None)
    return slice_


def _new_slice(endpoints: Obj, labels: Mapping[str, str], address_type: str,
               ports: list[dict[str, Any]]) -> dict[str, Any]:
    """The mirroring `newEndpointSlice`: labels and annotations of the Endpoints, owned
    by it."""
    meta = _meta(endpoints)
    annotations = _annotations(endpoints)
    slice_meta: dict[str, Any] = {
        "generateName": f"{meta['name']}-", "namespace": meta.get("namespace"),
        "labels": dict(labels),
        "ownerReferences": [{"apiVersion": "v1", "kind": "Endpoints", "name": meta["name"],
                             "uid": meta.get("uid"), "controller": True,
                             "blockOwnerDeletion": True}],
    }
    if annotations:
        slice_meta["annotations"] = annotations
    return {"apiVersion": DISCOVERY_API_VERSION, "kind": "EndpointSlice",
            "metadata": slice_meta, "addressType": address_type, "endpoints": [],
            "ports": ports}
