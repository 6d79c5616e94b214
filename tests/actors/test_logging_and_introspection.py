"""Structured logs (JSON lines, console lines, redaction, message tracing) and tree()."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
import trio

from kactors.actors import Actor, ActorRef, ChildSpec, Secret, SupervisionPolicy, Supervisor
from kactors.actors.logging import REDACTED, redact

from .helpers import Counter, Echo, events, new_system


class Chatty(Actor):
    """Logs what it is told to log; forwards ("to", ref, message) with a tell."""

    def receive(self, message: Any) -> Any:
        match message:
            case ("log", fields):
                self.ctx.log.info("chatty.said", **fields)
            case ("to", ActorRef() as ref, payload):
                ref.tell(payload)
        return None


async def test_json_lines_start_with_ts_actor_event(autojump_clock: Any) -> None:
    stream = io.StringIO()
    async with new_system(log_format="json", log_stream=stream) as system:
        chatty = await system.start(Chatty, name="chatty")
        await trio.sleep(1.25)
        await chatty.ask(("log", {"pods": 3, "ok": True}))
    lines = stream.getvalue().splitlines()
    assert len(lines) == len(events(system)) >= 5
    for line in lines:
        assert line.startswith('{"ts": '), line
        assert list(json.loads(line))[:4] == ["ts", "actor", "event", "level"], line
    said = [json.loads(line) for line in lines if '"chatty.said"' in line]
    assert said == [{"ts": 1.25, "actor": "/chatty", "event": "chatty.said", "level": "info",
                     "pods": 3, "ok": True}]
    assert list(events(system, "chatty.said")[0]) == ["ts", "actor", "event", "level", "pods",
                                                      "ok"]


async def test_console_lines_are_aligned_and_readable(autojump_clock: Any) -> None:
    stream = io.StringIO()
    async with new_system(log_stream=stream) as system:
        chatty = await system.start(Chatty, name="chatty")
        await trio.sleep(2)
        await chatty.ask(("log", {"note": "two words", "n": 1}))
    line = next(line for line in stream.getvalue().splitlines() if "chatty.said" in line)
    assert line.startswith("     2.000 ")
    assert "/chatty" in line and 'note="two words"' in line and line.endswith("n=1")


async def test_secrets_are_redacted_by_field_name_and_by_type(autojump_clock: Any) -> None:
    stream = io.StringIO()
    fields = {"token": "tok-123", "user": "bob", "db_password": "pw-456", "api_key": None,
              "auth": Secret("sec-789"), "nested": {"bearer_token": "tok-2", "inner":
                                                    Secret("sec-3"), "fine": 1},
              "items": ["ok", Secret("sec-4")], "pair": ("a", "b")}
    async with new_system(log_format="json", log_stream=stream) as system:
        chatty = await system.start(Chatty, name="chatty")
        await chatty.ask(("log", fields))
    record = events(system, "chatty.said")[0]
    assert {k: v for k, v in record.items() if k not in ("ts", "actor", "event", "level")} == {
        "token": REDACTED, "user": "bob", "db_password": REDACTED, "api_key": None,
        "auth": REDACTED, "nested": {"bearer_token": REDACTED, "inner": REDACTED, "fine": 1},
        "items": ["ok", REDACTED], "pair": ("a", "b")}
    text = stream.getvalue()
    for secret in ("tok-123", "pw-456", "sec-789", "tok-2", "sec-3", "sec-4"):
        assert secret not in text
    assert repr(Secret("hunter2")) == REDACTED
    assert Secret("hunter2") == "hunter2"  # still usable as the string it is


def test_redact_leaves_ordinary_values_alone() -> None:
    event = {"ts": 1.0, "actor": "/a", "event": "e", "Authorization": "Bearer x",
             "PASSWORD": "p", "count": [1, 2], "when": None}
    assert redact(dict(event)) == {**event, "Authorization": REDACTED, "PASSWORD": REDACTED}


async def test_trace_messages_logs_each_delivery_with_sender_and_receiver(
        autojump_clock: Any) -> None:
    async with new_system(trace_messages=True) as system:
        a = await system.start(Chatty, name="a")
        b = await system.start(ChildSpec("b", lambda: Supervisor([ChildSpec("echo", Echo)])))
        echo = system.lookup("/b/echo")
        assert echo is not None
        a.tell(("to", echo, 42))
        await trio.sleep(0.1)
        assert await echo.ask("direct") == "direct"
    delivered = [(e["actor"], e["message"], e["sender"], e["receiver"])
                 for e in events(system, "msg.delivered")]
    assert delivered == [("/a", "tuple", "-", "/a"), ("/b/echo", "int", "/a", "/b/echo"),
                         ("/b/echo", "str", "-", "/b/echo")]
    assert b._cell.processed == 0


async def test_no_message_tracing_by_default(autojump_clock: Any) -> None:
    async with new_system() as system:
        echo = await system.start(Echo, name="echo")
        await echo.ask("x")
    assert events(system, "msg.delivered") == []


async def test_log_level_filters_records(autojump_clock: Any) -> None:
    async with new_system(log_level="warning") as system:
        counter = await system.start(Counter, name="c", restart="temporary")
        with pytest.raises(ValueError):
            await counter.ask("boom")
    assert [(e["level"], e["event"]) for e in events(system)] == [("error", "actor.crashed")]


@pytest.mark.parametrize(("option", "message"), [
    ({"log_format": "xml"}, "log format must be 'console' or 'json', got 'xml'"),
    ({"log_level": "loud"},
     "log level must be one of debug, info, warning, error, critical, off, got 'loud'"),
])
def test_bad_log_options(option: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError) as info:
        new_system(**option)  # type: ignore[arg-type]
    assert str(info.value) == message


async def test_tree_shows_paths_states_mailboxes_counters_and_restarts(
        autojump_clock: Any) -> None:
    class Busy(Actor):
        async def receive(self, message: Any) -> Any:
            await trio.sleep(100)

    async with new_system() as system:
        await system.start(ChildSpec("sup", lambda: Supervisor(
            [ChildSpec("counter", Counter), ChildSpec("busy", Busy, host="n1")],
            SupervisionPolicy(intensity=5))))
        counter = system.lookup("/sup/counter")
        busy = system.lookup("/sup/busy")
        assert counter is not None and busy is not None
        for message in ("inc", "inc", "boom", "inc"):
            counter.tell(message)
        for i in range(4):
            busy.tell(i)  # the first is being handled, 3 wait
        await trio.sleep(1)
        assert system.tree() == {
            "path": "/", "state": "running", "host": None, "mailbox": 0, "processed": 0,
            "restarts": 0, "children": [{
                "path": "/sup", "state": "running", "host": None, "mailbox": 0,
                "processed": 0, "restarts": 0, "children": [
                    {"path": "/sup/counter", "state": "running", "host": None, "mailbox": 0,
                     "processed": 4, "restarts": 1, "children": []},
                    {"path": "/sup/busy", "state": "running", "host": "n1", "mailbox": 3,
                     "processed": 0, "restarts": 0, "children": []},
                ]}]}
    assert system.tree()["state"] == "dead" and system.tree()["children"] == []
