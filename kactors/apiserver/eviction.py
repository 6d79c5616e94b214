"""The eviction subresource: ``POST pods/<name>/eviction`` with a policy/v1 ``Eviction``.

An eviction is a pod delete that respects the pod's PodDisruptionBudget; ``kubectl
drain`` evicts every pod of a node this way and retries those refused. As Kubernetes'
``EvictionREST`` does:

* a pod that is Pending, Succeeded, Failed or already being deleted is deleted at once:
  losing it disrupts nothing more;
* otherwise the budgets covering the pod are looked up: none, the pod is deleted; more
  than one, a 500 (Kubernetes does not support that either);
* with one budget: a pod that is not Ready is deleted without spending the budget when
  ``unhealthyPodEvictionPolicy`` is ``AlwaysAllow``, or (the default, IfHealthyBudget)
  while the budget's healthy pods are enough; otherwise one allowed disruption is spent
  (its status written with the pod in ``disruptedPods``, under optimistic concurrency),
  or, if none is left, the answer is 429 TooManyRequests: ``Cannot evict pod as it would
  violate the pod's disruption budget.``, with the budget's numbers as the cause;
* the delete then carries the pod's resourceVersion as a precondition when the budget
  was judged on that version, so a pod that changed meanwhile is not deleted on a stale
  judgement (the client is told 429, to retry);
* every eviction first gives the pod the condition ``DisruptionTarget`` (reason
  ``EvictionByEvictionAPI``), as Kubernetes does since PodDisruptionConditions.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from kactors.api import status as st
from kactors.api.disruption import budgets_for_pod, with_disruption_allowed_condition
from kactors.api.kinds import ResourceInfo
from kactors.api.meta import is_being_deleted, is_pod_ready, status_of
from kactors.apiserver.rest import check_preconditions

__all__ = ["DISRUPTION_TARGET", "MAX_DISRUPTED_PODS", "evict"]

#: more approved evictions than this, not yet seen done by the disruption controller, and
#: the budget refuses more (``MaxDisruptedPodSize``)
MAX_DISRUPTED_PODS = 2000
#: optimistic-concurrency retries on a conflict (``EvictionsRetry``: 20 steps)
_RETRIES = 20
_VIOLATION = "Cannot evict pod as it would violate the pod's disruption budget."
#: the pod condition that says a pod is about to go, and why (``v1.DisruptionTarget``)
DISRUPTION_TARGET = "DisruptionTarget"


async def evict(rest: Any, pods: ResourceInfo, budgets: ResourceInfo, namespace: str,
                name: str, body: Any, options: Mapping[str, Any], user: Any,
                now: Callable[[], str]) -> dict[str, Any]:
    """Evict pod `namespace/name` as the Eviction `body` asks; a success Status, or a
    StatusError. `rest` is the apiserver's REST storage, `user` whom its budget writes
    are made as, `now` the current timestamp."""
    delete_options = _delete_options(body, name, options)
    dry_run = delete_options.get("dryRun")
    query = {"dryRun": dry_run} if dry_run else {}  # what rest.delete reads it from
    preconditions = delete_options.get("preconditions") or {}
    rv_unset = not preconditions.get("resourceVersion")
    pod: dict[str, Any] | None = None
    for _ in range(_RETRIES):
        pod = await rest.read(pods, namespace, name)
        if not _can_ignore_budget(pod):
            break
        wanted = delete_options
        if rv_unset and _should_enforce_version(pod):
            wanted = _with_version(delete_options, pod)
        try:
            await _mark_and_delete(rest, pods, namespace, name, wanted, query, user, now)
        except st.StatusError as error:
            if error.code == 409 and rv_unset:
                continue
            raise
        return st.success()
    else:
        raise st.StatusError(st.timeout(f"couldn't delete pod {name!r} due to conflicts", 10))
    assert pod is not None
    listed = await rest.list(budgets, namespace, {})
    covering = budgets_for_pod(listed["items"], pod)
    if len(covering) > 1:
        raise st.StatusError(st.new_status(
            500, "", "This pod has more than one PodDisruptionBudget, which the eviction "
                     "subresource does not support."))
    judged_on_version, budget_name = False, ""
    if covering:
        budget = covering[0]
        budget_name = budget["metadata"]["name"]
        spec, status = budget.get("spec") or {}, budget.get("status") or {}
        if not is_pod_ready(pod) and (
                spec.get("unhealthyPodEvictionPolicy") == "AlwaysAllow" or (
                    status.get("currentHealthy", 0) >= status.get("desiredHealthy", 0) > 0)):
            judged_on_version = True  # not healthy: its loss costs the budget nothing
        else:
            await _spend_one(rest, budgets, namespace, budget, name, user, now,
                             bool(dry_run))
    wanted = _with_version(delete_options, pod) if judged_on_version else delete_options
    try:
        await _mark_and_delete(rest, pods, namespace, name, wanted, query, user, now)
    except st.StatusError as error:
        if error.code == 409 and judged_on_version and rv_unset:
            raise st.StatusError(_still_processing(budget_name)) from None
        raise
    return st.success()


async def _mark_and_delete(rest: Any, pods: ResourceInfo, namespace: str, name: str,
                           delete_options: Mapping[str, Any], query: Mapping[str, Any],
                           user: Any, now: Callable[[], str]) -> None:
    """``addConditionAndDeletePod``: the pod gets the condition ``DisruptionTarget``
    (``EvictionByEvictionAPI``) through its status, so that its owner and the kubelet
    know why it goes, then is deleted. A resourceVersion precondition is checked against
    the pod first and then moved to the version the condition made (a dry run only
    deletes, in its dry way)."""
    if not query.get("dryRun"):
        preconditions = dict(delete_options.get("preconditions") or {})
        check_preconditions(pods, name, await rest.read(pods, namespace, name), preconditions)
        condition = {"type": DISRUPTION_TARGET, "status": "True",
                     "reason": "EvictionByEvictionAPI", "message": "Eviction API: evicting",
                     "lastTransitionTime": now()}
        marked = await rest.patch(pods, namespace, name,
                                  {"status": {"conditions": [condition]}}, user, "status",
                                  {"patchType": "application/strategic-merge-patch+json"})
        if preconditions.get("resourceVersion"):
            preconditions["resourceVersion"] = marked["metadata"]["resourceVersion"]
            delete_options = {**delete_options, "preconditions": preconditions}
    await rest.delete(pods, namespace, name, {"body": delete_options, **query})


def _delete_options(body: Any, name: str, options: Mapping[str, Any]) -> dict[str, Any]:
    """The Eviction's deleteOptions, with the request's dryRun; 400 for a body that is no
    Eviction of this pod."""
    if not isinstance(body, Mapping):
        raise st.StatusError(st.bad_request(
            f"not a Eviction object: {type(body).__name__}"))
    if body.get("kind") not in (None, "", "Eviction"):
        raise st.StatusError(st.bad_request(f"not a Eviction object: {body.get('kind')}"))
    meta = body.get("metadata")
    if not isinstance(meta, Mapping) or meta.get("name") != name:
        raise st.StatusError(st.bad_request(
            "name in URL does not match name in Eviction object"))
    delete_options = body.get("deleteOptions")
    if delete_options is None:
        delete_options = {}
    if not isinstance(delete_options, Mapping):
        raise st.StatusError(st.bad_request("deleteOptions must be an object"))
    result = dict(delete_options)
    dry_run = options.get("dryRun")
    if dry_run:
        if result.get("dryRun") and result["dryRun"] != dry_run:
            raise st.StatusError(st.bad_request(
                f"Non-matching dry-run options in request and content: {dry_run} and "
                f"{result['dryRun']}"))
        result["dryRun"] = dry_run
    return result


def _can_ignore_budget(pod: Mapping[str, Any]) -> bool:
    return status_of(pod).get("phase") in ("Succeeded", "Failed", "Pending") or (
        is_being_deleted(pod))


def _should_enforce_version(pod: Mapping[str, Any]) -> bool:
    return status_of(pod).get("phase") not in ("Succeeded", "Failed") and (
        not is_being_deleted(pod))


def _with_version(delete_options: Mapping[str, Any], pod: Mapping[str, Any]
                  ) -> dict[str, Any]:
    preconditions = dict(delete_options.get("preconditions") or {})
    preconditions["resourceVersion"] = pod["metadata"]["resourceVersion"]
    return {**delete_options, "preconditions": preconditions}


def _still_processing(budget: str) -> dict[str, Any]:
    status = st.too_many_requests(_VIOLATION, 10)
    status["details"]["causes"] = [{
        "reason": "DisruptionBudget",
        "message": f"The disruption budget {budget} is still being processed by the server."}]
    return status


async def _spend_one(rest: Any, budgets: ResourceInfo, namespace: str,
                     budget: Mapping[str, Any], pod_name: str, user: Any,
                     now: Callable[[], str], dry_run: bool) -> None:
    """``checkAndDecrement``, retried on a conflict from a fresh read of the budget."""
    name = budget["metadata"]["name"]
    for attempt in range(_RETRIES):
        if attempt:
            budget = await rest.read(budgets, namespace, name)
        status = dict(budget.get("status") or {})
        if status.get("observedGeneration", 0) < budget["metadata"].get("generation", 0):
            raise st.StatusError(_still_processing(name))
        allowed = status.get("disruptionsAllowed", 0)
        if allowed < 0:
            raise st.StatusError(st.forbidden(budgets, name,
                                              "pdb disruptions allowed is negative"))
        disrupted = dict(status.get("disruptedPods") or {})
        if len(disrupted) > MAX_DISRUPTED_PODS:
            raise st.StatusError(st.forbidden(
                budgets, name, "DisruptedPods map too big - too many evictions not "
                               "confirmed by PDB controller"))
        if allowed == 0:
            refused = st.too_many_requests(_VIOLATION, 0)
            refused["details"]["causes"] = [{
                "reason": "DisruptionBudget",
                "message": f"The disruption budget {name} needs "
                           f"{status.get('desiredHealthy', 0)} healthy pods and has "
                           f"{status.get('currentHealthy', 0)} currently"}]
            raise st.StatusError(refused)
        status["disruptionsAllowed"] = allowed - 1
        if allowed - 1 == 0:
            status = with_disruption_allowed_condition(status, now())
        if dry_run:
            return
        disrupted[pod_name] = now()
        status["disruptedPods"] = disrupted
        try:
            await rest.update(budgets, namespace, name, {**budget, "status": status}, user,
                              "status", {})
        except st.StatusError as error:
            if error.code == 409:
                continue
            raise
        return
    raise st.StatusError(st.timeout(
        f"couldn't update PodDisruptionBudget {name!r} due to conflicts", 10))
