"""Watch: from a resourceVersion, with selectors, bookmarks, timeouts, 410 Gone, StopWatch,
and watchers that die."""

from __future__ import annotations

from typing import Any

import pytest
import trio

from kactors.apiserver.messages import ApiRequest, ApiWatchClosed, StopWatch
from kactors.client.errors import BadRequest, Gone

from .conftest import Env, configmap, control_plane, names, pod, settle


def apiserver_actor(env: Env) -> Any:
    cell = env.system.lookup_cell(env.plane.apiserver.path)
    assert cell is not None and cell.actor is not None
    return cell.actor


async def test_watch_without_resource_version_starts_with_the_current_objects(
        env: Env, autojump_clock: Any) -> None:
    await env.call(lambda c: c.create(configmap("a")))
    await env.call(lambda c: c.create(configmap("b")))
    watch, accepted = await env.watch("configmaps", bookmarks=False)
    await env.call(lambda c: c.create(configmap("c")))
    await env.call(lambda c: c.patch("configmaps", "a", {"data": {"x": "1"}}))
    await env.call(lambda c: c.delete("configmaps", "b"))
    await settle()
    assert watch.changes() == [("ADDED", "a"), ("ADDED", "b"), ("ADDED", "c"),
                               ("MODIFIED", "a"), ("DELETED", "b")]
    assert all(e.watch_id == accepted.watch_id for e in watch.events)
    revisions = [int(e.object["metadata"]["resourceVersion"]) for e in watch.events[2:]]
    assert revisions == sorted(revisions) and revisions[0] > int(accepted.resource_version)
    # a DELETED event carries the last state, at the revision of the deletion
    deleted = watch.events[-1].object
    assert deleted["metadata"]["name"] == "b"
    assert int(deleted["metadata"]["resourceVersion"]) == revisions[-1]


async def test_watch_resumes_from_a_resource_version_without_gaps_or_duplicates(
        env: Env, autojump_clock: Any) -> None:
    listed = await env.call(lambda c: c.list("configmaps"))
    start = listed["metadata"]["resourceVersion"]
    versions = []
    for i in range(5):
        created = await env.call(lambda c, i=i: c.create(configmap(f"cm-{i}")))
        versions.append(created["metadata"]["resourceVersion"])
    # resume in the middle: the events after versions[1], each once, in order
    watch, accepted = await env.watch("configmaps", resource_version=versions[1],
                                      bookmarks=False)
    await env.call(lambda c: c.create(configmap("cm-5")))
    await settle()
    assert watch.changes() == [("ADDED", "cm-2"), ("ADDED", "cm-3"), ("ADDED", "cm-4"),
                               ("ADDED", "cm-5")]
    # from the list's revision: everything since the list
    whole, _ = await env.watch("configmaps", resource_version=start, bookmarks=False)
    await settle()
    assert [name for _, name in whole.changes()] == [f"cm-{i}" for i in range(6)]


async def test_watch_from_the_latest_revision_of_a_write(env: Env, autojump_clock: Any) -> None:
    """Create, then watch from that object's resourceVersion at once: the create is not
    replayed, the next change is delivered once (whatever the cache lag)."""
    async def create_and_watch(c: Any) -> Any:
        created = await c.create(configmap("cfg"))
        accepted = await c.watch("configmaps", resource_version=created["metadata"][
            "resourceVersion"], watcher=watch.ref, bookmarks=False)
        await c.patch("configmaps", "cfg", {"data": {"a": "1"}})
        return created, accepted

    watch = await env.collector()
    created, accepted = await env.call(create_and_watch)
    assert int(accepted.resource_version) >= int(created["metadata"]["resourceVersion"])
    await settle()
    assert watch.changes() == [("MODIFIED", "cfg")]


async def test_watch_of_one_namespace(env: Env, autojump_clock: Any) -> None:
    await env.call(lambda c: c.create({"apiVersion": "v1", "kind": "Namespace",
                                       "metadata": {"name": "other"}}))
    mark = await env.call(lambda c: c.list("configmaps", all_namespaces=True))
    watch, _ = await env.watch("configmaps", "other", bookmarks=False)
    since, _ = await env.watch("configmaps", "other", bookmarks=False,
                               resource_version=mark["metadata"]["resourceVersion"])
    everywhere, _ = await env.watch("configmaps", all_namespaces=True, bookmarks=False)
    await env.call(lambda c: c.create(configmap("mine", "other")))
    await env.call(lambda c: c.create(configmap("theirs", "default")))
    await settle()
    assert watch.changes() == [("ADDED", "mine")]
    assert since.changes() == [("ADDED", "mine")]
    assert everywhere.changes() == [("ADDED", "mine"), ("ADDED", "theirs")]


async def test_label_selector_watch_sees_objects_enter_and_leave(
        env: Env, autojump_clock: Any) -> None:
    listed = await env.call(lambda c: c.list("configmaps"))
    live, _ = await env.watch("configmaps", label_selector="app=web", bookmarks=False)
    await env.call(lambda c: c.create(configmap("a", labels={"app": "web"})))
    await env.call(lambda c: c.create(configmap("b", labels={"app": "db"})))
    await env.call(lambda c: c.patch("configmaps", "a", {"data": {"v": "1"}}))
    await env.call(lambda c: c.patch("configmaps", "a", {"metadata": {"labels": {"app": "x"}}}))
    await env.call(lambda c: c.patch("configmaps", "b", {"metadata": {"labels": {"app": "web"}}}))
    await env.call(lambda c: c.patch("configmaps", "a", {"data": {"v": "2"}}))  # not matching
    await env.call(lambda c: c.delete("configmaps", "b"))
    await env.call(lambda c: c.delete("configmaps", "a"))  # not matching
    await settle()
    expected = [("ADDED", "a"), ("MODIFIED", "a"), ("DELETED", "a"), ("ADDED", "b"),
                ("DELETED", "b")]
    assert live.changes() == expected
    # the same history replayed from a resourceVersion
    replayed, _ = await env.watch("configmaps", label_selector="app=web", bookmarks=False,
                                  resource_version=listed["metadata"]["resourceVersion"])
    await settle()
    assert replayed.changes() == expected
    # the DELETED of an object that stopped matching carries its new (non-matching) state
    left = live.events[2].object
    assert left["metadata"]["labels"] == {"app": "x"}


async def test_field_selector_watch_of_a_node(env: Env, autojump_clock: Any) -> None:
    watch, _ = await env.watch("pods", field_selector="spec.nodeName=node-1", bookmarks=False)
    await env.call(lambda c: c.create(pod("p")))
    await env.call(lambda c: c.create(pod("q")))
    await env.call(lambda c: c.bind(pod("p", "default"), "node-1"))
    await env.call(lambda c: c.bind(pod("q", "default"), "node-2"))
    await env.call(lambda c: c.delete("pods", "p"))  # graceful: MODIFIED
    await env.call(lambda c: c.delete("pods", "p", grace_period_seconds=0))
    await settle()
    assert watch.changes() == [("ADDED", "p"), ("MODIFIED", "p"), ("DELETED", "p")]


async def test_watches_pinned_to_a_node_with_more_selectors(env: Env,
                                                            autojump_clock: Any) -> None:
    """A watch whose only selector is `spec.nodeName=` is answered from the node the
    fan-out looked up; one with more terms (or labels) has them all evaluated."""
    only, _ = await env.watch("pods", field_selector="spec.nodeName=node-1", bookmarks=False)
    running, _ = await env.watch("pods", field_selector="spec.nodeName=node-1,"
                                 "status.phase!=Failed", bookmarks=False)
    labelled, _ = await env.watch("pods", field_selector="spec.host=node-1",
                                  label_selector="app=web", bookmarks=False)
    await env.call(lambda c: c.create(pod("p", labels={"app": "web"})))
    await env.call(lambda c: c.create(pod("q", labels={"app": "db"})))
    await env.call(lambda c: c.create(pod("r", labels={"app": "web"})))
    for name, node in (("p", "node-1"), ("q", "node-1"), ("r", "node-2")):
        await env.call(lambda c, name=name, node=node: c.bind(pod(name, "default"), node))
    await env.call(lambda c: c.patch("pods", "p", {"status": {"phase": "Failed"}},
                                     subresource="status"))
    await env.call(lambda c: c.patch("pods", "q", {"metadata": {"labels": {"app": "web"}}}))
    await env.call(lambda c: c.delete("pods", "p", grace_period_seconds=0))
    await env.call(lambda c: c.delete("pods", "r", grace_period_seconds=0))
    await settle()
    assert only.changes() == [("ADDED", "p"), ("ADDED", "q"), ("MODIFIED", "p"),
                              ("MODIFIED", "q"), ("DELETED", "p")]
    assert running.changes() == [("ADDED", "p"), ("ADDED", "q"), ("DELETED", "p"),
                                 ("MODIFIED", "q")]
    assert labelled.changes() == [("ADDED", "p"), ("MODIFIED", "p"), ("ADDED", "q"),
                                  ("DELETED", "p")]


async def test_bookmarks_come_every_bookmark_interval(env: Env, autojump_clock: Any) -> None:
    """Not on every tick of the apiserver (1 s): every `bookmark_interval` (10 s) per watch,
    as Kubernetes' cacher paces them (once a minute there)."""
    watch, _ = await env.watch("configmaps", bookmarks=True)
    await trio.sleep(9.5)
    assert [e for e in watch.events if e.type == "BOOKMARK"] == []
    await trio.sleep(26)
    assert len([e for e in watch.events if e.type == "BOOKMARK"]) == 3


async def test_bookmarks_carry_the_resource_version(env: Env, autojump_clock: Any) -> None:
    watch, accepted = await env.watch("configmaps", bookmarks=True)
    quiet, _ = await env.watch("configmaps", bookmarks=False)
    await env.call(lambda c: c.create(configmap("a")))
    await trio.sleep(25)  # bookmarks come every 10 s
    created = await env.call(lambda c: c.create(configmap("b")))
    await trio.sleep(25)
    bookmarks = [e for e in watch.events if e.type == "BOOKMARK"]
    assert len(bookmarks) >= 4
    revisions = [int(b.object["metadata"]["resourceVersion"]) for b in bookmarks]
    assert revisions == sorted(revisions)
    assert revisions[0] >= int(accepted.resource_version)
    assert revisions[-1] == int(created["metadata"]["resourceVersion"])
    assert bookmarks[0].object["kind"] == "ConfigMap"
    # a bookmark never runs ahead of an event not yet sent
    seen = 0
    for event in watch.events:
        revision = int(event.object["metadata"]["resourceVersion"])
        assert revision >= seen
        seen = revision
    assert all(e.type != "BOOKMARK" for e in quiet.events)


async def test_timeout_seconds_ends_the_watch(env: Env, autojump_clock: Any) -> None:
    watch, accepted = await env.watch("configmaps", timeout_seconds=5, bookmarks=False)
    await env.call(lambda c: c.create(configmap("before")))
    await trio.sleep(7)
    assert watch.closed == [ApiWatchClosed(accepted.watch_id)]
    await env.call(lambda c: c.create(configmap("after")))
    await settle()
    assert watch.changes() == [("ADDED", "before")]
    assert accepted.watch_id not in apiserver_actor(env).watchers


async def test_a_resource_version_older_than_the_cache_window_is_410(
        autojump_clock: Any) -> None:
    async with control_plane(watch_cache_size=5) as env:
        first = await env.call(lambda c: c.create(configmap("cm-0")))
        for i in range(1, 10):
            await env.call(lambda c, i=i: c.create(configmap(f"cm-{i}")))
        await settle()
        with pytest.raises(Gone) as caught:
            await env.watch("configmaps", resource_version=first["metadata"]["resourceVersion"])
        error = caught.value
        assert error.code == 410 and error.reason == "Expired"
        assert error.status["message"].startswith(
            f'too old resource version: {first["metadata"]["resourceVersion"]} (')
        # the client re-lists, and watches from the list
        listed = await env.call(lambda c: c.list("configmaps"))
        watch, _ = await env.watch("configmaps", bookmarks=False,
                                   resource_version=listed["metadata"]["resourceVersion"])
        await env.call(lambda c: c.create(configmap("cm-new")))
        await settle()
        assert watch.changes() == [("ADDED", "cm-new")]
        # the last five revisions can still be resumed from
        recent = await env.call(lambda c: c.get("configmaps", "cm-5"))
        resumed, _ = await env.watch("configmaps", bookmarks=False,
                                     resource_version=recent["metadata"]["resourceVersion"])
        await settle()
        assert resumed.changes() == [("ADDED", f"cm-{i}") for i in (6, 7, 8, 9)] + [
            ("ADDED", "cm-new")]


async def test_the_window_counts_events_even_when_many_arrive_at_once(
        autojump_clock: Any) -> None:
    """One revision with more events than the cache holds (a range delete) must not leave a
    watch that silently misses some of them: it is 410 instead."""
    async with control_plane(watch_cache_size=3) as env:
        for i in range(5):
            await env.call(lambda c, i=i: c.create(configmap(f"cm-{i}")))
        before = await env.call(lambda c: c.list("configmaps"))
        prefix = "/registry/configmaps/default/"
        await env.store(lambda s: s.delete_range(prefix, prefix[:-1] + "0"))
        await settle()
        cache = apiserver_actor(env).caches["/registry/configmaps"]
        assert len(cache.events) == 3
        with pytest.raises(Gone):
            await env.watch("configmaps",
                            resource_version=before["metadata"]["resourceVersion"])
        listed = await env.call(lambda c: c.list("configmaps"))
        assert names(listed) == []
        watch, _ = await env.watch("configmaps", bookmarks=False,
                                   resource_version=listed["metadata"]["resourceVersion"])
        await env.call(lambda c: c.create(configmap("again")))
        await settle()
        assert watch.changes() == [("ADDED", "again")]


async def test_stop_watch_stops_deliveries(env: Env, autojump_clock: Any) -> None:
    watch, accepted = await env.watch("configmaps", bookmarks=True)
    await env.call(lambda c: c.create(configmap("a")))
    await settle(2)

    async def stop(c: Any) -> None:
        c.stop_watch(accepted.watch_id)

    await env.call(stop)
    await settle()
    watch.clear()
    await env.call(lambda c: c.create(configmap("b")))
    await settle(3)
    assert watch.received == []
    assert accepted.watch_id not in apiserver_actor(env).watchers
    assert watch.ref.path not in apiserver_actor(env).by_ref


async def test_a_dead_watcher_is_forgotten(env: Env, autojump_clock: Any) -> None:
    watch, accepted = await env.watch("configmaps", bookmarks=True)
    other, other_accepted = await env.watch("configmaps", bookmarks=False)
    server = apiserver_actor(env)
    assert accepted.watch_id in server.watchers
    await env.system.stop(watch.ref)
    await settle()
    assert accepted.watch_id not in server.watchers
    assert watch.ref.path not in server.by_ref
    await env.call(lambda c: c.create(configmap("a")))
    await settle()
    assert other.changes() == [("ADDED", "a")]
    assert other_accepted.watch_id in server.watchers


async def test_a_watcher_on_a_crashed_host_is_forgotten(env: Env, autojump_clock: Any) -> None:
    watch = await env.collector(host="node-9")
    accepted = await env.call(lambda c: c.watch("configmaps", watcher=watch.ref))
    env.system.network.crash("node-9")
    await settle()
    assert accepted.watch_id not in apiserver_actor(env).watchers


async def test_several_watches_of_one_actor(env: Env, autojump_clock: Any) -> None:
    watch = await env.collector()
    first = await env.call(lambda c: c.watch("configmaps", watcher=watch.ref, bookmarks=False))
    second = await env.call(lambda c: c.watch("pods", watcher=watch.ref, bookmarks=False))
    assert first.watch_id != second.watch_id
    await env.call(lambda c: c.create(configmap("a")))
    await env.call(lambda c: c.create(pod("p")))
    await settle()
    assert [(e.watch_id, e.type) for e in watch.events] == [(first.watch_id, "ADDED"),
                                                           (second.watch_id, "ADDED")]
    # stopping one keeps the other
    await env.run(lambda ctx: _tell(ctx, env.plane.apiserver, StopWatch(first.watch_id)))
    await settle()
    watch.clear()
    await env.call(lambda c: c.create(configmap("b")))
    await env.call(lambda c: c.create(pod("q")))
    await settle()
    assert [(e.watch_id, e.object["metadata"]["name"]) for e in watch.events] == [
        (second.watch_id, "q")]


async def _tell(ctx: Any, ref: Any, message: Any) -> None:
    ctx.remote(ref).tell(message)


async def test_bad_watch_requests_are_400(env: Env, autojump_clock: Any) -> None:
    watch = await env.collector()
    for options in ({"resource_version": "abc"}, {"resource_version": "-5"},
                    {"label_selector": "a in ("}, {"field_selector": "bogus.field=1"},
                    {"timeout_seconds": "soon"}, {"timeout_seconds": -1}):
        with pytest.raises(BadRequest):
            await env.call(lambda c, options=options: c.watch(
                "configmaps", watcher=watch.ref, **options))
    # a watch with nobody to deliver to
    status = await env.run(lambda ctx: ctx.remote(env.plane.apiserver).ask(ApiRequest(
        "watch", "configmaps", namespace="default", token=env.plane.admin_token)))
    assert status["code"] == 400
    assert apiserver_actor(env).watchers == {}


async def test_a_watch_stream_matches_the_lists(env: Env, autojump_clock: Any) -> None:
    """Replay the events of a watch on top of a list: the result equals a later list."""
    listed = await env.call(lambda c: c.list("configmaps"))
    watch, _ = await env.watch("configmaps", bookmarks=False,
                               resource_version=listed["metadata"]["resourceVersion"])

    async def churn(c: Any) -> None:
        async with trio.open_nursery() as nursery:
            for i in range(12):
                nursery.start_soon(c.create, configmap(f"cm-{i}"))
        async with trio.open_nursery() as nursery:
            for i in range(0, 12, 2):
                nursery.start_soon(c.patch, "configmaps", f"cm-{i}", {"data": {"n": str(i)}})
            for i in range(1, 12, 4):
                nursery.start_soon(c.delete, "configmaps", f"cm-{i}")

    await env.call(churn)
    await settle()
    state = {item["metadata"]["name"]: item for item in listed["items"]}
    for event in watch.events:
        name = event.object["metadata"]["name"]
        if event.type == "DELETED":
            del state[name]
        else:
            state[name] = event.object
    final = await env.call(lambda c: c.list("configmaps"))
    assert sorted(state) == names(final)
    assert [state[name] for name in names(final)] == final["items"]


async def test_a_relist_of_the_caches_ends_every_watch(env: Env, autojump_clock: Any) -> None:
    """When the apiserver has to list the store again (its store watch fell behind
    compacted history), events may have been missed: watchers are told to start over."""
    from kactors.apiserver.server import _Relist

    watch, accepted = await env.watch("configmaps", bookmarks=False)
    await env.call(lambda c: c.create(configmap("a")))
    env.plane.apiserver.tell(_Relist())
    await settle()
    assert watch.closed == [ApiWatchClosed(accepted.watch_id)]
    assert apiserver_actor(env).watchers == {}
    listed = await env.call(lambda c: c.list("configmaps"))
    assert names(listed) == ["a"]
    again, _ = await env.watch("configmaps", bookmarks=False,
                               resource_version=listed["metadata"]["resourceVersion"])
    await env.call(lambda c: c.create(configmap("b")))
    await settle()
    assert again.changes() == [("ADDED", "b")]


async def test_a_store_notice_lost_on_the_way_is_noticed_and_recovered(autojump_clock):
    """The store watch's notices carry sequence numbers: a notice the network drops (where
    etcd's stream would break instead) shows up as a gap, and the apiserver watches again
    from its caches' revision, so the change it missed reaches its cache anyway."""
    from kactors.actors import LinkFaults

    async with control_plane(store="local") as env:
        network = env.system.network
        await env.call(lambda c: c.create(configmap("before")))
        # the store -> apiserver direction drops everything for a moment: exactly the
        # notice of the next write is lost (the write's own reply goes to the probe)
        network.set_link("etcd", "control-plane", LinkFaults(drop=1.0), symmetric=False)
        await env.store(lambda s: s.put("/registry/configmaps/default/direct", {
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "direct", "namespace": "default", "uid": "u-direct"}}))
        await settle(0.1)
        network.set_link("etcd", "control-plane", LinkFaults(), symmetric=False)
        await env.call(lambda c: c.create(configmap("after")))
        await settle(1)
        names = await env.call(lambda c: c.list("configmaps", resourceVersion="0"))
        assert sorted(o["metadata"]["name"] for o in names["items"]) == [
            "after", "before", "direct"]
        assert env.logs("apiserver.store_watch_stalled")
