"""HTTP/1.1 connections over trio: requests in, responses (or streams) out.

:mod:`.http11` is the sans-I/O codec; this module is the small loop that feeds it bytes
from a trio stream and writes what it frames. One connection = one task, requests served
one after the other (keep-alive, pipelined requests in order). It knows nothing of
Kubernetes: a *handler* turns an :class:`HttpRequest` into an :class:`HttpResponse`, a
:class:`StreamResponse`, or an :class:`UpgradeResponse` (``101 Switching Protocols``,
after which the connection belongs to the handler's ``run``: ``kubectl exec``).

Defences, so that no client can hurt the server:

* a body over ``max_body`` bytes is answered 413 without reading it, and the connection
  closed (``Content-Length`` is checked before a byte of the body is read);
* a request head over 64 KiB gets 431, bytes that are not HTTP 400, and a close;
* an idle keep-alive connection is closed after ``idle_timeout`` seconds;
* a streamed response (a watch) also listens to the socket, so a client that goes away
  ends the stream at once instead of when the next event fails to send.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable

import attrs
import trio

from .http11 import (
    ParsedRequest,
    ProtocolError,
    RequestParser,
    chunk,
    response_head,
    upgrade_head,
)

__all__ = ["HttpRequest", "HttpResponse", "StreamResponse", "UpgradeResponse",
           "serve_connection"]

READ_SIZE = 64 * 1024


@attrs.frozen
class HttpRequest:
    method: str
    target: str
    #: lower-cased names; a repeated header's values joined with ", "
    headers: dict[str, str]
    body: bytes = b""


@attrs.frozen
class HttpResponse:
    status: int
    body: bytes
    content_type: str = "application/json"
    #: more headers, e.g. ("warning", '299 - "unknown field \\"x\\""')
    headers: tuple[tuple[str, str], ...] = ()


@attrs.frozen
class StreamResponse:
    """A response whose body is written as it is produced (chunked): ``run(write)`` is
    awaited with ``write(bytes)``; it is cancelled if the client goes away, and must
    release what it holds in a ``finally``."""

    status: int
    run: Callable[[Callable[[bytes], Awaitable[None]]], Awaitable[None]]
    content_type: str = "application/json"


@attrs.frozen
class UpgradeResponse:
    """``101 Switching Protocols``: the connection then belongs to ``run(stream,
    buffered)`` (``buffered``: the bytes the client sent after the request, already
    read), and is closed when it returns."""

    headers: tuple[tuple[str, str], ...]
    run: Callable[[trio.abc.Stream, bytes], Awaitable[None]]


Response = HttpResponse | StreamResponse | UpgradeResponse
Handler = Callable[[HttpRequest], Awaitable[Response]]


def status_body(code: int, reason: str, message: str) -> bytes:
    """A Kubernetes Status body for errors found before any handler ran."""
    return json.dumps({"kind": "Status", "apiVersion": "v1", "metadata": {},
                       "status": "Failure", "message": message, "reason": reason,
                       "code": code}).encode()


_REASONS = {400: "BadRequest", 413: "RequestEntityTooLarge", 431: "BadRequest",
            501: "BadRequest"}


def _head(response: Response, request: ParsedRequest | None, length: int | None,
          close: bool) -> bytes:
    headers = [("Content-Type", response.content_type),
               ("Cache-Control", "no-cache, private")]
    headers += list(getattr(response, "headers", ()))
    http10 = request.http10 if request is not None else False
    return response_head(response.status, headers, length=length, close=close, http10=http10)


async def _stream(stream: trio.abc.Stream, parser: RequestParser, request: ParsedRequest,
                  response: StreamResponse) -> bool:
    """Send a streamed response; False if the client went away meanwhile (or is HTTP/1.0,
    whose stream ends by closing)."""
    await stream.send_all(_head(response, request, None, False))
    gone = False
    http10 = request.http10

    async def write(data: bytes) -> None:
        if data:
            await stream.send_all(chunk(data, http10))

    async def watch_peer(scope: trio.CancelScope) -> None:
        nonlocal gone
        while True:
            try:
                data = await stream.receive_some(READ_SIZE)
            except (trio.BrokenResourceError, trio.ClosedResourceError):
                data = b""
            if not data:
                gone = True
                scope.cancel()
                return
            parser.feed(data)  # a pipelined request: kept for later
            if len(parser.buffer) > 1024 * 1024:
                gone = True  # a client that floods us while we stream: drop it
                scope.cancel()
                return

    async with trio.open_nursery() as nursery:
        nursery.start_soon(watch_peer, nursery.cancel_scope)
        try:
            await response.run(write)
        except (trio.BrokenResourceError, trio.ClosedResourceError):
            gone = True
        nursery.cancel_scope.cancel()
    if gone or http10:
        return False
    await stream.send_all(b"0\r\n\r\n")
    return True


async def serve_connection(stream: trio.abc.Stream, handler: Handler, *, max_body: int,
                           idle_timeout: float,
                           on_error: Callable[[BaseException], None] | None = None) -> None:
    """Serve requests on ``stream`` until the client closes it (or it must be closed)."""
    parser = RequestParser(max_body)
    request: ParsedRequest | None = None
    try:
        while True:
            request = None
            with trio.move_on_after(idle_timeout):
                while request is None:
                    request = parser.next_request()
                    if request is None:
                        if parser.eof:
                            return
                        if parser.expects_continue:
                            parser.expects_continue = False
                            await stream.send_all(b"HTTP/1.1 100 Continue\r\n\r\n")
                        parser.feed(await stream.receive_some(READ_SIZE))
            if request is None:
                return  # idle for too long
            head_only = request.method == "HEAD"
            response = await handler(HttpRequest(request.method, request.target,
                                                 request.headers, request.body))
            if isinstance(response, HttpResponse):
                close = not request.keep_alive
                data = _head(response, request, len(response.body), close)
                if not head_only:
                    data += response.body
                await stream.send_all(data)
                if close:
                    return
            elif isinstance(response, StreamResponse):
                if not await _stream(stream, parser, request, response):
                    return
            else:  # UpgradeResponse: the connection is the new protocol's
                await stream.send_all(upgrade_head(list(response.headers)))
                buffered = bytes(parser.buffer)
                parser.buffer.clear()
                await response.run(stream, buffered)
                return
    except ProtocolError as error:
        code = error.status
        message = (f"Request entity too large: {error}" if code == 413
                   else f"malformed HTTP request: {error}")
        reply = HttpResponse(code, status_body(code, _REASONS.get(code, "BadRequest"), message))
        try:
            await stream.send_all(_head(reply, None, len(reply.body), True) + reply.body)
        except (trio.BrokenResourceError, trio.ClosedResourceError):
            pass
    except (trio.BrokenResourceError, trio.ClosedResourceError) as error:
        if on_error is not None and not isinstance(error, trio.BrokenResourceError):
            on_error(error)
    finally:
        with trio.move_on_after(1) as cleanup:
            cleanup.shield = True
            try:
                await stream.aclose()
            except (trio.BrokenResourceError, trio.ClosedResourceError):
                pass
