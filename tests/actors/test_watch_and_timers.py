"""Death watch and timers (send_after / every), all in virtual time."""

from __future__ import annotations

import math
from typing import Any

import pytest
import trio

from kactors.actors import (
    Actor,
    ActorRef,
    ChildSpec,
    ExitKind,
    SupervisionPolicy,
    Supervisor,
    TerminateChild,
    Terminated,
    TimerHandle,
)

from .helpers import Counter, Echo, Journal, events, new_system


class Watcher(Actor):
    """Watches the refs it is told about; records every Terminated it receives."""

    def __init__(self) -> None:
        self.terminated: list[tuple[str, ExitKind, str]] = []

    def receive(self, message: Any) -> Any:
        match message:
            case ("watch", ActorRef() as ref):
                self.ctx.watch(ref)
            case ("unwatch", ActorRef() as ref):
                self.ctx.unwatch(ref)
            case Terminated(ref, reason):
                self.terminated.append((ref.path, reason.kind, str(reason)))
                assert message.path == ref.path
            case "seen":
                return list(self.terminated)
        return None


async def watching(system: Any, *refs: ActorRef) -> ActorRef:
    watcher = await system.start(Watcher, name="watcher")
    for ref in refs:
        await watcher.ask(("watch", ref))
    return watcher


# -- death watch -----------------------------------------------------------------------------

async def test_watch_delivers_terminated_when_the_actor_stops_for_good_not_on_restart(
        autojump_clock: Any) -> None:
    async with new_system() as system:
        sup = await system.start(ChildSpec("sup", lambda: Supervisor(
            [ChildSpec("c", Counter)], SupervisionPolicy(intensity=5))))
        target = system.lookup("/sup/c")
        assert target is not None
        watcher = await watching(system, target)
        with pytest.raises(ValueError):
            await target.ask("boom")
        await target.ask("stop")  # a permanent child: restarted after a normal stop too
        await trio.sleep(1)
        assert target._cell.restarts == 2
        assert await watcher.ask("seen") == []
        await sup.ask(TerminateChild("c"))
        await trio.sleep(0.1)
        assert await watcher.ask("seen") == [("/sup/c", ExitKind.SHUTDOWN, "shutdown")]


async def test_terminated_carries_the_exit_reason(autojump_clock: Any) -> None:
    async with new_system() as system:
        crashy = await system.start(Counter, name="crashy", restart="temporary")
        quitter = await system.start(Counter, name="quitter", restart="transient")
        stuck = await system.start(Stuck, name="stuck", shutdown=2)
        watcher = await watching(system, crashy, quitter, stuck)
        with pytest.raises(ValueError):
            await crashy.ask("boom")
        await quitter.ask("stop")
        stuck.tell("hang")
        await trio.sleep(0.1)
        await system.stop(stuck)
        assert await watcher.ask("seen") == [
            ("/crashy", ExitKind.CRASHED, "crashed: ValueError: boom in /crashy"),
            ("/quitter", ExitKind.NORMAL, "normal"),
            ("/stuck", ExitKind.KILLED, "killed"),
        ]


class Stuck(Actor):
    async def receive(self, message: Any) -> Any:
        await trio.sleep_forever()


async def test_watching_an_already_dead_actor_delivers_terminated_at_once(
        autojump_clock: Any) -> None:
    async with new_system() as system:
        gone = await system.start(Counter, name="gone", restart="temporary")
        with pytest.raises(ValueError):
            await gone.ask("boom")
        await trio.sleep(0.1)
        assert not gone.alive
        watcher = await watching(system, gone)
        assert await watcher.ask("seen") == [
            ("/gone", ExitKind.CRASHED, "crashed: ValueError: boom in /gone")]


async def test_unwatch_stops_the_notification(autojump_clock: Any) -> None:
    async with new_system() as system:
        a = await system.start(Echo, name="a")
        b = await system.start(Echo, name="b")
        watcher = await watching(system, a, b)
        await watcher.ask(("unwatch", a))
        await system.stop(a)
        await system.stop(b)
        assert await watcher.ask("seen") == [("/b", ExitKind.SHUTDOWN, "shutdown")]


async def test_children_of_a_stopped_actor_notify_their_watchers(autojump_clock: Any) -> None:
    async with new_system() as system:
        sup = await system.start(ChildSpec("sup", lambda: Supervisor([ChildSpec("c", Echo)])))
        watcher = await watching(system, system.lookup("/sup/c"), sup)  # type: ignore[arg-type]
        await system.stop(sup)
        assert await watcher.ask("seen") == [("/sup/c", ExitKind.SHUTDOWN, "shutdown"),
                                             ("/sup", ExitKind.SHUTDOWN, "shutdown")]


# -- timers ----------------------------------------------------------------------------------

class Ticker(Actor):
    """Starts a periodic timer in `started`; records (incarnation tag, time) per tick."""

    incarnations = 0

    def __init__(self, journal: Journal, interval: float = 1.0,
                 initial_delay: float | None = None) -> None:
        Ticker.incarnations += 1
        self.tag = f"i{Ticker.incarnations}"
        self.journal = journal
        self.interval = interval
        self.initial_delay = initial_delay
        self.ticks = 0
        self.handle: TimerHandle | None = None

    async def started(self) -> None:
        self.handle = self.ctx.every(self.interval, "tick", initial_delay=self.initial_delay)

    def receive(self, message: Any) -> Any:
        if message == "tick":
            self.ticks += 1
            self.journal.add(self.tag, f"{self.ctx.now():g}")
        elif message == "count":
            return self.ticks
        elif message == "cancel":
            assert self.handle is not None
            self.handle.cancel()
            return self.handle.active
        elif message == "boom":
            raise ValueError("boom")
        return None


async def test_an_hour_of_a_one_second_timer_is_3600_ticks(autojump_clock: Any) -> None:
    Ticker.incarnations = 0
    journal = Journal()
    async with new_system() as system:
        ticker = await system.start(lambda: Ticker(journal), name="ticker")
        await trio.sleep(3600.5)
        assert await ticker.ask("count") == 3600
        assert journal.entries[0] == ("i1", "1") and journal.entries[-1] == ("i1", "3600")
        assert system.now() == pytest.approx(3600.5)


async def test_send_after_delivers_once_after_the_delay(autojump_clock: Any) -> None:
    class Sleeper(Actor):
        def __init__(self) -> None:
            self.woke: list[float] = []

        async def started(self) -> None:
            self.ctx.send_after(2.5, "wake")
            self.ctx.send_after(0, "now")

        def receive(self, message: Any) -> Any:
            if message == "woke":
                return self.woke
            self.woke.append(self.ctx.now())
            return None

    async with new_system() as system:
        await trio.sleep(10)
        ref = await system.start(Sleeper, name="sleeper")  # system time 10
        await trio.sleep(100)
        assert await ref.ask("woke") == [10.0, 12.5]


async def test_timers_fire_in_deadline_order_then_creation_order(autojump_clock: Any) -> None:
    class Alarm(Actor):
        def __init__(self) -> None:
            self.got: list[str] = []

        async def started(self) -> None:
            for delay, name in ((1, "a"), (1, "b"), (0.5, "c"), (1, "d"), (0.5, "e")):
                self.ctx.send_after(delay, name)

        def receive(self, message: Any) -> Any:
            if message == "got":
                return self.got
            self.got.append(message)
            return None

    async with new_system() as system:
        ref = await system.start(Alarm, name="alarm")
        await trio.sleep(2)
        assert await ref.ask("got") == ["c", "e", "a", "b", "d"]


async def test_every_with_an_initial_delay_and_cancel(autojump_clock: Any) -> None:
    Ticker.incarnations = 0
    journal = Journal()
    async with new_system() as system:
        ticker = await system.start(lambda: Ticker(journal, 2.0, initial_delay=0.5), name="t")
        await trio.sleep(5)
        assert await ticker.ask("cancel") is False
        await trio.sleep(20)
        assert [when for _, when in journal.entries] == ["0.5", "2.5", "4.5"]


async def test_timers_die_with_the_actor(autojump_clock: Any) -> None:
    Ticker.incarnations = 0
    journal = Journal()
    async with new_system() as system:
        ticker = await system.start(lambda: Ticker(journal), name="ticker")
        await trio.sleep(3.5)
        await system.stop(ticker)
        await trio.sleep(10)
        assert [when for _, when in journal.entries] == ["1", "2", "3"]
        assert system.dead_letters == 0  # cancelled, not delivered to a dead actor
        assert all(handle.cancelled for _, _, handle in system.timers._heap)


async def test_timers_of_an_old_incarnation_do_not_fire_after_a_restart(
        autojump_clock: Any) -> None:
    """A restart cancels the old incarnation's timers, including a pending send_after;
    the new incarnation starts its own in `started`."""
    Ticker.incarnations = 0
    journal = Journal()

    class Reminder(Ticker):
        async def started(self) -> None:
            await super().started()
            if self.tag == "i1":
                self.ctx.send_after(4, "tick")  # would fire at 4 in the first incarnation

    async with new_system() as system:
        ticker = await system.start(lambda: Reminder(journal), name="ticker")
        await trio.sleep(2.5)
        with pytest.raises(ValueError):
            await ticker.ask("boom")
        await trio.sleep(2.2)
        assert journal.entries == [("i1", "1"), ("i1", "2"), ("i2", "3.5"), ("i2", "4.5")]
        assert await ticker.ask("count") == 2


async def test_timer_messages_to_a_full_mailbox_are_dropped_and_logged(
        autojump_clock: Any) -> None:
    class Busy(Actor):
        async def started(self) -> None:
            self.ctx.every(1.0, "tick")

        async def receive(self, message: Any) -> Any:
            await trio.sleep(10)

    async with new_system() as system:
        await system.start(Busy, name="busy", mailbox_capacity=1)
        await trio.sleep(3.5)  # tick 1 handled (busy 10 s), tick 2 queued, tick 3 dropped
        dropped = events(system, "timer.dropped")
        assert [(e["actor"], e["ts"], e["message"], e["reason"]) for e in dropped] == [
            ("/busy", 3.0, "str", "mailbox full")]


@pytest.mark.parametrize(("delay", "shown"), [(-1, "-1"), (-0.001, "-0.001"),
                                              (math.nan, "nan")])
async def test_negative_timer_delay_is_rejected(
        autojump_clock: Any, delay: float, shown: str) -> None:
    class Bad(Actor):
        def receive(self, message: Any) -> Any:
            try:
                self.ctx.send_after(delay, "x")
            except ValueError as exc:
                errors = [str(exc)]
            try:
                self.ctx.every(1.0, "x", initial_delay=delay)
            except ValueError as exc:
                errors.append(str(exc))
            return errors

    async with new_system() as system:
        ref = await system.start(Bad, name="bad")
        assert await ref.ask("go") == [f"timer delay must be >= 0, got {shown}"] * 2


@pytest.mark.parametrize(("interval", "shown"), [(0, "0"), (-2.5, "-2.5")])
async def test_non_positive_timer_interval_is_rejected(
        autojump_clock: Any, interval: float, shown: str) -> None:
    class Bad(Actor):
        def receive(self, message: Any) -> Any:
            with pytest.raises(ValueError) as info:
                self.ctx.every(interval, "x")
            return str(info.value)

    async with new_system() as system:
        ref = await system.start(Bad, name="bad")
        assert await ref.ask("go") == f"timer interval must be > 0, got {shown}"


async def test_terminated_reaches_a_watcher_whose_mailbox_is_full(autojump_clock: Any) -> None:
    """Terminated is a runtime notification: a watcher's full mailbox neither loses it nor
    makes stopping the watched actor fail with MailboxFull."""

    class BusyWatcher(Watcher):
        async def receive(self, message: Any) -> Any:
            if message == "busy":
                await trio.sleep(5)
                return None
            return super().receive(message)

    async with new_system() as system:
        watcher = await system.start(BusyWatcher, name="watcher", mailbox_capacity=1)
        target = await system.start(Echo, name="target")
        await watcher.ask(("watch", target))
        watcher.tell("busy")
        await trio.sleep(0.1)
        watcher.tell("busy")  # the mailbox is full now
        await system.stop(target)
        await trio.sleep(10)  # the watcher handles both "busy" messages, then Terminated
        assert await watcher.ask("seen") == [
            ("/target", ExitKind.SHUTDOWN, "shutdown")]


async def test_terminated_for_a_stopped_watcher_is_a_dead_letter(autojump_clock: Any) -> None:
    async with new_system() as system:
        target = await system.start(Echo, name="target")
        watcher = await watching(system, target)
        await system.stop(watcher)
        await system.stop(target)
        assert [(e["to"], e["message"], e["why"]) for e in events(system, "deadletter")] == [
            ("/watcher", "Terminated", "watcher is stopped")]
