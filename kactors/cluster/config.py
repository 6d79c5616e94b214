"""The typed, validated form of a cluster.toml: what ``kactors run`` builds a cluster from.

Every class is a frozen attrs record with defaults, so an empty file is a working cluster
(3 etcd members, 3 nodes, all controllers, virtual time) and a test can build a config in
code with just the fields it cares about. Records hold plain data only; the loader
(:mod:`kactors.cluster.loader`) is where TOML is checked, and the actors that consume a
record interpret it. Section classes are named after their TOML section (``[etcd]`` ->
:class:`EtcdSection`) so they are not confused with the runtime configs of the
components they feed (``kactors.apiserver.ApiServerConfig``...).

Durations are seconds of *cluster* time (virtual by default) as floats. Mappings are
read-only views; secrets are :class:`~kactors.actors.Secret` and kept out of ``repr``.
"""

from __future__ import annotations

import ipaddress
import types
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

import attrs

from kactors.actors import Secret
from kactors.api.quantity import Quantity

__all__ = [
    "ACTION_VERBS",
    "CONTROLLERS",
    "DEFAULT_WORKERS",
    "SCHEDULER_PLUGINS",
    "TAINT_EFFECTS",
    "Action",
    "ApiServerSection",
    "ApplyAction",
    "ClusterConfig",
    "ClusterSection",
    "ControllersSection",
    "CrashNodeAction",
    "DeleteAction",
    "EtcdSection",
    "HealAction",
    "IngressSection",
    "ImageConfig",
    "IsolateNodeAction",
    "LogSection",
    "MetricsServerSection",
    "NodeGroup",
    "NodeSpec",
    "RequestAction",
    "RestartNodeAction",
    "ScaleAction",
    "SchedulerSection",
    "SetImageAction",
    "Taint",
    "User",
    "expand_node_groups",
]

Clock = Literal["virtual", "real"]
Readiness = Literal["ready", "never", "flapping"]
TaintEffect = Literal["NoSchedule", "PreferNoSchedule", "NoExecute"]
LogFormat = Literal["console", "json"]

#: Built-in controllers, in the order the controller-manager starts them.
CONTROLLERS: tuple[str, ...] = (
    "deployment",
    "replicaset",
    "endpoints",
    "endpointslice",
    "endpointslicemirroring",
    "namespace",
    "garbagecollector",
    "serviceaccount",
    "serviceaccount-token",
    "root-ca-cert-publisher",
    "job",
    "ttl-after-finished",
    "daemonset",
    "statefulset",
    "nodelifecycle",
    "disruption",
    "cronjob",
    "resourcequota",
    "persistentvolume-binder",
    "horizontalpodautoscaling",
)

#: Workers per controller: kube-controller-manager's ``--concurrent-*-syncs`` defaults.
DEFAULT_WORKERS: Mapping[str, int] = types.MappingProxyType(
    {
        "deployment": 5,
        "replicaset": 5,
        "endpoints": 5,
        "endpointslice": 5,
        "endpointslicemirroring": 5,
        "namespace": 10,
        "garbagecollector": 20,
        "serviceaccount": 1,
        "serviceaccount-token": 5,
        "root-ca-cert-publisher": 1,
        "job": 5,
        "ttl-after-finished": 5,
        "daemonset": 2,
        "statefulset": 5,
        "nodelifecycle": 1,
        "disruption": 1,
        "cronjob": 5,
        "resourcequota": 5,
        "persistentvolume-binder": 5,
        "horizontalpodautoscaling": 5,
    }
)

#: Score plugins and their default weights (kube-scheduler's default profile).
SCHEDULER_PLUGINS: Mapping[str, int] = types.MappingProxyType(
    {
        "NodeResourcesFit": 1,
        "NodeResourcesBalancedAllocation": 1,
        "NodeAffinity": 2,
        "TaintToleration": 3,
    }
)

TAINT_EFFECTS: tuple[str, ...] = ("NoSchedule", "PreferNoSchedule", "NoExecute")

#: The keys that say what an ``[[actions]]`` entry does; exactly one per entry.
ACTION_VERBS: tuple[str, ...] = (
    "apply",
    "delete",
    "scale",
    "set_image",
    "crash_node",
    "isolate_node",
    "heal",
    "restart_node",
    "connect",
    "request",
    "drain",
    "uncordon",
)


def _frozen_map(value: Mapping[str, object]) -> Mapping[str, object]:
    """A read-only copy: a frozen record must not be changed through its mappings."""
    return types.MappingProxyType(dict(value))


def _map_field(default: Mapping[str, object] | None = None) -> Mapping[str, object]:
    initial = dict(default or {})
    return attrs.field(
        factory=lambda: types.MappingProxyType(dict(initial)),
        converter=_frozen_map,
        hash=False,  # a mapping view is not hashable; the other fields identify a record
    )


# -- [cluster] ---------------------------------------------------------------------------


@attrs.frozen
class ClusterSection:
    """``[cluster]``: the run as a whole."""

    #: the cluster's name (an RFC 1123 label), shown in logs
    name: str = "kactors"
    #: seeds every random choice (election timeouts, network faults, names, jitter):
    #: the same seed tells the same story
    seed: int = 1
    #: "virtual": time jumps to the next timer, an hour runs in a moment;
    #: "real": time follows the wall clock, sped up by ``rate``
    clock: Clock = "virtual"
    #: real-clock speed-up (2.0: one wall second is two cluster seconds)
    rate: float = 1.0
    #: seconds of cluster time to run before stopping
    duration: float = 60.0
    #: serve the Kubernetes REST API over HTTP on this port (0: any free port); None: don't
    api_port: int | None = None
    #: the address the HTTP API listens on
    api_address: str = "127.0.0.1"


# -- [etcd] ------------------------------------------------------------------------------


@attrs.frozen
class EtcdSection:
    """``[etcd]``: the Raft group that stores the cluster state (timings as in etcd)."""

    #: member names; a majority must be up for the cluster to make progress
    members: tuple[str, ...] = ("etcd-1", "etcd-2", "etcd-3")
    #: seconds per Raft tick (etcd's --heartbeat-interval is 100 ms)
    tick: float = 0.1
    #: ticks without a leader before a follower campaigns (randomized up to 2x)
    election_ticks: int = 10
    #: ticks between a leader's heartbeats; less than ``election_ticks``
    heartbeat_ticks: int = 1
    #: applied entries between snapshots (and log compactions)
    snapshot_entries: int = 10_000
    #: ask for votes before campaigning, so a rejoining member cannot disrupt a leader
    pre_vote: bool = True
    #: a leader steps down when it has not heard from a quorum for an election timeout
    check_quorum: bool = True


# -- [apiserver] -------------------------------------------------------------------------


@attrs.frozen
class User:
    """``[[apiserver.users]]``: a static bearer token, like ``--token-auth-file``."""

    name: str
    #: never shown: not in repr, and a :class:`Secret` renders as [REDACTED] in logs
    token: Secret = attrs.field(repr=False, converter=Secret)
    groups: tuple[str, ...] = attrs.field(default=(), converter=tuple)


@attrs.frozen
class ApiServerSection:
    """``[apiserver]``: who may talk to the cluster and how the apiserver caches."""

    users: tuple[User, ...] = attrs.field(default=(), converter=tuple)
    #: requests without a token are served as ``system:anonymous``
    anonymous: bool = True
    #: watch events kept per resource so a watch can resume from an older revision
    watch_cache_size: int = 4096
    #: the range ClusterIPs of Services are allocated from
    service_cidr: str = "10.96.0.0/12"


# -- [[nodes]] ---------------------------------------------------------------------------


@attrs.frozen
class Taint:
    """A node taint: pods without a matching toleration are kept away."""

    key: str
    effect: TaintEffect
    value: str = ""


@attrs.frozen
class NodeGroup:
    """``[[nodes]]``: ``count`` identical nodes named ``<name>-1`` .. ``<name>-<count>``."""

    name: str = "node"
    count: int = 1
    #: allocatable cpu of each node
    cpu: Quantity = Quantity.parse("2")
    #: allocatable memory of each node
    memory: Quantity = Quantity.parse("4Gi")
    #: most pods a node runs at once
    pods: int = 110
    labels: Mapping[str, str] = _map_field()
    taints: tuple[Taint, ...] = attrs.field(default=(), converter=tuple)
    #: the group's pod IP range, split into a /24 per node (one node: the whole range);
    #: None: node number i of the cluster (from 0) gets 10.244.<i>.0/24
    pod_cidr: str | None = None

    def node_names(self) -> tuple[str, ...]:
        return tuple(f"{self.name}-{number}" for number in range(1, self.count + 1))


@attrs.frozen
class NodeSpec:
    """One node of the cluster, as its kubelet will register it."""

    name: str
    group: str
    cpu: Quantity
    memory: Quantity
    pods: int
    labels: Mapping[str, str] = _map_field()
    taints: tuple[Taint, ...] = ()
    pod_cidr: str = ""


DEFAULT_POD_NETWORK = ipaddress.IPv4Network("10.244.0.0/16")


def node_pod_cidrs(group: NodeGroup, first_index: int) -> tuple[str, ...]:
    """The pod CIDR of each node of ``group``, whose first node is cluster node ``first_index``.

    Assumes a validated group (the loader checks that its range is big enough).
    """
    if group.pod_cidr is None:
        subnets = list(DEFAULT_POD_NETWORK.subnets(new_prefix=24))
        return tuple(str(subnets[first_index + i]) for i in range(group.count))
    network = ipaddress.ip_network(group.pod_cidr)
    if group.count == 1:
        return (str(network),)
    subnets = network.subnets(new_prefix=24)
    return tuple(str(next(subnets)) for _ in range(group.count))


def expand_node_groups(groups: tuple[NodeGroup, ...]) -> tuple[NodeSpec, ...]:
    """Every node of every group, in file order, with its name and pod CIDR."""
    nodes: list[NodeSpec] = []
    for group in groups:
        cidrs = node_pod_cidrs(group, len(nodes))
        for name, cidr in zip(group.node_names(), cidrs, strict=True):
            nodes.append(
                NodeSpec(name, group.name, group.cpu, group.memory, group.pods, group.labels,
                         group.taints, cidr)
            )
    return tuple(nodes)


DEFAULT_NODE_GROUPS: tuple[NodeGroup, ...] = (NodeGroup(name="node", count=3),)


# -- [images."name"] ---------------------------------------------------------------------


@attrs.frozen
class ImageConfig:
    """``[images."nginx:1.27"]``: how the simulated container runtime plays an image.

    Keyed by the image reference exactly as pod specs write it; a key not given keeps the
    image's built-in behaviour (kactors.node.images: nginx, redis, busybox...), else a
    well-behaved server's. Times are cluster seconds, each stretched by a seeded random
    factor in ``[1 - spread, 1 + spread]``.
    """

    #: seconds to pull the image onto a node (once per node; then it is cached); None: the
    #: image's own (1 s for an image kactors does not know)
    pull_time: float | None = None
    #: seconds from "container created" to "running"; None: the image's own (0.5 s)
    start_time: float | None = None
    #: the process exits on its own after this many seconds (a Job's work); None: never
    run_time: float | None = None
    #: the exit code when the process ends: after ``run_time`` (default 0) or when it
    #: crashes after ``crash_after`` (default 1); see :attr:`exit_status`
    exit_code: int | None = None
    #: the process crashes this many seconds after starting: CrashLoopBackOff material
    crash_after: float | None = None
    #: memory the process uses once running (None: negligible); above the container's
    #: memory limit it is OOMKilled
    memory: Quantity | None = None
    #: seconds the process takes to grow to ``memory`` (linearly; None: the image's own,
    #: 5 s for most)
    memory_ramp: float | None = None
    #: CPU the running process uses ("5m"; None: the image's built-in figure), as
    #: ``kubectl top`` shows it, capped at the container's CPU limit
    cpu: Quantity | None = None
    #: CPU time each connection kube-proxy balances onto the pod costs it ("20m": 20 ms
    #: of one core; None: the image's built-in figure, 0 for most), on top of ``cpu``:
    #: what makes a load generator (a ``connect`` action with a ``rate``) drive an HPA
    cpu_per_request: Quantity | None = None
    #: seconds after start before the readiness probe first passes
    ready_after: float = 0.0
    #: "ready": ready after ``ready_after``; "never": never ready; "flapping": alternates
    readiness: Readiness = "ready"
    #: the liveness probe starts failing this many seconds after start (the kubelet then
    #: restarts the container); None: always live
    liveness_fails_after: float | None = None
    #: the registry does not have the image: pulls fail (ErrImagePull, ImagePullBackOff)
    missing: bool = False
    #: lines the container prints when it starts (served by ``kubectl logs``)
    logs: tuple[str, ...] = attrs.field(default=(), converter=tuple)
    #: relative random jitter of every time above, from 0 (exact) to 1; None: the image's
    #: own (10%)
    spread: float | None = None

    @property
    def exit_status(self) -> int | None:
        """The code the process ends with, or None if it runs forever."""
        if self.crash_after is not None:
            return 1 if self.exit_code is None else self.exit_code
        if self.run_time is not None:
            return 0 if self.exit_code is None else self.exit_code
        return None


# -- [controllers], [scheduler], [log] ---------------------------------------------------


@attrs.frozen
class ControllersSection:
    """``[controllers]``: which built-in controllers run, with how many workers each."""

    enabled: tuple[str, ...] = attrs.field(default=CONTROLLERS, converter=tuple)
    #: workers of every controller (enabled or not), defaults from DEFAULT_WORKERS
    workers: Mapping[str, int] = _map_field(DEFAULT_WORKERS)
    #: seconds without a Lease renewal before a node is marked Unknown and tainted
    #: unreachable (kube-controller-manager's --node-monitor-grace-period)
    node_monitor_grace_period: float = 40.0
    #: endpoints per EndpointSlice before the EndpointSlice controller starts another
    #: (kube-controller-manager's --max-endpoints-per-slice, 1..1000)
    max_endpoints_per_slice: int = 100


@attrs.frozen
class SchedulerSection:
    """``[scheduler]``: how nodes are scored once filtered."""

    #: score plugin -> weight (0 switches the plugin's score off)
    weights: Mapping[str, int] = _map_field(SCHEDULER_PLUGINS)
    #: share of feasible nodes to score; 0: adaptive, as kube-scheduler does
    percentage_of_nodes_to_score: int = 0


@attrs.frozen
class MetricsServerSection:
    """``[metrics_server]``: the resource metrics API behind ``kubectl top``.

    On by default, as in most clusters people meet (managed ones, minikube's addon): it
    costs one scrape round per ``metric_resolution`` and nothing per pod operation.
    """

    #: run metrics-server (a scrape of every kubelet each ``metric_resolution``) and
    #: serve ``metrics.k8s.io``; off: ``kubectl top`` gets 503 ServiceUnavailable
    enabled: bool = True
    #: seconds between scrapes (metrics-server's ``--metric-resolution``; at least 10)
    metric_resolution: float = 15.0


@attrs.frozen
class IngressSection:
    """``[ingress]``: an ingress controller like ingress-nginx, and its IngressClass.

    Off by default, as in kind, kubeadm and minikube clusters (``minikube addons enable
    ingress``): Ingresses are stored and validated either way, but nothing serves them
    until a controller runs; off, it costs nothing.
    """

    #: run the controller (``/cluster/control-plane/ingress-nginx``); it creates its
    #: IngressClass, serves the Ingresses of that class and answers ``request`` actions
    enabled: bool = False
    #: the IngressClass it creates and serves (controller ``k8s.io/ingress-nginx``)
    class_name: str = "nginx"
    #: annotate that class ``ingressclass.kubernetes.io/is-default-class: "true"``, so
    #: Ingresses created without a class get it (the chart's ``ingressClassResource.default``)
    default_class: bool = False
    #: the address it writes into ``status.loadBalancer.ingress`` (its LoadBalancer IP)
    address: str = "172.18.255.200"


@attrs.frozen
class LogSection:
    """``[log]``: what the narration looks like."""

    #: "console": aligned lines for people; "json": one JSON object per line for tools
    format: LogFormat = "console"
    #: debug, info, warning, error, critical or off
    level: str = "info"
    #: event-name prefixes to show (["pod.", "deployment."]); empty: every event
    filters: tuple[str, ...] = attrs.field(default=(), converter=tuple)
    #: also log every message delivered between actors (very verbose)
    trace_messages: bool = False


# -- [[actions]] -------------------------------------------------------------------------


@attrs.frozen
class ApplyAction:
    """``apply = "path"``: ``kubectl apply -f`` at time ``at``."""

    at: float
    path: Path
    #: for namespaced objects that name no namespace
    namespace: str = "default"


@attrs.frozen
class DeleteAction:
    """``delete = "kind/name"``: ``kubectl delete kind/name``."""

    at: float
    #: as typed after ``kubectl delete``: "deployment", "pods", "svc"...
    resource: str
    name: str
    namespace: str = "default"


@attrs.frozen
class ScaleAction:
    """``scale = "deployment/name"`` + ``replicas``: ``kubectl scale``."""

    at: float
    resource: str
    name: str
    replicas: int
    namespace: str = "default"


@attrs.frozen
class SetImageAction:
    """``set_image = "deployment/name"`` + ``container`` + ``image``: ``kubectl set image``."""

    at: float
    resource: str
    name: str
    container: str
    image: str
    namespace: str = "default"


@attrs.frozen
class CrashNodeAction:
    """``crash_node = "name"``: the host (a node or an etcd member) stops, losing memory."""

    at: float
    node: str


@attrs.frozen
class IsolateNodeAction:
    """``isolate_node = "name"``: a network partition cuts the host off from all others."""

    at: float
    node: str


@attrs.frozen
class HealAction:
    """``heal = true``: every network partition is repaired."""

    at: float


@attrs.frozen
class RestartNodeAction:
    """``restart_node = "name"``: a crashed host boots again."""

    at: float
    node: str


@attrs.frozen
class DrainAction:
    """``drain = "node"``: ``kubectl drain node --ignore-daemonsets --delete-emptydir-data
    --force``: cordon it, then evict its pods, retrying those a PodDisruptionBudget
    protects, until all are gone."""

    at: float
    node: str


@attrs.frozen
class UncordonAction:
    """``uncordon = "node"``: ``kubectl uncordon``: pods may be scheduled there again."""

    at: float
    node: str


@attrs.frozen
class ConnectAction:
    """``connect = "namespace/service"`` + ``port`` (+ ``count``, ``from_node``,
    ``from_pod``): simulated connections through a node's kube-proxy, each logged with the
    pod it lands on (or the NetworkPolicy that refused it).

    With ``rate`` and ``duration`` instead of ``count``: a load generator, ``rate``
    connections a second for ``duration`` seconds, in the background (later actions run
    on time); each costs the pod it lands on its image's ``cpu_per_request``, which
    ``kubectl top`` and the HorizontalPodAutoscaler see."""

    at: float
    service: str
    port: int
    count: int = 1
    from_node: str | None = None
    #: the source: a pod (``"namespace/name"``, or ``"namespace/label=value"`` for the first
    #: pod with that label); None: a client outside the cluster
    from_pod: str | None = None
    rate: float | None = None
    duration: float = 0.0


@attrs.frozen
class RequestAction:
    """``request = "host/path"`` (+ ``count``): simulated HTTP requests to the ingress
    controller, each logged with the Service and pod that answered (or 404)."""

    at: float
    url: str
    count: int = 1


Action = (
    ConnectAction
    | RequestAction
    | ApplyAction
    | DeleteAction
    | ScaleAction
    | SetImageAction
    | CrashNodeAction
    | IsolateNodeAction
    | HealAction
    | RestartNodeAction
    | DrainAction
    | UncordonAction
)


# -- the whole file ----------------------------------------------------------------------


@attrs.frozen
class ClusterConfig:
    """A whole cluster.toml. ``ClusterConfig()`` is the default cluster."""

    cluster: ClusterSection = ClusterSection()
    etcd: EtcdSection = EtcdSection()
    apiserver: ApiServerSection = ApiServerSection()
    #: ``[[nodes]]`` as written; see :attr:`nodes` for the individual nodes
    node_groups: tuple[NodeGroup, ...] = attrs.field(default=DEFAULT_NODE_GROUPS,
                                                    converter=tuple)
    #: image reference -> behaviour; unlisted images behave as ``ImageConfig()``
    images: Mapping[str, ImageConfig] = _map_field()
    controllers: ControllersSection = ControllersSection()
    scheduler: SchedulerSection = SchedulerSection()
    metrics_server: MetricsServerSection = MetricsServerSection()
    ingress: IngressSection = IngressSection()
    #: applied in order at time 0 (paths resolved against the TOML file's folder)
    manifests: tuple[Path, ...] = attrs.field(default=(), converter=tuple)
    #: scheduled steps, sorted by ``at`` (ties keep file order)
    actions: tuple[Action, ...] = attrs.field(default=(), converter=tuple)
    log: LogSection = LogSection()
    #: where the config came from, for messages ("examples/cluster.toml")
    source: str = attrs.field(default="<defaults>", eq=False)

    @property
    def nodes(self) -> tuple[NodeSpec, ...]:
        """Every node, named ``<group>-<n>``, in file order."""
        return expand_node_groups(self.node_groups)

    def image(self, name: str) -> ImageConfig:
        """How the image ``name`` behaves (its table, or the defaults)."""
        return self.images.get(name, _DEFAULT_IMAGE)


_DEFAULT_IMAGE = ImageConfig()
