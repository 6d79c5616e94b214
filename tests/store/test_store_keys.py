"""Key intervals, prefix ends and the chunked sorted key index."""

from __future__ import annotations

import bisect
import random

import pytest

from kactors.store import ALL_KEYS, EmptyKey, InvalidRange, InvalidRequest, prefix_end
from kactors.store.keys import check_range, in_range
from kactors.store.sorted_keys import SortedKeys


@pytest.mark.parametrize(
    ("prefix", "end"),
    [
        ("a", "b"),
        ("abc", "abd"),
        ("/registry/pods/", "/registry/pods0"),
        ("a\U0010ffff", "b"),
        ("a\U0010ffff\U0010ffff", "b"),
        ("\U0010ffff", ALL_KEYS),
        ("", ALL_KEYS),
    ],
)
def test_prefix_end_matches_etcd_get_prefix_range_end(prefix: str, end: str) -> None:
    assert prefix_end(prefix) == end


def test_prefix_interval_contains_exactly_the_prefixed_keys() -> None:
    keys = ["/r/p", "/r/p/", "/r/p/a", "/r/p/\U0010ffff", "/r/p0", "/r/q", "/r/o\U0010ffff"]
    end = prefix_end("/r/p/")
    assert [k for k in keys if in_range(k, "/r/p/", end)] == ["/r/p/", "/r/p/a", "/r/p/\U0010ffff"]


def test_check_range_normalises_and_rejects() -> None:
    assert check_range("a", None) is None
    assert check_range("a", "") is None
    assert check_range("a", ALL_KEYS) == ALL_KEYS
    assert check_range("a", "a") == "a"  # empty interval, valid
    with pytest.raises(EmptyKey, match="^key is not provided$"):
        check_range("", None)
    with pytest.raises(EmptyKey):
        check_range(None, None)
    with pytest.raises(InvalidRange, match="^range end is before key$") as info:
        check_range("b", "a")
    assert (info.value.key, info.value.range_end) == ("b", "a")
    with pytest.raises(InvalidRequest, match="^key must be a str, not bytes$"):
        check_range(b"a", None)
    with pytest.raises(InvalidRequest, match="^range_end must be a str, not int$"):
        check_range("a", 3)


def test_in_range_single_bounded_and_unbounded() -> None:
    assert in_range("a", "a", None) and not in_range("ab", "a", None)
    assert in_range("ab", "a", "b") and not in_range("b", "a", "b")
    assert in_range("zzz", "b", ALL_KEYS) and not in_range("a", "b", ALL_KEYS)


@pytest.mark.parametrize("seed", range(3))
def test_sorted_keys_behaves_like_a_sorted_list(seed: int) -> None:
    rng = random.Random(seed)
    universe = [f"k{rng.randrange(5000):05d}" for _ in range(3000)]
    index = SortedKeys()
    model: list[str] = []
    for step in range(6000):
        key = rng.choice(universe)
        if rng.random() < 0.6:
            added = index.add(key)
            assert added == (key not in model), f"seed={seed} step={step}"
            if added:
                bisect.insort(model, key)
        else:
            removed = index.discard(key)
            assert removed == (key in model), f"seed={seed} step={step}"
            if removed:
                model.remove(key)
        if step % 500 == 0:
            assert list(index) == model, f"seed={seed} step={step}"
    assert len(index) == len(model)
    for _ in range(200):
        a, b = sorted(rng.sample(universe, 2))
        expected = [k for k in model if a <= k < b]
        assert list(index.irange(a, b)) == expected, f"seed={seed} [{a},{b})"
        assert index.count(a, b) == len(expected), f"seed={seed} [{a},{b})"
        tail = [k for k in model if k >= a]
        assert list(index.irange(a, ALL_KEYS)) == tail, f"seed={seed} [{a},)"
        assert index.count(a, ALL_KEYS) == len(tail), f"seed={seed} [{a},)"
        assert index.count(b, a) == 0 or a == b
        assert (a in index) == (a in model)
        assert list(index.irange(a, None)) == ([a] if a in model else [])


def test_sorted_keys_bulk_load_and_splits_keep_order() -> None:
    keys = [f"{i:06d}" for i in range(5000)]
    index = SortedKeys(keys)
    assert list(index) == keys
    for i in range(5000):  # interleave new keys into every chunk to force splits
        index.add(f"{i:06d}x")
    assert list(index) == sorted(keys + [f"{i:06d}x" for i in range(5000)])
    assert index.count("001000", "002000") == 2000
