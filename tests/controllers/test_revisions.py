"""ControllerRevisions kept by the StatefulSet and DaemonSet controllers, through a whole
cluster in virtual time: revisions created and numbered, pods labelled with them, a
rollback renumbering the old revision instead of making a new one, the history truncated
to revisionHistoryLimit, orphans adopted, a hash collision moving to the next name, a controller restart mid-rollout that still
recreates pods below the partition from the old template, and the garbage collector
deleting the revisions with their owner."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from kactors.actors import RestartChild, TerminateChild
from kactors.api.defaults import apply_defaults
from kactors.controllers.hashing import compute_hash
from kactors.controllers.history import HASH_LABEL
from kactors.testing.harness import full_cluster

CONFIG = """
[cluster]
name = "t"
[[nodes]]
name = "node"
count = 2
"""
REVISIONS = "apps/v1/ControllerRevision"
MANAGER = "/cluster/control-plane/controller-manager"


def web(image: str = "nginx:1", replicas: int = 3, partition: int = 0,
        **spec: Any) -> dict[str, Any]:
    return {"apiVersion": "apps/v1", "kind": "StatefulSet",
            "metadata": {"name": "web", "namespace": "default"},
            "spec": {"replicas": replicas, "serviceName": "nginx",
                     "updateStrategy": {"type": "RollingUpdate",
                                        "rollingUpdate": {"partition": partition}},
                     "selector": {"matchLabels": {"app": "nginx"}},
                     "template": {"metadata": {"labels": {"app": "nginx"}}, "spec": {
                         "containers": [{"name": "nginx", "image": image}]}},
                     **spec}}


def agent(image: str = "fluentd:1", **spec: Any) -> dict[str, Any]:
    return {"apiVersion": "apps/v1", "kind": "DaemonSet",
            "metadata": {"name": "agent", "namespace": "default"},
            "spec": {"selector": {"matchLabels": {"app": "agent"}},
                     "template": {"metadata": {"labels": {"app": "agent"}}, "spec": {
                         "containers": [{"name": "agent", "image": image}]}},
                     **spec}}


def image_of(obj: dict[str, Any]) -> str:
    """The image a revision recorded, or a pod runs."""
    spec = obj["data"]["spec"]["template"]["spec"] if "data" in obj else obj["spec"]
    return str(spec["containers"][0]["image"])


async def eventually(cluster: Any, check: Callable[[], Awaitable[bool]],
                     timeout: float = 120) -> None:
    """Poll `check` every cluster second until it holds; fail after `timeout`."""
    for _ in range(int(timeout)):
        if await check():
            return
        await cluster.sleep(1)
    raise AssertionError(f"still not true after {timeout:g} s: {check}")


async def history(cluster: Any) -> list[tuple[int, str, str]]:
    """(revision, image, name) of every revision, by number."""
    revisions = await cluster.list(REVISIONS, "default")
    return sorted((r["revision"], image_of(r), r["metadata"]["name"]) for r in revisions)


async def rolled_out(cluster: Any, image: str, replicas: int = 3) -> dict[str, Any]:
    """Wait until every pod of web runs `image` and the set's rollout is complete."""
    async def all_updated() -> bool:
        pods = await cluster.list("v1/Pod", "default")
        return len(pods) == replicas and all(image_of(p) == image for p in pods)

    sts = await cluster.wait_for(
        "statefulset/web", ready_replicas=replicas, updated_replicas=replicas, timeout=300,
        predicate=lambda s: s["status"].get("currentRevision")
        == s["status"].get("updateRevision"))
    await eventually(cluster, all_updated)
    return sts


async def test_statefulset_revisions_numbered_rolled_back_and_truncated(autojump_clock
                                                                         ) -> None:
    async with full_cluster(CONFIG, seed=1) as cluster:
        await cluster.apply(web(replicas=1, revisionHistoryLimit=1))
        sts = await rolled_out(cluster, "nginx:1", 1)
        [(number, image, name)] = await history(cluster)
        assert (number, image) == (1, "nginx:1")
        assert sts["status"]["updateRevision"] == sts["status"]["currentRevision"] == name
        assert sts["status"]["collisionCount"] == 0
        revision = await cluster.get(REVISIONS, name, "default")
        assert revision["metadata"]["ownerReferences"][0]["uid"] == sts["metadata"]["uid"]
        assert revision["data"]["spec"]["template"]["$patch"] == "replace"
        pod = await cluster.get("v1/Pod", "web-0", "default")
        assert pod["metadata"]["labels"][HASH_LABEL] == name
        first = name

        await cluster.apply(web("nginx:2", replicas=1, revisionHistoryLimit=1))
        await rolled_out(cluster, "nginx:2", 1)
        assert [h[:2] for h in await history(cluster)] == [(1, "nginx:1"), (2, "nginx:2")]

        # a rollback: the old revision comes back with the next number, nothing is created
        await cluster.apply(web("nginx:1", replicas=1, revisionHistoryLimit=1))
        sts = await rolled_out(cluster, "nginx:1", 1)
        assert [h[:2] for h in await history(cluster)] == [(2, "nginx:2"), (3, "nginx:1")]
        assert sts["status"]["updateRevision"] == first
        renumbered = cluster.logs(event="controllerrevision.renumbered")
        assert [(r["revision"], r["number"]) for r in renumbered] == [(first, 3)]
        assert len(cluster.logs(event="controllerrevision.created")) == 2

        # two more templates: one revision besides the live one is kept (the newest)
        for image in ("nginx:3", "nginx:4"):
            await cluster.apply(web(image, replicas=1, revisionHistoryLimit=1))
            await rolled_out(cluster, image, 1)
        assert [h[:2] for h in await history(cluster)] == [(4, "nginx:3"), (5, "nginx:4")]
        deleted = [r["number"] for r in cluster.logs(event="controllerrevision.deleted")]
        assert sorted(deleted) == [2, 3]


async def test_a_restarted_controller_keeps_the_old_template_below_the_partition(
        autojump_clock) -> None:
    async with full_cluster(CONFIG, seed=2) as cluster:
        # an orphan revision that the set's selector matches: adopted, numbered before
        orphan = {"apiVersion": "apps/v1", "kind": "ControllerRevision",
                  "metadata": {"name": "web-old", "namespace": "default",
                               "labels": {"app": "nginx"}},
                  "data": {"spec": {"template": {**web("nginx:0")["spec"]["template"],
                                                 "$patch": "replace"}}},
                  "revision": 1}
        await cluster.apply(orphan)
        await cluster.apply(web(partition=2))
        old = (await rolled_out(cluster, "nginx:1"))["status"]["currentRevision"]
        adopted = await cluster.get(REVISIONS, "web-old", "default")
        sts = await cluster.get("statefulset/web")
        assert adopted["metadata"]["ownerReferences"][0]["uid"] == sts["metadata"]["uid"]
        assert [h[:2] for h in await history(cluster)] == [(1, "nginx:0"), (2, "nginx:1")]

        await cluster.apply(web("nginx:2", partition=2))
        updated = await cluster.wait_for("statefulset/web", updated_replicas=1,
                                         ready_replicas=3, timeout=120)
        new = updated["status"]["updateRevision"]
        assert updated["status"]["currentRevision"] == old != new

        # the controller restarts: it remembers nothing, the revisions remember for it
        manager = cluster.system.lookup(MANAGER)
        await manager.ask(TerminateChild("statefulset"))
        await manager.ask(RestartChild("statefulset"))
        uid = (await cluster.get("v1/Pod", "web-0", "default"))["metadata"]["uid"]
        await cluster.delete("v1/Pod", "web-0", "default")
        back = await cluster.wait_for("v1/Pod", "web-0", "default", timeout=60,
                                      predicate=lambda p: p["metadata"]["uid"] != uid)
        assert back["metadata"]["labels"][HASH_LABEL] == old
        assert image_of(back) == "nginx:1"
        assert image_of(await cluster.get("v1/Pod", "web-2", "default")) == "nginx:2"

        # the revisions go with their set
        await cluster.delete("statefulset/web")
        for _, _, name in [(0, "", "web-old"), *await history(cluster)]:
            await cluster.wait_gone(REVISIONS, name, "default", timeout=60)


async def test_a_name_taken_by_another_snapshot_bumps_the_collision_count(autojump_clock
                                                                          ) -> None:
    async with full_cluster(CONFIG, seed=4) as cluster:
        # the name web's first revision would get, taken by a different snapshot
        template = apply_defaults(web(replicas=1))["spec"]["template"]
        taken = f"web-{compute_hash(template, 0)}"
        await cluster.apply({"apiVersion": "apps/v1", "kind": "ControllerRevision",
                             "metadata": {"name": taken, "namespace": "default",
                                          "labels": {"app": "other"}},
                             "data": {"spec": {}}, "revision": 1})
        await cluster.apply(web(replicas=1))
        sts = await rolled_out(cluster, "nginx:1", 1)
        name = f"web-{compute_hash(template, 1)}"
        assert sts["status"]["collisionCount"] == 1
        assert sts["status"]["updateRevision"] == name != taken
        collided = cluster.logs(event="controllerrevision.collision")
        assert [(r["revision"], r["collision_count"]) for r in collided] == [(taken, 1)]
        pod = await cluster.get("v1/Pod", "web-0", "default")
        assert pod["metadata"]["labels"][HASH_LABEL] == name
        # later passes find the revision under its new name: nothing more is created
        await cluster.apply(web(replicas=2))
        await rolled_out(cluster, "nginx:1", 2)
        assert len(cluster.logs(event="controllerrevision.created")) == 1
        assert (await cluster.get(REVISIONS, taken, "default"))["data"] == {"spec": {}}


async def test_daemonset_revisions_rollback_adoption_and_gc(autojump_clock) -> None:
    async with full_cluster(CONFIG, seed=3) as cluster:
        await cluster.apply(agent(revisionHistoryLimit=5))
        await cluster.wait_for("daemonset/agent", number_ready=2, updated_number_scheduled=2,
                               timeout=60)
        [(number, image, name)] = await history(cluster)
        assert (number, image) == (1, "fluentd:1")
        revision = await cluster.get(REVISIONS, name, "default")
        hash_ = revision["metadata"]["labels"][HASH_LABEL]
        assert name == f"agent-{hash_}"
        pods = await cluster.list("v1/Pod", "default")
        assert [p["metadata"]["labels"][HASH_LABEL] for p in pods] == [hash_, hash_]

        async def updated_to(image: str, generation: int) -> None:
            await cluster.wait_for(
                "daemonset/agent", updated_number_scheduled=2, number_available=2,
                timeout=120, predicate=lambda d: d["status"].get("observedGeneration")
                == generation)
            async def only_image() -> bool:
                pods = await cluster.list("v1/Pod", "default")
                return {image_of(p) for p in pods} == {image}

            await eventually(cluster, only_image)

        await cluster.apply(agent("fluentd:2", revisionHistoryLimit=5))
        await updated_to("fluentd:2", 2)
        await cluster.apply(agent("fluentd:1", revisionHistoryLimit=5))
        await updated_to("fluentd:1", 3)
        assert [h[:2] for h in await history(cluster)] == [(2, "fluentd:2"), (3, "fluentd:1")]
        (_, _, second), (_, _, renumbered) = await history(cluster)
        assert renumbered == name  # the same object, renumbered

        # an orphan revision that the DaemonSet's selector matches: adopted at once
        await cluster.apply({"apiVersion": "apps/v1", "kind": "ControllerRevision",
                             "metadata": {"name": "agent-stray", "namespace": "default",
                                          "labels": {"app": "agent"}},
                             "data": {"spec": {"template": {
                                 **agent("fluentd:0")["spec"]["template"],
                                 "$patch": "replace"}}},
                             "revision": 1})
        ds = await cluster.get("daemonset/agent")
        await cluster.wait_for(REVISIONS, "agent-stray", "default", timeout=30,
                               predicate=lambda r: (r["metadata"].get("ownerReferences")
                                                    or [{}])[0].get("uid")
                               == ds["metadata"]["uid"])

        # no history kept: once no pod runs them, every revision but the current one goes
        await cluster.apply(agent("fluentd:3", revisionHistoryLimit=0))
        async def mid_rollout() -> bool:
            pods = await cluster.list("v1/Pod", "default")
            return {image_of(p) for p in pods} == {"fluentd:1", "fluentd:3"}

        # mid-rollout: a pod still runs fluentd:1, so its revision stays
        await eventually(cluster, mid_rollout)
        assert [h[:2] for h in await history(cluster)] == [(3, "fluentd:1"), (4, "fluentd:3")]
        await updated_to("fluentd:3", 4)
        async def one_left() -> bool:
            return len(await history(cluster)) == 1

        await eventually(cluster, one_left)
        assert [h[:2] for h in await history(cluster)] == [(4, "fluentd:3")]
        deleted = cluster.logs(event="controllerrevision.deleted")
        assert sorted(r["revision"] for r in deleted) == sorted(["agent-stray", name, second])

        await cluster.delete("daemonset/agent")
        for _, _, left in await history(cluster):
            await cluster.wait_gone(REVISIONS, left, "default", timeout=60)
