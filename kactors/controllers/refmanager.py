"""Claiming objects by label selector: adoption and release (`ControllerRefManager`).

A ReplicaSet owns the pods that carry its controller ownerReference; a Deployment owns
ReplicaSets the same way. Ownership follows the selector, as in Kubernetes'
`pkg/controller/controller_ref_manager.go`:

* an object controlled by the owner that still matches the selector is claimed;
* an object controlled by the owner that no longer matches is *released* (its
  ownerReference removed), unless the owner is being deleted;
* an orphan (no controller at all) that matches is *adopted* (the ownerReference added),
  unless the owner or the orphan is being deleted; before the first adoption the owner is
  read again from the apiserver (not the cache), so a just-deleted or re-created owner
  never adopts anything;
* an object controlled by someone else is left alone.

`plan_claims` decides (pure); `claim` carries the plan out with strategic merge patches
that, as Kubernetes' do, also carry the object's uid: a patch meant for a pod that was
deleted and re-created under the same name fails instead of touching the newcomer.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import attrs

from kactors.api.labels import Selector
from kactors.api.meta import controller_of, new_controller_ref
from kactors.api.meta import metadata_of as _meta
from kactors.client.client import ApiClient
from kactors.client.errors import ApiError, Invalid, NotFound

__all__ = ["ClaimPlan", "adopt_patch", "claim", "plan_claims", "release_patch"]

Obj = Mapping[str, Any]
STRATEGIC = "application/strategic-merge-patch+json"


@attrs.frozen
class ClaimPlan:
    #: controlled by the owner and matching: kept
    claimed: list[Obj]
    #: orphans that match: to adopt
    adopt: list[Obj]
    #: controlled by the owner but no longer matching: to release
    release: list[Obj]




def plan_claims(owner: Obj, selector: Selector, objs: Sequence[Obj],
                match: Callable[[Obj], bool] | None = None) -> ClaimPlan:
    """Sort `objs` into claimed / to adopt / to release for `owner` (`ClaimObject`).
    `match` adds a condition to the selector (both must accept an object)."""
    owner_meta = _meta(owner)
    owner_uid = owner_meta.get("uid")
    owner_deleting = bool(owner_meta.get("deletionTimestamp"))
    owner_namespace = owner_meta.get("namespace")

    def matches(obj: Obj) -> bool:
        return selector.matches(_meta(obj).get("labels") or {}) and (match is None or match(obj))

    claimed: list[Obj] = []
    adopt: list[Obj] = []
    release: list[Obj] = []
    for obj in objs:
        ref = controller_of(obj)
        if ref is not None:
            if ref.get("uid") != owner_uid:
                continue  # someone else's
            if matches(obj):
                claimed.append(obj)
            elif not owner_deleting:
                release.append(obj)
            continue
        if owner_deleting or not matches(obj) or _meta(obj).get("deletionTimestamp"):
            continue
        if owner_namespace and owner_namespace != _meta(obj).get("namespace"):
            continue
        adopt.append(obj)
    return ClaimPlan(claimed, adopt, release)


def adopt_patch(owner: Obj, obj: Obj) -> dict[str, Any]:
    """Add `owner` as the controller of `obj` (merged into ownerReferences by uid)."""
    return {"metadata": {"ownerReferences": [new_controller_ref(owner)],
                         "uid": _meta(obj).get("uid")}}


def release_patch(owner: Obj, obj: Obj) -> dict[str, Any]:
    """Remove `owner`'s ownerReference from `obj`."""
    return {"metadata": {"ownerReferences": [{"$patch": "delete",
                                              "uid": _meta(owner).get("uid")}],
                         "uid": _meta(obj).get("uid")}}


async def _can_adopt(client: ApiClient, owner: Obj) -> None:
    """`RecheckDeletionTimestamp`: an uncached read of the owner, which must be the same
    object (same uid) and not being deleted."""
    meta = _meta(owner)
    kind = f"{owner.get('apiVersion')}/{owner.get('kind')}"
    fresh = await client.get(kind, meta["name"], meta.get("namespace"))
    fresh_meta = _meta(fresh)
    if fresh_meta.get("uid") != meta.get("uid"):
        raise RuntimeError(f"original {owner.get('kind')} {meta.get('namespace')}/{meta['name']} "
                           f"is gone: got uid {fresh_meta.get('uid')}, wanted {meta.get('uid')}")
    if fresh_meta.get("deletionTimestamp"):
        raise RuntimeError(f"{meta.get('namespace')}/{meta['name']} has just been deleted at "
                           f"{fresh_meta['deletionTimestamp']}")


async def claim(client: ApiClient, owner: Obj, plan: ClaimPlan) -> list[Obj]:
    """Carry out `plan`: adopt and release through the apiserver; return what `owner` now
    controls (claimed + adopted). A failure other than "gone" is raised after every
    object was tried (the reconcile then retries)."""
    claimed = list(plan.claimed)
    errors: list[Exception] = []
    checked = False
    for obj in plan.adopt:
        meta = _meta(obj)
        kind = f"{obj.get('apiVersion')}/{obj.get('kind')}"
        try:
            if not checked:
                await _can_adopt(client, owner)
                checked = True
            claimed.append(await client.patch(kind, meta["name"], adopt_patch(owner, obj),
                                              meta.get("namespace"), patch_type=STRATEGIC))
        except NotFound:
            continue
        except (ApiError, RuntimeError) as error:
            errors.append(error)
            if not checked:
                break  # the owner itself cannot adopt: do not try the others
    for obj in plan.release:
        meta = _meta(obj)
        kind = f"{obj.get('apiVersion')}/{obj.get('kind')}"
        try:
            await client.patch(kind, meta["name"], release_patch(owner, obj),
                               meta.get("namespace"), patch_type=STRATEGIC)
        except (NotFound, Invalid):
            continue  # gone, or re-created under the same name (uid mismatch)
        except ApiError as error:
            errors.append(error)
    if errors:
        raise errors[0]
    return claimed
