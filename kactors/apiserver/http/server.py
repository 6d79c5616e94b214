"""The HTTP front of the apiserver: the Kubernetes REST API for kubectl and client-go.

A thin adapter, as an actor next to the ApiServer (same host, so no simulated network
between them): each HTTP request becomes the :class:`ApiRequest` an in-process client
would send, through the same actor and the same pipeline (authentication with the bearer
token, RBAC, admission), and its answer (an object, a list, a Status) becomes the HTTP
response with the Status' code. What the front adds is only what HTTP needs:

* routing (:mod:`.routes`), body decoding and content negotiation (:mod:`.content`);
* discovery (:mod:`.discovery`, built-ins plus the cluster's CRDs), ``/version``,
  ``/healthz`` ``/livez`` ``/readyz``, OpenAPI (:mod:`.openapi`);
* server-side printing: ``as=Table`` answers converted by :mod:`.tables`;
* watches as chunked JSON lines (:mod:`.watch`);
* ``pods/exec`` over a WebSocket (:mod:`.execstream`, :mod:`.websocket`,
  :mod:`.remotecommand`), once the apiserver has allowed it.

Who a request is: its bearer token, always, when it has one. kubectl sends none over
plain ``http://`` (client-go attaches credentials to TLS transports only), so a request
without credentials is served with ``HttpApiConfig.credentials_default``: the admin's
token when plain HTTP listens on a loopback address (like kube-apiserver's old localhost
insecure port), else nothing, i.e. ``system:anonymous`` under the real authentication and
RBAC (HTTPS, or plain HTTP on any other address; see :mod:`.serving`).

``fieldValidation`` (unknown fields: Strict, Warn, Ignore) is checked here, before the
apiserver is asked, against the schemas /openapi/v3 serves (:mod:`.fieldvalidation`).

The listeners are opened by whoever starts the cluster (so a port in use is reported
before anything starts, and a restarted front serves the same port); connection tasks
live in the actor's nursery, so stopping the actor closes every connection.
"""

from __future__ import annotations

import datetime
import itertools
import json
from collections.abc import Callable, Sequence
from typing import Any

import attrs
import trio

from kactors.actors import Actor, ActorRef, ActorStopped, AskTimeout
from kactors.api import status as st
from kactors.api.kinds import DEFAULT_REGISTRY, Registry, ResourceInfo
from kactors.apiserver.auth import impersonation
from kactors.apiserver.messages import ApiRequest, StopWatch, WatchAccepted
from kactors.apiserver.objects import cluster_epoch
from kactors.apiserver.podexec import ExecOutcome, ExecUnavailable, PodExec
from kactors.apiserver.rest import patched
from kactors.client.discovery import with_crds

from . import content, discovery, fieldvalidation, remotecommand, tables, websocket
from .execstream import serve_exec, upgrade_headers
from .protocol import (
    HttpRequest,
    HttpResponse,
    Response,
    StreamResponse,
    UpgradeResponse,
    serve_connection,
)
from .routes import Endpoint, ResourceRoute, RouteError, route
from .watch import WATCH_BUFFER, StopRelay, WatchRelay, encode_events

__all__ = ["HttpApi", "HttpApiConfig", "KUBERNETES_VERSION"]

#: the Kubernetes release whose API this reproduces (what ``kubectl version`` shows)
KUBERNETES_VERSION = {"major": "1", "minor": "32", "gitVersion": "v1.32.0-kactors",
                      "gitCommit": "0000000000000000000000000000000000000000",
                      "gitTreeState": "clean", "buildDate": "2026-01-01T00:00:00Z",
                      "goVersion": "go1.23.0", "compiler": "gc", "platform": "linux/amd64"}

MAX_BODY = 3 * 1024 * 1024  # kube-apiserver's limit for a JSON request body
#: cluster seconds between two reads of a followed log (kubectl logs -f)
LOG_POLL = 1.0


@attrs.frozen
class HttpApiConfig:
    #: bound listeners (TCP, or TLS over TCP); owned by the caller, who closes them
    listeners: Sequence[Any]
    #: the ApiServer to forward requests to (looked up when the front starts)
    apiserver: Callable[[], ActorRef]
    #: a token the front uses itself: to list CRDs for discovery, to check readiness
    token: str = attrs.field(repr=False)
    #: whose token a request without credentials is served with. kubectl sends no
    #: credentials over plain HTTP (client-go applies them to TLS transports only), so
    #: plain HTTP on a loopback address serves them as the admin, like kube-apiserver's
    #: old --insecure-port on localhost; None (HTTPS, or plain HTTP on any other address):
    #: they are system:anonymous, under the real authentication and RBAC. A request with
    #: a token is always authenticated by it. See :mod:`.serving`.
    credentials_default: str | None = attrs.field(default=None, repr=False)
    #: the address clients reach us at, for /api's serverAddressByClientCIDRs
    address: str = "127.0.0.1"
    #: cluster time 0 as a wall-clock moment (AGE in server-side printed tables); default:
    #: the run's (:func:`~kactors.apiserver.objects.cluster_epoch`)
    epoch: datetime.datetime = attrs.field(factory=cluster_epoch)
    max_body: int = MAX_BODY
    #: cluster seconds an idle keep-alive connection stays open
    idle_timeout: float = 120.0
    #: cluster seconds to wait for the apiserver's answer before a 504
    request_timeout: float = 60.0


def _json(obj: Any, status: int = 200) -> HttpResponse:
    return HttpResponse(status, json.dumps(obj, separators=(",", ":")).encode())


def _status_response(status: dict[str, Any]) -> HttpResponse:
    code = status.get("code") or 500
    return _json(status, code if isinstance(code, int) and 100 <= code < 600 else 500)


def _text(text: str, status: int = 200) -> HttpResponse:
    return HttpResponse(status, text.encode(), "text/plain; charset=utf-8")


def _bearer(headers: dict[str, str]) -> str | None:
    value = headers.get("authorization")
    if not value:
        return None
    scheme, _, token = value.partition(" ")
    if scheme.lower() != "bearer":
        return "\x00invalid"  # an unsupported scheme authenticates nobody: 401
    return token.strip()


def _partial(result: dict[str, Any]) -> dict[str, Any]:
    """``as=PartialObjectMetadata``: metadata only (what the garbage collector reads)."""
    if "items" in result and isinstance(result.get("items"), list):
        return {"kind": "PartialObjectMetadataList", "apiVersion": "meta.k8s.io/v1",
                "metadata": result.get("metadata") or {},
                "items": [{"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
                           "metadata": item.get("metadata") or {}}
                          for item in result["items"] if isinstance(item, dict)]}
    return {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
            "metadata": result.get("metadata") or {}}


def _is_failure(result: Any) -> bool:
    return isinstance(result, dict) and result.get("kind") == "Status" and \
        result.get("status") == "Failure"


class HttpApi(Actor):
    def __init__(self, config: HttpApiConfig) -> None:
        self.config = config
        self.registry: Registry = DEFAULT_REGISTRY
        self.watch_names = itertools.count(1)
        self.connections = 0
        self.watches = 0
        self.openapi_cache: dict[Any, Any] = {}
        #: bumped whenever discovery finds the registry changed (a CRD came or went)
        self.registry_generation = 0

    async def started(self) -> None:
        self.apiserver = self.config.apiserver()
        self.remote = self.ctx.remote(self.apiserver)
        self.ctx.start_soon(self._serve)

    # -- serving -----------------------------------------------------------------------------
    async def _serve(self) -> None:
        async with trio.open_nursery() as nursery:
            for listener in self.config.listeners:
                nursery.start_soon(self._accept, listener, nursery)

    async def _accept(self, listener: Any, nursery: trio.Nursery) -> None:
        while True:
            try:
                stream = await listener.accept()
            except (trio.ClosedResourceError, trio.BrokenResourceError):
                return  # the run is ending
            except OSError as error:  # out of file descriptors and such: wait, go on
                self.ctx.log.warning("http.accept_failed", error=str(error))
                await trio.sleep(0.1)
                continue
            nursery.start_soon(self._connection, stream)

    async def _connection(self, stream: Any) -> None:
        self.connections += 1
        try:
            await serve_connection(stream, self.handle, max_body=self.config.max_body,
                                   idle_timeout=self.config.idle_timeout,
                                   on_error=self._connection_error)
        except Exception as error:  # noqa: BLE001 - one odd client must not stop the front
            self.ctx.log.error("http.connection_failed", error=repr(error))
        finally:
            self.connections -= 1

    def _connection_error(self, error: BaseException) -> None:
        self.ctx.log.debug("http.connection_error", error=repr(error))

    # -- requests ----------------------------------------------------------------------------
    async def handle(self, request: HttpRequest) -> Response:
        """The answer to one request; never raises (a bug is a logged 500)."""
        try:
            response = await self._handle(request)
        except st.StatusError as error:
            response = _status_response(error.status)
        except RouteError as error:
            response = _status_response(error.status)
        except Exception as error:  # noqa: BLE001
            self.ctx.log.error("http.internal_error", method=request.method,
                               path=request.target.partition("?")[0], error=repr(error))
            response = _status_response(st.internal_error(f"{type(error).__name__}: {error}"))
        if isinstance(response, HttpResponse):
            self.ctx.log.debug("http.request", method=request.method,
                               path=request.target.partition("?")[0], code=response.status)
        return response

    async def _handle(self, request: HttpRequest) -> Response:
        target = route(request.method, request.target)
        if isinstance(target, Endpoint):
            return await self._endpoint(target, request)
        try:  # kubectl --as, --as-group: the apiserver checks the caller may
            impersonate = impersonation.from_headers(request.headers)
        except impersonation.ImpersonationError as error:
            raise st.StatusError(st.bad_request(str(error))) from None
        if target.subresource and not request.body:
            body, extra = None, {}  # pods/x/exec and friends: the apiserver says 404
        else:
            try:
                body, extra = content.decode_body(target.verb,
                                                  request.headers.get("content-type"),
                                                  request.body)
            except st.StatusError as error:
                # kubectl posts protobuf without asking discovery first: for a resource
                # this server does not serve, the truthful answer is 404, not 415
                if error.status.get("code") == 415 and await self._info(target) is None:
                    raise st.StatusError(st.new_status(
                        404, "NotFound", "the server could not find the requested resource",
                        {})) from None
                raise
        representation = content.negotiate(request.headers.get("accept"))
        if target.verb in ("update", "patch") and request.headers.get("user-agent"):
            # who a write without fieldManager is recorded as, where managedFields are kept
            extra = {**extra, "userAgent": request.headers["user-agent"]}
        api_request = ApiRequest(
            verb=target.verb, resource=target.resource, group=target.group,
            version=target.version, namespace=target.namespace, name=target.name,
            subresource=target.subresource, body=body,
            options={**target.options, **extra},
            token=_bearer(request.headers) or self.config.credentials_default,
            impersonate=impersonate)
        if target.verb == "watch":
            return await self._watch(api_request, target, representation)
        if target.subresource == "exec" and target.resource == "pods" and not target.group:
            return await self._exec(api_request, request)
        if target.subresource == "log" and str(target.options.get("follow", "")).lower() in (
                "true", "1"):
            return await self._follow_log(api_request)
        warnings: list[str] = []
        if target.verb in ("create", "update", "patch") and not target.subresource:
            warnings = await self._field_validation(target, body, api_request)
        result = await self._ask(api_request)
        response = await self._respond(target, result, representation)
        if warnings and response.status < 300:
            response = attrs.evolve(response, headers=tuple(
                ("warning", f'299 - {json.dumps(w)}') for w in warnings))
        return response

    async def _field_validation(self, target: ResourceRoute, body: Any,
                                request: ApiRequest) -> list[str]:
        """``fieldValidation`` (:mod:`.fieldvalidation`): unknown fields are refused
        (Strict), warned about (Warn, the default: a Warning header each) or ignored
        (Ignore), as Kubernetes does; the schemas are those /openapi/v3 serves."""
        mode = fieldvalidation.mode_of(target.query)
        if mode == "Ignore" or body is None:
            return []
        document = await self._openapi_document("openapi_v3_group", target.group,
                                                target.version)
        if not document:
            return []
        from . import openapi

        if target.verb == "patch" and request.options.get("patchType") != content.APPLY_PATCH:
            result, unknown = await self._patch_unknown_fields(target, body, request,
                                                               document)
            if unknown and mode == "Strict":
                raise st.StatusError(fieldvalidation.strict_patch_error(
                    str(request.options.get("patchType") or ""), body, result, unknown))
            return fieldvalidation.warnings(unknown)
        if not isinstance(body, dict):
            return []  # the apiserver says what is wrong with it
        unknown = openapi.unknown_fields(document, body)
        if unknown and mode == "Strict":
            raise st.StatusError(fieldvalidation.strict_decoding_error(body, unknown))
        return fieldvalidation.warnings(unknown)

    async def _patch_unknown_fields(self, target: ResourceRoute, patch: Any,
                                    request: ApiRequest, document: dict[str, Any]
                                    ) -> tuple[Any, list[str]]:
        """(the patched object, the unknown fields the patch gives it): the patch applied
        to the current object (read as the requester), as Kubernetes judges the patched
        result. No fields when the patch cannot add one, or the object cannot be read or
        patched: the patch request itself then gets the apiserver's answer."""
        info = await self._info(target)
        if info is None:
            return None, []
        patch_type = str(request.options.get("patchType") or "")
        api_version = f"{info.group}/{info.version}" if info.group else info.version
        if not fieldvalidation.patch_may_add_fields(document, api_version, info.kind, patch,
                                                    patch_type):
            return None, []
        current = await self._ask(attrs.evolve(request, verb="get", body=None, options={}))
        if not isinstance(current, dict) or _is_failure(current):
            return None, []
        try:
            result = patched(current, patch, patch_type)
        except st.StatusError:
            return None, []
        if not isinstance(result, dict):
            return None, []
        return result, fieldvalidation.patched_unknown_fields(document, current, result)

    async def _ask(self, request: ApiRequest) -> Any:
        try:
            return await self.remote.ask(request, timeout=self.config.request_timeout)
        except AskTimeout:
            return st.timeout("the apiserver did not answer in time")
        except ActorStopped:
            return st.service_unavailable("the apiserver is not running")

    async def _respond(self, target: ResourceRoute, result: Any, representation: str
                       ) -> HttpResponse:
        if isinstance(result, str):  # pods/log
            return _text(result)
        if _is_failure(result):
            return _status_response(result)
        if not isinstance(result, dict):
            return _status_response(st.internal_error(f"unexpected answer {type(result)}"))
        code = 201 if target.verb == "create" else 200
        if target.verb in ("get", "list") and not target.subresource and \
                result.get("kind") != "Status":
            if representation == content.TABLE:
                info = await self._info(target)
                if info is not None:
                    return _json(self._table(info, result, target.query), code)
            elif representation == content.PARTIAL:
                return _json(_partial(result), code)
        return _json(result, code)

    def _now(self) -> datetime.datetime:
        return self.config.epoch + datetime.timedelta(seconds=self.ctx.now())

    def _table(self, info: ResourceInfo, result: dict[str, Any], query: Any, *,
               no_headers: bool = False) -> dict[str, Any]:
        include = query.get("includeObject") or "Metadata"
        return tables.to_table(info, result, now=self._now(), include_object=include,
                               no_headers=no_headers)

    async def _info(self, target: ResourceRoute) -> ResourceInfo | None:
        """The resource a request names, for printing (custom ones need discovery)."""
        for attempt in range(2):
            try:
                return self.registry.by_resource(target.resource, target.group,
                                                 target.version or None)
            except LookupError:
                if attempt == 0:
                    await self._refresh_registry()
        return None

    async def _refresh_registry(self) -> Registry:
        """Built-ins plus the kinds of the cluster's CRDs (one list through the apiserver)."""
        listed = await self._ask(ApiRequest(
            verb="list", resource="customresourcedefinitions", group="apiextensions.k8s.io",
            version="v1", token=self.config.token))
        if isinstance(listed, dict) and isinstance(listed.get("items"), list):
            registry = with_crds(DEFAULT_REGISTRY, listed["items"])
            if tuple(registry) != tuple(self.registry):
                self.registry = registry
                self.registry_generation += 1
        return self.registry

    async def _follow_log(self, request: ApiRequest) -> HttpResponse | StreamResponse:
        """``kubectl logs -f``: the log so far, then what the container adds, read again
        every second (the kubelet keeps the output; it has no stream to offer), until the
        pod's log can no longer be read (the pod is gone) or the client leaves."""
        first = await self._ask(request)
        if not isinstance(first, str):
            return await self._respond_failure(first)
        options = {k: v for k, v in request.options.items() if k not in ("tailLines", "follow")}
        whole = attrs.evolve(request, options=options)
        seen = await self._ask(whole) if "tailLines" in request.options else first
        if not isinstance(seen, str):
            seen = first

        async def run(write: Callable[[bytes], Any]) -> None:
            nonlocal seen
            await write(first.encode())
            while True:
                await trio.sleep(LOG_POLL)
                text = await self._ask(whole)
                if not isinstance(text, str):
                    return
                if text.startswith(seen):
                    await write(text[len(seen):].encode())
                else:  # the container restarted: its log begins again
                    await write(text.encode())
                seen = text

        return StreamResponse(200, run, "text/plain; charset=utf-8")

    async def _exec(self, api_request: ApiRequest, request: HttpRequest
                    ) -> HttpResponse | UpgradeResponse:
        """``kubectl exec``: the apiserver checks (RBAC, the pod, its node, the kubelet's
        running container); then a WebSocket upgrade carries the session
        (:mod:`.execstream`). An error is the HTTP answer to the upgrade, as Kubernetes
        gives it: a Status (kubectl: ``Error from server (Forbidden): ...``), or the
        kubelet's text (``error: unable to upgrade connection: container not found``).
        SPDY (kubectl's fallback after a refused WebSocket) is not spoken: it gets the
        same checks, so the user reads the reason the WebSocket was refused."""
        headers = request.headers
        upgrade = websocket.is_websocket_upgrade(headers)
        protocol = None
        if upgrade:
            problem = websocket.handshake_error(request.method, headers)
            if problem is not None:
                return _status_response(st.bad_request(f"invalid WebSocket upgrade: {problem}"))
            protocol = websocket.select_protocol(headers.get("sec-websocket-protocol", ""),
                                                 remotecommand.PROTOCOLS)
            if protocol is None:
                return _status_response(st.bad_request(
                    "requested protocol(s) are not supported: "
                    f"[{headers.get('sec-websocket-protocol', '')}]; supports "
                    f"[{' '.join(remotecommand.PROTOCOLS)}]"))
        result = await self._ask(api_request)
        if isinstance(result, ExecUnavailable):
            return _text(result.message, result.status)
        if not isinstance(result, PodExec):
            return await self._respond_failure(result)
        if not upgrade or protocol is None:
            return _status_response(st.bad_request(
                "Upgrade request required: this server streams exec over WebSockets only "
                "(kubectl v1.30 or later), not SPDY"))
        exec_id = f"{self.ctx.random.getrandbits(256):064x}"
        log = self.ctx.log

        def done(outcome: ExecOutcome | None) -> None:
            log.info("pod.exec", pod=result.pod, container=result.container,
                     command=list(result.options.command), tty=result.options.tty,
                     exit_code=None if outcome is None else outcome.exit_code,
                     error=None if outcome is None or outcome.error is None
                     else "executable file not found",
                     client_left=outcome is None)

        async def run(stream: Any, buffered: bytes) -> None:
            await serve_exec(stream, buffered, result, clock=self._now, exec_id=exec_id,
                             done=done)

        return UpgradeResponse(upgrade_headers(headers["sec-websocket-key"], protocol), run)

    async def _respond_failure(self, result: Any) -> HttpResponse:
        if _is_failure(result):
            return _status_response(result)
        return _status_response(st.internal_error(f"unexpected answer {type(result)}"))

    # -- watches -----------------------------------------------------------------------------
    async def _watch(self, request: ApiRequest, target: ResourceRoute, representation: str
                     ) -> HttpResponse | StreamResponse:
        send, receive = trio.open_memory_channel[Any](WATCH_BUFFER)
        relay = self.ctx.spawn(lambda: WatchRelay(send), f"watch-{next(self.watch_names)}",
                               restart="temporary", mailbox_capacity=1_000_000)
        try:
            accepted = await self._ask(attrs.evolve(request, watcher=relay))
        except BaseException:
            relay.tell(StopRelay())
            raise
        if not isinstance(accepted, WatchAccepted):
            relay.tell(StopRelay())
            result = accepted if _is_failure(accepted) else st.internal_error(
                f"unexpected answer to a watch: {type(accepted).__name__}")
            return _status_response(result)
        transform = None
        if representation == content.TABLE:
            info = await self._info(target)
            if info is not None:
                transform = self._table_event(info, target.query)
        elif representation == content.PARTIAL:
            def transform(kind: str, obj: Any) -> Any:
                return obj if kind in ("ERROR", "BOOKMARK") else _partial(obj)

        watch_id = accepted.watch_id

        async def run(write: Callable[[bytes], Any]) -> None:
            self.watches += 1
            try:
                async for first in receive:
                    batch = [first]
                    while True:
                        try:
                            batch.append(receive.receive_nowait())
                        except (trio.WouldBlock, trio.EndOfChannel):
                            break
                    await write(encode_events(batch, transform))
            finally:
                self.watches -= 1
                self.remote.tell(StopWatch(watch_id))
                relay.tell(StopRelay())
                receive.close()

        return StreamResponse(200, run)

    def _table_event(self, info: ResourceInfo, query: Any) -> Callable[[str, Any], Any]:
        """Each event's object as a one-row Table; the columns in the first only, as
        kube-apiserver sends them (kubectl prints the header once)."""
        first = True

        def transform(kind: str, obj: Any) -> Any:
            nonlocal first
            if kind == "ERROR" or not isinstance(obj, dict):
                return obj
            if kind == "BOOKMARK":
                return {"kind": "Table", "apiVersion": "meta.k8s.io/v1",
                        "metadata": {"resourceVersion": (obj.get("metadata") or {}).get(
                            "resourceVersion", "")},
                        "columnDefinitions": [], "rows": []}
            table = self._table(info, obj, query, no_headers=not first)
            first = False
            return table

        return transform

    # -- what the front answers itself -------------------------------------------------------
    async def _endpoint(self, target: Endpoint, request: HttpRequest) -> HttpResponse:
        what = target.what
        if what == "version":
            return _json(KUBERNETES_VERSION)
        if what in ("healthz", "livez"):
            return _text("ok")
        if what == "readyz":
            answer = await self._ask(ApiRequest(verb="get", resource="namespaces",
                                                version="v1", name="default",
                                                token=self.config.token))
            if _is_failure(answer):
                return _text(f"[-]apiserver failed: {answer.get('message', '')}\n"
                             "readyz check failed", 500)
            return _text("ok")
        if what == "api":
            return _json(discovery.api_versions(
                request.headers.get("host") or self.config.address))
        registry = await self._refresh_registry()
        found: dict[str, Any] | None
        if what == "apis":
            found = discovery.api_group_list(registry)
        elif what == "api_group":
            found = discovery.api_group(registry, target.group)
        elif what == "group_version":
            found = discovery.resource_list(registry, target.group, target.version)
        else:
            found = await self._openapi_document(what, target.group, target.version)
        if found is None:
            return _status_response(st.new_status(
                404, "NotFound", "the server could not find the requested resource", {}))
        return _json(found)

    async def _openapi_document(self, what: str, group: str = "", version: str = ""
                                ) -> dict[str, Any] | None:
        """An OpenAPI document of the registry as last discovered, built once per registry
        (the CRDs change it); a group version not known yet refreshes the registry."""
        from . import openapi

        registry = self.registry
        if what == "openapi_v3_group" and not any(
                i.group == group and i.version == version for i in registry):
            registry = await self._refresh_registry()
        key = (what, group, version, self.registry_generation)
        cached = self.openapi_cache.get(key)
        if cached is None:
            if what == "openapi_v2":
                cached = openapi.openapi_v2(registry)
            elif what == "openapi_v3":
                cached = openapi.openapi_v3_index(registry)
            else:
                cached = openapi.openapi_v3_group(registry, group, version)
            if len(self.openapi_cache) > 64:
                self.openapi_cache.clear()
            self.openapi_cache[key] = cached
        return cached
