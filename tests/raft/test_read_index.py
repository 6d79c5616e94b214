"""Linearizable reads: ReadIndex (§6.4) and the lease-based variant."""

from __future__ import annotations

import pytest

from kactors.raft import Config, ConfigError, MessageType, NotLeaderError, ReadState

from .raft_network import Network

HEARTBEAT = MessageType.HEARTBEAT


def elected(**cfg: object) -> Network:
    net = Network(("n1", "n2", "n3"), **cfg)
    net.campaign("n1")
    return net


def test_read_index_confirms_leadership_with_a_heartbeat_quorum() -> None:
    net = elected()
    net.propose("n1", "a")
    net.delivered.clear()
    net.cores["n1"].read_index("r1")
    net.process("n1")
    assert net.read_states["n1"] == []  # not before a quorum acknowledged
    net.stabilize()
    commit = net.cores["n1"].commit_index
    assert net.read_states["n1"] == [ReadState(commit, "r1")]
    beats = [m for m in net.delivered if m.type is HEARTBEAT]
    assert beats and all(m.context == "r1" for m in beats)


def test_read_index_needs_a_quorum() -> None:
    net = Network(("n1", "n2", "n3", "n4", "n5"))
    net.campaign("n1")
    net.partition(("n1", "n2"), ("n3", "n4", "n5"))
    net.cores["n1"].read_index("r1")
    net.stabilize()
    assert net.read_states["n1"] == []  # n2's acknowledgement alone is not a quorum
    net.heal()
    net.tick("n1")  # the next heartbeat carries the pending ctx again
    net.stabilize()
    assert [rs.ctx for rs in net.read_states["n1"]] == ["r1"]


def test_read_index_waits_for_a_commit_in_the_leader_term() -> None:
    net = Network(("n1", "n2", "n3"))
    net.drop = lambda m: m.type is MessageType.APP
    net.campaign("n1")
    core = net.cores["n1"]
    assert core.is_leader and core.commit_index == 3  # its no-op is not committed
    core.read_index("r1")
    net.stabilize()
    assert net.read_states["n1"] == []
    net.heal()
    net.tick_all(2)
    assert net.read_states["n1"] == [ReadState(4, "r1")]  # at least the no-op


def test_read_index_on_follower_is_forwarded() -> None:
    net = elected()
    net.propose("n1", "a")
    net.cores["n2"].read_index("f1")
    net.stabilize()
    assert net.read_states["n2"] == [ReadState(net.cores["n1"].commit_index, "f1")]
    assert net.read_states["n1"] == []


def test_read_index_without_leader_raises() -> None:
    net = Network(("n1", "n2", "n3"))
    with pytest.raises(NotLeaderError, match=r"^not leader \(leader unknown\)$") as info:
        net.cores["n2"].read_index("x")
    assert info.value.leader is None


def test_single_voter_reads_immediately() -> None:
    net = Network(("n1",))
    net.campaign("n1")
    net.cores["n1"].read_index("r")
    net.process("n1")
    assert net.read_states["n1"] == [ReadState(2, "r")]


def test_lease_read_needs_no_round_trip() -> None:
    net = elected(check_quorum=True, read_only_option="lease_based")
    net.delivered.clear()
    net.cores["n1"].read_index("lease")
    net.process("n1")
    assert net.read_states["n1"] == [ReadState(net.cores["n1"].commit_index, "lease")]
    assert not net.queue  # no heartbeat was needed


def test_lease_read_requires_check_quorum() -> None:
    import random

    with pytest.raises(
        ConfigError, match="^check_quorum must be enabled when read_only_option is lease_based$"
    ):
        Config(id="n1", rng=random.Random(0), read_only_option="lease_based", check_quorum=False)
