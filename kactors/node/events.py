"""What the simulated runtime reports to the kubelet, with Kubernetes' own event wording.

Each :class:`RuntimeEvent` is one thing that happened at one cluster time. When its
``reason`` is not empty the kubelet records it as a Kubernetes Event on the pod
(``type``, ``reason``, ``message``, ``involvedObject.fieldPath``), exactly as
``kubectl describe pod`` shows real ones::

    Normal   Pulling    Pulling image "nginx:1.27"
    Normal   Pulled     Successfully pulled image "nginx:1.27" in 2.1s (2.1s including waiting). Image size: 72099501 bytes.
    Normal   Created    Created container: app
    Normal   Started    Started container app
    Warning  BackOff    Back-off restarting failed container app in pod web_default(0c2f...)

Events with an empty reason (a container exited, readiness changed, the pod's phase
changed, the pod finished terminating) are for the kubelet's own logic and logs.
"""

from __future__ import annotations

import enum

import attrs

__all__ = ["EventKind", "RuntimeEvent", "go_duration"]


class EventKind(enum.Enum):
    """What happened; several Kubernetes events can share a kind (``Failed``)."""

    SANDBOX_READY = "sandbox.ready"
    SANDBOX_FAILED = "sandbox.failed"
    MOUNT_FAILED = "volume.mount_failed"
    PULLING = "image.pulling"
    PULLED = "image.pulled"
    PULL_FAILED = "image.pull_failed"
    PULL_BACKOFF = "image.backoff"
    NEVER_PULL = "image.never_pull"
    START_FAILED = "container.failed"
    CREATED = "container.created"
    STARTED = "container.started"
    EXITED = "container.exited"
    BACKOFF = "container.backoff"
    KILLING = "container.killing"
    UNHEALTHY = "probe.unhealthy"
    READY = "container.ready"
    NOT_READY = "container.not_ready"
    PHASE = "pod.phase"
    TERMINATED = "pod.terminated"


@attrs.frozen
class RuntimeEvent:
    """One runtime happening, carrying all the kubelet needs to record and narrate it."""

    time: float
    kind: EventKind
    pod_uid: str
    namespace: str
    pod_name: str
    container: str | None = None
    #: Kubernetes event reason; ``""`` means "not a Kubernetes Event"
    reason: str = ""
    message: str = ""
    #: ``Normal`` or ``Warning``
    type: str = "Normal"
    #: ``involvedObject.fieldPath``: ``spec.containers{app}``, or ``""`` for the pod
    field_path: str = ""
    #: for ``EXITED``: the exit code; for ``PHASE``: ``None``
    exit_code: int | None = None

    @property
    def record(self) -> bool:
        """Whether the kubelet should record this as a Kubernetes Event."""
        return bool(self.reason)


def go_duration(seconds: float) -> str:
    """Go's ``time.Duration.String()`` of ``seconds`` truncated to milliseconds.

    ``2.1`` -> ``2.1s``, ``0.25`` -> ``250ms``, ``80`` -> ``1m20s``, ``300`` -> ``5m0s``,
    ``0`` -> ``0s``: the kubelet prints pull times and back-offs this way.
    """
    millis = int(round(seconds * 1_000_000)) // 1000  # microsecond-rounded, ms-truncated
    if millis <= 0:
        return "0s"
    if millis < 1000:
        return f"{millis}ms"
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    whole, fraction = divmod(rest, 1000)
    text = f"{whole}" + (f".{fraction:03d}".rstrip("0") if fraction else "") + "s"
    if hours:
        return f"{hours}h{minutes}m{text}"
    if minutes:
        return f"{minutes}m{text}"
    return text
