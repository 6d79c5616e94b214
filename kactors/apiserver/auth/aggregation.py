"""ClusterRole aggregation: the rules an ``aggregationRule`` stands for.

A ClusterRole with an ``aggregationRule`` (``admin``, ``edit``, ``view``) does not list its
own rules: Kubernetes' clusterrole-aggregation controller fills ``rules`` with the rules of
every *other* ClusterRole whose labels match one of its ``clusterRoleSelectors``, so that
installing a CRD's ``aggregate-to-view`` role extends ``view`` everywhere. Authorizers only
read ``rules``. These pure functions compute what the controller writes; whoever runs the
controller calls them (bootstrap uses them to ship ``admin``/``edit``/``view`` filled in).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from kactors.api.labels import selector_from_label_selector

__all__ = ["aggregate_cluster_roles", "aggregated_rules"]

_RULE_FIELDS = ("verbs", "apiGroups", "resources", "resourceNames", "nonResourceURLs")


def _rule_key(rule: Mapping[str, Any]) -> tuple[tuple[str, ...], ...]:
    # equality.Semantic.DeepEqual: a missing list and an empty list are the same.
    return tuple(tuple(rule.get(field) or ()) for field in _RULE_FIELDS)


def _name(role: Mapping[str, Any]) -> str:
    metadata = role.get("metadata")
    return str(metadata.get("name", "")) if isinstance(metadata, Mapping) else ""


def _labels(role: Mapping[str, Any]) -> Mapping[str, str]:
    metadata = role.get("metadata")
    labels = metadata.get("labels") if isinstance(metadata, Mapping) else None
    return labels if isinstance(labels, Mapping) else {}


def aggregated_rules(
    cluster_role: Mapping[str, Any], cluster_roles: Iterable[Mapping[str, Any]]
) -> list[dict[str, Any]] | None:
    """The rules the aggregation controller would write into ``cluster_role``.

    ``None`` if the role has no ``aggregationRule`` (its rules are its own). Otherwise, for
    each selector in order, the matching ClusterRoles other than itself, by name, each
    contributing the rules not already collected (``syncClusterRole``). Raises
    :class:`~kactors.api.errors.SelectorError` for a malformed selector.
    """
    rule = cluster_role.get("aggregationRule")
    if not isinstance(rule, Mapping):
        return None
    own_name = _name(cluster_role)
    candidates = sorted(cluster_roles, key=_name)
    collected: list[dict[str, Any]] = []
    seen: set[tuple[tuple[str, ...], ...]] = set()  # membership only
    for selector_spec in rule.get("clusterRoleSelectors") or ():
        selector = selector_from_label_selector(selector_spec)
        for other in candidates:
            if _name(other) == own_name or not selector.matches(_labels(other)):
                continue
            for policy_rule in other.get("rules") or ():
                key = _rule_key(policy_rule)
                if key not in seen:
                    seen.add(key)
                    collected.append(dict(policy_rule))
    return collected


def aggregate_cluster_roles(cluster_roles: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """``cluster_roles`` with every aggregated role's ``rules`` filled in, to a fixpoint.

    Aggregation chains (``admin`` takes ``edit``'s rules, which come from ``view``'s...) need
    several passes, as the controller needs several syncs; roles are updated in name order
    with the latest rules each pass. The input is not modified.
    """
    roles = [dict(role) for role in cluster_roles]
    order = sorted(range(len(roles)), key=lambda i: _name(roles[i]))
    for _ in range(len(roles) + 1):
        changed = False
        for index in order:
            rules = aggregated_rules(roles[index], roles)
            if rules is not None and rules != roles[index].get("rules"):
                roles[index] = {**roles[index], "rules": rules}
                changed = True
        if not changed:
            break
    return roles
