"""Commit-only appends: the leader tells followers a new commit index without an answer.

After a commit, the empty MsgApp that carries the new commit index to a follower in
REPLICATE state is marked `COMMIT_ONLY` and not answered (the answers to the appends that
carried the entries already told the leader where the follower's log ends). Probes and the
appends sent after a heartbeat response stay ordinary appends, so a lost answer is still
recovered.
"""

from __future__ import annotations

from kactors.raft import COMMIT_ONLY, Message, MessageType, Role

from .raft_network import Network

APP, APP_RESP = MessageType.APP, MessageType.APP_RESP


def _settled(net: Network) -> Network:
    net.campaign("n1")
    net.propose("n1", "warm-up")  # every follower in REPLICATE state
    net.delivered.clear()
    return net


def test_commit_bump_is_marked_and_not_answered() -> None:
    net = _settled(Network(("n1", "n2", "n3")))
    net.propose("n1", "x")
    commit = net.cores["n1"].commit_index
    assert {c.commit_index for c in net.cores.values()} == {commit}
    bumps = [m for m in net.delivered if m.type is APP and m.context == COMMIT_ONLY]
    assert sorted(m.to for m in bumps) == ["n2", "n3"]
    assert all(not m.entries and m.commit == commit for m in bumps)
    # one answer per follower: to the append with the entry, none to the bump
    answers = [m for m in net.delivered if m.type is APP_RESP]
    assert sorted(m.sender for m in answers) == ["n2", "n3"]
    assert {net.sm[n][-1][2] for n in ("n1", "n2", "n3")} == {"x"}


def test_appends_with_entries_and_probes_are_never_marked() -> None:
    net = Network(("n1", "n2", "n3"))
    net.campaign("n1")  # the new leader's first append to each follower is a probe
    apps = [m for m in net.delivered if m.type is APP]
    probes = [next(m for m in apps if m.to == n) for n in ("n2", "n3")]
    assert all(m.context is None for m in probes)
    net.propose("n1", "a", "b")
    with_entries = [m for m in net.delivered if m.type is APP and m.entries]
    assert len(with_entries) >= 4 and all(m.context is None for m in with_entries)


def test_a_lost_answer_is_recovered_through_the_heartbeat() -> None:
    net = _settled(Network(("n1", "n2", "n3")))
    # n3's answer to the next append is lost; n2's commits the entry anyway.
    net.drop = lambda m: m.type is APP_RESP and m.sender == "n3"
    net.propose("n1", "y")
    leader = net.cores["n1"]
    last = leader.last_index
    progress = leader.progress("n3")
    assert progress is not None and progress.match < last
    assert net.cores["n3"].commit_index == leader.commit_index  # the bump still arrived
    net.drop = None
    net.tick("n1")  # heartbeat; its answer makes the leader send an ordinary append
    net.stabilize()
    progress = leader.progress("n3")
    assert progress is not None and progress.match == last
    recovery = [m for m in net.delivered if m.type is APP and m.to == "n3"
                and m.context is None]
    assert recovery


def test_a_stale_leader_still_learns_the_newer_term_from_a_commit_bump() -> None:
    net = Network(("n1", "n2", "n3"), check_quorum=True)
    net.campaign("n1")
    net.propose("n1", "warm-up")
    net.cores["n2"].term += 1  # n2 moved on (as after an election n1 did not see)
    net.delivered.clear()
    net.propose("n1", "z")
    # n2 answered the append of the stale term with its own term: n1 steps down
    assert any(m.type is APP_RESP and m.sender == "n2" and m.term > 1 for m in net.delivered)
    assert net.cores["n1"].role is not Role.LEADER


def test_follower_answers_a_marked_append_that_does_not_match() -> None:
    net = _settled(Network(("n1", "n2", "n3")))
    core = net.cores["n2"]
    term = core.term
    bogus = Message(APP, "n2", "n1", term, log_term=term, index=core.last_index + 5,
                    commit=core.commit_index, context=COMMIT_ONLY)
    core.step(bogus)
    rd = core.ready()
    core.advance(rd)
    (answer,) = rd.messages
    assert answer.type is APP_RESP and answer.reject
