"""Pod defaulting and validation remember the specs they saw: same answers, no sharing."""

from __future__ import annotations

import copy
from typing import Any

from kactors.api.defaults import apply_defaults
from kactors.api.kinds import DEFAULT_REGISTRY
from kactors.api.objvalidation import validate_create
from kactors.api.quantity import Quantity

PODS = DEFAULT_REGISTRY.by_resource("pods", "")


def pod(name: str, **spec: Any) -> dict[str, Any]:
    body = {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": "default"},
            "spec": {"containers": [{"name": "c", "image": "nginx:1.27",
                                     "resources": {"limits": {"cpu": "0.5"}}}]}}
    body["spec"].update(spec)
    return body


def test_defaults_of_a_repeated_spec_are_equal_and_not_shared() -> None:
    first = apply_defaults(pod("a"))
    second = apply_defaults(pod("b"))
    assert first["spec"] == second["spec"]
    assert first["spec"]["containers"][0]["resources"]["requests"] == {"cpu": "500m"}
    assert first["spec"]["containers"][0] is not second["spec"]["containers"][0]
    second["spec"]["containers"][0]["image"] = "changed"
    assert apply_defaults(pod("c"))["spec"]["containers"][0]["image"] == "nginx:1.27"


def test_defaults_in_place_keep_the_spec_and_tell_mirror_pods_apart() -> None:
    body = pod("a")
    apply_defaults(pod("warm"))  # the spec is known now
    spec = body["spec"]
    assert apply_defaults(body, copy=False) is body and body["spec"] is spec
    assert spec["serviceAccountName"] == "default"
    mirror = pod("m")
    mirror["metadata"]["annotations"] = {"kubernetes.io/config.mirror": "x"}
    assert "serviceAccountName" not in apply_defaults(mirror)["spec"]
    assert apply_defaults(pod("a"), create=False)["spec"].get("serviceAccountName") is None


def test_validation_of_a_repeated_spec_gives_the_same_errors() -> None:
    bad = apply_defaults(pod("a", restartPolicy="Sometimes"))
    errors = validate_create(bad, PODS)
    assert [e.field for e in errors] == ["spec.restartPolicy"]
    errors.clear()  # the caller's list: the remembered answer is not touched
    again = validate_create(copy.deepcopy(bad), PODS)
    assert [e.field for e in again] == ["spec.restartPolicy"]
    good = apply_defaults(pod("b"))
    assert validate_create(good, PODS) == []
    # the metadata is checked every time, the spec answer is remembered
    bad_name = apply_defaults(pod("B"))
    assert [e.field for e in validate_create(bad_name, PODS)] == ["metadata.name"]


def test_validation_tells_types_apart() -> None:
    """bool is not int and a tuple is not a list, though they compare equal."""
    as_int = apply_defaults(pod("a", activeDeadlineSeconds=1))
    as_bool = apply_defaults(pod("a", activeDeadlineSeconds=True))
    assert validate_create(as_int, PODS) == []
    assert [e.field for e in validate_create(as_bool, PODS)] == ["spec.activeDeadlineSeconds"]


def test_parsed_quantities_are_shared_values() -> None:
    assert Quantity.parse("100m") is Quantity.parse("100m")
    assert Quantity.parse("100m").milli_value() == 100
