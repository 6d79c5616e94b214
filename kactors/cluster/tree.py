"""A ClusterConfig becomes the supervision tree of a whole cluster.

    /cluster                     one_for_one: the tiers fail independently
      /cluster/etcd              one_for_one: Raft survives a member restarting alone
        etcd-1 etcd-2 etcd-3     each on its own host
      /cluster/control-plane     rest_for_one: the controller-manager and the scheduler
        apiserver                hold watches on the apiserver, so when it restarts they
        controller-manager       restart after it; a crashed scheduler needs nothing else
          informers              rest_for_one: controllers subscribe to these informers
          deployment replicaset endpoints ...
        scheduler
        metrics-server           scrapes the kubelets, serves metrics.k8s.io (if enabled)
        ingress-nginx            serves Ingresses of its class, routes requests (if enabled)
      /cluster/network-policy    the NetworkPolicies every node's dataplane enforces
      /cluster/nodes             one_for_one, one child per node (a DynamicSupervisor)
        node-1                   one_for_one: kubelet and kube-proxy are independent
          kubelet kube-proxy     on host node-1

Every component authenticates with its own token as its Kubernetes user
(system:kube-scheduler, system:kube-controller-manager, system:node:<name> for kubelets,
system:kube-proxy for the kube-proxies), so RBAC and the node authorizer apply to them as
in a real cluster.
"""

from __future__ import annotations

import math
import secrets
from typing import Any

import attrs

from kactors.actors import (
    ActorRef,
    ActorStopped,
    ActorSystem,
    AskTimeout,
    ChildSpec,
    DynamicSupervisor,
    SupervisionPolicy,
    Supervisor,
)
from kactors.apiserver.auth.bootstrap import INGRESS_NGINX_ACCOUNT, METRICS_SERVER_ACCOUNT
from kactors.apiserver.auth.user import SERVICE_ACCOUNT_USER_PREFIX, SERVICE_ACCOUNTS_GROUP
from kactors.apiserver.config import ApiServerConfig, TokenUser
from kactors.apiserver.kubernetesservice import first_service_ip
from kactors.apiserver.messages import AggregatedRequest
from kactors.apiserver.server import ApiServer
from kactors.client.informer import InformerFactory
from kactors.cluster.config import ClusterConfig, NodeSpec
from kactors.cluster.images import image_catalog
from kactors.controllers.base import ControllerConfig
from kactors.controllers.cronjob import CronJobController
from kactors.controllers.daemonset import DaemonSetController
from kactors.controllers.deployment import DeploymentController
from kactors.controllers.disruption import DisruptionController
from kactors.controllers.endpoints import EndpointsController
from kactors.controllers.endpointslice import EndpointSliceController
from kactors.controllers.garbagecollector import GarbageCollector
from kactors.controllers.job import JobController
from kactors.controllers.localpath import standard_storage_class
from kactors.controllers.namespace import NamespaceController
from kactors.controllers.nodelifecycle import NodeLifecycleController
from kactors.controllers.persistentvolume import PersistentVolumeController
from kactors.controllers.podautoscaler import HorizontalPodAutoscalerController
from kactors.controllers.replicaset import ReplicaSetController
from kactors.controllers.resourcequota import ResourceQuotaController
from kactors.controllers.rootcacert import RootCACertPublisher
from kactors.controllers.serviceaccount import ServiceAccountController, TokensController
from kactors.controllers.slicemirroring import EndpointSliceMirroringController
from kactors.controllers.statefulset import StatefulSetController
from kactors.controllers.ttlafterfinished import TTLAfterFinishedController
from kactors.metrics.server import MetricsServer
from kactors.networking.controller import IngressController
from kactors.networking.policywatch import NetworkPolicyAgent, PolicyWatch
from kactors.node.execsession import ContainerSession
from kactors.node.execshell import ContainerView
from kactors.node.kubelet import GetExecView, GetLogs, Kubelet, NodeSpecConfig
from kactors.node.kubeproxy import KubeProxy
from kactors.node.traffic import Traffic
from kactors.raft.member import MemberOptions
from kactors.scheduler.actor import Scheduler, SchedulerOptions
from kactors.store.cluster import EtcdCluster

#: built-in controllers that exist so far, by their cluster.toml name
CONTROLLER_CLASSES: dict[str, Any] = {
    "deployment": DeploymentController,
    "replicaset": ReplicaSetController,
    "endpoints": EndpointsController,
    "endpointslice": EndpointSliceController,
    "endpointslicemirroring": EndpointSliceMirroringController,
    "namespace": NamespaceController,
    "garbagecollector": GarbageCollector,
    "job": JobController,
    "ttl-after-finished": TTLAfterFinishedController,
    "daemonset": DaemonSetController,
    "statefulset": StatefulSetController,
    "nodelifecycle": NodeLifecycleController,
    "serviceaccount": ServiceAccountController,
    "serviceaccount-token": TokensController,
    "root-ca-cert-publisher": RootCACertPublisher,
    "disruption": DisruptionController,
    "cronjob": CronJobController,
    "resourcequota": ResourceQuotaController,
    "persistentvolume-binder": PersistentVolumeController,
    "horizontalpodautoscaling": HorizontalPodAutoscalerController,
}

SUPERVISOR = SupervisionPolicy(strategy="one_for_one", intensity=10, period=60.0)
CONTROL_PLANE = SupervisionPolicy(strategy="rest_for_one", intensity=5, period=60.0)


def _token() -> str:
    return secrets.token_urlsafe(24)


@attrs.frozen
class Credentials:
    """Tokens of the admin user and of every component (never logged)."""

    admin: str = attrs.field(factory=_token, repr=False)
    scheduler: str = attrs.field(factory=_token, repr=False)
    controller_manager: str = attrs.field(factory=_token, repr=False)
    #: every node's kube-proxy authenticates as ``system:kube-proxy``
    kube_proxy: str = attrs.field(factory=_token, repr=False)
    metrics_server: str = attrs.field(factory=_token, repr=False)
    ingress_nginx: str = attrs.field(factory=_token, repr=False)
    nodes: dict[str, str] = attrs.field(factory=dict, repr=False)


class ClusterTree:
    """Paths, credentials and child specs of one cluster built from a ClusterConfig."""

    def __init__(self, config: ClusterConfig, credentials: Credentials | None = None, *,
                 batch_period: float = 0.0) -> None:
        self.config = config
        self.batch_period = batch_period
        self.credentials = credentials or Credentials(
            nodes={node.name: _token() for node in config.nodes})
        etcd = config.etcd
        self.etcd = EtcdCluster(list(etcd.members), parent_path="/cluster/etcd",
                                options=MemberOptions(
                                    tick=etcd.tick, election_tick=etcd.election_ticks,
                                    heartbeat_tick=etcd.heartbeat_ticks,
                                    snapshot_threshold=etcd.snapshot_entries,
                                    pre_vote=etcd.pre_vote, check_quorum=etcd.check_quorum,
                                    progress_notify_interval=5.0))
        self.images = image_catalog(config.images)
        #: connections kube-proxies balanced onto pods, which their kubelets bill as CPU
        self.traffic = Traffic()
        self.apiserver_path = "/cluster/control-plane/apiserver"
        self.metrics_server_path = "/cluster/control-plane/metrics-server"
        self.system: ActorSystem | None = None
        #: more children of the control plane, started last (the HTTP front of the API)
        self.control_plane_extras: list[ChildSpec] = []
        #: the NetworkPolicies (and, while any exist, pods and namespaces) every kube-proxy
        #: enforces, kept by /cluster/network-policy
        self.policies: PolicyWatch | None = None

    # -- lookups -----------------------------------------------------------------------------
    def apiserver(self) -> ActorRef:
        assert self.system is not None
        ref = self.system.lookup(self.apiserver_path)
        if ref is None:
            raise RuntimeError("the apiserver is not running")
        return ref

    def kubelet_path(self, node: str) -> str:
        return f"/cluster/nodes/{node}/kubelet"

    def kube_proxy_path(self, node: str) -> str:
        return f"/cluster/nodes/{node}/kube-proxy"

    def kubelet(self, node: str) -> ActorRef | None:
        """The kubelet of `node` (None: no such node, or its kubelet is not running)."""
        assert self.system is not None
        return self.system.lookup(self.kubelet_path(node))

    # -- specs -------------------------------------------------------------------------------
    def spec(self, system: ActorSystem) -> ChildSpec:
        self.system = system
        return ChildSpec("cluster", lambda: Supervisor([
            self.etcd.spec(),
            self._control_plane(),
            self._network_policy(),
            self._nodes(),
        ], SUPERVISOR), shutdown=math.inf)

    def _network_policy(self) -> ChildSpec:
        """The agent whose caches every node's dataplane enforces NetworkPolicies from."""
        def agent() -> NetworkPolicyAgent:
            if self.policies is None:  # one for the tree: the kube-proxies keep reading it
                self.policies = PolicyWatch(self.apiserver(), self.credentials.kube_proxy)
            return NetworkPolicyAgent(self.policies)

        return ChildSpec("network-policy", agent, host="control-plane")

    def _apiserver_config(self) -> ApiServerConfig:
        config = self.config
        creds = self.credentials
        namespace, account = METRICS_SERVER_ACCOUNT
        users = [TokenUser("kactors-admin", creds.admin, ("system:masters",)),
                 TokenUser("system:kube-scheduler", creds.scheduler),
                 TokenUser("system:kube-controller-manager", creds.controller_manager),
                 TokenUser("system:kube-proxy", creds.kube_proxy),
                 TokenUser(f"{SERVICE_ACCOUNT_USER_PREFIX}{namespace}:{account}",
                           creds.metrics_server,
                           (SERVICE_ACCOUNTS_GROUP, f"{SERVICE_ACCOUNTS_GROUP}:{namespace}")),
                 TokenUser(f"{SERVICE_ACCOUNT_USER_PREFIX}{INGRESS_NGINX_ACCOUNT[0]}:"
                           f"{INGRESS_NGINX_ACCOUNT[1]}", creds.ingress_nginx,
                           (SERVICE_ACCOUNTS_GROUP,
                            f"{SERVICE_ACCOUNTS_GROUP}:{INGRESS_NGINX_ACCOUNT[0]}")),
                 *(TokenUser(u.name, str(u.token), tuple(u.groups))
                   for u in config.apiserver.users)]
        return ApiServerConfig(
            users=tuple(users), node_tokens=dict(creds.nodes),
            anonymous=config.apiserver.anonymous,
            watch_cache_size=config.apiserver.watch_cache_size,
            service_cidr=config.apiserver.service_cidr, pod_logs=self._pod_logs,
            aggregated=self._metrics if config.metrics_server.enabled else None,
            pod_exec=self._pod_exec,
            # pods must name an existing ServiceAccount only where something creates them
            service_account_admission="serviceaccount" in config.controllers.enabled,
            # kind's default class, where its (simulated) provisioner runs
            bootstrap_objects=(standard_storage_class(),)
            if "persistentvolume-binder" in config.controllers.enabled else ())

    def _kubelet_of(self, pod: dict[str, Any]) -> ActorRef | None:
        """The kubelet of the node `pod` is bound to (None: unbound, or no such kubelet)."""
        node = (pod.get("spec") or {}).get("nodeName")
        return self.kubelet(node) if node else None

    async def _pod_logs(self, ctx: Any, pod: dict[str, Any], options: Any) -> Any:
        """pods/log: the apiserver asks the kubelet of the pod's node."""
        ref = self._kubelet_of(pod)
        if ref is None:
            return None
        meta = pod["metadata"]
        tail = options.get("tailLines")
        return await ctx.remote(ref).ask(GetLogs(
            meta["namespace"], meta["name"], options.get("container"),
            int(tail) if tail not in (None, "") else None,
            str(options.get("previous", "")).lower() == "true"), timeout=5.0)

    async def _metrics(self, ctx: Any, request: AggregatedRequest) -> Any:
        """metrics.k8s.io: the apiserver hands the request to metrics-server (None: it
        does not answer, which the apiserver reports as 503)."""
        assert self.system is not None
        ref = self.system.lookup(self.metrics_server_path)
        if ref is None:
            return None
        try:
            return await ctx.remote(ref).ask(request, timeout=10.0)
        except (AskTimeout, ActorStopped):
            return None

    def _metrics_server(self) -> list[ChildSpec]:
        section = self.config.metrics_server
        if not section.enabled:
            return []
        return [ChildSpec("metrics-server", lambda: MetricsServer(
            self.apiserver(), self.credentials.metrics_server, self.kubelet,
            resolution=section.metric_resolution), host="control-plane")]

    def _ingress_controller(self) -> list[ChildSpec]:
        """ingress-nginx (if enabled); it hands connections to the first node's kube-proxy."""
        section = self.config.ingress
        if not section.enabled:
            return []
        nodes = self.config.nodes

        def proxy() -> ActorRef | None:
            assert self.system is not None
            return self.system.lookup(self.kube_proxy_path(nodes[0].name)) if nodes else None

        return [ChildSpec("ingress-nginx", lambda: IngressController(
            self.apiserver(), self.credentials.ingress_nginx, proxy,
            class_name=section.class_name, default_class=section.default_class,
            address=section.address), host="control-plane")]

    async def _pod_exec(self, ctx: Any, pod: dict[str, Any], container: str) -> Any:
        """pods/exec: the apiserver asks the kubelet of the pod's node for the container's
        view, handed to the apiserver as its ExecTarget (or the kubelet's refusal)."""
        ref = self._kubelet_of(pod)
        if ref is None:
            return None
        meta = pod["metadata"]
        view = await ctx.remote(ref).ask(
            GetExecView(meta["namespace"], meta["name"], container), timeout=5.0)
        return ContainerSession(view) if isinstance(view, ContainerView) else view

    def _control_plane(self) -> ChildSpec:
        api_config = self._apiserver_config()
        etcd_refs = self.etcd.refs

        def apiserver() -> ApiServer:
            assert self.system is not None
            return ApiServer(api_config, lambda: etcd_refs(self.system))

        children = [
            ChildSpec("apiserver", apiserver, host="control-plane",
                      mailbox_capacity=1_000_000),
            self._controller_manager(),
            ChildSpec("scheduler", lambda: Scheduler(SchedulerOptions(
                apiserver=self.apiserver(), token=self.credentials.scheduler,
                weights=dict(self.config.scheduler.weights),
                percentage_of_nodes_to_score=self.config.scheduler.percentage_of_nodes_to_score
            )), host="control-plane", mailbox_capacity=1_000_000),
            *self._metrics_server(),
            *self._ingress_controller(),
            *self.control_plane_extras,
        ]
        return ChildSpec("control-plane", lambda: Supervisor(children, CONTROL_PLANE),
                         shutdown=math.inf, host="control-plane")

    def _controller_manager(self) -> ChildSpec:
        token = self.credentials.controller_manager
        children = [ChildSpec("informers", lambda: InformerFactory(self.apiserver, token),
                              mailbox_capacity=1_000_000)]
        for name in self.config.controllers.enabled:
            cls = CONTROLLER_CLASSES.get(name)
            if cls is None:
                continue
            workers = self.config.controllers.workers.get(name, cls.workers)

            def factory(cls: Any = cls, workers: int = workers) -> Any:
                assert self.system is not None
                informers = self.system.lookup("/cluster/control-plane/controller-manager/"
                                               "informers")
                controller = cls(ControllerConfig(self.apiserver(), informers, token))
                controller.workers = workers
                if isinstance(controller, NodeLifecycleController):
                    controller.grace_period = self.config.controllers.node_monitor_grace_period
                if isinstance(controller, EndpointSliceController):
                    controller.max_endpoints_per_slice = \
                        self.config.controllers.max_endpoints_per_slice
                if self.batch_period:
                    controller.batch_period = self.batch_period
                return controller

            children.append(ChildSpec(name, factory, mailbox_capacity=1_000_000))
        return ChildSpec("controller-manager", lambda: Supervisor(children, CONTROL_PLANE),
                         shutdown=math.inf)

    def unavailable_controllers(self) -> list[str]:
        return [name for name in self.config.controllers.enabled
                if name not in CONTROLLER_CLASSES]

    def _nodes(self) -> ChildSpec:
        # one expansion of the node groups (a node's index is its place in it)
        specs = [self.node_spec(node, i) for i, node in enumerate(self.config.nodes)]

        class Nodes(DynamicSupervisor):
            async def started(inner) -> None:  # noqa: N805 - the supervisor instance
                for spec in specs:
                    inner.specs[spec.name] = spec
                    await inner.ctx.start_child(spec)

        return ChildSpec("nodes", lambda: Nodes(SUPERVISOR), shutdown=math.inf)

    def node_spec(self, node: NodeSpec, index: int | None = None) -> ChildSpec:
        position = index if index is not None else \
            [n.name for n in self.config.nodes].index(node.name)
        config = NodeSpecConfig(
            name=node.name, cpu=str(node.cpu), memory=str(node.memory), pods=node.pods,
            labels=dict(node.labels),
            taints=tuple({"key": t.key, "value": t.value, "effect": t.effect}
                         for t in node.taints),
            pod_cidr=node.pod_cidr, host_ip=f"10.0.{position // 250}.{position % 250 + 2}")
        token = self.credentials.nodes[node.name]
        proxy_token = self.credentials.kube_proxy
        images = self.images
        service_ip = first_service_ip(self.config.apiserver.service_cidr)

        def kubelet() -> Kubelet:
            return Kubelet(config, self.apiserver(), token, images,
                           kubernetes_service_ip=service_ip, traffic=self.traffic)

        def proxy() -> KubeProxy:
            return KubeProxy(node.name, self.apiserver(), proxy_token, netpol=self.policies,
                             traffic=self.traffic)

        return ChildSpec(node.name, lambda: Supervisor([
            ChildSpec("kubelet", kubelet, mailbox_capacity=1_000_000),
            ChildSpec("kube-proxy", proxy, mailbox_capacity=1_000_000),
        ], SUPERVISOR), host=node.name, shutdown=math.inf)
