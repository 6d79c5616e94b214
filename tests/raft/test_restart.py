"""Crash and restart: what was persisted survives, what was not is lost."""

from __future__ import annotations

from kactors.raft import ConfState, HardState, MemoryStorage, Message, MessageType, RaftCore, Role

from .raft_network import Network, make_config


def test_restart_keeps_term_vote_and_log() -> None:
    net = Network(("n1", "n2", "n3"))
    net.campaign("n1")
    net.propose("n1", "a", "b")
    before = net.cores["n2"]
    state = (before.term, before.vote, before.commit_index, before.last_index)
    log = before.log.slice(1, before.last_index + 1)
    net.restart("n2")
    after = net.cores["n2"]
    assert (
        (after.term, after.vote, after.commit_index, after.last_index) == state == (2, "n1", 6, 6)
    )
    assert after.log.slice(1, after.last_index + 1) == log
    assert after.role is Role.FOLLOWER and after.lead is None
    assert after.conf_state == ConfState(voters=("n1", "n2", "n3"))
    # The state machine is rebuilt by replaying the committed entries.
    assert net.applied_data("n2") == ["a", "b"]


def test_restarted_member_does_not_vote_twice() -> None:
    net = Network(("n1", "n2", "n3"))
    net.send(Message(MessageType.VOTE, "n2", "n1", term=5, index=3, log_term=1))
    net.restart("n2")
    net.queue.clear()
    net.cores["n2"].step(Message(MessageType.VOTE, "n2", "n3", term=5, index=3, log_term=1))
    (resp,) = net.cores["n2"].ready().messages
    assert resp.reject and net.cores["n2"].vote == "n1"


def test_unpersisted_state_is_lost_on_crash() -> None:
    storage = MemoryStorage()
    cfg = make_config("n1", peers=("n1", "n2", "n3"))
    core = RaftCore(cfg, storage)
    core.step(Message(MessageType.VOTE, "n1", "n2", term=7, index=3, log_term=1))
    assert core.vote == "n2"
    # Crash before the Ready was persisted: neither the term nor the vote survive, and the
    # vote response was never sent.
    core = RaftCore(cfg, storage)
    assert (core.term, core.vote) == (1, None)
    assert storage.hard_state == HardState(term=1, vote=None, commit=3)


def test_bootstrap_happens_once() -> None:
    storage = MemoryStorage()
    RaftCore(make_config("n1", peers=("n3", "n1", "n2")), storage)
    assert [e.data.node_id for e in storage.entries(1, 4)] == ["n1", "n2", "n3"]
    core = RaftCore(make_config("n1", peers=("n1", "n9")), storage)  # peers ignored now
    assert core.conf_state == ConfState(voters=("n1", "n2", "n3"))
    assert storage.last_index() == 3


def test_restarted_member_can_campaign_before_first_ready() -> None:
    net = Network(("n1", "n2", "n3"))
    net.campaign("n1")
    net.restart("n1")
    net.campaign("n1")
    assert net.leader() == "n1" and net.cores["n1"].term == 3
