"""Resource amounts as the scheduler counts them: plain integers, parsed once.

Filtering and scoring compare the same few numbers millions of times, so a pod's requests
and a node's allocatable are turned into integers when the pod or node is first seen
(milli-CPU, bytes, a pod count) and never re-parsed. The rules are kube-scheduler's:

* a pod requests ``max(sum(containers) + sidecars, each init container + the sidecars
  started before it) + overhead`` (``resourcehelper.PodRequests``, sidecar KEP-753);
* sums are taken exactly (in nanos) and rounded up once per pod, like Kubernetes, which
  adds ``Quantity`` values and calls ``MilliValue``/``Value`` on the total;
* scoring uses "non-zero" requests: a container that does not mention cpu or memory
  counts as 100m / 200Mi (``schedutil.DefaultMilliCPURequest``/``DefaultMemoryRequest``)
  so that best-effort pods still spread out;
* only cpu, memory, ephemeral-storage and *scalar* resources (extended ``vendor/name``,
  ``hugepages-*``, ``attachable-volumes-*``) are counted; other names are ignored.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

import attrs

from kactors.api.quantity import parse_quantity

from ._util import as_list, as_map, get_map

__all__ = [
    "CPU",
    "DEFAULT_MEMORY_REQUEST",
    "DEFAULT_MILLI_CPU_REQUEST",
    "EPHEMERAL_STORAGE",
    "MEMORY",
    "PODS",
    "Resources",
    "is_scalar_resource_name",
    "node_allocatable",
    "pod_non_zero_requests",
    "pod_requests",
    "pod_resource_requests",
    "spec_resource_requests",
]

CPU = "cpu"
MEMORY = "memory"
EPHEMERAL_STORAGE = "ephemeral-storage"
PODS = "pods"

#: Scoring counts a container without a cpu request as asking for 100m...
DEFAULT_MILLI_CPU_REQUEST = 100
#: ...and one without a memory request as asking for 200Mi.
DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024

_NANO = 10**9
_MILLI_IN_NANOS = 10**6
_NON_MISSING = {
    CPU: DEFAULT_MILLI_CPU_REQUEST * _MILLI_IN_NANOS,
    MEMORY: DEFAULT_MEMORY_REQUEST * _NANO,
}


@attrs.frozen(cache_hash=True)  # part of every pod's Signature, hashed per pod
class Resources:
    """An amount of each resource: cpu in millis, everything else in whole units.

    ``scalars`` holds extended resources as sorted ``(name, amount)`` pairs, so that a
    ``Resources`` is hashable and two equal requests compare equal.
    """

    milli_cpu: int = 0
    memory: int = 0
    ephemeral_storage: int = 0
    scalars: tuple[tuple[str, int], ...] = ()

    def is_zero(self) -> bool:
        """True when nothing at all is requested."""
        return not (self.milli_cpu or self.memory or self.ephemeral_storage or self.scalars)

    def scalar(self, name: str) -> int:
        """The amount of scalar resource ``name`` (0 when absent)."""
        for key, amount in self.scalars:
            if key == name:
                return amount
        return 0


def is_scalar_resource_name(name: str) -> bool:
    """Extended, prefixed-native, hugepages or attachable-volume resources (``IsScalarResourceName``)."""
    return "/" in name or name.startswith(("hugepages-", "attachable-volumes-"))


@functools.lru_cache(maxsize=4096, typed=True)
def _nanos(value: Any) -> int:
    """The value of a quantity in nanos; an unparsable one counts as zero.

    Objects reaching the scheduler were validated by the apiserver; the fallback only keeps
    a hand-written test object from crashing the scheduler. Quantities repeat a lot
    (``100m``, ``128Mi``) so parses are memoised.
    """
    try:
        return max(parse_quantity(value).nanos, 0)
    except (ValueError, TypeError):
        return 0


def _nanos_of(value: Any) -> int:
    try:
        return _nanos(value)
    except TypeError:  # unhashable junk
        return 0


def _add(into: dict[str, int], more: Mapping[str, int]) -> None:
    for name, amount in more.items():
        into[name] = into.get(name, 0) + amount


def _max_into(into: dict[str, int], other: Mapping[str, int]) -> None:
    for name, amount in other.items():
        if amount > into.get(name, 0):
            into[name] = amount


def _container_requests(container: Any) -> dict[str, int]:
    requests = get_map(get_map(as_map(container), "resources"), "requests")
    return {name: _nanos_of(value) for name, value in requests.items()}


def _with_defaults(requests: dict[str, int]) -> dict[str, int]:
    """Only *missing* keys get the non-zero defaults; an explicit "0" stays zero."""
    if CPU in requests and MEMORY in requests:
        return requests
    return {**_NON_MISSING, **requests}


def _aggregate(
    containers: list[dict[str, int]],
    init_containers: list[tuple[bool, dict[str, int]]],
    overhead: Mapping[str, int],
) -> dict[str, int]:
    """``resourcehelper.PodRequests`` over already-parsed container requests."""
    result: dict[str, int] = {}
    for requests in containers:
        _add(result, requests)
    sidecars: dict[str, int] = {}
    init_max: dict[str, int] = {}
    for restartable, requests in init_containers:
        if restartable:
            # A sidecar keeps running beside the app containers: it adds to their sum,
            # and to every later init container's peak.
            _add(result, requests)
            _add(sidecars, requests)
            peak = dict(sidecars)
        else:
            peak = dict(requests)
            _add(peak, sidecars)
        _max_into(init_max, peak)
    _max_into(result, init_max)
    _add(result, overhead)
    return result


def _parse_spec(spec: Mapping[str, Any]) -> tuple[dict[str, int], dict[str, int]]:
    """Requests in nanos, plain and with the non-zero defaults."""
    containers = [_container_requests(c) for c in as_list(spec.get("containers"))]
    raw_init = as_list(spec.get("initContainers"))
    raw_overhead = spec.get("overhead")
    if not raw_init and not raw_overhead:
        # The usual pod: app containers only. Their sum is all `_aggregate` would find
        # (no init peaks, no overhead), and the non-zero defaults fill missing keys only.
        if len(containers) == 1:
            plain = containers[0]
        else:
            plain = {}
            for requests in containers:
                _add(plain, requests)
        for requests in containers:
            if CPU not in requests or MEMORY not in requests:
                break
        else:
            return plain, plain  # nothing missing: the defaults change nothing
        non_zero: dict[str, int] = {}
        for requests in containers:
            _add(non_zero, _with_defaults(requests))
        return plain, non_zero
    init = [
        (as_map(c).get("restartPolicy") == "Always", _container_requests(c)) for c in raw_init
    ]
    overhead = {name: _nanos_of(value) for name, value in as_map(raw_overhead).items()}
    plain = _aggregate(containers, init, overhead)
    if all(CPU in r and MEMORY in r for r in containers) and all(
        CPU in r and MEMORY in r for _, r in init
    ):
        return plain, plain  # nothing missing: the defaults change nothing
    non_zero = _aggregate(
        [_with_defaults(r) for r in containers],
        [(restartable, _with_defaults(r)) for restartable, r in init],
        overhead,
    )
    return plain, non_zero


def _ceil_div(numerator: int, denominator: int) -> int:
    return -(-numerator // denominator)


_PLAIN = frozenset((CPU, MEMORY, EPHEMERAL_STORAGE, PODS))


def _to_resources(nanos: Mapping[str, int]) -> Resources:
    scalars: tuple[tuple[str, int], ...] = ()
    if not _PLAIN.issuperset(nanos):
        scalars = tuple(
            sorted(
                (name, _ceil_div(amount, _NANO))
                for name, amount in nanos.items()
                if is_scalar_resource_name(name) and amount > 0
            )
        )
    return _resources(
        _ceil_div(nanos.get(CPU, 0), _MILLI_IN_NANOS),
        _ceil_div(nanos.get(MEMORY, 0), _NANO),
        _ceil_div(nanos.get(EPHEMERAL_STORAGE, 0), _NANO),
        scalars,
    )


@functools.lru_cache(maxsize=4096)
def _resources(
    milli_cpu: int, memory: int, ephemeral_storage: int, scalars: tuple[tuple[str, int], ...]
) -> Resources:
    """One shared (frozen) record per amount: the pods of a workload ask for the same, and
    every pod the scheduler counts keeps its record as long as it runs."""
    return Resources(milli_cpu, memory, ephemeral_storage, scalars)


def pod_resource_requests(pod: Mapping[str, Any]) -> tuple[Resources, int, int]:
    """A pod's requests (as ``NodeResourcesFit`` and ``NodeInfo.Requested`` count them)
    and its non-zero cpu (milli) and memory requests (as scoring counts them)."""
    return spec_resource_requests(get_map(pod, "spec"))


def spec_resource_requests(spec: Mapping[str, Any]) -> tuple[Resources, int, int]:
    """:func:`pod_resource_requests` of a pod's ``spec`` (for callers that hold it)."""
    plain, non_zero = _parse_spec(spec)
    return (
        _to_resources(plain),
        _ceil_div(non_zero.get(CPU, 0), _MILLI_IN_NANOS),
        _ceil_div(non_zero.get(MEMORY, 0), _NANO),
    )


def pod_requests(pod: Mapping[str, Any]) -> Resources:
    """What the pod asks for, as ``NodeResourcesFit`` and ``NodeInfo.Requested`` count it."""
    return pod_resource_requests(pod)[0]


def pod_non_zero_requests(pod: Mapping[str, Any]) -> tuple[int, int]:
    """``(milli_cpu, memory)`` with the 100m/200Mi defaults for containers that omit them."""
    _, cpu, memory = pod_resource_requests(pod)
    return cpu, memory


def node_allocatable(node: Mapping[str, Any]) -> tuple[Resources, int]:
    """A node's allocatable resources and the number of pods it allows.

    ``status.allocatable`` is what the kubelet offers to pods; when a node reports no
    allocatable at all (hand-written nodes), ``status.capacity`` is used instead.
    """
    status = get_map(node, "status")
    amounts = get_map(status, "allocatable") or get_map(status, "capacity")
    nanos = {name: _nanos_of(value) for name, value in amounts.items()}
    return _to_resources(nanos), _ceil_div(nanos.get(PODS, 0), _NANO)
