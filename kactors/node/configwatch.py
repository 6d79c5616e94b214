"""The kubelet's ConfigMap and Secret manager: one watch per object its pods reference.

Kubernetes' kubelet does not GET a pod's ConfigMaps and Secrets for every pod: its default
``configMapAndSecretChangeDetectionStrategy: Watch`` (``pkg/kubelet/util/manager``,
``watch_based_manager.go``) keeps a reflector per referenced object, a list and watch of
that one object (``fieldSelector=metadata.name=<name>`` in its namespace), started when the
first pod referencing it is registered and stopped when the last such pod goes. Every
read then comes from that cache: it waits until the reflector has synced, and an object
absent from a synced cache is "not found" (``configmap "x" not found``), exactly as a GET
answering 404 would be.

So a thousand pods of one namespace on a node cost one list and one watch of
``kube-root-ca.crt`` (the ``kube-api-access-*`` volume's ConfigMap), not a thousand GETs,
and a ConfigMap created or changed later reaches the pods' next sync without a request.

Here each reflector is an :class:`~kactors.client.informer.Informer` actor, a child of the
kubelet, with its own one-object cache. The node authorizer allows a kubelet such a list
and watch only while a pod bound to its node references the object, which the reference
count guarantees. Not simulated: stopping the watch of an ``immutable`` object once read,
and stopping watches that no pod read for a long time (``maxIdleTime``).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

import attrs
import trio

from kactors.actors import ActorRef
from kactors.actors.actor import ActorContext
from kactors.client.indexer import Indexer
from kactors.client.informer import Informer, WaitForSync

__all__ = ["CONFIG_KINDS", "ObjectWatches"]

#: the kinds of :func:`~kactors.apiserver.auth.pod_references` that are watched, and
#: their resources
CONFIG_KINDS = {"ConfigMap": "configmaps", "Secret": "secrets",
                # a pod's claims: it starts once they are Bound (kubelet's volume manager)
                "PersistentVolumeClaim": "persistentvolumeclaims"}

Ref = tuple[str, str, str]  # (kind, namespace, name)


@attrs.define
class _Watch:
    """One referenced object: how many pods use it, its informer and its cache."""

    ref: ActorRef
    child: str
    indexer: Indexer
    count: int = 0


class ObjectWatches:
    """The watched ConfigMaps and Secrets of one kubelet's pods (see the module docstring).

    ``register(uid, refs)`` when a pod is admitted, ``await wait_synced(refs)`` before its
    first sync, ``get(kind, namespace, name)`` to read, ``unregister(uid)`` when it goes.
    """

    def __init__(self, ctx: ActorContext, apiserver: ActorRef, token: str, *,
                 sync_timeout: float = 10.0) -> None:
        self.ctx = ctx
        self.apiserver = apiserver
        self.token = token
        #: how long a read waits for a new watch to sync before answering "not found"
        #: (what an unanswered GET did before)
        self.sync_timeout = sync_timeout
        self.watches: dict[Ref, _Watch] = {}
        #: pod uid -> the references it registered
        self.pods: dict[str, tuple[Ref, ...]] = {}
        self._serial = 0

    @staticmethod
    def references(refs: Collection[Ref]) -> tuple[Ref, ...]:
        """The ConfigMaps and Secrets among a pod's references, sorted."""
        return tuple(sorted(ref for ref in refs if ref[0] in CONFIG_KINDS))

    def register(self, uid: str, refs: Collection[Ref]) -> tuple[Ref, ...]:
        """Count the pod's references (starting the watch of each new one), then drop the
        ones it had before and no longer has (``RegisterPod``: add first, so a watch in use
        is never stopped and restarted). Returns the pod's watched references."""
        wanted = self.references(refs)
        for ref in wanted:
            watch = self.watches.get(ref)
            if watch is None:
                watch = self.watches[ref] = self._start(ref)
            watch.count += 1
        previous = self.pods.get(uid, ())
        self.pods[uid] = wanted
        for ref in previous:
            self._release(ref)
        return wanted

    def unregister(self, uid: str) -> None:
        """The pod is gone: release its references (stopping unused watches)."""
        for ref in self.pods.pop(uid, ()):
            self._release(ref)

    async def wait_synced(self, refs: Collection[Ref]) -> None:
        """Wait until the watch of each of ``refs`` has listed its object (at most
        ``sync_timeout`` in all; an unsynced cache reads as "not found")."""
        pending = [watch for ref in refs
                   if (watch := self.watches.get(ref)) is not None and not watch.indexer.synced]
        if not pending:
            return
        with trio.move_on_after(self.sync_timeout):
            for watch in pending:
                if not watch.indexer.synced:
                    try:
                        await watch.ref.ask(WaitForSync(), timeout=self.sync_timeout)
                    except Exception:  # stopped or timed out: it reads as not found
                        return

    def get(self, kind: str, namespace: str, name: str) -> Mapping[str, Any] | None:
        """The object from its watch's cache; ``None`` if it does not exist, is not
        watched (no pod references it) or its watch has not synced yet."""
        watch = self.watches.get((kind, namespace, name))
        if watch is None or not watch.indexer.synced:
            return None
        return watch.indexer.get(f"{namespace}/{name}")

    def missing(self) -> set[Ref]:
        """The watched references whose object is not (yet) there."""
        return {ref for ref in self.watches if self.get(*ref) is None}

    # -- watches ---------------------------------------------------------------------------
    def _start(self, ref: Ref) -> _Watch:
        kind, namespace, name = ref
        resource = CONFIG_KINDS[kind]
        indexer = Indexer()
        self._serial += 1
        child = f"{resource}-{namespace}-{name}-{self._serial}"
        apiserver, token = self.apiserver, self.token
        actor = self.ctx.spawn(lambda: Informer(
            apiserver, token, resource, indexer, namespace=namespace,
            field_selector=f"metadata.name={name}"), name=child)
        self.ctx.log.info("node.watch_started", kind=kind, object=f"{namespace}/{name}")
        return _Watch(actor, child, indexer)

    def _release(self, ref: Ref) -> None:
        watch = self.watches.get(ref)
        if watch is None:
            return
        watch.count -= 1
        if watch.count > 0:
            return
        del self.watches[ref]
        self.ctx.log.info("node.watch_stopped", kind=ref[0], object=f"{ref[1]}/{ref[2]}")
        self.ctx.start_soon(self.ctx.stop_child, watch.child)
