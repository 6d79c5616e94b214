"""An apiserver with its HTTP front on a loopback port, in-process, and a small HTTP client.

Everything runs in one trio loop: the client's bytes reach the server through the kernel's
loopback at once, so pytest-trio's autojump clock only jumps when nothing at all is ready,
and minutes of cluster time (bookmarks, timeoutSeconds) pass in milliseconds.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import attrs
import h11
import trio

from kactors.actors import ActorSystem, ChildSpec
from kactors.apiserver.config import TokenUser
from kactors.apiserver.http.server import HttpApi, HttpApiConfig
from kactors.testing.controlplane import ADMIN_TOKEN, ControlPlane, start_control_plane

VIEWER_TOKEN = "token-of-nobody-in-particular"  # noqa: S105 - a test credential


@attrs.frozen
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@attrs.define
class Served:
    system: ActorSystem
    plane: ControlPlane
    port: int
    http: Any  # the HttpApi actor

    async def request(self, method: str, path: str, body: bytes | dict | None = None, *,
                      token: str | None = ADMIN_TOKEN, content_type: str = "application/json",
                      headers: dict[str, str] | None = None) -> Reply:
        data = json.dumps(body).encode() if isinstance(body, dict) else (body or b"")
        sent = {"host": "127.0.0.1", **(headers or {})}
        if token is not None:
            sent["authorization"] = f"Bearer {token}"
        if data or method in ("POST", "PUT", "PATCH"):
            sent["content-type"] = content_type
            sent["content-length"] = str(len(data))
        stream = await trio.open_tcp_stream("127.0.0.1", self.port)
        async with stream:
            conn = h11.Connection(h11.CLIENT)
            out = conn.send(h11.Request(method=method, target=path,
                                        headers=list(sent.items())))
            if data:
                out += conn.send(h11.Data(data=data))
            out += conn.send(h11.EndOfMessage())
            await stream.send_all(out)
            return await read_reply(conn, stream)

    async def raw(self, data: bytes) -> bytes:
        """Send bytes as they are; everything the server answers until it closes."""
        stream = await trio.open_tcp_stream("127.0.0.1", self.port)
        async with stream:
            await stream.send_all(data)
            await stream.send_eof()
            chunks = []
            while chunk := await stream.receive_some(65536):
                chunks.append(chunk)
            return b"".join(chunks)


async def read_reply(conn: h11.Connection, stream: trio.abc.Stream) -> Reply:
    response = None
    chunks: list[bytes] = []
    while True:
        event = conn.next_event()
        if event is h11.NEED_DATA:
            conn.receive_data(await stream.receive_some(65536))
        elif isinstance(event, h11.Response):
            response = event
        elif isinstance(event, h11.Data):
            chunks.append(bytes(event.data))
        elif isinstance(event, h11.EndOfMessage | h11.ConnectionClosed):
            break
    assert response is not None
    headers = {k.decode(): v.decode() for k, v in response.headers}
    return Reply(response.status_code, headers, b"".join(chunks))


@asynccontextmanager
async def served(**config: Any) -> AsyncIterator[Served]:
    """A control plane (local store) plus the HTTP front on a free loopback port."""
    async with ActorSystem(seed=1, log_to_stdout=False, capture_logs=True) as system:
        plane = await start_control_plane(
            system, users=(TokenUser("viewer", VIEWER_TOKEN, ()),))
        listeners = await trio.open_tcp_listeners(0, host="127.0.0.1")
        port = listeners[0].socket.getsockname()[1]
        front = HttpApiConfig(listeners=listeners, apiserver=lambda: plane.apiserver,
                              token=ADMIN_TOKEN, **config)
        ref = await system.start(ChildSpec("http", lambda: HttpApi(front),
                                           host="control-plane"))
        try:
            yield Served(system, plane, port, ref._cell.actor)
        finally:
            for listener in listeners:
                await listener.aclose()
