"""A simulated container runtime for one node, sans-I/O: the kubelet's view of containerd.

The kubelet actor drives it with plain calls and cluster time, and gets back
:class:`~kactors.node.events.RuntimeEvent` values and Kubernetes pod statuses::

    runtime = ContainerRuntime("node-1", ImageCatalog(), random.Random(seed),
                               pod_cidr="10.244.1.0/24", host_ip="172.18.0.3")
    runtime.sync_pod(pod, now, lookup)      # a pod bound to this node was added/updated
    events = runtime.advance(now)           # everything that happened up to now
    when = runtime.next_wakeup()            # when to call advance() again (None: idle)
    status = runtime.pod_status(pod, now)   # the pod's full ``status``

Each container of a pod is a small state machine, played out in cluster time:
image pull (shared image store, serialized pulls, ``imagePullPolicy``, pull back-off)
-> environment from ConfigMaps/Secrets -> create -> start -> running (probes) -> exit
(``Completed``/``Error``/``OOMKilled``) -> restart per ``restartPolicy`` with the
crash-loop back-off. Pod-level steps come first (volumes, then the sandbox and its IP)
and init containers run one by one before the app containers, which are started in
order, one start attempt after the other, as ``SyncPod`` does.

Determinism: every random draw comes from the injected ``random.Random``, in the order
the actions are processed (by time, then by scheduling order), so the same seed and
the same calls give the same events. All times are floats of cluster seconds; the
kubelet converts them to RFC 3339 (see :func:`render_times`).

Simplifications, each on purpose: a failed image pull is looked at again by the kubelet
after :data:`RESYNC_SECONDS` (so ``ErrImagePull`` turns into ``ImagePullBackOff``);
errors that real kubelets retry on their pod worker back-off (config errors, mounts,
``ErrImageNeverPull``, sandbox failures) retry every :data:`RETRY_SECONDS`; probes run
on an exact schedule; resource usage is a function of each image's behaviour and the
container's age (see :mod:`kactors.node.usage`).
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Callable, Iterator, Mapping
from typing import Any, NamedTuple

from kactors.api import meta
from kactors.api.defaults_pod import image_tag
from kactors.api.errors import QuantityError
from kactors.api.quantity import parse_quantity

from .backoff import Backoff
from .commands import apply_command
from .envconfig import CLAIM_ERROR_PREFIX, ConfigLookup, check_volumes, resolve_env
from .events import EventKind, RuntimeEvent, go_duration
from .imageref import parse_image_ref
from .images import ImageBehavior, ImageCatalog, LogSpec
from .imagestore import ImageStore
from .ipam import IPAllocator, IPExhaustedError
from .logs import LogLine, render_logs
from .podstatus import (
    by_name,
    containers_ready_condition,
    initialized_condition,
    is_restartable_init,
    pod_phase,
    ready_condition,
)
from .probes import ProbeKind, probe_spec, run_probe
from .records import ContainerRecord, Instance, PodRecord, cached_status, container_status
from .tokens import token_name

__all__ = [
    "RESYNC_SECONDS",
    "RETRY_SECONDS",
    "ContainerRuntime",
    "LogsUnavailable",
    "render_times",
]

#: After a failed pull the kubelet looks at the pod again this soon (and finds it in back-off).
RESYNC_SECONDS = 1.0
#: Pod worker back-off after a sync error: config errors, mounts, never-pull, sandbox.
RETRY_SECONDS = 10.0
#: Creating a pod sandbox (pause container and CNI network).
SANDBOX_SECONDS = 0.3
#: ``imagePullPolicy: Always`` on an image already present: only the manifest is checked.
REPULL_SECONDS = 0.5
#: How long the registry takes to say "not found".
PULL_FAIL_SECONDS = 1.0
#: A process that cannot start for lack of configuration dies this fast.
ENV_FAILURE_SECONDS = 0.3

_TERMINAL = ("Succeeded", "Failed")
_KUBELET_CONDITIONS = (
    "PodReadyToStartContainers",
    "Initialized",
    "Ready",
    "ContainersReady",
    "PodScheduled",
)
_PROBE_ORDER: tuple[ProbeKind, ...] = ("startup", "readiness", "liveness")


class LogsUnavailable(LookupError):
    """Why a container's logs cannot be read, in the kubelet's words."""


def _no_config(_kind: str, _namespace: str, _name: str) -> None:
    return None


def _limit(container: Mapping[str, Any], resource: str, scale: int) -> int | None:
    limits = (container.get("resources") or {}).get("limits") or {}
    value = limits.get(resource) if isinstance(limits, Mapping) else None
    if value is None:
        return None
    try:
        limit = parse_quantity(value).scaled_value(scale)
    except (QuantityError, TypeError):
        return None
    return limit if limit > 0 else None


def memory_limit(container: Mapping[str, Any]) -> int | None:
    """A container spec's memory limit in bytes (None: none, or unreadable)."""
    return _limit(container, "memory", 0)


def cpu_limit(container: Mapping[str, Any]) -> int | None:
    """A container spec's CPU limit in nanocores (None: none, or unreadable)."""
    return _limit(container, "cpu", -9)


def _pull_policy(container: Mapping[str, Any]) -> str:
    policy = container.get("imagePullPolicy")
    if policy in ("Always", "IfNotPresent", "Never"):
        return str(policy)
    return "Always" if image_tag(str(container.get("image", ""))) == "latest" else "IfNotPresent"


def _strings(value: Any) -> list[str]:
    return [str(item) for item in value] if isinstance(value, list) else []


_TIME_KEYS = frozenset(("startTime", "lastTransitionTime", "startedAt", "finishedAt"))


def render_times(status: Mapping[str, Any], to_text: Callable[[float], str]) -> dict[str, Any]:
    """A copy of a :meth:`ContainerRuntime.pod_status` with every time made text.

    Converts ``startTime``, conditions' ``lastTransitionTime`` and the containers'
    ``startedAt``/``finishedAt`` (``None`` stays ``None``); ``to_text`` is the kubelet's
    cluster-seconds -> RFC 3339 function.
    """
    return _convert(status, "", to_text)


def _convert(value: Any, key: str, to_text: Callable[[float], str]) -> Any:
    """:func:`render_times` of one value (under ``key``); a module function rather than a
    closure made anew at each call, since the kubelet renders several dicts per write."""
    kind = type(value)
    if kind is dict or (kind is not list and isinstance(value, Mapping)):
        out = {}
        for k, v in value.items():  # scalars (most values) without a call
            vkind = type(v)
            if vkind is str or v is None or vkind is bool:
                out[k] = v
            elif vkind is float or vkind is int:
                out[k] = to_text(float(v)) if k in _TIME_KEYS else v
            else:
                out[k] = _convert(v, k, to_text)
        return out
    if kind is list:
        return [_convert(item, "", to_text) for item in value]
    if key in _TIME_KEYS and (kind is float or kind is int):
        return to_text(float(value))
    return value


class _Timer(NamedTuple):
    """A planned action. A plain tuple, so the heap orders timers by ``(time, seq)`` in C
    (``seq`` is unique: the later fields are never compared)."""

    time: float
    seq: int
    pod_uid: str
    container: str  # "" for pod-level timers
    slot: str
    token: int
    action: str


class ContainerRuntime:
    """The simulated container runtime of one node (see the module docstring)."""

    def __init__(
        self,
        node_name: str,
        images: ImageCatalog,
        rng: random.Random,
        *,
        pod_cidr: str = "10.244.0.0/24",
        host_ip: str = "10.0.0.10",
        ip_allocator: IPAllocator | None = None,
        sandbox_seconds: float = SANDBOX_SECONDS,
    ) -> None:
        self.node_name = node_name
        self.images = images
        self.rng = rng
        self.host_ip = host_ip
        self.ipam = ip_allocator or IPAllocator(pod_cidr)
        self.sandbox_seconds = sandbox_seconds
        self._clock = 0.0
        self._seq = 0
        self._heap: list[_Timer] = []
        self._tokens: dict[tuple[str, str, str], int] = {}
        self._pods: dict[str, PodRecord] = {}
        self._outbox: list[RuntimeEvent] = []
        self.image_store = ImageStore()

    # -- public API ---------------------------------------------------------------------

    def sync_pod(self, pod: Mapping[str, Any], now: float, config_lookup: ConfigLookup | None = None) -> None:
        """Make the runtime converge on ``pod`` (its spec, or its deletion).

        Call it whenever the kubelet sees the pod bound to this node added or changed.
        A new pod gets its volumes checked, a sandbox and IP, then its containers; a
        changed ``image`` restarts that container; a ``deletionTimestamp`` kills the
        pod with ``deletionGracePeriodSeconds``. ``config_lookup(kind, namespace, name)``
        answers the ConfigMaps and Secrets the pod consumes (``None``: not found).
        """
        self._run_until(now)
        now = self._clock
        uid = meta.uid(pod)
        lookup = config_lookup or _no_config
        record = self._pods.get(uid)
        deleting = meta.deletion_timestamp(pod) is not None
        if record is None:
            status = pod.get("status") or {}
            if status.get("phase") in _TERMINAL:
                return  # finished before this runtime knew it: nothing to run
            record = self._new_pod(pod, lookup, now)  # refreshed already
            self._pods[uid] = record
            self._schedule(record, None, "pod", now, "volumes")
            if not deleting:
                return
        else:
            previous = record.spec
            record.pod = pod
            record.lookup = lookup
            if record.spec != previous:
                self._update_spec(record, now)
            elif not deleting and not previous.get("readinessGates"):
                # most updates are our status writes coming back: the same spec, and no
                # readiness gate reads the new conditions, so the refresh would find
                # what the last one saw (every step of the runtime ends with one)
                return
        if deleting:
            grace = (pod.get("metadata") or {}).get("deletionGracePeriodSeconds")
            if not isinstance(grace, int | float) or isinstance(grace, bool):
                grace = record.grace()
            self._kill_pod(record, float(grace), now)
        self._refresh(record, now)

    def kill_pod(self, pod_uid: str, grace: float, now: float) -> None:
        """Stop every container of the pod: SIGTERM, then SIGKILL after ``grace`` seconds.

        A ``TERMINATED`` event follows once nothing runs any more; a second call with a
        shorter grace period shortens the wait. Unknown UIDs are ignored.
        """
        self._run_until(now)
        record = self._pods.get(pod_uid)
        if record is not None:
            self._kill_pod(record, max(0.0, float(grace)), self._clock)
            self._refresh(record, self._clock)

    def remove_pod(self, pod_uid: str) -> None:
        """Forget a pod (after it was deleted from the API) and free its IP."""
        record = self._pods.pop(pod_uid, None)
        if record is None:
            return
        for key in [key for key in self._tokens if key[0] == pod_uid]:
            del self._tokens[key]
        self.ipam.release(pod_uid)

    def advance(self, now: float) -> list[RuntimeEvent]:
        """Play everything due up to ``now``; return what happened since the last call."""
        self._run_until(now)
        events, self._outbox = self._outbox, []
        return events

    def next_wakeup(self) -> float | None:
        """When :meth:`advance` has something to do next, or ``None`` if nothing is planned."""
        if self._outbox:
            return self._clock
        while self._heap and not self._live(self._heap[0]):
            heapq.heappop(self._heap)
        return self._heap[0].time if self._heap else None

    def pod_status(self, pod: Mapping[str, Any], now: float) -> dict[str, Any]:
        """The full Kubernetes ``status`` of ``pod`` as this node sees it at ``now``.

        Times are cluster seconds (``render_times`` converts them). ``PodScheduled`` and
        conditions not owned by the kubelet (readiness gates...) are kept from ``pod``.
        """
        return self._pod_status(pod, now, None)

    def rendered_status(
        self, pod: Mapping[str, Any], now: float, to_text: Callable[[float], str]
    ) -> dict[str, Any]:
        """``render_times(self.pod_status(pod, now), to_text)``, for less work.

        The kubelet renders a pod's status at every write: this builds the kubelet's own
        conditions and ``startTime`` with text times at once and renders the containers'
        cached statuses into new dicts, instead of making fresh copies of everything
        first and copying them again to render them (``tests/node/test_runtime_refresh.py``
        checks that both ways give equal statuses).
        """
        return self._pod_status(pod, now, to_text)

    def _pod_status(
        self, pod: Mapping[str, Any], now: float, to_text: Callable[[float], str] | None
    ) -> dict[str, Any]:
        """:meth:`pod_status` (``to_text`` None) or :meth:`rendered_status`."""
        self._run_until(now)
        record = self._pods.get(meta.uid(pod))
        old = pod.get("status") or {}
        if record is None:
            status: dict[str, Any] = {
                "phase": old.get("phase") or "Pending",
                "conditions": list(old.get("conditions") or []),
                "hostIP": self.host_ip,
                "hostIPs": [{"ip": self.host_ip}],
            }
            if old.get("qosClass"):
                status["qosClass"] = old["qosClass"]
            return status if to_text is None else render_times(status, to_text)
        if to_text is None:
            init_statuses, statuses = self._statuses(record, fresh=True)
        else:  # new dicts either way: render_times copies what it converts
            init_statuses, statuses = self._statuses(record)
            init_statuses = [render_times(s, to_text) for s in init_statuses]
            statuses = [render_times(s, to_text) for s in statuses]
        conditions = [
            dict(c) if to_text is None else render_times(c, to_text)
            for c in old.get("conditions") or [] if c.get("type") not in _KUBELET_CONDITIONS
        ]
        for kind in _KUBELET_CONDITIONS[:-1]:
            state, reason, message, since = record.conditions[kind]
            condition: dict[str, Any] = {
                "type": kind, "status": state, "lastProbeTime": None,
                "lastTransitionTime": since if to_text is None else to_text(float(since)),
            }
            if reason:
                condition["reason"] = reason
            if message:
                condition["message"] = message
            conditions.append(condition)
        scheduled = next(
            (c for c in old.get("conditions") or [] if c.get("type") == "PodScheduled"), None
        )
        start_time: Any = (record.start_time if to_text is None
                           else to_text(float(record.start_time)))
        if not scheduled:
            conditions.append({"type": "PodScheduled", "status": "True", "lastProbeTime": None,
                               "lastTransitionTime": start_time})
        else:
            conditions.append(dict(scheduled) if to_text is None
                              else render_times(scheduled, to_text))
        status = {"phase": record.phase, "conditions": conditions, "hostIP": self.host_ip,
                  "hostIPs": [{"ip": self.host_ip}]}
        if record.ip is not None:
            status["podIP"] = record.ip
            status["podIPs"] = [{"ip": record.ip}]
        status["startTime"] = start_time
        if init_statuses:
            status["initContainerStatuses"] = init_statuses
        status["containerStatuses"] = statuses
        if old.get("qosClass"):
            status["qosClass"] = old["qosClass"]
        return status

    def logs(
        self,
        pod_uid: str,
        container: str,
        tail: int | None = None,
        *,
        previous: bool = False,
        now: float | None = None,
    ) -> list[str]:
        """``kubectl logs``: the container's stdout lines (``previous``: the last run).

        Raises :class:`LogsUnavailable` with the kubelet's message when there are none
        to show (``container "app" in pod "web" is waiting to start: ContainerCreating``).
        """
        return [line.text for line in self.log_lines(pod_uid, container, tail, previous=previous, now=now)]

    def log_lines(
        self,
        pod_uid: str,
        container: str,
        tail: int | None = None,
        *,
        previous: bool = False,
        now: float | None = None,
    ) -> list[LogLine]:
        """Like :meth:`logs`, with each line's cluster time (for ``--timestamps``)."""
        if now is not None:
            self._run_until(now)
        record = self._pods.get(pod_uid)
        if record is None:
            raise LogsUnavailable(f'pod with UID "{pod_uid}" is not known on node "{self.node_name}"')
        target = record.container(container)
        if target is None:
            raise LogsUnavailable(f"container {container} is not valid for pod {record.name}")
        instance = self._log_instance(record, target, previous)
        assert instance.started_at is not None
        until = instance.finished_at if instance.finished_at is not None else self._clock
        return render_logs(instance.logs, instance.started_at, until, tail)

    def running_container(self, pod_uid: str, container: str, now: float | None = None
                          ) -> ContainerRecord | None:
        """The container if it runs now (what ``kubectl exec`` can enter), else None:
        the runtime knows only running containers as exec targets, as containerd."""
        if now is not None:
            self._run_until(now)
        record = self._pods.get(pod_uid)
        target = record.container(container) if record is not None else None
        return target if target is not None and target.running else None

    def preload_image(self, image: str) -> None:
        """Mark ``image`` as already present on the node (pre-pulled, like ``pause``)."""
        self.image_store.preload(parse_image_ref(image).name)

    def has_image(self, image: str) -> bool:
        """Whether ``image`` is present on the node now."""
        return self.image_store.present(parse_image_ref(image).name, self._clock)

    def pod_uids(self) -> list[str]:
        """The pods this runtime knows, in the order it first saw them."""
        return list(self._pods)

    def running(self) -> Iterator[tuple[PodRecord, ContainerRecord, Instance]]:
        """Every container instance running now, pods in the order first seen and
        containers in spec order: what a resource usage summary reports (read-only)."""
        for record in self._pods.values():
            for target in record.containers:
                current = target.current
                if current is not None and current.started_at is not None and \
                        current.finished_at is None:
                    yield record, target, current

    def pod_ip(self, pod_uid: str) -> str | None:
        record = self._pods.get(pod_uid)
        return None if record is None else record.ip

    def is_terminated(self, pod_uid: str) -> bool:
        """Whether the pod was killed and nothing of it runs any more."""
        record = self._pods.get(pod_uid)
        return record is not None and record.terminated and record.killing

    @property
    def now(self) -> float:
        """The cluster time the runtime has played up to."""
        return self._clock

    # -- the event loop ------------------------------------------------------------------

    def _live(self, timer: _Timer) -> bool:
        return self._tokens.get((timer.pod_uid, timer.container, timer.slot)) == timer.token

    def _run_until(self, now: float) -> None:
        heap, tokens, pods = self._heap, self._tokens, self._pods
        while heap and heap[0].time <= now:
            time, _, uid, container, slot, token, action = heapq.heappop(heap)
            key = (uid, container, slot)
            if tokens.get(key) != token:  # not live (see `_live`): cancelled or replaced
                continue
            if time > self._clock:
                self._clock = time
            record = pods.get(uid)
            if record is None:
                continue
            del tokens[key]
            if container:
                target = record.container(container)
                if target is not None:
                    self._dispatch(record, target, action, slot)
            else:
                self._dispatch_pod(record, action)
            self._refresh(record, self._clock)
        if now > self._clock:
            self._clock = now

    def _schedule(
        self, record: PodRecord, target: ContainerRecord | None, slot: str, when: float, action: str
    ) -> None:
        key = (record.uid, target.name if target else "", slot)
        token = self._tokens.get(key, 0) + 1
        self._tokens[key] = token
        self._seq += 1
        heapq.heappush(self._heap, _Timer(when, self._seq, key[0], key[1], slot, token, action))

    def _cancel(self, record: PodRecord, target: ContainerRecord | None, slot: str) -> None:
        self._tokens.pop((record.uid, target.name if target else "", slot), None)

    def _cancel_probes(self, record: PodRecord, target: ContainerRecord) -> None:
        for kind in _PROBE_ORDER:
            self._cancel(record, target, kind)

    def _emit(
        self,
        record: PodRecord,
        kind: EventKind,
        message: str,
        *,
        target: ContainerRecord | None = None,
        reason: str = "",
        type_: str = "Normal",
        exit_code: int | None = None,
    ) -> None:
        self._outbox.append(RuntimeEvent(
            self._clock, kind, record.uid, record.namespace, record.name,
            target.name if target else None, reason, message, type_,
            target.field_path if target else "", exit_code,
        ))

    def _dispatch(self, record: PodRecord, target: ContainerRecord, action: str, slot: str) -> None:
        if action == "probe":
            self._on_probe(record, target, slot)  # type: ignore[arg-type]
            return
        _HANDLERS[action](self, record, target)

    def _dispatch_pod(self, record: PodRecord, action: str) -> None:
        if action == "volumes":
            self._on_volumes(record)
        elif action == "sandbox":
            self._on_sandbox(record)

    # -- pods --------------------------------------------------------------------------

    def _new_pod(self, pod: Mapping[str, Any], lookup: ConfigLookup, now: float) -> PodRecord:
        spec = pod.get("spec") or {}
        containers = [
            ContainerRecord(
                str(c.get("name")), c, True, is_restartable_init(c),
                f"spec.initContainers{{{c.get('name')}}}",
            )
            for c in spec.get("initContainers") or () if isinstance(c, Mapping)
        ]
        containers += [
            ContainerRecord(str(c.get("name")), c, False, False, f"spec.containers{{{c.get('name')}}}")
            for c in spec.get("containers") or () if isinstance(c, Mapping)
        ]
        record = PodRecord(
            meta.uid(pod), meta.namespace(pod), meta.name(pod), pod, lookup, containers, now
        )
        self._refresh(record, now)
        return record

    def _update_spec(self, record: PodRecord, now: float) -> None:
        """A pod update: only a container's ``image`` may change (the rest is immutable).

        ``sync_pod`` calls it only when the spec changed: with an equal spec it would just
        swap each container's spec for an equal dict.
        """
        spec = record.spec
        by_name = {
            str(c.get("name")): c
            for c in [*(spec.get("initContainers") or ()), *(spec.get("containers") or ())]
            if isinstance(c, Mapping)
        }
        for target in record.containers:
            new = by_name.get(target.name)
            if new is None:
                continue
            changed = new.get("image") != target.spec.get("image")
            target.spec = new
            if not changed or record.killing or target.done:
                continue
            # The kubelet keys the crash back-off by the container's spec hash: a new
            # definition starts afresh.
            target.crash_backoff = Backoff()
            if target.running:
                self._kill_container(
                    record, target, record.grace(),
                    f"Container {target.name} definition changed, will be restarted", restart=True,
                )
            elif target.begun:
                self._schedule(record, target, "main", now, "begin")

    def _on_volumes(self, record: PodRecord) -> None:
        if record.killing:
            return
        volumes = [v for v in record.spec.get("volumes") or () if isinstance(v, Mapping)]
        account = record.spec.get("serviceAccountName") or "default"
        errors = check_volumes(volumes, record.namespace, record.lookup,
                               token_name=token_name(account, record.uid))
        claims = [(volume, error) for volume, error in errors
                  if error.startswith(CLAIM_ERROR_PREFIX)]
        if claims:  # the volume manager's one message for all volumes it could not process
            names = " ".join(volume for volume, _ in claims)
            self._emit(
                record, EventKind.MOUNT_FAILED,
                f"Unable to attach or mount volumes: unmounted volumes=[{names}], unattached "
                f"volumes=[{names}], failed to process volumes=[{names}]: {claims[0][1]}",
                reason="FailedMount", type_="Warning",
            )
        for volume, error in errors:
            if error.startswith(CLAIM_ERROR_PREFIX):
                continue
            self._emit(
                record, EventKind.MOUNT_FAILED,
                f'MountVolume.SetUp failed for volume "{volume}" : {error}',
                reason="FailedMount", type_="Warning",
            )
        if errors:
            self._schedule(record, None, "pod", self._clock + RETRY_SECONDS, "volumes")
        else:
            self._schedule(record, None, "pod", self._clock + self.sandbox_seconds, "sandbox")

    def _on_sandbox(self, record: PodRecord) -> None:
        if record.killing:
            return
        if record.spec.get("hostNetwork") is True:
            record.ip = self.host_ip
        else:
            try:
                record.ip = self.ipam.allocate(record.uid)
            except IPExhaustedError as error:
                sandbox_id = f"{self.rng.getrandbits(256):064x}"
                self._emit(
                    record, EventKind.SANDBOX_FAILED,
                    "Failed to create pod sandbox: rpc error: code = Unknown desc = failed to "
                    f'setup network for sandbox "{sandbox_id}": plugin type="bridge" failed '
                    f"(add): {error}",
                    reason="FailedCreatePodSandBox", type_="Warning",
                )
                self._schedule(record, None, "pod", self._clock + RETRY_SECONDS, "sandbox")
                return
        record.sandbox = True
        self._emit(record, EventKind.SANDBOX_READY, f"pod sandbox ready, IP {record.ip}")
        self._init_progress(record)

    def _init_progress(self, record: PodRecord) -> None:
        """Start the next init container, or the app containers once all are done."""
        for target in record.containers:
            if not target.init:
                break
            if target.sidecar:
                complete = target.ever_started
            else:
                complete = target.done and target.current is not None and target.current.exit_code == 0
            if complete:
                continue
            if not target.begun:
                self._schedule(record, target, "main", self._clock, "begin")
            return
        if not record.apps_started:
            record.apps_started = True
            names = [c.name for c in record.containers if not c.init]
            if names:
                first = record.container(names[0])
                assert first is not None
                first.in_chain = True
                record.chain = names[1:]
                self._schedule(record, first, "main", self._clock, "begin")

    def _conclude_attempt(self, record: PodRecord, target: ContainerRecord) -> None:
        """A start attempt ended (started or failed): begin the next container in order."""
        if not target.in_chain:
            return
        target.in_chain = False
        while record.chain:
            following = record.container(record.chain.pop(0))
            if following is not None:
                following.in_chain = True
                self._schedule(record, following, "main", self._clock, "begin")
                return

    def _kill_pod(self, record: PodRecord, grace: float, now: float) -> None:
        deadline = now + grace
        if record.killing and record.kill_deadline is not None and record.kill_deadline <= deadline:
            return
        first = not record.killing
        record.killing = True
        record.kill_deadline = deadline
        self._cancel(record, None, "pod")
        record.chain = []
        for target in record.containers:
            if target.running:
                self._kill_container(
                    record, target, grace, f"Stopping container {target.name}",
                    restart=False, announce=first or not target.current.stopping,  # type: ignore[union-attr]
                )
            else:
                self._cancel(record, target, "main")
                self._cancel_probes(record, target)
                target.done = True
                target.in_chain = False
        self._check_terminated(record)

    def _check_terminated(self, record: PodRecord) -> None:
        if record.terminated or not record.killing:
            return
        if any(target.running for target in record.containers):
            return
        record.terminated = True
        record.sandbox = False
        self.ipam.release(record.uid)
        self._emit(record, EventKind.TERMINATED, "all containers of the pod have stopped")

    # -- a container's start attempt ---------------------------------------------------------

    def _on_begin(self, record: PodRecord, target: ContainerRecord) -> None:
        if record.killing or target.done:
            self._conclude_attempt(record, target)
            return
        target.begun = True
        image = str(target.spec.get("image", ""))
        ref = parse_image_ref(image)
        policy = _pull_policy(target.spec)
        present = self.image_store.present(ref.name, self._clock)
        if policy == "Never" and not present:
            message = f'Container image "{image}" is not present with pull policy of Never'
            target.waiting = ("ErrImageNeverPull", message)
            self._emit(record, EventKind.NEVER_PULL, message, target=target,
                       reason="ErrImageNeverPull", type_="Warning")
            self._start_failed(record, target, "ErrImageNeverPull", RETRY_SECONDS)
            return
        if present and policy != "Always":
            self._emit(record, EventKind.PULLED, f'Container image "{image}" already present on machine',
                       target=target, reason="Pulled")
            self._after_image(record, target)
            return
        backoff = record.pull_backoff.get(image)
        if backoff is not None and backoff.in_backoff_since_update(self._clock):
            message = f'Back-off pulling image "{image}"'
            previous = record.pull_errors.get(image)
            target.waiting = (
                "ImagePullBackOff", f"{message}: ErrImagePull: {previous}" if previous else message
            )
            self._emit(record, EventKind.PULL_BACKOFF, message, target=target, reason="BackOff")
            assert backoff.last_update is not None
            self._start_failed(
                record, target, "ImagePullBackOff",
                backoff.last_update + backoff.duration - self._clock,
            )
            return
        self._emit(record, EventKind.PULLING, f'Pulling image "{image}"', target=target, reason="Pulling")
        behavior = self.images.lookup(image)
        if behavior.missing:
            end = self.image_store.fail(behavior.jitter(PULL_FAIL_SECONDS, self.rng), self._clock)
            target.pull = (self._clock, end - self._clock)
            self._schedule(record, target, "main", end, "pull_failed")
            return
        seconds = behavior.jitter(REPULL_SECONDS if present else behavior.pull_seconds, self.rng)
        end, pure = self.image_store.pull(ref.name, seconds, self._clock)
        target.pull = (self._clock, pure)
        self._schedule(record, target, "main", end, "pulled")

    def _start_failed(self, record: PodRecord, target: ContainerRecord, error: str, retry_in: float) -> None:
        self._emit(record, EventKind.START_FAILED, f"Error: {error}", target=target,
                   reason="Failed", type_="Warning")
        self._schedule(record, target, "main", self._clock + max(0.0, retry_in), "begin")
        self._conclude_attempt(record, target)

    def _on_pulled(self, record: PodRecord, target: ContainerRecord) -> None:
        image = str(target.spec.get("image", ""))
        requested, pure = target.pull or (self._clock, 0.0)
        target.pull = None
        size = self.images.lookup(image).size_bytes
        self._emit(
            record, EventKind.PULLED,
            f'Successfully pulled image "{image}" in {go_duration(pure)} '
            f"({go_duration(self._clock - requested)} including waiting). Image size: {size} bytes.",
            target=target, reason="Pulled",
        )
        backoff = record.pull_backoff.pop(image, None)
        if backoff is not None:
            record.pull_errors.pop(image, None)
        self._after_image(record, target)

    def _on_pull_failed(self, record: PodRecord, target: ContainerRecord) -> None:
        image = str(target.spec.get("image", ""))
        name = parse_image_ref(image).name
        target.pull = None
        error = (
            f'rpc error: code = NotFound desc = failed to pull and unpack image "{name}": '
            f'failed to resolve reference "{name}": {name}: not found'
        )
        self._emit(record, EventKind.PULL_FAILED, f'Failed to pull image "{image}": {error}',
                   target=target, reason="Failed", type_="Warning")
        record.pull_backoff.setdefault(image, Backoff()).next(self._clock, self._clock)
        record.pull_errors[image] = error
        target.waiting = ("ErrImagePull", error)
        self._start_failed(record, target, "ErrImagePull", RESYNC_SECONDS)

    def _after_image(self, record: PodRecord, target: ContainerRecord) -> None:
        env = resolve_env(target.spec, record.namespace, record.lookup)
        if env.error is not None:
            target.waiting = ("CreateContainerConfigError", env.error)
            self._start_failed(record, target, env.error, RETRY_SECONDS)
            return
        target.env_names = env.names
        target.env_sources = env.sources
        behavior = self._behavior(target)
        half = behavior.jitter(behavior.start_seconds, self.rng) / 2
        self._schedule(record, target, "main", self._clock + half, "create")

    def _behavior(self, target: ContainerRecord) -> ImageBehavior:
        behavior = self.images.lookup(str(target.spec.get("image", "")))
        return apply_command(behavior, _strings(target.spec.get("command")), _strings(target.spec.get("args")))

    def _on_create(self, record: PodRecord, target: ContainerRecord) -> None:
        if record.killing:
            self._conclude_attempt(record, target)
            return
        ref = parse_image_ref(str(target.spec.get("image", "")))
        behavior = self._behavior(target)
        instance = Instance(
            f"containerd://{self.rng.getrandbits(256):064x}", ref.name, ref.image_id,
            behavior, behavior.logs, self._clock,
        )
        if target.current is not None:
            target.restart_count += 1
            if target.current.finished_at is not None:
                target.last = target.current
        target.current = instance
        target.waiting = None
        self._emit(record, EventKind.CREATED, f"Created container: {target.name}",
                   target=target, reason="Created")
        half = behavior.jitter(behavior.start_seconds, self.rng) / 2
        self._schedule(record, target, "main", self._clock + half, "start")

    def _on_start(self, record: PodRecord, target: ContainerRecord) -> None:
        instance = target.current
        assert instance is not None
        if record.killing:  # defensive: a kill cancels pending starts
            self._conclude_attempt(record, target)
            return
        instance.started_at = self._clock
        self._emit(record, EventKind.STARTED, f"Started container {target.name}",
                   target=target, reason="Started")
        self._plan_exit(record, target, instance)
        target.probes = {}
        target.probe_runs = {}
        for kind in _PROBE_ORDER:
            spec = probe_spec(target.spec, kind)
            if spec is not None:
                target.probes[kind] = spec
                target.probe_runs[kind] = (None, 0)
                self._schedule(record, target, kind, self._clock + spec.initial_delay, "probe")
        if "startup" not in target.probes:
            self._set_started(record, target)
        self._conclude_attempt(record, target)
        if target.sidecar:
            self._init_progress(record)

    def _set_started(self, record: PodRecord, target: ContainerRecord) -> None:
        target.started = target.ever_started = True
        if "readiness" not in target.probes and not (target.init and not target.sidecar):
            self._set_ready(record, target, True)

    def _set_ready(self, record: PodRecord, target: ContainerRecord, ready: bool) -> None:
        if target.ready == ready:
            return
        target.ready = ready
        kind = EventKind.READY if ready else EventKind.NOT_READY
        self._emit(record, kind, f"container {target.name} is {'ready' if ready else 'not ready'}",
                   target=target)

    def _plan_exit(self, record: PodRecord, target: ContainerRecord, instance: Instance) -> None:
        behavior = instance.behavior
        plans: list[tuple[float, int, str, tuple[LogSpec, ...] | None]] = []
        if behavior.requires_env and not set(behavior.requires_env) & set(target.env_names):
            after = behavior.jitter(ENV_FAILURE_SECONDS, self.rng)
            lines = tuple(LogSpec(line, after) for line in behavior.env_error)
            plans.append((after, 1, "Error", lines))
        if behavior.run_seconds is not None:
            code = behavior.exit_code
            run = behavior.jitter(behavior.run_seconds, self.rng)
            # the spread stretches the whole run: what a script prints on its way (or as
            # its last act: perl's pi) keeps its place in it
            stretch = run / behavior.run_seconds if behavior.run_seconds else 1.0
            lines = None if stretch == 1.0 else tuple(
                LogSpec(line.text, line.at * stretch,
                        None if line.every is None else line.every * stretch)
                for line in instance.logs)
            plans.append((run, code, "Completed" if code == 0 else "Error", lines))
        limit = memory_limit(target.spec)
        reach = None if limit is None else behavior.seconds_to_reach(limit)
        if reach is not None:
            plans.append((behavior.jitter(reach, self.rng), 137, "OOMKilled", None))
        if not plans:
            return
        after, code, reason, lines = min(plans, key=lambda plan: plan[0])
        if lines is not None:
            instance.logs = lines
        instance.planned_exit = (self._clock + after, code, reason)
        self._schedule(record, target, "main", self._clock + after, "exit")

    # -- running containers ---------------------------------------------------------------

    def _on_probe(self, record: PodRecord, target: ContainerRecord, kind: ProbeKind) -> None:
        instance = target.current
        spec = target.probes.get(kind)
        if instance is None or not instance.running or instance.stopping or spec is None:
            return
        if kind != "startup" and not target.started:
            self._schedule(record, target, kind, self._clock + spec.period, "probe")
            return
        assert instance.started_at is not None
        ok, output = run_probe(spec, instance.behavior, self._clock - instance.started_at,
                               target.spec, record.ip or "")
        last, run = target.probe_runs.get(kind, (None, 0))
        run = run + 1 if ok == last else 1
        target.probe_runs[kind] = (ok, run)
        if not ok:
            self._emit(record, EventKind.UNHEALTHY, f"{spec.title} probe failed: {output}",
                       target=target, reason="Unhealthy", type_="Warning")
        if kind == "readiness":
            if ok and run >= spec.success_threshold:
                self._set_ready(record, target, True)
            elif not ok and run >= spec.failure_threshold:
                self._set_ready(record, target, False)
        elif not ok and run >= spec.failure_threshold:
            restart = self._restart_policy(record, target) != "Never"
            message = f"Container {target.name} failed {kind} probe"
            grace = spec.grace if spec.grace is not None else record.grace()
            self._kill_container(
                record, target, grace, f"{message}, will be restarted" if restart else message,
                restart=restart,
            )
            return
        elif kind == "startup" and ok:
            self._set_started(record, target)
            if target.sidecar:
                self._init_progress(record)
            return
        self._schedule(record, target, kind, self._clock + spec.period, "probe")

    def _kill_container(
        self,
        record: PodRecord,
        target: ContainerRecord,
        grace: float,
        message: str,
        *,
        restart: bool,
        announce: bool = True,
    ) -> None:
        """SIGTERM now; the process exits when it handles it, or SIGKILL at ``grace``."""
        instance = target.current
        assert instance is not None and instance.running
        if announce:
            self._emit(record, EventKind.KILLING, message, target=target, reason="Killing")
        instance.stopping = True
        target.force_restart = restart
        self._cancel_probes(record, target)
        self._set_ready(record, target, False)
        behavior = instance.behavior
        stop = behavior.stop_seconds
        if stop is not None:
            stop = behavior.jitter(stop, self.rng)
        if stop is not None and stop <= grace:
            code = behavior.stop_exit_code
            plan = (self._clock + stop, code, "Completed" if code == 0 else "Error")
        else:
            plan = (self._clock + grace, 137, "Error")
        if instance.planned_exit is None or plan[0] < instance.planned_exit[0]:
            instance.planned_exit = plan
            self._schedule(record, target, "main", plan[0], "exit")

    def _on_exit(self, record: PodRecord, target: ContainerRecord) -> None:
        instance = target.current
        if instance is None or not instance.running or instance.planned_exit is None:
            return
        _, code, reason = instance.planned_exit
        instance.finished_at = self._clock
        instance.exit_code = code
        instance.reason = reason
        target.started = False
        self._cancel_probes(record, target)
        self._set_ready(record, target, False)
        self._emit(record, EventKind.EXITED,
                   f"container {target.name} exited with code {code} ({reason})",
                   target=target, exit_code=code)
        forced, target.force_restart = target.force_restart, False
        if record.killing or (target.sidecar and record.sidecars_stopping):
            target.done = True
            self._check_terminated(record)
            return
        if target.init and not target.sidecar and code == 0 and not forced:
            target.done = True
            target.ready = True
            self._init_progress(record)
            return
        policy = self._restart_policy(record, target)
        if policy == "Always" or (policy == "OnFailure" and (code != 0 or forced)):
            self._restart_or_back_off(record, target)
            return
        target.done = True
        self._maybe_stop_sidecars(record)

    def _restart_policy(self, record: PodRecord, target: ContainerRecord) -> str:
        if target.sidecar:
            return "Always"
        policy = str(record.spec.get("restartPolicy") or "Always")
        if target.init and policy == "Always":
            return "OnFailure"  # init containers only ever re-run after a failure
        return policy

    def _restart_or_back_off(self, record: PodRecord, target: ContainerRecord) -> None:
        """``doBackOff``: restart now, or wait in ``CrashLoopBackOff``."""
        if record.killing:
            return
        finished = target.current.finished_at if target.current else None
        if finished is None:
            finished = self._clock
        backoff = target.crash_backoff
        if backoff.in_backoff_since(finished, self._clock):
            delay = go_duration(backoff.duration)
            target.waiting = (
                "CrashLoopBackOff",
                f"back-off {delay} restarting failed container={target.name} pod={record.display}",
            )
            self._emit(
                record, EventKind.BACKOFF,
                f"Back-off restarting failed container {target.name} in pod {record.display}",
                target=target, reason="BackOff", type_="Warning",
            )
            self._schedule(record, target, "main", finished + backoff.duration, "retry")
            return
        backoff.next(finished, self._clock)
        self._schedule(record, target, "main", self._clock, "begin")

    def _maybe_stop_sidecars(self, record: PodRecord) -> None:
        """Once every regular container is done for good, sidecars are stopped."""
        regular = [c for c in record.containers if not c.init]
        if not regular or not all(c.done for c in regular):
            return
        record.sidecars_stopping = True
        for target in reversed(record.containers):
            if target.sidecar:
                if target.running:
                    self._kill_container(record, target, record.grace(),
                                         f"Stopping container {target.name}", restart=False)
                else:
                    self._cancel(record, target, "main")
                    target.done = True

    # -- status ----------------------------------------------------------------------------

    def _statuses(
        self, record: PodRecord, *, fresh: bool = False
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """(init, regular) container statuses; ``fresh``: new dicts, not the cached ones
        (for statuses handed out, which their receiver may change)."""
        status = container_status if fresh else cached_status
        init: list[dict[str, Any]] = []
        regular: list[dict[str, Any]] = []
        for target in record.containers:  # one pass (init containers come first)
            (init if target.init else regular).append(status(record, target))
        return init, regular

    def _refresh(self, record: PodRecord, at: float) -> None:
        """Recompute phase and conditions; note transitions at ``at``.

        Called after every step of every pod, most of which change nothing the phase or
        the conditions depend on (a pull starting, a pod update that is our own status
        write coming back): when every input is what the previous refresh of this pod saw
        (spec, container statuses, terminated, sandbox, and the pod's conditions if it has
        readiness gates), the result would be the same, so it is not computed again.
        """
        init, regular = self._statuses(record)
        spec = record.spec
        # the pod's conditions matter only to readiness gates (see ``ready_condition``)
        gated = bool(spec.get("readinessGates"))
        old = ((record.pod.get("status") or {}).get("conditions") or []) if gated else []
        inputs = (spec, init, regular, record.terminated, record.phase, record.sandbox,
                  old if gated else None)
        seen = record.refreshed
        # tuples compare element by element, each by identity first: an unchanged spec
        # (the same object) or cached container status costs no deep comparison
        if seen == inputs:
            return
        every = [*init, *regular]
        known = by_name(every)  # shared by the phase and the conditions
        phase = pod_phase(spec, init, regular, terminal=record.terminated, known=known)
        if record.phase in _TERMINAL:
            phase = record.phase  # pods never leave a terminal phase
        if phase != record.phase:
            self._emit(record, EventKind.PHASE, f"{record.phase} -> {phase}")
            record.phase = phase
            if phase in _TERMINAL:
                self._finish(record)
        containers_ready = containers_ready_condition(spec, every, phase, known=known)
        computed = [
            ("PodReadyToStartContainers", "True" if record.sandbox else "False", "", ""),
            initialized_condition(spec, every, phase, known=known),
            ready_condition(spec, every, phase, old, containers_ready=containers_ready),
            containers_ready,
        ]
        for kind, state, reason, message in computed:
            previous = record.conditions.get(kind)
            since = at if previous is None or previous[0] != state else previous[3]
            record.conditions[kind] = (state, reason, message, since)
        # what this refresh saw, with the phase and sandbox it left (see the docstring)
        record.refreshed = (spec, init, regular, record.terminated, record.phase,
                            record.sandbox, inputs[6])

    def _finish(self, record: PodRecord) -> None:
        """The pod reached Succeeded or Failed: nothing more will run; free the sandbox."""
        for target in record.containers:
            if not target.running:
                self._cancel(record, target, "main")
                target.done = True
        if not any(target.running for target in record.containers):
            record.sandbox = False
            self.ipam.release(record.uid)

    def _log_instance(self, record: PodRecord, target: ContainerRecord, previous: bool) -> Instance:
        """``validateContainerLogStatus``: which run's logs ``kubectl logs`` shows."""
        status = container_status(record, target)
        state, last = status["state"], status["lastState"]
        name, pod = target.name, record.name
        instances = {i.container_id: i for i in (target.current, target.last) if i is not None}
        if previous:
            container_id = (last.get("terminated") or {}).get("containerID")
            if not container_id or container_id not in instances:
                raise LogsUnavailable(f'previous terminated container "{name}" in pod "{pod}" not found')
        elif "running" in state:
            container_id = status.get("containerID")
        elif "terminated" in state:
            container_id = state["terminated"].get("containerID")
            if container_id not in instances:
                raise LogsUnavailable(f'container "{name}" in pod "{pod}" is terminated')
        elif "terminated" in last:
            container_id = last["terminated"]["containerID"]
        else:
            reason = state["waiting"]["reason"]
            if reason == "ErrImagePull":
                reason = "image can't be pulled"
            elif reason == "ImagePullBackOff":
                reason = "trying and failing to pull image"
            raise LogsUnavailable(f'container "{name}" in pod "{pod}" is waiting to start: {reason}')
        instance = instances.get(str(container_id))
        if instance is None or instance.started_at is None:
            raise LogsUnavailable(f'container "{name}" in pod "{pod}" is waiting to start: ContainerCreating')
        return instance

    def describe(self) -> list[str]:
        """One line per pod and container, for logs and debugging."""
        lines = []
        for record in self._pods.values():
            lines.append(f"{record.namespace}/{record.name} {record.phase} ip={record.ip}")
            for status in [*self._statuses(record)[0], *self._statuses(record)[1]]:
                (state, detail), = status["state"].items()
                why = detail.get("reason", "") if isinstance(detail, Mapping) else ""
                lines.append(
                    f"  {status['name']}: {state}{' ' + why if why else ''} "
                    f"ready={status['ready']} restarts={status['restartCount']}"
                )
        return lines


#: a container timer's action -> its handler (looked up per timer, so built once)
_HANDLERS: dict[str, Callable[[ContainerRuntime, PodRecord, ContainerRecord], None]] = {
    "begin": ContainerRuntime._on_begin,
    "pulled": ContainerRuntime._on_pulled,
    "pull_failed": ContainerRuntime._on_pull_failed,
    "create": ContainerRuntime._on_create,
    "start": ContainerRuntime._on_start,
    "exit": ContainerRuntime._on_exit,
    "retry": ContainerRuntime._restart_or_back_off,
}
