"""The kubelet's resource usage model (sans-I/O): memory from the image's ramp (the same
one OOM kills are planned with), CPU from the image's figure within its spread, capped at
the limits, and a node counter that never goes down."""

from __future__ import annotations

import pytest

from kactors.cluster.images import image_catalog
from kactors.cluster.loader import parse_config
from kactors.node.images import (
    GENERIC_IMAGE,
    ImageBehavior,
    ImageConfigError,
    parse_image_behavior,
)
from kactors.node.runtime import cpu_limit, memory_limit
from kactors.node.usage import (
    NODE_SYSTEM_CPU,
    NODE_SYSTEM_MEMORY,
    NodeCpuCounter,
    container_usage,
    spread_factor,
    summary,
)

MI = 1024 * 1024
ID = "containerd://" + "ab" * 28 + "80000000"  # its last 8 hex digits: the middle


def test_memory_follows_the_ramp_the_oom_kill_is_planned_with() -> None:
    image = ImageBehavior(memory_bytes=300 * MI, memory_ramp_seconds=60.0)
    assert [image.memory_at(age) for age in (-1, 0, 15, 30, 60, 600)] == [
        0, 0, 75 * MI, 150 * MI, 300 * MI, 300 * MI]
    reach = image.seconds_to_reach(256 * MI)
    assert reach == pytest.approx(51.2)
    assert image.memory_at(reach) == 256 * MI
    assert image.seconds_to_reach(300 * MI) is None  # never beyond what it settles at
    assert ImageBehavior(memory_bytes=MI, memory_ramp_seconds=0).memory_at(0.001) == MI


def test_cpu_spread_is_fixed_per_container_and_seeded_by_its_id() -> None:
    image = ImageBehavior(cpu_nanocores=10_000_000, spread=0.2)
    assert spread_factor(image, ID) == pytest.approx(1.0, abs=1e-6)
    assert spread_factor(image, "containerd://" + "0" * 64) == pytest.approx(0.8)
    assert spread_factor(image, "containerd://" + "f" * 64) == pytest.approx(1.2)
    assert spread_factor(ImageBehavior(spread=0.0), "containerd://" + "f" * 64) == 1.0
    first = container_usage("app", image, "containerd://" + "1" * 64, 0.0, 10.0)
    again = container_usage("app", image, "containerd://" + "1" * 64, 0.0, 20.0)
    assert first.nanocores == again.nanocores  # the same container: the same rate


def test_usage_is_capped_at_the_limits_and_counted_in_pages() -> None:
    image = ImageBehavior(cpu_nanocores=900_000_000, memory_bytes=100 * MI + 1,
                          memory_ramp_seconds=10.0, spread=0.0)
    free = container_usage("app", image, ID, 100.0, 110.0)
    assert (free.nanocores, free.cumulative) == (900_000_000, 9_000_000_000)
    assert free.working_set == 100 * MI + 4096  # one byte more: one more page
    spec = {"resources": {"limits": {"cpu": "250m", "memory": "64Mi"}}}
    capped = container_usage("app", image, ID, 100.0, 110.0, cpu_limit(spec),
                             memory_limit(spec))
    assert (capped.nanocores, capped.working_set) == (250_000_000, 64 * MI)
    assert (cpu_limit({}), memory_limit({"resources": {"limits": {"cpu": "x"}}})) == (
        None, None)
    half = container_usage("app", image, ID, 100.0, 105.0)
    assert half.working_set == 50 * MI  # half of it: 50Mi (and the half byte) at 5 s


def test_the_node_sums_its_pods_and_its_system_and_its_counter_only_grows() -> None:
    image = ImageBehavior(cpu_nanocores=10_000_000, memory_bytes=8 * MI, spread=0.0)
    counter = NodeCpuCounter(started=0.0)
    web = container_usage("web", image, "containerd://a", 0.0, 10.0)
    side = container_usage("side", image, "containerd://b", 0.0, 10.0)
    ref = {"name": "web", "namespace": "default", "uid": "u1"}
    first = summary("node-1", [(ref, [("containerd://a", web), ("containerd://b", side)]),
                               ({"name": "idle", "namespace": "default", "uid": "u2"}, [])],
                    counter, 10.0)
    assert [pod["podRef"]["name"] for pod in first["pods"]] == ["web"]
    pod = first["pods"][0]
    assert pod["cpu"]["usageNanoCores"] == 20_000_000
    assert pod["memory"]["workingSetBytes"] == 16 * MI
    assert [c["name"] for c in pod["containers"]] == ["web", "side"]
    node = first["node"]
    assert node["cpu"]["usageNanoCores"] == NODE_SYSTEM_CPU + 20_000_000
    assert node["memory"]["workingSetBytes"] == NODE_SYSTEM_MEMORY + 16 * MI
    total = node["cpu"]["usageCoreNanoSeconds"]
    assert total == NODE_SYSTEM_CPU * 10 + 2 * 100_000_000
    # the pod is gone at the next summary: what it used stays counted
    second = summary("node-1", [], counter, 20.0)
    assert second["pods"] == []
    assert second["node"]["cpu"]["usageCoreNanoSeconds"] == \
        NODE_SYSTEM_CPU * 20 + 2 * 100_000_000


def test_cpu_is_an_image_attribute_in_cluster_toml() -> None:
    assert parse_image_behavior({"cpu": "5m"}).cpu_nanocores == 5_000_000
    assert parse_image_behavior({"cpu": 0.5}).cpu_nanocores == 500_000_000
    assert parse_image_behavior({}).cpu_nanocores == GENERIC_IMAGE.cpu_nanocores == 2_000_000
    with pytest.raises(ImageConfigError, match="image 'x': cpu: expected a CPU quantity"):
        parse_image_behavior({"cpu": "lots"}, name="x")
    config = parse_config('[images."example.com/busy:1"]\ncpu = "250m"\nmemory = "64Mi"\n'
                          'memory_ramp = 30\n')
    busy = image_catalog(config.images).lookup("example.com/busy:1")
    assert (busy.cpu_nanocores, busy.memory_bytes, busy.memory_ramp_seconds) == (
        250_000_000, 64 * MI, 30.0)
    nginx = image_catalog(config.images).lookup("nginx")
    assert nginx.cpu_nanocores == 1_000_000  # a built-in image's own figure
