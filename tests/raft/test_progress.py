"""Progress: probe / replicate / snapshot states and the inflight window."""

from __future__ import annotations

from kactors.raft import Progress, ProgressState
from kactors.raft.progress import Inflights


def test_inflights_window() -> None:
    w = Inflights(3)
    for i in (5, 8, 10):
        w.add(i)
    assert w.full()
    w.free_le(8)
    assert len(w) == 1 and not w.full()
    w.reset()
    assert len(w) == 0


def test_probe_sends_one_append_at_a_time() -> None:
    pr = Progress(5, max_inflight=4)
    assert pr.state is ProgressState.PROBE and not pr.is_paused()
    pr.sent_entries(2, commit=0)
    assert pr.is_paused()
    assert pr.maybe_update(6) and not pr.is_paused()
    assert (pr.match, pr.next) == (6, 7)
    assert not pr.maybe_update(6)  # stale


def test_replicate_streams_until_window_full() -> None:
    pr = Progress(1, max_inflight=2)
    pr.become_replicate()
    pr.sent_entries(3, commit=0)
    assert pr.next == 4 and not pr.is_paused()
    pr.sent_entries(2, commit=0)
    assert pr.next == 6 and pr.is_paused()
    pr.maybe_update(3)
    pr.inflights.free_le(3)
    assert not pr.is_paused()


def test_maybe_decr_to_ignores_stale_rejections() -> None:
    pr = Progress(10, max_inflight=4)
    assert not pr.maybe_decr_to(5, 3)  # probe state: only next-1 counts
    assert pr.maybe_decr_to(9, 3)
    assert pr.next == 4
    pr.match = 6
    pr.become_replicate()
    assert not pr.maybe_decr_to(6, 0)  # at or below match: stale
    pr.next = 12
    assert pr.maybe_decr_to(10, 0) and pr.next == 7


def test_snapshot_state_pauses_until_probe() -> None:
    pr = Progress(3, max_inflight=4)
    pr.become_snapshot(20, now=7)
    assert pr.is_paused() and pr.pending_snapshot == 20 and pr.snapshot_sent_at == 7
    pr.become_probe()
    assert pr.state is ProgressState.PROBE and pr.next == 21


def test_can_bump_commit() -> None:
    pr = Progress(1, max_inflight=4)
    pr.become_replicate()
    pr.sent_entries(5, commit=2)
    assert pr.can_bump_commit(4)
    assert not pr.can_bump_commit(2)
    pr.sent_entries(0, commit=5)
    assert not pr.can_bump_commit(6)  # already told it up to next-1
