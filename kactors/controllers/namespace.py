"""The namespace controller: empties a terminating namespace, then lets it go.

After Kubernetes' pkg/controller/namespace. `kubectl delete namespace shop` does not
delete the namespace: the apiserver sets its deletionTimestamp and phase Terminating and
keeps it while `spec.finalizers` holds `kubernetes` (and refuses new content in it:
"unable to create new content in namespace shop because it is being terminated"). One
reconcile of a terminating namespace:

1. discovers every namespaced resource the apiserver serves (custom resources included:
   a fresh look at the CRDs each time);
2. deletes all of each (deletecollection, or list and delete one by one where the
   resource has no deletecollection, like Services), propagation Background;
3. lists what remains: pods still terminating through their kubelets (the controller
   expects them for their grace period), objects held by finalizers (15 s expected), or
   neither (an error: retried with backoff);
4. reports it in the namespace's status conditions, as Kubernetes 1.32 does
   (NamespaceDeletionDiscoveryFailure, ...GroupVersionParsingFailure, ...ContentFailure,
   NamespaceContentRemaining, NamespaceFinalizersRemaining);
5. comes back after half the expected wait while something remains; once nothing does,
   removes `kubernetes` from spec.finalizers through the `finalize` subresource, and the
   apiserver deletes the namespace.

Logs: `namespace.deleting` (what remains, per resource and per finalizer) each pass,
`namespace.deleted` at the end.
"""

from __future__ import annotations

from typing import Any, ClassVar

from kactors.api.kinds import ResourceInfo
from kactors.client.discovery import discover
from kactors.client.errors import ApiError, NotFound
from kactors.client.result import Result
from kactors.controllers.base import Controller, ControllerConfig
from kactors.controllers.nsdeletion import (
    FINALIZER,
    Remaining,
    deletable_resources,
    namespace_conditions,
    pods_grace_estimate,
    remaining_of,
    resource_name,
)
from kactors.controllers.podutil import cluster_seconds

__all__ = ["NamespaceContentRemaining", "NamespaceController"]

BACKGROUND = {"propagationPolicy": "Background"}


class NamespaceContentRemaining(Exception):
    """Content that should be gone is still there with nothing to explain it."""


class NamespaceController(Controller):
    """Deletes the content of terminating namespaces, then finalizes them."""

    watches = "v1/Namespace"
    workers = 10
    component = "namespace-controller"
    #: never come back sooner than this while content remains (cluster seconds)
    min_requeue: ClassVar[float] = 1.0

    def __init__(self, config: ControllerConfig) -> None:
        super().__init__(config)
        #: namespace -> (remaining, finalizers) last logged
        self.reported: dict[str, tuple[dict[str, int], dict[str, int]]] = {}

    async def reconcile(self, key: str) -> Result | None:
        cached = self.cache.get(key)
        if cached is None or not (cached.get("metadata") or {}).get("deletionTimestamp"):
            self.reported.pop(key, None)
            return None
        try:  # several controllers may edit a terminating namespace: read the latest
            ns = await self.client.get("v1/Namespace", key)
        except NotFound:
            return None
        meta = ns["metadata"]
        if not meta.get("deletionTimestamp") or \
                FINALIZER not in ((ns.get("spec") or {}).get("finalizers") or ()):
            return None
        deleted_at = cluster_seconds(meta["deletionTimestamp"]) or 0.0
        discovery_error = None
        try:
            self.client.registry = await discover(self.client)
        except ApiError as error:  # not fatal: delete what we know of
            discovery_error = str(error)
        errors: list[str] = []
        remaining: dict[str, int] = {}
        finalizers: dict[str, int] = {}
        estimate = 0
        for info in deletable_resources(self.client.registry):
            try:
                left = await self._delete_all(info, key, deleted_at)
            except ApiError as error:
                errors.append(str(error))
                continue
            if left.error:
                errors.append(left.error)
            estimate = max(estimate, left.estimate)
            if left.count:
                remaining[resource_name(info)] = left.count
                for name, count in left.finalizers.items():
                    finalizers[name] = finalizers.get(name, 0) + count
        status = ns.get("status") or {}
        conditions = namespace_conditions(
            status.get("conditions") or [], self.ctx.now(), discovery_error=discovery_error,
            content_errors=errors, remaining=remaining, finalizers=finalizers)
        if self.reported.get(key) != (remaining, finalizers):  # news only
            self.reported[key] = (remaining, finalizers)
            self.ctx.log.info("namespace.deleting", namespace=key, remaining=remaining,
                              finalizers=finalizers, estimate=estimate)
        try:
            ns = await self.patch_status(ns, {"conditions": conditions})
        except NotFound:
            return None
        if discovery_error or errors:
            raise NamespaceContentRemaining(
                "; ".join(([discovery_error] if discovery_error else []) + errors))
        if estimate > 0:
            return Result(requeue_after=max(self.min_requeue, estimate // 2))
        await self._finalize(ns)
        return None

    async def _delete_all(self, info: ResourceInfo, namespace: str,
                          deleted_at: float) -> Remaining:
        """Delete every object of `info` in `namespace`; what remains afterwards."""
        estimate = 0
        if info.group == "" and info.resource == "pods":
            pods = await self._list(info, namespace)
            estimate = pods_grace_estimate(pods)
            if self.ctx.now() - deleted_at >= estimate:
                estimate = 0  # the grace period is over: they should be gone
        if "deletecollection" in info.verbs:
            await self.client.request("deletecollection", info, namespace=namespace,
                                      options=BACKGROUND)
        else:
            for item in await self._list(info, namespace):
                try:
                    await self.client.request("delete", info, namespace=namespace,
                                              name=item["metadata"]["name"],
                                              options=BACKGROUND)
                except NotFound:
                    pass
        items = await self._list(info, namespace)
        return remaining_of(info, namespace, items, estimate)

    async def _list(self, info: ResourceInfo, namespace: str) -> list[dict[str, Any]]:
        listed = await self.client.request("list", info, namespace=namespace)
        return list(listed["items"])

    async def _finalize(self, ns: dict[str, Any]) -> None:
        """Remove our token from spec.finalizers (`namespaces/<name>/finalize`)."""
        spec = ns.get("spec") or {}
        body = {**ns, "spec": {**spec, "finalizers": [
            f for f in spec.get("finalizers") or [] if f != FINALIZER]}}
        name = ns["metadata"]["name"]
        try:
            await self.client.request("update", self.client.info("v1/Namespace"), name=name,
                                      subresource="finalize", body=body)
        except NotFound:
            return
        waiting = list(ns["metadata"].get("finalizers") or [])
        if waiting:  # e.g. foregroundDeletion / orphan: the garbage collector's turn
            self.ctx.log.info("namespace.finalized", namespace=name, waiting_for=waiting)
        else:
            self.ctx.log.info("namespace.deleted", namespace=name)
