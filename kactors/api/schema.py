"""Custom resources against their CRD's ``openAPIV3Schema``: validate, prune, default.

Kubernetes handles a custom resource in three schema-driven steps, reproduced here for
the structural subset of OpenAPI v3 that CRDs use:

* :func:`prune` drops every field the schema does not declare (unless
  ``x-kubernetes-preserve-unknown-fields: true``), so unknown fields are never stored;
* :func:`apply_schema_defaults` fills ``default:`` values top-down (a default is itself
  defaulted further down) and drops nulls the schema neither allows (``nullable``) nor
  defaults;
* :func:`validate_schema` checks types, ``required``, ``enum``, numeric bounds (with
  ``exclusiveMinimum``/``exclusiveMaximum`` as booleans, OpenAPI v3 style), string
  lengths and ``pattern``, ``format`` (``int32``, ``int64``, ``date-time``, ``date``),
  ``minItems``/``maxItems``, ``minProperties``/``maxProperties``, ``nullable``,
  ``additionalProperties`` and ``x-kubernetes-int-or-string``.

Errors use the wording of ``apiextensions-apiserver``'s ``ValidateCustomResource`` over
kube-openapi: ``spec.replicas: Invalid value: "string": spec.replicas in body must be of
type integer: "string"``, ``spec.size: Unsupported value: "huge": supported values:
"small", "medium"``, ``spec.image: Required value``, ``spec.message: Too long: may not be
more than 20 bytes``. At the root, ``apiVersion``, ``kind`` and ``metadata`` are left to
the generic machinery (as in Kubernetes, where metadata is validated as ObjectMeta).
Not supported: ``x-kubernetes-validations`` (CEL), ``x-kubernetes-list-type``/map keys,
``x-kubernetes-embedded-resource``, ``allOf``/``anyOf``/``oneOf``/``not``.

Python's ``re`` stands in for Go's RE2 in ``pattern``: identical for the usual patterns.
"""

from __future__ import annotations

import datetime
import json
import math
import re
from collections.abc import Mapping
from typing import Any

from .fielderrors import (
    FieldError,
    FieldPath,
    invalid,
    not_supported,
    required,
    too_long,
    too_many,
    type_invalid,
)
from .kinds import ResourceInfo
from .meta import deep_copy
from .validate_meta import name_fn_for, validate_object_meta

__all__ = [
    "apply_schema_defaults",
    "prune",
    "schema_for_version",
    "validate_custom_resource",
    "validate_schema",
]

_ROOT_SKIPPED = ("apiVersion", "kind", "metadata")
_INT32 = (-(2**31), 2**31 - 1)
_INT64 = (-(2**63), 2**63 - 1)
_DATE_TIME_RE = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})")
_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")


def schema_for_version(crd: Mapping[str, Any], version: str) -> Mapping[str, Any] | None:
    """The ``openAPIV3Schema`` of ``version`` in a CRD, or ``None``."""
    spec = crd.get("spec")
    for entry in spec.get("versions") or [] if isinstance(spec, Mapping) else []:
        if isinstance(entry, Mapping) and entry.get("name") == version:
            holder = entry.get("schema")
            schema = holder.get("openAPIV3Schema") if isinstance(holder, Mapping) else None
            return schema if isinstance(schema, Mapping) else None
    return None


def _json_type(value: Any) -> str:
    """The JSON Schema type name of a value (``null`` for None)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, Mapping):
        return "object"
    if isinstance(value, list | tuple):
        return "array"
    return type(value).__name__


def _type_matches(value: Any, expected: str) -> bool:
    actual = _json_type(value)
    return actual == expected or (expected == "number" and actual == "integer")


def _go_number(value: Any) -> str:
    """Go's ``%v`` of a schema bound (a float64): ``0``, ``1.5``, ``1e+21``."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e21:
        return str(int(value))
    return str(value)


def _preserves_unknown(schema: Mapping[str, Any]) -> bool:
    return schema.get("x-kubernetes-preserve-unknown-fields") is True


def _properties(schema: Mapping[str, Any]) -> Mapping[str, Any]:
    properties = schema.get("properties")
    return properties if isinstance(properties, Mapping) else {}


def _additional(schema: Mapping[str, Any]) -> Mapping[str, Any] | bool | None:
    additional = schema.get("additionalProperties")
    if isinstance(additional, Mapping | bool):
        return additional
    return None


# -- validation -------------------------------------------------------------------------------


def validate_schema(
    value: Any, schema: Mapping[str, Any], path: FieldPath | None = None
) -> list[FieldError]:
    """Problems with ``value`` against ``schema`` (see the module docstring).

    With the default root path, ``apiVersion``, ``kind`` and ``metadata`` are skipped.
    """
    root = path is None
    return _validate(value, schema, path or FieldPath(), root)


def _validate(
    value: Any, schema: Mapping[str, Any], path: FieldPath, root: bool = False
) -> list[FieldError]:
    name = str(path)
    expected = schema.get("type")
    if value is None:
        if schema.get("nullable") is True or (
            not expected and not schema.get("x-kubernetes-int-or-string")
        ):
            return []
        types = "integer,string" if schema.get("x-kubernetes-int-or-string") else str(expected)
        return [type_invalid(path, "null", f'{name} in body must be of type {types}: "null"')]
    if schema.get("x-kubernetes-int-or-string") is True:
        if _json_type(value) not in ("integer", "string"):
            actual = _json_type(value)
            return [
                type_invalid(
                    path, actual, f'{name} in body must be of type integer,string: "{actual}"'
                )
            ]
    elif isinstance(expected, str) and expected and not _type_matches(value, expected):
        actual = _json_type(value)
        return [
            type_invalid(path, actual, f'{name} in body must be of type {expected}: "{actual}"')
        ]
    errors: list[FieldError] = []
    enum = schema.get("enum")
    if isinstance(enum, list) and value not in enum:
        supported = [
            item if isinstance(item, str) else json.dumps(item, separators=(",", ":"))
            for item in enum
        ]
        errors.append(not_supported(path, value, supported))
    if isinstance(value, int | float) and not isinstance(value, bool):
        errors += _validate_number(value, schema, path)
    elif isinstance(value, str):
        errors += _validate_string(value, schema, path)
    elif isinstance(value, list):
        errors += _validate_array(value, schema, path)
    elif isinstance(value, Mapping):
        errors += _validate_object(value, schema, path, root)
    return errors


def _validate_number(
    value: int | float, schema: Mapping[str, Any], path: FieldPath
) -> list[FieldError]:
    errors: list[FieldError] = []
    name = str(path)
    minimum, maximum = schema.get("minimum"), schema.get("maximum")
    if isinstance(minimum, int | float):
        if schema.get("exclusiveMinimum") is True and value <= minimum:
            errors.append(
                invalid(path, value, f"{name} in body should be greater than {_go_number(minimum)}")
            )
        elif value < minimum:
            errors.append(
                invalid(
                    path,
                    value,
                    f"{name} in body should be greater than or equal to {_go_number(minimum)}",
                )
            )
    if isinstance(maximum, int | float):
        if schema.get("exclusiveMaximum") is True and value >= maximum:
            errors.append(
                invalid(path, value, f"{name} in body should be less than {_go_number(maximum)}")
            )
        elif value > maximum:
            errors.append(
                invalid(
                    path,
                    value,
                    f"{name} in body should be less than or equal to {_go_number(maximum)}",
                )
            )
    multiple = schema.get("multipleOf")
    if isinstance(multiple, int | float) and multiple > 0 and _remainder(value, multiple) != 0:
        errors.append(
            invalid(path, value, f"{name} in body should be a multiple of {_go_number(multiple)}")
        )
    bounds = {"int32": _INT32, "int64": _INT64}.get(str(schema.get("format")))
    if bounds and isinstance(value, int) and not bounds[0] <= value <= bounds[1]:
        errors.append(
            type_invalid(
                path, value, f'{name} in body must be of type {schema["format"]}: "{value}"'
            )
        )
    return errors


def _remainder(value: int | float, factor: int | float) -> int | float:
    """Exact for integers, ``math.Mod`` for floats, like kube-openapi's ``MultipleOf``."""
    if isinstance(value, int) and isinstance(factor, int):
        return value % factor
    return math.fmod(value, factor)


def _validate_string(value: str, schema: Mapping[str, Any], path: FieldPath) -> list[FieldError]:
    errors: list[FieldError] = []
    name = str(path)
    max_length, min_length = schema.get("maxLength"), schema.get("minLength")
    if isinstance(max_length, int) and len(value) > max_length:
        errors.append(too_long(path, max_length))
    if isinstance(min_length, int) and len(value) < min_length:
        errors.append(
            invalid(path, value, f"{name} in body should be at least {min_length} chars long")
        )
    pattern = schema.get("pattern")
    if isinstance(pattern, str):
        try:
            matched = re.search(pattern, value) is not None
        except re.error:
            matched = True  # an unusable pattern is the CRD's problem, not the object's
        if not matched:
            errors.append(invalid(path, value, f"{name} in body should match '{pattern}'"))
    fmt = schema.get("format")
    if fmt == "date-time" and not _is_date_time(value):
        errors.append(
            type_invalid(path, value, f'{name} in body must be of type date-time: "{value}"')
        )
    elif fmt == "date" and not _is_date(value):
        errors.append(type_invalid(path, value, f'{name} in body must be of type date: "{value}"'))
    return errors


def _is_date(value: str) -> bool:
    if not _DATE_RE.fullmatch(value):
        return False
    try:
        datetime.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _is_date_time(value: str) -> bool:
    return bool(_DATE_TIME_RE.fullmatch(value)) and _is_date(value[:10])


def _validate_array(
    value: list[Any], schema: Mapping[str, Any], path: FieldPath
) -> list[FieldError]:
    errors: list[FieldError] = []
    name = str(path)
    min_items, max_items = schema.get("minItems"), schema.get("maxItems")
    if isinstance(min_items, int) and len(value) < min_items:
        errors.append(
            invalid(path, len(value), f"{name} in body should have at least {min_items} items")
        )
    if isinstance(max_items, int) and len(value) > max_items:
        errors.append(too_many(path, len(value), max_items))
    items = schema.get("items")
    if isinstance(items, Mapping):
        for index, item in enumerate(value):
            errors += _validate(item, items, path.index(index))
    return errors


def _validate_object(
    value: Mapping[str, Any], schema: Mapping[str, Any], path: FieldPath, root: bool
) -> list[FieldError]:
    errors: list[FieldError] = []
    name = str(path)
    count = len(value)
    min_properties, max_properties = schema.get("minProperties"), schema.get("maxProperties")
    if isinstance(min_properties, int) and count < min_properties:
        errors.append(
            invalid(path, count, f"{name} in body should have at least {min_properties} properties")
        )
    if isinstance(max_properties, int) and count > max_properties:
        errors.append(
            invalid(path, count, f"{name} in body should have at most {max_properties} properties")
        )
    for key in schema.get("required") or []:
        if root and key in _ROOT_SKIPPED:
            continue
        if key not in value:
            errors.append(required(path.child(str(key))))
    properties, additional = _properties(schema), _additional(schema)
    for key, item in value.items():
        if root and key in _ROOT_SKIPPED:
            continue
        if key in properties and isinstance(properties[key], Mapping):
            errors += _validate(item, properties[key], path.child(key))
        elif isinstance(additional, Mapping):
            errors += _validate(item, additional, path.child(key))
        elif additional is False and not _preserves_unknown(schema):
            errors.append(
                invalid(path.child(key), item, f"{name}.{key} in body is a forbidden property")
            )
    return errors


def validate_custom_resource(
    obj: Mapping[str, Any], info: ResourceInfo, schema: Mapping[str, Any] | None
) -> list[FieldError]:
    """Create-time validation of a custom resource: ObjectMeta, then the schema.

    The apiserver prunes and defaults first (:func:`prune`, :func:`apply_schema_defaults`).
    """
    errors = validate_object_meta(obj, info.namespaced, name_fn_for(info))
    if schema is not None:
        errors += validate_schema(obj, schema)
    return errors


# -- pruning and defaulting ---------------------------------------------------------------------


def prune(obj: Mapping[str, Any], schema: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``obj`` without the fields ``schema`` does not declare.

    ``apiVersion``, ``kind`` and ``metadata`` are always kept at the root; under
    ``x-kubernetes-preserve-unknown-fields: true`` unknown fields are kept (declared ones
    are still pruned inside); ``additionalProperties`` schemas prune map values.
    """
    result = _prune(obj, schema, root=True)
    return result if isinstance(result, dict) else deep_copy(dict(obj))


def _prune(value: Any, schema: Mapping[str, Any] | None, root: bool = False) -> Any:
    if schema is None:
        return deep_copy(value)
    if isinstance(value, Mapping):
        properties, additional = _properties(schema), _additional(schema)
        result: dict[str, Any] = {}
        for key, item in value.items():
            if root and key in _ROOT_SKIPPED:
                result[key] = deep_copy(item)
            elif key in properties and isinstance(properties[key], Mapping):
                result[key] = _prune(item, properties[key])
            elif isinstance(additional, Mapping):
                result[key] = _prune(item, additional)
            elif additional is True or _preserves_unknown(schema):
                result[key] = deep_copy(item)
        return result
    if isinstance(value, list):
        items = schema.get("items")
        return [_prune(item, items if isinstance(items, Mapping) else None) for item in value]
    return value


def apply_schema_defaults(obj: Mapping[str, Any], schema: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``obj`` with the schema's ``default`` values applied.

    Like apiextensions' structural defaulting: a property that is absent (or null while
    not ``nullable``) gets a copy of its default, which is then defaulted further; array
    items and ``additionalProperties`` values are defaulted through their schemas; nulls
    that are neither allowed nor defaulted are dropped.
    """
    result = deep_copy(dict(obj))
    _default(result, schema)
    return result


def _non_nullable_null(value: Any, schema: Mapping[str, Any]) -> bool:
    return value is None and schema.get("nullable") is not True


def _default(value: Any, schema: Mapping[str, Any]) -> None:
    if isinstance(value, dict):
        properties, additional = _properties(schema), _additional(schema)
        for key in sorted(properties):
            prop = properties[key]
            if isinstance(prop, Mapping) and "default" in prop:
                if key not in value or _non_nullable_null(value[key], prop):
                    value[key] = deep_copy(prop["default"])
        for key in list(value):
            prop = properties.get(key)
            if isinstance(prop, Mapping):
                if _non_nullable_null(value[key], prop) and "default" not in prop:
                    del value[key]
                    continue
                _default(value[key], prop)
            elif isinstance(additional, Mapping):
                if _non_nullable_null(value[key], additional) and "default" in additional:
                    value[key] = deep_copy(additional["default"])
                _default(value[key], additional)
    elif isinstance(value, list):
        items = schema.get("items")
        if isinstance(items, Mapping):
            for index, item in enumerate(value):
                if _non_nullable_null(item, items) and "default" in items:
                    value[index] = deep_copy(items["default"])
                else:
                    _default(item, items)
