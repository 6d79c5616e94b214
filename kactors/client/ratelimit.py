"""Rate limiters for work-queue retries, as in client-go's ``workqueue/default_rate_limiters.go``.

A rate limiter answers one question: *how long should this key wait before it is retried?*
(`RateLimiter.when`). Each call counts as one more retry of the key; `RateLimiter.forget`
ends the key's retry history (after a success, or when the controller gives up) and
`RateLimiter.num_requeues` reports it.

Unlike client-go, nothing here reads a clock: ``when`` takes ``now`` (seconds, any epoch) from
the caller, so a limiter is a pure, deterministic object that tests can drive step by step.
Per-key limiters ignore ``now``; the token bucket needs it to refill.
"""

from __future__ import annotations

import math
from collections.abc import Hashable
from typing import Protocol

import attrs

__all__ = [
    "BucketRateLimiter",
    "ItemExponentialFailureRateLimiter",
    "ItemFastSlowRateLimiter",
    "MaxOfRateLimiter",
    "RateLimiter",
    "default_controller_rate_limiter",
]


class RateLimiter(Protocol):
    """What `WorkQueue.add_rate_limited` needs (client-go's ``RateLimiter`` interface)."""

    def when(self, item: Hashable, now: float) -> float:
        """Seconds ``item`` should wait before its next retry; records one more retry."""
        ...

    def forget(self, item: Hashable) -> None:
        """Stop tracking ``item``: its next failure starts from the first delay again."""
        ...

    def num_requeues(self, item: Hashable) -> int:
        """How many retries of ``item`` this limiter has counted since it was last forgotten."""
        ...


def _is_number(value: object) -> bool:
    # bool is an int subclass, but True seconds is a bug, not a duration.
    return isinstance(value, int | float) and not isinstance(value, bool)


def _seconds(_instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    """attrs validator: a finite, non-negative duration."""
    if not (_is_number(value) and 0 <= value < math.inf):
        raise ValueError(f"{attribute.name} must be a finite non-negative number of seconds, "
                         f"not {value!r}")


def _check_now(now: float) -> None:
    if not (_is_number(now) and math.isfinite(now)):
        raise ValueError(f"now must be a finite number, not {now!r}")


@attrs.define(eq=False)
class ItemExponentialFailureRateLimiter:
    """Per-key exponential backoff: ``base * 2**failures``, capped at ``max``.

    The n-th retry of a key (counting from 0 since it was last forgotten) waits
    ``min(base * 2**n, max)``: with client-go's controller defaults, 5 ms, 10 ms, 20 ms, ...
    reaching the 1000 s cap after 18 doublings. Keys are independent: one failing object does
    not slow the others down. Callers must `forget` a key once it succeeds, or its next failure
    (maybe days later) would start at the long end of the curve.
    """

    base: float = attrs.field(default=0.005, validator=_seconds)
    max: float = attrs.field(default=1000.0, validator=_seconds)
    _failures: dict[Hashable, int] = attrs.field(init=False, factory=dict, repr=False)

    def when(self, item: Hashable, now: float) -> float:
        """The key's next backoff; ``now`` is unused (the delay depends only on its failures)."""
        exponent = self._failures.get(item, 0)
        self._failures[item] = exponent + 1
        # 2.0**1023 is the largest finite power; beyond it the product is capped anyway
        # (a product that overflows is inf, which `min` also caps).
        return min(self.base * 2.0 ** min(exponent, 1023), self.max)

    def forget(self, item: Hashable) -> None:
        self._failures.pop(item, None)

    def num_requeues(self, item: Hashable) -> int:
        return self._failures.get(item, 0)


@attrs.define(eq=False)
class ItemFastSlowRateLimiter:
    """Per-key: ``fast`` for the first ``max_fast_attempts`` retries, then ``slow`` forever.

    For work that is expected to succeed after a few quick tries (waiting for a cache to catch
    up) and should then back off to a slow poll rather than grow without bound.
    """

    fast: float = attrs.field(validator=_seconds)
    slow: float = attrs.field(validator=_seconds)
    max_fast_attempts: int = attrs.field()
    _failures: dict[Hashable, int] = attrs.field(init=False, factory=dict, repr=False)

    @max_fast_attempts.validator
    def _check_attempts(self, _attribute: attrs.Attribute[int], value: int) -> None:
        if value.__class__ is not int or value < 0:
            raise ValueError(f"max_fast_attempts must be a non-negative int, not {value!r}")

    def when(self, item: Hashable, now: float) -> float:
        """``fast`` while the key's retries (this one included) are within the fast budget."""
        failures = self._failures.get(item, 0) + 1
        self._failures[item] = failures
        return self.fast if failures <= self.max_fast_attempts else self.slow

    def forget(self, item: Hashable) -> None:
        self._failures.pop(item, None)

    def num_requeues(self, item: Hashable) -> int:
        return self._failures.get(item, 0)


@attrs.define(eq=False)
class BucketRateLimiter:
    """A token bucket shared by *all* keys: ``burst`` retries at once, then ``qps`` per second.

    This bounds the total retry rate of a controller, whatever the number of failing keys
    (the per-key limiters bound each key separately). It reproduces
    ``golang.org/x/time/rate.Limiter.Reserve().Delay()``: the bucket starts full, refills
    continuously at ``qps`` tokens per second up to ``burst``, and every call takes one token
    even when none is left, so the balance goes negative and each caller is told how long
    until *its* token will have been refilled. Retries are thus spaced ``1/qps`` apart once the
    burst is spent. If ``now`` goes backwards, the bucket just does not refill (as in Go).
    Keys are not tracked: `num_requeues` is always 0 and `forget` does nothing.
    """

    qps: float = attrs.field(default=10.0)
    burst: int = attrs.field(default=100)
    _tokens: float = attrs.field(init=False, repr=False)
    _last: float | None = attrs.field(init=False, default=None, repr=False)

    @qps.validator
    def _check_qps(self, _attribute: attrs.Attribute[float], value: float) -> None:
        # math.inf is allowed: an unlimited bucket (Go's rate.Inf) never delays.
        if not (_is_number(value) and value > 0):
            raise ValueError(f"qps must be a positive number, not {value!r}")

    @burst.validator
    def _check_burst(self, _attribute: attrs.Attribute[int], value: int) -> None:
        if value.__class__ is not int or value < 1:
            raise ValueError(f"burst must be a positive int, not {value!r}")

    def __attrs_post_init__(self) -> None:
        self._tokens = float(self.burst)

    @property
    def tokens(self) -> float:
        """Tokens left after the last `when` (negative: callers are already waiting in line)."""
        return self._tokens

    def when(self, item: Hashable, now: float) -> float:
        """Take one token at ``now``; the wait until it is (or would have been) available."""
        _check_now(now)
        if self.qps == math.inf:
            return 0.0
        tokens = self._tokens
        if self._last is not None:
            elapsed = max(0.0, now - self._last)
            tokens = min(float(self.burst), tokens + elapsed * self.qps)
        tokens -= 1.0
        self._tokens = tokens
        self._last = now
        return -tokens / self.qps if tokens < 0 else 0.0

    def forget(self, item: Hashable) -> None:
        """Nothing to forget: the bucket is shared, not per key."""

    def num_requeues(self, item: Hashable) -> int:
        return 0


@attrs.define(eq=False, init=False)
class MaxOfRateLimiter:
    """Asks every limiter and returns the longest wait (the worst case wins).

    Every limiter is asked on every call, so each one records the retry: a shared bucket
    spends a token even when a per-key backoff is the longer wait. As client-go warns, a
    bucket's burst can therefore appear exceeded when some keys were held back longer by
    their own backoff. `forget` is passed to all; `num_requeues` is the largest count.
    """

    limiters: tuple[RateLimiter, ...]

    def __init__(self, *limiters: RateLimiter) -> None:
        self.__attrs_init__(limiters)

    def when(self, item: Hashable, now: float) -> float:
        """The longest of the limiters' waits (0.0 with no limiters)."""
        return max((limiter.when(item, now) for limiter in self.limiters), default=0.0)

    def forget(self, item: Hashable) -> None:
        for limiter in self.limiters:
            limiter.forget(item)

    def num_requeues(self, item: Hashable) -> int:
        return max((limiter.num_requeues(item) for limiter in self.limiters), default=0)


def default_controller_rate_limiter() -> MaxOfRateLimiter:
    """client-go's ``DefaultControllerRateLimiter``: per-key 5 ms..1000 s, overall 10 qps/100.

    The per-key exponential backoff keeps one broken object from hot-looping; the shared
    bucket keeps many failing objects together from flooding the API server.
    """
    return MaxOfRateLimiter(
        ItemExponentialFailureRateLimiter(base=0.005, max=1000.0),
        BucketRateLimiter(qps=10.0, burst=100),
    )
