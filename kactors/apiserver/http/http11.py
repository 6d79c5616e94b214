"""A small HTTP/1.1 server codec (sans-I/O): bytes in, requests out; responses to bytes.

Why not h11 (which this replaced): h11 is general and careful, and its per-request cost
(event objects, header validation by regular expressions, state machines on both sides)
was about as much as the apiserver's own work for a GET. An API server needs far less:
requests with a ``Content-Length`` or chunked body, keep-alive, pipelining, responses
with a length or chunked (watches). That fits here, with strict limits and a clear
:class:`ProtocolError` (and the status to answer with) for everything else.

Upgrades: :func:`upgrade_head` answers one with ``101 Switching Protocols``; what follows
on the connection is the new protocol's (a WebSocket for ``kubectl exec``, see
:mod:`.websocket`). Not supported, on purpose: HTTP/2, trailers (ignored), obsolete line
folding (400).
"""

from __future__ import annotations

import re

import attrs

__all__ = ["ParsedRequest", "ProtocolError", "RequestParser", "chunk", "response_head",
           "upgrade_head"]

MAX_HEAD = 64 * 1024
LAST_CHUNK = b"0\r\n\r\n"

_REQUEST_LINE = re.compile(rb"([A-Z]{1,20}) (\S{1,16384}) HTTP/1\.([01])")
_TOKEN = re.compile(rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_REASONS = {100: "Continue", 101: "Switching Protocols", 200: "OK", 201: "Created", 202: "Accepted", 400: "Bad Request",
            401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
            405: "Method Not Allowed", 406: "Not Acceptable", 409: "Conflict", 410: "Gone",
            413: "Request Entity Too Large", 415: "Unsupported Media Type",
            422: "Unprocessable Entity", 429: "Too Many Requests",
            431: "Request Header Fields Too Large", 500: "Internal Server Error",
            501: "Not Implemented", 503: "Service Unavailable", 504: "Gateway Timeout"}


class ProtocolError(Exception):
    """Bytes that are not a request we serve; answer ``status`` and close."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


@attrs.frozen
class ParsedRequest:
    method: str
    target: str
    #: lower-cased names; repeated headers joined with ", "
    headers: dict[str, str]
    body: bytes
    #: the client wants the connection kept open after the response
    keep_alive: bool
    http10: bool = False


class TooLarge(ProtocolError):
    def __init__(self, limit: int) -> None:
        super().__init__(f"limit is {limit}", 413)


class RequestParser:
    """Feed bytes; take complete requests. ``max_body`` is checked against the declared
    ``Content-Length`` before the body is read, and as chunks arrive."""

    def __init__(self, max_body: int) -> None:
        self.max_body = max_body
        self.buffer = bytearray()
        self.eof = False
        #: the head of the request whose body is still incomplete
        self._pending: tuple[str, str, dict[str, str], bool, bool] | None = None
        #: this request said ``Expect: 100-continue`` and its body has not come yet
        self.expects_continue = False

    def feed(self, data: bytes) -> None:
        if data:
            self.buffer += data
        else:
            self.eof = True

    def next_request(self) -> ParsedRequest | None:
        """The next complete request, or None until more bytes come; ProtocolError."""
        if self._pending is None:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                if len(self.buffer) > MAX_HEAD:
                    raise ProtocolError("request head too large", 431)
                if self.eof and self.buffer:
                    raise ProtocolError("the connection closed mid-request")
                return None
            if end > MAX_HEAD:
                raise ProtocolError("request head too large", 431)
            head = bytes(self.buffer[:end])
            del self.buffer[:end + 4]
            self._pending = _parse_head(head)
            headers = self._pending[2]
            self.expects_continue = headers.get("expect", "").lower() == "100-continue"
        method, target, headers, keep_alive, http10 = self._pending
        body = self._body(headers)
        if body is None:
            if self.eof:
                raise ProtocolError("the connection closed mid-request")
            return None
        self._pending = None
        self.expects_continue = False
        return ParsedRequest(method, target, headers, body, keep_alive, http10)

    def _body(self, headers: dict[str, str]) -> bytes | None:
        encoding = headers.get("transfer-encoding")
        if encoding is not None:
            if "content-length" in headers:
                raise ProtocolError("both Transfer-Encoding and Content-Length")
            if encoding.lower() != "chunked":
                raise ProtocolError(f"unsupported Transfer-Encoding {encoding!r}", 501)
            return self._chunked()
        length_text = headers.get("content-length", "0")
        if not length_text.isdigit() or len(length_text) > 18:
            raise ProtocolError(f"invalid Content-Length {length_text!r}")
        length = int(length_text)
        if length > self.max_body:
            raise TooLarge(self.max_body)
        if len(self.buffer) < length:
            return None
        body = bytes(self.buffer[:length])
        del self.buffer[:length]
        return body

    def _chunked(self) -> bytes | None:
        """The whole chunked body once it is all here (the buffer is kept until then)."""
        pos, parts, size_total = 0, [], 0
        buffer = self.buffer
        while True:
            line_end = buffer.find(b"\r\n", pos)
            if line_end < 0:
                if len(buffer) - pos > 1024:
                    raise ProtocolError("chunk size line too long")
                return None
            size_text = bytes(buffer[pos:line_end]).split(b";", 1)[0].strip()
            try:
                size = int(size_text, 16)
            except ValueError:
                raise ProtocolError("invalid chunk size") from None
            if size < 0:
                raise ProtocolError("invalid chunk size")
            size_total += size
            if size_total > self.max_body:
                raise TooLarge(self.max_body)
            start = line_end + 2
            if size == 0:
                trailer_end = buffer.find(b"\r\n\r\n", line_end)
                if buffer[start:start + 2] == b"\r\n":
                    end = start + 2
                elif trailer_end >= 0:
                    end = trailer_end + 4  # trailers: ignored
                else:
                    return None
                del buffer[:end]
                return b"".join(parts)
            if len(buffer) < start + size + 2:
                return None
            if buffer[start + size:start + size + 2] != b"\r\n":
                raise ProtocolError("chunk not followed by CRLF")
            parts.append(bytes(buffer[start:start + size]))
            pos = start + size + 2


def _parse_head(head: bytes) -> tuple[str, str, dict[str, str], bool, bool]:
    lines = head.split(b"\r\n")
    match = _REQUEST_LINE.fullmatch(lines[0])
    if match is None:
        raise ProtocolError("malformed request line")
    method, target, minor = match.groups()
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, colon, value = line.partition(b":")
        if not colon or not _TOKEN.fullmatch(name):
            raise ProtocolError("malformed header line")
        if b"\r" in value or b"\n" in value or b"\x00" in value:
            raise ProtocolError("invalid character in a header value")
        key = name.decode("ascii").lower()
        text = value.strip(b" \t").decode("latin-1")
        headers[key] = f"{headers[key]}, {text}" if key in headers else text
    http10 = minor == b"0"
    connection = headers.get("connection", "").lower()
    keep_alive = "keep-alive" in connection if http10 else "close" not in connection
    if not http10 and "host" not in headers:
        raise ProtocolError("missing Host header")
    return method.decode("ascii"), target.decode("latin-1"), headers, keep_alive, http10


def response_head(status: int, headers: list[tuple[str, str]], *, length: int | None,
                  close: bool, http10: bool = False) -> bytes:
    """Status line and headers; no length means a chunked body (close-delimited for an
    HTTP/1.0 client, which cannot read chunks)."""
    lines = [f"HTTP/1.1 {status} {_REASONS.get(status, 'Unknown')}"]
    lines += [f"{name}: {value}" for name, value in headers]
    if length is not None:
        lines.append(f"Content-Length: {length}")
    elif not http10:
        lines.append("Transfer-Encoding: chunked")
    if close or (length is None and http10):
        lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def upgrade_head(headers: list[tuple[str, str]]) -> bytes:
    """``101 Switching Protocols`` with ``headers`` (no body: the connection is the new
    protocol's from the next byte)."""
    lines = ["HTTP/1.1 101 Switching Protocols", *(f"{n}: {v}" for n, v in headers)]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def chunk(data: bytes, http10: bool = False) -> bytes:
    """``data`` as one chunk of a chunked body (as it is, for HTTP/1.0)."""
    if http10 or not data:
        return data
    return b"%x\r\n%b\r\n" % (len(data), data)
