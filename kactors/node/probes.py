"""Container probes: their settings (with Kubernetes' defaults) and what they would find.

A probe runs ``initialDelaySeconds`` after the container started and then every
``periodSeconds``. Its result comes from the image's simulated health
(:class:`~kactors.node.images.Health`), except for exec probes that test a file the
container's script touches and removes (``cat /tmp/healthy``), which follow the file.
Failure output mimics the real probers, since the kubelet puts it in the ``Unhealthy``
event: ``Liveness probe failed: HTTP probe failed with statuscode: 500``.

Simplification: real probe workers start after a random fraction of a period; here
the schedule is exact, so tests can predict it.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from typing import Any, Literal

import attrs

from .images import ImageBehavior

__all__ = ["ProbeKind", "ProbeSpec", "probe_spec", "run_probe"]

ProbeKind = Literal["readiness", "liveness", "startup"]

_FIELDS = {"readiness": "readinessProbe", "liveness": "livenessProbe", "startup": "startupProbe"}
_TITLES = {"readiness": "Readiness", "liveness": "Liveness", "startup": "Startup"}
_HTTP_FAILURE_CODE = {"readiness": 503, "liveness": 500, "startup": 503}


def _int(value: Any, default: int, minimum: int) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and value >= minimum:
        return value
    return default


@attrs.frozen
class ProbeSpec:
    """One probe of one container, defaults applied (``SetDefaults_Probe``)."""

    kind: ProbeKind
    handler: Mapping[str, Any]
    initial_delay: float = 0.0
    period: float = 10.0
    failure_threshold: int = 3
    success_threshold: int = 1
    #: probe-level ``terminationGracePeriodSeconds`` (liveness and startup only)
    grace: float | None = None

    @property
    def title(self) -> str:
        """``Readiness``, ``Liveness`` or ``Startup``, as in event messages."""
        return _TITLES[self.kind]


def probe_spec(container: Mapping[str, Any], kind: ProbeKind) -> ProbeSpec | None:
    """The ``kind`` probe of ``container``, or ``None`` if it has none."""
    probe = container.get(_FIELDS[kind])
    if not isinstance(probe, Mapping):
        return None
    success = _int(probe.get("successThreshold"), 1, 1)
    grace = probe.get("terminationGracePeriodSeconds")
    return ProbeSpec(
        kind,
        probe,
        float(_int(probe.get("initialDelaySeconds"), 0, 0)),
        float(_int(probe.get("periodSeconds"), 10, 1)),
        _int(probe.get("failureThreshold"), 3, 1),
        1 if kind != "readiness" else success,
        float(grace) if kind != "readiness" and isinstance(grace, int) and grace >= 0 else None,
    )


def _port(value: Any, container: Mapping[str, Any]) -> str:
    if isinstance(value, str) and not value.isdigit():
        for port in container.get("ports") or ():
            if isinstance(port, Mapping) and port.get("name") == value:
                return str(port.get("containerPort"))
    return str(value)


def _words(command: Any) -> list[str]:
    words: list[str] = []
    for word in command if isinstance(command, list) else ():
        try:
            words.extend(shlex.split(str(word)))
        except ValueError:
            words.extend(str(word).split())
    return words


def run_probe(
    spec: ProbeSpec,
    behavior: ImageBehavior,
    age: float,
    container: Mapping[str, Any],
    pod_ip: str,
) -> tuple[bool, str]:
    """``(success, output)`` of one probe ``age`` seconds after the container started."""
    handler = spec.handler
    exec_action = handler.get("exec")
    if isinstance(exec_action, Mapping):
        files = {file.path: file for file in behavior.files}
        for word in _words(exec_action.get("command")):
            if word in files:
                if files[word].exists(age):
                    return True, ""
                return False, f"cat: can't open '{word}': No such file or directory"
    health = behavior.readiness if spec.kind in ("readiness", "startup") else behavior.liveness
    if health.healthy(age):
        return True, ""
    if isinstance(exec_action, Mapping):
        return False, ""
    http = handler.get("httpGet")
    if isinstance(http, Mapping):
        return False, f"HTTP probe failed with statuscode: {_HTTP_FAILURE_CODE[spec.kind]}"
    tcp = handler.get("tcpSocket")
    if isinstance(tcp, Mapping):
        host = tcp.get("host") or pod_ip
        return False, f"dial tcp {host}:{_port(tcp.get('port'), container)}: connect: connection refused"
    grpc = handler.get("grpc")
    if isinstance(grpc, Mapping):
        return False, f'timeout: failed to connect service ":{grpc.get("port")}" within 1s'
    return False, ""
