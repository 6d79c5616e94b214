"""metrics-server's storage (sans-I/O): rates from the last two scrapes, as
metrics-server's pkg/storage computes them."""

from __future__ import annotations

from kactors.metrics.store import Batch, MetricsStore, Point, Usage, batch_from_summaries
from kactors.node.images import ImageBehavior
from kactors.node.usage import NodeCpuCounter, container_usage, summary

MI = 1024 * 1024


def _node(t: float, cumulative: int, memory: int = MI, start: float = 0.0) -> Batch:
    return Batch({"node-1": Point(start, t, cumulative, memory)}, {})


def test_a_node_needs_two_scrapes_and_gets_their_rate() -> None:
    store = MetricsStore(15.0)
    store.store(_node(15.0, 1_500_000_000))
    assert store.node("node-1") is None  # one point: no rate yet
    store.store(_node(30.0, 3_000_000_000, 2 * MI))
    assert store.node("node-1") == Usage(30.0, 15.0, 100_000_000, 2 * MI)
    store.store(_node(30.0, 3_000_000_000))  # the same point again: the rate stays
    assert store.node("node-1") == Usage(30.0, 15.0, 100_000_000, MI)
    store.store(Batch())  # the kubelet did not answer: forgotten
    assert store.node("node-1") is None
    store.store(_node(45.0, 4_000_000_000))
    assert store.node("node-1") is None  # starts over


def test_counters_that_go_back_give_no_usage() -> None:
    store = MetricsStore(15.0)
    store.store(_node(15.0, 5_000_000_000))
    store.store(_node(30.0, 1_000_000_000, start=20.0))  # a restarted kubelet
    assert store.node("node-1") is None


def _pod(t: float, **containers: tuple[float, int]) -> Batch:
    return Batch({}, {("default", "web"): {
        name: Point(start, t, cumulative, MI) for name, (start, cumulative) in
        containers.items()}})


def test_pod_metrics_need_every_container_and_restart_with_a_container() -> None:
    store = MetricsStore(15.0)
    store.store(_pod(15.0, app=(0.0, 150_000_000)))
    assert store.pod("default", "web") is None
    store.store(_pod(30.0, app=(0.0, 300_000_000), side=(0.0, 30_000_000)))
    assert store.pod("default", "web") is None  # `side` has no previous point
    store.store(_pod(45.0, app=(0.0, 450_000_000), side=(0.0, 45_000_000)))
    timestamp, window, containers = store.pod("default", "web")
    assert (timestamp, window) == (45.0, 15.0)
    assert [(name, usage.cpu) for name, usage in containers] == [
        ("app", 10_000_000), ("side", 1_000_000)]
    store.store(_pod(60.0, app=(55.0, 10_000_000), side=(0.0, 60_000_000)))
    assert store.pod("default", "web") is None  # `app` restarted at 55 s: starts over


def test_a_fresh_container_has_metrics_after_one_scrape() -> None:
    """Started 10 s or more (and less than the resolution) before its first point: its
    start counts as a point with no CPU used (freshContainerMinMetricsResolution)."""
    store = MetricsStore(15.0)
    store.store(_pod(32.0, app=(20.0, 120_000_000)))
    timestamp, window, containers = store.pod("default", "web")
    assert (timestamp, window, containers[0][1].cpu) == (32.0, 12.0, 10_000_000)
    store.store(_pod(25.0, other=(20.0, 50_000_000)))  # 5 s old: too fresh
    assert store.pod("default", "web") is None


def test_kubelet_summaries_become_a_batch() -> None:
    image = ImageBehavior(cpu_nanocores=10_000_000, memory_bytes=8 * MI, spread=0.0)
    usage = container_usage("app", image, "containerd://a", 5.0, 20.0)
    ref = {"name": "web", "namespace": "default", "uid": "u"}
    batch = batch_from_summaries([summary("node-1", [(ref, [("containerd://a", usage)])],
                                          NodeCpuCounter(0.0), 20.0)])
    assert batch.pods == {("default", "web"): {"app": Point(5.0, 20.0, 150_000_000, 8 * MI)}}
    assert batch.nodes["node-1"].start == 0.0 and batch.nodes["node-1"].timestamp == 20.0
