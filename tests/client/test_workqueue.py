"""WorkQueue: client-go's work-queue guarantees, driven step by step on an injected clock."""

from __future__ import annotations

import math
import random
from collections.abc import Hashable

import attrs
import pytest

from kactors.client.ratelimit import (
    ItemExponentialFailureRateLimiter,
    RateLimiter,
    default_controller_rate_limiter,
)
from kactors.client.workqueue import WorkQueue


def drain(queue: WorkQueue[str]) -> list[str]:
    """Get and finish every ready key, in order."""
    out = []
    while (key := queue.get()) is not None:
        out.append(key)
        queue.done(key)
    return out


# -- fair, stingy, never concurrent ---------------------------------------------------------


def test_keys_come_out_in_fifo_order() -> None:
    queue: WorkQueue[str] = WorkQueue()
    for key in ("ns/c", "ns/a", "ns/b"):
        queue.add(key)
    assert len(queue) == 3
    assert [queue.get(), queue.get(), queue.get()] == ["ns/c", "ns/a", "ns/b"]
    assert queue.get() is None
    assert (len(queue), queue.processing) == (0, 3)


def test_a_key_added_many_times_before_processing_is_processed_once() -> None:
    queue: WorkQueue[str] = WorkQueue()
    for key in ("a", "b", "a", "a", "b", "c"):
        queue.add(key)
    assert len(queue) == 3
    assert drain(queue) == ["a", "b", "c"]
    assert (queue.adds, queue.processed) == (3, 3)


def test_a_key_added_while_processing_waits_for_done_then_comes_back_once() -> None:
    queue: WorkQueue[str] = WorkQueue()
    queue.add("a")
    assert queue.get() == "a"
    assert queue.is_processing("a")
    queue.add("a")
    queue.add("a")
    # Not handed to a second worker while the first one holds it.
    assert len(queue) == 0
    assert queue.get() is None
    queue.done("a")
    assert not queue.is_processing("a")
    assert len(queue) == 1
    assert queue.get() == "a"
    queue.done("a")
    assert queue.get() is None
    assert (queue.adds, queue.processed) == (2, 2)


def test_a_requeued_key_goes_to_the_back() -> None:
    queue: WorkQueue[str] = WorkQueue()
    queue.add("a")
    queue.add("b")
    assert queue.get() == "a"
    queue.add("a")
    queue.add("c")
    queue.done("a")
    assert drain(queue) == ["b", "c", "a"]


def test_done_without_get_is_an_error() -> None:
    queue: WorkQueue[str] = WorkQueue()
    queue.add("a")
    with pytest.raises(ValueError) as info:
        queue.done("a")
    assert str(info.value) == "done('a'): the key is not being processed"
    assert queue.get() == "a"
    queue.done("a")
    with pytest.raises(ValueError) as info:
        queue.done("a")
    assert str(info.value) == "done('a'): the key is not being processed"
    assert (len(queue), queue.processed) == (0, 1)


def test_keys_may_be_any_hashable() -> None:
    queue: WorkQueue[tuple[str, str]] = WorkQueue()
    queue.add(("ns", "a"))
    queue.add(("ns", "a"))
    assert queue.get() == ("ns", "a")
    assert queue.get() is None


def test_queues_compare_by_identity() -> None:
    assert WorkQueue() != WorkQueue()


# -- delayed adds ---------------------------------------------------------------------------


def test_add_after_waits_until_advance_reaches_the_ready_time() -> None:
    queue: WorkQueue[str] = WorkQueue()
    queue.add_after("a", 2.0, now=10.0)
    assert (len(queue), queue.waiting, queue.next_ready_at()) == (0, 1, 12.0)
    assert queue.get() is None
    assert queue.advance(11.999) == 0
    assert queue.advance(12.0) == 1  # ready at exactly its time
    assert (len(queue), queue.waiting, queue.next_ready_at()) == (1, 0, None)
    assert queue.get() == "a"
    assert queue.retries == 1


@pytest.mark.parametrize("delay", [0.0, -1.0, 0])
def test_add_after_without_positive_delay_adds_at_once(delay: float) -> None:
    queue: WorkQueue[str] = WorkQueue()
    queue.add_after("a", delay, now=5.0)
    assert (len(queue), queue.waiting, queue.retries) == (1, 0, 1)


def test_add_after_a_delay_too_small_to_move_now_adds_at_once() -> None:
    queue: WorkQueue[str] = WorkQueue()
    queue.add_after("a", 1e-300, now=1e9)
    assert (len(queue), queue.waiting) == (1, 0)


def test_delayed_keys_come_out_by_ready_time_then_insertion() -> None:
    queue: WorkQueue[str] = WorkQueue()
    queue.add_after("x", 3.0, now=0.0)
    queue.add_after("y", 1.0, now=0.0)
    queue.add_after("z", 1.0, now=0.0)
    queue.add_after("w", 0.5, now=0.5)  # also ready at 1.0, set last
    queue.add("now")
    assert queue.next_ready_at() == 1.0
    assert queue.advance(10.0) == 4
    assert drain(queue) == ["now", "y", "z", "w", "x"]


def test_a_key_waiting_twice_keeps_the_earlier_time() -> None:
    queue: WorkQueue[str] = WorkQueue()
    queue.add_after("a", 5.0, now=0.0)
    queue.add_after("a", 2.0, now=0.0)  # earlier: wins
    queue.add_after("a", 9.0, now=0.0)  # later: dropped
    assert (queue.waiting, queue.next_ready_at()) == (1, 2.0)
    assert queue.advance(2.0) == 1
    assert drain(queue) == ["a"]
    # The superseded entry at 5.0 does not fire again.
    assert queue.next_ready_at() is None
    assert queue.advance(100.0) == 0
    assert queue.get() is None
    assert queue.retries == 3


def test_a_moved_deadline_orders_as_if_set_when_moved() -> None:
    queue: WorkQueue[str] = WorkQueue()
    queue.add_after("a", 5.0, now=0.0)
    queue.add_after("b", 2.0, now=0.0)
    queue.add_after("a", 2.0, now=0.0)
    queue.advance(2.0)
    assert drain(queue) == ["b", "a"]


def test_a_delayed_key_that_is_already_queued_is_added_once() -> None:
    queue: WorkQueue[str] = WorkQueue()
    queue.add_after("a", 1.0, now=0.0)
    queue.add("a")
    assert queue.advance(1.0) == 1  # falls due, but "a" is still queued: stingy
    assert drain(queue) == ["a"]
    assert queue.adds == 1


def test_a_delayed_key_processed_meanwhile_is_processed_again() -> None:
    # As in client-go, a waiting entry is independent of the dirty set.
    queue: WorkQueue[str] = WorkQueue()
    queue.add_after("a", 1.0, now=0.0)
    queue.add("a")
    assert drain(queue) == ["a"]
    queue.advance(1.0)
    assert drain(queue) == ["a"]


def test_a_delayed_key_falling_due_while_processing_waits_for_done() -> None:
    queue: WorkQueue[str] = WorkQueue()
    queue.add("a")
    assert queue.get() == "a"
    queue.add_after("a", 1.0, now=0.0)
    assert queue.advance(1.0) == 1
    assert queue.get() is None
    queue.done("a")
    assert drain(queue) == ["a"]


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf, "1", True, None])
def test_add_after_rejects_bad_delays_and_times(bad: object) -> None:
    queue: WorkQueue[str] = WorkQueue()
    with pytest.raises(ValueError) as info:
        queue.add_after("a", bad, now=0.0)  # type: ignore[arg-type]
    assert str(info.value) == f"delay must be a finite number, not {bad!r}"
    with pytest.raises(ValueError) as info:
        queue.add_after("a", 1.0, now=bad)  # type: ignore[arg-type]
    assert str(info.value) == f"now must be a finite number, not {bad!r}"
    with pytest.raises(ValueError) as info:
        queue.advance(bad)  # type: ignore[arg-type]
    assert str(info.value) == f"now must be a finite number, not {bad!r}"
    with pytest.raises(ValueError) as info:
        queue.add_rate_limited("a", bad)  # type: ignore[arg-type]
    assert str(info.value) == f"now must be a finite number, not {bad!r}"
    assert (len(queue), queue.waiting, queue.retries, queue.num_requeues("a")) == (0, 0, 0, 0)


def test_advance_backwards_releases_nothing() -> None:
    queue: WorkQueue[str] = WorkQueue()
    queue.add_after("a", 1.0, now=10.0)
    assert queue.advance(3.0) == 0
    assert queue.next_ready_at() == 11.0


# -- rate-limited adds ----------------------------------------------------------------------


def test_add_rate_limited_backs_off_per_key_until_forgotten() -> None:
    queue: WorkQueue[str] = WorkQueue(ItemExponentialFailureRateLimiter(base=1.0, max=60.0))
    ready = []
    now = 0.0
    for _ in range(4):
        queue.add_rate_limited("a", now)
        ready.append(queue.next_ready_at())
        now = queue.next_ready_at()
        queue.advance(now)
        assert drain(queue) == ["a"]
    assert ready == [1.0, 3.0, 7.0, 15.0]  # waits of 1, 2, 4, 8 s
    assert queue.num_requeues("a") == 4
    queue.forget("a")
    assert queue.num_requeues("a") == 0
    queue.add_rate_limited("a", now)
    assert queue.next_ready_at() == now + 1.0
    assert queue.retries == 5


def test_default_queue_uses_the_controller_rate_limiter() -> None:
    queue: WorkQueue[str] = WorkQueue(name="deployments")
    queue.add_rate_limited("ns/a", 100.0)
    queue.add_rate_limited("ns/a", 100.0)  # 10 ms later than the 5 ms one: dropped
    assert queue.next_ready_at() == pytest.approx(100.005)
    assert queue.num_requeues("ns/a") == 2
    assert "deployments" in repr(queue)


def test_forget_does_not_unqueue() -> None:
    queue: WorkQueue[str] = WorkQueue()
    queue.add_rate_limited("a", 0.0)
    queue.forget("a")
    assert queue.waiting == 1


# -- shutting down --------------------------------------------------------------------------


def test_shut_down_ignores_new_keys_but_hands_out_queued_ones() -> None:
    queue: WorkQueue[str] = WorkQueue()
    queue.add("a")
    queue.add("b")
    queue.add_after("late", 1.0, now=0.0)
    assert queue.get() == "a"
    queue.add("a")  # dirty while processing, before the shut-down
    queue.shut_down()
    assert queue.shutting_down
    assert (queue.waiting, queue.next_ready_at()) == (0, None)
    queue.add("c")
    queue.add_after("d", 1.0, now=0.0)
    queue.add_after("e", 0.0, now=0.0)
    queue.add_rate_limited("f", now=0.0)
    assert queue.num_requeues("f") == 0  # the limiter was not consulted
    assert queue.advance(10.0) == 0
    assert (queue.adds, queue.retries) == (3, 1)
    assert queue.get() == "b"
    queue.done("a")  # re-queued: it was added before the shut-down
    assert queue.get() == "a"
    assert queue.get() is None
    queue.done("b")
    queue.done("a")
    assert queue.drained
    assert not queue.draining
    queue.shut_down()  # idempotent
    assert queue.shutting_down


def test_shut_down_with_drain_waits_for_the_held_and_queued_keys() -> None:
    queue: WorkQueue[str] = WorkQueue()
    assert not queue.drained  # not shutting down yet
    queue.add("a")
    queue.add("b")
    assert queue.get() == "a"
    queue.shut_down_with_drain()
    assert queue.shutting_down
    assert (queue.draining, queue.drained) == (True, False)
    queue.done("a")
    # Nothing is being processed, but "b" is still queued: not drained yet.
    assert (queue.draining, queue.drained) == (True, False)
    assert queue.get() == "b"
    queue.done("b")
    assert (queue.draining, queue.drained) == (False, True)


def test_shut_down_cancels_a_drain() -> None:
    queue: WorkQueue[str] = WorkQueue()
    queue.add("a")
    queue.get()
    queue.shut_down_with_drain()
    assert queue.draining
    queue.shut_down()
    assert (queue.draining, queue.drained) == (False, False)


def test_an_idle_queue_drains_at_once() -> None:
    queue: WorkQueue[str] = WorkQueue()
    queue.shut_down_with_drain()
    assert (queue.draining, queue.drained) == (False, True)


# -- randomized: several workers, every operation -------------------------------------------


@attrs.define
class RecordingLimiter:
    """Delegates to a real limiter and remembers its last answer, for the model."""

    inner: RateLimiter
    last: float = 0.0

    def when(self, item: Hashable, now: float) -> float:
        self.last = self.inner.when(item, now)
        return self.last

    def forget(self, item: Hashable) -> None:
        self.inner.forget(item)

    def num_requeues(self, item: Hashable) -> int:
        return self.inner.num_requeues(item)


@attrs.define
class Model:
    """The client-go work queue in its plainest form: the reference the queue is checked with.

    ``pending`` is the dirty set: keys added (or fallen due) since they were last handed out.
    ``ready`` is the FIFO: pending keys not held by a worker, in the order they became ready.
    ``due`` maps each waiting key to (ready time, order its deadline was set).
    """

    held: dict[int, str] = attrs.Factory(dict)
    pending: dict[str, None] = attrs.Factory(dict)
    ready: list[str] = attrs.Factory(list)
    due: dict[str, tuple[float, int]] = attrs.Factory(dict)
    seq: int = 0
    shut: bool = False

    def add(self, key: str) -> None:
        if self.shut or key in self.pending:
            return
        self.pending[key] = None
        if key not in self.held.values():
            self.ready.append(key)

    def add_after(self, key: str, ready_at: float, now: float) -> None:
        if self.shut:
            return
        if ready_at <= now:
            self.add(key)
        elif key not in self.due or ready_at < self.due[key][0]:
            self.seq += 1
            self.due[key] = (ready_at, self.seq)

    def advance(self, now: float) -> int:
        fallen = sorted((when, key) for key, when in self.due.items() if when[0] <= now)
        for _, key in fallen:
            del self.due[key]
            self.add(key)
        return len(fallen)

    def done(self, worker: int) -> str:
        key = self.held.pop(worker)
        if key in self.pending:
            self.ready.append(key)
        return key

    def next_ready_at(self) -> float | None:
        return min((when for when, _ in self.due.values()), default=None)


KEYS = [f"ns/obj-{i}" for i in range(6)]
WORKERS = 3


def run_simulation(seed: int, steps: int) -> None:
    """Random adds / delayed adds / gets / dones / clock steps, checked against `Model`.

    After every step the queue must agree with the model: the key `get` hands out (FIFO),
    queue length, processing and waiting counts, the next deadline. Independently of the
    model's bookkeeping, a key handed out must not be held by another worker and must have
    been added since it was last handed out, and `get` returns None only if every pending
    key is held (no ready work withheld). At the end, after the clock has run past every
    deadline, no key is left unprocessed after its last add.
    """
    rng = random.Random(seed)
    limiter = RecordingLimiter(default_controller_rate_limiter())
    queue: WorkQueue[str] = WorkQueue(limiter)
    model = Model()
    now = 0.0
    shut_down_at = rng.randrange(steps * 2)  # about half the runs shut down midway
    handed_out = 0

    def take(worker: int, ctx: str) -> str | None:
        nonlocal handed_out
        key = queue.get()
        expected = model.ready.pop(0) if model.ready else None
        assert key == expected, f"{ctx}: got {key}, expected {expected}"
        if key is None:
            in_flight = list(model.held.values())
            assert all(k in in_flight for k in model.pending), f"{ctx}: ready work withheld"
            return None
        assert key not in model.held.values(), f"{ctx}: {key} handed out twice concurrently"
        assert key in model.pending, f"{ctx}: {key} handed out without a new add"
        del model.pending[key]
        model.held[worker] = key
        handed_out += 1
        return key

    def check(ctx: str) -> None:
        assert queue.processing == len(model.held), ctx
        assert len(queue) == len(model.ready), ctx
        assert queue.waiting == len(model.due), ctx
        assert queue.next_ready_at() == model.next_ready_at(), ctx

    for step in range(steps):
        ctx = f"seed={seed} step={step}"
        if step == shut_down_at:
            queue.shut_down()
            model.shut = True
            model.due.clear()
        op = rng.random()
        key = rng.choice(KEYS)
        if op < 0.25:
            queue.add(key)
            model.add(key)
        elif op < 0.35:
            delay = rng.choice([0.0, 0.01, 0.05, 0.2])
            queue.add_after(key, delay, now)
            model.add_after(key, now + delay, now)
        elif op < 0.42:
            limiter.last = 0.0
            queue.add_rate_limited(key, now)
            model.add_after(key, now + limiter.last, now)
        elif op < 0.45:
            queue.forget(key)
        elif op < 0.55:
            now += rng.choice([0.0, 0.001, 0.01, 0.1])
            assert queue.advance(now) == model.advance(now), ctx
        elif op < 0.80:
            free = [w for w in range(WORKERS) if w not in model.held]
            if free:
                take(rng.choice(free), ctx)
        elif model.held:
            queue.done(model.done(rng.choice(sorted(model.held))))
        check(ctx)

    # Finish: workers finish what they hold, and the clock jumps to each next deadline.
    for _ in range(100_000):
        ctx = f"seed={seed} final"
        for worker in sorted(model.held):
            queue.done(model.done(worker))
        if take(0, ctx) is not None:
            continue
        next_ready_at = queue.next_ready_at()
        if next_ready_at is None:
            break
        now = max(now, next_ready_at)
        assert queue.advance(now) == model.advance(now), ctx
        check(ctx)
    assert not model.pending, (
        f"seed={seed}: never processed after their last add: {list(model.pending)}"
    )
    assert not model.due and not model.held, f"seed={seed}"
    assert queue.processed == handed_out, f"seed={seed}"
    assert queue.drained == queue.shutting_down, f"seed={seed}"


@pytest.mark.parametrize("seed", range(8))
def test_random_workers_never_share_a_key_and_every_add_is_processed(seed: int) -> None:
    run_simulation(seed, steps=1500)
