"""When a member flushes: at once for a lone message, behind the queue for a burst.

A member hands its core's work (propose, persist, send, apply) to one flush per drained
batch of mailbox messages. A message that arrives alone is flushed in the same handler (no
`_Flush` round trip through the mailbox); messages that queue up together still share one
flush, hence one log append and one MsgApp per follower.
"""

from __future__ import annotations

from typing import Any

import trio

from kactors.raft import RaftMember
from kactors.store import Put, StoreRequest

from .member_harness import Harness, new_system


def _member(h: Harness, name: str) -> RaftMember:
    actor = h.ref(name)._cell.actor  # type: ignore[attr-defined]
    assert isinstance(actor, RaftMember)
    return actor


def _spy(member: RaftMember, counts: dict[str, list[Any]]) -> None:
    """Record each propose_batch and each `_Flush` told through the mailbox."""
    core = member.core
    propose_batch = core.propose_batch
    schedule_flush = member._schedule_flush

    def counted_propose(datas: Any) -> Any:
        counts["proposals"].append(len(datas))
        return propose_batch(datas)

    def counted_schedule() -> None:
        counts["queued_flushes"].append(member.id)
        schedule_flush()

    core.propose_batch = counted_propose  # type: ignore[method-assign]
    member._schedule_flush = counted_schedule  # type: ignore[method-assign]


async def _warm(h: Harness) -> tuple[Any, str, dict[str, list[Any]]]:
    """A client that wrote once, the leader, and empty counts for `_spy`."""
    client, _ = await h.client()
    await client.put("/warm", 0)
    leader = await h.leader()
    await h.wait_applied()
    return client, leader, {"proposals": [], "queued_flushes": []}


async def test_a_lone_write_is_flushed_without_a_mailbox_round_trip(
        autojump_clock: Any) -> None:
    async with new_system(seed=21) as system:
        h = await Harness.start(system)
        client, leader, counts = await _warm(h)
        for name in h.cluster.names:
            _spy(_member(h, name), counts)
        for i in range(3):
            result = await client.put(f"/k{i}", i)
            assert result.revision == 3 + i
        statuses = await h.wait_applied()
        assert {s.revision for s in statuses} == {5}
        assert counts["proposals"] == [1, 1, 1]
        # Each follower gets one message at a time (the append, then the new commit) and
        # flushes it at once; the leader may find the second answer queued behind the
        # first and flush once behind it (at most once per write).
        queued = counts["queued_flushes"]
        assert set(queued) <= {leader} and len(queued) <= 3


async def test_requests_queued_together_share_one_flush_and_one_append(
        autojump_clock: Any) -> None:
    async with new_system(seed=22) as system:
        h = await Harness.start(system)
        _, leader, counts = await _warm(h)
        _spy(_member(h, leader), counts)
        ref = h.ref(leader)
        results: list[Any] = [None] * 5

        async def ask(i: int) -> None:
            results[i] = await ref.ask(StoreRequest(Put(f"/b{i}", i, request_id=f"b:{i}")))

        async with trio.open_nursery() as nursery:  # all five queue before the leader runs
            for i in range(5):
                nursery.start_soon(ask, i)
        assert sorted(r.revision for r in results) == [3, 4, 5, 6, 7]
        assert counts["proposals"] == [5]
        # the first request's flush waited behind the four others (and later the first
        # answer's behind the second's)
        assert counts["queued_flushes"][:1] == [leader]
        statuses = await h.wait_applied()
        assert {s.revision for s in statuses} == {7}
