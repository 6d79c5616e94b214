"""client-go's EventCorrelator: similar events combined after ten, a spam filter of 25 per
object then one per 5 minutes; pure, then end to end through a controller's recorder."""

from __future__ import annotations

from kactors.controllers.eventcorrelator import (
    COMBINED_PREFIX,
    EventCorrelator,
)
from kactors.testing.harness import cluster_harness

from .helpers import Journal, Probe, cm

SOURCE = ("replicaset-controller", "")
RS = ("ReplicaSet", "default", "web", "u1", "apps/v1")


def test_similar_events_are_combined_from_the_tenth_distinct_message():
    correlator = EventCorrelator()
    results = [correlator.correlate(SOURCE, RS, "Normal", "SuccessfulCreate",
                                    f"Created pod: web-{i}", 0.0) for i in range(12)]
    assert [r.message for r in results[:9]] == [f"Created pod: web-{i}" for i in range(9)]
    assert not any(r.aggregated for r in results[:9])
    assert [r.message for r in results[9:]] == [
        f"{COMBINED_PREFIX}Created pod: web-{i}" for i in (9, 10, 11)]
    assert all(r.aggregated and not r.skip for r in results[9:])
    # the same message again is no new distinct message; another reason is its own group
    again = EventCorrelator()
    for _ in range(20):
        assert not again.correlate(SOURCE, RS, "Warning", "BackOff", "same", 0.0).aggregated
    other = correlator.correlate(SOURCE, RS, "Normal", "SuccessfulDelete", "Deleted", 0.0)
    assert other.message == "Deleted" and not other.aggregated


def test_aggregation_restarts_after_ten_quiet_minutes():
    correlator = EventCorrelator()
    for i in range(10):
        correlator.correlate(SOURCE, RS, "Normal", "R", f"m{i}", 0.0)
    assert correlator.correlate(SOURCE, RS, "Normal", "R", "m10", 600.0).aggregated
    assert not correlator.correlate(SOURCE, RS, "Normal", "R", "m11", 1200.5).aggregated


def test_the_spam_filter_allows_a_burst_per_object_then_one_per_five_minutes():
    correlator = EventCorrelator()
    skipped = [correlator.correlate(SOURCE, RS, "Normal", "R", f"m{i}", 0.0).skip
               for i in range(30)]
    assert skipped == [False] * 25 + [True] * 5
    other = ("Pod", "default", "web-1", "u2", "v1")
    assert not correlator.correlate(SOURCE, other, "Normal", "R", "m", 0.0).skip
    assert correlator.correlate(SOURCE, RS, "Normal", "R", "x", 299.0).skip
    assert not correlator.correlate(SOURCE, RS, "Normal", "R", "x", 300.5).skip
    assert correlator.correlate(SOURCE, RS, "Normal", "R", "x", 301.0).skip


def test_caches_forget_the_least_recently_used_objects():
    correlator = EventCorrelator(cache_size=2)
    for _ in range(25):
        correlator.correlate(SOURCE, RS, "Normal", "R", "m", 0.0)
    assert correlator.correlate(SOURCE, RS, "Normal", "R", "m", 0.0).skip
    for name in ("a", "b"):  # two other objects push the ReplicaSet out of the caches
        correlator.correlate(SOURCE, ("Pod", "default", name, name, "v1"), "Normal", "R",
                             "m", 0.0)
    assert not correlator.correlate(SOURCE, RS, "Normal", "R", "m", 0.0).skip


async def test_a_burst_of_similar_events_becomes_nine_events_and_one_counted(autojump_clock):
    async with cluster_harness(seed=5) as cluster:
        obj = (await cluster.apply(cm("site")))[0]
        probe = cluster.actor(await cluster.start_controller(Probe, Journal()))
        for i in range(40):
            probe.record_event(obj, "Normal", "Made", f"made thing {i:02d}")
        await cluster.sleep(5)
        events = sorted(await cluster.list("events", "default"),
                        key=lambda e: e["message"])
        combined = [e for e in events if e["message"].startswith(COMBINED_PREFIX)]
        # correlated in the order recorded: the first nine stand alone
        plain = [e for e in events if e not in combined]
        assert [(e["message"], e["count"]) for e in plain] == [
            (f"made thing {i:02d}", 1) for i in range(9)]
        # 25 writes got through the spam filter: 9 events, then 16 for the combined one,
        # whose message is the latest written
        [one] = combined
        assert one["count"] == 16
        assert one["message"] == f"{COMBINED_PREFIX}made thing 24"
        assert (probe.events.dropped, probe.events.failures) == (15, 0)
