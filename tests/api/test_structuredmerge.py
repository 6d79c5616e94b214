"""Structured merge over the kinds' list types: maps, associative lists, sets, atomic
lists; removal of what an applier no longer applies; conflicts and force."""

from __future__ import annotations

from typing import Any

import pytest

from kactors.api.kinds import DEFAULT_REGISTRY
from kactors.api.listtypes import builtin_schema, schema_from_openapi
from kactors.api.status import StatusError
from kactors.api.structuredmerge import (
    ItemKeyError,
    changes,
    conflicting,
    fields_of,
    merge,
    remove_fields,
)
from kactors.apiserver import serversideapply as ssa

POD = builtin_schema("", "Pod")
DEPLOYMENT = builtin_schema("apps", "Deployment")
NOW = "2026-01-01T00:00:00Z"


def pod_spec(*containers: dict[str, Any], **spec: Any) -> dict[str, Any]:
    return {"spec": {"containers": list(containers), **spec}}


def test_maps_merge_field_by_field() -> None:
    live = {"metadata": {"labels": {"a": "1"}}, "spec": {"nodeName": "n1"}}
    merged = merge(live, {"metadata": {"labels": {"b": "2"}}}, POD)
    assert merged == {"metadata": {"labels": {"a": "1", "b": "2"}}, "spec": {"nodeName": "n1"}}
    assert live == {"metadata": {"labels": {"a": "1"}}, "spec": {"nodeName": "n1"}}


def test_associative_lists_merge_by_key_with_defaulted_keys() -> None:
    live = pod_spec({"name": "a", "image": "x", "ports": [{"containerPort": 80,
                                                            "protocol": "TCP"}]},
                    {"name": "b", "image": "y"})
    config = pod_spec({"name": "b", "image": "z"}, {"name": "c", "image": "w"},
                      {"name": "a", "ports": [{"containerPort": 80, "name": "http"}]})
    merged = merge(live, config, POD)
    assert merged["spec"]["containers"] == [
        {"name": "a", "image": "x", "ports": [{"containerPort": 80, "protocol": "TCP",
                                               "name": "http"}]},
        {"name": "b", "image": "z"}, {"name": "c", "image": "w"}]


def test_set_lists_merge_as_sets_and_atomic_lists_are_replaced() -> None:
    live = {"metadata": {"finalizers": ["a", "b"]},
            "spec": {"containers": [{"name": "c", "args": ["1", "2"]}]}}
    config = {"metadata": {"finalizers": ["b", "c"]},
              "spec": {"containers": [{"name": "c", "args": ["3"]}]}}
    merged = merge(live, config, POD)
    assert merged["metadata"]["finalizers"] == ["a", "b", "c"]
    assert merged["spec"]["containers"][0]["args"] == ["3"]
    assert ("f:metadata", "f:finalizers", 'v:"c"') in fields_of(config, POD)
    # an atomic list is one field, whatever it holds
    assert ("f:spec", "f:containers", 'k:{"name":"c"}', "f:args") in fields_of(config, POD)


def test_atomic_maps_are_replaced_whole() -> None:
    live = {"spec": {"selector": {"matchLabels": {"a": "1"}}}}
    merged = merge(live, {"spec": {"selector": {"matchExpressions": []}}}, DEPLOYMENT)
    assert merged["spec"]["selector"] == {"matchExpressions": []}
    assert fields_of(merged, DEPLOYMENT) == {("f:spec", "f:selector")}


def test_an_item_without_its_key_is_refused() -> None:
    with pytest.raises(ItemKeyError, match='omits key field "name"'):
        fields_of(pod_spec({"image": "x"}), POD)


def test_removal_drops_items_and_emptied_maps_but_keeps_keys() -> None:
    obj = {"metadata": {"labels": {"a": "1"}},
           "spec": {"containers": [{"name": "a", "image": "x"}, {"name": "b", "image": "y"}]}}
    item = ("f:spec", "f:containers", 'k:{"name":"a"}')
    out = remove_fields(obj, [("f:metadata", "f:labels", "f:a"), item, item + ("f:image",),
                              ("f:spec", "f:containers", 'k:{"name":"b"}', "f:name")], POD)
    assert out == {"spec": {"containers": [{"name": "b", "image": "y"}]}}
    assert obj["metadata"]["labels"] == {"a": "1"}  # not mutated


def test_changes_and_conflicts() -> None:
    old = {"spec": {"replicas": 1, "paused": True}}
    new = {"spec": {"replicas": 2}}
    changed, removed = changes(old, new, DEPLOYMENT)
    assert changed == {("f:spec", "f:replicas")} and removed == {("f:spec", "f:paused")}
    owners = {"me": frozenset({("f:spec", "f:replicas")}),
              "hpa": frozenset({("f:spec", "f:replicas")}), "other": frozenset()}
    assert conflicting(changed, owners, "me") == [("hpa", ("f:spec", "f:replicas"))]


INFO = DEFAULT_REGISTRY.by_resource("deployments", "apps")


def deployment(replicas: int | None = None, image: str = "nginx") -> dict[str, Any]:
    spec: dict[str, Any] = {"template": {"spec": {"containers": [{"name": "web",
                                                                  "image": image}]}}}
    if replicas is not None:
        spec["replicas"] = replicas
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"},
            "spec": spec}


def apply(live: Any, config: Any, manager: str, force: bool = False) -> dict[str, Any]:
    return ssa.apply(INFO, live, config, DEPLOYMENT, manager, force, None, NOW, True)


def test_apply_prunes_what_the_applier_dropped_and_forces_conflicts() -> None:
    first = apply(None, deployment(2), "a")
    assert first["spec"]["replicas"] == 2
    dropped = apply(first, deployment(), "a")
    assert "replicas" not in dropped["spec"]
    kept = apply(apply(first, deployment(2), "b"), deployment(), "a")
    assert kept["spec"]["replicas"] == 2  # b owns it too
    with pytest.raises(StatusError) as caught:
        apply(first, deployment(3, image="httpd"), "b")
    assert caught.value.status["message"] == (
        'Apply failed with 2 conflicts: conflicts with "a":\n- .spec.replicas\n'
        '- .spec.template.spec.containers[name="web"].image')
    forced = apply(first, deployment(3), "b", force=True)
    owners = {e["manager"]: e["fieldsV1"] for e in forced["metadata"]["managedFields"]}
    assert "f:replicas" in owners["b"]["f:spec"] and "f:replicas" not in owners["a"]["f:spec"]


def test_crd_list_types_come_from_the_schema() -> None:
    schema = schema_from_openapi({"type": "object", "properties": {"spec": {
        "type": "object", "properties": {
            "ports": {"type": "array", "x-kubernetes-list-type": "map",
                      "x-kubernetes-list-map-keys": ["port", "protocol"],
                      "items": {"type": "object", "properties": {
                          "port": {"type": "integer"},
                          "protocol": {"type": "string", "default": "TCP"}}}},
            "tags": {"type": "array", "x-kubernetes-list-type": "set",
                     "items": {"type": "string"}},
            "args": {"type": "array", "items": {"type": "string"}}}}}})
    merged = merge({"spec": {"ports": [{"port": 1}], "tags": ["x"], "args": ["a"]}},
                   {"spec": {"ports": [{"port": 2}], "tags": ["y"], "args": ["b"]}}, schema)
    assert merged["spec"] == {"ports": [{"port": 1}, {"port": 2}], "tags": ["x", "y"],
                              "args": ["b"]}
    assert ("f:spec", "f:ports", 'k:{"port":2,"protocol":"TCP"}') in fields_of(merged, schema)
    # metadata behaves as in every kind
    assert schema.child("metadata").child("finalizers").list_type == "set"
