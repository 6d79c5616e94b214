"""What EndpointSlices should say, as pure functions over plain dicts (no I/O).

After Kubernetes' `staging/src/k8s.io/endpointslice` (`reconciler.go`, `utils.go`) and
`pkg/controller/endpointslicemirroring`. Two steps, shared by the EndpointSlice
controller and the mirroring controller:

1. **Desired endpoints**, grouped by (address type, ports): a Service's pods become
   endpoints (`pod_endpoint`: addresses, ready/serving/terminating conditions, nodeName,
   zone, targetRef, hostname) with the ports their pod resolves (`endpoint_ports`, with
   the Endpoints controller's `find_port`); pods offering different ports (a named
   targetPort some pods lack) land in different groups, hence different slices.
2. **A plan** (`plan_slices`): which slices to create, update and delete so that every
   group's endpoints are in slices of at most `max_per_slice` endpoints, changing as few
   slices as possible, as `reconcileByPortMapping` does: existing slices keep the
   endpoints still desired (refreshed if they changed) and lose the others; slices that
   change anyway are filled up first (the fullest first); leftovers go into the one
   unchanged slice they fit best, else into new slices; a slice left empty is deleted,
   and a create paired with a delete becomes an update of the deleted slice (fewer
   writes, stable names). A Service without any endpoint keeps one empty *placeholder*
   slice per address type, so consumers can tell "no endpoints" from "not processed".

Endpoints are identified as Kubernetes hashes them (`hashEndpoint`): their sorted
addresses, hostname and the targetRef's namespace/name; anything else (conditions, node,
zone) is a change *of* that endpoint.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import attrs

from kactors.api.discovery import DISCOVERY_API_VERSION, MANAGED_BY_LABEL, SERVICE_NAME_LABEL
from kactors.api.meta import deep_copy
from kactors.api.meta import metadata_of as _meta
from kactors.controllers.endpoints import (
    HEADLESS_LABEL,
    pod_ip_of_family,
    should_pod_be_in_endpoints,
    should_set_hostname,
)
from kactors.controllers.podutil import find_port, is_pod_ready

__all__ = [
    "DEFAULT_MAX_ENDPOINTS_PER_SLICE",
    "DISCOVERY_API_VERSION",
    "MANAGED_BY_LABEL",
    "SERVICE_NAME_LABEL",
    "ZONE_LABEL",
    "Group",
    "GroupKey",
    "SlicePlan",
    "address_types",
    "endpoint_key",
    "endpoint_ports",
    "is_placeholder",
    "plan_slices",
    "pod_endpoint",
    "port_key",
    "service_groups",
    "slice_labels",
]

Obj = Mapping[str, Any]

#: `v1.LabelTopologyZone`: a node's zone, copied onto the endpoints of its pods
ZONE_LABEL = "topology.kubernetes.io/zone"
#: kube-controller-manager's --max-endpoints-per-slice default
DEFAULT_MAX_ENDPOINTS_PER_SLICE = 100

#: a group of endpoints sharing a slice shape: (address type, port key)
GroupKey = tuple[str, tuple[tuple[Any, ...], ...]]


# -- desired endpoints ------------------------------------------------------------------------
def address_types(service: Obj) -> list[str]:
    """`getAddressTypesForService`: one address type per IP family of the Service."""
    families = (service.get("spec") or {}).get("ipFamilies") or ["IPv4"]
    return [family for family in families if family in ("IPv4", "IPv6")] or ["IPv4"]


def endpoint_ports(service: Obj, pod: Obj) -> list[dict[str, Any]]:
    """`getEndpointPorts`: every Service port the pod resolves (`find_port`), with the
    Service port's name (always set, maybe ""), protocol and appProtocol."""
    ports: list[dict[str, Any]] = []
    for service_port in (service.get("spec") or {}).get("ports") or []:
        number = find_port(pod, service_port)
        if number is None:
            continue
        port: dict[str, Any] = {"name": service_port.get("name") or "", "port": number,
                                "protocol": service_port.get("protocol") or "TCP"}
        if service_port.get("appProtocol"):
            port["appProtocol"] = service_port["appProtocol"]
        ports.append(port)
    return ports


def pod_endpoint(service: Obj, pod: Obj, node: Obj | None, address_type: str
                 ) -> dict[str, Any] | None:
    """`podToEndpoint`: the pod as an endpoint of `address_type`, None without such an IP.

    `serving` is the pod's readiness; `terminating` that it is being deleted; `ready` is
    serving and not terminating (for compatibility a terminating pod is never ready),
    always true when the Service publishes not-ready addresses.
    """
    ip = pod_ip_of_family(pod, address_type)
    if ip is None:
        return None
    meta = _meta(pod)
    serving = is_pod_ready(pod)
    terminating = bool(meta.get("deletionTimestamp"))
    publish = bool((service.get("spec") or {}).get("publishNotReadyAddresses"))
    endpoint: dict[str, Any] = {
        "addresses": [ip],
        "conditions": {"ready": publish or (serving and not terminating),
                       "serving": serving, "terminating": terminating},
    }
    if should_set_hostname(service, pod):
        endpoint["hostname"] = pod["spec"]["hostname"]
    endpoint["targetRef"] = {"kind": "Pod", "namespace": meta.get("namespace"),
                             "name": meta.get("name"), "uid": meta.get("uid")}
    node_name = (pod.get("spec") or {}).get("nodeName")
    if node_name:
        endpoint["nodeName"] = node_name
    zone = ((node or {}).get("metadata") or {}).get("labels", {}).get(ZONE_LABEL)
    if zone:
        endpoint["zone"] = zone
    return endpoint


def endpoint_key(endpoint: Obj) -> tuple[Any, ...]:
    """`hashEndpoint`: what identifies an endpoint across slices and versions."""
    ref = endpoint.get("targetRef") or {}
    return (tuple(sorted(endpoint.get("addresses") or [])), endpoint.get("hostname") or "",
            ref.get("namespace") or "", ref.get("name") or "")


def port_key(ports: Sequence[Obj]) -> tuple[tuple[Any, ...], ...]:
    """`NewPortMapKey`: the ports of a slice, order-insensitive."""
    return tuple(sorted((p.get("name") or "", p.get("port") or 0, p.get("protocol") or "TCP",
                         p.get("appProtocol") or "") for p in ports))


@attrs.define
class Group:
    """The desired endpoints of one slice shape (address type and ports)."""

    address_type: str
    ports: list[dict[str, Any]]
    endpoints: list[dict[str, Any]] = attrs.Factory(list)


def service_groups(service: Obj, pods: Sequence[Obj], nodes: Callable[[str], Obj | None]
                   ) -> tuple[dict[GroupKey, Group], list[str]]:
    """The desired endpoints of a selector Service, grouped by slice shape, and the names
    of the nodes its pods name but that do not exist.

    Terminal pods and pods without an IP are left out; terminating ones stay (marked
    terminating). A pod on a missing node is left out (the caller retries later), unless
    the Service publishes not-ready addresses, as the reconciler does.
    """
    spec = service.get("spec") or {}
    publish = bool(spec.get("publishNotReadyAddresses"))
    headless_without_ports = not spec.get("ports") and spec.get("clusterIP") == "None"
    groups: dict[GroupKey, Group] = {}
    missing: list[str] = []
    for address_type in address_types(service):
        for pod in pods:
            if not should_pod_be_in_endpoints(pod, True):
                continue
            ports = [] if headless_without_ports else endpoint_ports(service, pod)
            key = (address_type, port_key(ports))
            group = groups.get(key)
            if group is None:
                group = groups[key] = Group(address_type, ports)
            node_name = (pod.get("spec") or {}).get("nodeName") or ""
            node = nodes(node_name) if node_name else None
            if node_name and node is None and not publish:
                if node_name not in missing:
                    missing.append(node_name)
                continue
            endpoint = pod_endpoint(service, pod, node, address_type)
            if endpoint is not None:
                group.endpoints.append(endpoint)
    return groups, missing


def slice_labels(owner: Obj, controller: str, *, headless: bool | None = None
                 ) -> dict[str, str]:
    """`setEndpointSliceLabels`: the owner's labels (without the two reserved keys), the
    headless label for a Service without a cluster IP, then the Service name and the
    managing controller."""
    labels = {k: v for k, v in (_meta(owner).get("labels") or {}).items()
              if k not in (SERVICE_NAME_LABEL, MANAGED_BY_LABEL)}
    if headless is None:
        cluster_ip = (owner.get("spec") or {}).get("clusterIP")
        headless = not cluster_ip or cluster_ip == "None"
    if headless:
        labels[HEADLESS_LABEL] = ""
    else:
        labels.pop(HEADLESS_LABEL, None)
    labels[SERVICE_NAME_LABEL] = str(_meta(owner).get("name"))
    labels[MANAGED_BY_LABEL] = controller
    return labels


# -- the plan ---------------------------------------------------------------------------------
@attrs.frozen
class SlicePlan:
    """The writes that bring a Service's slices to the desired state (create: slices
    with `generateName`; update: full objects with their resourceVersion)."""

    create: list[dict[str, Any]]
    update: list[dict[str, Any]]
    delete: list[dict[str, Any]]

    def __bool__(self) -> bool:
        return bool(self.create or self.update or self.delete)


def is_placeholder(slice_: Obj) -> bool:
    """An empty slice without ports: what a Service with no endpoints keeps."""
    return not slice_.get("endpoints") and not slice_.get("ports")


def plan_slices(existing: Sequence[Obj], groups: Mapping[GroupKey, Group],
                labels: Mapping[str, str], new_slice: Callable[[str, list[dict[str, Any]]],
                                                               dict[str, Any]],
                max_per_slice: int, placeholder_types: Sequence[str] = ()) -> SlicePlan:
    """`reconcile` + `reconcileByPortMapping` + `finalize` over slices this controller
    owns (see the module doc). `new_slice(address_type, ports)` makes an unnamed slice;
    `placeholder_types` are the address types that get a placeholder when nothing else
    would exist (none for the mirroring controller)."""
    by_group: dict[GroupKey, list[Obj]] = {}
    to_delete: list[Obj] = []
    for slice_ in existing:
        key = (str(slice_.get("addressType")), port_key(slice_.get("ports") or []))
        by_group.setdefault(key, []).append(slice_)
    to_create: list[dict[str, Any]] = []
    to_update: list[dict[str, Any]] = []
    for key, group in groups.items():
        create, update, delete = _plan_group(by_group.get(key, []), group, labels, new_slice,
                                             max_per_slice)
        to_create += create
        to_update += update
        to_delete += delete
    for key, slices in by_group.items():
        if key not in groups:
            to_delete.extend(slices)
    for address_type in placeholder_types:
        same_type = [s for s in existing if s.get("addressType") == address_type]
        doomed = [s for s in to_delete if s.get("addressType") == address_type]
        if len(same_type) != len(doomed) or any(
                s.get("addressType") == address_type for s in to_create):
            continue
        if len(doomed) == 1 and is_placeholder(doomed[0]):
            to_delete.remove(doomed[0])  # keep it rather than delete and recreate it
            if (_meta(doomed[0]).get("labels") or {}) != dict(labels):
                to_update.append(_relabelled(doomed[0], labels))
        else:
            to_create.append(new_slice(address_type, []))
    # a create and a delete of the same address type: update the doomed slice instead
    for doomed in list(to_delete):
        match = next((s for s in reversed(to_create)
                      if s.get("addressType") == doomed.get("addressType")), None)
        if match is None:
            continue
        to_create.remove(match)
        to_delete.remove(doomed)
        updated = {**match, "metadata": {**dict(_meta(doomed)), "labels": dict(labels)}}
        updated["metadata"].pop("generateName", None)
        to_update.append(updated)
    return SlicePlan(to_create, to_update, to_delete)


def _relabelled(slice_: Obj, labels: Mapping[str, str]) -> dict[str, Any]:
    copy = deep_copy(dict(slice_))
    copy["metadata"]["labels"] = dict(labels)
    return copy


def _plan_group(existing: Sequence[Obj], group: Group, labels: Mapping[str, str],
                new_slice: Callable[[str, list[dict[str, Any]]], dict[str, Any]],
                max_per_slice: int
                ) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[Obj]]:
    desired: dict[tuple[Any, ...], dict[str, Any]] = {}
    for endpoint in group.endpoints:
        desired.setdefault(endpoint_key(endpoint), endpoint)
    updated: dict[str, dict[str, Any]] = {}  # by name, in the order they were marked
    unchanged: list[Obj] = []
    delete: list[Obj] = []
    # 1. existing slices keep (and refresh) the endpoints still desired, drop the others
    for slice_ in existing:
        kept: list[dict[str, Any]] = []
        changed = False
        for endpoint in slice_.get("endpoints") or []:
            want = desired.pop(endpoint_key(endpoint), None)
            if want is None:
                continue
            kept.append(want)
            changed = changed or want != endpoint
        labels_changed = (_meta(slice_).get("labels") or {}) != dict(labels)
        if changed or len(kept) != len(slice_.get("endpoints") or []):
            if not kept:
                delete.append(slice_)
            else:
                copy = _relabelled(slice_, labels)
                copy["endpoints"] = kept
                updated[_meta(slice_)["name"]] = copy
        elif labels_changed:
            updated[_meta(slice_)["name"]] = _relabelled(slice_, labels)
        else:
            unchanged.append(slice_)
    leftovers = list(desired.values())
    # 2. fill the slices that change anyway, the fullest first
    for copy in sorted(updated.values(), key=lambda s: -len(s["endpoints"])):
        room = max_per_slice - len(copy["endpoints"])
        if room > 0 and leftovers:
            copy["endpoints"] = copy["endpoints"] + leftovers[:room]
            leftovers = leftovers[room:]
    # 3. the rest: into the unchanged slice it fits best, else into new slices
    create: list[dict[str, Any]] = []
    while leftovers:
        target: dict[str, Any] | None = None
        if len(leftovers) < max_per_slice and unchanged:
            best = _slice_to_fill(unchanged, len(leftovers), max_per_slice)
            if best is not None:
                unchanged.remove(best)
                target = _relabelled(best, labels)
                updated[_meta(best)["name"]] = target
        if target is None:
            target = new_slice(group.address_type, deep_copy(group.ports))
            create.append(target)
        room = max_per_slice - len(target.get("endpoints") or [])
        target["endpoints"] = list(target.get("endpoints") or []) + leftovers[:room]
        leftovers = leftovers[room:]
    return create, list(updated.values()), delete


def _slice_to_fill(slices: Sequence[Obj], count: int, max_per_slice: int) -> Obj | None:
    """`getSliceToFill`: the slice with the least room left that still fits `count`."""
    best, best_room = None, max_per_slice
    for slice_ in slices:
        room = max_per_slice - (count + len(slice_.get("endpoints") or []))
        if 0 <= room < best_room:
            best, best_room = slice_, room
            if room == 0:
                break
    return best
