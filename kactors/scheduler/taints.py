"""Taints and tolerations (``k8s.io/api/core/v1`` ``Toleration.ToleratesTaint``).

A node's taints repel pods; a pod's tolerations let it ignore matching taints. Both are
parsed once into small frozen records so filters never touch the raw dicts.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import attrs

from ._util import as_list, as_map, get_map

__all__ = [
    "NO_EXECUTE",
    "NO_SCHEDULE",
    "PREFER_NO_SCHEDULE",
    "UNSCHEDULABLE_TAINT",
    "Taint",
    "Toleration",
    "find_untolerated_taint",
    "parse_taints",
    "parse_tolerations",
    "spec_tolerations",
    "tolerates",
]

NO_SCHEDULE = "NoSchedule"
PREFER_NO_SCHEDULE = "PreferNoSchedule"
NO_EXECUTE = "NoExecute"


@attrs.frozen
class Taint:
    """``key=value:effect`` on a node."""

    key: str
    value: str = ""
    effect: str = ""


@attrs.frozen(cache_hash=True)  # part of every pod's Signature, hashed per pod
class Toleration:
    """A pod's permission to land on nodes with matching taints."""

    key: str = ""
    operator: str = ""
    value: str = ""
    effect: str = ""

    def tolerates(self, taint: Taint) -> bool:
        """``Toleration.ToleratesTaint``: an empty effect or key matches any; ``Exists``
        ignores the value; an empty operator means ``Equal``; unknown operators match nothing.
        """
        if self.effect and self.effect != taint.effect:
            return False
        if self.key and self.key != taint.key:
            return False
        if self.operator in ("", "Equal"):
            return self.value == taint.value
        return self.operator == "Exists"


#: The taint ``NodeUnschedulable`` treats ``spec.unschedulable: true`` as.
UNSCHEDULABLE_TAINT = Taint("node.kubernetes.io/unschedulable", "", NO_SCHEDULE)


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def parse_taints(node: Mapping[str, Any]) -> tuple[Taint, ...]:
    """``node.spec.taints`` as records, in the node's order (the order reasons refer to)."""
    raw = as_list(get_map(node, "spec").get("taints"))
    return tuple(
        Taint(_str(t.get("key")), _str(t.get("value")), _str(t.get("effect")))
        for t in map(as_map, raw)
        if t
    )


def parse_tolerations(pod: Mapping[str, Any]) -> tuple[Toleration, ...]:
    """``pod.spec.tolerations`` as records."""
    return spec_tolerations(get_map(pod, "spec"))


def spec_tolerations(spec: Mapping[str, Any]) -> tuple[Toleration, ...]:
    """:func:`parse_tolerations` of a pod's ``spec``.

    Every pod carries tolerations (admission adds the not-ready/unreachable ones), and
    the pods of one workload carry the same: equal lists share one tuple of records
    (frozen values, so sharing is safe) instead of building new ones per pod.
    """
    raw = as_list(spec.get("tolerations"))
    if not raw:
        return ()
    # keyed by the raw values: only a list seen for the first time is sanitised
    fields = tuple(
        (t.get("key"), t.get("operator"), t.get("value"), t.get("effect"))
        for t in map(as_map, raw)
        if t
    )
    try:
        return _tolerations(fields)
    except TypeError:  # an unhashable value (a malformed object): nothing to share
        return _tolerations.__wrapped__(fields)


@functools.lru_cache(maxsize=1024)
def _tolerations(fields: tuple[tuple[Any, Any, Any, Any], ...]) -> tuple[Toleration, ...]:
    return tuple(Toleration(*map(_str, parts)) for parts in fields)


def tolerates(tolerations: Iterable[Toleration], taint: Taint) -> bool:
    """``TolerationsTolerateTaint``: whether any toleration matches ``taint``."""
    return any(toleration.tolerates(taint) for toleration in tolerations)


def find_untolerated_taint(
    taints: Sequence[Taint], tolerations: Sequence[Toleration], effects: frozenset[str]
) -> Taint | None:
    """The first taint with one of ``effects`` that no toleration matches
    (``FindMatchingUntoleratedTaint``), or ``None``."""
    for taint in taints:
        if taint.effect in effects and not tolerates(tolerations, taint):
            return taint
    return None
