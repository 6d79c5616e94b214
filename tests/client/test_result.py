"""after_reconcile: controller-runtime's rules for what happens to a key after reconcile."""

from __future__ import annotations

import math

import pytest

from kactors.client.ratelimit import ItemExponentialFailureRateLimiter, ItemFastSlowRateLimiter
from kactors.client.result import (
    Disposition,
    Result,
    TerminalError,
    after_reconcile,
    is_terminal,
)
from kactors.client.workqueue import WorkQueue

KEY = "ns/a"


def processing_queue(failures: int = 0) -> WorkQueue[str]:
    """A queue (backoff 1 s, 2 s, 4 s, ...) holding KEY, after ``failures`` counted retries."""
    queue: WorkQueue[str] = WorkQueue(ItemExponentialFailureRateLimiter(base=1.0, max=100.0))
    for _ in range(failures):
        queue.rate_limiter.when(KEY, 0.0)
    queue.add(KEY)
    assert queue.get() == KEY
    return queue


def test_success_forgets_and_does_not_requeue() -> None:
    queue = processing_queue(failures=3)
    assert after_reconcile(queue, KEY, Result(), now=10.0) is Disposition.SUCCESS
    assert queue.num_requeues(KEY) == 0
    assert (queue.processing, len(queue), queue.waiting, queue.retries) == (0, 0, 0, 0)


def test_an_error_requeues_with_growing_per_key_backoff() -> None:
    queue = processing_queue(failures=2)
    assert after_reconcile(queue, KEY, RuntimeError("boom"), now=10.0) is Disposition.ERROR
    assert queue.processing == 0
    assert queue.num_requeues(KEY) == 3
    assert queue.next_ready_at() == 14.0  # third retry: 4 s
    queue.advance(14.0)
    assert queue.get() == KEY
    after_reconcile(queue, KEY, RuntimeError("boom"), now=14.0)
    assert queue.next_ready_at() == 22.0  # then 8 s


def test_a_requeue_with_no_delay_is_held_until_done() -> None:
    queue: WorkQueue[str] = WorkQueue(ItemFastSlowRateLimiter(fast=0.0, slow=1.0,
                                                              max_fast_attempts=5))
    queue.add(KEY)
    assert queue.get() == KEY
    # The requeue happens while KEY is still processing: only `done` may queue it again.
    after_reconcile(queue, KEY, ValueError("conflict"), now=0.0)
    assert (queue.processing, len(queue)) == (0, 1)
    assert queue.get() == KEY


def test_a_terminal_error_forgets_and_does_not_retry() -> None:
    queue = processing_queue(failures=3)
    outcome = TerminalError(ValueError("spec.replicas must be >= 0"))
    assert after_reconcile(queue, KEY, outcome, now=10.0) is Disposition.TERMINAL_ERROR
    assert queue.num_requeues(KEY) == 0
    assert (queue.processing, len(queue), queue.waiting, queue.retries) == (0, 0, 0, 0)


def test_an_error_raised_from_a_terminal_error_is_terminal() -> None:
    queue = processing_queue()
    try:
        try:
            raise TerminalError(KeyError("x"))
        except TerminalError as terminal:
            raise RuntimeError("while syncing") from terminal
    except RuntimeError as wrapped:
        outcome = wrapped
    assert after_reconcile(queue, KEY, outcome, now=0.0) is Disposition.TERMINAL_ERROR
    assert queue.waiting == 0


def test_is_terminal_follows_causes_not_contexts() -> None:
    terminal = TerminalError()
    deep = RuntimeError("outer")
    middle = OSError("middle")
    deep.__cause__ = middle
    middle.__cause__ = terminal
    assert is_terminal(deep)
    implicit = RuntimeError("raised while handling")
    implicit.__context__ = terminal
    assert not is_terminal(implicit)
    assert not is_terminal(ValueError("plain"))


def test_is_terminal_survives_a_cause_cycle() -> None:
    a, b = RuntimeError("a"), RuntimeError("b")
    a.__cause__, b.__cause__ = b, a
    assert not is_terminal(a)


def test_requeue_after_forgets_and_adds_after_the_delay() -> None:
    queue = processing_queue(failures=3)
    outcome = Result(requeue_after=30.0)
    assert after_reconcile(queue, KEY, outcome, now=10.0) is Disposition.REQUEUE_AFTER
    assert queue.num_requeues(KEY) == 0
    assert (queue.processing, queue.next_ready_at()) == (0, 40.0)


def test_requeue_after_takes_precedence_over_requeue() -> None:
    queue = processing_queue()
    outcome = Result(requeue=True, requeue_after=2.5)
    assert after_reconcile(queue, KEY, outcome, now=0.0) is Disposition.REQUEUE_AFTER
    assert (queue.next_ready_at(), queue.num_requeues(KEY)) == (2.5, 0)


def test_requeue_is_rate_limited_and_keeps_the_backoff() -> None:
    queue = processing_queue(failures=1)
    assert after_reconcile(queue, KEY, Result(requeue=True), now=10.0) is Disposition.REQUEUE
    assert queue.num_requeues(KEY) == 2
    assert (queue.processing, queue.next_ready_at()) == (0, 12.0)


def test_zero_requeue_after_means_unset() -> None:
    queue = processing_queue(failures=1)
    assert after_reconcile(queue, KEY, Result(requeue_after=0), now=0.0) is Disposition.SUCCESS
    assert (queue.waiting, len(queue), queue.num_requeues(KEY)) == (0, 0, 0)
    queue = processing_queue()
    outcome = Result(requeue=True, requeue_after=0.0)
    assert after_reconcile(queue, KEY, outcome, now=0.0) is Disposition.REQUEUE


def test_after_shut_down_nothing_is_requeued_but_the_key_is_done() -> None:
    queue = processing_queue()
    queue.shut_down()
    assert after_reconcile(queue, KEY, RuntimeError("x"), now=0.0) is Disposition.ERROR
    assert (queue.processing, queue.waiting, len(queue)) == (0, 0, 0)
    assert queue.drained


def test_a_bad_outcome_is_rejected_before_touching_the_queue() -> None:
    queue = processing_queue()
    with pytest.raises(TypeError) as info:
        after_reconcile(queue, KEY, None, now=0.0)  # type: ignore[arg-type]
    assert str(info.value) == "outcome must be a Result or an Exception, not None"
    assert queue.is_processing(KEY)


def test_done_for_a_key_not_processing_still_fails() -> None:
    queue: WorkQueue[str] = WorkQueue()
    with pytest.raises(ValueError) as info:
        after_reconcile(queue, KEY, Result(), now=0.0)
    assert str(info.value) == "done('ns/a'): the key is not being processed"


@pytest.mark.parametrize("bad", [-1.0, math.nan, math.inf, "5", True])
def test_result_rejects_bad_requeue_after(bad: object) -> None:
    with pytest.raises(ValueError) as info:
        Result(requeue_after=bad)  # type: ignore[arg-type]
    assert str(info.value) == (
        f"requeue_after must be None or a finite non-negative number of seconds, not {bad!r}"
    )


def test_result_is_frozen_and_compares_by_value() -> None:
    assert Result() == Result(requeue=False, requeue_after=None)
    assert Result(requeue_after=1.0) != Result(requeue_after=2.0)
    with pytest.raises(AttributeError):
        Result().requeue = True  # type: ignore[misc]


def test_terminal_error_wraps_its_cause() -> None:
    cause = ValueError("bad spec")
    error = TerminalError(cause)
    assert (error.cause, error.__cause__) == (cause, cause)
    assert str(error) == "terminal error: bad spec"
    assert str(TerminalError()) == "terminal error"
    assert is_terminal(error)
