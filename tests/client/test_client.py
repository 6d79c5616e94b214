"""ApiClient helpers (light: the apiserver has its own tests) and discovery of CRDs."""

from __future__ import annotations

from pathlib import Path

import pytest

from kactors.actors import Actor, ChildSpec
from kactors.api.errors import KindError
from kactors.api.kinds import DEFAULT_REGISTRY
from kactors.apiserver.messages import ApiWatchEvent
from kactors.client.discovery import discover, lookup_kind, resolve_kind, split_kind
from kactors.client.errors import (
    AlreadyExists,
    ApiError,
    Conflict,
    Gone,
    Invalid,
    NotFound,
    error_from_status,
    is_failure,
)
from kactors.testing.harness import cluster_harness

from .informer_helpers import cm, names, pod

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "website"


def test_split_kind_and_lookup_kind():
    assert split_kind("example.com/v1/Website") == ("example.com/v1", "Website")
    assert split_kind("v1/Pod") == ("v1", "Pod")
    assert split_kind("pods") is None
    assert split_kind("deployments.apps") is None
    assert split_kind("Pod") is None
    for name in ("pods", "Pod", "po", "v1/Pod"):
        assert lookup_kind(DEFAULT_REGISTRY, name).kind == "Pod"
    assert lookup_kind(DEFAULT_REGISTRY, "deploy").group == "apps"
    with pytest.raises(KindError, match='no matches for kind "Website" in version '
                                        '"example.com/v1"'):
        lookup_kind(DEFAULT_REGISTRY, "example.com/v1/Website")


def test_errors_map_status_reasons_and_codes_to_classes():
    def status(code, reason, message="m"):
        return {"kind": "Status", "apiVersion": "v1", "status": "Failure", "code": code,
                "reason": reason, "message": message}

    assert type(error_from_status(status(404, "NotFound"))) is NotFound
    assert type(error_from_status(status(410, "Expired"))) is Gone
    assert type(error_from_status(status(409, "AlreadyExists"))) is AlreadyExists
    assert type(error_from_status(status(409, "Whatever"))) is Conflict
    assert type(error_from_status(status(418, "Teapot"))) is ApiError
    error = error_from_status({**status(422, "Invalid", "bad"), "details": {"causes": [
        {"field": "spec.x"}]}})
    assert (str(error), error.code, error.reason, error.causes) == (
        "bad", 422, "Invalid", [{"field": "spec.x"}])
    assert is_failure(status(500, "InternalError"))
    assert not is_failure({"kind": "Status", "status": "Success"})


class Watcher(Actor):
    def __init__(self) -> None:
        self.events: list[ApiWatchEvent] = []

    def receive(self, message):
        if isinstance(message, ApiWatchEvent) and message.type != "BOOKMARK":
            self.events.append(message)


async def test_the_client_verbs_round_trip(autojump_clock):
    async with cluster_harness(seed=1) as cluster:
        client = cluster.client
        assert repr(client) == "<ApiClient of /harness to /apiserver>"
        made = await client.create(cm("a", k="1"))
        assert made["metadata"]["namespace"] == "default"
        with pytest.raises(AlreadyExists):
            await client.create(cm("a"))
        assert await client.get("configmaps", "a") == made
        assert await client.get("ConfigMap", "a", "default") == made
        updated = await client.update({**made, "data": {"k": "2"}})
        with pytest.raises(Conflict):  # the old resourceVersion
            await client.update({**made, "data": {"k": "3"}})
        patched = await client.patch("cm", "a", {"data": {"j": "x"}})
        assert patched["data"] == {"k": "2", "j": "x"}
        assert int(patched["metadata"]["resourceVersion"]) > int(
            updated["metadata"]["resourceVersion"])
        await client.create(cm("b", tier="x"))
        await client.create({**cm("c"), "metadata": {"name": "c", "namespace": "default",
                                                     "labels": {"tier": "web"}}})
        assert names((await client.list("configmaps"))["items"]) == ["a", "b", "c"]
        assert names((await client.list("configmaps", label_selector="tier=web"))[
            "items"]) == ["c"]
        assert names((await client.list("configmaps", field_selector="metadata.name=b"))[
            "items"]) == ["b"]
        deleted = await client.delete("configmaps", "a")
        assert deleted["metadata"]["uid"] == made["metadata"]["uid"]
        with pytest.raises(NotFound):
            await client.get("configmaps", "a")
        await client.delete_collection("configmaps", label_selector="tier=web")
        assert names((await client.list("configmaps"))["items"]) == ["b"]
        with pytest.raises(Invalid):
            await client.create({"apiVersion": "v1", "kind": "ConfigMap",
                                 "metadata": {"name": "Not_A_Name"}})


async def test_scale_bind_status_and_watch(autojump_clock):
    async with cluster_harness(seed=2) as cluster:
        client = cluster.client
        deploy = await client.create({
            "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
            "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "web"}},
                     "template": {"metadata": {"labels": {"app": "web"}},
                                  "spec": {"containers": [{"name": "c", "image": "i"}]}}}})
        scale = await client.scale("deployments.apps", "web", 4)
        assert scale["spec"]["replicas"] == 4
        assert (await client.get("deploy", "web"))["spec"]["replicas"] == 4
        status = await client.update_status({**(await client.get("deploy", "web")),
                                             "status": {"replicas": 4}})
        assert status["status"] == {"replicas": 4}
        assert deploy["metadata"]["uid"] == status["metadata"]["uid"]

        watcher = await cluster.system.start(ChildSpec("watcher", Watcher, host="node-1"))
        accepted = await cluster.plane.client(cluster.actor(watcher).ctx).watch(
            "pods", timeout_seconds=30)
        made = await client.create(pod("p"))
        await client.bind(made, "node-a")
        await cluster.sleep(1)
        events = cluster.actor(watcher).events
        assert [(e.type, e.object["spec"].get("nodeName")) for e in events] == [
            ("ADDED", None), ("MODIFIED", "node-a")]
        assert {e.watch_id for e in events} == {accepted.watch_id}
        client.stop_watch(accepted.watch_id)
        await cluster.sleep(1)
        assert cluster.actor(cluster.apiserver).watchers.get(accepted.watch_id) is None


async def test_discovery_teaches_a_client_the_cluster_custom_resources(autojump_clock):
    async with cluster_harness(seed=3) as cluster:
        client = cluster.plane.client(cluster.actor(cluster.probe).ctx)
        with pytest.raises(KindError):
            await resolve_kind(client, "example.com/v1/Website")
        await cluster.apply(EXAMPLE / "website-crd.yaml")
        info = await resolve_kind(client, "example.com/v1/Website")
        assert (info.group, info.version, info.resource, info.custom) == (
            "example.com", "v1", "websites", True)
        assert info.subresource("status") is not None
        assert lookup_kind(client.registry, "ws") == info  # its short name, too
        registry = await discover(client)
        assert [i.resource for i in registry if i.custom] == ["websites"]
        assert len(registry) == len(DEFAULT_REGISTRY) + 1
