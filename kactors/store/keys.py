"""Key intervals as etcd spells them: ``key`` plus an optional ``range_end``.

``range_end`` None (or "") names the single key; ``ALL_KEYS`` ("\\0") means "every key
>= key"; anything else is the half-open interval ``[key, range_end)``. A prefix is the
interval ``[prefix, prefix_end(prefix))``. The same validation is shared by reads,
deletes, compares and watches so that every entry point rejects bad input identically.
"""

from __future__ import annotations

from kactors.store.errors import EmptyKey, InvalidRange, InvalidRequest

ALL_KEYS = "\0"
"""As a ``range_end``: no upper bound (etcd's ``"\\x00"``)."""

_MAX_CHAR = 0x10FFFF


def prefix_end(prefix: str) -> str:
    """The ``range_end`` covering every key that starts with ``prefix``.

    Like etcd's ``clientv3.GetPrefixRangeEnd``: increment the last character that can be
    incremented and drop what follows; when none can (empty prefix, or only U+10FFFF),
    return ``ALL_KEYS`` so the range extends to the end of the key space.
    """
    for i in range(len(prefix) - 1, -1, -1):
        code = ord(prefix[i])
        if code < _MAX_CHAR:
            return prefix[:i] + chr(code + 1)
    return ALL_KEYS


def check_key(key: object) -> str:
    """Validate a single key; return it typed."""
    if key.__class__ is not str:
        if key is None:
            raise EmptyKey()
        raise InvalidRequest(f"key must be a str, not {type(key).__name__}")
    if not key:
        raise EmptyKey()
    return key  # type: ignore[return-value]


def check_range(key: object, range_end: object) -> str | None:
    """Validate ``key``/``range_end``; return the normalised end (None for a single key)."""
    check_key(key)
    if range_end is None or range_end == "":
        return None
    if range_end.__class__ is not str:
        raise InvalidRequest(f"range_end must be a str, not {type(range_end).__name__}")
    if range_end == ALL_KEYS:
        return ALL_KEYS
    if range_end < key:  # type: ignore[operator]
        raise InvalidRange(key, range_end)  # type: ignore[arg-type]
    return range_end  # type: ignore[return-value]


def in_range(candidate: str, key: str, range_end: str | None) -> bool:
    """Whether ``candidate`` lies in the (normalised) interval ``key``/``range_end``."""
    if range_end is None:
        return candidate == key
    if range_end == ALL_KEYS:
        return candidate >= key
    return key <= candidate < range_end
