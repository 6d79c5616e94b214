"""The kubelet's Events name the container they are about, as Kubernetes' kubelet does
(``involvedObject.fieldPath: spec.containers{app}``); its pod-level ones, and other
components' Events, name none."""

from __future__ import annotations

from typing import Any

from kactors.testing.harness import full_cluster

from .test_kubelet_writes import CONFIG, running


def two_containers() -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "web", "namespace": "default"},
            "spec": {"initContainers": [{"name": "setup", "image": "busybox:1.36",
                                         "command": ["sh", "-c", "echo ready"]}],
                     "containers": [{"name": "app", "image": "nginx:1.27"},
                                    {"name": "side", "image": "nginx:1.27"}]}}


async def test_container_events_carry_their_field_path(autojump_clock) -> None:
    async with full_cluster(CONFIG, seed=2) as cluster:
        await cluster.apply(two_containers())
        await cluster.wait_for("pod/web", predicate=running, timeout=60)
        events = (await cluster.client.list("events", "default"))["items"]
        about = {(e["source"]["component"], e["reason"],
                  e["involvedObject"].get("fieldPath", "")): e["count"]
                 for e in events if e["involvedObject"]["name"] == "web"}
        for reason in ("Created", "Started"):
            for path in ("spec.initContainers{setup}", "spec.containers{app}",
                         "spec.containers{side}"):
                assert about[("kubelet", reason, path)] == 1, (reason, path)
        # the two nginx containers each get their own "already present" Event
        assert about[("kubelet", "Pulled", "spec.containers{app}")] == 1
        assert about[("kubelet", "Pulled", "spec.containers{side}")] == 1
        assert ("default-scheduler", "Scheduled", "") in about
