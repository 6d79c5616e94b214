"""``kubectl exec`` over a WebSocket: the upgrade answer and the session loop.

The front answers an exec request the apiserver allowed (a
:class:`~kactors.apiserver.podexec.PodExec`) with ``101 Switching Protocols`` and the
channel protocol it picked (:mod:`.remotecommand`), then this loop owns the connection:

* one task reads the client's frames (:mod:`.websocket`): stdin (channel 0) goes to the
  session, ``[255, 0]`` (v5) or the end of the connection closes stdin, pings get pongs,
  resizes are ignored (the simulated terminal has no size), a CLOSE is answered;
* the session (the kubelet's :class:`~kactors.apiserver.podexec.ExecTarget`) writes stdout and
  stderr (channels 1 and 2) as the command produces them;
* at the end, the outcome goes on channel 3 as a ``metav1.Status`` and the WebSocket is
  closed (1000). A client that goes away ends the session (``None``: no exit code).

Where Kubernetes' apiserver would proxy the stream to the kubelet's streaming server,
the front runs the session itself over the view the kubelet handed over: one process,
no second hop to simulate.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable
from typing import Any

import trio

from kactors.apiserver.podexec import ExecOutcome, PodExec

from . import remotecommand as rc
from . import websocket as ws

__all__ = ["serve_exec", "upgrade_headers"]

READ_SIZE = 64 * 1024
#: seconds to wait for the client's CLOSE after ours
CLOSE_GRACE = 1.0


def upgrade_headers(key: str, protocol: str) -> tuple[tuple[str, str], ...]:
    return (("Upgrade", "websocket"), ("Connection", "Upgrade"),
            ("Sec-WebSocket-Accept", ws.accept_key(key)),
            ("Sec-WebSocket-Protocol", protocol))


async def serve_exec(stream: trio.abc.Stream, buffered: bytes, target: PodExec, *,
                     clock: Callable[[], datetime.datetime], exec_id: str,
                     done: Callable[[ExecOutcome | None], Any]) -> None:
    """Run the session over the upgraded ``stream``; ``done(outcome)`` is called once at
    the end (None when the client left first)."""
    options = target.options
    send_lock = trio.Lock()
    reader = ws.FrameReader()
    reader.feed(buffered)
    stdin_send, stdin_receive = trio.open_memory_channel[bytes](64)
    outcome: ExecOutcome | None = None
    peer_closed = trio.Event()  # the client sent CLOSE, or went away
    close_sent = False

    async def send(frame: bytes) -> None:
        async with send_lock:
            await stream.send_all(frame)

    async def write(channel: int, data: bytes) -> None:
        if channel == rc.STDOUT and not options.stdout or \
                channel == rc.STDERR and not (options.stderr or options.tty):
            return
        await send(ws.encode_frame(ws.BINARY, rc.channel_message(channel, data)))

    async def next_message() -> ws.Message | None:
        """The client's next message; None when the connection ended."""
        while True:
            message = reader.next_message()
            if message is not None:
                return message
            try:
                data = await stream.receive_some(READ_SIZE)
            except (trio.BrokenResourceError, trio.ClosedResourceError):
                data = b""
            if not data:
                return None
            reader.feed(data)

    async def close(code: int = 1000, reason: str = "") -> None:
        nonlocal close_sent
        if not close_sent:
            close_sent = True
            await send(ws.close_frame(code, reason))

    async def read_client(session: trio.CancelScope) -> None:
        try:
            while True:
                message = await next_message()
                if message is None:
                    break
                if message.opcode == ws.CLOSE:
                    await close()  # RFC 6455 5.5.1: answered, unless we closed first
                    break
                if message.opcode == ws.PING:
                    await send(ws.encode_frame(ws.PONG, message.data))
                elif message.opcode == ws.BINARY:
                    event = rc.parse_client_message(message.data)
                    if event.kind == "stdin" and options.stdin and event.data:
                        await stdin_send.send(event.data)
                    elif event.kind == "close" and event.channel == rc.STDIN:
                        await stdin_send.aclose()
        except ws.WebSocketError as error:
            await close(error.code, str(error))
        except trio.ClosedResourceError:  # stdin after its close
            pass
        peer_closed.set()
        session.cancel()  # a no-op once the session is over

    try:
        async with trio.open_nursery() as nursery:
            with trio.CancelScope() as session:
                nursery.start_soon(read_client, session)
                outcome = await target.target.run(
                    options.command, write,
                    stdin=stdin_receive if options.stdin else None, tty=options.tty,
                    clock=clock, exec_id=exec_id)
            if outcome is not None and not peer_closed.is_set():
                status = (rc.exit_status(outcome.exit_code, options.command)
                          if outcome.exit_code is not None
                          else rc.failure_status(outcome.error or "exec failed"))
                await write(rc.ERROR, json.dumps(status).encode())
                await close()
                with trio.move_on_after(CLOSE_GRACE):
                    await peer_closed.wait()
            nursery.cancel_scope.cancel()
    except (trio.BrokenResourceError, trio.ClosedResourceError):
        pass
    finally:
        done(outcome)
