"""The scheduler actor: watches unscheduled pods, picks nodes, binds.

Informers keep a `ClusterState` of nodes and assigned pods; pending pods wait in the
`SchedulingQueue` (active, backoff, unschedulable). Each cycle pops a pod, runs the
filters and scores (`schedule`), *assumes* the pod on the chosen node at once (so the
next pod never double-books it) and binds it through the apiserver in the background; a
failed binding forgets the assumption and retries the pod. A pod that fits nowhere gets
`PodScheduled=False` and a `FailedScheduling` event worded as Kubernetes words it, and
waits until a cluster event (a node added, a pod deleted...) may help it. Every decision
is explainable: the per-plugin verdicts go to the log and into a pod annotation.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping
from typing import Any

import attrs
import trio

from kactors.actors import Actor, ActorRef
from kactors.actors.logging import log_enabled
from kactors.api.storage import ANN_SELECTED_NODE, pod_claim_names
from kactors.apiserver.objects import cluster_epoch, timestamp
from kactors.client.client import ApiClient
from kactors.client.errors import ApiError, Conflict, NotFound
from kactors.client.indexer import Indexer
from kactors.client.informer import Informer, InformerEvent, InformerSynced, Subscribe
from kactors.controllers.events import EventRecorder
from kactors.scheduler.algorithm import schedule
from kactors.scheduler.config import SchedulerConfig as Profile
from kactors.scheduler.events import (
    ASSIGNED_POD_ADD,
    ASSIGNED_POD_DELETE,
    ASSIGNED_POD_UPDATE,
    NODE_ADD,
    node_update_event,
)
from kactors.scheduler.explain import EXPLANATION_ANNOTATION, annotation_text, explain
from kactors.scheduler.plugins.volumebinding import STORAGE_EVENT
from kactors.scheduler.preemption import Preemption, may_preempt, select_victims
from kactors.scheduler.queue import SchedulingQueue
from kactors.scheduler.state import ClusterState
from kactors.scheduler.volumes import STORAGE_KINDS

SCHEDULER_NAME = "default-scheduler"
CYCLES_PER_TURN = 64  # then yield to informer events (they may free or add capacity)
#: bindings sent and not yet answered, at most: beyond that, scheduling waits for answers
#: rather than queueing thousands of requests whose latency would outgrow their timeout
#: (10,000 pending pods bound at once on a busy machine timed out and were retried).
#: 128 keeps the apiserver as busy as 1000 did, and a binding's objects (its request,
#: replies, a dozen coroutine frames) then die young: at 1000 deep they all outlived two
#: young GC collections and each of them was scanned again by every full collection
#: (a third of the process's CPU time in bench/scheduler.py).
MAX_BINDINGS_IN_FLIGHT = 128
#: how long a pod's binding waits for its claims to be bound (``bindTimeoutSeconds``)
VOLUME_BIND_TIMEOUT = 600.0


@attrs.frozen
class SchedulerOptions:
    apiserver: ActorRef
    token: str = attrs.field(repr=False)
    weights: Mapping[str, int] | None = None
    percentage_of_nodes_to_score: int = 0
    #: write each decision's explanation as a pod annotation (kube-scheduler-simulator)
    annotate: bool = True
    scheduler_name: str = SCHEDULER_NAME


@attrs.frozen
class _Dispatch:
    pass


@attrs.frozen
class _Bound:
    key: str
    node: str
    error: str | None


class Scheduler(Actor):
    def __init__(self, options: SchedulerOptions) -> None:
        self.options = options
        profile = Profile() if options.weights is None else Profile(weights=options.weights)
        if options.percentage_of_nodes_to_score:
            profile = attrs.evolve(profile, percentage_of_nodes_to_score=
                                   options.percentage_of_nodes_to_score)
        self.profile = profile
        self.state = ClusterState()
        self.queue = SchedulingQueue()
        self.pending: dict[str, dict[str, Any]] = {}
        self.failures: dict[str, str] = {}
        self.dispatch_scheduled = False
        self.wake: Any = None
        self.wake_at: float | None = None
        self.scheduled = 0
        self.binding = 0
        #: bindings handed to `_binder` tasks, and how many binders wait for one
        self._bindings, self._receive_bindings = trio.open_memory_channel[
            tuple[dict[str, Any], str, dict[str, str] | None]](math.inf)
        self._idle_binders = 0
        #: pod key -> the preemption made for it, while its victims are going
        self.nominated: dict[str, Preemption] = {}
        #: set (and replaced) on every claim, volume or class event: binders waiting for
        #: a pod's claims to be bound look again
        self._storage_changed = trio.Event()

    async def started(self) -> None:
        ctx = self.ctx
        self.rng = random.Random(ctx.random.getrandbits(64))
        self.client = ApiClient(ctx, self.options.apiserver, self.options.token)
        self.events = EventRecorder(self.client, SCHEDULER_NAME, ctx.now)
        self.explain_in_log = log_enabled(ctx.log, "debug")
        for kind in ("nodes", "pods", "namespaces", *STORAGE_KINDS.values()):
            ref = ctx.spawn(lambda kind=kind: Informer(
                self.options.apiserver, self.options.token, kind, Indexer()), name=kind,
                mailbox_capacity=1_000_000)
            await ref.ask(Subscribe(ctx.self))

    # -- informer events -----------------------------------------------------------------------
    def receive(self, message: Any) -> Any:
        if isinstance(message, InformerEvent):
            self._observe(message)
            self._request_dispatch()
            return None
        if isinstance(message, InformerSynced):
            return None
        if isinstance(message, _Dispatch):
            self.dispatch_scheduled = False
            self._cycles()
            return None
        if isinstance(message, _Bound):
            self._bound(message)
            return None
        return super().receive(message)

    def _observe(self, event: InformerEvent) -> None:
        obj = event.obj
        if event.kind == "Pod":
            self._observe_pod(event.type, obj)
            return
        now = self.ctx.now()
        if event.kind == "Node":
            if event.type == "delete":
                self.state.remove_node(obj["metadata"]["name"])
                return
            change = self.state.add_node(obj)
            cluster_event = NODE_ADD if event.type == "add" else node_update_event(change)
            if cluster_event is not None:
                self.queue.move_all_to_active_or_backoff(cluster_event, now)
            return
        if event.kind in STORAGE_KINDS:
            self.state.volumes.observe(event.kind, obj, event.type == "delete")
            self.queue.move_all_to_active_or_backoff(STORAGE_EVENT, now)
            self._storage_changed.set()
            self._storage_changed = trio.Event()
            return
        if event.kind == "Namespace":
            if event.type == "delete":
                self.state.remove_namespace(obj["metadata"]["name"])
            else:
                self.state.set_namespace(obj)
            return

    def _observe_pod(self, type_: str, obj: dict[str, Any]) -> None:
        meta = obj["metadata"]
        key = f"{meta['namespace']}/{meta['name']}"
        spec = obj.get("spec") or {}
        if type_ == "delete":
            self.pending.pop(key, None)
            self.nominated.pop(key, None)
            self.queue.delete(obj)
            if self.state.remove_pod(key):
                self.queue.move_all_to_active_or_backoff(ASSIGNED_POD_DELETE, self.ctx.now())
            return
        if spec.get("nodeName"):
            self.pending.pop(key, None)
            known = self.state.pod_node(key) is not None
            if self.state.add_pod(obj):
                self.queue.move_all_to_active_or_backoff(
                    ASSIGNED_POD_UPDATE if known else ASSIGNED_POD_ADD, self.ctx.now())
            return
        now = self.ctx.now()
        if spec.get("schedulerName", SCHEDULER_NAME) != self.options.scheduler_name:
            return
        phase = (obj.get("status") or {}).get("phase")
        if meta.get("deletionTimestamp") or phase in ("Succeeded", "Failed"):
            self.pending.pop(key, None)
            self.queue.delete(obj)
            return
        if self.state.is_assumed(key):
            return  # our binding is on its way
        if key in self.pending:
            self.queue.update(self.pending[key], obj, now)
        else:
            self.queue.add(obj, now)
        self.pending[key] = obj

    # -- scheduling cycles --------------------------------------------------------------------
    def _request_dispatch(self) -> None:
        if not self.dispatch_scheduled:
            self.dispatch_scheduled = True
            self.ctx.self.tell(_Dispatch())

    def _cycles(self) -> None:
        now = self.ctx.now()
        if self.wake_at is not None and now >= self.wake_at:
            self.wake_at = self.wake = None
        queue = self.queue
        queue.flush(now)
        for _ in range(CYCLES_PER_TURN):
            if self.binding >= MAX_BINDINGS_IN_FLIGHT:
                return  # an answer (`_Bound`) dispatches again (and sets the wake-up)
            info = queue.pop(now)
            if info is None:
                break
            self._cycle(info, now)
        else:
            self._request_dispatch()
        self._schedule_wake(now)

    def _cycle(self, info: Any, now: float) -> None:
        key = info.key
        pod = self.pending.get(key)
        if pod is None:
            self.queue.done(key)
            return
        result = schedule(info.pod_info, self.state, self.profile, self.rng)
        if result.node_name is None:
            assert result.fit_error is not None
            message = result.fit_error.message
            self.queue.add_unschedulable(info, info.cycle, now,
                                         result.fit_error.unschedulable_plugins)
            if self.failures.get(key) != message:
                self.failures[key] = message
                self.ctx.log.info("pod.unschedulable", pod=key, message=message)
                self.ctx.start_soon(self._report_failure, pod, message)
            else:  # every failed attempt is an event, as in Kubernetes: repeats are counted
                self.events.emit(pod, "Warning", "FailedScheduling", message)
            self._consider_preemption(info.pod_info, pod, result.window)
            return
        node = result.node_name
        self.state.assume_pod(info.pod_info, node)
        self.queue.done(key)
        self.failures.pop(key, None)
        self.nominated.pop(key, None)
        self.ctx.log.info("pod.scheduled", pod=key, node=node, evaluated=result.evaluated_nodes,
                          feasible=result.feasible_nodes)
        annotations = None
        # the explanation costs as much as a third of a cycle: only when someone reads it
        if self.options.annotate or self.explain_in_log:
            explanation = explain(result)
            self.ctx.log.debug("pod.scheduling_explained", pod=key, explanation=explanation)
            if self.options.annotate:
                annotations = {EXPLANATION_ANNOTATION: annotation_text(explanation)}
        self.binding += 1
        self._send_binding((pod, node, annotations))

    def _consider_preemption(self, info: Any, pod: dict[str, Any], window: Any) -> None:
        """DefaultPreemption (:mod:`.preemption`): evict lower-priority pods for this one,
        unless it may not, or victims chosen for it earlier are still going."""
        if not may_preempt(pod):
            return
        earlier = self.nominated.get(info.key)
        if earlier is not None and any(self.state.pod_node(victim.key) == earlier.node
                                       for victim in earlier.victims):
            return  # wait for them: the queue brings the pod back once one is gone
        chosen = select_victims(info, self.state.node_infos(),
                                dict(zip(window.names, window.statuses, strict=True)))
        if chosen is None:
            return
        self.nominated[info.key] = chosen
        self.ctx.log.info("pod.preempting", pod=info.key, node=chosen.node,
                          victims=[victim.key for victim in chosen.victims])
        self.ctx.start_soon(self._preempt, pod, chosen)

    async def _preempt(self, pod: dict[str, Any], chosen: Preemption) -> None:
        """``prepareCandidate``: nominate the node, then mark each victim with the
        condition DisruptionTarget (PreemptionByScheduler) and delete it, with an Event
        saying who preempted it."""
        meta = pod["metadata"]
        try:
            await self.client.patch("pods", meta["name"], {"status": {
                "nominatedNodeName": chosen.node}}, meta["namespace"], subresource="status")
        except ApiError:
            pass
        condition = {"type": "DisruptionTarget", "status": "True",
                     "reason": "PreemptionByScheduler",
                     "message": f"{self.options.scheduler_name}: preempting to accommodate a "
                                "higher priority pod",
                     "lastTransitionTime": timestamp(cluster_epoch(), self.ctx.now())}
        for victim in chosen.victims:
            self.events.emit(victim.pod, "Normal", "Preempted",
                             f"Preempted by pod {meta.get('uid')} on node {chosen.node}")
            try:
                await self.client.patch(
                    "pods", victim.name, {"status": {"conditions": [condition]}},
                    victim.namespace, subresource="status",
                    patch_type="application/strategic-merge-patch+json")
                await self.client.delete("pods", victim.name, victim.namespace)
            except ApiError:
                pass

    def _send_binding(self, binding: tuple[dict[str, Any], str, dict[str, str] | None]) -> None:
        """Bind in the background: an idle binder task takes it, else a new one does.
        Binders stay for the next bindings (as many as were ever in flight at once): a
        task per binding cost more than the binding's own work on the scheduler's side."""
        if self._idle_binders:
            self._idle_binders -= 1
        else:
            self.ctx.start_soon(self._binder)
        self._bindings.send_nowait(binding)

    async def _binder(self) -> None:
        receive = self._receive_bindings
        while True:
            await self._bind(*await receive.receive())
            self._idle_binders += 1

    async def _bind(self, pod: dict[str, Any], node: str,
                    annotations: dict[str, str] | None) -> None:
        meta = pod["metadata"]
        key = f"{meta['namespace']}/{meta['name']}"
        error = None
        try:
            claims = pod_claim_names(pod)
            if claims:
                try:
                    error = await self._bind_volumes(pod, claims, node)
                except ApiError as failure:  # a claim, not the pod, is gone: retry the pod
                    error = f"binding volumes: {failure}"
            if error is None:
                await self.client.bind(pod, node, annotations)
        except (NotFound, Conflict) as failure:
            error = f"gone: {failure}"
        except (ApiError, Exception) as failure:  # the apiserver is unreachable: retry
            error = str(failure) or type(failure).__name__
        if error is None:  # here, not in _bound: the bound pod's watch event may come first
            self.events.emit(pod, "Normal", "Scheduled", f"Successfully assigned {key} to {node}")
        self.ctx.self.tell(_Bound(key, node, error))

    async def _bind_volumes(self, pod: dict[str, Any], claims: tuple[str, ...],
                            node: str) -> str | None:
        """VolumeBinding's PreBind: annotate the pod's unbound (WaitForFirstConsumer)
        claims with the chosen node (``volume.kubernetes.io/selected-node``: the PV
        controller binds or provisions for that node), then wait until every claim is
        Bound before the pod is bound, as kube-scheduler does (``bindTimeoutSeconds``,
        600 s): a pod bound first would only wait on its node, and a failed provisioning
        could not send it elsewhere. Returns an error text, or None."""
        namespace = pod["metadata"]["namespace"]
        cache = self.state.volumes
        for name in claims:
            claim = cache.claims.get(f"{namespace}/{name}") or {}
            annotations = (claim.get("metadata") or {}).get("annotations") or {}
            if (claim.get("spec") or {}).get("volumeName") or \
                    annotations.get(ANN_SELECTED_NODE) == node:
                continue
            await self.client.patch("persistentvolumeclaims", name, {"metadata": {
                "annotations": {ANN_SELECTED_NODE: node}}}, namespace)
            self.ctx.log.info("volume.node_selected", claim=f"{namespace}/{name}", node=node,
                              pod=f"{namespace}/{pod['metadata']['name']}")
        deadline = self.ctx.now() + VOLUME_BIND_TIMEOUT
        while True:
            unbound = [name for name in claims if (cache.claims.get(f"{namespace}/{name}") or {})
                       .get("status", {}).get("phase") != "Bound"]
            if not unbound:
                return None
            remaining = deadline - self.ctx.now()
            if remaining <= 0:
                return "binding volumes: timed out waiting for the condition"
            with trio.move_on_after(remaining):
                await self._storage_changed.wait()

    def _bound(self, message: _Bound) -> None:
        now = self.ctx.now()
        self.binding -= 1
        if self.binding == MAX_BINDINGS_IN_FLIGHT - 1:
            self._request_dispatch()  # scheduling waited for this answer
        if message.error is None:
            self.state.finish_binding(message.key, now)
            self.scheduled += 1
            return
        self.state.forget_pod(message.key)
        pod = self.pending.get(message.key)
        self.ctx.log.warning("pod.binding_failed", pod=message.key, node=message.node,
                             error=message.error)
        if pod is not None and not message.error.startswith("gone"):
            self.queue.add(pod, now)
        self._request_dispatch()

    async def _report_failure(self, pod: dict[str, Any], message: str) -> None:
        meta = pod["metadata"]
        condition = {"type": "PodScheduled", "status": "False", "reason": "Unschedulable",
                     "message": message, "lastProbeTime": None,
                     "lastTransitionTime": timestamp(cluster_epoch(), self.ctx.now())}
        others = [c for c in (pod.get("status") or {}).get("conditions") or []
                  if c.get("type") != "PodScheduled"]
        try:
            await self.client.patch("pods", meta["name"], {"status": {
                "conditions": [*others, condition]}}, meta["namespace"], subresource="status")
        except ApiError:
            pass
        await self.events.record(pod, "Warning", "FailedScheduling", message)

    def _schedule_wake(self, now: float) -> None:
        ready_at = self.queue.next_ready_at()
        if ready_at is None or (self.wake_at is not None and self.wake_at <= ready_at):
            return
        if self.wake is not None:
            self.wake.cancel()
        self.wake_at = ready_at
        self.wake = self.ctx.send_after(max(0.0, ready_at - now), _Dispatch())

    def stats(self) -> dict[str, Any]:
        return {"scheduled": self.scheduled, **self.queue.counts()}


__all__ = ["Scheduler", "SchedulerOptions"]
