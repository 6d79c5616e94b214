"""The Ready / advance contract and proposal results."""

from __future__ import annotations

import pytest

from kactors.raft import (
    Entry,
    HardState,
    MemoryStorage,
    Message,
    MessageType,
    NotLeaderError,
    ProposalDroppedError,
    Proposed,
    RaftCore,
    Role,
    SoftState,
    UsageError,
)

from .raft_network import Network, make_config


def single() -> RaftCore:
    core = RaftCore(make_config("n1", peers=("n1",)), MemoryStorage())
    core.campaign()
    return core


def test_single_member_commits_its_own_entries() -> None:
    core = single()
    rd = core.ready()
    assert rd.soft_state == SoftState("n1", Role.LEADER)
    assert rd.hard_state == HardState(term=2, vote="n1", commit=2)
    assert [e.index for e in rd.entries] == [2]
    # Committed entries may include this Ready's entries: they are persisted before applying.
    assert [e.index for e in rd.committed_entries] == [1, 2]
    core.log.storage.save(rd.hard_state, rd.entries, rd.snapshot)
    core.advance(rd)
    assert core.propose_batch(["a", "b"]) == Proposed(term=2, first_index=3, last_index=4)
    rd = core.ready()
    assert rd.soft_state is None and rd.hard_state == HardState(2, "n1", 4)
    assert [e.data for e in rd.committed_entries] == ["a", "b"]
    core.log.storage.save(rd.hard_state, rd.entries, rd.snapshot)
    core.advance(rd)
    assert not core.has_ready()


def test_ready_twice_without_advance_is_refused() -> None:
    core = single()
    rd = core.ready()
    with pytest.raises(UsageError, match=r"^ready\(\) called again before advance\(\)$"):
        core.ready()
    core.advance(rd)
    with pytest.raises(UsageError, match=r"^advance\(\) called without a pending ready\(\)$"):
        core.advance(rd)


def test_committed_entries_delivered_once_even_if_steps_interleave() -> None:
    core = single()
    rd = core.ready()
    core.propose("between")  # a step between ready() and advance()
    core.log.storage.save(rd.hard_state, rd.entries, rd.snapshot)
    core.advance(rd)
    rd2 = core.ready()
    assert [e.index for e in rd2.entries] == [3]
    assert [e.index for e in rd2.committed_entries] == [3]


def test_follower_applies_only_persisted_entries() -> None:
    """Every committed entry handed out is in storage or in the same Ready's entries."""
    net = Network(("n1", "n2", "n3"))
    net.campaign("n1")
    original = net.handle_ready

    def checked(node: str, rd, storage: MemoryStorage) -> None:  # type: ignore[no-untyped-def]
        fresh = {e.index for e in rd.entries}
        for e in rd.committed_entries:
            assert e.index in fresh or e.index <= storage.last_index(), (node, e.index)
        original(node, rd, storage)

    net.handle_ready = checked  # type: ignore[method-assign]
    for i in range(10):
        net.propose("n1", f"x{i}")
    assert len({tuple(sm) for sm in net.sm.values()}) == 1


def test_propose_on_follower_names_the_leader() -> None:
    net = Network(("n1", "n2", "n3"))
    net.campaign("n1")
    with pytest.raises(NotLeaderError, match=r"^not leader \(leader is n1\)$") as info:
        net.cores["n2"].propose("x")
    assert isinstance(info.value, ProposalDroppedError) and info.value.leader == "n1"


def test_propose_on_candidate_has_no_hint() -> None:
    net = Network(("n1", "n2", "n3"))
    net.cores["n2"].campaign()
    with pytest.raises(NotLeaderError, match=r"^not leader \(leader unknown\)$"):
        net.cores["n2"].propose("x")


def test_empty_batch_is_refused() -> None:
    core = single()
    with pytest.raises(ValueError, match="^propose_batch needs at least one command$"):
        core.propose_batch([])


def test_batch_is_one_append_message_per_follower() -> None:
    net = Network(("n1", "n2", "n3"))
    net.campaign("n1")
    net.delivered.clear()
    net.cores["n1"].propose_batch([f"c{i}" for i in range(500)])
    net.process("n1")
    apps = [m for m in net.queue if m.type is MessageType.APP]
    assert [(m.to, len(m.entries)) for m in apps] == [("n2", 500), ("n3", 500)]
    net.stabilize()
    assert len(net.applied_data("n3")) == 500


def test_message_batches_respect_max_entries_per_msg() -> None:
    net = Network(("n1", "n2", "n3"), max_entries_per_msg=100)
    net.campaign("n1")
    net.delivered.clear()
    net.propose("n1", *[f"c{i}" for i in range(250)])
    sizes = [len(m.entries) for m in net.delivered if m.type is MessageType.APP and m.to == "n2"]
    assert [s for s in sizes if s] == [100, 100, 50]


def test_inflight_window_limits_unacknowledged_appends() -> None:
    net = Network(("n1", "n2", "n3"), max_inflight=2)
    net.campaign("n1")
    leader = net.cores["n1"]
    for i in range(5):
        leader.propose(f"p{i}")
    net.process("n1")
    apps = [m for m in net.queue if m.type is MessageType.APP and m.to == "n2"]
    assert len(apps) == 2  # the window is full: the rest waits for acknowledgements
    net.stabilize()
    assert net.applied_data("n2") == [f"p{i}" for i in range(5)]


def test_followers_learn_the_commit_without_waiting_for_a_heartbeat() -> None:
    net = Network(("n1", "n2", "n3"))
    net.campaign("n1")
    assert {c.commit_index for c in net.cores.values()} == {4}
    net.propose("n1", "x")
    assert {c.commit_index for c in net.cores.values()} == {5}


def test_hard_state_only_when_changed() -> None:
    net = Network(("n1", "n2", "n3"))
    core = net.cores["n2"]
    assert not core.has_ready()
    core.step(Message(MessageType.HEARTBEAT, "n2", "n1", term=1))
    rd = core.ready()
    assert rd.hard_state is None and rd.soft_state == SoftState("n1", Role.FOLLOWER)
    core.advance(rd)


def test_entries_record() -> None:
    assert Entry(1, 2) == Entry(term=1, index=2, data=None)


def test_the_records_a_ready_carries_are_immutable_values() -> None:
    """Ready, Message, Entry, HardState and Proposed are named tuples (cheap to build,
    one per write or more): still immutable, still compared by value, copied with
    `_replace`."""
    core = single()
    proposed = core.propose("x")
    assert proposed == Proposed(core.term, 3, 3)
    rd = core.ready()
    entry = rd.entries[-1]
    assert entry == Entry(core.term, 3, data="x")
    assert rd.hard_state == HardState(core.term, "n1", 3)
    m = Message(MessageType.HEARTBEAT, "n2", "n1", 1)
    assert m._replace(to="n3") == Message(MessageType.HEARTBEAT, "n3", "n1", 1)
    for record, field in ((rd, "entries"), (entry, "data"), (m, "to"),
                          (rd.hard_state, "commit"), (proposed, "term")):
        with pytest.raises(AttributeError):
            setattr(record, field, None)
