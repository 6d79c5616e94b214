"""``pods/exec``: the apiserver's part of ``kubectl exec`` (sans-I/O checks).

Kubernetes' ``ExecLocation`` (pkg/registry/core/pod/strategy.go) decides, before any
stream is opened, which container of which node the command goes to: the container
named (it must be one of the pod's), or the only one; a pod with several needs a name
(kubectl picks it itself: the ``kubectl.kubernetes.io/default-container`` annotation,
else the first, see :func:`default_container`); the pod must be bound to a node. The
kubelet then says whether that container runs (:class:`ExecUnavailable` with its words,
e.g. ``container not found ("app")``, which kubectl shows after ``error: unable to
upgrade connection: ``).

The answer to an exec request, in process, is a :class:`PodExec`: the options and an
:class:`ExecTarget`, the running container as the kubelet hands it over; the caller (the
HTTP front, over a WebSocket) runs the session with it. The apiserver only knows this
protocol: the node layer implements it (:class:`kactors.node.execsession.ContainerSession`)
and the cluster wires the two, so the apiserver never imports the node.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, Protocol

import attrs

from kactors.api import status as st
from kactors.apiserver.objects import query_flag

__all__ = ["DEFAULT_CONTAINER_ANNOTATION", "ExecOptions", "ExecOutcome", "ExecTarget",
           "ExecUnavailable", "PodExec", "default_container", "exec_container", "exec_options"]

DEFAULT_CONTAINER_ANNOTATION = "kubectl.kubernetes.io/default-container"


@attrs.frozen
class ExecOptions:
    """``PodExecOptions`` from the query: what to run, where, and which streams."""

    command: tuple[str, ...]
    container: str | None = None
    stdin: bool = False
    stdout: bool = True
    stderr: bool = True
    tty: bool = False


@attrs.frozen
class ExecUnavailable:
    """Why the kubelet cannot enter a container, in its words (HTTP: ``status``, text)."""

    message: str
    status: int = 500


@attrs.frozen
class ExecOutcome:
    """``exit_code`` when the command ran, else ``error`` (the runtime's message)."""

    exit_code: int | None
    error: str | None = None


#: ``write(stream, data)``: a session's output, stream 1 (stdout) or 2 (stderr)
ExecWrite = Callable[[int, bytes], Awaitable[None]]


class ExecTarget(Protocol):
    """A running container that commands can be run in (the kubelet's side of exec)."""

    async def run(self, command: Sequence[str], write: ExecWrite, *, stdin: Any = None,
                  tty: bool = False, clock: Callable[[], Any] | None = None,
                  exec_id: str = ...) -> ExecOutcome:
        """Run `command`, streaming its output to `write`; `stdin` is a receive channel
        of bytes when the client attached one."""
        ...


@attrs.frozen
class PodExec:
    """What an exec request is answered with in process: where it runs, and how."""

    target: ExecTarget
    options: ExecOptions
    pod: str
    container: str


def exec_options(options: Mapping[str, Any]) -> ExecOptions:
    """The options of an exec request (``command`` repeats: a list); a 400 Status when
    they make no exec."""
    raw = options.get("command") or ()
    command = tuple(str(c) for c in ([raw] if isinstance(raw, str) else raw))
    if not command:
        raise st.StatusError(st.bad_request("you must specify at least 1 command"))
    parsed = ExecOptions(command, str(options.get("container") or "") or None,
                         query_flag(options.get("stdin")), query_flag(options.get("stdout")),
                         query_flag(options.get("stderr")), query_flag(options.get("tty")))
    if not (parsed.stdin or parsed.stdout or parsed.stderr):
        raise st.StatusError(st.bad_request(
            "you must specify at least one of stdin, stdout, stderr"))
    return parsed


def _names(pod: Mapping[str, Any], field: str) -> list[str]:
    items = (pod.get("spec") or {}).get(field) or []
    return [str(c.get("name")) for c in items if isinstance(c, Mapping)]


def exec_container(pod: Mapping[str, Any], container: str | None) -> str:
    """The container an exec goes to, as ``ExecLocation`` chooses; a 400 Status if none."""
    name = (pod.get("metadata") or {}).get("name", "")
    containers = _names(pod, "containers")
    if not container:
        if len(containers) == 1:
            container = containers[0]
        elif not containers:
            raise st.StatusError(st.bad_request(
                f"a container name must be specified for pod {name}"))
        else:
            message = (f"a container name must be specified for pod {name}, "
                       f"choose one of: [{' '.join(containers)}]")
            init = _names(pod, "initContainers")
            if init:
                message += f" or one of the init containers: [{' '.join(init)}]"
            raise st.StatusError(st.bad_request(message))
    elif container not in (*containers, *_names(pod, "initContainers"),
                           *_names(pod, "ephemeralContainers")):
        raise st.StatusError(st.bad_request(f"container {container} is not valid for pod {name}"))
    if not (pod.get("spec") or {}).get("nodeName"):
        raise st.StatusError(st.bad_request(f"pod {name} does not have a host assigned"))
    return container


def default_container(pod: Mapping[str, Any]) -> str | None:
    """The container kubectl picks when none is named: the one the
    ``kubectl.kubernetes.io/default-container`` annotation names (if the pod has it),
    else the first."""
    containers = _names(pod, "containers")
    wanted = ((pod.get("metadata") or {}).get("annotations") or {}).get(
        DEFAULT_CONTAINER_ANNOTATION)
    if wanted in containers:
        return str(wanted)
    return containers[0] if containers else None
