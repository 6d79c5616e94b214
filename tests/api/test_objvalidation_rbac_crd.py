"""RBAC kinds and CustomResourceDefinitions: create and update validation."""

from __future__ import annotations

import copy
from typing import Any

from kactors.api import DEFAULT_REGISTRY, apply_defaults
from kactors.api.objvalidation import validate_create, validate_update

R = DEFAULT_REGISTRY
RBAC = "rbac.authorization.k8s.io/v1"


def messages(obj: dict[str, Any]) -> list[str]:
    return [error.message() for error in validate_create(obj, R.for_object(obj))]


def update_messages(new: dict[str, Any], old: dict[str, Any]) -> list[str]:
    return [error.message() for error in validate_update(new, old, R.for_object(new))]


def stored(obj: dict[str, Any]) -> dict[str, Any]:
    obj = copy.deepcopy(obj)
    obj["metadata"].update(uid="u", resourceVersion="1")
    return obj


# -- roles ---------------------------------------------------------------------------------------


def test_role_rules() -> None:
    role = {
        "apiVersion": RBAC,
        "kind": "Role",
        "metadata": {"name": "pod-reader", "namespace": "default"},
        "rules": [
            {"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "watch", "list"]},
            {"apiGroups": [""], "resources": ["pods"]},
            {"verbs": ["get"]},
            {"verbs": ["get"], "nonResourceURLs": ["/healthz"]},
        ],
    }
    assert messages(role) == [
        "rules[1].verbs: Required value: verbs must contain at least one value",
        "rules[2].apiGroups: Required value: resource rules must supply at least one api group",
        "rules[2].resources: Required value: resource rules must supply at least one resource",
        'rules[3].nonResourceURLs: Invalid value: ["/healthz"]: namespaced rules cannot apply '
        "to non-resource URLs",
    ]


def test_cluster_role_names_and_non_resource_urls() -> None:
    role = {
        "apiVersion": RBAC,
        "kind": "ClusterRole",
        "metadata": {"name": "system:health"},  # path segments allow colons
        "rules": [
            {"verbs": ["get"], "nonResourceURLs": ["/healthz"]},
            {"verbs": ["get"], "nonResourceURLs": ["/x"], "resources": ["pods"]},
        ],
    }
    assert messages(role) == [
        'rules[1].nonResourceURLs: Invalid value: ["/x"]: rules cannot apply to both regular '
        "resources and non-resource URLs"
    ]
    role["metadata"]["name"] = "a/b"
    role["rules"] = []
    assert messages(role) == ["metadata.name: Invalid value: \"a/b\": may not contain '/'"]
    role["metadata"]["name"] = "agg"
    role["aggregationRule"] = {}
    assert messages(role) == [
        "aggregationRule.clusterRoleSelectors: Required value: at least one clusterRoleSelector "
        "required if aggregationRule is non-nil"
    ]


# -- bindings ------------------------------------------------------------------------------------


def binding(kind: str = "RoleBinding", **fields: Any) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "apiVersion": RBAC,
        "kind": kind,
        "metadata": {"name": "read-pods"},
        "roleRef": {"kind": "Role", "name": "pod-reader"},
        "subjects": [{"kind": "User", "name": "jane"}],
        **fields,
    }
    if kind == "RoleBinding":
        obj["metadata"]["namespace"] = "default"
    return apply_defaults(obj)


def test_role_binding_is_valid_after_defaults() -> None:
    assert messages(binding()) == []


def test_role_ref_and_subjects() -> None:
    bad = binding(
        roleRef={"apiGroup": "example.com", "kind": "Policy", "name": ""},
        subjects=[
            {"kind": "ServiceAccount", "name": "Bad", "apiGroup": "x"},
            {"kind": "Robot", "name": "r"},
            {"kind": "Group", "name": "", "apiGroup": "x"},
        ],
    )
    found = messages(bad)
    assert found[:3] == [
        'roleRef.apiGroup: Unsupported value: "example.com": supported values: '
        '"rbac.authorization.k8s.io"',
        'roleRef.kind: Unsupported value: "Policy": supported values: "Role", "ClusterRole"',
        "roleRef.name: Required value",
    ]
    assert found[3].startswith('subjects[0].name: Invalid value: "Bad": a lowercase RFC 1123')
    assert found[4:] == [
        'subjects[0].apiGroup: Unsupported value: "x": supported values: ""',
        'subjects[1].kind: Unsupported value: "Robot": supported values: "ServiceAccount", '
        '"User", "Group"',
        "subjects[2].name: Required value",
        'subjects[2].apiGroup: Unsupported value: "x": supported values: '
        '"rbac.authorization.k8s.io"',
    ]


def test_cluster_role_binding_needs_a_cluster_role_and_sa_namespace() -> None:
    crb = binding(
        "ClusterRoleBinding",
        subjects=[{"kind": "ServiceAccount", "name": "default"}],
    )
    assert messages(crb) == [
        'roleRef.kind: Unsupported value: "Role": supported values: "ClusterRole"',
        "subjects[0].namespace: Required value",
    ]


def test_role_ref_cannot_change() -> None:
    old = stored(binding())
    new = copy.deepcopy(old)
    new["roleRef"]["name"] = "pod-writer"
    assert update_messages(new, old) == [
        'roleRef: Invalid value: {"APIGroup":"rbac.authorization.k8s.io","Kind":"Role",'
        '"Name":"pod-writer"}: cannot change roleRef'
    ]
    subjects = copy.deepcopy(old)
    subjects["subjects"].append(
        {"kind": "Group", "name": "devs", "apiGroup": "rbac.authorization.k8s.io"}
    )
    assert update_messages(subjects, old) == []


# -- CustomResourceDefinition ----------------------------------------------------------------------

WEBSITE_SCHEMA = {
    "type": "object",
    "properties": {
        "spec": {
            "type": "object",
            "required": ["image"],
            "properties": {
                "replicas": {"type": "integer", "minimum": 0},
                "image": {"type": "string"},
                "message": {"type": "string", "maxLength": 20},
            },
        }
    },
}


def crd(**spec: Any) -> dict[str, Any]:
    obj = {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "websites.example.com"},
        "spec": {
            "group": "example.com",
            "scope": "Namespaced",
            "names": {"plural": "websites", "kind": "Website"},
            "versions": [
                {
                    "name": "v1",
                    "served": True,
                    "storage": True,
                    "schema": {"openAPIV3Schema": WEBSITE_SCHEMA},
                }
            ],
            **spec,
        },
    }
    return apply_defaults(obj)


def test_website_crd_is_valid() -> None:
    assert messages(crd()) == []


def test_crd_name_group_scope() -> None:
    bad = crd(group="example", scope="Global")
    assert messages(bad) == [
        'metadata.name: Invalid value: "websites.example.com": must be '
        'spec.names.plural+"."+spec.group',
        'spec.group: Invalid value: "example": should be a domain with at least one dot',
        'spec.scope: Unsupported value: "Global": supported values: "Cluster", "Namespaced"',
    ]
    unscoped = crd()
    del unscoped["spec"]["scope"]
    assert messages(unscoped) == ["spec.scope: Required value"]


def test_crd_versions() -> None:
    versions = [
        {
            "name": "v1",
            "served": True,
            "storage": True,
            "schema": {"openAPIV3Schema": WEBSITE_SCHEMA},
        },
        {"name": "v1", "served": True, "storage": True},
        {
            "name": "V2",
            "served": True,
            "storage": False,
            "schema": {"openAPIV3Schema": {"type": "string"}},
        },
    ]
    found = messages(crd(versions=versions))
    assert (
        found[0] == "spec.versions[1].schema.openAPIV3Schema: Required value: schemas are required"
    )
    assert found[1].startswith('spec.versions[2].name: Invalid value: "V2": a DNS-1035 label')
    assert found[2] == (
        'spec.versions[2].schema.openAPIV3Schema.type: Invalid value: "string": must be object '
        "at the root"
    )
    assert found[3].endswith(": must contain unique version names")
    assert found[4].endswith(": must have exactly one version marked as storage version")
    assert found[4].startswith("spec.versions: Invalid value: [")
    assert messages(crd(versions=[])) == [
        "spec.versions: Required value: must have at least one version"
    ]


def test_crd_names() -> None:
    dns1035 = (
        "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with "
        "an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or "
        "'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"
    )
    names = {
        "plural": "Websites",
        "kind": "Web Site",
        "listKind": "Web Site",
        "shortNames": ["ws!"],
    }
    assert messages(crd(names=names)) == [
        'metadata.name: Invalid value: "websites.example.com": must be '
        'spec.names.plural+"."+spec.group',
        f'spec.names.plural: Invalid value: "Websites": {dns1035}',
        f'spec.names.singular: Invalid value: "web site": {dns1035}',  # defaulted from the kind
        'spec.names.kind: Invalid value: "Web Site": may have mixed case, but should otherwise '
        f"match: {dns1035}",
        'spec.names.listKind: Invalid value: "Web Site": may have mixed case, but should '
        f"otherwise match: {dns1035}",
        f'spec.names.shortNames[0]: Invalid value: "ws!": {dns1035}',
        'spec.names.listKind: Invalid value: "Web Site": kind and listKind may not be the same',
    ]
    undefaulted = crd()
    del undefaulted["spec"]["names"]["singular"]
    assert messages(undefaulted) == ["spec.names.singular: Required value"]


def test_crd_update_immutables() -> None:
    old = stored(crd())
    new = copy.deepcopy(old)
    new["spec"]["group"] = "example.org"
    new["metadata"]["name"] = "websites.example.org"
    found = update_messages(new, old)
    assert 'spec.group: Invalid value: "example.org": field is immutable' in found
    scoped = copy.deepcopy(old)
    scoped["spec"]["scope"] = "Cluster"
    assert update_messages(scoped, old) == []  # not yet established
    old["status"] = {"conditions": [{"type": "Established", "status": "True"}]}
    assert update_messages(scoped, old) == [
        'spec.scope: Invalid value: "Cluster": field is immutable'
    ]
