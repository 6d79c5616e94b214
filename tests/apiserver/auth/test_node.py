"""The node authorizer: a kubelet may act on its own node and the pods bound to it."""

from __future__ import annotations

import pytest

from kactors.apiserver.auth import (
    Attributes,
    NodeAuthorizer,
    UserInfo,
    for_path,
    for_resource,
    node_name_of,
    node_user,
    pod_references,
)
from kactors.apiserver.auth.authn import with_authenticated_group

N1 = with_authenticated_group(node_user("n1"))
BOUND = {("default", "web-1"): "n1", ("default", "web-2"): "n2"}
REFS = {
    "n1": {("Secret", "default", "db-password"), ("ConfigMap", "default", "web-config"),
           ("PersistentVolumeClaim", "default", "www-web-1")},
    "n2": {("Secret", "default", "other-secret")},
}


@pytest.fixture
def node_authz() -> NodeAuthorizer:
    return NodeAuthorizer(
        pod_node=lambda namespace, name: BOUND.get((namespace, name)),
        pod_refs=lambda node: REFS.get(node, set()),
    )


def core(verb: str, resource: str, **kw: str) -> Attributes:
    return for_resource(N1, verb, resource, **kw)


@pytest.mark.parametrize(
    ("attrs", "allowed", "reason"),
    [
        # nodes: read any, write only its own
        (core("get", "nodes", name="n2"), True, ""),
        (core("list", "nodes"), True, ""),
        (core("watch", "nodes"), True, ""),
        (core("create", "nodes", name="n1"), True, ""),
        (core("create", "nodes"), True, ""),
        (core("create", "nodes", name="n2"), False, 'node "n1" is not allowed to modify node "n2"'),
        (core("update", "nodes", name="n1"), True, ""),
        (core("patch", "nodes", name="n1"), True, ""),
        (core("patch", "nodes", name="n2"), False, 'node "n1" is not allowed to modify node "n2"'),
        (core("update", "nodes", name="n1", subresource="status"), True, ""),
        (core("patch", "nodes", name="n1", subresource="status"), True, ""),
        (
            core("patch", "nodes", name="n2", subresource="status"),
            False,
            'node "n1" is not allowed to modify node "n2"',
        ),
        (core("delete", "nodes", name="n1"), False, ""),
        (core("deletecollection", "nodes"), False, ""),
        # pods: read all; status, delete and eviction only when bound to this node
        (core("get", "pods", namespace="default", name="web-2"), True, ""),
        (core("list", "pods"), True, ""),
        (core("watch", "pods", namespace="default"), True, ""),
        (core("update", "pods", namespace="default", name="web-1", subresource="status"), True, ""),
        (core("patch", "pods", namespace="default", name="web-1", subresource="status"), True, ""),
        (
            core("patch", "pods", namespace="default", name="web-2", subresource="status"),
            False,
            'node "n1" can only update pod status for pods with spec.nodeName set to itself',
        ),
        (core("delete", "pods", namespace="default", name="web-1"), True, ""),
        (
            core("delete", "pods", namespace="default", name="web-2"),
            False,
            'node "n1" can only delete pods with spec.nodeName set to itself',
        ),
        (
            core("delete", "pods", namespace="default", name="ghost"),
            False,
            'node "n1" can only delete pods with spec.nodeName set to itself',
        ),
        (
            core("create", "pods", namespace="default", name="web-1", subresource="eviction"),
            True,
            "",
        ),
        (
            core("create", "pods", namespace="default", name="web-2", subresource="eviction"),
            False,
            'node "n1" can only evict pods with spec.nodeName set to itself',
        ),
        (core("deletecollection", "pods", namespace="default"), False, ""),
        (core("delete", "pods", namespace="default"), False, "No Object name found"),
        (core("update", "pods", namespace="default", name="web-1"), False, ""),
        (core("create", "pods", namespace="default"), False, ""),
        (core("get", "pods", namespace="default", name="web-1", subresource="log"), False, ""),
        # secrets and configmaps: only those its pods reference, by name
        (core("get", "secrets", namespace="default", name="db-password"), True, ""),
        (core("watch", "secrets", namespace="default", name="db-password"), True, ""),
        (core("get", "configmaps", namespace="default", name="web-config"), True, ""),
        (
            core("get", "secrets", namespace="default", name="other-secret"),
            False,
            "no relationship found between node 'n1' and this object",
        ),
        (
            core("get", "secrets", namespace="kube-system", name="db-password"),
            False,
            "no relationship found between node 'n1' and this object",
        ),
        (
            core("get", "configmaps", namespace="default", name="db-password"),
            False,
            "no relationship found between node 'n1' and this object",
        ),
        (core("list", "secrets", namespace="default"), False, "No Object name found"),
        (core("list", "secrets"), False, "can only read namespaced object of this type"),
        (
            core("update", "secrets", namespace="default", name="db-password"),
            False,
            "can only read resources of this type",
        ),
        (
            core("get", "secrets", namespace="default", name="db-password", subresource="x"),
            False,
            "cannot read subresource",
        ),
        # its own lease in kube-node-lease
        (
            core(
                "get",
                "leases",
                api_group="coordination.k8s.io",
                namespace="kube-node-lease",
                name="n1",
            ),
            True,
            "",
        ),
        (
            core(
                "create",
                "leases",
                api_group="coordination.k8s.io",
                namespace="kube-node-lease",
                name="n1",
            ),
            True,
            "",
        ),
        (
            core("create", "leases", api_group="coordination.k8s.io", namespace="kube-node-lease"),
            True,
            "",
        ),
        (
            core(
                "update",
                "leases",
                api_group="coordination.k8s.io",
                namespace="kube-node-lease",
                name="n1",
            ),
            True,
            "",
        ),
        (
            core(
                "update",
                "leases",
                api_group="coordination.k8s.io",
                namespace="kube-node-lease",
                name="n2",
            ),
            False,
            "can only access node lease with the same name as the requesting node",
        ),
        (
            core(
                "create",
                "leases",
                api_group="coordination.k8s.io",
                namespace="kube-node-lease",
                name="n2",
            ),
            False,
            "can only access node lease with the same name as the requesting node",
        ),
        (
            core(
                "update", "leases", api_group="coordination.k8s.io", namespace="default", name="n1"
            ),
            False,
            'can only access leases in the "kube-node-lease" system namespace',
        ),
        (
            core("list", "leases", api_group="coordination.k8s.io", namespace="kube-node-lease"),
            False,
            "can only get, create, update, patch, or delete a node lease",
        ),
        # uniform rules
        (core("get", "services", namespace="default", name="web"), True, ""),
        (core("list", "endpoints"), True, ""),
        (core("create", "events", namespace="default"), True, ""),
        (
            core("patch", "events", api_group="events.k8s.io", namespace="default", name="e"),
            True,
            "",
        ),
        # claims: named reads of those its pods use (the kubelet waits for them to bind)
        (core("get", "persistentvolumeclaims", namespace="default", name="www-web-1"), True, ""),
        (core("watch", "persistentvolumeclaims", namespace="default", name="www-web-1"), True,
         ""),
        (core("get", "persistentvolumeclaims", namespace="default", name="www-web-2"), False,
         "no relationship found between node 'n1' and this object"),
        (core("update", "persistentvolumeclaims", namespace="default", name="www-web-1"),
         False, "can only read resources of this type"),
        (core("delete", "services", namespace="default", name="web"), False, ""),
        (core("get", "deployments", api_group="apps", namespace="default"), False, ""),
        (core("get", "leases", namespace="kube-node-lease", name="n1"), False, ""),  # core group
        (for_path(N1, "get", "/healthz"), False, ""),
    ],
)
def test_node_matrix(
    node_authz: NodeAuthorizer, attrs: Attributes, allowed: bool, reason: str
) -> None:
    decision = node_authz.authorize(attrs)
    assert (decision.allowed, decision.reason) == (allowed, reason)


def test_other_users_get_no_opinion(node_authz: NodeAuthorizer) -> None:
    for who in (
        UserInfo("alice", groups=("system:authenticated",)),
        UserInfo("system:node:n1"),  # named like a node, not in system:nodes
        UserInfo("n1", groups=("system:nodes",)),  # in the group, not named like a node
    ):
        decision = node_authz.authorize(for_resource(who, "list", "pods"))
        assert (decision.allowed, decision.reason) == (False, "")


def test_node_user_without_a_node_name(node_authz: NodeAuthorizer) -> None:
    nameless = UserInfo("system:node:", groups=("system:nodes",))
    decision = node_authz.authorize(for_resource(nameless, "list", "pods"))
    assert (decision.allowed, decision.reason) == (False, 'unknown node for user "system:node:"')


def test_defaults_bind_nothing() -> None:
    authz = NodeAuthorizer()
    assert not authz.authorize(core("get", "secrets", namespace="default", name="x")).allowed
    assert not authz.authorize(core("delete", "pods", namespace="default", name="web-1")).allowed
    assert authz.authorize(core("list", "pods")).allowed


def test_node_identity() -> None:
    assert node_name_of(N1) == "n1"
    assert node_name_of(UserInfo("system:node:a.b", groups=("system:nodes",))) == "a.b"
    assert node_name_of(UserInfo("system:node:n1")) is None
    assert node_user("n1").groups == ("system:nodes",)


def test_pod_references() -> None:
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "web", "namespace": "shop"},
        "spec": {
            "imagePullSecrets": [{"name": "registry"}],
            "volumes": [
                {"name": "a", "secret": {"secretName": "tls"}},
                {"name": "b", "configMap": {"name": "nginx-conf"}},
                {
                    "name": "c",
                    "projected": {
                        "sources": [
                            {"secret": {"name": "projected-secret"}},
                            {"configMap": {"name": "projected-cm"}},
                            {"serviceAccountToken": {"path": "token"}},
                        ]
                    },
                },
                {"name": "d", "emptyDir": {}},
                {"name": "e", "persistentVolumeClaim": {"claimName": "data"}},
            ],
            "initContainers": [
                {"name": "init", "envFrom": [{"configMapRef": {"name": "init-env"}}]}
            ],
            "containers": [
                {
                    "name": "app",
                    "env": [
                        {"name": "X", "value": "1"},
                        {"name": "P", "valueFrom": {"secretKeyRef": {"name": "db", "key": "p"}}},
                        {"name": "C", "valueFrom": {"configMapKeyRef": {"name": "cm", "key": "c"}}},
                        {"name": "F", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
                    ],
                    "envFrom": [{"secretRef": {"name": "env-secret"}}],
                }
            ],
            "ephemeralContainers": [
                {"name": "debug", "envFrom": [{"secretRef": {"name": "debug-secret"}}]}
            ],
        },
    }
    assert pod_references(pod) == {
        ("Secret", "shop", name)
        for name in ("registry", "tls", "projected-secret", "db", "env-secret", "debug-secret")
    } | {("ConfigMap", "shop", name) for name in ("nginx-conf", "projected-cm", "init-env", "cm")
         } | {("PersistentVolumeClaim", "shop", "data")}
    assert pod_references({"metadata": {"name": "x"}}) == frozenset()
    assert pod_references({"spec": {"volumes": "junk", "containers": [None, {"env": 3}]}}) == (
        frozenset()
    )
