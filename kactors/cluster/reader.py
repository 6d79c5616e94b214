"""Reading typed values out of parsed TOML while collecting, not raising, every problem.

The loader walks the dict ``tomllib`` produced one table at a time through a
:class:`Table`, asking for each key with a *converter* (``integer(at_least=1)``,
``choice("virtual", "real")``...). A bad value is recorded in :class:`Problems` with its
key path and line, and the caller gets the default back so the walk goes on: that is how
one run reports every mistake of a file.

Messages follow one convention: key names in single quotes (``unknown key 'nodez'``),
values as they would be written in TOML (``got string "3"``, ``got integer 3``).
"""

from __future__ import annotations

import datetime
import ipaddress
import json
import math
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

from kactors.api.errors import QuantityError
from kactors.api.quantity import Quantity, parse_quantity

from .errors import ConfigError
from .locate import KeyPath, format_path, key_lines, line_of

__all__ = [
    "Converter",
    "Invalid",
    "Problems",
    "Table",
    "array",
    "boolean",
    "choice",
    "describe",
    "integer",
    "ipv4_address",
    "ipv4_network",
    "literal",
    "number",
    "quantity",
    "quoted_list",
    "string",
]

T = TypeVar("T")
Converter = Callable[[object], T]
Check = Callable[[str], Sequence[str]]

_MAX_SHOWN = 60


class Invalid(Exception):
    """A converter's complaints: (path below the value, message) pairs."""

    def __init__(self, message: str, at: KeyPath = ()) -> None:
        super().__init__(message)
        self.problems: list[tuple[KeyPath, str]] = [(at, message)]

    @classmethod
    def many(cls, problems: list[tuple[KeyPath, str]]) -> Invalid:
        error = cls(problems[0][1], problems[0][0])
        error.problems = problems
        return error


class Problems:
    """The errors found so far in one source, each placed on its line."""

    def __init__(self, source: str, text: str, top_level: Sequence[str] = ()) -> None:
        self.source = source
        self.lines = key_lines(text)
        self.errors: list[ConfigError] = []
        #: keys of the document's top level, for the hint about TOML's table scoping
        self.top_level = tuple(top_level)

    def add(self, path: KeyPath, message: str, *, line_path: KeyPath | None = None) -> None:
        """Report ``message`` about ``path``, on the line of ``line_path`` (default: path)."""
        line = line_of(self.lines, path if line_path is None else line_path)
        self.errors.append(ConfigError(self.source, line, format_path(path) or None, message))


# -- describing values -------------------------------------------------------------------


def literal(value: object, *, limit: int | None = _MAX_SHOWN) -> str:
    """``value`` as TOML would spell it; strings longer than ``limit`` are shortened."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        text = json.dumps(value, ensure_ascii=False)
        return text if limit is None or len(text) <= limit else text[: limit - 4] + '..."'
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    return str(value)


def _type_name(value: object) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "string"
    if isinstance(value, datetime.datetime):
        return "datetime"
    if isinstance(value, datetime.date):
        return "date"
    if isinstance(value, datetime.time):
        return "time"
    return type(value).__name__


def describe(value: object, *, secret: bool = False) -> str:
    """What was found, for "expected X, got <describe>": ``string "3"``, ``an array``."""
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "a table"
    if secret:
        return _type_name(value)
    return f"{_type_name(value)} {literal(value)}"


def _wrong_type(expected: str, value: object, *, secret: bool = False) -> Invalid:
    return Invalid(f"expected {expected}, got {describe(value, secret=secret)}")


def _range(
    value: float,
    *,
    above: float | None = None,
    at_least: float | None = None,
    at_most: float | None = None,
) -> None:
    shown = literal(value)
    if above is not None and not value > above:
        raise Invalid(f"must be greater than {literal(above)}, got {shown}")
    if at_least is not None and at_most is not None:
        if not at_least <= value <= at_most:
            raise Invalid(f"must be between {literal(at_least)} and {literal(at_most)}, "
                          f"got {shown}")
    elif at_least is not None and value < at_least:
        raise Invalid(f"must be at least {literal(at_least)}, got {shown}")
    elif at_most is not None and value > at_most:
        raise Invalid(f"must be at most {literal(at_most)}, got {shown}")


# -- converters --------------------------------------------------------------------------


def integer(*, at_least: int | None = None, at_most: int | None = None) -> Converter[int]:
    """A TOML integer (not a float, not a boolean) within bounds."""

    def convert(value: object) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise _wrong_type("an integer", value)
        _range(value, at_least=at_least, at_most=at_most)
        return value

    return convert


def number(
    *, above: float | None = None, at_least: float | None = None, at_most: float | None = None
) -> Converter[float]:
    """A finite TOML float or integer within bounds, as a float."""

    def convert(value: object) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _wrong_type("a number", value)
        if isinstance(value, float) and not math.isfinite(value):
            raise Invalid(f"must be a finite number, got {literal(value)}")
        _range(value, above=above, at_least=at_least, at_most=at_most)
        return float(value)

    return convert


def boolean(value: object) -> bool:
    """``true`` or ``false``."""
    if not isinstance(value, bool):
        raise _wrong_type("a boolean (true or false)", value)
    return value


def string(
    *, check: Check | None = None, what: str = "value", secret: bool = False,
    nonempty: bool = False,
) -> Converter[str]:
    """A TOML string; ``check`` returns problems, reported as ``invalid <what> "v": ...``.

    ``secret`` keeps the value out of every message.
    """

    def convert(value: object) -> str:
        if not isinstance(value, str):
            raise _wrong_type("a string", value, secret=secret)
        if nonempty and not value:
            raise Invalid("must not be empty")
        problems = list(check(value)) if check is not None else []
        if problems:
            raise Invalid(f"invalid {what} {literal(value)}: {'; '.join(problems)}")
        return value

    return convert


def choice(*options: str, what: str = "value") -> Converter[str]:
    """A string among ``options``; ``what`` names it in the message (``unknown controller``)."""

    def convert(value: object) -> str:
        if not isinstance(value, str):
            raise _wrong_type("a string", value)
        if value not in options:
            expected = ", ".join(literal(option) for option in options)
            raise Invalid(f"unknown {what} {literal(value)} (expected one of: {expected})")
        return value

    return convert


def array(item: Converter[T], *, unique: str | None = None) -> Converter[tuple[T, ...]]:
    """An array whose elements pass ``item``; ``unique`` names them in duplicate errors."""

    def convert(value: object) -> tuple[T, ...]:
        if not isinstance(value, list):
            raise _wrong_type("an array", value)
        problems: list[tuple[KeyPath, str]] = []
        items: list[T] = []
        for index, element in enumerate(value):
            try:
                converted = item(element)
            except Invalid as invalid:
                problems.extend(((index, *at), message) for at, message in invalid.problems)
                continue
            if unique is not None and converted in items:
                problems.append(((index,), f"duplicate {unique} {literal(converted)}"))
                continue
            items.append(converted)
        if problems:
            raise Invalid.many(problems)
        return tuple(items)

    return convert


def quantity(*, positive: bool = False) -> Converter[Quantity]:
    """A Kubernetes quantity, as a string (``"4Gi"``, ``"500m"``) or a number (``2``)."""

    def convert(value: object) -> Quantity:
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise _wrong_type("a quantity (a string such as \"4Gi\" or a number)", value)
        try:
            parsed = parse_quantity(value)
        except QuantityError as error:
            raise Invalid(f"invalid quantity {literal(value)}: {error}") from None
        if parsed.sign() < 0 or (positive and parsed.is_zero()):
            bound = "greater than 0" if positive else "at least 0"
            raise Invalid(f"must be {bound}, got {literal(value)}")
        return parsed

    return convert


def ipv4_address(value: str) -> list[str]:
    """Problems with ``value`` as an IPv4 address (a ``check`` for :func:`string`)."""
    try:
        ipaddress.IPv4Address(value)
    except ValueError:
        return ["expected an IPv4 address such as \"127.0.0.1\""]
    return []


def ipv4_network(value: str) -> list[str]:
    """Problems with ``value`` as an IPv4 CIDR (a ``check`` for :func:`string`)."""
    example = "expected an IPv4 network such as \"10.96.0.0/12\""
    if "/" not in value:
        return [example]
    try:
        ipaddress.IPv4Network(value)
    except ValueError:
        try:
            network = ipaddress.IPv4Network(value, strict=False)
        except ValueError:
            return [example]
        return [f"host bits are set (the network is \"{network}\")"]
    return []


def quoted_list(values: Sequence[str], limit: int = 12) -> str:
    """``"a", "b", "c"``, cut after ``limit`` items so a big cluster stays readable."""
    shown = ", ".join(literal(value) for value in values[:limit])
    return shown + (", ..." if len(values) > limit else "")


# -- tables ------------------------------------------------------------------------------


class Table:
    """One TOML table of the file, at ``path``, read key by key."""

    def __init__(self, problems: Problems, path: KeyPath, data: dict[str, Any]) -> None:
        self.problems = problems
        self.path = path
        self.data = data

    def __contains__(self, key: str) -> bool:
        return key in self.data

    def error(self, key: str | int | None, message: str) -> None:
        """Report ``message`` about ``key`` of this table (None: the table itself)."""
        self.problems.add(self.path if key is None else self.path + (key,), message)

    def check_keys(self, allowed: Sequence[str], *, what: str = "") -> None:
        """Report each key not in ``allowed`` (on its line, named in the message)."""
        for key in self.data:
            if key not in allowed:
                context = f" for {what}" if what else ""
                message = f"unknown key '{key}'{context} (expected one of: {', '.join(allowed)})"
                if self.path and key in self.problems.top_level:
                    # TOML's classic trap: a key after [table] belongs to that table
                    message += (f"; a top-level key such as '{key}' must come before the "
                                f"first [table] of the file")
                self.problems.add(self.path, message, line_path=self.path + (key,))

    def get(self, key: str, convert: Converter[T], default: T) -> T:
        """The converted value of ``key``, or ``default`` if absent or invalid."""
        if key not in self.data:
            return default
        return self.convert(key, convert, default)

    def require(self, key: str, convert: Converter[T]) -> T | None:
        """The converted value of ``key``; None (and a problem) if absent or invalid."""
        if key not in self.data:
            self.error(None, f"missing required key '{key}'")
            return None
        return self.convert(key, convert, None)

    def convert(self, key: str, convert: Converter[T], default: Any) -> Any:
        try:
            return convert(self.data[key])
        except Invalid as invalid:
            for at, message in invalid.problems:
                self.problems.add(self.path + (key, *at), message)
            return default

    def table(self, key: str) -> Table:
        """The sub-table ``key`` (empty if absent; reported and empty if not a table)."""
        value = self.data.get(key, {})
        if not isinstance(value, dict):
            self.error(key, str(_wrong_type("a table", value)))
            value = {}
        return Table(self.problems, self.path + (key,), value)

    def tables(self, key: str) -> Iterator[Table]:
        """The elements of the array of tables ``key`` (``[[key]]``) that are tables."""
        value = self.data.get(key, [])
        if not isinstance(value, list):
            self.error(key, str(_wrong_type("an array of tables", value)))
            return
        for index, element in enumerate(value):
            if isinstance(element, dict):
                yield Table(self.problems, self.path + (key, index), element)
            else:
                self.problems.add(self.path + (key, index),
                                  str(_wrong_type("a table", element)))
