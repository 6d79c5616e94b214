"""The components shown as pods in kube-system: who reports their status, watched from
before the cluster starts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import trio

from kactors.actors import Actor, ActorSystem, ChildSpec
from kactors.apiserver.messages import ApiWatchEvent
from kactors.client.client import ApiClient
from kactors.cluster.loader import load_config
from kactors.cluster.operator import Begin, Operator
from kactors.cluster.tree import ClusterTree

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


class PhaseWatcher(Actor):
    """Watches kube-system's pods and keeps each pod's phases in the order written."""

    def __init__(self, tree: ClusterTree) -> None:
        self.tree = tree
        self.phases: dict[str, list[str]] = {}

    async def started(self) -> None:
        client = ApiClient(self.ctx, self.tree.apiserver(), self.tree.credentials.admin)
        await client.watch("pods", "kube-system", bookmarks=False)

    def receive(self, message: Any) -> Any:
        if isinstance(message, ApiWatchEvent) and message.type in ("ADDED", "MODIFIED"):
            pod = message.object
            phases = self.phases.setdefault(pod["metadata"]["name"], [])
            phase = (pod.get("status") or {}).get("phase", "")
            if not phases or phases[-1] != phase:
                phases.append(phase)
            return None
        return super().receive(message)


async def test_kube_proxy_pods_are_reported_by_their_kubelet_alone(autojump_clock) -> None:
    """A kube-proxy's mirror pod is bound to a node with a kubelet, which runs it and
    reports it (Pending, then Running); the pods of etcd and the control plane, on hosts
    without a kubelet, are written Running by the cluster. No phase ever goes back."""
    tree = ClusterTree(load_config(EXAMPLES / "cluster.toml"))
    async with ActorSystem("mirror", seed=1, log_level="error") as system:
        await system.start(tree.spec(system))
        watcher = await system.start(ChildSpec("watcher", lambda: PhaseWatcher(tree),
                                               host="operator"))
        operator = await system.start(ChildSpec("operator", lambda: Operator(tree),
                                                host="operator"))
        await operator.ask(Begin(), timeout=600)
        await trio.sleep(60)
        phases = watcher._cell.actor.phases
    proxies = {name: seen for name, seen in phases.items() if name.startswith("kube-proxy-")}
    assert len(proxies) == 3
    for seen in proxies.values():
        assert seen == ["Pending", "Running"], proxies
    others = {name: seen for name, seen in phases.items() if name not in proxies}
    # etcd x3, apiserver, controller-manager, scheduler, metrics-server
    assert len(others) == 7
    assert "metrics-server-control-plane" in others
    assert all(seen == ["Pending", "Running"] for seen in others.values()), others
