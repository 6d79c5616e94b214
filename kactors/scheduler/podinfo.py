"""``PodInfo``: everything the scheduler needs from a pod, extracted once.

A pod is looked at by every filter on hundreds of nodes; parsing its requests, tolerations
and affinity each time would dominate scheduling. ``new_pod_info`` does it once and the
result is shared (frozen) by the queue, the algorithm and the cluster state.

``signature`` groups pods that every filter and score treats identically on every node:
the same requests, tolerations, ports, node name and node affinity. Pods of one
ReplicaSet share it, which lets the algorithm reuse per-node verdicts between them (see
``table.py``). Pods with required inter-pod (anti-)affinity have no signature: their
verdict on one node depends on pods on *other* nodes of the same topology domain; nor do
pods with PersistentVolumeClaims: theirs depends on their own claims' volumes.
"""

from __future__ import annotations

import operator
from collections.abc import Hashable, Mapping
from typing import Any

import attrs

from kactors.api.storage import pod_claim_names

from ._util import as_list, as_map, get_map
from .nodeselector import (
    PreferredTerm,
    RequiredNodeAffinity,
    spec_preferred_node_affinity,
    spec_required_node_affinity,
)
from .podaffinity import AffinityTerm, affinity_section_terms
from .resources import Resources, spec_resource_requests
from .taints import Toleration, spec_tolerations

__all__ = [
    "HostPort",
    "PodInfo",
    "Signature",
    "bound_pod_info",
    "evolve_pod_info",
    "new_pod_info",
    "pod_key",
]


class Signature:
    """The scheduling-relevant parts of a pod spec, hashed once (it is a dict key on
    every scheduling cycle)."""

    __slots__ = ("_hash", "parts")

    def __init__(self, parts: tuple[Hashable, ...]) -> None:
        self.parts = parts
        self._hash = hash(parts)

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other: object) -> bool:
        if self is other:
            return True
        if type(other) is not Signature:
            return NotImplemented
        return self._hash == other._hash and self.parts == other.parts

    def __repr__(self) -> str:
        return f"Signature({self._hash:#x})"


@attrs.frozen
class HostPort:
    """A container port bound on the node: ``(ip, protocol, port)``, sanitised like
    ``HostPortInfo`` (empty ip means ``0.0.0.0``, empty protocol means ``TCP``)."""

    ip: str
    protocol: str
    port: int


@attrs.frozen(eq=False)
class PodInfo:
    """A pod plus its pre-parsed scheduling data. Build it with :func:`new_pod_info`."""

    key: str
    pod: Mapping[str, Any] = attrs.field(repr=False)
    namespace: str
    name: str
    labels: Mapping[str, str] = attrs.field(repr=False)
    node_name: str
    priority: int
    requests: Resources
    non_zero_cpu: int
    non_zero_memory: int
    host_ports: tuple[HostPort, ...]
    tolerations: tuple[Toleration, ...]
    required_node_affinity: RequiredNodeAffinity | None
    preferred_node_affinity: tuple[PreferredTerm, ...]
    affinity_terms: tuple[AffinityTerm, ...]
    anti_affinity_terms: tuple[AffinityTerm, ...]
    signature: Signature | None = attrs.field(repr=False)
    #: the claims of its ``persistentVolumeClaim`` volumes (VolumeBinding); a pod with
    #: claims has no signature: its verdicts depend on its own claims' volumes
    claims: tuple[str, ...] = ()


#: PodInfo's fields in ``__init__`` order, and one C call that reads them all
_FIELDS = tuple(field.name for field in attrs.fields(PodInfo))
_field_values = operator.attrgetter(*_FIELDS)


def evolve_pod_info(info: PodInfo, **changes: Any) -> PodInfo:
    """``attrs.evolve(info, **changes)`` at about half its cost (attrs walks its field
    records in Python on every call): the scheduler makes one per status update of
    every pod it counts."""
    values = dict(zip(_FIELDS, _field_values(info), strict=True))
    values.update(changes)
    return PodInfo(**values)


def pod_key(pod: Mapping[str, Any]) -> str:
    """``namespace/name`` of a pod (the scheduler's and the queue's key)."""
    metadata = get_map(pod, "metadata")
    return f"{metadata.get('namespace') or 'default'}/{metadata.get('name', '')}"


def _host_ports(spec: Mapping[str, Any]) -> tuple[HostPort, ...]:
    ports = []
    for container in as_list(spec.get("containers")):
        for port in as_list(as_map(container).get("ports")):
            port = as_map(port)
            host_port = port.get("hostPort")
            if not isinstance(host_port, int) or isinstance(host_port, bool) or host_port <= 0:
                continue
            ports.append(
                HostPort(
                    str(port.get("hostIP") or "0.0.0.0"),
                    str(port.get("protocol") or "TCP"),
                    host_port,
                )
            )
    return tuple(ports)


def _signature(
    requests: Resources,
    non_zero_cpu: int,
    non_zero_memory: int,
    host_ports: tuple[HostPort, ...],
    tolerations: tuple[Toleration, ...],
    required: RequiredNodeAffinity | None,
    preferred: tuple[PreferredTerm, ...],
    node_name: str,
) -> Signature:
    return Signature(
        (requests, non_zero_cpu, non_zero_memory, host_ports, tolerations, required, preferred,
         node_name)
    )


def bound_pod_info(info: PodInfo, pod: Mapping[str, Any]) -> PodInfo:
    """What ``new_pod_info(pod)`` returns when ``pod`` is the bound version of the pending
    pod that ``info`` was parsed from (equal but for ``spec.nodeName``: the caller checks),
    without parsing it again: only the node name and so the signature are new."""
    node_name = get_map(pod, "spec").get("nodeName")
    node_name = node_name if isinstance(node_name, str) else ""
    signature = None
    if info.signature is not None:
        signature = _signature(
            info.requests,
            info.non_zero_cpu,
            info.non_zero_memory,
            info.host_ports,
            info.tolerations,
            info.required_node_affinity,
            info.preferred_node_affinity,
            node_name,
        )
    labels = get_map(get_map(pod, "metadata"), "labels")
    return evolve_pod_info(info, pod=pod, labels=labels, node_name=node_name,
                           signature=signature)


def new_pod_info(pod: Mapping[str, Any]) -> PodInfo:
    """Parse ``pod`` once for scheduling. The pod dict is kept, never modified."""
    metadata = get_map(pod, "metadata")
    spec = get_map(pod, "spec")
    labels = get_map(metadata, "labels")
    priority = spec.get("priority")
    priority = priority if isinstance(priority, int) and not isinstance(priority, bool) else 0
    node_name = spec.get("nodeName")
    node_name = node_name if isinstance(node_name, str) else ""
    requests, non_zero_cpu, non_zero_memory = spec_resource_requests(spec)
    host_ports = _host_ports(spec)
    tolerations = spec_tolerations(spec)
    affinity = get_map(spec, "affinity")
    if affinity:
        node_affinity = get_map(affinity, "nodeAffinity")
        required = spec_required_node_affinity(spec, node_affinity)
        preferred = spec_preferred_node_affinity(node_affinity)
        own_namespace = metadata.get("namespace", "")
        affinity_terms = affinity_section_terms(get_map(affinity, "podAffinity"), own_namespace)
        anti_affinity_terms = affinity_section_terms(
            get_map(affinity, "podAntiAffinity"), own_namespace
        )
    else:  # most pods: only a nodeSelector, if anything
        required = spec_required_node_affinity(spec, affinity)
        preferred = affinity_terms = anti_affinity_terms = ()
    signature = None
    claims = pod_claim_names(pod) if spec.get("volumes") else ()
    if not affinity_terms and not anti_affinity_terms and not claims:
        signature = _signature(
            requests,
            non_zero_cpu,
            non_zero_memory,
            host_ports,
            tolerations,
            required,
            preferred,
            node_name,
        )
    return PodInfo(
        key=pod_key(pod),
        pod=pod,
        namespace=str(metadata.get("namespace") or "default"),
        name=str(metadata.get("name", "")),
        labels=labels,
        node_name=node_name,
        priority=priority,
        requests=requests,
        non_zero_cpu=non_zero_cpu,
        non_zero_memory=non_zero_memory,
        host_ports=host_ports,
        tolerations=tolerations,
        required_node_affinity=required,
        preferred_node_affinity=preferred,
        affinity_terms=affinity_terms,
        anti_affinity_terms=anti_affinity_terms,
        signature=signature,
        claims=claims,
    )
