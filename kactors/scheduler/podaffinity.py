"""Inter-pod (anti-)affinity terms, parsed once (``framework.AffinityTerm``).

A term says "pods matching ``selector`` in ``namespaces`` (or in namespaces matching
``namespace_selector``), counted per value of the node label ``topology_key``". With
neither ``namespaces`` nor ``namespaceSelector`` the term applies to the pod's own
namespace; an empty ``namespaceSelector`` means every namespace. A selector that fails to
parse selects nothing (kube-scheduler keeps the parse error and fails the pod instead).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from kactors.api.errors import SelectorError
from kactors.api.labels import Selector, selector_from_label_selector

from ._util import as_list, get_map

__all__ = [
    "AffinityTerm",
    "affinity_section_terms",
    "pod_affinity_terms",
    "pod_anti_affinity_terms",
]


@attrs.frozen
class AffinityTerm:
    """One required (anti-)affinity term of a pod."""

    selector: Selector
    topology_key: str
    namespaces: frozenset[str] = frozenset()
    namespace_selector: Selector | None = None

    def matches(
        self, namespace: str, labels: Mapping[str, str], namespace_labels: Mapping[str, str]
    ) -> bool:
        """Whether a pod in ``namespace`` with ``labels`` is one the term talks about."""
        if namespace not in self.namespaces and not (
            self.namespace_selector is not None
            and self.namespace_selector.matches(namespace_labels)
        ):
            return False
        return self.selector.matches(labels)


def _selector(raw: Any) -> Selector:
    try:
        return selector_from_label_selector(raw if isinstance(raw, Mapping) else None)
    except SelectorError:
        return Selector.nothing()


def _terms(pod: Mapping[str, Any], kind: str) -> tuple[AffinityTerm, ...]:
    section = get_map(get_map(get_map(pod, "spec"), "affinity"), kind)
    return affinity_section_terms(section, get_map(pod, "metadata").get("namespace", ""))


def affinity_section_terms(
    section: Mapping[str, Any], own_namespace: Any
) -> tuple[AffinityTerm, ...]:
    """The required terms of a pod's ``spec.affinity.podAffinity`` (or
    ``podAntiAffinity``) ``section``; ``own_namespace`` is the pod's
    ``metadata.namespace`` (the default namespace of a term)."""
    raw = as_list(section.get("requiredDuringSchedulingIgnoredDuringExecution"))
    if not raw:
        return ()
    terms = []
    for term in raw:
        if not isinstance(term, Mapping):
            continue
        names = term.get("namespaces")
        names = [n for n in names if isinstance(n, str)] if isinstance(names, list) else []
        ns_selector_raw = term.get("namespaceSelector")
        ns_selector = _selector(ns_selector_raw) if isinstance(ns_selector_raw, Mapping) else None
        if not names and ns_selector is None:
            names = [own_namespace or "default"]
        terms.append(
            AffinityTerm(
                selector=_selector(term.get("labelSelector")),
                topology_key=str(term.get("topologyKey", "")),
                namespaces=frozenset(names),
                namespace_selector=ns_selector,
            )
        )
    return tuple(terms)


def pod_affinity_terms(pod: Mapping[str, Any]) -> tuple[AffinityTerm, ...]:
    """The pod's required pod-affinity terms."""
    return _terms(pod, "podAffinity")


def pod_anti_affinity_terms(pod: Mapping[str, Any]) -> tuple[AffinityTerm, ...]:
    """The pod's required pod-anti-affinity terms."""
    return _terms(pod, "podAntiAffinity")
