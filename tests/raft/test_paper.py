"""Conformance with the Raft paper (after etcd's raft_paper_test.go), on single cores."""

from __future__ import annotations

import random
from collections.abc import Iterable
from typing import Any

import pytest

from kactors.raft import (
    Entry,
    HardState,
    Message,
    MessageType,
    RaftCore,
    Role,
)

from .raft_network import Network, make_config, seeded_storage, take_messages

APP, APP_RESP = MessageType.APP, MessageType.APP_RESP
VOTE, VOTE_RESP = MessageType.VOTE, MessageType.VOTE_RESP
HEARTBEAT = MessageType.HEARTBEAT


def solo(
    node: str = "n1",
    voters: Iterable[str] = ("n1", "n2", "n3"),
    terms: Iterable[int] = (),
    hard_state: HardState | None = None,
    **cfg: Any,
) -> RaftCore:
    return RaftCore(make_config(node, **cfg), seeded_storage(voters, terms, hard_state))


def elect(core: RaftCore) -> list[Message]:
    """Make `core` leader by granting it every vote; return the messages it sent."""
    core.campaign()
    for m in take_messages(core):
        if m.type is VOTE:
            core.step(Message(VOTE_RESP, core.id, m.to, m.term))
    assert core.role is Role.LEADER
    return take_messages(core)


def make_candidate(core: RaftCore) -> None:
    core.campaign()
    take_messages(core)
    assert core.role is Role.CANDIDATE


def test_start_as_follower() -> None:
    core = solo()
    assert core.role is Role.FOLLOWER and core.lead is None and core.term == 0


@pytest.mark.parametrize("role", [Role.FOLLOWER, Role.CANDIDATE, Role.LEADER])
def test_follower_update_term_from_message(role: Role) -> None:
    """§5.1: a server seeing a larger term adopts it and reverts to follower."""
    core = solo()
    if role is Role.CANDIDATE:
        make_candidate(core)
    elif role is Role.LEADER:
        elect(core)
    core.step(Message(APP, "n1", "n2", term=5))
    assert (core.term, core.role, core.lead) == (5, Role.FOLLOWER, "n2")


def test_reject_stale_term_message() -> None:
    """§5.1: a request with a stale term is ignored (no state change, no answer)."""
    core = solo(hard_state=HardState(term=2))
    core.step(Message(APP, "n1", "n2", term=1, entries=(Entry(1, 1),), commit=1))
    core.step(Message(VOTE, "n1", "n2", term=1))
    assert core.term == 2 and core.lead is None and core.vote is None
    assert core.last_index == 0
    assert take_messages(core) == []


def test_stale_leader_is_told_the_new_term_with_check_quorum() -> None:
    core = solo(hard_state=HardState(term=2), check_quorum=True)
    core.step(Message(HEARTBEAT, "n1", "n2", term=1))
    assert take_messages(core) == [Message(APP_RESP, "n2", "n1", term=2)]


def test_leader_bcast_beat() -> None:
    """§5.2: the leader sends heartbeats every heartbeat_tick, with a safe commit index."""
    core = solo(heartbeat_tick=2)
    elect(core)
    core.propose_batch([f"d{i}" for i in range(10)])
    take_messages(core)
    core.tick()
    assert take_messages(core) == []
    core.tick()
    assert take_messages(core) == [
        Message(HEARTBEAT, "n2", "n1", term=1, commit=0),
        Message(HEARTBEAT, "n3", "n1", term=1, commit=0),
    ]


@pytest.mark.parametrize("role", [Role.FOLLOWER, Role.CANDIDATE])
def test_nonleader_start_election(role: Role) -> None:
    """§5.2: after the election timeout a server votes for itself and asks everyone."""
    core = solo(pre_vote=False)
    if role is Role.CANDIDATE:
        make_candidate(core)
    term = core.term
    for _ in range(2 * 10):
        core.tick()
    assert core.role is Role.CANDIDATE and core.term == term + 1 and core.vote == "n1"
    msgs = [m for m in take_messages(core) if m.term == term + 1]
    assert msgs == [
        Message(VOTE, "n2", "n1", term=term + 1, index=0, log_term=0),
        Message(VOTE, "n3", "n1", term=term + 1, index=0, log_term=0),
    ]


@pytest.mark.parametrize(
    ("size", "votes", "role"),
    [
        # win with a majority
        (1, {}, Role.LEADER),
        (3, {"n2": True, "n3": True}, Role.LEADER),
        (3, {"n2": True}, Role.LEADER),
        (5, {"n2": True, "n3": True, "n4": True, "n5": True}, Role.LEADER),
        (5, {"n2": True, "n3": True}, Role.LEADER),
        # lose with a majority of denials
        (3, {"n2": False, "n3": False}, Role.FOLLOWER),
        (5, {"n2": False, "n3": False, "n4": False, "n5": False}, Role.FOLLOWER),
        (5, {"n2": True, "n3": False, "n4": False, "n5": False}, Role.FOLLOWER),
        # undecided: stay candidate
        (3, {}, Role.CANDIDATE),
        (5, {"n2": True}, Role.CANDIDATE),
        (5, {"n2": False, "n3": False}, Role.CANDIDATE),
        (5, {}, Role.CANDIDATE),
    ],
)
def test_election_in_one_round(size: int, votes: dict[str, bool], role: Role) -> None:
    """§5.2: one round of RequestVote decides win / lose / undecided."""
    core = solo(voters=[f"n{i}" for i in range(1, size + 1)])
    core.campaign()
    take_messages(core)
    for voter, granted in votes.items():
        core.step(Message(VOTE_RESP, "n1", voter, term=1, reject=not granted))
    assert core.role is role
    assert core.term == 1


@pytest.mark.parametrize(
    ("vote", "candidate", "reject"),
    [
        (None, "n2", False),
        (None, "n3", False),
        ("n2", "n2", False),
        ("n3", "n3", False),
        ("n2", "n3", True),
        ("n3", "n2", True),
    ],
)
def test_follower_vote(vote: str | None, candidate: str, reject: bool) -> None:
    """§5.2: a follower votes for at most one candidate per term, first come first served."""
    core = solo(hard_state=HardState(term=1, vote=vote))
    core.step(Message(VOTE, "n1", candidate, term=1))
    assert take_messages(core) == [Message(VOTE_RESP, candidate, "n1", term=1, reject=reject)]
    assert core.vote == (vote or candidate)


def test_follower_vote_is_durable_before_reply() -> None:
    core = solo()
    core.step(Message(VOTE, "n1", "n2", term=3))
    rd = core.ready()
    assert rd.hard_state == HardState(term=3, vote="n2", commit=0)
    assert rd.messages == (Message(VOTE_RESP, "n2", "n1", term=3),)


@pytest.mark.parametrize("term", [1, 2])
def test_candidate_fallback(term: int) -> None:
    """§5.2: a candidate hearing from a leader of at least its term becomes its follower."""
    core = solo()
    make_candidate(core)
    core.step(Message(APP, "n1", "n2", term=term))
    assert (core.role, core.term, core.lead) == (Role.FOLLOWER, term, "n2")


@pytest.mark.parametrize("role", [Role.FOLLOWER, Role.CANDIDATE])
def test_randomized_election_timeout(role: Role) -> None:
    """§5.2: the election timeout is drawn from [election_tick, 2*election_tick)."""
    seen = set()
    for seed in range(60):
        core = solo(rng=random.Random(seed))
        if role is Role.CANDIDATE:
            make_candidate(core)
        term = core.term
        ticks = 0
        while core.term == term:
            core.tick()
            ticks += 1
            assert ticks < 20, f"seed {seed}: no election after {ticks} ticks"
        assert 10 <= ticks < 20, f"seed {seed}: timeout {ticks}"
        seen.add(ticks)
    assert seen == set(range(10, 20))


def test_randomized_timeouts_avoid_conflicts() -> None:
    """§5.2: randomization makes simultaneous candidacies rare."""
    conflicts = 0
    rounds = 200
    for r in range(rounds):
        cores = [
            solo(f"n{i}", voters=[f"n{j}" for j in range(1, 6)], rng=random.Random(r * 10 + i))
            for i in range(1, 6)
        ]
        while True:
            for c in cores:
                c.tick()
            started = sum(c.role is Role.CANDIDATE for c in cores)
            if started:
                conflicts += started > 1
                break
    assert conflicts / rounds <= 0.3, f"{conflicts} conflicts in {rounds} rounds"


def test_leader_start_replication() -> None:
    """§5.3: a proposal is appended, then sent to every follower with its predecessor."""
    core = solo()
    for m in elect(core):  # followers acknowledge the no-op: they move to replicate state
        core.step(Message(APP_RESP, "n1", m.to, term=1, index=1))
    take_messages(core)
    core.propose("some data")
    msgs = take_messages(core)
    assert [(m.to, m.type, m.index, m.log_term, m.commit) for m in msgs] == [
        ("n2", APP, 1, 1, 1),
        ("n3", APP, 1, 1, 1),
    ]
    assert all(m.entries == (Entry(1, 2, data="some data"),) for m in msgs)
    assert core.last_index == 2 and core.commit_index == 1


@pytest.mark.parametrize("terms", [(), (2,), (1, 2), (1,)], ids=["empty", "t2", "t1-t2", "t1"])
def test_leader_commit_preceding_entries(terms: tuple[int, ...]) -> None:
    """§5.4.2: committing an entry of its own term commits all preceding entries."""
    core = solo(terms=terms, hard_state=HardState(term=2))
    msgs = elect(core)  # term 3, appends its no-op
    core.propose("some data")
    msgs += take_messages(core)
    committed: list[Entry] = []
    while msgs:  # every follower accepts every append
        for m in msgs:
            if m.type is APP:
                last = m.index + len(m.entries)
                core.step(Message(APP_RESP, "n1", m.to, term=3, index=last))
        rd = core.ready()
        msgs = list(rd.messages)
        committed += rd.committed_entries
        core.advance(rd)
    n = len(terms)
    assert [(e.term, e.index, e.data) for e in committed] == [
        *[(t, i + 1, f"e{i + 1}") for i, t in enumerate(terms)],
        (3, n + 1, None),
        (3, n + 2, "some data"),
    ]


@pytest.mark.parametrize(
    ("log_term", "index", "resp_index", "reject", "hint", "hint_term"),
    [
        (0, 0, 1, False, 0, 0),  # matches committed entries: answer with commit
        (1, 1, 1, False, 0, 0),
        (2, 2, 2, False, 0, 0),  # matches an uncommitted entry
        (1, 2, 2, True, 1, 1),  # mismatch with an existing entry
        (3, 3, 3, True, 2, 2),  # entry does not exist
    ],
)
def test_follower_check_msg_app(
    log_term: int, index: int, resp_index: int, reject: bool, hint: int, hint_term: int
) -> None:
    """§5.3: the consistency check, with the fast back-off hint on rejection."""
    core = solo(terms=(1, 2), hard_state=HardState(term=2, commit=1))
    core.step(Message(APP, "n1", "n2", term=2, log_term=log_term, index=index))
    assert take_messages(core) == [
        Message(
            APP_RESP, "n2", "n1", term=2, index=resp_index,
            reject=reject, reject_hint=hint, log_term=hint_term,
        )
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("log_term", "index", "ents", "want", "commit"),
    [
        (2, 2, [(3, 3)], [(1, 1), (2, 2), (3, 3)], 1),
        (1, 1, [(3, 2), (4, 3)], [(1, 1), (3, 2), (4, 3)], 1),
        (0, 0, [(1, 1)], [(1, 1), (2, 2)], 1),
        (0, 0, [(3, 1)], [(3, 1)], 0),
    ],
)
def test_follower_append_entries(
    log_term: int, index: int, ents: list[tuple[int, int]], want: list[tuple[int, int]],
    commit: int,
) -> None:  # fmt: skip
    """§5.3: conflicting entries are deleted and replaced; matching ones kept."""
    core = solo(terms=(1, 2), hard_state=HardState(term=2, commit=commit))
    entries = tuple(Entry(t, i) for t, i in ents)
    core.step(Message(APP, "n1", "n2", term=2, log_term=log_term, index=index, entries=entries))
    got = core.log.slice(1, core.last_index + 1)
    assert [(e.term, e.index) for e in got] == want


FIGURE_7_LEADER = (1, 1, 1, 4, 4, 5, 5, 6, 6, 6)


@pytest.mark.parametrize(
    "follower",
    [
        (1, 1, 1, 4, 4, 5, 5, 6, 6),
        (1, 1, 1, 4),
        (1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 6),
        (1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 7, 7),
        (1, 1, 1, 4, 4, 4, 4),
        (1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3),
    ],
    ids=list("abcdef"),
)
def test_leader_sync_follower_log(follower: tuple[int, ...]) -> None:
    """§5.3, figure 7: the leader forces every kind of follower log to match its own."""
    lead = seeded_storage(("n1", "n2", "n3"), FIGURE_7_LEADER, HardState(term=8, commit=10))
    foll = seeded_storage(("n1", "n2", "n3"), follower, HardState(term=7))
    net = Network(("n1", "n2"), storages={"n1": lead, "n2": foll}, bootstrap=False)
    net.campaign("n1")
    # n3 is down but votes (n2 may have a more up-to-date log and refuse).
    net.send(Message(VOTE_RESP, "n1", "n3", term=9))
    assert net.cores["n1"].role is Role.LEADER
    net.propose("n1", "new")
    logs = [
        [(e.term, e.index, e.data) for e in c.log.slice(1, c.last_index + 1)]
        for c in net.cores.values()
    ]
    assert logs[0] == logs[1]
    assert logs[0][-1] == (9, 12, "new")


def test_fast_backoff_needs_few_probes() -> None:
    """A follower with a long divergent tail is repaired in a couple of round trips."""
    lead = seeded_storage(("n1", "n2", "n3"), [1] * 5 + [3] * 40, HardState(term=3, commit=5))
    foll = seeded_storage(("n1", "n2", "n3"), [1] * 5 + [2] * 40, HardState(term=3))
    net = Network(("n1", "n2"), storages={"n1": lead, "n2": foll}, bootstrap=False)
    net.campaign("n1")
    net.send(Message(VOTE_RESP, "n1", "n3", term=4))
    rejections = [m for m in net.delivered if m.type is APP_RESP and m.reject]
    assert 1 <= len(rejections) <= 2, rejections
    assert net.cores["n2"].log.term(45) == 3


@pytest.mark.parametrize(
    ("terms", "log_term", "index", "reject"),
    [
        # same last term: longer-or-equal log wins
        ((1,), 1, 1, False),
        ((1,), 1, 2, False),
        ((1, 1), 1, 1, True),
        # candidate has a higher last term
        ((1,), 2, 1, False),
        ((1,), 2, 2, False),
        ((1, 1), 2, 1, False),
        # voter has a higher last term
        ((2,), 1, 1, True),
        ((2,), 1, 2, True),
        ((2, 1), 1, 1, True),
    ],
)
def test_voter_rejects_out_of_date_log(
    terms: tuple[int, ...], log_term: int, index: int, reject: bool
) -> None:
    """§5.4.1: a vote is denied to a candidate whose log is less up to date."""
    core = solo(terms=terms)
    core.step(Message(VOTE, "n1", "n2", term=3, log_term=log_term, index=index))
    (resp,) = take_messages(core)
    assert (resp.type, resp.reject) == (VOTE_RESP, reject)


@pytest.mark.parametrize(("acked", "commit"), [(1, 0), (2, 0), (3, 3)])
def test_leader_only_commits_current_term_by_counting(acked: int, commit: int) -> None:
    """§5.4.2: replicas of older-term entries are never counted to commit them."""
    core = solo(voters=("n1", "n2"), terms=(1, 2), hard_state=HardState(term=2))
    elect(core)  # term 3, no-op at index 3
    core.propose("x")
    take_messages(core)
    core.step(Message(APP_RESP, "n1", "n2", term=3, index=acked))
    assert core.commit_index == commit
