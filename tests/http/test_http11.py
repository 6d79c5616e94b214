"""The HTTP/1.1 codec (sans-I/O): requests from bytes, however they are split, and what
it refuses."""

from __future__ import annotations

import pytest

from kactors.apiserver.http.http11 import ProtocolError, RequestParser, chunk, response_head


def parse_all(data: bytes, max_body: int = 1000, step: int | None = None) -> list:
    parser = RequestParser(max_body)
    found = []
    pieces = [data] if step is None else [data[i:i + step] for i in range(0, len(data), step)]
    for piece in pieces:
        parser.feed(piece)
        while (request := parser.next_request()) is not None:
            found.append(request)
    return found


def test_requests_split_anywhere_and_pipelined() -> None:
    data = (b"GET /api/v1/pods?limit=1 HTTP/1.1\r\nHost: x\r\nAccept: a\r\nAccept: b\r\n\r\n"
            b"POST /api/v1/namespaces/d/pods HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n"
            b"Connection: close\r\n\r\nbody"
            b"PUT /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
            b"3;ext=1\r\nabc\r\n2\r\nde\r\n0\r\nTrailer: t\r\n\r\n")
    for step in (None, 1, 7):
        found = parse_all(data, step=step)
        assert [(r.method, r.target, r.body, r.keep_alive) for r in found] == [
            ("GET", "/api/v1/pods?limit=1", b"", True),
            ("POST", "/api/v1/namespaces/d/pods", b"body", False),
            ("PUT", "/x", b"abcde", True)]
        assert found[0].headers["accept"] == "a, b"


def test_http10_keep_alive_only_when_asked() -> None:
    plain, kept = parse_all(b"GET / HTTP/1.0\r\n\r\nGET / HTTP/1.0\r\nConnection: Keep-Alive"
                            b"\r\n\r\n")
    assert (plain.http10, plain.keep_alive, kept.keep_alive) == (True, False, True)


@pytest.mark.parametrize(("data", "status"), [
    (b"NOT HTTP AT ALL\r\n\r\n", 400),
    (b"GET / HTTP/2.0\r\nHost: x\r\n\r\n", 400),
    (b"GET / HTTP/1.1\r\n\r\n", 400),  # no Host
    (b"GET / HTTP/1.1\r\nHost: x\r\nbad header\r\n\r\n", 400),
    (b"GET / HTTP/1.1\r\nHost: x\r\n folded: no\r\n\r\n", 400),
    (b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n", 400),
    (b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n",
     400),
    (b"GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 501),
    (b"GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400),
    (b"GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabcd", 400),
    (b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1001\r\n\r\n", 413),
    (b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3e9\r\n", 413),
    (b"GET /" + b"a" * 70_000, 431),
])
def test_refusals(data: bytes, status: int) -> None:
    with pytest.raises(ProtocolError) as error:
        parse_all(data)
    assert error.value.status == status


def test_end_of_input_mid_request() -> None:
    parser = RequestParser(100)
    parser.feed(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nab")
    assert parser.next_request() is None
    parser.feed(b"")
    with pytest.raises(ProtocolError):
        parser.next_request()
    idle = RequestParser(100)
    idle.feed(b"")
    assert idle.next_request() is None and idle.eof


def test_expect_continue_is_noticed_before_the_body() -> None:
    parser = RequestParser(100)
    parser.feed(b"POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n")
    assert parser.next_request() is None and parser.expects_continue
    parser.feed(b"{}")
    assert parser.next_request().body == b"{}" and not parser.expects_continue


def test_responses() -> None:
    assert response_head(200, [("Content-Type", "application/json")], length=2,
                         close=False) == (b"HTTP/1.1 200 OK\r\nContent-Type: application/json"
                                          b"\r\nContent-Length: 2\r\n\r\n")
    streamed = response_head(200, [], length=None, close=False)
    assert streamed.endswith(b"Transfer-Encoding: chunked\r\n\r\n")
    old = response_head(200, [], length=None, close=False, http10=True)
    assert b"chunked" not in old and old.endswith(b"Connection: close\r\n\r\n")
    assert chunk(b"hello") == b"5\r\nhello\r\n" and chunk(b"hello", http10=True) == b"hello"
    assert chunk(b"") == b""
