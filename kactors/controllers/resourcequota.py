"""The resourcequota controller: writes each ResourceQuota's ``status.hard`` and
``status.used`` from what its namespace holds.

After Kubernetes' ``pkg/controller/resourcequota``: ``status.hard`` is ``spec.hard`` as
last seen, ``status.used`` each capped resource's current usage (:mod:`kactors.api.quota`:
the compute resources and count of unfinished pods, object counts), recomputed whenever
the quota or anything it counts in its namespace changes. The apiserver's quota
admission, not this status, decides whether a create fits (it counts from its own
caches, with the creates in flight): ``kubectl describe quota`` reads this status.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from kactors.api.quantity import Quantity
from kactors.api.quota import usage_of
from kactors.client.indexer import object_key
from kactors.client.informer import InformerEvent
from kactors.client.result import Result
from kactors.controllers.base import Controller

__all__ = ["ResourceQuotaController"]

Obj = Mapping[str, Any]
#: the kinds whose objects a quota may count, as the controller-manager's informers
#: know them (``count/<resource>[.<group>]``, ``services``...)
COUNTED_KINDS = ("v1/Pod", "v1/Service", "v1/ConfigMap", "v1/Secret", "v1/ResourceQuota",
                 "apps/v1/Deployment", "apps/v1/ReplicaSet", "apps/v1/StatefulSet",
                 "apps/v1/DaemonSet", "batch/v1/Job", "batch/v1/CronJob")


class ResourceQuotaController(Controller):
    """Keeps every ResourceQuota's status counted."""

    watches = "v1/ResourceQuota"
    owns: ClassVar[Sequence[str]] = ()
    workers = 5
    component = "resourcequota-controller"

    async def setup(self) -> None:
        for kind in COUNTED_KINDS:
            if kind != self.watches:
                await self.informer(kind)
        self.counted = [(self.handles[kind].info, self.lister(kind)) for kind in COUNTED_KINDS
                        if self.handles[kind].info is not None]

    def map_event(self, event: InformerEvent) -> list[str]:
        if event.kind == self.kind:
            return [event.key]
        obj = event.obj if event.obj is not None else event.old
        namespace = (obj.get("metadata") or {}).get("namespace", "") if obj else ""
        return [object_key(quota) for quota in self.cache.list(namespace)] if namespace else []

    async def reconcile(self, key: str) -> Result | None:
        quota = self.cache.get(key)
        if quota is None:
            return None
        namespace = quota["metadata"].get("namespace", "")
        hard = dict((quota.get("spec") or {}).get("hard") or {})
        used: dict[str, Quantity] = {}
        for info, lister in self.counted:
            for obj in lister.list(namespace):
                for name, value in usage_of(info, obj, hard).items():
                    used[name] = used[name] + value if name in used else value
        zero = Quantity.parse("0")
        status = {"hard": hard, "used": {name: str(used.get(name, zero)) for name in hard}}
        if status != (quota.get("status") or {}):
            await self.client.update_status({**quota, "status": status})
            self.ctx.log.info("resourcequota.counted", quota=key, used=status["used"])
        return None
