"""The garbage collector's dependency graph: owners and their dependents, by uid.

After Kubernetes' `GraphBuilder` (pkg/controller/garbagecollector/graph_builder.go). The
graph is fed every informer event of every kind that can carry ownerReferences and is
updated *incrementally*: an event touches the node of its object and the nodes of the
owners it adds or drops, never the whole graph. Each change answers which nodes need the
collector's attention, as work keys:

* `delete:<uid>` (Kubernetes' attemptToDelete queue): is this object garbage? Its owner
  went away, it is a "virtual" owner nobody has observed yet (it may never have existed:
  a dangling reference), or it is an owner waiting for its dependents (foreground).
* `orphan:<uid>` (attemptToOrphan): the owner carries the `orphan` finalizer: free its
  dependents, then remove the finalizer.

A *virtual* node stands for an owner that a dependent names but no informer has shown:
the informer may be behind, or the owner may not exist. The collector settles it with a
live GET (`confirm_absent` when it is not there). Pure data, no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import attrs

__all__ = [
    "FOREGROUND",
    "ORPHAN",
    "Graph",
    "Identity",
    "Node",
    "delete_key",
    "orphan_key",
    "parse_key",
]

Obj = Mapping[str, Any]

#: finalizer of an owner deleted with propagationPolicy Foreground
FOREGROUND = "foregroundDeletion"
#: finalizer of an owner deleted with propagationPolicy Orphan
ORPHAN = "orphan"
#: how many uids known to be absent are remembered (Kubernetes' absentOwnerCache)
ABSENT_CACHE_SIZE = 10_000


def delete_key(uid: str) -> str:
    return f"delete:{uid}"


def orphan_key(uid: str) -> str:
    return f"orphan:{uid}"


def parse_key(key: str) -> tuple[str, str]:
    """`"delete:<uid>"` -> `("delete", "<uid>")`."""
    queue, _, uid = key.partition(":")
    return queue, uid


@attrs.frozen
class Identity:
    """Where to find an object: its coordinates and uid. A virtual node's namespace is
    its dependent's (the owner's scope is only known once its kind is resolved)."""

    api_version: str
    kind: str
    name: str
    namespace: str
    uid: str

    @classmethod
    def of(cls, obj: Obj) -> Identity:
        meta = obj.get("metadata") or {}
        return cls(str(obj.get("apiVersion", "")), str(obj.get("kind", "")),
                   str(meta.get("name", "")), str(meta.get("namespace") or ""),
                   str(meta.get("uid", "")))

    @classmethod
    def of_owner(cls, ref: Obj, namespace: str) -> Identity:
        return cls(str(ref.get("apiVersion", "")), str(ref.get("kind", "")),
                   str(ref.get("name", "")), namespace, str(ref.get("uid", "")))

    def __str__(self) -> str:
        where = f"{self.namespace}/{self.name}" if self.namespace else self.name
        return f"{self.kind}/{where}"


@attrs.define(eq=False)
class Node:
    identity: Identity
    #: the ownerReferences last observed (empty for a virtual node)
    owners: list[dict[str, Any]] = attrs.Factory(list)
    #: uids of the nodes naming this one as an owner (insertion-ordered)
    dependents: dict[str, None] = attrs.Factory(dict)
    #: no informer has shown this object yet: only a dependent named it
    virtual: bool = False
    being_deleted: bool = False
    #: being deleted with the foregroundDeletion finalizer: waits for its dependents
    deleting_dependents: bool = False

    @property
    def uid(self) -> str:
        return self.identity.uid


def _finalizers(obj: Obj | None) -> Sequence[str]:
    if obj is None:
        return ()
    return (obj.get("metadata") or {}).get("finalizers") or ()


def _being_deleted(obj: Obj | None) -> bool:
    return obj is not None and bool((obj.get("metadata") or {}).get("deletionTimestamp"))


def _waits_for(obj: Obj | None, finalizer: str) -> bool:
    """Being deleted and holding `finalizer`: the owner waits for the collector."""
    return _being_deleted(obj) and finalizer in _finalizers(obj)


def _refs(obj: Obj) -> list[dict[str, Any]]:
    refs = (obj.get("metadata") or {}).get("ownerReferences") or []
    return [dict(ref) for ref in refs if isinstance(ref, Mapping) and ref.get("uid")]


class Graph:
    """uid -> Node, with each owner's dependents; see the module docstring."""

    def __init__(self) -> None:
        self.nodes: dict[str, Node] = {}
        #: uids verified absent (by a live GET or an observed deletion), oldest first
        self.absent: dict[str, None] = {}

    def __len__(self) -> int:
        return len(self.nodes)

    def get(self, uid: str) -> Node | None:
        return self.nodes.get(uid)

    def dependents(self, node: Node) -> list[Node]:
        return [dep for uid in node.dependents if (dep := self.nodes.get(uid)) is not None]

    def blocking_dependents(self, node: Node) -> list[Node]:
        """The dependents whose reference to `node` has blockOwnerDeletion: a foreground
        deletion of `node` waits until they are gone."""
        found = []
        for dep in self.dependents(node):
            if any(ref.get("uid") == node.uid and ref.get("blockOwnerDeletion")
                   for ref in dep.owners):
                found.append(dep)
        return found

    def remember_absent(self, uid: str) -> None:
        self.absent.pop(uid, None)
        self.absent[uid] = None
        while len(self.absent) > ABSENT_CACHE_SIZE:
            del self.absent[next(iter(self.absent))]

    # -- events ------------------------------------------------------------------------------
    def upsert(self, obj: Obj, old: Obj | None = None) -> list[str]:
        """An add or update event of `obj` (`old`: its previous version, if known)."""
        meta = obj.get("metadata") or {}
        uid = str(meta.get("uid", ""))
        if not uid:
            return []
        work: list[str] = []
        node = self.nodes.get(uid)
        if node is None:
            refs = _refs(obj)
            node = Node(Identity.of(obj), refs, being_deleted=_being_deleted(obj),
                        deleting_dependents=_waits_for(obj, FOREGROUND))
            self.nodes[uid] = node
            self._add_to_owners(node, refs, work)
        else:
            if node.virtual:
                node.virtual = False
                node.identity = Identity.of(obj)
            # nearly every update names the owners last seen: then `_refs` would give an
            # equal list (each reference equal to a kept dict has a uid), so no copy
            if (meta.get("ownerReferences") or []) != node.owners:
                refs = _refs(obj)
                if node.owners != refs:
                    self._owners_changed(node, refs, work)
            if not _being_deleted(obj):
                return work  # no transition: each needs `obj` being deleted
            node.being_deleted = True
        self._transitions(old, obj, node, work)
        return work

    def _owners_changed(self, node: Node, refs: list[dict[str, Any]], work: list[str]) -> None:
        """The dependent `node` now names owners `refs`: re-link it, and queue the owners
        it no longer blocks."""
        old_refs = {ref["uid"]: ref for ref in node.owners}
        new_refs = {ref["uid"]: ref for ref in refs}
        if old_refs == new_refs:
            return
        added = [ref for uid, ref in new_refs.items() if uid not in old_refs]
        removed = [ref for uid, ref in old_refs.items() if uid not in new_refs]
        unblocked = removed + [
            ref for uid, ref in old_refs.items() if uid in new_refs
            and ref.get("blockOwnerDeletion") and
            not new_refs[uid].get("blockOwnerDeletion")]
        for ref in unblocked:  # an owner waiting for this dependent may go on
            owner = self.nodes.get(ref["uid"])
            if ref.get("blockOwnerDeletion") and owner is not None and \
                    owner.deleting_dependents:
                work.append(delete_key(owner.uid))
        node.owners = refs
        self._add_to_owners(node, added, work)
        for ref in removed:
            owner = self.nodes.get(ref["uid"])
            if owner is not None:
                owner.dependents.pop(node.uid, None)

    def remove(self, obj: Obj) -> list[str]:
        """A delete event of `obj`: its dependents lose an owner."""
        uid = Identity.of(obj).uid
        node = self.nodes.get(uid)
        if node is None:
            return []
        return self._remove(node)

    def confirm_absent(self, identity: Identity) -> list[str]:
        """A live GET found no object with `identity`'s uid (a "virtual delete event"):
        forget its node, and look again at its dependents."""
        self.remember_absent(identity.uid)
        node = self.nodes.get(identity.uid)
        if node is None:
            return []
        return self._remove(node)

    # -- internals ---------------------------------------------------------------------------
    def _remove(self, node: Node) -> list[str]:
        del self.nodes[node.uid]
        work = []
        if node.dependents:
            self.remember_absent(node.uid)
        for dep_uid in node.dependents:
            if dep_uid in self.nodes:
                work.append(delete_key(dep_uid))
        for ref in node.owners:
            owner = self.nodes.get(ref["uid"])
            if owner is None:
                continue
            owner.dependents.pop(node.uid, None)
            if owner.deleting_dependents:  # maybe it was the last one it waited for
                work.append(delete_key(owner.uid))
        return work

    def _add_to_owners(self, node: Node, refs: Iterable[Obj], work: list[str]) -> None:
        for ref in refs:
            owner = self.nodes.get(ref["uid"])
            if owner is None:
                # nobody has shown this owner yet: a virtual node, to be checked live
                owner = Node(Identity.of_owner(ref, node.identity.namespace), virtual=True)
                self.nodes[owner.uid] = owner
                work.append(delete_key(owner.uid))
            owner.dependents[node.uid] = None

    @staticmethod
    def _transitions(old: Obj | None, new: Obj, node: Node, work: list[str]) -> None:
        """`processTransitions`: the owner just started waiting for the collector."""
        if _waits_for(new, ORPHAN) and not _waits_for(old, ORPHAN):
            work.append(orphan_key(node.uid))
            return
        if _waits_for(new, FOREGROUND) and not _waits_for(old, FOREGROUND):
            node.deleting_dependents = True
            work.extend(delete_key(uid) for uid in node.dependents)
            work.append(delete_key(node.uid))
