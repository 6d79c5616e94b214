"""The ApiServer actor: the request pipeline and the watch caches.

    ApiRequest -> authenticate -> authorize (RBAC, node) -> admission (defaults, validation,
    namespace lifecycle) -> Rest (store transactions) -> reply (object or Status)

Each request runs as a task of the actor (`ctx.start_soon`), so slow store round trips
overlap while the actor's own loop stays free for watch notices; the watch caches and
watcher registry are touched only by the actor's loop, which is what keeps "list then
watch" gap-free. One store watch per resource feeds its cache, and the cache fans events
out to every watcher (informers) through the simulated network.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import attrs
import trio

from kactors.actors import Actor, ActorRef, Terminated
from kactors.api import status as st
from kactors.api.errors import SelectorError
from kactors.api.fields import parse_field_selector
from kactors.api.kinds import (
    DEFAULT_REGISTRY,
    Registry,
    ResourceInfo,
    resource_infos_from_crd,
    storage_prefix,
)
from kactors.api.status import new_status
from kactors.api.validation import go_quote, is_path_segment_name
from kactors.apiserver.admission import Admission
from kactors.apiserver.auth import Attributes, UserInfo
from kactors.apiserver.config import ApiServerConfig
from kactors.apiserver.conversion import serve_converted
from kactors.apiserver.eviction import evict
from kactors.apiserver.kubernetesservice import kubernetes_service_objects
from kactors.apiserver.messages import (
    AggregatedRequest,
    ApiRequest,
    ApiWatchClosed,
    ApiWatchEvent,
    StopWatch,
    WatchAccepted,
)
from kactors.apiserver.objects import json_type, query_flag, timestamp
from kactors.apiserver.podexec import ExecUnavailable, PodExec, exec_container, exec_options
from kactors.apiserver.priority import system_priority_classes
from kactors.apiserver.rest import APPLY_PATCH, ListFilter, Rest, patched
from kactors.apiserver.reviews import evaluate_review, is_review
from kactors.apiserver.saadmission import DEFAULT_ACCOUNT, account_of
from kactors.apiserver.security import Security
from kactors.apiserver.tokenrequest import token_request
from kactors.apiserver.watchcache import (
    ADDED,
    BOOKMARK,
    DELETED,
    MODIFIED,
    TooOldResourceVersion,
    WatchCache,
)
from kactors.store import Compacted, prefix_end
from kactors.store.client import StoreClient
from kactors.store.errors import Unavailable
from kactors.store.protocol import WatchNotice


def _watch_timeout(value: Any) -> float | None:
    """timeoutSeconds: a number of seconds > 0, or nothing; 400 otherwise."""
    if value is None or value == "":
        return None
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        raise st.StatusError(st.bad_request(
            f"invalid value for timeoutSeconds: {value!r}")) from None
    if seconds != seconds or seconds < 0:  # NaN or negative
        raise st.StatusError(st.bad_request(
            f"invalid value for timeoutSeconds: {value!r}"))
    return seconds or None


def _check_request(request: ApiRequest) -> None:
    """What an HTTP request's path and query could never carry: 400 (404 for a verb)."""
    namespace, name, options = request.namespace, request.name, request.options
    if (request.verb.__class__ is str and request.resource.__class__ is str
            and request.group.__class__ is str and request.version.__class__ is str
            and (namespace is None or namespace.__class__ is str and _plain_segment(namespace))
            and (name is None or name.__class__ is str and _plain_segment(name))
            and (request.subresource is None or request.subresource.__class__ is str)
            and (request.token is None or request.token.__class__ is str)
            and options.__class__ is dict
            and (not options or all(value.__class__ is str for value in options.values()))):
        return  # the common case, in a few type tests (every option may be a string)
    for field in ("verb", "resource", "group", "version"):
        if not isinstance(getattr(request, field), str):
            raise st.StatusError(st.bad_request(f"invalid request: {field} must be a string"))
    for field in ("namespace", "name", "subresource"):
        if not isinstance(getattr(request, field), str | None):
            raise st.StatusError(st.bad_request(f"invalid request: {field} must be a string"))
    if not isinstance(request.options, Mapping):
        raise st.StatusError(st.bad_request("invalid request: options must be a mapping"))
    if request.token is not None and not isinstance(request.token, str):
        raise st.StatusError(st.unauthorized())
    for field in ("namespace", "name"):
        value = getattr(request, field)
        if value:
            problems = is_path_segment_name(value)
            if problems:
                raise st.StatusError(st.bad_request(
                    f"invalid resource {field} {go_quote(value)}: [{', '.join(problems)}]"))
    for key, value in request.options.items():
        wanted = _OPTION_TYPES.get(key)
        if wanted is not None and value is not None and (
                isinstance(value, bool) and bool not in wanted or not isinstance(value, wanted)):
            raise st.StatusError(st.bad_request(
                f"invalid value for the {key} parameter: {json_type(value)}"))


def _plain_segment(value: str) -> bool:
    """A path segment `is_path_segment_name` has nothing to say about."""
    return "/" not in value and "%" not in value and value != "." and value != ".."


#: the query parameters and what they may be (an HTTP query has strings only; the client
#: also sends numbers and booleans as such)
_OPTION_TYPES: dict[str, tuple[type, ...]] = {
    "labelSelector": (str,), "fieldSelector": (str,), "continue": (str,),
    "resourceVersion": (str, int), "resourceVersionMatch": (str,),
    "propagationPolicy": (str,), "patchType": (str,),
    "limit": (str, int), "timeoutSeconds": (str, int, float),
    "gracePeriodSeconds": (str, int), "allowWatchBookmarks": (str, bool),
    "dryRun": (str, list, tuple), "fieldManager": (str,), "force": (str, bool),
    "userAgent": (str,),
}


def _selected_name(field_selector: Any) -> str:
    """The object a list or watch is limited to by a ``metadata.name=`` field selector:
    Kubernetes authorizes such a request as one for that name (a kubelet watching one
    Secret), so RBAC resourceNames and the node authorizer can allow it."""
    if not isinstance(field_selector, str) or "metadata.name" not in field_selector:
        return ""
    try:
        return parse_field_selector(field_selector).requires_exact_match("metadata.name") or ""
    except (SelectorError, ValueError):
        return ""  # reported as a 400 when the selector is parsed for the request


def _node_of(pod: Any) -> str | None:
    """The pod's spec.nodeName as the field selector reads it (a string, else "");
    None for no pod."""
    if pod is None:
        return None
    node = (pod.get("spec") or {}).get("nodeName")
    return node if node.__class__ is str else ""


def _not_found_resource() -> dict[str, Any]:
    return new_status(404, "NotFound", "the server could not find the requested resource",
                      {})


@attrs.frozen
class _Tick:
    pass


@attrs.frozen
class _Relist:
    pass


REGISTRY = "/registry/"
#: request workers kept parked for the next burst (see ApiServer._worker)
MAX_IDLE_WORKERS = 256
#: how many shared request attributes are kept (see ApiServer._attributes)
MAX_SHARED_ATTRIBUTES = 1024
#: how long a consistent read waits for the watch cache before suspecting the store watch
STORE_WATCH_PATIENCE = 1.0


@attrs.define
class _Watcher:
    watch_id: int
    info: ResourceInfo
    prefix: str
    filter: ListFilter
    ref: ActorRef
    remote: Any
    bookmarks: bool
    deadline: float | None
    #: the revision this watcher is up to date with: later events only
    after: int = 0
    #: sequence number of the last event sent (see ApiWatchEvent.seq)
    seq: int = 0
    #: the spec.nodeName its field selector pins (kubelets), for the indexed fan-out
    node: str | None = None
    #: its selector is that `spec.nodeName=<node>` and nothing else (see _fan_out)
    node_only: bool = False
    #: cluster time of its next bookmark (if it asked for bookmarks)
    next_bookmark: float = 0.0

    def send(self, kind: str, obj: Any) -> None:
        self.seq += 1
        self.remote.tell(ApiWatchEvent(self.watch_id, kind, obj, self.seq))


class ApiServer(Actor):
    def __init__(self, config: ApiServerConfig, store_endpoints: Callable[[], Sequence[ActorRef]],
                 registry: Registry = DEFAULT_REGISTRY) -> None:
        self.config = config
        self.store_endpoints = store_endpoints
        self.registry = registry
        self.caches: dict[str, WatchCache] = {}
        self.infos: dict[tuple[str, str], ResourceInfo] = {}
        self.watchers: dict[int, _Watcher] = {}
        self.by_prefix: dict[str, dict[int, _Watcher]] = {}
        #: the same watchers split for the fan-out (Kubernetes' "indexed triggers"):
        #: those pinned to one node by `spec.nodeName=` (a kubelet each), and the rest
        self.by_node: dict[str, dict[str, dict[int, _Watcher]]] = {}
        self.unpinned: dict[str, dict[int, _Watcher]] = {}
        self.by_ref: dict[str, list[int]] = {}
        self.next_watch_id = 0
        self.cache_waiters: list[tuple[int, trio.Event]] = []
        self.watch_tag: Any = None  # the tag of the current store watch
        self.watch_generation = 0
        self.expected_seq = 1
        self.last_notice = 0.0
        self.in_flight = 0
        #: requests waiting for a worker task, and the workers parked with nothing to do
        #: (see _worker)
        self.queued: deque[tuple[ApiRequest, Any]] = deque()
        self.idle: list[trio.lowlevel.Task] = []
        self.rewatching = False
        self.relisted = False
        #: storage prefix -> (whether security, admission keep track of its objects)
        self.indexed: dict[str, tuple[bool, bool]] = {}
        #: the attributes of requests that name no object (see _attributes)
        self.shared_attributes: dict[tuple[Any, ...], Attributes] = {}

    # -- start -------------------------------------------------------------------------------
    async def started(self) -> None:
        ctx = self.ctx
        self.store = StoreClient(ctx, list(self.store_endpoints()),
                                 timeout=self.config.store_timeout)
        self.security = Security(self.config)
        self.admission = Admission(self.config, self.caches, self.registry, ctx.random)
        self.rest = Rest(self.store, self.caches, ctx.random, ctx.now, self.config.epoch,
                         self.admission.admit_create, self.admission.admit_update,
                         self._wait_cache, self.admission.abort_create,
                         lambda info: self.admission.schemas.get(
                             (info.group, info.version, info.kind)))
        self.crd_prefix = self.registry.by_resource(
            "customresourcedefinitions", "apiextensions.k8s.io").storage_prefix
        for info in self.registry:
            self.infos.setdefault((info.group, info.resource), info)
            # create-only kinds (bindings, access reviews) and aggregated ones (metrics)
            # are never stored: no cache
            if info.storage_prefix not in self.caches and "watch" in info.verbs:
                self.caches[info.storage_prefix] = WatchCache(info.storage_prefix + "/",
                                                              self.config.watch_cache_size)
        await self._relist()
        await self._bootstrap()
        ctx.start_soon(self._kubernetes_service)
        ctx.every(self.config.tick, _Tick())
        self.last_notice = ctx.now()
        ctx.log.info("apiserver.ready", resources=len(self.caches),
                     revision=max(c.revision for c in self.caches.values()))

    async def _relist(self) -> None:
        """List everything under /registry/ into the caches, then watch from there.

        One store watch feeds every cache: each notice then advances all of them to the
        same revision, which is what lets a list wait until its cache has caught up with
        the store ("consistent reads from cache") even for a resource nobody writes.

        The CustomResourceDefinitions are read first, so that the kinds they define are
        served (with their objects) before anything else is. A relist after the first
        (the store watch fell behind compacted history) ends every watch: their events
        since then are lost, and a watcher must list again, as with Kubernetes' cacher.
        """
        result = await self.store.range(REGISTRY, prefix_end(REGISTRY))
        revision = result.revision
        if self.relisted:
            for watch_id, watcher in list(self.watchers.items()):
                watcher.remote.tell(ApiWatchClosed(watch_id))
                self._remove_watcher(watch_id)
        self.relisted = True
        crd_cache = self.caches[self.crd_prefix]
        crd_cache.replace([kv for kv in result.kvs
                           if self._prefix_of(kv.key) == self.crd_prefix], revision)
        self._index_cache(self.crd_prefix)
        served = {self.crd_prefix}
        for crd in crd_cache.objects.values():
            served.update(self._serve_crd(crd))
        for prefix in [p for p, cache in self.caches.items() if cache.custom]:
            if prefix not in served:  # its CRD went away meanwhile
                self._drop_custom(prefix)
        grouped: dict[str, list[Any]] = {prefix: [] for prefix in self.caches}
        for kv in result.kvs:
            prefix = self._prefix_of(kv.key)
            if prefix is not None:
                grouped[prefix].append(kv)
        for prefix, cache in self.caches.items():
            if prefix != self.crd_prefix:
                cache.replace(grouped[prefix], revision)
                self._index_cache(prefix)
        await self._watch_store(revision + 1)

    async def _watch_store(self, start_revision: int) -> None:
        """(Re-)open the store watch under a fresh tag, chosen before asking, so that its
        first notices (which may arrive before the answer) are recognised, and those of
        the old watch (a member we could not reach to cancel it) are not."""
        old = self.watch_tag
        self.watch_generation += 1
        self.watch_tag = (REGISTRY, self.watch_generation)
        self.expected_seq = 1
        if old is not None:
            await self.store.cancel_watch(old)
        await self.store.watch(self.watch_tag, REGISTRY, prefix_end(REGISTRY),
                               start_revision=start_revision, progress_notify=True,
                               batch=True)

    def _prefix_of(self, key: str) -> str | None:
        """The cache a store key belongs to: /registry/<resource> or /registry/<g>/<r>."""
        caches = self.caches
        # the text before the third and before the fourth "/" (found, not split and joined:
        # every store event is routed here)
        second = key.find("/", key.find("/") + 1)
        third = key.find("/", second + 1) if second >= 0 else -1
        if third >= 0:
            two = key[:third]
            if two in caches:
                return two
            fourth = key.find("/", third + 1)
            three = key[:fourth] if fourth >= 0 else key
            if three in caches:
                return three
        return None

    async def _bootstrap(self) -> None:
        """Objects every cluster starts with: the system namespaces, default RBAC, the
        system PriorityClasses and the configured extras (a default StorageClass)."""
        for obj in [*self.security.bootstrap_objects(self.config.namespaces),
                    *system_priority_classes(),
                    *(dict(extra) for extra in self.config.bootstrap_objects)]:
            await self._create_if_missing(obj)

    async def _create_if_missing(self, obj: dict[str, Any]) -> None:
        info = self.registry.for_object(obj)
        name = obj["metadata"]["name"]
        namespace = obj["metadata"].get("namespace")
        cache = self.caches[info.storage_prefix]
        key = f"{storage_prefix(info, namespace)}{name}"
        if key in cache.objects:
            return
        try:
            await self.rest.create(info, namespace, obj, self.security.system_user, {})
        except st.StatusError as error:
            if error.code != 409:
                raise

    async def _kubernetes_service(self) -> None:
        """The `kubernetes` Service and its Endpoints (:mod:`.kubernetesservice`), as
        Kubernetes' bootstrap controller keeps them: once the apiserver serves, because
        admitting a Service reads the caches, which catch up only while it handles
        messages."""
        for obj in kubernetes_service_objects(self.config.service_cidr,
                                              self.config.advertise_address):
            try:
                await self._create_if_missing(obj)
            except st.StatusError as error:
                self.ctx.log.warning("apiserver.kubernetes_service_failed",
                                     kind=obj["kind"], error=error.status.get("message"))
                return

    # -- messages ----------------------------------------------------------------------------
    def receive(self, message: Any) -> Any:
        if isinstance(message, ApiRequest):
            self.queued.append((message, self.ctx.defer_reply()))
            if self.idle:
                trio.lowlevel.reschedule(self.idle.pop())
            else:
                self.ctx.start_soon(self._worker)
            return None
        if isinstance(message, WatchNotice):
            self._on_store_events(message)
            return None
        if isinstance(message, StopWatch):
            self._remove_watcher(message.watch_id)
            return None
        if isinstance(message, Terminated):
            for watch_id in self.by_ref.pop(message.ref.path, []):
                self._remove_watcher(watch_id)
            return None
        if isinstance(message, _Tick):
            self._tick()
            return None
        if isinstance(message, _Relist):
            self.ctx.start_soon(self._relist)
            return None
        return super().receive(message)

    # -- the pipeline ------------------------------------------------------------------------
    async def _worker(self) -> None:
        """Serve queued requests one after the other, then park until there are more.

        Each request runs in a task of its own (a slow store round trip must not hold up
        the others); a worker that is done waits for the next request instead of ending,
        which saves starting a task per request. There are as many workers as requests
        were ever in flight at once; beyond `MAX_IDLE_WORKERS` idle ones, they end."""
        queued = self.queued
        idle = self.idle
        while True:
            while queued:
                request, reply = queued.popleft()
                await self._serve(request, reply)
            if len(idle) >= MAX_IDLE_WORKERS:
                return
            task = trio.lowlevel.current_task()
            idle.append(task)

            def abort(_: Any, task: Any = task) -> trio.lowlevel.Abort:
                if task in idle:
                    idle.remove(task)
                return trio.lowlevel.Abort.SUCCEEDED

            await trio.lowlevel.wait_task_rescheduled(abort)

    async def _serve(self, request: ApiRequest, reply: Any) -> None:
        self.in_flight += 1
        try:
            result = await self._handle(request)
        except st.StatusError as error:
            result = error.status
        except Exception as exc:  # a bug must not take the apiserver down: 500, logged
            self.ctx.log.error("apiserver.internal_error", verb=request.verb,
                               resource=request.resource, error=repr(exc))
            result = st.internal_error(f"{type(exc).__name__}: {exc}")
        finally:
            self.in_flight -= 1
        reply.set(result)

    async def _handle(self, request: ApiRequest) -> Any:
        _check_request(request)
        info = self.infos.get((request.group, request.resource))
        if info is None or (request.version and request.version != info.version):
            info = self._resolve(request)
            if info.stored_as:  # served in a version it is not stored in (autoscaling/v1)
                return await serve_converted(request, info, self._handle, patched)
        user = self.security.authenticate(request.token)
        if request.impersonate is not None:
            user = self.security.impersonate(user, request.impersonate)
        verb = request.verb
        subresource = request.subresource
        if subresource:
            sub = info.subresource(subresource)
            if sub is None:
                raise st.StatusError(_not_found_resource())
            verbs = sub.verbs
        else:
            verbs = info.verbs
        if verb not in verbs:  # no such route: 405, as the real router answers
            raise st.StatusError(st.method_not_supported(
                (info.group, f"{info.resource}/{subresource}" if subresource else info.resource),
                verb))
        name = request.name or ""
        if not name and verb in ("list", "watch"):
            name = _selected_name(request.options.get("fieldSelector"))
        self.security.authorize(self._attributes(user, verb, info, subresource or "",
                                                 request.namespace or "", name))
        if is_review(info.group, info.resource):  # answered by the authorizer, not stored
            return evaluate_review(info.kind, request.body, user, self.security.chain,
                                   timestamp(self.config.epoch, self.ctx.now()))
        namespace = request.namespace if info.namespaced else None
        if info.namespaced and not namespace and verb not in ("list", "watch"):
            raise st.StatusError(st.bad_request(
                "the server could not find the requested resource (namespace is required)"))
        if not request.name and (verb in ("get", "update", "patch", "delete") or subresource):
            raise st.StatusError(st.bad_request("name must be provided"))
        if info.aggregated:  # metrics.k8s.io: authorized here, served by metrics-server
            return await self._aggregated(info, verb, namespace, request.name,
                                          request.options, user.name)
        rest, options, name = self.rest, request.options, request.name
        if verb == "get":
            if subresource:
                if subresource == "scale":
                    return await rest.get_scale(info, namespace, name)
                if subresource == "log":
                    return await self._pod_log(info, namespace, name, options)
                if subresource == "exec":  # the WebSocket upgrade (a GET) must also be
                    # allowed to create pods/exec (KEP-4006's compound check, on by
                    # default from 1.35), or `get` on pods/exec would run commands
                    self.security.authorize(self._attributes(
                        user, "create", info, subresource, namespace or "", name))
                    return await self._pod_exec(info, namespace, name, options)
            return await rest.get(info, namespace, name, options)
        if verb == "list":
            return await rest.list(info, namespace, options)
        if verb == "watch":
            return self._start_watch(info, namespace, request)
        if verb == "create":
            if subresource:
                if subresource == "binding":
                    return await rest.bind(info, namespace, name, request.body)
                if subresource == "eviction":  # a delete that respects disruption budgets
                    return await evict(rest, info,
                                       self.infos[("policy", "poddisruptionbudgets")],
                                       namespace, name, request.body, options,
                                       self.security.system_user,
                                       lambda: timestamp(self.config.epoch, self.ctx.now()))
                if subresource == "exec":  # SPDY's POST, or an in-process client
                    return await self._pod_exec(info, namespace, name, options)
                if subresource == "token":  # TokenRequest: a token for this ServiceAccount
                    return token_request(await rest.read(info, namespace, name),
                                         request.body, self.security.service_account_token,
                                         self.ctx.now(),
                                         lambda t: timestamp(self.config.epoch, t))
            if info.kind == "Binding" and info.group == "":
                # POST .../bindings: the pod is the one the body names
                body = request.body if isinstance(request.body, dict) else {}
                meta = body.get("metadata") if isinstance(body.get("metadata"), dict) else {}
                pod = meta.get("name")
                if not isinstance(pod, str) or not pod:
                    raise st.StatusError(st.bad_request("name must be provided"))
                return await rest.bind(self.infos[("", "pods")], namespace, pod, body)
            if info.resource == "pods" and info.group == "" and \
                    self.config.service_account_admission:
                await self._await_service_account(namespace, request.body)
            return await rest.create(info, namespace, request.body, user, options)
        if verb == "update":
            if subresource == "scale":
                return await rest.update_scale(info, namespace, name, request.body, user, None,
                                               options)
            return await rest.update(info, namespace, name, request.body, user, subresource,
                                     options)
        if verb == "patch":
            if subresource == "scale":
                return await rest.update_scale(info, namespace, name, request.body, user,
                                               options.get("patchType") or
                                               "application/merge-patch+json", options)
            if options.get("patchType") == APPLY_PATCH:
                return await self._apply(info, namespace, name, request.body, user,
                                         subresource, options)
            return await rest.patch(info, namespace, name, request.body, user, subresource,
                                    options)
        if verb == "delete":
            return await rest.delete(info, namespace, name, options)
        if verb == "deletecollection":
            return await rest.delete_collection(info, namespace, options)
        raise st.StatusError(st.method_not_supported(info, verb))

    async def _apply(self, info: ResourceInfo, namespace: str | None, name: str, body: Any,
                     user: UserInfo, subresource: str | None, options: Mapping[str, Any]
                     ) -> Any:
        """Server-side apply (:mod:`.serversideapply`), narrated: who applied what, and the
        conflicts that refused it."""
        kind = f"{info.kind}/{name}" if not subresource else f"{info.kind}/{name}/{subresource}"
        try:
            applied = await self.rest.apply(info, namespace, name, body, user, subresource,
                                            options)
        except st.StatusError as error:
            if error.status.get("reason") == "Conflict" and \
                    (error.status.get("details") or {}).get("causes"):
                self.ctx.log.info("apply.conflict", object=kind, namespace=namespace,
                                  manager=options.get("fieldManager"),
                                  fields=[c["field"] for c in error.status["details"]["causes"]])
            raise
        self.ctx.log.info("apply.applied", object=kind, namespace=namespace,
                          manager=options.get("fieldManager"),
                          force=query_flag(options.get("force")),
                          resource_version=applied["metadata"].get("resourceVersion"))
        return applied

    def _attributes(self, user: UserInfo, verb: str, info: ResourceInfo, subresource: str,
                    namespace: str, name: str) -> Attributes:
        """What the authorizers judge. A frozen value: the requests that name no object
        (creates, lists, watches: nearly all by the same few users, verbs and resources)
        share one per combination, since building an attrs frozen instance costs about
        as much as authorizing it; a request for a named object gets its own."""
        key = None if name else (user, verb, info.group, info.version, info.resource,
                                 subresource, namespace)
        attributes = self.shared_attributes.get(key) if key is not None else None
        if attributes is None:
            attributes = Attributes(user=user, verb=verb, resource_request=True,
                                    api_group=info.group, api_version=info.version,
                                    resource=info.resource, subresource=subresource,
                                    namespace=namespace, name=name)
            if key is not None:
                if len(self.shared_attributes) >= MAX_SHARED_ATTRIBUTES:
                    self.shared_attributes.clear()
                self.shared_attributes[key] = attributes
        return attributes

    def _resolve(self, request: ApiRequest) -> ResourceInfo:
        try:
            return self.registry.by_resource(request.resource, request.group,
                                             request.version or None)
        except LookupError:
            raise st.StatusError(_not_found_resource()) from None

    async def _await_service_account(self, namespace: str, body: Any) -> None:
        """ServiceAccount admission's `getServiceAccount`: an account that the watch cache
        does not hold is looked for again after catching up with the store; `default`,
        which the serviceaccount controller creates soon after its namespace appears, up
        to 10 times, 100-200 ms apart. Admission then decides from the cache."""
        name = account_of(body) if isinstance(body, dict) else None
        if name is None or self.admission.service_account(namespace, name) is not None:
            return
        info = self.infos[("", "serviceaccounts")]
        interval = 0.1 + 0.1 * self.ctx.random.random()
        for attempt in range(10 if name == DEFAULT_ACCOUNT else 1):
            if attempt:
                await trio.sleep(interval)
            await self.rest.catch_up(info)
            if self.admission.service_account(namespace, name) is not None:
                return
        self.ctx.log.info("apiserver.serviceaccount_missing", serviceaccount=f"{namespace}/{name}")

    async def _pod_log(self, info: ResourceInfo, namespace: str, name: str,
                       options: Any) -> Any:
        """pods/log: the kubelet of the pod's node holds the container output; the reply
        is the text (a str), or a 400 Status with the kubelet's reason."""
        pod = await self.rest.read(info, namespace, name)
        logs = self.config.pod_logs
        node = (pod.get("spec") or {}).get("nodeName")
        if logs is None or not node:
            raise st.StatusError(st.bad_request(
                f"pod {name} is not scheduled to a node yet" if not node else
                f"no logs available for pod {name}"))
        result = await logs(self.ctx, pod, options)
        if result is None:
            raise st.StatusError(st.bad_request(
                f"the kubelet of node {node} is not reachable"))
        if isinstance(result, Exception):
            raise st.StatusError(st.bad_request(str(result)))
        return "".join(f"{line}\n" for line in result)

    async def _aggregated(self, info: ResourceInfo, verb: str, namespace: str | None,
                          name: str | None, options: Any, user: str) -> Any:
        """An aggregated API's request, handed on as kube-aggregator proxies it to the
        APIService's server; 503 when that server is missing or does not answer, as
        Kubernetes says of an unavailable APIService."""
        serve = self.config.aggregated
        result = None
        if serve is not None:
            result = await serve(self.ctx, AggregatedRequest(
                verb, info.group, info.version, info.resource, namespace, name,
                dict(options), user))
        if result is None:
            raise st.StatusError(st.service_unavailable(
                "the server is currently unable to handle the request"))
        return result
    async def _pod_exec(self, info: ResourceInfo, namespace: str, name: str,
                        options: Any) -> Any:
        """pods/exec: which container (:mod:`.podexec`), then the kubelet of the pod's
        node hands over that running container's view: a :class:`PodExec`, or the
        kubelet's :class:`ExecUnavailable` as it is."""
        pod = await self.rest.read(info, namespace, name)
        parsed = exec_options(options)
        container = exec_container(pod, parsed.container)
        reach = self.config.pod_exec
        node = pod["spec"]["nodeName"]
        target = await reach(self.ctx, pod, container) if reach is not None else None
        if target is None:
            raise st.StatusError(st.bad_request(
                f"the kubelet of node {node} is not reachable"))
        if isinstance(target, ExecUnavailable):
            return target
        return PodExec(target, parsed, f"{namespace}/{name}", container)

    async def _wait_cache(self, info: ResourceInfo, revision: int) -> None:
        cache = self.caches[info.storage_prefix]
        if cache.revision >= revision:
            return
        event = trio.Event()
        self.cache_waiters.append((revision, event))
        # The revision exists (a quorum read said so): if the store watch does not bring
        # it soon, the member serving the watch is probably gone; watch elsewhere.
        patience = min(STORE_WATCH_PATIENCE, self.config.store_timeout / 2)
        with trio.move_on_after(patience):
            await event.wait()
        if cache.revision < revision:
            self._start_rewatch("cache behind a quorum read")
            with trio.move_on_after(self.config.store_timeout - patience):
                await event.wait()
        if cache.revision < revision:
            raise st.StatusError(st.timeout("Too large resource version: the watch cache is "
                                            f"at {cache.revision}, {revision} requested"))

    # -- watch caches ------------------------------------------------------------------------
    def _on_store_events(self, notice: WatchNotice) -> None:
        if notice.tag != self.watch_tag:
            return  # an old store watch
        if notice.seq:
            if notice.seq < self.expected_seq:
                return  # a duplicate delivery
            if notice.seq > self.expected_seq:
                # a notice was lost on the way (etcd's stream would have broken instead):
                # watch again from what the caches have
                self._start_rewatch(f"notice {notice.seq} arrived, {self.expected_seq} "
                                    f"expected")
                return
            self.expected_seq += 1
        self.last_notice = self.ctx.now()
        revision = 0
        for response in notice.responses:
            if response.canceled:
                self.ctx.log.warning("apiserver.cache_relist",
                                     compact_revision=response.compact_revision)
                self.ctx.self.tell(_Relist())
                return
            revision = response.header_revision
            if response.events:
                self._apply_store_events(response.events, revision)
        for cache in self.caches.values():
            cache.advance(revision)
        if self.cache_waiters:
            still = []
            for wanted, event in self.cache_waiters:
                if revision >= wanted:
                    event.set()
                else:
                    still.append((wanted, event))
            self.cache_waiters = still

    def _apply_store_events(self, events: Any, revision: int) -> None:
        """One store revision's events into the caches they belong to, then out to the
        watchers."""
        by_prefix: dict[str, list[Any]] = {}
        for event in events:
            prefix = self._prefix_of(event.kv.key)
            if prefix is not None:
                by_prefix.setdefault(prefix, []).append(event)
        for prefix, events in by_prefix.items():
            cache = self.caches[prefix]
            if revision <= cache.revision:
                continue  # a duplicate after a re-watch
            applied = cache.apply(events, revision)
            self._index_events(prefix, applied)
            if self.by_prefix.get(prefix):
                self._fan_out(applied, prefix)

    def _index_cache(self, prefix: str) -> None:
        cache = self.caches[prefix]
        for key, obj in cache.objects.items():
            try:
                self.security.resync(prefix, (obj,))
                self.admission.resync(prefix, (obj,))
            except Exception as exc:  # noqa: BLE001 - an odd object must not stop the loop
                self.ctx.log.error("apiserver.index_failed", key=key, error=repr(exc))

    def _index_events(self, prefix: str, events: list[Any]) -> None:
        """Keep authorization, admission and the served CRDs current; an object they cannot
        make sense of is logged and skipped: the actor's loop must never crash on data."""
        wanted = self.indexed.get(prefix)
        if wanted is None:  # which of them care about this resource (asked once)
            wanted = self.indexed[prefix] = (self.security.observes(prefix),
                                             self.admission.observes(prefix))
        security, admission = wanted
        if not (security or admission or prefix == self.crd_prefix):
            return  # (events, leases, ...: most writes)
        for event in events:
            try:
                if security:
                    self.security.observe(prefix, (event,))
                if admission:
                    self.admission.observe(prefix, (event,))
                if prefix == self.crd_prefix:
                    if event.type == DELETED:
                        self._unserve_crd(event.prev or event.obj)
                    else:
                        self._serve_crd(event.obj)
            except Exception as exc:  # noqa: BLE001
                self.ctx.log.error("apiserver.index_failed", key=event.key, error=repr(exc))

    # -- custom resources --------------------------------------------------------------------
    def _serve_crd(self, crd: dict[str, Any]) -> set[str]:
        """Serve a CRD's resources as soon as it exists; mark it Established. Returns the
        storage prefixes it serves."""
        try:
            infos = resource_infos_from_crd(crd)
        except LookupError as error:
            self.ctx.log.warning("apiserver.crd_rejected", crd=crd["metadata"]["name"],
                                 error=str(error))
            return set()
        if not infos:
            return set()
        first = infos[0]
        old = [i for i in self.registry if (i.group, i.resource) == (first.group,
                                                                      first.resource)]
        if old != list(infos):
            registry = self.registry.without_resource(first.group, first.resource)
            self.registry = registry.with_resources(*infos)
            for info in old:
                self.infos.pop((info.group, info.resource), None)
            for info in infos:
                self.infos.setdefault((info.group, info.resource), info)
            if first.storage_prefix not in self.caches:
                cache = WatchCache(first.storage_prefix + "/", self.config.watch_cache_size)
                cache.custom = True
                cache.replace((), max(c.revision for c in self.caches.values()))
                self.caches[first.storage_prefix] = cache
            self.ctx.log.info("apiserver.crd_served", crd=crd["metadata"]["name"],
                              versions=[i.version for i in infos])
        # the schemas may change while the kind stays
        self.admission.forget_schemas(crd)
        self.admission.set_schemas(crd)
        conditions = (crd.get("status") or {}).get("conditions") or []
        if not any(c.get("type") == "Established" and c.get("status") == "True"
                   for c in conditions):
            self.ctx.start_soon(self._establish, crd)
        return {first.storage_prefix}

    async def _establish(self, crd: dict[str, Any]) -> None:
        info = self.infos[("apiextensions.k8s.io", "customresourcedefinitions")]
        now = timestamp(self.config.epoch, self.ctx.now())
        status = {
            "conditions": [
                {"type": "NamesAccepted", "status": "True", "reason": "NoConflicts",
                 "message": "no conflicts found", "lastTransitionTime": now},
                {"type": "Established", "status": "True", "reason": "InitialNamesAccepted",
                 "message": "the initial names have been accepted", "lastTransitionTime": now},
            ],
            "acceptedNames": (crd.get("spec") or {}).get("names") or {},
            "storedVersions": [v["name"] for v in (crd.get("spec") or {}).get("versions") or []
                               if v.get("storage")],
        }
        try:
            current = await self.rest.read(info, None, crd["metadata"]["name"])
            await self.rest.update(info, None, crd["metadata"]["name"],
                                   {**current, "status": status}, self.security.system_user,
                                   "status", {})
        except st.StatusError as error:
            self.ctx.log.warning("apiserver.crd_status_failed", error=str(error))

    def _unserve_crd(self, crd: dict[str, Any]) -> None:
        try:
            infos = resource_infos_from_crd(crd)
        except LookupError:
            return
        if not infos:
            return
        first = infos[0]
        self.registry = self.registry.without_resource(first.group, first.resource)
        for info in infos:
            self.infos.pop((info.group, info.resource), None)
        self.admission.forget_schemas(crd)
        prefix = first.storage_prefix
        cache = self._drop_custom(prefix)
        if cache is not None and cache.objects:
            key = prefix + "/"
            self.ctx.start_soon(self.store.delete_range, key, prefix_end(key))
        self.ctx.log.info("apiserver.crd_unserved", crd=crd["metadata"]["name"])

    def _drop_custom(self, prefix: str) -> WatchCache | None:
        """Stop serving the custom resource stored under `prefix`: its cache goes, its
        watches are closed, it leaves the registry."""
        for info in [i for i in self.registry if i.custom and i.storage_prefix == prefix]:
            self.registry = self.registry.without_resource(info.group, info.resource)
            self.infos.pop((info.group, info.resource), None)
        for watch_id, watcher in list(self.by_prefix.pop(prefix, {}).items()):
            watcher.remote.tell(ApiWatchClosed(watch_id))  # the resource is no more
            self._remove_watcher(watch_id)
        return self.caches.pop(prefix, None)

    def _fan_out(self, events: list[Any], prefix: str) -> None:
        """Each event to the watchers it concerns. Watchers pinned to a node are looked up
        by the node of the object (before and after the change) instead of tested one by
        one: with a kubelet per node, that is the difference between O(nodes) and O(1)
        selector evaluations per pod event."""
        unpinned = list((self.unpinned.get(prefix) or {}).values())
        by_node = self.by_node.get(prefix)
        for event in events:
            key = event.key
            candidates = unpinned
            new_node = old_node = None
            if by_node:
                new_node, old_node = _node_of(event.obj), _node_of(event.prev)
                seen = None
                for node in (new_node, old_node):
                    if node and node != seen:
                        seen = node
                        group = by_node.get(node)
                        if group:
                            if candidates is unpinned:
                                candidates = unpinned.copy()
                            candidates.extend(group.values())
            for watcher in candidates:
                if watcher.prefix and not key.startswith(watcher.prefix):
                    continue
                if event.revision <= watcher.after:
                    continue  # the watch started from a revision the cache had not reached
                kind = event.type
                selector = watcher.filter
                if watcher.node_only:
                    # its selector is `spec.nodeName=<node>` alone: the nodes read above
                    # answer it (a kubelet's watch, for every event of its pods)
                    new_match = kind != DELETED and new_node == watcher.node
                    old_match = event.prev is not None and old_node == watcher.node
                elif not selector.empty:
                    new_match = kind != DELETED and selector.matches(event.obj)
                    old_match = event.prev is not None and selector.matches(event.prev)
                else:
                    watcher.send(kind, event.obj)
                    continue
                if kind == MODIFIED:
                    if new_match and not old_match:
                        kind = ADDED
                    elif old_match and not new_match:
                        kind = DELETED
                    elif not new_match:
                        continue
                elif kind == ADDED and not new_match:
                    continue
                elif kind == DELETED and not old_match:
                    continue
                watcher.send(kind, event.obj)

    # -- watchers ----------------------------------------------------------------------------
    def _start_watch(self, info: ResourceInfo, namespace: str | None, request: ApiRequest
                     ) -> Any:
        ref = request.watcher
        if not isinstance(ref, ActorRef):
            raise st.StatusError(st.bad_request("a watch needs a watcher to deliver events to"))
        selector = ListFilter.parse(info, request.options)
        cache = self.caches[info.storage_prefix]
        options = request.options
        timeout = _watch_timeout(options.get("timeoutSeconds"))
        bookmarks = query_flag(options.get("allowWatchBookmarks"))
        rv_text = str(options.get("resourceVersion") or "")
        after = cache.revision
        if rv_text in ("", "0"):
            initial = [(ADDED, obj) for obj in cache.list(storage_prefix(info, namespace))
                       if selector.matches(obj)]
        else:
            try:
                rv = int(rv_text)
                if rv < 0:
                    raise ValueError(rv_text)
            except ValueError:
                raise st.StatusError(st.bad_request(
                    f"invalid resource version: {rv_text}")) from None
            try:
                events = cache.events_after(rv)
            except TooOldResourceVersion as error:
                raise st.StatusError(st.resource_expired(str(error))) from None
            after = max(after, rv)
            prefix = storage_prefix(info, namespace) if namespace else ""
            initial = []
            for event in events:
                if prefix and not event.key.startswith(prefix):
                    continue
                new_match = event.type != DELETED and selector.matches(event.obj)
                old_match = event.prev is not None and selector.matches(event.prev)
                if event.type == DELETED:
                    if old_match:
                        initial.append((DELETED, event.obj))
                elif new_match:
                    initial.append((ADDED if not old_match else event.type, event.obj))
                elif old_match:
                    initial.append((DELETED, event.obj))
        self.next_watch_id += 1
        watch_id = self.next_watch_id
        watcher = _Watcher(
            watch_id, info, storage_prefix(info, namespace) if namespace else "", selector, ref,
            self.ctx.remote(ref), bookmarks,
            self.ctx.now() + timeout if timeout else None, after)
        watcher.next_bookmark = self.ctx.now() + self.config.bookmark_interval
        self.watchers[watch_id] = watcher
        self.by_prefix.setdefault(info.storage_prefix, {})[watch_id] = watcher
        fields = selector.fields
        node = fields.requires_exact_match("spec.nodeName") if fields is not None else None
        if node and info.kind == "Pod" and info.group == "":
            watcher.node = node
            watcher.node_only = selector.labels is None and len(fields.requirements) == 1
            self.by_node.setdefault(info.storage_prefix, {}).setdefault(node, {})[
                watch_id] = watcher
        else:
            self.unpinned.setdefault(info.storage_prefix, {})[watch_id] = watcher
        if ref.path not in self.by_ref:
            self.ctx.watch(ref)
        self.by_ref.setdefault(ref.path, []).append(watch_id)
        for kind, obj in initial:
            watcher.send(kind, obj)
        return WatchAccepted(watch_id, str(after))

    def _remove_watcher(self, watch_id: int) -> None:
        watcher = self.watchers.pop(watch_id, None)
        if watcher is None:
            return
        prefix = watcher.info.storage_prefix
        self.by_prefix.get(prefix, {}).pop(watch_id, None)
        self.unpinned.get(prefix, {}).pop(watch_id, None)
        if watcher.node is not None:
            group = self.by_node.get(prefix, {}).get(watcher.node)
            if group is not None:
                group.pop(watch_id, None)
                if not group:
                    del self.by_node[prefix][watcher.node]
        ids = self.by_ref.get(watcher.ref.path)
        if ids and watch_id in ids:
            ids.remove(watch_id)
            if not ids:  # its last watch: no need to hear of its death any more
                del self.by_ref[watcher.ref.path]
                self.ctx.unwatch(watcher.ref)

    def _tick(self) -> None:
        now = self.ctx.now()
        for watcher in list(self.watchers.values()):
            if watcher.deadline is not None and now >= watcher.deadline:
                watcher.remote.tell(ApiWatchClosed(watcher.watch_id))
                self._remove_watcher(watcher.watch_id)
            elif watcher.bookmarks and now >= watcher.next_bookmark:
                watcher.next_bookmark = now + self.config.bookmark_interval
                cache = self.caches[watcher.info.storage_prefix]
                revision = max(cache.revision, watcher.after)
                watcher.send(BOOKMARK, {
                    "kind": watcher.info.kind, "apiVersion": watcher.info.api_version,
                    "metadata": {"resourceVersion": str(revision)}})
        if now - self.last_notice > self.config.store_watch_stall:
            self.last_notice = now
            self._start_rewatch("no notice from the store watch")

    def _start_rewatch(self, why: str) -> None:
        if self.rewatching:
            return
        self.rewatching = True
        self.ctx.log.warning("apiserver.store_watch_stalled", why=why,
                             seconds=self.ctx.now() - self.last_notice)
        self.ctx.start_soon(self._rewatch)

    async def _rewatch(self) -> None:
        """Watch again from where the caches are, on whichever member answers; re-list if
        that history was compacted meanwhile."""
        try:
            revision = min(cache.revision for cache in self.caches.values())
            await self._watch_store(revision + 1)
        except Compacted:
            await self._relist()
        except (Unavailable, TimeoutError) as error:
            self.ctx.log.warning("apiserver.rewatch_failed", error=repr(error))
        finally:
            self.rewatching = False


__all__ = ["ApiServer", "UserInfo"]
