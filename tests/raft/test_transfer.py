"""Leadership transfer (§3.10): MsgTimeoutNow once the target is caught up."""

from __future__ import annotations

import pytest

from kactors.raft import (
    ConfChange,
    ConfChangeType,
    LeaderTransferError,
    LeaderTransferInProgressError,
    MessageType,
    NotLeaderError,
    ProposalDroppedError,
    Role,
)

from .raft_network import Network

TIMEOUT_NOW = MessageType.TIMEOUT_NOW


def elected(**cfg: object) -> Network:
    net = Network(("n1", "n2", "n3"), **cfg)
    net.campaign("n1")
    return net


@pytest.mark.parametrize("guards", [False, True], ids=["plain", "prevote+checkquorum"])
def test_transfer_to_up_to_date_follower(guards: bool) -> None:
    net = elected(pre_vote=guards, check_quorum=guards)
    net.cores["n1"].transfer_leadership("n2")
    net.stabilize()
    assert net.leader() == "n2" and net.cores["n2"].term == 3
    assert net.cores["n1"].role is Role.FOLLOWER and net.cores["n1"].lead == "n2"


def test_transfer_to_lagging_follower_catches_it_up_first() -> None:
    net = elected()
    net.isolate("n3")
    net.propose("n1", "a", "b")
    net.heal()
    net.delivered.clear()
    net.cores["n1"].transfer_leadership("n3")
    net.stabilize()
    assert net.leader() == "n3"
    to_n3 = [m.type for m in net.delivered if m.to == "n3" and m.sender == "n1"]
    assert to_n3.index(MessageType.APP) < to_n3.index(TIMEOUT_NOW)
    assert net.applied_data("n3") == ["a", "b"]


def test_proposals_dropped_during_transfer() -> None:
    net = elected()
    net.isolate("n2")
    net.cores["n1"].transfer_leadership("n2")
    with pytest.raises(
        LeaderTransferInProgressError,
        match="^proposal dropped: leadership transfer to n2 in progress$",
    ) as info:
        net.cores["n1"].propose("x")
    assert isinstance(info.value, ProposalDroppedError) and info.value.leader == "n2"


def test_transfer_aborts_after_an_election_timeout() -> None:
    net = elected()
    net.isolate("n2")
    net.cores["n1"].transfer_leadership("n2")
    net.tick("n1", 9)
    assert net.cores["n1"].lead_transferee == "n2"
    net.tick("n1")
    assert net.cores["n1"].lead_transferee is None
    net.heal()
    net.propose("n1", "after")
    net.tick_all(2)  # a heartbeat answer resumes replication to n2
    assert "after" in net.applied_data("n2")
    assert net.leader() == "n1"


def test_transfer_rejects_non_voters_and_non_leaders() -> None:
    net = elected()
    net.cores["n1"].propose_conf_change(ConfChange(ConfChangeType.ADD_LEARNER, "n4"))
    net.stabilize()
    with pytest.raises(
        LeaderTransferError, match="^cannot transfer leadership to n4: not a voter$"
    ):
        net.cores["n1"].transfer_leadership("n4")
    with pytest.raises(LeaderTransferError, match="^cannot transfer leadership to n9"):
        net.cores["n1"].transfer_leadership("n9")
    with pytest.raises(NotLeaderError, match=r"^not leader \(leader is n1\)$"):
        net.cores["n2"].transfer_leadership("n3")


def test_transfer_to_self_is_a_noop() -> None:
    net = elected()
    net.cores["n1"].transfer_leadership("n1")
    assert net.cores["n1"].lead_transferee is None
