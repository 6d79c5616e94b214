"""Txn guards: etcd's ``Compare`` and how one is evaluated against a key's current version.

The apiserver's optimistic concurrency is built on this: "if mod_revision(key) == rv then
put else get" (`compare_mod`). Semantics follow etcd's ``applyCompare``:

* a missing key compares as version / create / mod revision / lease ``0``, so
  ``compare_create(key, EQUAL, 0)`` means "key does not exist";
* a VALUE compare on a missing key is *always false*, whatever the result operator
  (there is no value to compare, not even an empty one);
* with a ``range_end`` every key in the interval must satisfy the compare (an empty
  interval behaves like one missing key).
"""

from __future__ import annotations

import enum
from typing import Any

import attrs

from kactors.store.errors import InvalidCompare
from kactors.store.kv import KeyValue


class CompareTarget(enum.Enum):
    """Which field of the key's current version is compared."""

    VALUE = "VALUE"
    VERSION = "VERSION"
    CREATE = "CREATE"
    MOD = "MOD"
    LEASE = "LEASE"


class CompareResult(enum.Enum):
    """The relation the field must have with the operand."""

    EQUAL = "EQUAL"
    NOT_EQUAL = "NOT_EQUAL"
    GREATER = "GREATER"
    LESS = "LESS"


EQUAL = CompareResult.EQUAL
NOT_EQUAL = CompareResult.NOT_EQUAL
GREATER = CompareResult.GREATER
LESS = CompareResult.LESS
_VALUE = CompareTarget.VALUE
_VERSION = CompareTarget.VERSION
_CREATE = CompareTarget.CREATE
_MOD = CompareTarget.MOD
_LEASE = CompareTarget.LEASE


@attrs.frozen
class Compare:
    """``target(key) <result> operand`` (over every key of ``[key, range_end)`` if given)."""

    key: str
    target: CompareTarget
    result: CompareResult
    operand: Any
    range_end: str | None = None


def compare_value(
    key: str, result: CompareResult, value: Any, range_end: str | None = None
) -> Compare:
    """Compare the stored value (``==``/``!=``, or ``<``/``>`` for ordered values)."""
    return Compare(key, CompareTarget.VALUE, result, value, range_end)


def compare_version(
    key: str, result: CompareResult, version: int, range_end: str | None = None
) -> Compare:
    """Compare the key's version (0 when missing)."""
    return Compare(key, CompareTarget.VERSION, result, version, range_end)


def compare_create(
    key: str, result: CompareResult, revision: int, range_end: str | None = None
) -> Compare:
    """Compare the key's create_revision (0 when missing: ``== 0`` means "absent")."""
    return Compare(key, CompareTarget.CREATE, result, revision, range_end)


def compare_mod(
    key: str, result: CompareResult, revision: int, range_end: str | None = None
) -> Compare:
    """Compare the key's mod_revision (the apiserver's resourceVersion check)."""
    return Compare(key, CompareTarget.MOD, result, revision, range_end)


def compare_lease(
    key: str, result: CompareResult, lease: int, range_end: str | None = None
) -> Compare:
    """Compare the key's attached lease id (0 when none or missing)."""
    return Compare(key, CompareTarget.LEASE, result, lease, range_end)


def check_compare(compare: Compare) -> None:
    """Reject a compare whose target or result is not one of the known enums."""
    if compare.target.__class__ is not CompareTarget:
        raise InvalidCompare(InvalidCompare.TARGET)
    if compare.result.__class__ is not CompareResult:
        raise InvalidCompare(InvalidCompare.RESULT)


def compare_kv(compare: Compare, kv: KeyValue | None) -> bool:
    """Evaluate ``compare`` against one key's current version (None: the key is missing).

    Raises `InvalidCompare` when ``<``/``>`` is asked of values Python cannot order;
    callers evaluate every compare before writing anything, so that leaves no trace.
    """
    # Evaluated by every member for every apiserver write: the enum members are module
    # constants (no attribute lookup on the enum class), the commonest first, and
    # `True if x else False` is `bool(x)` without the call.
    target = compare.target
    if target is _MOD:
        actual: Any = kv.mod_revision if kv is not None else 0
    elif target is _CREATE:
        actual = kv.create_revision if kv is not None else 0
    elif target is _VERSION:
        actual = kv.version if kv is not None else 0
    elif target is _VALUE:
        if kv is None:
            return False
        actual = kv.value
    elif target is _LEASE:
        actual = kv.lease if kv is not None else 0
    else:
        raise InvalidCompare(InvalidCompare.TARGET)
    result = compare.result
    operand = compare.operand
    try:
        if result is EQUAL:
            return True if actual == operand else False
        if result is NOT_EQUAL:
            return True if actual != operand else False
        if result is GREATER:
            return True if actual > operand else False
        if result is LESS:
            return True if actual < operand else False
    except TypeError:
        raise InvalidCompare(InvalidCompare.UNORDERED) from None
    raise InvalidCompare(InvalidCompare.RESULT)
