"""Tolerant accessors for JSON-shaped objects, fast on the common case (plain dicts).

``isinstance(x, Mapping)`` goes through the ABC machinery and costs about a microsecond;
parsing a pod does it dozens of times, so plain ``dict``/``list`` are checked first.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["as_list", "as_map", "get_map"]

_EMPTY_MAP: Mapping[str, Any] = {}


def as_map(value: Any) -> Mapping[str, Any]:
    """``value`` if it is a mapping, else an empty one."""
    if type(value) is dict:
        return value
    if value is None:
        return _EMPTY_MAP
    return value if isinstance(value, Mapping) else _EMPTY_MAP


def get_map(obj: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    """``obj[key]`` if it is a mapping, else an empty one."""
    value = obj.get(key)
    if type(value) is dict:
        return value
    return as_map(value)


def as_list(value: Any) -> Sequence[Any]:
    """``value`` if it is a list, else an empty tuple."""
    return value if type(value) is list else ()
