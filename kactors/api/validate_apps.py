"""Validation of apps/v1: Deployment, ReplicaSet, StatefulSet, DaemonSet, ControllerRevision.

A transcription of ``pkg/apis/apps/validation`` and of the apps strategies' update
rules: the selector must be set, non-empty and match the template labels; replicas and
the other counters are non-negative; rolling-update parameters are ints or percentages
(not both zero, at most 100%); templates restart ``Always``. On update the selector is
immutable (``spec.selector: Invalid value: ...: field is immutable``), and a StatefulSet
may only change replicas, ordinals, template, update strategy, PVC retention policy and
minReadySeconds.

Like Kubernetes, a StatefulSet's pod template is *not* run through the pod spec
validation (only its labels and annotations are checked).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from .fielderrors import (
    FieldError,
    FieldPath,
    forbidden,
    invalid,
    not_supported,
    required,
)
from .kinds import ResourceInfo
from .validate_meta import (
    get_map,
    go_map,
    go_selector,
    is_int,
    name_is_dns_label,
    name_is_dns_subdomain,
    selector_matches,
    semantic_equal,
    validate_annotations,
    validate_immutable,
    validate_label_selector,
    validate_labels,
    validate_nonnegative,
    validate_object_meta,
    validate_object_meta_update,
)
from .validate_pod import validate_pod_template
from .validation import is_valid_percent

__all__ = [
    "not_more_than_100_percent",
    "validate_controller_revision",
    "validate_controller_revision_update",
    "validate_daemonset",
    "validate_daemonset_update",
    "validate_deployment",
    "validate_deployment_update",
    "validate_positive_int_or_percent",
    "validate_replicaset",
    "validate_replicaset_update",
    "validate_statefulset",
    "validate_statefulset_update",
]

SPEC = FieldPath.of("spec")
_PERCENT_RE = re.compile(r"[0-9]+%")


def _validate_selector(spec: Mapping[str, Any], kind: str) -> list[FieldError]:
    """Selector required, valid and non-empty (``empty selector is invalid for <kind>``)."""
    selector = spec.get("selector")
    if selector is None:
        return [required(SPEC.child("selector"))]
    errors = validate_label_selector(selector, SPEC.child("selector"))
    selector = selector if isinstance(selector, Mapping) else {}
    if not selector.get("matchLabels") and not selector.get("matchExpressions"):
        errors.append(
            invalid(
                SPEC.child("selector"),
                go_selector(selector),
                f"empty selector is invalid for {kind}",
            )
        )
    return errors


def _selects_everything(selector: Any) -> bool:
    """``selector.Empty()``: ``{}`` selects everything; a missing selector selects nothing."""
    return (
        isinstance(selector, Mapping)
        and not selector.get("matchLabels")
        and not selector.get("matchExpressions")
    )


def _validate_template_for_selector(
    spec: Mapping[str, Any], template_path: FieldPath, *, validate_spec: bool = True
) -> list[FieldError]:
    """``ValidatePodTemplateSpecForReplicaSet``: labels match the selector, restart Always."""
    errors: list[FieldError] = []
    template = get_map(spec, "template")
    labels = get_map(get_map(template, "metadata"), "labels")
    selector = spec.get("selector")
    matches = selector_matches(selector, labels)
    if matches is None:
        return [invalid(SPEC.child("selector"), selector, "invalid label selector")]
    if not _selects_everything(selector) and not matches:
        errors.append(
            invalid(
                template_path.child("metadata", "labels"),
                go_map(labels),
                "`selector` does not match template `labels`",
            )
        )
    if validate_spec:
        errors += validate_pod_template(template, template_path)
    return errors


def _restart_always(spec: Mapping[str, Any], kind: str) -> list[FieldError]:
    """Controllers' templates must restart ``Always`` and have no active deadline."""
    errors: list[FieldError] = []
    template_spec = get_map(get_map(spec, "template"), "spec")
    policy = template_spec.get("restartPolicy", "")
    path = SPEC.child("template", "spec")
    if policy != "Always":
        errors.append(not_supported(path.child("restartPolicy"), policy, ("Always",)))
    if template_spec.get("activeDeadlineSeconds") is not None:
        errors.append(
            forbidden(
                path.child("activeDeadlineSeconds"),
                f"activeDeadlineSeconds in {kind} is not Supported",
            )
        )
    return errors


# Bad values that are internal API structs print as Go's JSON of those structs: without
# json tags, so with Go's capitalised field names.


def _internal_rolling(rolling: Any, fields: tuple[str, ...]) -> dict[str, Any] | None:
    if not isinstance(rolling, Mapping):
        return None
    return {name: rolling.get(name[0].lower() + name[1:]) for name in fields}


def _internal_strategy(
    strategy: Mapping[str, Any], fields: tuple[str, ...] = ("MaxUnavailable", "MaxSurge")
) -> dict[str, Any]:
    """``DeploymentStrategy``/``DaemonSetUpdateStrategy``/``StatefulSetUpdateStrategy``."""
    return {
        "Type": strategy.get("type", ""),
        "RollingUpdate": _internal_rolling(strategy.get("rollingUpdate"), fields),
    }


def _percent(value: Any) -> int | None:
    if isinstance(value, str) and _PERCENT_RE.fullmatch(value):
        return int(value[:-1])
    return None


def _int_or_percent_value(value: Any) -> int:
    """``getIntOrPercentValue``: the number, whether ``5`` or ``"5%"``."""
    percent = _percent(value)
    if percent is not None:
        return percent
    return int(value) if is_int(value) else 0


def validate_positive_int_or_percent(value: Any, path: FieldPath) -> list[FieldError]:
    """``ValidatePositiveIntOrPercent``."""
    if isinstance(value, str):
        return [invalid(path, value, msg) for msg in is_valid_percent(value)]
    if is_int(value):
        return validate_nonnegative(value, path)
    if value is None:
        return []
    return [invalid(path, value, "must be an integer or percentage (e.g '5%')")]


def not_more_than_100_percent(value: Any, path: FieldPath) -> list[FieldError]:
    """``IsNotMoreThan100Percent``."""
    percent = _percent(value)
    if percent is None or percent <= 100:
        return []
    return [invalid(path, value, "must not be greater than 100%")]


# -- Deployment -----------------------------------------------------------------------------


def _validate_deployment_strategy(strategy: Any) -> list[FieldError]:
    path = SPEC.child("strategy")
    strategy = strategy if isinstance(strategy, Mapping) else {}
    kind = strategy.get("type", "")
    if kind == "Recreate":
        if strategy.get("rollingUpdate") is not None:
            return [
                forbidden(
                    path.child("rollingUpdate"),
                    "may not be specified when strategy `type` is 'Recreate'",
                )
            ]
        return []
    if kind == "RollingUpdate":
        rolling = strategy.get("rollingUpdate")
        if not isinstance(rolling, Mapping):
            return [
                required(path.child("rollingUpdate"), "this should be defaulted and never be nil")
            ]
        at = path.child("rollingUpdate")
        max_unavailable, max_surge = rolling.get("maxUnavailable", 0), rolling.get("maxSurge", 0)
        errors = validate_positive_int_or_percent(max_unavailable, at.child("maxUnavailable"))
        errors += validate_positive_int_or_percent(max_surge, at.child("maxSurge"))
        if _int_or_percent_value(max_unavailable) == 0 and _int_or_percent_value(max_surge) == 0:
            errors.append(
                invalid(
                    at.child("maxUnavailable"), max_unavailable, "may not be 0 when `maxSurge` is 0"
                )
            )
        return errors + not_more_than_100_percent(max_unavailable, at.child("maxUnavailable"))
    return [not_supported(path, _internal_strategy(strategy), ("Recreate", "RollingUpdate"))]


def _validate_deployment_spec(spec: Mapping[str, Any]) -> list[FieldError]:
    errors = validate_nonnegative(spec.get("replicas", 0), SPEC.child("replicas"))
    errors += _validate_selector(spec, "deployment")
    errors += _validate_template_for_selector(spec, SPEC.child("template"))
    errors += _restart_always(spec, "Deployment")
    errors += _validate_deployment_strategy(spec.get("strategy"))
    errors += validate_nonnegative(spec.get("minReadySeconds"), SPEC.child("minReadySeconds"))
    errors += validate_nonnegative(
        spec.get("revisionHistoryLimit"), SPEC.child("revisionHistoryLimit")
    )
    deadline = spec.get("progressDeadlineSeconds")
    if deadline is not None:
        errors += validate_nonnegative(deadline, SPEC.child("progressDeadlineSeconds"))
        if is_int(deadline) and deadline <= (spec.get("minReadySeconds") or 0):
            errors.append(
                invalid(
                    SPEC.child("progressDeadlineSeconds"),
                    deadline,
                    "must be greater than minReadySeconds",
                )
            )
    return errors


def validate_deployment(obj: Mapping[str, Any], info: ResourceInfo) -> list[FieldError]:
    """``ValidateDeployment``."""
    errors = validate_object_meta(obj, info.namespaced, name_is_dns_subdomain)
    return errors + _validate_deployment_spec(get_map(obj, "spec"))


def _selector_immutable(new: Mapping[str, Any], old: Mapping[str, Any]) -> list[FieldError]:
    """The apps/v1 strategies' rule: ``spec.selector`` cannot change."""
    return validate_immutable(
        go_selector(get_map(new, "spec").get("selector")),
        get_map(old, "spec").get("selector"),
        SPEC.child("selector"),
    )


def validate_deployment_update(
    new: Mapping[str, Any], old: Mapping[str, Any], info: ResourceInfo
) -> list[FieldError]:
    """``ValidateDeploymentUpdate`` plus the immutable selector."""
    errors = validate_object_meta_update(new, old)
    errors += _validate_deployment_spec(get_map(new, "spec"))
    return errors + _selector_immutable(new, old)


# -- ReplicaSet -----------------------------------------------------------------------------


def _validate_replicaset_spec(spec: Mapping[str, Any]) -> list[FieldError]:
    errors = validate_nonnegative(spec.get("replicas", 0), SPEC.child("replicas"))
    errors += validate_nonnegative(spec.get("minReadySeconds"), SPEC.child("minReadySeconds"))
    errors += _validate_selector(spec, "deployment")  # sic: Kubernetes says "deployment"
    errors += _validate_template_for_selector(spec, SPEC.child("template"))
    return errors + _restart_always(spec, "ReplicaSet")


def validate_replicaset(obj: Mapping[str, Any], info: ResourceInfo) -> list[FieldError]:
    """``ValidateReplicaSet``."""
    errors = validate_object_meta(obj, info.namespaced, name_is_dns_subdomain)
    return errors + _validate_replicaset_spec(get_map(obj, "spec"))


def validate_replicaset_update(
    new: Mapping[str, Any], old: Mapping[str, Any], info: ResourceInfo
) -> list[FieldError]:
    """``ValidateReplicaSetUpdate`` plus the immutable selector."""
    errors = validate_object_meta_update(new, old)
    errors += _validate_replicaset_spec(get_map(new, "spec"))
    return errors + _selector_immutable(new, old)


# -- DaemonSet ------------------------------------------------------------------------------


def _validate_daemonset_spec(spec: Mapping[str, Any]) -> list[FieldError]:
    selector = spec.get("selector")
    errors = validate_label_selector(selector, SPEC.child("selector"))
    labels = get_map(get_map(get_map(spec, "template"), "metadata"), "labels")
    if selector_matches(selector, labels) is False:
        errors.append(
            invalid(
                SPEC.child("template", "metadata", "labels"),
                go_map(labels),
                "`selector` does not match template `labels`",
            )
        )
    if (
        isinstance(selector, Mapping)
        and not selector.get("matchLabels")
        and not selector.get("matchExpressions")
    ):
        errors.append(
            invalid(
                SPEC.child("selector"),
                go_selector(selector),
                "empty selector is invalid for daemonset",
            )
        )
    errors += validate_pod_template(spec.get("template"), SPEC.child("template"))
    errors += _restart_always(spec, "DaemonSet")
    errors += validate_nonnegative(spec.get("minReadySeconds"), SPEC.child("minReadySeconds"))
    errors += _validate_daemonset_strategy(spec.get("updateStrategy"))
    return errors + validate_nonnegative(
        spec.get("revisionHistoryLimit"), SPEC.child("revisionHistoryLimit")
    )


def _validate_daemonset_strategy(strategy: Any) -> list[FieldError]:
    path = SPEC.child("updateStrategy")
    strategy = strategy if isinstance(strategy, Mapping) else {}
    kind = strategy.get("type", "")
    if kind == "OnDelete":
        return []
    if kind != "RollingUpdate":
        return [not_supported(path, _internal_strategy(strategy), ("RollingUpdate", "OnDelete"))]
    rolling = strategy.get("rollingUpdate")
    if not isinstance(rolling, Mapping):
        return [required(path.child("rollingUpdate"))]
    at = path.child("rollingUpdate")
    max_unavailable, max_surge = rolling.get("maxUnavailable", 0), rolling.get("maxSurge", 0)
    errors = validate_positive_int_or_percent(max_unavailable, at.child("maxUnavailable"))
    errors += validate_positive_int_or_percent(max_surge, at.child("maxSurge"))
    errors += not_more_than_100_percent(max_unavailable, at.child("maxUnavailable"))
    errors += not_more_than_100_percent(max_surge, at.child("maxSurge"))
    has_unavailable = _int_or_percent_value(max_unavailable) != 0
    has_surge = _int_or_percent_value(max_surge) != 0
    if has_unavailable and has_surge:
        errors.append(
            invalid(
                at.child("maxSurge"), max_surge, "may not be set when maxUnavailable is non-zero"
            )
        )
    elif not has_unavailable and not has_surge:
        errors.append(required(at.child("maxUnavailable"), "cannot be 0 when maxSurge is 0"))
    return errors


def validate_daemonset(obj: Mapping[str, Any], info: ResourceInfo) -> list[FieldError]:
    """``ValidateDaemonSet``."""
    errors = validate_object_meta(obj, info.namespaced, name_is_dns_subdomain)
    return errors + _validate_daemonset_spec(get_map(obj, "spec"))


def validate_daemonset_update(
    new: Mapping[str, Any], old: Mapping[str, Any], info: ResourceInfo
) -> list[FieldError]:
    """``ValidateDaemonSetUpdate`` plus the immutable selector."""
    errors = validate_object_meta_update(new, old)
    errors += _validate_daemonset_spec(get_map(new, "spec"))
    return errors + _selector_immutable(new, old)


# -- StatefulSet ----------------------------------------------------------------------------


def _validate_statefulset_spec(spec: Mapping[str, Any]) -> list[FieldError]:
    errors: list[FieldError] = []
    policy = spec.get("podManagementPolicy", "")
    if not policy:
        errors.append(required(SPEC.child("podManagementPolicy")))
    elif policy not in ("OrderedReady", "Parallel"):
        errors.append(
            invalid(
                SPEC.child("podManagementPolicy"), policy, "must be 'OrderedReady' or 'Parallel'"
            )
        )
    strategy = get_map(spec, "updateStrategy")
    kind = strategy.get("type", "")
    rolling = strategy.get("rollingUpdate")
    if not kind:
        errors.append(required(SPEC.child("updateStrategy")))
    elif kind == "OnDelete":
        if rolling is not None:
            errors.append(
                invalid(
                    SPEC.child("updateStrategy", "rollingUpdate"),
                    _internal_rolling(rolling, ("Partition", "MaxUnavailable")),
                    "only allowed for updateStrategy 'RollingUpdate'",
                )
            )
    elif kind == "RollingUpdate":
        if isinstance(rolling, Mapping):
            at = SPEC.child("updateStrategy", "rollingUpdate")
            errors += validate_nonnegative(rolling.get("partition", 0), at.child("partition"))
            max_unavailable = rolling.get("maxUnavailable")
            if max_unavailable is not None:
                errors += validate_positive_int_or_percent(
                    max_unavailable, at.child("maxUnavailable")
                )
                if _int_or_percent_value(max_unavailable) == 0:
                    errors.append(
                        invalid(at.child("maxUnavailable"), max_unavailable, "cannot be 0")
                    )
                errors += not_more_than_100_percent(max_unavailable, at.child("maxUnavailable"))
    else:
        errors.append(
            invalid(
                SPEC.child("updateStrategy"),
                _internal_strategy(strategy, ("Partition", "MaxUnavailable")),
                "must be 'RollingUpdate' or 'OnDelete'",
            )
        )
    retention = spec.get("persistentVolumeClaimRetentionPolicy")
    if isinstance(retention, Mapping):
        at = SPEC.child("persistentVolumeClaimRetentionPolicy")
        for key in ("whenDeleted", "whenScaled"):
            if retention.get(key, "") not in ("Retain", "Delete"):
                errors.append(
                    not_supported(at.child(key), retention.get(key, ""), ("Retain", "Delete"))
                )
    errors += validate_nonnegative(spec.get("replicas", 0), SPEC.child("replicas"))
    errors += validate_nonnegative(spec.get("minReadySeconds"), SPEC.child("minReadySeconds"))
    if spec.get("ordinals") is not None:
        errors += validate_nonnegative(
            get_map(spec, "ordinals").get("start", 0), SPEC.child("ordinals.start")
        )
    errors += _validate_selector(spec, "statefulset")
    template = get_map(spec, "template")
    metadata = get_map(template, "metadata")
    labels = get_map(metadata, "labels")
    selector = spec.get("selector")
    if selector_matches(selector, labels) is None:
        errors.append(invalid(SPEC.child("selector"), selector, ""))
    else:
        if not _selects_everything(selector) and not selector_matches(selector, labels):
            errors.append(
                invalid(
                    SPEC.child("template", "metadata", "labels"),
                    go_map(labels),
                    "`selector` does not match template `labels`",
                )
            )
        errors += validate_labels(metadata.get("labels"), SPEC.child("template", "labels"))
        errors += validate_annotations(
            metadata.get("annotations"), SPEC.child("template", "annotations")
        )
    return errors + _restart_always(spec, "StatefulSet")


def validate_statefulset(obj: Mapping[str, Any], info: ResourceInfo) -> list[FieldError]:
    """``ValidateStatefulSet`` (names are DNS labels: the pods are named after them)."""
    errors = validate_object_meta(obj, info.namespaced, name_is_dns_label)
    return errors + _validate_statefulset_spec(get_map(obj, "spec"))


_STATEFULSET_MUTABLE = (
    "replicas",
    "template",
    "updateStrategy",
    "minReadySeconds",
    "ordinals",
    "persistentVolumeClaimRetentionPolicy",
)


def validate_statefulset_update(
    new: Mapping[str, Any], old: Mapping[str, Any], info: ResourceInfo
) -> list[FieldError]:
    """``ValidateStatefulSetUpdate``: only a few spec fields may change."""
    errors = validate_object_meta_update(new, old)
    new_spec, old_spec = get_map(new, "spec"), get_map(old, "spec")
    errors += _validate_statefulset_spec(new_spec)
    rest_new = {key: value for key, value in new_spec.items() if key not in _STATEFULSET_MUTABLE}
    rest_old = {key: value for key, value in old_spec.items() if key not in _STATEFULSET_MUTABLE}
    if not semantic_equal(rest_new, rest_old):
        errors.append(
            forbidden(
                SPEC,
                "updates to statefulset spec for fields other than 'replicas', 'ordinals', "
                "'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and "
                "'minReadySeconds' are forbidden",
            )
        )
    return errors


# -- ControllerRevision ---------------------------------------------------------------------


def validate_controller_revision(obj: Mapping[str, Any], info: ResourceInfo) -> list[FieldError]:
    """``ValidateControllerRevision``: a DNS-subdomain name, ``data`` present (``data is
    mandatory``), ``revision`` non-negative."""
    errors = validate_object_meta(obj, info.namespaced, name_is_dns_subdomain)
    if obj.get("data") is None:
        errors.append(required(FieldPath.of("data"), "data is mandatory"))
    return errors + validate_nonnegative(obj.get("revision", 0), FieldPath.of("revision"))


def validate_controller_revision_update(
    new: Mapping[str, Any], old: Mapping[str, Any], info: ResourceInfo
) -> list[FieldError]:
    """``ValidateControllerRevisionUpdate``: ``data`` is immutable. ``revision`` is not
    (whatever Kubernetes' doc comment says, its code leaves it mutable): a controller
    rolling back to an old template gives that template's revision the next number."""
    errors = validate_object_meta_update(new, old)
    errors += validate_controller_revision(new, info)
    return errors + validate_immutable(new.get("data"), old.get("data"), FieldPath.of("data"))
