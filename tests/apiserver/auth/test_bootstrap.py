"""The default RBAC policy, through the full chain as a new cluster would use it."""

from __future__ import annotations

import pytest

from kactors.apiserver.auth import (
    AuthorizerChain,
    NodeAuthorizer,
    RBACAuthorizer,
    UserInfo,
    aggregate_cluster_roles,
    aggregated_rules,
    anonymous_user,
    bootstrap_cluster_role_bindings,
    bootstrap_cluster_roles,
    bootstrap_rbac_objects,
    default_chain,
    for_path,
    for_resource,
)
from kactors.apiserver.auth.attributes import Attributes

from .helpers import cluster_role, role_binding, rule, sa_user, user, user_subject


@pytest.fixture(scope="module")
def chain() -> AuthorizerChain:
    objects = [
        *bootstrap_rbac_objects(),
        role_binding("viewers", "team", "view", user_subject("vera"), role_kind="ClusterRole"),
        role_binding("editors", "team", "edit", user_subject("ed"), role_kind="ClusterRole"),
        role_binding("admins", "team", "admin", user_subject("ada"), role_kind="ClusterRole"),
    ]
    return default_chain(RBACAuthorizer.from_objects(objects), NodeAuthorizer())


ROOT = user("root", "system:masters")
VERA = user("vera")
ED = user("ed")
ADA = user("ada")
SCHEDULER = user("system:kube-scheduler")
KCM = user("system:kube-controller-manager")
PROXY = user("system:kube-proxy")


def team(who: UserInfo, verb: str, resource: str, **kw: str) -> Attributes:
    return for_resource(who, verb, resource, namespace="team", **kw)


@pytest.mark.parametrize(
    ("attrs", "allowed"),
    [
        # system:masters can do anything, resource or not
        (for_resource(ROOT, "delete", "nodes", name="n1"), True),
        (
            for_resource(ROOT, "escalate", "clusterroles", api_group="rbac.authorization.k8s.io"),
            True,
        ),
        (for_resource(ROOT, "create", "widgets", api_group="example.com", namespace="x"), True),
        (for_path(ROOT, "post", "/anything"), True),
        # view: read workloads in its namespace, nothing else
        (team(VERA, "get", "pods", name="p"), True),
        (team(VERA, "list", "pods"), True),
        (team(VERA, "watch", "deployments", api_group="apps"), True),
        (team(VERA, "get", "pods", name="p", subresource="log"), True),
        (team(VERA, "list", "configmaps"), True),
        (team(VERA, "create", "pods"), False),
        (team(VERA, "delete", "pods", name="p"), False),
        (team(VERA, "get", "secrets", name="s"), False),
        (team(VERA, "list", "secrets"), False),
        (team(VERA, "list", "roles", api_group="rbac.authorization.k8s.io"), False),
        (for_resource(VERA, "list", "pods", namespace="other"), False),
        (for_resource(VERA, "list", "pods"), False),
        # edit: writes workloads and reads secrets, but no RBAC
        (team(ED, "create", "deployments", api_group="apps"), True),
        (team(ED, "patch", "deployments", api_group="apps", name="d", subresource="scale"), True),
        (team(ED, "get", "secrets", name="s"), True),
        (team(ED, "create", "secrets"), True),
        (team(ED, "get", "pods", name="p"), True),  # aggregated from view
        (team(ED, "create", "roles", api_group="rbac.authorization.k8s.io"), False),
        (team(ED, "update", "pods", name="p", subresource="status"), False),
        # admin: edit plus roles and bindings in the namespace
        (team(ADA, "create", "rolebindings", api_group="rbac.authorization.k8s.io"), True),
        (team(ADA, "delete", "deployments", api_group="apps", name="d"), True),
        (team(ADA, "list", "pods"), True),
        (for_resource(ADA, "create", "clusterroles", api_group="rbac.authorization.k8s.io"), False),
        # every authenticated user: discovery, health, self-review
        (for_path(VERA, "get", "/api"), True),
        (for_path(VERA, "get", "/apis/apps/v1"), True),
        (for_path(VERA, "get", "/version"), True),
        (for_path(VERA, "get", "/metrics"), False),
        (
            for_resource(
                VERA, "create", "selfsubjectaccessreviews", api_group="authorization.k8s.io"
            ),
            True,
        ),
        # anonymous: public info only (discovery is authenticated-only since 1.14)
        (for_path(anonymous_user(), "get", "/healthz"), True),
        (for_path(anonymous_user(), "get", "/livez"), True),
        (for_path(anonymous_user(), "get", "/version"), True),
        (for_path(anonymous_user(), "get", "/api"), False),
        (for_path(anonymous_user(), "post", "/healthz"), False),
        (for_resource(anonymous_user(), "list", "pods", namespace="default"), False),
        (
            for_resource(
                anonymous_user(),
                "create",
                "selfsubjectaccessreviews",
                api_group="authorization.k8s.io",
            ),
            False,
        ),
        # a fresh service account has only what every authenticated user has
        (for_resource(sa_user("default", "default"), "list", "pods", namespace="default"), False),
        (for_path(sa_user("default", "default"), "get", "/api/v1"), True),
        # scheduler
        (
            for_resource(
                SCHEDULER, "create", "pods", namespace="x", name="p", subresource="binding"
            ),
            True,
        ),
        (for_resource(SCHEDULER, "list", "nodes"), True),
        (
            for_resource(
                SCHEDULER, "update", "pods", namespace="x", name="p", subresource="status"
            ),
            True,
        ),
        (
            for_resource(
                SCHEDULER,
                "update",
                "leases",
                api_group="coordination.k8s.io",
                namespace="kube-system",
                name="kube-scheduler",
            ),
            True,
        ),
        (
            for_resource(
                SCHEDULER,
                "update",
                "leases",
                api_group="coordination.k8s.io",
                namespace="kube-system",
                name="kube-controller-manager",
            ),
            False,
        ),
        (for_resource(SCHEDULER, "get", "secrets", namespace="x", name="s"), False),
        (for_resource(SCHEDULER, "delete", "nodes", name="n"), False),
        # controller manager: broad, but no escalation verbs
        (for_resource(KCM, "create", "pods", namespace="x"), True),
        (for_resource(KCM, "create", "endpointslices", namespace="x",
                      api_group="discovery.k8s.io"), True),
        # system:node-proxier: kube-proxy watches Services and EndpointSlices, writes nothing
        (for_resource(PROXY, "watch", "endpointslices", api_group="discovery.k8s.io"), True),
        (for_resource(PROXY, "list", "services"), True),
        (for_resource(PROXY, "get", "nodes", name="n1"), True),
        (for_resource(PROXY, "create", "events", namespace="x"), True),
        (for_resource(PROXY, "create", "endpointslices", namespace="x",
                      api_group="discovery.k8s.io"), False),
        (for_resource(PROXY, "list", "secrets"), False),
        # view (and so edit and admin) read slices; nobody but controllers writes them
        (team(VERA, "list", "endpointslices", api_group="discovery.k8s.io"), True),
        (team(ADA, "get", "endpointslices", api_group="discovery.k8s.io", name="s"), True),
        (team(ED, "create", "endpointslices", api_group="discovery.k8s.io"), False),
        (
            for_resource(
                KCM,
                "update",
                "deployments",
                api_group="apps",
                namespace="x",
                name="d",
                subresource="status",
            ),
            True,
        ),
        (for_resource(KCM, "deletecollection", "pods", namespace="x"), True),
        (for_resource(KCM, "bind", "clusterroles", api_group="rbac.authorization.k8s.io"), False),
        (for_resource(KCM, "impersonate", "users"), False),
        (for_path(KCM, "get", "/metrics"), False),
        # kubelets: the node authorizer, not the (subject-less) system:node binding
        (
            for_resource(
                user("system:node:n1", "system:nodes"),
                "get",
                "secrets",
                namespace="default",
                name="s",
            ),
            False,
        ),
        (for_resource(user("system:node:n1", "system:nodes"), "list", "pods"), True),
        (for_resource(user("system:node:n1", "system:nodes"), "update", "nodes", name="n2"), False),
    ],
)
def test_default_policy(chain: AuthorizerChain, attrs: Attributes, allowed: bool) -> None:
    assert chain.authorize(attrs).allowed is allowed


def test_bootstrap_manifests_are_shaped_like_kubernetes() -> None:
    objects = bootstrap_rbac_objects()
    names = {(o["kind"], o["metadata"]["name"]) for o in objects}
    for name in (
        "cluster-admin",
        "admin",
        "edit",
        "view",
        "system:basic-user",
        "system:discovery",
        "system:public-info-viewer",
        "system:node",
        "system:kube-scheduler",
        "system:kube-controller-manager",
        "system:node-proxier",
    ):
        assert ("ClusterRole", name) in names
    for obj in objects:
        assert obj["apiVersion"] == "rbac.authorization.k8s.io/v1"
        assert obj["metadata"]["labels"]["kubernetes.io/bootstrapping"] == "rbac-defaults"
        assert "namespace" not in obj["metadata"]
    bindings = {b["metadata"]["name"]: b for b in bootstrap_cluster_role_bindings()}
    assert bindings["cluster-admin"]["subjects"] == [
        {"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": "system:masters"}
    ]
    assert [s["name"] for s in bindings["system:public-info-viewer"]["subjects"]] == [
        "system:authenticated",
        "system:unauthenticated",
    ]
    assert [s["name"] for s in bindings["system:discovery"]["subjects"]] == ["system:authenticated"]
    assert "subjects" not in bindings["system:node"]
    assert bindings["system:node-proxier"]["subjects"] == [
        {"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "system:kube-proxy"}]
    for binding in bindings.values():
        assert binding["roleRef"] == {
            "apiGroup": "rbac.authorization.k8s.io",
            "kind": "ClusterRole",
            "name": binding["metadata"]["name"],
        }


def test_bootstrap_returns_independent_copies() -> None:
    first = bootstrap_cluster_roles()
    first[0]["rules"].clear()
    view = next(r for r in first if r["metadata"]["name"] == "view")
    view["rules"][0]["verbs"].append("delete")
    again = {r["metadata"]["name"]: r for r in bootstrap_cluster_roles()}
    assert again["cluster-admin"]["rules"]
    assert "delete" not in again["view"]["rules"][0]["verbs"]
    assert "delete" not in again["system:aggregate-to-view"]["rules"][0]["verbs"]


def test_aggregation_follows_labels_and_chains() -> None:
    roles = {r["metadata"]["name"]: r for r in bootstrap_cluster_roles()}
    # metrics-server's reader role aggregates into all three (kubectl top for viewers)
    metrics = roles["system:aggregated-metrics-reader"]["rules"]
    assert metrics == [{"apiGroups": ["metrics.k8s.io"], "resources": ["pods", "nodes"],
                        "verbs": ["get", "list", "watch"]}]
    assert roles["view"]["rules"] == roles["system:aggregate-to-view"]["rules"] + metrics
    assert roles["edit"]["rules"] == (
        roles["system:aggregate-to-edit"]["rules"] + metrics
        + roles["system:aggregate-to-view"]["rules"]
    )
    # Sources are taken in name order: "edit" sorts before "system:aggregate-to-admin".
    assert roles["admin"]["rules"] == (
        roles["edit"]["rules"] + roles["system:aggregate-to-admin"]["rules"]
    )
    assert roles["admin"]["aggregationRule"] == {
        "clusterRoleSelectors": [
            {"matchLabels": {"rbac.authorization.k8s.io/aggregate-to-admin": "true"}}
        ]
    }


def test_aggregated_rules_dedupe_skip_self_and_sort_by_name() -> None:
    label = {"metadata": {"labels": {"agg": "yes"}}}
    target = {
        **cluster_role("target", rule(["get"], ["stale"])),
        "aggregationRule": {"clusterRoleSelectors": [{"matchLabels": {"agg": "yes"}}]},
    }
    target["metadata"] = {"name": "target", "labels": {"agg": "yes"}}
    b = {**cluster_role("b", rule(["get"], ["pods"]), rule(["list"], ["pods"])), **label}
    b["metadata"] = {"name": "b", "labels": {"agg": "yes"}}
    a = cluster_role(
        "a", {"verbs": ["get"], "apiGroups": [""], "resources": ["pods"], "resourceNames": []}
    )
    a["metadata"]["labels"] = {"agg": "yes"}
    unrelated = cluster_role("c", rule(["*"], ["*"], ["*"]))
    assert aggregated_rules(target, [target, b, unrelated, a]) == [
        {"verbs": ["get"], "apiGroups": [""], "resources": ["pods"], "resourceNames": []},
        rule(["list"], ["pods"]),
    ]
    assert aggregated_rules(unrelated, [target, b]) is None
    # aggregate_cluster_roles does not modify its input
    assert aggregate_cluster_roles([target, b])[0]["rules"] == b["rules"]
    assert target["rules"] == [rule(["get"], ["stale"])]
