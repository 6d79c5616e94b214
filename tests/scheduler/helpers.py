"""Builders for the node and pod dicts the scheduler tests use."""

from __future__ import annotations

from typing import Any

JSON = dict[str, Any]


def make_node(
    name: str,
    cpu: str = "4",
    memory: str = "8Gi",
    pods: str = "110",
    *,
    labels: dict[str, str] | None = None,
    taints: list[JSON] | None = None,
    unschedulable: bool = False,
    extra: dict[str, str] | None = None,
    capacity_only: bool = False,
) -> JSON:
    """A Ready node with the given allocatable resources."""
    amounts = {"cpu": cpu, "memory": memory, "pods": pods, **(extra or {})}
    spec: JSON = {}
    if taints:
        spec["taints"] = taints
    if unschedulable:
        spec["unschedulable"] = True
    status: JSON = (
        {"capacity": amounts} if capacity_only else {"allocatable": amounts, "capacity": amounts}
    )
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": name, "labels": {"kubernetes.io/hostname": name, **(labels or {})}},
        "spec": spec,
        "status": status,
    }


def make_pod(
    name: str,
    cpu: str | None = None,
    memory: str | None = None,
    *,
    namespace: str = "default",
    labels: dict[str, str] | None = None,
    requests: dict[str, str] | None = None,
    node_name: str | None = None,
    priority: int | None = None,
    **spec: Any,
) -> JSON:
    """A pod with one container requesting ``cpu``/``memory`` (plus ``requests``)."""
    wanted = dict(requests or {})
    if cpu is not None:
        wanted["cpu"] = cpu
    if memory is not None:
        wanted["memory"] = memory
    container: JSON = {"name": "app", "image": "nginx"}
    if wanted:
        container["resources"] = {"requests": wanted}
    body: JSON = {"containers": [container], **spec}
    if node_name is not None:
        body["nodeName"] = node_name
    if priority is not None:
        body["priority"] = priority
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace, "labels": dict(labels or {})},
        "spec": body,
    }


def taint(key: str, value: str = "", effect: str = "NoSchedule") -> JSON:
    """A node taint."""
    return {"key": key, "value": value, "effect": effect}


def toleration(key: str = "", operator: str = "Equal", value: str = "", effect: str = "") -> JSON:
    """A pod toleration."""
    out: JSON = {"key": key, "operator": operator}
    if value:
        out["value"] = value
    if effect:
        out["effect"] = effect
    return out


def node_affinity(
    required: list[JSON] | None = None, preferred: list[tuple[int, JSON]] | None = None
) -> JSON:
    """``spec.affinity`` with node affinity terms (each term a NodeSelectorTerm dict)."""
    section: JSON = {}
    if required is not None:
        section["requiredDuringSchedulingIgnoredDuringExecution"] = {"nodeSelectorTerms": required}
    if preferred is not None:
        section["preferredDuringSchedulingIgnoredDuringExecution"] = [
            {"weight": weight, "preference": term} for weight, term in preferred
        ]
    return {"nodeAffinity": section}


def expr(key: str, operator: str, *values: str) -> JSON:
    """A NodeSelectorRequirement."""
    out: JSON = {"key": key, "operator": operator}
    if values:
        out["values"] = list(values)
    return out


def pod_anti_affinity(
    match_labels: dict[str, str], topology_key: str = "kubernetes.io/hostname"
) -> JSON:
    """``spec.affinity`` with one required anti-affinity term."""
    return {
        "podAntiAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": [
                {"labelSelector": {"matchLabels": match_labels}, "topologyKey": topology_key}
            ]
        }
    }


def pod_affinity(
    match_labels: dict[str, str], topology_key: str = "kubernetes.io/hostname"
) -> JSON:
    """``spec.affinity`` with one required pod affinity term."""
    return {
        "podAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": [
                {"labelSelector": {"matchLabels": match_labels}, "topologyKey": topology_key}
            ]
        }
    }
