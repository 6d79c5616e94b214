"""Authentication and authorization through the whole pipeline: token users, groups,
service accounts, Roles and RoleBindings, ClusterRoleBindings, nodes."""

from __future__ import annotations

from typing import Any

import pytest

from kactors.apiserver.auth import issue_service_account_token
from kactors.apiserver.config import ApiServerConfig, TokenUser
from kactors.apiserver.security import Security, _key_bytes
from kactors.client.errors import Forbidden, Unauthorized

from .conftest import Env, configmap, control_plane, names, pod

RBAC = "rbac.authorization.k8s.io/v1"
USERS = [TokenUser("alice", "alice-token"), TokenUser("bob", "bob-token", ("qa",)),
         TokenUser("carol", "carol-token", ("qa", "ops"))]
NODE_TOKENS = {"node-1": "node-1-token", "node-2": "node-2-token"}


def namespace(name: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}


def role(name: str, ns: str, resources: list[str], verbs: list[str]) -> dict[str, Any]:
    return {"apiVersion": RBAC, "kind": "Role", "metadata": {"name": name, "namespace": ns},
            "rules": [{"apiGroups": [""], "resources": resources, "verbs": verbs}]}


def binding(name: str, ns: str | None, role_kind: str, role_name: str,
            *subjects: dict[str, str]) -> dict[str, Any]:
    kind = "RoleBinding" if ns else "ClusterRoleBinding"
    meta: dict[str, Any] = {"name": name}
    if ns:
        meta["namespace"] = ns
    return {"apiVersion": RBAC, "kind": kind, "metadata": meta,
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": role_kind,
                        "name": role_name},
            "subjects": list(subjects)}


def user(name: str) -> dict[str, str]:
    return {"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": name}


def group(name: str) -> dict[str, str]:
    return {"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": name}


def service_account(name: str, ns: str) -> dict[str, str]:
    return {"kind": "ServiceAccount", "name": name, "namespace": ns}


async def allowed(env: Env, token: str, fn: Any) -> bool:
    try:
        await env.call(fn, token=token)
    except Forbidden:
        return False
    return True


@pytest.fixture
async def secured(autojump_clock: Any) -> Any:
    async with control_plane(users=USERS, node_tokens=NODE_TOKENS) as env:
        await env.call(lambda c: c.create(namespace("team")))
        yield env


async def test_a_role_and_binding_grant_list_pods_in_one_namespace_only(
        secured: Env, autojump_clock: Any) -> None:
    env = secured
    assert not await allowed(env, "alice-token", lambda c: c.list("pods", "team"))
    await env.call(lambda c: c.create(role("pod-reader", "team", ["pods"], ["list"])))
    await env.call(lambda c: c.create(binding("alice-reads", "team", "Role", "pod-reader",
                                              user("alice"))))
    await env.call(lambda c: c.create(pod("p", "team")))
    listed = await env.call(lambda c: c.list("pods", "team"), token="alice-token")
    assert names(listed) == ["p"]
    # only list, only pods, only that namespace
    with pytest.raises(Forbidden) as caught:
        await env.call(lambda c: c.list("pods", "default"), token="alice-token")
    assert caught.value.status["message"] == (
        'pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the '
        'namespace "default"')
    with pytest.raises(Forbidden) as caught:
        await env.call(lambda c: c.get("pods", "p", "team"), token="alice-token")
    assert caught.value.status["message"] == (
        'pods "p" is forbidden: User "alice" cannot get resource "pods" in API group "" in '
        'the namespace "team"')
    assert not await allowed(env, "alice-token", lambda c: c.list("configmaps", "team"))
    assert not await allowed(env, "alice-token",
                             lambda c: c.list("pods", all_namespaces=True))
    assert not await allowed(env, "alice-token", lambda c: c.create(pod("q", "team")))
    # bob is not bound
    assert not await allowed(env, "bob-token", lambda c: c.list("pods", "team"))
    # deleting the binding takes the right away again
    await env.call(lambda c: c.delete("rolebindings", "alice-reads", "team"))
    assert not await allowed(env, "alice-token", lambda c: c.list("pods", "team"))


async def test_a_role_binding_to_a_group(secured: Env, autojump_clock: Any) -> None:
    env = secured
    await env.call(lambda c: c.create(role("cm-editor", "team", ["configmaps"],
                                           ["create", "get", "update", "delete"])))
    await env.call(lambda c: c.create(binding("ops-edit", "team", "Role", "cm-editor",
                                              group("ops"))))
    created = await env.call(lambda c: c.create(configmap("cfg", "team")), token="carol-token")
    assert created["metadata"]["name"] == "cfg"
    assert not await allowed(env, "bob-token", lambda c: c.get("configmaps", "cfg", "team"))
    await env.call(lambda c: c.delete("configmaps", "cfg", "team"), token="carol-token")


async def test_a_cluster_role_binding_to_view(secured: Env, autojump_clock: Any) -> None:
    env = secured
    await env.call(lambda c: c.create(pod("p", "team")))
    await env.call(lambda c: c.create({"apiVersion": "v1", "kind": "Secret",
                                       "metadata": {"name": "s", "namespace": "team"}}))
    assert not await allowed(env, "bob-token", lambda c: c.list("pods", all_namespaces=True))
    await env.call(lambda c: c.create(binding("qa-view", None, "ClusterRole", "view",
                                              group("qa"))))
    for token in ("bob-token", "carol-token"):
        listed = await env.call(lambda c: c.list("pods", all_namespaces=True), token=token)
        assert names(listed) == ["p"]
        assert await allowed(env, token, lambda c: c.get("pods", "p", "team"))
        assert await allowed(env, token, lambda c: c.list("deployments", "default"))
        # view reads, never writes, and never reads secrets
        assert not await allowed(env, token, lambda c: c.create(configmap("x", "team")))
        assert not await allowed(env, token, lambda c: c.delete("pods", "p", "team"))
        assert not await allowed(env, token, lambda c: c.get("secrets", "s", "team"))
        assert not await allowed(env, token, lambda c: c.list("clusterroles"))
    assert not await allowed(env, "alice-token", lambda c: c.list("pods", "team"))


async def test_a_service_account_token(secured: Env, autojump_clock: Any) -> None:
    env = secured
    sa = await env.call(lambda c: c.create({"apiVersion": "v1", "kind": "ServiceAccount",
                                            "metadata": {"name": "robot", "namespace": "team"}}))
    key = _key_bytes(env.plane.config.service_account_key)
    token = issue_service_account_token(key, "team", "robot", sa["metadata"]["uid"])
    with pytest.raises(Forbidden) as caught:
        await env.call(lambda c: c.list("pods", "team"), token=token)
    assert caught.value.status["message"] == (
        'pods is forbidden: User "system:serviceaccount:team:robot" cannot list resource '
        '"pods" in API group "" in the namespace "team"')
    await env.call(lambda c: c.create(role("pod-reader", "team", ["pods"], ["list", "watch"])))
    await env.call(lambda c: c.create(binding("robot-reads", "team", "Role", "pod-reader",
                                              service_account("robot", "team"))))
    assert names(await env.call(lambda c: c.list("pods", "team"), token=token)) == []
    watch = await env.collector()
    await env.call(lambda c: c.watch("pods", "team", watcher=watch.ref), token=token)
    # a token signed with another key, or for another uid, is no token at all
    forged = issue_service_account_token(_key_bytes("some-other-key"), "team", "robot",
                                         sa["metadata"]["uid"])
    stale = issue_service_account_token(key, "team", "robot", "0" * 36)
    for bad in (forged, stale, token[:-2]):
        with pytest.raises(Unauthorized):
            await env.call(lambda c: c.list("pods", "team"), token=bad)
    # delete the account: its tokens stop working; a new account of that name has new ones
    await env.call(lambda c: c.delete("serviceaccounts", "robot", "team"))
    with pytest.raises(Unauthorized):
        await env.call(lambda c: c.list("pods", "team"), token=token)
    again = await env.call(lambda c: c.create({"apiVersion": "v1", "kind": "ServiceAccount",
                                               "metadata": {"name": "robot",
                                                            "namespace": "team"}}))
    with pytest.raises(Unauthorized):
        await env.call(lambda c: c.list("pods", "team"), token=token)
    fresh = issue_service_account_token(key, "team", "robot", again["metadata"]["uid"])
    assert names(await env.call(lambda c: c.list("pods", "team"), token=fresh)) == []


async def test_the_service_accounts_group_binding(secured: Env, autojump_clock: Any) -> None:
    env = secured
    sa = await env.call(lambda c: c.create({"apiVersion": "v1", "kind": "ServiceAccount",
                                            "metadata": {"name": "bot", "namespace": "team"}}))
    token = issue_service_account_token(_key_bytes(env.plane.config.service_account_key),
                                        "team", "bot", sa["metadata"]["uid"])
    await env.call(lambda c: c.create(role("cm-reader", "team", ["configmaps"], ["list"])))
    await env.call(lambda c: c.create(binding("all-sa", "team", "Role", "cm-reader",
                                              group("system:serviceaccounts:team"))))
    assert await allowed(env, token, lambda c: c.list("configmaps", "team"))
    assert not await allowed(env, token, lambda c: c.list("configmaps", "default"))


async def test_nodes_update_their_own_status_only(secured: Env, autojump_clock: Any) -> None:
    env = secured
    for name, token in NODE_TOKENS.items():
        node = {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name}}
        await env.call(lambda c, node=node: c.create(node), token=token)
    mine = await env.call(lambda c: c.patch("nodes", "node-1", {"status": {
        "conditions": [{"type": "Ready", "status": "True"}]}}, subresource="status"),
        token="node-1-token")
    assert mine["status"]["conditions"][0]["type"] == "Ready"
    with pytest.raises(Forbidden) as caught:
        await env.call(lambda c: c.patch("nodes", "node-2", {"status": {"phase": "x"}},
                                         subresource="status"), token="node-1-token")
    message = caught.value.status["message"]
    assert message.startswith(
        'nodes "node-2" is forbidden: User "system:node:node-1" cannot patch resource '
        '"nodes/status" in API group "" at the cluster scope')
    assert message.endswith('node "node-1" is not allowed to modify node "node-2"')
    with pytest.raises(Forbidden):
        await env.call(lambda c: c.update({"apiVersion": "v1", "kind": "Node",
                                           "metadata": {"name": "node-2"}}),
                       token="node-1-token")
    with pytest.raises(Forbidden) as caught:  # nor create another node (NodeRestriction)
        await env.call(lambda c: c.create({"apiVersion": "v1", "kind": "Node",
                                           "metadata": {"name": "node-3"}}),
                       token="node-1-token")
    assert caught.value.status["message"] == (
        'nodes "node-3" is forbidden: node "node-1" is not allowed to modify node "node-3"')
    # every node may read nodes
    assert names(await env.call(lambda c: c.list("nodes"), token="node-2-token")) == [
        "node-1", "node-2"]


async def test_nodes_and_the_pods_bound_to_them(secured: Env, autojump_clock: Any) -> None:
    env = secured
    await env.call(lambda c: c.create(pod("mine", "team")))
    await env.call(lambda c: c.create(pod("theirs", "team")))
    await env.call(lambda c: c.bind(pod("mine", "team"), "node-1"))
    await env.call(lambda c: c.bind(pod("theirs", "team"), "node-2"))
    got = await env.call(lambda c: c.get("pods", "mine", "team"), token="node-1-token")
    assert got["spec"]["nodeName"] == "node-1"
    listed = await env.call(lambda c: c.list("pods", all_namespaces=True,
                                             field_selector="spec.nodeName=node-1"),
                            token="node-1-token")
    assert names(listed) == ["mine"]
    # status of its own pods only
    await env.call(lambda c: c.patch("pods", "mine", {"status": {"phase": "Running"}}, "team",
                                     subresource="status"), token="node-1-token")
    with pytest.raises(Forbidden) as caught:
        await env.call(lambda c: c.patch("pods", "theirs", {"status": {"phase": "Running"}},
                                         "team", subresource="status"), token="node-1-token")
    assert caught.value.status["message"].endswith(
        'node "node-1" can only update pod status for pods with spec.nodeName set to itself')
    # secrets and configmaps: only those its pods use
    await env.call(lambda c: c.create(configmap("used", "team")))
    await env.call(lambda c: c.create(configmap("unused", "team")))
    await env.call(lambda c: c.delete("pods", "mine", "team", grace_period_seconds=0))
    user_pod = pod("user", "team")
    user_pod["spec"]["volumes"] = [{"name": "cfg", "configMap": {"name": "used"}}]
    await env.call(lambda c: c.create(user_pod))
    await env.call(lambda c: c.bind(user_pod, "node-1"))
    assert await allowed(env, "node-1-token", lambda c: c.get("configmaps", "used", "team"))
    assert not await allowed(env, "node-1-token",
                             lambda c: c.get("configmaps", "unused", "team"))
    assert not await allowed(env, "node-2-token", lambda c: c.get("configmaps", "used", "team"))
    # a kubelet watches the one object it needs: authorized as a request for that name
    watch = await env.collector()
    await env.call(lambda c: c.watch("configmaps", "team", watcher=watch.ref,
                                     field_selector="metadata.name=used"),
                   token="node-1-token")
    listed = await env.call(lambda c: c.list("configmaps", "team",
                                             field_selector="metadata.name=used"),
                            token="node-1-token")
    assert names(listed) == ["used"]
    assert not await allowed(env, "node-1-token", lambda c: c.list(
        "configmaps", "team", field_selector="metadata.name=unused"))
    assert not await allowed(env, "node-1-token", lambda c: c.list("configmaps", "team"))
    # a node cannot bind pods (the scheduler's job) nor create arbitrary objects
    assert not await allowed(env, "node-1-token", lambda c: c.bind(pod("theirs", "team"),
                                                                   "node-1"))
    assert not await allowed(env, "node-1-token", lambda c: c.create(configmap("x", "team")))


async def test_the_node_lease(secured: Env, autojump_clock: Any) -> None:
    env = secured
    lease = {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
             "metadata": {"name": "node-1", "namespace": "kube-node-lease"},
             "spec": {"holderIdentity": "node-1", "leaseDurationSeconds": 40}}
    await env.call(lambda c: c.create(lease), token="node-1-token")
    other = {**lease, "metadata": {"name": "node-2", "namespace": "kube-node-lease"}}
    with pytest.raises(Forbidden) as caught:
        await env.call(lambda c: c.create(other), token="node-1-token")
    assert caught.value.status["message"] == (
        'leases.coordination.k8s.io "node-2" is forbidden: can only access node lease with '
        'the same name as the requesting node')
    elsewhere = {**lease, "metadata": {"name": "node-1", "namespace": "default"}}
    assert not await allowed(env, "node-1-token", lambda c: c.create(elsewhere))
    assert await allowed(env, "node-1-token", lambda c: c.get("leases", "node-1",
                                                              "kube-node-lease"))


async def test_an_unknown_node_token_is_401(secured: Env, autojump_clock: Any) -> None:
    with pytest.raises(Unauthorized):
        await secured.call(lambda c: c.list("nodes"), token="node-3-token")


def test_issued_tokens_are_the_signed_ones_for_each_account() -> None:
    security = Security(ApiServerConfig())
    key = security.sa_key
    for _ in range(2):  # the second time from what Security remembers
        assert security.service_account_token("team", "robot", "uid-1") == \
            issue_service_account_token(key, "team", "robot", "uid-1")
        assert security.service_account_token("team", "robot", "uid-2") == \
            issue_service_account_token(key, "team", "robot", "uid-2")
    assert security.service_account_token("team", "robot", "uid-1") != \
        Security(ApiServerConfig(service_account_key="another-key-0123456789abcdef")
                 ).service_account_token("team", "robot", "uid-1")
