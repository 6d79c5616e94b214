"""Pre-vote (§9.6) and check-quorum / leader lease (§6.2, §4.2.3)."""

from __future__ import annotations

from kactors.raft import HardState, Message, MessageType, RaftCore, Role

from .raft_network import Network, make_config, seeded_storage, take_messages

PRE_VOTE, PRE_VOTE_RESP = MessageType.PRE_VOTE, MessageType.PRE_VOTE_RESP


def elected(**cfg: object) -> Network:
    net = Network(("n1", "n2", "n3"), **cfg)
    net.campaign("n1")
    assert net.leader() == "n1"
    return net


def rejoin_after_partition(pre_vote: bool) -> Network:
    """n3 is cut off, times out repeatedly, then comes back while the cluster moved on."""
    net = elected(pre_vote=pre_vote)
    net.isolate("n3")
    net.propose("n1", "while-away")
    for _ in range(50):
        net.tick("n3")
    net.stabilize()
    net.heal()
    net.tick_all(30)
    return net


def test_pre_vote_partitioned_node_does_not_disrupt() -> None:
    net = rejoin_after_partition(pre_vote=True)
    assert net.leader() == "n1"
    assert {c.term for c in net.cores.values()} == {2}  # nobody's term moved
    assert "while-away" in net.applied_data("n3")  # and n3 caught up


def test_without_pre_vote_a_returning_node_disrupts() -> None:
    """The control experiment: the same scenario bumps terms and deposes n1."""
    net = rejoin_after_partition(pre_vote=False)
    assert all(c.term > 2 for c in net.cores.values())  # n1's term-2 leadership was ended


def test_pre_vote_does_not_change_term_or_vote() -> None:
    core = RaftCore(make_config("n1"), seeded_storage(("n1", "n2", "n3"), (1,), HardState(1)))
    core.step(Message(PRE_VOTE, "n1", "n2", term=5, log_term=1, index=1))
    assert (core.term, core.vote) == (1, None)
    # Granted, answering with the term of the request.
    assert take_messages(core) == [Message(PRE_VOTE_RESP, "n2", "n1", term=5)]


def test_pre_vote_rejected_for_stale_log() -> None:
    core = RaftCore(make_config("n1"), seeded_storage(("n1", "n2", "n3"), (1, 2), HardState(2)))
    core.step(Message(PRE_VOTE, "n1", "n2", term=3, log_term=1, index=5))
    assert take_messages(core) == [Message(PRE_VOTE_RESP, "n2", "n1", term=2, reject=True)]


def test_pre_vote_then_vote_elects_a_leader() -> None:
    net = elected(pre_vote=True)
    kinds = net.types_sent("n1")
    assert kinds.index(PRE_VOTE) < kinds.index(MessageType.VOTE)
    assert net.cores["n1"].term == 2


def test_check_quorum_leader_steps_down() -> None:
    """A leader that hears from no quorum for an election timeout steps down."""
    net = elected(check_quorum=True)
    net.isolate("n1")
    net.tick("n1", 10)
    assert net.cores["n1"].role is Role.LEADER  # followers were active this period
    net.tick("n1", 10)
    assert net.cores["n1"].role is Role.FOLLOWER and net.cores["n1"].lead is None


def test_without_check_quorum_an_isolated_leader_stays() -> None:
    net = elected(check_quorum=False)
    net.isolate("n1")
    net.tick("n1", 50)
    assert net.cores["n1"].role is Role.LEADER


def test_check_quorum_leader_lease_ignores_disruptive_votes() -> None:
    """While followers hear from a live leader they ignore (and keep their term against) a
    vote request of a higher term."""
    net = elected(check_quorum=True)
    net.isolate("n3")
    for _ in range(30):
        net.tick("n3")  # n3 campaigns in vain, raising its term
    assert net.cores["n3"].term > 2
    net.queue.clear()
    net.heal()
    net.tick("n1")
    net.tick("n2")
    net.campaign("n3")
    assert net.cores["n2"].term == 2 and net.cores["n2"].vote == "n1"
    assert net.cores["n3"].role is not Role.LEADER


def test_check_quorum_with_pre_vote_keeps_cluster_stable() -> None:
    net = elected(check_quorum=True, pre_vote=True)
    for _ in range(5):
        net.tick_all(10)
    assert net.leader() == "n1" and net.cores["n1"].term == 2
