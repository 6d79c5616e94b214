"""Which controller object an owned object belongs to, as Kubernetes' controllers work
it out: by its controller ownerReference (checked against the owner's uid, so a
re-created owner of the same name does not inherit), or, for an orphan, by the owners of
its namespace whose selector matches its labels (the candidates for adoption)."""

from __future__ import annotations

from typing import Any

from kactors.api.errors import SelectorError
from kactors.api.labels import selector_from_label_selector
from kactors.api.meta import controller_of
from kactors.client.indexer import Lister

Obj = dict[str, Any]


def resolve_controller(owners: Lister, kind: str, group: str, obj: Obj) -> Obj | None:
    """The owner in `owners` (a cache of `kind` in `group`) that `obj`'s controller
    ownerReference names, if it is still that very object (same uid)."""
    ref = controller_of(obj)
    if ref is None or ref.get("kind") != kind or \
            str(ref.get("apiVersion", "")).rpartition("/")[0] != group:
        return None
    meta = obj.get("metadata") or {}
    owner = owners.get(meta.get("namespace", ""), ref.get("name", ""))
    if owner is None or (owner.get("metadata") or {}).get("uid") != ref.get("uid"):
        return None
    return owner


def selecting_owners(owners: Lister, obj: Obj) -> list[Obj]:
    """The owners of `obj`'s namespace whose (non-empty) selector matches its labels
    (`getPodReplicaSets`, `getDeploymentsForReplicaSet`)."""
    meta = obj.get("metadata") or {}
    labels = meta.get("labels") or {}
    found = []
    for owner in owners.list(meta.get("namespace", "")):
        try:
            selector = selector_from_label_selector((owner.get("spec") or {}).get("selector"))
        except SelectorError:
            continue
        if not selector.empty and selector.matches(labels):
            found.append(owner)
    return found
