"""Kubernetes resource quantities (``k8s.io/apimachinery/pkg/api/resource.Quantity``).

Quantities (``cpu: 500m``, ``memory: 1Gi``) are fixed-point numbers: the scheduler adds
and compares them, so they must never go through floats. Like Kubernetes, a parsed value
is exact down to the nano unit (finer values round *away from zero*, on the theory that
if you asked for some resource you should get some), and is held here as an integer
count of nanos.

A quantity remembers the *format family* of its input (decimal SI ``k/M/G``, binary SI
``Ki/Mi/Gi`` or decimal exponent ``1e3``) and is printed in Kubernetes' canonical form
for that family: no fractional digits, no precision lost, the largest suffix possible
(``1.5`` -> ``1500m``, ``1.5Gi`` -> ``1536Mi``, ``1000m`` -> ``1``).

Deviations from apimachinery, all deliberate:

* integer accessors (:meth:`Quantity.value`, :meth:`Quantity.milli_value`) never
  overflow: Python integers are unbounded where Go's ``int64`` would wrap;
* the canonical string is always recomputed, whereas Go echoes some already-canonical
  inputs verbatim (so Go prints ``+1`` or ``01`` back unchanged, we print ``1``);
* decimal exponents above :data:`MAX_EXPONENT` are rejected as "unable to parse numeric
  part of quantity" instead of allocating a number with millions of digits.
"""

from __future__ import annotations

import enum
import functools
import re
from collections.abc import Iterable

import attrs

from .errors import QuantityError

__all__ = [
    "MAX_EXPONENT",
    "Quantity",
    "QuantityFormat",
    "parse_quantity",
    "sum_quantities",
]

SPLIT_RE = "^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$"
ERR_FORMAT_WRONG = f"quantities must match the regular expression '{SPLIT_RE}'"
ERR_NUMERIC = "unable to parse numeric part of quantity"
ERR_SUFFIX = "unable to parse quantity's suffix"

#: Largest decimal exponent accepted in a quantity (``1e1000``); see module docstring.
MAX_EXPONENT = 1000

_NANO = 10**9
_MAX_INT64 = 2**63 - 1
_SUFFIX_CHARS = frozenset("eEinumkKMGTP")
_DIGITS = frozenset("0123456789")
_EXPONENT_RE = re.compile(r"[+-]?[0-9]+")


class QuantityFormat(enum.Enum):
    """The suffix family a quantity was written in, and is printed back in."""

    DECIMAL_EXPONENT = "DecimalExponent"  # 12e6
    BINARY_SI = "BinarySI"  # 12Mi
    DECIMAL_SI = "DecimalSI"  # 12M


_DECIMAL_SUFFIXES = {
    "n": -9,
    "u": -6,
    "m": -3,
    "": 0,
    "k": 3,
    "M": 6,
    "G": 9,
    "T": 12,
    "P": 15,
    "E": 18,
}
_DECIMAL_BY_EXPONENT = {exponent: suffix for suffix, exponent in _DECIMAL_SUFFIXES.items()}
_BINARY_SUFFIXES = {"Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60}
_BINARY_BY_POWER = {exponent // 10: suffix for suffix, exponent in _BINARY_SUFFIXES.items()}


def _ceil_div_away(numerator: int, denominator: int) -> int:
    """``numerator / denominator`` rounded away from zero (denominator > 0)."""
    magnitude = -(-abs(numerator) // denominator)
    return magnitude if numerator >= 0 else -magnitude


@functools.total_ordering
@attrs.frozen(eq=False, repr=False)
class Quantity:
    """An exact resource quantity. Immutable; equality and ordering compare values only.

    Build one with :meth:`parse` / :func:`parse_quantity`, :meth:`from_int` or
    :meth:`from_milli`; ``nanos`` is the value in units of 10⁻⁹.
    """

    nanos: int
    format: QuantityFormat = QuantityFormat.DECIMAL_SI

    # -- construction -------------------------------------------------------------------

    @classmethod
    def parse(cls, text: str) -> Quantity:
        """Parse ``text`` exactly like ``resource.ParseQuantity`` (no whitespace allowed).

        Quantities are immutable values and a cluster writes few distinct ones (``100m``,
        ``128Mi``) over and over: the parses of the last few thousand texts are kept."""
        if cls is Quantity and text.__class__ is str:
            known = _PARSED.get(text)
            if known is None:
                known = cls._parse(text)
                if len(_PARSED) >= _PARSED_SIZE:
                    _PARSED.clear()
                _PARSED[text] = known
            return known
        return cls._parse(text)

    @classmethod
    def _parse(cls, text: str) -> Quantity:
        if not isinstance(text, str):
            raise TypeError(f"quantity must be a string, not {type(text).__name__}")
        if text == "":
            raise QuantityError(ERR_FORMAT_WRONG)
        if text == "0":
            return cls(0, QuantityFormat.DECIMAL_SI)
        positive, num, denom, suffix = _scan(text)
        base, exponent, fmt = _interpret_suffix(suffix)
        numeric = int(num + denom)
        if base == 10:
            if exponent > MAX_EXPONENT:
                raise QuantityError(ERR_NUMERIC)
            power = exponent - len(denom) + 9  # value * 10^9 == numeric * 10^power
            if power >= 0:
                nanos = numeric * 10**power
            elif -power > len(num + denom) + 1:
                nanos = 1 if numeric else 0  # far below one nano: rounds up to 1n
            else:
                nanos = _ceil_div_away(numeric, 10**-power)
        else:
            nanos = _ceil_div_away(numeric * (2**exponent) * _NANO, 10 ** len(denom))
            # Kubernetes silently caps binary quantities at the largest int64.
            nanos = min(nanos, _MAX_INT64 * _NANO)
            if 0 < nanos < _NANO:
                fmt = QuantityFormat.DECIMAL_SI  # a fraction of a byte is not binary
        return cls(nanos if positive else -nanos, fmt)

    @classmethod
    def from_int(cls, value: int, fmt: QuantityFormat = QuantityFormat.DECIMAL_SI) -> Quantity:
        """``resource.NewQuantity``: the integer ``value`` in format ``fmt``."""
        return cls(value * _NANO, fmt)

    @classmethod
    def from_milli(cls, value: int, fmt: QuantityFormat = QuantityFormat.DECIMAL_SI) -> Quantity:
        """``resource.NewMilliQuantity``: ``value`` thousandths in format ``fmt``."""
        return cls(value * 10**6, fmt)

    # -- accessors ------------------------------------------------------------------------

    def value(self) -> int:
        """The value rounded to an integer away from zero (``Quantity.Value()``)."""
        return self.scaled_value(0)

    def milli_value(self) -> int:
        """The value in thousandths, rounded away from zero (``Quantity.MilliValue()``)."""
        return self.scaled_value(-3)

    def scaled_value(self, scale: int) -> int:
        """The value in units of ``10**scale``, rounded away from zero (``ScaledValue``)."""
        power = scale + 9
        if power <= 0:
            return self.nanos * 10**-power
        return _ceil_div_away(self.nanos, 10**power)

    def is_zero(self) -> bool:
        """Whether the quantity is exactly zero."""
        return self.nanos == 0

    def sign(self) -> int:
        """-1, 0 or 1."""
        return (self.nanos > 0) - (self.nanos < 0)

    def round_up(self, scale: int) -> tuple[Quantity, bool]:
        """Round away from zero to a multiple of ``10**scale`` (``Quantity.RoundUp``).

        Returns the rounded quantity and whether the rounding was exact.
        """
        power = scale + 9
        if power <= 0:
            return self, True
        unit = 10**power
        rounded = _ceil_div_away(self.nanos, unit) * unit
        return Quantity(rounded, self.format), rounded == self.nanos

    # -- arithmetic and comparison ----------------------------------------------------------

    def __add__(self, other: Quantity) -> Quantity:
        if not isinstance(other, Quantity):
            return NotImplemented
        # Like Go's Add: adding to a zero adopts the other operand's format.
        fmt = other.format if self.nanos == 0 else self.format
        return Quantity(self.nanos + other.nanos, fmt)

    def __sub__(self, other: Quantity) -> Quantity:
        if not isinstance(other, Quantity):
            return NotImplemented
        fmt = other.format if self.nanos == 0 else self.format
        return Quantity(self.nanos - other.nanos, fmt)

    def __neg__(self) -> Quantity:
        return Quantity(-self.nanos, self.format)

    def __mul__(self, factor: int) -> Quantity:
        if not isinstance(factor, int) or isinstance(factor, bool):
            return NotImplemented
        return Quantity(self.nanos * factor, self.format)

    __rmul__ = __mul__

    def cmp(self, other: Quantity) -> int:
        """-1, 0 or 1 like ``Quantity.Cmp``."""
        return (self.nanos > other.nanos) - (self.nanos < other.nanos)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Quantity):
            return NotImplemented
        return self.nanos == other.nanos

    def __lt__(self, other: Quantity) -> bool:
        if not isinstance(other, Quantity):
            return NotImplemented
        return self.nanos < other.nanos

    def __hash__(self) -> int:
        return hash(self.nanos)

    # -- printing -----------------------------------------------------------------------------

    def to_string(self) -> str:
        """The canonical form Kubernetes serialises (``Quantity.String()``)."""
        if self.nanos == 0:
            return "0"
        fmt = self.format
        if fmt is QuantityFormat.BINARY_SI and (
            -1024 * _NANO < self.nanos < 1024 * _NANO or self.nanos % _NANO
        ):
            fmt = QuantityFormat.DECIMAL_SI  # small or fractional: binary would round
        sign = "-" if self.nanos < 0 else ""
        magnitude = abs(self.nanos)
        if fmt is QuantityFormat.BINARY_SI:
            units, power = magnitude // _NANO, 0
            while units % 1024 == 0 and power < 6:
                units //= 1024
                power += 1
            return f"{sign}{units}{_BINARY_BY_POWER.get(power, '')}"
        mantissa, exponent = magnitude, -9
        while mantissa % 10 == 0:
            mantissa //= 10
            exponent += 1
        shift = exponent % 3  # lower the exponent to a multiple of three
        mantissa, exponent = mantissa * 10**shift, exponent - shift
        if fmt is QuantityFormat.DECIMAL_SI and exponent in _DECIMAL_BY_EXPONENT:
            suffix = _DECIMAL_BY_EXPONENT[exponent]
        else:  # DecimalExponent, or beyond "E" where DecimalSI has no suffix
            suffix = f"e{exponent}" if exponent else ""
        return f"{sign}{mantissa}{suffix}"

    def __str__(self) -> str:
        return self.to_string()

    def __repr__(self) -> str:
        return f"Quantity({self.to_string()!r})"


#: text -> its Quantity (see Quantity.parse); errors are not kept, they raise again
_PARSED: dict[str, Quantity] = {}
_PARSED_SIZE = 4096


def parse_quantity(value: str | int | float) -> Quantity:
    """Parse a quantity as found in a JSON/YAML object.

    Accepts what ``Quantity.UnmarshalJSON`` accepts: a string (surrounding whitespace
    ignored) or a bare JSON number (``cpu: 2``, ``cpu: 0.5`` in YAML).
    """
    if isinstance(value, bool):
        return Quantity.parse("true" if value else "false")  # fails, like Go
    if isinstance(value, int):
        return Quantity.parse(str(value))
    if isinstance(value, float):
        return Quantity.parse(repr(value))
    if isinstance(value, str):
        return Quantity.parse(value.strip())
    raise TypeError(f"quantity must be a string or a number, not {type(value).__name__}")


def sum_quantities(quantities: Iterable[Quantity]) -> Quantity:
    """Add quantities up; the result takes the format of the first non-zero term."""
    total = Quantity(0)
    for quantity in quantities:
        total = total + quantity
    return total


def _scan(text: str) -> tuple[bool, str, str, str]:
    """Split ``text`` into sign, integer digits, fraction digits and suffix.

    A transcription of apimachinery's ``parseQuantityString`` scanner, quirks included:
    leading zeros are dropped, an empty integer part means ``0`` (so ``.5`` and even
    ``.`` parse), and the suffix is only checked loosely here.
    """
    end = len(text)
    pos = 0
    positive = True
    if text[0] in "+-":
        positive = text[0] == "+"
        pos = 1
    while pos < end and text[pos] == "0":
        pos += 1
    if pos >= end:
        return positive, "0", "", ""
    start = pos
    while pos < end and text[pos] in _DIGITS:
        pos += 1
    num = text[start:pos] or "0"
    denom = ""
    if pos < end and text[pos] == ".":
        pos += 1
        start = pos
        while pos < end and text[pos] in _DIGITS:
            pos += 1
        denom = text[start:pos]
    suffix_start = pos
    while pos < end and text[pos] in _SUFFIX_CHARS:
        pos += 1
    if pos < end and text[pos] in "+-":
        pos += 1
    while pos < end and text[pos] in _DIGITS:
        pos += 1
    if pos < end:
        raise QuantityError(ERR_FORMAT_WRONG)
    return positive, num, denom, text[suffix_start:]


def _interpret_suffix(suffix: str) -> tuple[int, int, QuantityFormat]:
    """Map a suffix to (base, exponent, format), like apimachinery's suffixer."""
    if suffix in _DECIMAL_SUFFIXES:
        return 10, _DECIMAL_SUFFIXES[suffix], QuantityFormat.DECIMAL_SI
    if suffix in _BINARY_SUFFIXES:
        return 2, _BINARY_SUFFIXES[suffix], QuantityFormat.BINARY_SI
    if len(suffix) > 1 and suffix[0] in "eE" and _EXPONENT_RE.fullmatch(suffix[1:]):
        exponent = int(suffix[1:])
        if -(2**63) <= exponent <= _MAX_INT64:
            return 10, exponent, QuantityFormat.DECIMAL_EXPONENT
    raise QuantityError(ERR_SUFFIX)
