"""A throughput floor for the hot path (propose_batch, MsgApp/MsgAppResp, commit, Ready).

The whole control plane needs >= 30,000 committed puts/s on a 3-member group; the Raft cores
alone must leave most of the budget to the rest. The floor is far below what the cores reach
(a few hundred thousand per second with batches of 100) so that a loaded machine does not
make it flaky, but a per-entry deep copy or an O(log) scan per message would trip it.
"""

from __future__ import annotations

import random
import time
from collections import deque

from kactors.raft import Config, MemoryStorage, Message, RaftCore

FLOOR_PUTS_PER_SECOND = 30_000


def test_three_members_commit_batches_fast() -> None:
    ids = ("n1", "n2", "n3")
    storages = {n: MemoryStorage() for n in ids}
    cores = {n: RaftCore(Config(id=n, rng=random.Random(n), peers=ids), storages[n]) for n in ids}
    queue: deque[Message] = deque()
    applied = dict.fromkeys(ids, 0)

    def process(node: str) -> None:
        core, storage = cores[node], storages[node]
        while core.has_ready():
            rd = core.ready()
            storage.save(rd.hard_state, rd.entries, rd.snapshot)
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
    total, batch = 60_000, 100
    start = time.perf_counter()
    for i in range(0, total, batch):
        cores["n1"].propose_batch([("put", f"/registry/k{i + j}", "v") for j in range(batch)])
        pump()
        if i % 20_000 == 0:  # the member snapshots now and then; compaction must be cheap
            for node in ids:
                core = cores[node]
                core.compact(core.applied_index, None)
    elapsed = time.perf_counter() - start
    assert applied["n1"] - base == total and applied["n3"] == applied["n1"]
    rate = total / elapsed
    assert rate >= FLOOR_PUTS_PER_SECOND, f"{rate:,.0f} committed puts/s"
