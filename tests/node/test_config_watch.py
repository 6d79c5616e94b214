"""The kubelet's watch-based ConfigMap and Secret manager, end to end in a whole cluster:
one watch per referenced object and node (no GET per pod), stopped with the last pod
that references it, and reads that follow the object (changed, deleted) from the cache."""

from __future__ import annotations

from typing import Any

from kactors.testing.harness import full_cluster

CONFIG = """
[cluster]
name = "watches"
[[nodes]]
name = "node"
count = 1
"""

KUBELET = "/cluster/nodes/node-1/kubelet"
ROOT_CA = ("ConfigMap", "default", "kube-root-ca.crt")


def pod(name: str, **spec: Any) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": "default"},
            "spec": {"containers": [{"name": "app", "image": "nginx:1.27"}], **spec}}


def running(obj: dict[str, Any]) -> bool:
    return (obj.get("status") or {}).get("phase") == "Running"


def watch_children(kubelet: Any) -> list[str]:
    return sorted(name for name in kubelet.ctx.children
                  if name.startswith(("configmaps-", "secrets-")))


async def test_each_referenced_object_is_watched_once_per_node_until_its_last_pod_goes(
        autojump_clock):
    async with full_cluster(CONFIG, seed=3) as cluster:
        kubelet = cluster.actor(KUBELET)
        asked: list[tuple[str, str]] = []
        request = kubelet.client.request

        async def recording(verb: str, info: Any, **options: Any) -> Any:
            asked.append((verb, info.resource))
            return await request(verb, info, **options)

        kubelet.client.request = recording
        # every pod projects the kube-api-access volume (kube-root-ca.crt)
        for name in ("a", "b", "c"):
            await cluster.apply(pod(name))
        for name in ("a", "b", "c"):
            await cluster.wait_for(f"pod/{name}", predicate=running, timeout=60)
        assert ("get", "configmaps") not in asked  # read from the watch, not fetched
        assert watch_children(kubelet) == ["configmaps-default-kube-root-ca.crt-1"]
        assert kubelet.watches.watches[ROOT_CA].count == 3
        assert kubelet.watches.get(*ROOT_CA)["data"]["ca.crt"]

        await cluster.delete("pod/a")
        await cluster.delete("pod/b")
        await cluster.wait_gone("pod/a", timeout=60)
        await cluster.wait_gone("pod/b", timeout=60)
        assert kubelet.watches.watches[ROOT_CA].count == 1  # c still uses it
        await cluster.delete("pod/c")
        await cluster.wait_gone("pod/c", timeout=60)
        await cluster.sleep(1)
        assert kubelet.watches.watches == {}
        assert watch_children(kubelet) == []  # the informer is stopped
        assert [r["object"] for r in cluster.logs("node.watch_stopped")] == [
            "default/kube-root-ca.crt"]


async def test_reads_follow_the_watched_object_as_it_changes_and_goes(autojump_clock):
    async with full_cluster(CONFIG, seed=4) as cluster:
        kubelet = cluster.actor(KUBELET)
        await cluster.apply({"apiVersion": "v1", "kind": "ConfigMap",
                             "metadata": {"name": "settings", "namespace": "default"},
                             "data": {"mode": "blue"}})
        await cluster.apply(pod(
            "web", volumes=[{"name": "cfg", "configMap": {"name": "settings"}}],
            containers=[{"name": "app", "image": "nginx:1.27",
                         "volumeMounts": [{"name": "cfg", "mountPath": "/etc/cfg"}]}]))
        await cluster.wait_for("pod/web", predicate=running, timeout=60)
        assert kubelet.container_files("default", "web")["/etc/cfg/mode"] == "blue"

        await cluster.client.patch("configmaps", "settings", {"data": {"mode": "green"}},
                                   "default")
        await cluster.sleep(1)  # the watch event, no request of the kubelet
        assert kubelet.container_files("default", "web")["/etc/cfg/mode"] == "green"

        await cluster.delete("configmap/settings")
        await cluster.sleep(1)
        assert "/etc/cfg/mode" not in kubelet.container_files("default", "web")
        assert ("ConfigMap", "default", "settings") in kubelet.watches.missing()
