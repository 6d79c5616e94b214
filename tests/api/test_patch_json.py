"""RFC 7386 JSON merge patch and RFC 6902 JSON patch, with the RFCs' own examples."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kactors.api.errors import PatchError
from kactors.api.patch import (
    PatchType,
    apply_patch,
    format_json_pointer,
    json_merge_patch,
    json_patch,
    parse_json_pointer,
)

# RFC 7386, Appendix A.
MERGE_PATCH_EXAMPLES = [
    ({"a": "b"}, {"a": "c"}, {"a": "c"}),
    ({"a": "b"}, {"b": "c"}, {"a": "b", "b": "c"}),
    ({"a": "b"}, {"a": None}, {}),
    ({"a": "b", "b": "c"}, {"a": None}, {"b": "c"}),
    ({"a": ["b"]}, {"a": "c"}, {"a": "c"}),
    ({"a": "c"}, {"a": ["b"]}, {"a": ["b"]}),
    ({"a": {"b": "c"}}, {"a": {"b": "d", "c": None}}, {"a": {"b": "d"}}),
    ({"a": [{"b": "c"}]}, {"a": [1]}, {"a": [1]}),
    (["a", "b"], ["c", "d"], ["c", "d"]),
    ({"a": "b"}, ["c"], ["c"]),
    ({"a": "foo"}, None, None),
    ({"a": "foo"}, "bar", "bar"),
    ({"e": None}, {"a": 1}, {"e": None, "a": 1}),
    ([1, 2], {"a": "b", "c": None}, {"a": "b"}),
    ({}, {"a": {"bb": {"ccc": None}}}, {"a": {"bb": {}}}),
]


@pytest.mark.parametrize(("target", "patch", "expected"), MERGE_PATCH_EXAMPLES)
def test_rfc7386_examples(target: Any, patch: Any, expected: Any) -> None:
    before = copy.deepcopy((target, patch))
    assert json_merge_patch(target, patch) == expected
    assert (target, patch) == before  # inputs untouched


def test_merge_patch_replaces_lists_like_kubectl_merge() -> None:
    deployment = {
        "spec": {"template": {"spec": {"containers": [{"name": "a"}, {"name": "b"}]}}},
        "metadata": {"labels": {"app": "x", "tier": "fe"}},
    }
    patched = json_merge_patch(
        deployment,
        {
            "spec": {"template": {"spec": {"containers": [{"name": "c"}]}}},
            "metadata": {"labels": {"tier": None, "env": "prod"}},
        },
    )
    assert patched["spec"]["template"]["spec"]["containers"] == [{"name": "c"}]
    assert patched["metadata"]["labels"] == {"app": "x", "env": "prod"}
    assert list(patched) == ["spec", "metadata"]  # key order of the target is kept


def test_merge_patch_result_shares_nothing_with_inputs() -> None:
    target = {"keep": {"deep": [1]}, "change": {"x": 1}}
    patch = {"change": {"y": [2]}, "new": {"z": {}}}
    result = json_merge_patch(target, patch)
    assert result["keep"] is not target["keep"]
    assert result["keep"]["deep"] is not target["keep"]["deep"]
    assert result["change"]["y"] is not patch["change"]["y"]
    assert result["new"]["z"] is not patch["new"]["z"]


# RFC 6902, Appendix A.
@pytest.mark.parametrize(
    ("document", "patch", "expected"),
    [
        (  # A.1 adding an object member
            {"foo": "bar"},
            [{"op": "add", "path": "/baz", "value": "qux"}],
            {"baz": "qux", "foo": "bar"},
        ),
        (  # A.2 adding an array element
            {"foo": ["bar", "baz"]},
            [{"op": "add", "path": "/foo/1", "value": "qux"}],
            {"foo": ["bar", "qux", "baz"]},
        ),
        (  # A.3 removing an object member
            {"baz": "qux", "foo": "bar"},
            [{"op": "remove", "path": "/baz"}],
            {"foo": "bar"},
        ),
        (  # A.4 removing an array element
            {"foo": ["bar", "qux", "baz"]},
            [{"op": "remove", "path": "/foo/1"}],
            {"foo": ["bar", "baz"]},
        ),
        (  # A.5 replacing a value
            {"baz": "qux", "foo": "bar"},
            [{"op": "replace", "path": "/baz", "value": "boo"}],
            {"baz": "boo", "foo": "bar"},
        ),
        (  # A.6 moving a value
            {"foo": {"bar": "baz", "waldo": "fred"}, "qux": {"corge": "grault"}},
            [{"op": "move", "from": "/foo/waldo", "path": "/qux/thud"}],
            {"foo": {"bar": "baz"}, "qux": {"corge": "grault", "thud": "fred"}},
        ),
        (  # A.7 moving an array element
            {"foo": ["all", "grass", "cows", "eat"]},
            [{"op": "move", "from": "/foo/1", "path": "/foo/3"}],
            {"foo": ["all", "cows", "eat", "grass"]},
        ),
        (  # A.8 testing a value: success
            {"baz": "qux", "foo": ["a", 2, "c"]},
            [
                {"op": "test", "path": "/baz", "value": "qux"},
                {"op": "test", "path": "/foo/1", "value": 2},
            ],
            {"baz": "qux", "foo": ["a", 2, "c"]},
        ),
        (  # A.10 adding a nested member object
            {"foo": "bar"},
            [{"op": "add", "path": "/child", "value": {"grandchild": {}}}],
            {"foo": "bar", "child": {"grandchild": {}}},
        ),
        (  # A.11 ignoring unrecognised elements
            {"foo": "bar"},
            [{"op": "add", "path": "/baz", "value": "qux", "xyz": 123}],
            {"foo": "bar", "baz": "qux"},
        ),
        (  # A.14 ~ escape ordering
            {"/": 9, "~1": 10},
            [{"op": "test", "path": "/~01", "value": 10}],
            {"/": 9, "~1": 10},
        ),
        (  # A.16 adding an array value
            {"foo": ["bar"]},
            [{"op": "add", "path": "/foo/-", "value": ["abc", "def"]}],
            {"foo": ["bar", ["abc", "def"]]},
        ),
        (  # copy, and whole-document operations
            {"a": {"b": 1}},
            [
                {"op": "copy", "from": "/a", "path": "/c"},
                {"op": "replace", "path": "/c/b", "value": 2},
            ],
            {"a": {"b": 1}, "c": {"b": 2}},
        ),
        ({"a": 1}, [{"op": "replace", "path": "", "value": [1]}], [1]),
        ({"a": 1}, [{"op": "add", "path": "", "value": {"b": 2}}], {"b": 2}),
        ({"a": 1}, [{"op": "move", "from": "/a", "path": "/a"}], {"a": 1}),
        ({"a": 1.0}, [{"op": "test", "path": "/a", "value": 1}], {"a": 1.0}),
    ],
)
def test_rfc6902_examples(document: Any, patch: list[Any], expected: Any) -> None:
    before = copy.deepcopy(document)
    assert json_patch(document, patch) == expected
    assert document == before


@pytest.mark.parametrize(
    ("document", "patch", "message"),
    [
        (  # A.9 testing a value: error
            {"baz": "qux"},
            [{"op": "test", "path": "/baz", "value": "bar"}],
            'json patch operation 0 (test): value at "/baz" is not equal to the expected value',
        ),
        (  # A.12 adding to a nonexistent target
            {"foo": "bar"},
            [{"op": "add", "path": "/baz/bat", "value": "qux"}],
            'json patch operation 0 (add): path "/baz" does not exist',
        ),
        (  # A.15 comparing strings and numbers
            {"/": 9, "~1": 10},
            [{"op": "test", "path": "/~01", "value": "10"}],
            'json patch operation 0 (test): value at "/~01" is not equal to the expected value',
        ),
        (
            {"a": True},
            [{"op": "test", "path": "/a", "value": 1}],
            'json patch operation 0 (test): value at "/a" is not equal to the expected value',
        ),
        (
            {"a": 1},
            [{"op": "remove", "path": "/b"}],
            'json patch operation 0 (remove): path "/b" does not exist',
        ),
        (
            {"a": [1]},
            [{"op": "replace", "path": "/a/1", "value": 2}],
            'json patch operation 0 (replace): array index 1 out of bounds in "/a/1"',
        ),
        (
            {"a": [1]},
            [{"op": "add", "path": "/a/2", "value": 2}],
            'json patch operation 0 (add): array index 2 out of bounds in "/a/2"',
        ),
        (
            {"a": [1]},
            [{"op": "add", "path": "/a/01", "value": 2}],
            'json patch operation 0 (add): invalid array index "01" in "/a/01"',
        ),
        (
            {"a": [1]},
            [{"op": "remove", "path": "/a/-"}],
            'json patch operation 0 (remove): invalid array index "-" in "/a/-"',
        ),
        (
            {"a": {"b": 1}},
            [{"op": "move", "from": "/a", "path": "/a/b/c"}],
            'json patch operation 0 (move): cannot move "/a" into its own child "/a/b/c"',
        ),
        (
            {},
            [{"op": "add", "path": "/a", "value": 1}, {"op": "frobnicate", "path": "/a"}],
            'json patch operation 1 (frobnicate): unknown operation "frobnicate"',
        ),
        ({}, [{"op": "add", "path": "/a"}], 'json patch operation 0 (add): missing "value"'),
        (
            {},
            [{"op": "copy", "path": "/a"}],
            'json patch operation 0 (copy): missing or non-string "from"',
        ),
        (
            {},
            [{"op": "add", "path": "a", "value": 1}],
            'json patch operation 0 (add): invalid JSON pointer "a": must be empty or start with "/"',
        ),
        (
            {},
            [{"op": "remove", "path": ""}],
            "json patch operation 0 (remove): cannot remove the document root",
        ),
        ({}, ["add"], "json patch operation 0: must be an object"),
        ({}, {"op": "add"}, "a json patch must be a list of operations"),
        (
            {"a": "s"},
            [{"op": "add", "path": "/a/b", "value": 1}],
            'json patch operation 0 (add): path "/a/b" does not exist',
        ),
    ],
)
def test_json_patch_errors(document: Any, patch: Any, message: str) -> None:
    with pytest.raises(PatchError) as caught:
        json_patch(document, patch)
    assert str(caught.value) == message


def test_json_patch_is_atomic() -> None:
    document = {"a": 1}
    with pytest.raises(PatchError):
        json_patch(
            document, [{"op": "replace", "path": "/a", "value": 2}, {"op": "remove", "path": "/x"}]
        )
    assert document == {"a": 1}


def test_json_patch_values_are_copied() -> None:
    value = {"x": [1]}
    result = json_patch({}, [{"op": "add", "path": "/v", "value": value}])
    assert result["v"] == value and result["v"] is not value
    copied = json_patch({"a": {"b": []}}, [{"op": "copy", "from": "/a", "path": "/c"}])
    assert copied["a"] is not copied["c"]


def test_json_pointers_rfc6901() -> None:
    document = {
        "foo": ["bar", "baz"],
        "": 0,
        "a/b": 1,
        "c%d": 2,
        "e^f": 3,
        "g|h": 4,
        "i\\j": 5,
        'k"l': 6,
        " ": 7,
        "m~n": 8,
    }
    for pointer, value in [
        ("", document),
        ("/foo", ["bar", "baz"]),
        ("/foo/0", "bar"),
        ("/", 0),
        ("/a~1b", 1),
        ("/c%d", 2),
        ("/e^f", 3),
        ("/g|h", 4),
        ("/i\\j", 5),
        ('/k"l', 6),
        ("/ ", 7),
        ("/m~0n", 8),
    ]:
        json_patch(document, [{"op": "test", "path": pointer, "value": value}])
        assert format_json_pointer(parse_json_pointer(pointer)) == pointer
    with pytest.raises(PatchError) as caught:
        parse_json_pointer("/a~2")
    assert str(caught.value) == 'invalid JSON pointer "/a~2": "~" must be followed by "0" or "1"'
    assert format_json_pointer(["metadata", "labels", "app.kubernetes.io/name"]) == (
        "/metadata/labels/app.kubernetes.io~1name"
    )


def test_apply_patch_dispatches_on_content_type() -> None:
    obj = {"kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"a": "1"}}
    assert apply_patch(obj, {"data": {"b": "2"}}, "application/merge-patch+json")["data"] == {
        "a": "1",
        "b": "2",
    }
    assert apply_patch(obj, [{"op": "remove", "path": "/data/a"}], PatchType.JSON)["data"] == {}
    assert apply_patch(obj, {"data": {"a": None}}, PatchType.STRATEGIC_MERGE)["data"] == {}
    with pytest.raises(ValueError):
        apply_patch(obj, {}, "text/plain")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=4),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.text("abc", max_size=2), children, max_size=3)
    ),
    max_leaves=12,
)


@settings(max_examples=30, derandomize=True)
@given(json_values, json_values)
def test_merge_patch_properties(target: Any, patch: Any) -> None:
    before = copy.deepcopy((target, patch))
    once = json_merge_patch(target, patch)
    assert (target, patch) == before
    # Applying the same merge patch twice changes nothing more (RFC 7386 idempotence).
    assert json_merge_patch(once, patch) == once


@settings(max_examples=30, derandomize=True)
@given(json_values)
def test_replacing_the_root_gives_the_value(value: Any) -> None:
    assert json_patch({"x": 1}, [{"op": "replace", "path": "", "value": value}]) == value
