"""Every verb and subresource, end to end: client actor -> network -> apiserver -> store."""

from __future__ import annotations

from typing import Any

import pytest

from kactors.api.kinds import storage_key
from kactors.apiserver.rest import Rest
from kactors.client.errors import BadRequest, Conflict, Invalid, NotFound, UnsupportedMediaType

from .conftest import Env, configmap, deployment, names, pod, replicaset, statefulset

MERGE = "application/merge-patch+json"
JSON_PATCH = "application/json-patch+json"
STRATEGIC = "application/strategic-merge-patch+json"


# -- create / get / list -----------------------------------------------------------------------

async def test_create_then_get_returns_the_stored_object(env: Env, autojump_clock: Any) -> None:
    created = await env.call(lambda c: c.create(configmap("cfg", a="1")))
    assert created["kind"] == "ConfigMap" and created["apiVersion"] == "v1"
    assert created["metadata"]["namespace"] == "default"
    assert created["data"] == {"a": "1"}
    got = await env.call(lambda c: c.get("configmaps", "cfg"))
    assert got == created


async def test_get_from_the_cache_with_resource_version_0(env: Env, autojump_clock: Any) -> None:
    created = await env.call(lambda c: c.create(configmap("cfg", a="1")))
    got = await env.call(lambda c: c.get("configmaps", "cfg", resourceVersion="0"))
    assert got == created
    with pytest.raises(NotFound, match='^configmaps "nope" not found$'):
        await env.call(lambda c: c.get("configmaps", "nope", resourceVersion="0"))


async def test_list_returns_a_list_object_in_key_order(env: Env, autojump_clock: Any) -> None:
    for name in ("c", "a", "b"):
        await env.call(lambda c, name=name: c.create(configmap(name)))
    listed = await env.call(lambda c: c.list("configmaps"))
    assert listed["kind"] == "ConfigMapList" and listed["apiVersion"] == "v1"
    assert names(listed) == ["a", "b", "c"]
    newest = max(int(item["metadata"]["resourceVersion"]) for item in listed["items"])
    assert listed["metadata"]["resourceVersion"] == str(newest)


async def test_cluster_scoped_create_get_list(env: Env, autojump_clock: Any) -> None:
    node = {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "node-1"}}
    created = await env.call(lambda c: c.create(node))
    assert "namespace" not in created["metadata"]
    assert (await env.call(lambda c: c.get("nodes", "node-1")))["metadata"]["uid"] == \
        created["metadata"]["uid"]
    assert names(await env.call(lambda c: c.list("nodes"))) == ["node-1"]


# -- update ------------------------------------------------------------------------------------

async def test_update_replaces_the_object_and_moves_resource_version(
        env: Env, autojump_clock: Any) -> None:
    created = await env.call(lambda c: c.create(configmap("cfg", a="1")))
    changed = {**created, "data": {"b": "2"}}
    updated = await env.call(lambda c: c.update(changed))
    assert updated["data"] == {"b": "2"}
    assert int(updated["metadata"]["resourceVersion"]) > int(
        created["metadata"]["resourceVersion"])
    assert (await env.call(lambda c: c.get("configmaps", "cfg")))["data"] == {"b": "2"}


async def test_update_without_resource_version_is_unconditional(
        env: Env, autojump_clock: Any) -> None:
    await env.call(lambda c: c.create(configmap("cfg", a="1")))
    updated = await env.call(lambda c: c.update(configmap("cfg", namespace="default", a="9")))
    assert updated["data"] == {"a": "9"}


async def test_update_of_a_missing_object_is_404(env: Env, autojump_clock: Any) -> None:
    with pytest.raises(NotFound, match='^configmaps "ghost" not found$'):
        await env.call(lambda c: c.update(configmap("ghost", a="1")))


# -- patch -------------------------------------------------------------------------------------

async def test_merge_patch(env: Env, autojump_clock: Any) -> None:
    await env.call(lambda c: c.create(configmap("cfg", labels={"x": "1"}, a="1", b="2")))
    patched = await env.call(lambda c: c.patch(
        "configmaps", "cfg", {"metadata": {"labels": {"y": "2"}}, "data": {"a": None, "c": "3"}},
        patch_type=MERGE))
    assert patched["metadata"]["labels"] == {"x": "1", "y": "2"}
    assert patched["data"] == {"b": "2", "c": "3"}


async def test_json_patch(env: Env, autojump_clock: Any) -> None:
    await env.call(lambda c: c.create(configmap("cfg", a="1")))
    patched = await env.call(lambda c: c.patch("configmaps", "cfg", [
        {"op": "test", "path": "/data/a", "value": "1"},
        {"op": "replace", "path": "/data/a", "value": "2"},
        {"op": "add", "path": "/data/b", "value": "3"},
    ], patch_type=JSON_PATCH))
    assert patched["data"] == {"a": "2", "b": "3"}


async def test_json_patch_whose_test_fails_is_422_and_changes_nothing(
        env: Env, autojump_clock: Any) -> None:
    created = await env.call(lambda c: c.create(configmap("cfg", a="1")))
    with pytest.raises(Invalid) as caught:
        await env.call(lambda c: c.patch("configmaps", "cfg", [
            {"op": "test", "path": "/data/a", "value": "other"},
            {"op": "replace", "path": "/data/a", "value": "2"}], patch_type=JSON_PATCH))
    assert caught.value.code == 422
    assert await env.call(lambda c: c.get("configmaps", "cfg")) == created


async def test_strategic_merge_patch_merges_containers_by_name(
        env: Env, autojump_clock: Any) -> None:
    await env.call(lambda c: c.create(deployment("web")))
    patched = await env.call(lambda c: c.patch("deployments", "web", {
        "spec": {"template": {"spec": {"containers": [
            {"name": "app", "image": "nginx:1.27"},
            {"name": "sidecar", "image": "envoy:1"}]}}}}, patch_type=STRATEGIC))
    containers = patched["spec"]["template"]["spec"]["containers"]
    assert {c["name"]: c["image"] for c in containers} == {"app": "nginx:1.27",
                                                           "sidecar": "envoy:1"}
    # a merge patch would have replaced the list instead
    replaced = await env.call(lambda c: c.patch("deployments", "web", {
        "spec": {"template": {"spec": {"containers": [
            {"name": "only", "image": "busybox:1"}]}}}}, patch_type=MERGE))
    assert [c["name"] for c in replaced["spec"]["template"]["spec"]["containers"]] == ["only"]


async def test_patch_of_a_missing_object_is_404(env: Env, autojump_clock: Any) -> None:
    with pytest.raises(NotFound, match='^configmaps "ghost" not found$'):
        await env.call(lambda c: c.patch("configmaps", "ghost", {"data": {"a": "1"}}))


async def test_patch_with_a_stale_resource_version_is_a_conflict(
        env: Env, autojump_clock: Any) -> None:
    created = await env.call(lambda c: c.create(configmap("cfg", a="1")))
    await env.call(lambda c: c.patch("configmaps", "cfg", {"data": {"a": "2"}}))
    with pytest.raises(Conflict):
        await env.call(lambda c: c.patch("configmaps", "cfg", {
            "metadata": {"resourceVersion": created["metadata"]["resourceVersion"]},
            "data": {"a": "3"}}))


async def test_patch_with_an_unknown_patch_type_is_415(env: Env, autojump_clock: Any) -> None:
    await env.call(lambda c: c.create(configmap("cfg", a="1")))
    with pytest.raises(UnsupportedMediaType) as caught:
        await env.call(lambda c: c.patch("configmaps", "cfg", {"data": {}},
                                         patch_type="application/yaml"))
    assert caught.value.code == 415
    assert caught.value.reason == "UnsupportedMediaType"


# -- delete / deletecollection -----------------------------------------------------------------

async def test_delete_removes_the_object(env: Env, autojump_clock: Any) -> None:
    await env.call(lambda c: c.create(configmap("cfg")))
    await env.call(lambda c: c.delete("configmaps", "cfg"))
    with pytest.raises(NotFound):
        await env.call(lambda c: c.get("configmaps", "cfg"))
    with pytest.raises(NotFound, match='^configmaps "cfg" not found$'):
        await env.call(lambda c: c.delete("configmaps", "cfg"))


async def test_delete_with_preconditions(env: Env, autojump_clock: Any) -> None:
    created = await env.call(lambda c: c.create(configmap("cfg")))
    with pytest.raises(Conflict) as caught:
        await env.call(lambda c: c.delete("configmaps", "cfg", preconditions={"uid": "other"}))
    assert caught.value.status["message"] == (
        'Operation cannot be fulfilled on configmaps "cfg": Precondition failed: UID in '
        f'precondition: other, UID in object meta: {created["metadata"]["uid"]}')
    await env.call(lambda c: c.delete("configmaps", "cfg",
                                      preconditions={"uid": created["metadata"]["uid"]}))


async def test_deletecollection_deletes_what_the_selector_matches(
        env: Env, autojump_clock: Any) -> None:
    for name, tier in (("a", "web"), ("b", "web"), ("c", "db")):
        await env.call(lambda c, name=name, tier=tier: c.create(
            configmap(name, labels={"tier": tier})))
    other = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "other"}}
    await env.call(lambda c: c.create(other))
    await env.call(lambda c: c.create(configmap("d", "other", labels={"tier": "web"})))
    deleted = await env.call(lambda c: c.delete_collection("configmaps", label_selector="tier=web"))
    assert names(deleted) == ["a", "b"]
    assert names(await env.call(lambda c: c.list("configmaps"))) == ["c"]
    assert names(await env.call(lambda c: c.list("configmaps", "other"))) == ["d"]
    await env.call(lambda c: c.delete_collection("configmaps"))
    assert names(await env.call(lambda c: c.list("configmaps"))) == []


# -- status subresource ------------------------------------------------------------------------

async def test_status_and_spec_are_written_separately(env: Env, autojump_clock: Any) -> None:
    created = await env.call(lambda c: c.create(deployment("web", replicas=1)))
    assert created["metadata"]["generation"] == 1
    # a main-resource update cannot change status
    updated = await env.call(lambda c: c.update({
        **created, "spec": {**created["spec"], "replicas": 3}, "status": {"replicas": 99}}))
    assert updated["spec"]["replicas"] == 3
    assert updated["status"] == created["status"]
    assert updated["metadata"]["generation"] == 2
    # a status write changes status only and never bumps generation
    status = await env.call(lambda c: c.update_status({
        **updated, "spec": {**updated["spec"], "replicas": 7},
        "status": {"replicas": 3, "observedGeneration": 2}}))
    assert status["status"] == {"replicas": 3, "observedGeneration": 2}
    assert status["spec"]["replicas"] == 3
    assert status["metadata"]["generation"] == 2
    got = await env.call(lambda c: c.get("deployments", "web"))
    assert got["status"] == {"replicas": 3, "observedGeneration": 2}
    assert got["spec"]["replicas"] == 3 and got["metadata"]["generation"] == 2


async def test_status_patch(env: Env, autojump_clock: Any) -> None:
    await env.call(lambda c: c.create(pod("p")))
    patched = await env.call(lambda c: c.patch(
        "pods", "p", {"status": {"phase": "Running"}, "spec": {"nodeName": "sneaky"}},
        subresource="status"))
    assert patched["status"]["phase"] == "Running"
    assert "nodeName" not in patched["spec"]
    assert patched["metadata"]["generation"] == 1


async def test_status_update_with_a_stale_resource_version_is_a_conflict(
        env: Env, autojump_clock: Any) -> None:
    created = await env.call(lambda c: c.create(deployment("web")))
    await env.call(lambda c: c.update_status({**created, "status": {"replicas": 1}}))
    with pytest.raises(Conflict):
        await env.call(lambda c: c.update_status({**created, "status": {"replicas": 2}}))


async def test_unknown_subresource_is_404(env: Env, autojump_clock: Any) -> None:
    await env.call(lambda c: c.create(configmap("cfg")))
    with pytest.raises(NotFound, match="^the server could not find the requested resource$"):
        await env.call(lambda c: c.request("get", c.info("configmaps"), namespace="default",
                                           name="cfg", subresource="status"))


# -- binding -----------------------------------------------------------------------------------

async def test_binding_sets_node_name_and_the_pod_scheduled_condition(
        env: Env, autojump_clock: Any) -> None:
    created = await env.call(lambda c: c.create(pod("p")))
    result = await env.call(lambda c: c.bind(created, "node-1"))
    assert result["kind"] == "Status" and result["status"] == "Success"
    bound = await env.call(lambda c: c.get("pods", "p"))
    assert bound["spec"]["nodeName"] == "node-1"
    [condition] = [c for c in bound["status"]["conditions"] if c["type"] == "PodScheduled"]
    assert condition["status"] == "True"
    assert bound["metadata"]["generation"] == created["metadata"]["generation"]


async def test_binding_twice_is_a_conflict(env: Env, autojump_clock: Any) -> None:
    created = await env.call(lambda c: c.create(pod("p")))
    await env.call(lambda c: c.bind(created, "node-1"))
    with pytest.raises(Conflict) as caught:
        await env.call(lambda c: c.bind(created, "node-2"))
    assert caught.value.status["message"] == (
        'Operation cannot be fulfilled on pods/binding "p": pod p is already assigned to '
        'node "node-1"')
    assert caught.value.status["details"] == {"name": "p", "kind": "pods/binding"}
    assert (await env.call(lambda c: c.get("pods", "p")))["spec"]["nodeName"] == "node-1"


async def test_binding_a_missing_pod_is_404(env: Env, autojump_clock: Any) -> None:
    with pytest.raises(NotFound, match='^pods "ghost" not found$'):
        await env.call(lambda c: c.bind(pod("ghost", "default"), "node-1"))


async def test_binding_without_a_target_is_invalid(env: Env, autojump_clock: Any) -> None:
    await env.call(lambda c: c.create(pod("p")))
    with pytest.raises(Invalid) as caught:
        await env.call(lambda c: c.request("create", c.info("pods"), namespace="default",
                                           name="p", subresource="binding",
                                           body={"apiVersion": "v1", "kind": "Binding",
                                                 "metadata": {"name": "p"}, "target": {}}))
    assert [cause["field"] for cause in caught.value.causes] == ["target.name"]


# -- scale -------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind,make", [("deployments", deployment),
                                       ("replicasets", replicaset),
                                       ("statefulsets", statefulset)])
async def test_scale_get_update_patch(env: Env, autojump_clock: Any, kind: str,
                                      make: Any) -> None:
    created = await env.call(lambda c: c.create(make("web", replicas=2)))
    scale = await env.call(lambda c: c.request("get", c.info(kind), namespace="default",
                                               name="web", subresource="scale"))
    assert scale["kind"] == "Scale" and scale["apiVersion"] == "autoscaling/v1"
    assert scale["spec"] == {"replicas": 2}
    assert scale["status"]["selector"] == "app=web"
    assert scale["metadata"]["resourceVersion"] == created["metadata"]["resourceVersion"]
    # update
    updated = await env.call(lambda c: c.request(
        "update", c.info(kind), namespace="default", name="web", subresource="scale",
        body={**scale, "spec": {"replicas": 4}}))
    assert updated["spec"] == {"replicas": 4}
    obj = await env.call(lambda c: c.get(kind, "web"))
    assert obj["spec"]["replicas"] == 4 and obj["metadata"]["generation"] == 2
    # the stale scale now conflicts
    with pytest.raises(Conflict):
        await env.call(lambda c: c.request(
            "update", c.info(kind), namespace="default", name="web", subresource="scale",
            body={**scale, "spec": {"replicas": 5}}))
    # patch (what kubectl scale does)
    patched = await env.call(lambda c: c.scale(kind, "web", 6))
    assert patched["spec"] == {"replicas": 6}
    assert (await env.call(lambda c: c.get(kind, "web")))["spec"]["replicas"] == 6


async def test_a_scale_patch_racing_another_write_is_applied_again(
        env: Env, autojump_clock: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """As Kubernetes' GuaranteedUpdate: a scale patch whose write lost the race to another
    writer is applied again to the object read afresh; a patch that names the
    resourceVersion it expects still conflicts."""
    await env.call(lambda c: c.create(deployment("web")))
    original = Rest.read
    raced: list[str] = []

    async def racing_read(self: Any, info: Any, namespace: Any, name: str) -> Any:
        obj = await original(self, info, namespace, name)
        if not raced:  # another writer gets in between this read and the write
            raced.append(name)
            meta = {k: v for k, v in obj["metadata"].items() if k != "resourceVersion"}
            await self.store.put(storage_key(info, name, namespace),
                                 {**obj, "metadata": {**meta, "labels": {"x": "y"}}})
        return obj

    monkeypatch.setattr(Rest, "read", racing_read)
    patched = await env.call(lambda c: c.scale("deployments", "web", 3))
    assert patched["spec"] == {"replicas": 3} and raced == ["web"]
    obj = await env.call(lambda c: c.get("deployments", "web"))
    assert obj["spec"]["replicas"] == 3 and obj["metadata"]["labels"] == {"x": "y"}
    raced.clear()
    with pytest.raises(Conflict):
        await env.call(lambda c: c.request(
            "patch", c.info("deployments"), namespace="default", name="web",
            subresource="scale", body={"metadata": {"resourceVersion": obj["metadata"][
                "resourceVersion"]}, "spec": {"replicas": 4}},
            options={"patchType": "application/merge-patch+json"}))


async def test_scale_to_a_negative_count_is_invalid(env: Env, autojump_clock: Any) -> None:
    await env.call(lambda c: c.create(deployment("web")))
    with pytest.raises(Invalid) as caught:
        await env.call(lambda c: c.scale("deployments", "web", -1))
    assert [cause["field"] for cause in caught.value.causes] == ["spec.replicas"]


async def test_scale_of_a_kind_without_it_is_404(env: Env, autojump_clock: Any) -> None:
    await env.call(lambda c: c.create(configmap("cfg")))
    with pytest.raises(NotFound):
        await env.call(lambda c: c.scale("configmaps", "cfg", 2))
    with pytest.raises(NotFound, match='^deployments.apps "ghost" not found$'):
        await env.call(lambda c: c.scale("deployments", "ghost", 2))


async def test_dry_run_create_does_not_store(env: Env, autojump_clock: Any) -> None:
    dry = await env.call(lambda c: c.create(configmap("cfg", a="1"), dryRun=["All"]))
    assert dry["metadata"]["name"] == "cfg"
    with pytest.raises(NotFound):
        await env.call(lambda c: c.get("configmaps", "cfg"))


async def test_a_body_that_is_not_an_object_is_a_bad_request(
        env: Env, autojump_clock: Any) -> None:
    with pytest.raises(BadRequest):
        await env.call(lambda c: c.request("create", c.info("configmaps"),
                                           namespace="default", body=["not", "an", "object"]))
