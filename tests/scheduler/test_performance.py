"""A performance sanity check: sampling plus cached verdicts keep per-pod work small.

Not a benchmark (timings on shared machines vary); it asserts the amount of work, which
does not, and prints the throughput for a human to read (``pytest -s``).
"""

from __future__ import annotations

import random
import time

import pytest

from kactors.scheduler import ClusterState, new_pod_info, schedule
from kactors.scheduler.framework import PodContext

from .helpers import make_node, make_pod, toleration


def test_two_thousand_pods_on_five_thousand_nodes(monkeypatch: pytest.MonkeyPatch) -> None:
    state = ClusterState()
    for i in range(5000):
        state.add_node(make_node(f"node-{i:05d}", "8", "32Gi", labels={"zone": f"z{i % 3}"}))
    not_ready = toleration("node.kubernetes.io/not-ready", "Exists", effect="NoExecute")
    pods = [
        new_pod_info(
            make_pod(
                f"web-{i}", "100m", "128Mi", labels={"app": f"rs-{i % 10}"}, tolerations=[not_ready]
            )
        )
        for i in range(2000)
    ]
    evaluations = 0
    evaluate = PodContext.evaluate

    def counting(self: PodContext, node: object) -> object:
        nonlocal evaluations
        evaluations += 1
        return evaluate(self, node)  # type: ignore[arg-type]

    monkeypatch.setattr(PodContext, "evaluate", counting)
    rng = random.Random(42)
    started = time.perf_counter()
    for info in pods:
        result = schedule(info, state, rng=rng)
        assert result.node_name is not None
        assert result.evaluated_nodes == 500  # 10% of 5,000 nodes
        state.assume_pod(info, result.node_name)
    elapsed = time.perf_counter() - started
    # Without sampling: 2,000 x 5,000 = 10M node evaluations (each running every filter);
    # kube-style sampling alone: 2,000 x 500 = 1M. Cached verdicts: each node is judged
    # once, then again only after a pod lands on it.
    assert evaluations < 5000 + 2 * 2000
    assert state.num_pods == 2000
    # Spread out: on these big nodes one small pod does not lower a node's (integer)
    # score, so a few nodes get a second pod before every node has one, as in kube.
    busiest = max(info.num_pods for info in state.node_infos())
    assert busiest <= 3
    print(f"\n2000 pods on 5000 nodes: {2000 / elapsed:,.0f} pods/s, {evaluations} evaluations")
