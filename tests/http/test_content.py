"""Content negotiation, body decoding, the protobuf kubectl's typed clients send, watch
framing and discovery documents: all sans-I/O."""

from __future__ import annotations

import base64
import json

import pytest
from protowire import envelope, msg

from kactors.api import status as st
from kactors.api.kinds import DEFAULT_REGISTRY, resource_infos_from_crd
from kactors.apiserver.http import discovery, protobuf
from kactors.apiserver.http.content import PARTIAL, PLAIN, TABLE, decode_body, negotiate
from kactors.apiserver.http.watch import encode_event, encode_events
from kactors.apiserver.messages import ApiWatchEvent


@pytest.mark.parametrize(("accept", "expected"), [
    (None, PLAIN), ("", PLAIN), ("application/json", PLAIN), ("*/*", PLAIN),
    ("application/vnd.kubernetes.protobuf,application/json", PLAIN),
    ("application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;"
     "g=meta.k8s.io,application/json", TABLE),
    ("application/json; as=Table; g=meta.k8s.io; v=v1beta1", TABLE),
    ("application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1", PARTIAL),
    ("application/json;as=Table;g=other.io;v=v1,application/json", PLAIN),
    ("application/vnd.kubernetes.protobuf;as=Table;g=meta.k8s.io;v=v1,application/json",
     PLAIN),
])
def test_negotiation(accept: str | None, expected: str) -> None:
    assert negotiate(accept) == expected


def status_error(verb: str, content_type: str | None, data: bytes) -> dict:
    with pytest.raises(st.StatusError) as error:
        decode_body(verb, content_type, data)
    return error.value.status


def test_bodies() -> None:
    assert decode_body("create", "application/json; charset=utf-8", b'{"a": 1}') == (
        {"a": 1}, {})
    assert decode_body("update", "application/yaml", b"a: 1\n") == ({"a": 1}, {})
    assert decode_body("patch", "application/strategic-merge-patch+json", b"{}") == (
        {}, {"patchType": "application/strategic-merge-patch+json"})
    assert decode_body("delete", "application/json", b'{"propagationPolicy": "Orphan"}') == (
        None, {"body": {"propagationPolicy": "Orphan"}})
    assert decode_body("delete", None, b"") == (None, {})
    assert decode_body("get", None, b"ignored") == (None, {})
    assert status_error("create", "application/json", b"{nope")["code"] == 400
    assert status_error("create", "application/json", b"")["code"] == 400
    assert status_error("create", "application/yaml", b"a: [")["code"] == 400
    assert status_error("create", "text/plain", b"{}")["code"] == 415
    assert status_error("patch", "application/json", b"{}")["code"] == 415
    # server-side apply: YAML (or JSON, which YAML reads)
    assert decode_body("patch", "application/apply-patch+yaml", b"kind: Pod\n") == (
        {"kind": "Pod"}, {"patchType": "application/apply-patch+yaml"})
    assert status_error("patch", "application/apply-patch+yaml", b"a: [")["code"] == 400
    assert status_error("patch", "application/merge-patch+json", b"[1,")["code"] == 400
    deep = b"[" * 100_000 + b"]" * 100_000
    assert status_error("create", "application/json", deep)["code"] == 400


# -- protobuf ----------------------------------------------------------------------------------

def test_protobuf_self_subject_access_review() -> None:
    attributes = msg(1, "default") + msg(2, "create") + msg(5, "pods")
    raw = msg(1, b"") + msg(2, msg(1, attributes))
    body = envelope("authorization.k8s.io/v1", "SelfSubjectAccessReview", raw)
    decoded, extra = decode_body("create", "application/vnd.kubernetes.protobuf", body)
    assert decoded == {"apiVersion": "authorization.k8s.io/v1",
                       "kind": "SelfSubjectAccessReview", "metadata": {},
                       "spec": {"resourceAttributes": {"namespace": "default",
                                                       "verb": "create",
                                                       "resource": "pods"}}}


def test_protobuf_secret_and_configmap_maps() -> None:
    meta = msg(1, "s") + msg(11, msg(1, "app") + msg(2, "web"))
    raw = msg(1, meta) + msg(2, msg(1, "k") + msg(2, b"\x00\x01")) + msg(3, "Opaque")
    decoded = protobuf.decode(envelope("v1", "Secret", raw))
    assert decoded == {"apiVersion": "v1", "kind": "Secret",
                       "metadata": {"name": "s", "labels": {"app": "web"}},
                       "data": {"k": base64.b64encode(b"\x00\x01").decode()},
                       "type": "Opaque"}


def test_protobuf_refusals() -> None:
    assert protobuf.decode(envelope("storage.k8s.io/v1", "StorageClass", b"")) is None
    typed = "application/vnd.kubernetes.protobuf"
    unread = envelope("storage.k8s.io/v1", "StorageClass", b"")
    assert status_error("create", typed, unread)["code"] == 415
    assert status_error("create", typed, b"k8s\x00\x0a\xff")["code"] == 400
    assert status_error("create", typed, b"not protobuf")["code"] == 400


# -- watch framing -----------------------------------------------------------------------------

def test_watch_events_are_json_lines() -> None:
    line = encode_event("ADDED", {"kind": "Pod", "metadata": {"name": "a"}})
    assert line == b'{"type":"ADDED","object":{"kind":"Pod","metadata":{"name":"a"}}}\n'
    events = [ApiWatchEvent(1, "ADDED", {"n": 1}, 1), ApiWatchEvent(1, "DELETED", {"n": 2}, 2)]
    lines = encode_events(events).splitlines()
    assert [json.loads(x)["type"] for x in lines] == ["ADDED", "DELETED"]
    shown = encode_events(events, lambda kind, obj: {"kind": "Table", "n": obj["n"]})
    assert [json.loads(x)["object"] for x in shown.splitlines()] == [
        {"kind": "Table", "n": 1}, {"kind": "Table", "n": 2}]


# -- discovery ---------------------------------------------------------------------------------

def test_discovery_short_names_and_scopes() -> None:
    resources = {r["name"]: r for gv in (("", "v1"), ("apps", "v1"),
                                         ("apiextensions.k8s.io", "v1"))
                 for r in discovery.resource_list(DEFAULT_REGISTRY, *gv)["resources"]}
    short = {name: r.get("shortNames") for name, r in resources.items() if "/" not in name}
    for name, expected in {"pods": "po", "deployments": "deploy", "replicasets": "rs",
                           "services": "svc", "endpoints": "ep", "nodes": "no",
                           "namespaces": "ns", "configmaps": "cm",
                           "serviceaccounts": "sa", "daemonsets": "ds",
                           "statefulsets": "sts", "customresourcedefinitions": "crd"}.items():
        assert expected in short[name], name
    assert resources["nodes"]["namespaced"] is False
    assert resources["pods/log"]["verbs"] == ["get"]
    assert "all" in resources["deployments"]["categories"]
    assert discovery.resource_list(DEFAULT_REGISTRY, "apps", "v9") is None
    assert discovery.api_group(DEFAULT_REGISTRY, "") is None


def test_discovery_includes_custom_resources() -> None:
    crd = {"spec": {"group": "example.com", "scope": "Namespaced",
                    "names": {"plural": "websites", "kind": "Website",
                              "shortNames": ["ws"], "categories": ["all"]},
                    "versions": [{"name": "v1beta1", "served": True},
                                 {"name": "v1", "served": True, "storage": True}]}}
    registry = DEFAULT_REGISTRY.with_resources(*resource_infos_from_crd(crd))
    group = discovery.api_group(registry, "example.com")
    assert group["preferredVersion"]["version"] == "v1"
    assert [v["version"] for v in group["versions"]] == ["v1", "v1beta1"]
    names = [g["name"] for g in discovery.api_group_list(registry)["groups"]]
    assert names[-1] == "example.com" and "apps" in names
    website = discovery.resource_list(registry, "example.com", "v1")["resources"][0]
    assert (website["shortNames"], website["categories"]) == (["ws"], ["all"])
