"""From what the metrics propose to what the HPA sets: stabilization and scaling rules.

After the normalization half of Kubernetes' ``horizontal.go``, sans-I/O. The controller
keeps, per HPA, its recent recommendations and scale events (:class:`ScalingHistory`);
these functions read and update them, given the cluster time:

* without ``spec.behavior`` (what ``kubectl autoscale`` creates): the highest
  recommendation of the last 5 minutes wins (``--horizontal-pod-autoscaler-downscale-
  stabilization``, so a dip never scales down at once), then the count is kept within
  ``minReplicas`` and ``maxReplicas`` and may at most double (at least to 4) per sync;
* with ``spec.behavior``: scale-up takes the lowest and scale-down the highest
  recommendation within its stabilization window, then the policies of that direction
  bound the change over their periods (``selectPolicy`` Max picks the policy allowing the
  most change, Min the least, Disabled none).

Each step says why in the ``AbleToScale`` and ``ScalingLimited`` conditions' reasons and
messages, Kubernetes' own.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import attrs

__all__ = [
    "DOWNSCALE_STABILIZATION",
    "Normalized",
    "ScaleEvent",
    "ScalingHistory",
    "normalize",
    "record_scale",
]

Obj = Mapping[str, Any]
#: --horizontal-pod-autoscaler-downscale-stabilization
DOWNSCALE_STABILIZATION = 300.0
#: without behavior, one sync may at most double the replicas, or reach this many
_SCALE_UP_LIMIT_FACTOR = 2.0
_SCALE_UP_LIMIT_MINIMUM = 4


@attrs.define
class ScaleEvent:
    """A rescale by ``change`` replicas at ``time``; ``outdated`` once older than the
    longest policy period (its slot is then reused)."""

    change: int
    time: float
    outdated: bool = False


@attrs.define
class ScalingHistory:
    """One HPA's recent recommendations (replicas, time) and scale events."""

    recommendations: list[tuple[int, float]] = attrs.Factory(list)
    scale_up: list[ScaleEvent] = attrs.Factory(list)
    scale_down: list[ScaleEvent] = attrs.Factory(list)


@attrs.frozen
class Normalized:
    """The replicas to set, and the two conditions' (reason, message) that say why;
    ``limited`` is whether ScalingLimited is True."""

    replicas: int
    able: tuple[str, str]
    limited: bool
    limit: tuple[str, str]


_READY = ("ReadyForNewScale", "recommended size matches current size")
_UP_STABILIZED = ("ScaleUpStabilized", "recent recommendations were lower than current one, "
                  "applying the lowest recent recommendation")
_DOWN_STABILIZED = ("ScaleDownStabilized", "recent recommendations were higher than current "
                    "one, applying the highest recent recommendation")
_WITHIN = ("DesiredWithinRange", "the desired count is within the acceptable range")
_TOO_MANY = ("TooManyReplicas", "the desired replica count is more than the maximum replica count")
_TOO_FEW = ("TooFewReplicas", "the desired replica count is less than the minimum replica count")
_UP_LIMIT = ("ScaleUpLimit", "the desired replica count is increasing faster than the maximum "
             "scale rate")
_DOWN_LIMIT = ("ScaleDownLimit", "the desired replica count is decreasing faster than the "
               "maximum scale rate")


def normalize(spec: Obj, history: ScalingHistory, current: int, desired: int,
              min_replicas: int, now: float,
              downscale_stabilization: float = DOWNSCALE_STABILIZATION) -> Normalized:
    """``normalizeDesiredReplicas`` / ``normalizeDesiredReplicasWithBehaviors``: what the
    proposal `desired` becomes (records it in `history`)."""
    behavior = spec.get("behavior")
    maximum = int(spec.get("maxReplicas", 0))
    if not isinstance(behavior, Mapping):
        stabilized = _stabilize_down(history, desired, now, downscale_stabilization)
        able = _DOWN_STABILIZED if stabilized != desired else _READY
        replicas, limit = _within_rules(current, stabilized, min_replicas, maximum)
        return Normalized(replicas, able, replicas != stabilized, limit)
    up = _rules(behavior.get("scaleUp"), 0.0)
    down = _rules(behavior.get("scaleDown"), downscale_stabilization)
    stabilized, reason = _stabilize(history, current, desired, up, down, now)
    able = reason if stabilized != desired else _READY
    replicas, limit = _within_behavior(history, current, stabilized, min_replicas, maximum,
                                       up, down, now)
    return Normalized(replicas, able, replicas != stabilized, limit)


def record_scale(spec: Obj, history: ScalingHistory, previous: int, new: int,
                 now: float) -> None:
    """``storeScaleEvent``: remember a rescale, for the policies' periods (only with
    ``spec.behavior``, the only case that reads them)."""
    behavior = spec.get("behavior")
    if not isinstance(behavior, Mapping):
        return
    up = new > previous
    rules = _rules(behavior.get("scaleUp" if up else "scaleDown"), 0.0)
    events = history.scale_up if up else history.scale_down
    longest = max((float(p.get("periodSeconds", 0)) for p in rules["policies"]), default=0.0)
    for event in events:
        if event.time < now - longest:
            event.outdated = True
    event = ScaleEvent(abs(new - previous), now)
    for index in range(len(events) - 1, -1, -1):
        if events[index].outdated:
            events[index] = event  # the last outdated slot, as Kubernetes reuses it
            return
    events.append(event)


# -- without behavior ------------------------------------------------------------------------
def _stabilize_down(history: ScalingHistory, desired: int, now: float, window: float) -> int:
    """``stabilizeRecommendation``: the highest recommendation within the window; the
    newest replaces an expired one."""
    highest = desired
    old = None
    for index, (replicas, time) in enumerate(history.recommendations):
        if time < now - window:
            old = index
        elif replicas > highest:
            highest = replicas
    _remember(history, old, desired, now)
    return highest


def _remember(history: ScalingHistory, old: int | None, desired: int, now: float) -> None:
    if old is not None:
        history.recommendations[old] = (desired, now)
    else:
        history.recommendations.append((desired, now))


def _within_rules(current: int, desired: int, minimum: int, maximum: int
                  ) -> tuple[int, tuple[str, str]]:
    """``convertDesiredReplicasWithRules``."""
    up_limit = int(max(_SCALE_UP_LIMIT_FACTOR * current, _SCALE_UP_LIMIT_MINIMUM))
    if maximum > up_limit:
        allowed, limit = up_limit, _UP_LIMIT
    else:
        allowed, limit = maximum, _TOO_MANY
    if desired < minimum:
        return minimum, _TOO_FEW
    if desired > allowed:
        return allowed, limit
    return desired, _WITHIN


# -- with behavior -----------------------------------------------------------------------------
def _rules(rules: Any, window: float) -> dict[str, Any]:
    """A direction's rules with the controller's defaults filled in (the apiserver
    defaults the rest; a scale-down window left unset is the controller's flag)."""
    rules = dict(rules) if isinstance(rules, Mapping) else {}
    if rules.get("stabilizationWindowSeconds") is None:
        rules["stabilizationWindowSeconds"] = window
    rules.setdefault("selectPolicy", "Max")
    rules.setdefault("policies", [])
    return rules


def _stabilize(history: ScalingHistory, current: int, desired: int, up: Obj, down: Obj,
               now: float) -> tuple[int, tuple[str, str]]:
    """``stabilizeRecommendationWithBehaviors``."""
    if desired >= current:
        window, better, reason = float(up["stabilizationWindowSeconds"]), min, _UP_STABILIZED
    else:
        window, better, reason = (float(down["stabilizationWindowSeconds"]), max,
                                  _DOWN_STABILIZED)
    longest = max(float(up["stabilizationWindowSeconds"]),
                  float(down["stabilizationWindowSeconds"]))
    recommendation = desired
    old = None
    for index, (replicas, time) in enumerate(history.recommendations):
        if time > now - window:
            recommendation = better(replicas, recommendation)
        if time < now - longest:
            old = index
    _remember(history, old, desired, now)
    return recommendation, reason


def _changed_within(events: list[ScaleEvent], period: float, now: float) -> int:
    """``getReplicasChangePerPeriod``."""
    return sum(event.change for event in events if event.time > now - period)


def _within_behavior(history: ScalingHistory, current: int, desired: int, minimum: int,
                     maximum: int, up: Obj, down: Obj, now: float
                     ) -> tuple[int, tuple[str, str]]:
    """``convertDesiredReplicasWithBehaviorRate``."""
    if desired > current:
        up_limit = max(_scale_up_limit(current, history.scale_up, up, now), current)
        if maximum > up_limit:
            allowed, limit = up_limit, _UP_LIMIT
        else:
            allowed, limit = maximum, _TOO_MANY
        if desired > allowed:
            return allowed, limit
    elif desired < current:
        down_limit = min(_scale_down_limit(current, history.scale_down, down, now), current)
        if minimum < down_limit:
            allowed, limit = down_limit, _DOWN_LIMIT
        else:
            allowed, limit = minimum, _TOO_FEW
        if desired < allowed:
            return allowed, limit
    return desired, _WITHIN


def _scale_up_limit(current: int, events: list[ScaleEvent], rules: Obj, now: float) -> int:
    """``calculateScaleUpLimitWithScalingRules``: the most replicas the policies allow."""
    select = rules["selectPolicy"]
    if select == "Disabled":
        return current
    pick = min if select == "Min" else max
    result = None
    for policy in rules["policies"]:
        start = current - _changed_within(events, float(policy["periodSeconds"]), now)
        if policy.get("type") == "Pods":
            proposed = start + int(policy["value"])
        else:
            proposed = math.ceil(start * (1 + int(policy["value"]) / 100))
        result = proposed if result is None else pick(result, proposed)
    return result if result is not None else current


def _scale_down_limit(current: int, events: list[ScaleEvent], rules: Obj, now: float) -> int:
    """``calculateScaleDownLimitWithBehaviors``: the fewest replicas the policies allow."""
    select = rules["selectPolicy"]
    if select == "Disabled":
        return current
    pick = max if select == "Min" else min
    result = None
    for policy in rules["policies"]:
        start = current + _changed_within(events, float(policy["periodSeconds"]), now)
        if policy.get("type") == "Pods":
            proposed = start - int(policy["value"])
        else:
            proposed = int(start * (1 - int(policy["value"]) / 100))
        result = proposed if result is None else pick(result, proposed)
    return result if result is not None else current
