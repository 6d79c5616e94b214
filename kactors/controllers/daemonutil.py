"""What the DaemonSet controller decides, as pure functions over plain dicts (no I/O).

After Kubernetes' `pkg/controller/daemon` (`daemon_controller.go`, `update.go`,
`util/daemonset_util.go`):

* `node_should_run`: `NodeShouldRunDaemonPod`. The DaemonSet's pod, as it would be created
  for the node (with the tolerations every daemon pod gets, `DAEMON_TOLERATIONS`), must fit
  the node's name (`spec.nodeName` of the template), its labels (`nodeSelector` and required
  node affinity) and its NoSchedule/NoExecute taints. A pod that no longer fits only because
  of a NoSchedule taint may keep running ("should continue running"): a NoSchedule taint
  keeps new pods away but never evicts.
* `plan_manage`: `podsShouldBeOnNode` for every node: which nodes need a pod, which pods go
  (failed ones, duplicates beyond the oldest, those on nodes where they may no longer run),
  and, since kactors has no PodGC controller, which are orphaned on nodes that no longer
  exist (force-deleted, as PodGC does).
* `plan_rolling_update`: the `maxSurge == 0` rolling update: delete out-of-date pods while
  at most `maxUnavailable` of the desired nodes lack an available up-to-date pod (an old
  pod that is not available anyway is replaced at once). Nodes are visited in name order
  (Kubernetes walks a Go map, in random order).
* `daemonset_status`: `updateDaemonSetStatus`'s counts.

A pod is "updated" when its `controller-revision-hash` label is the template's hash (or its
`pod-template-generation` label the DaemonSet's template generation), as `IsPodUpdated`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import attrs

from kactors.api.meta import deep_copy
from kactors.api.meta import metadata_of as _meta
from kactors.api.meta import spec_of as _spec
from kactors.controllers.deploymentutil import int_or_percent
from kactors.controllers.history import revision_hash
from kactors.controllers.podutil import cluster_seconds, is_pod_available, pod_from_template
from kactors.scheduler.nodeselector import required_node_affinity
from kactors.scheduler.taints import (
    NO_EXECUTE,
    NO_SCHEDULE,
    find_untolerated_taint,
    parse_taints,
    parse_tolerations,
)

__all__ = [
    "DAEMON_TOLERATIONS",
    "DEFAULT_UNIQUE_LABEL",
    "TEMPLATE_GENERATION_ANNOTATION",
    "TEMPLATE_GENERATION_LABEL",
    "ManagePlan",
    "add_daemon_tolerations",
    "daemon_pod",
    "daemonset_hash",
    "daemonset_status",
    "is_pod_updated",
    "new_daemon_pod",
    "node_should_run",
    "nodes_to_daemon_pods",
    "plan_manage",
    "plan_rolling_update",
    "replace_node_name_affinity",
    "target_node_name",
    "template_generation",
]

Obj = Mapping[str, Any]

#: `apps.DefaultDaemonSetUniqueLabelKey`: the template hash on every daemon pod
DEFAULT_UNIQUE_LABEL = "controller-revision-hash"
#: `extensions.DaemonSetTemplateGenerationKey`
TEMPLATE_GENERATION_LABEL = "pod-template-generation"
#: where Kubernetes' registry keeps the template generation of a DaemonSet
TEMPLATE_GENERATION_ANNOTATION = "deprecated.daemonset.template.generation"

#: `AddOrUpdateDaemonPodTolerations`: daemon pods stay on not-ready and unreachable nodes
#: (no tolerationSeconds: never evicted) and land on nodes under pressure or cordoned.
DAEMON_TOLERATIONS: tuple[dict[str, str], ...] = (
    {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": NO_EXECUTE},
    {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": NO_EXECUTE},
    {"key": "node.kubernetes.io/disk-pressure", "operator": "Exists", "effect": NO_SCHEDULE},
    {"key": "node.kubernetes.io/memory-pressure", "operator": "Exists", "effect": NO_SCHEDULE},
    {"key": "node.kubernetes.io/pid-pressure", "operator": "Exists", "effect": NO_SCHEDULE},
    {"key": "node.kubernetes.io/unschedulable", "operator": "Exists", "effect": NO_SCHEDULE},
)
#: added too for pods on the host network
HOST_NETWORK_TOLERATION = {"key": "node.kubernetes.io/network-unavailable",
                           "operator": "Exists", "effect": NO_SCHEDULE}






def _template(ds: Obj) -> Mapping[str, Any]:
    return _spec(ds).get("template") or {}


# -- the pod of a node ------------------------------------------------------------------------
def add_daemon_tolerations(spec: dict[str, Any]) -> dict[str, Any]:
    """Add `DAEMON_TOLERATIONS` to a pod spec (in place), unless an identical toleration
    of the same key and effect is already there (`AddOrUpdateTolerationInPodSpec`)."""
    tolerations = [dict(t) for t in spec.get("tolerations") or []]
    wanted = list(DAEMON_TOLERATIONS)
    if spec.get("hostNetwork"):
        wanted.append(HOST_NETWORK_TOLERATION)
    for toleration in wanted:
        same = [i for i, t in enumerate(tolerations)
                if t.get("key") == toleration["key"] and t.get("effect") == toleration["effect"]]
        if same:
            tolerations[same[0]] = dict(toleration)
        else:
            tolerations.append(dict(toleration))
    spec["tolerations"] = tolerations
    return spec


def daemon_pod(ds: Obj, node_name: str) -> dict[str, Any]:
    """`NewPod`: the DaemonSet's pod as the eligibility checks see it (template spec with
    the daemon tolerations; its `nodeName` is the template's)."""
    spec = add_daemon_tolerations(deep_copy(dict(_template(ds).get("spec") or {})))
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"namespace": _meta(ds).get("namespace", "")}, "spec": spec}


def node_should_run(node: Obj, ds: Obj) -> tuple[bool, bool]:
    """`NodeShouldRunDaemonPod`: (should run: a pod belongs there, should continue running:
    a pod already there may stay)."""
    name = str(_meta(node).get("name", ""))
    pod = daemon_pod(ds, name)
    wanted_node = _spec(pod).get("nodeName")
    if wanted_node and wanted_node != name:
        return False, False
    affinity = required_node_affinity(pod)
    if affinity is not None and not affinity.matches(_meta(node).get("labels") or {}, name):
        return False, False
    taints = parse_taints(node)
    tolerations = parse_tolerations(pod)
    if find_untolerated_taint(taints, tolerations, frozenset({NO_SCHEDULE, NO_EXECUTE})) is None:
        return True, True
    evicting = find_untolerated_taint(taints, tolerations, frozenset({NO_EXECUTE}))
    return False, evicting is None


def replace_node_name_affinity(spec: dict[str, Any], node_name: str) -> dict[str, Any]:
    """`ReplaceDaemonSetPodNodeNameNodeAffinity` (in place): the required node affinity
    becomes the one term `matchFields metadata.name In [node_name]`, so that the default
    scheduler binds the pod to that node (preferred terms and pod affinity are kept)."""
    term = {"matchFields": [{"key": "metadata.name", "operator": "In", "values": [node_name]}]}
    affinity = spec.setdefault("affinity", {})
    node_affinity = affinity.setdefault("nodeAffinity", {})
    node_affinity["requiredDuringSchedulingIgnoredDuringExecution"] = {
        "nodeSelectorTerms": [term]}
    return spec


def new_daemon_pod(ds: Obj, node_name: str, name: str, hash_: str,
                   owner_reference: Mapping[str, Any]) -> dict[str, Any]:
    """The pod the DaemonSet creates for `node_name`: the template with the daemon
    tolerations, the node-name affinity, and the labels `controller-revision-hash` and
    `pod-template-generation`."""
    pod = pod_from_template(_template(ds), name, _meta(ds).get("namespace", ""),
                            owner_reference)
    labels = pod["metadata"].setdefault("labels", {})
    generation = template_generation(ds)
    if generation is not None:
        labels[TEMPLATE_GENERATION_LABEL] = str(generation)
    labels[DEFAULT_UNIQUE_LABEL] = hash_
    replace_node_name_affinity(add_daemon_tolerations(pod["spec"]), node_name)
    return pod


def target_node_name(pod: Obj) -> str | None:
    """`GetTargetNodeName`: the node a daemon pod is bound to, or meant for (its
    node-name affinity), or None."""
    spec = _spec(pod)
    if spec.get("nodeName"):
        return str(spec["nodeName"])
    required = (((spec.get("affinity") or {}).get("nodeAffinity") or {})
                .get("requiredDuringSchedulingIgnoredDuringExecution") or {})
    terms = required.get("nodeSelectorTerms") or []
    if len(terms) != 1:
        return None
    for field in terms[0].get("matchFields") or []:
        values = field.get("values") or []
        if field.get("key") == "metadata.name" and field.get("operator") == "In" \
                and len(values) == 1:
            return str(values[0])
    return None


# -- revisions -------------------------------------------------------------------------------
def daemonset_hash(ds: Obj) -> str:
    """The template hash (`controller-revision-hash` of the current revision)."""
    return revision_hash(ds)


def template_generation(ds: Obj) -> int | None:
    """`GetTemplateGeneration`: the annotation Kubernetes' registry keeps, else (kactors'
    apiserver does not keep it) the DaemonSet's generation."""
    raw = (_meta(ds).get("annotations") or {}).get(TEMPLATE_GENERATION_ANNOTATION)
    if raw is None:
        raw = _meta(ds).get("generation")
    try:
        return int(raw) if raw is not None else None
    except (TypeError, ValueError):
        return None


def is_pod_updated(pod: Obj, hash_: str, generation: int | None) -> bool:
    """`IsPodUpdated`: the pod runs the current template (by hash or by generation)."""
    labels = _meta(pod).get("labels") or {}
    by_generation = generation is not None and \
        labels.get(TEMPLATE_GENERATION_LABEL) == str(generation)
    return bool(hash_) and labels.get(DEFAULT_UNIQUE_LABEL) == hash_ or by_generation


# -- pods by node -------------------------------------------------------------------------------
def _phase(pod: Obj) -> str:
    return str((pod.get("status") or {}).get("phase") or "")


def nodes_to_daemon_pods(pods: Iterable[Obj]) -> dict[str, list[Obj]]:
    """`getNodesToDaemonPods`: the DaemonSet's pods by target node (pods without a target
    are left out; terminal pods already being deleted too)."""
    by_node: dict[str, list[Obj]] = {}
    for pod in pods:
        if _meta(pod).get("deletionTimestamp") and _phase(pod) in ("Succeeded", "Failed"):
            continue
        node = target_node_name(pod)
        if node is not None:
            by_node.setdefault(node, []).append(pod)
    return by_node


def _oldest_first(pods: Sequence[Obj]) -> list[Obj]:
    """`podByCreationTimestampAndPhase`: older first; on a tie, Running before others."""
    def key(pod: Obj) -> tuple[float, int, str]:
        created = cluster_seconds(_meta(pod).get("creationTimestamp")) or 0.0
        return created, 0 if _phase(pod) == "Running" else 1, str(_meta(pod).get("name"))
    return sorted(pods, key=key)


@attrs.frozen
class ManagePlan:
    #: nodes that need a daemon pod, in node order
    create_on: list[str]
    #: pods to delete, in node order
    delete: list[Obj]
    #: failed pods among `delete` (a FailedDaemonPod event each)
    failed: list[Obj]
    #: pods of nodes that no longer exist: no kubelet will ever finish their graceful
    #: deletion, so they are deleted at once (grace 0), as PodGC does
    orphaned: list[Obj] = attrs.field(factory=list)


def plan_manage(ds: Obj, nodes: Sequence[Obj], by_node: Mapping[str, Sequence[Obj]]
                ) -> ManagePlan:
    """`manage`: for every node, `podsShouldBeOnNode`; then the pods on nodes that no
    longer exist (Kubernetes leaves bound ones to PodGC, which kactors does not have)."""
    create_on: list[str] = []
    delete: list[Obj] = []
    failed: list[Obj] = []
    names = set()
    for node in sorted(nodes, key=lambda n: str(_meta(n).get("name", ""))):
        name = str(_meta(node).get("name", ""))
        names.add(name)
        should_run, should_continue = node_should_run(node, ds)
        pods = list(by_node.get(name) or [])
        if should_run and not pods:
            create_on.append(name)
        elif should_continue:
            running = []
            for pod in pods:
                if _meta(pod).get("deletionTimestamp"):
                    continue
                if _phase(pod) in ("Failed", "Succeeded"):
                    delete.append(pod)
                    if _phase(pod) == "Failed":
                        failed.append(pod)
                else:
                    running.append(pod)
            delete.extend(_oldest_first(running)[1:])  # only the oldest may stay
        elif pods:
            delete.extend(p for p in pods if not _meta(p).get("deletionTimestamp"))
    orphaned = [p for node_name in sorted(set(by_node) - names) for p in by_node[node_name]]
    return ManagePlan(create_on, delete, failed, orphaned)


# -- rolling update -------------------------------------------------------------------------------
def _min_ready(ds: Obj) -> int:
    return int(_spec(ds).get("minReadySeconds") or 0)


def max_unavailable(ds: Obj, desired: int) -> int:
    """`UnavailableCount` (a percentage of the desired nodes, rounded up), at least 1 when
    there is anything to update (the "impossible configuration" rule; kactors does not
    surge, so a `maxSurge` rollout proceeds one node at a time too)."""
    rolling = (_spec(ds).get("updateStrategy") or {}).get("rollingUpdate") or {}
    value = int_or_percent(rolling.get("maxUnavailable", 1), desired, True)
    return 1 if desired > 0 and value <= 0 else max(0, value)


def _updated_pods_on_node(pods: Sequence[Obj], hash_: str, generation: int | None
                          ) -> tuple[Obj | None, Obj | None, bool]:
    """`findUpdatedPodsOnNode`: (new pod, old pod, ok); not ok if either is doubled."""
    new = old = None
    for pod in pods:
        if _meta(pod).get("deletionTimestamp"):
            continue
        if is_pod_updated(pod, hash_, generation):
            if new is not None:
                return None, None, False
            new = pod
        else:
            if old is not None:
                return None, None, False
            old = pod
    return new, old, True


def plan_rolling_update(ds: Obj, nodes: Sequence[Obj], by_node: Mapping[str, Sequence[Obj]],
                        hash_: str, now: float) -> list[Obj]:
    """`rollingUpdate` with maxSurge 0: the old pods to delete now."""
    generation = template_generation(ds)
    min_ready = _min_ready(ds)
    candidates_by_node = {name: list(pods) for name, pods in by_node.items()}
    desired = 0
    for node in nodes:
        if node_should_run(node, ds)[0]:
            desired += 1
            candidates_by_node.setdefault(str(_meta(node).get("name", "")), [])
    limit = max_unavailable(ds, desired)
    unavailable = 0
    replace: list[Obj] = []
    candidates: list[Obj] = []
    for name in sorted(candidates_by_node):
        new, old, ok = _updated_pods_on_node(candidates_by_node[name], hash_, generation)
        if not ok or (new is None) == (old is None):
            unavailable += 1  # the manage loop creates or deletes here first
        elif new is not None:
            if not is_pod_available(new, min_ready, now):
                unavailable += 1
        elif old is not None:
            if not is_pod_available(old, min_ready, now):
                replace.append(old)  # not serving anyway: replace it at once
            elif unavailable < limit:
                candidates.append(old)
    remaining = max(0, min(limit - unavailable, len(candidates)))
    return replace + candidates[:remaining]


# -- status ---------------------------------------------------------------------------------------
def daemonset_status(ds: Obj, nodes: Sequence[Obj], by_node: Mapping[str, Sequence[Obj]],
                     hash_: str, now: float) -> dict[str, int]:
    """`updateDaemonSetStatus`'s counts (the oldest pod of a node speaks for it)."""
    generation = template_generation(ds)
    min_ready = _min_ready(ds)
    desired = current = ready = available = updated = misscheduled = 0
    for node in nodes:
        should_run, _ = node_should_run(node, ds)
        pods = list(by_node.get(str(_meta(node).get("name", ""))) or [])
        if not should_run:
            misscheduled += 1 if pods else 0
            continue
        desired += 1
        if not pods:
            continue
        current += 1
        pod = _oldest_first(pods)[0]
        if is_pod_available(pod, 0, now):
            ready += 1
            if is_pod_available(pod, min_ready, now):
                available += 1
        if is_pod_updated(pod, hash_, generation):
            updated += 1
    return {"currentNumberScheduled": current, "numberMisscheduled": misscheduled,
            "desiredNumberScheduled": desired, "numberReady": ready,
            "updatedNumberScheduled": updated, "numberAvailable": available,
            "numberUnavailable": desired - available}
