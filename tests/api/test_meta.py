"""Accessors and builders over JSON-shaped objects."""

from __future__ import annotations

import copy

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kactors.api import meta

RS = {
    "apiVersion": "apps/v1",
    "kind": "ReplicaSet",
    "metadata": {
        "name": "web-5d4f",
        "namespace": "prod",
        "uid": "rs-uid",
        "resourceVersion": "42",
        "generation": 3,
        "labels": {"app": "web"},
        "annotations": {"deployment.kubernetes.io/revision": "2"},
        "finalizers": ["example.com/cleanup"],
        "ownerReferences": [
            {"apiVersion": "v1", "kind": "ConfigMap", "name": "cfg", "uid": "cm-uid"},
            {
                "apiVersion": "apps/v1",
                "kind": "Deployment",
                "name": "web",
                "uid": "deploy-uid",
                "controller": True,
                "blockOwnerDeletion": True,
            },
        ],
        "creationTimestamp": "2024-01-01T00:00:00Z",
    },
    "spec": {"replicas": 2, "template": {"spec": {"containers": [{"name": "c", "image": "i"}]}}},
}


def test_accessors_read_metadata() -> None:
    assert meta.api_version(RS) == "apps/v1"
    assert meta.kind(RS) == "ReplicaSet"
    assert meta.name(RS) == "web-5d4f"
    assert meta.namespace(RS) == "prod"
    assert meta.uid(RS) == "rs-uid"
    assert meta.resource_version(RS) == "42"
    assert meta.generation(RS) == 3
    assert meta.labels(RS) == {"app": "web"}
    assert meta.annotations(RS)["deployment.kubernetes.io/revision"] == "2"
    assert list(meta.finalizers(RS)) == ["example.com/cleanup"]
    assert len(meta.owner_references(RS)) == 2
    assert meta.creation_timestamp(RS) == "2024-01-01T00:00:00Z"
    assert meta.deletion_timestamp(RS) is None
    assert not meta.is_being_deleted(RS)
    assert meta.object_key(RS) == "prod/web-5d4f"


def test_accessors_default_on_bare_objects_without_creating_fields() -> None:
    bare: dict = {}
    assert meta.name(bare) == ""
    assert meta.namespace(bare) == ""
    assert meta.labels(bare) == {}
    assert meta.annotations(bare) == {}
    assert list(meta.owner_references(bare)) == []
    assert list(meta.finalizers(bare)) == []
    assert meta.generation(bare) == 0
    assert meta.controller_of(bare) is None
    assert bare == {}  # nothing was added to a possibly shared object
    node = {"metadata": {"name": "node-a"}}
    assert meta.object_key(node) == "node-a"


def test_accessors_return_shared_data_not_copies() -> None:
    assert meta.labels(RS) is RS["metadata"]["labels"]


def test_controller_of_and_is_controlled_by() -> None:
    controller = meta.controller_of(RS)
    assert controller is not None and controller["kind"] == "Deployment"
    deployment = {"metadata": {"name": "web", "uid": "deploy-uid"}}
    assert meta.is_controlled_by(RS, deployment)
    assert not meta.is_controlled_by(RS, {"metadata": {"uid": "cm-uid"}})
    assert not meta.is_controlled_by({"metadata": {"ownerReferences": [{"controller": True}]}}, {})


def test_new_controller_ref() -> None:
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "prod", "uid": "deploy-uid"},
    }
    assert meta.new_controller_ref(deployment) == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": "web",
        "uid": "deploy-uid",
        "controller": True,
        "blockOwnerDeletion": True,
    }


def test_is_being_deleted() -> None:
    deleting = {"metadata": {"deletionTimestamp": "2024-01-01T00:00:00Z"}}
    assert meta.is_being_deleted(deleting)
    assert meta.deletion_timestamp(deleting) == "2024-01-01T00:00:00Z"


def test_new_object_builds_kubernetes_shape_and_owns_its_data() -> None:
    data = {"key": "value"}
    obj = meta.new_object("v1", "ConfigMap", "cfg", "default", labels={"app": "x"}, data=data)
    assert obj == {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "cfg", "namespace": "default", "labels": {"app": "x"}},
        "data": {"key": "value"},
    }
    assert list(obj) == ["apiVersion", "kind", "metadata", "data"]
    assert obj["data"] is not data
    node = meta.new_object("v1", "Node", "n1", annotations={"a": "b"})
    assert node["metadata"] == {"name": "n1", "annotations": {"a": "b"}}


def test_split_object_key() -> None:
    assert meta.split_object_key("prod/web") == ("prod", "web")
    assert meta.split_object_key("node-a") == ("", "node-a")
    with pytest.raises(ValueError):
        meta.split_object_key("a/b/c")


def test_deep_copy_shares_no_containers() -> None:
    clone = meta.deep_copy(RS)
    assert clone == RS
    assert clone is not RS
    assert clone["metadata"] is not RS["metadata"]
    assert clone["metadata"]["ownerReferences"][0] is not RS["metadata"]["ownerReferences"][0]
    clone["metadata"]["labels"]["app"] = "changed"
    assert RS["metadata"]["labels"]["app"] == "web"
    assert meta.deep_copy((1, [2])) == [1, [2]]


def test_get_field() -> None:
    assert meta.get_field(RS, "spec", "replicas") == 2
    assert meta.get_field(RS, "spec", "template", "spec", "containers", 0, "image") == "i"
    assert meta.get_field(RS, "spec", "template", "spec", "containers", -1, "name") == "c"
    assert meta.get_field(RS, "spec", "template", "spec", "containers", 5, default="x") == "x"
    assert meta.get_field(RS, "spec", "missing", default=1) == 1
    assert meta.get_field(RS, "spec", "replicas", "deeper") is None


def test_with_field_copies_only_the_path() -> None:
    original = copy.deepcopy(RS)
    updated = meta.with_field(RS, ["status", "replicas"], 2)
    assert updated["status"] == {"replicas": 2}
    assert RS == original  # input untouched
    assert updated["spec"] is RS["spec"]  # untouched branches are shared
    relabeled = meta.with_field(RS, ["metadata", "labels", "tier"], "fe")
    assert relabeled["metadata"]["labels"] == {"app": "web", "tier": "fe"}
    assert RS["metadata"]["labels"] == {"app": "web"}
    removed = meta.without_field(RS, ["metadata", "annotations"])
    assert "annotations" not in removed["metadata"]
    assert "annotations" in RS["metadata"]
    assert meta.without_field(RS, ["nope", "x"]) == RS
    with pytest.raises(ValueError):
        meta.with_field(RS, [], 1)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=3), children, max_size=3)
    ),
    max_leaves=15,
)


@settings(max_examples=30, derandomize=True)
@given(json_values)
def test_deep_copy_equals_copy_deepcopy(value: object) -> None:
    assert meta.deep_copy(value) == copy.deepcopy(value)
