"""The scheduler's view of storage: claims, volumes and classes, as its informers have them.

Only pods with ``persistentVolumeClaim`` volumes ever read it (the VolumeBinding plugin
skips every other pod before looking), so keeping it costs the scheduler three informers
and nothing per pod.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

__all__ = ["STORAGE_KINDS", "VolumeCache"]

#: informer kind -> the resource the scheduler lists and watches
STORAGE_KINDS = {"PersistentVolumeClaim": "persistentvolumeclaims",
                 "PersistentVolume": "persistentvolumes", "StorageClass": "storageclasses"}

Obj = Mapping[str, Any]


@attrs.define
class VolumeCache:
    """Claims by ``namespace/name``, volumes and classes by name."""

    claims: dict[str, Obj] = attrs.Factory(dict)
    volumes: dict[str, Obj] = attrs.Factory(dict)
    classes: dict[str, Obj] = attrs.Factory(dict)

    def observe(self, kind: str, obj: Obj, deleted: bool) -> None:
        """Take in an informer event of one of :data:`STORAGE_KINDS`."""
        meta = obj.get("metadata") or {}
        if kind == "PersistentVolumeClaim":
            store, key = self.claims, f"{meta.get('namespace')}/{meta.get('name')}"
        elif kind == "PersistentVolume":
            store, key = self.volumes, str(meta.get("name"))
        else:
            store, key = self.classes, str(meta.get("name"))
        if deleted:
            store.pop(key, None)
        else:
            store[key] = obj
