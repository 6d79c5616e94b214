"""Validation of CustomResourceDefinitions (apiextensions.k8s.io/v1).

From ``apiextensions-apiserver/pkg/apis/apiextensions/validation``: the name must be
``<plural>.<group>``, the group a DNS subdomain with a dot, the scope ``Cluster`` or
``Namespaced``, the names DNS-1035 labels (kinds may have mixed case), the versions
uniquely named with exactly one storage version, every version with an
``openAPIV3Schema`` whose root is an object, and the conversion strategy known. On update
the group and plural are immutable, and so are scope and kind once the CRD is
established. Full structural-schema rules (and CEL) are not checked; the schema subset
this project supports is validated when custom resources are (:mod:`kactors.api.schema`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .fielderrors import FieldError, FieldPath, invalid, not_supported, required
from .kinds import ResourceInfo
from .validate_meta import (
    get_list,
    get_map,
    get_str,
    name_is_dns_subdomain,
    validate_immutable,
    validate_object_meta,
    validate_object_meta_update,
)
from .validation import is_dns1035_label, is_dns1123_subdomain

__all__ = ["validate_crd", "validate_crd_update"]

SPEC = FieldPath.of("spec")


def _crd_name_fn(obj: Mapping[str, Any]) -> Any:
    spec = get_map(obj, "spec")
    expected = f"{get_str(get_map(spec, 'names'), 'plural')}.{get_str(spec, 'group')}"

    def name_fn(name: str, prefix: bool) -> list[str]:
        problems = name_is_dns_subdomain(name, prefix)
        if name != expected:
            problems.append('must be spec.names.plural+"."+spec.group')
        return problems

    return name_fn


def _validate_names(names: Mapping[str, Any], path: FieldPath) -> list[FieldError]:
    """Required names, then ``ValidateCustomResourceDefinitionNames``."""
    errors: list[FieldError] = []
    for key in ("plural", "singular", "kind", "listKind"):
        if not get_str(names, key):
            errors.append(required(path.child(key)))
    for key in ("plural", "singular"):
        value = get_str(names, key)
        problems = is_dns1035_label(value)
        if value and problems:
            errors.append(invalid(path.child(key), value, ",".join(problems)))
    for key in ("kind", "listKind"):
        value = get_str(names, key)
        problems = is_dns1035_label(value.lower())
        if value and problems:
            errors.append(
                invalid(
                    path.child(key),
                    value,
                    "may have mixed case, but should otherwise match: " + ",".join(problems),
                )
            )
    for key in ("shortNames", "categories"):
        for index, value in enumerate(get_list(names, key)):
            problems = is_dns1035_label(str(value))
            if problems:
                errors.append(invalid(path.child(key).index(index), value, ",".join(problems)))
    kind = get_str(names, "kind")
    if kind and kind == get_str(names, "listKind"):
        errors.append(
            invalid(path.child("listKind"), kind, "kind and listKind may not be the same")
        )
    return errors


def _validate_versions(versions: list[Any]) -> list[FieldError]:
    path = SPEC.child("versions")
    errors: list[FieldError] = []
    if not versions:
        return [required(path, "must have at least one version")]
    storage, names, unique = 0, set(), True
    for index, version in enumerate(versions):
        version = version if isinstance(version, Mapping) else {}
        at = path.index(index)
        name = get_str(version, "name")
        storage += version.get("storage") is True
        unique &= name not in names
        names.add(name)
        problems = is_dns1035_label(name)
        if problems:
            errors.append(invalid(at.child("name"), name, ",".join(problems)))
        schema_path = at.child("schema", "openAPIV3Schema")
        schema = get_map(version, "schema").get("openAPIV3Schema")
        if not isinstance(schema, Mapping):
            errors.append(required(schema_path, "schemas are required"))
        elif not schema.get("type"):
            errors.append(required(schema_path.child("type"), "must not be empty at the root"))
        elif schema["type"] != "object":
            errors.append(
                invalid(schema_path.child("type"), schema["type"], "must be object at the root")
            )
    if not unique:
        errors.append(invalid(path, versions, "must contain unique version names"))
    if storage != 1:
        errors.append(
            invalid(path, versions, "must have exactly one version marked as storage version")
        )
    return errors


def _validate_spec(spec: Mapping[str, Any]) -> list[FieldError]:
    errors: list[FieldError] = []
    group = get_str(spec, "group")
    if not group:
        errors.append(required(SPEC.child("group")))
    elif is_dns1123_subdomain(group):
        errors.append(invalid(SPEC.child("group"), group, ",".join(is_dns1123_subdomain(group))))
    elif "." not in group:
        errors.append(
            invalid(SPEC.child("group"), group, "should be a domain with at least one dot")
        )
    scope = get_str(spec, "scope")
    if not scope:
        errors.append(required(SPEC.child("scope")))
    elif scope not in ("Cluster", "Namespaced"):
        errors.append(not_supported(SPEC.child("scope"), scope, ("Cluster", "Namespaced")))
    errors += _validate_versions(get_list(spec, "versions"))
    errors += _validate_names(get_map(spec, "names"), SPEC.child("names"))
    conversion = spec.get("conversion")
    if isinstance(conversion, Mapping):
        strategy = conversion.get("strategy", "")
        if strategy not in ("None", "Webhook"):
            errors.append(
                not_supported(SPEC.child("conversion", "strategy"), strategy, ("None", "Webhook"))
            )
        elif strategy == "Webhook" and not isinstance(conversion.get("webhook"), Mapping):
            errors.append(
                required(
                    SPEC.child("conversion", "webhook"), "required when strategy is set to Webhook"
                )
            )
    return errors


def validate_crd(obj: Mapping[str, Any], info: ResourceInfo) -> list[FieldError]:
    """``ValidateCustomResourceDefinition`` (see the module docstring)."""
    errors = validate_object_meta(obj, False, _crd_name_fn(obj))
    return errors + _validate_spec(get_map(obj, "spec"))


def _established(crd: Mapping[str, Any]) -> bool:
    return any(
        isinstance(condition, Mapping)
        and condition.get("type") == "Established"
        and condition.get("status") == "True"
        for condition in get_list(get_map(crd, "status"), "conditions")
    )


def validate_crd_update(
    new: Mapping[str, Any], old: Mapping[str, Any], info: ResourceInfo
) -> list[FieldError]:
    """``ValidateCustomResourceDefinitionUpdate``."""
    errors = validate_object_meta_update(new, old)
    errors += validate_crd(new, info)
    new_spec, old_spec = get_map(new, "spec"), get_map(old, "spec")
    new_names, old_names = get_map(new_spec, "names"), get_map(old_spec, "names")
    if _established(old):
        errors += validate_immutable(
            new_spec.get("scope"), old_spec.get("scope"), SPEC.child("scope")
        )
        errors += validate_immutable(
            new_names.get("kind"), old_names.get("kind"), SPEC.child("names", "kind")
        )
    errors += validate_immutable(new_spec.get("group"), old_spec.get("group"), SPEC.child("group"))
    errors += validate_immutable(
        new_names.get("plural"), old_names.get("plural"), SPEC.child("names", "plural")
    )
    return errors
