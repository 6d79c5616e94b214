"""The runtime's private bookkeeping: pods, containers, container instances.

Mutable on purpose (they are the state of one runtime, never shared), and rendered
into JSON-shaped Kubernetes container statuses by :func:`container_status`.

Vocabulary, on the Docker model: a *container* of the pod spec (``app``) is run as a
sequence of *instances* (Docker containers, each with its own ``containerd://`` ID);
a restart creates a new instance and bumps ``restartCount``.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import attrs

from .backoff import Backoff
from .envconfig import ConfigLookup
from .images import ImageBehavior, LogSpec
from .probes import ProbeKind, ProbeSpec

__all__ = [
    "ContainerRecord",
    "Instance",
    "PodRecord",
    "cached_status",
    "container_status",
    "status_inputs",
]

_NO_SOURCES: Mapping[tuple[str, str], Any] = MappingProxyType({})

#: Kubernetes' message for a container that never ran when its pod was terminated.
UNKNOWN_AT_TERMINATION = "The container could not be located when the pod was terminated"


@attrs.define(eq=False)
class Instance:
    """One run of a container."""

    container_id: str
    image: str
    image_id: str
    behavior: ImageBehavior
    logs: tuple[LogSpec, ...]
    created_at: float
    started_at: float | None = None
    finished_at: float | None = None
    exit_code: int | None = None
    reason: str = ""
    #: the planned end: (time, exit code, reason); replaced by a kill if sooner
    planned_exit: tuple[float, int, str] | None = None
    stopping: bool = False

    @property
    def running(self) -> bool:
        return self.started_at is not None and self.finished_at is None

    def terminated(self) -> dict[str, Any]:
        """``state.terminated`` of a finished instance (times as cluster seconds)."""
        return {
            "exitCode": self.exit_code,
            "reason": self.reason,
            "startedAt": self.started_at,
            "finishedAt": self.finished_at,
            "containerID": self.container_id,
        }


@attrs.define(eq=False)
class ContainerRecord:
    """A container of the pod spec and its runs."""

    name: str
    spec: Mapping[str, Any]
    init: bool
    sidecar: bool
    field_path: str
    waiting: tuple[str, str] | None = None  # (reason, message) while an error holds it
    current: Instance | None = None
    last: Instance | None = None
    restart_count: int = 0
    ready: bool = False
    started: bool = False
    ever_started: bool = False
    done: bool = False
    begun: bool = False
    in_chain: bool = False
    force_restart: bool = False
    crash_backoff: Backoff = attrs.field(factory=Backoff)
    env_names: tuple[str, ...] = ()
    #: the ConfigMaps and Secrets the environment was resolved from (see
    #: :class:`~kactors.node.envconfig.EnvResult`), read again only by ``kubectl exec``
    env_sources: Mapping[tuple[str, str], Any] = attrs.field(default=_NO_SOURCES, repr=False)
    probes: dict[ProbeKind, ProbeSpec] = attrs.field(factory=dict)
    probe_runs: dict[ProbeKind, tuple[bool | None, int]] = attrs.field(factory=dict)
    #: the pull in progress: (requested at, pure pull seconds)
    pull: tuple[float, float] | None = None
    #: (:func:`status_inputs`, :func:`container_status`) as last computed (see
    #: :func:`cached_status`)
    status_cache: tuple[tuple[Any, ...], dict[str, Any]] | None = None

    @property
    def running(self) -> bool:
        return self.current is not None and self.current.running

    def last_finished(self) -> Instance | None:
        """The most recent finished instance (what ``lastState`` shows while waiting)."""
        if self.current is not None and self.current.finished_at is not None:
            return self.current
        return self.last


@attrs.define(eq=False)
class PodRecord:
    """A pod on this node."""

    uid: str
    namespace: str
    name: str
    #: the latest pod object (set through the ``pod`` property, which keeps ``spec``)
    _pod: Mapping[str, Any]
    lookup: ConfigLookup
    containers: list[ContainerRecord]
    start_time: float
    ip: str | None = None
    sandbox: bool = False
    apps_started: bool = False
    chain: list[str] = attrs.field(factory=list)
    killing: bool = False
    kill_deadline: float | None = None
    sidecars_stopping: bool = False
    terminated: bool = False
    phase: str = "Pending"
    #: kubelet-owned conditions: type -> (status, reason, message, lastTransitionTime)
    conditions: dict[str, tuple[str, str, str, float]] = attrs.field(factory=dict)
    pull_backoff: dict[str, Backoff] = attrs.field(factory=dict)
    pull_errors: dict[str, str] = attrs.field(factory=dict)
    #: the inputs of the last phase-and-conditions refresh (the runtime's ``_refresh``)
    refreshed: tuple[Any, ...] | None = None
    #: the pod's ``spec`` (``{}`` if it has none): an attribute that assigning ``pod``
    #: sets, since the runtime reads it a few dozen times per pod step
    spec: Mapping[str, Any] = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        self.spec = _spec_of(self._pod)

    @property
    def pod(self) -> Mapping[str, Any]:
        return self._pod

    @pod.setter
    def pod(self, pod: Mapping[str, Any]) -> None:
        self._pod = pod
        self.spec = _spec_of(pod)

    @property
    def display(self) -> str:
        """The kubelet's ``format.Pod``: ``name_namespace(uid)``."""
        return f"{self.name}_{self.namespace}({self.uid})"

    def container(self, name: str) -> ContainerRecord | None:
        for record in self.containers:
            if record.name == name:
                return record
        return None

    def grace(self) -> float:
        value = self.spec.get("terminationGracePeriodSeconds")
        if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0:
            return float(value)
        return 30.0


def _spec_of(pod: Mapping[str, Any]) -> Mapping[str, Any]:
    spec = pod.get("spec")
    return spec if type(spec) is dict or isinstance(spec, Mapping) else {}


def container_status(pod: PodRecord, record: ContainerRecord) -> dict[str, Any]:
    """The Kubernetes ``ContainerStatus`` of ``record`` (times as cluster seconds)."""
    current = record.current
    state: dict[str, Any]
    last_state: dict[str, Any] = {}
    default_reason = "PodInitializing" if pod.spec.get("initContainers") else "ContainerCreating"
    shown = current
    if record.waiting is not None or current is None or current.started_at is None:
        finished = record.last_finished()
        if pod.terminated and finished is not None:
            state = {"terminated": finished.terminated()}
            shown = finished
            if record.last is not None and record.last is not finished:
                last_state = {"terminated": record.last.terminated()}
        elif pod.terminated:
            state = {"terminated": {
                "exitCode": 137,
                "reason": "ContainerStatusUnknown",
                "message": UNKNOWN_AT_TERMINATION,
                "startedAt": None,
                "finishedAt": None,
            }}
        else:
            reason, message = record.waiting or (default_reason, "")
            waiting = {"reason": reason}
            if message:
                waiting["message"] = message
            state = {"waiting": waiting}
            if finished is not None:
                last_state = {"terminated": finished.terminated()}
    elif current.finished_at is None:
        state = {"running": {"startedAt": current.started_at}}
        if record.last is not None:
            last_state = {"terminated": record.last.terminated()}
    else:
        state = {"terminated": current.terminated()}
        if record.last is not None:
            last_state = {"terminated": record.last.terminated()}
    status: dict[str, Any] = {
        "name": record.name,
        "state": state,
        "lastState": last_state,
        "ready": record.ready,
        "restartCount": record.restart_count,
        "image": shown.image if shown is not None else str(record.spec.get("image", "")),
        "imageID": shown.image_id if shown is not None else "",
    }
    if shown is not None:
        status["containerID"] = shown.container_id
    status["started"] = record.started and record.running
    return status


def _instance_inputs(instance: Instance | None) -> tuple[Any, ...]:
    if instance is None:
        return (None,)
    # identity (eq=False) stands for the fields fixed at creation: id, image, image ID
    return (instance, instance.started_at, instance.finished_at, instance.exit_code,
            instance.reason)


def status_inputs(pod: PodRecord, record: ContainerRecord) -> tuple[Any, ...]:
    """Everything :func:`container_status` reads, as a tuple: equal inputs, equal status.

    Keep it in step with :func:`container_status` (``tests/node/conftest.py`` checks
    every cached status against a fresh one in every runtime test).
    """
    return (
        pod.terminated, bool(pod.spec.get("initContainers")), record.spec.get("image", ""),
        record.waiting, record.ready, record.restart_count, record.started,
        *_instance_inputs(record.current), *_instance_inputs(record.last),
    )


def cached_status(pod: PodRecord, record: ContainerRecord) -> dict[str, Any]:
    """:func:`container_status`, computed again only when one of its inputs changed.

    The runtime looks at every container's status after every step of its pod, and most
    steps change nothing in it. The same dict is returned while nothing changed (so
    comparing two answers is mostly an identity check): callers must not change it.
    """
    inputs = status_inputs(pod, record)
    cache = record.status_cache
    if cache is not None and cache[0] == inputs:
        return cache[1]
    status = container_status(pod, record)
    record.status_cache = (inputs, status)
    return status
