"""Validation of a pod's scheduling constraints: tolerations and affinity.

``ValidateTolerations`` (also used to check additions on Pod updates) and
``validateAffinity``: node selector terms and their requirements, preferred-term
weights, and pod (anti-)affinity terms (label selectors, namespaces, topology keys).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .fielderrors import FieldError, FieldPath, invalid, not_supported, required
from .validate_meta import (
    as_dicts,
    get_list,
    get_map,
    get_str,
    is_int,
    name_is_dns_label,
    validate_label_name,
    validate_label_selector,
    validate_requirement_operator,
)
from .validation import is_label_value

__all__ = ["validate_affinity", "validate_tolerations"]

_TAINT_EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")


def validate_tolerations(tolerations: Any, path: FieldPath) -> list[FieldError]:
    """``ValidateTolerations``."""
    errors: list[FieldError] = []
    for index, toleration in enumerate(as_dicts(tolerations)):
        at = path.index(index)
        key, operator = get_str(toleration, "key"), toleration.get("operator", "") or ""
        effect, value = toleration.get("effect", "") or "", get_str(toleration, "value")
        if key:
            errors.extend(validate_label_name(key, at.child("key")))
        if not key and operator != "Exists":
            errors.append(
                invalid(
                    at.child("operator"),
                    operator,
                    'operator must be Exists when `key` is empty, which means "match all values and all keys"',
                )
            )
        if toleration.get("tolerationSeconds") is not None and effect != "NoExecute":
            errors.append(
                invalid(
                    at.child("effect"),
                    effect,
                    "effect must be 'NoExecute' when `tolerationSeconds` is set",
                )
            )
        if operator in ("Equal", ""):
            messages = is_label_value(value)
            if messages:
                errors.append(invalid(at.child("operator"), value, ";".join(messages)))
        elif operator == "Exists":
            if value:
                errors.append(
                    invalid(
                        at.child("operator"),
                        value,
                        "value must be empty when `operator` is 'Exists'",
                    )
                )
        else:
            errors.append(not_supported(at.child("operator"), operator, ("Equal", "Exists")))
        if effect and effect not in _TAINT_EFFECTS:
            errors.append(not_supported(at.child("effect"), effect, _TAINT_EFFECTS))
    return errors


def _validate_node_selector_requirement(
    requirement: Mapping[str, Any], path: FieldPath
) -> list[FieldError]:
    operator = requirement.get("operator", "")
    values = get_list(requirement, "values")
    errors = validate_requirement_operator(operator, values, path, numeric=True)
    errors.extend(validate_label_name(get_str(requirement, "key"), path.child("key")))
    for index, value in enumerate(values):
        errors.extend(
            invalid(path.child("values").index(index), value, msg)
            for msg in is_label_value(str(value))
        )
    return errors


def _validate_node_selector_term(term: Mapping[str, Any], path: FieldPath) -> list[FieldError]:
    errors: list[FieldError] = []
    for index, requirement in enumerate(as_dicts(term.get("matchExpressions"))):
        errors.extend(
            _validate_node_selector_requirement(
                requirement, path.child("matchExpressions").index(index)
            )
        )
    for index, requirement in enumerate(as_dicts(term.get("matchFields"))):
        at = path.child("matchFields").index(index)
        if requirement.get("operator") in ("In", "NotIn"):
            if len(get_list(requirement, "values")) != 1:
                errors.append(
                    required(
                        at.child("values"),
                        "must be only one value when `operator` is 'In' or 'NotIn' for node field selector",
                    )
                )
        else:
            errors.append(
                invalid(
                    at.child("operator"),
                    requirement.get("operator", ""),
                    "not a valid selector operator",
                )
            )
        if requirement.get("key") != "metadata.name":
            errors.append(
                invalid(
                    at.child("key"), requirement.get("key", ""), "not a valid field selector key"
                )
            )
    return errors


def _validate_pod_affinity_term(term: Mapping[str, Any], path: FieldPath) -> list[FieldError]:
    errors = validate_label_selector(term.get("labelSelector"), path.child("labelSelector"))
    errors += validate_label_selector(
        term.get("namespaceSelector"), path.child("namespaceSelector")
    )
    for namespace in get_list(term, "namespaces"):
        errors.extend(
            invalid(path.child("namespace"), namespace, msg)
            for msg in name_is_dns_label(str(namespace), False)
        )
    topology_key = get_str(term, "topologyKey")
    if not topology_key:
        errors.append(required(path.child("topologyKey"), "can not be empty"))
    return errors + validate_label_name(topology_key, path.child("topologyKey"))


def _validate_weight(term: Mapping[str, Any], path: FieldPath) -> list[FieldError]:
    weight = term.get("weight")
    if not is_int(weight) or not 1 <= weight <= 100:
        return [invalid(path.child("weight"), weight, "must be in the range 1-100")]
    return []


def validate_affinity(affinity: Any, path: FieldPath) -> list[FieldError]:
    """``validateAffinity``: node affinity terms, pod (anti-)affinity terms and weights."""
    errors: list[FieldError] = []
    if not isinstance(affinity, Mapping):
        return errors
    node = affinity.get("nodeAffinity")
    if isinstance(node, Mapping):
        at = path.child("nodeAffinity")
        required_terms = node.get("requiredDuringSchedulingIgnoredDuringExecution")
        if isinstance(required_terms, Mapping):
            terms_path = at.child(
                "requiredDuringSchedulingIgnoredDuringExecution", "nodeSelectorTerms"
            )
            terms = as_dicts(required_terms.get("nodeSelectorTerms"))
            if not terms:
                errors.append(required(terms_path, "must have at least one node selector term"))
            for index, term in enumerate(terms):
                errors.extend(_validate_node_selector_term(term, terms_path.index(index)))
        preferred_path = at.child("preferredDuringSchedulingIgnoredDuringExecution")
        for index, term in enumerate(
            as_dicts(node.get("preferredDuringSchedulingIgnoredDuringExecution"))
        ):
            errors.extend(_validate_weight(term, preferred_path.index(index)))
            errors.extend(
                _validate_node_selector_term(
                    get_map(term, "preference"), preferred_path.index(index).child("preference")
                )
            )
    for kind in ("podAffinity", "podAntiAffinity"):
        pod = affinity.get(kind)
        if not isinstance(pod, Mapping):
            continue
        at = path.child(kind)
        required_path = at.child("requiredDuringSchedulingIgnoredDuringExecution")
        for index, term in enumerate(
            as_dicts(pod.get("requiredDuringSchedulingIgnoredDuringExecution"))
        ):
            errors.extend(_validate_pod_affinity_term(term, required_path.index(index)))
        preferred_path = at.child("preferredDuringSchedulingIgnoredDuringExecution")
        for index, term in enumerate(
            as_dicts(pod.get("preferredDuringSchedulingIgnoredDuringExecution"))
        ):
            errors.extend(_validate_weight(term, preferred_path.index(index)))
            errors.extend(
                _validate_pod_affinity_term(
                    get_map(term, "podAffinityTerm"),
                    preferred_path.index(index).child("podAffinityTerm"),
                )
            )
    return errors
