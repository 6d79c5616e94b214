"""Kubernetes protobuf request bodies, read into the JSON dicts the JSON path yields.

client-go's typed clients encode request bodies as protobuf (``Content-Type:
application/vnd.kubernetes.protobuf``) and do not fall back to JSON on a 415. kubectl's
imperative commands use them: ``create namespace|deployment|service|job|serviceaccount|
role|rolebinding|clusterrole|clusterrolebinding|secret|configmap|token`` and
``auth can-i``. Answers are always JSON (clients accept it: their Accept header has a JSON
fallback), so only *decoding* is needed, and only for the kinds of
:data:`._proto_fields.KINDS`; any other protobuf body is a 415.

The wire format: the magic ``k8s\\x00``, then a ``runtime.Unknown`` message (typeMeta,
raw, contentEncoding, contentType), where raw is the object's own message. A protobuf
message is a sequence of (field number, wire type, value): varint, 64-bit,
length-delimited (strings, bytes, nested messages, map entries, packed repeated scalars)
and 32-bit. The decoder is one generic reader driven by per-message field tables
(:mod:`._proto_fields`, transcribed from Kubernetes' ``generated.proto``), which map
field numbers to JSON names and types. What makes the result equal to the JSON a client
would have sent: zero scalars of non-pointer fields are dropped (JSON ``omitempty``),
embedded structs are inlined, int-or-string and quantities become their JSON forms,
``bytes`` become base64 and a zero Time (JSON ``null``) is dropped.
"""

from __future__ import annotations

import base64
import datetime
from collections.abc import Iterator
from typing import Any, NamedTuple

from ._proto_fields import KINDS, MESSAGES

__all__ = ["KINDS", "MAGIC", "SCHEMAS", "Field", "decode", "decode_message"]

MAGIC = b"k8s\x00"

VARINT, FIXED64, BYTES, FIXED32 = 0, 1, 2, 5
#: scalar kinds of the field tables (any other kind names a message)
STRING, INT, BOOL, RAW, QUANTITY, TIME, INT_OR_STRING = "s", "i", "b", "y", "q", "t", "x"
_SCALARS = frozenset((STRING, INT, BOOL, RAW))
_MAX_DEPTH = 48  # a PodSpec's deepest path is about 12 messages down


class Field(NamedTuple):
    """One field of a message table: its JSON name ("-" = embedded) and type."""

    name: str
    kind: str
    repeated: bool = False
    map: bool = False
    pointer: bool = False


Schema = dict[int, Field]


def _parse(spec: str) -> Schema:
    """``"1 name s; 2 ports [ContainerPort"`` -> {1: Field(...), 2: Field(...)}."""
    fields: Schema = {}
    for item in filter(None, (part.strip() for part in spec.split(";"))):
        number, name, kind = item.split()
        repeated, is_map = kind.startswith("["), kind.startswith("{")
        kind = kind.lstrip("[{")
        pointer = kind.endswith("?")
        fields[int(number)] = Field(name, kind.rstrip("?"), repeated, is_map, pointer)
    return fields


#: message name -> field number -> Field, parsed from :data:`._proto_fields.MESSAGES`
SCHEMAS: dict[str, Schema] = {name: _parse(spec) for name, spec in MESSAGES.items()}
_BUILTIN_KINDS = _SCALARS | {QUANTITY, TIME, INT_OR_STRING}
_dangling = {f.kind for schema in SCHEMAS.values() for f in schema.values()} \
    - _BUILTIN_KINDS - SCHEMAS.keys() | (set(KINDS.values()) - SCHEMAS.keys())
if _dangling:  # a typo in the tables must fail at import, not on some request
    raise ImportError(f"protobuf field tables name unknown messages: {sorted(_dangling)}")


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if pos >= len(data) or shift > 63:
            raise ValueError("truncated varint")
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7


def _fields(data: bytes) -> Iterator[tuple[int, int, Any]]:
    """(field number, wire type, value) of each field of one message."""
    pos = 0
    while pos < len(data):
        key, pos = _varint(data, pos)
        number, wire = key >> 3, key & 7
        if wire == VARINT:
            value, pos = _varint(data, pos)
        elif wire == BYTES:
            length, pos = _varint(data, pos)
            if pos + length > len(data):
                raise ValueError("truncated field")
            value, pos = data[pos:pos + length], pos + length
        elif wire in (FIXED64, FIXED32):
            size = 8 if wire == FIXED64 else 4
            if pos + size > len(data):
                raise ValueError("truncated field")
            value, pos = data[pos:pos + size], pos + size
        else:
            raise ValueError(f"unsupported wire type {wire}")
        if number == 0:
            raise ValueError("field number 0")
        yield number, wire, value


def _signed(value: int) -> int:
    """Go sign-extends negative int32/int64 to a 64-bit two's complement varint."""
    return value - (1 << 64) if value >= 1 << 63 else value


def _time(data: bytes) -> str | None:
    """meta/v1 Time (seconds, nanos) as Kubernetes writes it in JSON; None when zero."""
    seconds = 0
    for number, wire, value in _fields(data):
        if number == 1 and wire == VARINT:
            seconds = _signed(value)
    if not seconds:
        return None
    moment = datetime.datetime.fromtimestamp(seconds, tz=datetime.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _int_or_string(data: bytes) -> int | str:
    """intstr.IntOrString (type, intVal, strVal): type 1 means the string."""
    kind, number_value, text = 0, 0, ""
    for number, wire, value in _fields(data):
        if number == 1 and wire == VARINT:
            kind = value
        elif number == 2 and wire == VARINT:
            number_value = _signed(value)
        elif number == 3 and wire == BYTES:
            text = value.decode("utf-8")
    return text if kind == 1 else number_value


def _quantity(data: bytes) -> str:
    """resource.Quantity is a message with its canonical string in field 1."""
    text = ""
    for number, wire, value in _fields(data):
        if number == 1 and wire == BYTES:
            text = value.decode("utf-8")
    return text


def _expect(field: Field, wire: int, wanted: int) -> None:
    if wire != wanted:
        raise ValueError(f"field {field.name}: wire type {wire}, expected {wanted}")


def _value(field: Field, wire: int, value: Any, depth: int) -> Any:
    """One value of ``field`` (a single element when repeated)."""
    kind = field.kind
    if kind in (INT, BOOL):
        _expect(field, wire, VARINT)
        return bool(value) if kind == BOOL else _signed(value)
    _expect(field, wire, BYTES)
    if kind == STRING:
        return value.decode("utf-8")
    if kind == RAW:
        return base64.b64encode(value).decode("ascii")
    if kind == QUANTITY:
        return _quantity(value)
    if kind == TIME:
        return _time(value)
    if kind == INT_OR_STRING:
        return _int_or_string(value)
    return _message(value, SCHEMAS[kind], depth + 1)


def _map_entry(field: Field, data: bytes, depth: int) -> tuple[str, Any]:
    key, item = "", None
    for number, wire, value in _fields(data):
        if number == 1:
            _expect(field, wire, BYTES)
            key = value.decode("utf-8")
        elif number == 2:
            item = _value(field, wire, value, depth)
    if item is None:  # an entry with no value: the zero value of its type
        item = {STRING: "", RAW: "", QUANTITY: "0"}.get(field.kind, {})
    return key, item


def _repeated(field: Field, wire: int, value: Any, depth: int) -> list[Any]:
    if field.kind in (INT, BOOL) and wire == BYTES:  # packed: varints back to back
        items, pos = [], 0
        while pos < len(value):
            number, pos = _varint(value, pos)
            items.append(_value(field, VARINT, number, depth))
        return items
    return [_value(field, wire, value, depth)]


def _message(data: bytes, schema: Schema, depth: int = 0) -> dict[str, Any]:
    if depth > _MAX_DEPTH:
        raise ValueError("message nested too deep")
    out: dict[str, Any] = {}
    for number, wire, value in _fields(data):
        field = schema.get(number)
        if field is None:
            continue  # a field we do not read (newer, or never sent on a create)
        if field.map:
            _expect(field, wire, BYTES)
            key, item = _map_entry(field, value, depth)
            out.setdefault(field.name, {})[key] = item
        elif field.repeated:
            out.setdefault(field.name, []).extend(_repeated(field, wire, value, depth))
        elif field.name == "-":
            _expect(field, wire, BYTES)
            out.update(_message(value, SCHEMAS[field.kind], depth + 1))
        else:
            item = _value(field, wire, value, depth)
            if item is None or (item in ("", 0) and field.kind in _SCALARS
                                and not field.pointer):
                continue  # Go wrote a zero it would have omitted from JSON
            out[field.name] = item
    return out


def decode_message(name: str, data: bytes) -> dict[str, Any]:
    """The message ``name`` (a key of :data:`SCHEMAS`) as a JSON-shaped dict; ValueError
    (or UnicodeDecodeError) for malformed bytes."""
    return _message(data, SCHEMAS[name])


def decode(data: bytes) -> dict[str, Any] | None:
    """The object a protobuf body holds, as a JSON-shaped dict; None for a kind we cannot
    read; ValueError for bytes that are not a Kubernetes protobuf message."""
    if not data.startswith(MAGIC):
        raise ValueError("missing the k8s protobuf magic prefix")
    api_version, kind, raw = _envelope(data[len(MAGIC):])
    message = KINDS.get((api_version, kind))
    if message is None:
        return None
    return {"apiVersion": api_version, "kind": kind, **decode_message(message, raw)}


def _envelope(data: bytes) -> tuple[str, str, bytes]:
    """(apiVersion, kind, raw) of a runtime.Unknown: typeMeta (1: apiVersion, 2: kind),
    raw, contentEncoding and contentType (both always empty from client-go)."""
    api_version = kind = ""
    raw = b""
    for number, wire, value in _fields(data):
        if number == 1 and wire == BYTES:
            for inner, inner_wire, item in _fields(value):
                if inner_wire == BYTES and inner in (1, 2):
                    text = item.decode("utf-8")
                    api_version, kind = (text, kind) if inner == 1 else (api_version, text)
        elif number == 2 and wire == BYTES:
            raw = value
    return api_version, kind, raw
