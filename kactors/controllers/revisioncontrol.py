"""Keeping a StatefulSet's or DaemonSet's ControllerRevisions through the apiserver.

The I/O half of `history` (Kubernetes' `history.realHistory` and the revision steps of
the StatefulSet and DaemonSet controllers), shared by both controllers so that they tell
the same story in the logs:

* `sync_history` claims the owner's revisions from the informer cache (adopting orphans
  its selector matches, as pods are adopted; the DaemonSet also releases those it no
  longer matches), then makes sure the owner's current template has a revision: keeps the
  latest, renumbers an older equal one (a rollback: `controllerrevision.renumbered`) or
  creates one (`controllerrevision.created`). A name already taken by a different
  snapshot is a hash collision: the collision count goes up and the name changes, and
  the controller writes the new count into the owner's `status.collisionCount`;
* `truncate_history` deletes what `history.revisions_to_truncate` picks
  (`controllerrevision.deleted`).

The informer cache may not show a revision this controller just created: creating it
again fails with AlreadyExists, and the stored one, being the same snapshot, is used.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

import attrs

from kactors.api.labels import Selector
from kactors.api.meta import metadata_of as _meta
from kactors.client.errors import AlreadyExists, NotFound
from kactors.client.indexer import Lister, object_key
from kactors.client.informer import DELETE, UPDATE, InformerEvent
from kactors.controllers.history import (
    API_VERSION,
    KIND,
    equal_revision,
    history_limit,
    new_revision,
    plan_update_revision,
    revisions_to_truncate,
    sort_revisions,
)
from kactors.controllers.owners import resolve_controller, selecting_owners
from kactors.controllers.refmanager import ClaimPlan, claim, plan_claims

__all__ = ["REVISION_KIND", "History", "revision_event_keys", "sync_history",
           "truncate_history"]

Obj = Mapping[str, Any]
REVISION_KIND = f"{API_VERSION}/{KIND}"
#: names tried (one per collision count) before giving up until the next reconcile
_MAX_COLLISIONS = 5


@attrs.frozen
class History:
    """An owner's revisions after `sync_history`."""

    #: every revision the owner controls, oldest first (the update revision included)
    revisions: list[Obj]
    #: the revision of the owner's current template
    update: Obj
    #: the collision count its name was made with (the owner's status should say so)
    collision_count: int


async def _adopt(controller: Any, owner: Obj, selector: Selector, cached: Sequence[Obj],
                 release: bool) -> list[Obj]:
    """The revisions `owner` controls once matching orphans are adopted (and, with
    `release`, those it no longer selects released: the DaemonSet's
    `ClaimControllerRevisions`; the StatefulSet only adopts)."""
    plan = plan_claims(owner, selector, cached)
    if not release:
        plan = ClaimPlan(plan.claimed, plan.adopt, [])
    if not plan.adopt and not plan.release:
        return list(plan.claimed)
    claimed = await claim(controller.client, owner, plan)
    for revision in plan.adopt:
        controller.ctx.log.info("controllerrevision.adopted", owner=object_key(owner),
                                revision=_meta(revision).get("name"))
    return claimed


async def sync_history(controller: Any, owner: Obj, selector: Selector, revisions: Lister,
                       *, release: bool = False) -> History:
    """Claim `owner`'s revisions (cached in `revisions`) and find or make the revision of
    its current template. `controller` is the calling `Controller` (client, log)."""
    meta = _meta(owner)
    namespace = meta.get("namespace", "")
    owned = await _adopt(controller, owner, selector, revisions.list(namespace), release)
    collisions = int((owner.get("status") or {}).get("collisionCount") or 0)
    plan = plan_update_revision(owner, owned, collisions)
    update: Obj = plan.revision
    key = object_key(owner)
    if plan.action == "renumber":
        name = _meta(update)["name"]
        update = await controller.client.patch(
            REVISION_KIND, name, {"revision": update["revision"],
                                  "metadata": {"uid": _meta(update).get("uid")}}, namespace)
        controller.ctx.log.info("controllerrevision.renumbered", owner=key, revision=name,
                                number=update["revision"])
    elif plan.action == "create":
        update, collisions = await _create(controller, owner, plan.revision, collisions)
    by_name = {_meta(r).get("name"): r for r in owned}
    by_name[_meta(update).get("name")] = update
    return History(sort_revisions(list(by_name.values())), update, collisions)


async def _create(controller: Any, owner: Obj, wanted: Obj, collisions: int
                  ) -> tuple[Obj, int]:
    """`CreateControllerRevision`: create `wanted`, moving to the next collision count
    while its name is taken by a different snapshot."""
    namespace = _meta(owner).get("namespace", "")
    for _ in range(_MAX_COLLISIONS):
        name = _meta(wanted)["name"]
        try:
            created = await controller.client.create(wanted)
        except AlreadyExists:
            existing = await controller.client.get(REVISION_KIND, name, namespace)
            if equal_revision(existing, wanted):
                return existing, collisions  # ours, made before the cache showed it
            collisions += 1
            controller.ctx.log.info("controllerrevision.collision", owner=object_key(owner),
                                    revision=name, collision_count=collisions)
            wanted = new_revision(owner, int(wanted["revision"]), collisions)
            continue
        controller.ctx.log.info("controllerrevision.created", owner=object_key(owner),
                                revision=name, number=created.get("revision"))
        return created, collisions
    raise RuntimeError(f"no free ControllerRevision name for {object_key(owner)} after "
                       f"{_MAX_COLLISIONS} collisions")


async def truncate_history(controller: Any, owner: Obj, revisions: Sequence[Obj],
                           live: Collection[str], *, counting_live: bool = False) -> None:
    """Delete the revisions beyond `owner`'s revisionHistoryLimit that are not `live`
    (`history.revisions_to_truncate`)."""
    for revision in revisions_to_truncate(revisions, live, history_limit(owner),
                                          counting_live=counting_live):
        meta = _meta(revision)
        try:
            await controller.client.delete(REVISION_KIND, meta["name"], meta.get("namespace"),
                                           preconditions={"uid": meta.get("uid")})
        except NotFound:
            continue
        controller.ctx.log.info("controllerrevision.deleted", owner=object_key(owner),
                                revision=meta["name"], number=revision.get("revision"))


def revision_event_keys(owners: Lister, kind: str, group: str, event: InformerEvent
                        ) -> list[str]:
    """`addHistory` / `updateHistory` / `deleteHistory`: the owners (of `kind`, cached in
    `owners`) a revision event concerns: its controller, or for an orphan the owners
    whose selector matches it (which may adopt it)."""
    revision, old = event.obj, event.old
    if event.type == UPDATE and old is not None and \
            _meta(revision).get("resourceVersion") == _meta(old).get("resourceVersion"):
        return []
    keys = [object_key(o) for o in (resolve_controller(owners, kind, group, r)
                                    for r in (revision, old) if r is not None) if o is not None]
    if not keys and event.type != DELETE:
        keys = [object_key(o) for o in selecting_owners(owners, dict(revision))]
    return list(dict.fromkeys(keys))
