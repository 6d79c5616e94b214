"""Pod priority: the PriorityClasses a cluster starts with, and the Priority admission
plugin that gives each new pod the value of the class it names.

A pod naming a class gets its ``value`` as ``spec.priority`` and its
``preemptionPolicy``; a class that does not exist refuses the pod (``no PriorityClass
with name high was found``), and so does a ``spec.priority`` that differs from the
class's. A pod naming none gets the ``globalDefault`` class, if one is marked (else
priority 0). Kubernetes' two ``system-`` classes exist from the start; their values are
known to pod defaulting too (`kactors.api.defaults_pod`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kactors.api import status as st
from kactors.api.kinds import ResourceInfo
from kactors.api.validate_priority import SYSTEM_PRIORITY_CLASSES

__all__ = ["admit_priority", "system_priority_classes"]


def system_priority_classes() -> list[dict[str, Any]]:
    """``system-node-critical`` and ``system-cluster-critical``, as the apiserver's
    bootstrap makes them."""
    return [{"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass",
             "metadata": {"name": name}, "value": value, "globalDefault": False,
             "description": "Used for system critical pods that must not be moved from "
                            "their current node." if name == "system-node-critical" else
                            "Used for system critical pods that must run in the cluster, "
                            "but can be moved to another node if necessary.",
             "preemptionPolicy": "PreemptLowerPriority"}
            for name, value in SYSTEM_PRIORITY_CLASSES.items()]


def admit_priority(info: ResourceInfo, pod: dict[str, Any],
                   classes: Mapping[str, Mapping[str, Any]]) -> None:
    """The Priority admission plugin on a new pod (in place), or a 403 StatusError."""
    spec = pod.setdefault("spec", {})
    name = spec.get("priorityClassName") or ""
    if name in SYSTEM_PRIORITY_CLASSES:
        return  # pod defaulting gave it the value already
    if not name:
        default = next((c for c in classes.values() if c.get("globalDefault") is True), None)
        if default is None:
            return  # priority 0, from pod defaulting
        spec["priorityClassName"] = default["metadata"]["name"]
        spec["priority"] = default.get("value", 0)
        return
    found = classes.get(name)
    meta = pod.get("metadata") or {}
    if found is None:
        raise st.StatusError(st.forbidden(info, meta.get("name", ""),
                                          f"no PriorityClass with name {name} was found"))
    value = found.get("value", 0)
    given = spec.get("priority")
    if given is not None and given != value:
        raise st.StatusError(st.forbidden(
            info, meta.get("name", ""),
            f"the integer value of priority ({given}) must not be provided in pod spec; "
            "priority admission controller computed "
            f"{value} from the given PriorityClass name"))
    spec["priority"] = value
    if found.get("preemptionPolicy"):
        spec["preemptionPolicy"] = found["preemptionPolicy"]
