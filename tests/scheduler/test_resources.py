"""Pod requests and node allocatable, counted like kube-scheduler (integers, parsed once)."""

from __future__ import annotations

from kactors.scheduler import NodeInfo, Resources, new_pod_info, node_allocatable
from kactors.scheduler.resources import (
    DEFAULT_MEMORY_REQUEST,
    is_scalar_resource_name,
    pod_resource_requests,
)

from .helpers import make_node, make_pod

MI = 1024 * 1024
GI = 1024 * MI


def container(cpu: str | None = None, memory: str | None = None) -> dict:
    requests = {k: v for k, v in (("cpu", cpu), ("memory", memory)) if v is not None}
    return {"name": "c", "resources": {"requests": requests}}


def pod_with(containers: list[dict], init: list[dict] | None = None, **spec: object) -> dict:
    return {
        "metadata": {"name": "p", "namespace": "default"},
        "spec": {"containers": containers, "initContainers": init or [], **spec},
    }


def test_containers_are_summed_and_rounded_once() -> None:
    pod = pod_with([container("250m", "64Mi"), container("0.5", "64Mi")])
    requests, cpu, memory = pod_resource_requests(pod)
    assert requests == Resources(milli_cpu=750, memory=128 * MI)
    assert (cpu, memory) == (750, 128 * MI)


def test_fractions_are_summed_exactly_before_rounding_up() -> None:
    # 0.5 byte twice is exactly 1 byte; rounding each would give 2.
    requests, _, _ = pod_resource_requests(
        pod_with([container(memory="500m"), container(memory="500m")])
    )
    assert requests.memory == 1
    requests, _, _ = pod_resource_requests(pod_with([container(cpu="1n")]))
    assert requests.milli_cpu == 1  # rounded up, never down to "free"


def test_init_containers_take_the_max_of_sum_and_each_init_container() -> None:
    # Kubernetes' own example: IC1 2cpu/1G, IC2 2cpu/3G, C1 2cpu/1G, C2 1cpu/1G -> 3cpu/3G.
    pod = pod_with(
        [container("2", "1G"), container("1", "1G")],
        init=[container("2", "1G"), container("2", "3G")],
    )
    requests, _, _ = pod_resource_requests(pod)
    assert (requests.milli_cpu, requests.memory) == (3000, 3 * 10**9)


def test_sidecars_add_to_containers_and_to_later_init_containers() -> None:
    sidecar = {**container("500m", "100Mi"), "restartPolicy": "Always"}
    pod = pod_with([container("1", "100Mi")], init=[sidecar, container("1", "500Mi")])
    requests, _, _ = pod_resource_requests(pod)
    # containers + sidecar = 1.5 cpu / 200Mi; the plain init container runs beside the
    # sidecar: 1.5 cpu / 600Mi. The max wins per resource.
    assert (requests.milli_cpu, requests.memory) == (1500, 600 * MI)


def test_overhead_is_added() -> None:
    pod = pod_with([container("1", "1Gi")], overhead={"cpu": "250m", "memory": "120Mi"})
    requests, cpu, memory = pod_resource_requests(pod)
    assert (requests.milli_cpu, requests.memory) == (1250, GI + 120 * MI)
    assert (cpu, memory) == (1250, GI + 120 * MI)


def test_non_zero_requests_default_only_missing_resources() -> None:
    _, cpu, memory = pod_resource_requests(pod_with([container(), container("200m")]))
    assert cpu == 100 + 200
    assert memory == 2 * DEFAULT_MEMORY_REQUEST
    # An explicit zero is respected.
    _, cpu, memory = pod_resource_requests(pod_with([container("0", "0")]))
    assert (cpu, memory) == (0, 0)


def test_scalar_resources_are_counted_others_ignored() -> None:
    requests_by_name = {
        "cpu": "1",
        "example.com/gpu": "2",
        "storage": "1Gi",
        "hugepages-2Mi": "4Mi",
    }
    pod = pod_with([{"name": "c", "resources": {"requests": requests_by_name}}])
    requests, _, _ = pod_resource_requests(pod)
    assert requests.scalars == (("example.com/gpu", 2), ("hugepages-2Mi", 4 * MI))
    assert requests.scalar("example.com/gpu") == 2 and requests.scalar("nope") == 0
    assert is_scalar_resource_name("nvidia.com/gpu")
    assert is_scalar_resource_name("attachable-volumes-aws-ebs")
    assert not is_scalar_resource_name("storage")


def test_bad_quantities_count_as_zero_instead_of_crashing() -> None:
    requests, _, _ = pod_resource_requests(pod_with([container("lots", "1Gi")]))
    assert (requests.milli_cpu, requests.memory) == (0, GI)


def test_node_allocatable_falls_back_to_capacity() -> None:
    allocatable, pods = node_allocatable(make_node("n", cpu="3500m", memory="2Gi", pods="7"))
    assert (allocatable.milli_cpu, allocatable.memory, pods) == (3500, 2 * GI, 7)
    allocatable, pods = node_allocatable(make_node("n", cpu="2", capacity_only=True))
    assert (allocatable.milli_cpu, pods) == (2000, 110)


def test_node_info_counts_pods_incrementally() -> None:
    info = NodeInfo.for_node(make_node("n"))
    a = new_pod_info(make_pod("a", "100m", "1Gi", requests={"example.com/gpu": "1"}))
    b = new_pod_info(make_pod("b"))  # best effort: non-zero defaults only
    info.add_pod(a)
    info.add_pod(b)
    assert info.requested == Resources(100, GI, 0, (("example.com/gpu", 1),))
    assert (info.non_zero_cpu, info.non_zero_memory) == (200, GI + DEFAULT_MEMORY_REQUEST)
    assert info.num_pods == 2
    assert info.remove_pod("default/a") is a
    assert info.remove_pod("default/a") is None
    assert info.requested == Resources()
    assert info.req_scalars == {}
    assert (info.non_zero_cpu, info.non_zero_memory) == (100, DEFAULT_MEMORY_REQUEST)
