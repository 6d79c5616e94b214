"""Hand-encoding of protobuf wire data for the tests of our protobuf body decoder: what a
Kubernetes client sends (``application/vnd.kubernetes.protobuf``), built field by field."""

from __future__ import annotations

from kactors.apiserver.http import protobuf


def varint(n: int) -> bytes:
    n &= (1 << 64) - 1  # negative numbers as Go writes them: 64-bit two's complement
    out = b""
    while True:
        byte, n = n & 0x7F, n >> 7
        out += bytes([byte | (0x80 if n else 0)])
        if not n:
            return out


def num(number: int, value: int) -> bytes:
    """A varint field."""
    return varint(number << 3) + varint(value)


def msg(number: int, *parts: bytes | str) -> bytes:
    """A length-delimited field (message, string or bytes) holding `parts` joined."""
    data = b"".join(p.encode() if isinstance(p, str) else p for p in parts)
    return varint(number << 3 | 2) + varint(len(data)) + data


def entry(number: int, key: str, value: bytes | str) -> bytes:
    """One entry of a map field."""
    return msg(number, msg(1, key), msg(2, value))


def envelope(api_version: str, kind: str, *raw: bytes) -> bytes:
    """runtime.Unknown behind the magic prefix: TypeMeta, then the object's bytes."""
    return protobuf.MAGIC + msg(1, msg(1, api_version), msg(2, kind)) + msg(2, *raw)
