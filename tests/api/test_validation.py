"""Name validators and field-error rendering, against apimachinery's exact messages."""

from __future__ import annotations

import pytest

from kactors.api import meta
from kactors.api.validation import (
    aggregate,
    field_invalid,
    field_not_supported,
    go_quote,
    is_dns1035_label,
    is_dns1123_label,
    is_dns1123_subdomain,
    is_label_value,
    is_path_segment_name,
    is_qualified_name,
    regex_error,
)

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
DNS1035 = (
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with "
    "an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or "
    "'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"
)
QUALIFIED = (
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
    "alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for "
    "validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
)


def test_subdomain_message_is_kubernetes_verbatim() -> None:
    assert is_dns1123_subdomain("Bad_Name") == [SUBDOMAIN]
    assert is_dns1123_subdomain("-a") == [SUBDOMAIN]
    assert is_dns1123_subdomain("a.") == [SUBDOMAIN]
    assert is_dns1123_subdomain("a\n") == [SUBDOMAIN]  # no "$"-matches-newline leniency
    assert is_dns1123_subdomain("a" * 254) == ["must be no more than 253 characters"]


@pytest.mark.parametrize(
    "name", ["a", "ab", "a-b", "0", "nginx-deployment", "a.b", "example.com", "a" * 253]
)
def test_valid_subdomains(name: str) -> None:
    assert is_dns1123_subdomain(name) == []
    assert meta.is_dns1123_subdomain(name) == []  # re-exported for meta users


def test_dns1123_label() -> None:
    assert is_dns1123_label("default") == []
    assert is_dns1123_label("kube-system") == []
    assert is_dns1123_label("a.b") == ["must not contain dots"]
    assert is_dns1123_label("A") == [LABEL]
    assert is_dns1123_label("a" * 64) == ["must be no more than 63 characters"]
    assert is_dns1123_label("-" * 64) == ["must be no more than 63 characters", LABEL]


def test_dns1035_label() -> None:
    assert is_dns1035_label("my-service") == []
    assert is_dns1035_label("1abc") == [DNS1035]


def test_path_segment_name() -> None:
    assert is_path_segment_name("system:controller:deployment-controller") == []
    assert is_path_segment_name("..") == ["may not be '..'"]
    assert is_path_segment_name("a/b%c") == ["may not contain '/'", "may not contain '%'"]


def test_qualified_name() -> None:
    assert is_qualified_name("app") == []
    assert is_qualified_name("app.kubernetes.io/name") == []
    assert is_qualified_name("MyName") == []
    assert is_qualified_name("-a") == ["name part " + QUALIFIED]
    assert is_qualified_name("/a") == ["prefix part must be non-empty"]
    assert is_qualified_name("a/") == ["name part must be non-empty", "name part " + QUALIFIED]
    assert is_qualified_name("Example.com/a") == ["prefix part " + SUBDOMAIN]
    assert is_qualified_name("a" * 64) == ["name part must be no more than 63 characters"]
    assert is_qualified_name("a/b/c") == [
        "a qualified name "
        + QUALIFIED
        + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
    ]


def test_label_value() -> None:
    assert is_label_value("") == []
    assert is_label_value("v1.2_3-x") == []
    assert is_label_value("a" * 64) == ["must be no more than 63 characters"]
    assert len(is_label_value("-")) == 1


def test_error_rendering_helpers() -> None:
    assert regex_error("msg", "fmt") == "msg (regex used for validation is 'fmt')"
    assert go_quote('a"b\\c\n\x01') == '"a\\"b\\\\c\\n\\x01"'
    assert field_invalid("spec.replicas", -1, "must be >= 0") == (
        "spec.replicas: Invalid value: -1: must be >= 0"
    )
    assert field_invalid("a", ["x"], "") == 'a: Invalid value: ["x"]'
    assert field_invalid("a", True, "d") == "a: Invalid value: true: d"
    assert field_not_supported("op", "x", ["a", "b"]) == (
        'op: Unsupported value: "x": supported values: "a", "b"'
    )
    assert aggregate([]) == ""
    assert aggregate(["x"]) == "x"
    assert aggregate(["x", "y", "x"]) == "[x, y]"
