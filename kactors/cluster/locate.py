"""Key paths in a TOML document: how to write them and on which line they are.

``tomllib`` gives us values but forgets where they came from, and an error without a line
number sends a learner hunting. This module re-reads the (already valid) source text with
a small structural scanner that understands just enough TOML to know where every key is
defined: ``[tables]``, ``[[arrays.of.tables]]`` (counting their elements), dotted and
quoted keys, inline tables, multi-line arrays, and strings (including multi-line ones,
whose contents must not be mistaken for keys). It never interprets scalar values.

A *key path* is a tuple of table keys (``str``) and array indexes (``int``), exactly the
subscripts that reach a value in the dict ``tomllib`` returns::

    ("nodes", 1, "memory")            -> nodes[1].memory
    ("images", "nginx:1.27", "spread") -> images."nginx:1.27".spread

Problems about a key that is *not* in the file (a missing required key) are placed on the
line of its nearest ancestor that is, through :func:`line_of`.
"""

from __future__ import annotations

import bisect
import json
import re
import tomllib
from collections.abc import Mapping

__all__ = ["KeyPath", "format_path", "key_lines", "line_of", "locate"]

KeyPath = tuple[str | int, ...]

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_SCALAR_END = frozenset(",]}#\n\r")
_WHITESPACE = " \t"


def format_path(path: KeyPath) -> str:
    """The path as a user would write it: ``nodes[0].labels."kubernetes.io/os"``."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
            continue
        key = part if _BARE_KEY.fullmatch(part) else json.dumps(part, ensure_ascii=False)
        text += f".{key}" if text else key
    return text


def key_lines(text: str) -> dict[KeyPath, int]:
    """Map every key path defined in ``text`` (valid TOML) to its 1-based line.

    A table is placed on its header (or the first line that implies it); an element of an
    array on the line where it starts. On text that is not valid TOML the result is
    best effort, never an exception.
    """
    scanner = _Scanner(text)
    try:
        scanner.document()
    except (IndexError, ValueError, tomllib.TOMLDecodeError):
        pass  # invalid TOML: keep what was found so far
    return scanner.lines


def line_of(lines: Mapping[KeyPath, int], path: KeyPath) -> int | None:
    """The line of ``path``, or of its nearest ancestor present in ``lines``."""
    for end in range(len(path), 0, -1):
        line = lines.get(path[:end])
        if line is not None:
            return line
    return None


def locate(text: str, path: KeyPath) -> int | None:
    """The line of ``path`` in ``text`` (see :func:`line_of`); for one-off lookups."""
    return line_of(key_lines(text), path)


class _Scanner:
    """A recursive-descent walk over TOML that records where keys are, nothing more."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.lines: dict[KeyPath, int] = {}
        self._line_starts = [0] + [i + 1 for i, char in enumerate(text) if char == "\n"]
        # last index of each array of tables, by its resolved path (which includes the
        # indexes of enclosing arrays of tables, so nested counters restart per parent)
        self._array_tables: dict[KeyPath, int] = {}

    # -- positions ----------------------------------------------------------------------

    def line(self) -> int:
        return bisect.bisect_right(self._line_starts, self.pos)

    def peek(self, count: int = 1) -> str:
        return self.text[self.pos : self.pos + count]

    def at_end(self) -> bool:
        return self.pos >= len(self.text)

    def skip_space(self, newlines: bool = False) -> None:
        """Skip blanks, comments and (if ``newlines``) line breaks."""
        while not self.at_end():
            char = self.text[self.pos]
            if char in _WHITESPACE or (newlines and char in "\r\n"):
                self.pos += 1
            elif char == "#":
                end = self.text.find("\n", self.pos)
                self.pos = len(self.text) if end < 0 else end
            else:
                return

    def record(self, path: KeyPath, line: int, *, replace: bool = False) -> None:
        """Remember ``path`` (and the tables it implies) at ``line``; first mention wins."""
        for end in range(1, len(path)):
            self.lines.setdefault(path[:end], line)
        if replace:
            self.lines[path] = line
        else:
            self.lines.setdefault(path, line)

    # -- the document -------------------------------------------------------------------

    def document(self) -> None:
        table: KeyPath = ()
        while True:
            self.skip_space(newlines=True)
            if self.at_end():
                return
            before = self.pos
            if self.peek(2) == "[[":
                table = self.array_table_header()
            elif self.peek() == "[":
                table = self.table_header()
            else:
                self.key_value(table)
            if self.pos == before:  # not TOML after all: never loop forever
                self.pos += 1

    def table_header(self) -> KeyPath:
        line = self.line()
        self.pos += 1
        path = self.resolve(self.key())
        self.skip_space()
        self.pos += 1  # "]"
        self.record(path, line, replace=True)
        return path

    def array_table_header(self) -> KeyPath:
        line = self.line()
        self.pos += 2
        keys = self.key()
        self.skip_space()
        self.pos += 2  # "]]"
        array = self.resolve(keys[:-1]) + keys[-1:]
        index = self._array_tables.get(array, -1) + 1
        self._array_tables[array] = index
        path = array + (index,)
        self.record(path, line)
        return path

    def resolve(self, keys: tuple[str, ...]) -> KeyPath:
        """A header's keys as a path: an array of tables means its latest element."""
        path: KeyPath = ()
        for key in keys:
            path += (key,)
            if path in self._array_tables:
                path += (self._array_tables[path],)
        return path

    def key_value(self, table: KeyPath) -> None:
        line = self.line()
        path = table + self.key()
        self.record(path, line)
        self.skip_space()
        self.pos += 1  # "="
        self.skip_space()
        self.value(path)

    # -- keys ---------------------------------------------------------------------------

    def key(self) -> tuple[str, ...]:
        """A dotted key: simple keys separated by dots, blanks allowed around them."""
        keys = [self.simple_key()]
        self.skip_space()
        while self.peek() == ".":
            self.pos += 1
            self.skip_space()
            keys.append(self.simple_key())
            self.skip_space()
        return tuple(keys)

    def simple_key(self) -> str:
        self.skip_space()
        char = self.peek()
        if char in ('"', "'"):
            start = self.pos
            self.single_line_string()
            return _decode_string(self.text[start : self.pos])
        match = _BARE_KEY.match(self.text, self.pos)
        if match is None:
            raise ValueError(f"no key at offset {self.pos}")
        self.pos = match.end()
        return match.group()

    # -- values -------------------------------------------------------------------------

    def value(self, path: KeyPath) -> None:
        char = self.peek()
        if char in ('"', "'"):
            if self.peek(3) == char * 3:
                self.multi_line_string(char)
            else:
                self.single_line_string()
        elif char == "[":
            self.array(path)
        elif char == "{":
            self.inline_table(path)
        else:
            while not self.at_end() and self.text[self.pos] not in _SCALAR_END:
                self.pos += 1

    def array(self, path: KeyPath) -> None:
        self.pos += 1  # "["
        index = 0
        while True:
            self.skip_space(newlines=True)
            if self.at_end() or self.peek() == "]":
                self.pos += 1
                return
            self.record(path + (index,), self.line())
            before = self.pos
            self.value(path + (index,))
            self.skip_space(newlines=True)
            if self.peek() == ",":
                self.pos += 1
                index += 1
            elif self.pos == before:
                self.pos += 1

    def inline_table(self, path: KeyPath) -> None:
        self.pos += 1  # "{"
        while True:
            self.skip_space(newlines=True)
            if self.at_end() or self.peek() == "}":
                self.pos += 1
                return
            self.key_value(path)
            self.skip_space(newlines=True)
            if self.peek() == ",":
                self.pos += 1

    def single_line_string(self) -> None:
        quote = self.text[self.pos]
        self.pos += 1
        while not self.at_end():
            char = self.text[self.pos]
            if char == "\\" and quote == '"':
                self.pos += 2
            elif char == quote or char == "\n":
                self.pos += 1
                return
            else:
                self.pos += 1

    def multi_line_string(self, quote: str) -> None:
        self.pos += 3
        delimiter = quote * 3
        while not self.at_end():
            if quote == '"' and self.text[self.pos] == "\\":
                self.pos += 2
            elif self.peek(3) == delimiter:
                self.pos += 3
                # up to two more quotes right before the delimiter belong to the content
                for _ in range(2):
                    if self.peek() == quote:
                        self.pos += 1
                return
            else:
                self.pos += 1


def _decode_string(literal: str) -> str:
    """The value of a quoted key, escapes and all, as tomllib itself reads it."""
    return tomllib.loads(f"k = {literal}")["k"]
