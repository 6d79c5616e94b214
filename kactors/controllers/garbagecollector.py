"""The garbage collector: owner references made to work.

After Kubernetes' pkg/controller/garbagecollector. An object names its owners in
`metadata.ownerReferences` (by uid); when they are gone it is garbage. The collector keeps
the owner -> dependents graph (`gcgraph`) up to date from the informers of every kind that
can be listed, watched and deleted (Events excepted, as in Kubernetes), custom resources
included: a new CustomResourceDefinition gets an informer as soon as it is Established.
Each graph change names the objects to look at; a look verifies with live GETs (the
informers may be behind) and acts (`gcpolicy`):

* **Background** (the default of `kubectl delete`): the owner is gone; a dependent with no
  owner left is deleted. A reference to a uid that does not exist (a *dangling*
  reference, even one that never existed) counts as gone once a live GET confirms it.
* **Foreground** (the owner has a deletionTimestamp and the `foregroundDeletion`
  finalizer): its dependents are deleted (in the foreground themselves when they have
  dependents); once every dependent whose reference has `blockOwnerDeletion` is gone, the
  finalizer is removed and the apiserver deletes the owner.
* **Orphan** (the `orphan` finalizer): the owner's reference is removed from each
  dependent, then the finalizer.

An object keeps living while one of its owners does: references to gone owners are
removed from it instead. Logs: `gc.deleting` (dependent, owner, policy), `gc.orphaning`,
`gc.owner_refs_removed`, `gc.owner_finalized`, `gc.monitoring` / `gc.unmonitoring` (a
custom kind watched as its CRD is established / no more once the CRD is deleted).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from kactors.api.errors import KindError
from kactors.api.kinds import Registry, ResourceInfo, resource_infos_from_crd
from kactors.client.discovery import resolve_kind
from kactors.client.errors import Conflict, NotFound
from kactors.client.indexer import Indexer
from kactors.client.informer import DELETE, Informer, InformerEvent
from kactors.client.result import Result, TerminalError
from kactors.controllers.base import Controller, ControllerConfig
from kactors.controllers.gcgraph import (
    FOREGROUND,
    ORPHAN,
    Graph,
    Identity,
    Node,
    delete_key,
    parse_key,
)
from kactors.controllers.gcpolicy import (
    classify,
    decide,
    unblocked,
    without_finalizer,
    without_owner,
)

__all__ = ["IGNORED_RESOURCES", "GarbageCollector", "monitorable"]

Obj = Mapping[str, Any]

#: never watched (`--gc-ignored-resources` defaults): events are many and own nothing
IGNORED_RESOURCES = frozenset({("", "events"), ("events.k8s.io", "events")})
_NEEDED_VERBS = ("list", "watch", "delete")
_WRITE_RETRIES = 5


def monitorable(registry: Registry) -> Iterator[ResourceInfo]:
    """The resources whose objects may carry ownerReferences and be collected: listable,
    watchable and deletable, once each in their preferred version."""
    seen: set[tuple[str, str]] = set()
    for info in registry:
        key = (info.group, info.resource)
        if key in seen or key in IGNORED_RESOURCES:
            continue
        if not all(verb in info.verbs for verb in _NEEDED_VERBS):
            continue
        seen.add(key)
        yield registry.by_resource(info.resource, info.group)


def _established(crd: Obj) -> bool:
    return any(c.get("type") == "Established" and c.get("status") == "True"
               for c in (crd.get("status") or {}).get("conditions") or [])


def _describe_refs(refs: Any) -> str:
    return ", ".join(f"{ref.get('kind')}/{ref.get('name')}" for ref in refs)


class GarbageCollector(Controller):
    """Deletes objects whose owners are gone; runs foreground and orphan deletion."""

    #: its own informer: CRDs, to watch the kinds they add
    watches = "apiextensions.k8s.io/v1/CustomResourceDefinition"
    workers = 20
    component = "garbage-collector-controller"

    def __init__(self, config: ControllerConfig) -> None:
        super().__init__(config)
        self.graph = Graph()
        #: (group, resource) -> "apiVersion/Kind" of the resources watched
        self.monitored: dict[tuple[str, str], str] = {}
        #: (group, resource) -> name of our own informer child, for custom kinds
        self.custom_informers: dict[tuple[str, str], str] = {}

    async def setup(self) -> None:
        for info in list(monitorable(self.client.registry)):
            await self._monitor(info)

    async def _monitor(self, info: ResourceInfo) -> None:
        key = (info.group, info.resource)
        if key in self.monitored:
            return
        kind = f"{info.api_version}/{info.kind}"
        self.monitored[key] = kind
        if not info.custom:
            await self.informer(kind)  # the component's shared informer
            return
        # A custom kind gets an informer of our own, a child we stop when its CRD goes
        # (a shared one would retry listing a kind that no longer exists, forever). It
        # does not hold up the collector: its events feed the graph as they come.
        self._learn(info)
        name = "informer-" + "-".join(
            part for part in (info.resource, info.group.replace(".", "-")) if part)
        indexer = Indexer()  # outlives a restart of the informer, as the factory's do
        subscribers = {self.ctx.self.path: self.ctx.self}
        config, registry = self.config, self.client.registry
        self.ctx.spawn(lambda: Informer(config.apiserver, config.token, kind, indexer,
                                        registry=registry, subscribers=subscribers),
                       name=name)
        self.custom_informers[key] = name
        self.ctx.log.info("gc.monitoring", kind=kind)

    async def _unmonitor(self, group: str, resource: str) -> None:
        """The CRD of a custom kind went away: stop watching its kind."""
        name = self.custom_informers.pop((group, resource), None)
        if name is None:
            return
        kind = self.monitored.pop((group, resource))
        await self.ctx.stop_child(name)
        self.ctx.log.info("gc.unmonitoring", kind=kind)
        await self._monitor_crd(f"{resource}.{group}")  # re-created meanwhile?

    # -- events ------------------------------------------------------------------------------
    def map_event(self, event: InformerEvent) -> list[str]:
        if event.resync:
            return []
        if event.type == DELETE:
            work = self.graph.remove(event.obj)
        else:
            work = self.graph.upsert(event.obj, event.old)
        if event.kind == "CustomResourceDefinition" and \
                str(event.obj.get("apiVersion", "")).startswith("apiextensions.k8s.io/"):
            if event.type != DELETE:
                work.append(f"crd:{event.key}")
            else:
                spec = event.obj.get("spec") or {}
                plural = (spec.get("names") or {}).get("plural", "")
                work.append(f"crd-gone:{spec.get('group', '')}/{plural}")
        return work

    async def reconcile(self, key: str) -> Result | None:
        queue, rest = parse_key(key)
        if queue == "delete":
            await self._attempt_to_delete(rest)
        elif queue == "orphan":
            await self._attempt_to_orphan(rest)
        elif queue == "crd":
            await self._monitor_crd(rest)
        elif queue == "crd-gone":
            group, _, resource = rest.partition("/")
            await self._unmonitor(group, resource)
        return None

    async def _monitor_crd(self, name: str) -> None:
        crd = self.cache.get(name)
        if crd is None or not _established(crd):
            return
        try:
            infos = resource_infos_from_crd(crd)
        except KindError:
            return
        if infos and (infos[0].group, infos[0].resource) not in self.monitored:
            await self._monitor(Registry(infos).by_resource(infos[0].resource, infos[0].group))

    # -- attemptToDelete -----------------------------------------------------------------------
    async def _attempt_to_delete(self, uid: str) -> None:
        node = self.graph.get(uid)
        if node is None:
            return
        if node.being_deleted and not node.deleting_dependents:
            return  # already on its way out
        if self._solid_in_graph(node):
            return
        latest = await self._get_live(node.identity)
        if latest is None:  # no such object (any more): a "virtual delete event"
            for key in self.graph.confirm_absent(node.identity):
                self.enqueue(key)
            return
        if node.deleting_dependents:
            await self._finish_foreground(node)
            return
        refs = list((latest.get("metadata") or {}).get("ownerReferences") or [])
        if not refs:
            return
        namespace = str((latest.get("metadata") or {}).get("namespace") or "")
        owners = {str(ref.get("uid")): await self._owner(ref, namespace) for ref in refs}
        found = classify(refs, owners)
        deps = self.graph.dependents(node)
        decision = decide(latest, found, bool(deps),
                          any(dep.deleting_dependents for dep in deps))
        identity = Identity.of(latest)
        if decision.action == "remove_refs":
            uids = [str(ref.get("uid")) for ref in decision.refs]
            if await self._patch_owner_refs(identity, lambda obj: without_owner(obj, uids)):
                self.ctx.log.info("gc.owner_refs_removed", dependent=str(identity),
                                  owner=_describe_refs(decision.refs),
                                  remaining=_describe_refs(found.solid))
        elif decision.action == "delete":
            if decision.unblock:
                await self._patch_owner_refs(identity, unblocked)
            self.ctx.log.info("gc.deleting", dependent=str(identity),
                              owner=_describe_refs(decision.refs), policy=decision.policy)
            await self._delete(identity, decision.policy)

    def _solid_in_graph(self, node: Node) -> bool:
        """Nothing to do, as far as the graph knows, without asking the apiserver: an
        observed object with no owners, or whose owners are all observed and not waiting
        for their dependents. (Deleting is always decided on live reads; a graph that is
        behind only defers the look: the owner's delete event brings it back.)"""
        if node.virtual or node.deleting_dependents:
            return False
        for ref in node.owners:
            owner = self.graph.get(ref["uid"])
            if owner is None or owner.virtual or owner.deleting_dependents or \
                    owner.identity.name != ref.get("name") or \
                    owner.identity.kind != ref.get("kind"):
                return False
        return True

    async def _finish_foreground(self, node: Node) -> None:
        """`processDeletingDependentsItem`: the owner waits for its blocking dependents."""
        blocking = self.graph.blocking_dependents(node)
        if blocking:
            for dep in blocking:
                if not dep.deleting_dependents:
                    self.enqueue(delete_key(dep.uid))
            return
        await self._remove_finalizer(node.identity, FOREGROUND)

    # -- attemptToOrphan -----------------------------------------------------------------------
    async def _attempt_to_orphan(self, uid: str) -> None:
        node = self.graph.get(uid)
        if node is None:
            return
        for dep in self.graph.dependents(node):
            if await self._patch_owner_refs(dep.identity,
                                            lambda obj: without_owner(obj, [uid])):
                self.ctx.log.info("gc.orphaning", dependent=str(dep.identity),
                                  owner=str(node.identity))
        await self._remove_finalizer(node.identity, ORPHAN)

    # -- live reads and writes -----------------------------------------------------------------
    async def _info(self, identity: Identity) -> tuple[str, ResourceInfo, str | None]:
        """(kind string, resource, namespace) to reach `identity`; raises KindError for a
        kind the cluster does not serve (retried: it may be a CRD not yet established)."""
        kind = f"{identity.api_version}/{identity.kind}"
        info = await resolve_kind(self.client, kind)
        if info.namespaced and not identity.namespace:
            raise TerminalError(f"{identity}: a cluster-scoped object cannot have a "
                                f"namespaced owner")
        return kind, info, identity.namespace if info.namespaced else None

    async def _get_live(self, identity: Identity) -> dict[str, Any] | None:
        """The object now, if it is still the one of that uid."""
        kind, _, namespace = await self._info(identity)
        try:
            obj = await self.client.get(kind, identity.name, namespace)
        except NotFound:
            return None
        if (obj.get("metadata") or {}).get("uid") != identity.uid:
            return None
        return obj

    async def _owner(self, ref: Obj, namespace: str) -> dict[str, Any] | None:
        """`isDangling`: the owner a reference names, or None when it is absent."""
        uid = str(ref.get("uid"))
        if uid in self.graph.absent:
            return None
        owner = await self._get_live(Identity.of_owner(ref, namespace))
        if owner is None:
            self.graph.remember_absent(uid)
        return owner

    async def _delete(self, identity: Identity, policy: str | None) -> None:
        kind, _, namespace = await self._info(identity)
        try:
            await self.client.delete(kind, identity.name, namespace, propagation_policy=policy,
                                     preconditions={"uid": identity.uid})
        except (NotFound, Conflict):
            pass  # gone already, or replaced by another object of that name

    async def _patch_metadata(self, identity: Identity, field: str,
                              change: Callable[[Obj], Any]) -> bool:
        """Set metadata.`field` to `change(live object)` (None from `change`: nothing to
        do), guarded by the resourceVersion read; retried on conflict. Whether it wrote."""
        kind, _, namespace = await self._info(identity)
        for _ in range(_WRITE_RETRIES):
            latest = await self._get_live(identity)
            if latest is None:
                return False
            value = change(latest)
            if value is None:
                return False
            patch = {"metadata": {field: value or None,
                                  "resourceVersion": latest["metadata"]["resourceVersion"]}}
            try:
                await self.client.patch(kind, identity.name, patch, namespace)
            except Conflict:
                continue
            except NotFound:
                return False
            return True
        raise Conflict({"kind": "Status", "code": 409, "reason": "Conflict",
                        "message": f"{identity}: metadata.{field} kept conflicting"})

    async def _patch_owner_refs(self, identity: Identity,
                                change: Callable[[Obj], Any]) -> bool:
        return await self._patch_metadata(identity, "ownerReferences", change)

    async def _remove_finalizer(self, identity: Identity, finalizer: str) -> None:
        if await self._patch_metadata(identity, "finalizers",
                                      lambda obj: without_finalizer(obj, finalizer)):
            self.ctx.log.info("gc.owner_finalized", owner=str(identity), finalizer=finalizer)
