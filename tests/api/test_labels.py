"""Label selectors, with cases ported from apimachinery's labels/selector_test.go."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kactors.api.errors import SelectorError
from kactors.api.labels import (
    Operator,
    Requirement,
    Selector,
    new_requirement,
    parse_selector,
    selector_from_label_selector,
    selector_from_set,
    validate_labels,
)

NAME_PART = (
    "name part must consist of alphanumeric characters, '-', '_' or '.', and must start "
    "and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', "
    "regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
)
LABEL_VALUE = (
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' "
    "or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or "
    "'my_value',  or '12345', regex used for validation is "
    "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
)


@pytest.mark.parametrize(
    "text",
    ["x=a,y=b,z=c", "", "x!=a,y=b", "x=", "x= ", "x=,z= ", "x= ,z= ", "!x", "x>1", "x>1,z<5"],
)
def test_good_strings_round_trip(text: str) -> None:
    # TestSelectorParse: String() gives the input back minus spaces.
    assert parse_selector(text).to_string() == text.replace(" ", "")


@pytest.mark.parametrize(
    "text",
    [
        "x=a||y=b",
        "x==a==b",
        "!x=a",
        "x<a",
        ",x,y",
        "x nott in (y)",
        "a in (xyz),",
        "a in (xyz)b notin ()",
        "a in (xyz abc)",
        "a notin(",
        "a (",
        "(",
    ],
)
def test_bad_strings_are_rejected(text: str) -> None:
    with pytest.raises(SelectorError):
        parse_selector(text)


def test_brief_example_covers_every_operator() -> None:
    selector = parse_selector("a=b,c!=d,e in (x,y),f notin (z),g,!h")
    assert [r.operator for r in selector.requirements] == [
        Operator.EQUALS,
        Operator.NOT_EQUALS,
        Operator.IN,
        Operator.NOT_IN,
        Operator.EXISTS,
        Operator.DOES_NOT_EXIST,
    ]
    assert selector.matches({"a": "b", "c": "x", "e": "y", "f": "w", "g": ""})
    assert not selector.matches({"a": "b", "c": "x", "e": "y", "f": "w", "g": "", "h": "1"})
    assert not selector.matches({"a": "b", "c": "d", "e": "y", "g": ""})
    assert not selector.matches({"a": "b", "e": "y", "f": "z", "g": ""})


def test_parse_is_deterministic() -> None:
    assert parse_selector("x=a,a=x").to_string() == parse_selector("a=x,x=a").to_string()
    assert parse_selector("x=a,a=x").to_string() == "a=x,x=a"


@pytest.mark.parametrize(
    ("selector", "labels", "expected"),
    [
        # TestSelectorMatches.
        ("", {"x": "y"}, True),
        ("x=y", {"x": "y"}, True),
        ("x=y,z=w", {"x": "y", "z": "w"}, True),
        ("x!=y,z!=w", {"x": "z", "z": "a"}, True),
        ("notin=in", {"notin": "in"}, True),
        ("x", {"x": "z"}, True),
        ("!x", {"y": "z"}, True),
        ("x>1", {"x": "2"}, True),
        ("x<1", {"x": "0"}, True),
        ("x=z", {}, False),
        ("x=y", {"x": "z"}, False),
        ("x=y,z=w", {"x": "w", "z": "w"}, False),
        ("x!=y,z!=w", {"x": "z", "z": "w"}, False),
        ("x", {"y": "z"}, False),
        ("!x", {"x": "z"}, False),
        ("x>1", {"x": "0"}, False),
        ("x<1", {"x": "2"}, False),
        ("x>1", {"x": "v2"}, False),
        ("x>1", {}, False),
        ("foo=bar,foobar=bar,baz=blah", {"foo": "bar", "baz": "blah"}, False),
        # Set-based requirements.
        ("x in (foo),y notin (alpha)", {"x": "foo", "y": "baz"}, True),
        ("x in (foo),y in (alpha)", {"x": "foo", "y": "baz"}, False),
        ("x notin (),y", {"y": ""}, True),
        ("!x,y", {"y": ""}, True),
        ("x notin (),!y", {"y": ""}, False),
        ("x in ()", {"y": "baz"}, False),
        ("x in (),y", {"x": "", "y": "a"}, True),
        ("x notin (a)", {}, True),
        ("env in (prod, qa)", {"env": "qa"}, True),
    ],
)
def test_matching(selector: str, labels: dict[str, str], expected: bool) -> None:
    assert parse_selector(selector).matches(labels) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # TestSetSelectorParser.
        ("\rx", "x"),
        ("this-is-a-dns.domain.com/key-with-dash", "this-is-a-dns.domain.com/key-with-dash"),
        (
            "this-is-another-dns.domain.com/key-with-dash in (so,what)",
            "this-is-another-dns.domain.com/key-with-dash in (so,what)",
        ),
        (
            "0.1.2.domain/99 notin (10.10.100.1, tick.tack.clock)",
            "0.1.2.domain/99 notin (10.10.100.1,tick.tack.clock)",
        ),
        ("foo  in\t (abc)", "foo in (abc)"),
        ("x notin\n (abc)", "x notin (abc)"),
        ("x in (abc,)", "x in (,abc)"),
        ("x in ()", "x in ()"),
        ("x notin (abc,def),bar,z in (),w", "bar,w,x notin (abc,def),z in ()"),
        ("x notin ( )", "x notin ()"),
        ("x notin (, a)", "x notin (,a)"),
        ("a in (x,y,notin, z,in)", "a in (in,notin,x,y,z)"),
        ("a ", "a"),
        ("x in (foo,,baz),y,z notin ()", "x in (,baz,foo),y,z notin ()"),
        ("x in (in)", "x in (in)"),
        ("x=a,y!=b", "x=a,y!=b"),
        ("x==a", "x==a"),
    ],
)
def test_set_selector_parser(text: str, expected: str) -> None:
    assert parse_selector(text).to_string() == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("x=a b", "found 'b', expected: ',' or 'end of string'"),
        ("x==a==b", "found '==', expected: ',' or 'end of string'"),
        (",a", "found ',', expected: !, identifier, or 'end of string'"),
        ("a,", "found '', expected: identifier after ','"),
        ("a,,b", "found ',', expected: identifier after ','"),
        ("!,a", "unable to parse requirement: found ',', expected: identifier"),
        ("!x=a", "found '=', expected: ',' or 'end of string'"),
        ("a in (x y)", "unable to parse requirement: found 'y', expected: ',' or ')'"),
        ("a in b", "unable to parse requirement: found 'b' expected: '('"),
        ("a in (", "unable to parse requirement: found '', expected: ',', ')' or identifier"),
        ("a in (x", "unable to parse requirement: found '', expected: ',' or ')'"),
        (
            "a (b)",
            "unable to parse requirement: found '(', expected: in, notin, =, ==, !=, gt, lt",
        ),
        ("a=(", "unable to parse requirement: found '(', expected: identifier"),
        (
            "x<a",
            'unable to parse requirement: values[0]: Invalid value: "a": '
            "for 'Gt', 'Lt' operators, the value must be an integer",
        ),
        (
            "app=@",
            f'unable to parse requirement: values[0][app]: Invalid value: "@": {LABEL_VALUE}',
        ),
        ("-app", f'unable to parse requirement: <nil>: Invalid value: "-app": {NAME_PART}'),
    ],
)
def test_parse_errors_use_kubernetes_messages(text: str, message: str) -> None:
    with pytest.raises(SelectorError) as caught:
        parse_selector(text)
    assert str(caught.value) == message


def test_requirement_constructor() -> None:
    # TestRequirementConstructor.
    good = [
        ("x", Operator.IN, ["foo"]),
        ("x", Operator.NOT_IN, ["foo"]),
        ("x", Operator.EXISTS, []),
        ("x", Operator.DOES_NOT_EXIST, []),
        ("1foo", Operator.IN, ["bar"]),
        ("1234", Operator.IN, ["bar"]),
        ("y", Operator.GREATER_THAN, ["1"]),
        ("z", Operator.LESS_THAN, ["6"]),
        ("z", "in", ["6"]),
    ]
    for key, op, values in good:
        assert new_requirement(key, op, values).key == key
    bad = [
        ("x", Operator.IN, []),
        ("x", Operator.NOT_IN, []),
        ("foo", Operator.GREATER_THAN, ["bar"]),
        ("barz", Operator.LESS_THAN, ["blah"]),
        ("a" * 254, Operator.EXISTS, []),
        ("x", Operator.EQUALS, ["a", "b"]),
        ("x", "In", ["a"]),
    ]
    for key, op, values in bad:
        with pytest.raises(SelectorError):
            new_requirement(key, op, values)


def test_requirement_error_messages() -> None:
    with pytest.raises(SelectorError) as caught:
        new_requirement("x", Operator.IN, [])
    assert str(caught.value) == (
        "values: Invalid value: []: for 'in', 'notin' operators, values set can't be empty"
    )
    with pytest.raises(SelectorError) as caught:
        new_requirement("x", "foo", [])
    assert str(caught.value) == (
        'operator: Unsupported value: "foo": supported values: "in", "notin", "=", "==", '
        '"!=", "gt", "lt", "exists", "!"'
    )
    with pytest.raises(SelectorError) as caught:
        new_requirement("a" * 64, Operator.EQUALS, ["b", "c"], path="spec.selector")
    assert str(caught.value) == (
        f'[spec.selector.key: Invalid value: "{"a" * 64}": name part must be no more than '
        '63 characters, spec.selector.values: Invalid value: ["b","c"]: exact-match '
        "compatibility requires one single value]"
    )


def test_to_string_matches_kubernetes() -> None:
    # TestToString.
    selector = Selector().add(
        Requirement("x", Operator.IN, ("def", "abc")),
        Requirement("y", Operator.NOT_IN, ("jkl",)),
        Requirement("z", Operator.EXISTS),
    )
    assert selector.to_string() == "x in (abc,def),y notin (jkl),z"
    selector = Selector().add(
        Requirement("z", Operator.DOES_NOT_EXIST),
        Requirement("x", Operator.NOT_IN, ("abc", "def")),
        Requirement("y", Operator.NOT_EQUALS, ("jkl",)),
    )
    assert selector.to_string() == "x notin (abc,def),y!=jkl,!z"
    selector = Selector().add(
        Requirement("x", Operator.GREATER_THAN, ("2",)),
        Requirement("y", Operator.LESS_THAN, ("8",)),
        Requirement("z", Operator.EXISTS),
    )
    assert str(selector) == "x>2,y<8,z"


def test_everything_and_nothing() -> None:
    assert Selector.everything().empty
    assert Selector.everything().matches({"x": "y"})
    assert Selector.everything().matches(None)
    assert parse_selector("").empty
    assert not Selector.nothing().empty
    assert not Selector.nothing().matches({})
    assert Selector.nothing().add(Requirement("a", Operator.EXISTS)) is Selector.nothing()
    assert not parse_selector("a").empty


def test_selector_from_set() -> None:
    labels = {"foo": "bar", "baz": "blah"}
    assert selector_from_set({}).matches(labels)
    assert selector_from_set({"foo": "bar"}).matches(labels)
    assert selector_from_set(labels).matches(labels)
    assert not selector_from_set({"foo": "baz"}).matches(labels)
    assert selector_from_set(labels).to_string() == "baz=blah,foo=bar"
    with pytest.raises(SelectorError):
        selector_from_set({"foo": "=bar"}, validate=True)


def test_requires_exact_match() -> None:
    selector = parse_selector("app=web,tier in (fe),env in (a,b),x!=y")
    assert selector.requires_exact_match("app") == "web"
    assert selector.requires_exact_match("tier") == "fe"
    assert selector.requires_exact_match("env") is None
    assert selector.requires_exact_match("x") is None
    assert selector.requires_exact_match("missing") is None


def test_structured_label_selector() -> None:
    # The Deployment/ReplicaSet form: matchLabels AND matchExpressions.
    selector = selector_from_label_selector(
        {
            "matchLabels": {"component": "redis"},
            "matchExpressions": [
                {"key": "tier", "operator": "In", "values": ["cache"]},
                {"key": "environment", "operator": "NotIn", "values": ["dev"]},
                {"key": "track", "operator": "Exists"},
                {"key": "canary", "operator": "DoesNotExist"},
            ],
        }
    )
    assert selector.to_string() == (
        "!canary,component=redis,environment notin (dev),tier in (cache),track"
    )
    assert selector.matches({"component": "redis", "tier": "cache", "track": "stable"})
    assert not selector.matches({"component": "redis", "tier": "cache"})
    assert not selector.matches(
        {"component": "redis", "tier": "cache", "track": "x", "canary": "true"}
    )
    assert parse_selector(selector.to_string()) == selector


def test_structured_selector_edge_cases() -> None:
    assert not selector_from_label_selector(None).matches({})
    assert selector_from_label_selector({}).matches({"a": "b"})
    assert selector_from_label_selector({"matchLabels": {}}).empty
    with pytest.raises(SelectorError) as caught:
        selector_from_label_selector({"matchExpressions": [{"key": "a", "operator": "Foo"}]})
    assert str(caught.value) == '"Foo" is not a valid label selector operator'
    with pytest.raises(SelectorError) as caught:
        selector_from_label_selector({"matchExpressions": [{"key": "a", "operator": "In"}]})
    assert str(caught.value) == (
        "values: Invalid value: null: for 'in', 'notin' operators, values set can't be empty"
    )
    with pytest.raises(SelectorError) as caught:
        selector_from_label_selector(
            {"matchExpressions": [{"key": "a", "operator": "Exists", "values": ["x"]}]}
        )
    assert str(caught.value) == (
        'values: Invalid value: ["x"]: values set must be empty for exists and does not exist'
    )
    with pytest.raises(SelectorError) as caught:
        selector_from_label_selector({"matchLabels": {"a b": "c"}})
    assert str(caught.value) == f'key: Invalid value: "a b": {NAME_PART}'


def test_validate_labels() -> None:
    assert validate_labels({"app": "nginx", "example.com/tier": ""}) == []
    assert validate_labels({"app": "-bad"}) == [
        f'metadata.labels: Invalid value: "-bad": {LABEL_VALUE}'
    ]


label_keys = st.text("abcxyz", min_size=1, max_size=8)
label_values = st.text("abc019", max_size=6)


@settings(max_examples=60, derandomize=True)
@given(st.dictionaries(label_keys, label_values, max_size=5))
def test_set_selector_matches_its_own_set_and_round_trips(labels: dict[str, str]) -> None:
    selector = selector_from_set(labels)
    assert selector.matches(labels)
    assert parse_selector(selector.to_string()) == selector
