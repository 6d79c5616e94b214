"""The garbage collector end to end in a whole cluster: background, foreground and orphan
propagation, dangling references, several owners; in virtual time."""

from __future__ import annotations

from typing import Any

from kactors.controllers.garbagecollector import GarbageCollector, monitorable
from kactors.controllers.gcgraph import Graph, Identity, parse_key
from kactors.controllers.gcpolicy import (
    Decision,
    classify,
    decide,
    unblocked,
    without_finalizer,
    without_owner,
)
from kactors.testing.harness import full_cluster

CONFIG = """
[cluster]
name = "gc"
[[nodes]]
name = "node"
count = 2

[images."busybox:1.36"]
run_time = 100000      # runs until stopped, and ignores SIGTERM: killed at its grace period
"""


def deployment(name: str = "web", replicas: int = 2, grace: int | None = None,
               image: str = "nginx") -> dict[str, Any]:
    spec: dict[str, Any] = {"containers": [{"name": "c", "image": image}]}
    if grace is not None:
        spec["terminationGracePeriodSeconds"] = grace
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": name, "namespace": "default"},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": {"app": name}}, "spec": spec}}}


def configmap(name: str, owners: list[dict[str, Any]] = ()) -> dict[str, Any]:  # type: ignore[assignment]
    meta: dict[str, Any] = {"name": name, "namespace": "default"}
    if owners:
        meta["ownerReferences"] = list(owners)
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta, "data": {"k": "v"}}


def ref(obj: dict[str, Any], block: bool = False) -> dict[str, Any]:
    meta = obj["metadata"]
    return {"apiVersion": obj["apiVersion"], "kind": obj["kind"], "name": meta["name"],
            "uid": meta["uid"], "blockOwnerDeletion": block}


async def running_deployment(cluster: Any, **kwargs: Any) -> tuple[list, list]:
    await cluster.apply(deployment(**kwargs))
    await cluster.wait_for("deployment/web", ready_replicas=kwargs.get("replicas", 2),
                           timeout=120)
    return await cluster.list("apps/v1/ReplicaSet", "default"), \
        await cluster.list("v1/Pod", "default")


async def test_background_deletion_of_a_deployment_deletes_its_replicasets_and_pods(
        autojump_clock) -> None:
    async with full_cluster(CONFIG, seed=1) as cluster:
        rss, pods = await running_deployment(cluster)
        assert len(rss) == 1 and len(pods) == 2
        await cluster.delete("deployment/web")  # no propagationPolicy: Background
        await cluster.wait_gone("apps/v1/ReplicaSet", rss[0]["metadata"]["name"], timeout=30)
        for pod in pods:
            await cluster.wait_gone("v1/Pod", pod["metadata"]["name"], timeout=60)
        deleting = cluster.logs(event="gc.deleting")
        assert {"dependent": f"ReplicaSet/default/{rss[0]['metadata']['name']}",
                "owner": "Deployment/web", "policy": "Background"}.items() <= \
            next(r for r in deleting if r["dependent"].startswith("ReplicaSet/")).items()
        assert sum(r["dependent"].startswith("Pod/") for r in deleting) == 2


async def test_foreground_deletion_keeps_the_owner_until_its_dependents_are_gone(
        autojump_clock) -> None:
    async with full_cluster(CONFIG, seed=2) as cluster:
        # pods that take their time to stop hold the owners (blockOwnerDeletion)
        rss, pods = await running_deployment(cluster, grace=20, image="busybox:1.36")
        started = cluster.now()
        await cluster.delete("deployment/web", propagation_policy="Foreground")
        await cluster.sleep(5)
        owner = await cluster.get("deployment/web")
        assert owner is not None and owner["metadata"]["deletionTimestamp"]
        assert owner["metadata"]["finalizers"] == ["foregroundDeletion"]
        rs = await cluster.get("apps/v1/ReplicaSet", rss[0]["metadata"]["name"], "default")
        assert rs is not None and rs["metadata"]["finalizers"] == ["foregroundDeletion"]
        for pod in pods:  # terminating: SIGTERM ignored, killed at the end of the grace
            live = await cluster.get("v1/Pod", pod["metadata"]["name"], "default")
            assert live is not None and live["metadata"]["deletionTimestamp"]
        await cluster.wait_gone("deployment/web", timeout=60)
        assert cluster.now() - started >= 20  # the pods' grace period held the owners
        for pod in pods:
            assert await cluster.get("v1/Pod", pod["metadata"]["name"], "default") is None
        assert await cluster.get("apps/v1/ReplicaSet", rss[0]["metadata"]["name"],
                                 "default") is None
        finalized = cluster.logs(event="gc.owner_finalized")
        assert [r["owner"].split("/")[0] for r in finalized] == ["ReplicaSet", "Deployment"]
        policies = {r["dependent"].split("/")[0]: r["policy"]
                    for r in cluster.logs(event="gc.deleting")}
        # the ReplicaSet has dependents of its own: the wait carries down the chain
        assert policies == {"ReplicaSet": "Foreground", "Pod": "Background"}


async def test_orphan_deletion_leaves_the_replicaset_without_owner(autojump_clock) -> None:
    async with full_cluster(CONFIG, seed=3) as cluster:
        rss, pods = await running_deployment(cluster)
        await cluster.delete("deployment/web", propagation_policy="Orphan")
        await cluster.wait_gone("deployment/web", timeout=30)
        name = rss[0]["metadata"]["name"]
        rs = await cluster.wait_for("apps/v1/ReplicaSet", name, "default",
                                    predicate=lambda o: "ownerReferences" not in o["metadata"])
        assert rs["metadata"].get("deletionTimestamp") is None
        await cluster.sleep(10)
        assert len(await cluster.list("v1/Pod", "default")) == 2
        assert [r["dependent"] for r in cluster.logs(event="gc.orphaning")] == \
            [f"ReplicaSet/default/{name}"]
        assert cluster.logs(event="gc.deleting") == []


async def test_dangling_and_shared_ownership(autojump_clock) -> None:
    async with full_cluster(CONFIG, seed=4) as cluster:
        # an owner uid that never existed: collected once a live GET confirms it
        ghost = {"apiVersion": "v1", "kind": "ConfigMap", "name": "ghost",
                 "uid": "00000000-0000-0000-0000-000000000000"}
        await cluster.apply(configmap("dangling", [ghost]))
        await cluster.wait_gone("v1/ConfigMap", "dangling", "default", timeout=10)
        # two owners: the dependent lives while one of them does
        a, b = await cluster.apply([configmap("owner-a"), configmap("owner-b")])
        await cluster.apply(configmap("shared", [ref(a), ref(b)]))
        await cluster.sleep(2)
        await cluster.delete("v1/ConfigMap", "owner-a", "default")
        shared = await cluster.wait_for(
            "v1/ConfigMap", "shared", "default",
            predicate=lambda o: len(o["metadata"].get("ownerReferences") or []) == 1)
        assert shared["metadata"]["ownerReferences"][0]["name"] == "owner-b"
        await cluster.sleep(5)
        assert await cluster.get("v1/ConfigMap", "shared", "default") is not None
        await cluster.delete("v1/ConfigMap", "owner-b", "default")
        await cluster.wait_gone("v1/ConfigMap", "shared", "default", timeout=10)
        deleting = cluster.logs(event="gc.deleting")
        assert [(r["dependent"], r["owner"]) for r in deleting] == [
            ("ConfigMap/default/dangling", "ConfigMap/ghost"),
            ("ConfigMap/default/shared", "ConfigMap/owner-b")]
        # nothing else was collected: the cluster's own objects have living owners
        assert len(cluster.logs(event="gc.owner_refs_removed")) == 1


async def test_custom_resources_are_watched_as_their_crd_is_established(
        autojump_clock) -> None:
    async with full_cluster(CONFIG, seed=5) as cluster:
        await cluster.apply(CRD)
        [site] = await cluster.apply({"apiVersion": "example.com/v1", "kind": "Website",
                                      "metadata": {"name": "home", "namespace": "default"},
                                      "spec": {"domain": "example.com"}})
        await cluster.apply(configmap("home-config", [ref(site, block=True)]))
        await cluster.sleep(2)
        gc = cluster.actor("/cluster/control-plane/controller-manager/garbagecollector")
        assert isinstance(gc, GarbageCollector)
        assert gc.monitored[("example.com", "websites")] == "example.com/v1/Website"
        assert site["metadata"]["uid"] in gc.graph.nodes
        await cluster.delete("example.com/v1/Website", "home", "default",
                             propagation_policy="Foreground")
        await cluster.wait_gone("v1/ConfigMap", "home-config", "default", timeout=10)
        await cluster.wait_gone("example.com/v1/Website", "home", "default", timeout=10)
        assert [r["kind"] for r in cluster.logs(event="gc.monitoring")] == \
            ["example.com/v1/Website"]
        assert "informer-websites-example-com" in gc.ctx.children
        # the CRD goes: so does the collector's informer of its kind (no endless retries)
        await cluster.delete("apiextensions.k8s.io/v1/CustomResourceDefinition",
                             "websites.example.com")
        await cluster.sleep(60)
        assert [r["kind"] for r in cluster.logs(event="gc.unmonitoring")] == \
            ["example.com/v1/Website"]
        assert "informer-websites-example-com" not in gc.ctx.children
        assert ("example.com", "websites") not in gc.monitored
        assert len(cluster.logs(event="informer.watch_failed")) <= 1
        # never watched: events; watched: what can be listed, watched and deleted
        resources = {(i.group, i.resource) for i in monitorable(gc.client.registry)}
        assert ("", "events") not in resources and ("", "bindings") not in resources
        assert {("", "pods"), ("apps", "replicasets"), ("", "namespaces")} <= resources


CRD = {
    "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
    "metadata": {"name": "websites.example.com"},
    "spec": {"group": "example.com", "scope": "Namespaced",
             "names": {"plural": "websites", "singular": "website", "kind": "Website"},
             "versions": [{"name": "v1", "served": True, "storage": True, "schema": {
                 "openAPIV3Schema": {"type": "object", "properties": {"spec": {
                     "type": "object", "x-kubernetes-preserve-unknown-fields": True}}}}}]},
}


# -- the graph and the decisions, pure ---------------------------------------------------------
def obj(name: str, uid: str, owners: list[dict[str, Any]] = (), *,  # type: ignore[assignment]
        deleting: bool = False, finalizers: list[str] = (),  # type: ignore[assignment]
        kind: str = "ConfigMap") -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "namespace": "ns", "uid": uid}
    if owners:
        meta["ownerReferences"] = list(owners)
    if deleting:
        meta["deletionTimestamp"] = "2024-01-01T00:00:00Z"
    if finalizers:
        meta["finalizers"] = list(finalizers)
    return {"apiVersion": "v1", "kind": kind, "metadata": meta}


def test_an_unknown_owner_becomes_a_virtual_node_checked_live() -> None:
    graph = Graph()
    dep = obj("dep", "d1", [ref(obj("owner", "o1"))])
    assert graph.upsert(dep) == ["delete:o1"]  # is the owner there at all?
    owner = graph.get("o1")
    assert owner is not None and owner.virtual and list(owner.dependents) == ["d1"]
    assert owner.identity == Identity("v1", "ConfigMap", "owner", "ns", "o1")
    assert graph.upsert(obj("owner", "o1")) == []  # observed: a real node now
    assert not graph.get("o1").virtual and list(graph.get("o1").dependents) == ["d1"]
    assert graph.upsert(dep, dep) == []  # nothing changed, nothing to do


def test_a_virtual_owner_confirmed_absent_leaves_its_dependents_to_collect() -> None:
    graph = Graph()
    graph.upsert(obj("dep", "d1", [ref(obj("ghost", "g1"))]))
    assert graph.confirm_absent(graph.get("g1").identity) == ["delete:d1"]
    assert graph.get("g1") is None and "g1" in graph.absent
    # a later dependent of the same ghost still makes a virtual node (to be checked again)
    assert graph.upsert(obj("dep2", "d2", [ref(obj("ghost", "g1"))])) == ["delete:g1"]


def test_a_deleted_owner_sends_its_dependents_and_waiting_owners_to_look_at() -> None:
    graph = Graph()
    owner, other = obj("owner", "o1"), obj("other", "o2")
    graph.upsert(owner)
    graph.upsert(other)
    graph.upsert(obj("dep", "d1", [ref(owner), ref(other, block=True)]))
    graph.upsert(obj("dep2", "d2", [ref(owner)]))
    assert graph.remove(owner) == ["delete:d1", "delete:d2"]
    assert "o1" in graph.absent and graph.get("o1") is None
    # the other owner waits for d1 (foreground): d1 going away is news for it
    waiting = obj("other", "o2", deleting=True, finalizers=["foregroundDeletion"])
    assert graph.upsert(waiting, other) == ["delete:d1", "delete:o2"]
    assert graph.get("o2").deleting_dependents
    assert [n.uid for n in graph.blocking_dependents(graph.get("o2"))] == ["d1"]
    assert graph.remove(obj("dep", "d1", [ref(other, block=True)])) == ["delete:o2"]
    assert graph.get("o2").dependents == {}


def test_owner_reference_changes_update_the_graph_incrementally() -> None:
    graph = Graph()
    a, b = obj("a", "a1"), obj("b", "b1")
    graph.upsert(a)
    graph.upsert(b)
    first = obj("dep", "d1", [ref(a, block=True)])
    graph.upsert(first)
    graph.upsert(obj("a", "a1", deleting=True, finalizers=["foregroundDeletion"]), a)
    moved = obj("dep", "d1", [ref(b)])
    # dropping a blocking reference to a waiting owner lets it go on
    assert graph.upsert(moved, first) == ["delete:a1"]
    assert graph.get("a1").dependents == {} and list(graph.get("b1").dependents) == ["d1"]
    unblocked_ref = obj("dep", "d1", [{**ref(b), "blockOwnerDeletion": False}])
    assert graph.upsert(unblocked_ref, moved) == []  # b is not waiting for anything


def test_the_orphan_finalizer_asks_for_orphaning_once() -> None:
    graph = Graph()
    owner = obj("owner", "o1")
    graph.upsert(owner)
    orphaning = obj("owner", "o1", deleting=True, finalizers=["orphan"])
    assert graph.upsert(orphaning, owner) == ["orphan:o1"]
    assert graph.upsert(orphaning, orphaning) == []
    assert parse_key("orphan:o1") == ("orphan", "o1")


def test_decisions_follow_what_the_owners_turned_out_to_be() -> None:
    live, gone = obj("live", "l1"), obj("gone", "x1")
    waiting = obj("waits", "w1", deleting=True, finalizers=["foregroundDeletion"])
    refs = [ref(live), ref(gone), ref(waiting)]
    owners = {"l1": live, "x1": None, "w1": waiting}
    found = classify(refs, owners)
    assert [r["uid"] for r in found.solid] == ["l1"]
    assert [r["uid"] for r in found.dangling] == ["x1"]
    assert [r["uid"] for r in found.waiting] == ["w1"]
    item = obj("dep", "d1", refs)
    # a solid owner keeps it: the other references go
    decision = decide(item, found, False, False)
    assert decision.action == "remove_refs" and [r["uid"] for r in decision.refs] == ["x1", "w1"]
    # an owner with the same name but another uid is no owner
    assert classify([ref(live)], {"l1": obj("live", "new")}).dangling
    only_gone = classify([ref(gone)], {"x1": None})
    assert decide(item, only_gone, True, False) == Decision("delete", only_gone.dangling,
                                                          "Background")
    mine = obj("dep", "d1", [ref(gone)], finalizers=["orphan"])
    assert decide(mine, only_gone, False, False).policy == "Orphan"
    only_waiting = classify([ref(waiting)], {"w1": waiting})
    assert decide(item, only_waiting, True, True) == Decision(
        "delete", only_waiting.waiting, "Foreground", unblock=True)
    assert decide(item, only_waiting, False, False).policy == "Background"
    assert decide(item, classify([ref(live)], {"l1": live}), True, False).action == "keep"


def test_metadata_edits() -> None:
    item = obj("dep", "d1", [ref(obj("a", "a1"), block=True), ref(obj("b", "b1"))],
               finalizers=["orphan", "x"])
    assert [r["uid"] for r in without_owner(item, ["a1"])] == ["b1"]
    assert without_owner(item, ["zz"]) is None
    assert [r["blockOwnerDeletion"] for r in unblocked(item)] == [False, False]
    assert unblocked(obj("dep", "d1", [ref(obj("b", "b1"))])) is None
    assert without_finalizer(item, "orphan") == ["x"]
    assert without_finalizer(item, "foregroundDeletion") is None
