"""The node lifecycle controller, with taint-based eviction (Kubernetes' NoExecute taint
manager, a separate controller since 1.29, folded in here: both are keyed by node).

Each kubelet renews its Lease in `kube-node-lease` every 10 s and posts node status. For
every node this controller remembers when it last *saw* either change (the probe time).
A node silent for `grace_period` (--node-monitor-grace-period, 40 s) gets its conditions
set to Unknown ("Kubelet stopped posting node status."); its Ready condition then decides
its taints (`node.kubernetes.io/unreachable` or `not-ready`, NoSchedule and NoExecute),
and the NoExecute taints evict the pods on it: at once for a pod that does not tolerate
them, after `tolerationSeconds` for one that does (DefaultTolerationSeconds gives every
pod 300 s). Their ReplicaSets then make replacements, which the scheduler keeps off the
tainted node. When the kubelet is heard from again and reports Ready, the taints go.

The decisions are pure functions in `kactors.controllers.nodehealth`; this actor reads
the caches and writes. Evictions are not rate limited (Kubernetes' --node-eviction-rate
and zone states are not modelled): a node's pods go as soon as their tolerations allow.
"""

from __future__ import annotations

from typing import Any

import attrs

from kactors.client.errors import Conflict, NotFound
from kactors.client.indexer import object_key, pods_by_node
from kactors.client.informer import InformerEvent
from kactors.client.result import Result
from kactors.controllers.base import Controller, ControllerConfig
from kactors.controllers.nodehealth import (
    DEFAULT_GRACE_PERIOD,
    desired_taints,
    eviction_delay,
    heartbeat_signature,
    node_ready_status,
    pod_not_ready_conditions,
    taint_names,
    unknown_conditions,
)
from kactors.controllers.podutil import is_pod_terminal, now_timestamp

NODE_LEASE_NAMESPACE = "kube-node-lease"
_BY_NODE = "nodeName"


@attrs.define
class _Probe:
    """When this controller last saw the kubelet of a node alive, and what it saw."""

    signature: tuple[str, str]
    at: float


class NodeLifecycleController(Controller):
    watches = "v1/Node"
    workers = 1
    component = "node-controller"

    def __init__(self, config: ControllerConfig, *,
                 grace_period: float = DEFAULT_GRACE_PERIOD) -> None:
        super().__init__(config)
        #: seconds without hearing from a kubelet before its node turns Unknown
        self.grace_period = grace_period
        self.probes: dict[str, _Probe] = {}
        #: the Ready status last seen per node (transitions make events)
        self.ready: dict[str, str] = {}
        #: node -> pod key -> when its eviction was scheduled (TimedWorkerQueue's CreatedAt)
        self.scheduled: dict[str, dict[str, float]] = {}

    async def setup(self) -> None:
        self.leases = (await self.informer("coordination.k8s.io/v1/Lease",
                                           namespace=NODE_LEASE_NAMESPACE)).kind
        await self.informer("v1/Pod", indexers=((_BY_NODE, pods_by_node),))

    def map_event(self, event: InformerEvent) -> list[str]:
        if event.kind == "Lease":
            return [event.obj["metadata"]["name"]]
        if event.kind == "Pod":
            node = (event.obj.get("spec") or {}).get("nodeName")
            if node and (node in self.scheduled or self._needs_pods(self.cache.get(node))):
                return [node]
            return []
        return super().map_event(event)

    @staticmethod
    def _needs_pods(node: dict[str, Any] | None) -> bool:
        """Whether the pods of `node` concern us: it has NoExecute taints, or is Unknown."""
        if node is None:
            return False
        return node_ready_status(node) == "Unknown" or any(
            t.get("effect") == "NoExecute" for t in (node.get("spec") or {}).get("taints") or [])

    # -- the reconcile ---------------------------------------------------------------------
    async def reconcile(self, key: str) -> Result | None:
        node = self.cache.get(key)
        if node is None:
            self.probes.pop(key, None)
            self.ready.pop(key, None)
            self.scheduled.pop(key, None)
            return None
        now = self.ctx.now()
        lease = self.lister(self.leases).get(f"{NODE_LEASE_NAMESPACE}/{key}")
        signature = heartbeat_signature(node, lease)
        probe = self.probes.get(key)
        if probe is None or probe.signature != signature:
            probe = self.probes[key] = _Probe(signature, now)
        silent_for = now - probe.at
        if silent_for >= self.grace_period:
            node = await self._mark_unknown(node, silent_for)
        self._observe_ready(node)
        node = await self._taint(node)
        next_eviction = None
        if self._needs_pods(node) or key in self.scheduled:
            pods = self.lister("v1/Pod").by_index(_BY_NODE, key)
            if node_ready_status(node) == "Unknown":
                await self._mark_pods_not_ready(pods)
            next_eviction = await self._evict(node, pods, now)
        waits = [w for w in (probe.at + self.grace_period - now, next_eviction)
                 if w is not None and w > 0]
        return Result(requeue_after=min(waits)) if waits else None

    async def _mark_unknown(self, node: dict[str, Any], silent_for: float) -> dict[str, Any]:
        conditions = unknown_conditions(node, now_timestamp(self.ctx.now()))
        if conditions is None:
            return node
        name = node["metadata"]["name"]
        node = await self.patch_status(node, {"conditions": conditions})
        self.ctx.log.info("node.unreachable", node=name, silent_for=round(silent_for, 3),
                          grace_period=self.grace_period)
        return node

    def _observe_ready(self, node: dict[str, Any]) -> None:
        """Record the NodeNotReady / NodeReady events on a Ready transition."""
        name = node["metadata"]["name"]
        ready = node_ready_status(node)
        before = self.ready.get(name)
        self.ready[name] = ready
        if before == "True" and ready != "True":
            self.ctx.log.info("node.not_ready", node=name, status=ready)
            self.record_event(node, "Normal", "NodeNotReady",
                              f"Node {name} status is now: NodeNotReady")
        elif before is not None and before != "True" and ready == "True":
            self.record_event(node, "Normal", "NodeReady", f"Node {name} status is now: NodeReady")

    async def _taint(self, node: dict[str, Any]) -> dict[str, Any]:
        current = list((node.get("spec") or {}).get("taints") or [])
        wanted = desired_taints(node, now_timestamp(self.ctx.now()))
        if wanted == current:
            return node
        name = node["metadata"]["name"]
        node = await self.client.patch("nodes", name, {"spec": {"taints": wanted or None}})
        added = [t for t in wanted if t not in current]
        removed = [t for t in current if t not in wanted]
        if added:
            self.ctx.log.info("node.tainted", node=name, taints=taint_names(added))
        if removed and node_ready_status(node) == "True":
            self.ctx.log.info("node.ready_again", node=name, removed=taint_names(removed))
        elif removed:
            self.ctx.log.info("node.untainted", node=name, taints=taint_names(removed))
        return node

    async def _mark_pods_not_ready(self, pods: list[dict[str, Any]]) -> None:
        """`MarkPodsNotReady`: the kubelet cannot say so itself, so Services stop sending
        traffic to the pods of an unreachable node."""
        when = now_timestamp(self.ctx.now())
        for pod in pods:
            conditions = pod_not_ready_conditions(pod, when)
            if conditions is None or is_pod_terminal(pod):
                continue
            try:
                await self.patch_status(pod, {"conditions": conditions})
            except NotFound:
                continue
            self.ctx.log.info("pod.marked_not_ready", pod=object_key(pod),
                              node=pod["spec"]["nodeName"])
            self.record_event(pod, "Warning", "NodeNotReady", "Node is not ready")

    async def _evict(self, node: dict[str, Any], pods: list[dict[str, Any]],
                     now: float) -> float | None:
        """Evict the pods whose tolerations have run out; the seconds until the next one
        is due (None: nothing scheduled)."""
        name = node["metadata"]["name"]
        taints = (node.get("spec") or {}).get("taints") or []
        scheduled = self.scheduled.setdefault(name, {})
        alive: set[str] = set()
        next_in: float | None = None
        for pod in pods:
            key = object_key(pod)
            if pod["metadata"].get("deletionTimestamp") or is_pod_terminal(pod):
                continue
            alive.add(key)
            delay = eviction_delay(taints, pod)
            if delay is None:
                if scheduled.pop(key, None) is not None:
                    self._cancel(pod, name)
                continue
            if key not in scheduled:
                scheduled[key] = now
                if delay > 0:
                    self.ctx.log.info("pod.eviction_scheduled", pod=key, node=name,
                                      after=delay)
            due = scheduled[key] + delay
            if due > now + 1e-9:
                next_in = due - now if next_in is None else min(next_in, due - now)
                continue
            await self._delete(pod, name, taints)
            scheduled.pop(key, None)
        for key in [k for k in scheduled if k not in alive]:
            del scheduled[key]
        if not scheduled:
            self.scheduled.pop(name, None)
        return next_in

    def _cancel(self, pod: dict[str, Any], node: str) -> None:
        key = object_key(pod)
        self.ctx.log.info("pod.eviction_cancelled", pod=key, node=node)
        self.record_event(pod, "Normal", "TaintManagerEviction", f"Cancelling deletion of Pod {key}")

    async def _delete(self, pod: dict[str, Any], node: str, taints: list[Any]) -> None:
        """`addConditionAndDeletePod`: DisruptionTarget, then an ordinary (graceful) delete:
        the kubelet finishes it if it comes back; the pod's controller replaces it now."""
        key = object_key(pod)
        meta = pod["metadata"]
        self.record_event(pod, "Normal", "TaintManagerEviction", f"Marking for deletion Pod {key}")
        conditions = [c for c in (pod.get("status") or {}).get("conditions") or []
                      if c.get("type") != "DisruptionTarget"]
        conditions.append({"type": "DisruptionTarget", "status": "True",
                           "reason": "DeletionByTaintManager",
                           "message": "Taint manager: deleting due to NoExecute taint",
                           "lastTransitionTime": now_timestamp(self.ctx.now())})
        try:
            await self.patch_status(pod, {"conditions": conditions})
            await self.client.delete("pods", meta["name"], meta["namespace"],
                                     preconditions={"uid": meta.get("uid")})
        except (NotFound, Conflict):
            return
        self.ctx.log.info("pod.evicted", pod=key, node=node,
                          taints=taint_names([t for t in taints if t.get("effect") == "NoExecute"]))
