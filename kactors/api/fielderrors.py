"""Field-level validation errors (``k8s.io/apimachinery/pkg/util/validation/field``).

Validation never raises: it returns a list of :class:`FieldError` values, because the
apiserver reports every problem of an object at once (``NewInvalid`` aggregates them in
one ``Status``). A :class:`FieldError` knows how to render itself exactly like Go's
``field.Error.Error()`` (:meth:`FieldError.message`) and how to become an entry of a
``Status``' ``details.causes`` (:meth:`FieldError.cause`).

:class:`FieldPath` mirrors ``field.Path``: ``FieldPath("spec").child("containers")
.index(0).child("image")`` renders as ``spec.containers[0].image`` and map keys render
as ``metadata.labels[app]``. Paths are immutable values so validators can hand them down
without copying.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from typing import Any

import attrs

from .validation import (
    FIELD_IMMUTABLE_ERROR_MSG,
    aggregate,
    go_quote,
    render_bad_value,
    too_long_detail,
    too_many_detail,
)

__all__ = [
    "OMIT",
    "ErrorType",
    "FieldError",
    "FieldPath",
    "aggregate_field_errors",
    "duplicate",
    "forbidden",
    "immutable",
    "internal_error",
    "invalid",
    "not_found",
    "not_supported",
    "render_value",
    "required",
    "too_long",
    "too_many",
    "type_invalid",
]


class ErrorType(enum.Enum):
    """``field.ErrorType``: the machine-readable cause type (``causes[].reason``)."""

    NOT_FOUND = "FieldValueNotFound"
    REQUIRED = "FieldValueRequired"
    DUPLICATE = "FieldValueDuplicate"
    INVALID = "FieldValueInvalid"
    NOT_SUPPORTED = "FieldValueNotSupported"
    FORBIDDEN = "FieldValueForbidden"
    TOO_LONG = "FieldValueTooLong"
    TOO_MANY = "FieldValueTooMany"
    INTERNAL = "InternalError"
    TYPE_INVALID = "FieldValueTypeInvalid"

    @property
    def label(self) -> str:
        """The human wording (``ErrorType.String()``): ``Required value``, ``Invalid value``..."""
        return _LABELS[self]


_LABELS = {
    ErrorType.NOT_FOUND: "Not found",
    ErrorType.REQUIRED: "Required value",
    ErrorType.DUPLICATE: "Duplicate value",
    ErrorType.INVALID: "Invalid value",
    ErrorType.NOT_SUPPORTED: "Unsupported value",
    ErrorType.FORBIDDEN: "Forbidden",
    ErrorType.TOO_LONG: "Too long",
    ErrorType.TOO_MANY: "Too many",
    ErrorType.INTERNAL: "Internal error",
    ErrorType.TYPE_INVALID: "Invalid value",
}
# Types whose body never shows the bad value (``ErrorBody``'s first switch case).
_VALUELESS = frozenset(
    {ErrorType.REQUIRED, ErrorType.FORBIDDEN, ErrorType.TOO_LONG, ErrorType.INTERNAL}
)


class _Omit:
    """Sentinel for "no value to show" (Go's ``omitValue``)."""

    def __repr__(self) -> str:
        return "OMIT"


#: Pass as ``bad_value`` to leave the value out of the message.
OMIT: Any = _Omit()


def render_value(value: object) -> str:
    """Render a bad value like ``ErrorBody`` does.

    Delegates to :func:`kactors.api.validation.render_bad_value`, except that floats with
    an integral value print without a fraction: JSON numbers reach Go validators as
    ``int64`` when integral (unstructured decoding) and Go's ``%v`` of ``float64(1)`` is
    ``1`` anyway, whereas Python's ``str(1.0)`` is ``1.0``.
    """
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**63:
        return str(int(value))
    return render_bad_value(value)


class FieldPath:
    """An immutable field path (``field.Path``); ``str()`` renders it like Go.

    Validation builds a path for every field it visits and renders one only when a field
    is wrong, so a path is just its rendered text kept in a slot: extending it is one
    string concatenation (this is on the apiserver's create path).
    """

    __slots__ = ("_text",)

    def __init__(self, parts: tuple[str, ...] | str = ()) -> None:
        self._text = parts if isinstance(parts, str) else "".join(parts)

    @classmethod
    def of(cls, *names: str) -> FieldPath:
        """``field.NewPath(name, more...)``."""
        return cls("".join(f".{name}" for name in names))

    @property
    def parts(self) -> tuple[str, ...]:
        return (self._text,) if self._text else ()

    def child(self, *names: str) -> FieldPath:
        """``Path.Child``: ``spec`` -> ``spec.replicas``."""
        if len(names) == 1:
            return FieldPath(f"{self._text}.{names[0]}")
        return FieldPath(self._text + "".join(f".{name}" for name in names))

    def index(self, index: int) -> FieldPath:
        """``Path.Index``: ``spec.containers`` -> ``spec.containers[0]``."""
        return FieldPath(f"{self._text}[{index}]")

    def key(self, key: str) -> FieldPath:
        """``Path.Key``: ``metadata.labels`` -> ``metadata.labels[app]``."""
        return FieldPath(f"{self._text}[{key}]")

    def __str__(self) -> str:
        return self._text.removeprefix(".")

    def __repr__(self) -> str:
        return f"FieldPath({str(self)!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FieldPath) and other._text == self._text

    def __hash__(self) -> int:
        return hash(self._text)


PathLike = FieldPath | str


def _path(path: PathLike) -> str:
    return str(path)


@attrs.frozen
class FieldError:
    """One field-level problem (``field.Error``).

    ``field`` is the rendered path (``spec.containers[0].image``), ``bad_value`` the
    offending value (or :data:`OMIT`) and ``detail`` the explanation.
    """

    type: ErrorType
    field: str
    bad_value: Any = ""
    detail: str = ""

    def body(self) -> str:
        """``ErrorBody()``: the message without the field path (a cause's ``message``)."""
        if self.type in _VALUELESS or self.bad_value is OMIT:
            text = self.type.label
        else:
            text = f"{self.type.label}: {render_value(self.bad_value)}"
        return f"{text}: {self.detail}" if self.detail else text

    def message(self) -> str:
        """``Error()``: ``<field>: <body>``, Kubernetes' exact wording."""
        return f"{self.field}: {self.body()}"

    def cause(self) -> dict[str, str]:
        """The ``details.causes[]`` entry of a ``Status`` (empty fields omitted, as in Go)."""
        cause = {"reason": self.type.value}
        body = self.body()
        if body:
            cause["message"] = body
        if self.field:
            cause["field"] = self.field
        return cause

    def __str__(self) -> str:
        return self.message()


# -- constructors, named after Go's field.* functions ---------------------------------------


def required(path: PathLike, detail: str = "") -> FieldError:
    """``field.Required``: ``<path>: Required value``."""
    return FieldError(ErrorType.REQUIRED, _path(path), "", detail)


def invalid(path: PathLike, value: object, detail: str = "") -> FieldError:
    """``field.Invalid``: ``<path>: Invalid value: <value>: <detail>``."""
    return FieldError(ErrorType.INVALID, _path(path), value, detail)


def type_invalid(path: PathLike, value: object, detail: str = "") -> FieldError:
    """``field.TypeInvalid`` (rendered like Invalid, reason ``FieldValueTypeInvalid``)."""
    return FieldError(ErrorType.TYPE_INVALID, _path(path), value, detail)


def not_supported(path: PathLike, value: object, supported: Sequence[str] = ()) -> FieldError:
    """``field.NotSupported``: ``Unsupported value: "x": supported values: "a", "b"``."""
    detail = ""
    if supported:
        detail = "supported values: " + ", ".join(go_quote(str(item)) for item in supported)
    return FieldError(ErrorType.NOT_SUPPORTED, _path(path), value, detail)


def duplicate(path: PathLike, value: object) -> FieldError:
    """``field.Duplicate``: ``<path>: Duplicate value: <value>``."""
    return FieldError(ErrorType.DUPLICATE, _path(path), value, "")


def not_found(path: PathLike, value: object, detail: str = "") -> FieldError:
    """``field.NotFound``: ``<path>: Not found: <value>``."""
    return FieldError(ErrorType.NOT_FOUND, _path(path), value, detail)


def forbidden(path: PathLike, detail: str = "") -> FieldError:
    """``field.Forbidden``: ``<path>: Forbidden: <detail>``."""
    return FieldError(ErrorType.FORBIDDEN, _path(path), "", detail)


def too_long(path: PathLike, max_length: int) -> FieldError:
    """``field.TooLong``: ``<path>: Too long: may not be more than N bytes``."""
    return FieldError(
        ErrorType.TOO_LONG, _path(path), "<value omitted>", too_long_detail(max_length)
    )


def too_many(path: PathLike, actual: int, max_items: int) -> FieldError:
    """``field.TooMany``: ``<path>: Too many: 5: must have at most 3 items``."""
    value = actual if actual >= 0 else OMIT
    return FieldError(ErrorType.TOO_MANY, _path(path), value, too_many_detail(max_items))


def internal_error(path: PathLike, message: str) -> FieldError:
    """``field.InternalError``: ``<path>: Internal error: <message>``."""
    return FieldError(ErrorType.INTERNAL, _path(path), None, message)


def immutable(path: PathLike, value: object) -> FieldError:
    """``ValidateImmutableField``'s error: ``Invalid value: <new>: field is immutable``."""
    return FieldError(ErrorType.INVALID, _path(path), value, FIELD_IMMUTABLE_ERROR_MSG)


def aggregate_field_errors(errors: Iterable[FieldError]) -> str:
    """``ErrorList.ToAggregate().Error()``: one message, or ``[a, b]``; duplicates dropped."""
    return aggregate([error.message() for error in errors])
