"""RBAC policy rules and how a request matches one (``rbac/v1`` evaluation helpers).

A rule from a Role or ClusterRole manifest::

    {"apiGroups": [""], "resources": ["pods", "pods/log"], "verbs": ["get", "list"]}

is compiled once into a :class:`PolicyRule` (sets for O(1) membership), then matched by
:func:`rule_allows` exactly like Kubernetes' ``RuleAllows``:

* verbs: ``*`` or the request's verb;
* apiGroups: ``*`` or the request's group (``""`` is the core group);
* resources: ``*`` (which also covers every subresource), the exact ``resource`` or
  ``resource/subresource``, or ``*/subresource`` for that subresource of any resource.
  ``pods/*`` is *not* a wildcard: it only matches a subresource literally named ``*``;
* resourceNames: empty means any name; otherwise the request's name must be listed, so a
  rule with names never allows a request without a name (``list``, ``create``...);
* nonResourceURLs (for non-resource requests only): ``*``, the exact path, or a prefix
  ending in ``*`` (``/healthz/*`` matches ``/healthz/etcd`` but not ``/healthz``).

Matching is case-sensitive everywhere, as in Kubernetes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from .attributes import Attributes

__all__ = [
    "PolicyRule",
    "api_group_matches",
    "compile_rules",
    "non_resource_url_matches",
    "resource_matches",
    "resource_name_matches",
    "rule_allows",
    "rules_allow",
    "verb_matches",
]

VERB_ALL = "*"
API_GROUP_ALL = "*"
RESOURCE_ALL = "*"
NON_RESOURCE_ALL = "*"


def _strings(value: object) -> tuple[str, ...]:
    """The strings of a manifest list field; anything else counts as an empty list.

    Stored RBAC objects were validated by the apiserver; being lenient here means a
    malformed rule grants nothing instead of crashing every request.
    """
    if not isinstance(value, list | tuple):
        return ()
    return tuple(item for item in value if isinstance(item, str))


@attrs.frozen
class PolicyRule:
    """One compiled rule. The public fields keep the manifest's order (for display and
    round-tripping via :meth:`to_dict`); matching uses the precomputed private sets."""

    verbs: tuple[str, ...] = ()
    api_groups: tuple[str, ...] = ()
    resources: tuple[str, ...] = ()
    resource_names: tuple[str, ...] = ()
    non_resource_urls: tuple[str, ...] = ()

    _verb_set: frozenset[str] = attrs.field(init=False, repr=False, eq=False)
    _group_set: frozenset[str] = attrs.field(init=False, repr=False, eq=False)
    _resource_set: frozenset[str] = attrs.field(init=False, repr=False, eq=False)
    _name_set: frozenset[str] = attrs.field(init=False, repr=False, eq=False)
    _url_set: frozenset[str] = attrs.field(init=False, repr=False, eq=False)
    _url_prefixes: tuple[str, ...] = attrs.field(init=False, repr=False, eq=False)
    _any_subresources: frozenset[str] = attrs.field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        set_ = object.__setattr__  # the class is frozen; these are derived caches
        set_(self, "_verb_set", frozenset(self.verbs))
        set_(self, "_group_set", frozenset(self.api_groups))
        set_(self, "_resource_set", frozenset(self.resources))
        set_(self, "_name_set", frozenset(self.resource_names))
        set_(self, "_url_set", frozenset(self.non_resource_urls))
        set_(
            self,
            "_url_prefixes",
            tuple(url.rstrip("*") for url in self.non_resource_urls if url.endswith("*")),
        )
        set_(
            self,
            "_any_subresources",
            frozenset(r[2:] for r in self.resources if r.startswith("*/") and len(r) > 2),
        )

    @classmethod
    def from_dict(cls, rule: Mapping[str, Any]) -> PolicyRule:
        """Compile a manifest rule (``apiGroups``, ``resources``, ``verbs``...)."""
        return cls(
            verbs=_strings(rule.get("verbs")),
            api_groups=_strings(rule.get("apiGroups")),
            resources=_strings(rule.get("resources")),
            resource_names=_strings(rule.get("resourceNames")),
            non_resource_urls=_strings(rule.get("nonResourceURLs")),
        )

    def to_dict(self) -> dict[str, list[str]]:
        """The manifest form, with empty lists left out (as Kubernetes serialises them)."""
        fields = (
            ("verbs", self.verbs),
            ("apiGroups", self.api_groups),
            ("resources", self.resources),
            ("resourceNames", self.resource_names),
            ("nonResourceURLs", self.non_resource_urls),
        )
        return {key: list(values) for key, values in fields if values}


def compile_rules(rules: object) -> tuple[PolicyRule, ...]:
    """Compile a role's ``rules`` list; entries that are not maps are skipped."""
    if not isinstance(rules, list | tuple):
        return ()
    return tuple(PolicyRule.from_dict(rule) for rule in rules if isinstance(rule, Mapping))


def verb_matches(rule: PolicyRule, verb: str) -> bool:
    """``VerbMatches``: ``*`` or the exact verb."""
    verbs = rule._verb_set
    return VERB_ALL in verbs or verb in verbs


def api_group_matches(rule: PolicyRule, group: str) -> bool:
    """``APIGroupMatches``: ``*`` or the exact group."""
    groups = rule._group_set
    return API_GROUP_ALL in groups or group in groups


def resource_matches(rule: PolicyRule, combined_resource: str, subresource: str) -> bool:
    """``ResourceMatches``: ``*``, exact ``resource[/subresource]``, or ``*/subresource``."""
    resources = rule._resource_set
    if RESOURCE_ALL in resources or combined_resource in resources:
        return True
    return bool(subresource) and subresource in rule._any_subresources


def resource_name_matches(rule: PolicyRule, name: str) -> bool:
    """``ResourceNameMatches``: no names listed, or the request's name is listed."""
    return not rule.resource_names or name in rule._name_set


def non_resource_url_matches(rule: PolicyRule, path: str) -> bool:
    """``NonResourceURLMatches``: ``*``, the exact path, or a listed ``prefix*``."""
    urls = rule._url_set
    if NON_RESOURCE_ALL in urls or path in urls:
        return True
    return any(path.startswith(prefix) for prefix in rule._url_prefixes)


def rule_allows(request: Attributes, rule: PolicyRule) -> bool:
    """Whether ``rule`` allows the request (``rbac.RuleAllows``)."""
    if not verb_matches(rule, request.verb):
        return False
    if request.resource_request:
        return (
            api_group_matches(rule, request.api_group)
            and resource_matches(rule, request.combined_resource, request.subresource)
            and resource_name_matches(rule, request.name)
        )
    return non_resource_url_matches(rule, request.path)


def rules_allow(request: Attributes, rules: Iterable[PolicyRule]) -> bool:
    """Whether any of ``rules`` allows the request (``rbac.RulesAllow``)."""
    return any(rule_allows(request, rule) for rule in rules)
