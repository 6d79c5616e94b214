"""The kind/resource registry, CRD registration and storage keys."""

from __future__ import annotations

import pytest

from kactors.api.errors import KindError
from kactors.api.kinds import (
    BUILTIN_RESOURCES,
    DEFAULT_REGISTRY,
    NameFormat,
    Registry,
    ResourceInfo,
    format_api_version,
    parse_api_version,
    resource_infos_from_crd,
    storage_key,
    storage_prefix,
    validate_object_name,
    version_priority_key,
)

WIDGET_CRD = {
    "apiVersion": "apiextensions.k8s.io/v1",
    "kind": "CustomResourceDefinition",
    "metadata": {"name": "widgets.example.com"},
    "spec": {
        "group": "example.com",
        "scope": "Namespaced",
        "names": {
            "plural": "widgets",
            "singular": "widget",
            "kind": "Widget",
            "shortNames": ["wd"],
            "categories": ["all"],
        },
        "versions": [
            {"name": "v1beta1", "served": True, "storage": False},
            {"name": "v1", "served": True, "storage": True, "subresources": {"status": {}}},
            {"name": "v1alpha1", "served": False, "storage": False},
        ],
    },
}


def test_every_requested_kind_is_registered() -> None:
    kinds = {(info.group, info.version, info.kind) for info in DEFAULT_REGISTRY}
    for gvk in [
        ("", "v1", "Namespace"),
        ("", "v1", "Node"),
        ("", "v1", "Pod"),
        ("", "v1", "ConfigMap"),
        ("", "v1", "Secret"),
        ("", "v1", "Service"),
        ("", "v1", "Endpoints"),
        ("discovery.k8s.io", "v1", "EndpointSlice"),
        ("", "v1", "ServiceAccount"),
        ("", "v1", "Event"),
        ("", "v1", "Binding"),
        ("apps", "v1", "Deployment"),
        ("apps", "v1", "ReplicaSet"),
        ("apps", "v1", "StatefulSet"),
        ("apps", "v1", "DaemonSet"),
        ("batch", "v1", "Job"),
        ("coordination.k8s.io", "v1", "Lease"),
        ("rbac.authorization.k8s.io", "v1", "Role"),
        ("rbac.authorization.k8s.io", "v1", "RoleBinding"),
        ("rbac.authorization.k8s.io", "v1", "ClusterRole"),
        ("rbac.authorization.k8s.io", "v1", "ClusterRoleBinding"),
        ("apiextensions.k8s.io", "v1", "CustomResourceDefinition"),
    ]:
        assert gvk in kinds
    assert len(DEFAULT_REGISTRY) == len(BUILTIN_RESOURCES)


def test_discovery_facts_match_kubectl_api_resources() -> None:
    pods = DEFAULT_REGISTRY.by_resource("pods")
    assert (pods.kind, pods.singular, pods.namespaced, pods.short_names) == (
        "Pod",
        "pod",
        True,
        ("po",),
    )
    assert pods.categories == ("all",)
    assert pods.list_kind == "PodList"
    assert pods.api_version == "v1"
    assert [s.name for s in pods.subresources] == ["status", "binding", "eviction", "log",
                                                "exec"]
    assert pods.subresource("exec").verbs == ("create", "get")  # type: ignore[union-attr]
    assert pods.subresource("binding").kind == "Binding"  # type: ignore[union-attr]
    assert pods.subresource("attach") is None
    deploy = DEFAULT_REGISTRY.by_short_name("deploy")
    assert deploy.group_resource == "deployments.apps"
    scale = deploy.subresource("scale")
    assert scale is not None
    assert (scale.group, scale.version, scale.kind) == ("autoscaling", "v1", "Scale")
    assert not DEFAULT_REGISTRY.by_resource("nodes").namespaced
    assert DEFAULT_REGISTRY.by_resource("secrets").short_names == ()
    assert DEFAULT_REGISTRY.by_resource("bindings").verbs == ("create",)
    assert "deletecollection" not in DEFAULT_REGISTRY.by_resource("namespaces").verbs
    shorts = {s for info in DEFAULT_REGISTRY for s in info.short_names}
    assert shorts == {
        "po",
        "deploy",
        "rs",
        "svc",
        "ep",
        "no",
        "ns",
        "cm",
        "sa",
        "ds",
        "sts",
        "crd",
        "crds",
        "ev",
        "pdb",
        "cj",
        "limits",
        "quota",
        "pc",
        "pv",
        "pvc",
        "sc",
        "ing",
        "netpol",
        "hpa",
    }


def test_category_all() -> None:
    resources = {info.resource for info in DEFAULT_REGISTRY.by_category("all")}
    assert resources == {
        "pods",
        "services",
        "deployments",
        "replicasets",
        "statefulsets",
        "daemonsets",
        "jobs",
        "cronjobs",
        "horizontalpodautoscalers",
    }


def test_lookups_by_gvk_and_api_version() -> None:
    assert DEFAULT_REGISTRY.by_gvk("apps", "v1", "Deployment").resource == "deployments"
    assert DEFAULT_REGISTRY.by_api_version("v1", "Service").resource == "services"
    assert DEFAULT_REGISTRY.by_api_version("batch/v1", "Job").resource == "jobs"
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}}
    assert DEFAULT_REGISTRY.for_object(pod).resource == "pods"
    with pytest.raises(KindError) as caught:
        DEFAULT_REGISTRY.by_api_version("apps/v1beta1", "Deployment")
    assert str(caught.value) == 'no matches for kind "Deployment" in version "apps/v1beta1"'
    with pytest.raises(KindError) as caught:
        DEFAULT_REGISTRY.by_resource("widgets")
    assert str(caught.value) == 'the server doesn\'t have a resource type "widgets"'


@pytest.mark.parametrize(
    ("typed", "resource"),
    [
        ("pods", "pods"),
        ("pod", "pods"),
        ("po", "pods"),
        ("Pod", "pods"),
        ("PODS", "pods"),
        ("deploy", "deployments"),
        ("deployments.apps", "deployments"),
        ("deployment.apps", "deployments"),
        ("deployments.v1.apps", "deployments"),
        ("crd", "customresourcedefinitions"),
        ("customresourcedefinitions.apiextensions.k8s.io", "customresourcedefinitions"),
        ("clusterrolebindings", "clusterrolebindings"),
        ("endpoints", "endpoints"),
        ("ev", "events"),
    ],
)
def test_resolve_like_kubectl(typed: str, resource: str) -> None:
    assert DEFAULT_REGISTRY.resolve(typed).resource == resource


def test_resolve_rejects_unknown_and_wrong_group() -> None:
    for typed in ("foo", "deployments.batch", "pods.v2"):
        with pytest.raises(KindError):
            DEFAULT_REGISTRY.resolve(typed)


def test_api_version_parsing() -> None:
    assert parse_api_version("apps/v1") == ("apps", "v1")
    assert parse_api_version("v1") == ("", "v1")
    assert parse_api_version("") == ("", "")
    assert format_api_version("", "v1") == "v1"
    assert format_api_version("rbac.authorization.k8s.io", "v1") == "rbac.authorization.k8s.io/v1"
    with pytest.raises(KindError) as caught:
        parse_api_version("a/b/c")
    assert str(caught.value) == "unexpected GroupVersion string: a/b/c"


def test_version_priority_matches_the_crd_versioning_docs() -> None:
    # "Version priority" in the Kubernetes CRD versioning documentation.
    documented = [
        "v10",
        "v2",
        "v1",
        "v11beta2",
        "v10beta3",
        "v3beta1",
        "v12alpha1",
        "v11alpha2",
        "foo1",
        "foo10",
    ]
    shuffled = [documented[i] for i in (7, 2, 9, 0, 5, 8, 1, 4, 6, 3)]
    assert sorted(shuffled, key=version_priority_key) == documented


def test_storage_keys() -> None:
    pods = DEFAULT_REGISTRY.by_resource("pods")
    nodes = DEFAULT_REGISTRY.by_resource("nodes")
    deployments = DEFAULT_REGISTRY.by_resource("deployments")
    assert storage_key(pods, "web-1", "default") == "/registry/pods/default/web-1"
    assert storage_key(deployments, "nginx", "prod") == "/registry/deployments/prod/nginx"
    assert storage_key(nodes, "node-a") == "/registry/nodes/node-a"
    assert storage_prefix(pods) == "/registry/pods/"
    assert storage_prefix(pods, "default") == "/registry/pods/default/"
    assert storage_prefix(nodes) == "/registry/nodes/"
    with pytest.raises(KindError) as caught:
        storage_key(pods, "web-1")
    assert str(caught.value) == "pods is namespaced: a namespace is required"
    with pytest.raises(KindError) as caught:
        storage_key(nodes, "node-a", "default")
    assert str(caught.value) == "nodes is cluster-scoped: namespace must be empty"
    with pytest.raises(KindError):
        storage_key(pods, "", "default")


def test_crd_registration_returns_a_new_registry() -> None:
    infos = resource_infos_from_crd(WIDGET_CRD)
    assert [info.version for info in infos] == ["v1beta1", "v1"]  # v1alpha1 is not served
    registry = DEFAULT_REGISTRY.with_resources(*infos)
    assert len(registry) == len(DEFAULT_REGISTRY) + 2
    with pytest.raises(KindError):
        DEFAULT_REGISTRY.by_resource("widgets")  # the original is untouched
    widgets = registry.by_resource("widgets")
    assert widgets.version == "v1"  # GA is preferred over beta
    assert widgets.custom
    assert widgets.subresource("status") is not None
    assert registry.by_resource("widgets", version="v1beta1").subresources == ()
    assert registry.resolve("wd") is widgets
    assert registry.resolve("widget.example.com") is widgets
    assert registry.by_api_version("example.com/v1beta1", "Widget").version == "v1beta1"
    assert storage_key(widgets, "w1", "default") == "/registry/example.com/widgets/default/w1"
    assert [i.version for i in registry.versions("example.com", "widgets")] == ["v1", "v1beta1"]
    assert "widgets" in {info.resource for info in registry.by_category("all")}
    removed = registry.without_resource("example.com", "widgets")
    assert len(removed) == len(DEFAULT_REGISTRY)


def test_cluster_scoped_crd_and_conflicts() -> None:
    crd = {
        "spec": {
            "group": "example.com",
            "scope": "Cluster",
            "names": {"plural": "gadgets", "kind": "Gadget"},
            "versions": [{"name": "v1", "served": True, "subresources": {"scale": {}}}],
        }
    }
    (gadgets,) = resource_infos_from_crd(crd)
    assert not gadgets.namespaced
    assert gadgets.singular == "gadget"
    assert gadgets.list_kind == "GadgetList"
    assert gadgets.subresource("scale") is not None
    assert storage_key(gadgets, "g") == "/registry/example.com/gadgets/g"
    registry = DEFAULT_REGISTRY.with_resources(gadgets)
    with pytest.raises(KindError) as caught:
        registry.with_resources(gadgets)
    assert str(caught.value) == "kind 'Gadget' is already registered in version 'example.com/v1'"
    with pytest.raises(KindError):
        resource_infos_from_crd({"spec": {"group": "g", "names": {}, "versions": []}})
    with pytest.raises(KindError):
        resource_infos_from_crd({})


def test_builtin_resources_beat_custom_ones_with_the_same_name() -> None:
    impostor = ResourceInfo(
        "example.com", "v1", "Pod", "pods", "pod", True, short_names=("po",), custom=True
    )
    registry = Registry(BUILTIN_RESOURCES).with_resources(impostor)
    assert registry.resolve("pods").group == ""
    assert registry.resolve("pods.example.com") is impostor


def test_object_name_rules_per_kind() -> None:
    namespaces = DEFAULT_REGISTRY.by_resource("namespaces")
    services = DEFAULT_REGISTRY.by_resource("services")
    roles = DEFAULT_REGISTRY.by_resource("clusterroles")
    configmaps = DEFAULT_REGISTRY.by_resource("configmaps")
    assert namespaces.name_format is NameFormat.DNS_LABEL
    assert validate_object_name(namespaces, "kube-system") == []
    assert validate_object_name(namespaces, "a.b") == ["must not contain dots"]
    assert validate_object_name(configmaps, "a.b") == []
    assert validate_object_name(services, "1abc") != []
    assert validate_object_name(roles, "system:controller:job-controller") == []
    assert validate_object_name(roles, "a/b") == ["may not contain '/'"]
    assert validate_object_name(configmaps, "") == ["name or generateName is required"]
