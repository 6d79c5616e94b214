"""The cheap clock reader gives exactly what trio's clock gives, whatever the clock does."""

from __future__ import annotations

import trio
import trio.testing

from kactors.actors import Actor
from kactors.actors.clock import clock_reader, current_clock_reader

from .helpers import new_system


async def test_the_reader_follows_the_mock_clock_through_jumps_and_sleeps(
        autojump_clock: trio.testing.MockClock) -> None:
    now = current_clock_reader()
    assert now() == trio.current_time()
    autojump_clock.jump(2.5)
    assert now() == trio.current_time() == autojump_clock.current_time()
    await trio.sleep(7.25)  # the autojump moves the clock too
    assert now() == trio.current_time()


async def test_the_reader_honours_a_rate_set_later(
        autojump_clock: trio.testing.MockClock) -> None:
    now = clock_reader(autojump_clock)
    before = trio.current_time()
    fake_real = [100.0]
    autojump_clock._real_clock = lambda: fake_real[0]  # as trio's own tests do
    autojump_clock.rate = 2.0
    fake_real[0] += 1.5  # 1.5 real seconds: 3 virtual ones at rate 2
    assert now() == trio.current_time() == before + 3.0
    autojump_clock.rate = 0.0
    fake_real[0] += 10.0
    assert now() == trio.current_time() == before + 3.0


def test_other_clocks_are_read_through_their_own_method() -> None:
    class Clock(trio.abc.Clock):
        def start_clock(self) -> None:
            pass

        def current_time(self) -> float:
            return 42.0

        def deadline_to_sleep_time(self, deadline: float) -> float:
            return deadline - 42.0

    assert clock_reader(Clock())() == 42.0


class _Clocked(Actor):
    def receive(self, message: object) -> float:
        return self.ctx.now()


async def test_system_and_actors_read_cluster_time_from_the_start(
        autojump_clock: trio.testing.MockClock) -> None:
    start = trio.current_time()
    system = new_system()
    async with system:
        ref = await system.start(_Clocked, name="clocked")
        await trio.sleep(12.5)
        assert await ref.ask("now?") == 12.5 == system.now()
        assert system.now() == trio.current_time() - start
    autojump_clock.jump(5.0)  # stopped: the system reads trio's clock as before
    assert system.now() == 17.5
