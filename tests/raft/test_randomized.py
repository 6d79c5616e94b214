"""Randomized runs: random drops, reordering, duplication, partitions, compaction,
crash-restarts (losing unpersisted state), leadership transfers, reads and membership changes.

Checks the safety properties after every step: election safety (§5.2: one leader per term),
state machine safety (§5.4.3: no two members apply different commands at an index, and each
applies indexes in order exactly once), and log matching (§5.3); then liveness once healed.
Every assertion message carries the seed: rerun with `run(seed, size)`.
"""

from __future__ import annotations

import random

import pytest

from kactors.raft import (
    ConfChange,
    ConfChangeError,
    ConfChangeType,
    ProposalDroppedError,
    RaftCore,
    Role,
)

from .raft_network import Network


class Checker:
    def __init__(self, net: Network, seed: int) -> None:
        self.net = net
        self.seed = seed
        self.leader_of_term: dict[int, str] = {}
        self.applied: dict[int, tuple[int, object]] = {}
        self.checked_upto: dict[str, int] = {}

    def check(self) -> None:
        for node, core in self.net.cores.items():
            if core.role is Role.LEADER:
                first = self.leader_of_term.setdefault(core.term, node)
                assert first == node, f"seed {self.seed}: two leaders in term {core.term}"
        for node, sm in self.net.sm.items():
            # The harness asserts applied indexes are contiguous; check agreement here.
            for index, term, data in sm[-20:]:
                seen = self.applied.setdefault(index, (term, data))
                assert seen == (term, data), (
                    f"seed {self.seed}: {node} applied {(term, data)} at {index}, "
                    f"another member applied {seen}"
                )

    def check_log_matching(self) -> None:
        cores = list(self.net.cores.values())
        for i, a in enumerate(cores):
            for b in cores[i + 1 :]:
                lo = max(a.log.first_index(), b.log.first_index())
                hi = min(a.last_index, b.last_index)
                if lo > hi:
                    continue
                ea, eb = a.log.slice(lo, hi + 1), b.log.slice(lo, hi + 1)
                same = [k for k in range(len(ea)) if ea[k].term == eb[k].term]
                if same:
                    k = same[-1]
                    assert ea[: k + 1] == eb[: k + 1], (
                        f"seed {self.seed}: logs of {a.id} and {b.id} agree at {lo + k} "
                        f"but differ before"
                    )


def random_conf_change(rng: random.Random, core: RaftCore, fresh: str) -> ConfChange:
    conf = core.conf_state
    choice = rng.random()
    if choice < 0.3 and conf.learners:
        return ConfChange(ConfChangeType.PROMOTE_LEARNER, rng.choice(conf.learners))
    if choice < 0.55 and len(conf.voters) > 2:
        return ConfChange(ConfChangeType.REMOVE_NODE, rng.choice(conf.members()))
    if choice < 0.8:
        return ConfChange(ConfChangeType.ADD_LEARNER, fresh)
    return ConfChange(ConfChangeType.ADD_VOTER, fresh)


def run(seed: int, size: int, steps: int = 1200, churn: bool = False) -> None:
    rng = random.Random(seed)
    ids = [f"n{i}" for i in range(1, size + 1)]
    net = Network(
        ids,
        seed=seed,
        pre_vote=rng.random() < 0.5,
        check_quorum=rng.random() < 0.5,
        election_tick=6,
        max_inflight=rng.choice([1, 4, 64]),
        max_entries_per_msg=rng.choice([1, 3, 100]),
    )
    checker = Checker(net, seed)
    crashed: set[str] = set()
    pending = net.queue
    counter = 0
    joiners = 0
    drop_rate = rng.choice([0.0, 0.05, 0.2])

    for _ in range(steps):
        nodes = net.ids
        action = rng.random()
        if action < 0.35 and pending:
            # Deliver one message, mostly in order, sometimes reordered or duplicated.
            k = 0 if rng.random() < 0.8 else rng.randrange(len(pending))
            m = pending[k]
            del pending[k]
            if rng.random() < 0.03:
                pending.append(m)
            if rng.random() >= drop_rate:
                net.deliver_one(m)
        elif action < 0.6:
            node = rng.choice(nodes)
            if node in net.cores:
                net.cores[node].tick()
                if rng.random() < 0.9:  # else: unpersisted until later (or a crash)
                    net.process(node)
        elif action < 0.75:
            for leader in net.leaders():
                counter += 1
                batch = [f"{seed}-{counter}-{j}" for j in range(rng.randint(1, 4))]
                try:
                    net.cores[leader].propose_batch(batch)
                except ProposalDroppedError:
                    pass  # leadership transfer in progress
                if rng.random() < 0.9:
                    net.process(leader)
        elif action < 0.8:
            net.process(rng.choice(nodes))
        elif action < 0.84:
            net.cut.clear()
            choice = rng.random()
            if choice < 0.4:
                net.isolate(rng.choice(nodes))
            elif choice < 0.7:
                shuffled = nodes[:]
                rng.shuffle(shuffled)
                cut = rng.randint(1, len(nodes) - 1)
                net.partition(shuffled[:cut], shuffled[cut:])
        elif action < 0.88:
            node = rng.choice(nodes)
            if node in crashed:
                crashed.discard(node)
                net.restart(node)
            elif len(crashed) < (size - 1) // 2:
                crashed.add(node)
                net.crash(node)
        elif action < 0.91:
            core = net.cores.get(rng.choice(nodes))
            if core is not None and core.applied_index > core.log.first_index() + 3:
                applied = core.applied_index
                try:
                    core.compact(applied, tuple(net.sm[core.id][:applied]))
                except Exception as exc:  # a conf change applied after `applied`
                    assert "membership changed" in str(exc), f"seed {seed}: {exc}"
        elif action < 0.93:
            for leader in net.leaders():
                core = net.cores[leader]
                target = rng.choice(core.conf_state.voters)
                core.transfer_leadership(target)
                net.process(leader)
        elif action < 0.96 and churn:
            for leader in net.leaders():
                core = net.cores[leader]
                fresh = f"j{joiners + 1}"
                cc = random_conf_change(rng, core, fresh)
                try:
                    core.propose_conf_change(cc)
                except (ConfChangeError, ProposalDroppedError):
                    continue
                if cc.node_id == fresh:
                    joiners += 1
                    net.add(fresh)  # starts empty and learns the log from the leader
                net.process(leader)
        else:
            core = net.cores.get(rng.choice(nodes))
            if core is not None:
                try:
                    core.read_index(f"read-{counter}")
                except ProposalDroppedError:
                    pass
                net.process(core.id)
        checker.check()

    checker.check_log_matching()
    check_liveness(net, checker, crashed, seed)


def check_liveness(net: Network, checker: Checker, crashed: set[str], seed: int) -> None:
    """Heal everything; a leader of the final membership commits a command everywhere."""
    for node in sorted(crashed):
        net.restart(node)
    net.heal()
    net.stabilize()
    final = f"{seed}-final"
    for _ in range(600):
        net.tick_all()
        checker.check()
        leaders = net.leaders()
        if len(leaders) != 1:
            continue
        core = net.cores[leaders[0]]
        members = core.conf_state.members()
        # Members removed for good may still campaign (they never learn of their removal):
        # stop them, as an operator would.
        for node in list(net.cores):
            if node not in members and core.applied_index == core.commit_index:
                net.crash(node)
        settled = all(net.cores[n].term == core.term for n in members if n in net.cores)
        if (
            settled
            and core.lead_transferee is None
            and core.log.term(core.commit_index) == core.term
            and core.applied_index == core.commit_index
        ):
            proposed = core.propose(final)
            break
    else:
        pytest.fail(f"seed {seed}: no stable leader after healing")
    members = core.conf_state.members()
    for _ in range(100):
        net.tick_all()
        if all(len(net.sm[n]) >= proposed.last_index for n in members):
            break
    checker.check()
    checker.check_log_matching()
    for node in members:
        got = net.sm[node][proposed.last_index - 1]
        assert got == (proposed.last_index, proposed.term, final), (
            f"seed {seed}: {node} did not apply the final command"
        )
    assert len({tuple(net.sm[n]) for n in members}) == 1, f"seed {seed}: state machines differ"


@pytest.mark.parametrize("seed", range(30))
def test_random_faults_keep_raft_safe(seed: int) -> None:
    run(seed, size=3 if seed % 2 == 0 else 5)


@pytest.mark.parametrize("seed", range(100, 115))
def test_random_membership_changes_keep_raft_safe(seed: int) -> None:
    run(seed, size=3 if seed % 2 == 0 else 5, churn=True)
