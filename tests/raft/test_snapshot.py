"""Log compaction and InstallSnapshot (§7)."""

from __future__ import annotations

import pytest

from kactors.raft import (
    ConfState,
    HardState,
    Message,
    MessageType,
    ProgressState,
    RaftCore,
    RaftError,
    Snapshot,
    SnapshotMetadata,
)

from .raft_network import Network, make_config, seeded_storage, take_messages

SNAP = MessageType.SNAP


def compact(net: Network, node: str) -> Snapshot:
    core = net.cores[node]
    applied = core.applied_index
    return core.compact(applied, tuple(net.sm[node][:applied]))


def lagging_n3() -> Network:
    """n1 leads; n3 missed many entries which n1 then compacted away."""
    net = Network(("n1", "n2", "n3"))
    net.campaign("n1")
    net.isolate("n3")
    for i in range(20):
        net.propose("n1", f"d{i}")
    snap = compact(net, "n1")
    assert snap.index == net.cores["n1"].applied_index == 24
    assert net.storages["n1"].first_index() == 25
    return net


def test_leader_sends_snapshot_to_follower_behind_compaction() -> None:
    net = lagging_n3()
    net.heal()
    states = []
    net.drop = lambda m: states.append(net.cores["n1"].progress("n3").state) and False
    net.tick_all(3)
    snaps = [m for m in net.delivered if m.type is SNAP]
    assert len(snaps) == 1 and snaps[0].to == "n3" and snaps[0].snapshot.index == 24
    assert ProgressState.SNAPSHOT in states
    assert net.cores["n1"].progress("n3").state is ProgressState.REPLICATE
    assert net.storages["n3"].snapshot().index == 24
    assert net.sm["n3"] == net.sm["n1"]
    net.propose("n1", "after")
    assert net.applied_data("n3")[-1] == "after"


def test_lost_snapshot_is_resent_after_an_election_timeout() -> None:
    net = lagging_n3()
    net.heal()
    lost = []
    net.drop = lambda m: m.type is SNAP and not lost and not lost.append(m)
    net.tick_all(3)
    assert len(lost) == 1 and net.cores["n1"].progress("n3").state is ProgressState.SNAPSHOT
    net.tick_all(12)
    assert net.sm["n3"] == net.sm["n1"]


def test_report_snapshot_failure_probes_again() -> None:
    net = lagging_n3()
    net.heal()
    net.drop = lambda m: m.type is SNAP
    net.tick_all(2)
    leader = net.cores["n1"]
    assert leader.progress("n3").state is ProgressState.SNAPSHOT
    leader.report_snapshot("n3", ok=False)
    assert leader.progress("n3").state is ProgressState.PROBE
    net.drop = None
    net.tick_all(3)
    assert net.sm["n3"] == net.sm["n1"]


def test_follower_restores_from_snapshot_message() -> None:
    core = RaftCore(make_config("n2"), seeded_storage(("n1", "n2"), (1, 1), HardState(term=2)))
    cs = ConfState(voters=("n1", "n2", "n3"))
    snap = Snapshot(SnapshotMetadata(index=11, term=2, conf_state=cs), data="state@11")
    core.step(Message(SNAP, "n2", "n1", term=2, snapshot=snap))
    rd = core.ready()
    assert rd.snapshot == snap and rd.committed_entries == ()
    assert rd.hard_state == HardState(term=2, vote=None, commit=11)
    assert rd.messages == (Message(MessageType.APP_RESP, "n1", "n2", term=2, index=11),)
    core.log.storage.save(rd.hard_state, rd.entries, rd.snapshot)
    core.advance(rd)
    assert (core.applied_index, core.last_index, core.conf_state) == (11, 11, cs)


def test_stale_snapshot_is_ignored() -> None:
    core = RaftCore(
        make_config("n2"), seeded_storage(("n1", "n2"), (1, 1, 1), HardState(term=2, commit=3))
    )
    snap = Snapshot(SnapshotMetadata(2, 1, ConfState(voters=("n1", "n2"))))
    core.step(Message(SNAP, "n2", "n1", term=2, snapshot=snap))
    assert take_messages(core) == [Message(MessageType.APP_RESP, "n1", "n2", term=2, index=3)]
    assert core.log.first_index() == 1


def test_compact_requires_applied_index() -> None:
    net = Network(("n1", "n2", "n3"))
    net.campaign("n1")
    core = net.cores["n1"]
    with pytest.raises(RaftError, match="^cannot snapshot at 9: only 4 is applied$"):
        core.compact(9, None)


def test_restart_from_snapshot_replays_only_later_entries() -> None:
    net = Network(("n1", "n2", "n3"))
    net.campaign("n1")
    net.propose("n1", "a", "b")
    compact(net, "n2")
    net.propose("n1", "c")
    before = list(net.sm["n2"])
    net.restart("n2")
    assert net.sm["n2"] == before  # snapshot data + replay of "c"
    assert net.storages["n2"].first_index() == 7
