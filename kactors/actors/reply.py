"""The promise behind `ask`: one parked task, one value or exception, settled once.

Parks with trio's low-level API instead of an Event or channel: an ask is the hot path of
request/response between actors, and this is the cheapest correct way to wait in trio.
"""

from __future__ import annotations

from typing import Any

import trio

from .errors import AskTimeout

_PENDING = object()


class Reply:
    __slots__ = ("_task", "_value", "_error", "timer")

    def __init__(self) -> None:
        self._task: trio.lowlevel.Task | None = None
        self._value: Any = _PENDING
        self._error: BaseException | None = None
        self.timer: Any = None

    @property
    def done(self) -> bool:
        return self._value is not _PENDING or self._error is not None

    def set(self, value: Any) -> None:
        if self._value is not _PENDING or self._error is not None:
            return
        self._value = value
        self._wake()

    def fail(self, error: BaseException) -> None:
        if self._value is not _PENDING or self._error is not None:
            return
        self._error = error
        self._wake()

    def time_out(self, path: str, timeout: float, message: Any) -> None:
        """The ask's timer fired: fail with AskTimeout (built only now: it formats text)."""
        if self._value is _PENDING and self._error is None:
            self.timer = None
            self.fail(AskTimeout(path, timeout, message))

    def _wake(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        if self._task is not None:
            task, self._task = self._task, None
            trio.lowlevel.reschedule(task)

    def _abort(self, _: Any) -> trio.lowlevel.Abort:
        """The asker was cancelled while waiting (a method: no closure made per ask)."""
        self._task = None
        return trio.lowlevel.Abort.SUCCEEDED

    async def wait(self) -> Any:
        if self._value is _PENDING and self._error is None:
            self._task = trio.lowlevel.current_task()
            await trio.lowlevel.wait_task_rescheduled(self._abort)
        else:
            await trio.lowlevel.checkpoint()
        if self._error is not None:
            raise self._error
        return self._value
