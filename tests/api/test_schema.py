"""Custom resources against a CRD schema: validation, pruning and defaulting."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from kactors.api import apply_defaults, resource_infos_from_crd
from kactors.api.fielderrors import FieldPath
from kactors.api.schema import (
    apply_schema_defaults,
    prune,
    schema_for_version,
    validate_custom_resource,
    validate_schema,
)

WEBSITE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "spec": {
            "type": "object",
            "required": ["image"],
            "properties": {
                "replicas": {"type": "integer", "minimum": 0, "default": 1},
                "image": {"type": "string"},
                "message": {"type": "string", "maxLength": 20},
            },
        },
        "status": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
    },
}
WEBSITE_CRD = apply_defaults(
    {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "websites.example.com"},
        "spec": {
            "group": "example.com",
            "scope": "Namespaced",
            "names": {"plural": "websites", "kind": "Website"},
            "versions": [
                {
                    "name": "v1",
                    "served": True,
                    "storage": True,
                    "schema": {"openAPIV3Schema": WEBSITE_SCHEMA},
                }
            ],
        },
    }
)
(WEBSITES,) = resource_infos_from_crd(WEBSITE_CRD)


def website(**spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "example.com/v1",
        "kind": "Website",
        "metadata": {"name": "home", "namespace": "default"},
        "spec": spec,
    }


def messages(obj: Any, schema: dict[str, Any] = WEBSITE_SCHEMA) -> list[str]:
    return [error.message() for error in validate_schema(obj, schema)]


def test_schema_for_version() -> None:
    assert schema_for_version(WEBSITE_CRD, "v1") == WEBSITE_SCHEMA
    assert schema_for_version(WEBSITE_CRD, "v2") is None


def test_valid_website() -> None:
    assert messages(website(image="nginx", replicas=2, message="hello")) == []
    errors = validate_custom_resource(website(image="nginx"), WEBSITES, WEBSITE_SCHEMA)
    assert errors == []


def test_website_errors_with_kubernetes_wording() -> None:
    bad = website(replicas="three", message="x" * 21)
    assert messages(bad) == [
        "spec.image: Required value",
        'spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: '
        '"string"',
        "spec.message: Too long: may not be more than 20 bytes",
    ]
    assert messages(website(image="i", replicas=-1)) == [
        "spec.replicas: Invalid value: -1: spec.replicas in body should be greater than or equal "
        "to 0"
    ]


def test_type_invalid_cause_reason() -> None:
    (error,) = validate_schema(website(image=3), WEBSITE_SCHEMA)
    assert error.cause() == {
        "reason": "FieldValueTypeInvalid",
        "message": 'Invalid value: "integer": spec.image in body must be of type string: "integer"',
        "field": "spec.image",
    }


def test_custom_resource_metadata_is_validated_too() -> None:
    obj = website(image="nginx")
    obj["metadata"] = {"name": "Home"}
    found = [e.message() for e in validate_custom_resource(obj, WEBSITES, WEBSITE_SCHEMA)]
    assert found[0].startswith('metadata.name: Invalid value: "Home": a lowercase RFC 1123')
    assert found[1] == "metadata.namespace: Required value"


SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "spec": {
            "type": "object",
            "properties": {
                "size": {"type": "string", "enum": ["small", "medium"]},
                "level": {"type": "integer", "enum": [1, 2]},
                "ratio": {"type": "number", "minimum": 0, "maximum": 1, "exclusiveMaximum": True},
                "count": {"type": "integer", "maximum": 10, "minimum": 1, "exclusiveMinimum": True},
                "step": {"type": "integer", "multipleOf": 5},
                "small": {"type": "integer", "format": "int32"},
                "name": {"type": "string", "minLength": 3, "pattern": "^[a-z]+$"},
                "when": {"type": "string", "format": "date-time"},
                "day": {"type": "string", "format": "date"},
                "tags": {
                    "type": "array",
                    "minItems": 1,
                    "maxItems": 2,
                    "items": {"type": "string"},
                },
                "labels": {"type": "object", "additionalProperties": {"type": "string"}},
                "port": {"x-kubernetes-int-or-string": True},
                "note": {"type": "string", "nullable": True},
                "strict": {"type": "string"},
                "enabled": {"type": "boolean"},
                "props": {"type": "object", "minProperties": 1, "maxProperties": 1},
                "free": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
            },
        }
    },
}


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (
            {"size": "huge"},
            'spec.size: Unsupported value: "huge": supported values: "small", "medium"',
        ),
        ({"level": 3}, 'spec.level: Unsupported value: 3: supported values: "1", "2"'),
        ({"ratio": 1}, "spec.ratio: Invalid value: 1: spec.ratio in body should be less than 1"),
        (
            {"ratio": 1.5},
            "spec.ratio: Invalid value: 1.5: spec.ratio in body should be less than 1",
        ),
        (
            {"ratio": -0.5},
            "spec.ratio: Invalid value: -0.5: spec.ratio in body should be greater than or equal to 0",
        ),
        ({"count": 1}, "spec.count: Invalid value: 1: spec.count in body should be greater than 1"),
        (
            {"count": 11},
            "spec.count: Invalid value: 11: spec.count in body should be less than or equal to 10",
        ),
        (
            {"count": 2.5},
            'spec.count: Invalid value: "number": spec.count in body must be of type integer: "number"',
        ),
        (
            {"count": True},
            'spec.count: Invalid value: "boolean": spec.count in body must be of type integer: "boolean"',
        ),
        ({"step": 7}, "spec.step: Invalid value: 7: spec.step in body should be a multiple of 5"),
        (
            {"small": 2**31},
            'spec.small: Invalid value: 2147483648: spec.small in body must be of type int32: "2147483648"',
        ),
        (
            {"name": "ab"},
            'spec.name: Invalid value: "ab": spec.name in body should be at least 3 chars long',
        ),
        (
            {"name": "abc1"},
            "spec.name: Invalid value: \"abc1\": spec.name in body should match '^[a-z]+$'",
        ),
        (
            {"when": "yesterday"},
            'spec.when: Invalid value: "yesterday": spec.when in body must be of type date-time: "yesterday"',
        ),
        (
            {"day": "2024-02-30"},
            'spec.day: Invalid value: "2024-02-30": spec.day in body must be of type date: "2024-02-30"',
        ),
        (
            {"tags": []},
            "spec.tags: Invalid value: 0: spec.tags in body should have at least 1 items",
        ),
        ({"tags": ["a", "b", "c"]}, "spec.tags: Too many: 3: must have at most 2 items"),
        (
            {"tags": ["a", 1]},
            'spec.tags[1]: Invalid value: "integer": spec.tags[1] in body must be of type string: "integer"',
        ),
        (
            {"labels": {"a": 1}},
            'spec.labels.a: Invalid value: "integer": spec.labels.a in body must be of type string: "integer"',
        ),
        (
            {"port": True},
            'spec.port: Invalid value: "boolean": spec.port in body must be of type integer,string: "boolean"',
        ),
        (
            {"strict": None},
            'spec.strict: Invalid value: "null": spec.strict in body must be of type string: "null"',
        ),
        (
            {"enabled": "yes"},
            'spec.enabled: Invalid value: "string": spec.enabled in body must be of type boolean: "string"',
        ),
        (
            {"props": {}},
            "spec.props: Invalid value: 0: spec.props in body should have at least 1 properties",
        ),
        (
            {"props": {"a": 1, "b": 2}},
            "spec.props: Invalid value: 2: spec.props in body should have at most 1 properties",
        ),
    ],
)
def test_schema_rules(spec: dict[str, Any], expected: str) -> None:
    assert messages({"spec": spec}, SCHEMA) == [expected]


@pytest.mark.parametrize(
    "spec",
    [
        {"port": 80},
        {"port": "http"},
        {"note": None},
        {"ratio": 0},
        {"count": 10},
        {"when": "2024-01-01T10:00:00Z"},
        {"when": "2024-01-01T10:00:00.123+02:00"},
        {"day": "2024-02-29"},
        {"free": {"anything": [1, {"x": None}]}},
        {"step": 10, "small": -(2**31)},
    ],
)
def test_schema_accepts(spec: dict[str, Any]) -> None:
    assert messages({"spec": spec}, SCHEMA) == []


def test_root_metadata_is_not_schema_validated() -> None:
    schema = {
        "type": "object",
        "required": ["metadata", "spec"],
        "properties": {"spec": {"type": "object"}},
    }
    assert messages({"metadata": "anything"}, schema) == ["spec: Required value"]
    nested = validate_schema({"metadata": 1}, schema, FieldPath.of("x"))
    assert [e.message() for e in nested] == ["x.spec: Required value"]


# -- pruning -------------------------------------------------------------------------------------


def test_prune_drops_unknown_fields() -> None:
    obj = website(image="nginx", color="red")
    obj["extra"] = {"a": 1}
    obj["status"] = {"anything": {"kept": True}}
    obj["metadata"]["labels"] = {"a": "b"}
    snapshot = copy.deepcopy(obj)
    pruned = prune(obj, WEBSITE_SCHEMA)
    assert obj == snapshot  # input untouched
    assert pruned == {
        "apiVersion": "example.com/v1",
        "kind": "Website",
        "metadata": {"name": "home", "namespace": "default", "labels": {"a": "b"}},
        "spec": {"image": "nginx"},
        "status": {"anything": {"kept": True}},
    }


def test_prune_through_arrays_maps_and_preserved_objects() -> None:
    schema = {
        "type": "object",
        "properties": {
            "items": {
                "type": "array",
                "items": {"type": "object", "properties": {"name": {"type": "string"}}},
            },
            "byName": {
                "type": "object",
                "additionalProperties": {
                    "type": "object",
                    "properties": {"v": {"type": "integer"}},
                },
            },
            "open": {
                "type": "object",
                "x-kubernetes-preserve-unknown-fields": True,
                "properties": {
                    "typed": {"type": "object", "properties": {"a": {"type": "string"}}}
                },
            },
            "closed": {"type": "object"},
        },
    }
    obj = {
        "items": [{"name": "a", "junk": 1}, {"junk": 2}],
        "byName": {"x": {"v": 1, "junk": 3}},
        "open": {"free": 1, "typed": {"a": "s", "junk": 4}},
        "closed": {"junk": 5},
    }
    assert prune(obj, schema) == {
        "items": [{"name": "a"}, {}],
        "byName": {"x": {"v": 1}},
        "open": {"free": 1, "typed": {"a": "s"}},
        "closed": {},
    }


# -- defaulting ----------------------------------------------------------------------------------


def test_defaults_fill_absent_fields() -> None:
    obj = website(image="nginx")
    defaulted = apply_schema_defaults(obj, WEBSITE_SCHEMA)
    assert defaulted["spec"] == {"image": "nginx", "replicas": 1}
    assert obj["spec"] == {"image": "nginx"}
    assert (
        apply_schema_defaults(website(image="x", replicas=3), WEBSITE_SCHEMA)["spec"]["replicas"]
        == 3
    )


def test_defaults_are_applied_recursively_and_nulls_handled() -> None:
    schema = {
        "type": "object",
        "properties": {
            "spec": {
                "type": "object",
                "default": {},
                "properties": {
                    "mode": {"type": "string", "default": "auto"},
                    "note": {"type": "string"},
                    "maybe": {"type": "string", "nullable": True, "default": "x"},
                    "ports": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {"protocol": {"type": "string", "default": "TCP"}},
                        },
                    },
                    "env": {
                        "type": "object",
                        "additionalProperties": {"type": "string", "default": "unset"},
                    },
                },
            }
        },
    }
    assert apply_schema_defaults({}, schema) == {"spec": {"mode": "auto", "maybe": "x"}}
    given = {
        "spec": {
            "mode": None,
            "note": None,
            "maybe": None,
            "ports": [{"port": 80}, {"port": 53, "protocol": "UDP"}],
            "env": {"A": None, "B": "b"},
        }
    }
    assert apply_schema_defaults(given, schema) == {
        "spec": {
            "mode": "auto",  # a non-nullable null is defaulted
            "maybe": None,  # a nullable null is kept
            "ports": [{"port": 80, "protocol": "TCP"}, {"port": 53, "protocol": "UDP"}],
            "env": {"A": "unset", "B": "b"},
        }
    }


def test_full_pipeline_prune_default_validate() -> None:
    incoming = website(image="nginx", color="red", message="hi")
    stored = apply_schema_defaults(prune(incoming, WEBSITE_SCHEMA), WEBSITE_SCHEMA)
    assert stored["spec"] == {"image": "nginx", "message": "hi", "replicas": 1}
    assert validate_custom_resource(stored, WEBSITES, WEBSITE_SCHEMA) == []
