"""Strategic merge patch: apimachinery's test cases and the kubectl patch docs."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from kactors.api.errors import PatchError
from kactors.api.manifests import load_manifests
from kactors.api.patch import (
    PATCH_META,
    PatchMeta,
    json_merge_patch,
    patch_meta_for_kind,
    strategic_merge_patch,
)

# The MergeItem test type of apimachinery's patch_test.go, as patch metadata.
_ITEM_FIELDS: dict[str, PatchMeta] = {}
MERGE_ITEM = PatchMeta(fields=_ITEM_FIELDS)
_ITEM_FIELDS.update(
    mergingList=PatchMeta("merge", "name", _ITEM_FIELDS),
    nonMergingList=PatchMeta("", "", _ITEM_FIELDS),
    mergingIntList=PatchMeta("merge"),
    nonMergingIntList=PatchMeta(),
    retainKeysMergingList=PatchMeta("merge", "name", _ITEM_FIELDS),
)


def smp(original: Any, patch: Any, kind: str | PatchMeta = MERGE_ITEM) -> Any:
    before = copy.deepcopy((original, patch))
    result = strategic_merge_patch(original, patch, kind)
    assert (original, patch) == before, "inputs must not be mutated"
    return result


def y(text: str) -> Any:
    return yaml.safe_load(text)


# (description, original, patch, expected) from patch_test.go.
GO_CASES = [
    (
        "unique scalars when merging lists",
        {"mergingIntList": [1, 2]},
        {"mergingIntList": [2, 3]},
        {"mergingIntList": [1, 2, 3]},
    ),
    (
        "delete map from nested map",
        {"simpleMap": {"key1": 1, "key2": 1}},
        {"simpleMap": {"$patch": "delete"}},
        {"simpleMap": {}},
    ),
    (
        "delete all items from merging list",
        {"mergingList": [{"name": 1}, {"name": 2}]},
        {"mergingList": [{"$patch": "replace"}]},
        {"mergingList": []},
    ),
    ("merge empty merging lists", {"mergingList": []}, {"mergingList": []}, {"mergingList": []}),
    ("delete all keys from map", {"name": 1, "value": 1}, {"$patch": "replace"}, {}),
    (
        "add key and delete all keys from map",
        {"name": 1, "value": 1},
        {"other": "a", "$patch": "replace"},
        {"other": "a"},
    ),
    (
        # apimachinery's deleteMatchingEntries removes *every* entry with the key.
        "a delete directive removes every duplicate entry",
        {
            "mergingList": [
                {"name": 1},
                {"name": 1},
                {"name": 2, "value": "a"},
                {"name": 3},
                {"name": 3},
            ]
        },
        {"mergingList": [{"name": 1, "$patch": "delete"}, {"name": 3, "$patch": "delete"}]},
        {"mergingList": [{"name": 2, "value": "a"}]},
    ),
    (
        "preserve the order from the patch in a merging list",
        {"mergingList": [{"name": 1}, {"name": 2, "value": "b"}, {"name": 3}]},
        {
            "mergingList": [
                {"name": 3, "value": "c"},
                {"name": 1, "value": "a"},
                {"name": 2, "other": "x"},
            ]
        },
        {
            "mergingList": [
                {"name": 3, "value": "c"},
                {"name": 1, "value": "a"},
                {"name": 2, "value": "b", "other": "x"},
            ]
        },
    ),
    (
        "preserve the order from the patch in a merging list 2",
        {"mergingList": [{"name": 1}, {"name": 2, "value": "b"}, {"name": 3}]},
        {"mergingList": [{"name": 3, "value": "c"}, {"name": 1, "value": "a"}]},
        {
            "mergingList": [
                {"name": 2, "value": "b"},
                {"name": 3, "value": "c"},
                {"name": 1, "value": "a"},
            ]
        },
    ),
    (
        "preserve the order from the patch in a merging int list",
        {"mergingIntList": [1, 2, 3]},
        {"mergingIntList": [3, 1, 2]},
        {"mergingIntList": [3, 1, 2]},
    ),
    (
        "preserve the order from the patch in a merging int list 2",
        {"mergingIntList": [1, 2, 3]},
        {"mergingIntList": [3, 1]},
        {"mergingIntList": [2, 3, 1]},
    ),
    ("nil original", {}, {"name": 1, "value": 1}, {"name": 1, "value": 1}),
    (
        "add field and delete field from map",
        {"name": 1, "other": "a"},
        {"name": None, "value": 1},
        {"value": 1, "other": "a"},
    ),
    (
        "delete field from nested map",
        {"simpleMap": {"key1": 1, "key2": 1, "other": "a"}},
        {"simpleMap": {"key2": None}},
        {"simpleMap": {"key1": 1, "other": "a"}},
    ),
    (
        "replace list of scalars",
        {"nonMergingIntList": [1, 2]},
        {"nonMergingIntList": [2, 3]},
        {"nonMergingIntList": [2, 3]},
    ),
    (
        "delete all maps from merging list",
        {"mergingList": [{"name": 1}, {"name": 2}]},
        {"mergingList": [{"name": 1, "$patch": "delete"}, {"name": 2, "$patch": "delete"}]},
        {"mergingList": []},
    ),
    (
        "delete items in lists of scalars",
        {"mergingIntList": [1, 2, 3, 4]},
        {"$setElementOrder/mergingIntList": [1, 2], "$deleteFromPrimitiveList/mergingIntList": [3]},
        {"mergingIntList": [1, 2, 4]},
    ),
    (
        "delete all duplicate items in lists of scalars",
        {"mergingIntList": [1, 2, 3, 3, 4]},
        {"$setElementOrder/mergingIntList": [1, 2], "$deleteFromPrimitiveList/mergingIntList": [3]},
        {"mergingIntList": [1, 2, 4]},
    ),
    (
        "add and delete items in lists of scalars",
        {"mergingIntList": [1, 2, 3]},
        {
            "$setElementOrder/mergingIntList": [1, 2, 4],
            "$deleteFromPrimitiveList/mergingIntList": [3],
            "mergingIntList": [4],
        },
        {"mergingIntList": [1, 2, 4]},
    ),
    (
        "merge lists of maps",
        {"mergingList": [{"name": 1, "other": "a"}, {"name": 2, "value": 2, "other": "b"}]},
        {
            "$setElementOrder/mergingList": [{"name": 4}, {"name": 1}, {"name": 2}, {"name": 3}],
            "mergingList": [{"name": 4, "value": 4}, {"name": 3, "value": 3}],
        },
        {
            "mergingList": [
                {"name": 4, "value": 4},
                {"name": 1, "other": "a"},
                {"name": 2, "value": 2, "other": "b"},
                {"name": 3, "value": 3},
            ]
        },
    ),
    (
        "add field to map in merging list",
        {"mergingList": [{"name": 1, "other": "a"}, {"name": 2, "value": 2, "other": "b"}]},
        {
            "$setElementOrder/mergingList": [{"name": 1}, {"name": 2}],
            "mergingList": [{"name": 1, "value": 1}],
        },
        {
            "mergingList": [
                {"name": 1, "other": "a", "value": 1},
                {"name": 2, "value": 2, "other": "b"},
            ]
        },
    ),
    (
        "$setElementOrder contains item that is not present in the list to be merged",
        {"mergingList": [{"name": 1}, {"name": 3}]},
        {
            "$setElementOrder/mergingList": [{"name": 3}, {"name": 2}, {"name": 1}],
            "mergingList": [{"name": 3, "value": 3}, {"name": 1, "value": 1}],
        },
        {"mergingList": [{"name": 3, "value": 3}, {"name": 1, "value": 1}]},
    ),
    (
        "$setElementOrder contains item that is not present in the int list to be merged",
        {"mergingIntList": [1, 3]},
        {"$setElementOrder/mergingIntList": [3, 2, 1]},
        {"mergingIntList": [3, 1]},
    ),
    (
        "retainKeys list can delete a field when no retainKeys directive present",
        {"retainKeysMergingList": [{"name": "bar"}, {"name": "foo", "value": "a"}]},
        {"retainKeysMergingList": [{"name": "foo", "value": None}]},
        {"retainKeysMergingList": [{"name": "bar"}, {"name": "foo"}]},
    ),
]


@pytest.mark.parametrize(
    ("original", "patch", "expected"),
    [case[1:] for case in GO_CASES],
    ids=[case[0] for case in GO_CASES],
)
def test_apimachinery_cases(original: Any, patch: Any, expected: Any) -> None:
    assert smp(original, patch) == expected


@pytest.mark.parametrize(
    ("original", "patch", "message"),
    [
        (
            {"mergingList": [{"name": 1, "value": "a"}]},
            {"mergingList": [{"value": "b"}]},
            'map: {"value":"b"} does not contain declared merge key: name',
        ),
        (
            {"mergingList": [{"name": 1}, {"name": 3}, {"name": 2}]},
            {
                "$setElementOrder/mergingList": [{"name": 1}, {"name": 2}, {"name": 3}],
                "mergingList": [{"name": 3, "value": 3}, {"name": 1, "value": 1}],
            },
            "doesn't match $setElementOrder list",
        ),
        (
            {"mergingIntList": [1, 3, 2]},
            {"$setElementOrder/mergingIntList": [1, 2, 3], "mergingIntList": [3, 1]},
            "doesn't match $setElementOrder list",
        ),
        (
            {"a": {}},
            {"a": {"$patch": "explode"}},
            'Unknown patch type: explode in map: {"$patch":"explode"}',
        ),
        (
            {"mergingList": [{"name": 1}]},
            {"mergingList": [{"$patch": "merge"}]},
            "merging lists cannot yet be specified in the patch",
        ),
        (
            {"mergingList": [{"name": 1}]},
            {"mergingList": [[1]]},
            "lists of lists are not supported",
        ),
        (
            {"mergingList": [{"name": 1}]},
            {"mergingList": ["x"]},
            "list element types are not identical",
        ),
        ({"a": 1, "b": 2}, {"$retainKeys": ["a"], "b": 3}, "invalid patch format of retainKeys"),
        ({}, {"$setElementOrder/x": "no"}, "invalid patch format of setElementOrder list"),
    ],
)
def test_patch_errors(original: Any, patch: Any, message: str) -> None:
    with pytest.raises(PatchError) as caught:
        smp(original, patch)
    assert message in str(caught.value)


PATCH_DEMO = """
apiVersion: apps/v1
kind: Deployment
metadata:
  name: patch-demo
spec:
  replicas: 2
  selector:
    matchLabels:
      app: nginx
  template:
    metadata:
      labels:
        app: nginx
    spec:
      containers:
      - name: patch-demo-ctr
        image: nginx
      tolerations:
      - effect: NoSchedule
        key: dedicated
        value: test-team
"""


def test_kubectl_patch_docs_adding_a_container_merges_by_name() -> None:
    # "Update API Objects in Place Using kubectl patch": the new container is listed
    # first, the existing one is kept.
    (deployment,) = load_manifests(PATCH_DEMO)
    patch = y(
        "spec:\n  template:\n    spec:\n      containers:\n      - name: patch-demo-ctr-2\n        image: redis\n"
    )
    patched = smp(deployment, patch, "Deployment")
    assert patched["spec"]["template"]["spec"]["containers"] == [
        {"name": "patch-demo-ctr-2", "image": "redis"},
        {"name": "patch-demo-ctr", "image": "nginx"},
    ]
    # The same patch as a JSON merge patch replaces the whole list.
    merged = json_merge_patch(deployment, patch)
    assert merged["spec"]["template"]["spec"]["containers"] == [
        {"name": "patch-demo-ctr-2", "image": "redis"}
    ]


def test_kubectl_patch_docs_tolerations_are_replaced() -> None:
    # PodSpec.tolerations has no patchStrategy: the list is replaced, not merged.
    (deployment,) = load_manifests(PATCH_DEMO)
    patch = {
        "spec": {
            "template": {
                "spec": {
                    "tolerations": [{"effect": "NoSchedule", "key": "disktype", "value": "ssd"}]
                }
            }
        }
    }
    patched = smp(deployment, patch, "Deployment")
    assert patched["spec"]["template"]["spec"]["tolerations"] == [
        {"effect": "NoSchedule", "key": "disktype", "value": "ssd"}
    ]


def test_kubectl_patch_docs_retain_keys() -> None:
    deployment = {
        "kind": "Deployment",
        "spec": {"strategy": {"rollingUpdate": {"maxSurge": "30%"}}},
    }
    without = smp(deployment, {"spec": {"strategy": {"type": "Recreate"}}}, "Deployment")
    assert without["spec"]["strategy"] == {"rollingUpdate": {"maxSurge": "30%"}, "type": "Recreate"}
    retained = smp(
        deployment,
        {"spec": {"strategy": {"$retainKeys": ["type"], "type": "Recreate"}}},
        "Deployment",
    )
    assert retained["spec"]["strategy"] == {"type": "Recreate"}


def test_container_fields_merge_by_their_keys() -> None:
    pod = {
        "kind": "Pod",
        "spec": {
            "containers": [
                {
                    "name": "app",
                    "image": "app:v1",
                    "ports": [{"containerPort": 80, "name": "http"}],
                    "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}],
                    "volumeMounts": [{"mountPath": "/data", "name": "data"}],
                    "args": ["--a"],
                }
            ],
            "volumes": [{"name": "data", "emptyDir": {}}],
        },
    }
    patch = {
        "spec": {
            "containers": [
                {
                    "name": "app",
                    "image": "app:v2",
                    "ports": [{"containerPort": 80, "protocol": "TCP"}],
                    "env": [{"name": "B", "$patch": "delete"}, {"name": "A", "value": "9"}],
                    "volumeMounts": [{"mountPath": "/cache", "name": "cache"}],
                    "args": ["--b"],
                }
            ],
            "volumes": [{"name": "cache", "emptyDir": {}}],
        }
    }
    (container,) = smp(pod, patch, "Pod")["spec"]["containers"]
    assert container["image"] == "app:v2"
    assert container["ports"] == [{"containerPort": 80, "name": "http", "protocol": "TCP"}]
    assert container["env"] == [{"name": "A", "value": "9"}]
    assert container["volumeMounts"] == [
        {"mountPath": "/cache", "name": "cache"},
        {"mountPath": "/data", "name": "data"},
    ]
    assert container["args"] == ["--b"]  # args has no patch strategy: replaced


def test_metadata_lists() -> None:
    obj = {
        "kind": "ConfigMap",
        "metadata": {
            "finalizers": ["a", "b"],
            "ownerReferences": [{"uid": "1", "name": "x"}, {"uid": "2", "name": "y"}],
        },
    }
    patched = smp(
        obj,
        {
            "metadata": {
                "finalizers": ["c"],
                "ownerReferences": [{"uid": "2", "controller": True}],
            }
        },
        "ConfigMap",
    )
    assert patched["metadata"]["finalizers"] == ["c", "a", "b"]
    assert patched["metadata"]["ownerReferences"] == [
        {"uid": "1", "name": "x"},
        {"uid": "2", "name": "y", "controller": True},
    ]
    removed = smp(obj, {"metadata": {"$deleteFromPrimitiveList/finalizers": ["a"]}}, "ConfigMap")
    assert removed["metadata"]["finalizers"] == ["b"]
    absent = smp(
        {"metadata": {}}, {"metadata": {"$deleteFromPrimitiveList/finalizers": ["a"]}}, "ConfigMap"
    )
    assert absent == {"metadata": {}}


def test_status_conditions_merge_by_type() -> None:
    node = {
        "kind": "Node",
        "status": {
            "conditions": [
                {"type": "Ready", "status": "False"},
                {"type": "MemoryPressure", "status": "False"},
            ],
            "addresses": [{"type": "InternalIP", "address": "10.0.0.1"}],
        },
    }
    patched = smp(
        node,
        {"status": {"conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady"}]}},
        "Node",
    )
    assert patched["status"]["conditions"] == [
        {"type": "Ready", "status": "True", "reason": "KubeletReady"},
        {"type": "MemoryPressure", "status": "False"},
    ]
    assert patched["status"]["addresses"] == node["status"]["addresses"]


def test_service_ports_merge_by_port() -> None:
    service = {"kind": "Service", "spec": {"ports": [{"port": 80, "targetPort": 9376}]}}
    patched = smp(
        service, {"spec": {"ports": [{"port": 80, "name": "http"}, {"port": 443}]}}, "Service"
    )
    assert patched["spec"]["ports"] == [
        {"port": 80, "targetPort": 9376, "name": "http"},
        {"port": 443},
    ]


def test_null_deletes_and_new_subtrees_hold_no_directives() -> None:
    obj = {"kind": "ConfigMap", "metadata": {"labels": {"a": "1", "b": "2"}}, "data": {"x": "1"}}
    patched = smp(
        obj,
        {
            "metadata": {"labels": {"a": None}, "annotations": {"gone": None, "kept": "v"}},
            "data": None,
        },
        "ConfigMap",
    )
    assert patched == {
        "kind": "ConfigMap",
        "metadata": {"labels": {"b": "2"}, "annotations": {"kept": "v"}},
    }


def test_type_changes_take_the_patch_value() -> None:
    assert smp({"a": {"b": 1}}, {"a": [1]}) == {"a": [1]}
    assert smp({"a": [1]}, {"a": "x"}) == {"a": "x"}
    assert smp({"a": 1}, {"a": {"b": {"c": None}}}) == {"a": {"b": {}}}


def test_result_shares_nothing_with_inputs() -> None:
    original = {
        "kind": "Pod",
        "spec": {"containers": [{"name": "a", "env": [{"name": "X"}]}]},
        "keep": {"k": [1]},
    }
    patch = {"spec": {"containers": [{"name": "b", "resources": {"limits": {"cpu": "1"}}}]}}
    result = smp(original, patch, "Pod")
    assert result["keep"] is not original["keep"]
    for container in result["spec"]["containers"]:
        assert all(container is not c for c in original["spec"]["containers"])
        assert all(container is not c for c in patch["spec"]["containers"])
    new = next(c for c in result["spec"]["containers"] if c["name"] == "b")
    assert new["resources"] is not patch["spec"]["containers"][0]["resources"]


def test_custom_kinds_are_refused() -> None:
    with pytest.raises(PatchError) as caught:
        strategic_merge_patch({"kind": "Widget"}, {}, "Widget")
    assert str(caught.value) == (
        'strategic merge patch is not supported for kind "Widget": '
        "use a JSON merge patch or a JSON patch"
    )
    with pytest.raises(PatchError):
        strategic_merge_patch({}, [], "Pod")  # type: ignore[arg-type]


def test_every_builtin_kind_has_patch_metadata() -> None:
    from kactors.api.kinds import DEFAULT_REGISTRY

    for info in DEFAULT_REGISTRY:
        if info.aggregated:  # metrics.k8s.io: read-only, served by metrics-server
            continue
        assert patch_meta_for_kind(info.kind) is PATCH_META[info.kind]
    assert patch_meta_for_kind("Scale") is PATCH_META["Scale"]


scalars = st.none() | st.booleans() | st.integers() | st.text(max_size=3)
maps_without_lists = st.recursive(
    scalars,
    lambda children: st.dictionaries(st.text("abc", min_size=1, max_size=2), children, max_size=3),
    max_leaves=10,
)


@settings(max_examples=30, derandomize=True)
@given(
    st.dictionaries(st.text("abc", min_size=1, max_size=2), maps_without_lists, max_size=3),
    st.dictionaries(st.text("abc", min_size=1, max_size=2), maps_without_lists, max_size=3),
)
def test_without_lists_a_strategic_merge_is_a_json_merge(original: Any, patch: Any) -> None:
    assert smp(original, patch) == json_merge_patch(original, patch)
