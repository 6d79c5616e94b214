"""`ApiClient`: how an actor talks to the apiserver, with its own identity (a token).

Requests are asks through the simulated network (the apiserver lives on the control-plane
host; a kubelet on its node's host). Failures come back as Kubernetes Status objects and
are raised as `ApiError` subclasses (`NotFound`, `Conflict`, `Invalid`, ...). Kinds are
named as kubectl would (`"pods"`, `"Pod"`, `"deploy"`, `"deployments.apps"`); objects are
JSON-shaped dicts, shared and immutable: copy before changing.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

from kactors.actors import ActorContext, ActorRef
from kactors.api.kinds import DEFAULT_REGISTRY, Registry, ResourceInfo
from kactors.apiserver.auth.impersonation import Impersonation
from kactors.apiserver.messages import ApiRequest, StopWatch, WatchAccepted
from kactors.client.errors import error_from_status, is_failure

DEFAULT_TIMEOUT = 10.0


class ApiClient:
    def __init__(self, ctx: ActorContext, apiserver: ActorRef, token: str | None = None, *,
                 registry: Registry = DEFAULT_REGISTRY, timeout: float = DEFAULT_TIMEOUT,
                 default_namespace: str = "default",
                 impersonate: Impersonation | None = None) -> None:
        self.ctx = ctx
        self.apiserver = apiserver
        self._remote = ctx.remote(apiserver)
        self._token = token
        #: whom every request acts as, if not the token's user (``kubectl --as``)
        self.impersonate = impersonate
        self.registry = registry
        self.timeout = timeout
        self.default_namespace = default_namespace
        self._infos: dict[str, ResourceInfo] = {}
        self._by_type: dict[tuple[Any, Any], ResourceInfo] = {}

    def __repr__(self) -> str:
        return f"<ApiClient of {self.ctx.path} to {self.apiserver.path}>"

    def impersonating(self, user: str, groups: Sequence[str] = (), *, uid: str = "",
                      extra: Mapping[str, Sequence[str]] | None = None) -> ApiClient:
        """A client with the same credentials whose requests act as `user` (client-go's
        ``rest.Config.Impersonate``); the apiserver checks that this client's user may
        impersonate each part (RBAC verb ``impersonate``)."""
        other = copy.copy(self)
        other.impersonate = Impersonation(user, tuple(groups), uid, dict(extra or {}))
        return other

    # -- resolution ----------------------------------------------------------------------------
    def info(self, kind: str) -> ResourceInfo:
        """Resolve a kind, resource, short name or `group/version/Kind` to a resource."""
        cached = self._infos.get(kind)
        if cached is not None:
            return cached
        if kind.count("/") >= 1 and kind[-1:].isalnum() and kind.split("/")[-1][:1].isupper():
            api_version, _, kind_name = kind.rpartition("/")
            info = self.registry.by_api_version(api_version, kind_name)
        else:
            info = self.registry.resolve(kind)
        self._infos[kind] = info
        return info

    def _for_object(self, obj: Mapping[str, Any]) -> ResourceInfo:
        """`Registry.for_object`, remembered per (apiVersion, kind) as `info` remembers
        kinds: a controller creates the same few kinds over and over."""
        key = (obj.get("apiVersion"), obj.get("kind"))
        cached = self._by_type.get(key)
        if cached is None:
            cached = self._by_type[key] = self.registry.for_object(obj)
        return cached

    def _namespace(self, info: ResourceInfo, namespace: str | None) -> str | None:
        if not info.namespaced:
            return None
        return namespace or self.default_namespace

    # -- the raw request -----------------------------------------------------------------------
    async def request(self, verb: str, info: ResourceInfo, *, namespace: str | None = None,
                      name: str | None = None, subresource: str | None = None,
                      body: Any = None, options: Mapping[str, Any] | None = None,
                      watcher: ActorRef | None = None) -> Any:
        request = ApiRequest(verb=verb, resource=info.resource, group=info.group,
                             version=info.version, namespace=namespace, name=name,
                             subresource=subresource, body=body, options=dict(options or {}),
                             token=self._token, watcher=watcher, impersonate=self.impersonate)
        result = await self._remote.ask(request, timeout=self.timeout)
        if is_failure(result):
            raise error_from_status(result)
        return result

    # -- verbs ---------------------------------------------------------------------------------
    async def get(self, kind: str, name: str, namespace: str | None = None,
                  **options: Any) -> dict[str, Any]:
        info = self.info(kind)
        return await self.request("get", info, namespace=self._namespace(info, namespace),
                                  name=name, options=options)

    async def list(self, kind: str, namespace: str | None = None, *,
                   label_selector: str | None = None, field_selector: str | None = None,
                   all_namespaces: bool = False, **options: Any) -> dict[str, Any]:
        info = self.info(kind)
        if label_selector:
            options["labelSelector"] = label_selector
        if field_selector:
            options["fieldSelector"] = field_selector
        ns = None if all_namespaces else self._namespace(info, namespace)
        return await self.request("list", info, namespace=ns, options=options)

    async def create(self, obj: Mapping[str, Any], namespace: str | None = None,
                     **options: Any) -> dict[str, Any]:
        info = self._for_object(obj)
        ns = self._namespace(info, namespace or (obj.get("metadata") or {}).get("namespace"))
        return await self.request("create", info, namespace=ns, body=dict(obj), options=options)

    async def update(self, obj: Mapping[str, Any], **options: Any) -> dict[str, Any]:
        info = self._for_object(obj)
        meta = obj.get("metadata") or {}
        return await self.request("update", info, namespace=self._namespace(
            info, meta.get("namespace")), name=meta.get("name"), body=dict(obj), options=options)

    async def update_status(self, obj: Mapping[str, Any]) -> dict[str, Any]:
        info = self._for_object(obj)
        meta = obj.get("metadata") or {}
        return await self.request("update", info, namespace=self._namespace(
            info, meta.get("namespace")), name=meta.get("name"), subresource="status",
            body=dict(obj))

    async def patch(self, kind: str, name: str, patch: Any, namespace: str | None = None, *,
                    patch_type: str = "application/merge-patch+json",
                    subresource: str | None = None) -> dict[str, Any]:
        info = self.info(kind)
        return await self.request("patch", info, namespace=self._namespace(info, namespace),
                                  name=name, subresource=subresource, body=patch,
                                  options={"patchType": patch_type})

    async def apply(self, obj: Mapping[str, Any], *, field_manager: str, force: bool = False,
                    subresource: str | None = None, namespace: str | None = None
                    ) -> dict[str, Any]:
        """Server-side apply of `obj` as `field_manager` (PATCH with the apply patch type):
        created if missing, else merged with the fields other managers own; `Conflict` if
        it would change a value another manager owns, unless `force` takes them."""
        info = self._for_object(obj)
        meta = obj.get("metadata") or {}
        options: dict[str, Any] = {"patchType": "application/apply-patch+yaml",
                                   "fieldManager": field_manager}
        if force:
            options["force"] = "true"
        return await self.request("patch", info, namespace=self._namespace(
            info, namespace or meta.get("namespace")), name=meta.get("name"),
            subresource=subresource, body=dict(obj), options=options)

    async def delete(self, kind: str, name: str, namespace: str | None = None, *,
                     propagation_policy: str | None = None,
                     grace_period_seconds: int | None = None,
                     preconditions: Mapping[str, Any] | None = None) -> dict[str, Any]:
        info = self.info(kind)
        options: dict[str, Any] = {}
        if propagation_policy:
            options["propagationPolicy"] = propagation_policy
        if grace_period_seconds is not None:
            options["gracePeriodSeconds"] = grace_period_seconds
        if preconditions:
            options["body"] = {"preconditions": dict(preconditions)}
        return await self.request("delete", info, namespace=self._namespace(info, namespace),
                                  name=name, options=options)

    async def delete_collection(self, kind: str, namespace: str | None = None, *,
                                label_selector: str | None = None) -> dict[str, Any]:
        info = self.info(kind)
        options = {"labelSelector": label_selector} if label_selector else {}
        return await self.request("deletecollection", info,
                                  namespace=self._namespace(info, namespace), options=options)

    async def bind(self, pod: Mapping[str, Any], node: str,
                   annotations: Mapping[str, str] | None = None) -> dict[str, Any]:
        """The scheduler's write: POST pods/<name>/binding with the target node (and
        annotations the apiserver copies onto the pod)."""
        meta = pod["metadata"]
        binding_meta: dict[str, Any] = {"name": meta["name"], "namespace": meta["namespace"]}
        if annotations:
            binding_meta["annotations"] = dict(annotations)
        body = {"apiVersion": "v1", "kind": "Binding", "metadata": binding_meta,
                "target": {"apiVersion": "v1", "kind": "Node", "name": node}}
        return await self.request("create", self.info("pods"), namespace=meta["namespace"],
                                  name=meta["name"], subresource="binding", body=body)

    async def evict(self, name: str, namespace: str | None = None, *,
                    delete_options: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """POST pods/<name>/eviction (what ``kubectl drain`` does): the pod is deleted
        unless its PodDisruptionBudget allows no disruption now (`TooManyRequests`)."""
        info = self.info("pods")
        ns = self._namespace(info, namespace)
        body: dict[str, Any] = {"apiVersion": "policy/v1", "kind": "Eviction",
                                "metadata": {"name": name, "namespace": ns}}
        if delete_options:
            body["deleteOptions"] = dict(delete_options)
        return await self.request("create", info, namespace=ns, name=name,
                                  subresource="eviction", body=body)

    async def scale(self, kind: str, name: str, replicas: int,
                    namespace: str | None = None) -> dict[str, Any]:
        info = self.info(kind)
        return await self.request("patch", info, namespace=self._namespace(info, namespace),
                                  name=name, subresource="scale",
                                  body={"spec": {"replicas": replicas}},
                                  options={"patchType": "application/merge-patch+json"})

    async def watch(self, kind: str, namespace: str | None = None, *,
                    resource_version: str | None = None, label_selector: str | None = None,
                    field_selector: str | None = None, bookmarks: bool = True,
                    timeout_seconds: float | None = None, all_namespaces: bool = False,
                    watcher: ActorRef | None = None) -> WatchAccepted:
        """Start a watch; `ApiWatchEvent`s then arrive at `watcher` (default: this actor)."""
        info = self.info(kind)
        options: dict[str, Any] = {"allowWatchBookmarks": bookmarks}
        if resource_version is not None:
            options["resourceVersion"] = resource_version
        if label_selector:
            options["labelSelector"] = label_selector
        if field_selector:
            options["fieldSelector"] = field_selector
        if timeout_seconds:
            options["timeoutSeconds"] = timeout_seconds
        ns = None if all_namespaces else self._namespace(info, namespace)
        return await self.request("watch", info, namespace=ns, options=options,
                                  watcher=watcher or self.ctx.self)

    def stop_watch(self, watch_id: int) -> None:
        self._remote.tell(StopWatch(watch_id))
