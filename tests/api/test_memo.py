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


def token_volume(name: str) -> dict[str, Any]:
    return {"name": name, "projected": {"defaultMode": 420, "sources": [
        {"serviceAccountToken": {"path": "token", "expirationSeconds": 3607}}]}}


def with_token(name: str, volume: str, mount: str | None = None,
               extra: list[dict[str, Any]] = ()) -> dict[str, Any]:
    body = pod(name, volumes=[token_volume(volume), *extra])
    body["spec"]["containers"][0]["volumeMounts"] = [{
        "name": mount or volume, "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount",
        "readOnly": True}]
    return apply_defaults(body)


def test_pods_differing_in_their_token_volume_name_share_one_validation(monkeypatch) -> None:
    """ServiceAccount admission names each pod's token volume at random; the spec answer
    is still remembered across the pods of one template."""
    import kactors.api.validate_pod as vp
    calls = []
    real = vp.validate_pod_spec
    monkeypatch.setattr(vp, "validate_pod_spec",
                        lambda *args, **kwargs: calls.append(1) or real(*args, **kwargs))
    for suffix in ("bcdfg", "hjklm", "npqrs"):
        assert validate_create(with_token("p", f"kube-api-access-{suffix}"), PODS) == []
    assert len(calls) == 1


def test_renamed_token_volume_still_fails_what_the_real_one_fails() -> None:
    valid = with_token("p", "kube-api-access-bcdfg")
    assert validate_create(valid, PODS) == []  # remembered now
    dangling = with_token("p", "kube-api-access-hjklm", mount="kube-api-access-xxxxx")
    assert [e.field for e in validate_create(dangling, PODS)] == \
        ["spec.containers[0].volumeMounts[0].name"]
    # the fixed name the memo uses is taken by a mount of a volume that does not exist
    taken = with_token("p", "kube-api-access-hjklm", mount="kube-api-access-00000")
    assert [e.field for e in validate_create(taken, PODS)] == \
        ["spec.containers[0].volumeMounts[0].name"]
    twice = with_token("p", "kube-api-access-hjklm",
                       extra=[token_volume("kube-api-access-hjklm")])
    assert [e.field for e in validate_create(twice, PODS)] == ["spec.volumes[1].name"]
    bad_format = with_token("p", "kube-api-access-BCDFG")
    assert "spec.volumes[0].name" in [e.field for e in validate_create(bad_format, PODS)]


def test_remembered_labels_do_not_vouch_for_new_ones() -> None:
    """Label keys and values are remembered once accepted, each on its own: a known key
    with a bad value, or a known value under a bad key, is still refused."""

    def labelled(name: str, labels: dict[str, str]) -> dict[str, Any]:
        body = apply_defaults(pod(name))
        body["metadata"]["labels"] = labels
        return body

    assert validate_create(labelled("a", {"app": "web", "tier": "front"}), PODS) == []
    assert validate_create(labelled("b", {"app": "web", "tier": "front"}), PODS) == []
    for labels, wrong in (({"app": "-web"}, "-web"), ({"-tier": "front"}, "-tier")):
        errors = validate_create(labelled("c", labels), PODS)
        assert [(str(error.field), error.bad_value) for error in errors] == [
            ("metadata.labels", wrong)]
