"""The line locator: key paths in TOML source, written and found."""

from __future__ import annotations

import json
import tomllib
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from kactors.cluster.locate import KeyPath, format_path, key_lines, line_of, locate


def test_format_path() -> None:
    assert format_path(()) == ""
    assert format_path(("cluster", "seed")) == "cluster.seed"
    assert format_path(("nodes", 1, "memory")) == "nodes[1].memory"
    assert format_path(("images", "nginx:1.27", "spread")) == 'images."nginx:1.27".spread'
    assert format_path(("nodes", 0, "labels", "kubernetes.io/os")) == (
        'nodes[0].labels."kubernetes.io/os"'
    )
    assert format_path(("manifests", 2)) == "manifests[2]"
    assert format_path(("a", 0, 1, "b")) == "a[0][1].b"
    assert format_path(("", 'q"')) == '""."q\\""'


DOC = '''\
# a comment with [brackets] and key = "value"
name = "x"  # trailing comment
tricky = """
[not_a_table]
fake = 1 \\"""
"""
literal = \'\'\'
[[nope]]
\'\'\'

[cluster]
seed = 1
"quoted key" = 2
'literal key' = 3
a . b . c = 4

[[nodes]]
name = "a"
labels = { zone = "z1", "k8s.io/role" = "w" }

[[nodes]]
name = "b"
taints = [
  { key = "k", effect = "NoSchedule" },

  # a comment inside an array
  { key = "k2", effect = "NoExecute" },
]

[nodes.labels]
zone = "z2"

[[nodes.extra]]
x = 1

[[nodes]]
[[nodes.extra]]
y = 2
[[nodes.extra]]
y = 3

[images."nginx:1.27"]
pull_time = 2

[images.'busybox']
logs = ["a",
  "b"]
'''


def test_lines_of_a_realistic_document() -> None:
    tomllib.loads(DOC)  # the fixture is valid TOML
    lines = key_lines(DOC)
    expected: dict[KeyPath, int] = {
        ("name",): 2,
        ("tricky",): 3,
        ("literal",): 7,
        ("cluster",): 11,
        ("cluster", "seed"): 12,
        ("cluster", "quoted key"): 13,
        ("cluster", "literal key"): 14,
        ("cluster", "a"): 15,
        ("cluster", "a", "b", "c"): 15,
        ("nodes",): 17,
        ("nodes", 0): 17,
        ("nodes", 0, "name"): 18,
        ("nodes", 0, "labels"): 19,
        ("nodes", 0, "labels", "k8s.io/role"): 19,
        ("nodes", 1): 21,
        ("nodes", 1, "taints"): 23,
        ("nodes", 1, "taints", 0): 24,
        ("nodes", 1, "taints", 0, "effect"): 24,
        ("nodes", 1, "taints", 1): 27,
        ("nodes", 1, "taints", 1, "key"): 27,
        ("nodes", 1, "labels"): 30,
        ("nodes", 1, "labels", "zone"): 31,
        ("nodes", 1, "extra", 0): 33,
        ("nodes", 1, "extra", 0, "x"): 34,
        ("nodes", 2): 36,
        ("nodes", 2, "extra", 0): 37,
        ("nodes", 2, "extra", 0, "y"): 38,
        ("nodes", 2, "extra", 1): 39,
        ("nodes", 2, "extra", 1, "y"): 40,
        ("images",): 42,
        ("images", "nginx:1.27"): 42,
        ("images", "nginx:1.27", "pull_time"): 43,
        ("images", "busybox"): 45,
        ("images", "busybox", "logs", 0): 46,
        ("images", "busybox", "logs", 1): 47,
    }
    assert {path: lines.get(path) for path in expected} == expected
    # nothing inside strings was taken for a key
    assert not any(path[0] in ("not_a_table", "fake", "nope") for path in lines)


def test_line_of_falls_back_to_the_nearest_ancestor() -> None:
    lines = key_lines(DOC)
    assert line_of(lines, ("nodes", 1, "memory")) == 21  # missing key: its [[nodes]]
    assert line_of(lines, ("cluster", "seed", "deeper")) == 12
    assert line_of(lines, ("nothing",)) is None
    assert locate(DOC, ("images", "busybox", "logs", 1)) == 47


def test_crlf_line_endings_and_unicode_keys() -> None:
    text = '[cluster]\r\n"é" = 1\r\n\r\n[log]\r\nlevel = "info"\r\n'
    assert tomllib.loads(text)["cluster"]["é"] == 1
    lines = key_lines(text)
    assert lines[("cluster", "é")] == 2
    assert lines[("log", "level")] == 5


def test_escaped_quotes_in_keys_and_values() -> None:
    text = 'a = "he said \\"[x]\\""\n"k\\"ey" = 1\nb = \'c:\\path\'\nc = 2\n'
    assert tomllib.loads(text)['k"ey'] == 1
    assert key_lines(text) == {("a",): 1, ('k"ey',): 2, ("b",): 3, ("c",): 4}


def test_multi_line_strings_with_extra_closing_quotes() -> None:
    text = 'a = """x""""\nb = \'\'\'y\'\'\'\'\'\nc = 1\n'
    assert tomllib.loads(text) == {"a": 'x"', "b": "y''", "c": 1}
    assert key_lines(text)[("c",)] == 3


def test_invalid_toml_gives_what_it_can_without_raising() -> None:
    lines = key_lines('a = 1\nb = [1, 2\n[c\nd = "')
    assert lines[("a",)] == 1 and lines[("b",)] == 2
    assert key_lines("= = =\n]]]\n{") == {}
    assert key_lines('x = """never closed\n[t]\n') == {("x",): 1}


# -- property: a generated document, written with known lines, is located exactly ------

_KEY_TEXT = st.text(alphabet='abz09_-. "\'é/:', min_size=0, max_size=6)
_BARE = st.text(alphabet="abcxyz019_-", min_size=1, max_size=6)


def _write_key(key: str, style: int) -> str:
    if style == 0 and key and all(c.isascii() and (c.isalnum() or c in "_-") for c in key):
        return key
    if style == 1 and "'" not in key:
        return f"'{key}'"
    return json.dumps(key, ensure_ascii=False)


# a value: (its TOML text, which may span lines; {sub-path: line offset within the text})
Value = tuple[str, dict[KeyPath, int]]


@st.composite
def _scalar(draw: Any) -> Value:
    kind = draw(st.integers(0, 4))
    if kind == 0:
        return str(draw(st.integers(-10, 10**6))), {}
    if kind == 1:
        printable = st.characters(blacklist_categories=("Cc", "Cs"))
        return json.dumps(draw(st.text(printable, max_size=8)), ensure_ascii=False), {}
    if kind == 2:  # multi-line strings whose content looks like TOML
        body = draw(st.text(alphabet="ab[]=.# \n'", max_size=20))
        return f'"""{body}"""', {}
    if kind == 3:
        body = draw(st.text(alphabet='ab[]=.# \n"', max_size=20))
        return f"'''{body}'''", {}
    return draw(st.sampled_from(["true", "false", "1.5", "1979-05-27T07:32:00Z", "inf"])), {}


def _values(depth: int) -> st.SearchStrategy[Value]:
    if depth == 0:
        return _scalar()
    return st.one_of(_scalar(), _array(depth), _inline_table(depth))


@st.composite
def _array(draw: Any, depth: int) -> Value:
    items = draw(st.lists(_values(depth - 1), max_size=4))
    multi_line = draw(st.booleans()) or any("\n" in text for text, _ in items)
    offsets: dict[KeyPath, int] = {}
    if not multi_line:
        for index, (_, sub) in enumerate(items):
            offsets[(index,)] = 0
            offsets.update({(index, *path): 0 for path in sub})
        return "[" + ", ".join(text for text, _ in items) + "]", offsets
    line = 1
    parts = []
    for index, (text, sub) in enumerate(items):
        if draw(st.booleans()):
            parts.append("  # between elements")
            line += 1
        offsets[(index,)] = line
        offsets.update({(index, *path): line + offset for path, offset in sub.items()})
        parts.append("  " + text + ",")
        line += text.count("\n") + 1
    return "[\n" + "\n".join(parts) + "\n]", offsets


@st.composite
def _inline_table(draw: Any, depth: int) -> Value:
    keys = draw(st.lists(_KEY_TEXT, unique=True, max_size=3))
    offsets: dict[KeyPath, int] = {}
    parts = []
    for key in keys:
        text, sub = draw(_values(depth - 1).filter(lambda value: "\n" not in value[0]))
        parts.append(f"{_write_key(key, draw(st.integers(0, 2)))} = {text}")
        offsets[(key,)] = 0
        offsets.update({(key, *path): 0 for path in sub})
    return "{" + ", ".join(parts) + "}", offsets


@st.composite
def _documents(draw: Any) -> tuple[str, dict[KeyPath, int]]:
    # "T" is not in the alphabet of other keys: tables never clash with top-level keys
    names = ["T" + name for name in draw(st.lists(_KEY_TEXT, unique=True, min_size=1,
                                                     max_size=6))]
    lines: list[str] = []
    expected: dict[KeyPath, int] = {}

    def key_values(table: KeyPath) -> None:
        for key in draw(st.lists(_KEY_TEXT, unique=True, max_size=3)):
            text, sub = draw(_values(2))
            line = len(lines) + 1
            expected[table + (key,)] = line
            expected.update({table + (key, *path): line + off for path, off in sub.items()})
            lines.append(f"{_write_key(key, draw(st.integers(0, 2)))} = {text}")
            lines.extend([""] * text.count("\n"))  # keep the list in step with the text
            if draw(st.booleans()):
                lines.append("# comment = 1")

    def header(path: tuple[str, ...], double: bool) -> str:
        written = ".".join(_write_key(key, draw(st.integers(0, 2))) for key in path)
        return f"[[{written}]]" if double else f"[{written}]"

    key_values(())
    for name in names:
        kind = draw(st.integers(0, 1))
        if kind == 0:  # a table, maybe with a sub-table
            expected[(name,)] = len(lines) + 1
            lines.append(header((name,), False))
            key_values((name,))
            if draw(st.booleans()):
                sub = "S" + draw(_BARE)  # never the name of a key
                expected[(name, sub)] = len(lines) + 1
                lines.append(header((name, sub), False))
                key_values((name, sub))
        else:  # an array of tables, maybe with nested arrays of tables
            for index in range(draw(st.integers(1, 3))):
                expected[(name, index)] = len(lines) + 1
                lines.append(header((name,), True))
                key_values((name, index))
                for sub_index in range(draw(st.integers(0, 2))):
                    expected[(name, index, "sub", sub_index)] = len(lines) + 1
                    lines.append(header((name, "sub"), True))
                    key_values((name, index, "sub", sub_index))
    # lines emitted as "" above stand for the continuation lines of multi-line values
    return _join_multiline(lines), expected


def _join_multiline(lines: list[str]) -> str:
    """Drop the placeholder lines: the multi-line values carry their own newlines."""
    out: list[str] = []
    skip = 0
    for line in lines:
        if skip:
            skip -= 1
            continue
        out.append(line)
        skip = line.count("\n")
    return "\n".join(out) + "\n"


def _all_paths(value: Any, path: KeyPath = ()) -> set[KeyPath]:
    paths: set[KeyPath] = {path} if path else set()
    if isinstance(value, dict):
        for key, item in value.items():
            paths |= _all_paths(item, path + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            paths |= _all_paths(item, path + (index,))
    return paths


@settings(max_examples=100, deadline=None)
@given(_documents())
def test_generated_documents_are_located_exactly(document: tuple[str, dict[KeyPath, int]]
                                                  ) -> None:
    text, expected = document
    parsed = tomllib.loads(text)
    lines = key_lines(text)
    for path, line in expected.items():
        assert lines.get(path) == line, (path, text)
    assert _all_paths(parsed) <= set(lines)
