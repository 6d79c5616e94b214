"""A watch over HTTP: apiserver watch events become a chunked stream of JSON lines.

The ApiServer delivers a watch's events as messages to an actor (the ``watcher``). For an
HTTP client that actor is a :class:`WatchRelay`, spawned for that one watch: it puts the
events into a bounded trio channel that the connection's task writes out, one JSON object
per line (``{"type": "ADDED", "object": {...}}``), as kube-apiserver does.

Everything the watch holds is released however it ends: the client goes away (the
connection task is cancelled), ``timeoutSeconds`` passes (the apiserver closes it), or the
client reads too slowly (the relay's buffer fills: the stream ends, and the client watches
again from its last resourceVersion, as with Kubernetes' slow-watcher termination). The
task tells the apiserver ``StopWatch`` and stops the relay; the apiserver also watches the
relay, so its death alone frees the watch even if the StopWatch were lost.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import attrs
import trio

from kactors.actors import Actor
from kactors.apiserver.messages import ApiWatchClosed, ApiWatchEvent

__all__ = ["WatchRelay", "encode_event", "encode_events"]

#: events buffered per watch before the client counts as too slow
WATCH_BUFFER = 10_000


@attrs.frozen
class StopRelay:
    pass


class WatchRelay(Actor):
    """Forwards one watch's events into a channel; ends the channel when the watch ends
    (closed by the server, a gap in sequence numbers, or a full buffer)."""

    def __init__(self, send: trio.MemorySendChannel[Any]) -> None:
        self.send = send
        self.next_seq = 1
        self.open = True

    def _end(self) -> None:
        if self.open:
            self.open = False
            self.send.close()

    def receive(self, message: Any) -> Any:
        if isinstance(message, ApiWatchEvent):
            if not self.open:
                return None
            if message.seq and message.seq != self.next_seq:
                self._end()  # an event went missing: the client must watch again
                return None
            self.next_seq += 1
            try:
                self.send.send_nowait(message)
            except trio.WouldBlock:
                self.ctx.log.warning("http.watch_too_slow", buffered=WATCH_BUFFER)
                self._end()
            except (trio.BrokenResourceError, trio.ClosedResourceError):
                self._end()
            return None
        if isinstance(message, ApiWatchClosed):
            self._end()
            return None
        if isinstance(message, StopRelay):
            self._end()
            self.ctx.stop()
            return None
        return super().receive(message)

    async def stopped(self) -> None:
        self._end()


def encode_event(kind: str, obj: Any) -> bytes:
    """One watch event as Kubernetes frames it over HTTP: a JSON object and a newline."""
    return json.dumps({"type": kind, "object": obj}, separators=(",", ":")).encode() + b"\n"


def encode_events(events: list[ApiWatchEvent],
                  transform: Callable[[str, Any], Any] | None = None) -> bytes:
    """Several events as one write (a batch drained from the relay's channel)."""
    if transform is None:
        return b"".join(encode_event(e.type, e.object) for e in events)
    return b"".join(encode_event(e.type, transform(e.type, e.object)) for e in events)
