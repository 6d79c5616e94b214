"""How objects move between the store and clients: resourceVersion, uid, timestamps, names.

Stored values never carry `metadata.resourceVersion`: the revision is only known once the
write committed, so it is set when the value is read back (as the real apiserver does).
Objects are shared, immutable JSON-shaped dicts; functions here return new dicts.
"""

from __future__ import annotations

import datetime
import random
import uuid
from typing import Any

Obj = dict[str, Any]

_NAME_CHARS = "bcdfghjklmnpqrstvwxz2456789"  # Kubernetes' utilrand alphabet (no vowels)
DEFAULT_EPOCH = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)


def with_resource_version(obj: Obj, revision: int) -> Obj:
    meta = obj.get("metadata") or {}
    return {**obj, "metadata": {**meta, "resourceVersion": str(revision)}}


def for_storage(obj: Obj) -> Obj:
    meta = obj.get("metadata")
    if meta and "resourceVersion" in meta:
        meta = dict(meta)
        del meta["resourceVersion"]
        return {**obj, "metadata": meta}
    return obj


def new_uid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def generated_name(prefix: str, rng: random.Random) -> str:
    """`generateName` + 5 random characters, as Kubernetes' SimpleNameGenerator does."""
    return prefix + "".join(rng.choice(_NAME_CHARS) for _ in range(5))


def timestamp(epoch: datetime.datetime, cluster_seconds: float) -> str:
    """RFC 3339 at second precision, like metav1.Time."""
    moment = epoch + datetime.timedelta(seconds=int(cluster_seconds))
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_timestamp(text: str) -> datetime.datetime:
    return datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.UTC)
