"""Server-side printing: objects and lists as ``meta.k8s.io/v1`` ``Table`` documents.

``kubectl get`` asks for ``application/json;as=Table;v=v1;g=meta.k8s.io`` and prints the
table it gets back: the columns, and how each cell is computed (a pod's STATUS, its
RESTARTS with ``(5m ago)``), are the *server's* choice, made by kube-apiserver's printers
(``pkg/printers/internalversion/printers.go``). This module reproduces those printers for
the kinds kactors serves, as pure functions over plain dicts.

Like kube-apiserver, the server always prints the wide form: every column, the wide-only
ones with ``priority: 1``; kubectl drops priority > 0 columns unless ``-o wide``. (The
request carries nothing that says ``-o wide``, so the ``wide`` argument is accepted and
ignored.) Kinds without a printer get the generic tables Kubernetes uses: built-in kinds
``NAME CREATED AT`` (``rest.NewDefaultTableConvertor``: roles, CRDs...), custom resources
their CRD's ``additionalPrinterColumns`` or else ``NAME AGE`` (apiextensions'
``tableconvertor``). Ages use ``duration.HumanDuration`` (``5s``, ``3m2s``, ``2d5h``).
"""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from kactors.api.autoscaling import hpa_v1_to_v2
from kactors.api.errors import QuantityError, SelectorError
from kactors.api.kinds import METRICS_GROUP, PrinterColumn, ResourceInfo
from kactors.api.labels import selector_from_label_selector
from kactors.api.quantity import Quantity, parse_quantity

__all__ = [
    "format_endpoints",
    "human_duration",
    "jsonpath_values",
    "pod_status_cells",
    "to_table",
    "translate_since",
]

Obj = Mapping[str, Any]
Cell = Any
#: one column: (name, type, description, priority, format)
Column = tuple[str, str, str, int, str]

_NAME_DOC = (
    "Name must be unique within a namespace. Is required when creating resources, although "
    "some resources may allow a client to request the generation of an appropriate name "
    "automatically. Name is primarily intended for creation idempotence and configuration "
    "definition. Cannot be updated. More info: "
    "https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names"
)
_CREATED_DOC = (
    "CreationTimestamp is a timestamp representing the server time when this object was "
    "created. It is not guaranteed to be set in happens-before order across separate "
    "operations. Clients may not set this value. It is represented in RFC3339 form and is "
    "in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: "
    "https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata"
)
_CONTAINERS_DOC = "Names of each container in the template."
_IMAGES_DOC = "Images referenced by each container in the template."


def _col(name: str, doc: str = "", kind: str = "string", priority: int = 0,
         fmt: str = "") -> Column:
    return (name, kind, doc, priority, fmt)


_NAME = _col("Name", _NAME_DOC, fmt="name")
_AGE = _col("Age", _CREATED_DOC)
_WIDE_CONTAINERS = (_col("Containers", _CONTAINERS_DOC, priority=1),
                    _col("Images", _IMAGES_DOC, priority=1))


# -- time ------------------------------------------------------------------------------------

def human_duration(seconds: float) -> str:
    """``duration.HumanDuration``: about 2-3 significant figures (``90s``, ``3m2s``, ``2d5h``)."""
    whole = int(seconds)
    if whole < -1:
        return "<invalid>"
    if whole < 0:
        return "0s"
    if whole < 120:
        return f"{whole}s"
    minutes = whole // 60
    if minutes < 10:
        rest = whole % 60
        return f"{minutes}m{rest}s" if rest else f"{minutes}m"
    if minutes < 180:
        return f"{minutes}m"
    hours = whole // 3600
    if hours < 8:
        rest = minutes % 60
        return f"{hours}h{rest}m" if rest else f"{hours}h"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        rest = hours % 24
        return f"{hours // 24}d{rest}h" if rest else f"{hours // 24}d"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    if hours < 24 * 365 * 8:
        rest = (hours // 24) % 365
        return f"{hours // 24 // 365}y{rest}d" if rest else f"{hours // 24 // 365}y"
    return f"{hours // 24 // 365}y"


def _parse_time(value: Any) -> datetime.datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=datetime.UTC)


def _aware(now: datetime.datetime) -> datetime.datetime:
    return now if now.tzinfo else now.replace(tzinfo=datetime.UTC)


def translate_since(value: Any, now: datetime.datetime) -> str:
    """``translateTimestampSince``: the age of a timestamp, ``<unknown>`` when unset."""
    moment = _parse_time(value)
    if moment is None:
        return "<unknown>"
    return human_duration((_aware(now) - moment).total_seconds())


# -- small formatting helpers (each one of Kubernetes') -----------------------------------------

def _m(obj: Any, *path: str) -> Any:
    """``obj[path0][path1]...`` or None; never raises on odd data."""
    for key in path:
        if not isinstance(obj, Mapping):
            return None
        obj = obj.get(key)
    return obj


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _int(value: Any, default: int = 0) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _format_labels(labels: Any) -> str:
    """``labels.FormatLabels``: ``k=v`` sorted by key, ``<none>`` when empty."""
    if not isinstance(labels, Mapping) or not labels:
        return "<none>"
    return ",".join(f"{k}={labels[k]}" for k in sorted(labels))


def _selector_string(selector: Any) -> str | None:
    try:
        return selector_from_label_selector(selector if isinstance(selector, Mapping)
                                            else None).to_string()
    except (SelectorError, ValueError, TypeError):
        return None


def _format_label_selector(selector: Any) -> str:
    """``metav1.FormatLabelSelector``: ``<none>`` when it selects everything or nothing."""
    text = _selector_string(selector)
    if text is None:
        return "<error>"
    return text or "<none>"


def _containers_of(template_spec: Any) -> tuple[str, str]:
    """``layoutContainerCells``: container names and images, comma-separated."""
    containers = [c for c in _list(_m(template_spec, "containers")) if isinstance(c, Mapping)]
    return (",".join(_str(c.get("name")) for c in containers),
            ",".join(_str(c.get("image")) for c in containers))


def _age(obj: Obj, now: datetime.datetime) -> str:
    return translate_since(_m(obj, "metadata", "creationTimestamp"), now)


def _name(obj: Obj) -> str:
    return _str(_m(obj, "metadata", "name"))


# -- pods ------------------------------------------------------------------------------------

_POD_COLUMNS = (
    _NAME,
    _col("Ready", "The aggregate readiness state of this pod for accepting traffic."),
    _col("Status", "The aggregate status of the containers in this pod."),
    _col("Restarts", "The number of times the containers in this pod have been restarted "
         "and when the last container in this pod has restarted."),
    _AGE,
    _col("IP", "podIP address allocated to the pod. Routable at least within the cluster. "
         "Empty if not yet allocated.", priority=1),
    _col("Node", "NodeName indicates in which node this pod is scheduled.", priority=1),
    _col("Nominated Node", "nominatedNodeName is set only when this pod preempts other pods "
         "on the node, but it cannot be scheduled right away as preemption victims receive "
         "their graceful termination periods.", priority=1),
    _col("Readiness Gates", "If specified, all readiness gates will be evaluated for pod "
         "readiness.", priority=1),
)

_POD_CONDITIONS = {
    "Succeeded": [{"type": "Completed", "status": "True", "reason": "Succeeded",
                   "message": "The pod has completed successfully."}],
    "Failed": [{"type": "Completed", "status": "True", "reason": "Failed",
                "message": "The pod failed."}],
}


def _condition_true(conditions: Any, kind: str) -> bool:
    return any(isinstance(c, Mapping) and c.get("type") == kind and c.get("status") == "True"
               for c in _list(conditions))


def _terminated_reason(terminated: Mapping[str, Any], prefix: str = "") -> str:
    reason = _str(terminated.get("reason"))
    if reason:
        return prefix + reason
    signal = _int(terminated.get("signal"))
    if signal:
        return f"{prefix}Signal:{signal}"
    return f"{prefix}ExitCode:{_int(terminated.get('exitCode'))}"


def _later(current: datetime.datetime | None, status: Mapping[str, Any]
           ) -> datetime.datetime | None:
    """The later of ``current`` and the container's last termination."""
    finished = _parse_time(_m(status, "lastState", "terminated", "finishedAt"))
    if finished is not None and (current is None or finished > current):
        return finished
    return current


def pod_status_cells(pod: Obj, now: datetime.datetime) -> tuple[str, str, str]:
    """READY, STATUS and RESTARTS of a pod, computed as ``printPod`` does."""
    spec, status = pod.get("spec") or {}, pod.get("status") or {}
    phase = _str(status.get("phase"))
    reason = _str(status.get("reason")) or phase
    for condition in _list(status.get("conditions")):
        if (isinstance(condition, Mapping) and condition.get("type") == "PodScheduled"
                and condition.get("reason") == "SchedulingGated"):
            reason = "SchedulingGated"
    init_specs = {c.get("name"): c for c in _list(spec.get("initContainers"))
                  if isinstance(c, Mapping)}
    sidecars = {name for name, c in init_specs.items() if c.get("restartPolicy") == "Always"}
    total = len(_list(spec.get("containers"))) + len(sidecars)
    ready = restarts = sidecar_restarts = 0
    last_restart: datetime.datetime | None = None
    last_sidecar_restart: datetime.datetime | None = None

    initializing = False
    init_statuses = [s for s in _list(status.get("initContainerStatuses"))
                     if isinstance(s, Mapping)]
    for index, container in enumerate(init_statuses):
        state = container.get("state") or {}
        restarts += _int(container.get("restartCount"))
        last_restart = _later(last_restart, container)
        sidecar = container.get("name") in sidecars
        if sidecar:
            sidecar_restarts += _int(container.get("restartCount"))
            last_sidecar_restart = _later(last_sidecar_restart, container)
        terminated, waiting = state.get("terminated"), state.get("waiting")
        if isinstance(terminated, Mapping) and _int(terminated.get("exitCode")) == 0:
            continue
        if sidecar and container.get("started") is True:
            if container.get("ready") is True:
                ready += 1
            continue
        if isinstance(terminated, Mapping):
            reason = _terminated_reason(terminated, "Init:")
        elif (isinstance(waiting, Mapping) and _str(waiting.get("reason"))
              and waiting.get("reason") != "PodInitializing"):
            reason = "Init:" + waiting["reason"]
        else:
            reason = f"Init:{index}/{len(init_specs)}"
        initializing = True
        break

    if not initializing or _condition_true(status.get("conditions"), "Initialized"):
        restarts, last_restart = sidecar_restarts, last_sidecar_restart
        has_running = False
        for container in reversed([s for s in _list(status.get("containerStatuses"))
                                   if isinstance(s, Mapping)]):
            state = container.get("state") or {}
            restarts += _int(container.get("restartCount"))
            last_restart = _later(last_restart, container)
            waiting, terminated = state.get("waiting"), state.get("terminated")
            if isinstance(waiting, Mapping) and _str(waiting.get("reason")):
                reason = waiting["reason"]
            elif isinstance(terminated, Mapping):
                reason = _terminated_reason(terminated)
            elif container.get("ready") is True and isinstance(state.get("running"), Mapping):
                has_running = True
                ready += 1
        if reason == "Completed" and has_running:
            ready_condition = _condition_true(status.get("conditions"), "Ready")
            reason = "Running" if ready_condition else "NotReady"

    deleting = _m(pod, "metadata", "deletionTimestamp") is not None
    if deleting and status.get("reason") == "NodeLost":
        reason = "Unknown"
    elif deleting and phase not in ("Succeeded", "Failed"):
        reason = "Terminating"

    restarts_text = str(restarts)
    if restarts and last_restart is not None:
        ago = human_duration((_aware(now) - last_restart).total_seconds())
        restarts_text = f"{restarts} ({ago} ago)"
    return f"{ready}/{total}", reason, restarts_text


def _print_pod(pod: Obj, now: datetime.datetime) -> list[Cell]:
    spec, status = pod.get("spec") or {}, pod.get("status") or {}
    ready, reason, restarts = pod_status_cells(pod, now)
    pod_ips = [p for p in _list(status.get("podIPs")) if isinstance(p, Mapping)]
    pod_ip = _str(pod_ips[0].get("ip")) if pod_ips else _str(status.get("podIP"))
    gates = [g for g in _list(spec.get("readinessGates")) if isinstance(g, Mapping)]
    gates_text = "<none>"
    if gates:
        conditions = {c.get("type"): c.get("status") for c in _list(status.get("conditions"))
                      if isinstance(c, Mapping)}
        passed = sum(1 for g in gates if conditions.get(g.get("conditionType")) == "True")
        gates_text = f"{passed}/{len(gates)}"
    return [_name(pod), ready, reason, restarts, _age(pod, now), pod_ip or "<none>",
            _str(spec.get("nodeName")) or "<none>",
            _str(status.get("nominatedNodeName")) or "<none>", gates_text]


# -- workloads --------------------------------------------------------------------------------

_DEPLOYMENT_COLUMNS = (
    _NAME, _col("Ready", "Number of the pod with ready state"),
    _col("Up-to-date", "Total number of non-terminated pods targeted by this deployment "
         "that have the desired template spec."),
    _col("Available", "Total number of available pods (ready for at least minReadySeconds) "
         "targeted by this deployment."),
    _AGE, *_WIDE_CONTAINERS,
    _col("Selector", "Label selector for pods. Existing ReplicaSets whose pods are selected "
         "by this will be the ones affected by this deployment.", priority=1),
)


def _print_deployment(obj: Obj, now: datetime.datetime) -> list[Cell]:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    names, images = _containers_of(_m(spec, "template", "spec"))
    selector = _selector_string(spec.get("selector"))
    return [_name(obj), f"{_int(status.get('readyReplicas'))}/{_int(spec.get('replicas'), 1)}",
            _int(status.get("updatedReplicas")), _int(status.get("availableReplicas")),
            _age(obj, now), names, images, "<invalid>" if selector is None else selector]


_REPLICASET_COLUMNS = (
    _NAME,
    _col("Desired", "Replicas is the number of desired replicas.", "integer"),
    _col("Current", "Replicas is the most recently observed number of replicas.", "integer"),
    _col("Ready", "The number of ready replicas for this replica set.", "integer"),
    _AGE, *_WIDE_CONTAINERS,
    _col("Selector", "Selector is a label query over pods that should match the replica "
         "count.", priority=1),
)


def _print_replicaset(obj: Obj, now: datetime.datetime) -> list[Cell]:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    names, images = _containers_of(_m(spec, "template", "spec"))
    return [_name(obj), _int(spec.get("replicas"), 1), _int(status.get("replicas")),
            _int(status.get("readyReplicas")), _age(obj, now), names, images,
            _format_label_selector(spec.get("selector"))]


_DAEMONSET_COLUMNS = (
    _NAME,
    _col("Desired", "The total number of nodes that should be running the daemon pod.",
         "integer"),
    _col("Current", "The number of nodes that are running at least 1 daemon pod and are "
         "supposed to run the daemon pod.", "integer"),
    _col("Ready", "The number of nodes that should be running the daemon pod and have one or "
         "more of the daemon pod running and ready.", "integer"),
    _col("Up-to-date", "The total number of nodes that are running updated daemon pod",
         "integer"),
    _col("Available", "The number of nodes that should be running the daemon pod and have "
         "one or more of the daemon pod running and available.", "integer"),
    _col("Node Selector", "NodeSelector is a selector which must be true for the pod to fit "
         "on a node."),
    _AGE, *_WIDE_CONTAINERS,
    _col("Selector", "A label query over pods that are managed by the daemon set.",
         priority=1),
)


def _print_daemonset(obj: Obj, now: datetime.datetime) -> list[Cell]:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    template_spec = _m(spec, "template", "spec")
    names, images = _containers_of(template_spec)
    return [_name(obj), _int(status.get("desiredNumberScheduled")),
            _int(status.get("currentNumberScheduled")), _int(status.get("numberReady")),
            _int(status.get("updatedNumberScheduled")), _int(status.get("numberAvailable")),
            _format_labels(_m(template_spec, "nodeSelector")), _age(obj, now), names, images,
            _format_label_selector(spec.get("selector"))]


_STATEFULSET_COLUMNS = (_NAME, _col("Ready", "Number of the pod with ready state"), _AGE,
                        *_WIDE_CONTAINERS)


def _print_statefulset(obj: Obj, now: datetime.datetime) -> list[Cell]:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    names, images = _containers_of(_m(spec, "template", "spec"))
    return [_name(obj), f"{_int(status.get('readyReplicas'))}/{_int(spec.get('replicas'), 1)}",
            _age(obj, now), names, images]


_JOB_COLUMNS = (
    _NAME, _col("Status", "Status of the job."),
    _col("Completions", "The number of pods which reached phase Succeeded."),
    _col("Duration", "Time required to complete the job."),
    _AGE, *_WIDE_CONTAINERS,
    _col("Selector", "A label query over pods that should match the pod count.", priority=1),
)


def _job_status(obj: Obj) -> str:
    conditions = _m(obj, "status", "conditions")
    # hasJobCondition looks at the first condition of each type only
    first: dict[str, Any] = {}
    for condition in _list(conditions):
        if isinstance(condition, Mapping):
            first.setdefault(condition.get("type"), condition.get("status"))
    if first.get("Complete") == "True":
        return "Complete"
    if first.get("Failed") == "True":
        return "Failed"
    if _m(obj, "metadata", "deletionTimestamp") is not None:
        return "Terminating"
    if first.get("Suspended") == "True":
        return "Suspended"
    if first.get("FailureTarget") == "True":
        return "FailureTarget"
    return "Running"


def _print_job(obj: Obj, now: datetime.datetime) -> list[Cell]:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    succeeded = _int(status.get("succeeded"))
    completions = spec.get("completions")
    if isinstance(completions, int) and not isinstance(completions, bool):
        done = f"{succeeded}/{completions}"
    else:
        parallelism = _int(spec.get("parallelism"))
        done = f"{succeeded}/1 of {parallelism}" if parallelism > 1 else f"{succeeded}/1"
    start, end = _parse_time(status.get("startTime")), _parse_time(status.get("completionTime"))
    took = ""
    if start is not None:
        took = human_duration(((end or _aware(now)) - start).total_seconds())
    names, images = _containers_of(_m(spec, "template", "spec"))
    return [_name(obj), _job_status(obj), done, took, _age(obj, now), names, images,
            _format_label_selector(spec.get("selector"))]


_CRONJOB_COLUMNS = (
    _NAME, _col("Schedule", "The schedule in Cron format, see "
                "https://en.wikipedia.org/wiki/Cron."),
    _col("Timezone", "The time zone name for the given schedule, see "
                     "https://en.wikipedia.org/wiki/List_of_tz_database_time_zones."),
    _col("Suspend", "This flag tells the controller to suspend subsequent executions, it "
                    "does not apply to already started executions.", kind="boolean"),
    _col("Active", "A list of pointers to currently running jobs.", kind="integer"),
    _col("Last Schedule", "Information when was the last time the job was successfully "
                          "scheduled."),
    _AGE, *_WIDE_CONTAINERS,
    _col("Selector", "A label query over pods that should match the pod count.", priority=1),
)


def _print_cronjob(obj: Obj, now: datetime.datetime) -> list[Cell]:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    last = status.get("lastScheduleTime")
    suspend = spec.get("suspend")
    job_spec = _m(spec, "jobTemplate", "spec") or {}
    names, images = _containers_of(_m(job_spec, "template", "spec"))
    return [_name(obj), _str(spec.get("schedule")), _str(spec.get("timeZone")) or "<none>",
            "<unset>" if not isinstance(suspend, bool) else str(suspend),
            len(_list(status.get("active"))), translate_since(last, now) if last else "<none>",
            _age(obj, now), names, images,
            _format_label_selector(job_spec.get("selector"))]


# -- core kinds -------------------------------------------------------------------------------

_SERVICE_COLUMNS = (
    _NAME,
    _col("Type", "type determines how the Service is exposed."),
    _col("Cluster-IP", "clusterIP is the IP address of the service and is usually assigned "
         "randomly."),
    _col("External-IP", "externalIPs is a list of IP addresses for which nodes in the cluster "
         "will also accept traffic for this service."),
    _col("Port(s)", "The list of ports that are exposed by this service."),
    _AGE,
    _col("Selector", "Route service traffic to pods with label keys and values matching this "
         "selector.", priority=1),
)


def _external_ip(spec: Mapping[str, Any], status: Mapping[str, Any]) -> str:
    """``getServiceExternalIP`` (the server prints wide: no clipping)."""
    kind = _str(spec.get("type")) or "ClusterIP"
    external = [ip for ip in _list(spec.get("externalIPs")) if isinstance(ip, str)]
    if kind in ("ClusterIP", "NodePort"):
        return ",".join(external) if external else "<none>"
    if kind == "LoadBalancer":
        ingress = sorted({_str(i.get("ip")) or _str(i.get("hostname"))
                          for i in _list(_m(status, "loadBalancer", "ingress"))
                          if isinstance(i, Mapping)} - {""})
        if external:
            return ",".join([*ingress, *external])
        return ",".join(ingress) if ingress else "<pending>"
    if kind == "ExternalName":
        return _str(spec.get("externalName"))
    return "<unknown>"


def _port_string(ports: Any) -> str:
    pieces = []
    for port in _list(ports):
        if not isinstance(port, Mapping):
            continue
        protocol = _str(port.get("protocol")) or "TCP"
        node_port = _int(port.get("nodePort"))
        if node_port > 0:
            pieces.append(f"{_int(port.get('port'))}:{node_port}/{protocol}")
        else:
            pieces.append(f"{_int(port.get('port'))}/{protocol}")
    return ",".join(pieces)


def _print_service(obj: Obj, now: datetime.datetime) -> list[Cell]:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    cluster_ips = [ip for ip in _list(spec.get("clusterIPs")) if isinstance(ip, str)]
    internal = cluster_ips[0] if cluster_ips else _str(spec.get("clusterIP")) or "<none>"
    return [_name(obj), _str(spec.get("type")) or "ClusterIP", internal,
            _external_ip(spec, status), _port_string(spec.get("ports")) or "<none>",
            _age(obj, now), _format_labels(spec.get("selector"))]


_ENDPOINTS_COLUMNS = (
    _NAME,
    _col("Endpoints", "The set of all endpoints is the union of all subsets."),
    _AGE,
)


def format_endpoints(endpoints: Obj) -> str:
    """``formatEndpoints``: up to three ``ip:port``, then ``+ N more...``."""
    subsets = [s for s in _list(endpoints.get("subsets")) if isinstance(s, Mapping)]
    if not subsets:
        return "<none>"
    shown: list[str] = []
    count, limit, more = 0, 3, False
    for subset in subsets:
        addresses = [_str(a.get("ip")) for a in _list(subset.get("addresses"))
                     if isinstance(a, Mapping)]
        ports = [p for p in _list(subset.get("ports")) if isinstance(p, Mapping)]
        targets: list[list[str]] = (
            [[ip for ip in addresses]] if not ports else
            [[_host_port(ip, _int(p.get("port"))) for ip in addresses] for p in ports])
        for group in targets:
            count += len(group)
            for target in group:
                if len(shown) == limit:
                    more = True
                    break
                shown.append(target)
    text = ",".join(shown)
    return f"{text} + {count - limit} more..." if more else text


def _host_port(ip: str, port: int) -> str:
    return f"[{ip}]:{port}" if ":" in ip else f"{ip}:{port}"


def _print_endpoints(obj: Obj, now: datetime.datetime) -> list[Cell]:
    return [_name(obj), format_endpoints(obj), _age(obj, now)]


_ENDPOINT_SLICE_COLUMNS = (
    _NAME,
    _col("AddressType", "addressType specifies the type of address carried by this "
         "EndpointSlice. All addresses in this slice must be the same type."),
    _col("Ports", "ports specifies the list of network ports exposed by each endpoint in "
         "this slice."),
    _col("Endpoints", "endpoints is a list of unique endpoints in this slice."),
    _AGE,
)


def _list_with_more(items: list[str], count: int, limit: int = 3) -> str:
    """``listWithMoreString``: the first `limit` items, ``+ N more...``, or ``<unset>``."""
    text = ",".join(items[:limit])
    if count > limit:
        return f"{text} + {count - limit} more..."
    return text or "<unset>"


def _print_endpoint_slice(obj: Obj, now: datetime.datetime) -> list[Cell]:
    """``printEndpointSlice``: ports by number (``*`` if unset), addresses of all
    endpoints (``formatDiscoveryPorts``, ``formatDiscoveryEndpoints``)."""
    ports = [p for p in _list(obj.get("ports")) if isinstance(p, Mapping)]
    numbers = [str(p["port"]) if isinstance(p.get("port"), int) else
               _str(p.get("name")) if p.get("name") is not None else "*" for p in ports]
    addresses = [_str(a) for e in _list(obj.get("endpoints")) if isinstance(e, Mapping)
                 for a in _list(e.get("addresses"))]
    return [_name(obj), _str(obj.get("addressType")), _list_with_more(numbers, len(numbers)),
            _list_with_more(addresses, len(addresses)), _age(obj, now)]


_NODE_COLUMNS = (
    _NAME, _col("Status", "The status of the node"), _col("Roles", "The roles of the node"),
    _AGE, _col("Version", "Kubelet Version reported by the node."),
    _col("Internal-IP", "List of addresses reachable to the node.", priority=1),
    _col("External-IP", "List of addresses reachable to the node.", priority=1),
    _col("OS-Image", "OS Image reported by the node from /etc/os-release.", priority=1),
    _col("Kernel-Version", "Kernel Version reported by the node from 'uname -r'.",
         priority=1),
    _col("Container-Runtime", "ContainerRuntime Version reported by the node through runtime "
         "remote API.", priority=1),
)


def _node_address(obj: Obj, kind: str) -> str:
    for address in _list(_m(obj, "status", "addresses")):
        if isinstance(address, Mapping) and address.get("type") == kind:
            return _str(address.get("address"))
    return "<none>"


def _node_roles(obj: Obj) -> str:
    roles: set[str] = set()
    for key, value in (_m(obj, "metadata", "labels") or {}).items():
        if key.startswith("node-role.kubernetes.io/") and key[len("node-role.kubernetes.io/"):]:
            roles.add(key[len("node-role.kubernetes.io/"):])
        elif key == "kubernetes.io/role" and value:
            roles.add(value)
    return ",".join(sorted(roles)) or "<none>"


def _print_node(obj: Obj, now: datetime.datetime) -> list[Cell]:
    states = []
    for condition in _list(_m(obj, "status", "conditions")):
        if isinstance(condition, Mapping) and condition.get("type") == "Ready":
            states = ["Ready" if condition.get("status") == "True" else "NotReady"]
    states = states or ["Unknown"]
    if _m(obj, "spec", "unschedulable") is True:
        states.append("SchedulingDisabled")
    info = _m(obj, "status", "nodeInfo") or {}
    return [_name(obj), ",".join(states), _node_roles(obj), _age(obj, now),
            _str(info.get("kubeletVersion")), _node_address(obj, "InternalIP"),
            _node_address(obj, "ExternalIP"), _str(info.get("osImage")) or "<unknown>",
            _str(info.get("kernelVersion")) or "<unknown>",
            _str(info.get("containerRuntimeVersion")) or "<unknown>"]


_EVENT_COLUMNS = (
    _col("Last Seen", "The time at which the most recent occurrence of this event was "
         "recorded."),
    _col("Type", "Type of this event (Normal, Warning), new types could be added in the "
         "future"),
    _col("Reason", "This should be a short, machine understandable string that gives the "
         "reason for the transition into the object's current status."),
    _col("Object", "The object that this event is about."),
    _col("Subobject", "If referring to a piece of an object instead of an entire object, "
         "this string should contain a valid JSON/Go field access statement.", priority=1),
    _col("Source", "The component reporting this event.", priority=1),
    _col("Message", "A human-readable description of the status of this operation."),
    _col("First Seen", "The time at which the event was first recorded.", priority=1),
    _col("Count", "The number of times this event has occurred.", priority=1),
    _col("Name", _NAME_DOC, priority=1, fmt="name"),
)


def _print_event(obj: Obj, now: datetime.datetime) -> list[Cell]:
    first = translate_since(obj.get("firstTimestamp"), now)
    if _parse_time(obj.get("firstTimestamp")) is None:
        first = translate_since(obj.get("eventTime"), now)
    last = (translate_since(obj.get("lastTimestamp"), now)
            if _parse_time(obj.get("lastTimestamp")) is not None else first)
    count = _int(obj.get("count"))
    series = obj.get("series")
    if isinstance(series, Mapping):
        last = translate_since(series.get("lastObservedTime"), now)
        count = _int(series.get("count"))
    elif count == 0:
        count = 1  # singleton events have no count in the new API
    involved = obj.get("involvedObject") or {}
    kind, name = _str(involved.get("kind")).lower(), _str(involved.get("name"))
    source = obj.get("source") or {}
    component = _str(source.get("component")) or _str(obj.get("reportingComponent"))
    instance = _str(source.get("host")) or _str(obj.get("reportingInstance"))
    return [last, _str(obj.get("type")), _str(obj.get("reason")),
            f"{kind}/{name}" if name else kind, _str(involved.get("fieldPath")),
            f"{component}, {instance}" if instance else component,
            _str(obj.get("message")).strip(), first, count, _name(obj)]


_NAMESPACE_COLUMNS = (_NAME, _col("Status", "The status of the namespace"), _AGE)
_CONFIGMAP_COLUMNS = (_NAME, _col("Data", "Data contains the configuration data."), _AGE)
_SECRET_COLUMNS = (
    _NAME, _col("Type", "Used to facilitate programmatic handling of secret data."),
    _col("Data", "Data contains the secret data."), _AGE,
)
_SERVICEACCOUNT_COLUMNS = (
    _NAME, _col("Secrets", "Secrets is a list of the secrets in the same namespace that pods "
                "running using this ServiceAccount are allowed to use."), _AGE,
)
_LEASE_COLUMNS = (_NAME, _col("Holder", "holderIdentity contains the identity of the holder "
                               "of a current lease."), _AGE)
_QUOTA_COLUMNS = (
    _NAME, _AGE,
    _col("Request", "Request represents a minimum amount of cpu/memory that a container may "
                    "consume."),
    _col("Limit", "Limits control the maximum amount of cpu/memory that a container may use "
                  "independent of contention on the node."),
)


def _print_quota(obj: Obj, now: datetime.datetime) -> list[Cell]:
    """``printResourceQuota``: ``used/hard`` of each capped resource, limits apart."""
    hard = _m(obj, "spec", "hard")
    status = obj.get("status") or {}
    request, limit = [], []
    for name in sorted(hard if isinstance(hard, Mapping) else {}):
        used = (status.get("used") or {}).get(name, "0")
        cap = (status.get("hard") or {}).get(name, "0")
        (limit if name.startswith("limits.") else request).append(f"{name}: {used}/{cap}")
    return [_name(obj), _age(obj, now), ", ".join(request), ", ".join(limit)]


_PRIORITY_CLASS_COLUMNS = (
    _NAME, _col("Value", "Value is the integer value of this priority class.",
                kind="integer"),
    _col("Global-Default", "globalDefault specifies whether this PriorityClass should be "
                           "considered as the default priority.", kind="boolean"),
    _AGE,
    _col("PreemptionPolicy", "PreemptionPolicy is the Policy for preempting pods with lower "
                             "priority."),
)


def _print_priority_class(obj: Obj, now: datetime.datetime) -> list[Cell]:
    value = obj.get("value")
    return [_name(obj), value if isinstance(value, int) else 0,
            obj.get("globalDefault") is True, _age(obj, now),
            _str(obj.get("preemptionPolicy"))]


# -- storage: printPersistentVolume[Claim], printStorageClass ----------------------------------

_ACCESS_MODE_SHORT = (("ReadWriteOnce", "RWO"), ("ReadOnlyMany", "ROX"),
                      ("ReadWriteMany", "RWX"), ("ReadWriteOncePod", "RWOP"))
_VAC_COL = _col("VolumeAttributesClass", "VolumeAttributesClass of the volume")
_VOLUME_MODE_COL = _col("VolumeMode", "The volume mode", priority=1)


def _access_modes(modes: Any) -> str:
    """``GetAccessModesAsString``: short names, always in this order."""
    given = _list(modes)
    return ",".join(short for mode, short in _ACCESS_MODE_SHORT if mode in given)


def _storage_phase(obj: Obj) -> str:
    return "Terminating" if _m(obj, "metadata", "deletionTimestamp") else \
        _str(_m(obj, "status", "phase"))


def _volume_attributes_class(obj: Obj) -> str:
    value = _m(obj, "spec", "volumeAttributesClassName")
    return value if isinstance(value, str) else "<unset>"


def _volume_mode(obj: Obj) -> str:
    value = _m(obj, "spec", "volumeMode")
    return value if isinstance(value, str) else "<unset>"


def _quantity_text(value: Any) -> str:
    try:
        return str(parse_quantity(value)) if value is not None else "0"
    except (QuantityError, TypeError):
        return _str(value)


_PV_COLUMNS = (
    _NAME, _col("Capacity", "The capacity of the volume"),
    _col("Access Modes", "The access modes of the volume"),
    _col("Reclaim Policy", "What happens to the volume when its claim is released"),
    _col("Status", "The phase of the volume"),
    _col("Claim", "The claim bound to the volume"),
    _col("StorageClass", "The class of the volume"), _VAC_COL,
    _col("Reason", "Why the volume is in its phase"), _AGE, _VOLUME_MODE_COL,
)


def _print_persistent_volume(obj: Obj, now: datetime.datetime) -> list[Cell]:
    ref = _m(obj, "spec", "claimRef")
    claim = f"{_str(ref.get('namespace'))}/{_str(ref.get('name'))}" \
        if isinstance(ref, Mapping) else ""
    return [_name(obj), _quantity_text(_m(obj, "spec", "capacity", "storage")),
            _access_modes(_m(obj, "spec", "accessModes")),
            _str(_m(obj, "spec", "persistentVolumeReclaimPolicy")), _storage_phase(obj), claim,
            _str(_m(obj, "spec", "storageClassName")), _volume_attributes_class(obj),
            _str(_m(obj, "status", "reason")), _age(obj, now), _volume_mode(obj)]


_PVC_COLUMNS = (
    _NAME, _col("Status", "The phase of the claim"),
    _col("Volume", "The volume bound to the claim"),
    _col("Capacity", "The capacity of the bound volume"),
    _col("Access Modes", "The access modes of the bound volume"),
    _col("StorageClass", "The class of the claim"), _VAC_COL, _AGE, _VOLUME_MODE_COL,
)


def _print_persistent_volume_claim(obj: Obj, now: datetime.datetime) -> list[Cell]:
    """Capacity and access modes are the bound volume's (empty until bound)."""
    volume = _str(_m(obj, "spec", "volumeName"))
    capacity = modes = ""
    if volume:
        capacity = _quantity_text(_m(obj, "status", "capacity", "storage"))
        modes = _access_modes(_m(obj, "status", "accessModes"))
    return [_name(obj), _storage_phase(obj), volume, capacity, modes,
            _str(_m(obj, "spec", "storageClassName")), _volume_attributes_class(obj),
            _age(obj, now), _volume_mode(obj)]


_STORAGE_CLASS_COLUMNS = (
    _NAME, _col("Provisioner", "Indicates the type of the provisioner."),
    _col("ReclaimPolicy", "Indicates the type of the reclaim policy."),
    _col("VolumeBindingMode", "Indicates the mode of volume binding."),
    _col("AllowVolumeExpansion", "Indicates whether the storage class allows volume "
                                 "expansion.", kind="boolean"),
    _AGE,
)


def _print_storage_class(obj: Obj, now: datetime.datetime) -> list[Cell]:
    """``printStorageClass``: the default class's name says ``(default)``."""
    name = _name(obj)
    if _m(obj, "metadata", "annotations", "storageclass.kubernetes.io/is-default-class") \
            == "true":
        name += " (default)"
    return [name, _str(obj.get("provisioner")), _str(obj.get("reclaimPolicy") or "Delete"),
            _str(obj.get("volumeBindingMode") or "Immediate"),
            obj.get("allowVolumeExpansion") is True, _age(obj, now)]
_INGRESS_COLUMNS = (
    _NAME, _col("Class", "The name of the IngressClass resource."),
    _col("Hosts", "Hosts that incoming requests are matched against before the "
                  "IngressRule is applied"),
    _col("Address", "Address is a list containing ingress points for the load-balancer"),
    _col("Ports", "Ports of TLS configurations that open"), _AGE,
)
#: ``loadBalancerWidth``: the ADDRESS column is clipped to this outside ``-o wide``
_LOAD_BALANCER_WIDTH = 16


def _print_ingress(obj: Obj, now: datetime.datetime) -> list[Cell]:
    """``printIngress``: the class (``<none>``), the first three hosts (``*`` for rules
    without one), the load balancer's addresses, ``80`` or ``80, 443`` with TLS."""
    spec = obj.get("spec") or {}
    rules = _list(spec.get("rules"))
    hosts: list[str] = []
    more = False
    for rule in rules:  # formatHosts
        more = more or len(hosts) == 3
        if not more and _str(_m(rule, "host")):
            hosts.append(_str(_m(rule, "host")))
    text = ",".join(hosts) if hosts else "*"
    if more and hosts:
        text += f" + {len(rules) - 3} more..."
    addresses = sorted({_str(_m(entry, "ip")) or _str(_m(entry, "hostname"))
                        for entry in _list(_m(obj, "status", "loadBalancer", "ingress"))} - {""})
    address = ",".join(addresses)
    if len(address) > _LOAD_BALANCER_WIDTH:
        address = address[:_LOAD_BALANCER_WIDTH - 3] + "..."
    return [_name(obj), _str(spec.get("ingressClassName")) or "<none>", text, address,
            "80, 443" if _list(spec.get("tls")) else "80", _age(obj, now)]


_INGRESS_CLASS_COLUMNS = (
    _NAME, _col("Controller", "Controller that is in charge of handling this class."),
    _col("Parameters", "A reference to a resource with additional parameters."), _AGE,
)


def _print_ingress_class(obj: Obj, now: datetime.datetime) -> list[Cell]:
    """``printIngressClass``: parameters as ``Kind[.group]/name``."""
    params = _m(obj, "spec", "parameters")
    text = "<none>"
    if isinstance(params, Mapping):
        group = _str(params.get("apiGroup"))
        text = _str(params.get("kind")) + (f".{group}" if group else "") + \
            "/" + _str(params.get("name"))
    return [_name(obj), _str(_m(obj, "spec", "controller")), text, _age(obj, now)]


_NETWORK_POLICY_COLUMNS = (
    _NAME, _col("Pod-Selector", "Selects the pods to which this NetworkPolicy object "
                                "applies."), _AGE,
)


def _print_network_policy(obj: Obj, now: datetime.datetime) -> list[Cell]:
    return [_name(obj), _format_label_selector(_m(obj, "spec", "podSelector")),
            _age(obj, now)]


_CONTROLLER_REVISION_COLUMNS = (
    _NAME, _col("Controller", "Controller of the object"),
    _col("Revision", "Revision indicates the revision of the state represented by Data."),
    _AGE,
)


def _print_controller_revision(obj: Obj, now: datetime.datetime) -> list[Cell]:
    """``printControllerRevision``: the controller as ``<kind>.<group>/<name>`` (lower-case
    kind, as ``formatResourceName`` writes a GroupKind), ``<none>`` for an orphan."""
    controller = "<none>"
    for ref in _list(_m(obj, "metadata", "ownerReferences")):
        if isinstance(ref, Mapping) and ref.get("controller") is True:
            group = _str(ref.get("apiVersion")).rpartition("/")[0]
            kind = _str(ref.get("kind")) + (f".{group}" if group else "")
            controller = f"{kind.lower()}/{_str(ref.get('name'))}"
            break
    revision = obj.get("revision")
    return [_name(obj), controller, revision if isinstance(revision, int) else 0,
            _age(obj, now)]


_PDB_COLUMNS = (
    _NAME, _col("Min Available", "The minimum number of pods that must be available."),
    _col("Max Unavailable", "The maximum number of pods that may be unavailable."),
    _col("Allowed Disruptions", "Calculated number of pods that may be disrupted at this "
         "time.", kind="integer"),
    _AGE,
)
_HPA_COLUMNS = (
    _NAME, _col("Reference", "scaleTargetRef points to the target resource to scale."),
    _col("Targets", "metrics contains the specifications for which to use to calculate the "
         "desired replica count."),
    _col("MinPods", "minReplicas is the lower limit for the number of replicas to which the "
         "autoscaler can scale down."),
    _col("MaxPods", "maxReplicas is the upper limit for the number of replicas to which the "
         "autoscaler can scale up.", kind="integer"),
    _col("Replicas", "currentReplicas is current number of replicas of pods managed by this "
         "autoscaler.", kind="integer"),
    _AGE,
)
_BINDING_COLUMNS = (
    _NAME, _col("Role", "RoleRef can reference a Role in the current namespace or a "
                "ClusterRole in the global namespace."),
    _AGE, _col("Users", "Users in the roleBinding", priority=1),
    _col("Groups", "Groups in the roleBinding", priority=1),
    _col("ServiceAccounts", "ServiceAccounts in the roleBinding", priority=1),
)


def _print_namespace(obj: Obj, now: datetime.datetime) -> list[Cell]:
    return [_name(obj), _str(_m(obj, "status", "phase")), _age(obj, now)]


def _print_configmap(obj: Obj, now: datetime.datetime) -> list[Cell]:
    data, binary = obj.get("data"), obj.get("binaryData")
    count = (len(data) if isinstance(data, Mapping) else 0) + (
        len(binary) if isinstance(binary, Mapping) else 0)
    return [_name(obj), count, _age(obj, now)]


def _print_secret(obj: Obj, now: datetime.datetime) -> list[Cell]:
    data = obj.get("data")
    return [_name(obj), _str(obj.get("type")), len(data) if isinstance(data, Mapping) else 0,
            _age(obj, now)]


def _print_serviceaccount(obj: Obj, now: datetime.datetime) -> list[Cell]:
    return [_name(obj), len(_list(obj.get("secrets"))), _age(obj, now)]


def _print_lease(obj: Obj, now: datetime.datetime) -> list[Cell]:
    return [_name(obj), _str(_m(obj, "spec", "holderIdentity")), _age(obj, now)]


def _print_pdb(obj: Obj, now: datetime.datetime) -> list[Cell]:
    def int_or_string(value: Any) -> str:  # IntOrString.String(); unset: N/A
        if isinstance(value, str) or isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        return "N/A"

    allowed = _m(obj, "status", "disruptionsAllowed")
    return [_name(obj), int_or_string(_m(obj, "spec", "minAvailable")),
            int_or_string(_m(obj, "spec", "maxUnavailable")),
            allowed if isinstance(allowed, int) else 0, _age(obj, now)]


def _hpa_metric(spec: Any, status: Any) -> str:
    """One metric of ``formatHPAMetrics``: ``cpu: 12%/50%``, ``memory: 10Mi/64Mi``."""
    kind = _m(spec, "type")
    if kind not in ("Resource", "ContainerResource"):
        return "<unknown type>"
    field = "resource" if kind == "Resource" else "containerResource"
    source = _m(spec, field) or {}
    name = source.get("name", "")
    target = source.get("target") or {}
    current = _m(status, field, "current") if _m(status, field) is not None else None
    if target.get("averageValue") is not None:
        value = (current or {}).get("averageValue")
        return f"{name}: {value if value is not None else '<unknown>'}/{target['averageValue']}"
    used = (current or {}).get("averageUtilization")
    wanted = target.get("averageUtilization")
    return (f"{name}: {f'{used}%' if used is not None else '<unknown>'}/"
            f"{f'{wanted}%' if wanted is not None else '<auto>'}")


def _print_hpa(obj: Obj, now: datetime.datetime) -> list[Cell]:
    """``printHorizontalPodAutoscaler``: at most two metrics, then ``+ N more...`` (a v1
    object is printed as the v2 it converts to, as Kubernetes prints the internal one)."""
    if obj.get("apiVersion") == "autoscaling/v1":
        obj = hpa_v1_to_v2(obj)
    ref = _m(obj, "spec", "scaleTargetRef") or {}
    specs = _list(_m(obj, "spec", "metrics"))
    statuses = _list(_m(obj, "status", "currentMetrics"))
    shown = [_hpa_metric(spec, statuses[index] if index < len(statuses) else None)
             for index, spec in enumerate(specs)]
    targets = ", ".join(shown[:2]) if shown else "<none>"
    if len(shown) > 2:
        targets += f" + {len(shown) - 2} more..."
    minimum = _m(obj, "spec", "minReplicas")
    return [_name(obj), f"{ref.get('kind', '')}/{ref.get('name', '')}", targets,
            str(minimum) if minimum is not None else "<unset>",
            _int(_m(obj, "spec", "maxReplicas")), _int(_m(obj, "status", "currentReplicas")),
            _age(obj, now)]


def _print_binding(obj: Obj, now: datetime.datetime) -> list[Cell]:
    ref = obj.get("roleRef") or {}
    users, groups, accounts = [], [], []
    for subject in _list(obj.get("subjects")):
        if not isinstance(subject, Mapping):
            continue
        kind, name = subject.get("kind"), _str(subject.get("name"))
        if kind == "ServiceAccount":
            accounts.append(f"{_str(subject.get('namespace'))}/{name}")
        elif kind == "User":
            users.append(name)
        elif kind == "Group":
            groups.append(name)
    return [_name(obj), f"{_str(ref.get('kind'))}/{_str(ref.get('name'))}", _age(obj, now),
            ", ".join(users), ", ".join(groups), ", ".join(accounts)]


def _metrics_cells(usages: list[Any], window: Any) -> list[Cell]:
    """metrics-server's ``addPodMetricsToTable``/``addNodeMetricsToTable`` columns: cpu
    and memory (summed over a pod's containers), then the window."""
    cells: list[Cell] = []
    for resource in ("cpu", "memory"):
        total: Quantity | None = None
        for usage in usages:
            value = usage.get(resource) if isinstance(usage, Mapping) else None
            try:
                quantity = parse_quantity(value) if value is not None else None
            except (QuantityError, TypeError):
                quantity = None
            if quantity is not None:
                total = quantity if total is None else total + quantity
        cells.append(str(total) if total is not None else "0")
    cells.append(_str(window))
    return cells


def _print_node_metrics(obj: Obj, now: datetime.datetime) -> list[Cell]:
    return [_name(obj), *_metrics_cells([obj.get("usage")], obj.get("window"))]


def _print_pod_metrics(obj: Obj, now: datetime.datetime) -> list[Cell]:
    usages = [c.get("usage") for c in _list(obj.get("containers")) if isinstance(c, Mapping)]
    return [_name(obj), *_metrics_cells(usages, obj.get("window"))]


_METRICS_COLUMNS = (_NAME, _col("cpu", fmt="quantity"), _col("memory", fmt="quantity"),
                    _col("Window", fmt="duration"))

Printer = Callable[[Obj, datetime.datetime], list[Cell]]

#: (group, kind) -> the columns and the function computing one row's cells
_PRINTERS: dict[tuple[str, str], tuple[Sequence[Column], Printer]] = {
    ("", "Pod"): (_POD_COLUMNS, _print_pod),
    (METRICS_GROUP, "NodeMetrics"): (_METRICS_COLUMNS, _print_node_metrics),
    (METRICS_GROUP, "PodMetrics"): (_METRICS_COLUMNS, _print_pod_metrics),
    ("", "Service"): (_SERVICE_COLUMNS, _print_service),
    ("", "Endpoints"): (_ENDPOINTS_COLUMNS, _print_endpoints),
    ("discovery.k8s.io", "EndpointSlice"): (_ENDPOINT_SLICE_COLUMNS, _print_endpoint_slice),
    ("", "Node"): (_NODE_COLUMNS, _print_node),
    ("", "Event"): (_EVENT_COLUMNS, _print_event),
    ("", "Namespace"): (_NAMESPACE_COLUMNS, _print_namespace),
    ("", "ConfigMap"): (_CONFIGMAP_COLUMNS, _print_configmap),
    ("", "Secret"): (_SECRET_COLUMNS, _print_secret),
    ("", "ServiceAccount"): (_SERVICEACCOUNT_COLUMNS, _print_serviceaccount),
    ("apps", "Deployment"): (_DEPLOYMENT_COLUMNS, _print_deployment),
    ("apps", "ReplicaSet"): (_REPLICASET_COLUMNS, _print_replicaset),
    ("apps", "DaemonSet"): (_DAEMONSET_COLUMNS, _print_daemonset),
    ("apps", "StatefulSet"): (_STATEFULSET_COLUMNS, _print_statefulset),
    ("apps", "ControllerRevision"): (_CONTROLLER_REVISION_COLUMNS, _print_controller_revision),
    ("batch", "Job"): (_JOB_COLUMNS, _print_job),
    ("batch", "CronJob"): (_CRONJOB_COLUMNS, _print_cronjob),
    ("coordination.k8s.io", "Lease"): (_LEASE_COLUMNS, _print_lease),
    ("policy", "PodDisruptionBudget"): (_PDB_COLUMNS, _print_pdb),
    ("networking.k8s.io", "Ingress"): (_INGRESS_COLUMNS, _print_ingress),
    ("networking.k8s.io", "IngressClass"): (_INGRESS_CLASS_COLUMNS, _print_ingress_class),
    ("networking.k8s.io", "NetworkPolicy"): (_NETWORK_POLICY_COLUMNS, _print_network_policy),
    ("autoscaling", "HorizontalPodAutoscaler"): (_HPA_COLUMNS, _print_hpa),
    ("", "ResourceQuota"): (_QUOTA_COLUMNS, _print_quota),
    ("scheduling.k8s.io", "PriorityClass"): (_PRIORITY_CLASS_COLUMNS, _print_priority_class),
    ("", "PersistentVolume"): (_PV_COLUMNS, _print_persistent_volume),
    ("", "PersistentVolumeClaim"): (_PVC_COLUMNS, _print_persistent_volume_claim),
    ("storage.k8s.io", "StorageClass"): (_STORAGE_CLASS_COLUMNS, _print_storage_class),
    ("rbac.authorization.k8s.io", "RoleBinding"): (_BINDING_COLUMNS, _print_binding),
    ("rbac.authorization.k8s.io", "ClusterRoleBinding"): (_BINDING_COLUMNS, _print_binding),
}


# -- generic tables ---------------------------------------------------------------------------

_DEFAULT_COLUMNS = (_NAME, _col("Created At", _CREATED_DOC, "date"))


def _print_default(obj: Obj, now: datetime.datetime) -> list[Cell]:
    """``rest.NewDefaultTableConvertor``: the name and the creation time in RFC 3339."""
    created = _parse_time(_m(obj, "metadata", "creationTimestamp"))
    stamp = created.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if created else (
        "0001-01-01T00:00:00Z")
    return [_name(obj), stamp]


_AGE_COLUMN = PrinterColumn("Age", "date", ".metadata.creationTimestamp", _CREATED_DOC)


def _custom_printer(info: ResourceInfo) -> tuple[Sequence[Column], Printer]:
    """apiextensions' ``tableconvertor``: NAME, then the CRD's printer columns (``Age`` when
    it declares none, as ``serveDefaultColumnsIfEmpty`` does)."""
    declared = info.printer_columns or (_AGE_COLUMN,)
    columns = [_NAME] + [_col(c.name, c.description, c.type, c.priority, c.format)
                         for c in declared]

    def cells(obj: Obj, now: datetime.datetime) -> list[Cell]:
        row: list[Cell] = [_name(obj)]
        for column in declared:
            values = jsonpath_values(obj, column.json_path)
            row.append(_cell_for(column.type, values[0], now) if values else None)
        return row

    return columns, cells


def _cell_for(kind: str, value: Any, now: datetime.datetime) -> Cell:
    """``cellForJSONValue``: the value as the column's type, or None when it is not one."""
    if value is None:
        return None
    if kind == "string":
        if isinstance(value, str):
            return value
        if isinstance(value, bool):
            return "true" if value else "false"
        return json.dumps(value, separators=(",", ":")) if isinstance(value, dict | list) \
            else str(value)
    if kind == "integer" and isinstance(value, int | float) and not isinstance(value, bool):
        return int(value)
    if kind == "number" and isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if kind == "boolean" and isinstance(value, bool):
        return value
    if kind == "date" and isinstance(value, str):
        moment = _parse_time(value)
        if moment is None:
            return "<invalid>"
        return human_duration((_aware(now) - moment).total_seconds())
    return None


_STEP_RE = re.compile(
    r"\.(?P<field>[A-Za-z0-9_$-]+)"
    r"|\[(?P<index>-?\d+|\*)\]"
    r"|\[\?\(@\.(?P<key>[A-Za-z0-9_.-]+)\s*==\s*(?P<quote>[\"'])(?P<value>[^\"']*)(?P=quote)\)\]"
    r"|\[['\"](?P<quoted>[^'\"]+)['\"]\]"
)


def jsonpath_values(obj: Any, path: str) -> list[Any]:
    """The values a simple JSONPath selects (what CRD printer columns use).

    Supported: ``.field``, ``['field.with.dots']``, ``[n]``, ``[*]`` and the filter
    ``[?(@.key=="value")]``; ``{...}`` braces are optional. Anything else selects nothing.
    """
    path = path.strip()
    if path.startswith("{") and path.endswith("}"):
        path = path[1:-1]
    if path.startswith("$"):
        path = path[1:]
    current = [obj]
    position = 0
    while position < len(path):
        match = _STEP_RE.match(path, position)
        if match is None:
            return []
        position = match.end()
        following: list[Any] = []
        for value in current:
            if match.group("field") is not None or match.group("quoted") is not None:
                key = match.group("field") or match.group("quoted")
                if isinstance(value, Mapping) and key in value:
                    following.append(value[key])
            elif match.group("index") is not None:
                if not isinstance(value, list):
                    continue
                if match.group("index") == "*":
                    following.extend(value)
                else:
                    index = int(match.group("index"))
                    if -len(value) <= index < len(value):
                        following.append(value[index])
            else:
                if not isinstance(value, list):
                    continue
                want, keys = match.group("value"), match.group("key").split(".")
                following.extend(item for item in value if _m(item, *keys) == want)
        current = following
    return current


# -- the table --------------------------------------------------------------------------------

def _printer_for(info: ResourceInfo) -> tuple[Sequence[Column], Printer]:
    found = _PRINTERS.get((info.group, info.kind))
    if found is not None and not info.custom:
        return found
    if info.custom:
        return _custom_printer(info)
    return _DEFAULT_COLUMNS, _print_default


def _row_object(obj: Obj, include_object: str) -> dict[str, Any] | None:
    if include_object == "None":
        return None
    if include_object == "Object":
        return dict(obj)
    return {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
            "metadata": dict(obj.get("metadata") or {})}


def to_table(info: ResourceInfo, result: Mapping[str, Any], *, wide: bool = True,
             now: datetime.datetime, include_object: str = "Metadata",
             no_headers: bool = False) -> dict[str, Any]:
    """``result`` (one object or a list) as a ``meta.k8s.io/v1`` Table.

    ``include_object`` is the ``includeObject`` query parameter: ``Metadata`` (a
    ``PartialObjectMetadata`` per row, the default), ``Object`` or ``None``. ``wide`` is
    ignored: like kube-apiserver, every column is sent and kubectl hides those with
    ``priority > 0`` unless ``-o wide``. ``no_headers`` (``TableOptions.noHeaders``, which
    kubectl sends for the events of a watch after the first) leaves the columns out.
    """
    del wide  # see the docstring
    columns, printer = _printer_for(info)
    items = result.get("items")
    objects = [i for i in items if isinstance(i, Mapping)] if isinstance(items, list) \
        else [result]
    meta = result.get("metadata") or {}
    table_meta: dict[str, Any] = {}
    if meta.get("resourceVersion"):
        table_meta["resourceVersion"] = meta["resourceVersion"]
    if isinstance(items, list):
        if meta.get("continue"):
            table_meta["continue"] = meta["continue"]
        if meta.get("remainingItemCount") is not None:
            table_meta["remainingItemCount"] = meta["remainingItemCount"]
    rows = []
    for obj in objects:
        row: dict[str, Any] = {"cells": printer(obj, now)}
        if info.group == "" and info.kind == "Pod":
            conditions = _POD_CONDITIONS.get(_str(_m(obj, "status", "phase")))
            if conditions:
                row["conditions"] = [dict(c) for c in conditions]
        embedded = _row_object(obj, include_object)
        if embedded is not None:
            row["object"] = embedded
        rows.append(row)
    table: dict[str, Any] = {"kind": "Table", "apiVersion": "meta.k8s.io/v1",
                             "metadata": table_meta}
    if not no_headers:
        table["columnDefinitions"] = [
            {"name": name, "type": kind, "format": fmt, "description": doc,
             "priority": priority} for name, kind, doc, priority, fmt in columns]
    else:
        table["columnDefinitions"] = []
    table["rows"] = rows
    return table
