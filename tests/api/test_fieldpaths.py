"""FieldsV1: the wire form of field sets, as Kubernetes writes and reads it."""

from __future__ import annotations

import pytest

from kactors.api.fieldpaths import (
    decode_fields,
    encode_fields,
    field,
    key_element,
    path_string,
    value_element,
    without_descendants_of,
)

CONTAINER = ("f:spec", "f:containers", 'k:{"name":"web"}')


def test_elements_are_spelled_as_kubernetes_does() -> None:
    assert field("replicas") == "f:replicas"
    # key names sorted, compact JSON
    assert key_element({"protocol": "TCP", "containerPort": 80}) == \
        'k:{"containerPort":80,"protocol":"TCP"}'
    assert value_element("example.com/finalizer") == 'v:"example.com/finalizer"'


def test_encode_marks_members_with_children_by_a_dot() -> None:
    fields = {("f:spec", "f:replicas"), CONTAINER, CONTAINER + ("f:image",),
              CONTAINER + ("f:name",), ("f:metadata", "f:finalizers", 'v:"a"')}
    tree = encode_fields(fields)
    assert tree == {
        "f:metadata": {"f:finalizers": {'v:"a"': {}}},
        "f:spec": {"f:containers": {'k:{"name":"web"}': {".": {}, "f:image": {},
                                                         "f:name": {}}},
                   "f:replicas": {}},
    }
    assert list(tree["f:spec"]["f:containers"]['k:{"name":"web"}']) == [".", "f:image",
                                                                          "f:name"]
    assert decode_fields(tree) == frozenset(fields)


@pytest.mark.parametrize("tree", [
    [], {"f:spec": 1}, {"x:spec": {}}, {"k:not-json": {}}, {"k:[1]": {}}, {".": {}},
])
def test_decode_refuses_what_is_not_fieldsv1(tree: object) -> None:
    with pytest.raises(ValueError):
        decode_fields(tree)


def test_paths_print_as_in_conflict_messages() -> None:
    assert path_string(("f:spec", "f:replicas")) == ".spec.replicas"
    assert path_string(CONTAINER + ("f:image",)) == '.spec.containers[name="web"].image'
    assert path_string(("f:spec", "f:ports", 'k:{"port":80,"protocol":"TCP"}')) == \
        '.spec.ports[port=80,protocol="TCP"]'
    assert path_string(("f:metadata", "f:finalizers", 'v:"a"')) == '.metadata.finalizers[="a"]'


def test_without_descendants_of() -> None:
    fields = {("f:status", "f:replicas"), ("f:spec", "f:replicas"), ("f:status",)}
    assert without_descendants_of(fields, [("f:status",)]) == {("f:spec", "f:replicas")}
