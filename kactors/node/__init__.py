"""The node: a simulated container runtime and kube-proxy's rule table, pure and sans-I/O.

The kubelet and kube-proxy *actors* wrap these; nothing here waits, reads a clock or
does I/O (cluster time comes in as ``now``, randomness from an injected
``random.Random``). Submodules, one concept each:

* :mod:`~kactors.node.images` - how each simulated image behaves (``cluster.toml``);
* :mod:`~kactors.node.imageref` - image references, normalized like containerd does;
* :mod:`~kactors.node.imagestore` - the images present on a node and its (serial) puller;
* :mod:`~kactors.node.commands` - what a container's ``command``/``args`` would do;
* :mod:`~kactors.node.runtime` - the container runtime of one node (:class:`ContainerRuntime`);
* :mod:`~kactors.node.records` - its per-pod bookkeeping and container statuses;
* :mod:`~kactors.node.podstatus` - pod phase and conditions, as the kubelet computes them;
* :mod:`~kactors.node.probes` - readiness, liveness and startup probes;
* :mod:`~kactors.node.envconfig` - ConfigMaps and Secrets consumed by env and volumes;
* :mod:`~kactors.node.containerenv` - a container's environment values, as it started;
* :mod:`~kactors.node.execshell` - what ``kubectl exec`` runs over a container's view;
* :mod:`~kactors.node.terminal` - the line discipline of ``exec -i``/``-t``;
* :mod:`~kactors.node.backoff` - the kubelet's image-pull and crash-loop back-off;
* :mod:`~kactors.node.events` - :class:`RuntimeEvent`, in Kubernetes' event wording;
* :mod:`~kactors.node.logs` - containers' stdout, computed on demand;
* :mod:`~kactors.node.ipam` - pod IPs from the node's pod CIDR;
* :mod:`~kactors.node.proxy` - kube-proxy's service rules and load balancing.

:mod:`~kactors.node.execsession` is the exception: the small trio loop that plays an exec
session (its sleeps on the cluster clock), for the HTTP front and in-process callers.
"""

from .backoff import Backoff
from .commands import Script, apply_command, interpret, pi_digits
from .containerenv import container_env
from .envconfig import ConfigLookup, EnvResult, check_volumes, resolve_env
from .events import EventKind, RuntimeEvent, go_duration
from .execshell import ContainerView, ProgramNotFound, Shell
from .imageref import ImageRef, parse_image_ref
from .images import (
    DEFAULT_IMAGES,
    GENERIC_IMAGE,
    FileSpec,
    Health,
    ImageBehavior,
    ImageCatalog,
    ImageConfigError,
    LogSpec,
    parse_duration,
    parse_image_behavior,
)
from .imagestore import ImageStore
from .ipam import IPAllocator, IPExhaustedError
from .logs import LogLine, render_logs
from .podstatus import (
    containers_ready_condition,
    initialized_condition,
    pod_phase,
    ready_condition,
)
from .probes import ProbeSpec, probe_spec, run_probe
from .proxy import Endpoint, ProxyTable, RouteResult, ServicePortRule
from .runtime import (
    RESYNC_SECONDS,
    RETRY_SECONDS,
    ContainerRuntime,
    LogsUnavailable,
    render_times,
)

__all__ = [
    "DEFAULT_IMAGES",
    "GENERIC_IMAGE",
    "RESYNC_SECONDS",
    "RETRY_SECONDS",
    "Backoff",
    "ConfigLookup",
    "ContainerRuntime",
    "ContainerView",
    "Endpoint",
    "EnvResult",
    "EventKind",
    "FileSpec",
    "Health",
    "IPAllocator",
    "IPExhaustedError",
    "ImageBehavior",
    "ImageCatalog",
    "ImageConfigError",
    "ImageRef",
    "ImageStore",
    "LogLine",
    "LogSpec",
    "LogsUnavailable",
    "ProbeSpec",
    "ProgramNotFound",
    "ProxyTable",
    "RouteResult",
    "RuntimeEvent",
    "Script",
    "ServicePortRule",
    "Shell",
    "apply_command",
    "check_volumes",
    "container_env",
    "containers_ready_condition",
    "go_duration",
    "initialized_condition",
    "interpret",
    "parse_duration",
    "parse_image_behavior",
    "parse_image_ref",
    "pi_digits",
    "pod_phase",
    "probe_spec",
    "ready_condition",
    "render_logs",
    "render_times",
    "resolve_env",
    "run_probe",
]
