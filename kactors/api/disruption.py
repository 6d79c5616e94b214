"""What PodDisruptionBudgets mean, shared by the apiserver's eviction subresource and the
disruption controller (Kubernetes' ``component-helpers/apps/poddisruptionbudget``).

A budget covers the pods of its namespace that its selector picks (policy/v1: a null
selector picks none, an empty one every pod). The controller counts them into the
budget's status (``currentHealthy``, ``desiredHealthy``, ``expectedPods``,
``disruptionsAllowed``); an eviction spends one allowed disruption and notes the pod in
``disruptedPods`` until the controller sees it gone. The ``DisruptionAllowed`` condition
says whether one more eviction would be allowed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .labels import SelectorError, selector_from_label_selector

__all__ = [
    "DISRUPTION_ALLOWED",
    "budgets_for_pod",
    "selects",
    "with_disruption_allowed_condition",
]

#: the budget's condition type, and its reasons
DISRUPTION_ALLOWED = "DisruptionAllowed"
SUFFICIENT_PODS = "SufficientPods"
INSUFFICIENT_PODS = "InsufficientPods"
SYNC_FAILED = "SyncFailed"


def selects(budget: Mapping[str, Any], pod: Mapping[str, Any]) -> bool:
    """Whether `budget`'s selector picks `pod` (namespaces aside). A selector that does
    not parse picks nothing, as in Kubernetes."""
    try:
        selector = selector_from_label_selector((budget.get("spec") or {}).get("selector"))
    except SelectorError:
        return False
    return selector.matches((pod.get("metadata") or {}).get("labels") or {})


def budgets_for_pod(budgets: Iterable[Mapping[str, Any]], pod: Mapping[str, Any]
                    ) -> list[Mapping[str, Any]]:
    """The budgets that cover `pod`: same namespace, selector picking it."""
    namespace = (pod.get("metadata") or {}).get("namespace")
    return [budget for budget in budgets
            if (budget.get("metadata") or {}).get("namespace") == namespace
            and selects(budget, pod)]


def with_disruption_allowed_condition(status: Mapping[str, Any], now: str, *,
                                      failure: str | None = None) -> dict[str, Any]:
    """`status` with its ``DisruptionAllowed`` condition set from ``disruptionsAllowed``
    (``UpdateDisruptionAllowedCondition``): True/SufficientPods when at least one
    disruption is allowed, else False/InsufficientPods; or False/SyncFailed with the
    `failure` message (the controller's fail-safe). The transition time moves only when
    the condition's status does."""
    allowed = failure is None and (status.get("disruptionsAllowed") or 0) > 0
    reason = SYNC_FAILED if failure is not None else (
        SUFFICIENT_PODS if allowed else INSUFFICIENT_PODS)
    wanted = {"type": DISRUPTION_ALLOWED, "status": "True" if allowed else "False",
              "reason": reason, "message": failure or "",
              "observedGeneration": status.get("observedGeneration", 0),
              "lastTransitionTime": now}
    conditions = list(status.get("conditions") or [])
    for index, condition in enumerate(conditions):
        if condition.get("type") == DISRUPTION_ALLOWED:  # replaced where it stands
            if condition.get("status") == wanted["status"]:
                wanted["lastTransitionTime"] = condition.get("lastTransitionTime") or now
            conditions[index] = wanted
            break
    else:
        conditions.append(wanted)
    return {**status, "conditions": conditions}
