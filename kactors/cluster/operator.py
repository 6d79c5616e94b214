"""The operator: the person at the keyboard, as an actor.

It applies the config's manifests once the apiserver answers (like `kubectl apply -f`:
create, or patch what exists), performs the scheduled `[[actions]]` at their cluster
times (scale, set image, delete, crash or isolate a node, heal, restart), and at the end
counts pods by phase and nodes by readiness for the summary. A manifest the apiserver
rejects is reported with its Status, and the run goes on.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import attrs
import trio

from kactors.actors import Actor
from kactors.api.defaults_pod import MIRROR_ANNOTATION
from kactors.api.errors import ManifestError
from kactors.api.manifests import load_manifest_file
from kactors.api.meta import controller_of
from kactors.apiserver.objects import cluster_epoch, timestamp
from kactors.client.client import ApiClient
from kactors.client.errors import AlreadyExists, ApiError, NotFound, TooManyRequests
from kactors.cluster import config as cfg
from kactors.cluster.mirror import mirror_pods, running_status
from kactors.cluster.tree import ClusterTree
from kactors.networking.controller import Request
from kactors.node.kubeproxy import Connect


@attrs.frozen
class Begin:
    extra_manifests: tuple[Path, ...] = ()


@attrs.frozen
class _Perform:
    action: Any


@attrs.frozen
class Summarize:
    pass


PHASES = ("Running", "Pending", "Succeeded", "Failed", "Unknown")
#: seconds between a refused eviction and the next try (kubectl drain's)
DRAIN_RETRY = 5.0


def _drained(pod: dict[str, Any]) -> bool:
    """Whether a drain evicts `pod`: not a mirror pod, not a DaemonSet's (its controller
    would put it back at once), not already going."""
    meta = pod.get("metadata") or {}
    if MIRROR_ANNOTATION in (meta.get("annotations") or {}):
        return False
    owner = controller_of(pod)
    if owner is not None and owner.get("kind") == "DaemonSet":
        return False
    return not meta.get("deletionTimestamp")


class Operator(Actor):
    def __init__(self, tree: ClusterTree) -> None:
        self.tree = tree
        self.config = tree.config

    async def started(self) -> None:
        self.client = ApiClient(self.ctx, self.tree.apiserver(), self.tree.credentials.admin,
                                timeout=30.0)

    async def receive(self, message: Any) -> Any:
        if isinstance(message, Begin):
            await self.show_mirror_pods()
            for name in self.tree.unavailable_controllers():
                self.ctx.log.info("controller.not_implemented", controller=name)
            for path in (*self.config.manifests, *message.extra_manifests):
                await self.apply_file(Path(path))
            for action in self.config.actions:
                self.ctx.send_after(max(0.0, action.at - self.ctx.now()), _Perform(action))
            return None
        if isinstance(message, _Perform):
            await self.perform(message.action)
            return None
        if isinstance(message, Summarize):
            return await self.summary()
        return super().receive(message)

    async def show_mirror_pods(self) -> None:
        """The components as pods in kube-system, as `kubectl get pods -A` shows them.

        A kube-proxy's pod is bound to a node whose kubelet runs it and reports its status
        (Pending, then Running), as a kubelet does for its static pods' mirror pods; only
        the pods of hosts without a kubelet (etcd, the control plane) get their Running
        status written here. Writing it for a kube-proxy too would make its phase go from
        Running back to Pending when the kubelet reports first."""
        started = timestamp(cluster_epoch(), self.ctx.now())
        kubelets = {node.name for node in self.config.nodes}
        for pod in mirror_pods(self.config):
            ip = pod.pop("_ip")
            try:
                created = await self.client.create(pod)
                if pod["spec"]["nodeName"] in kubelets:
                    continue
                await self.client.patch("pods", created["metadata"]["name"], {
                    "status": running_status({**pod, "_ip": ip}, started)}, "kube-system",
                    subresource="status")
            except ApiError as error:
                self.ctx.log.warning("cluster.mirror_pod_failed", pod=pod["metadata"]["name"],
                                     error=str(error))

    # -- kubectl apply -----------------------------------------------------------------------
    async def apply_file(self, path: Path, namespace: str | None = None) -> None:
        try:
            objects = load_manifest_file(path)
        except (ManifestError, OSError) as error:
            self.ctx.log.error("manifest.unreadable", file=str(path), error=str(error))
            return
        for obj in objects:
            await self.apply(obj, str(path), namespace)

    async def apply(self, obj: dict[str, Any], source: str, namespace: str | None) -> None:
        meta = obj.get("metadata") or {}
        what = f"{obj.get('kind')}/{meta.get('name') or meta.get('generateName')}"
        try:
            try:
                created = await self.client.create(obj, namespace)
                self.ctx.log.info("manifest.created", object=what, file=source,
                                  namespace=created["metadata"].get("namespace"))
            except AlreadyExists:
                kind = f"{obj['apiVersion']}/{obj['kind']}"
                await self.client.patch(kind, meta["name"], obj,
                                        namespace or meta.get("namespace"))
                self.ctx.log.info("manifest.configured", object=what, file=source)
        except ApiError as error:
            self.ctx.log.error("manifest.rejected", object=what, file=source, code=error.code,
                               reason=error.reason, message=str(error),
                               causes=[c.get("field") for c in error.causes])
        except LookupError as error:
            self.ctx.log.error("manifest.rejected", object=what, file=source, code=404,
                               reason="NotFound", message=str(error))

    # -- scheduled actions -------------------------------------------------------------------
    async def perform(self, action: Any) -> None:
        network = self.ctx.network
        try:
            if isinstance(action, cfg.ApplyAction):
                self.ctx.log.info("action.apply", file=str(action.path))
                await self.apply_file(Path(action.path), action.namespace)
            elif isinstance(action, cfg.DeleteAction):
                self.ctx.log.info("action.delete", object=f"{action.resource}/{action.name}")
                await self.client.delete(action.resource, action.name, action.namespace)
            elif isinstance(action, cfg.ScaleAction):
                self.ctx.log.info("action.scale", object=f"{action.resource}/{action.name}",
                                  replicas=action.replicas)
                await self.client.scale(action.resource, action.name, action.replicas,
                                        action.namespace)
            elif isinstance(action, cfg.SetImageAction):
                self.ctx.log.info("action.set_image", object=f"{action.resource}/{action.name}",
                                  container=action.container, image=action.image)
                patch = {"spec": {"template": {"spec": {"containers": [
                    {"name": action.container, "image": action.image}]}}}}
                await self.client.patch(action.resource, action.name, patch, action.namespace,
                                        patch_type="application/strategic-merge-patch+json")
            elif isinstance(action, cfg.CrashNodeAction):
                self.ctx.log.info("action.crash", host=action.node)
                network.crash(action.node)
            elif isinstance(action, cfg.IsolateNodeAction):
                self.ctx.log.info("action.isolate", host=action.node)
                network.isolate(action.node)
            elif isinstance(action, cfg.HealAction):
                self.ctx.log.info("action.heal")
                network.heal()
            elif isinstance(action, cfg.ConnectAction):
                await self.connect(action)
            elif isinstance(action, cfg.RequestAction):
                await self.request(action)
            elif isinstance(action, cfg.RestartNodeAction):
                self.ctx.log.info("action.restart", host=action.node)
                network.restart(action.node)
            elif isinstance(action, cfg.DrainAction):
                self.ctx.log.info("action.drain", node=action.node)
                await self.cordon(action.node, True)
                self.ctx.start_soon(self.drain, action.node)  # evictions may wait long
            elif isinstance(action, cfg.UncordonAction):
                self.ctx.log.info("action.uncordon", node=action.node)
                await self.cordon(action.node, False)
        except (ApiError, NotFound) as error:
            self.ctx.log.error("action.failed", action=type(action).__name__,
                               code=error.code, message=str(error))

    async def cordon(self, node: str, unschedulable: bool) -> None:
        """``kubectl cordon`` / ``uncordon``: the node's ``spec.unschedulable``."""
        await self.client.patch("nodes", node, {"spec": {"unschedulable": unschedulable or None}})
        self.ctx.log.info("node.cordoned" if unschedulable else "node.uncordoned", node=node)

    async def drain(self, node: str) -> None:
        """``kubectl drain --ignore-daemonsets --delete-emptydir-data --force``: evict
        every pod of the node but DaemonSet and mirror pods, those a disruption budget
        protects again every 5 s (kubectl's interval), then wait until they are gone."""
        listed = await self.client.list("pods", all_namespaces=True,
                                        field_selector=f"spec.nodeName={node}")
        pending = {f"{p['metadata']['namespace']}/{p['metadata']['name']}": p
                   for p in listed["items"] if _drained(p)}
        evicted: dict[str, str] = {}
        while pending:
            for key, pod in list(pending.items()):
                namespace, name = key.split("/")
                try:
                    await self.client.evict(name, namespace)
                except NotFound:
                    del pending[key]
                    continue
                except TooManyRequests as error:
                    self.ctx.log.info("drain.eviction_refused", pod=key, node=node,
                                      message=str(error), retry_after=DRAIN_RETRY)
                    continue
                except ApiError as error:
                    self.ctx.log.error("drain.eviction_failed", pod=key, node=node,
                                       code=error.code, message=str(error))
                    return
                self.ctx.log.info("drain.evicted", pod=key, node=node)
                evicted[key] = pod["metadata"]["uid"]
                del pending[key]
            if pending:
                await trio.sleep(DRAIN_RETRY)
        while evicted:  # kubectl's waitForDelete: gone, or replaced under the same name
            for key, uid in list(evicted.items()):
                namespace, name = key.split("/")
                try:
                    pod = await self.client.get("pods", name, namespace)
                except NotFound:
                    pod = None
                if pod is None or pod["metadata"]["uid"] != uid:
                    del evicted[key]
            if evicted:
                await trio.sleep(1.0)
        self.ctx.log.info("node.drained", node=node)

    async def connect(self, action: Any) -> None:
        """Traffic to a Service through one node's kube-proxy: where each connection lands.
        With a rate: a load generator, run in the background for its duration."""
        node = action.from_node or self.config.nodes[0].name
        proxy = self.ctx.system.lookup(self.tree.kube_proxy_path(node))
        if action.rate is not None:
            self.ctx.log.info("action.load", service=action.service, port=action.port,
                              rate=action.rate, duration=action.duration, node=node)
        else:
            self.ctx.log.info("action.connect", service=action.service, port=action.port,
                              count=action.count, node=node)
        if proxy is None:
            self.ctx.log.error("action.failed", action="ConnectAction",
                               message=f"no kube-proxy runs on {node}")
            return
        source = None
        if action.from_pod is not None:
            source = await self._pod_named(action.from_pod)
            if source is None:
                self.ctx.log.error("action.failed", action="ConnectAction",
                                   message=f"no pod {action.from_pod}")
                return
        if action.rate is not None:
            self.ctx.start_soon(self._load, action, proxy, node, source)
            return
        landed: dict[str, int] = {}
        for _ in range(action.count):
            result = await self.ctx.remote(proxy).ask(Connect(action.service, action.port,
                                                              source=source))
            where = str(result.endpoint) if result else result.reason
            landed[where] = landed.get(where, 0) + 1
        self.ctx.log.info("traffic.summary", service=action.service, node=node,
                          **({"source": source} if source else {}),
                          landed=dict(sorted(landed.items())))

    async def _pod_named(self, reference: str) -> str | None:
        """``namespace/name``, or the first pod (by name) of ``namespace/label=value``."""
        namespace, _, rest = reference.partition("/")
        if "=" not in rest:
            return reference
        pods = await self.client.list("pods", namespace, label_selector=rest)
        names = sorted(p["metadata"]["name"] for p in pods["items"]
                       if not p["metadata"].get("deletionTimestamp"))
        return f"{namespace}/{names[0]}" if names else None

    async def request(self, action: Any) -> None:
        """HTTP requests through the ingress controller: who answered each."""
        ref = self.ctx.system.lookup("/cluster/control-plane/ingress-nginx")
        if ref is None:
            self.ctx.log.error("action.failed", action="RequestAction",
                               message="no ingress controller runs ([ingress] enabled = "
                                       "true starts one)")
            return
        url = action.url.removeprefix("http://")
        host, slash, path = url.partition("/")
        self.ctx.log.info("action.request", url=f"http://{url}", count=action.count)
        answered: dict[str, int] = {}
        for _ in range(action.count):
            response = await self.ctx.remote(ref).ask(Request(host, slash + path))
            where = f"{response.text} {response.pod}".strip()
            answered[where] = answered.get(where, 0) + 1
        self.ctx.log.info("traffic.summary", url=f"http://{url}",
                          answered=dict(sorted(answered.items())))

    async def _load(self, action: Any, proxy: Any, node: str, source: str | None) -> None:
        """``rate`` connections a second for ``duration`` seconds (the HPA walkthrough's
        ``while sleep 0.01; do wget -q -O- http://php-apache; done``), then a summary of
        where they landed."""
        start = trio.current_time()
        landed: dict[str, int] = {}
        total = int(action.rate * action.duration)
        for index in range(total):
            await trio.sleep_until(start + index / action.rate)
            result = await self.ctx.remote(proxy).ask(
                Connect(action.service, action.port, source=source, quiet=True))
            where = str(result.endpoint) if result else result.reason
            landed[where] = landed.get(where, 0) + 1
        self.ctx.log.info("traffic.summary", service=action.service, node=node,
                          **({"source": source} if source else {}),
                          connections=total, landed=dict(sorted(landed.items())))

    # -- the summary ---------------------------------------------------------------------------
    async def summary(self) -> dict[str, Any]:
        pods = await self.client.list("pods", all_namespaces=True)
        phases = dict.fromkeys(PHASES, 0)
        for pod in pods["items"]:
            phase = (pod.get("status") or {}).get("phase") or "Unknown"
            phases[phase] = phases.get(phase, 0) + 1
        nodes = await self.client.list("nodes")
        readiness = {"Ready": 0, "NotReady": 0}
        for node in nodes["items"]:
            ready = any(c.get("type") == "Ready" and c.get("status") == "True"
                        for c in (node.get("status") or {}).get("conditions") or [])
            readiness["Ready" if ready else "NotReady"] += 1
        deployments = await self.client.list("deployments", all_namespaces=True)
        return {
            "pods": phases,
            "nodes": readiness,
            "deployments": {
                f"{d['metadata']['namespace']}/{d['metadata']['name']}":
                    f"{(d.get('status') or {}).get('readyReplicas', 0)}/"
                    f"{(d.get('spec') or {}).get('replicas', 0)}"
                for d in deployments["items"]},
        }
