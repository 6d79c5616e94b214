"""ControllerRevisions: the history of a StatefulSet's or DaemonSet's pod template.

After Kubernetes' `pkg/controller/history` and the revision code of
`pkg/controller/statefulset` and `pkg/controller/daemon/update.go`, as pure functions over
plain dicts (the I/O is in `revisioncontrol`).

A Deployment keeps its history in ReplicaSets; a StatefulSet or DaemonSet has nothing of
the kind, so its controller snapshots every template it runs into an apps/v1
ControllerRevision owned by it:

* `data` is the strategic merge patch that puts the template back,
  `{"spec": {"template": {..., "$patch": "replace"}}}`: `kubectl rollout undo` sends it
  as it is, and the controller applies it to the owner to get an old template back
  (`template_of`), so that pods below a StatefulSet's partition are recreated from the
  current revision's template even after a controller restart;
* `revision` numbers the snapshots. Rolling back to a template that is already in the
  history does not make a new snapshot: the existing one gets the next number
  (`plan_update_revision`), which is how `kubectl rollout history` shows it as the latest;
* the name is `<owner>-<hash>`, the hash being `controller.ComputeHash` of the template
  and the owner's `status.collisionCount` (`hashing.compute_hash`, which the DaemonSet
  controller uses too; Kubernetes' StatefulSet controller hashes the revision's data
  instead, but kactors' hashes cannot equal Go's anyway, so one function serves both);
  the labels are the template's plus `controller-revision-hash: <hash>`, and the owner's
  annotations are copied (kubectl reads `kubernetes.io/change-cause` from them). A
  StatefulSet's pods carry the revision's name in their `controller-revision-hash`
  label, a DaemonSet's pods its hash, as in Kubernetes;
* the history is truncated to `spec.revisionHistoryLimit` (default 10) snapshots that are
  not live (not the current or update revision, and not the revision of a pod),
  oldest first (`revisions_to_truncate`).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any, Literal

import attrs

from kactors.api.meta import deep_copy, new_controller_ref
from kactors.api.meta import metadata_of as _meta
from kactors.api.meta import spec_of as _spec
from kactors.api.patch import strategic_merge_patch
from kactors.controllers.hashing import compute_hash

__all__ = [
    "API_VERSION",
    "DEFAULT_HISTORY_LIMIT",
    "HASH_LABEL",
    "KIND",
    "RevisionPlan",
    "equal_revision",
    "history_limit",
    "new_revision",
    "next_revision",
    "plan_update_revision",
    "revision_hash",
    "revision_name",
    "revision_patch",
    "revisions_to_truncate",
    "sort_revisions",
    "template_of",
]

Obj = Mapping[str, Any]

API_VERSION = "apps/v1"
KIND = "ControllerRevision"
#: `ControllerRevisionHashLabel` (= `apps.DefaultDaemonSetUniqueLabelKey`)
HASH_LABEL = "controller-revision-hash"
#: the apps/v1 default of `spec.revisionHistoryLimit`
DEFAULT_HISTORY_LIMIT = 10
#: `ControllerRevisionName` cuts the owner's name so that `<prefix>-<hash>` stays a valid
#: DNS subdomain (253 characters, a hash of at most 10 and the dash)
_MAX_PREFIX = 223


def revision_patch(owner: Obj) -> dict[str, Any]:
    """`getPatch`: the patch that restores `owner`'s pod template (and nothing else)."""
    template = deep_copy(dict(_spec(owner).get("template") or {}))
    template["$patch"] = "replace"
    return {"spec": {"template": template}}


def revision_hash(owner: Obj, collision_count: int | None = None) -> str:
    """The hash of `owner`'s template and collision count (its status', when not given;
    none counts as 0, as the StatefulSet controller always hashes one)."""
    if collision_count is None:
        collision_count = (owner.get("status") or {}).get("collisionCount")
    return compute_hash(_spec(owner).get("template") or {}, int(collision_count or 0))


def revision_name(owner_name: str, hash_: str) -> str:
    """`ControllerRevisionName`: `<owner>-<hash>`."""
    return f"{owner_name[:_MAX_PREFIX]}-{hash_}"


def new_revision(owner: Obj, revision: int, collision_count: int | None = None
                 ) -> dict[str, Any]:
    """`newRevision` / `snapshot`: the ControllerRevision of `owner`'s current template,
    numbered `revision`, controlled by `owner`."""
    meta = _meta(owner)
    hash_ = revision_hash(owner, collision_count)
    template_labels = _meta(_spec(owner).get("template") or {}).get("labels") or {}
    revision_meta: dict[str, Any] = {
        "name": revision_name(str(meta.get("name", "")), hash_),
        "namespace": meta.get("namespace", ""),
        "labels": {**template_labels, HASH_LABEL: hash_},
        "ownerReferences": [new_controller_ref(owner)],
    }
    if meta.get("annotations"):
        revision_meta["annotations"] = dict(meta["annotations"])
    return {"apiVersion": API_VERSION, "kind": KIND, "metadata": revision_meta,
            "data": revision_patch(owner), "revision": int(revision)}


def equal_revision(left: Obj | None, right: Obj | None) -> bool:
    """`EqualRevision`: the same snapshot (same data; Kubernetes also compares the hash
    labels, but only when they parse as integers, which safe-encoded hashes never do)."""
    if left is None or right is None:
        return left is right
    return left.get("data") == right.get("data")


def _revision_number(revision: Obj) -> int:
    value = revision.get("revision")
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def sort_revisions(revisions: Sequence[Obj]) -> list[Obj]:
    """`SortControllerRevisions`: by revision number, then creation time, then name."""
    return sorted(revisions, key=lambda r: (_revision_number(r),
                                            str(_meta(r).get("creationTimestamp") or ""),
                                            str(_meta(r).get("name") or "")))


def next_revision(revisions: Sequence[Obj]) -> int:
    """`nextRevision`: one more than the highest revision number (1 for no history)."""
    return max((_revision_number(r) for r in revisions), default=0) + 1


@attrs.frozen
class RevisionPlan:
    """What the update revision (the owner's current template) takes."""

    #: "keep": the latest revision already is it; "renumber": an older revision is (a
    #: rollback): give it `revision`'s number; "create": a new snapshot
    action: Literal["keep", "renumber", "create"]
    #: the revision as it should be stored (for "renumber", with its new number)
    revision: dict[str, Any]


def plan_update_revision(owner: Obj, revisions: Sequence[Obj],
                         collision_count: int | None = None) -> RevisionPlan:
    """`getStatefulSetRevisions` / `constructHistory`: find or make the revision of
    `owner`'s template among its `revisions`."""
    ordered = sort_revisions(revisions)
    wanted = new_revision(owner, next_revision(ordered), collision_count)
    equal = [r for r in ordered if equal_revision(r, wanted)]
    if equal and equal_revision(ordered[-1], equal[-1]):
        return RevisionPlan("keep", dict(ordered[-1]))
    if equal:
        return RevisionPlan("renumber", {**equal[-1], "revision": wanted["revision"]})
    return RevisionPlan("create", wanted)


def history_limit(owner: Obj) -> int:
    """`spec.revisionHistoryLimit`, 10 when unset."""
    value = _spec(owner).get("revisionHistoryLimit")
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 \
        else DEFAULT_HISTORY_LIMIT


def revisions_to_truncate(revisions: Sequence[Obj], live: Collection[str], limit: int, *,
                          counting_live: bool = False) -> list[Obj]:
    """The revisions to delete, oldest first, never one of those `live` (by name).

    The StatefulSet's `truncateHistory` keeps `limit` revisions besides the live ones.
    The DaemonSet's `cleanupHistory` (`counting_live`: `revisions` are the old ones, all
    but the current) counts those live (a pod runs them) towards the limit too, and
    deletes as many of the others as the old revisions exceed it by."""
    ordered = sort_revisions(revisions)
    history = [r for r in ordered if _meta(r).get("name") not in live]
    excess = len(ordered if counting_live else history) - limit
    return history[:max(0, excess)]


def template_of(owner: Obj, revision: Obj) -> dict[str, Any]:
    """`ApplyRevision`: `owner`'s pod template as `revision` recorded it (its patch
    applied to the owner)."""
    data = revision.get("data")
    if not isinstance(data, Mapping):
        return deep_copy(dict(_spec(owner).get("template") or {}))
    restored = strategic_merge_patch(owner, data, str(owner.get("kind") or ""))
    return dict(_spec(restored).get("template") or {})
