"""The resource metrics API's objects (``metrics.k8s.io/v1beta1``), sans-I/O.

What metrics-server answers, in its shapes and words:

* ``NodeMetrics`` (``nodes``, cluster-scoped) and ``PodMetrics`` (``pods``, namespaced),
  each with the metadata of the node or pod it measures (name, namespace, labels) and a
  ``creationTimestamp`` of *now* (the object is made for the answer), ``timestamp`` and
  ``window`` (a Go duration: ``15s``) of the measurement, and ``usage`` (nodes) or
  ``containers: [{name, usage}]`` (pods), usage being ``{cpu, memory}`` quantities in
  canonical form: CPU in nanocores (``1234567n``, or ``5m`` when it is whole millicores),
  memory in bytes (``12345Ki``);
* lists sorted by name (pods by namespace, then name), of the nodes or pods the request
  selects that have metrics; only pods in phase ``Running`` are measured;
* 404 ``nodemetrics.metrics.k8s.io "node-1" not found`` /
  ``podmetrics.metrics.k8s.io "default/web" not found`` for a node or pod without metrics.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from kactors.api import status as st
from kactors.api.kinds import METRICS_GROUP
from kactors.api.quantity import Quantity, QuantityFormat
from kactors.node.events import go_duration

from .store import MetricsStore, Usage

__all__ = [
    "API_VERSION",
    "cpu_quantity",
    "memory_quantity",
    "metrics_list",
    "node_metrics",
    "node_metrics_not_found",
    "pod_metrics",
    "pod_metrics_not_found",
    "serve_get",
    "serve_list",
]

API_VERSION = f"{METRICS_GROUP}/v1beta1"
_KINDS = {"nodes": "NodeMetrics", "pods": "PodMetrics"}

Obj = Mapping[str, Any]
ToText = Callable[[float], str]


def cpu_quantity(nanocores: int) -> str:
    """``resource.NewScaledQuantity(n, -9)`` printed: ``1234n``, ``5m``, ``1``."""
    return Quantity(nanocores, QuantityFormat.DECIMAL_SI).to_string()


def memory_quantity(size: int) -> str:
    """Bytes as a BinarySI quantity printed: ``12345Ki``, ``8Mi``."""
    return Quantity.from_int(size, QuantityFormat.BINARY_SI).to_string()


def _usage(usage: Usage) -> dict[str, str]:
    return {"cpu": cpu_quantity(usage.cpu), "memory": memory_quantity(usage.memory)}


def _metadata(obj: Obj, created: str, namespaced: bool) -> dict[str, Any]:
    meta = obj.get("metadata") or {}
    metadata: dict[str, Any] = {"name": meta.get("name", "")}
    if namespaced:
        metadata["namespace"] = meta.get("namespace", "")
    metadata["creationTimestamp"] = created
    if meta.get("labels"):
        metadata["labels"] = dict(meta["labels"])
    return metadata


def node_metrics(node: Obj, usage: Usage, created: str, to_text: ToText) -> dict[str, Any]:
    """The ``NodeMetrics`` of ``node``."""
    return {"kind": "NodeMetrics", "apiVersion": API_VERSION,
            "metadata": _metadata(node, created, False),
            "timestamp": to_text(usage.timestamp), "window": go_duration(usage.window),
            "usage": _usage(usage)}


def pod_metrics(pod: Obj, timestamp: float, window: float,
                containers: Iterable[tuple[str, Usage]], created: str,
                to_text: ToText) -> dict[str, Any]:
    """The ``PodMetrics`` of ``pod``."""
    return {"kind": "PodMetrics", "apiVersion": API_VERSION,
            "metadata": _metadata(pod, created, True),
            "timestamp": to_text(timestamp), "window": go_duration(window),
            "containers": [{"name": name, "usage": _usage(usage)}
                           for name, usage in containers]}


def metrics_list(resource: str, items: list[dict[str, Any]]) -> dict[str, Any]:
    """``NodeMetricsList`` / ``PodMetricsList``."""
    return {"kind": f"{_KINDS[resource]}List", "apiVersion": API_VERSION, "metadata": {},
            "items": items}


def node_metrics_not_found(name: str) -> dict[str, Any]:
    return st.not_found((METRICS_GROUP, "nodemetrics"), name)


def pod_metrics_not_found(namespace: str, name: str) -> dict[str, Any]:
    return st.not_found((METRICS_GROUP, "podmetrics"), f"{namespace}/{name}")


def _measured(resource: str, obj: Obj, store: MetricsStore, created: str,
              to_text: ToText) -> dict[str, Any] | None:
    meta = obj.get("metadata") or {}
    if resource == "nodes":
        usage = store.node(str(meta.get("name", "")))
        return None if usage is None else node_metrics(obj, usage, created, to_text)
    if (obj.get("status") or {}).get("phase") != "Running":
        return None  # "ignore pod not in Running phase"
    found = store.pod(str(meta.get("namespace", "")), str(meta.get("name", "")))
    if found is None:
        return None
    timestamp, window, containers = found
    return pod_metrics(obj, timestamp, window, containers, created, to_text)


def serve_list(resource: str, objects: Iterable[Obj], store: MetricsStore, created: str,
               to_text: ToText) -> dict[str, Any]:
    """The list answer for the nodes or pods a request selected (selectors applied)."""
    def order(obj: Obj) -> tuple[str, str]:
        meta = obj.get("metadata") or {}
        return str(meta.get("namespace", "")), str(meta.get("name", ""))

    items = [item for obj in sorted(objects, key=order)
             if (item := _measured(resource, obj, store, created, to_text)) is not None]
    return metrics_list(resource, items)


def serve_get(resource: str, obj: Obj, store: MetricsStore, created: str,
              to_text: ToText) -> dict[str, Any]:
    """The get answer for one node or pod: its metrics, or metrics-server's 404."""
    item = _measured(resource, obj, store, created, to_text)
    if item is not None:
        return item
    meta = obj.get("metadata") or {}
    if resource == "nodes":
        return node_metrics_not_found(str(meta.get("name", "")))
    return pod_metrics_not_found(str(meta.get("namespace", "")), str(meta.get("name", "")))
