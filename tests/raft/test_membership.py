"""Runtime membership changes (§4.1): one member at a time, learners, removal."""

from __future__ import annotations

import pytest

from kactors.raft import (
    ConfChange,
    ConfChangeError,
    ConfChangeType,
    ConfState,
    HardState,
    MessageType,
    Role,
)

from .raft_network import Network, seeded_storage

ADD, LEARN, PROMOTE, REMOVE = (
    ConfChangeType.ADD_VOTER,
    ConfChangeType.ADD_LEARNER,
    ConfChangeType.PROMOTE_LEARNER,
    ConfChangeType.REMOVE_NODE,
)


def elected(**cfg: object) -> Network:
    net = Network(("n1", "n2", "n3"), **cfg)
    net.campaign("n1")
    return net


def change(net: Network, kind: ConfChangeType, node: str) -> None:
    net.cores[net.leader()].propose_conf_change(ConfChange(kind, node))
    net.stabilize()


def test_add_voter_joins_and_changes_the_quorum() -> None:
    net = elected()
    net.propose("n1", "before")
    change(net, ADD, "n4")
    net.add("n4")  # a joiner: empty storage, no peers; it learns everything from the log
    net.tick_all(3)
    expected = ConfState(voters=("n1", "n2", "n3", "n4"))
    assert all(c.conf_state == expected for c in net.cores.values())
    assert net.sm["n4"] == net.sm["n1"]
    # Quorum is now 3 of 4: two members cannot commit.
    net.partition(("n1", "n2"), ("n3", "n4"))
    commit = net.cores["n1"].commit_index
    net.propose("n1", "split")
    assert net.cores["n1"].commit_index == commit


def test_remove_voter_shrinks_the_quorum() -> None:
    net = elected()
    change(net, REMOVE, "n3")
    assert net.cores["n1"].conf_state == ConfState(voters=("n1", "n2"))
    net.crash("n3")
    net.propose("n1", "two-of-two")
    assert "two-of-two" in net.applied_data("n2")
    assert net.cores["n1"].progress("n3") is None


def test_removed_leader_steps_down() -> None:
    net = elected()
    change(net, REMOVE, "n1")
    n1 = net.cores["n1"]
    assert n1.role is Role.FOLLOWER and "n1" not in n1.conf_state.voters
    for _ in range(5):
        net.tick_all(10)
    assert net.leader() in ("n2", "n3")
    assert net.cores["n1"].role is Role.FOLLOWER  # never campaigns again


def test_learner_receives_log_but_does_not_vote_or_count() -> None:
    net = elected()
    change(net, LEARN, "n4")
    net.add("n4")
    net.tick_all(2)
    assert net.cores["n1"].conf_state == ConfState(("n1", "n2", "n3"), ("n4",))
    net.propose("n1", "x")
    assert "x" in net.applied_data("n4")
    # A learner acknowledgement does not make a quorum with the leader.
    net.isolate("n2")
    net.isolate("n3")
    net.cut.discard(frozenset(("n1", "n4")))
    commit = net.cores["n1"].commit_index
    net.propose("n1", "y")
    assert net.cores["n4"].last_index > commit
    assert net.cores["n1"].commit_index == commit
    # And a learner never campaigns.
    net.tick("n4", 100)
    assert net.cores["n4"].role is Role.FOLLOWER


def test_promote_learner() -> None:
    net = elected()
    change(net, LEARN, "n4")
    net.add("n4")
    net.tick_all(2)
    change(net, PROMOTE, "n4")
    assert net.cores["n4"].conf_state == ConfState(voters=("n1", "n2", "n3", "n4"))
    net.cores["n1"].transfer_leadership("n4")
    net.stabilize()
    assert net.leader() == "n4"


def test_only_one_pending_conf_change() -> None:
    net = elected()
    net.isolate("n1")
    net.cores["n1"].propose_conf_change(ConfChange(ADD, "n4"))
    with pytest.raises(
        ConfChangeError, match=r"^a conf change is already pending at index 5 \(applied 4\)$"
    ):
        net.cores["n1"].propose_conf_change(ConfChange(ADD, "n5"))


def test_new_leader_defers_conf_changes_until_its_log_is_applied() -> None:
    """Its log may hold an uncommitted change from an earlier term: wait until applied."""
    voters = ("n1", "n2", "n3")
    storages = {n: seeded_storage(voters, (1, 1), HardState(term=1)) for n in voters}
    net = Network(voters, storages=storages, bootstrap=False)
    net.drop = lambda m: m.type is MessageType.APP
    net.campaign("n1")
    with pytest.raises(
        ConfChangeError, match=r"^a conf change is already pending at index 2 \(applied 0\)$"
    ):
        net.cores["n1"].propose_conf_change(ConfChange(ADD, "n4"))
    net.heal()
    net.tick_all(2)
    net.cores["n1"].propose_conf_change(ConfChange(ADD, "n4"))


def test_invalid_conf_change_is_refused_at_proposal() -> None:
    net = elected()
    with pytest.raises(ConfChangeError, match="^n2 is already a voter$"):
        net.cores["n1"].propose_conf_change(ConfChange(ADD, "n2"))


def test_conf_change_entry_is_delivered_to_the_application() -> None:
    net = elected()
    change(net, LEARN, "n4")
    cc = [d for (_, _, d) in net.sm["n2"] if isinstance(d, ConfChange)]
    assert cc[-1] == ConfChange(LEARN, "n4")
