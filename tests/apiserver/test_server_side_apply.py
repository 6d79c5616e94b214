"""Server-side apply through the apiserver actor: managedFields, pruning, conflicts, force,
ownership moved by other writers, the status subresource, and a CRD's map list."""

from __future__ import annotations

from typing import Any

import pytest

from kactors.api.fieldpaths import decode_fields
from kactors.api.kinds import DEFAULT_REGISTRY, resource_infos_from_crd
from kactors.client.client import ApiClient
from kactors.client.errors import BadRequest, Conflict, Invalid

from .conftest import Env, configmap, control_plane, deployment
from .test_crd import established

APPLY = "application/apply-patch+yaml"


def managers(obj: dict[str, Any]) -> dict[tuple[str, str, str], frozenset[Any]]:
    """(manager, operation, subresource) -> the set of fields it owns."""
    return {(e["manager"], e["operation"], e.get("subresource", "")): decode_fields(e["fieldsV1"])
            for e in obj["metadata"].get("managedFields") or []}


def owns(obj: dict[str, Any], manager: str, *path: str, operation: str = "Apply",
         subresource: str = "") -> bool:
    return tuple(path) in managers(obj).get((manager, operation, subresource), frozenset())


async def test_apply_creates_then_updates_and_prunes(env: Env, autojump_clock: Any) -> None:
    created = await env.call(lambda c: c.apply(
        configmap("settings", a="1", b="2"), field_manager="tool"))
    assert created["data"] == {"a": "1", "b": "2"} and created["metadata"]["uid"]
    [entry] = created["metadata"]["managedFields"]
    assert entry["manager"] == "tool" and entry["operation"] == "Apply"
    assert entry["apiVersion"] == "v1" and entry["fieldsType"] == "FieldsV1"
    assert entry["fieldsV1"] == {"f:data": {"f:a": {}, "f:b": {}}}
    # re-applied without b, with c: b (applied by tool before, nobody else's) goes
    updated = await env.call(lambda c: c.apply(configmap("settings", a="1", c="3"),
                                               field_manager="tool"))
    assert updated["data"] == {"a": "1", "c": "3"}
    assert updated["metadata"]["managedFields"][0]["fieldsV1"] == {
        "f:data": {"f:a": {}, "f:c": {}}}
    # the same configuration again changes nothing: no write
    again = await env.call(lambda c: c.apply(configmap("settings", a="1", c="3"),
                                             field_manager="tool"))
    assert again["metadata"]["resourceVersion"] == updated["metadata"]["resourceVersion"]
    # objects never applied carry no managedFields
    plain = await env.call(lambda c: c.create(configmap("plain", x="1")))
    assert "managedFields" not in plain["metadata"]


async def test_fields_another_manager_owns_are_not_pruned(env: Env,
                                                          autojump_clock: Any) -> None:
    await env.call(lambda c: c.apply(configmap("shared", a="1", b="2"), field_manager="one"))
    both = await env.call(lambda c: c.apply(configmap("shared", b="2"), field_manager="two"))
    assert owns(both, "one", "f:data", "f:b") and owns(both, "two", "f:data", "f:b")
    # one stops applying b: two still owns it, so it stays
    after = await env.call(lambda c: c.apply(configmap("shared", a="1"), field_manager="one"))
    assert after["data"] == {"a": "1", "b": "2"}
    assert not owns(after, "one", "f:data", "f:b") and owns(after, "two", "f:data", "f:b")


async def test_two_managers_conflict_and_force_takes_ownership(env: Env,
                                                               autojump_clock: Any) -> None:
    await env.call(lambda c: c.apply(deployment("web", replicas=2), field_manager="deployer"))
    with pytest.raises(Conflict) as caught:
        await env.call(lambda c: c.apply(deployment("web", replicas=5), field_manager="hpa"))
    assert str(caught.value) == \
        'Apply failed with 1 conflict: conflict with "deployer": .spec.replicas'
    assert caught.value.causes == [{"type": "FieldManagerConflict",
                                    "message": 'conflict with "deployer"',
                                    "field": ".spec.replicas"}]
    assert caught.value.status["details"]["name"] == "web"
    [logged] = env.logs("apply.conflict")
    assert logged["object"] == "Deployment/web" and logged["manager"] == "hpa"
    assert logged["fields"] == [".spec.replicas"]
    stored = await env.call(lambda c: c.get("deployments", "web"))
    assert stored["spec"]["replicas"] == 2
    forced = await env.call(lambda c: c.apply(deployment("web", replicas=5),
                                              field_manager="hpa", force=True))
    assert forced["spec"]["replicas"] == 5
    assert owns(forced, "hpa", "f:spec", "f:replicas")
    assert not owns(forced, "deployer", "f:spec", "f:replicas")
    # both still own the (equal) image: shared ownership is no conflict
    container = ("f:spec", "f:template", "f:spec", "f:containers", 'k:{"name":"app"}',
                 "f:image")
    assert owns(forced, "deployer", *container) and owns(forced, "hpa", *container)


async def test_an_update_by_another_client_moves_ownership(env: Env,
                                                           autojump_clock: Any) -> None:
    await env.call(lambda c: c.apply(deployment("api", replicas=1), field_manager="deployer"))
    # a scale through the subresource, by a client without fieldManager: its user's name
    scaled = await env.call(lambda c: c.scale("deployments", "api", 4))
    assert scaled["spec"]["replicas"] == 4
    stored = await env.call(lambda c: c.get("deployments", "api"))
    assert owns(stored, "admin", "f:spec", "f:replicas", operation="Update",
                subresource="scale")
    assert not owns(stored, "deployer", "f:spec", "f:replicas")
    with pytest.raises(Conflict, match=r'^Apply failed with 1 conflict: conflict with "admin" '
                                       r'with subresource "scale" using apps/v1: '
                                       r'\.spec\.replicas$'):
        await env.call(lambda c: c.apply(deployment("api", replicas=1),
                                         field_manager="deployer"))
    # a merge patch with a fieldManager: the label it adds is that manager's
    patched = await env.call(lambda c: c.request(
        "patch", c.info("deployments"), namespace="default", name="api",
        body={"metadata": {"labels": {"team": "x"}}},
        options={"patchType": "application/merge-patch+json", "fieldManager": "labeler"}))
    assert owns(patched, "labeler", "f:metadata", "f:labels", "f:team", operation="Update")
    # a client cannot store managedFields that break the rules
    bad = {**patched, "metadata": {**patched["metadata"], "managedFields": [
        {"manager": "x", "operation": "Delete", "fieldsType": "FieldsV1",
         "fieldsV1": {"f:spec": {"f:replicas": {}}}}]}}
    with pytest.raises(Invalid, match=r"metadata\.managedFields\[0\]\.operation"):
        await env.call(lambda c: c.update(bad))
    # ... and undecodable ones are ignored: the live ones stay
    garbage = {**patched, "metadata": {**patched["metadata"], "managedFields": [
        {"manager": "x", "operation": "Update", "fieldsV1": {"nonsense": 1}}]}}
    kept = await env.call(lambda c: c.update(garbage))
    assert managers(kept) == managers(patched)
    # managedFields: [{}] resets them (Kubernetes' documented way): no longer tracked
    cleared = await env.call(lambda c: c.patch("deployments", "api", {
        "metadata": {"managedFields": [{}]}}))
    assert "managedFields" not in cleared["metadata"]
    relabeled = await env.call(lambda c: c.patch("deployments", "api", {
        "metadata": {"labels": {"team": "y"}}}))
    assert "managedFields" not in relabeled["metadata"]


async def test_apply_options_and_configurations_are_checked(env: Env,
                                                             autojump_clock: Any) -> None:
    with pytest.raises(Invalid) as caught:
        await env.call(lambda c: c.request("patch", c.info("configmaps"), namespace="default",
                                           name="x", body=configmap("x"),
                                           options={"patchType": APPLY}))
    assert str(caught.value) == ('PatchOptions.meta.k8s.io "" is invalid: fieldManager: '
                                 'Required value: is required for apply patch')
    await env.call(lambda c: c.create(configmap("x")))
    with pytest.raises(Invalid, match="force: Forbidden: may not be specified for non-apply"):
        await env.call(lambda c: c.request(
            "patch", c.info("configmaps"), namespace="default", name="x", body={},
            options={"patchType": "application/merge-patch+json", "force": "true"}))
    nameless = deployment("nameless")
    del nameless["spec"]["template"]["spec"]["containers"][0]["name"]
    with pytest.raises(BadRequest, match=r'^failed to create typed patch object '
                                         r'\(default/nameless; apps/v1, Kind=Deployment\): '
                                         r'associative list .* omits key field "name"'):
        await env.call(lambda c: c.apply(nameless, field_manager="tool"))
    with pytest.raises(BadRequest, match="^metadata.managedFields must be nil$"):
        await env.call(lambda c: c.apply({**configmap("x"), "metadata": {
            "name": "x", "managedFields": []}}, field_manager="tool"))


async def test_status_apply(env: Env, autojump_clock: Any) -> None:
    await env.call(lambda c: c.apply(deployment("db"), field_manager="deployer"))
    status = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "db"},
              "status": {"replicas": 1, "conditions": [
                  {"type": "Available", "status": "True"}]}}
    applied = await env.call(lambda c: c.apply(status, field_manager="ctrl",
                                               subresource="status"))
    assert applied["status"]["replicas"] == 1
    cond = ("f:status", "f:conditions", 'k:{"type":"Available"}', "f:status")
    assert owns(applied, "ctrl", *cond, subresource="status")
    assert owns(applied, "deployer", "f:spec", "f:replicas")  # untouched
    # a second controller's condition merges by type beside the first one's
    other = {**status, "status": {"conditions": [{"type": "Progressing", "status": "True"}]}}
    merged = await env.call(lambda c: c.apply(other, field_manager="ctrl2",
                                              subresource="status"))
    assert [c["type"] for c in merged["status"]["conditions"]] == ["Available", "Progressing"]
    with pytest.raises(Conflict, match=r'conflict with "ctrl" with subresource "status": '
                                       r'\.status\.replicas'):
        await env.call(lambda c: c.apply({**status, "status": {"replicas": 3}},
                                         field_manager="ctrl2", subresource="status"))


CRD: dict[str, Any] = {
    "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
    "metadata": {"name": "gateways.example.com"},
    "spec": {"group": "example.com", "scope": "Namespaced",
             "names": {"plural": "gateways", "singular": "gateway", "kind": "Gateway"},
             "versions": [{"name": "v1", "served": True, "storage": True, "schema": {
                 "openAPIV3Schema": {"type": "object", "properties": {"spec": {
                     "type": "object", "properties": {
                         "listeners": {"type": "array", "x-kubernetes-list-type": "map",
                                       "x-kubernetes-list-map-keys": ["name"],
                                       "items": {"type": "object", "properties": {
                                           "name": {"type": "string"},
                                           "port": {"type": "integer"}}}},
                         "hosts": {"type": "array", "items": {"type": "string"}}}}}}}}]},
}


def gateway(listeners: list[dict[str, Any]], hosts: list[str] | None = None
            ) -> dict[str, Any]:
    spec: dict[str, Any] = {"listeners": listeners}
    if hosts is not None:
        spec["hosts"] = hosts
    return {"apiVersion": "example.com/v1", "kind": "Gateway", "metadata": {"name": "gw"},
            "spec": spec}


async def test_a_crd_map_list_merges_by_key(autojump_clock: Any) -> None:
    registry = DEFAULT_REGISTRY.with_resources(*resource_infos_from_crd(CRD))
    async with control_plane() as env:
        await env.call(lambda c: c.create(CRD))
        await established(env, "gateways.example.com")

        async def apply(obj: dict[str, Any], manager: str) -> Any:
            async def run(ctx: Any) -> Any:
                client = ApiClient(ctx, env.plane.apiserver, env.plane.admin_token,
                                   registry=registry)
                return await client.apply(obj, field_manager=manager)
            return await env.run(run)

        await apply(gateway([{"name": "http", "port": 80}], ["a.example"]), "team-a")
        both = await apply(gateway([{"name": "https", "port": 443}]), "team-b")
        assert both["spec"]["listeners"] == [{"name": "http", "port": 80},
                                             {"name": "https", "port": 443}]
        assert owns(both, "team-b", "f:spec", "f:listeners", 'k:{"name":"https"}')
        # hosts is atomic (the schema says nothing): replaced whole, owned as one field
        assert owns(both, "team-a", "f:spec", "f:hosts")
        with pytest.raises(Conflict, match=r"\.spec\.hosts$"):
            await apply(gateway([{"name": "https", "port": 443}], ["b.example"]), "team-b")
        # team-a drops its listener: only its own item goes
        pruned = await apply(gateway([], ["a.example"]), "team-a")
        assert pruned["spec"]["listeners"] == [{"name": "https", "port": 443}]
