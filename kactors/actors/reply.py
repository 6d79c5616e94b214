"""The promise behind `ask`: one parked task, one value or exception, settled once.

Parks with trio's low-level API instead of an Event or channel: an ask is the hot path of
request/response between actors, and this is the cheapest correct way to wait in trio.
A Reply is also the timer of its ask's timeout (`TimerService.start_timeout`): one object
per ask rather than a promise and a timer, and settling it is what cancels the timeout.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any

import trio
from outcome import Error, Outcome, Value

from .errors import AskTimeout

if TYPE_CHECKING:
    from .timers import TimerService


class Reply:
    __slots__ = ("_task", "_result", "_about", "deadline", "cancelled", "service")

    def __init__(self, path: str, timeout: float, message: Any) -> None:
        self._task: trio.lowlevel.Task | None = None
        self._result: Outcome[Any] | None = None
        #: what the AskTimeout would name (the message goes once the ask is settled)
        self._about: tuple[str, float, Any] | None = (path, timeout, message)
        # the timer: `deadline` set by the timer service, `service` while it is armed on
        # this deadline, `cancelled` (the timeout is off) once the ask is settled
        self.deadline = math.inf
        self.cancelled = False
        self.service: TimerService | None = None

    @property
    def done(self) -> bool:
        return self.cancelled

    def set(self, value: Any) -> None:
        if not self.cancelled:
            self._settle(Value(value))

    def fail(self, error: BaseException) -> None:
        if not self.cancelled:
            self._settle(Error(error))

    def _fire(self, _: TimerService) -> None:
        """The timeout: fail with AskTimeout (built only now: it formats text)."""
        if not self.cancelled and self._about is not None:
            self._settle(Error(AskTimeout(*self._about)))

    def _settle(self, result: Outcome[Any]) -> None:
        """Wake the asker with `result` itself: `wait_task_rescheduled` then returns the
        value (or raises the error), with no code of ours left to run in the asker."""
        self._result = result
        self.cancelled = True  # the timeout is off; its lane drops it when met
        self._about = None
        if self.service is not None:  # the timer task sleeps until this very timeout
            self.service._rearm()
        if self._task is not None:
            task, self._task = self._task, None
            trio.lowlevel.reschedule(task, result)

    def _abort(self, _: Any) -> trio.lowlevel.Abort:
        """The asker was cancelled while waiting (a method: no closure made per ask)."""
        self._task = None
        return trio.lowlevel.Abort.SUCCEEDED

    def wait(self) -> Awaitable[Any]:
        """`await reply.wait()`: the value, or the error raised. Not a coroutine of its own
        but trio's (one frame less for every ask): call it only to await it at once."""
        if not self.cancelled:
            self._task = trio.lowlevel.current_task()
            return trio.lowlevel.wait_task_rescheduled(self._abort)
        return self._settled()

    async def _settled(self) -> Any:
        await trio.lowlevel.checkpoint()
        assert self._result is not None
        return self._result.unwrap()
