"""NodeMetrics and PodMetrics as metrics-server renders them (sans-I/O)."""

from __future__ import annotations

import datetime

from kactors.apiserver.objects import timestamp
from kactors.metrics.objects import (
    cpu_quantity,
    memory_quantity,
    serve_get,
    serve_list,
)
from kactors.metrics.store import Batch, MetricsStore, Point

EPOCH = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
MI = 1024 * 1024


def to_text(seconds: float) -> str:
    return timestamp(EPOCH, seconds)


def _store() -> MetricsStore:
    store = MetricsStore(15.0)
    for t in (15.0, 30.0):
        store.store(Batch(
            {"node-1": Point(0.0, t, int(t * 60_000_000), 400 * MI)},
            {("default", "web"): {"app": Point(1.0, t, int((t - 1) * 5_000_000), 8 * MI),
                                  "side": Point(1.0, t, int((t - 1) * 1234), 12345 * 1024)},
             ("kube-system", "proxy"): {"p": Point(1.0, t, 0, MI)}}))
    return store


NODE = {"metadata": {"name": "node-1", "labels": {"kubernetes.io/hostname": "node-1"},
                     "uid": "x", "resourceVersion": "7"}}
WEB = {"metadata": {"name": "web", "namespace": "default", "labels": {"app": "web"}},
       "status": {"phase": "Running"}}
PROXY = {"metadata": {"name": "proxy", "namespace": "kube-system"},
         "status": {"phase": "Running"}}


def test_quantities_are_canonical() -> None:
    assert [cpu_quantity(n) for n in (0, 1234, 5_000_000, 1_500_000_000, 2_000_000_000)] == [
        "0", "1234n", "5m", "1500m", "2"]
    assert [memory_quantity(n) for n in (0, 512, 12345 * 1024, 8 * MI, 3 * 1024 * MI)] == [
        "0", "512", "12345Ki", "8Mi", "3Gi"]


def test_node_metrics_object() -> None:
    got = serve_get("nodes", NODE, _store(), "2026-01-01T00:00:31Z", to_text)
    assert got == {
        "kind": "NodeMetrics", "apiVersion": "metrics.k8s.io/v1beta1",
        "metadata": {"name": "node-1", "creationTimestamp": "2026-01-01T00:00:31Z",
                     "labels": {"kubernetes.io/hostname": "node-1"}},
        "timestamp": "2026-01-01T00:00:30Z", "window": "15s",
        "usage": {"cpu": "60m", "memory": "400Mi"},
    }


def test_pod_metrics_object_and_list() -> None:
    got = serve_get("pods", WEB, _store(), "2026-01-01T00:00:31Z", to_text)
    assert got == {
        "kind": "PodMetrics", "apiVersion": "metrics.k8s.io/v1beta1",
        "metadata": {"name": "web", "namespace": "default",
                     "creationTimestamp": "2026-01-01T00:00:31Z", "labels": {"app": "web"}},
        "timestamp": "2026-01-01T00:00:30Z", "window": "15s",
        "containers": [{"name": "app", "usage": {"cpu": "5m", "memory": "8Mi"}},
                       {"name": "side", "usage": {"cpu": "1234n", "memory": "12345Ki"}}],
    }
    pending = {**WEB, "metadata": {"name": "pending", "namespace": "a"},
               "status": {"phase": "Pending"}}
    listed = serve_list("pods", [WEB, pending, PROXY], _store(), "t", to_text)
    assert (listed["kind"], listed["apiVersion"]) == ("PodMetricsList",
                                                      "metrics.k8s.io/v1beta1")
    # by namespace and name; only Running pods with metrics
    assert [(i["metadata"]["namespace"], i["metadata"]["name"]) for i in listed["items"]] == [
        ("default", "web"), ("kube-system", "proxy")]


def test_no_metrics_is_metrics_servers_not_found() -> None:
    empty = MetricsStore()
    node = serve_get("nodes", NODE, empty, "t", to_text)
    assert (node["code"], node["reason"], node["message"]) == (
        404, "NotFound", 'nodemetrics.metrics.k8s.io "node-1" not found')
    assert node["details"] == {"name": "node-1", "group": "metrics.k8s.io",
                               "kind": "nodemetrics"}
    pod = serve_get("pods", WEB, empty, "t", to_text)
    assert pod["message"] == 'podmetrics.metrics.k8s.io "default/web" not found'
    assert serve_list("nodes", [NODE], empty, "t", to_text)["items"] == []
