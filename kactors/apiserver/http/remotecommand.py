"""The channel protocol of ``pods/exec`` over a WebSocket (sans-I/O).

What kubectl and the kubelet's streaming server say to each other (k8s.io/apimachinery
``util/remotecommand``, client-go ``tools/remotecommand``): every binary message starts
with a channel byte, the rest is that channel's data:

====  ==========================================================================
0     stdin (client -> server)
1     stdout, 2 stderr (server -> client)
3     error: the outcome, a ``metav1.Status`` as JSON (v4 and later)
4     resize: ``{"Width": w, "Height": h}`` (client -> server, with a tty)
255   close (v5): ``[255, channel]``, the client has no more stdin
====  ==========================================================================

The outcome decides kubectl's exit status: ``Success``, or ``Failure`` with reason
``NonZeroExitCode`` and a cause ``{reason: ExitCode, message: "3"}``, which client-go's
``errorDecoderV4`` turns into an exit error with that code ("command terminated with
exit code 3"). Any other Failure is printed as an error (exit 1).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import attrs

__all__ = ["CLOSE", "ERROR", "PROTOCOLS", "RESIZE", "STDERR", "STDIN", "STDOUT",
           "ClientMessage", "channel_message", "exit_status", "failure_status",
           "parse_client_message"]

#: what we speak, by preference; kubectl v1.32 offers v5 only over WebSockets
PROTOCOLS = ("v5.channel.k8s.io", "v4.channel.k8s.io")
STDIN, STDOUT, STDERR, ERROR, RESIZE = 0, 1, 2, 3, 4
CLOSE = 255


@attrs.frozen
class ClientMessage:
    """What a client message says: ``kind`` is ``stdin`` (``data``), ``resize``
    (``width``, ``height``), ``close`` (``channel``), or ``ignored``."""

    kind: str
    data: bytes = b""
    channel: int = 0
    width: int = 0
    height: int = 0


def channel_message(channel: int, data: bytes) -> bytes:
    """A message's payload on ``channel`` (to be sent as one BINARY message)."""
    return bytes((channel,)) + data


def parse_client_message(payload: bytes) -> ClientMessage:
    """What the client sent in one BINARY message."""
    if not payload:
        return ClientMessage("ignored")
    channel, data = payload[0], payload[1:]
    if channel == STDIN:
        return ClientMessage("stdin", data)
    if channel == CLOSE:
        return ClientMessage("close", channel=data[0] if data else STDIN)
    if channel == RESIZE:
        try:
            size = json.loads(data)
            return ClientMessage("resize", width=int(size.get("Width", 0)),
                                 height=int(size.get("Height", 0)))
        except (ValueError, AttributeError, TypeError):
            return ClientMessage("ignored")
    return ClientMessage("ignored")


def exit_status(code: int, command: Sequence[str]) -> dict[str, Any]:
    """The outcome of a command that ran: what the kubelet's streaming server writes on
    the error channel (containerd's exit error message inside it)."""
    if code == 0:
        return {"metadata": {}, "status": "Success"}
    argv = "[" + " ".join(command) + "]"
    return {"metadata": {}, "status": "Failure",
            "message": "command terminated with non-zero exit code: error executing "
                       f"command {argv}, exit code {code}",
            "reason": "NonZeroExitCode",
            "details": {"causes": [{"reason": "ExitCode", "message": str(code)}]}}


def failure_status(message: str) -> dict[str, Any]:
    """A command that could not run at all: an InternalError Status (kubectl prints
    ``error: Internal error occurred: ...`` and exits 1)."""
    return {"metadata": {}, "status": "Failure",
            "message": f"Internal error occurred: {message}",
            "reason": "InternalError", "code": 500,
            "details": {"causes": [{"message": message}]}}
