"""Validation of batch/v1 Jobs (``pkg/apis/batch/validation``).

On create: the generated selector (unless ``manualSelector``) must carry the Job's uid
and name labels, the selector must match the template, counters are non-negative, the
completion mode is known (Indexed Jobs need ``completions``), and the template is a valid
pod template restarting ``OnFailure`` or ``Never`` (the defaulted ``Always`` gives
``spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"``).

On update the selector, completion mode and pod failure policy are immutable,
``completions`` too (except for Indexed Jobs, in tandem with ``parallelism``), and so is
the template, except that a suspended Job that never started may change its scheduling
directives (node affinity, node selector, tolerations, scheduling gates, labels,
annotations), as Kubernetes allows.

A CronJob needs a schedule that parses (:mod:`.cron`), a known time zone, a concurrency
policy, a name of at most 52 characters (its Jobs add 11), and a Job template whose
selector is not given (each Job gets its own).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from .cron import CronError, parse_cron, time_zone
from .defaults import (
    JOB_CONTROLLER_UID_LABEL,
    JOB_NAME_LABEL,
    LEGACY_JOB_CONTROLLER_UID_LABEL,
    LEGACY_JOB_NAME_LABEL,
)
from .fielderrors import FieldError, FieldPath, invalid, not_supported, required
from .kinds import ResourceInfo
from .validate_meta import (
    METADATA,
    get_map,
    get_str,
    go_map,
    go_selector,
    is_int,
    name_is_dns_subdomain,
    selector_matches,
    validate_immutable,
    validate_label_selector,
    validate_nonnegative,
    validate_object_meta,
    validate_object_meta_update,
)
from .validate_pod import validate_pod_template
from .validation import is_dns1123_label

__all__ = ["validate_cronjob", "validate_cronjob_update", "validate_job",
           "validate_job_update"]

SPEC = FieldPath.of("spec")
_MAX_INDEXED_PARALLELISM = 100000
_SCHEDULING_DIRECTIVES = ("affinity", "nodeSelector", "tolerations", "schedulingGates")


def _has_label(template: Mapping[str, Any], key: str, expected: str) -> list[FieldError]:
    """``ValidateHasLabel`` on the template metadata."""
    labels = get_map(get_map(template, "metadata"), "labels")
    path = SPEC.child("template", "metadata", "labels").key(key)
    if key not in labels:
        return [required(path, f"must be '{expected}'")]
    if labels[key] != expected:
        return [invalid(path, go_map(labels), f"must be '{expected}'")]
    return []


def _validate_generated_selector(job: Mapping[str, Any]) -> list[FieldError]:
    """``validateGeneratedSelector``: what :func:`~kactors.api.defaults.generate_job_selector` sets."""
    spec = get_map(job, "spec")
    if spec.get("manualSelector") is True or spec.get("selector") is None:
        return []
    metadata = get_map(job, "metadata")
    uid, name = get_str(metadata, "uid"), get_str(metadata, "name")
    errors: list[FieldError] = []
    if not uid:
        errors.append(required(METADATA.child("uid")))
    template = get_map(spec, "template")
    errors += _has_label(template, LEGACY_JOB_CONTROLLER_UID_LABEL, uid)
    errors += _has_label(template, LEGACY_JOB_NAME_LABEL, name)
    errors += _has_label(template, JOB_CONTROLLER_UID_LABEL, uid)
    errors += _has_label(template, JOB_NAME_LABEL, name)
    expected = {
        JOB_CONTROLLER_UID_LABEL: uid,
        JOB_NAME_LABEL: name,
        LEGACY_JOB_CONTROLLER_UID_LABEL: uid,
        LEGACY_JOB_NAME_LABEL: name,
    }
    if selector_matches(spec.get("selector"), expected) is False:
        errors.append(
            invalid(
                SPEC.child("selector"),
                go_selector(spec.get("selector")),
                "`selector` not auto-generated",
            )
        )
    return errors


def _validate_job_spec(spec: Mapping[str, Any], path: FieldPath = SPEC, *,
                       template: bool = False) -> list[FieldError]:
    """``ValidateJobSpec`` of a Job's spec at `path`; with `template`, of a CronJob's
    job template (``validateJobSpec`` + ``ValidateJobTemplateSpec``): its selector is
    generated for each Job, so it must not be given."""
    errors: list[FieldError] = []
    for key in (
        "parallelism",
        "completions",
        "activeDeadlineSeconds",
        "backoffLimit",
        "ttlSecondsAfterFinished",
    ):
        errors += validate_nonnegative(spec.get(key), path.child(key))
    mode = spec.get("completionMode")
    if mode is not None:
        if mode not in ("NonIndexed", "Indexed"):
            errors.append(
                not_supported(path.child("completionMode"), mode, ("NonIndexed", "Indexed"))
            )
        elif mode == "Indexed":
            if spec.get("completions") is None:
                errors.append(
                    required(path.child("completions"), "when completion mode is Indexed")
                )
            parallelism = spec.get("parallelism")
            if is_int(parallelism) and parallelism > _MAX_INDEXED_PARALLELISM:
                errors.append(
                    invalid(
                        path.child("parallelism"),
                        parallelism,
                        f"must be less than or equal to {_MAX_INDEXED_PARALLELISM} when completion mode is Indexed",
                    )
                )
    pod_template = get_map(spec, "template")
    errors += validate_pod_template(pod_template, path.child("template"))
    policy = get_map(pod_template, "spec").get("restartPolicy", "")
    restart_path = path.child("template", "spec", "restartPolicy")
    if policy in ("Always", ""):
        errors.append(required(restart_path, 'valid values: "OnFailure", "Never"'))
    elif policy not in ("OnFailure", "Never"):
        errors.append(not_supported(restart_path, policy, ("OnFailure", "Never")))
    selector = spec.get("selector")
    if template:
        if selector is not None:
            errors.append(invalid(path.child("selector"), go_selector(selector),
                                  "`selector` will be auto-generated"))
        if spec.get("manualSelector") is True:
            errors.append(not_supported(path.child("manualSelector"), True,
                                        ("nil", "false")))
        return errors
    if selector is None:
        errors.append(required(path.child("selector")))
    else:
        errors += validate_label_selector(selector, path.child("selector"))
    labels = get_map(get_map(pod_template, "metadata"), "labels")
    if selector_matches(selector, labels) is False:
        errors.append(
            invalid(
                path.child("template", "metadata", "labels"),
                go_map(labels),
                "`selector` does not match template `labels`",
            )
        )
    return errors


def validate_job(obj: Mapping[str, Any], info: ResourceInfo) -> list[FieldError]:
    """``ValidateJob``: metadata, generated selector, spec; Indexed Jobs' pod hostnames."""
    errors = validate_object_meta(obj, info.namespaced, name_is_dns_subdomain)
    spec = get_map(obj, "spec")
    completions = spec.get("completions")
    if spec.get("completionMode") == "Indexed" and is_int(completions) and completions > 0:
        name = get_str(get_map(obj, "metadata"), "name")
        hostname = f"{name}-{int(completions) - 1}"
        if is_dns1123_label(hostname):
            errors.append(
                invalid(
                    METADATA.child("name"),
                    name,
                    f"will not able to create pod with invalid DNS label: {hostname}",
                )
            )
    errors += _validate_generated_selector(obj)
    return errors + _validate_job_spec(spec)


def _mutable_scheduling(old: Mapping[str, Any]) -> bool:
    """A suspended Job that never started may change its scheduling directives."""
    return (
        get_map(old, "spec").get("suspend") is True
        and get_map(old, "status").get("startTime") is None
    )


def validate_job_update(
    new: Mapping[str, Any], old: Mapping[str, Any], info: ResourceInfo
) -> list[FieldError]:
    """``ValidateJobUpdate``: see the module docstring for the immutable fields."""
    errors = validate_object_meta_update(new, old)
    new_spec, old_spec = get_map(new, "spec"), get_map(old, "spec")
    errors += _validate_job_spec(new_spec)
    if new_spec.get("completionMode") == "Indexed":
        if (
            new_spec.get("completions") != old_spec.get("completions")
            and new_spec.get("completions") is not None
        ):
            if new_spec.get("completions") != new_spec.get("parallelism"):
                errors.append(
                    invalid(
                        SPEC.child("completions"),
                        new_spec.get("completions"),
                        "can only be modified in tandem with spec.parallelism",
                    )
                )
    else:
        errors += validate_immutable(
            new_spec.get("completions"), old_spec.get("completions"), SPEC.child("completions")
        )
    errors += validate_immutable(
        go_selector(new_spec.get("selector")), old_spec.get("selector"), SPEC.child("selector")
    )
    new_template, old_template = get_map(new_spec, "template"), dict(get_map(old_spec, "template"))
    if _mutable_scheduling(old):
        old_template_spec = dict(get_map(old_template, "spec"))
        new_template_spec = get_map(new_template, "spec")
        for key in _SCHEDULING_DIRECTIVES:
            old_template_spec[key] = new_template_spec.get(key)
        old_metadata = dict(get_map(old_template, "metadata"))
        new_metadata = get_map(new_template, "metadata")
        for key in ("labels", "annotations"):
            old_metadata[key] = new_metadata.get(key)
        old_template = {**old_template, "spec": old_template_spec, "metadata": old_metadata}
    errors += validate_immutable(new_template, old_template, SPEC.child("template"))
    for key in ("completionMode", "podFailurePolicy", "backoffLimitPerIndex"):
        errors += validate_immutable(new_spec.get(key), old_spec.get(key), SPEC.child(key))
    return errors


# -- CronJob --------------------------------------------------------------------------------

#: the suffix a CronJob's Jobs get (``-`` and the scheduled minute): a Job name has 63
_CRONJOB_NAME_MAX = 63 - 11
_CONCURRENCY_POLICIES = ("Allow", "Forbid", "Replace")
_ZONE_PART = re.compile(r"[A-Za-z\.\-_0-9+]{1,14}")


def _validate_schedule(schedule: Any, path: FieldPath) -> list[FieldError]:
    if not isinstance(schedule, str) or not schedule:
        return [required(path, "")]
    if "TZ" in schedule:
        return [invalid(path, schedule,
                        "cannot use TZ or CRON_TZ in schedule, use timeZone field instead")]
    try:
        parse_cron(schedule)
    except CronError as error:
        return [invalid(path, schedule, str(error))]
    return []


def _validate_time_zone(zone: Any, path: FieldPath) -> list[FieldError]:
    """``validateTimeZone``: an IANA zone name the tz database knows."""
    if zone is None:
        return []
    if not isinstance(zone, str) or not zone:
        return [invalid(path, zone, "timeZone must be nil or non-empty string")]
    for part in zone.split("/"):
        if part in (".", "..") or part.startswith("-") or not _ZONE_PART.fullmatch(part):
            return [invalid(path, zone, f"unknown time zone {zone}")]
    if zone.lower() == "local":
        return [invalid(path, zone, "timeZone must be an explicit time zone as defined in "
                                    "https://www.iana.org/time-zones")]
    if time_zone(zone) is None:
        return [invalid(path, zone, f"unknown time zone {zone}")]
    return []


def _validate_cronjob_spec(spec: Mapping[str, Any]) -> list[FieldError]:
    errors = _validate_schedule(spec.get("schedule"), SPEC.child("schedule"))
    errors += validate_nonnegative(spec.get("startingDeadlineSeconds"),
                                   SPEC.child("startingDeadlineSeconds"))
    errors += _validate_time_zone(spec.get("timeZone"), SPEC.child("timeZone"))
    policy = spec.get("concurrencyPolicy")
    if not policy:
        errors.append(required(SPEC.child("concurrencyPolicy"), ""))
    elif policy not in _CONCURRENCY_POLICIES:
        errors.append(not_supported(SPEC.child("concurrencyPolicy"), policy,
                                    _CONCURRENCY_POLICIES))
    job_template = get_map(spec, "jobTemplate")
    errors += _validate_job_spec(get_map(job_template, "spec"),
                                 SPEC.child("jobTemplate", "spec"), template=True)
    for key in ("successfulJobsHistoryLimit", "failedJobsHistoryLimit"):
        errors += validate_nonnegative(spec.get(key), SPEC.child(key))
    return errors


def validate_cronjob(obj: Mapping[str, Any], info: ResourceInfo) -> list[FieldError]:
    """``ValidateCronJobCreate``: metadata (a name short enough for its Jobs' names),
    a schedule that parses, a known time zone and concurrency policy, a Job template
    whose selector is left to be generated."""
    errors = validate_object_meta(obj, info.namespaced, name_is_dns_subdomain)
    errors += _validate_cronjob_spec(get_map(obj, "spec"))
    name = get_str(get_map(obj, "metadata"), "name")
    if len(name) > _CRONJOB_NAME_MAX:
        errors.append(invalid(METADATA.child("name"), name,
                              f"must be no more than {_CRONJOB_NAME_MAX} characters"))
    return errors


def validate_cronjob_update(new: Mapping[str, Any], old: Mapping[str, Any],
                            info: ResourceInfo) -> list[FieldError]:
    """``ValidateCronJobUpdate``: metadata rules, then the spec as on create."""
    return validate_object_meta_update(new, old) + \
        _validate_cronjob_spec(get_map(new, "spec"))
