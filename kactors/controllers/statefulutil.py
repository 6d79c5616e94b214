"""What the StatefulSet controller decides, as pure functions over plain dicts (no I/O).

After Kubernetes' `pkg/controller/statefulset` (`stateful_set_utils.go`,
`stateful_set_control.go`). A StatefulSet's pods have a stable identity: the pod of
ordinal `i` is always named `<set>-<i>`, labelled `statefulset.kubernetes.io/pod-name` and
`apps.kubernetes.io/pod-index`, with `hostname` its name and `subdomain` the set's
`serviceName` (so the headless Service gives it the DNS name
`<set>-<i>.<service>.<namespace>.svc`). Each pod also carries `controller-revision-hash`:
the name of the ControllerRevision (`<set>-<template hash>`, see `history`) of the
template it was made from.

`plan_statefulset` is one pass of `updateStatefulSet`, returning the steps to take:

1. every ordinal in `[start, start + replicas)` without a pod gets one (at the current
   revision below the partition, the update revision from it); a failed pod is deleted to
   be recreated under the same name;
2. with `podManagementPolicy: OrderedReady` ("monotonic"), a pass stops at the first pod
   it creates or deletes and at the first pod that is not yet Running and Ready (nor
   available, with minReadySeconds): ordinal `i + 1` is created only once `i` is ready, and
   a pod stuck not ready blocks every ordinal after it. `Parallel` goes on past them;
3. pods of ordinals beyond the range are condemned and deleted from the highest ordinal
   down, one at a time once their predecessors are healthy (OrderedReady); scaling comes
   before updating;
4. `updateStrategy: RollingUpdate` then deletes the pod of the highest ordinal
   (>= `partition`) not at the update revision, one at a time, waiting for each
   replacement to be healthy; `OnDelete` never deletes for an update.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import attrs

from kactors.api.meta import metadata_of as _meta
from kactors.api.meta import spec_of as _spec
from kactors.controllers.podutil import is_pod_available, is_pod_ready, pod_from_template

__all__ = [
    "POD_INDEX_LABEL",
    "POD_NAME_LABEL",
    "REVISION_LABEL",
    "Step",
    "claim_name",
    "claim_names",
    "deletes_claims_on_scale_down",
    "deletes_claims_with_set",
    "identity_labels",
    "identity_matches",
    "is_healthy",
    "is_member_of",
    "is_running_and_ready",
    "new_statefulset_claims",
    "new_statefulset_pod",
    "parent_and_ordinal",
    "plan_statefulset",
    "pod_revision",
    "start_ordinal",
    "statefulset_status",
]

Obj = Mapping[str, Any]

POD_NAME_LABEL = "statefulset.kubernetes.io/pod-name"
POD_INDEX_LABEL = "apps.kubernetes.io/pod-index"
REVISION_LABEL = "controller-revision-hash"

_ORDINAL = re.compile(r"^(.*)-([0-9]+)$")






# -- identity --------------------------------------------------------------------------------
def parent_and_ordinal(pod: Obj) -> tuple[str, int] | None:
    """`getParentNameAndOrdinal`: ("web", 2) for the pod web-2, None for other names."""
    match = _ORDINAL.match(str(_meta(pod).get("name", "")))
    if match is None:
        return None
    return match.group(1), int(match.group(2))


def is_member_of(sts: Obj, pod: Obj) -> bool:
    """`isMemberOf`: the pod's name says it is one of the set's ordinals."""
    parsed = parent_and_ordinal(pod)
    return parsed is not None and parsed[0] == _meta(sts).get("name")


def start_ordinal(sts: Obj) -> int:
    """`getStartOrdinal`: `spec.ordinals.start` (0 by default)."""
    return int((_spec(sts).get("ordinals") or {}).get("start") or 0)


def identity_labels(sts: Obj, ordinal: int) -> dict[str, str]:
    name = f"{_meta(sts)['name']}-{ordinal}"
    return {POD_NAME_LABEL: name, POD_INDEX_LABEL: str(ordinal)}


def identity_matches(sts: Obj, pod: Obj) -> bool:
    """`identityMatches`: name, namespace and identity labels are the ordinal's."""
    parsed = parent_and_ordinal(pod)
    if parsed is None or parsed[0] != _meta(sts).get("name"):
        return False
    labels = _meta(pod).get("labels") or {}
    return _meta(pod).get("namespace") == _meta(sts).get("namespace") and \
        all(labels.get(k) == v for k, v in identity_labels(sts, parsed[1]).items())


def pod_revision(pod: Obj) -> str:
    return str((_meta(pod).get("labels") or {}).get(REVISION_LABEL, ""))


def claim_name(template: Obj, sts: Obj, ordinal: int) -> str:
    """`getPersistentVolumeClaimName`: `<template>-<set>-<ordinal>`."""
    return f"{_meta(template).get('name')}-{_meta(sts)['name']}-{ordinal}"


def new_statefulset_claims(sts: Obj, ordinal: int,
                           owner_reference: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """`getPersistentVolumeClaims`: the claims of `ordinal`, one per volumeClaimTemplate,
    labelled with the set's selector labels too; owned by the set (`owner_reference`) when
    `persistentVolumeClaimRetentionPolicy.whenDeleted` is Delete, else by nobody (kept)."""
    selector_labels = (_spec(sts).get("selector") or {}).get("matchLabels") or {}
    claims = []
    for template in _spec(sts).get("volumeClaimTemplates") or []:
        if not _meta(template).get("name"):
            continue
        meta = _meta(template)
        claim: dict[str, Any] = {
            "apiVersion": "v1", "kind": "PersistentVolumeClaim",
            "metadata": {"name": claim_name(template, sts, ordinal),
                         "namespace": _meta(sts).get("namespace", ""),
                         "labels": {**(meta.get("labels") or {}), **selector_labels}},
            "spec": dict(template.get("spec") or {}),
        }
        if meta.get("annotations"):
            claim["metadata"]["annotations"] = dict(meta["annotations"])
        if owner_reference is not None:
            claim["metadata"]["ownerReferences"] = [dict(owner_reference)]
        claims.append(claim)
    return claims


def deletes_claims_with_set(sts: Obj) -> bool:
    """`persistentVolumeClaimRetentionPolicy.whenDeleted: Delete`."""
    policy = _spec(sts).get("persistentVolumeClaimRetentionPolicy") or {}
    return policy.get("whenDeleted") == "Delete"


def deletes_claims_on_scale_down(sts: Obj) -> bool:
    """`persistentVolumeClaimRetentionPolicy.whenScaled: Delete`."""
    policy = _spec(sts).get("persistentVolumeClaimRetentionPolicy") or {}
    return policy.get("whenScaled") == "Delete"


def claim_names(sts: Obj, ordinal: int) -> list[str]:
    """The names of the claims of `ordinal`, one per volumeClaimTemplate."""
    return [claim_name(t, sts, ordinal) for t in _spec(sts).get("volumeClaimTemplates") or []
            if _meta(t).get("name")]


def new_statefulset_pod(sts: Obj, template: Obj, ordinal: int, revision: str,
                        owner_reference: Mapping[str, Any]) -> dict[str, Any]:
    """`newVersionedStatefulSetPod`: the pod of `ordinal` from `template` (the template of
    `revision`), with its identity (`initIdentity`) and its storage (`updateStorage`):
    each volumeClaimTemplate becomes a `persistentVolumeClaim` volume of its name, of the
    ordinal's claim, replacing a template volume of that name."""
    meta = _meta(sts)
    name = f"{meta['name']}-{ordinal}"
    pod = pod_from_template(template, name, meta.get("namespace", ""), owner_reference)
    labels = pod["metadata"].setdefault("labels", {})
    labels.update(identity_labels(sts, ordinal))
    labels[REVISION_LABEL] = revision
    spec = pod["spec"]
    spec["hostname"] = name
    if _spec(sts).get("serviceName"):
        spec["subdomain"] = _spec(sts)["serviceName"]
    templates = [t for t in _spec(sts).get("volumeClaimTemplates") or []
                 if _meta(t).get("name")]
    names = {_meta(t)["name"] for t in templates}
    volumes = [dict(v) for v in spec.get("volumes") or [] if v.get("name") not in names]
    for claim in templates:
        volumes.append({"name": _meta(claim)["name"], "persistentVolumeClaim": {
            "claimName": claim_name(claim, sts, ordinal)}})
    if volumes:
        spec["volumes"] = volumes
    return pod


# -- pod states -------------------------------------------------------------------------------
def _phase(pod: Obj) -> str:
    return str((pod.get("status") or {}).get("phase") or "")


def is_terminating(pod: Obj) -> bool:
    return bool(_meta(pod).get("deletionTimestamp"))


def is_running_and_ready(pod: Obj) -> bool:
    return _phase(pod) == "Running" and is_pod_ready(pod)


def is_healthy(pod: Obj | None) -> bool:
    """`isHealthy`: Running and Ready and not being deleted."""
    return pod is not None and is_running_and_ready(pod) and not is_terminating(pod)


def _is_terminated(pod: Obj) -> bool:
    return _phase(pod) in ("Failed", "Succeeded")


# -- one pass ---------------------------------------------------------------------------------
Action = Literal["create", "delete", "update", "wait"]


@attrs.frozen
class Step:
    """One thing the controller does (or waits for) in this pass."""

    action: Action
    ordinal: int
    #: the pod's name
    pod: str
    #: create: the revision to create at; delete: "failed", "scale_down" or "update";
    #: wait: what the pass waits for ("Running and Ready", "Terminate", ...)
    detail: str = ""


def _partition(sts: Obj) -> int | None:
    """The ordinal offset from which pods get the update revision (RollingUpdate)."""
    strategy = _spec(sts).get("updateStrategy") or {}
    if strategy.get("type", "RollingUpdate") != "RollingUpdate":
        return None
    return int((strategy.get("rollingUpdate") or {}).get("partition") or 0)


def plan_statefulset(sts: Obj, pods: Sequence[Obj], current_revision: str,
                     update_revision: str, now: float) -> list[Step]:
    """One pass of `updateStatefulSet` over the set's `pods`: the steps, in order (a
    final "wait" step says what blocks the pass)."""
    spec = _spec(sts)
    name = str(_meta(sts)["name"])
    count = int(spec.get("replicas", 1))
    start = start_ordinal(sts)
    monotonic = spec.get("podManagementPolicy", "OrderedReady") != "Parallel"
    min_ready = int(spec.get("minReadySeconds") or 0)
    partition = _partition(sts)
    replicas: list[Obj | None] = [None] * count
    condemned: list[tuple[int, Obj]] = []
    for pod in pods:
        parsed = parent_and_ordinal(pod)
        if parsed is None or parsed[0] != name:
            continue
        if start <= parsed[1] < start + count:
            replicas[parsed[1] - start] = pod
        else:
            condemned.append((parsed[1], pod))
    condemned.sort(key=lambda item: -item[0])  # highest ordinal first
    first_unhealthy = next((o for o, p in enumerate(replicas) if not is_healthy(p)), None)
    first_unhealthy_condemned = None
    if first_unhealthy is None:
        first_unhealthy_condemned = next(
            (o for o, p in reversed(condemned) if not is_healthy(p)), None)

    def revision_for(ordinal: int) -> str:
        if partition is not None and ordinal < start + partition:
            return current_revision
        return update_revision

    steps: list[Step] = []
    for index, pod in enumerate(replicas):
        ordinal = start + index
        pod_name = f"{name}-{ordinal}"
        if pod is None:
            steps.append(Step("create", ordinal, pod_name, revision_for(ordinal)))
            if monotonic:
                return steps
            continue
        if _is_terminated(pod) and not is_terminating(pod):
            steps.append(Step("delete", ordinal, pod_name, "failed"))
            if monotonic:
                return steps
            continue
        if is_terminating(pod):
            if monotonic:
                return [*steps, Step("wait", ordinal, pod_name, "Terminate")]
            continue
        if monotonic and not is_running_and_ready(pod):
            return [*steps, Step("wait", ordinal, pod_name, "Running and Ready")]
        if monotonic and not is_pod_available(pod, min_ready, now):
            return [*steps, Step("wait", ordinal, pod_name, "Available")]
        if not identity_matches(sts, pod):
            steps.append(Step("update", ordinal, pod_name))
    for ordinal, pod in condemned:
        pod_name = f"{name}-{ordinal}"
        if is_terminating(pod):
            if monotonic:
                return [*steps, Step("wait", ordinal, pod_name, "Terminate")]
            continue
        if monotonic and not is_running_and_ready(pod) and ordinal != first_unhealthy_condemned:
            return [*steps, Step("wait", ordinal, pod_name,
                                 "Running and Ready prior to scale down")]
        steps.append(Step("delete", ordinal, pod_name, "scale_down"))
        if monotonic:
            return steps
    if partition is None:
        return steps  # OnDelete: pods are updated when someone deletes them
    for index in range(count - 1, partition - 1, -1):
        pod = replicas[index]
        ordinal = start + index
        pod_name = f"{name}-{ordinal}"
        if pod is not None and pod_revision(pod) != update_revision and not is_terminating(pod):
            steps.append(Step("delete", ordinal, pod_name, "update"))
            return steps
        if not is_healthy(pod):
            return [*steps, Step("wait", ordinal, pod_name, "update")]
    return steps


def statefulset_status(sts: Obj, pods: Sequence[Obj], current_revision: str,
                       update_revision: str, now: float, steps: Sequence[Step] = ()
                       ) -> dict[str, Any]:
    """`computeReplicaStatus` + `completeRollingUpdate`: the counts over the set's pods as
    this pass leaves them (a pod it created counts at its revision, one it deleted no
    longer counts at its revision), and the current revision, which becomes the update
    revision once every pod is at it and ready (RollingUpdate only, as in Kubernetes)."""
    name = _meta(sts).get("name")
    min_ready = int(_spec(sts).get("minReadySeconds") or 0)
    replicas = ready = available = current = updated = 0
    revisions: dict[str, str] = {}
    for pod in pods:
        parsed = parent_and_ordinal(pod)
        if parsed is None or parsed[0] != name:
            continue
        replicas += 1
        if is_running_and_ready(pod):
            ready += 1
            if is_pod_available(pod, min_ready, now):
                available += 1
        if not is_terminating(pod):
            revisions[str(_meta(pod).get("name"))] = pod_revision(pod)
    for step in steps:
        if step.action == "create":
            replicas += 1
            revisions[step.pod] = step.detail
        elif step.action == "delete":
            revisions.pop(step.pod, None)
    current = sum(1 for r in revisions.values() if r == current_revision)
    updated = sum(1 for r in revisions.values() if r == update_revision)
    if _partition(sts) is not None and updated == replicas and ready == replicas:
        current, current_revision = updated, update_revision
    return {"replicas": replicas, "readyReplicas": ready, "availableReplicas": available,
            "currentReplicas": current, "updatedReplicas": updated,
            "currentRevision": current_revision, "updateRevision": update_revision}
