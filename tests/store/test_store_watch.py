"""WatchHub: ordered, unique, atomic, reliable, resumable; catch-up, progress, cancel."""

from __future__ import annotations

import random

import pytest

from kactors.store import (
    ALL_KEYS,
    Compacted,
    EmptyKey,
    Event,
    InvalidRange,
    InvalidRequest,
    MVCCStore,
    Put,
    WatchHub,
    WatchResponse,
    prefix_end,
)
from kactors.store.keys import in_range

from .model import INTERVALS, KEYS


class Harness:
    """A store plus its hub, synced after every write like the state machine does."""

    def __init__(self) -> None:
        self.store = MVCCStore()
        self.hub = WatchHub(self.store)
        self.out: list[WatchResponse] = []

    def put(self, key: str, value: object = 0) -> None:
        self.store.put(key, value)
        self.out += self.hub.sync()

    def delete(self, key: str, end: str | None = None) -> None:
        self.store.delete_range(key, end)
        self.out += self.hub.sync()

    def txn(self, *keys: str) -> None:
        self.store.txn((), tuple(Put(k, 0) for k in keys))
        self.out += self.hub.sync()

    def take(self) -> list[WatchResponse]:
        out, self.out = self.out, []
        return out


def keys_of(response: WatchResponse) -> list[str]:
    return [e.kv.key for e in response.events]


def test_exact_prefix_range_and_all_watchers_see_their_keys_only() -> None:
    h = Harness()
    exact = h.hub.watch("a").watch_id
    prefix = h.hub.watch("a", prefix_end("a")).watch_id
    interval = h.hub.watch("ab", "b").watch_id
    everything = h.hub.watch("\0", ALL_KEYS).watch_id
    h.put("a")
    h.put("ab")
    h.put("b")
    got = [(r.watch_id, keys_of(r), r.header_revision) for r in h.take()]
    assert got == [
        (exact, ["a"], 2),
        (prefix, ["a"], 2),
        (everything, ["a"], 2),
        (prefix, ["ab"], 3),
        (interval, ["ab"], 3),
        (everything, ["ab"], 3),
        (everything, ["b"], 4),
    ]


def test_a_revision_is_never_split_and_only_matching_events_are_sent() -> None:
    h = Harness()
    prefix = h.hub.watch("a", prefix_end("a")).watch_id
    other = h.hub.watch("b").watch_id
    h.txn("a", "ab", "b", "c")
    responses = {r.watch_id: r for r in h.take()}
    assert keys_of(responses[prefix]) == ["a", "ab"] and responses[prefix].header_revision == 2
    assert keys_of(responses[other]) == ["b"]
    h.delete("a", prefix_end("a"))
    (response,) = h.take()
    assert [(e.type.value, e.kv.key) for e in response.events] == [
        ("DELETE", "a"),
        ("DELETE", "ab"),
    ]


def test_events_are_shared_objects_and_prev_kv_is_stripped_once() -> None:
    h = Harness()
    h.put("k", 1)
    with_prev = [h.hub.watch("k", prev_kv=True).watch_id for _ in range(3)]
    without = [h.hub.watch("k", prefix_end("k")).watch_id for _ in range(3)]
    h.put("k", 2)
    responses = {r.watch_id: r for r in h.take()}
    shared = h.store.events_at(3)[0]
    for wid in with_prev:
        assert responses[wid].events[0] is shared
        assert responses[wid].events[0].prev_kv.value == 1  # type: ignore[union-attr]
    stripped = responses[without[0]].events[0]
    assert stripped.prev_kv is None and stripped.kv is shared.kv
    for wid in without:
        assert responses[wid].events[0] is stripped


def test_a_revision_of_several_events_strips_each_prev_kv_once_for_all_watchers() -> None:
    h = Harness()
    h.txn("a", "b")  # 2: creates (no prev_kv)
    with_prev = h.hub.watch("\0", ALL_KEYS, prev_kv=True).watch_id
    without = [h.hub.watch("a", prefix_end("a")).watch_id, h.hub.watch("\0", ALL_KEYS).watch_id]
    h.txn("a", "b", "c")  # 3: two updates and a create
    responses = {r.watch_id: r for r in h.take()}
    assert list(responses) == [with_prev, without[1], without[0]]  # by interval, then age
    full = responses[with_prev].events
    assert full == h.store.events_at(3)
    assert [e.prev_kv is not None for e in full] == [True, True, False]
    narrow, wide = (responses[wid].events for wid in without)
    assert [e.kv.key for e in wide] == ["a", "b", "c"]
    assert all(e.prev_kv is None for e in wide)
    assert narrow[0] is wide[0] and wide[0].kv is full[0].kv  # one stripped copy per event
    assert wide[2] is full[2]  # nothing to strip: the event itself


def test_catch_up_from_history_then_live_without_gap_or_duplicate() -> None:
    h = Harness()
    h.put("a", 1)  # 2
    h.put("b", 1)  # 3
    h.put("a", 2)  # 4
    created = h.hub.watch("a", start_revision=2, prev_kv=True)
    assert [(r.header_revision, keys_of(r)) for r in created.responses] == [(2, ["a"]), (4, ["a"])]
    assert created.responses[1].events[0].prev_kv.value == 1  # type: ignore[union-attr]
    h.put("a", 3)  # 5
    assert [(r.watch_id, r.header_revision) for r in h.take()] == [(created.watch_id, 5)]


def test_start_revision_zero_means_from_now_on() -> None:
    h = Harness()
    h.put("a")
    created = h.hub.watch("a")
    assert created.responses == ()
    h.put("a")
    assert [r.header_revision for r in h.take()] == [3]


def test_future_start_revision_waits() -> None:
    h = Harness()
    created = h.hub.watch("a", start_revision=4)
    assert created.responses == ()
    h.put("a")  # 2
    h.put("a")  # 3
    assert h.take() == []
    h.put("a")  # 4
    assert [r.header_revision for r in h.take()] == [4]


def test_resume_from_last_revision_plus_one_equals_an_unbroken_watch() -> None:
    rng = random.Random(7)
    h = Harness()
    unbroken = h.hub.watch("a", prefix_end("a")).watch_id
    resumed = h.hub.watch("a", prefix_end("a")).watch_id
    log: list[WatchResponse] = []
    for step in range(60):
        if step == 20:  # the client's stream breaks: it remembers the last revision it saw
            log += h.take()
            last = max(r.header_revision for r in log if r.watch_id == resumed)
            h.hub.cancel(resumed)
        if step == 35:  # ... and comes back, resuming from last + 1
            created = h.hub.watch("a", prefix_end("a"), start_revision=last + 1)
            resumed_ids = {resumed, created.watch_id}
            log += h.take() + list(created.responses)
            resumed = created.watch_id
        h.put(rng.choice(KEYS), step)
    log += h.take()
    original = [(r.header_revision, r.events) for r in log if r.watch_id == unbroken]
    again = [(r.header_revision, r.events) for r in log if r.watch_id in resumed_ids]
    assert again == original
    assert len(original) > 10


def test_compacted_start_revision_fails_with_the_compact_revision() -> None:
    h = Harness()
    for i in range(5):
        h.put("a", i)  # 2..6
    h.store.compact(4)
    with pytest.raises(Compacted) as info:
        h.hub.watch("a", start_revision=3)
    assert info.value.compact_revision == 4
    assert str(info.value) == "mvcc: required revision has been compacted"
    assert len(h.hub) == 0
    created = h.hub.watch("a", start_revision=4)
    assert [r.header_revision for r in created.responses] == [4, 5, 6]


def test_progress_notifications() -> None:
    h = Harness()
    asked = h.hub.watch("a", progress_notify=True).watch_id
    quiet = h.hub.watch("b").watch_id
    h.put("zzz")
    assert h.hub.progress() == [WatchResponse(asked, (), 2, progress=True)]
    assert h.hub.progress([quiet, 999]) == [WatchResponse(quiet, (), 2, progress=True)]


def test_cancel() -> None:
    h = Harness()
    wid = h.hub.watch("a", prefix_end("a")).watch_id
    other = h.hub.watch("a").watch_id
    assert h.hub.cancel(wid) and wid not in h.hub
    assert not h.hub.cancel(wid)
    h.put("a")
    assert [r.watch_id for r in h.take()] == [other]
    assert h.hub.cancel(other) and len(h.hub) == 0
    h.put("a")
    assert h.take() == []


def test_watch_ids_are_never_reused() -> None:
    h = Harness()
    first = h.hub.watch("a").watch_id
    h.hub.cancel(first)
    assert h.hub.watch("a").watch_id == first + 1


def test_notify_is_unique_and_refuses_gaps() -> None:
    store = MVCCStore()
    hub = WatchHub(store)
    hub.watch("a")
    store.put("a", 1)
    events = store.events_at(2)
    assert len(hub.notify(2, events)) == 1
    assert hub.notify(2, events) == []  # already delivered
    store.put("a", 2)
    store.put("a", 3)
    with pytest.raises(ValueError, match="cannot jump to 4"):
        hub.notify(4, store.events_at(4))
    with pytest.raises(RuntimeError, match="sync first"):
        hub.watch("a")
    assert [r.header_revision for r in hub.sync()] == [3, 4]


def test_bad_watch_requests() -> None:
    hub = WatchHub(MVCCStore())
    with pytest.raises(EmptyKey):
        hub.watch("")
    with pytest.raises(InvalidRange):
        hub.watch("b", "a")
    with pytest.raises(InvalidRequest, match="^start revision must be a non-negative int: -1$"):
        hub.watch("a", start_revision=-1)
    assert len(hub) == 0


@pytest.mark.parametrize("seed", range(6))
def test_random_streams_are_ordered_unique_complete(seed: int) -> None:
    """Every watcher receives exactly the matching events of every revision, in order."""
    rng = random.Random(seed)
    h = Harness()
    watchers: dict[int, tuple[str, str | None, int]] = {}
    for step in range(120):
        roll = rng.random()
        if roll < 0.1:
            key, end = rng.choice(INTERVALS)
            start = rng.randint(0, h.store.revision + 3)
            created = h.hub.watch(key, end, start_revision=start)
            h.out += created.responses
            watchers[created.watch_id] = (key, end, start or h.store.revision + 1)
        elif roll < 0.6:
            h.put(rng.choice(KEYS), step)
        elif roll < 0.8:
            h.txn(*rng.sample(KEYS, rng.randint(1, 4)))
        else:
            key, end = rng.choice(INTERVALS)
            h.delete(key, end)
    received: dict[int, list[WatchResponse]] = {wid: [] for wid in watchers}
    for response in h.take():
        received[response.watch_id].append(response)
    for wid, (key, end, start) in watchers.items():
        expected: list[tuple[int, list[Event]]] = []
        for rev in range(max(start, 2), h.store.revision + 1):
            matching = [e for e in h.store.events_at(rev) if in_range(e.kv.key, key, end)]
            if matching:
                expected.append((rev, [(e.type, e.kv) for e in matching]))  # type: ignore[misc]
        got = [(r.header_revision, [(e.type, e.kv) for e in r.events]) for r in received[wid]]
        assert got == expected, f"seed={seed} watcher={wid} [{key!r},{end!r}) from {start}"
