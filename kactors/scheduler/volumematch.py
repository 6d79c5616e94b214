"""Which PersistentVolume satisfies a claim, and which nodes a volume admits: the matching
shared by the PV controller (:mod:`kactors.controllers.pvbinding`) and the scheduler's
VolumeBinding plugin, after Kubernetes' ``util.FindMatchingVolume`` and
``CheckNodeAffinity``.

A claim is matched with the **smallest** available volume that satisfies it: the same
class (``""`` matches ``""``), every access mode it asks for, at least the storage it
requests, the same volume mode, its label selector, and, once the scheduler has chosen a
node for a ``WaitForFirstConsumer`` claim, node affinity that admits that node. A volume
whose ``claimRef`` already names the claim (pre-bound by a user or a provisioner) wins at
once; a volume pre-bound to another claim is never taken.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from kactors.api.labels import SelectorError, selector_from_label_selector
from kactors.api.meta import metadata_of as _meta
from kactors.api.storage import claim_class, claim_request, volume_capacity, volume_class

from .nodeselector import parse_node_selector_term

__all__ = ["binds_to_claim", "find_matching_volume", "volume_fits_node"]

Obj = Mapping[str, Any]


def _spec(obj: Obj) -> Mapping[str, Any]:
    spec = obj.get("spec")
    return spec if isinstance(spec, Mapping) else {}


def binds_to_claim(volume: Obj, claim: Obj) -> bool:
    """``IsVolumeBoundToClaim``: the volume's ``claimRef`` names this claim (and, if it
    has a uid, this very claim, not an older one of the same name)."""
    ref = _spec(volume).get("claimRef")
    if not isinstance(ref, Mapping):
        return False
    meta = _meta(claim)
    if ref.get("name") != meta.get("name") or ref.get("namespace") != meta.get("namespace"):
        return False
    return not ref.get("uid") or ref.get("uid") == meta.get("uid")


def volume_fits_node(volume: Obj, labels: Mapping[str, str], node: str) -> bool:
    """``CheckNodeAffinity``: the volume's required node affinity admits the node (a
    volume without one fits everywhere)."""
    affinity = _spec(volume).get("nodeAffinity")
    if not isinstance(affinity, Mapping):
        return True
    required = affinity.get("required")
    if not isinstance(required, Mapping):
        return True
    terms = [parse_node_selector_term(t) for t in required.get("nodeSelectorTerms") or []]
    return any(term is not None and term.matches(labels, node) for term in terms)


def _modes_fit(volume: Obj, claim: Obj) -> bool:
    """``CheckAccessModes``: the volume offers every mode the claim asks for."""
    offered = _spec(volume).get("accessModes") or []
    return all(mode in offered for mode in _spec(claim).get("accessModes") or [])


def _mode(obj: Obj) -> str:
    return str(_spec(obj).get("volumeMode") or "Filesystem")


def find_matching_volume(claim: Obj, volumes: Iterable[Obj], node: str = "",
                         node_labels: Mapping[str, str] | None = None,
                         delay_binding: bool = False) -> Obj | None:
    """``FindMatchingVolume``: the volume to bind ``claim`` to, or None (see the module
    doc). ``node``: the node chosen for a delayed-binding claim (its labels in
    ``node_labels``); without one, a delayed claim takes only a volume pre-bound to it."""
    requested = claim_request(claim)
    wanted_class = claim_class(claim)
    try:
        selector = selector_from_label_selector(_spec(claim).get("selector")) \
            if _spec(claim).get("selector") is not None else None
    except SelectorError:
        return None
    labels = node_labels or {}
    best: Obj | None = None
    best_key: tuple[Any, str] | None = None
    for volume in volumes:
        if _meta(volume).get("deletionTimestamp"):
            continue
        capacity = volume_capacity(volume)
        if capacity < requested or _mode(volume) != _mode(claim):
            continue
        fits_node = not node or volume_fits_node(volume, labels, node)
        if binds_to_claim(volume, claim):
            if fits_node and volume_class(volume) == wanted_class and _modes_fit(volume, claim):
                return volume
            continue
        if (not node and delay_binding) or _spec(volume).get("claimRef") is not None:
            continue
        if selector is not None and not selector.matches(_meta(volume).get("labels") or {}):
            continue
        if volume_class(volume) != wanted_class or not fits_node or \
                not _modes_fit(volume, claim):
            continue
        key = (capacity, str(_meta(volume).get("name", "")))
        if best_key is None or key < best_key:
            best, best_key = volume, key
    return best
