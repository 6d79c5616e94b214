"""One timer service per actor system.

All timers (actor `send_after`/`every`, ask timeouts, network delays, restart backoff) live in
one heap ordered by (deadline, sequence number) and fire from one task. That keeps firing
order deterministic (trio breaks deadline ties by object id, which is not), costs one task
instead of one per timer, and lets trio's MockClock autojump straight to the next deadline.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable
from typing import Any

import trio


class TimerHandle:
    __slots__ = ("deadline", "callback", "args", "interval", "cancelled", "owner")

    def __init__(self, deadline: float, callback: Callable[..., Any], args: tuple[Any, ...],
                 interval: float | None) -> None:
        self.deadline = deadline
        self.callback = callback
        self.args = args
        self.interval = interval
        self.cancelled = False
        self.owner: dict[int, TimerHandle] | None = None

    def cancel(self) -> None:
        """Idempotent; a cancelled timer is dropped lazily when it reaches the heap's top.
        Its arguments go at once: an ask's timeout would otherwise keep the request alive
        in the heap until the deadline it no longer needs."""
        self.cancelled = True
        self.args = ()
        if self.owner is not None:
            self.owner.pop(id(self), None)
            self.owner = None

    @property
    def active(self) -> bool:
        return not self.cancelled


class TimerService:
    def __init__(self) -> None:
        self._heap: list[tuple[float, int, TimerHandle]] = []
        self._seq = 0
        self._scope: trio.CancelScope | None = None
        self._live = 0

    def __len__(self) -> int:
        return len(self._heap)

    def call_at(self, deadline: float, callback: Callable[..., Any], *args: Any,
                interval: float | None = None) -> TimerHandle:
        handle = TimerHandle(deadline, callback, args, interval)
        self._push(handle)
        return handle

    def call_later(self, delay: float, callback: Callable[..., Any], *args: Any,
                   interval: float | None = None) -> TimerHandle:
        return self.call_at(trio.current_time() + delay, callback, *args, interval=interval)

    def _push(self, handle: TimerHandle) -> None:
        self._seq += 1
        heap = self._heap
        heapq.heappush(heap, (handle.deadline, self._seq, handle))
        if heap[0][2] is handle and self._scope is not None:
            self._scope.deadline = handle.deadline
        if len(heap) > 4096 and len(heap) > 4 * (self._live + 1):
            self._compact()

    def _compact(self) -> None:
        """Drop cancelled entries (ask timeouts mostly) so the heap stays proportional."""
        self._heap = [item for item in self._heap if not item[2].cancelled]
        heapq.heapify(self._heap)
        self._live = len(self._heap)

    async def run(self) -> None:
        heap = self._heap
        while True:
            now = trio.current_time()
            heap = self._heap
            while heap and heap[0][0] <= now:
                _, _, handle = heapq.heappop(heap)
                if handle.cancelled:
                    continue
                args = handle.args
                if handle.interval is not None:
                    handle.deadline += handle.interval
                    self._push(handle)
                    heap = self._heap
                else:
                    handle.cancel()  # fired: no longer active (and its arguments go)
                handle.callback(*args)
                heap = self._heap
            self._live = len(heap)
            next_deadline = heap[0][0] if heap else math.inf
            with trio.CancelScope(deadline=next_deadline) as scope:
                self._scope = scope
                await trio.sleep_forever()
            self._scope = None
