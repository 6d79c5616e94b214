"""What the garbage collector does with one object, given what its owners turned out to be.

After Kubernetes' `attemptToDeleteItem` and `classifyReferences`
(pkg/controller/garbagecollector/garbagecollector.go). Each ownerReference of the object
(as the live object says, not the informer) is one of:

* **solid**: the owner exists (same uid) and is not waiting for its dependents;
* **dangling**: no object of that kind and name with that uid exists (it was deleted, or
  never existed);
* **waiting**: the owner is being deleted in the foreground (deletionTimestamp and the
  `foregroundDeletion` finalizer): it waits for its dependents to go.

Then: with a solid owner the object stays (references to dangling or waiting owners are
removed from it); with no solid owner it is garbage and is deleted, in the foreground if
an owner waits for it and it has dependents of its own (so the wait carries down the
chain), else with the propagation its own finalizers ask for (Background by default).
Pure functions over plain dicts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from kactors.controllers.gcgraph import FOREGROUND, ORPHAN

__all__ = ["Classification", "Decision", "classify", "decide", "without_owner",
           "without_finalizer", "unblocked"]

Obj = Mapping[str, Any]


@attrs.frozen
class Classification:
    solid: tuple[dict[str, Any], ...] = ()
    dangling: tuple[dict[str, Any], ...] = ()
    waiting: tuple[dict[str, Any], ...] = ()


@attrs.frozen
class Decision:
    """`keep`, `remove_refs` (drop the references to `refs`' uids) or `delete` (with
    `policy`; `unblock` first clears blockOwnerDeletion to break a foreground cycle)."""

    action: str
    refs: tuple[dict[str, Any], ...] = ()
    policy: str | None = None
    unblock: bool = False


def classify(refs: Sequence[Obj], owners: Mapping[str, Obj | None]) -> Classification:
    """Sort `refs` by what `owners` (uid -> the live owner named by that reference, or
    None when absent) says about each."""
    solid, dangling, waiting = [], [], []
    for ref in refs:
        owner = owners.get(str(ref.get("uid")))
        meta = (owner or {}).get("metadata") or {}
        if owner is None or meta.get("uid") != ref.get("uid"):
            dangling.append(dict(ref))
        elif meta.get("deletionTimestamp") and FOREGROUND in (meta.get("finalizers") or ()):
            waiting.append(dict(ref))
        else:
            solid.append(dict(ref))
    return Classification(tuple(solid), tuple(dangling), tuple(waiting))


def decide(obj: Obj, found: Classification, has_dependents: bool,
           dependent_deleting_dependents: bool) -> Decision:
    """What to do with `obj` (live) whose references classify as `found`;
    `has_dependents`: the graph knows dependents of it; `dependent_deleting_dependents`:
    one of those is itself waiting for its dependents (a cycle to break)."""
    if found.solid:
        stale = found.dangling + found.waiting
        return Decision("remove_refs", stale) if stale else Decision("keep")
    if found.waiting and has_dependents:
        return Decision("delete", found.waiting, "Foreground",
                        unblock=dependent_deleting_dependents)
    finalizers = (obj.get("metadata") or {}).get("finalizers") or ()
    policy = "Orphan" if ORPHAN in finalizers else \
        "Foreground" if FOREGROUND in finalizers else "Background"
    return Decision("delete", found.dangling + found.waiting, policy)


def without_owner(obj: Obj, uids: Sequence[str]) -> list[dict[str, Any]] | None:
    """`obj`'s ownerReferences without those to `uids`; None when none of them is there."""
    refs = (obj.get("metadata") or {}).get("ownerReferences") or []
    kept = [dict(ref) for ref in refs if ref.get("uid") not in uids]
    return None if len(kept) == len(refs) else kept


def unblocked(obj: Obj) -> list[dict[str, Any]] | None:
    """`obj`'s ownerReferences with blockOwnerDeletion cleared; None if none was set."""
    refs = (obj.get("metadata") or {}).get("ownerReferences") or []
    if not any(ref.get("blockOwnerDeletion") for ref in refs):
        return None
    return [{**ref, "blockOwnerDeletion": False} if ref.get("blockOwnerDeletion")
            else dict(ref) for ref in refs]


def without_finalizer(obj: Obj, finalizer: str) -> list[str] | None:
    """`obj`'s finalizers without `finalizer`; None when it does not carry it."""
    finalizers = list((obj.get("metadata") or {}).get("finalizers") or [])
    if finalizer not in finalizers:
        return None
    return [f for f in finalizers if f != finalizer]
