"""The hot path's shape (propose_batch, MsgApp/MsgAppResp, commit, Ready), checked by
counting, not timing: speed is measured by `bench/raft.py`, whose figures depend on the
machine; what a test can hold on any machine is that a batch of proposals costs a fixed
number of messages and log appends however large it is (one MsgApp per follower carrying
the whole batch), so that the cost per put falls with the batch size.
"""

from __future__ import annotations

import random
from collections import Counter, deque

from kactors.raft import Config, MemoryStorage, Message, RaftCore
from kactors.raft.messages import MessageType


def test_three_members_commit_a_batch_with_a_fixed_number_of_messages() -> None:
    ids = ("n1", "n2", "n3")
    storages = {n: MemoryStorage() for n in ids}
    cores = {n: RaftCore(Config(id=n, rng=random.Random(n), peers=ids), storages[n]) for n in ids}
    queue: deque[Message] = deque()
    applied = dict.fromkeys(ids, 0)
    sent: Counter[MessageType] = Counter()
    carried = 0  # entries carried by MsgApps
    saves = 0  # Ready rounds that persisted entries

    def process(node: str) -> None:
        nonlocal carried, saves
        core, storage = cores[node], storages[node]
        while core.has_ready():
            rd = core.ready()
            storage.save(rd.hard_state, rd.entries, rd.snapshot)
            saves += bool(rd.entries)
            for message in rd.messages:
                sent[message.type] += 1
                carried += len(message.entries)
            queue.extend(rd.messages)
            applied[node] += len(rd.committed_entries)
            core.advance(rd)

    def pump() -> None:
        for node in ids:
            process(node)
        while queue:
            m = queue.popleft()
            cores[m.to].step(m)
            process(m.to)

    cores["n1"].campaign()
    pump()
    base = applied["n1"]
    sent.clear()
    carried = saves = 0
    total, batch = 20_000, 100
    batches = total // batch
    for i in range(0, total, batch):
        cores["n1"].propose_batch([("put", f"/registry/k{i + j}", "v") for j in range(batch)])
        pump()
        if i % 5_000 == 0:  # the member snapshots now and then; compaction must not stall it
            for node in ids:
                core = cores[node]
                core.compact(core.applied_index, None)
    assert applied["n1"] - base == total and applied["n3"] == applied["n1"]
    # each batch: one MsgApp per follower with all its entries, one answer each, then a
    # commit notice per follower; no snapshot sent, no election, no retry
    assert set(sent) <= {MessageType.APP, MessageType.APP_RESP}, sent
    assert sent[MessageType.APP] <= 2 * 2 * batches, sent
    assert sent[MessageType.APP_RESP] <= 2 * batches, sent
    assert carried == 2 * total  # every entry sent once to each follower, never again
    assert saves == 3 * batches  # one log append per member per batch
