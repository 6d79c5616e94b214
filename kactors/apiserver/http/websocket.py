"""RFC 6455 WebSockets, the server's side (sans-I/O): the handshake and the framing.

Why our own: kubectl (v1.30+) runs ``exec`` over a WebSocket first (KEP-4006), and the
front is our own HTTP/1.1 server (:mod:`.http11`), so the upgrade must be too. What a
server needs is small: check the upgrade request and compute ``Sec-WebSocket-Accept``;
read the client's frames (always masked, RFC 6455 5.1), reassembling fragmented
messages and answering pings; write unmasked frames. Bytes in, messages out; the
trio loop around it lives in :mod:`.execstream`.

Limits, so that no client can hurt the server: a frame or message over ``max_message``
bytes, an unmasked client frame, reserved bits or an unknown opcode end the connection
with close code 1009 or 1002 (:class:`WebSocketError`).
"""

from __future__ import annotations

import base64
import hashlib
import struct

import attrs

__all__ = ["BINARY", "CLOSE", "Message", "PING", "PONG", "TEXT", "FrameReader",
           "WebSocketError", "accept_key", "close_frame", "encode_frame", "handshake_error",
           "is_websocket_upgrade", "mask_frame", "select_protocol"]

#: RFC 6455 1.3: appended to the client's key before hashing
GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
CONTINUATION, TEXT, BINARY, CLOSE, PING, PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA
_DATA = (TEXT, BINARY)
_CONTROL = (CLOSE, PING, PONG)
#: client-go sends at most 32 KiB of data per message (plus the channel byte)
MAX_MESSAGE = 1024 * 1024


class WebSocketError(Exception):
    """The peer broke the protocol: close with ``code`` (1002 protocol, 1009 too big)."""

    def __init__(self, message: str, code: int = 1002) -> None:
        super().__init__(message)
        self.code = code


@attrs.frozen
class Message:
    """A whole data message (TEXT or BINARY), or a control frame (CLOSE, PING, PONG)."""

    opcode: int
    data: bytes


def accept_key(key: str) -> str:
    """``Sec-WebSocket-Accept`` for the client's ``Sec-WebSocket-Key`` (RFC 6455 4.2.2)."""
    digest = hashlib.sha1((key.strip() + GUID).encode("ascii")).digest()  # noqa: S324
    return base64.b64encode(digest).decode("ascii")


def handshake_error(method: str, headers: dict[str, str]) -> str | None:
    """Why ``headers`` (lower-cased names) are not a WebSocket upgrade we accept, or None.

    Kubernetes serves the upgrade on GET (and on POST, which client-go never uses for
    WebSockets but the apiserver allows)."""
    if method not in ("GET", "POST"):
        return f"method {method} cannot upgrade to a WebSocket"
    connection = {t.strip().lower() for t in headers.get("connection", "").split(",")}
    if "upgrade" not in connection:
        return "missing Connection: Upgrade"
    if headers.get("upgrade", "").strip().lower() != "websocket":
        return "missing Upgrade: websocket"
    if headers.get("sec-websocket-version", "").strip() != "13":
        return "unsupported Sec-WebSocket-Version (13 is)"
    key = headers.get("sec-websocket-key", "").strip()
    try:
        if len(base64.b64decode(key, validate=True)) != 16:
            return "invalid Sec-WebSocket-Key"
    except ValueError:
        return "invalid Sec-WebSocket-Key"
    return None


def is_websocket_upgrade(headers: dict[str, str]) -> bool:
    """Whether the request asks for a WebSocket (the cheap test before anything else)."""
    return headers.get("upgrade", "").strip().lower() == "websocket"


def select_protocol(offered: str, supported: tuple[str, ...]) -> str | None:
    """The first of the client's ``Sec-WebSocket-Protocol`` values that we support (the
    client lists them by preference, as wsstream reads them)."""
    for name in (p.strip() for p in offered.split(",")):
        if name in supported:
            return name
    return None


def encode_frame(opcode: int, data: bytes = b"") -> bytes:
    """One final, unmasked frame (a server never masks, RFC 6455 5.1)."""
    length = len(data)
    first = 0x80 | opcode
    if length < 126:
        head = struct.pack("!BB", first, length)
    elif length < 1 << 16:
        head = struct.pack("!BBH", first, 126, length)
    else:
        head = struct.pack("!BBQ", first, 127, length)
    return head + data


def close_frame(code: int = 1000, reason: str = "") -> bytes:
    """A CLOSE frame with a status code (1000: normal closure)."""
    return encode_frame(CLOSE, struct.pack("!H", code) + reason.encode()[:120])


class FrameReader:
    """Feed the client's bytes; take whole messages. Fragmented data messages are joined;
    control frames (which may come between fragments) are returned as they arrive.
    ``masked=False`` reads a server's frames instead (a client's side, for tests)."""

    def __init__(self, max_message: int = MAX_MESSAGE, *, masked: bool = True) -> None:
        self.max_message = max_message
        self.masked = masked
        self.buffer = bytearray()
        self._fragments: list[bytes] = []
        self._fragment_opcode: int | None = None
        self._fragment_size = 0

    def feed(self, data: bytes) -> None:
        self.buffer += data

    def next_message(self) -> Message | None:
        """The next whole message, or None until more bytes come; WebSocketError."""
        while True:
            frame = self._next_frame()
            if frame is None:
                return None
            fin, opcode, payload = frame
            if opcode in _CONTROL:
                if not fin or len(payload) > 125:
                    raise WebSocketError("invalid control frame")
                return Message(opcode, payload)
            if opcode == CONTINUATION:
                if self._fragment_opcode is None:
                    raise WebSocketError("continuation without a message")
            elif opcode in _DATA:
                if self._fragment_opcode is not None:
                    raise WebSocketError("a new message inside a fragmented one")
                self._fragment_opcode = opcode
            else:
                raise WebSocketError(f"unknown opcode {opcode}")
            self._fragment_size += len(payload)
            if self._fragment_size > self.max_message:
                raise WebSocketError("message too big", 1009)
            self._fragments.append(payload)
            if fin:
                message = Message(self._fragment_opcode, b"".join(self._fragments))
                self._fragments, self._fragment_opcode, self._fragment_size = [], None, 0
                return message

    def _next_frame(self) -> tuple[bool, int, bytes] | None:
        buffer = self.buffer
        if len(buffer) < 2:
            return None
        first, second = buffer[0], buffer[1]
        if first & 0x70:
            raise WebSocketError("reserved bits set (no extension was negotiated)")
        if bool(second & 0x80) != self.masked:
            raise WebSocketError("an unmasked frame from the client" if self.masked
                                 else "a masked frame from the server")
        length = second & 0x7F
        offset = 2
        if length == 126:
            if len(buffer) < 4:
                return None
            length = struct.unpack_from("!H", buffer, 2)[0]
            offset = 4
        elif length == 127:
            if len(buffer) < 10:
                return None
            length = struct.unpack_from("!Q", buffer, 2)[0]
            offset = 10
        if length > self.max_message:
            raise WebSocketError("frame too big", 1009)
        key = 4 if self.masked else 0
        end = offset + key + length
        if len(buffer) < end:
            return None
        payload = bytes(buffer[offset + key:end])
        if self.masked:
            payload = _unmask(payload, bytes(buffer[offset:offset + 4]))
        del buffer[:end]
        return bool(first & 0x80), first & 0x0F, payload


def _unmask(data: bytes, mask: bytes) -> bytes:
    """XOR with the 4-byte key, as one big integer operation (no per-byte loop)."""
    if not data:
        return data
    repeated = (mask * (len(data) // 4 + 1))[:len(data)]
    value = int.from_bytes(data, "big") ^ int.from_bytes(repeated, "big")
    return value.to_bytes(len(data), "big")


def mask_frame(opcode: int, data: bytes, mask: bytes, fin: bool = True) -> bytes:
    """A client's frame (masked with ``mask``): what tests feed :class:`FrameReader`."""
    length = len(data)
    first = (0x80 if fin else 0) | opcode
    if length < 126:
        head = struct.pack("!BB", first, 0x80 | length)
    elif length < 1 << 16:
        head = struct.pack("!BBH", first, 0x80 | 126, length)
    else:
        head = struct.pack("!BBQ", first, 0x80 | 127, length)
    return head + mask + _unmask(data, mask)
