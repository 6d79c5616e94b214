"""Access reviews (``kubectl auth can-i``) answered by the apiserver's own authorizer."""

from __future__ import annotations

from typing import Any

import pytest

from kactors.apiserver.auth import UserInfo
from kactors.apiserver.auth.chain import default_chain
from kactors.apiserver.auth.node import NodeAuthorizer
from kactors.apiserver.auth.rbac import RBACAuthorizer
from kactors.apiserver.config import TokenUser
from kactors.apiserver.reviews import resolve_rules
from kactors.client.errors import BadRequest, Forbidden, Invalid, MethodNotAllowed

from .conftest import Env, control_plane
from .test_rbac import binding, group, role, user

AUTHZ = "authorization.k8s.io/v1"


def ssar(verb: str, resource: str, namespace: str = "", *, group: str = "",
         name: str = "", subresource: str = "") -> dict[str, Any]:
    """What kubectl auth can-i sends."""
    return {"apiVersion": AUTHZ, "kind": "SelfSubjectAccessReview",
            "metadata": {"creationTimestamp": None},
            "spec": {"resourceAttributes": {"namespace": namespace, "verb": verb,
                                            "group": group, "resource": resource,
                                            "subresource": subresource, "name": name}}}


async def can_i(env: Env, token: str | None, *args: Any, **kwargs: Any) -> bool:
    review = await env.call(lambda c: c.create(ssar(*args, **kwargs)), token=token)
    assert review["kind"] == "SelfSubjectAccessReview"
    assert review["apiVersion"] == AUTHZ
    return review["status"]["allowed"]


@pytest.fixture
async def env(autojump_clock: Any) -> Any:
    async with control_plane(users=[TokenUser("alice", "alice-token"),
                                    TokenUser("bob", "bob-token")]) as environment:
        await environment.call(lambda c: c.create(
            {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team"}}))
        await environment.call(lambda c: c.create(
            role("pod-reader", "team", ["pods", "pods/log"], ["get", "list"])))
        await environment.call(lambda c: c.create(
            binding("alice-reads", "team", "Role", "pod-reader", user("alice"))))
        yield environment


async def test_admin_may_do_everything(env: Env, autojump_clock: Any) -> None:
    assert await can_i(env, None, "delete", "nodes")
    assert await can_i(env, None, "*", "*", "team")
    assert await can_i(env, None, "create", "deployments", "default", group="apps")


async def test_a_user_with_a_role_is_allowed_only_its_verbs(env: Env, autojump_clock: Any
                                                            ) -> None:
    token = "alice-token"
    assert await can_i(env, token, "list", "pods", "team")
    assert await can_i(env, token, "get", "pods", "team", name="web",
                       subresource="log")
    assert not await can_i(env, token, "delete", "pods", "team")
    assert not await can_i(env, token, "list", "pods", "default")
    assert not await can_i(env, token, "list", "secrets", "team")
    review = await env.call(lambda c: c.create(ssar("list", "pods", "team")), token=token)
    assert review["status"]["reason"] == (
        'RBAC: allowed by RoleBinding "alice-reads/team" of Role "pod-reader" to User "alice"')
    assert review["spec"]["resourceAttributes"]["resource"] == "pods"
    assert not await can_i(env, "bob-token", "list", "pods", "team")
    # system:basic-user lets every authenticated user ask about itself
    assert await can_i(env, "bob-token", "create", "selfsubjectaccessreviews",
                       group="authorization.k8s.io")


async def test_non_resource_attributes(env: Env, autojump_clock: Any) -> None:
    body = {"apiVersion": AUTHZ, "kind": "SelfSubjectAccessReview",
            "spec": {"nonResourceAttributes": {"path": "/healthz", "verb": "get"}}}
    review = await env.call(lambda c: c.create(body), token="bob-token")
    assert review["status"]["allowed"] is True  # system:public-info-viewer
    body["spec"]["nonResourceAttributes"]["path"] = "/metrics"
    review = await env.call(lambda c: c.create(body), token="bob-token")
    assert review["status"]["allowed"] is False


async def test_anonymous_may_not_even_ask(env: Env, autojump_clock: Any) -> None:
    with pytest.raises(Forbidden) as caught:
        await env.call(lambda c: c.create(ssar("list", "pods", "team")), token="")
    assert caught.value.status["message"] == (
        'selfsubjectaccessreviews.authorization.k8s.io is forbidden: User "system:anonymous" '
        'cannot create resource "selfsubjectaccessreviews" in API group '
        '"authorization.k8s.io" at the cluster scope')


async def test_a_review_is_not_stored(env: Env, autojump_clock: Any) -> None:
    await env.call(lambda c: c.create(ssar("list", "pods", "team")), token="alice-token")
    for call in (lambda c: c.list("selfsubjectaccessreviews"),
                 lambda c: c.get("selfsubjectaccessreviews", "x"),
                 lambda c: c.delete("selfsubjectaccessreviews", "x")):
        with pytest.raises(MethodNotAllowed):
            await env.call(call)
    keys = await env.store(lambda s: s.range("/registry/selfsubjectaccessreviews",
                                             "/registry/selfsubjectaccessreviews0"))
    assert not keys.kvs


async def test_malformed_reviews_are_invalid(env: Env, autojump_clock: Any) -> None:
    empty = {"apiVersion": AUTHZ, "kind": "SelfSubjectAccessReview", "spec": {}}
    with pytest.raises(Invalid) as caught:
        await env.call(lambda c: c.create(empty))
    assert caught.value.status["message"] == (
        'SelfSubjectAccessReview.authorization.k8s.io "" is invalid: spec.resourceAttributes: '
        "Invalid value: null: exactly one of nonResourceAttributes or resourceAttributes "
        "must be specified")
    both = ssar("get", "pods")
    both["spec"]["nonResourceAttributes"] = {"path": "/", "verb": "get"}
    both["metadata"] = {"name": "named"}
    with pytest.raises(Invalid) as caught:
        await env.call(lambda c: c.create(both))
    causes = [c["field"] for c in caught.value.status["details"]["causes"]]
    assert causes == ["metadata", "spec.nonResourceAttributes"]


async def test_subject_access_review_for_another_user(env: Env, autojump_clock: Any) -> None:
    body = {"apiVersion": AUTHZ, "kind": "SubjectAccessReview",
            "spec": {"user": "alice", "groups": ["system:authenticated"],
                     "resourceAttributes": {"namespace": "team", "verb": "list",
                                            "resource": "pods"}}}
    review = await env.call(lambda c: c.create(body))
    assert review["status"]["allowed"] is True
    body["spec"]["user"] = "bob"
    assert (await env.call(lambda c: c.create(body)))["status"]["allowed"] is False
    with pytest.raises(Forbidden):  # only admins may ask about others
        await env.call(lambda c: c.create(body), token="alice-token")
    nobody = {**body, "spec": {"resourceAttributes": body["spec"]["resourceAttributes"]}}
    with pytest.raises(Invalid) as caught:
        await env.call(lambda c: c.create(nobody))
    assert "at least one of user or group must be specified" in caught.value.status["message"]


# -- SelfSubjectRulesReview: kubectl auth can-i --list ---------------------------------------
def ssrr(namespace: str) -> dict[str, Any]:
    """What kubectl auth can-i --list sends."""
    return {"apiVersion": AUTHZ, "kind": "SelfSubjectRulesReview",
            "metadata": {"creationTimestamp": None}, "spec": {"namespace": namespace}}


async def test_rules_review_lists_the_users_rules_in_a_namespace(env: Env, autojump_clock: Any
                                                                 ) -> None:
    review = await env.call(lambda c: c.create(ssrr("team")), token="alice-token")
    assert (review["kind"], review["apiVersion"]) == ("SelfSubjectRulesReview", AUTHZ)
    status = review["status"]
    assert status["incomplete"] is False and "evaluationError" not in status
    rules = status["resourceRules"]
    # system:basic-user (every authenticated user) first, then alice's RoleBinding
    assert {"verbs": ["create"], "apiGroups": ["authorization.k8s.io"],
            "resources": ["selfsubjectaccessreviews", "selfsubjectrulesreviews"]} in rules
    assert rules[-1] == {"verbs": ["get", "list"], "apiGroups": [""],
                         "resources": ["pods", "pods/log"]}
    assert {"verbs": ["get"], "nonResourceURLs": ["/healthz", "/livez", "/readyz",
                                                  "/version", "/version/"]} in \
        status["nonResourceRules"]
    elsewhere = await env.call(lambda c: c.create(ssrr("default")), token="alice-token")
    assert {"verbs": ["get", "list"], "apiGroups": [""], "resources": ["pods", "pods/log"]} \
        not in elsewhere["status"]["resourceRules"]
    bob = await env.call(lambda c: c.create(ssrr("team")), token="bob-token")
    assert len(bob["status"]["resourceRules"]) == len(rules) - 1
    admin = await env.call(lambda c: c.create(ssrr("team")))
    assert {"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]} in \
        admin["status"]["resourceRules"]
    assert {"verbs": ["*"], "nonResourceURLs": ["*"]} in admin["status"]["nonResourceRules"]
    keys = await env.store(lambda s: s.range("/registry/selfsubjectrulesreviews",
                                             "/registry/selfsubjectrulesreviews0"))
    assert not keys.kvs  # answered, never stored


async def test_rules_review_reports_missing_roles_and_needs_a_namespace(
        env: Env, autojump_clock: Any) -> None:
    await env.call(lambda c: c.create(binding("ghost", "team", "Role", "no-such-role",
                                              user("bob"))))
    review = await env.call(lambda c: c.create(ssrr("team")), token="bob-token")
    assert review["status"]["evaluationError"] == \
        'role.rbac.authorization.k8s.io "no-such-role" not found'
    assert review["status"]["incomplete"] is False
    with pytest.raises(BadRequest) as caught:
        await env.call(lambda c: c.create(ssrr("")), token="bob-token")
    assert caught.value.status["message"] == "no namespace on request"
    with pytest.raises(Forbidden):
        await env.call(lambda c: c.create(ssrr("team")), token="")


def test_rules_of_a_node_are_incomplete() -> None:
    """The Node authorizer cannot enumerate what a kubelet may do (it depends on its
    pods): like Kubernetes, the answer says so instead of listing too little."""
    rbac = RBACAuthorizer.from_objects([
        {"kind": "ClusterRole", "metadata": {"name": "viewer"},
         "rules": [{"apiGroups": [""], "resources": ["nodes"], "verbs": ["get"]}]},
        {"kind": "ClusterRoleBinding", "metadata": {"name": "nodes-view"},
         "roleRef": {"kind": "ClusterRole", "name": "viewer"},
         "subjects": [group("system:nodes")]}])
    chain = default_chain(rbac, NodeAuthorizer())
    node = UserInfo("system:node:n1", "", ("system:nodes", "system:authenticated"))
    rules, incomplete, errors = resolve_rules(chain, node, "default")
    assert [r.resources for r in rules] == [("nodes",)]
    assert incomplete and errors == ["node authorizer does not support user rule resolution"]
    other = UserInfo("carol", "", ("system:authenticated",))
    assert resolve_rules(chain, other, "default") == ([], False, [])


async def test_self_subject_review_says_who_the_apiserver_takes_you_for(
        env: Env, autojump_clock: Any) -> None:
    """``kubectl auth whoami``: the user after authentication, with its groups; any
    authenticated user may ask (system:basic-user)."""
    review = {"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview",
              "metadata": {"creationTimestamp": None}}
    alice = await env.call(lambda c: c.create(review), token="alice-token")
    assert alice["kind"] == "SelfSubjectReview"
    assert alice["apiVersion"] == "authentication.k8s.io/v1"
    assert alice["metadata"]["creationTimestamp"]
    assert alice["status"] == {"userInfo": {"username": "alice",
                                            "groups": ["system:authenticated"]}}
    admin = await env.call(lambda c: c.create(review))
    assert "system:masters" in admin["status"]["userInfo"]["groups"]
    with pytest.raises(BadRequest):
        await env.call(lambda c: c.request("create", c.info("selfsubjectreviews"),
                                           body={"kind": "Pod"}))
    with pytest.raises(MethodNotAllowed):
        await env.call(lambda c: c.list("selfsubjectreviews"))


async def test_impersonation_through_the_client(env: Env, autojump_clock: Any) -> None:
    """`ApiClient.impersonating` (kubectl --as): the admin acts as alice and has alice's
    rights; bob may impersonate no one until RBAC grants him the `impersonate` verb, and
    then only whom it names."""
    as_alice = await env.call(lambda c: c.impersonating("alice").create(ssar(
        "list", "pods", "team")))
    assert as_alice["status"]["allowed"] is True
    whoami = {"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"}
    seen = await env.call(lambda c: c.impersonating("alice", ["devs"]).create(whoami))
    assert seen["status"]["userInfo"] == {"username": "alice",
                                          "groups": ["devs", "system:authenticated"]}
    with pytest.raises(Forbidden) as refused:
        await env.call(lambda c: c.impersonating("alice").list("pods", "team"),
                       token="bob-token")
    assert str(refused.value) == ('users "alice" is forbidden: User "bob" cannot impersonate '
                                  'resource "users" in API group "" at the cluster scope')
    await env.call(lambda c: c.create({
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
        "metadata": {"name": "impersonate-alice"},
        "rules": [{"apiGroups": [""], "resources": ["users"], "verbs": ["impersonate"],
                   "resourceNames": ["alice"]}]}))
    await env.call(lambda c: c.create(
        binding("bob-as-alice", None, "ClusterRole", "impersonate-alice", user("bob"))))
    listed = await env.call(lambda c: c.impersonating("alice").list("pods", "team"),
                            token="bob-token")
    assert listed["kind"] == "PodList"
    with pytest.raises(Forbidden):  # alice's rights, not more
        await env.call(lambda c: c.impersonating("alice").list("pods", "default"),
                       token="bob-token")
    with pytest.raises(Forbidden):  # nor another group
        await env.call(lambda c: c.impersonating("alice", ["system:masters"]).list(
            "pods", "default"), token="bob-token")
