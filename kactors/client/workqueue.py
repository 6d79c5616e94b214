"""A controller's work queue: client-go's rate-limited delaying queue, sans-I/O.

Controllers do not queue *events*, they queue *keys* ("namespace/name") of objects whose
state should be reconciled; reconcile reads the current state anyway. That is what lets the
queue collapse work, with the guarantees of client-go's ``workqueue`` package:

* **Fair**: keys are handed out in the order they were added (FIFO).
* **Stingy**: a key added many times before a worker takes it is processed once.
* **Never concurrent**: a key is handed to one worker at a time. A key added while it is
  being processed is marked dirty and re-queued (once) when the worker calls `done`, so the
  change that caused the add is still seen by a reconcile that starts after it.
* **Delayed adds** (`add_after`): the key waits in a heap until its ready time; a key waiting
  twice keeps the earlier time.
* **Rate-limited adds** (`add_rate_limited`): the delay comes from a `RateLimiter`
  (per-key exponential backoff and a global bucket by default); `forget` resets the key.

The queue never blocks and never reads a clock. `get` returns None when nothing is ready
and the owning actor waits for the next `add` or for the time `next_ready_at` says, then
calls `advance(now)` to release the delayed keys that are due.
"""

from __future__ import annotations

import heapq
import math
from collections import deque
from collections.abc import Hashable
from typing import Generic, TypeVar

import attrs

from kactors.client.ratelimit import RateLimiter, default_controller_rate_limiter

__all__ = ["WorkQueue"]

K = TypeVar("K", bound=Hashable)


def _check_number(name: str, value: float) -> None:
    # bool is an int subclass, but True seconds is a bug, not a time; NaN would break the heap.
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, not {value!r}")


@attrs.define(eq=False)
class WorkQueue(Generic[K]):
    """A fair, stingy, delaying, rate-limited queue of keys (see the module docstring).

    Life of a key: `add` marks it *dirty* and appends it to the FIFO unless it is already
    dirty; `get` hands it to a worker and moves it from dirty to *processing*; `done` ends
    processing and, if the key became dirty again meanwhile, appends it back to the FIFO.
    Delayed keys sit in a heap of ``(ready_at, seq, key)`` (``seq`` breaks ties in the order
    the deadlines were set) until `advance` reaches their ready time and adds them.
    """

    rate_limiter: RateLimiter = attrs.field(factory=default_controller_rate_limiter)
    name: str = ""
    _queue: deque[K] = attrs.field(init=False, factory=deque, repr=False)
    _dirty: dict[K, None] = attrs.field(init=False, factory=dict, repr=False)
    """Keys that need processing (insertion-ordered set): every queued key, plus keys
    re-added while being processed."""
    _processing: dict[K, None] = attrs.field(init=False, factory=dict, repr=False)
    _heap: list[tuple[float, int, K]] = attrs.field(init=False, factory=list, repr=False)
    _waiting: dict[K, tuple[float, int]] = attrs.field(init=False, factory=dict, repr=False)
    """The live heap entry of each waiting key; heap entries that differ are stale (a key's
    deadline moved earlier) and are skipped when they reach the top."""
    _seq: int = attrs.field(init=False, default=0, repr=False)
    _shutting_down: bool = attrs.field(init=False, default=False, repr=False)
    _drain: bool = attrs.field(init=False, default=False, repr=False)
    _adds: int = attrs.field(init=False, default=0, repr=False)
    _retries: int = attrs.field(init=False, default=0, repr=False)
    _processed: int = attrs.field(init=False, default=0, repr=False)

    # -- the basic queue ------------------------------------------------------------------

    def add(self, key: K) -> None:
        """Mark ``key`` as needing processing.

        Ignored while shutting down, and when the key is already dirty (stingy). A key that is
        being processed is only marked dirty: `done` will queue it, so no two workers ever
        hold it at once.
        """
        if self._shutting_down or key in self._dirty:
            return
        self._adds += 1
        self._dirty[key] = None
        if key not in self._processing:
            self._queue.append(key)

    def get(self) -> K | None:
        """The next key to process, or None if no key is ready.

        The caller must call `done` with the key when it has finished with it. As in client-go,
        keys already queued are still handed out after `shut_down`: None with `shutting_down`
        set means the worker should stop; None otherwise means wait for work.
        """
        if not self._queue:
            return None
        key = self._queue.popleft()
        self._processing[key] = None
        del self._dirty[key]
        return key

    def done(self, key: K) -> None:
        """Finish processing ``key``; queue it again if it was added meanwhile.

        Raises ValueError for a key that is not being processed: client-go silently accepts
        that and can end up with the key queued twice, breaking the stingy guarantee.
        """
        if key not in self._processing:
            raise ValueError(f"done({key!r}): the key is not being processed")
        del self._processing[key]
        self._processed += 1
        if key in self._dirty:
            self._queue.append(key)

    def __len__(self) -> int:
        """Keys ready to be handed out (client-go's ``Len``; the queue *depth* metric)."""
        return len(self._queue)

    @property
    def processing(self) -> int:
        """How many keys workers hold (got, not yet done)."""
        return len(self._processing)

    def is_processing(self, key: K) -> bool:
        """Whether a worker holds ``key`` right now."""
        return key in self._processing

    # -- delayed adds ---------------------------------------------------------------------

    def add_after(self, key: K, delay: float, now: float) -> None:
        """Add ``key`` once ``delay`` seconds have passed since ``now``.

        A delay <= 0 adds at once. If the key is already waiting, the earlier ready time wins
        (a later one is dropped). Waiting does not consult the dirty set: a key both queued
        and waiting is added again when its time comes, which is a no-op if it is still
        queued (client-go behaves the same). Ignored while shutting down.
        """
        _check_number("delay", delay)
        _check_number("now", now)
        if self._shutting_down:
            return
        self._retries += 1
        ready_at = now + delay
        if ready_at <= now:  # delay <= 0, or too small to move a large `now`
            self.add(key)
            return
        live = self._waiting.get(key)
        if live is not None and live[0] <= ready_at:
            return
        self._seq += 1
        self._waiting[key] = (ready_at, self._seq)
        heapq.heappush(self._heap, (ready_at, self._seq, key))

    def advance(self, now: float) -> int:
        """Add every waiting key whose ready time is <= ``now``, earliest first.

        Returns how many waiting keys fell due (each is passed to `add`, which may find it
        already dirty). Time going backwards simply releases nothing.
        """
        _check_number("now", now)
        released = 0
        while (top := self._live_top()) is not None and top[0] <= now:
            _, _, key = heapq.heappop(self._heap)
            del self._waiting[key]
            self.add(key)
            released += 1
        return released

    def next_ready_at(self) -> float | None:
        """When the earliest waiting key falls due (the owner's next wake-up), or None."""
        top = self._live_top()
        return None if top is None else top[0]

    @property
    def waiting(self) -> int:
        """How many keys wait for their ready time."""
        return len(self._waiting)

    def _live_top(self) -> tuple[float, int, K] | None:
        """The heap's earliest live entry, after dropping stale ones from the top."""
        heap = self._heap
        while heap:
            ready_at, seq, key = heap[0]
            if self._waiting.get(key) == (ready_at, seq):
                return heap[0]
            heapq.heappop(heap)
        return None

    # -- rate-limited adds ----------------------------------------------------------------

    def add_rate_limited(self, key: K, now: float) -> None:
        """`add_after` by the rate limiter's delay for ``key`` (which counts one more retry).

        Ignored while shutting down; unlike client-go the limiter is then not consulted, so a
        stopping controller neither spends bucket tokens nor grows backoffs.
        """
        _check_number("now", now)
        if self._shutting_down:
            return
        self.add_after(key, self.rate_limiter.when(key, now), now)

    def forget(self, key: K) -> None:
        """End ``key``'s retry history in the rate limiter (it stays queued or waiting)."""
        self.rate_limiter.forget(key)

    def num_requeues(self, key: K) -> int:
        """How many rate-limited retries of ``key`` the limiter counted since `forget`."""
        return self.rate_limiter.num_requeues(key)

    # -- shutting down --------------------------------------------------------------------

    def shut_down(self) -> None:
        """Stop accepting keys; drop the waiting ones. Idempotent.

        Every later `add`, `add_after` and `add_rate_limited` is ignored. Keys already queued
        are still handed out by `get` (and a key re-added while it was being processed is
        still re-queued by `done`), as in client-go; `get` returns None once they are gone.
        Also cancels a `shut_down_with_drain`: `draining` becomes False at once.
        """
        self._shutting_down = True
        self._drain = False
        self._heap.clear()
        self._waiting.clear()

    def shut_down_with_drain(self) -> None:
        """`shut_down`, and ask the owner to wait for the workers to finish (see `draining`).

        client-go's ``ShutDownWithDrain`` blocks until every handed-out key is done; here the
        owner instead keeps serving `get` / `done` while `draining` is True. Workers must
        call `done` for every key they hold, or draining never ends.
        """
        self.shut_down()
        self._drain = True

    @property
    def shutting_down(self) -> bool:
        """Whether `shut_down` or `shut_down_with_drain` was called."""
        return self._shutting_down

    @property
    def drained(self) -> bool:
        """Shutting down, and no key is queued or being processed: nothing is left to do.

        client-go's drain waits for the processing set only; the queue is part of the test
        here because its workers keep taking queued keys after shut-down anyway, and a sans-I/O
        owner would otherwise see "drained" between a worker's `done` and its next `get`.
        """
        return self._shutting_down and not self._queue and not self._processing

    @property
    def draining(self) -> bool:
        """A `shut_down_with_drain` is in progress: its owner should keep waiting."""
        return self._drain and not self.drained

    # -- metrics --------------------------------------------------------------------------

    @property
    def adds(self) -> int:
        """Keys newly marked dirty (adds collapsed by the stingy rule are not counted)."""
        return self._adds

    @property
    def retries(self) -> int:
        """Accepted `add_after` calls (rate-limited ones included), client-go's retry count."""
        return self._retries

    @property
    def processed(self) -> int:
        """Keys finished with `done`."""
        return self._processed
