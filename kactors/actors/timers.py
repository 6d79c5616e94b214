"""One timer service per actor system.

All timers (actor `send_after`/`every`, ask timeouts, network delays, restart backoff) live in
one heap ordered by (deadline, sequence number) and fire from one task. That keeps firing
order deterministic (trio breaks deadline ties by object id, which is not), costs one task
instead of one per timer, and lets trio's MockClock autojump straight to the next deadline.

Ask timeouts (`start_timeout`, whose timer is the ask's Reply itself, or `timeout_after`)
go to a FIFO lane per delay instead of the heap: with one delay, deadlines come in the
order of the asks, so a lane is sorted by (deadline, sequence) as it is appended to, and an
ask answered long before its timeout (nearly all of them) costs an append and, later, a
`popleft` rather than a heap push and a heap pop (a third of the cost). Timers fire in
(deadline, sequence number) order across the heap and the lanes, exactly the order one
heap would give.
"""

from __future__ import annotations

import heapq
import math
from collections import deque
from collections.abc import Callable
from typing import Any, Protocol

import trio

from .clock import current_clock_reader


def _nothing(*_: Any) -> None:
    """What a cancelled timer would call (it never does): its callback is let go."""


class TimerHandle:
    __slots__ = ("deadline", "callback", "args", "interval", "cancelled", "owner", "service")

    def __init__(self, deadline: float, callback: Callable[..., Any], args: tuple[Any, ...],
                 interval: float | None) -> None:
        self.deadline = deadline
        self.callback = callback
        self.args = args
        self.interval = interval
        self.cancelled = False
        self.owner: dict[int, TimerHandle] | None = None
        #: the service while its sleep is armed on this timer's deadline (see `cancel`)
        self.service: TimerService | None = None

    def cancel(self) -> None:
        """Idempotent; a cancelled timer is dropped lazily when it reaches the heap's top.
        Its arguments and callback go at once: an ask's timeout would otherwise keep the
        request and its reply alive in the heap until the deadline it no longer needs. If the timer task sleeps until
        this very deadline, it is re-armed on the next live one: a wake-up that would fire
        nothing (most asks are answered long before their timeout) costs a whole trio
        scheduling round, and was 40% of the timer task's wake-ups in a cluster."""
        self.cancelled = True
        self.args = ()
        self.callback = _nothing  # a bound method (an ask's reply) would keep its object
        if self.owner is not None:
            self.owner.pop(id(self), None)
            self.owner = None
        if self.service is not None:
            self.service._rearm()

    @property
    def active(self) -> bool:
        return not self.cancelled

    def _fire(self, service: TimerService) -> None:
        """Run the callback; a periodic timer is scheduled again first."""
        callback, args = self.callback, self.args
        if self.interval is not None:
            self.deadline += self.interval
            service._push(self)
        else:
            self.cancel()  # fired: no longer active (its callback and args go)
        callback(*args)


class Timer(Protocol):
    """What the service needs of a timer: a TimerHandle, or an ask's `Reply`, which is
    the timer of its own timeout (see `TimerService.start_timeout`)."""

    deadline: float
    cancelled: bool
    service: TimerService | None

    def _fire(self, service: TimerService) -> None: ...


#: lanes for at most this many distinct `timeout_after` delays (then the heap)
MAX_LANES = 8
#: a lane longer than this drops its cancelled entries (its limit then doubles its size)
LANE_COMPACT = 4096

_Entry = tuple[float, int, Timer]


class TimerService:
    def __init__(self) -> None:
        self._heap: list[_Entry] = []
        self._seq = 0
        self._scope: trio.CancelScope | None = None
        #: the timer whose deadline the sleeping task's scope holds (None while firing)
        self._armed: Timer | None = None
        #: the sleeping task's deadline (a cancelled timer's, at worst: see `_rearm`)
        self._deadline = math.inf
        self._task: trio.lowlevel.Task | None = None
        self._live = 0
        #: `trio.current_time`, or a cheaper reader of the same clock while `run` runs
        self._now: Callable[[], float] = trio.current_time
        #: delay -> its `timeout_after` timers, in (deadline, sequence) order
        self._lanes: dict[float, deque[_Entry]] = {}
        #: delay -> the length at which its lane is compacted next
        self._lane_limits: dict[float, int] = {}

    def __len__(self) -> int:
        return len(self._heap) + sum(len(lane) for lane in self._lanes.values())

    def call_at(self, deadline: float, callback: Callable[..., Any], *args: Any,
                interval: float | None = None) -> TimerHandle:
        handle = TimerHandle(deadline, callback, args, interval)
        self._push(handle)
        return handle

    def call_later(self, delay: float, callback: Callable[..., Any], *args: Any,
                   interval: float | None = None) -> TimerHandle:
        handle = TimerHandle(self._now() + delay, callback, args, interval)
        self._push(handle)
        return handle

    def timeout_after(self, delay: float, callback: Callable[..., Any], *args: Any
                      ) -> TimerHandle:
        """`call_later` for a timer of one of a few fixed delays that is nearly always
        cancelled before it fires: an ask's timeout. Fires exactly as `call_later` would."""
        handle = TimerHandle(0.0, callback, args, None)
        self.start_timeout(handle, delay)
        return handle

    def start_timeout(self, timer: Timer, delay: float) -> None:
        """`timeout_after` for a timer made by the caller: an ask's `Reply` is the timer of
        its own timeout, so that an ask costs one object, and settling it is what cancels
        its timeout (the commonest timer by far, nearly always cancelled)."""
        timer.deadline = deadline = self._now() + delay
        lane = self._lanes.get(delay)
        if lane is None:
            if len(self._lanes) >= MAX_LANES or not delay >= 0:
                self._push(timer)
                return
            lane = self._lanes[delay] = deque()
            self._lane_limits[delay] = LANE_COMPACT
        self._seq += 1
        lane.append((deadline, self._seq, timer))
        if deadline < self._deadline and self._scope is not None:
            self._arm(timer)
        if len(lane) > self._lane_limits[delay]:
            live = [entry for entry in lane if not entry[2].cancelled]
            lane.clear()
            lane.extend(live)
            self._lane_limits[delay] = max(LANE_COMPACT, 2 * len(lane))

    def _earliest(self) -> tuple[_Entry, deque[_Entry] | None] | None:
        """The first live timer by (deadline, sequence) and its lane (None: the heap), or
        None if there is none. Cancelled timers met at the fronts are dropped."""
        heap = self._heap
        while heap and heap[0][2].cancelled:
            heapq.heappop(heap)
        best = heap[0] if heap else None
        where: deque[_Entry] | None = None
        for lane in self._lanes.values():
            while lane and lane[0][2].cancelled:
                lane.popleft()
            if lane and (best is None or lane[0] < best):
                best = lane[0]
                where = lane
        return None if best is None else (best, where)

    def _push(self, handle: Timer) -> None:
        self._seq += 1
        heap = self._heap
        heapq.heappush(heap, (handle.deadline, self._seq, handle))
        if handle.deadline < self._deadline and self._scope is not None:
            self._arm(handle)
        if len(heap) > 4096 and len(heap) > 4 * (self._live + 1):
            self._compact()

    def _arm(self, handle: Timer) -> None:
        """Point the sleeping task's deadline at `handle`."""
        armed = self._armed
        if armed is not None:
            armed.service = None
        self._armed = handle
        handle.service = self
        assert self._scope is not None
        self._deadline = self._scope.deadline = handle.deadline

    def _rearm(self) -> None:
        """The armed timer was cancelled: drop the cancelled timers on top of the heap and
        the lanes and sleep until the first live one instead. With no timer left, the
        deadline stays (one wake-up for nothing): moving it away and back for each ask of
        an actor that asks one at a time would cost more than that wake-up."""
        earliest = self._earliest()
        if earliest is not None:
            self._arm(earliest[0][2])
        else:
            self._armed = None

    def _abort(self, raise_cancel: Any) -> trio.lowlevel.Abort:
        """How the sleep ends. When our own deadline passed, the task is woken normally
        rather than by the `Cancelled` exception trio would raise through its frames
        (a third of the cost of a wake-up, and there is one per distinct deadline);
        any other cancellation (the system stopping) is raised as usual."""
        scope = self._scope
        # (the deadline, not `scope.cancel_called`: that property may cancel the scope
        # itself, re-entering this function from within trio's abort)
        if scope is not None and self._now() >= scope.deadline:
            assert self._task is not None
            trio.lowlevel.reschedule(self._task)
            return trio.lowlevel.Abort.FAILED
        return trio.lowlevel.Abort.SUCCEEDED

    def _compact(self) -> None:
        """Drop cancelled entries (ask timeouts mostly) so the heap stays proportional."""
        self._heap = [item for item in self._heap if not item[2].cancelled]
        heapq.heapify(self._heap)
        self._live = len(self._heap)

    async def run(self) -> None:
        self._task = trio.lowlevel.current_task()
        self._now = current_clock_reader()
        try:
            await self._run()
        finally:
            self._now = trio.current_time

    async def _run(self) -> None:
        """Fire what is due, in (deadline, sequence) order; sleep until the next one."""
        while True:
            now = self._now()
            while True:
                earliest = self._earliest()
                if earliest is None or earliest[0][0] > now:
                    break
                (_, _, handle), lane = earliest
                if lane is None:
                    heapq.heappop(self._heap)
                else:
                    lane.popleft()
                handle._fire(self)
            self._live = len(self._heap)
            with trio.CancelScope() as scope:
                self._scope = scope
                self._deadline = math.inf
                if earliest is not None:
                    self._arm(earliest[0][2])
                await trio.lowlevel.wait_task_rescheduled(self._abort)
            self._scope = None
            if self._armed is not None:
                self._armed.service = None
                self._armed = None
