"""Access reviews: "may this user do that?" asked of the apiserver's own authorizer.

``kubectl auth can-i create deployments -n dev`` POSTs a ``SelfSubjectAccessReview`` to
``/apis/authorization.k8s.io/v1/selfsubjectaccessreviews``; the apiserver answers with the
same object and a ``status`` (``allowed``, ``denied``, ``reason``) computed by the very
authorizer chain that guards real requests (``system:masters``, the node authorizer, RBAC),
for the user who asked. A ``SubjectAccessReview`` asks the same about any user named in
its spec (webhook authorizers and admins use it; creating one needs RBAC permission on
``subjectaccessreviews``, which ``system:basic-user`` does not grant).

``kubectl auth can-i --list [-n NS]`` POSTs a ``SelfSubjectRulesReview`` instead: "what
may I do in this namespace?". It is answered from the authorizers that can enumerate
rules (Kubernetes' ``RuleResolver``): RBAC lists the rules of every role bound to the user
that applies there (``status.resourceRules``, ``status.nonResourceRules``); the Node
authorizer cannot enumerate a kubelet's rights, so for a node the answer is
``incomplete``; the ``system:masters`` short cut is no rule resolver in Kubernetes either
(an admin sees cluster-admin's ``*`` rules through its RBAC binding). Roles that are
missing are reported in ``status.evaluationError``.

Reviews are *virtual* resources, as in Kubernetes: create is their only verb, nothing is
stored, and ``get``/``list`` are refused with 405 by the router. Validation follows
``pkg/apis/authorization/validation``: exactly one of ``resourceAttributes`` and
``nonResourceAttributes``, an empty ``metadata``; a SubjectAccessReview names a user or a
group. A review whose request could not be decoded is a 400.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kactors.api import fielderrors as fe
from kactors.api import status as st
from kactors.apiserver.auth import Attributes, UserInfo, node_name_of
from kactors.apiserver.auth.chain import AuthorizerLike
from kactors.apiserver.auth.node import NodeAuthorizer
from kactors.apiserver.auth.rules import PolicyRule

__all__ = ["AUTHENTICATION_GROUP", "AUTHORIZATION_GROUP", "REVIEW_KINDS", "evaluate_review",
           "evaluate_rules_review", "is_review", "resolve_rules", "self_subject_review"]

AUTHORIZATION_GROUP = "authorization.k8s.io"
AUTHENTICATION_GROUP = "authentication.k8s.io"
#: the review kinds this module answers, by (API group, resource name)
REVIEW_KINDS = {
    (AUTHORIZATION_GROUP, "selfsubjectaccessreviews"): "SelfSubjectAccessReview",
    (AUTHORIZATION_GROUP, "subjectaccessreviews"): "SubjectAccessReview",
    (AUTHORIZATION_GROUP, "selfsubjectrulesreviews"): "SelfSubjectRulesReview",
    (AUTHENTICATION_GROUP, "selfsubjectreviews"): "SelfSubjectReview",
}
_RULES_REVIEW = "SelfSubjectRulesReview"
_WHOAMI = "SelfSubjectReview"
_NODE_RULES_ERROR = "node authorizer does not support user rule resolution"

_RESOURCE_FIELDS = ("namespace", "verb", "group", "version", "resource", "subresource",
                    "name")


def is_review(group: str, resource: str) -> bool:
    """Whether ``group/resource`` is a review this module evaluates."""
    return (group, resource) in REVIEW_KINDS


def _strings(value: Any, path: str, errors: list[fe.FieldError]) -> None:
    if value is not None and not isinstance(value, str):
        errors.append(fe.invalid(path, value, "must be a string"))


def _validate(kind: str, body: Mapping[str, Any]) -> list[fe.FieldError]:
    errors: list[fe.FieldError] = []
    meta = body.get("metadata")
    if meta is not None and not isinstance(meta, Mapping):
        errors.append(fe.invalid("metadata", meta, "must be an object"))
    elif meta and any(value not in (None, "", {}, []) for value in meta.values()):
        errors.append(fe.invalid("metadata", dict(meta), "must be empty"))
    spec = body.get("spec")
    if not isinstance(spec, Mapping):
        spec = {}
    resource, non_resource = spec.get("resourceAttributes"), spec.get("nonResourceAttributes")
    if resource is not None and non_resource is not None:
        errors.append(fe.invalid("spec.nonResourceAttributes", non_resource,
                                 "cannot be specified in combination with resourceAttributes"))
    if resource is None and non_resource is None:
        errors.append(fe.invalid("spec.resourceAttributes", None, "exactly one of "
                                 "nonResourceAttributes or resourceAttributes must be specified"))
    for path, attributes, fields in (
            ("spec.resourceAttributes", resource, _RESOURCE_FIELDS),
            ("spec.nonResourceAttributes", non_resource, ("path", "verb"))):
        if attributes is None:
            continue
        if not isinstance(attributes, Mapping):
            errors.append(fe.invalid(path, attributes, "must be an object"))
            continue
        for field in fields:
            _strings(attributes.get(field), f"{path}.{field}", errors)
    if kind == "SubjectAccessReview":
        _strings(spec.get("user"), "spec.user", errors)
        _strings(spec.get("uid"), "spec.uid", errors)
        groups = spec.get("groups")
        if groups is not None and (not isinstance(groups, list)
                                   or not all(isinstance(g, str) for g in groups)):
            errors.append(fe.invalid("spec.groups", groups, "must be a list of strings"))
        elif not spec.get("user") and not groups:
            errors.append(fe.invalid("spec.user", spec.get("user") or "",
                                     "at least one of user or group must be specified"))
    return errors


def _subject(kind: str, spec: Mapping[str, Any], requester: UserInfo) -> UserInfo:
    """Whom the review is about: the requester, or the user a SubjectAccessReview names."""
    if kind == "SelfSubjectAccessReview":
        return requester
    extra = spec.get("extra")
    extra_map = ({str(k): [str(v) for v in values] for k, values in extra.items()
                  if isinstance(values, list)} if isinstance(extra, Mapping) else {})
    return UserInfo(str(spec.get("user") or ""), str(spec.get("uid") or ""),
                    tuple(spec.get("groups") or ()), extra_map)


def _attributes(user: UserInfo, spec: Mapping[str, Any]) -> Attributes:
    """``ResourceAttributesFrom`` / ``NonResourceAttributesFrom``."""
    resource = spec.get("resourceAttributes")
    if isinstance(resource, Mapping):
        return Attributes(
            user=user, verb=resource.get("verb") or "", resource_request=True,
            api_group=resource.get("group") or "",
            api_version=resource.get("version") or "*",  # matchAllVersionIfEmpty
            resource=resource.get("resource") or "",
            subresource=resource.get("subresource") or "",
            namespace=resource.get("namespace") or "", name=resource.get("name") or "")
    attributes = spec.get("nonResourceAttributes") or {}
    return Attributes(user=user, verb=attributes.get("verb") or "", resource_request=False,
                      path=attributes.get("path") or "")


def evaluate_review(kind: str, body: Any, requester: UserInfo, authorizer: AuthorizerLike,
                    now: str | None = None) -> dict[str, Any]:
    """The review ``body`` answered: the same object with its ``status`` filled in.

    ``kind`` is one of `REVIEW_KINDS`; ``requester`` the authenticated (or impersonated)
    user of the request, the subject of a self review; ``now`` the creation timestamp a
    ``SelfSubjectReview`` gets. Raises :class:`~kactors.api.status.StatusError` (400 or
    422) for a malformed review.
    """
    if not isinstance(body, Mapping):
        raise st.StatusError(st.bad_request(f"not a {kind}: {type(body).__name__}"))
    if body.get("kind") not in (None, "", kind):
        raise st.StatusError(st.bad_request(f"not a {kind}: {body.get('kind')}"))
    if kind == _RULES_REVIEW:
        return evaluate_rules_review(body, requester, authorizer)
    if kind == _WHOAMI:
        return self_subject_review(requester, now)
    errors = _validate(kind, body)
    if errors:
        raise st.StatusError(st.invalid((AUTHORIZATION_GROUP, kind), "", errors))
    spec = body.get("spec") or {}
    decision = authorizer.authorize(_attributes(_subject(kind, spec, requester), spec))
    status: dict[str, Any] = {"allowed": decision.allowed}
    if decision.reason:
        status["reason"] = decision.reason
    return {"kind": kind, "apiVersion": f"{AUTHORIZATION_GROUP}/v1",
            "metadata": {}, "spec": dict(spec), "status": status}


def self_subject_review(requester: UserInfo, now: str | None) -> dict[str, Any]:
    """``kubectl auth whoami``: who the apiserver takes the requester for, after
    authentication and impersonation (Kubernetes' ``selfsubjectreview`` REST: nothing in
    the request but its kind counts)."""
    user_info: dict[str, Any] = {"username": requester.name}
    if requester.uid:
        user_info["uid"] = requester.uid
    if requester.groups:
        user_info["groups"] = list(requester.groups)
    if requester.extra:
        user_info["extra"] = {key: list(values) for key, values in requester.extra.items()}
    return {"kind": _WHOAMI, "apiVersion": f"{AUTHENTICATION_GROUP}/v1",
            "metadata": {"creationTimestamp": now}, "status": {"userInfo": user_info}}


def resolve_rules(authorizer: Any, user: UserInfo, namespace: str
                  ) -> tuple[list[PolicyRule], bool, list[str]]:
    """``RulesFor`` of an authorizer chain: (the rules that apply to ``user`` in
    ``namespace``, whether that list is incomplete, the evaluation errors), each
    authorizer of a chain in turn (Kubernetes' ``unionAuthzRulesHandler``)."""
    members = getattr(authorizer, "authorizers", None)
    if members is not None:
        rules: list[PolicyRule] = []
        incomplete = False
        errors: list[str] = []
        for member in members:
            found, partial, failed = resolve_rules(member, user, namespace)
            rules.extend(found)
            incomplete = incomplete or partial
            errors.extend(failed)
        return rules, incomplete, errors
    if isinstance(authorizer, NodeAuthorizer):
        if node_name_of(user) is not None:  # a kubelet's rights depend on its pods
            return [], True, [_NODE_RULES_ERROR]
        return [], False, []
    rules_for = getattr(authorizer, "rules_for", None)
    if rules_for is None:
        return [], False, []  # not a rule resolver (system:masters, in Kubernetes too)
    found, failed = rules_for(user, namespace)
    return list(found), False, list(failed)


def _resource_rule(rule: PolicyRule) -> dict[str, Any]:
    """``authorizationv1.ResourceRule``: verbs always, the rest when set (omitempty)."""
    out: dict[str, Any] = {"verbs": list(rule.verbs)}
    for key, values in (("apiGroups", rule.api_groups), ("resources", rule.resources),
                        ("resourceNames", rule.resource_names)):
        if values:
            out[key] = list(values)
    return out


def _error_text(errors: list[str]) -> str:
    """``utilerrors.NewAggregate(errs).Error()``: one message, or ``[a, b]``."""
    unique = list(dict.fromkeys(errors))
    return unique[0] if len(unique) == 1 else "[" + ", ".join(unique) + "]"


def evaluate_rules_review(body: Mapping[str, Any], requester: UserInfo,
                          authorizer: AuthorizerLike) -> dict[str, Any]:
    """A ``SelfSubjectRulesReview`` answered: what ``requester`` may do in
    ``spec.namespace`` (400 ``no namespace on request`` without one), as the registry of
    Kubernetes' ``selfsubjectrulesreviews`` computes it."""
    spec = body.get("spec")
    if not isinstance(spec, Mapping):
        spec = {}
    namespace = spec.get("namespace")
    if not namespace:
        raise st.StatusError(st.bad_request("no namespace on request"))
    if not isinstance(namespace, str):
        raise st.StatusError(st.bad_request(
            f"not a {_RULES_REVIEW}: spec.namespace must be a string"))
    rules, incomplete, errors = resolve_rules(authorizer, requester, namespace)
    status: dict[str, Any] = {
        "resourceRules": [_resource_rule(rule) for rule in rules if rule.resources],
        "nonResourceRules": [{"verbs": list(rule.verbs),
                              "nonResourceURLs": list(rule.non_resource_urls)}
                             for rule in rules if rule.non_resource_urls],
        "incomplete": incomplete}
    if errors:
        status["evaluationError"] = _error_text(errors)
    return {"kind": _RULES_REVIEW, "apiVersion": f"{AUTHORIZATION_GROUP}/v1",
            "metadata": {}, "spec": {"namespace": namespace}, "status": status}
