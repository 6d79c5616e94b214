"""The authorizer chain and Kubernetes' exact 403 messages."""

from __future__ import annotations

import pytest

from kactors.apiserver.auth import (
    AuthorizerChain,
    Decision,
    Forbidden,
    NodeAuthorizer,
    PrivilegedGroups,
    RBACAuthorizer,
    UserInfo,
    default_chain,
    for_path,
    for_resource,
    forbidden_detail,
    forbidden_message,
    node_user,
)

from .helpers import cluster_role, cluster_role_binding, rule, user, user_subject

ALICE = UserInfo("alice")


@pytest.mark.parametrize(
    ("attrs", "message"),
    [
        (
            for_resource(ALICE, "list", "pods", namespace="default"),
            'pods is forbidden: User "alice" cannot list resource "pods" in API group "" '
            'in the namespace "default"',
        ),
        (
            for_resource(UserInfo("bob"), "get", "nodes", name="n1"),
            'nodes "n1" is forbidden: User "bob" cannot get resource "nodes" in API group "" '
            "at the cluster scope",
        ),
        (
            for_resource(
                UserInfo("x"), "get", "pods", namespace="default", name="p", subresource="log"
            ),
            'pods "p" is forbidden: User "x" cannot get resource "pods/log" in API group "" '
            'in the namespace "default"',
        ),
        (
            for_path(UserInfo("x"), "get", "/metrics"),
            'forbidden: User "x" cannot get path "/metrics"',
        ),
        (
            for_resource(ALICE, "create", "deployments", namespace="prod", api_group="apps"),
            'deployments.apps is forbidden: User "alice" cannot create resource "deployments" '
            'in API group "apps" in the namespace "prod"',
        ),
        (
            for_resource(
                ALICE,
                "patch",
                "deployments",
                namespace="prod",
                api_group="apps",
                name="web",
                subresource="scale",
            ),
            'deployments.apps "web" is forbidden: User "alice" cannot patch resource '
            '"deployments/scale" in API group "apps" in the namespace "prod"',
        ),
        (
            for_resource(UserInfo("system:serviceaccount:default:builder"), "list", "secrets"),
            'secrets is forbidden: User "system:serviceaccount:default:builder" cannot list '
            'resource "secrets" in API group "" at the cluster scope',
        ),
        (
            for_resource(UserInfo("system:anonymous"), "list", "namespaces"),
            'namespaces is forbidden: User "system:anonymous" cannot list resource "namespaces" '
            'in API group "" at the cluster scope',
        ),
        # quotes are escaped like Go's %q, and HTML-looking characters are neutralised
        (
            for_path(UserInfo('a"b<c>&'), "get", "/x"),
            'forbidden: User "a\\"b&lt;c&gt;&amp;" cannot get path "/x"',
        ),
    ],
)
def test_forbidden_messages(attrs, message: str) -> None:  # type: ignore[no-untyped-def]
    assert forbidden_message(attrs) == message


def test_forbidden_message_appends_the_reason() -> None:
    attrs = for_resource(ALICE, "get", "secrets", namespace="default", name="s")
    assert forbidden_message(attrs, 'RBAC: role.rbac.authorization.k8s.io "r" not found') == (
        'secrets "s" is forbidden: User "alice" cannot get resource "secrets" in API group "" '
        'in the namespace "default": RBAC: role.rbac.authorization.k8s.io "r" not found'
    )


class Fixed:
    def __init__(self, decision: Decision) -> None:
        self.decision = decision
        self.calls = 0

    def authorize(self, attrs: object) -> Decision:
        self.calls += 1
        return self.decision


def test_chain_stops_at_the_first_allow() -> None:
    first = Fixed(Decision.no_opinion("first says no"))
    second = Fixed(Decision.allow("second says yes"))
    third = Fixed(Decision.allow("never asked"))
    chain = AuthorizerChain(first, second, third)
    assert chain.authorize(for_path(ALICE, "get", "/")) == Decision(True, "second says yes")
    assert (first.calls, second.calls, third.calls) == (1, 1, 0)


def test_chain_joins_the_reasons_of_a_denial() -> None:
    chain = AuthorizerChain(
        Fixed(Decision.no_opinion("one")),
        Fixed(Decision.no_opinion()),
        Fixed(Decision.no_opinion("two")),
    )
    attrs = for_resource(ALICE, "get", "pods", namespace="default", name="p")
    assert chain.authorize(attrs) == Decision(False, "one\ntwo")
    with pytest.raises(Forbidden) as info:
        chain.check(attrs)
    assert info.value.code == 403
    assert str(info.value) == (
        'pods "p" is forbidden: User "alice" cannot get resource "pods" in API group "" '
        'in the namespace "default": one\ntwo'
    )


def test_empty_chain_denies() -> None:
    assert AuthorizerChain().authorize(for_path(ALICE, "get", "/")) == Decision(False, "")


def test_privileged_groups() -> None:
    authz = PrivilegedGroups()
    assert authz.authorize(for_path(user("root", "system:masters"), "delete", "/x")).allowed
    assert not authz.authorize(for_path(user("root", "masters"), "get", "/x")).allowed
    assert PrivilegedGroups(["admins"]).authorize(for_path(user("a", "admins"), "get", "/")).allowed


def test_default_chain_order_and_union() -> None:
    rbac = RBACAuthorizer.from_objects(
        [
            cluster_role("secret-reader", rule(["get"], ["secrets"])),
            cluster_role_binding("n1-secrets", "secret-reader", user_subject("system:node:n1")),
        ]
    )
    chain = default_chain(rbac, NodeAuthorizer())
    n1 = user("system:node:n1", "system:nodes")
    # The node authorizer has no opinion on an unrelated secret; RBAC's explicit grant wins.
    secret = for_resource(n1, "get", "secrets", namespace="default", name="s")
    assert chain.authorize(secret).reason == (
        'RBAC: allowed by ClusterRoleBinding "n1-secrets" of ClusterRole "secret-reader" '
        'to User "system:node:n1"'
    )
    # Neither allows: the node authorizer's reason ends the 403 message.
    configmap = for_resource(n1, "get", "configmaps", namespace="default", name="c")
    with pytest.raises(Forbidden) as info:
        chain.check(configmap)
    assert str(info.value) == (
        'configmaps "c" is forbidden: User "system:node:n1" cannot get resource "configmaps" '
        'in API group "" in the namespace "default": '
        "no relationship found between node 'n1' and this object"
    )
    # system:masters is allowed before RBAC is even consulted.
    root = for_resource(user("root", "system:masters"), "delete", "nodes", name="n1")
    assert chain.authorize(root) == Decision(True, "")
    assert chain.check(root).allowed
    assert node_user("n1").name == "system:node:n1"


@pytest.mark.parametrize(
    "attrs",
    [
        for_resource(ALICE, "list", "pods", namespace="default"),
        for_resource(ALICE, "get", "deployments", api_group="apps", namespace="x", name="web"),
        for_path(ALICE, "get", "/metrics"),
    ],
)
def test_forbidden_carries_what_the_status_needs(attrs) -> None:  # type: ignore[no-untyped-def]
    status = pytest.importorskip("kactors.api.status")
    chain = AuthorizerChain(Fixed(Decision.no_opinion("nope")))
    with pytest.raises(Forbidden) as info:
        chain.check(attrs)
    error = info.value
    assert error.attributes is attrs
    assert error.detail == forbidden_detail(attrs, "nope")
    resource = (attrs.api_group, attrs.resource) if attrs.resource_request else None
    assert status.forbidden(resource, attrs.name, error.detail)["message"] == str(error)
