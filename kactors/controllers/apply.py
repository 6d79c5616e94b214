"""What `Controller.apply` computes, as pure functions over plain data (no I/O).

`apply` merges the object a controller wants into the one stored, the way a patch does:
a strategic merge patch for built-in kinds (containers, env, ports, volumes and owner
references merge by their keys), a JSON merge patch for custom resources. So fields the
controller leaves out keep their value (the server's defaults survive), a field set to
None is removed, and the merged object equals the stored one when nothing the controller
cares about differs: then no update is sent at all. (The apiserver writes every update it
gets, even one that changes nothing, and every write wakes every watcher.)
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any

from kactors.api.patch import PATCH_META, json_merge_patch, strategic_merge_patch

__all__ = ["AlreadyOwned", "controller_reference", "merge_for_apply", "set_controller"]

#: fields `apply` never writes through the main resource
_SKIPPED = ("apiVersion", "kind", "status")
#: metadata an apply may set (the rest belongs to the server)
_METADATA = ("labels", "annotations", "ownerReferences", "finalizers")


class AlreadyOwned(Exception):
    """The object already has another controller (controller-runtime's AlreadyOwnedError)."""

    def __init__(self, obj: Mapping[str, Any], owner: Mapping[str, Any]) -> None:
        meta = obj.get("metadata") or {}
        super().__init__(
            f"{obj.get('kind')} {meta.get('namespace', '')}/{meta.get('name')} is already "
            f"controlled by {owner.get('kind')} {owner.get('name')} (uid {owner.get('uid')})")
        self.owner = dict(owner)


def controller_reference(owner: Mapping[str, Any]) -> dict[str, Any]:
    """An ownerReference making `owner` the controller, blocking its foreground deletion."""
    meta = owner["metadata"]
    return {"apiVersion": owner["apiVersion"], "kind": owner["kind"], "name": meta["name"],
            "uid": meta["uid"], "controller": True, "blockOwnerDeletion": True}


def set_controller(obj: dict[str, Any], owner: Mapping[str, Any]) -> dict[str, Any]:
    """Make `owner` the controller of `obj` (in place; returns it). Raises AlreadyOwned if
    `obj` names another controller. The owner's namespace is the default namespace."""
    meta = obj.setdefault("metadata", {})
    uid = owner["metadata"]["uid"]
    refs = []
    for ref in meta.get("ownerReferences") or []:
        if ref.get("uid") == uid:
            continue
        if ref.get("controller"):
            raise AlreadyOwned(obj, ref)
        refs.append(ref)
    meta["ownerReferences"] = [*refs, controller_reference(owner)]
    owner_ns = owner["metadata"].get("namespace")
    if owner_ns and not meta.get("namespace"):
        meta["namespace"] = owner_ns
    return obj


def merge_for_apply(current: Mapping[str, Any], desired: Mapping[str, Any], *,
                    custom: bool = False) -> dict[str, Any]:
    """`current` with what `desired` says merged in (status and server-owned metadata left
    alone); `custom` for a custom resource (JSON merge patch). Raises AlreadyOwned if the
    merge would give the object a second controller."""
    patch: dict[str, Any] = {k: v for k, v in desired.items() if k not in _SKIPPED}
    if not custom and current.get("kind") == "Secret" and "stringData" in patch:
        # the apiserver moves stringData into data (base64) and never stores it
        string_data = patch.pop("stringData") or {}
        patch["data"] = {**(patch.get("data") or {}), **{
            k: base64.b64encode(v.encode()).decode() for k, v in string_data.items()}}
    meta = desired.get("metadata")
    if isinstance(meta, Mapping):
        patch["metadata"] = {k: meta[k] for k in _METADATA if k in meta}
    kind = str(current.get("kind", ""))
    if not custom and kind in PATCH_META:
        merged = strategic_merge_patch(current, patch, kind)
    else:
        merged = json_merge_patch(current, patch)
        refs = (patch.get("metadata") or {}).get("ownerReferences")
        if refs is not None:  # owner references merge by uid for custom resources too
            uids = {ref.get("uid") for ref in refs}
            keep = [r for r in (current.get("metadata") or {}).get("ownerReferences") or []
                    if r.get("uid") not in uids]
            merged["metadata"]["ownerReferences"] = [*keep, *refs]
    controllers = [r for r in (merged.get("metadata") or {}).get("ownerReferences") or []
                   if r.get("controller")]
    if len(controllers) > 1:
        wanted = {ref.get("uid") for ref in (patch.get("metadata") or {}).get(
            "ownerReferences") or []}
        existing = [ref for ref in controllers if ref.get("uid") not in wanted]
        raise AlreadyOwned(merged, (existing or controllers)[0])
    return merged
