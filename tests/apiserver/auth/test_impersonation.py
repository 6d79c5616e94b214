"""Impersonation's sans-I/O core: which checks it makes, who the request becomes."""

from __future__ import annotations

import pytest

from kactors.apiserver.auth import Forbidden, RBACAuthorizer, default_chain
from kactors.apiserver.auth.attributes import Attributes
from kactors.apiserver.auth.impersonation import (
    Impersonation,
    ImpersonationError,
    from_headers,
    impersonated_user,
)

from .helpers import (
    cluster_role,
    cluster_role_binding,
    role,
    role_binding,
    rule,
    user,
    user_subject,
)

ALICE = user("alice")


def record() -> tuple[list[Attributes], object]:
    seen: list[Attributes] = []
    return seen, seen.append


def test_headers_to_impersonation() -> None:
    wanted = from_headers({"impersonate-user": "bob", "impersonate-group": "devs, ops",
                           "impersonate-uid": "u-1", "impersonate-extra-Scopes%2FA": "x, y",
                           "accept": "application/json"})
    assert wanted == Impersonation("bob", ("devs", "ops"), "u-1", {"scopes/a": ("x", "y")})
    assert from_headers({"authorization": "Bearer t"}) is None


@pytest.mark.parametrize("headers", [{"impersonate-group": "devs"},
                                     {"impersonate-uid": "u"},
                                     {"impersonate-extra-k": "v"}])
def test_parts_without_a_user_are_an_error(headers: dict[str, str]) -> None:
    with pytest.raises(ImpersonationError, match="without impersonating a user"):
        from_headers(headers)


def test_each_part_is_checked_in_order_as_the_caller() -> None:
    seen, authorize = record()
    impersonated_user(ALICE, Impersonation("bob", ("devs",), "u-1", {"scopes": ("a", "b")}),
                      authorize)
    assert [(a.user.name, a.verb, a.api_group, a.resource, a.subresource, a.namespace, a.name)
            for a in seen] == [
        ("alice", "impersonate", "", "users", "", "", "bob"),
        ("alice", "impersonate", "", "groups", "", "", "devs"),
        ("alice", "impersonate", "authentication.k8s.io", "userextras", "scopes", "", "a"),
        ("alice", "impersonate", "authentication.k8s.io", "userextras", "scopes", "", "b"),
        ("alice", "impersonate", "authentication.k8s.io", "uids", "", "", "u-1"),
    ]


def test_groups_of_the_impersonated_user() -> None:
    def allow(_: Attributes) -> None:
        return None

    assert impersonated_user(ALICE, Impersonation("bob"), allow).groups == \
        ("system:authenticated",)
    bob = impersonated_user(ALICE, Impersonation("bob", ("devs",), "u-1", {"k": ("v",)}), allow)
    assert (bob.name, bob.uid, bob.groups, dict(bob.extra)) == \
        ("bob", "u-1", ("devs", "system:authenticated"), {"k": ("v",)})
    assert impersonated_user(ALICE, Impersonation("bob", ("system:unauthenticated",)),
                             allow).groups == ("system:unauthenticated",)
    assert impersonated_user(ALICE, Impersonation("system:anonymous"), allow).groups == \
        ("system:unauthenticated",)
    # a service account: its fixed groups, unless groups are asked for
    sa = impersonated_user(ALICE, Impersonation("system:serviceaccount:team:builder"), allow)
    assert sa.groups == ("system:serviceaccounts", "system:serviceaccounts:team",
                         "system:authenticated")
    assert impersonated_user(ALICE, Impersonation("system:serviceaccount:team:builder",
                                                  ("devs",)), allow).groups == \
        ("devs", "system:authenticated")


def test_a_service_account_is_checked_as_one() -> None:
    seen, authorize = record()
    impersonated_user(ALICE, Impersonation("system:serviceaccount:team:builder"), authorize)
    assert [(a.resource, a.namespace, a.name) for a in seen] == \
        [("serviceaccounts", "team", "builder")]


def test_rbac_decides_with_kubernetes_message() -> None:
    """Through the real chain: alice may impersonate bob only; the first refused part
    is the 403, worded as Kubernetes words it."""
    chain = default_chain(RBACAuthorizer.from_objects([
        cluster_role("impersonate-bob", rule(["impersonate"], ["users"], names=["bob"])),
        cluster_role_binding("alice-as-bob", "impersonate-bob", user_subject("alice")),
        role("sa-impersonator", "team", rule(["impersonate"], ["serviceaccounts"])),
        role_binding("alice-sa", "team", "sa-impersonator", user_subject("alice")),
    ]))
    authorize = chain.check
    assert impersonated_user(ALICE, Impersonation("bob"), authorize).name == "bob"
    assert impersonated_user(ALICE, Impersonation("system:serviceaccount:team:ci"),
                             authorize).name == "system:serviceaccount:team:ci"
    with pytest.raises(Forbidden) as refused:
        impersonated_user(ALICE, Impersonation("carol"), authorize)
    assert str(refused.value) == ('users "carol" is forbidden: User "alice" cannot impersonate '
                                  'resource "users" in API group "" at the cluster scope')
    with pytest.raises(Forbidden) as refused:
        impersonated_user(ALICE, Impersonation("bob", ("system:masters",)), authorize)
    assert str(refused.value).startswith('groups "system:masters" is forbidden: User "alice" '
                                         'cannot impersonate resource "groups"')
    with pytest.raises(Forbidden) as refused:
        impersonated_user(ALICE, Impersonation("system:serviceaccount:prod:ci"), authorize)
    assert 'in the namespace "prod"' in str(refused.value)
