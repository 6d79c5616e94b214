"""Label selectors (``k8s.io/apimachinery/pkg/labels`` and ``metav1.LabelSelector``).

Both forms a user can write end up as one immutable :class:`Selector`:

* the string form of ``kubectl -l`` and ``?labelSelector=`` (``a=b,c!=d,e in (x,y),
  f notin (z),g,!h``, plus ``==`` and the integer comparisons ``>``/``<``), parsed by
  :func:`parse_selector` with a transcription of Kubernetes' lexer and parser so that
  errors read exactly like the real apiserver's;
* the structured form found in objects (``spec.selector`` with ``matchLabels`` and
  ``matchExpressions``), converted by :func:`selector_from_label_selector` following
  ``metav1.LabelSelectorAsSelector``: a missing (``None``) selector selects *nothing*,
  an empty one selects *everything*.

Requirements are kept sorted by key (stable for equal keys), which makes
:meth:`Selector.to_string` deterministic, as in Kubernetes.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Mapping, Sequence

import attrs

from .errors import SelectorError
from .validation import (
    aggregate,
    field_invalid,
    field_not_supported,
    go_quote,
    is_label_value,
    is_qualified_name,
)

__all__ = [
    "Operator",
    "Requirement",
    "Selector",
    "new_requirement",
    "parse_selector",
    "selector_from_label_selector",
    "selector_from_set",
    "validate_label_key",
    "validate_label_value",
    "validate_labels",
]


class Operator(enum.Enum):
    """Selector operators, valued like Go's ``selection.Operator``."""

    DOES_NOT_EXIST = "!"
    EQUALS = "="
    DOUBLE_EQUALS = "=="
    IN = "in"
    NOT_EQUALS = "!="
    NOT_IN = "notin"
    EXISTS = "exists"
    GREATER_THAN = "gt"
    LESS_THAN = "lt"


_BINARY_OPERATORS = (
    Operator.IN,
    Operator.NOT_IN,
    Operator.EQUALS,
    Operator.DOUBLE_EQUALS,
    Operator.NOT_EQUALS,
    Operator.GREATER_THAN,
    Operator.LESS_THAN,
)
_UNARY_OPERATORS = (Operator.EXISTS, Operator.DOES_NOT_EXIST)
_INT64_RE = re.compile(r"[+-]?[0-9]+")


def _parse_int64(text: str) -> int | None:
    """``strconv.ParseInt(text, 10, 64)``, or ``None`` when Go would fail."""
    if not _INT64_RE.fullmatch(text):
        return None
    value = int(text)
    return value if -(2**63) <= value < 2**63 else None


def validate_label_key(key: str) -> list[str]:
    """Problems with ``key`` as a label key (a qualified name)."""
    return is_qualified_name(key)


def validate_label_value(value: str) -> list[str]:
    """Problems with ``value`` as a label value."""
    return is_label_value(value)


def validate_labels(labels: Mapping[str, str], path: str = "metadata.labels") -> list[str]:
    """Field errors for a whole label map, like ``ValidateLabels`` in apimachinery."""
    errors: list[str] = []
    for key, value in labels.items():
        errors.extend(field_invalid(path, key, msg) for msg in is_qualified_name(key))
        if not isinstance(value, str):
            errors.append(field_invalid(f"{path}[{key}]", value, "label values must be strings"))
            continue
        errors.extend(field_invalid(path, value, msg) for msg in is_label_value(value))
    return errors


@attrs.frozen
class Requirement:
    """One ``key <operator> values`` clause; build it with :func:`new_requirement`."""

    key: str
    operator: Operator
    values: tuple[str, ...] = ()

    def matches(self, labels: Mapping[str, str]) -> bool:
        """Whether ``labels`` satisfies this clause (``Requirement.Matches``)."""
        op = self.operator
        if op in (Operator.IN, Operator.EQUALS, Operator.DOUBLE_EQUALS):
            return self.key in labels and labels[self.key] in self.values
        if op in (Operator.NOT_IN, Operator.NOT_EQUALS):
            return self.key not in labels or labels[self.key] not in self.values
        if op is Operator.EXISTS:
            return self.key in labels
        if op is Operator.DOES_NOT_EXIST:
            return self.key not in labels
        # GreaterThan / LessThan: both sides must be int64s.
        if self.key not in labels or len(self.values) != 1:
            return False
        actual = _parse_int64(labels[self.key])
        bound = _parse_int64(self.values[0])
        if actual is None or bound is None:
            return False
        return actual > bound if op is Operator.GREATER_THAN else actual < bound

    def to_string(self) -> str:
        """The clause in selector syntax (``Requirement.String``)."""
        op = self.operator
        if op is Operator.DOES_NOT_EXIST:
            return "!" + self.key
        if op is Operator.EXISTS:
            return self.key
        symbol = {
            Operator.EQUALS: "=",
            Operator.DOUBLE_EQUALS: "==",
            Operator.NOT_EQUALS: "!=",
            Operator.IN: " in ",
            Operator.NOT_IN: " notin ",
            Operator.GREATER_THAN: ">",
            Operator.LESS_THAN: "<",
        }[op]
        values = self.values[0] if len(self.values) == 1 else ",".join(sorted(self.values))
        if op in (Operator.IN, Operator.NOT_IN):
            values = f"({values})"
        return f"{self.key}{symbol}{values}"


def new_requirement(
    key: str, operator: Operator | str, values: Iterable[str] | None = (), *, path: str = ""
) -> Requirement:
    """Validate and build a requirement, like ``labels.NewRequirement``.

    ``path`` prefixes the field paths of error messages (``key``, ``values[0][app]``...)
    exactly as Kubernetes' ``field.WithPath`` does. ``values=None`` behaves like an
    empty list but is reported as ``null``, as Go reports a nil slice. Raises
    :class:`SelectorError`.
    """
    vals = tuple(values or ())
    shown_values: list[str] | None = None if values is None else list(vals)
    errors: list[str] = []
    prefix = f"{path}." if path else ""
    errors.extend(
        field_invalid(f"{prefix}key", key, msg) for msg in _joined(is_qualified_name(key))
    )
    try:
        op = Operator(operator)
    except ValueError:
        op = None
    values_path = f"{prefix}values"
    if op in (Operator.IN, Operator.NOT_IN):
        if not vals:
            errors.append(
                field_invalid(
                    values_path,
                    shown_values,
                    "for 'in', 'notin' operators, values set can't be empty",
                )
            )
    elif op in (Operator.EQUALS, Operator.DOUBLE_EQUALS, Operator.NOT_EQUALS):
        if len(vals) != 1:
            errors.append(
                field_invalid(
                    values_path, shown_values, "exact-match compatibility requires one single value"
                )
            )
    elif op in (Operator.EXISTS, Operator.DOES_NOT_EXIST):
        if vals:
            errors.append(
                field_invalid(
                    values_path,
                    shown_values,
                    "values set must be empty for exists and does not exist",
                )
            )
    elif op in (Operator.GREATER_THAN, Operator.LESS_THAN):
        if len(vals) != 1:
            errors.append(
                field_invalid(
                    values_path,
                    shown_values,
                    "for 'Gt', 'Lt' operators, exactly one value is required",
                )
            )
        for index, value in enumerate(vals):
            if _parse_int64(value) is None:
                errors.append(
                    field_invalid(
                        f"{values_path}[{index}]",
                        value,
                        "for 'Gt', 'Lt' operators, the value must be an integer",
                    )
                )
    else:
        supported = [o.value for o in (*_BINARY_OPERATORS, *_UNARY_OPERATORS)]
        bad = operator.value if isinstance(operator, Operator) else operator
        errors.append(field_not_supported(f"{prefix}operator", bad, supported))
    for index, value in enumerate(vals):
        errors.extend(
            field_invalid(f"{values_path}[{index}][{key}]", value, msg)
            for msg in _joined(is_label_value(value))
        )
    if errors or op is None:
        raise SelectorError(aggregate(errors))
    return Requirement(key, op, vals)


def _joined(messages: list[str]) -> list[str]:
    """Kubernetes reports all problems of one value as a single "; "-joined detail."""
    return ["; ".join(messages)] if messages else []


@attrs.frozen
class Selector:
    """A conjunction of requirements; immutable and cheap to share between actors.

    ``Selector()`` (no requirements) selects everything; :meth:`nothing` selects nothing.
    """

    requirements: tuple[Requirement, ...] = ()
    selects_nothing: bool = False

    @classmethod
    def everything(cls) -> Selector:
        """The selector matching every label set (``labels.Everything``)."""
        return _EVERYTHING

    @classmethod
    def nothing(cls) -> Selector:
        """The selector matching no label set (``labels.Nothing``)."""
        return _NOTHING

    @property
    def empty(self) -> bool:
        """True when the selector does not restrict anything (``Selector.Empty``)."""
        return not self.selects_nothing and not self.requirements

    def matches(self, labels: Mapping[str, str] | None) -> bool:
        """Whether every requirement accepts ``labels`` (``None`` means no labels)."""
        if self.selects_nothing:
            return False
        labels = labels or {}
        return all(requirement.matches(labels) for requirement in self.requirements)

    def add(self, *requirements: Requirement) -> Selector:
        """A new selector with extra requirements, re-sorted by key."""
        if self.selects_nothing:
            return self
        merged = sorted((*self.requirements, *requirements), key=lambda r: r.key)
        return Selector(tuple(merged))

    def requires_exact_match(self, label: str) -> str | None:
        """The single value ``label`` must have, if the selector pins one."""
        for requirement in self.requirements:
            if requirement.key == label:
                if (
                    requirement.operator
                    in (
                        Operator.EQUALS,
                        Operator.DOUBLE_EQUALS,
                        Operator.IN,
                    )
                    and len(requirement.values) == 1
                ):
                    return requirement.values[0]
                return None
        return None

    def to_string(self) -> str:
        """The selector in string syntax; ``parse_selector`` reads it back."""
        return ",".join(requirement.to_string() for requirement in self.requirements)

    def __str__(self) -> str:
        return self.to_string()


_EVERYTHING = Selector()
_NOTHING = Selector((), True)


def selector_from_set(labels: Mapping[str, str], *, validate: bool = False) -> Selector:
    """The selector matching exactly ``labels`` (``labels.SelectorFromSet``).

    With ``validate=True`` keys and values are checked first (``ValidatedSelectorFromSet``).
    """
    if validate:
        requirements = [new_requirement(k, Operator.EQUALS, [v]) for k, v in labels.items()]
    else:
        requirements = [Requirement(k, Operator.EQUALS, (v,)) for k, v in labels.items()]
    return Selector(tuple(sorted(requirements, key=lambda r: r.key)))


_LABEL_SELECTOR_OPERATORS = {
    "In": Operator.IN,
    "NotIn": Operator.NOT_IN,
    "Exists": Operator.EXISTS,
    "DoesNotExist": Operator.DOES_NOT_EXIST,
}


def selector_from_label_selector(label_selector: Mapping[str, object] | None) -> Selector:
    """Convert a structured ``LabelSelector`` (``metav1.LabelSelectorAsSelector``).

    ``None`` selects nothing, ``{}`` selects everything. Raises :class:`SelectorError`.
    """
    if label_selector is None:
        return _NOTHING
    match_labels = label_selector.get("matchLabels") or {}
    match_expressions = label_selector.get("matchExpressions") or []
    if not isinstance(match_labels, Mapping) or not isinstance(match_expressions, Sequence):
        raise SelectorError("matchLabels must be a map and matchExpressions a list")
    if not match_labels and not match_expressions:
        return _EVERYTHING
    requirements = [new_requirement(k, Operator.EQUALS, [v]) for k, v in match_labels.items()]
    for expression in match_expressions:
        if not isinstance(expression, Mapping):
            raise SelectorError("matchExpressions entries must be maps")
        operator = expression.get("operator")
        values = expression.get("values")
        if values is not None and (
            not isinstance(values, list) or not all(isinstance(v, str) for v in values)
        ):
            raise SelectorError("matchExpressions values must be a list of strings")
        if operator not in _LABEL_SELECTOR_OPERATORS:
            raise SelectorError(f"{_go_quote_any(operator)} is not a valid label selector operator")
        requirements.append(
            new_requirement(
                str(expression.get("key", "")),
                _LABEL_SELECTOR_OPERATORS[str(operator)],
                values,
            )
        )
    return Selector(tuple(sorted(requirements, key=lambda r: r.key)))


def _go_quote_any(value: object) -> str:
    return go_quote(value if isinstance(value, str) else "" if value is None else str(value))


# -- the string syntax: a transcription of labels.Lexer and labels.Parser -------------------


class _Token(enum.Enum):
    ERROR = enum.auto()
    END_OF_STRING = enum.auto()
    CLOSED_PAR = enum.auto()
    COMMA = enum.auto()
    DOES_NOT_EXIST = enum.auto()
    DOUBLE_EQUALS = enum.auto()
    EQUALS = enum.auto()
    GREATER_THAN = enum.auto()
    IDENTIFIER = enum.auto()
    IN = enum.auto()
    LESS_THAN = enum.auto()
    NOT_EQUALS = enum.auto()
    NOT_IN = enum.auto()
    OPEN_PAR = enum.auto()


_STRING_TO_TOKEN = {
    ")": _Token.CLOSED_PAR,
    ",": _Token.COMMA,
    "!": _Token.DOES_NOT_EXIST,
    "==": _Token.DOUBLE_EQUALS,
    "=": _Token.EQUALS,
    ">": _Token.GREATER_THAN,
    "in": _Token.IN,
    "<": _Token.LESS_THAN,
    "!=": _Token.NOT_EQUALS,
    "notin": _Token.NOT_IN,
    "(": _Token.OPEN_PAR,
}
_SPECIAL = frozenset("=!(),><")
_WHITESPACE = frozenset(" \t\r\n")


def _lex(text: str) -> list[tuple[_Token, str]]:
    """Tokenise the whole selector up front, like ``Parser.scan``."""
    items: list[tuple[_Token, str]] = []
    pos, end = 0, len(text)
    while True:
        while pos < end and text[pos] in _WHITESPACE:
            pos += 1
        if pos >= end:
            items.append((_Token.END_OF_STRING, ""))
            return items
        if text[pos] in _SPECIAL:
            buffer, last = "", None
            while pos < end and text[pos] in _SPECIAL:
                candidate = buffer + text[pos]
                if candidate in _STRING_TO_TOKEN:
                    buffer, last = candidate, (_STRING_TO_TOKEN[candidate], candidate)
                    pos += 1
                elif last is not None:
                    break
                else:
                    buffer = candidate
                    pos += 1
            items.append(last or (_Token.ERROR, f"error expected: keyword found '{buffer}'"))
        else:
            start = pos
            while pos < end and text[pos] not in _SPECIAL and text[pos] not in _WHITESPACE:
                pos += 1
            word = text[start:pos]
            items.append((_STRING_TO_TOKEN.get(word, _Token.IDENTIFIER), word))


class _Parser:
    """Recursive-descent parser over the token list (``labels.Parser``)."""

    def __init__(self, text: str) -> None:
        self.items = _lex(text)
        self.position = 0

    def lookahead(self, values: bool) -> tuple[_Token, str]:
        return self._as_context(self.items[self.position], values)

    def consume(self, values: bool) -> tuple[_Token, str]:
        self.position += 1
        return self._as_context(self.items[self.position - 1], values)

    @staticmethod
    def _as_context(item: tuple[_Token, str], values: bool) -> tuple[_Token, str]:
        # In a values context "in" and "notin" are plain identifiers: "x in (in)".
        if values and item[0] in (_Token.IN, _Token.NOT_IN):
            return _Token.IDENTIFIER, item[1]
        return item

    def parse(self) -> list[Requirement]:
        requirements: list[Requirement] = []
        while True:
            token, literal = self.lookahead(True)
            if token in (_Token.IDENTIFIER, _Token.DOES_NOT_EXIST):
                try:
                    requirements.append(self.parse_requirement())
                except SelectorError as error:
                    raise SelectorError(f"unable to parse requirement: {error}") from None
                token, literal = self.consume(True)
                if token is _Token.END_OF_STRING:
                    return requirements
                if token is _Token.COMMA:
                    next_token, next_literal = self.lookahead(True)
                    if next_token not in (_Token.IDENTIFIER, _Token.DOES_NOT_EXIST):
                        raise SelectorError(
                            f"found '{next_literal}', expected: identifier after ','"
                        )
                else:
                    raise SelectorError(f"found '{literal}', expected: ',' or 'end of string'")
            elif token is _Token.END_OF_STRING:
                return requirements
            else:
                raise SelectorError(
                    f"found '{literal}', expected: !, identifier, or 'end of string'"
                )

    def parse_requirement(self) -> Requirement:
        key, operator = self.parse_key_and_infer_operator()
        if operator in (Operator.EXISTS, Operator.DOES_NOT_EXIST):
            return new_requirement(key, operator, [])
        operator = self.parse_operator()
        if operator in (Operator.IN, Operator.NOT_IN):
            values = self.parse_values()
        else:
            values = self.parse_exact_value()
        return new_requirement(key, operator, sorted(values))

    def parse_key_and_infer_operator(self) -> tuple[str, Operator | None]:
        operator = None
        token, literal = self.consume(True)
        if token is _Token.DOES_NOT_EXIST:
            operator = Operator.DOES_NOT_EXIST
            token, literal = self.consume(True)
        if token is not _Token.IDENTIFIER:
            raise SelectorError(f"found '{literal}', expected: identifier")
        problems = is_qualified_name(literal)
        if problems:
            raise SelectorError(field_invalid("<nil>", literal, "; ".join(problems)))
        if self.lookahead(True)[0] in (_Token.END_OF_STRING, _Token.COMMA):
            if operator is not Operator.DOES_NOT_EXIST:
                operator = Operator.EXISTS
        return literal, operator

    def parse_operator(self) -> Operator:
        token, literal = self.consume(False)
        operators = {
            _Token.IN: Operator.IN,
            _Token.EQUALS: Operator.EQUALS,
            _Token.DOUBLE_EQUALS: Operator.DOUBLE_EQUALS,
            _Token.GREATER_THAN: Operator.GREATER_THAN,
            _Token.LESS_THAN: Operator.LESS_THAN,
            _Token.NOT_IN: Operator.NOT_IN,
            _Token.NOT_EQUALS: Operator.NOT_EQUALS,
        }
        if token not in operators:
            expected = ", ".join(op.value for op in _BINARY_OPERATORS)
            raise SelectorError(f"found '{literal}', expected: {expected}")
        return operators[token]

    def parse_values(self) -> set[str]:
        token, literal = self.consume(True)
        if token is not _Token.OPEN_PAR:
            raise SelectorError(f"found '{literal}' expected: '('")
        token, literal = self.lookahead(True)
        if token in (_Token.IDENTIFIER, _Token.COMMA):
            values = self.parse_identifiers_list()
            if self.consume(True)[0] is not _Token.CLOSED_PAR:
                raise SelectorError(f"found '{literal}', expected: ')'")
            return values
        if token is _Token.CLOSED_PAR:
            self.consume(True)
            return {""}
        raise SelectorError(f"found '{literal}', expected: ',', ')' or identifier")

    def parse_identifiers_list(self) -> set[str]:
        values: set[str] = set()
        while True:
            token, literal = self.consume(True)
            if token is _Token.IDENTIFIER:
                values.add(literal)
                next_token, next_literal = self.lookahead(True)
                if next_token is _Token.COMMA:
                    continue
                if next_token is _Token.CLOSED_PAR:
                    return values
                raise SelectorError(f"found '{next_literal}', expected: ',' or ')'")
            if token is _Token.COMMA:
                if not values:
                    values.add("")  # "(,"
                next_token = self.lookahead(True)[0]
                if next_token is _Token.CLOSED_PAR:
                    values.add("")  # ",)"
                    return values
                if next_token is _Token.COMMA:
                    self.consume(True)
                    values.add("")  # ",,"
            else:
                raise SelectorError(f"found '{literal}', expected: ',', or identifier")

    def parse_exact_value(self) -> set[str]:
        token = self.lookahead(True)[0]
        if token in (_Token.END_OF_STRING, _Token.COMMA):
            return {""}
        token, literal = self.consume(True)
        if token is _Token.IDENTIFIER:
            return {literal}
        raise SelectorError(f"found '{literal}', expected: identifier")


def parse_selector(text: str) -> Selector:
    """Parse the string form of a label selector (``labels.Parse``).

    The empty string selects everything. Raises :class:`SelectorError` with
    Kubernetes' message on malformed input.
    """
    requirements = _Parser(text).parse()
    return Selector(tuple(sorted(requirements, key=lambda r: r.key)))
