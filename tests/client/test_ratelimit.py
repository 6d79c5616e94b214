"""Rate limiters: client-go's backoff curves and token bucket, on an injected clock."""

from __future__ import annotations

import math

import pytest

from kactors.client.ratelimit import (
    BucketRateLimiter,
    ItemExponentialFailureRateLimiter,
    ItemFastSlowRateLimiter,
    MaxOfRateLimiter,
    default_controller_rate_limiter,
)

# -- ItemExponentialFailureRateLimiter ------------------------------------------------------


def test_exponential_doubles_from_base_then_caps_at_max() -> None:
    limiter = ItemExponentialFailureRateLimiter()
    delays = [limiter.when("ns/a", now=0.0) for _ in range(21)]
    assert delays[:4] == pytest.approx([0.005, 0.010, 0.020, 0.040])
    # 0.005 * 2**17 = 655.36 s is the last uncapped delay; 2**18 would be 1310.72 s.
    assert delays[17] == pytest.approx(655.36)
    assert delays[18:] == [1000.0, 1000.0, 1000.0]
    assert delays[:18] == [0.005 * 2**n for n in range(18)]
    assert limiter.num_requeues("ns/a") == 21


def test_exponential_never_overflows() -> None:
    limiter = ItemExponentialFailureRateLimiter(base=1.0, max=60.0)
    delays = [limiter.when("k", 0.0) for _ in range(1100)]
    assert delays[-1] == 60.0
    assert limiter.num_requeues("k") == 1100


def test_exponential_keys_are_independent_and_forget_resets() -> None:
    limiter = ItemExponentialFailureRateLimiter(base=1.0, max=100.0)
    assert [limiter.when("a", 0.0) for _ in range(3)] == [1.0, 2.0, 4.0]
    assert limiter.when("b", 0.0) == 1.0
    assert (limiter.num_requeues("a"), limiter.num_requeues("b")) == (3, 1)
    limiter.forget("a")
    assert limiter.num_requeues("a") == 0
    assert limiter.when("a", 0.0) == 1.0
    assert limiter.when("b", 0.0) == 2.0
    limiter.forget("never-seen")  # no error


def test_exponential_ignores_now() -> None:
    limiter = ItemExponentialFailureRateLimiter(base=1.0, max=100.0)
    assert [limiter.when("a", now) for now in (0.0, 500.0, 3.0)] == [1.0, 2.0, 4.0]


@pytest.mark.parametrize("bad", [-1.0, math.nan, math.inf, "1", True, None])
def test_exponential_rejects_bad_durations(bad: object) -> None:
    with pytest.raises(ValueError) as info:
        ItemExponentialFailureRateLimiter(base=bad)  # type: ignore[arg-type]
    assert str(info.value) == (
        f"base must be a finite non-negative number of seconds, not {bad!r}"
    )
    with pytest.raises(ValueError) as info:
        ItemExponentialFailureRateLimiter(max=bad)  # type: ignore[arg-type]
    assert str(info.value) == f"max must be a finite non-negative number of seconds, not {bad!r}"


def test_exponential_zero_base_never_delays() -> None:
    limiter = ItemExponentialFailureRateLimiter(base=0, max=10.0)
    assert [limiter.when("a", 0.0) for _ in range(3)] == [0.0, 0.0, 0.0]


# -- ItemFastSlowRateLimiter ----------------------------------------------------------------


def test_fast_slow_switches_after_the_fast_attempts() -> None:
    limiter = ItemFastSlowRateLimiter(fast=0.01, slow=5.0, max_fast_attempts=3)
    assert [limiter.when("a", 0.0) for _ in range(5)] == [0.01, 0.01, 0.01, 5.0, 5.0]
    assert limiter.when("b", 0.0) == 0.01
    assert limiter.num_requeues("a") == 5
    limiter.forget("a")
    assert limiter.num_requeues("a") == 0
    assert limiter.when("a", 0.0) == 0.01


def test_fast_slow_with_no_fast_attempts_is_always_slow() -> None:
    limiter = ItemFastSlowRateLimiter(fast=0.0, slow=2.0, max_fast_attempts=0)
    assert limiter.when("a", 0.0) == 2.0


@pytest.mark.parametrize("bad", [-1, 1.5, True, "3"])
def test_fast_slow_rejects_bad_attempts(bad: object) -> None:
    with pytest.raises(ValueError) as info:
        ItemFastSlowRateLimiter(fast=0.0, slow=1.0, max_fast_attempts=bad)  # type: ignore[arg-type]
    assert str(info.value) == f"max_fast_attempts must be a non-negative int, not {bad!r}"


def test_fast_slow_rejects_bad_delays() -> None:
    with pytest.raises(ValueError) as info:
        ItemFastSlowRateLimiter(fast=0.0, slow=-2.0, max_fast_attempts=1)
    assert str(info.value) == "slow must be a finite non-negative number of seconds, not -2.0"


# -- BucketRateLimiter ----------------------------------------------------------------------


def test_bucket_allows_the_burst_then_spaces_by_qps() -> None:
    limiter = BucketRateLimiter(qps=10.0, burst=100)
    assert [limiter.when(f"k{i}", now=0.0) for i in range(100)] == [0.0] * 100
    # The bucket is empty: each further caller waits one more 1/qps slot.
    assert [limiter.when("x", 0.0) for _ in range(3)] == pytest.approx([0.1, 0.2, 0.3])
    assert limiter.tokens == pytest.approx(-3.0)


def test_bucket_refills_with_time_up_to_the_burst() -> None:
    limiter = BucketRateLimiter(qps=2.0, burst=3)
    assert [limiter.when("k", 0.0) for _ in range(4)] == [0.0, 0.0, 0.0, 0.5]
    # One second later 2 tokens have come back, paying the debt of 1 and leaving 1.
    assert limiter.when("k", 1.0) == 0.0
    assert limiter.when("k", 1.0) == pytest.approx(0.5)
    # A long pause refills to the burst, never beyond it.
    assert [limiter.when("k", 100.0) for _ in range(4)] == [0.0, 0.0, 0.0, 0.5]


def test_bucket_spacing_holds_for_callers_arriving_on_time() -> None:
    limiter = BucketRateLimiter(qps=10.0, burst=1)
    assert limiter.when("k", 0.0) == 0.0
    # Callers that come back exactly when told never wait again: steady 10 qps.
    assert limiter.when("k", 0.1) == pytest.approx(0.0, abs=1e-12)
    assert limiter.when("k", 0.1) == pytest.approx(0.1)


def test_bucket_does_not_refill_when_time_goes_backwards() -> None:
    limiter = BucketRateLimiter(qps=1.0, burst=1)
    assert limiter.when("k", 10.0) == 0.0
    assert limiter.when("k", 5.0) == 1.0
    # Go's limiter moves `last` back too: from 5.0, one second refills one token.
    assert limiter.when("k", 6.0) == 1.0


def test_bucket_ignores_keys() -> None:
    limiter = BucketRateLimiter(qps=1.0, burst=1)
    limiter.when("a", 0.0)
    limiter.forget("a")
    assert limiter.num_requeues("a") == 0
    assert limiter.when("b", 0.0) == 1.0  # "a" spent the shared token


def test_unlimited_bucket_never_delays() -> None:
    limiter = BucketRateLimiter(qps=math.inf, burst=1)
    assert [limiter.when("k", 0.0) for _ in range(5)] == [0.0] * 5


@pytest.mark.parametrize("bad", [0, -1.0, math.nan, "10", False])
def test_bucket_rejects_bad_qps(bad: object) -> None:
    with pytest.raises(ValueError) as info:
        BucketRateLimiter(qps=bad)  # type: ignore[arg-type]
    assert str(info.value) == f"qps must be a positive number, not {bad!r}"


@pytest.mark.parametrize("bad", [0, -3, 2.0, True])
def test_bucket_rejects_bad_burst(bad: object) -> None:
    with pytest.raises(ValueError) as info:
        BucketRateLimiter(burst=bad)  # type: ignore[arg-type]
    assert str(info.value) == f"burst must be a positive int, not {bad!r}"


@pytest.mark.parametrize("bad", [math.nan, math.inf, "0", None])
def test_bucket_rejects_bad_now(bad: object) -> None:
    limiter = BucketRateLimiter()
    with pytest.raises(ValueError) as info:
        limiter.when("k", bad)  # type: ignore[arg-type]
    assert str(info.value) == f"now must be a finite number, not {bad!r}"
    assert limiter.tokens == 100.0


# -- MaxOfRateLimiter and the default -------------------------------------------------------


def test_max_of_returns_the_longest_wait_and_fans_out() -> None:
    slow = ItemFastSlowRateLimiter(fast=0.5, slow=9.0, max_fast_attempts=1)
    exponential = ItemExponentialFailureRateLimiter(base=1.0, max=100.0)
    limiter = MaxOfRateLimiter(slow, exponential)
    assert [limiter.when("a", 0.0) for _ in range(5)] == [1.0, 9.0, 9.0, 9.0, 16.0]
    assert limiter.num_requeues("a") == 5
    exponential.forget("a")
    assert limiter.num_requeues("a") == 5  # the largest count
    limiter.forget("a")
    assert (slow.num_requeues("a"), exponential.num_requeues("a")) == (0, 0)


def test_max_of_asks_every_limiter_even_when_another_wins() -> None:
    bucket = BucketRateLimiter(qps=1.0, burst=2)
    limiter = MaxOfRateLimiter(ItemExponentialFailureRateLimiter(base=10.0, max=100.0), bucket)
    assert limiter.when("a", 0.0) == 10.0
    assert bucket.tokens == 1.0


def test_max_of_nothing_never_delays() -> None:
    limiter = MaxOfRateLimiter()
    assert limiter.when("a", 0.0) == 0.0
    assert limiter.num_requeues("a") == 0


def test_default_controller_rate_limiter_is_exponential_then_bucket_bound() -> None:
    limiter = default_controller_rate_limiter()
    # Per key: 5 ms, 10 ms, 20 ms (the bucket has tokens to spare).
    assert [limiter.when("ns/a", 0.0) for _ in range(3)] == pytest.approx([0.005, 0.01, 0.02])
    # 97 more first failures of distinct keys spend the rest of the 100-token burst ...
    assert {limiter.when(f"ns/k{i}", 0.0) for i in range(97)} == {0.005}
    # ... after which the 10 qps bucket dominates a first failure's 5 ms.
    assert limiter.when("ns/late", 0.0) == pytest.approx(0.1)
    assert limiter.when("ns/later", 0.0) == pytest.approx(0.2)
    assert limiter.num_requeues("ns/a") == 3
    limiter.forget("ns/a")
    assert limiter.num_requeues("ns/a") == 0
