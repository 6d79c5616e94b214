"""Node selection rules of a pod: ``nodeSelector`` and node affinity, parsed once.

Follows ``k8s.io/component-helpers/scheduling/corev1/nodeaffinity``:

* ``nodeSelector`` requires every listed label to have exactly that value;
* required node affinity is an OR of terms; a term is the AND of its ``matchExpressions``
  (on labels) and ``matchFields`` (only ``metadata.name``, ``In``/``NotIn`` with one
  value); an empty term matches nothing, so a list of only empty terms matches no node;
* a term that does not parse (unknown operator, bad value) never matches, but does not
  stop the other terms from matching ("lazy errors", for backward compatibility);
* preferred terms score the sum of the weights of the terms a node matches; empty
  terms and zero weights are dropped.

The records are frozen and hashable: they are part of a pod's scheduling signature.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from kactors.api.errors import SelectorError
from kactors.api.labels import Operator, Requirement, new_requirement

from ._util import get_map

__all__ = [
    "FieldRequirement",
    "NodeSelectorTerm",
    "PreferredTerm",
    "RequiredNodeAffinity",
    "parse_node_selector_term",
    "preferred_node_affinity",
    "required_node_affinity",
    "spec_preferred_node_affinity",
    "spec_required_node_affinity",
]

_LABEL_OPERATORS = {
    "In": Operator.IN,
    "NotIn": Operator.NOT_IN,
    "Exists": Operator.EXISTS,
    "DoesNotExist": Operator.DOES_NOT_EXIST,
    "Gt": Operator.GREATER_THAN,
    "Lt": Operator.LESS_THAN,
}


@attrs.frozen
class FieldRequirement:
    """``metadata.name In/NotIn [value]`` of a ``matchFields`` entry."""

    key: str
    equal: bool
    value: str

    def matches(self, fields: Mapping[str, str]) -> bool:
        """Whether the node's fields satisfy the requirement."""
        return (fields.get(self.key, "") == self.value) == self.equal


@attrs.frozen
class NodeSelectorTerm:
    """One parsed term; ``valid=False`` terms never match."""

    labels: tuple[Requirement, ...] | None = None
    fields: tuple[FieldRequirement, ...] | None = None
    valid: bool = True

    def matches(self, node_labels: Mapping[str, str], node_name: str) -> bool:
        """Whether a node with these labels and this name satisfies the term."""
        if not self.valid:
            return False
        if self.labels is not None and not all(r.matches(node_labels) for r in self.labels):
            return False
        if self.fields is not None:
            fields = {"metadata.name": node_name}
            if not all(r.matches(fields) for r in self.fields):
                return False
        return True


def _expressions(raw: Any) -> list[Any]:
    return raw if isinstance(raw, list) else []


def _label_requirements(expressions: list[Any]) -> tuple[Requirement, ...] | None:
    requirements = []
    for expression in expressions:
        if not isinstance(expression, Mapping):
            return None
        operator = _LABEL_OPERATORS.get(expression.get("operator"))  # type: ignore[arg-type]
        values = expression.get("values")
        if operator is None or not (values is None or isinstance(values, list)):
            return None
        try:
            requirements.append(new_requirement(str(expression.get("key", "")), operator, values))
        except SelectorError:
            return None
    return tuple(requirements)


def _field_requirements(expressions: list[Any]) -> tuple[FieldRequirement, ...] | None:
    requirements = []
    for expression in expressions:
        if not isinstance(expression, Mapping):
            return None
        operator = expression.get("operator")
        values = expression.get("values")
        if operator not in ("In", "NotIn") or not isinstance(values, list) or len(values) != 1:
            return None
        requirements.append(
            FieldRequirement(str(expression.get("key", "")), operator == "In", str(values[0]))
        )
    return tuple(requirements)


def parse_node_selector_term(term: Any) -> NodeSelectorTerm | None:
    """Parse a ``NodeSelectorTerm``; ``None`` for an empty term (which matches nothing)."""
    if not isinstance(term, Mapping):
        return None
    match_expressions = _expressions(term.get("matchExpressions"))
    match_fields = _expressions(term.get("matchFields"))
    if not match_expressions and not match_fields:
        return None
    labels = _label_requirements(match_expressions) if match_expressions else None
    fields = _field_requirements(match_fields) if match_fields else None
    valid = (not match_expressions or labels is not None) and (
        not match_fields or fields is not None
    )
    return NodeSelectorTerm(labels, fields, valid)


@attrs.frozen
class RequiredNodeAffinity:
    """``nodeSelector`` AND (required node affinity terms, ORed)."""

    node_selector: tuple[tuple[str, str], ...] = ()
    terms: tuple[NodeSelectorTerm, ...] | None = None  # None: no required affinity at all

    def matches(self, node_labels: Mapping[str, str], node_name: str) -> bool:
        """``RequiredNodeAffinity.Match``."""
        for key, value in self.node_selector:
            if node_labels.get(key) != value:
                return False
        if self.terms is None:
            return True
        return any(term.matches(node_labels, node_name) for term in self.terms)


@attrs.frozen
class PreferredTerm:
    """A preferred scheduling term and its weight."""

    weight: int
    term: NodeSelectorTerm


def _affinity(pod: Mapping[str, Any]) -> Mapping[str, Any]:
    return get_map(get_map(get_map(pod, "spec"), "affinity"), "nodeAffinity")


def required_node_affinity(pod: Mapping[str, Any]) -> RequiredNodeAffinity | None:
    """The pod's hard node constraints, or ``None`` when it has none (the filter is skipped)."""
    return spec_required_node_affinity(get_map(pod, "spec"), _affinity(pod))


def spec_required_node_affinity(
    spec: Mapping[str, Any], node_affinity: Mapping[str, Any]
) -> RequiredNodeAffinity | None:
    """:func:`required_node_affinity` from a pod's ``spec`` and its
    ``spec.affinity.nodeAffinity`` (empty when absent)."""
    selector = spec.get("nodeSelector")
    required = node_affinity.get("requiredDuringSchedulingIgnoredDuringExecution")
    if not isinstance(required, Mapping) and selector is None:
        return None
    pairs = (
        tuple(sorted((str(k), str(v)) for k, v in selector.items()))
        if isinstance(selector, Mapping)
        else ()
    )
    terms = None
    if isinstance(required, Mapping):
        parsed = (
            parse_node_selector_term(t) for t in _expressions(required.get("nodeSelectorTerms"))
        )
        terms = tuple(term for term in parsed if term is not None)
    return RequiredNodeAffinity(pairs, terms)


def preferred_node_affinity(pod: Mapping[str, Any]) -> tuple[PreferredTerm, ...]:
    """The pod's weighted preferences; empty terms and zero weights are dropped."""
    return spec_preferred_node_affinity(_affinity(pod))


def spec_preferred_node_affinity(node_affinity: Mapping[str, Any]) -> tuple[PreferredTerm, ...]:
    """:func:`preferred_node_affinity` from a pod's ``spec.affinity.nodeAffinity``."""
    preferred = node_affinity.get("preferredDuringSchedulingIgnoredDuringExecution")
    out = []
    for item in _expressions(preferred):
        if not isinstance(item, Mapping):
            continue
        weight = item.get("weight")
        term = parse_node_selector_term(item.get("preference"))
        if isinstance(weight, int) and not isinstance(weight, bool) and weight and term:
            out.append(PreferredTerm(weight, term))
    return tuple(out)
