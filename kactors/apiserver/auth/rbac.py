"""The RBAC authorizer: Roles, ClusterRoles and their bindings, indexed by subject.

Kubernetes' ``RBACAuthorizer`` (``plugin/pkg/auth/authorizer/rbac``) visits *every*
ClusterRoleBinding, then every RoleBinding of the request's namespace, asks whether one of
its subjects is the user, and if so checks the rules of the role it refers to. That is a
scan of all bindings per request. Here bindings are indexed by the subjects they name, so a
request only looks at the bindings that can apply to its user:

* ``User`` subjects and ``ServiceAccount`` subjects under the *user name* they match
  (``system:serviceaccount:<ns>:<name>``; a RoleBinding's ServiceAccount subject without a
  namespace means the binding's namespace, one in a ClusterRoleBinding matches nobody);
* ``Group`` subjects under the group name.

Semantics are Kubernetes' own:

* a ClusterRoleBinding grants its role's rules everywhere, in every namespace and at the
  cluster scope;
* a RoleBinding grants only for requests *in its namespace*, whether it refers to a Role
  (of that namespace) or to a ClusterRole (whose rules then apply in that namespace only);
  cluster-scoped requests and requests across all namespaces are never allowed by one;
* a binding whose role does not exist grants nothing; if nothing else allows the request,
  the denial's reason lists the missing roles (``RBAC: role.rbac.authorization.k8s.io
  "x" not found``), as Kubernetes does;
* the allowing binding is named in the reason (``RBAC: allowed by ClusterRoleBinding
  "cluster-admin" of ClusterRole "cluster-admin" to Group "system:masters"``).

Where Kubernetes' order is the informer's (arbitrary), ours is deterministic: ClusterRole
bindings before RoleBindings, each by name.

ClusterRole ``aggregationRule`` is not evaluated here: as in Kubernetes, a controller
writes the aggregated ``rules`` into the ClusterRole (see
:mod:`kactors.apiserver.auth.aggregation`), and the authorizer reads ``rules`` only.

The authorizer is a mutable index owned by one actor (the apiserver); feed it with
:meth:`RBACAuthorizer.add` / :meth:`RBACAuthorizer.remove` from a watch, or rebuild it
with :meth:`RBACAuthorizer.from_objects`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from kactors.api.validation import go_quote

from .attributes import Attributes
from .decision import Decision
from .errors import PolicyError
from .rules import PolicyRule, compile_rules, rule_allows
from .user import UserInfo, service_account_username

__all__ = ["RBAC_GROUP", "RBACAuthorizer"]

RBAC_GROUP = "rbac.authorization.k8s.io"

_ROLE_KINDS = ("Role", "ClusterRole")
_BINDING_KINDS = ("RoleBinding", "ClusterRoleBinding")

#: Index keys: ("user", user name) for User and ServiceAccount subjects, ("group", name).
_Key = tuple[str, str]


@attrs.frozen
class _Subject:
    key: _Key | None  # None: can never match (unknown kind, SA without any namespace)
    #: The decision reason when this subject is the one that matched, built once here
    #: because quoting it per request would be most of the cost of an allowed request.
    allow_reason: str


@attrs.frozen
class _Binding:
    kind: str  # RoleBinding | ClusterRoleBinding
    namespace: str  # "" for a ClusterRoleBinding
    name: str
    role_kind: str
    role_name: str
    subjects: tuple[_Subject, ...]

    def applicable_subject(self, user_name: str, groups: frozenset[str]) -> _Subject | None:
        """The first subject that is this user (``appliesTo``), if any."""
        for subject in self.subjects:
            if subject.key is None:
                continue
            kind, value = subject.key
            if (kind == "user" and value == user_name) or (kind == "group" and value in groups):
                return subject
        return None


def _metadata(obj: Mapping[str, Any]) -> tuple[str, str]:
    metadata = obj.get("metadata")
    if not isinstance(metadata, Mapping):
        metadata = {}
    return str(metadata.get("namespace") or ""), str(metadata.get("name") or "")


def _describe_subject(kind: str, name: str, namespace: str, binding_namespace: str) -> str:
    """``describeSubject``: ``User "alice"``, ``ServiceAccount "name/namespace"``."""
    if kind == "ServiceAccount":
        return f"{kind} {go_quote(name + '/' + (namespace or binding_namespace))}"
    return f"{kind} {go_quote(name)}"


def _subject(
    subject: Mapping[str, Any], binding_kind: str, binding_namespace: str, binding: str
) -> _Subject:
    kind = str(subject.get("kind") or "")
    name = str(subject.get("name") or "")
    namespace = str(subject.get("namespace") or "")
    key: _Key | None = None
    if kind == "User":
        key = ("user", name)
    elif kind == "Group":
        key = ("group", name)
    elif kind == "ServiceAccount":
        sa_namespace = namespace or binding_namespace
        if sa_namespace:
            key = ("user", service_account_username(sa_namespace, name))
    # clusterRoleBindingDescriber / roleBindingDescriber
    return _Subject(
        key,
        f"RBAC: allowed by {binding_kind} {binding} to "
        f"{_describe_subject(kind, name, namespace, binding_namespace)}",
    )


def _binding_from(obj: Mapping[str, Any], kind: str) -> _Binding:
    namespace, name = _metadata(obj)
    if kind == "ClusterRoleBinding":
        namespace = ""
    role_ref = obj.get("roleRef")
    if not isinstance(role_ref, Mapping):
        role_ref = {}
    role_kind, role_name = str(role_ref.get("kind") or ""), str(role_ref.get("name") or "")
    shown_name = f"{name}/{namespace}" if kind == "RoleBinding" else name
    described = f"{go_quote(shown_name)} of {role_kind} {go_quote(role_name)}"
    raw_subjects = obj.get("subjects")
    subjects = tuple(
        _subject(subject, kind, namespace, described)
        for subject in (raw_subjects if isinstance(raw_subjects, list | tuple) else ())
        if isinstance(subject, Mapping)
    )
    return _Binding(kind, namespace, name, role_kind, role_name, subjects)


def _subject_keys(binding: _Binding) -> list[_Key]:
    """The distinct index keys of ``binding``'s subjects, in order."""
    return list(dict.fromkeys(s.key for s in binding.subjects if s.key is not None))


def _unfile(index: dict[Any, dict[str, _Binding]], key: Any, name: str) -> None:
    bucket = index.get(key)
    if bucket is not None:
        bucket.pop(name, None)
        if not bucket:
            del index[key]


def _aggregate(errors: list[str]) -> str:
    """``utilerrors.NewAggregate(errs).Error()``: one message, or ``[a, b]`` deduplicated."""
    unique = list(dict.fromkeys(errors))
    if len(unique) == 1:
        return unique[0]
    return "[" + ", ".join(unique) + "]"


class RBACAuthorizer:
    """Authorize requests against the RBAC objects it was given; see the module doc."""

    def __init__(self) -> None:
        self._cluster_roles: dict[str, tuple[PolicyRule, ...]] = {}
        self._roles: dict[tuple[str, str], tuple[PolicyRule, ...]] = {}
        self._cluster_bindings: dict[str, _Binding] = {}
        self._role_bindings: dict[tuple[str, str], _Binding] = {}
        # subject key -> binding name -> binding
        self._cluster_index: dict[_Key, dict[str, _Binding]] = {}
        # (namespace, subject key) -> binding name -> binding
        self._namespace_index: dict[tuple[str, _Key], dict[str, _Binding]] = {}
        #: decisions already made, by request: a decision is a pure function of the
        #: request and the RBAC objects held, so any add or remove forgets them all. The
        #: controllers and the scheduler ask the same few questions thousands of times
        #: (create pods, create events, ...), each a walk over bindings and rules.
        self._decisions: dict[Attributes, Decision] = {}

    @classmethod
    def from_objects(cls, objects: Iterable[Mapping[str, Any]]) -> RBACAuthorizer:
        """An authorizer holding ``objects`` (Roles, ClusterRoles and bindings, any order)."""
        authorizer = cls()
        for obj in objects:
            authorizer.add(obj)
        return authorizer

    def __repr__(self) -> str:
        return (
            f"<RBACAuthorizer {len(self._cluster_roles)} clusterroles, {len(self._roles)} roles, "
            f"{len(self._cluster_bindings)} clusterrolebindings, "
            f"{len(self._role_bindings)} rolebindings>"
        )

    # -- maintenance --------------------------------------------------------------------

    def add(self, obj: Mapping[str, Any]) -> None:
        """Add an RBAC object, or replace the one of the same kind, namespace and name."""
        kind = _kind_of(obj)
        self._decisions.clear()
        namespace, name = _metadata(obj)
        if kind == "ClusterRole":
            self._cluster_roles[name] = compile_rules(obj.get("rules"))
        elif kind == "Role":
            self._roles[(namespace, name)] = compile_rules(obj.get("rules"))
        else:
            self._remove_binding(kind, namespace, name)
            self._add_binding(_binding_from(obj, kind))

    def remove(self, obj: Mapping[str, Any]) -> None:
        """Forget the object of ``obj``'s kind, namespace and name (no-op if unknown)."""
        kind = _kind_of(obj)
        self._decisions.clear()
        namespace, name = _metadata(obj)
        if kind == "ClusterRole":
            self._cluster_roles.pop(name, None)
        elif kind == "Role":
            self._roles.pop((namespace, name), None)
        else:
            self._remove_binding(kind, namespace, name)

    def _add_binding(self, binding: _Binding) -> None:
        if binding.kind == "ClusterRoleBinding":
            self._cluster_bindings[binding.name] = binding
            for key in _subject_keys(binding):
                self._cluster_index.setdefault(key, {})[binding.name] = binding
        else:
            self._role_bindings[(binding.namespace, binding.name)] = binding
            for key in _subject_keys(binding):
                self._namespace_index.setdefault((binding.namespace, key), {})[binding.name] = (
                    binding
                )

    def _remove_binding(self, kind: str, namespace: str, name: str) -> None:
        if kind == "ClusterRoleBinding":
            old = self._cluster_bindings.pop(name, None)
            if old is not None:
                for key in _subject_keys(old):
                    _unfile(self._cluster_index, key, name)
        else:
            old = self._role_bindings.pop((namespace, name), None)
            if old is not None:
                for key in _subject_keys(old):
                    _unfile(self._namespace_index, (namespace, key), name)

    # -- authorization ------------------------------------------------------------------

    def _role_rules(self, binding: _Binding) -> tuple[tuple[PolicyRule, ...] | None, str]:
        """``GetRoleReferenceRules``: the referenced role's rules, or an error message."""
        if binding.role_kind == "ClusterRole":
            rules = self._cluster_roles.get(binding.role_name)
            resource = "clusterrole"
        elif binding.role_kind == "Role":
            # In a ClusterRoleBinding (namespace "") a Role can never be found.
            rules = self._roles.get((binding.namespace, binding.role_name))
            resource = "role"
        else:
            return None, f"unsupported role reference kind: {go_quote(binding.role_kind)}"
        if rules is None:
            return None, f"{resource}.{RBAC_GROUP} {go_quote(binding.role_name)} not found"
        return rules, ""

    def _candidates(self, user: UserInfo, namespace: str) -> list[_Binding]:
        """The bindings that may apply to ``user`` for a request in ``namespace``."""
        keys: list[_Key] = [("user", user.name)]
        keys.extend(("group", group) for group in user.groups)
        cluster: dict[str, _Binding] = {}
        for key in keys:
            found = self._cluster_index.get(key)
            if found:
                cluster.update(found)
        result = [cluster[name] for name in sorted(cluster)]
        if namespace:
            local: dict[str, _Binding] = {}
            for key in keys:
                found = self._namespace_index.get((namespace, key))
                if found:
                    local.update(found)
            result.extend(local[name] for name in sorted(local))
        return result

    def rules_for(self, user: UserInfo, namespace: str) -> tuple[list[PolicyRule], list[str]]:
        """``RulesFor``: the rules of every role bound to ``user`` that apply in
        ``namespace`` (all of its ClusterRoleBindings, then that namespace's RoleBindings;
        ``""``: the cluster-wide ones only), in the order :meth:`authorize` tries them,
        and the errors met on the way (roles that do not exist). What a
        SelfSubjectRulesReview (``kubectl auth can-i --list``) reports."""
        groups = frozenset(user.groups)
        rules: list[PolicyRule] = []
        errors: list[str] = []
        for binding in self._candidates(user, namespace):
            if binding.applicable_subject(user.name, groups) is None:
                continue
            found, error = self._role_rules(binding)
            if found is None:
                errors.append(error)
            else:
                rules.extend(found)
        return rules, errors

    def authorize(self, request: Attributes) -> Decision:
        """Allow if a rule of a role bound to the user (in scope) allows the request."""
        decisions = self._decisions
        decision = decisions.get(request)
        if decision is None:
            if len(decisions) >= _DECISIONS_KEPT:
                decisions.clear()
            decision = decisions[request] = self._decide(request)
        return decision

    def _decide(self, request: Attributes) -> Decision:
        user = request.user
        groups = frozenset(user.groups)
        errors: list[str] = []
        for binding in self._candidates(user, request.namespace):
            subject = binding.applicable_subject(user.name, groups)
            if subject is None:
                continue
            rules, error = self._role_rules(binding)
            if rules is None:
                errors.append(error)
                continue
            for rule in rules:
                if rule_allows(request, rule):
                    return Decision.allow(subject.allow_reason)
        if errors:
            return Decision.no_opinion(f"RBAC: {_aggregate(errors)}")
        return Decision.no_opinion()


#: how many decisions :class:`RBACAuthorizer` remembers before it starts over
_DECISIONS_KEPT = 4096


def _kind_of(obj: Mapping[str, Any]) -> str:
    kind = obj.get("kind")
    if kind in _ROLE_KINDS or kind in _BINDING_KINDS:
        return str(kind)
    raise PolicyError(
        f"unsupported kind {go_quote(str(kind))}: expected Role, ClusterRole, RoleBinding "
        f"or ClusterRoleBinding"
    )
