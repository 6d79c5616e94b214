"""The RBAC authorizer: who is allowed what, where, and what the decision says."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kactors.apiserver.auth import (
    Attributes,
    PolicyError,
    RBACAuthorizer,
    UserInfo,
    anonymous_user,
    for_path,
    for_resource,
    rule_allows,
)
from kactors.apiserver.auth.rules import compile_rules

from .helpers import (
    cluster_role,
    cluster_role_binding,
    group_subject,
    role,
    role_binding,
    rule,
    sa_subject,
    sa_user,
    user,
    user_subject,
)

POD_READER = rule(["get", "list", "watch"], ["pods"])


def pods(u: UserInfo, verb: str = "get", namespace: str = "default", **kw: str) -> Attributes:
    return for_resource(u, verb, "pods", namespace=namespace, **kw)


@pytest.fixture
def rbac() -> RBACAuthorizer:
    return RBACAuthorizer.from_objects(
        [
            role("pod-reader", "default", POD_READER),
            role(
                "cm-one", "default", rule(["get", "update"], ["configmaps"], names=["app-config"])
            ),
            role("log-reader", "default", rule(["get"], ["pods/log"])),
            role("pod-reader", "other", POD_READER),
            cluster_role("secret-reader", rule(["get", "list"], ["secrets"])),
            cluster_role("node-reader", rule(["get", "list", "watch"], ["nodes"])),
            cluster_role("metrics", rule(["get"], urls=["/metrics", "/debug/*"])),
            cluster_role("deployer", rule(["*"], ["deployments", "deployments/scale"], ["apps"])),
            role_binding("alice-pods", "default", "pod-reader", user_subject("alice")),
            role_binding("alice-cm", "default", "cm-one", user_subject("alice")),
            role_binding("devs-logs", "default", "log-reader", group_subject("devs")),
            role_binding(
                "bob-secrets", "dev", "secret-reader", user_subject("bob"), role_kind="ClusterRole"
            ),
            cluster_role_binding("ops-nodes", "node-reader", group_subject("ops")),
            cluster_role_binding("carol-metrics", "metrics", user_subject("carol")),
            role_binding("builder-pods", "default", "pod-reader", sa_subject("builder")),
            role_binding("ci-pods", "other", "pod-reader", sa_subject("ci", "default")),
            role_binding(
                "all-sa-deploy",
                "staging",
                "deployer",
                group_subject("system:serviceaccounts:staging"),
                role_kind="ClusterRole",
            ),
            cluster_role_binding(
                "every-sa-nodes", "node-reader", group_subject("system:serviceaccounts")
            ),
        ]
    )


ALICE = user("alice")
BOB = user("bob")
CAROL = user("carol")
DAVE_DEV = user("dave", "devs")
OPS = user("olga", "ops")


@pytest.mark.parametrize(
    ("attrs", "allowed"),
    [
        # a Role grants in its namespace only
        (pods(ALICE, "get"), True),
        (pods(ALICE, "list"), True),
        (pods(ALICE, "delete", name="p"), False),
        (pods(ALICE, "get", namespace="other"), False),
        (pods(ALICE, "list", namespace=""), False),  # across all namespaces
        # resourceNames
        (for_resource(ALICE, "get", "configmaps", namespace="default", name="app-config"), True),
        (for_resource(ALICE, "update", "configmaps", namespace="default", name="app-config"), True),
        (for_resource(ALICE, "get", "configmaps", namespace="default", name="other"), False),
        (for_resource(ALICE, "list", "configmaps", namespace="default"), False),
        # subresources are separate resources
        (pods(ALICE, "get", name="p", subresource="log"), False),
        (pods(DAVE_DEV, "get", name="p", subresource="log"), True),
        (pods(DAVE_DEV, "get", name="p"), False),
        # group subjects
        (for_resource(OPS, "list", "nodes"), True),
        (for_resource(OPS, "get", "nodes", name="n1"), True),
        (for_resource(OPS, "delete", "nodes", name="n1"), False),
        # a ClusterRoleBinding grants in namespaces too
        (for_resource(OPS, "get", "nodes", namespace="default", name="n1"), True),
        # a RoleBinding to a ClusterRole grants only in the binding's namespace
        (for_resource(BOB, "get", "secrets", namespace="dev", name="s"), True),
        (for_resource(BOB, "list", "secrets", namespace="dev"), True),
        (for_resource(BOB, "get", "secrets", namespace="default", name="s"), False),
        (for_resource(BOB, "list", "secrets"), False),
        # wildcard verbs, API groups must match
        (
            for_resource(
                sa_user("staging", "x"),
                "patch",
                "deployments",
                namespace="staging",
                api_group="apps",
                subresource="scale",
                name="d",
            ),
            True,
        ),
        (for_resource(sa_user("staging", "x"), "get", "deployments", namespace="staging"), False),
        (
            for_resource(
                sa_user("staging", "x"), "get", "deployments", namespace="prod", api_group="apps"
            ),
            False,
        ),
        # non-resource URLs
        (for_path(CAROL, "get", "/metrics"), True),
        (for_path(CAROL, "get", "/debug/pprof"), True),
        (for_path(CAROL, "post", "/metrics"), False),
        (for_path(CAROL, "get", "/healthz"), False),
        (for_path(ALICE, "get", "/metrics"), False),
        # nobody else
        (pods(user("mallory"), "get"), False),
        (pods(anonymous_user(), "get"), False),
    ],
)
def test_matrix(rbac: RBACAuthorizer, attrs: Attributes, allowed: bool) -> None:
    assert rbac.authorize(attrs).allowed is allowed


@pytest.mark.parametrize(
    ("who", "namespace", "allowed"),
    [
        # RoleBinding subject without namespace: the binding's namespace
        (sa_user("default", "builder"), "default", True),
        (sa_user("other", "builder"), "default", False),
        # explicit namespace in the subject
        (sa_user("default", "ci"), "other", True),
        (sa_user("other", "ci"), "other", False),
        # a user *named* like the SA, but not the SA: the name is all that counts
        (user("system:serviceaccount:default:builder"), "default", True),
        (user("builder"), "default", False),
    ],
)
def test_service_account_subjects(
    rbac: RBACAuthorizer, who: UserInfo, namespace: str, allowed: bool
) -> None:
    assert rbac.authorize(pods(who, "list", namespace=namespace)).allowed is allowed


def test_service_account_group_forms(rbac: RBACAuthorizer) -> None:
    # system:serviceaccounts (every SA) and system:serviceaccounts:<ns> (one namespace)
    assert rbac.authorize(for_resource(sa_user("any", "x"), "list", "nodes")).allowed
    assert not rbac.authorize(for_resource(user("x"), "list", "nodes")).allowed


def test_service_account_subject_without_namespace_in_cluster_binding_matches_nobody() -> None:
    rbac = RBACAuthorizer.from_objects(
        [
            cluster_role("r", POD_READER),
            cluster_role_binding("b", "r", sa_subject("builder")),
        ]
    )
    assert not rbac.authorize(pods(sa_user("default", "builder"))).allowed


def test_allow_reasons_name_the_binding(rbac: RBACAuthorizer) -> None:
    assert rbac.authorize(pods(ALICE)).reason == (
        'RBAC: allowed by RoleBinding "alice-pods/default" of Role "pod-reader" to User "alice"'
    )
    assert rbac.authorize(for_resource(OPS, "get", "nodes")).reason == (
        'RBAC: allowed by ClusterRoleBinding "ops-nodes" of ClusterRole "node-reader" '
        'to Group "ops"'
    )
    assert rbac.authorize(pods(sa_user("default", "builder"))).reason == (
        'RBAC: allowed by RoleBinding "builder-pods/default" of Role "pod-reader" '
        'to ServiceAccount "builder/default"'
    )
    assert rbac.authorize(pods(sa_user("default", "ci"), namespace="other")).reason == (
        'RBAC: allowed by RoleBinding "ci-pods/other" of Role "pod-reader" '
        'to ServiceAccount "ci/default"'
    )
    assert rbac.authorize(pods(user("mallory"))).reason == ""


def test_missing_roles_are_reported_when_denied() -> None:
    rbac = RBACAuthorizer.from_objects(
        [
            role_binding("b1", "default", "gone", user_subject("alice")),
            role_binding("b2", "default", "gone-too", user_subject("alice")),
            role_binding("b3", "default", "gone", user_subject("alice")),
            cluster_role_binding("c1", "vanished", user_subject("alice")),
        ]
    )
    assert rbac.authorize(pods(ALICE, namespace="elsewhere")).reason == (
        'RBAC: clusterrole.rbac.authorization.k8s.io "vanished" not found'
    )
    assert rbac.authorize(pods(ALICE)).reason == (
        'RBAC: [clusterrole.rbac.authorization.k8s.io "vanished" not found, '
        'role.rbac.authorization.k8s.io "gone" not found, '
        'role.rbac.authorization.k8s.io "gone-too" not found]'
    )
    # Once the role exists the grant works and no error is reported.
    rbac.add(role("gone", "default", POD_READER))
    assert rbac.authorize(pods(ALICE)).allowed


def test_unsupported_role_ref_kind_is_reported() -> None:
    binding = role_binding("b", "default", "x", user_subject("alice"), role_kind="Widget")
    rbac = RBACAuthorizer.from_objects([binding])
    assert rbac.authorize(pods(ALICE)).reason == 'RBAC: unsupported role reference kind: "Widget"'


def test_incremental_add_replace_remove() -> None:
    rbac = RBACAuthorizer()
    assert not rbac.authorize(pods(ALICE)).allowed
    rbac.add(role("r", "default", POD_READER))
    rbac.add(role_binding("b", "default", "r", user_subject("alice")))
    assert rbac.authorize(pods(ALICE)).allowed
    # Replacing the binding re-indexes it under its new subjects.
    rbac.add(role_binding("b", "default", "r", user_subject("bob")))
    assert not rbac.authorize(pods(ALICE)).allowed
    assert rbac.authorize(pods(BOB)).allowed
    # Replacing the role changes what the binding grants.
    rbac.add(role("r", "default", rule(["get"], ["services"])))
    assert not rbac.authorize(pods(BOB)).allowed
    assert rbac.authorize(for_resource(BOB, "get", "services", namespace="default")).allowed
    # Removing either side revokes the grant.
    rbac.remove(role("r", "default"))
    assert not rbac.authorize(for_resource(BOB, "get", "services", namespace="default")).allowed
    rbac.add(role("r", "default", POD_READER))
    rbac.remove({"kind": "RoleBinding", "metadata": {"name": "b", "namespace": "default"}})
    assert not rbac.authorize(pods(BOB)).allowed
    rbac.remove({"kind": "RoleBinding", "metadata": {"name": "b", "namespace": "default"}})
    assert repr(rbac) == (
        "<RBACAuthorizer 0 clusterroles, 1 roles, 0 clusterrolebindings, 0 rolebindings>"
    )


def test_same_named_bindings_in_other_namespaces_are_independent() -> None:
    rbac = RBACAuthorizer.from_objects(
        [
            role("r", "a", POD_READER),
            role("r", "b", POD_READER),
            role_binding("b", "a", "r", user_subject("alice")),
            role_binding("b", "b", "r", user_subject("alice")),
        ]
    )
    rbac.remove(role_binding("b", "a", "r"))
    assert not rbac.authorize(pods(ALICE, namespace="a")).allowed
    assert rbac.authorize(pods(ALICE, namespace="b")).allowed


def test_only_rbac_kinds_are_accepted() -> None:
    with pytest.raises(PolicyError) as info:
        RBACAuthorizer().add({"kind": "Pod", "metadata": {"name": "p"}})
    assert str(info.value) == (
        'unsupported kind "Pod": expected Role, ClusterRole, RoleBinding or ClusterRoleBinding'
    )


def test_malformed_bindings_grant_nothing_and_do_not_crash() -> None:
    rbac = RBACAuthorizer.from_objects(
        [
            cluster_role("r", POD_READER),
            {"kind": "ClusterRoleBinding", "metadata": {"name": "b"}, "roleRef": "r"},
            {"kind": "ClusterRoleBinding", "metadata": {"name": "c"}, "subjects": "alice"},
            {"kind": "ClusterRoleBinding", "metadata": {"name": "d"}, "subjects": [{"name": "x"}]},
        ]
    )
    assert not rbac.authorize(pods(ALICE)).allowed


def test_requests_only_consult_bindings_that_can_apply() -> None:
    objects: list[dict[str, Any]] = [cluster_role("r", POD_READER)]
    for i in range(500):
        objects.append(cluster_role_binding(f"crb-{i}", "r", user_subject(f"user-{i}")))
        objects.append(role_binding(f"rb-{i}", "default", "r", user_subject(f"user-{i}")))
    rbac = RBACAuthorizer.from_objects(objects)
    candidates = rbac._candidates(user("user-7"), "default")
    assert [b.name for b in candidates] == ["crb-7", "rb-7"]


def test_authorize_with_a_thousand_bindings_consults_only_the_matching_ones() -> None:
    # Measured by hand (CPython 3.11, this setup of 1,000 ClusterRoleBindings and 1,000
    # RoleBindings): ~4-6 microseconds per decision; 6-11 through the full default chain
    # with the bootstrap policy loaded too. What keeps it so on any machine, checked here by
    # counting rather than timing: a decision looks only at the bindings whose subjects can
    # be the requester, never scans the 2,000.
    objects: list[dict[str, Any]] = [
        cluster_role("r", POD_READER),
        role("r", "default", POD_READER),
    ]
    for i in range(1000):
        objects.append(cluster_role_binding(f"crb-{i}", "r", user_subject(f"user-{i}")))
        objects.append(role_binding(f"rb-{i}", "default", "r", group_subject(f"group-{i}")))
    rbac = RBACAuthorizer.from_objects(objects)
    allowed = pods(user("someone", "group-500"))
    denied = pods(user("someone", "group-x"), "delete", name="p")
    assert rbac.authorize(allowed).allowed
    assert not rbac.authorize(denied).allowed
    assert [b.name for b in rbac._candidates(user("someone", "group-500"), "default")] == [
        "rb-500"]
    assert rbac._candidates(user("someone", "group-x"), "default") == []


# -- the index must give the same answers as Kubernetes' scan of every binding ------------


def _reference_authorize(objects: list[dict[str, Any]], attrs: Attributes) -> bool:
    """A line-by-line port of DefaultRuleResolver.VisitRulesFor + RuleAllows."""

    def applies(subject: dict[str, str], namespace: str) -> bool:
        kind, name = subject.get("kind"), subject.get("name", "")
        if kind == "User":
            return attrs.user.name == name
        if kind == "Group":
            return name in attrs.user.groups
        if kind == "ServiceAccount":
            sa_namespace = subject.get("namespace") or namespace
            return bool(sa_namespace) and (
                attrs.user.name == f"system:serviceaccount:{sa_namespace}:{name}"
            )
        return False

    def role_rules(ref: dict[str, str], namespace: str) -> list[dict[str, Any]] | None:
        for obj in objects:
            meta = obj["metadata"]
            if ref["kind"] == "ClusterRole" == obj["kind"] and meta["name"] == ref["name"]:
                return obj["rules"]
            if (
                ref["kind"] == "Role" == obj["kind"]
                and meta["name"] == ref["name"]
                and meta.get("namespace") == namespace
            ):
                return obj["rules"]
        return None

    for obj in objects:
        scoped = obj["kind"] == "RoleBinding"
        if obj["kind"] not in ("ClusterRoleBinding", "RoleBinding"):
            continue
        namespace = obj["metadata"].get("namespace", "") if scoped else ""
        if scoped and namespace != attrs.namespace:
            continue
        if not any(applies(s, namespace) for s in obj["subjects"]):
            continue
        rules = role_rules(obj["roleRef"], namespace)
        if rules and any(rule_allows(attrs, r) for r in compile_rules(rules)):
            return True
    return False


SMALL = st.sampled_from(["a", "b"])
RULES = st.lists(
    st.builds(
        lambda verbs, resources, names: rule(verbs, resources, names=names),
        st.lists(st.sampled_from(["get", "list", "*"]), min_size=1, max_size=2),
        st.lists(
            st.sampled_from(["pods", "pods/log", "*", "*/log", "secrets"]), min_size=1, max_size=2
        ),
        st.sampled_from([None, None, ["a"], ["a", "b"]]),
    ),
    min_size=1,
    max_size=3,
)
SUBJECTS = st.lists(
    st.one_of(
        st.builds(user_subject, SMALL),
        st.builds(group_subject, SMALL),
        st.builds(sa_subject, SMALL, st.sampled_from([None, "a", "b"])),
    ),
    max_size=3,
)
OBJECTS = st.lists(
    st.one_of(
        st.builds(lambda n, ns, r: role(n, ns, *r), SMALL, SMALL, RULES),
        st.builds(lambda n, r: cluster_role(n, *r), SMALL, RULES),
        st.builds(lambda n, ns, r: role(n, ns, *r), SMALL, SMALL, RULES),
        st.builds(lambda n, r: cluster_role(n, *r), SMALL, RULES),
        st.builds(
            lambda n, ns, ref, kind, s: role_binding(n, ns, ref, *s, role_kind=kind),
            SMALL,
            SMALL,
            SMALL,
            st.sampled_from(["Role", "ClusterRole"]),
            SUBJECTS,
        ),
        st.builds(lambda n, ref, s: cluster_role_binding(n, ref, *s), SMALL, SMALL, SUBJECTS),
    ),
    min_size=2,
    max_size=12,
)


def _dedupe(objects: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Later objects replace earlier ones with the same kind/namespace/name (like a store)."""
    latest: dict[tuple[str, str, str], dict[str, Any]] = {}
    for obj in objects:
        meta = obj["metadata"]
        latest[(obj["kind"], meta.get("namespace", ""), meta["name"])] = obj
    return list(latest.values())


GRID_USERS = (
    user("a", "a"),
    user("b", "b"),
    user("x", "a", "b"),
    sa_user("a", "a"),
    sa_user("b", "b"),
)
#: Every combination, so that each generated policy is probed where it grants and where not.
GRID = [
    for_resource(u, verb, resource, subresource=sub, namespace=ns, name=name)
    for u in GRID_USERS
    for verb in ("get", "delete")
    for resource in ("pods", "secrets")
    for sub in ("", "log")
    for ns in ("", "a", "b")
    for name in ("", "a")
]


@settings(max_examples=150, deadline=None)
@given(objects=OBJECTS)
def test_index_agrees_with_kubernetes_scan(objects: list[dict[str, Any]]) -> None:
    rbac = RBACAuthorizer.from_objects(objects)
    stored = _dedupe(objects)
    for attrs in GRID:
        assert rbac.authorize(attrs).allowed == _reference_authorize(stored, attrs), attrs


@settings(max_examples=60, deadline=None)
@given(objects=OBJECTS, removed=st.sets(st.integers(0, 11), max_size=4))
def test_removal_keeps_the_index_consistent(
    objects: list[dict[str, Any]], removed: set[int]
) -> None:
    rbac = RBACAuthorizer.from_objects(objects)
    stored = _dedupe(objects)
    for index in sorted(removed):
        if index < len(stored):
            rbac.remove(stored[index])
    remaining = [obj for i, obj in enumerate(stored) if i not in removed]
    for attrs in GRID:
        assert rbac.authorize(attrs).allowed == _reference_authorize(remaining, attrs), attrs


def test_the_generated_policies_grant_often_enough_to_mean_something() -> None:
    # Guards the two property tests above against a generator that only ever denies (a
    # random run of those sees thousands of allowed requests).
    allowed = 0

    @settings(max_examples=50, deadline=None, database=None, derandomize=True)
    @given(objects=OBJECTS)
    def count(objects: list[dict[str, Any]]) -> None:
        nonlocal allowed
        rbac = RBACAuthorizer.from_objects(objects)
        allowed += sum(rbac.authorize(attrs).allowed for attrs in GRID)

    count()
    assert allowed > 50  # 189 with this (derandomized, so deterministic) generator
