"""tell, send, ask, mailboxes and dead letters."""

from __future__ import annotations

from typing import Any

import pytest
import trio

from kactors.actors import (
    Actor,
    ActorStopped,
    AskTimeout,
    ChildSpec,
    InvalidTimeout,
    MailboxFull,
    SupervisionPolicy,
    Supervisor,
)
from kactors.actors.cell import BATCH

from .helpers import Counter, Echo, StepCounter, events, new_system, timeline


class Slow(Actor):
    """Takes `seconds` of cluster time per message."""

    def __init__(self, seconds: float = 1.0) -> None:
        self.seconds = seconds
        self.handled: list[Any] = []

    async def receive(self, message: Any) -> Any:
        await trio.sleep(self.seconds)
        self.handled.append(message)
        return message


# -- ask -------------------------------------------------------------------------------------

async def test_ask_returns_the_reply(autojump_clock: Any) -> None:
    async with new_system() as system:
        counter = await system.start(Counter, name="counter")
        assert await counter.ask("inc") == 1
        assert await counter.ask("inc") == 2
        assert await counter.ask("get") == 2
        echo = await system.start(Echo, name="echo")
        assert await echo.ask({"a": [1, 2]}) == {"a": [1, 2]}


async def test_ask_whose_handler_raises_reraises_and_the_actor_is_restarted(
        autojump_clock: Any) -> None:
    async with new_system() as system:
        counter = await system.start(Counter, name="counter")
        await counter.ask("inc")
        with pytest.raises(ValueError, match="^boom in /counter$"):
            await counter.ask("boom")
        # the same ref reaches the new incarnation, whose state is fresh
        assert await counter.ask("get") == 0
        assert timeline(system, "actor.crashed", "actor.restarted") == [
            ("/counter", "actor.crashed"), ("/counter", "actor.restarted")]
        crashed = events(system, "actor.crashed", "/counter")[0]
        assert crashed["reason"] == "crashed: ValueError: boom in /counter"
        assert crashed["level"] == "error"
        assert events(system, "actor.restarted", "/counter")[0]["restarts"] == 1
        assert counter._cell.restarts == 1


async def test_ask_timeout_raises_ask_timeout_with_its_message(autojump_clock: Any) -> None:
    async with new_system() as system:
        slow = await system.start(lambda: Slow(100.0), name="slow")
        start = trio.current_time()
        with pytest.raises(AskTimeout) as info:
            await slow.ask("hello", timeout=2.5)
        assert str(info.value) == (
            "ask to /slow timed out after 2.5s waiting for a reply to str")
        assert isinstance(info.value, TimeoutError)
        assert info.value.path == "/slow" and info.value.timeout == 2.5
        assert trio.current_time() - start == pytest.approx(2.5)


async def test_ask_uses_the_default_timeout_of_five_seconds(autojump_clock: Any) -> None:
    async with new_system() as system:
        slow = await system.start(lambda: Slow(100.0), name="slow")
        start = trio.current_time()
        with pytest.raises(AskTimeout, match=r"^ask to /slow timed out after 5s "):
            await slow.ask("hello")
        assert trio.current_time() - start == pytest.approx(5.0)


async def test_ask_to_a_dead_actor_raises_actor_stopped(autojump_clock: Any) -> None:
    async with new_system() as system:
        echo = await system.start(Echo, name="echo")
        await system.stop(echo)
        assert not echo.alive
        with pytest.raises(ActorStopped) as info:
            await echo.ask("anyone?")
        assert str(info.value) == "ask to /echo failed: actor is stopped"
        assert system.dead_letters == 1


async def test_ask_to_an_actor_that_stops_before_replying_raises_actor_stopped(
        autojump_clock: Any) -> None:
    """The actor stops itself while asks are queued behind the stop: as in Akka, the queued
    messages of an actor that stops for good become dead letters and their askers fail."""
    async with new_system() as system:
        counter = await system.start(Counter, name="counter", restart="transient")
        results: list[Any] = []

        async def ask(message: str) -> None:
            try:
                results.append(await counter.ask(message))
            except ActorStopped as exc:
                results.append(str(exc))

        async with trio.open_nursery() as nursery:
            counter.tell("stop")
            for _ in range(3):
                nursery.start_soon(ask, "inc")
        assert results == ["ask to /counter failed: actor stopped before it replied"] * 3
        assert system.dead_letters == 3
        assert not counter.alive


async def test_ask_pending_when_the_actor_is_stopped_from_outside_raises_actor_stopped(
        autojump_clock: Any) -> None:
    """An ask being handled when the actor is killed (shutdown timeout) fails at once."""
    async with new_system() as system:
        slow = await system.start(lambda: Slow(100.0), name="slow", shutdown=1.0)

        async def stop_later() -> None:
            await trio.sleep(0.5)  # the ask is being handled by then
            await system.stop(slow)

        async with trio.open_nursery() as nursery:
            nursery.start_soon(stop_later)
            with pytest.raises(ActorStopped,
                               match="^ask to /slow failed: actor stopped before it replied$"):
                await slow.ask("work", timeout=50)
            assert trio.current_time() == pytest.approx(1.5)  # 0.5 + the shutdown timeout


async def test_asks_queued_behind_a_self_stop_of_a_permanent_actor_reach_its_next_incarnation(
        autojump_clock: Any) -> None:
    """A permanent child is restarted after a normal stop; its mailbox (Akka-style, the
    cell outlives incarnations) keeps the queued messages, so the asks are answered."""
    async with new_system() as system:
        counter = await system.start(Counter, name="counter")
        counter.tell("inc")
        counter.tell("stop")
        assert await counter.ask("inc") == 1  # the fresh incarnation counted from zero
        assert timeline(system, "actor.stopped", "actor.restarted") == [
            ("/counter", "actor.stopped"), ("/counter", "actor.restarted")]


@pytest.mark.parametrize(("timeout", "shown"), [(0, "0"), (-1, "-1"), (-0.5, "-0.5"),
                                                ("1", "'1'"), (None, "None")])
async def test_ask_timeout_must_be_a_positive_number(
        autojump_clock: Any, timeout: Any, shown: str) -> None:
    async with new_system() as system:
        echo = await system.start(Echo, name="echo")
        with pytest.raises(InvalidTimeout) as info:
            await echo.ask("x", timeout=timeout)
        assert str(info.value) == f"ask timeout must be a number > 0, got {shown}"
        assert isinstance(info.value, ValueError)
        assert await echo.ask("still fine") == "still fine"


# -- tell and send ---------------------------------------------------------------------------

async def test_tell_never_waits(autojump_clock: Any) -> None:
    async with new_system() as system:
        echo = await system.start(Echo, name="echo", mailbox_capacity=2000)
        cell = echo._cell
        with trio.CancelScope() as scope:
            scope.cancel()  # any checkpoint inside would raise Cancelled
            for i in range(1000):
                assert echo.tell(i) is None
        assert not scope.cancelled_caught
        assert len(cell.mailbox) == 1000 and cell.processed == 0
        assert await echo.ask("last") == "last"
        assert cell.processed == 1001


async def test_tell_to_a_full_mailbox_raises_mailbox_full(autojump_clock: Any) -> None:
    async with new_system() as system:
        slow = await system.start(Slow, name="x", mailbox_capacity=2)
        slow.tell(1)
        slow.tell(2)
        with pytest.raises(MailboxFull) as info:
            slow.tell(3)
        assert str(info.value) == "mailbox of /x is full (capacity 2)"
        assert info.value.path == "/x" and info.value.capacity == 2
        with pytest.raises(MailboxFull, match=r"^mailbox of /x is full \(capacity 2\)$"):
            await slow.ask(4)
        await trio.sleep(10)
        assert slow._cell.actor.handled == [1, 2]  # type: ignore[union-attr]


async def test_send_waits_for_room_and_completes_after_the_actor_drains(
        autojump_clock: Any) -> None:
    async with new_system() as system:
        slow = await system.start(Slow, name="x", mailbox_capacity=2)  # 1 s per message
        sent_at = []
        for i in range(6):
            await slow.send(i)
            sent_at.append(trio.current_time())
        # 0 and 1 fit; 2 fits as soon as the actor takes 0; each later one waits for the
        # actor to take the next message, one per second of cluster time
        assert sent_at == pytest.approx([0, 0, 0, 1, 2, 3])
        await trio.sleep(10)
        assert slow._cell.actor.handled == [0, 1, 2, 3, 4, 5]  # type: ignore[union-attr]


async def test_send_to_a_stopped_actor_is_a_dead_letter(autojump_clock: Any) -> None:
    async with new_system() as system:
        echo = await system.start(Echo, name="echo")
        await system.stop(echo)
        await echo.send("late")
        assert system.dead_letters == 1


async def test_send_blocked_on_a_full_mailbox_of_an_actor_that_stops_is_a_dead_letter(
        autojump_clock: Any) -> None:
    async with new_system() as system:
        slow = await system.start(lambda: Slow(100.0), name="x", mailbox_capacity=1,
                                  shutdown=0)
        slow.tell(1)
        await trio.sleep(0.1)  # the actor is busy with 1 for 100 s
        slow.tell(2)  # fills the mailbox
        async with trio.open_nursery() as nursery:
            nursery.start_soon(slow.send, 3)  # blocks: no room
            await trio.sleep(1)
            await system.stop(slow)
        # 2 was queued and 3 was waiting for room: both are dead letters
        assert system.dead_letters == 2
        assert [e["message"] for e in events(system, "deadletter")] == ["int", "int"]


@pytest.mark.parametrize(("messages", "wakeups"), [(1, 1), (100, 1), (BATCH, 2),
                                                   (3 * BATCH - 10, 3)])
async def test_batch_draining_handles_all_queued_messages_per_wake_up(
        autojump_clock: Any, messages: int, wakeups: int) -> None:
    """Many tells and then one wake-up handle them all, up to BATCH per task step (then the
    actor yields to others, for fairness)."""
    async with new_system() as system:
        echo = await system.start(Echo, name="echo", mailbox_capacity=10 * BATCH)
        await trio.sleep(1)
        probe = StepCounter("/echo")
        trio.lowlevel.add_instrument(probe)
        try:
            for i in range(messages):
                echo.tell(i)
            await trio.sleep(1)
        finally:
            trio.lowlevel.remove_instrument(probe)
        assert echo._cell.processed == messages
        assert echo._cell.actor.seen == list(range(messages))  # type: ignore[union-attr]
        assert probe.steps == wakeups
        assert system.tree()["children"][0]["processed"] == messages


async def test_a_crash_counts_the_crashing_message_as_processed(autojump_clock: Any) -> None:
    async with new_system() as system:
        sup = await system.start(ChildSpec(
            "sup", lambda: Supervisor([ChildSpec("c", Counter)],
                                      SupervisionPolicy(intensity=5))))
        counter = system.lookup("/sup/c")
        assert counter is not None
        for message in ("inc", "inc", "boom", "inc"):
            counter.tell(message)
        assert await counter.ask("get") == 1
        assert counter._cell.processed == 5
        assert sup._cell.processed == 0


# -- dead letters ----------------------------------------------------------------------------

async def test_messages_to_a_stopped_actor_are_dead_letters(autojump_clock: Any) -> None:
    async with new_system() as system:
        echo = await system.start(Echo, name="echo")
        await system.stop(echo)
        echo.tell("one")
        echo.tell(2)
        assert system.dead_letters == 2
        letters = events(system, "deadletter")
        assert [(e["to"], e["message"], e["why"]) for e in letters] == [
            ("/echo", "str", "actor is stopped"), ("/echo", "int", "actor is stopped")]
        assert all(e["actor"] == "/" for e in letters)


async def test_queued_messages_of_an_actor_that_stops_become_dead_letters(
        autojump_clock: Any) -> None:
    async with new_system() as system:
        counter = await system.start(Counter, name="counter", restart="temporary")
        counter.tell("inc")
        counter.tell("stop")
        counter.tell("inc")
        counter.tell(3.5)
        await trio.sleep(1)
        assert not counter.alive
        assert system.dead_letters == 2
        assert [(e["to"], e["message"], e["why"]) for e in events(system, "deadletter")] == [
            ("/counter", "str", "actor stopped"), ("/counter", "float", "actor stopped")]
        assert counter._cell.processed == 2


async def test_deferred_reply_is_settled_later_while_the_actor_goes_on(autojump_clock):
    """defer_reply: the handler returns at once; the answer comes with a later message."""
    from kactors.actors import Actor, ActorSystem

    class Batcher(Actor):
        def __init__(self) -> None:
            self.pending = []

        def receive(self, message):
            if message == "flush":
                for n, handle in self.pending:
                    handle.set(n * 10)
                self.pending.clear()
                return len(self.pending)
            if message == "fail":
                self.ctx.defer_reply().fail(KeyError("nope"))
                return None
            self.pending.append((message, self.ctx.defer_reply()))
            return "ignored: deferred"

    async with ActorSystem(seed=1, log_to_stdout=False) as system:
        ref = await system.start(Batcher, name="batcher")
        results = {}

        async def ask(n):
            results[n] = await ref.ask(n, timeout=1.0)

        async with trio.open_nursery() as nursery:
            for n in (1, 2, 3):
                nursery.start_soon(ask, n)
            await trio.sleep(0.1)
            assert results == {}  # all three parked, the actor free
            ref.tell("flush")
        assert results == {1: 10, 2: 20, 3: 30}
        with pytest.raises(KeyError, match="nope"):
            await ref.ask("fail")
        ref.tell(4)  # a tell's deferred handle is a no-op
        assert await ref.ask("flush") == 0


class Peeker(Actor):
    """Records, per message, whether others waited behind it."""

    def __init__(self) -> None:
        self.seen: list[tuple[Any, bool]] = []

    def receive(self, message: Any) -> Any:
        self.seen.append((message, self.ctx.has_queued()))
        return None


async def test_has_queued_tells_whether_messages_wait_behind_this_one(
        autojump_clock: Any) -> None:
    async with new_system() as system:
        ref = await system.start(Peeker, name="peeker")
        for message in ("a", "b", "c"):
            ref.tell(message)
        await trio.sleep(1)
        ref.tell("d")
        await trio.sleep(1)
        actor = system.lookup("/peeker")._cell.actor
        assert actor.seen == [("a", True), ("b", True), ("c", False), ("d", False)]
