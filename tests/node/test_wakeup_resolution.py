"""The kubelet's `wakeup_resolution`: it takes in its runtime's progress at whole multiples
of it (1 s by default), so Events and status writes leave together at those ticks, while
the runtime's own times (a container's start) stay exact."""

from __future__ import annotations

from typing import Any

import pytest

from kactors.node.kubelet import WAKEUP_RESOLUTION, wakeup_tick
from kactors.testing.harness import full_cluster

CONFIG = """
[cluster]
name = "ticks"
[[nodes]]
name = "node"
count = 1
"""

KUBELET = "/cluster/nodes/node-1/kubelet"


def test_a_wakeup_is_rounded_up_to_the_resolution_never_before_its_time() -> None:
    assert WAKEUP_RESOLUTION == 1.0
    assert wakeup_tick(2.47, 1.0) == 3.0
    assert wakeup_tick(3.0, 1.0) == 3.0  # on a tick already
    assert wakeup_tick(2.47, 0.0) == 2.47  # 0: every step at its own instant
    assert wakeup_tick(0.05, 0.25) == 0.25
    for at in (0.30000000000000004, 0.7, 1e-12, 12.000000000000002):
        assert at <= wakeup_tick(at, 0.1) < at + 0.1 + 1e-12


async def report(resolution: float | None, seed: int) -> dict[str, Any]:
    """Start one pod; return when the kubelet created its Started Event, when it wrote
    the Running status, and when the runtime started the container."""
    async with full_cluster(CONFIG, seed=seed) as cluster:
        kubelet = cluster.actor(KUBELET)
        if resolution is not None:
            kubelet.wakeup_resolution = resolution
        seen: dict[str, float] = {}
        request = kubelet.client.request

        async def recording(verb: str, info: Any, **options: Any) -> Any:
            body = options.get("body") or {}
            if info.resource == "events" and body.get("reason") == "Started":
                seen["event"] = cluster.now()
            status = body.get("status") or {}
            if options.get("subresource") == "status" and status.get("phase") == "Running":
                seen.setdefault("status", cluster.now())
            return await request(verb, info, **options)

        kubelet.client.request = recording
        await cluster.apply({"apiVersion": "v1", "kind": "Pod",
                             "metadata": {"name": "web", "namespace": "default"},
                             "spec": {"containers": [{"name": "app", "image": "nginx:1.27"}]}})
        await cluster.wait_for("pod/web", timeout=60, predicate=lambda p: (
            p.get("status") or {}).get("phase") == "Running")
        (uid,) = kubelet.runtime.pod_uids()
        seen["started"] = kubelet.runtime._pods[uid].container("app").current.started_at
        return seen


@pytest.mark.parametrize("seed", [1, 2])
async def test_runtime_progress_is_reported_at_resolution_ticks(autojump_clock, seed):
    seen = await report(None, seed)
    started = seen["started"]
    assert started != int(started)  # the runtime's own time is exact
    assert seen["event"] == wakeup_tick(started, 1.0)  # the next whole second
    assert seen["status"] == seen["event"]  # that wake-up is the PLEG relist: same tick


async def test_resolution_zero_reports_each_step_at_its_instant(autojump_clock):
    seen = await report(0.0, 1)
    assert seen["event"] == pytest.approx(seen["started"], abs=1e-9)
    assert seen["status"] == wakeup_tick(seen["started"], 1.0)  # the next relist tick
