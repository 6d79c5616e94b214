"""The kubelet narrates each runtime step as a log event at level info; below that level
(a bench logs only errors) it does not even build the events, and does all the rest."""

from __future__ import annotations

import pytest

from kactors.testing.harness import full_cluster

from .test_kubelet_writes import CONFIG, KUBELET, pod, running


@pytest.mark.parametrize("level", ["info", "warning"])
async def test_the_kubelet_narrates_its_pods_steps_only_when_info_is_logged(
        autojump_clock, level: str) -> None:
    async with full_cluster(CONFIG, seed=3, log_level=level) as cluster:
        await cluster.apply(pod())
        await cluster.wait_for("pod/web", predicate=running, timeout=60)
        kubelet = cluster.actor(KUBELET)
        assert kubelet.narrating is (level == "info")
        steps = [r["event"] for r in cluster.logs(actor=KUBELET)
                 if r["event"] in ("sandbox.ready", "container.created", "container.started")]
        assert steps == (["sandbox.ready", "container.created", "container.started"]
                         if level == "info" else [])
        # the Events are recorded either way
        events = await cluster.client.list("events", "default")
        reasons = {e["reason"] for e in events["items"]
                   if e["involvedObject"]["name"] == "web"}
        assert {"Created", "Started"} <= reasons
