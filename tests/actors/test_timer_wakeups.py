"""The timer task wakes only for timers that fire, and wakes without an exception.

Ask timeouts are almost always cancelled long before their deadline; a wake-up for one
fired nothing and cost a whole trio scheduling round (40% of the timer task's wake-ups in
a cluster). These tests count the timer task's steps with a trio instrument.
"""

from __future__ import annotations

import trio
import trio.lowlevel

from kactors.actors.timers import TimerService

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
