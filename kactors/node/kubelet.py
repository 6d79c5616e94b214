"""The kubelet: one actor per node, between the apiserver and the node's container runtime.

It registers its Node (capacity, allocatable, labels, taints), renews its Lease in
`kube-node-lease` and posts node status, and watches only the pods bound to it (an
informer with `spec.nodeName=<node>`). Each pod change goes to the simulated runtime; what
the runtime reports back becomes Kubernetes Events and pod status writes (status
subresource), taken in at whole `wakeup_resolution` ticks. The ConfigMaps and Secrets its
pods consume are read from one watch per object (`configwatch`), not fetched per pod. A
pod being deleted is stopped with its grace period, then removed from the API with grace
0, as the real kubelet does. It authenticates as `system:node:<name>`,
so the node authorizer limits it to its own Node and the pods bound to it. For
`kubectl exec` it hands over a running container's view (`GetExecView`: the environment
as resolved at the container's start, the files of its mounts, its hostname).
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping
from typing import Any

import attrs

from kactors.actors import Actor, ActorRef
from kactors.actors.logging import log_enabled
from kactors.api.patch import json_merge_patch
from kactors.apiserver.auth import pod_references
from kactors.apiserver.objects import cluster_epoch, timestamp
from kactors.apiserver.podexec import ExecUnavailable
from kactors.client.client import ApiClient
from kactors.client.errors import ApiError, Conflict, NotFound
from kactors.client.indexer import Indexer
from kactors.client.informer import Informer, InformerEvent, InformerSynced, Subscribe
from kactors.controllers.events import EventRecorder
from kactors.node.configwatch import ObjectWatches
from kactors.node.containerenv import container_env, pod_hostname, runtime_files
from kactors.node.events import EventKind, RuntimeEvent
from kactors.node.execshell import ContainerView
from kactors.node.images import ImageCatalog
from kactors.node.runtime import ContainerRuntime, LogsUnavailable, cpu_limit, memory_limit
from kactors.node.tokens import TOKEN_KIND, TokenManager
from kactors.node.traffic import Traffic
from kactors.node.usage import ContainerUsage, NodeCpuCounter, container_usage, summary
from kactors.node.volumefiles import mounted_files
from kactors.node.workload import WorkQueues

KUBELET_VERSION = "v1.32.0-kactors"
LEASE_DURATION = 40
#: `nodeStatusReportFrequency`: the Node's status is posted this often when nothing in it
#: changed (the Lease, renewed every heartbeat, is what says the kubelet is alive). At a
#: thousand nodes, a status write per node every 10 s would be most of the cluster's writes.
NODE_STATUS_REPORT_FREQUENCY = 300.0
#: The PLEG relists the runtime this often (`GenericPLEG`'s relist period): what changed in
#: a pod's containers since the last relist reaches the API as one status write, so a
#: container created and started within one period is one write, not three.
RELIST_PERIOD = 1.0
#: The kubelet looks at its runtime's progress (a pull done, a container created, started
#: or exited, a probe's result) at multiples of this many cluster seconds, as it learns of
#: container changes at its PLEG's relists. The runtime plays each step at its own instant
#: (times in statuses and messages are exact); only the Events and status writes that
#: report them wait for the next tick, so the kubelets of a cluster report together and
#: their writes share the apiserver's and Raft's batches instead of each travelling alone.
#: Kubernetes' timestamps are whole seconds anyway. 0: report every step at its instant.
WAKEUP_RESOLUTION = 1.0
NODE_LEASE_NAMESPACE = "kube-node-lease"


@attrs.frozen
class NodeSpecConfig:
    """What a node looks like: from a cluster.toml node group."""

    name: str
    cpu: str = "2"
    memory: str = "4Gi"
    pods: int = 110
    labels: Mapping[str, str] = attrs.field(factory=dict)
    taints: tuple[Mapping[str, str], ...] = ()
    pod_cidr: str = "10.244.0.0/24"
    host_ip: str = "10.0.0.10"


@attrs.frozen
class GetLogs:
    namespace: str
    name: str
    container: str | None = None
    tail: int | None = None
    previous: bool = False


@attrs.frozen
class GetFiles:
    """Ask for the files a container of a pod sees in its volumes (path -> text)."""

    namespace: str
    name: str
    container: str | None = None


@attrs.frozen
class GetSummary:
    """Ask for the node's resource usage summary (the kubelet's ``/stats/summary``, what
    metrics-server scrapes): see :func:`kactors.node.usage.summary`."""


@attrs.frozen
class GetExecView:
    """Ask for what ``kubectl exec`` sees in a running container of a pod: the reply is
    a :class:`~kactors.node.execshell.ContainerView`, or :class:`ExecUnavailable`."""

    namespace: str
    name: str
    container: str


@attrs.frozen
class _Wake:
    pass


@attrs.frozen
class _Heartbeat:
    pass


@attrs.frozen
class _Relist:
    pass


def wakeup_tick(at: float, resolution: float) -> float:
    """`at` rounded up to a multiple of `resolution` (`at` itself when 0): never before
    `at`, so a wake-up always finds the runtime step it was planned for due."""
    if resolution <= 0:
        return at
    tick = math.ceil(at / resolution) * resolution
    return tick if tick >= at else tick + resolution


def microtime(epoch: Any, seconds: float) -> str:
    base = timestamp(epoch, seconds)[:-1]
    return f"{base}.{int((seconds % 1) * 1_000_000):06d}Z"


class Kubelet(Actor):
    def __init__(self, node: NodeSpecConfig, apiserver: ActorRef, token: str,
                 images: ImageCatalog, *, heartbeat: float = 10.0,
                 status_report_frequency: float = NODE_STATUS_REPORT_FREQUENCY,
                 relist_period: float = RELIST_PERIOD,
                 wakeup_resolution: float = WAKEUP_RESOLUTION,
                 epoch: Any = None, kubernetes_service_ip: str | None = None,
                 traffic: Traffic | None = None) -> None:
        self.node = node
        #: the connections kube-proxies balanced onto pods (their CPU cost; None: none)
        self.traffic = traffic
        #: the work those connections brought each container, throttled at its limit
        self.work = WorkQueues()
        #: the `kubernetes` Service's ClusterIP: its variables are in every container's
        #: environment (what `kubectl exec ... env` shows, in-cluster clients read)
        self.kubernetes_service_ip = kubernetes_service_ip
        self.apiserver = apiserver
        self.token = token
        self.images = images
        self.heartbeat = heartbeat
        self.status_report_frequency = status_report_frequency
        self.relist_period = relist_period
        self.wakeup_resolution = wakeup_resolution
        #: pods whose status may have changed since the last relist (uid -> None)
        self.dirty: dict[str, None] = {}
        self.relist_scheduled = False
        self.epoch = cluster_epoch() if epoch is None else epoch
        #: when the Node's status was last posted (cluster seconds)
        self.status_posted_at = 0.0
        #: uid -> (the status last written for the pod, the resourceVersion the write
        #: gave): the status manager's cache. A sync that computes the same status again
        #: writes nothing; each heartbeat, a pod whose stored status someone else changed
        #: is written again (`syncBatch`'s `needsReconcile`)
        self.written: dict[str, tuple[dict[str, Any], str]] = {}
        self.indexer = Indexer()
        self.pods: dict[str, dict[str, Any]] = {}  # uid -> latest pod object
        self.wake_at: float | None = None
        self.wake_handle: Any = None
        self.deleting: dict[str, None] = {}
        #: whether the runtime's steps are narrated: not when info events are filtered out
        #: anyway (a bench at level error), where building each one's fields was the cost
        self.narrating = True

    # -- start -------------------------------------------------------------------------------
    async def started(self) -> None:
        ctx = self.ctx
        self.narrating = log_enabled(ctx.log, "info")
        self.client = ApiClient(ctx, self.apiserver, self.token)
        self.events = EventRecorder(self.client, "kubelet", ctx.now, host=self.node.name)
        self.tokens = TokenManager(self.client, ctx.log)
        #: the ConfigMaps and Secrets of our pods, one watch each (the watch-based manager)
        self.watches = ObjectWatches(ctx, self.apiserver, self.token,
                                     sync_timeout=self.client.timeout)
        self.runtime = ContainerRuntime(self.node.name, self.images,
                                        random.Random(ctx.random.getrandbits(64)),
                                        pod_cidr=self.node.pod_cidr, host_ip=self.node.host_ip)
        #: the node's cumulative CPU for usage summaries, from the kubelet's start
        self.cpu_counter = NodeCpuCounter(ctx.now())
        await self._register()
        informer = ctx.spawn(lambda: Informer(
            self.apiserver, self.token, "pods", self.indexer,
            field_selector=f"spec.nodeName={self.node.name}"), name="pods")
        await informer.ask(Subscribe(ctx.self))
        ctx.every(self.heartbeat, _Heartbeat())

    def _time(self, seconds: float) -> str:
        return timestamp(self.epoch, seconds)

    def _node_object(self) -> dict[str, Any]:
        node = self.node
        now = self._time(self.ctx.now())
        capacity = {"cpu": node.cpu, "memory": node.memory, "pods": str(node.pods),
                    "ephemeral-storage": "100Gi"}
        labels = {"kubernetes.io/hostname": node.name, "kubernetes.io/os": "linux",
                  "kubernetes.io/arch": "amd64", **node.labels}
        spec: dict[str, Any] = {"podCIDR": node.pod_cidr, "podCIDRs": [node.pod_cidr]}
        if node.taints:
            spec["taints"] = [dict(t) for t in node.taints]
        return {
            "apiVersion": "v1", "kind": "Node",
            "metadata": {"name": node.name, "labels": labels},
            "spec": spec,
            "status": {
                "capacity": capacity, "allocatable": dict(capacity),
                "conditions": self._conditions(now, now),
                "addresses": [{"type": "InternalIP", "address": node.host_ip},
                              {"type": "Hostname", "address": node.name}],
                "nodeInfo": {"kubeletVersion": KUBELET_VERSION, "operatingSystem": "linux",
                             "architecture": "amd64",
                             "containerRuntimeVersion": "kactors://simulated"},
            },
        }

    @staticmethod
    def _conditions(now: str, since: str) -> list[dict[str, Any]]:
        def condition(type_: str, status: str, reason: str, message: str) -> dict[str, Any]:
            return {"type": type_, "status": status, "reason": reason, "message": message,
                    "lastHeartbeatTime": now, "lastTransitionTime": since}
        return [
            condition("MemoryPressure", "False", "KubeletHasSufficientMemory",
                      "kubelet has sufficient memory available"),
            condition("DiskPressure", "False", "KubeletHasNoDiskPressure",
                      "kubelet has no disk pressure"),
            condition("PIDPressure", "False", "KubeletHasSufficientPID",
                      "kubelet has sufficient PID available"),
            condition("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
        ]

    async def _register(self) -> None:
        """Create our Node, or take it over again after a restart (status from scratch)."""
        node = self._node_object()
        try:
            await self.client.create(node)
            self.ctx.log.info("node.registered", node=self.node.name, cpu=self.node.cpu,
                              memory=self.node.memory, pods=self.node.pods)
        except ApiError as error:
            if error.code != 409:
                raise
            await self.client.patch("nodes", self.node.name, {"status": node["status"]},
                                    subresource="status")
            self.ctx.log.info("node.reregistered", node=self.node.name)
        self.since = self._time(self.ctx.now())
        self.status_posted_at = self.ctx.now()
        await self._renew_lease()

    async def _renew_lease(self) -> None:
        now = microtime(self.epoch, self.ctx.now())
        lease = {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
                 "metadata": {"name": self.node.name, "namespace": NODE_LEASE_NAMESPACE},
                 "spec": {"holderIdentity": self.node.name,
                          "leaseDurationSeconds": LEASE_DURATION, "renewTime": now}}
        try:
            await self.client.patch("leases", self.node.name, {"spec": lease["spec"]},
                                    NODE_LEASE_NAMESPACE)
        except NotFound:
            try:
                await self.client.create(lease)
            except (ApiError, TimeoutError) as error:
                self.ctx.log.warning("node.lease_failed", error=str(error))
        except (ApiError, TimeoutError) as error:  # partitioned away: try next heartbeat
            self.ctx.log.warning("node.lease_failed", error=str(error))

    async def _post_node_status(self) -> None:
        """`tryUpdateNodeStatus`: read our Node (from the apiserver's cache, resourceVersion
        0, as the kubelet does) and patch its status only if it is not what we would post
        (the node lifecycle controller marked it Unknown, say) or if
        `status_report_frequency` has passed since we last posted it."""
        seconds = self.ctx.now()
        now = self._time(seconds)
        conditions = self._conditions(now, self.since)
        try:
            if seconds - self.status_posted_at < self.status_report_frequency:
                current = await self.client.get("nodes", self.node.name, resourceVersion="0")
                if _same_conditions((current.get("status") or {}).get("conditions") or [],
                                    conditions):
                    return
            await self.client.patch("nodes", self.node.name, {"status": {
                "conditions": conditions}}, subresource="status")
            self.status_posted_at = seconds
        except NotFound:
            await self._register()
        except (ApiError, TimeoutError) as error:
            self.ctx.log.warning("node.status_failed", error=str(error))

    # -- messages ----------------------------------------------------------------------------
    async def receive(self, message: Any) -> Any:
        if isinstance(message, InformerEvent):
            await self._pod_changed(message)
        elif isinstance(message, _Wake):
            self.wake_at = None
            await self._advance(woke=True)
        elif isinstance(message, _Relist):
            self.relist_scheduled = False
            await self._advance()
            self._flush_statuses()
        elif isinstance(message, _Heartbeat):
            self.ctx.start_soon(self._renew_lease)
            self.ctx.start_soon(self._post_node_status)
            self._reconcile_statuses()
            await self._retry_missing_config()
        elif isinstance(message, InformerSynced):
            pass
        elif isinstance(message, GetLogs):
            return self._logs(message)
        elif isinstance(message, GetFiles):
            return self.container_files(message.namespace, message.name, message.container)
        elif isinstance(message, GetSummary):
            return self.usage_summary()
        elif isinstance(message, GetExecView):
            return self._exec_view(message)
        else:
            return super().receive(message)
        return None

    async def _pod_changed(self, event: InformerEvent) -> None:
        pod = event.obj
        uid = pod["metadata"]["uid"]
        if event.type == "delete":
            self.written.pop(uid, None)
            self.tokens.forget(uid)
            self.watches.unregister(uid)
            if uid in self.pods:
                self.runtime.kill_pod(uid, 0, self.ctx.now())
                self.pods.pop(uid, None)
                await self._advance()
            return
        first = uid not in self.pods
        self.pods[uid] = pod
        if first:
            self.ctx.log.info("pod.admitted", pod=_key(pod), node=self.node.name)
            await self._fetch_config(pod)
        self.runtime.sync_pod(pod, self.ctx.now(), self._config_lookup)
        await self._advance()

    def _config_lookup(self, kind: str, namespace: str, name: str) -> Any:
        if kind == TOKEN_KIND:
            return self.tokens.lookup(namespace, name)
        return self.watches.get(kind, namespace, name)

    async def _fetch_config(self, pod: Mapping[str, Any]) -> None:
        """Before a pod starts: watch the ConfigMaps and Secrets it consumes (a watch
        each, shared by the node's pods; the first pod of an object waits for its list),
        and get its service-account token."""
        refs = self.watches.register(pod["metadata"]["uid"], pod_references(pod))
        await self.watches.wait_synced(refs)
        await self.tokens.fetch(pod)  # its service-account token, if it projects one

    async def _retry_missing_config(self) -> None:
        """A pod waiting for a ConfigMap or Secret that did not exist when it was admitted
        (its watch brings the object once it is created) or for a token is synced again
        each heartbeat, so it starts once what it lacked is there."""
        missing = self.watches.missing()
        no_token = self.tokens.failed()
        if not missing and not no_token:
            return
        for uid, pod in list(self.pods.items()):
            refs = self.watches.pods.get(uid, ())
            if (missing.intersection(refs) or uid in no_token) and uid not in self.deleting:
                if uid in no_token:
                    await self.tokens.fetch(pod)
                self.runtime.sync_pod(pod, self.ctx.now(), self._config_lookup)
        await self._advance()

    async def _advance(self, woke: bool = False) -> None:
        """Take in what the runtime did up to now: narrate it, record its Events, and
        write the changed pods' statuses at the next relist tick (at once when `woke` on
        a relist tick at a `wakeup_resolution` wake-up: that wake-up is the relist)."""
        now = self.ctx.now()
        events = self.runtime.advance(now)
        changed: dict[str, None] = {}
        narrating = self.narrating
        for event in events:
            changed[event.pod_uid] = None
            if narrating:
                self._narrate(event)
            if event.record:
                pod = self.pods.get(event.pod_uid)
                if pod is not None:
                    self._record(pod, event)
            if event.kind is EventKind.TERMINATED:
                self.ctx.start_soon(self._finish_deletion, event.pod_uid)
        self.dirty.update(changed)
        period = self.relist_period
        if period <= 0 or (woke and self.wakeup_resolution > 0
                           and abs(now - round(now / period) * period) < 1e-6):
            self._flush_statuses()
        elif self.dirty and not self.relist_scheduled:
            # the next relist tick (multiples of the period: deterministic, and every pod
            # that changed within one period is written once)
            tick = (math.floor(now / period + 1e-9) + 1) * period
            self.relist_scheduled = True
            self.ctx.send_after(max(0.0, tick - now), _Relist())
        self._schedule_wake(now)

    def _flush_statuses(self) -> None:
        """Write the status of every pod that changed since the last relist."""
        dirty, self.dirty = self.dirty, {}
        now = self.ctx.now()
        for uid in dirty:
            pod = self.pods.get(uid)
            if pod is not None and uid not in self.deleting:
                status = self.runtime.rendered_status(pod, now, self._time)
                self.ctx.start_soon(self._write_status, pod, status)

    def _narrate(self, event: RuntimeEvent) -> None:
        fields: dict[str, Any] = {"pod": f"{event.namespace}/{event.pod_name}",
                                  "node": self.node.name}
        if event.container:
            fields["container"] = event.container
        if event.message:
            fields["message"] = event.message
        if event.exit_code is not None:
            fields["exit_code"] = event.exit_code
        self.ctx.log.info(event.kind.value if event.kind is not EventKind.PHASE else
                          "pod.phase", **fields)

    def _record(self, pod: Mapping[str, Any], event: RuntimeEvent) -> None:
        obj = {"apiVersion": "v1", "kind": "Pod", "metadata": pod["metadata"]}
        self.events.emit(obj, event.type, event.reason, event.message, event.field_path)

    async def _write_status(self, pod: Mapping[str, Any], status: dict[str, Any]) -> None:
        """Patch the pod's status, unless it is the status last written (the status
        manager's `isPodStatusByKubeletEqual`): a pull or a container creation that
        changes nothing the API shows costs no write."""
        meta = pod["metadata"]
        uid = meta["uid"]
        written = self.written.get(uid)
        if written is not None and written[0] == status:
            return
        self.written[uid] = (status, "")
        try:
            stored = await self.client.patch("pods", meta["name"], {"status": status},
                                             meta["namespace"], subresource="status")
        except (NotFound, Conflict):
            return
        except (ApiError, TimeoutError) as error:
            if (self.written.get(uid) or (None,))[0] is status:
                del self.written[uid]  # not written after all: the next sync tries again
            self.ctx.log.warning("pod.status_failed", pod=_key(pod), error=str(error))
            return
        if (self.written.get(uid) or (None,))[0] is status:
            self.written[uid] = (status, str(stored["metadata"].get("resourceVersion", "")))

    def _reconcile_statuses(self) -> None:
        """Write again the status of a pod whose stored status is no longer what we wrote
        (another writer changed it, or our write was lost): `needsReconcile`."""
        now = self.ctx.now()
        for uid, (status, version) in list(self.written.items()):
            pod = self.pods.get(uid)
            if pod is None or uid in self.deleting or not version:
                continue
            current_version = str(pod["metadata"].get("resourceVersion", ""))
            if current_version == version:
                continue  # nobody wrote the pod since we did
            # what we would write now (conditions we do not own kept from the stored pod)
            status = self.runtime.rendered_status(pod, now, self._time)
            current = pod.get("status") or {}
            if json_merge_patch(current, status) == current:
                self.written[uid] = (status, current_version)  # in step again
                continue
            del self.written[uid]
            self.ctx.start_soon(self._write_status, pod, status)

    async def _finish_deletion(self, uid: str) -> None:
        """The pod's containers are gone: delete it for good (grace 0), free its IP."""
        pod = self.pods.get(uid)
        self.deleting[uid] = None
        if pod is not None:
            meta = pod["metadata"]
            if meta.get("deletionTimestamp"):
                try:
                    await self.client.delete("pods", meta["name"], meta["namespace"],
                                             grace_period_seconds=0,
                                             preconditions={"uid": uid})
                    self.ctx.log.info("pod.deleted", pod=_key(pod), node=self.node.name)
                except (NotFound, Conflict):
                    pass
                except (ApiError, TimeoutError) as error:
                    self.ctx.log.warning("pod.delete_failed", pod=_key(pod), error=str(error))
                    self.deleting.pop(uid, None)
                    return
            else:
                status = self.runtime.rendered_status(pod, self.ctx.now(), self._time)
                await self._write_status(pod, status)
                return
        self.pods.pop(uid, None)
        self.deleting.pop(uid, None)
        self.written.pop(uid, None)
        self.tokens.forget(uid)
        self.watches.unregister(uid)
        self.runtime.remove_pod(uid)

    def _schedule_wake(self, now: float) -> None:
        next_at = self.runtime.next_wakeup()
        if next_at is None:
            return
        next_at = wakeup_tick(next_at, self.wakeup_resolution)
        if self.wake_at is not None and self.wake_at <= next_at:
            return
        if self.wake_handle is not None:
            self.wake_handle.cancel()
        self.wake_at = next_at
        self.wake_handle = self.ctx.send_after(max(0.0, next_at - now), _Wake())

    def usage_summary(self) -> dict[str, Any]:
        """The node's resource usage now (``/stats/summary``): computed only when asked,
        from the runtime's running containers (see :mod:`kactors.node.usage`)."""
        now = self.ctx.now()
        pods: dict[str, tuple[dict[str, str], list[tuple[str, ContainerUsage]]]] = {}
        for record, target, instance in self.runtime.running():
            assert instance.started_at is not None
            entry = pods.get(record.uid)
            if entry is None:
                entry = pods[record.uid] = ({"name": record.name,
                                             "namespace": record.namespace,
                                             "uid": record.uid}, [])
            limit = cpu_limit(target.spec)
            load = (0, 0)
            if self.traffic is not None and instance.behavior.cpu_per_request:
                ip = ((self.pods.get(record.uid) or {}).get("status") or {}).get("podIP")
                served = self.traffic.count(ip, instance.started_at, now) if ip else 0
                capacity = None if limit is None else max(
                    0, limit - instance.behavior.cpu_nanocores)
                load = self.work.serve(instance.container_id, instance.started_at,
                                       served * instance.behavior.cpu_per_request, now,
                                       capacity)
            entry[1].append((instance.container_id, container_usage(
                target.name, instance.behavior, instance.container_id, instance.started_at,
                now, limit, memory_limit(target.spec), load)))
        self.work.forget_all_but(c for _, containers in pods.values() for c, _ in containers)
        return summary(self.node.name, pods.values(), self.cpu_counter, now)

    def _pod_named(self, namespace: str, name: str) -> tuple[str, dict[str, Any]] | None:
        """(uid, pod) of the pod `namespace/name` bound to this node, if any."""
        for uid, pod in self.pods.items():
            meta = pod["metadata"]
            if meta["name"] == name and meta["namespace"] == namespace:
                return uid, pod
        return None

    def container_files(self, namespace: str, name: str,
                        container: str | None = None) -> dict[str, str]:
        """The files a container of pod `namespace/name` on this node sees in its volume
        mounts (the service-account token among them), path -> text; the pod's only
        container when `container` is None. Empty for an unknown pod or container."""
        found = self._pod_named(namespace, name)
        if found is None:
            return {}
        pod = found[1]
        names = [c.get("name") for c in (pod.get("spec") or {}).get("containers", [])]
        chosen = container or (names[0] if names else "")
        return mounted_files(pod, str(chosen), self._config_lookup)

    def _exec_view(self, request: GetExecView) -> ContainerView | ExecUnavailable:
        """The running container's environment (as resolved when it started), the files
        of its mounts and its hostname; the kubelet's errors otherwise."""
        found = self._pod_named(request.namespace, request.name)
        if found is None:
            return ExecUnavailable("pod does not exist", 404)
        uid, pod = found
        target = self.runtime.running_container(uid, request.container, self.ctx.now())
        if target is None:
            return ExecUnavailable(f'container not found ("{request.container}")')
        ip = self.runtime.pod_ip(uid)
        env = container_env(pod, target.spec, target.env_sources,
                            allocatable={"cpu": self.node.cpu, "memory": self.node.memory},
                            kubernetes_service_ip=self.kubernetes_service_ip)
        files = {**runtime_files(pod, ip),
                 **mounted_files(pod, request.container, self._config_lookup)}
        return ContainerView(_key(pod), request.container, pod_hostname(pod),
                             tuple(env), dict(sorted(files.items())))

    def _logs(self, request: GetLogs) -> Any:
        found = self._pod_named(request.namespace, request.name)
        if found is None:
            return LogsUnavailable(
                f"pod {request.name} is not running on node {self.node.name}")
        uid, pod = found
        containers = [c["name"] for c in (pod.get("spec") or {}).get("containers", [])]
        container = request.container or (containers[0] if len(containers) == 1 else None)
        if container is None:
            return LogsUnavailable(
                f"a container name must be specified for pod {request.name}, choose "
                f"one of: [{' '.join(containers)}]")
        try:
            return self.runtime.logs(uid, container, request.tail,
                                     previous=request.previous, now=self.ctx.now())
        except LogsUnavailable as error:
            return error



def _same_conditions(current: list[Any], wanted: list[dict[str, Any]]) -> bool:
    """Whether the Node's conditions say what we would post (heartbeat times aside)."""
    def signature(conditions: list[Any]) -> list[tuple[Any, ...]]:
        return sorted((c.get("type"), c.get("status"), c.get("reason"), c.get("message"))
                      for c in conditions if isinstance(c, Mapping))
    return signature(current) == signature(wanted)


def _key(pod: Mapping[str, Any]) -> str:
    meta = pod["metadata"]
    return f"{meta.get('namespace')}/{meta.get('name')}"
