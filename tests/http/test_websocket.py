"""RFC 6455 framing and the exec channel protocol, sans-I/O: the handshake key, masked
client frames (fragmented, with control frames between), the limits, and what kubectl
reads on the error channel to choose its exit status."""

from __future__ import annotations

import json

import pytest

from kactors.apiserver.http import remotecommand as rc
from kactors.apiserver.http import websocket as ws

MASK = b"\x37\xfa\x21\x3d"
UPGRADE = {"connection": "keep-alive, Upgrade", "upgrade": "websocket",
           "sec-websocket-version": "13", "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ=="}


def test_the_handshake_as_rfc_6455_computes_it() -> None:
    assert ws.accept_key("dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
    assert ws.handshake_error("GET", UPGRADE) is None
    assert ws.is_websocket_upgrade(UPGRADE)
    assert ws.handshake_error("PUT", UPGRADE) == "method PUT cannot upgrade to a WebSocket"
    assert ws.handshake_error("GET", {**UPGRADE, "connection": "close"}) == \
        "missing Connection: Upgrade"
    assert ws.handshake_error("GET", {**UPGRADE, "sec-websocket-version": "8"}) == \
        "unsupported Sec-WebSocket-Version (13 is)"
    assert ws.handshake_error("GET", {**UPGRADE, "sec-websocket-key": "c2hvcnQ="}) == \
        "invalid Sec-WebSocket-Key"
    offered = "v5.channel.k8s.io, v4.channel.k8s.io, base64.channel.k8s.io"
    assert ws.select_protocol(offered, rc.PROTOCOLS) == "v5.channel.k8s.io"
    assert ws.select_protocol("v4.channel.k8s.io", rc.PROTOCOLS) == "v4.channel.k8s.io"
    assert ws.select_protocol("channel.k8s.io", rc.PROTOCOLS) is None


@pytest.mark.parametrize("size", [0, 5, 125, 126, 65535, 65536])
def test_frames_round_trip_at_every_length_encoding(size: int) -> None:
    data = bytes(range(256)) * (size // 256) + bytes(range(size % 256))
    frame = ws.encode_frame(ws.BINARY, data)
    assert frame[0] == 0x82 and not frame[1] & 0x80  # final, binary, never masked
    server_side = ws.FrameReader(masked=False)
    server_side.feed(frame)
    assert server_side.next_message() == ws.Message(ws.BINARY, data)
    reader = ws.FrameReader()
    client = ws.mask_frame(ws.BINARY, data, MASK)
    for i in range(0, len(client), 1000):  # arriving in pieces
        assert reader.next_message() is None
        reader.feed(client[i:i + 1000])
    assert reader.next_message() == ws.Message(ws.BINARY, data)
    assert reader.next_message() is None and not reader.buffer


def test_fragments_are_joined_and_control_frames_come_between() -> None:
    reader = ws.FrameReader()
    reader.feed(ws.mask_frame(ws.BINARY, b"\x00hel", MASK, fin=False)
                + ws.mask_frame(ws.PING, b"beat", MASK)
                + ws.mask_frame(0x0, b"lo", MASK, fin=True)
                + ws.mask_frame(ws.CLOSE, b"\x03\xe8", MASK))
    assert reader.next_message() == ws.Message(ws.PING, b"beat")
    assert reader.next_message() == ws.Message(ws.BINARY, b"\x00hello")
    assert reader.next_message() == ws.Message(ws.CLOSE, b"\x03\xe8")
    assert ws.close_frame(1000) == b"\x88\x02\x03\xe8"


@pytest.mark.parametrize(("data", "code", "message"), [
    (ws.encode_frame(ws.BINARY, b"x"), 1002, "an unmasked frame from the client"),
    (ws.mask_frame(ws.BINARY, b"x" * 2000, MASK), 1009, "frame too big"),
    (bytes([0xC2]) + ws.mask_frame(ws.BINARY, b"x", MASK)[1:], 1002,
     "reserved bits set (no extension was negotiated)"),
    (ws.mask_frame(0x3, b"x", MASK), 1002, "unknown opcode 3"),
    (ws.mask_frame(0x0, b"x", MASK), 1002, "continuation without a message"),
    (ws.mask_frame(ws.PING, b"x", MASK, fin=False), 1002, "invalid control frame"),
])
def test_broken_frames_end_the_connection(data: bytes, code: int, message: str) -> None:
    reader = ws.FrameReader(max_message=1024)
    reader.feed(data)
    with pytest.raises(ws.WebSocketError, match="^" + message.replace("(", r"\(")
                       .replace(")", r"\)") + "$") as caught:
        reader.next_message()
    assert caught.value.code == code


def test_fragments_may_not_add_up_beyond_the_limit() -> None:
    reader = ws.FrameReader(max_message=1024)
    reader.feed(ws.mask_frame(ws.BINARY, b"x" * 600, MASK, fin=False)
                + ws.mask_frame(0x0, b"x" * 600, MASK))
    with pytest.raises(ws.WebSocketError, match="message too big"):
        reader.next_message()


def test_the_channel_protocol_messages() -> None:
    assert rc.channel_message(rc.STDOUT, b"hi\n") == b"\x01hi\n"
    assert rc.parse_client_message(b"\x00ls\n") == rc.ClientMessage("stdin", b"ls\n")
    assert rc.parse_client_message(b"\xff\x00") == rc.ClientMessage("close", channel=0)
    assert rc.parse_client_message(b'\x04{"Width":80,"Height":24}') == \
        rc.ClientMessage("resize", width=80, height=24)
    assert rc.parse_client_message(b"\x04not json").kind == "ignored"
    assert rc.parse_client_message(b"").kind == "ignored"
    assert rc.parse_client_message(b"\x01x").kind == "ignored"  # stdout is the server's


def test_the_status_kubectl_decodes_into_its_exit_code() -> None:
    assert rc.exit_status(0, ["true"]) == {"metadata": {}, "status": "Success"}
    failed = rc.exit_status(3, ["sh", "-c", "exit 3"])
    # client-go's errorDecoderV4: Failure + NonZeroExitCode + a cause of type ExitCode
    # (JSON "reason") whose message parses as the code
    assert failed["status"] == "Failure" and failed["reason"] == "NonZeroExitCode"
    assert failed["details"]["causes"] == [{"reason": "ExitCode", "message": "3"}]
    assert failed["message"] == ("command terminated with non-zero exit code: error "
                                 "executing command [sh -c exit 3], exit code 3")
    broken = rc.failure_status("exec failed")
    assert (broken["reason"], broken["code"]) == ("InternalError", 500)
    assert broken["message"] == "Internal error occurred: exec failed"
    json.dumps(broken)  # what goes on channel 3 is JSON
