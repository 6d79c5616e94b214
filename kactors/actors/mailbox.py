"""A bounded mailbox with a separate queue for system messages.

Built on trio's low-level park/reschedule rather than a memory channel: `put_nowait`
never yields and the owner drains everything queued per wake-up, which is where the 20x
between `await send()` per message and `send_nowait()` + drain lives (see DESIGN.md).
"""

from __future__ import annotations

from collections import deque
from typing import Any

import trio

from .errors import MailboxFull

Envelope = tuple[Any, Any, Any]  # (message, reply promise or None, sender path or None)


class Mailbox:
    __slots__ = ("capacity", "closed", "path", "queue", "system", "_receiver", "_senders")

    def __init__(self, path: str, capacity: int) -> None:
        self.path = path
        self.capacity = capacity
        self.closed = False
        self.queue: deque[Envelope] = deque()
        self.system: deque[Any] = deque()
        self._receiver: trio.lowlevel.Task | None = None
        self._senders: deque[trio.lowlevel.Task] = deque()

    def __len__(self) -> int:
        return len(self.queue)

    def put_nowait(self, envelope: Envelope) -> None:
        if len(self.queue) >= self.capacity:
            raise MailboxFull(self.path, self.capacity)
        self.queue.append(envelope)
        if self._receiver is not None:
            task, self._receiver = self._receiver, None
            trio.lowlevel.reschedule(task)

    def put_unbounded(self, envelope: Envelope) -> None:
        """Enqueue past the capacity: for runtime notifications (`Terminated`) that must
        neither be lost nor fail the code that stops an actor."""
        self.queue.append(envelope)
        if self._receiver is not None:
            task, self._receiver = self._receiver, None
            trio.lowlevel.reschedule(task)

    async def put(self, envelope: Envelope) -> bool:
        """Wait for room (backpressure), then enqueue; False if the mailbox closed meanwhile.

        Yields only when it must wait."""
        while len(self.queue) >= self.capacity and not self.closed:
            task = trio.lowlevel.current_task()
            self._senders.append(task)

            def abort(_: Any, task: trio.lowlevel.Task = task) -> trio.lowlevel.Abort:
                try:
                    self._senders.remove(task)
                except ValueError:
                    pass
                return trio.lowlevel.Abort.SUCCEEDED

            await trio.lowlevel.wait_task_rescheduled(abort)
        if self.closed:
            return False
        self.put_nowait(envelope)
        return True

    def put_system(self, message: Any) -> None:
        """System messages (stop, child exits) bypass the capacity bound."""
        self.system.append(message)
        if self._receiver is not None:
            task, self._receiver = self._receiver, None
            trio.lowlevel.reschedule(task)

    def space_freed(self) -> None:
        """Wake one sender blocked in `put`; called by the owner after it took messages."""
        if self._senders and len(self.queue) < self.capacity:
            trio.lowlevel.reschedule(self._senders.popleft())

    def wake_all_senders(self) -> None:
        while self._senders:
            trio.lowlevel.reschedule(self._senders.popleft())

    async def wait(self) -> None:
        """Park the owner until a user or system message is queued (the cell's message
        loop inlines this, with both queues empty, to spare a coroutine per wake-up)."""
        if self.queue or self.system:
            await trio.lowlevel.checkpoint()
            return
        self._receiver = trio.lowlevel.current_task()
        await trio.lowlevel.wait_task_rescheduled(self._abort_wait)

    def _abort_wait(self, _: Any) -> trio.lowlevel.Abort:
        """The owner was cancelled while parked in `wait` (a method, not a closure made
        per wait: this runs for nearly every message an idle actor gets)."""
        self._receiver = None
        return trio.lowlevel.Abort.SUCCEEDED
