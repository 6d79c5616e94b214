"""Loading manifests from the Kubernetes docs and dumping them back."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from kactors.api.errors import ManifestError
from kactors.api.manifests import (
    dump_json,
    dump_yaml,
    load_manifest_file,
    load_manifests,
    to_list_object,
)
from kactors.api.quantity import parse_quantity

FIXTURES = Path(__file__).parent / "fixtures"

NGINX_DEPLOYMENT = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {"name": "nginx-deployment", "labels": {"app": "nginx"}},
    "spec": {
        "replicas": 3,
        "selector": {"matchLabels": {"app": "nginx"}},
        "template": {
            "metadata": {"labels": {"app": "nginx"}},
            "spec": {
                "containers": [
                    {"name": "nginx", "image": "nginx:1.14.2", "ports": [{"containerPort": 80}]}
                ]
            },
        },
    },
}


def test_nginx_deployment_from_the_docs_loads_unchanged() -> None:
    (deployment,) = load_manifest_file(FIXTURES / "nginx-deployment.yaml")
    assert deployment == NGINX_DEPLOYMENT


def test_service_from_the_docs_loads_unchanged() -> None:
    (service,) = load_manifest_file(FIXTURES / "service.yaml")
    assert service == {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "my-service"},
        "spec": {
            "selector": {"app.kubernetes.io/name": "MyApp"},
            "ports": [{"protocol": "TCP", "port": 80, "targetPort": 9376}],
        },
    }


@pytest.mark.parametrize(
    "name", ["nginx-deployment.yaml", "service.yaml", "pod-with-resources.yaml"]
)
def test_yaml_and_json_round_trips(name: str) -> None:
    objects = load_manifest_file(FIXTURES / name)
    assert load_manifests(dump_yaml(objects)) == objects
    assert load_manifests(dump_yaml(objects, sort_keys=False)) == objects
    for obj in objects:
        assert json.loads(dump_json(obj)) == obj
        assert load_manifests(dump_json(obj)) == [obj]  # JSON is YAML


def test_multi_document_manifest_with_configmap_blocks() -> None:
    pod, config_map = load_manifest_file(FIXTURES / "pod-with-resources.yaml")
    requests = pod["spec"]["containers"][0]["resources"]["requests"]
    assert parse_quantity(requests["memory"]).to_string() == "64Mi"
    assert parse_quantity(requests["cpu"]).milli_value() == 250
    assert config_map["data"]["player_initial_lives"] == "3"
    assert config_map["data"]["game.properties"] == (
        "enemy.types=aliens,monsters\nplayer.maximum-lives=5\n"
    )
    dumped = dump_yaml(config_map)
    assert "game.properties: |\n    enemy.types=aliens,monsters\n" in dumped


def test_dump_yaml_looks_like_kubectl() -> None:
    text = dump_yaml(NGINX_DEPLOYMENT)
    assert text.startswith("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  labels:\n")
    assert "      containers:\n      - image: nginx:1.14.2\n        name: nginx\n" in text
    assert not text.startswith("---")
    two = dump_yaml([NGINX_DEPLOYMENT, NGINX_DEPLOYMENT])
    assert two.startswith("---\n") and two.count("---\n") == 2
    unsorted = dump_yaml(NGINX_DEPLOYMENT, sort_keys=False)
    assert unsorted.startswith("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name:")


def test_dump_yaml_never_emits_anchors_for_shared_data() -> None:
    labels = {"app": "web"}
    obj = {"apiVersion": "v1", "kind": "Pod", "metadata": {"labels": labels}, "x": labels}
    text = dump_yaml(obj)
    assert "&" not in text and "*" not in text


def test_dump_yaml_quotes_strings_that_would_change_type() -> None:
    obj = {"apiVersion": "v1", "kind": "ConfigMap", "data": {"a": "true", "b": "3", "c": "1:30"}}
    assert load_manifests(dump_yaml(obj)) == [obj]


def test_dump_json_like_kubectl() -> None:
    text = dump_json({"apiVersion": "v1", "kind": "List"})
    assert text == '{\n    "apiVersion": "v1",\n    "kind": "List"\n}'
    assert dump_json({"a": [1]}, indent=None) == '{"a":[1]}'
    wrapped = to_list_object([NGINX_DEPLOYMENT])
    assert wrapped["kind"] == "List" and wrapped["items"] == [NGINX_DEPLOYMENT]


def test_empty_documents_and_comments_are_skipped() -> None:
    text = "---\n# just a comment\n---\n\n---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n---\n"
    assert load_manifests(text) == [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a"}}
    ]
    assert load_manifests("") == []


def test_lists_are_expanded() -> None:
    text = """
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: ConfigMap
  metadata: {name: a}
- apiVersion: v1
  kind: List
  items:
  - apiVersion: v1
    kind: Secret
    metadata: {name: b}
---
apiVersion: v1
kind: PodList
metadata: {resourceVersion: "7"}
items:
- metadata: {name: p}
"""
    objects = load_manifests(text)
    assert [(o["kind"], o["metadata"]["name"]) for o in objects] == [
        ("ConfigMap", "a"),
        ("Secret", "b"),
        ("Pod", "p"),
    ]
    assert objects[2]["apiVersion"] == "v1"


def test_scalars_resolve_like_kubernetes_not_like_yaml_1_1() -> None:
    (obj,) = load_manifests(
        """
apiVersion: v1
kind: ConfigMap
metadata:
  name: c
  creationTimestamp: 2024-01-01T00:00:00Z
data:
  when: 2024-05-06
  time: 12:30
  flag: "yes"
  number: 0x1F
  float: 1.5
  exponent: 1e3
"""
    )
    assert obj["metadata"]["creationTimestamp"] == "2024-01-01T00:00:00Z"
    assert obj["data"] == {
        "when": "2024-05-06",
        "time": "12:30",
        "flag": "yes",
        "number": 31,
        "float": 1.5,
        "exponent": "1e3",
    }


def test_non_string_keys_become_strings() -> None:
    (obj,) = load_manifests("apiVersion: v1\nkind: ConfigMap\ndata:\n  1: a\n  true: b\n")
    assert obj["data"] == {"1": "a", "true": "b"}


def test_missing_kind_and_api_version() -> None:
    with pytest.raises(ManifestError) as caught:
        load_manifests("apiVersion: v1\nmetadata:\n  name: x\n", source="bad.yaml")
    error = caught.value
    assert (
        error.detail
        == 'Object \'Kind\' is missing in \'{"apiVersion":"v1","metadata":{"name":"x"}}\''
    )
    assert (error.source, error.document, error.line) == ("bad.yaml", 1, 1)
    assert str(error).startswith("error parsing bad.yaml (document 1, line 1): Object 'Kind'")
    with pytest.raises(ManifestError) as caught:
        load_manifests("kind: Pod\n")
    assert caught.value.detail == "Object 'apiVersion' is missing in '{\"kind\":\"Pod\"}'"


def test_errors_carry_document_number_and_line() -> None:
    text = (
        "apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n"
        "---\n"
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: [unclosed\n"
    )
    with pytest.raises(ManifestError) as caught:
        load_manifests(text, source="pods.yaml")
    assert caught.value.source == "pods.yaml"
    assert caught.value.document == 2
    assert caught.value.line is not None and caught.value.line >= 8
    with pytest.raises(ManifestError) as caught:
        load_manifests("apiVersion: v1\nkind: Pod\n---\n- just\n- a list\n")
    assert caught.value.document == 2
    assert caught.value.detail == "a manifest document must be an object, not an array"


def test_duplicate_keys_are_rejected() -> None:
    with pytest.raises(ManifestError) as caught:
        load_manifests("apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n  name: b\n")
    assert 'mapping key "name" already defined at line 4' in caught.value.detail
    assert caught.value.line == 5


def test_yaml_merge_keys_are_not_duplicates() -> None:
    (obj,) = load_manifests(
        "apiVersion: v1\nkind: ConfigMap\nbase: &b {x: '1', y: '2'}\ndata:\n  <<: *b\n  y: '3'\n"
    )
    assert obj["data"] == {"x": "1", "y": "3"}


def test_non_json_values_are_rejected() -> None:
    with pytest.raises(ManifestError) as caught:
        load_manifests("apiVersion: v1\nkind: Secret\ndata:\n  x: !!binary aGk=\n")
    assert caught.value.detail == "unsupported value of type bytes at .data.x: not JSON data"
    with pytest.raises(ManifestError) as caught:
        load_manifests("apiVersion: v1\nkind: X\nv: .inf\n")
    assert "not a JSON number" in caught.value.detail


def test_unsupported_map_keys_are_rejected() -> None:
    with pytest.raises(ManifestError) as caught:
        load_manifests("apiVersion: v1\nkind: X\ndata:\n  ? [a, b]\n  : c\n")
    assert caught.value.detail == "unsupported map key of type list"
    assert caught.value.line == 4


def test_missing_file_is_a_manifest_error(tmp_path: Path) -> None:
    with pytest.raises(ManifestError) as caught:
        load_manifest_file(tmp_path / "nope.yaml")
    assert caught.value.source.endswith("nope.yaml")


def test_dumped_yaml_is_plain_yaml() -> None:
    assert yaml.safe_load(dump_yaml(NGINX_DEPLOYMENT)) == NGINX_DEPLOYMENT
