"""fieldValidation's pure parts: which patches can add an unknown field, how a patch's
refusal reads (as kube-apiserver's patch handler words it)."""

from __future__ import annotations

import pytest

from kactors.api import status as st
from kactors.api.kinds import DEFAULT_REGISTRY
from kactors.apiserver.http import fieldvalidation as fv
from kactors.apiserver.http.openapi import openapi_v3_group

APPS = openapi_v3_group(DEFAULT_REGISTRY, "apps", "v1")
SMP = "application/strategic-merge-patch+json"


def test_the_mode_defaults_to_warn_and_other_values_are_refused() -> None:
    assert fv.mode_of({}) == "Warn"
    assert fv.mode_of({"fieldValidation": "Strict"}) == "Strict"
    with pytest.raises(st.StatusError) as caught:
        fv.mode_of({"fieldValidation": "strict"})
    assert caught.value.status["code"] == 400


def test_only_patches_that_may_add_an_unknown_field_need_the_current_object() -> None:
    def may(patch, patch_type=SMP):
        return fv.patch_may_add_fields(APPS, "apps/v1", "Deployment", patch, patch_type)

    assert not may({"spec": {"replicas": 3}})
    assert not may({"spec": {"template": {"spec": {
        "$setElementOrder/containers": [{"name": "c"}],
        "containers": [{"name": "c", "image": "x", "$patch": "merge"}]}}}})
    assert not may({"metadata": {"labels": {"a": None}}, "bogus": None})  # deletes only
    assert may({"spec": {"template": {"spec": {"containers": [{"name": "c", "imagee": "x"}]}}}})
    assert not may([{"op": "remove", "path": "/spec/paused"}], "application/json-patch+json")
    assert may([{"op": "add", "path": "/x", "value": 1}], "application/json-patch+json")


def test_only_unknown_fields_the_patch_brings_count() -> None:
    current = {"apiVersion": "apps/v1", "kind": "Deployment", "spec": {"old": 1}}
    patched = {**current, "spec": {"old": 1, "new": 2, "replicas": 1}}
    assert fv.patched_unknown_fields(APPS, current, patched) == ["spec.new"]


def test_a_strict_patch_refusal_reads_as_kubernetes_says_it() -> None:
    patch = {"spec": {"b": [1, None], "a": {"x": True}}}
    assert fv.go_value(patch) == "map[spec:map[a:map[x:true] b:[1 <nil>]]]"
    status = fv.strict_patch_error(SMP, patch, None, ["spec.b"])
    assert status["code"] == 422 and status["reason"] == "Invalid"
    assert status["message"] == (
        ' "" is invalid: patch: Invalid value: "map[spec:map[a:map[x:true] b:[1 <nil>]]]": '
        'strict decoding error: unknown field "spec.b"')
    merged = fv.strict_patch_error("application/merge-patch+json", patch, {"spec": {"b": 1}},
                                   ["spec.b"])
    assert '"{\\"spec\\":{\\"b\\":1}}"' in merged["message"]
