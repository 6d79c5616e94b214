"""Emptying a terminating namespace, as pure decisions over plain data.

After Kubernetes' pkg/controller/namespace/deletion (namespaced_resources_deleter.go and
status_condition_utils.go): which resources hold namespace content, how long the
controller expects to wait for what remains (pods get their grace period; objects held by
finalizers a default of 15 s), and the five status conditions a terminating namespace
reports, with Kubernetes' reasons and messages (1.32).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import attrs

from kactors.api.kinds import Registry, ResourceInfo
from kactors.controllers.podutil import is_pod_terminal, now_timestamp

__all__ = [
    "CONDITION_TYPES",
    "FINALIZER",
    "Remaining",
    "deletable_resources",
    "namespace_conditions",
    "pods_grace_estimate",
    "remaining_of",
    "resource_name",
]

Obj = Mapping[str, Any]

#: the spec.finalizers token the namespace controller removes once the namespace is empty
FINALIZER = "kubernetes"
#: assumed wait for objects held by finalizers (`finalizerEstimateSeconds`)
FINALIZER_ESTIMATE_SECONDS = 15

CONDITION_TYPES = (
    "NamespaceDeletionDiscoveryFailure",
    "NamespaceDeletionGroupVersionParsingFailure",
    "NamespaceDeletionContentFailure",
    "NamespaceContentRemaining",
    "NamespaceFinalizersRemaining",
)
_OK_MESSAGES = {
    "NamespaceDeletionDiscoveryFailure": "All resources successfully discovered",
    "NamespaceDeletionGroupVersionParsingFailure": "All legacy kube types successfully parsed",
    "NamespaceDeletionContentFailure":
        "All content successfully deleted, may be waiting on finalization",
    "NamespaceContentRemaining": "All content successfully removed",
    "NamespaceFinalizersRemaining": "All content-preserving finalizers finished",
}
_OK_REASONS = {
    "NamespaceDeletionDiscoveryFailure": "ResourcesDiscovered",
    "NamespaceDeletionGroupVersionParsingFailure": "ParsedGroupVersions",
    "NamespaceDeletionContentFailure": "ContentDeleted",
    "NamespaceContentRemaining": "ContentRemoved",
    "NamespaceFinalizersRemaining": "ContentHasNoFinalizers",
}


def resource_name(info: ResourceInfo) -> str:
    """`pods.`, `deployments.apps`: how the conditions name a resource (`resource.group`)."""
    return f"{info.resource}.{info.group}"


def deletable_resources(registry: Registry) -> list[ResourceInfo]:
    """Every namespaced resource that can be listed and deleted, in its preferred version,
    once each (custom resources included when `registry` knows them)."""
    found: list[ResourceInfo] = []
    seen: set[tuple[str, str]] = set()
    for info in registry:
        key = (info.group, info.resource)
        if key in seen or not info.namespaced:
            continue
        if "delete" not in info.verbs or "list" not in info.verbs:
            continue
        seen.add(key)
        found.append(registry.by_resource(info.resource, info.group))
    return found


def pods_grace_estimate(pods: Iterable[Obj]) -> int:
    """The longest grace period of the namespace's pods that have not finished
    (`estimateGracefulTerminationForPods`)."""
    estimate = 0
    for pod in pods:
        if is_pod_terminal(pod):
            continue
        grace = (pod.get("spec") or {}).get("terminationGracePeriodSeconds")
        if grace is not None and int(grace) > estimate:
            estimate = int(grace)
    return estimate


@attrs.frozen
class Remaining:
    """What is left of one resource after deleting it all: how many objects, held by
    which finalizers, how long to wait, and an error when nothing explains them."""

    count: int = 0
    estimate: int = 0
    finalizers: Mapping[str, int] = attrs.Factory(dict)
    error: str | None = None


def remaining_of(info: ResourceInfo, namespace: str, items: Sequence[Obj],
                 estimate: int) -> Remaining:
    """`deleteAllContentForGroupVersionResource`'s verdict on the objects still listed."""
    if not items:
        return Remaining()
    finalizers: dict[str, int] = {}
    for item in items:
        for finalizer in (item.get("metadata") or {}).get("finalizers") or ():
            finalizers[finalizer] = finalizers.get(finalizer, 0) + 1
    if estimate:
        return Remaining(len(items), estimate)
    if finalizers:
        return Remaining(len(items), FINALIZER_ESTIMATE_SECONDS, finalizers)
    gvr = f"{{{info.group} {info.version} {info.resource}}}"
    return Remaining(len(items), 0, {}, f"unexpected items still remain in namespace: "
                                        f"{namespace} for gvr: {gvr}")


def _condition(type_: str, reason: str, message: str, now: float) -> dict[str, Any]:
    return {"type": type_, "status": "True", "lastTransitionTime": now_timestamp(now),
            "reason": reason, "message": message}


def namespace_conditions(old: Sequence[Obj], now: float, *,
                         discovery_error: str | None = None,
                         content_errors: Sequence[str] = (),
                         remaining: Mapping[str, int] | None = None,
                         finalizers: Mapping[str, int] | None = None) -> list[dict[str, Any]]:
    """The namespace's conditions after one pass (`namespaceConditionUpdater`): each of
    the five types True with the failure, or False with its "ok" reason; a condition
    keeps its lastTransitionTime unless its status flips. Other conditions are kept."""
    new: dict[str, dict[str, Any]] = {}
    if discovery_error:
        new["NamespaceDeletionDiscoveryFailure"] = _condition(
            "NamespaceDeletionDiscoveryFailure", "DiscoveryFailed", discovery_error, now)
    if content_errors:
        messages = sorted(content_errors)
        new["NamespaceDeletionContentFailure"] = _condition(
            "NamespaceDeletionContentFailure", "ContentDeletionFailed",
            f"Failed to delete all resource types, {len(messages)} remaining: "
            f"{', '.join(messages)}", now)
    counts = {name: n for name, n in (remaining or {}).items() if n}
    if counts:
        listed = sorted(f"{name} has {n} resource instances" for name, n in counts.items())
        new["NamespaceContentRemaining"] = _condition(
            "NamespaceContentRemaining", "SomeResourcesRemain",
            f"Some resources are remaining: {', '.join(listed)}", now)
    held = {name: n for name, n in (finalizers or {}).items() if n}
    if held:
        listed = sorted(f"{name} in {n} resource instances" for name, n in held.items())
        new["NamespaceFinalizersRemaining"] = _condition(
            "NamespaceFinalizersRemaining", "SomeFinalizersRemain",
            f"Some content in the namespace has finalizers remaining: {', '.join(listed)}",
            now)
    conditions = [dict(c) for c in old]
    for type_ in CONDITION_TYPES:
        wanted = new.get(type_) or {
            "type": type_, "status": "False", "lastTransitionTime": now_timestamp(now),
            "reason": _OK_REASONS[type_], "message": _OK_MESSAGES[type_]}
        current = next((c for c in conditions if c.get("type") == type_), None)
        if current is None:
            conditions.append(wanted)
        elif (current.get("status"), current.get("reason"), current.get("message")) != \
                (wanted["status"], wanted["reason"], wanted["message"]):
            if current.get("status") == wanted["status"]:
                wanted["lastTransitionTime"] = current.get("lastTransitionTime")
            current.clear()
            current.update(wanted)
    return conditions
