"""The timer task wakes only for timers that fire, and wakes without an exception.

Ask timeouts are almost always cancelled long before their deadline; a wake-up for one
fired nothing and cost a whole trio scheduling round (40% of the timer task's wake-ups in
a cluster). These tests count the timer task's steps with a trio instrument.
"""

from __future__ import annotations

import random

import pytest
import trio
import trio.lowlevel
import trio.testing

from kactors.actors import Actor, ActorSystem, AskTimeout, ChildSpec, timers
from kactors.actors.timers import TimerHandle, TimerService

from .helpers import StepCounter


async def _sleeping(service: TimerService) -> None:
    """Until the new timer task sleeps (trio may run it after the test's next step)."""
    while service._scope is None:
        await trio.sleep(0)


async def test_cancelled_timers_neither_wake_the_task_nor_delay_the_others(
        autojump_clock: trio.testing.MockClock) -> None:
    service = TimerService()
    steps = StepCounter("timers")
    trio.lowlevel.add_instrument(steps)
    fired: list[tuple[int, float]] = []
    try:
        async with trio.open_nursery() as nursery:
            nursery.start_soon(service.run, name="timers")
            await _sleeping(service)
            start = trio.current_time()
            handles = [service.call_later(float(i), lambda i=i: fired.append(
                (i, trio.current_time() - start))) for i in range(1, 101)]
            for i, handle in enumerate(handles, start=1):
                if i % 10:
                    handle.cancel()  # the first one while the task sleeps until it
            await trio.sleep(200)
            nursery.cancel_scope.cancel()
    finally:
        trio.lowlevel.remove_instrument(steps)
    assert fired == [(i, float(i)) for i in range(10, 101, 10)]
    # its first step, one per timer that fired, and the one that ends it
    assert steps.steps == 1 + 10 + 1


async def test_a_timer_pushed_before_the_armed_one_fires_first(
        autojump_clock: trio.testing.MockClock) -> None:
    service = TimerService()
    fired: list[tuple[str, float]] = []
    async with trio.open_nursery() as nursery:
        nursery.start_soon(service.run)
        await _sleeping(service)
        start = trio.current_time()

        def note(name: str) -> None:
            fired.append((name, trio.current_time() - start))

        late = service.call_later(10.0, note, "late")
        service.call_later(20.0, note, "last")
        early = service.call_later(5.0, note, "early")
        late.cancel()
        early.cancel()
        service.call_later(15.0, note, "middle")
        service.call_later(1.0, note, "first")
        await trio.sleep(30)
        nursery.cancel_scope.cancel()
    assert fired == [("first", 1.0), ("middle", 15.0), ("last", 20.0)]


async def test_asks_answered_one_after_another_keep_the_deadline_of_the_first(
        autojump_clock: trio.testing.MockClock) -> None:
    """With nothing else pending, a cancelled timer leaves the sleep's deadline where it
    was (one wake-up for nothing later) instead of moving it for every ask."""
    service = TimerService()
    async with trio.open_nursery() as nursery:
        nursery.start_soon(service.run)
        await _sleeping(service)
        first = service.call_later(5.0, lambda: None)
        deadline = first.deadline
        first.cancel()
        for _ in range(3):
            service.call_later(5.0, lambda: None).cancel()
        assert service._scope is not None and service._scope.deadline == deadline
        fired: list[float] = []
        service.call_later(7.0, lambda: fired.append(trio.current_time() - deadline + 5.0))
        await trio.sleep(10)
        nursery.cancel_scope.cancel()
    assert fired == [7.0]


async def test_the_timer_task_stops_when_cancelled_even_at_its_deadline(
        autojump_clock: trio.testing.MockClock) -> None:
    service = TimerService()
    fired: list[str] = []
    start = trio.current_time()
    with trio.move_on_after(5.0) as outer:
        async with trio.open_nursery() as nursery:
            nursery.start_soon(service.run)
            await _sleeping(service)
            service.call_later(5.0, fired.append, "at the deadline")
            service.call_later(6.0, fired.append, "after it")
            await trio.sleep_forever()
    assert outer.cancelled_caught
    assert fired in ([], ["at the deadline"])  # whichever trio ran first; never "after it"
    assert trio.current_time() - start == 5.0


async def _fire_a_random_mix(lanes: bool) -> tuple[list[tuple[str, float]], int, int]:
    """Ask timeouts of a few delays (lanes) mixed with other timers, periodic ones and
    cancellations, from a seeded generator: what fired when, the timer task's steps and
    the timers left."""
    rng = random.Random(11)
    service = TimerService()
    steps = StepCounter("timers")
    trio.lowlevel.add_instrument(steps)
    fired: list[tuple[str, float]] = []
    try:
        async with trio.open_nursery() as nursery:
            nursery.start_soon(service.run, name="timers")
            await _sleeping(service)
            start = trio.current_time()

            def note(name: str) -> None:
                fired.append((name, round(trio.current_time() - start, 6)))

            # (at odd sixteenths: never at the same time as the eighths of the others,
            # whose order then depends on which task trio runs first)
            service.call_later(0.0625, note, "tick", interval=1.0)
            cancel_at: dict[int, list[TimerHandle]] = {}
            for step in range(400):
                made: list[TimerHandle] = []
                for _ in range(rng.randrange(4)):
                    delay = rng.choice((1.0, 2.5, 5.0))
                    schedule = service.timeout_after if lanes else service.call_later
                    made.append(schedule(delay, note, f"timeout-{step}-{delay}"))
                if rng.random() < 0.3:  # (times in eighths: sums exact, ties real)
                    delay = rng.choice((1.0, 0.5, 3.0, rng.randrange(1, 33) / 8))
                    made.append(service.call_later(delay, note, f"other-{step}"))
                for handle in made:
                    if rng.random() < 0.8:  # most asks are answered, some in no time
                        cancel_at.setdefault(step + rng.randrange(30), []).append(handle)
                for handle in cancel_at.pop(step, []):
                    if handle.deadline > trio.current_time():  # else trio picks who is first
                        handle.cancel()
                await trio.sleep(rng.choice((0.0, 0.125, 0.125, 0.25)))
            await trio.sleep(10)
            nursery.cancel_scope.cancel()
    finally:
        trio.lowlevel.remove_instrument(steps)
    return fired, steps.steps, len(service)


async def test_ask_timeout_lanes_fire_exactly_as_one_heap_would(
        autojump_clock: trio.testing.MockClock, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ask timeouts live in a FIFO lane per delay, not in the heap; the merged order of
    firing (deadline, then sequence number), the times and the timer task's wake-ups
    must be those of the single heap."""
    with_lanes = await _fire_a_random_mix(lanes=True)
    monkeypatch.setattr(timers, "MAX_LANES", 0)  # every timeout in the heap
    in_the_heap = await _fire_a_random_mix(lanes=True)
    plain = await _fire_a_random_mix(lanes=False)
    assert with_lanes == in_the_heap == plain
    fired, _, _ = with_lanes
    assert sum(name.startswith("timeout-") for name, _ in fired) > 50
    assert sum(name.startswith("other-") for name, _ in fired) > 10


async def test_a_lane_of_cancelled_timeouts_stays_small(
        autojump_clock: trio.testing.MockClock) -> None:
    service = TimerService()
    async with trio.open_nursery() as nursery:
        nursery.start_soon(service.run)
        await _sleeping(service)
        keep = service.timeout_after(10.0, lambda: None)
        for _ in range(3 * timers.LANE_COMPACT):
            service.timeout_after(10.0, lambda: None).cancel()
        assert len(service) <= timers.LANE_COMPACT + 1
        assert keep.active and service._armed is keep
        nursery.cancel_scope.cancel()


class _Echo(Actor):
    def receive(self, message: object) -> object:
        return message


class _Never(Actor):
    def receive(self, message: object) -> None:
        self.ctx.defer_reply()  # and never settled: the ask can only time out


async def test_an_answered_ask_cancels_its_own_timeout_and_never_wakes_the_timer_task(
        autojump_clock: trio.testing.MockClock) -> None:
    """An ask's Reply is the timer of its timeout: settling it cancels that timeout (local
    and across the network), so only the unanswered ask wakes the timer task, once, at
    its deadline."""
    steps = StepCounter("kactors.actors.system.ActorSystem._run_timers")
    async with ActorSystem(seed=0, log_to_stdout=False) as system:
        echo = await system.start(ChildSpec("echo", _Echo, host="a"))
        never = await system.start(ChildSpec("never", _Never, host="b"))
        trio.lowlevel.add_instrument(steps)
        try:
            start = trio.current_time()
            for i in range(20):
                assert await echo.ask(i, timeout=3.0) == i
                assert await system.network.ref(echo, "b").ask(i, timeout=3.0) == i
            lanes = system.timers._lanes.values()
            assert 30 < sum(len(lane) for lane in lanes) <= 40  # (dropped lazily)
            assert all(timer.cancelled for lane in lanes for _, _, timer in lane)
            with pytest.raises(AskTimeout, match=r"^ask to /never timed out after 3s .* str$"):
                await system.network.ref(never, "a").ask("x", timeout=3.0)
            assert trio.current_time() - start == 3.0
        finally:
            trio.lowlevel.remove_instrument(steps)
    assert steps.steps == 1
