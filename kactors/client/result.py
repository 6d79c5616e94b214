"""What a reconcile returns, and what the controller then does with the key.

Mirrors controller-runtime's ``reconcile.Result`` / ``reconcile.TerminalError`` and the
switch in its ``reconcileHandler``: a reconcile either succeeds (maybe asking to run again,
now-ish or after a while) or fails; a failure is retried with per-key exponential backoff
unless it is *terminal*, i.e. retrying cannot help (an invalid spec) and only a new change
to the object, which adds the key again, should trigger another reconcile.
`after_reconcile` applies those rules to a `WorkQueue`, so every controller gets them alike.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Hashable
from typing import TypeVar

import attrs

from kactors.client.workqueue import WorkQueue

__all__ = ["Disposition", "Result", "TerminalError", "after_reconcile", "is_terminal"]

K = TypeVar("K", bound=Hashable)


def _check_requeue_after(_instance: object, _attribute: object, value: float | None) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int | float) or not (
        0 <= value < math.inf
    ):
        raise ValueError(f"requeue_after must be None or a finite non-negative number of "
                         f"seconds, not {value!r}")


@attrs.frozen
class Result:
    """A successful reconcile's request to run again.

    ``requeue_after`` (seconds; None or 0 means unset) asks for another reconcile after that
    long, the way to poll for something the controller cannot watch; it takes precedence over
    ``requeue``. ``requeue=True`` asks for a rate-limited requeue (controller-runtime has
    deprecated it: the limiter's backoff is meant for errors, not for polling).
    """

    requeue: bool = False
    requeue_after: float | None = attrs.field(default=None, validator=_check_requeue_after)


class TerminalError(Exception):
    """A reconcile failure that retrying cannot fix: the key is not requeued.

    Wraps the underlying exception (also set as ``__cause__`` so tracebacks show it).
    An exception raised ``from`` a TerminalError is terminal too (see `is_terminal`).
    """

    def __init__(self, cause: BaseException | None = None) -> None:
        super().__init__(cause)
        self.cause = cause
        self.__cause__ = cause

    def __str__(self) -> str:
        return "terminal error" if self.cause is None else f"terminal error: {self.cause}"


def is_terminal(error: BaseException) -> bool:
    """Whether ``error`` is, or was raised ``from``, a `TerminalError` (at any depth).

    The Python spelling of Go's ``errors.Is(err, reconcile.TerminalError(nil))``, which
    looks through wrapped errors; ``__cause__`` is the explicit wrapping (``raise ... from``),
    while the implicit ``__context__`` (an error *while handling* another) is not followed.
    """
    seen: dict[int, None] = {}
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        if isinstance(current, TerminalError):
            return True
        seen[id(current)] = None
        current = current.__cause__
    return False


class Disposition(enum.Enum):
    """Which rule `after_reconcile` applied (controller-runtime's reconcile-total labels)."""

    SUCCESS = "success"
    ERROR = "error"
    TERMINAL_ERROR = "terminal_error"
    REQUEUE_AFTER = "requeue_after"
    REQUEUE = "requeue"


def after_reconcile(
    queue: WorkQueue[K], key: K, outcome: Result | Exception, now: float
) -> Disposition:
    """Requeue or forget ``key`` according to its reconcile's ``outcome``, then mark it done.

    The rules, in order (controller-runtime's ``reconcileHandler``):

    1. A terminal error (`is_terminal`): forget the key's backoff, no retry. controller-runtime
       leaves the backoff count alone here; it is reset because a terminal error ends this run
       of failures: the next reconcile comes from a new change and deserves a fresh backoff.
    2. Any other exception: `WorkQueue.add_rate_limited`, i.e. retry after the per-key
       exponential backoff (5 ms, 10 ms, ... by default). The key is not forgotten, so
       repeated failures back off further. (A Result cannot come with an exception here, so
       controller-runtime's "result ignored when there is an error" holds by construction.)
    3. ``Result(requeue_after=x)`` with x > 0: forget the backoff (the reconcile succeeded)
       and `WorkQueue.add_after` x seconds: a poll, not a retry.
    4. ``Result(requeue=True)``: `WorkQueue.add_rate_limited` (without forgetting).
    5. Otherwise, success: forget the backoff; the key comes back only when something adds it.

    `WorkQueue.done` comes last in every case: a requeue made while the key is still being
    processed (a delay of 0) only marks it dirty, and `done` queues it again, so the key is
    never reconciled twice at once. Returns the rule applied.
    """
    if isinstance(outcome, Exception):
        if is_terminal(outcome):
            queue.forget(key)
            disposition = Disposition.TERMINAL_ERROR
        else:
            queue.add_rate_limited(key, now)
            disposition = Disposition.ERROR
    elif isinstance(outcome, Result):
        if outcome.requeue_after:  # None and 0 both mean "unset", as Go's zero Duration
            queue.forget(key)
            queue.add_after(key, outcome.requeue_after, now)
            disposition = Disposition.REQUEUE_AFTER
        elif outcome.requeue:
            queue.add_rate_limited(key, now)
            disposition = Disposition.REQUEUE
        else:
            queue.forget(key)
            disposition = Disposition.SUCCESS
    else:
        raise TypeError(f"outcome must be a Result or an Exception, not {outcome!r}")
    queue.done(key)
    return disposition
