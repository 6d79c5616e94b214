"""A pod's phase and conditions from its container statuses, as the kubelet computes them.

Transcriptions of ``getPhase`` (``pkg/kubelet/kubelet_pods.go``) and of
``pkg/kubelet/status/generate.go``, over JSON-shaped container statuses, so that the
phase of a crash-looping pod is ``Running``, a finished Job pod is ``Succeeded`` with
``PodCompleted`` conditions, and messages read ``containers with unready status: [app]``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

__all__ = [
    "CONTAINERS_NOT_INITIALIZED",
    "CONTAINERS_NOT_READY",
    "POD_COMPLETED",
    "POD_FAILED",
    "ConditionTuple",
    "by_name",
    "containers_ready_condition",
    "initialized_condition",
    "is_restartable_init",
    "pod_phase",
    "ready_condition",
]

POD_COMPLETED = "PodCompleted"
POD_FAILED = "PodFailed"
CONTAINERS_NOT_READY = "ContainersNotReady"
CONTAINERS_NOT_INITIALIZED = "ContainersNotInitialized"
UNKNOWN_CONTAINER_STATUSES = "UnknownContainerStatuses"

#: (type, status, reason, message): a pod condition before its transition time is known.
ConditionTuple = tuple[str, str, str, str]

Status = Mapping[str, Any]


def is_restartable_init(container: Mapping[str, Any]) -> bool:
    """A sidecar: an init container with ``restartPolicy: Always``."""
    return container.get("restartPolicy") == "Always"


def by_name(statuses: Sequence[Status]) -> dict[str, Status]:
    """Container statuses by container name: what :func:`pod_phase` and the condition
    functions look statuses up in (pass it as their ``known`` when computing several of
    them from the same statuses, as the runtime does after each step, to build it once)."""
    return {str(status.get("name")): status for status in statuses}


def _state(status: Status, key: str) -> Mapping[str, Any] | None:
    state = status.get("state") or {}
    value = state.get(key)
    if value is None:  # the usual miss, without an ABC instance check
        return None
    return value if type(value) is dict or isinstance(value, Mapping) else None


def _last_terminated(status: Status) -> Mapping[str, Any] | None:
    last = status.get("lastState") or {}
    value = last.get("terminated")
    if value is None:
        return None
    return value if type(value) is dict or isinstance(value, Mapping) else None


def _go_list(names: Sequence[str]) -> str:
    """Go's ``%s`` of a ``[]string``: ``[app sidecar]``."""
    return "[" + " ".join(names) + "]"


def _any_regular_started(spec: Mapping[str, Any], statuses: Mapping[str, Status]) -> bool:
    for container in spec.get("containers") or ():
        status = statuses.get(str(container.get("name")))
        if status is None:
            continue
        if _state(status, "running") or _state(status, "terminated") or _last_terminated(status):
            return True
    return False


def pod_phase(
    spec: Mapping[str, Any],
    init_statuses: Sequence[Status],
    statuses: Sequence[Status],
    terminal: bool = False,
    *,
    known: Mapping[str, Status] | None = None,
) -> str:
    """``getPhase``: Pending, Running, Succeeded or Failed.

    ``terminal`` is the kubelet's ``podIsTerminal``: the pod was stopped for good
    (deleted, or all its containers are done), so restart policy no longer matters.
    """
    if known is None:
        known = by_name([*init_statuses, *statuses])
    policy = spec.get("restartPolicy") or "Always"
    pending_init = failed_init = 0
    unknown = running = waiting = stopped = succeeded = 0
    for container in spec.get("initContainers") or ():
        status = known.get(str(container.get("name")))
        sidecar = is_restartable_init(container)
        if status is None:
            if sidecar:
                unknown += 1
            else:
                pending_init += 1
            continue
        last = _last_terminated(status)
        if _state(status, "running"):
            if not sidecar or not status.get("started"):
                pending_init += 1
            if sidecar:
                running += 1
        elif terminated := _state(status, "terminated"):
            if not sidecar and terminated.get("exitCode") != 0:
                failed_init += 1
        elif _state(status, "waiting"):
            if last is not None:
                if not sidecar and last.get("exitCode") != 0:
                    failed_init += 1
            else:
                pending_init += 1
                if sidecar:
                    waiting += 1
        else:
            pending_init += 1
            if sidecar:
                unknown += 1
    for container in spec.get("containers") or ():
        status = known.get(str(container.get("name")))
        if status is None:
            unknown += 1
        elif _state(status, "running"):
            running += 1
        elif terminated := _state(status, "terminated"):
            stopped += 1
            succeeded += terminated.get("exitCode") == 0
        elif _state(status, "waiting"):
            if _last_terminated(status) is not None:
                stopped += 1
            else:
                waiting += 1
        else:
            unknown += 1
    if failed_init and policy == "Never":
        return "Failed"
    if (pending_init and not _any_regular_started(spec, known)) or waiting:
        return "Pending"
    if running and not unknown:
        return "Running"
    if not running and stopped and not unknown:
        if terminal:
            return "Succeeded" if stopped == succeeded else "Failed"
        if policy == "Always":
            return "Running"
        if stopped == succeeded:
            return "Succeeded"
        return "Failed" if policy == "Never" else "Running"
    return "Pending"


def containers_ready_condition(
    spec: Mapping[str, Any], statuses: Sequence[Status], phase: str, *,
    known: Mapping[str, Status] | None = None,
) -> ConditionTuple:
    """``GenerateContainersReadyCondition`` (``statuses``: init and regular together;
    ``known``: :func:`by_name` of them, if the caller has it)."""
    if known is None:
        known = by_name(statuses)
    unknown: list[str] = []
    unready: list[str] = []
    containers = [c for c in spec.get("initContainers") or () if is_restartable_init(c)]
    for container in [*containers, *(spec.get("containers") or ())]:
        name = str(container.get("name"))
        status = known.get(name)
        if status is None:
            unknown.append(name)
        elif not status.get("ready"):
            unready.append(name)
    if phase == "Succeeded" and not unknown:
        return ("ContainersReady", "False", POD_COMPLETED, "")
    if phase == "Failed":
        return ("ContainersReady", "False", POD_FAILED, "")
    messages = []
    if unknown:
        messages.append(f"containers with unknown status: {_go_list(unknown)}")
    if unready:
        messages.append(f"containers with unready status: {_go_list(unready)}")
    if messages:
        return ("ContainersReady", "False", CONTAINERS_NOT_READY, ", ".join(messages))
    return ("ContainersReady", "True", "", "")


def ready_condition(
    spec: Mapping[str, Any],
    statuses: Sequence[Status],
    phase: str,
    conditions: Sequence[Mapping[str, Any]] = (),
    *,
    containers_ready: ConditionTuple | None = None,
) -> ConditionTuple:
    """``GeneratePodReadyCondition``: containers ready and every readiness gate True.

    ``containers_ready``: :func:`containers_ready_condition` of the same arguments, when
    the caller has it already (it is computed from them otherwise).
    """
    if containers_ready is None:
        containers_ready = containers_ready_condition(spec, statuses, phase)
    _, status, reason, message = containers_ready
    if status != "True":
        return ("Ready", status, reason, message)
    by_type = {str(c.get("type")): c for c in conditions}
    messages = []
    for gate in spec.get("readinessGates") or ():
        gate_type = str(gate.get("conditionType"))
        condition = by_type.get(gate_type)
        if condition is None:
            messages.append(f'corresponding condition of pod readiness gate "{gate_type}" does not exist.')
        elif condition.get("status") != "True":
            messages.append(
                f'the status of pod readiness gate "{gate_type}" is not "True", but {condition.get("status")}'
            )
    if messages:
        return ("Ready", "False", "ReadinessGatesNotReady", ", ".join(messages))
    return ("Ready", "True", "", "")


def initialized_condition(
    spec: Mapping[str, Any], statuses: Sequence[Status], phase: str, *,
    known: Mapping[str, Status] | None = None,
) -> ConditionTuple:
    """``GeneratePodInitializedCondition`` (``known``: :func:`by_name` of ``statuses``,
    if the caller has it)."""
    if known is None:
        known = by_name(statuses)
    unknown: list[str] = []
    incomplete: list[str] = []
    for container in spec.get("initContainers") or ():
        name = str(container.get("name"))
        status = known.get(name)
        if status is None:
            unknown.append(name)
        elif is_restartable_init(container):
            if not status.get("started"):
                incomplete.append(name)
        elif not status.get("ready"):
            incomplete.append(name)
    if phase == "Succeeded" and not unknown:
        return ("Initialized", "True", POD_COMPLETED, "")
    if _any_regular_started(spec, known):
        return ("Initialized", "True", "", "")
    messages = []
    if unknown:
        messages.append(f"containers with unknown status: {_go_list(unknown)}")
    if incomplete:
        messages.append(f"containers with incomplete status: {_go_list(incomplete)}")
    if messages:
        return ("Initialized", "False", CONTAINERS_NOT_INITIALIZED, ", ".join(messages))
    return ("Initialized", "True", "", "")
