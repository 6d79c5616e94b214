"""Informers and the InformerFactory against a whole control plane, in virtual time.

An informer lists then watches one kind into its Indexer, tells subscribers what changed,
and keeps the cache equal to the server's state through everything the network and the
apiserver do to its watch: timeouts, 410 Gone, silence (partitions), its own crashes.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import trio

from kactors.actors import Actor, ChildSpec, Delay, LinkFaults
from kactors.api.errors import KindError
from kactors.apiserver.messages import ApiWatchEvent, StopWatch
from kactors.client.indexer import Indexer, Lister, by_namespace, object_key, pods_by_node
from kactors.client.informer import (
    GetInformer,
    InformerEvent,
    Subscribe,
    Unsubscribe,
    WaitForSync,
)
from kactors.store.client import StoreClient
from kactors.testing.harness import cluster_harness

from .informer_helpers import (
    cm,
    names,
    namespace,
    pod,
    server_watchers,
    start_factory,
    start_recorder,
)

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "website"


async def server_state(cluster, kind="configmaps"):
    return {object_key(obj): obj for obj in await cluster.list(kind)}


# -- list, then watch, into the indexer -------------------------------------------------------


async def test_list_then_watch_fills_the_indexer_and_its_namespace_index(autojump_clock):
    async with cluster_harness(seed=1) as cluster:
        await cluster.apply([namespace("team-a"), cm("a1", k="1"), cm("b1", "team-a")])
        factory = await start_factory(cluster)
        handle = await factory.ask(GetInformer("configmaps"))
        assert handle.kind == "ConfigMap"
        assert handle.ref.path == "/component/configmaps"
        assert await handle.ref.ask(WaitForSync()) is True
        indexer = handle.indexer
        assert indexer.synced
        assert sorted(indexer.items) == ["default/a1", "team-a/b1"]
        assert indexer.items == await server_state(cluster)

        created = (await cluster.apply(cm("a2")))[0]
        updated = (await cluster.apply(cm("a1", k="2")))[0]
        deleted = await cluster.delete("configmap/b1", namespace="team-a")
        await cluster.sleep(1)
        assert indexer.items == await server_state(cluster)
        assert indexer.items["default/a1"]["data"] == {"k": "2"}
        assert indexer.items["default/a2"] == created
        assert indexer.items["default/a1"] == updated
        assert deleted["metadata"]["name"] == "b1"
        # bookmarks carry the watch cache's revision: the informer is as current as a list
        listed = await cluster.client.list("configmaps", all_namespaces=True)
        assert indexer.resource_version == listed["metadata"]["resourceVersion"]
        assert indexer.indices["namespace"] == {"default": {"default/a1": None,
                                                            "default/a2": None}}
        lister = Lister(indexer)
        assert names(lister.list("default")) == ["a1", "a2"]
        assert lister.list("team-a") == []
        assert lister.get("default/a1") == updated
        assert lister.get("default", "a2") == created
        assert lister.get("default/nope") is None
        assert lister.synced and len(lister) == 2


async def test_a_namespaced_informer_sees_only_its_namespace(autojump_clock):
    async with cluster_harness(seed=2) as cluster:
        await cluster.apply([namespace("team-a"), cm("a1"), cm("b1", "team-a")])
        factory = await start_factory(cluster)
        handle = await factory.ask(GetInformer("configmaps", namespace="team-a"))
        assert handle.ref.path == "/component/configmaps-team-a"
        await handle.ref.ask(WaitForSync())
        await cluster.apply([cm("a2"), cm("b2", "team-a")])
        await cluster.sleep(1)
        assert sorted(handle.indexer.items) == ["team-a/b1", "team-a/b2"]


async def test_a_custom_indexer_finds_pods_by_node_as_they_are_bound(autojump_clock):
    async with cluster_harness(seed=3) as cluster:
        await cluster.apply([pod("p1"), pod("p2", node="n2")])
        factory = await start_factory(cluster)
        handle = await factory.ask(GetInformer("pods", indexers=(("node", pods_by_node),)))
        await handle.ref.ask(WaitForSync())
        lister = Lister(handle.indexer)
        assert names(lister.by_index("node", "n2")) == ["p2"]
        assert lister.by_index("node", "n1") == []

        await cluster.client.bind(await cluster.get("pod/p1"), "n1")
        await cluster.sleep(1)
        assert names(lister.by_index("node", "n1")) == ["p1"]
        assert handle.indexer.items["default/p1"]["spec"]["nodeName"] == "n1"

        # a second user of the same informer adds its own index: existing objects are indexed
        again = await factory.ask(GetInformer("Pod", indexers=(("ns", by_namespace),)))
        assert again.ref == handle.ref and again.indexer is handle.indexer
        assert names(lister.by_index("ns", "default")) == ["p1", "p2"]

        await cluster.delete("pod/p1", grace_period_seconds=0)
        await cluster.sleep(1)
        assert lister.by_index("node", "n1") == []
        assert "n1" not in handle.indexer.indices["node"]


def test_indexer_moves_an_object_between_index_values_and_replaces_everything():
    indexer = Indexer({"node": pods_by_node})
    p = pod("p", node="n1")
    assert indexer.upsert(p) is None
    moved = {**p, "spec": {**p["spec"], "nodeName": "n2"}}
    assert indexer.upsert(moved) is p
    assert indexer.indices["node"] == {"n2": {"default/p": None}}
    assert indexer.remove(moved) is moved
    assert indexer.remove(moved) is None
    assert indexer.indices == {"namespace": {}, "node": {}}
    indexer.replace([pod("a", "n1"), pod("b")], "42")
    assert indexer.synced and indexer.resource_version == "42"
    assert indexer.indices["node"] == {"n1": {"default/a": None}}
    assert names(indexer.list()) == ["a", "b"]


# -- subscribers --------------------------------------------------------------------------------


async def test_subscribers_get_adds_updates_and_deletes_with_the_old_object(autojump_clock):
    async with cluster_harness(seed=4) as cluster:
        first = (await cluster.apply(cm("before")))[0]
        factory = await start_factory(cluster)
        handle = await factory.ask(GetInformer("configmaps"))
        ref, recorder = await start_recorder(cluster)
        assert await handle.ref.ask(Subscribe(ref)) is True
        await cluster.sleep(0.1)
        # the cache as it is, then "synced"
        assert recorder.events == [InformerEvent("ConfigMap", "add", first)]
        assert len(recorder.synced) == 1

        recorder.clear()
        created = (await cluster.apply(cm("x", k="1")))[0]
        updated = (await cluster.apply(cm("x", k="2")))[0]
        gone = await cluster.delete("configmap/x")
        await cluster.sleep(1)
        assert recorder.seen() == [("add", "default/x"), ("update", "default/x"),
                                   ("delete", "default/x")]
        add, update, delete = recorder.events
        assert add.obj == created and add.old is None
        assert update.obj == updated and update.old == created
        assert delete.obj["metadata"]["name"] == "x" and delete.old is None
        assert delete.obj["data"] == updated["data"]
        assert gone["metadata"]["name"] == "x"

        handle.ref.tell(Unsubscribe(ref))
        await cluster.apply(cm("y"))
        await cluster.sleep(1)
        assert recorder.seen() == [("add", "default/x"), ("update", "default/x"),
                                   ("delete", "default/x")]


class _Stuck(Actor):
    """A subscriber that never finishes its first message: its mailbox (of one) fills."""

    async def receive(self, message):
        await trio.sleep_forever()


async def test_a_full_subscriber_is_logged_and_the_others_still_get_every_event(
        autojump_clock):
    async with cluster_harness(seed=4) as cluster:
        factory = await start_factory(cluster)
        handle = await factory.ask(GetInformer("configmaps"))
        assert await handle.ref.ask(WaitForSync()) is True
        stuck = await cluster.system.start(ChildSpec("stuck", _Stuck, host="node-1",
                                                     mailbox_capacity=1))
        ref, recorder = await start_recorder(cluster)
        handle.ref.tell(Subscribe(stuck))  # (told first: the informer tells it first)
        assert await handle.ref.ask(Subscribe(ref)) is True
        for name in ("a", "b", "c"):
            await cluster.apply(cm(name))
        await cluster.sleep(1)
        assert recorder.seen()[-3:] == [("add", "default/a"), ("add", "default/b"),
                                        ("add", "default/c")]
        unreachable = cluster.logs("informer.subscriber_unreachable")
        assert unreachable and {r["subscriber"] for r in unreachable} == {"/stuck"}
        assert "MailboxFull" in unreachable[0]["error"]


async def test_a_label_selector_informer_turns_relabels_into_adds_and_deletes(autojump_clock):
    async with cluster_harness(seed=5) as cluster:
        factory = await start_factory(cluster)
        handle = await factory.ask(GetInformer("configmaps", label_selector="app=web"))
        assert handle.ref.path == "/component/configmaps-0"
        ref, recorder = await start_recorder(cluster)
        handle.ref.tell(Subscribe(ref))
        await cluster.apply([cm("w", labels={"app": "web"}), cm("d", labels={"app": "db"})])
        await cluster.apply(cm("w", labels={"app": "other"}))
        await cluster.apply(cm("d", labels={"app": "web"}))
        await cluster.sleep(1)
        assert recorder.seen() == [("add", "default/w"), ("delete", "default/w"),
                                   ("add", "default/d")]
        assert sorted(handle.indexer.items) == ["default/d"]
        # a different selector is a different informer
        other = await factory.ask(GetInformer("configmaps", label_selector="app=db"))
        assert other.ref != handle.ref


async def test_resync_redelivers_every_cached_object_as_an_update(autojump_clock):
    async with cluster_harness(seed=6) as cluster:
        await cluster.apply([cm("a"), cm("b")])
        factory = await start_factory(cluster, resync_period=30.0)
        handle = await factory.ask(GetInformer("configmaps"))
        ref, recorder = await start_recorder(cluster)
        await handle.ref.ask(Subscribe(ref))
        await cluster.sleep(0.5)
        recorder.clear()
        await cluster.sleep(65)
        resyncs = [e for e in recorder.events if e.resync]
        assert [(e.type, e.key) for e in resyncs] == [
            ("update", "default/a"), ("update", "default/b"),
            ("update", "default/a"), ("update", "default/b")]
        assert all(e.old is e.obj for e in resyncs)
        assert recorder.events == resyncs


# -- keeping the cache right: 410, errors, silence, crashes -----------------------------------


async def test_a_watch_too_far_behind_the_watch_cache_relists_on_410(autojump_clock):
    # A slow link (1 s each way), a watch cache of 5 events and steady writes (4 a
    # second): when the watch times out and is re-opened, the history since the
    # informer's last event is gone (410), and it re-lists; while the writes go on, even
    # a fresh list is too old by the time its watch arrives, and it backs off. Once the
    # writes stop, it converges.
    async with cluster_harness(seed=7, watch_cache_size=5) as cluster:
        cluster.system.network.set_link("node-1", "control-plane",
                                        LinkFaults(delay=Delay.constant(1.0)))
        factory = await start_factory(cluster, watch_timeout=5.0)
        handle = await factory.ask(GetInformer("configmaps"))
        ref, recorder = await start_recorder(cluster, host="node-1")
        handle.ref.tell(Subscribe(ref))
        await handle.ref.ask(WaitForSync(), timeout=30)
        for i in range(120):
            await cluster.apply(cm(f"c{i % 12}", n=str(i)))
            if i % 5 == 4:
                await cluster.delete(f"configmap/c{i % 12}")
            await cluster.sleep(0.25)
        await cluster.sleep(60)
        state = await server_state(cluster)
        assert handle.indexer.items == state
        assert recorder.view == state
        reasons = [r["reason"] for r in cluster.logs("informer.relist")]
        assert reasons and set(reasons) == {"410 Gone"}
        failures = cluster.logs("informer.list_failed")
        assert failures and all("Gone" in r["error"] for r in failures)
        # no abandoned watch lingers (the current one may be closing right now: a 1 s link)
        assert set(server_watchers(cluster, handle.ref.path)) <= {
            cluster.actor(handle.ref).watch_id}


async def test_an_error_event_in_the_watch_relists_and_tells_exactly_what_changed(
        autojump_clock):
    async with cluster_harness(seed=8) as cluster:
        await cluster.apply([cm("keep"), cm("change", v="1"), cm("drop")])
        factory = await start_factory(cluster)
        handle = await factory.ask(GetInformer("configmaps"))
        ref, recorder = await start_recorder(cluster)
        await handle.ref.ask(Subscribe(ref))
        informer = cluster.actor(handle.ref)
        old_watch = informer.watch_id
        # the apiserver forgets the watch: the informer hears nothing of these changes ...
        cluster.apiserver.tell(StopWatch(old_watch))
        await cluster.sleep(0.1)
        await cluster.apply([cm("change", v="2"), cm("new")])
        await cluster.delete("configmap/drop")
        await cluster.sleep(1)
        assert sorted(handle.indexer.items) == ["default/change", "default/drop",
                                                "default/keep"]
        recorder.clear()
        # ... until the stream says 410 (what kube-apiserver sends when a watch falls out
        # of its window)
        handle.ref.tell(ApiWatchEvent(old_watch, "ERROR", {
            "kind": "Status", "apiVersion": "v1", "status": "Failure", "code": 410,
            "reason": "Expired", "message": "too old resource version: 1 (2)"}))
        await cluster.sleep(1)
        assert sorted(recorder.seen()) == [("add", "default/new"), ("delete", "default/drop"),
                                           ("update", "default/change")]
        assert handle.indexer.items == await server_state(cluster)
        assert informer.watch_id != old_watch
        assert [r["reason"] for r in cluster.logs("informer.relist")] == ["410 Gone"]


async def test_a_stalled_watch_is_detected_and_the_informer_converges_after_heal(
        autojump_clock):
    async with cluster_harness(seed=9) as cluster:
        await cluster.apply([cm("keep"), cm("change", v="1"), cm("drop")])
        factory = await start_factory(cluster, stall_timeout=20.0)
        handle = await factory.ask(GetInformer("configmaps"))
        ref, recorder = await start_recorder(cluster)
        await handle.ref.ask(Subscribe(ref))
        informer = cluster.actor(handle.ref)
        first_watch = informer.watch_id
        network = cluster.system.network
        network.partition(["node-1"], ["control-plane", "etcd"])
        partitioned_at = cluster.now()
        await cluster.apply([cm("change", v="2"), cm("new")])
        await cluster.delete("configmap/drop")
        recorder.clear()
        await cluster.sleep(60)
        stalls = cluster.logs("informer.watch_stalled")
        assert len(stalls) == 1
        assert 20 < stalls[0]["ts"] - partitioned_at <= 25
        assert cluster.logs("informer.list_failed")  # the re-list cannot get through
        assert recorder.events == []
        # the abandoned watch lives on at the apiserver: its StopWatch was lost
        assert server_watchers(cluster, handle.ref.path) == [first_watch]

        network.heal()
        await cluster.sleep(60)
        assert handle.indexer.items == await server_state(cluster)
        assert sorted(recorder.seen()) == [("add", "default/new"), ("delete", "default/drop"),
                                           ("update", "default/change")]
        # the stray events of the abandoned watch got it stopped: one watch is left
        assert server_watchers(cluster, handle.ref.path) == [informer.watch_id]
        assert informer.watch_id != first_watch


async def test_events_lost_in_a_short_partition_are_recovered(autojump_clock):
    async with cluster_harness(seed=10) as cluster:
        factory = await start_factory(cluster)
        handle = await factory.ask(GetInformer("configmaps"))
        await handle.ref.ask(WaitForSync())
        cluster.system.network.partition(["node-1"], ["control-plane"])
        await cluster.apply(cm("lost"))
        await cluster.sleep(5)
        cluster.system.network.heal()
        await cluster.sleep(120)
        assert sorted(handle.indexer.items) == ["default/lost"]


class _StoreWriter(Actor):
    def receive(self, message):
        return None


async def test_informers_converge_after_the_apiserver_relists_past_a_compaction(
        autojump_clock):
    # The apiserver is cut off from etcd while the store changes and compacts: it must
    # re-list, and its informers must learn what changed (kube-apiserver's cacher closes
    # every watch then; the informer re-watches, gets 410 and re-lists).
    async with cluster_harness(seed=14, store="raft") as cluster:
        await cluster.apply(cm("a"))
        factory = await start_factory(cluster)
        handle = await factory.ask(GetInformer("configmaps"))
        await handle.ref.ask(WaitForSync())
        writer = await cluster.system.start(ChildSpec("writer", _StoreWriter, host="etcd-1"))
        store = StoreClient(cluster.actor(writer).ctx, cluster.plane.store_refs)
        cluster.system.network.partition(["control-plane"], ["etcd-1", "etcd-2", "etcd-3"])
        await cluster.sleep(1)
        await store.put("/registry/configmaps/default/direct", {
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "direct", "namespace": "default", "uid": "u-direct"}})
        deleted = await store.delete_range("/registry/configmaps/default/a")
        await store.compact(deleted.revision)
        await cluster.sleep(45)
        cluster.system.network.heal()
        await cluster.sleep(60)
        assert sorted(await server_state(cluster)) == ["default/direct"]
        assert handle.indexer.items == await server_state(cluster)
        # the apiserver closed the watch when it re-listed; the informer's re-watch from
        # before the compaction was answered 410, and it re-listed
        assert [r["reason"] for r in cluster.logs("informer.relist")] == ["410 Gone"]


async def test_a_crashed_informer_restarts_with_its_cache_and_subscribers(autojump_clock):
    async with cluster_harness(seed=11) as cluster:
        await cluster.apply(cm("a"))
        factory = await start_factory(cluster)
        handle = await factory.ask(GetInformer("configmaps"))
        ref, recorder = await start_recorder(cluster)
        await handle.ref.ask(Subscribe(ref))
        before = cluster.actor(handle.ref)
        await cluster.sleep(0.1)
        recorder.clear()
        handle.ref.tell(ApiWatchEvent(before.watch_id, "MODIFIED", None))  # crashes it
        await cluster.sleep(1)
        after = cluster.actor(handle.ref)
        assert after is not before and after.indexer is handle.indexer
        assert handle.ref._cell.restarts == 1
        # nothing changed: the re-list tells nothing but "synced" ...
        assert recorder.events == []
        assert len(recorder.synced) == 2
        # ... and the subscription survived the restart
        await cluster.apply(cm("b"))
        await cluster.sleep(1)
        assert recorder.seen() == [("add", "default/b")]


async def test_a_watch_that_times_out_is_reopened_from_where_it_was(autojump_clock):
    async with cluster_harness(seed=12) as cluster:
        factory = await start_factory(cluster, watch_timeout=10.0)
        handle = await factory.ask(GetInformer("configmaps"))
        ref, recorder = await start_recorder(cluster)
        await handle.ref.ask(Subscribe(ref))
        informer = cluster.actor(handle.ref)
        watches = {informer.watch_id}
        for i in range(20):
            await cluster.apply(cm(f"c{i}"))
            await cluster.sleep(3)
            watches.add(informer.watch_id)
        assert len(watches) >= 3  # re-watched every 10-20 s
        assert recorder.seen() == [("add", f"default/c{i}") for i in range(20)]
        assert cluster.logs("informer.relist") == []
        assert informer.relists == 1  # only the first list


# -- the factory --------------------------------------------------------------------------------


async def test_the_factory_shares_one_informer_per_kind_and_resolves_custom_kinds(
        autojump_clock):
    async with cluster_harness(seed=13) as cluster:
        factory = await start_factory(cluster)
        one = await factory.ask(GetInformer("configmaps"))
        assert await factory.ask(GetInformer("ConfigMap")) == one
        assert await factory.ask(GetInformer("v1/ConfigMap")) == one
        assert await factory.ask(GetInformer("cm")) == one
        with pytest.raises(KindError, match='no matches for kind "Website" in version '
                                            '"example.com/v1"'):
            await factory.ask(GetInformer("example.com/v1/Website"))
        await cluster.apply(EXAMPLE / "website-crd.yaml")
        sites = await factory.ask(GetInformer("example.com/v1/Website"))
        assert sites.kind == "Website" and sites.ref.path == "/component/websites-example-com"
        assert await factory.ask(GetInformer("websites.example.com")) == sites
        await cluster.apply(EXAMPLE / "website.yaml")
        await cluster.sleep(1)
        assert sorted(sites.indexer.items) == ["default/hello"]
        assert factory._cell.restarts == 0
        assert sorted(cluster.actor(factory).ctx.children) == ["configmaps",
                                                               "websites-example-com"]
