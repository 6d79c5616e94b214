"""SchedulingQueue: activeQ order, backoff, the unschedulable pool and cluster events."""

from __future__ import annotations

import pytest

from kactors.scheduler import (
    ASSIGNED_POD_ADD,
    ASSIGNED_POD_DELETE,
    FORCE_ACTIVATE,
    NODE_ADD,
    QueuedPodInfo,
    SchedulingQueue,
    is_pod_updated,
    node_update_event,
)
from kactors.scheduler.nodeinfo import NodeChange

from .helpers import make_pod


def drain(queue: SchedulingQueue, now: float) -> list[str]:
    out = []
    while (info := queue.pop(now)) is not None:
        out.append(info.key)
        queue.done(info.key)
    return out


def fail(
    queue: SchedulingQueue, now: float, plugins: tuple[str, ...] = ("NodeResourcesFit",)
) -> QueuedPodInfo:
    """Pop the next pod and report it unschedulable."""
    info = queue.pop(now)
    assert info is not None
    queue.add_unschedulable(info, info.cycle, now, plugins)
    return info


def test_active_queue_orders_by_priority_then_arrival() -> None:
    queue = SchedulingQueue()
    queue.add(make_pod("low-1"), 0.0)
    queue.add(make_pod("high", priority=1000), 0.0)
    queue.add(make_pod("low-2"), 0.0)  # same time as low-1: arrival order decides
    queue.add(make_pod("mid", priority=10), 1.0)
    queue.add(make_pod("early"), -1.0)
    assert drain(queue, 2.0) == [
        "default/high",
        "default/mid",
        "default/early",
        "default/low-1",
        "default/low-2",
    ]


def test_queue_is_stingy() -> None:
    queue = SchedulingQueue()
    pod = make_pod("p")
    queue.add(pod, 0.0)
    queue.add(pod, 0.5)
    assert len(queue) == 1
    info = queue.pop(1.0)
    assert info is not None and info.attempts == 1 and info.initial_attempt_timestamp == 1.0
    assert queue.where("default/p") == "in flight"
    queue.add(pod, 1.5)  # an informer re-add while in flight does not duplicate it
    assert queue.pop(2.0) is None
    queue.done("default/p")
    assert queue.where("default/p") is None


def test_backoff_doubles_from_one_to_ten_seconds() -> None:
    queue = SchedulingQueue()
    info = QueuedPodInfo(make_pod("p"), "default/p", 0.0)
    durations = []
    for attempts in range(1, 8):
        info.attempts = attempts
        durations.append(queue.backoff_duration(info))
    assert durations == [1.0, 2.0, 4.0, 8.0, 10.0, 10.0, 10.0]
    info.attempts = 0
    assert queue.backoff_duration(info) == 0.0


def test_pods_failing_during_a_move_request_back_off_then_retry() -> None:
    queue = SchedulingQueue()
    queue.add(make_pod("p"), 0.0)
    info = queue.pop(0.0)
    assert info is not None
    queue.move_all_to_active_or_backoff(NODE_ADD, 0.5)  # an event during the cycle
    assert queue.add_unschedulable(info, info.cycle, 1.0, ("NodeResourcesFit",)) == "backoff"
    assert queue.pop(1.5) is None  # backing off 1s from t=1
    assert queue.next_ready_at() == 2.0
    second = queue.pop(2.0)
    assert second is not None and second.attempts == 2
    # Second failure, no event: parked; an event brings it back into backoff (2s from t=3).
    assert queue.add_unschedulable(second, second.cycle, 3.0, ("NodeResourcesFit",)) == (
        "unschedulable"
    )
    assert queue.move_all_to_active_or_backoff(NODE_ADD, 4.0) == 1
    assert queue.where("default/p") == "backoff"
    assert queue.pop(4.9) is None
    assert drain(queue, 5.0) == ["default/p"]


def test_only_relevant_events_move_unschedulable_pods() -> None:
    queue = SchedulingQueue()
    queue.add(make_pod("cpu"), 0.0)
    queue.add(make_pod("selector"), 0.0)
    queue.add(make_pod("anti"), 0.0)
    fail(queue, 0.0, ("NodeResourcesFit",))
    fail(queue, 0.0, ("NodeAffinity",))
    fail(queue, 0.0, ("InterPodAffinity",))
    assert queue.counts()["unschedulable"] == 3
    now = 100.0  # long after any backoff
    # A deleted pod frees resources and ports, and may lift anti-affinity.
    assert queue.move_all_to_active_or_backoff(ASSIGNED_POD_DELETE, now) == 2
    assert sorted(drain(queue, now)) == ["default/anti", "default/cpu"]
    # A node whose taints changed does not help a node-selector failure...
    taint_change = node_update_event(NodeChange.TAINTS)
    assert taint_change is not None
    assert queue.move_all_to_active_or_backoff(taint_change, now) == 0
    # ...but new labels might.
    label_change = node_update_event(NodeChange.LABELS)
    assert label_change is not None
    assert queue.move_all_to_active_or_backoff(label_change, now) == 1
    assert drain(queue, now) == ["default/selector"]


def test_pre_check_and_force_activate() -> None:
    queue = SchedulingQueue()
    for name in ("a", "b"):
        queue.add(make_pod(name), 0.0)
        fail(queue, 0.0, ("NodeName",))
    assert queue.move_all_to_active_or_backoff(ASSIGNED_POD_ADD, 50.0) == 0
    moved = queue.move_all_to_active_or_backoff(
        FORCE_ACTIVATE, 50.0, pre_check=lambda info: info.key.endswith("b")
    )
    assert moved == 1 and drain(queue, 50.0) == ["default/b"]


def test_pods_without_rejecting_plugins_or_with_errors_back_off() -> None:
    queue = SchedulingQueue()
    queue.add(make_pod("no-nodes"), 0.0)
    queue.add(make_pod("error"), 0.0)
    info = queue.pop(0.0)
    assert info is not None
    assert queue.add_unschedulable(info, info.cycle, 0.0) == "backoff"  # e.g. no nodes at all
    info = queue.pop(0.0)
    assert info is not None
    assert queue.add_unschedulable(info, info.cycle, 0.0, ("NodeName",), error=True) == "backoff"
    assert sorted(drain(queue, 1.0)) == ["default/error", "default/no-nodes"]


def test_unschedulable_pods_are_flushed_after_the_timeout() -> None:
    queue = SchedulingQueue(unschedulable_timeout=300.0)
    queue.add(make_pod("p"), 0.0)
    fail(queue, 10.0)
    assert queue.next_ready_at() == 310.0
    assert queue.pop(310.0) is None  # not strictly longer than the timeout yet
    info = queue.pop(310.5)
    assert info is not None and info.key == "default/p" and info.attempts == 2


def test_adding_again_returns_a_parked_pod_to_active() -> None:
    queue = SchedulingQueue()
    queue.add(make_pod("p"), 0.0)
    fail(queue, 0.0)
    queue.add(make_pod("p"), 1.0)
    assert queue.where("default/p") == "active"


def test_updates_that_matter_move_parked_pods() -> None:
    queue = SchedulingQueue()
    old = make_pod("p", "2")
    queue.add(old, 0.0)
    fail(queue, 0.0)
    status_only = {**old, "status": {"conditions": [{"type": "PodScheduled", "status": "False"}]}}
    assert not is_pod_updated(old, status_only)
    assert queue.update(old, status_only, 5.0) == "unschedulable"
    smaller = make_pod("p", "1")
    assert is_pod_updated(old, smaller)
    assert queue.update(status_only, smaller, 5.0) == "active"  # backoff (1s from t=0) is over
    info = queue.pop(5.0)
    assert info is not None and info.pod is smaller
    # Updated while in flight: it is retried (backoff) instead of being parked.
    queue.update(smaller, make_pod("p", "500m"), 5.5)
    assert queue.add_unschedulable(info, info.cycle, 6.0, ("NodeResourcesFit",)) == "backoff"
    assert queue.where("default/p") == "backoff"
    assert queue.update(None, make_pod("p", "400m"), 6.5) == "backoff"


def test_update_in_active_queue_resorts_on_priority() -> None:
    queue = SchedulingQueue()
    queue.add(make_pod("a"), 0.0)
    queue.add(make_pod("b"), 0.0)
    queue.update(make_pod("b"), make_pod("b", priority=5), 0.0)
    assert drain(queue, 0.0) == ["default/b", "default/a"]
    assert queue.update(None, make_pod("new"), 1.0) == "active"  # unknown: added


def test_delete_removes_from_every_queue_and_in_flight() -> None:
    queue = SchedulingQueue()
    for name in ("a", "b", "c"):
        queue.add(make_pod(name), 0.0)
    info = queue.pop(0.0)
    assert info is not None and info.key == "default/a"
    fail(queue, 0.0)  # b parked
    assert queue.delete("default/c") and queue.delete(make_pod("b"))
    assert queue.delete("default/a")  # in flight: remembered
    assert queue.add_unschedulable(info, info.cycle, 1.0, ("NodeName",)) == "dropped"
    assert len(queue) == 0 and not queue.delete("default/a")
    assert queue.next_ready_at() is None


def test_double_add_unschedulable_is_an_error() -> None:
    queue = SchedulingQueue()
    queue.add(make_pod("p"), 0.0)
    info = fail(queue, 0.0)
    with pytest.raises(ValueError, match="Pod default/p is already present in unschedulable queue"):
        queue.add_unschedulable(info, info.cycle, 0.0, ("NodeName",))
    queue.add(make_pod("p"), 0.0)
    with pytest.raises(ValueError, match="Pod default/p is already present in the active queue"):
        queue.add_unschedulable(info, info.cycle, 0.0, ("NodeName",))


def test_gated_pods_wait_until_their_gates_are_removed() -> None:
    queue = SchedulingQueue()
    gated = make_pod("p", schedulingGates=[{"name": "example.com/quota"}])
    assert queue.add(gated, 0.0) == "unschedulable"
    assert queue.move_all_to_active_or_backoff(FORCE_ACTIVATE, 1.0) == 0
    assert queue.pop(1000.0) is None  # no timeout flush either
    assert queue.next_ready_at() is None
    assert (
        queue.update(gated, make_pod("p", schedulingGates=[{"name": "x"}]), 2.0) == "unschedulable"
    )
    assert queue.update(gated, make_pod("p"), 3.0) == "active"
    assert drain(queue, 3.0) == ["default/p"]


def test_next_ready_at() -> None:
    queue = SchedulingQueue()
    assert queue.next_ready_at() is None
    queue.add(make_pod("a"), 3.0)
    assert queue.next_ready_at() == 3.0  # ready now
    fail(queue, 4.0)
    assert queue.next_ready_at() == 304.0
    queue.add(make_pod("b"), 5.0)
    info = queue.pop(5.0)
    assert info is not None
    queue.add_unschedulable(info, info.cycle, 5.0, ("NodeName",), error=True)
    assert queue.next_ready_at() == 6.0
    assert queue.scheduling_cycle == 2


def test_churn_does_not_grow_the_heaps_without_bound() -> None:
    queue = SchedulingQueue()
    for round_ in range(200):
        for i in range(5):
            queue.add(make_pod(f"p{i}", priority=round_ % 3), float(round_))
        for i in range(5):
            queue.delete(f"default/p{i}")
    queue.add(make_pod("last"), 500.0)
    assert len(queue._active_heap) < 100
    assert drain(queue, 500.0) == ["default/last"]
