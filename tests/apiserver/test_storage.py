"""Storage semantics: resourceVersion, optimistic concurrency, generation, deletion
(finalizers, grace periods, propagation policies), generated names, server-set identity,
namespace lifecycle."""

from __future__ import annotations

from typing import Any

import pytest
import trio

from kactors.api.status import OPTIMISTIC_LOCK_ERROR_MSG
from kactors.client.errors import AlreadyExists, Conflict, Forbidden, Invalid, NotFound

from .conftest import Env, configmap, deployment, names, pod

NAMESPACE = {"apiVersion": "v1", "kind": "Namespace"}


def namespace(name: str) -> dict[str, Any]:
    return {**NAMESPACE, "metadata": {"name": name}}


def rv(obj: dict[str, Any]) -> int:
    return int(obj["metadata"]["resourceVersion"])


# -- resourceVersion -----------------------------------------------------------------------------

async def test_resource_version_is_the_store_revision_and_increases(
        env: Env, autojump_clock: Any) -> None:
    seen = []
    for name in ("a", "b", "c"):
        created = await env.call(lambda c, name=name: c.create(configmap(name)))
        seen.append(rv(created))
    updated = await env.call(lambda c: c.patch("configmaps", "a", {"data": {"x": "1"}}))
    seen.append(rv(updated))
    assert seen == sorted(seen) and len(set(seen)) == len(seen)
    revision = await env.store(lambda s: s.range("/registry/", "/registry0", count_only=True))
    assert revision.revision == seen[-1]
    stored = await env.store(lambda s: s.get("/registry/configmaps/default/a"))
    assert stored.mod_revision == seen[-1]
    assert "resourceVersion" not in stored.value["metadata"]  # set on the way out only


async def test_update_with_a_stale_resource_version_is_a_conflict(
        env: Env, autojump_clock: Any) -> None:
    created = await env.call(lambda c: c.create(configmap("cfg", a="1")))
    await env.call(lambda c: c.update({**created, "data": {"a": "2"}}))
    with pytest.raises(Conflict) as caught:
        await env.call(lambda c: c.update({**created, "data": {"a": "3"}}))
    error = caught.value
    assert error.code == 409 and error.reason == "Conflict"
    assert error.status["message"] == (
        'Operation cannot be fulfilled on configmaps "cfg": the object has been modified; '
        'please apply your changes to the latest version and try again')
    assert error.status["message"].endswith(OPTIMISTIC_LOCK_ERROR_MSG)
    assert error.status["details"] == {"name": "cfg", "kind": "configmaps"}
    deployment_conflict = await env.call(lambda c: c.create(deployment("web")))
    await env.call(lambda c: c.update({**deployment_conflict, "metadata": {
        **deployment_conflict["metadata"], "labels": {"v": "2"}}}))
    with pytest.raises(Conflict, match='^Operation cannot be fulfilled on deployments.apps "web"'):
        await env.call(lambda c: c.update(deployment_conflict))


async def test_concurrent_updates_with_the_same_resource_version_one_wins(
        env: Env, autojump_clock: Any) -> None:
    created = await env.call(lambda c: c.create(configmap("cfg", n="0")))
    outcomes: dict[int, str] = {}

    async def updater(i: int) -> None:
        try:
            await env.call(lambda c: c.update({**created, "data": {"n": str(i)}}))
            outcomes[i] = "ok"
        except Conflict:
            outcomes[i] = "conflict"

    async with trio.open_nursery() as nursery:
        for i in range(1, 9):
            nursery.start_soon(updater, i)
    winners = [i for i, outcome in outcomes.items() if outcome == "ok"]
    assert len(outcomes) == 8 and len(winners) == 1
    final = await env.call(lambda c: c.get("configmaps", "cfg"))
    assert final["data"] == {"n": str(winners[0])}
    assert rv(final) == rv(created) + 1


async def test_concurrent_patches_without_resource_version_all_apply(
        env: Env, autojump_clock: Any) -> None:
    await env.call(lambda c: c.create(configmap("cfg")))

    async def patcher(i: int) -> None:
        await env.call(lambda c: c.patch("configmaps", "cfg", {"data": {f"k{i}": str(i)}}))

    async with trio.open_nursery() as nursery:
        for i in range(4):
            nursery.start_soon(patcher, i)
    final = await env.call(lambda c: c.get("configmaps", "cfg"))
    assert final["data"] == {f"k{i}": str(i) for i in range(4)}


# -- generation ----------------------------------------------------------------------------------

async def test_generation_moves_on_spec_changes_only(env: Env, autojump_clock: Any) -> None:
    created = await env.call(lambda c: c.create(deployment("web")))
    assert created["metadata"]["generation"] == 1
    labelled = await env.call(lambda c: c.patch("deployments", "web",
                                                {"metadata": {"labels": {"a": "b"}}}))
    assert labelled["metadata"]["generation"] == 1
    annotated = await env.call(lambda c: c.patch("deployments", "web",
                                                 {"metadata": {"annotations": {"x": "y"}}}))
    assert annotated["metadata"]["generation"] == 1
    scaled = await env.call(lambda c: c.patch("deployments", "web", {"spec": {"replicas": 5}}))
    assert scaled["metadata"]["generation"] == 2
    same = await env.call(lambda c: c.update(scaled))  # no change at all
    assert same["metadata"]["generation"] == 2
    status = await env.call(lambda c: c.patch("deployments", "web",
                                              {"status": {"replicas": 5}}, subresource="status"))
    assert status["metadata"]["generation"] == 2
    # a client cannot set generation itself
    forged = await env.call(lambda c: c.update({**status, "metadata": {
        **status["metadata"], "generation": 40}}))
    assert forged["metadata"]["generation"] == 2
    created_forged = await env.call(lambda c: c.create({
        **deployment("other"), "metadata": {"name": "other", "generation": 9}}))
    assert created_forged["metadata"]["generation"] == 1


# -- server-set identity ---------------------------------------------------------------------------

async def test_uid_and_creation_timestamp_are_set_by_the_server_and_immutable(
        env: Env, autojump_clock: Any) -> None:
    await trio.sleep(90)
    created = await env.call(lambda c: c.create({**configmap("cfg"), "metadata": {
        "name": "cfg", "uid": "mine", "creationTimestamp": "2000-01-01T00:00:00Z",
        "resourceVersion": "12345"}}))
    meta = created["metadata"]
    assert meta["uid"] != "mine" and len(meta["uid"]) == 36
    assert meta["creationTimestamp"] == "2026-01-01T00:01:30Z"  # the cluster clock
    other = await env.call(lambda c: c.create(configmap("other")))
    assert other["metadata"]["uid"] != meta["uid"]
    # an update that tries to change them keeps them
    updated = await env.call(lambda c: c.update({**created, "metadata": {
        **meta, "uid": "forged", "creationTimestamp": "2001-01-01T00:00:00Z"}}))
    assert updated["metadata"]["uid"] == meta["uid"]
    assert updated["metadata"]["creationTimestamp"] == meta["creationTimestamp"]
    patched = await env.call(lambda c: c.patch("configmaps", "cfg", {"metadata": {
        "uid": "forged"}}))
    assert patched["metadata"]["uid"] == meta["uid"]


async def test_generate_name(env: Env, autojump_clock: Any) -> None:
    body = {**configmap(""), "metadata": {"generateName": "web-"}}
    first = await env.call(lambda c: c.create(body))
    second = await env.call(lambda c: c.create(body))
    for created in (first, second):
        name = created["metadata"]["name"]
        assert name.startswith("web-") and len(name) == len("web-") + 5
        assert created["metadata"]["generateName"] == "web-"
    assert first["metadata"]["name"] != second["metadata"]["name"]
    assert sorted(names(await env.call(lambda c: c.list("configmaps")))) == sorted(
        [first["metadata"]["name"], second["metadata"]["name"]])


async def test_generated_names_are_deterministic_for_a_seed(autojump_clock: Any) -> None:
    from .conftest import control_plane

    results = []
    for _ in range(2):
        async with control_plane(seed=7) as env:
            created = await env.call(lambda c: c.create(
                {**configmap(""), "metadata": {"generateName": "x-"}}))
            results.append((created["metadata"]["name"], created["metadata"]["uid"]))
    assert results[0] == results[1]


async def test_create_without_a_name_is_invalid(env: Env, autojump_clock: Any) -> None:
    with pytest.raises(Invalid) as caught:
        await env.call(lambda c: c.create({**configmap(""), "metadata": {}}))
    assert "metadata.name" in [cause["field"] for cause in caught.value.causes]


async def test_create_twice_is_already_exists(env: Env, autojump_clock: Any) -> None:
    await env.call(lambda c: c.create(configmap("cfg")))
    with pytest.raises(AlreadyExists) as caught:
        await env.call(lambda c: c.create(configmap("cfg")))
    assert caught.value.code == 409 and caught.value.reason == "AlreadyExists"
    assert caught.value.status["message"] == 'configmaps "cfg" already exists'


# -- deletion --------------------------------------------------------------------------------------

async def test_deletion_with_finalizers_waits_for_them(env: Env, autojump_clock: Any) -> None:
    await env.call(lambda c: c.create({**configmap("cfg"), "metadata": {
        "name": "cfg", "finalizers": ["example.com/a", "example.com/b"]}}))
    deleting = await env.call(lambda c: c.delete("configmaps", "cfg"))
    assert deleting["metadata"]["deletionTimestamp"] == "2026-01-01T00:00:00Z"
    assert deleting["metadata"]["deletionGracePeriodSeconds"] == 0
    got = await env.call(lambda c: c.get("configmaps", "cfg"))
    assert got["metadata"]["finalizers"] == ["example.com/a", "example.com/b"]
    # deleting again changes nothing
    again = await env.call(lambda c: c.delete("configmaps", "cfg"))
    assert again == got
    # no new finalizer may be added now
    with pytest.raises(Invalid) as caught:
        await env.call(lambda c: c.patch("configmaps", "cfg", {"metadata": {
            "finalizers": ["example.com/a", "example.com/b", "example.com/c"]}}))
    assert [cause["field"] for cause in caught.value.causes] == ["metadata.finalizers"]
    # other changes are still allowed while it waits
    await env.call(lambda c: c.patch("configmaps", "cfg", {"data": {"still": "here"}}))
    await env.call(lambda c: c.patch("configmaps", "cfg", {"metadata": {
        "finalizers": ["example.com/b"]}}))
    assert (await env.call(lambda c: c.get("configmaps", "cfg")))["metadata"][
        "finalizers"] == ["example.com/b"]
    # the last one removed: the object is gone
    await env.call(lambda c: c.patch("configmaps", "cfg", {"metadata": {"finalizers": None}}))
    with pytest.raises(NotFound):
        await env.call(lambda c: c.get("configmaps", "cfg"))


async def test_graceful_deletion_of_a_pod_bound_to_a_node(
        env: Env, autojump_clock: Any) -> None:
    created = await env.call(lambda c: c.create(pod("p")))
    await env.call(lambda c: c.bind(created, "node-1"))
    await trio.sleep(10)
    deleting = await env.call(lambda c: c.delete("pods", "p"))
    assert deleting["metadata"]["deletionTimestamp"] == "2026-01-01T00:00:40Z"  # now + 30 s
    assert deleting["metadata"]["deletionGracePeriodSeconds"] == 30
    got = await env.call(lambda c: c.get("pods", "p"))
    assert got["metadata"]["deletionGracePeriodSeconds"] == 30
    # the kubelet reports the containers stopped, then deletes with grace 0
    await env.call(lambda c: c.patch("pods", "p", {"status": {"phase": "Succeeded"}},
                                     subresource="status"))
    assert (await env.call(lambda c: c.get("pods", "p")))["status"]["phase"] == "Succeeded"
    await env.call(lambda c: c.delete("pods", "p", grace_period_seconds=0))
    with pytest.raises(NotFound):
        await env.call(lambda c: c.get("pods", "p"))


async def test_a_shorter_grace_period_shortens_the_deletion(
        env: Env, autojump_clock: Any) -> None:
    await env.call(lambda c: c.create(pod("p", node="node-1",
                                          terminationGracePeriodSeconds=60)))
    first = await env.call(lambda c: c.delete("pods", "p"))
    assert first["metadata"]["deletionGracePeriodSeconds"] == 60
    shorter = await env.call(lambda c: c.delete("pods", "p", grace_period_seconds=5))
    assert shorter["metadata"]["deletionGracePeriodSeconds"] == 5
    assert shorter["metadata"]["deletionTimestamp"] == "2026-01-01T00:00:05Z"
    longer = await env.call(lambda c: c.delete("pods", "p", grace_period_seconds=100))
    assert longer["metadata"]["deletionGracePeriodSeconds"] == 5  # never lengthened


async def test_an_unbound_pod_is_deleted_at_once(env: Env, autojump_clock: Any) -> None:
    await env.call(lambda c: c.create(pod("p")))
    await env.call(lambda c: c.delete("pods", "p"))
    with pytest.raises(NotFound):
        await env.call(lambda c: c.get("pods", "p"))


@pytest.mark.parametrize("policy,finalizer", [("Foreground", "foregroundDeletion"),
                                              ("Orphan", "orphan")])
async def test_propagation_policy_adds_its_finalizer(env: Env, autojump_clock: Any,
                                                     policy: str, finalizer: str) -> None:
    await env.call(lambda c: c.create(deployment("web")))
    deleting = await env.call(lambda c: c.delete("deployments", "web",
                                                 propagation_policy=policy))
    assert deleting["metadata"]["finalizers"] == [finalizer]
    assert deleting["metadata"]["deletionTimestamp"]
    got = await env.call(lambda c: c.get("deployments", "web"))
    assert got["metadata"]["finalizers"] == [finalizer]
    # the garbage collector's part: remove the finalizer, the object goes
    await env.call(lambda c: c.patch("deployments", "web", {"metadata": {"finalizers": []}}))
    with pytest.raises(NotFound):
        await env.call(lambda c: c.get("deployments", "web"))


async def test_background_propagation_deletes_at_once(env: Env, autojump_clock: Any) -> None:
    await env.call(lambda c: c.create(deployment("web")))
    await env.call(lambda c: c.delete("deployments", "web", propagation_policy="Background"))
    with pytest.raises(NotFound):
        await env.call(lambda c: c.get("deployments", "web"))


# -- namespaces ------------------------------------------------------------------------------------

async def test_namespace_deletion_sets_terminating_and_refuses_new_content(
        env: Env, autojump_clock: Any) -> None:
    created = await env.call(lambda c: c.create(namespace("team")))
    assert created["spec"]["finalizers"] == ["kubernetes"]
    assert created["status"]["phase"] == "Active"
    await env.call(lambda c: c.create(configmap("old", "team")))
    deleting = await env.call(lambda c: c.delete("namespaces", "team"))
    assert deleting["status"]["phase"] == "Terminating"
    assert deleting["metadata"]["deletionTimestamp"]
    got = await env.call(lambda c: c.get("namespaces", "team"))
    assert got["status"]["phase"] == "Terminating"
    with pytest.raises(Forbidden) as caught:
        await env.call(lambda c: c.create(configmap("new", "team")))
    assert caught.value.code == 403
    assert caught.value.status["message"] == (
        'configmaps "new" is forbidden: unable to create new content in namespace team '
        'because it is being terminated')
    # what is there can still be read, changed and deleted (the namespace controller's job)
    await env.call(lambda c: c.patch("configmaps", "old", {"data": {"a": "1"}}, "team"))
    await env.call(lambda c: c.delete("configmaps", "old", "team"))
    # a second delete while the finalizer is there is a conflict
    with pytest.raises(Conflict) as conflict:
        await env.call(lambda c: c.delete("namespaces", "team"))
    assert conflict.value.status["message"] == (
        'Operation cannot be fulfilled on namespaces "team": The system is ensuring all '
        'content is removed from this namespace.  Upon completion, this namespace will '
        'automatically be purged by the system.')
    # a plain update cannot drop spec.finalizers; namespaces/finalize can, and that ends it
    kept = await env.call(lambda c: c.update({**got, "spec": {"finalizers": []}}))
    assert kept["spec"]["finalizers"] == ["kubernetes"]
    await env.call(lambda c: c.request("update", c.info("namespaces"), name="team",
                                       subresource="finalize",
                                       body={**kept, "spec": {"finalizers": []}}))
    with pytest.raises(NotFound):
        await env.call(lambda c: c.get("namespaces", "team"))
    # and then creation there is a 404 (no such namespace)
    with pytest.raises(NotFound, match='^namespaces "team" not found$'):
        await env.call(lambda c: c.create(configmap("new", "team")))


async def test_creation_in_a_missing_namespace_is_404(env: Env, autojump_clock: Any) -> None:
    with pytest.raises(NotFound) as caught:
        await env.call(lambda c: c.create(pod("p", "nowhere")))
    assert caught.value.status["message"] == 'namespaces "nowhere" not found'
    assert caught.value.status["details"] == {"name": "nowhere", "kind": "namespaces"}


async def test_creation_right_after_the_namespace(env: Env, autojump_clock: Any) -> None:
    async def both(c: Any) -> Any:
        await c.create(namespace("fresh"))
        return await c.create(configmap("cfg", "fresh"))

    created = await env.call(both)
    assert created["metadata"]["namespace"] == "fresh"


async def test_namespace_body_must_match_the_request(env: Env, autojump_clock: Any) -> None:
    from kactors.client.errors import BadRequest

    with pytest.raises(BadRequest) as caught:
        await env.call(lambda c: c.request("create", c.info("configmaps"), namespace="default",
                                           body=configmap("cfg", "kube-system")))
    assert caught.value.status["message"] == (
        "the namespace of the provided object does not match the namespace sent on the "
        "request")


async def test_the_same_seed_tells_the_same_story(autojump_clock: Any) -> None:
    import json

    from .conftest import control_plane

    async def scenario() -> list[str]:
        async with control_plane(seed=11) as env:
            async def churn(c: Any) -> None:
                async with trio.open_nursery() as nursery:
                    for i in range(6):
                        nursery.start_soon(c.create, {**configmap(""), "metadata": {
                            "generateName": f"cm-{i}-"}})
                listed = await c.list("configmaps")
                async with trio.open_nursery() as nursery:
                    for item in listed["items"]:
                        nursery.start_soon(c.patch, "configmaps", item["metadata"]["name"],
                                           {"data": {"x": "1"}})

            await env.call(churn)
            final = await env.call(lambda c: c.list("configmaps"))
            records = [json.dumps(r, sort_keys=True, default=repr)
                       for r in env.system.records or []]
            return [json.dumps(final, sort_keys=True), *records]

    first = await scenario()
    second = await scenario()
    assert first == second


async def test_an_unchanged_update_writes_nothing(env: Any, autojump_clock: Any) -> None:
    """Like Kubernetes: updating an object to what it already is keeps its
    resourceVersion and sends no watch event (controllers re-applying must not loop)."""
    created = await env.call(lambda c: c.create({"apiVersion": "v1", "kind": "ConfigMap",
                                                 "metadata": {"name": "same"},
                                                 "data": {"a": "b"}}))
    again = await env.call(lambda c: c.update(created))
    assert again["metadata"]["resourceVersion"] == created["metadata"]["resourceVersion"]
    patched = await env.call(lambda c: c.patch("configmaps", "same", {"data": {"a": "b"}}))
    assert patched["metadata"]["resourceVersion"] == created["metadata"]["resourceVersion"]
