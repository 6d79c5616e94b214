"""Which workload a pod event concerns, with the expectations it fulfils.

The DaemonSet and StatefulSet controllers map pod events the same way (Kubernetes'
`addPod` / `updatePod` / `deletePod` of both): a pod with a controller ownerReference
concerns that owner (if it is still the same object, by uid); an orphan concerns every
owner of its namespace whose selector matches it (a candidate for adoption). Along the
way the owner's expectations learn that a creation (an added pod) or a deletion (a pod
gone or being deleted) was observed.
"""

from __future__ import annotations

from kactors.api.meta import controller_of
from kactors.client.indexer import Lister, object_key
from kactors.client.informer import DELETE, UPDATE, InformerEvent
from kactors.controllers.expectations import Expectations
from kactors.controllers.owners import resolve_controller, selecting_owners

__all__ = ["object_key", "pod_event_keys"]



def pod_event_keys(owners: Lister, kind: str, group: str, expectations: Expectations,
                   event: InformerEvent) -> list[str]:
    """The keys of the `kind` owners (cached in `owners`) that a pod `event` concerns."""
    pod, old = event.obj, event.old
    meta = pod.get("metadata") or {}
    if event.type == UPDATE and old is not None and \
            meta.get("resourceVersion") == (old.get("metadata") or {}).get("resourceVersion"):
        return []  # a resync: nothing changed
    owner = resolve_controller(owners, kind, group, pod)
    if owner is None:
        keys = []
        if event.type == UPDATE and old is not None:
            previous = resolve_controller(owners, kind, group, old)
            if previous is not None:
                keys.append(object_key(previous))  # released: its old owner looks again
        if event.type != DELETE and controller_of(pod) is None:
            keys += [k for k in map(object_key, selecting_owners(owners, pod)) if k not in keys]
        return keys
    key = object_key(owner)
    if event.type == DELETE or meta.get("deletionTimestamp"):
        expectations.deletion_observed(key, object_key(pod))
    elif event.type != UPDATE:
        expectations.creation_observed(key)
    return [key]
