"""CustomResourceDefinitions: served once created (Established), schema-validated, pruned
and defaulted; deleting the CRD stops serving it and removes its objects."""

from __future__ import annotations

from typing import Any

import pytest
import trio

from kactors.api.kinds import DEFAULT_REGISTRY, resource_infos_from_crd
from kactors.client.client import ApiClient
from kactors.client.errors import Invalid, NotFound, UnsupportedMediaType

from .conftest import Env, control_plane, names, settle

CRD: dict[str, Any] = {
    "apiVersion": "apiextensions.k8s.io/v1",
    "kind": "CustomResourceDefinition",
    "metadata": {"name": "websites.example.com"},
    "spec": {
        "group": "example.com",
        "scope": "Namespaced",
        "names": {"plural": "websites", "singular": "website", "kind": "Website",
                  "shortNames": ["ws"]},
        "versions": [{
            "name": "v1", "served": True, "storage": True,
            "subresources": {"status": {}},
            "schema": {"openAPIV3Schema": {
                "type": "object",
                "properties": {
                    "spec": {
                        "type": "object",
                        "required": ["image"],
                        "properties": {
                            "replicas": {"type": "integer", "minimum": 0, "default": 1},
                            "image": {"type": "string"},
                            "tier": {"type": "string", "enum": ["web", "api"]},
                        },
                    },
                    "status": {"type": "object",
                               "properties": {"ready": {"type": "integer"}}},
                },
            }},
        }],
    },
}
REGISTRY = DEFAULT_REGISTRY.with_resources(*resource_infos_from_crd(CRD))


def website(name: str, **spec: Any) -> dict[str, Any]:
    return {"apiVersion": "example.com/v1", "kind": "Website", "metadata": {"name": name},
            "spec": {"image": "nginx:1.25", **spec}}


async def call(env: Env, fn: Any) -> Any:
    """`fn(client)` with a client that knows the Website kind."""
    plane = env.plane

    async def run(ctx: Any) -> Any:
        return await fn(ApiClient(ctx, plane.apiserver, plane.admin_token, registry=REGISTRY))

    return await env.run(run)


async def established(env: Env, name: str = "websites.example.com") -> dict[str, Any]:
    for _ in range(50):
        crd = await env.call(lambda c: c.get("customresourcedefinitions", name))
        conditions = (crd.get("status") or {}).get("conditions") or []
        if any(c["type"] == "Established" and c["status"] == "True" for c in conditions):
            return crd
        await trio.sleep(0.1)
    raise AssertionError(f"{name} never became Established")


@pytest.fixture
async def crd_env(autojump_clock: Any) -> Any:
    async with control_plane() as env:
        await env.call(lambda c: c.create(CRD))
        await established(env)
        yield env


async def test_a_crd_becomes_established_and_is_served(autojump_clock: Any) -> None:
    async with control_plane() as env:
        with pytest.raises(NotFound, match="^the server could not find the requested resource$"):
            await call(env, lambda c: c.list("websites"))
        created = await env.call(lambda c: c.create(CRD))
        assert created["metadata"]["name"] == "websites.example.com"
        crd = await established(env)
        conditions = {c["type"]: c for c in crd["status"]["conditions"]}
        assert conditions["Established"]["status"] == "True"
        assert conditions["NamesAccepted"]["status"] == "True"
        assert crd["status"]["acceptedNames"]["kind"] == "Website"
        assert crd["status"]["storedVersions"] == ["v1"]
        assert crd["metadata"]["generation"] == 1  # status writes leave generation alone
        listed = await call(env, lambda c: c.list("websites"))
        assert listed["kind"] == "WebsiteList" and listed["apiVersion"] == "example.com/v1"
        assert listed["items"] == []


async def test_custom_objects_create_get_list_watch(crd_env: Env, autojump_clock: Any) -> None:
    env = crd_env
    watch = await env.collector()
    await call(env, lambda c: c.watch("websites", watcher=watch.ref, bookmarks=False))
    created = await call(env, lambda c: c.create(website("blog", replicas=3)))
    assert created["kind"] == "Website" and created["apiVersion"] == "example.com/v1"
    assert created["metadata"]["uid"] and created["metadata"]["generation"] == 1
    assert created["spec"] == {"image": "nginx:1.25", "replicas": 3}
    got = await call(env, lambda c: c.get("websites", "blog"))
    assert got == created
    assert names(await call(env, lambda c: c.list("websites"))) == ["blog"]
    assert names(await call(env, lambda c: c.list("ws", all_namespaces=True))) == ["blog"]
    patched = await call(env, lambda c: c.patch("websites", "blog", {"spec": {"replicas": 5}}))
    assert patched["spec"]["replicas"] == 5 and patched["metadata"]["generation"] == 2
    status = await call(env, lambda c: c.patch("websites", "blog", {"status": {"ready": 5}},
                                               subresource="status"))
    assert status["status"] == {"ready": 5} and status["metadata"]["generation"] == 2
    await call(env, lambda c: c.delete("websites", "blog"))
    await settle()
    assert watch.changes() == [("ADDED", "blog"), ("MODIFIED", "blog"), ("MODIFIED", "blog"),
                               ("DELETED", "blog")]
    # stored where Kubernetes stores custom resources
    stored = await env.store(lambda s: s.range("/registry/example.com/websites/",
                                               "/registry/example.com/websites0"))
    assert list(stored.kvs) == []


async def test_unknown_fields_are_pruned_and_defaults_applied(
        crd_env: Env, autojump_clock: Any) -> None:
    body = website("shop", extra="dropped")
    body["junk"] = {"a": 1}
    created = await call(crd_env, lambda c: c.create(body))
    assert created["spec"] == {"image": "nginx:1.25", "replicas": 1}
    assert "junk" not in created
    updated = await call(crd_env, lambda c: c.update({**created, "spec": {
        "image": "nginx:2", "more": "dropped"}}))
    assert updated["spec"] == {"image": "nginx:2", "replicas": 1}


async def test_schema_violations_are_422_with_causes(crd_env: Env, autojump_clock: Any) -> None:
    cases = [
        (website("a", replicas=-1), ["spec.replicas"]),
        (website("b", replicas="three"), ["spec.replicas"]),
        (website("c", tier="db"), ["spec.tier"]),
        ({**website("d"), "spec": {"replicas": 2}}, ["spec.image"]),
    ]
    for body, expected in cases:
        with pytest.raises(Invalid) as caught:
            await call(crd_env, lambda c, body=body: c.create(body))
        error = caught.value
        assert error.code == 422
        assert [cause["field"] for cause in error.causes] == expected
        assert error.status["details"]["group"] == "example.com"
        assert error.status["details"]["kind"] == "Website"
    with pytest.raises(Invalid) as caught:
        await call(crd_env, lambda c: c.create(website("a", replicas=-1)))
    assert caught.value.status["message"] == (
        'Website.example.com "a" is invalid: spec.replicas: Invalid value: -1: '
        'spec.replicas in body should be greater than or equal to 0')
    # and on update
    await call(crd_env, lambda c: c.create(website("ok")))
    with pytest.raises(Invalid):
        await call(crd_env, lambda c: c.patch("websites", "ok", {"spec": {"replicas": -2}}))
    assert names(await call(crd_env, lambda c: c.list("websites"))) == ["ok"]


async def test_custom_resources_take_no_strategic_merge_patch(
        crd_env: Env, autojump_clock: Any) -> None:
    await call(crd_env, lambda c: c.create(website("blog")))
    with pytest.raises(UnsupportedMediaType) as caught:
        await call(crd_env, lambda c: c.patch(
            "websites", "blog", {"spec": {"replicas": 2}},
            patch_type="application/strategic-merge-patch+json"))
    assert caught.value.code == 415
    assert caught.value.status["message"] == (
        "the body of the request was in an unknown format - accepted media types include: "
        "application/json-patch+json, application/merge-patch+json, "
        "application/apply-patch+yaml")
    patched = await call(crd_env, lambda c: c.patch(
        "websites", "blog", [{"op": "replace", "path": "/spec/replicas", "value": 2}],
        patch_type="application/json-patch+json"))
    assert patched["spec"]["replicas"] == 2


async def test_deleting_the_crd_stops_serving_it_and_removes_its_objects(
        crd_env: Env, autojump_clock: Any) -> None:
    env = crd_env
    for name in ("a", "b"):
        await call(env, lambda c, name=name: c.create(website(name)))
    watch = await env.collector()
    accepted = await call(env, lambda c: c.watch("websites", watcher=watch.ref,
                                                 bookmarks=False))
    await env.call(lambda c: c.delete("customresourcedefinitions", "websites.example.com"))
    await settle()
    with pytest.raises(NotFound, match="^the server could not find the requested resource$"):
        await call(env, lambda c: c.list("websites"))
    with pytest.raises(NotFound):
        await call(env, lambda c: c.create(website("c")))
    assert [m.watch_id for m in watch.closed] == [accepted.watch_id]
    stored = await env.store(lambda s: s.range("/registry/example.com/",
                                               "/registry/example.com0"))
    assert list(stored.kvs) == []
    # defined again: served again, empty
    await env.call(lambda c: c.create(CRD))
    await established(env)
    assert names(await call(env, lambda c: c.list("websites"))) == []
    created = await call(env, lambda c: c.create(website("new")))
    assert created["spec"]["replicas"] == 1


async def test_a_cluster_scoped_crd(autojump_clock: Any) -> None:
    crd = {**CRD, "metadata": {"name": "clusters.example.com"},
           "spec": {**CRD["spec"], "scope": "Cluster",
                    "names": {"plural": "clusters", "kind": "Cluster"}}}
    registry = DEFAULT_REGISTRY.with_resources(*resource_infos_from_crd(crd))
    async with control_plane() as env:
        await env.call(lambda c: c.create(crd))
        await established(env, "clusters.example.com")
        plane = env.plane

        async def run(ctx: Any) -> Any:
            client = ApiClient(ctx, plane.apiserver, plane.admin_token, registry=registry)
            created = await client.create({"apiVersion": "example.com/v1", "kind": "Cluster",
                                           "metadata": {"name": "prod"},
                                           "spec": {"image": "x"}})
            return created, await client.list("clusters")

        created, listed = await env.run(run)
        assert "namespace" not in created["metadata"]
        assert names(listed) == ["prod"]


async def test_an_invalid_crd_is_422(crd_env: Env, autojump_clock: Any) -> None:
    bad = {**CRD, "metadata": {"name": "wrong.example.com"}}
    with pytest.raises(Invalid) as caught:
        await crd_env.call(lambda c: c.create(bad))
    assert "metadata.name" in [cause["field"] for cause in caught.value.causes]


async def test_a_schema_change_applies_to_new_writes(crd_env: Env, autojump_clock: Any) -> None:
    env = crd_env
    with pytest.raises(Invalid):
        await call(env, lambda c: c.create(website("a", tier="db")))
    crd = await env.call(lambda c: c.get("customresourcedefinitions", "websites.example.com"))
    version = crd["spec"]["versions"][0]
    schema = version["schema"]["openAPIV3Schema"]
    spec_schema = schema["properties"]["spec"]
    tier = {"type": "string", "enum": ["web", "api", "db"]}
    new_schema = {**schema, "properties": {**schema["properties"], "spec": {
        **spec_schema, "properties": {**spec_schema["properties"], "tier": tier}}}}
    new_version = {**version, "schema": {"openAPIV3Schema": new_schema}}
    updated = await env.call(lambda c: c.update({**crd, "spec": {**crd["spec"],
                                                                "versions": [new_version]}}))
    assert updated["metadata"]["generation"] == 2
    await settle()
    created = await call(env, lambda c: c.create(website("a", tier="db")))
    assert created["spec"]["tier"] == "db"


async def test_a_restarted_apiserver_serves_the_crds_and_their_objects(
        crd_env: Env, autojump_clock: Any) -> None:
    env = crd_env
    for name in ("a", "b"):
        await call(env, lambda c, name=name: c.create(website(name, replicas=2)))
    env.system.network.crash("control-plane")
    await settle()
    env.system.network.restart("control-plane")
    await trio.sleep(2)
    assert len(env.logs("apiserver.ready")) == 2  # a new incarnation, from the store
    listed = await call(env, lambda c: c.list("websites"))
    assert names(listed) == ["a", "b"]
    assert listed["items"][0]["spec"] == {"image": "nginx:1.25", "replicas": 2}
    with pytest.raises(Invalid):  # the schema is back too
        await call(env, lambda c: c.create(website("c", replicas=-1)))
    created = await call(env, lambda c: c.create(website("c")))
    assert created["spec"]["replicas"] == 1
