"""ConfigError / ConfigErrors: the exact diagnostic format, ordering, syntax errors."""

from __future__ import annotations

import pytest

from kactors.cluster import ConfigError, ConfigErrors, load_config, parse_config

from .helpers import errors


def test_config_error_renders_like_a_compiler_diagnostic() -> None:
    error = ConfigError("cluster.toml", 12, "nodes[0].memory", 'invalid quantity "8GB": bad')
    assert str(error) == 'cluster.toml:12: nodes[0].memory: invalid quantity "8GB": bad'
    assert (error.file, error.line, error.key, error.column) == (
        "cluster.toml", 12, "nodes[0].memory", None)
    assert error.message == 'invalid quantity "8GB": bad'


@pytest.mark.parametrize(
    ("args", "text"),
    [
        (("c.toml", 3, None, "unknown key 'x'"), "c.toml:3: unknown key 'x'"),
        (("c.toml", None, "cluster.seed", "bad"), "c.toml: cluster.seed: bad"),
        (("c.toml", None, None, "cannot read"), "c.toml: cannot read"),
        (("c.toml", 3, None, "invalid TOML: x", 7), "c.toml:3:7: invalid TOML: x"),
    ],
)
def test_config_error_without_some_parts(args: tuple, text: str) -> None:  # type: ignore[type-arg]
    assert str(ConfigError(*args)) == text


def test_config_errors_compare_by_value_and_are_ordered_by_line() -> None:
    first = ConfigError("c.toml", 9, "a", "one")
    second = ConfigError("c.toml", 2, "b", "two")
    third = ConfigError("c.toml", 2, "c", "three")  # same line: keeps the order found
    lineless = ConfigError("c.toml", None, "d", "four")
    assert first == ConfigError("c.toml", 9, "a", "one") and first != second
    assert len({first, ConfigError("c.toml", 9, "a", "one")}) == 1
    group = ConfigErrors([lineless, first, second, third])
    assert group.errors == (second, third, first, lineless)
    assert str(group) == "c.toml:2: b: two\nc.toml:2: c: three\nc.toml:9: a: one\nc.toml: d: four"
    assert isinstance(group, ValueError)
    with pytest.raises(ValueError, match="at least one"):
        ConfigErrors([])


def test_toml_syntax_error_is_reported_alone_with_its_column() -> None:
    text = "[cluster]\nseed = 1\nnodez 3\n[etcd]\ncount = 0\n"
    with pytest.raises(ConfigErrors) as info:
        parse_config(text, "cluster.toml")
    assert [str(error) for error in info.value.errors] == [
        "cluster.toml:3:7: invalid TOML: Expected '=' after a key in a key/value pair"
    ]
    assert info.value.errors[0].column == 7


def test_toml_duplicate_key_is_a_syntax_error() -> None:
    assert errors("""\
        [cluster]
        seed = 1
        [cluster]
        """) == ["cluster.toml:3:9: invalid TOML: Cannot declare ('cluster',) twice"]


def test_syntax_error_at_end_of_document_points_at_the_last_line() -> None:
    assert errors('manifests = ["a.yaml",\n  "b.yaml"') == [
        "cluster.toml:2:11: invalid TOML: Unclosed array (at end of document)"
    ]


def test_unreadable_files(tmp_path) -> None:  # type: ignore[no-untyped-def]
    missing = tmp_path / "nope.toml"
    with pytest.raises(ConfigErrors) as info:
        load_config(missing)
    assert str(info.value) == f"{missing}: cannot read the file: No such file or directory"
    binary = tmp_path / "binary.toml"
    binary.write_bytes(b"[cluster]\nname = \"\xff\"\n")
    with pytest.raises(ConfigErrors) as info:
        load_config(binary)
    assert str(info.value) == f"{binary}:2: the file is not UTF-8 text"
