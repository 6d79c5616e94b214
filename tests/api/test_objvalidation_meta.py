"""ObjectMeta, labels, annotations, selectors and update rules shared by every kind."""

from __future__ import annotations

from typing import Any

import pytest

from kactors.api import DEFAULT_REGISTRY, ResourceInfo
from kactors.api.fielderrors import FieldPath
from kactors.api.objvalidation import validate_create, validate_update, validated_kinds
from kactors.api.validate_meta import (
    go_string_slice,
    name_is_dns_subdomain,
    selector_matches,
    semantic_equal,
    validate_label_selector,
    validate_object_meta,
)
from kactors.api.validation import (
    field_duplicate,
    field_forbidden,
    field_immutable,
    field_not_found,
    field_required,
    field_too_long,
    field_too_many,
    inclusive_range_error,
    is_config_map_key,
    is_env_var_name,
    is_valid_ip,
    is_valid_percent,
    is_valid_port_name,
    is_valid_port_num,
)

CONFIGMAPS = DEFAULT_REGISTRY.by_resource("configmaps")
NAMESPACES = DEFAULT_REGISTRY.by_resource("namespaces")
SUBDOMAIN = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, "
    "'-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', "
    "regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
)
LABEL = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', "
    "and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', "
    "regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
)
QUALIFIED = (
    "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and "
    "end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex "
    "used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
)


def cm(**metadata: Any) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"namespace": "ns", **metadata}}


def messages(obj: dict[str, Any], info: ResourceInfo = CONFIGMAPS) -> list[str]:
    return [error.message() for error in validate_create(obj, info)]


# -- the new string helpers in kactors.api.validation ---------------------------------------


def test_field_renderers() -> None:
    assert field_required("a") == "a: Required value"
    assert field_required("a", "why") == "a: Required value: why"
    assert field_forbidden("a", "no") == "a: Forbidden: no"
    assert field_duplicate("a", "x") == 'a: Duplicate value: "x"'
    assert field_not_found("a", "x") == 'a: Not found: "x"'
    assert field_too_long("a", 5) == "a: Too long: may not be more than 5 bytes"
    assert field_too_many("a", 4, 3) == "a: Too many: 4: must have at most 3 items"
    assert field_immutable("a", "x") == 'a: Invalid value: "x": field is immutable'
    assert inclusive_range_error(1, 3) == "must be between 1 and 3, inclusive"


def test_port_validators() -> None:
    assert is_valid_port_num(80) == [] and is_valid_port_num(65535) == []
    assert is_valid_port_num(0) == ["must be between 1 and 65535, inclusive"]
    assert is_valid_port_name("http") == []
    assert is_valid_port_name("80") == ["must contain at least one letter (a-z)"]
    assert is_valid_port_name("-a--b-") == [
        "must not contain consecutive hyphens",
        "must not begin or end with a hyphen",
    ]
    assert is_valid_port_name("A" * 16) == [
        "must be no more than 15 characters",
        "must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)",
        "must contain at least one letter (a-z)",
    ]


def test_env_and_key_validators() -> None:
    assert is_env_var_name("MY_VAR.x-1") == []
    assert is_env_var_name("1X") == [
        "a valid environment variable name must consist of alphabetic characters, digits, '_', "
        "'-', or '.', and must not start with a digit (e.g. 'my.env-name',  or 'MY_ENV.NAME',  "
        "or 'MyEnvName1', regex used for validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')"
    ]
    assert is_env_var_name("..x") == ["must not start with '..'"]
    assert is_config_map_key("game.properties") == []
    assert is_config_map_key("a b") == [
        "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. "
        "'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is "
        "'[-._a-zA-Z0-9]+')"
    ]
    assert is_config_map_key(".") == ["must not be '.'"]


def test_percent_and_ip_validators() -> None:
    assert is_valid_percent("25%") == []
    assert is_valid_percent("25") == [
        "a valid percent string must be a numeric string followed by an ending '%' (e.g. "
        "'1%',  or '93%', regex used for validation is '[0-9]+%')"
    ]
    assert is_valid_ip("10.0.0.1") == [] and is_valid_ip("2001:db8::1") == []
    for bad in ("10.0.0.256", "010.0.0.1", "abc", ""):
        assert is_valid_ip(bad) == ["must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"]


# -- ObjectMeta on create ---------------------------------------------------------------------


def test_valid_metadata() -> None:
    assert messages(cm(name="game-demo", labels={"app": "web"}, annotations={"A/b": "x"})) == []


def test_name_required_and_format() -> None:
    assert messages(cm()) == ["metadata.name: Required value: name or generateName is required"]
    assert messages(cm(name="Game_Demo")) == [
        f'metadata.name: Invalid value: "Game_Demo": {SUBDOMAIN}'
    ]


def test_generate_name_is_validated_as_a_prefix() -> None:
    assert messages(cm(name="web-x1y2z", generateName="web-")) == []
    assert messages(cm(name="x", generateName="Web-")) == [
        f'metadata.generateName: Invalid value: "Web-": {SUBDOMAIN}'
    ]
    # Go's maskTrailingDash drops two characters: "a-" validates as "a".
    assert name_is_dns_subdomain("a-", True) == []


def test_namespace_required_forbidden_and_format() -> None:
    assert messages({**cm(name="c"), "metadata": {"name": "c"}}) == [
        "metadata.namespace: Required value"
    ]
    assert messages(cm(name="c", namespace="Bad.NS")) == [
        f'metadata.namespace: Invalid value: "Bad.NS": {LABEL}'
    ]
    ns = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a", "namespace": "b"}}
    assert messages(ns, NAMESPACES) == ["metadata.namespace: Forbidden: not allowed on this type"]


def test_namespace_names_are_dns_labels() -> None:
    ns = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a.b"}}
    assert messages(ns, NAMESPACES) == [
        'metadata.name: Invalid value: "a.b": must not contain dots'
    ]


def test_labels() -> None:
    assert messages(cm(name="c", labels={"-bad": "ok", "good": "not ok!"})) == [
        f'metadata.labels: Invalid value: "-bad": {QUALIFIED}',
        'metadata.labels: Invalid value: "not ok!": a valid label must be an empty string or '
        "consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
        "alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for "
        "validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
    ]


def test_annotations_keys_case_insensitive_and_total_size() -> None:
    assert messages(cm(name="c", annotations={"Example.COM/Key": "v"})) == []
    big = {"a": "x" * (256 * 1024)}
    assert messages(cm(name="c", annotations=big)) == [
        "metadata.annotations: Too long: may not be more than 262144 bytes"
    ]
    assert messages(cm(name="c", annotations={"a": "x" * (256 * 1024 - 1)})) == []


def test_generation_nonnegative() -> None:
    assert messages(cm(name="c", generation=-1)) == [
        "metadata.generation: Invalid value: -1: must be greater than or equal to 0"
    ]


def test_owner_references() -> None:
    refs = [
        {"apiVersion": "", "kind": "", "name": "", "uid": ""},
        {"apiVersion": "v1", "kind": "Event", "name": "e", "uid": "u"},
    ]
    assert messages(cm(name="c", ownerReferences=refs)) == [
        'metadata.ownerReferences.apiVersion: Invalid value: "": version must not be empty',
        'metadata.ownerReferences.kind: Invalid value: "": must not be empty',
        'metadata.ownerReferences.name: Invalid value: "": must not be empty',
        'metadata.ownerReferences.uid: Invalid value: "": must not be empty',
        'metadata.ownerReferences: Invalid value: {"apiVersion":"v1","kind":"Event","name":"e",'
        '"uid":"u"}: /v1, Kind=Event is disallowed from being an owner',
    ]


def test_only_one_controller_reference() -> None:
    refs = [
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "name": "a",
            "uid": "1",
            "controller": True,
        },
        {
            "apiVersion": "apps/v1",
            "kind": "ReplicaSet",
            "name": "b",
            "uid": "2",
            "controller": True,
        },
    ]
    (message,) = messages(cm(name="c", ownerReferences=refs))
    assert message.startswith("metadata.ownerReferences: Invalid value: [")
    assert message.endswith(
        ': Only one reference can have Controller set to true. Found "true" in references for '
        "Deployment/a and ReplicaSet/b"
    )


def test_finalizers() -> None:
    assert messages(cm(name="c", finalizers=["kubernetes", "example.com/x"])) == []
    assert messages(cm(name="c", finalizers=["custom"])) == [
        'metadata.finalizers[0]: Invalid value: "custom": name is neither a standard finalizer '
        "name nor is it fully qualified"
    ]
    assert messages(cm(name="c", finalizers=["orphan", "foregroundDeletion"])) == [
        'metadata.finalizers: Invalid value: ["orphan","foregroundDeletion"]: finalizer orphan '
        "and foregroundDeletion cannot be both set"
    ]


def test_unknown_and_custom_kinds_get_meta_validation_only() -> None:
    (info,) = [i for i in DEFAULT_REGISTRY if i.kind == "ServiceAccount"]
    sa = {
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": {"name": "sa", "namespace": "a"},
    }
    assert validate_create(sa, info) == []
    assert ("", "Pod") in validated_kinds() and len(validated_kinds()) >= 20


def test_validate_object_meta_takes_a_path() -> None:
    errors = validate_object_meta({}, False, name_is_dns_subdomain, FieldPath.of("template"))
    assert [e.message() for e in errors] == [
        "template.name: Required value: name or generateName is required"
    ]


# -- selectors ---------------------------------------------------------------------------------


def test_label_selector_validation() -> None:
    selector = {
        "matchLabels": {"app": "web"},
        "matchExpressions": [
            {"key": "tier", "operator": "In"},
            {"key": "env", "operator": "Exists", "values": ["x"]},
            {"key": "a", "operator": "Near", "values": ["bad value!"]},
        ],
    }
    errors = validate_label_selector(selector, FieldPath.of("spec", "selector"))
    assert [e.message() for e in errors] == [
        "spec.selector.matchExpressions[0].values: Required value: must be specified when "
        "`operator` is 'In' or 'NotIn'",
        "spec.selector.matchExpressions[1].values: Forbidden: may not be specified when "
        "`operator` is 'Exists' or 'DoesNotExist'",
        'spec.selector.matchExpressions[2].operator: Invalid value: "Near": not a valid '
        "selector operator",
        'spec.selector.matchExpressions[2].values[0]: Invalid value: "bad value!": a valid label '
        "must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and "
        "must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or "
        "'12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
    ]


def test_selector_matches() -> None:
    assert selector_matches({"matchLabels": {"a": "b"}}, {"a": "b", "c": "d"}) is True
    assert selector_matches({"matchLabels": {"a": "b"}}, {"a": "c"}) is False
    assert selector_matches({}, {}) is True  # empty selects everything
    assert selector_matches(None, {"a": "b"}) is False  # missing selects nothing
    assert selector_matches({"matchExpressions": [{"key": "a", "operator": "Bad"}]}, {}) is None


def test_semantic_equal_treats_empty_as_absent() -> None:
    assert semantic_equal({"a": None, "b": [], "c": {}, "d": ""}, {})
    assert semantic_equal({"x": 1.0}, {"x": 1})
    assert not semantic_equal({"a": 0}, {})
    assert not semantic_equal({"a": [1]}, {"a": [2]})
    assert go_string_slice(["a", "b"]) == '[]string{"a", "b"}'


# -- ObjectMeta on update -----------------------------------------------------------------------


def stored(**extra: Any) -> dict[str, Any]:
    metadata = {
        "name": "c",
        "namespace": "ns",
        "uid": "u-1",
        "resourceVersion": "5",
        "creationTimestamp": "2024-01-01T00:00:00Z",
        "generation": 2,
        **extra,
    }
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": metadata}


def update_messages(new: dict[str, Any], old: dict[str, Any]) -> list[str]:
    return [error.message() for error in validate_update(new, old, CONFIGMAPS)]


def test_update_identity_fields_are_immutable() -> None:
    old = stored()
    assert update_messages(stored(), old) == []
    new = stored(name="d", namespace="other", uid="u-2", creationTimestamp="2025-01-01T00:00:00Z")
    assert update_messages(new, old) == [
        'metadata.name: Invalid value: "d": field is immutable',
        'metadata.namespace: Invalid value: "other": field is immutable',
        'metadata.uid: Invalid value: "u-2": field is immutable',
        'metadata.creationTimestamp: Invalid value: "2025-01-01T00:00:00Z": field is immutable',
    ]


def test_update_needs_resource_version_and_keeps_generation() -> None:
    new = stored(resourceVersion="", generation=1)
    assert update_messages(new, stored()) == [
        'metadata.resourceVersion: Invalid value: "": must be specified for an update',
        "metadata.generation: Invalid value: 1: must not be decremented",
    ]


def test_no_new_finalizers_while_deleting() -> None:
    old = stored(deletionTimestamp="2024-02-02T00:00:00Z", finalizers=["example.com/a"])
    new = stored(
        deletionTimestamp="2024-02-02T00:00:00Z", finalizers=["example.com/a", "example.com/b"]
    )
    assert update_messages(new, old) == [
        "metadata.finalizers: Forbidden: no new finalizers can be added if the object is being "
        'deleted, found new finalizers []string{"example.com/b"}'
    ]
    removed = stored(deletionTimestamp="2024-02-02T00:00:00Z")
    assert update_messages(removed, old) == []


@pytest.mark.parametrize("key", ["deletionTimestamp", "deletionGracePeriodSeconds"])
def test_deletion_fields_are_immutable(key: str) -> None:
    value = "2024-02-02T00:00:00Z" if key == "deletionTimestamp" else 30
    (message,) = update_messages(stored(**{key: value}), stored())
    assert message.startswith(f"metadata.{key}: Invalid value: ") and message.endswith(
        "field is immutable"
    )
