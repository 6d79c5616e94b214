"""OpenAPI documents: shape, kubectl's lookups (explain, field validation), CRD schemas."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

import pytest

from kactors.api.kinds import DEFAULT_REGISTRY, resource_infos_from_crd
from kactors.apiserver.http.openapi import (
    openapi_v2,
    openapi_v3_group,
    openapi_v3_index,
    resolve_field,
    strict_field_errors,
    unknown_fields,
)

CRD = {"spec": {"group": "example.com", "scope": "Namespaced",
                "names": {"plural": "widgets", "kind": "Widget"},
                "versions": [{"name": "v1", "served": True, "storage": True, "schema": {
                    "openAPIV3Schema": {"type": "object", "properties": {
                        "spec": {"type": "object", "description": "The widget's wishes.",
                                 "properties": {"size": {"type": "integer"}}}}}}}]}}
REGISTRY = DEFAULT_REGISTRY.with_resources(*resource_infos_from_crd(CRD))


def refs(document: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(document, dict):
        if isinstance(document.get("$ref"), str):
            found.add(document["$ref"])
        for value in document.values():
            found |= refs(value)
    elif isinstance(document, list):
        for value in document:
            found |= refs(value)
    return found


@pytest.fixture(scope="module")
def core() -> dict[str, Any]:
    document = openapi_v3_group(REGISTRY, "", "v1")
    assert document is not None
    return document


def test_v3_documents_are_valid_and_self_contained() -> None:
    index = openapi_v3_index(REGISTRY)
    assert set(index["paths"]) >= {"api/v1", "apis/apps/v1", "apis/batch/v1",
                                   "apis/example.com/v1", "apis/authorization.k8s.io/v1"}
    for key, entry in index["paths"].items():
        url = urlsplit(entry["serverRelativeURL"])
        assert url.path == f"/openapi/v3/{key}"
        assert url.query.startswith("hash=") and len(url.query) == 5 + 128
        group, _, version = key.partition("/")[2].rpartition("/")
        document = openapi_v3_group(REGISTRY, group, version)
        assert document["openapi"] == "3.0.0"
        schemas = document["components"]["schemas"]
        for ref in refs(document):  # every reference resolves within the document
            assert ref.removeprefix("#/components/schemas/") in schemas, (key, ref)
        json.dumps(document)  # plain JSON
    assert openapi_v3_index(REGISTRY) == index  # stable hashes
    assert openapi_v3_group(REGISTRY, "nothing.example.com", "v1") is None


def test_v2_document_has_kubernetes_definition_names() -> None:
    document = openapi_v2(REGISTRY)
    assert document["swagger"] == "2.0"
    definitions = document["definitions"]
    for name in ("io.k8s.api.core.v1.Pod", "io.k8s.api.apps.v1.Deployment",
                 "io.k8s.api.batch.v1.Job", "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta",
                 "io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector", "com.example.v1.Widget"):
        assert name in definitions
    assert definitions["io.k8s.api.apps.v1.Deployment"]["x-kubernetes-group-version-kind"] == [
        {"group": "apps", "kind": "Deployment", "version": "v1"}]
    for ref in refs(document):
        assert ref.removeprefix("#/definitions/") in definitions


def test_pod_containers_is_an_array_of_container_with_a_required_name(
        core: dict[str, Any]) -> None:
    schemas = core["components"]["schemas"]
    pod = schemas["io.k8s.api.core.v1.Pod"]
    assert pod["x-kubernetes-group-version-kind"] == [{"group": "", "kind": "Pod",
                                                       "version": "v1"}]
    assert set(pod["properties"]) == {"apiVersion", "kind", "metadata", "spec", "status"}
    containers = schemas["io.k8s.api.core.v1.PodSpec"]["properties"]["containers"]
    assert containers["type"] == "array"
    assert containers["items"]["allOf"] == [
        {"$ref": "#/components/schemas/io.k8s.api.core.v1.Container"}]
    assert "containers" in schemas["io.k8s.api.core.v1.PodSpec"]["required"]
    container = schemas["io.k8s.api.core.v1.Container"]
    assert container["required"] == ["name"]
    assert {"name", "image", "ports", "env", "resources", "command", "args",
            "volumeMounts", "livenessProbe"} <= set(container["properties"])
    limits = schemas["io.k8s.api.core.v1.ResourceRequirements"]["properties"]["limits"]
    assert limits["additionalProperties"]["allOf"][0]["$ref"].endswith("resource.Quantity")


def test_explain_like_lookups(core: dict[str, Any]) -> None:
    containers = resolve_field(core, "", "v1", "Pod", "spec.containers")
    assert containers["description"] == "List of containers belonging to the pod."
    port = resolve_field(core, "", "v1", "Pod", "spec.containers.ports.containerPort")
    assert port["type"] == "integer"
    assert resolve_field(core, "", "v1", "Pod", "spec.nope") is None
    apps = openapi_v3_group(REGISTRY, "apps", "v1")
    replicas = resolve_field(apps, "apps", "v1", "Deployment", "spec.replicas")
    assert replicas["type"] == "integer"
    image = resolve_field(apps, "apps", "v1", "Deployment", "spec.template.spec.containers.image")
    assert image["type"] == "string"
    selector = resolve_field(apps, "apps", "v1", "ReplicaSet", "spec.selector.matchLabels")
    assert selector["additionalProperties"] == {"type": "string"}
    for kind, field in (("Service", "spec.ports.targetPort"), ("Node", "spec.taints.effect"),
                        ("Event", "involvedObject.uid"), ("Secret", "stringData"),
                        ("ConfigMap", "data"), ("Endpoints", "subsets.addresses.ip"),
                        ("ServiceAccount", "secrets"), ("Namespace", "status.phase")):
        assert resolve_field(core, "", "v1", kind, field) is not None, (kind, field)
    batch = openapi_v3_group(REGISTRY, "batch", "v1")
    assert resolve_field(batch, "batch", "v1", "Job", "spec.backoffLimit")["type"] == "integer"


def test_each_kind_declares_server_side_field_validation_on_patch(core: dict[str, Any]) -> None:
    """What kubectl's QueryParamVerifierV3 looks for before create/apply."""
    patch = core["paths"]["/api/v1/namespaces/{namespace}/pods/{name}"]["patch"]
    assert patch["x-kubernetes-group-version-kind"] == {"group": "", "kind": "Pod",
                                                        "version": "v1"}
    assert {"name": "fieldValidation", "in": "query"}.items() <= next(
        p for p in patch["parameters"] if p["name"] == "fieldValidation").items()
    # no strategic merge patch here: kubectl apply then uses its compiled-in types
    assert "application/strategic-merge-patch+json" not in patch["requestBody"]["content"]
    assert "/api/v1/nodes/{name}" in core["paths"]
    reviews = openapi_v3_group(REGISTRY, "authorization.k8s.io", "v1")["paths"]
    assert list(reviews["/apis/authorization.k8s.io/v1/selfsubjectaccessreviews"]) == ["post"]


def test_crd_schema_appears_with_metadata_and_gvk() -> None:
    document = openapi_v3_group(REGISTRY, "example.com", "v1")
    widget = document["components"]["schemas"]["com.example.v1.Widget"]
    assert widget["x-kubernetes-group-version-kind"] == [
        {"group": "example.com", "kind": "Widget", "version": "v1"}]
    assert widget["properties"]["spec"]["properties"]["size"] == {"type": "integer"}
    assert widget["properties"]["metadata"]["allOf"][0]["$ref"].endswith("v1.ObjectMeta")
    assert "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta" in document["components"][
        "schemas"]
    assert resolve_field(document, "example.com", "v1", "Widget", "spec.size") == {
        "type": "integer"}
    assert "/apis/example.com/v1/namespaces/{namespace}/widgets/{name}" in document["paths"]


def test_unknown_fields_for_strict_field_validation(core: dict[str, Any]) -> None:
    pod = {"apiVersion": "v1", "kind": "Pod",
           "metadata": {"name": "p", "labels": {"app": "x"}, "annotations": {"a": "b"}},
           "spec": {"containers": [
               {"name": "a", "image": "nginx", "resources": {"limits": {"cpu": "1"}},
                "ports": [{"containerPort": 80, "protocoll": "TCP"}]},
               {"name": "b", "imagee": "nginx"}],
               "affinity": {"nodeAffinity": {"anything": True}},
               "volumes": [{"name": "v", "nfs": {"server": "s"}}],
               "bogus": 1}}
    assert unknown_fields(core, pod) == [
        "spec.containers[0].ports[0].protocoll", "spec.containers[1].imagee", "spec.bogus"]
    assert unknown_fields(core, {**pod, "spec": {"containers": [{"name": "a"}]}}) == []
    apps = openapi_v3_group(REGISTRY, "apps", "v1")
    deployment = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"},
                  "spec": {"replicas": 2, "selector": {"matchLabels": {"a": "b"}},
                           "strategy": {"type": "RollingUpdate",
                                        "rollingUpdate": {"maxSurge": "25%"}},
                           "template": {"metadata": {"labels": {"a": "b"}},
                                        "spec": {"containers": [{"name": "c", "image": "i",
                                                                 "foo": 1}]}}}}
    assert unknown_fields(apps, deployment) == ["spec.template.spec.containers[0].foo"]
    lease = openapi_v3_group(REGISTRY, "coordination.k8s.io", "v1")
    assert unknown_fields(lease, {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
                                  "spec": {"holderIdentity": "x", "nope": 1}}) == ["spec.nope"]
    discovery = openapi_v3_group(REGISTRY, "discovery.k8s.io", "v1")
    assert discovery is not None
    assert unknown_fields(discovery, {
        "apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice", "addressType": "IPv4",
        "endpoints": [{"addresses": ["10.0.0.1"], "conditions": {"ready": True, "up": 1}}],
        "ports": [{"name": "http", "port": 80, "protocol": "TCP", "portt": 1}]}) == [
        "endpoints[0].conditions.up", "ports[0].portt"]


def test_strict_field_errors_in_kubernetes_words() -> None:
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "labelz": {}},
           "spec": {"containers": [{"name": "a", "imagee": "nginx"}]}}
    assert strict_field_errors(REGISTRY, pod) == [
        'unknown field "metadata.labelz"', 'unknown field "spec.containers[0].imagee"']
    widget = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"},
              "spec": {"size": 1, "colour": "red"}}
    assert strict_field_errors(REGISTRY, widget) == ['unknown field "spec.colour"']
    assert strict_field_errors(REGISTRY, {"apiVersion": "nope/v9", "kind": "X"}) == []
