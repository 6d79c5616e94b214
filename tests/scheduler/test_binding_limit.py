"""The scheduler keeps at most MAX_BINDINGS_IN_FLIGHT bindings unanswered, and schedules
the rest as answers come back, through as many binder tasks; in a whole cluster, in
virtual time."""

from __future__ import annotations

from typing import Any

from kactors.scheduler import actor as scheduler_actor
from kactors.testing.harness import full_cluster

CONFIG = """
[cluster]
name = "binding"
[[nodes]]
name = "node"
count = 2
"""


def pod(name: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": "default"},
            "spec": {"containers": [{"name": "app", "image": "nginx:1.27"}]}}


async def test_bindings_in_flight_are_bounded(autojump_clock, monkeypatch):
    monkeypatch.setattr(scheduler_actor, "MAX_BINDINGS_IN_FLIGHT", 2)
    async with full_cluster(CONFIG, seed=1) as cluster:
        scheduler = cluster.actor("/cluster/control-plane/scheduler")
        bind = scheduler.client.bind
        counts = {"now": 0, "most": 0}

        async def slow_bind(*args: Any, **kwargs: Any) -> Any:
            counts["now"] += 1
            counts["most"] = max(counts["most"], counts["now"])
            try:
                await cluster.sleep(0.5)  # a slow apiserver
                return await bind(*args, **kwargs)
            finally:
                counts["now"] -= 1

        scheduler.client.bind = slow_bind
        binder, binders = scheduler._binder, []

        async def counting_binder() -> None:
            binders.append(1)
            await binder()

        scheduler._binder = counting_binder
        await cluster.apply([pod(f"web-{i}") for i in range(7)])
        for i in range(7):
            await cluster.wait_for(f"pod/web-{i}", timeout=30,
                                   predicate=lambda p: p["spec"].get("nodeName"))
        assert counts["most"] == 2
        assert len(binders) == 2  # binder tasks take binding after binding: not one each
        assert scheduler.binding == 0 and scheduler.scheduled == 7
