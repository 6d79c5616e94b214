"""Small actors and builders shared by the informer and client tests."""

from __future__ import annotations

from typing import Any

from kactors.actors import Actor, ActorRef, ChildSpec
from kactors.client.informer import InformerEvent, InformerFactory, InformerSynced
from kactors.testing.harness import Cluster


def cm(name: str, namespace: str = "default", labels: dict[str, str] | None = None,
       **data: str) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "namespace": namespace}
    if labels:
        meta["labels"] = labels
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta, "data": data}


def namespace(name: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}


def pod(name: str, node: str | None = None) -> dict[str, Any]:
    spec: dict[str, Any] = {"containers": [{"name": "app", "image": "busybox"}]}
    if node:
        spec["nodeName"] = node
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": "default"},
            "spec": spec}


class Recorder(Actor):
    """Collects what an informer tells it, and keeps the view those events build."""

    def __init__(self) -> None:
        self.events: list[InformerEvent] = []
        self.synced: list[float] = []
        self.view: dict[str, dict[str, Any]] = {}

    def receive(self, message: Any) -> Any:
        if isinstance(message, InformerEvent):
            self.events.append(message)
            if message.type == "delete":
                self.view.pop(message.key, None)
            else:
                self.view[message.key] = message.obj
        elif isinstance(message, InformerSynced):
            self.synced.append(self.ctx.now())
        return None

    def seen(self) -> list[tuple[str, str]]:
        return [(event.type, event.key) for event in self.events]

    def clear(self) -> None:
        self.events.clear()


async def start_factory(cluster: Cluster, host: str = "node-1", name: str = "component",
                        **options: Any) -> ActorRef:
    """An InformerFactory as a top-level component actor on `host`."""
    plane = cluster.plane
    return await cluster.system.start(ChildSpec(
        name, lambda: InformerFactory(plane.apiserver, plane.admin_token, **options), host=host))


async def start_recorder(cluster: Cluster, name: str = "recorder", host: str = "node-1"
                         ) -> tuple[ActorRef, Recorder]:
    ref = await cluster.system.start(ChildSpec(name, Recorder, host=host))
    return ref, cluster.actor(ref)


def server_watchers(cluster: Cluster, path: str) -> list[int]:
    """The apiserver's watch ids whose events go to the actor at `path`."""
    apiserver = cluster.actor(cluster.apiserver)
    return sorted(w.watch_id for w in apiserver.watchers.values() if w.ref.path == path)


def names(objs: list[dict[str, Any]]) -> list[str]:
    return [obj["metadata"]["name"] for obj in objs]
