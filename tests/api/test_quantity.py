"""Resource quantities, with cases ported from apimachinery's quantity_test.go."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kactors.api.errors import QuantityError
from kactors.api.quantity import (
    Quantity,
    QuantityFormat,
    parse_quantity,
    sum_quantities,
)

DSI = QuantityFormat.DECIMAL_SI
BSI = QuantityFormat.BINARY_SI
DEX = QuantityFormat.DECIMAL_EXPONENT

FORMAT_WRONG = (
    "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
)


def q(text: str) -> Quantity:
    return Quantity.parse(text)


def dec(mantissa: int, exponent: int) -> Fraction:
    return Fraction(mantissa) * Fraction(10) ** exponent


def value_of(quantity: Quantity) -> Fraction:
    return Fraction(quantity.nanos, 10**9)


# (input, exact value, format) from TestQuantityParse.
PARSE_TABLE = [
    ("0", dec(0, 0), DSI),
    ("0n", dec(0, 0), DSI),
    ("0u", dec(0, 0), DSI),
    ("0m", dec(0, 0), DSI),
    ("0Ki", dec(0, 0), BSI),
    ("0k", dec(0, 0), DSI),
    ("0Mi", dec(0, 0), BSI),
    ("0Gi", dec(0, 0), BSI),
    ("0T", dec(0, 0), DSI),
    ("1", dec(1, 0), DSI),
    ("1Ki", dec(1024, 0), BSI),
    ("8Ki", dec(8 * 1024, 0), BSI),
    ("7Mi", dec(7 * 1024**2, 0), BSI),
    ("6Gi", dec(6 * 1024**3, 0), BSI),
    ("5Ti", dec(5 * 1024**4, 0), BSI),
    ("4Pi", dec(4 * 1024**5, 0), BSI),
    ("3Ei", dec(3 * 1024**6, 0), BSI),
    ("100Ti", dec(100 * 1024**4, 0), BSI),
    ("5n", dec(5, -9), DSI),
    ("4u", dec(4, -6), DSI),
    ("3m", dec(3, -3), DSI),
    ("9", dec(9, 0), DSI),
    ("8k", dec(8, 3), DSI),
    ("50k", dec(5, 4), DSI),
    ("7M", dec(7, 6), DSI),
    ("6G", dec(6, 9), DSI),
    ("5T", dec(5, 12), DSI),
    ("40T", dec(4, 13), DSI),
    ("300T", dec(3, 14), DSI),
    ("2P", dec(2, 15), DSI),
    ("1E", dec(1, 18), DSI),
    ("1E-3", dec(1, -3), DEX),
    ("1e3", dec(1, 3), DEX),
    ("1E6", dec(1, 6), DEX),
    ("1e9", dec(1, 9), DEX),
    ("1E12", dec(1, 12), DEX),
    ("1e15", dec(1, 15), DEX),
    ("1E18", dec(1, 18), DEX),
    ("1e14", dec(1, 14), DEX),
    ("100.035k", dec(100035, 0), DSI),
    ("0.001", dec(1, -3), DSI),
    ("0.0005k", dec(5, -1), DSI),
    ("0.005", dec(5, -3), DSI),
    ("0.5", dec(5, -1), DSI),
    ("0.00050k", dec(5, -1), DSI),
    ("0.50000", dec(5, -1), DSI),
    ("0.5e0", dec(5, -1), DEX),
    ("0.5e-1", dec(5, -2), DEX),
    ("0.5e-2", dec(5, -3), DEX),
    ("10.035M", dec(10035, 3), DSI),
    ("1.2e3", dec(12, 2), DEX),
    ("1.3E+6", dec(13, 5), DEX),
    ("1.40e9", dec(14, 8), DEX),
    ("1.53E12", dec(153, 10), DEX),
    ("1.6e15", dec(16, 14), DEX),
    ("1.7E18", dec(17, 17), DEX),
    ("9.01", dec(901, -2), DSI),
    ("8.1k", dec(81, 2), DSI),
    ("7.123456M", dec(7123456, 0), DSI),
    ("6.987654321G", dec(6987654321, 0), DSI),
    ("5.444T", dec(5444, 9), DSI),
    ("40.1T", dec(401, 11), DSI),
    ("300.2T", dec(3002, 11), DSI),
    ("2.5P", dec(25, 14), DSI),
    ("1.01E", dec(101, 16), DSI),
    # Things that saturate or round (up, away from zero, to the nano).
    ("3.001n", dec(4, -9), DSI),
    ("1.1E-9", dec(2, -9), DEX),
    ("0.0000000001", dec(1, -9), DSI),
    ("0.0000000005", dec(1, -9), DSI),
    ("0.00000000050", dec(1, -9), DSI),
    ("0.5e-9", dec(1, -9), DEX),
    ("0.9n", dec(1, -9), DSI),
    ("0.00000012345", dec(124, -9), DSI),
    ("0.00000012354", dec(124, -9), DSI),
    ("9Ei", dec(2**63 - 1, 0), BSI),
    ("9223372036854775807Ki", dec(2**63 - 1, 0), BSI),
    ("12E", dec(12, 18), DSI),
    # Fractional binary quantities.
    ("100.035Ki", dec(10243584, -2), BSI),
    ("0.5Mi", dec(512 * 1024, 0), BSI),
    ("0.05Gi", dec(536870912, -1), BSI),
    ("0.025Ti", dec(274877906944, -1), BSI),
    # "Things written by trolls".
    ("0.000000000001Ki", dec(2, -9), DSI),
    (".001", dec(1, -3), DSI),
    (".0001k", dec(100, -3), DSI),
    ("1.", dec(1, 0), DSI),
    ("1.G", dec(1, 9), DSI),
]


@pytest.mark.parametrize(("text", "expected", "fmt"), PARSE_TABLE)
def test_parse_table(text: str, expected: Fraction, fmt: QuantityFormat) -> None:
    parsed = q(text)
    assert value_of(parsed) == expected
    assert parsed.format is fmt


@pytest.mark.parametrize(("text", "expected", "fmt"), PARSE_TABLE)
def test_parse_table_signed(text: str, expected: Fraction, fmt: QuantityFormat) -> None:
    assert value_of(q("-" + text)) == -expected
    assert q("-" + text).format is fmt
    assert q("+" + text) == q(text)


INVALID = [
    ("1.1.M", FORMAT_WRONG),
    ("1+1.0M", FORMAT_WRONG),
    ("0.1mi", "unable to parse quantity's suffix"),
    ("0.1am", FORMAT_WRONG),
    ("aoeu", FORMAT_WRONG),
    (".5i", "unable to parse quantity's suffix"),
    ("1i", "unable to parse quantity's suffix"),
    ("-3.01i", "unable to parse quantity's suffix"),
    ("-3.01e-", "unable to parse quantity's suffix"),
    (" 1", FORMAT_WRONG),
    ("1 ", FORMAT_WRONG),
    ("", FORMAT_WRONG),
    ("1GG", "unable to parse quantity's suffix"),
    ("1Gb", FORMAT_WRONG),
    ("1e1001", "unable to parse numeric part of quantity"),
]


@pytest.mark.parametrize(("text", "message"), INVALID)
def test_invalid_quantities_raise_kubernetes_messages(text: str, message: str) -> None:
    with pytest.raises(QuantityError) as caught:
        q(text)
    assert str(caught.value) == message


# (value, format, canonical) from TestQuantityString.
STRING_TABLE = [
    (dec(1024**3, 0), BSI, "1Gi"),
    (dec(300 * 1024**2, 0), BSI, "300Mi"),
    (dec(6 * 1024, 0), BSI, "6Ki"),
    (dec(1001 * 1024**3, 0), BSI, "1001Gi"),
    (dec(1024**4, 0), BSI, "1Ti"),
    (dec(5, 0), BSI, "5"),
    (dec(500, -3), BSI, "500m"),
    (dec(1, 9), DSI, "1G"),
    (dec(1000, 6), DSI, "1G"),
    (dec(1000000, 3), DSI, "1G"),
    (dec(1, -3), DSI, "1m"),
    (dec(80, -3), DSI, "80m"),
    (dec(1080, -3), DSI, "1080m"),
    (dec(108, -2), DSI, "1080m"),
    (dec(300, 6), DSI, "300M"),
    (dec(1, 12), DSI, "1T"),
    (dec(1, 18), DSI, "1E"),
    (dec(1, 21), DSI, "1e21"),
    (dec(5, 21), DSI, "5e21"),
    (dec(1234567, 6), DSI, "1234567M"),
    (dec(1234567, -3), BSI, "1234567m"),
    (dec(3, 3), DSI, "3k"),
    (dec(1025, 0), BSI, "1025"),
    (dec(0, 0), DSI, "0"),
    (dec(0, 0), BSI, "0"),
    (dec(1, 9), DEX, "1e9"),
    (dec(1, -3), DEX, "1e-3"),
    (dec(1, -9), DEX, "1e-9"),
    (dec(80, -3), DEX, "80e-3"),
    (dec(300, 6), DEX, "300e6"),
    (dec(3, 3), DEX, "3e3"),
    (dec(0, 0), DEX, "0"),
    (dec(1, -9), DSI, "1n"),
    (dec(1080, -9), DSI, "1080n"),
    (dec(1, -6), DSI, "1u"),
    (dec(1080, -6), DSI, "1080u"),
]


@pytest.mark.parametrize(("value", "fmt", "expected"), STRING_TABLE)
def test_canonical_string(value: Fraction, fmt: QuantityFormat, expected: str) -> None:
    quantity = Quantity(int(value * 10**9), fmt)
    assert quantity.to_string() == expected
    assert str(quantity) == expected
    assert q(expected) == quantity
    if quantity.nanos:
        assert (-quantity).to_string() == "-" + expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # TestQuantityParseEmit, plus the brief's examples.
        ("1Ki", "1Ki"),
        ("1Mi", "1Mi"),
        ("1Gi", "1Gi"),
        ("1024Mi", "1Gi"),
        ("1000M", "1G"),
        (".001Ki", "1024m"),
        (".000001Ki", "1024u"),
        (".000000001Ki", "1024n"),
        (".000000000001Ki", "2n"),
        ("1000m", "1"),
        ("1.5", "1500m"),
        ("1.5Gi", "1536Mi"),
        ("0.5", "500m"),
        ("500m", "500m"),
        ("100Ki", "100Ki"),
        ("1e3", "1e3"),
        ("1E3", "1e3"),
        ("5000m", "5"),
        ("1.3E+6", "1300e3"),
        ("01", "1"),
    ],
)
def test_parse_emit(text: str, expected: str) -> None:
    assert q(text).to_string() == expected
    if q(text).nanos:
        assert q("-" + text).to_string() == "-" + expected


def test_signs_and_zeros_print_canonically() -> None:
    # Go echoes some already-canonical inputs verbatim ("+1"); we always canonicalise.
    assert q("+1").to_string() == "1"
    assert q("-0").to_string() == "0"
    assert q("-0Ki").to_string() == "0"
    assert q(".").to_string() == "0"  # the scanner's quirk: an empty number is zero


def test_value_and_milli_value_round_away_from_zero() -> None:
    assert q("1.5").value() == 2
    assert q("-1.5").value() == -2
    assert q("2").value() == 2
    assert q("100m").value() == 1
    assert q("1Gi").value() == 1024**3
    assert q("1500m").milli_value() == 1500
    assert q("0.0001").milli_value() == 1
    assert q("-0.0001").milli_value() == -1
    assert q("2").milli_value() == 2000
    assert q("1n").scaled_value(-9) == 1
    assert q("1k").scaled_value(3) == 1
    # Python integers do not overflow where Go's int64 would.
    assert q("10E").milli_value() == 10**22


def test_round_up_like_kubernetes() -> None:
    # TestQuantityRoundUp.
    for text, scale, expected, exact in [
        ("9.01", -3, "9010m", True),
        ("9.01", -2, "9010m", True),
        ("9.01", -1, "9100m", False),
        ("9.01", 0, "10", False),
        ("9.01", 1, "10", False),
        ("9.01", 2, "100", False),
        ("-9.01", -1, "-9100m", False),
        ("-9.01", 2, "-100", False),
    ]:
        rounded, was_exact = q(text).round_up(scale)
        assert (rounded.to_string(), was_exact) == (expected, exact)


def test_comparison_and_equality() -> None:
    # TestQuantityCmp.
    assert q("0").cmp(q("0")) == 0
    assert q("100m").cmp(q("50m")) == 1
    assert q("50m").cmp(q("100m")) == -1
    assert q("10000T").cmp(q("100Gi")) == 1
    assert q("1") == q("1000m") == q("1e0")
    assert q("1Ki") == q("1024")
    assert hash(q("1Ki")) == hash(q("1024"))
    assert q("500m") < q("1") <= q("1") < q("1Ki")
    assert max(q("1Gi"), q("1G")) == q("1Gi")
    assert q("1") != "1"


def test_arithmetic_is_exact_and_keeps_format() -> None:
    assert (q("100m") + q("200m")).to_string() == "300m"
    assert (q("1Gi") - q("512Mi")).to_string() == "512Mi"
    assert (q("0.1") + q("0.2")) == q("300m")  # no float rounding
    assert (q("250m") * 4).to_string() == "1"
    assert (3 * q("1Ki")).to_string() == "3Ki"
    assert (-q("1Gi")).to_string() == "-1Gi"
    # TestQuantityAddZeroPreservesSuffix / SubZero.
    for text in ("100m", "1Gi"):
        assert (q(text) + q("0")).to_string() == text
        assert (q("0") + q(text)).to_string() == text
        assert (q(text) - q("0")).to_string() == text
        assert (q("0") - q(text)).to_string() == "-" + text


def test_sum_quantities() -> None:
    assert sum_quantities([]) == q("0")
    assert sum_quantities([q("250m"), q("250m"), q("500m")]).to_string() == "1"
    assert sum_quantities([q("64Mi"), q("64Mi")]).to_string() == "128Mi"


def test_constructors_match_new_quantity() -> None:
    # TestNewSet and TestMilliNewSet.
    assert Quantity.from_int(1000).to_string() == "1k"
    assert Quantity.from_int(1234000).to_string() == "1234k"
    assert Quantity.from_int(1024, BSI).to_string() == "1Ki"
    assert Quantity.from_int(1024 * 1024, BSI).to_string() == "1Mi"
    assert Quantity.from_milli(1).to_string() == "1m"
    assert Quantity.from_milli(1000).to_string() == "1"
    assert Quantity.from_milli(1024, BSI).to_string() == "1024m"
    assert Quantity.from_milli(1000000, DEX).to_string() == "1e3"


def test_parse_quantity_accepts_json_numbers_and_padding() -> None:
    # TestJSONWhitespace: the JSON decoder trims, ParseQuantity does not.
    assert parse_quantity(" 1") == q("1")
    assert parse_quantity("1 ") == q("1")
    assert parse_quantity(2).to_string() == "2"
    assert parse_quantity(-1).to_string() == "-1"
    assert parse_quantity(0.5).to_string() == "500m"
    assert parse_quantity(1e-05) == q("10u")
    with pytest.raises(QuantityError):
        parse_quantity(True)
    with pytest.raises(QuantityError):
        parse_quantity(float("inf"))
    with pytest.raises(TypeError):
        parse_quantity(None)  # type: ignore[arg-type]


def test_repr_is_readable() -> None:
    assert repr(q("1.5Gi")) == "Quantity('1536Mi')"


def test_far_below_a_nano_rounds_up_without_huge_numbers() -> None:
    assert q("1e-1000000000") == q("1n")
    assert q("0e-1000000000") == q("0")


nanos = st.integers(min_value=-(10**30), max_value=10**30)
formats = st.sampled_from(list(QuantityFormat))


@settings(max_examples=60, derandomize=True)
@given(nanos, formats)
def test_canonical_form_round_trips(value: int, fmt: QuantityFormat) -> None:
    if fmt is BSI:  # parsing caps binary quantities at the largest int64, like Kubernetes
        cap = (2**63 - 1) * 10**9
        value = max(-cap, min(cap, value))
    quantity = Quantity(value, fmt)
    text = quantity.to_string()
    reparsed = q(text)
    assert reparsed == quantity
    assert "." not in text
    # Printing is idempotent once parsed (a binary 25000 prints "25000", which then
    # parses as decimal and prints "25k", exactly as in Kubernetes).
    assert q(reparsed.to_string()).to_string() == reparsed.to_string()


@settings(max_examples=60, derandomize=True)
@given(nanos, nanos)
def test_arithmetic_agrees_with_fractions(a: int, b: int) -> None:
    left, right = Quantity(a), Quantity(b)
    assert value_of(left + right) == value_of(left) + value_of(right)
    assert value_of(left - right) == value_of(left) - value_of(right)
    assert (left < right) == (value_of(left) < value_of(right))


@settings(max_examples=60, derandomize=True)
@given(st.integers(min_value=0, max_value=10**6), st.sampled_from(["Ki", "Mi", "Gi", "", "m", "k"]))
def test_integers_with_suffix_parse_exactly(number: int, suffix: str) -> None:
    multiplier = {
        "Ki": 1024,
        "Mi": 1024**2,
        "Gi": 1024**3,
        "": 1,
        "m": Fraction(1, 1000),
        "k": 1000,
    }
    assert value_of(q(f"{number}{suffix}")) == number * multiplier[suffix]
