"""A watch cache that lags behind the store (its store watch is on a slow member): the
apiserver still reads its own writes, and watches neither replay nor miss events."""

from __future__ import annotations

from typing import Any

import pytest
import trio

from kactors.apiserver.rest import Rest
from kactors.apiserver.server import ApiServer
from kactors.client.errors import Conflict, Invalid, NotFound

from .conftest import Env, configmap, names, settle

LAG = 0.3


@pytest.fixture
def lagging(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every store notice reaches the caches LAG seconds late, in order."""
    original = ApiServer._on_store_events

    async def drain(server: Any) -> None:
        pending = server._lagging
        while pending:
            due, notice = pending[0]
            await trio.sleep(max(0.0, due - server.ctx.now()))
            pending.pop(0)
            original(server, notice)

    def late(server: Any, notice: Any) -> None:
        pending = server.__dict__.setdefault("_lagging", [])
        pending.append((server.ctx.now() + LAG, notice))
        if len(pending) == 1:
            server.ctx.start_soon(drain, server)

    monkeypatch.setattr(ApiServer, "_on_store_events", late)


async def test_lists_read_their_own_writes(env: Env, lagging: None,
                                           autojump_clock: Any) -> None:
    async def write_then_list(c: Any) -> list[list[str]]:
        seen = []
        for i in range(3):
            await c.create(configmap(f"cm-{i}"))
            seen.append(names(await c.list("configmaps")))
        return seen

    assert await env.call(write_then_list) == [["cm-0"], ["cm-0", "cm-1"],
                                               ["cm-0", "cm-1", "cm-2"]]


async def test_creation_right_after_the_namespace(env: Env, lagging: None,
                                                  autojump_clock: Any) -> None:
    async def both(c: Any) -> Any:
        await c.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "new"}})
        return await c.create(configmap("cfg", "new"))

    created = await env.call(both)
    assert created["metadata"]["namespace"] == "new"


async def test_a_deleted_services_address_right_away(env: Env, lagging: None,
                                                     autojump_clock: Any) -> None:
    def service(name: str) -> dict[str, Any]:
        return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name},
                "spec": {"clusterIP": "10.96.0.40", "ports": [{"port": 80}]}}

    async def swap(c: Any) -> Any:
        await c.create(service("old"))
        await c.delete("services", "old")
        return await c.create(service("new"))

    created = await env.call(swap)
    assert created["spec"]["clusterIP"] == "10.96.0.40"
    with pytest.raises(Invalid):  # and a real clash is still refused
        await env.call(lambda c: c.create(service("clash")))


async def test_a_watch_from_a_revision_the_cache_has_not_reached(
        env: Env, lagging: None, autojump_clock: Any) -> None:
    watch = await env.collector()

    async def create_then_watch(c: Any) -> Any:
        created = await c.create(configmap("a"))
        accepted = await c.watch("configmaps", watcher=watch.ref, bookmarks=True,
                                 resource_version=created["metadata"]["resourceVersion"])
        await c.create(configmap("b"))
        return created, accepted

    created, accepted = await env.call(create_then_watch)
    assert accepted.resource_version == created["metadata"]["resourceVersion"]
    await trio.sleep(12)  # past the first bookmark (every 10 s)
    assert watch.changes() == [("ADDED", "b")]  # "a" is not replayed
    # bookmarks never go back before where the watch started
    bookmarks = [int(e.object["metadata"]["resourceVersion"])
                 for e in watch.events if e.type == "BOOKMARK"]
    assert bookmarks and min(bookmarks) >= int(created["metadata"]["resourceVersion"])


async def test_a_watch_without_resource_version_under_lag(env: Env, lagging: None,
                                                          autojump_clock: Any) -> None:
    """Starting "now" from a lagging cache: the current objects, then every later event,
    each once (the initial list and the stream meet at the cache's revision)."""
    watch = await env.collector()

    async def run(c: Any) -> None:
        await c.create(configmap("a"))
        await c.watch("configmaps", watcher=watch.ref, bookmarks=False)
        await c.create(configmap("b"))

    await env.call(run)
    await settle(1)
    assert sorted(watch.changes()) == [("ADDED", "a"), ("ADDED", "b")]


# -- patches start from the watch cache's copy (as Kubernetes' GuaranteedUpdate through its
# cacher): a stale copy must never show in the result ----------------------------------------

async def _updated_under_lag(env: Env) -> Any:
    """A ConfigMap whose cached copy (data a=1) is behind the store (data a=2): returns a
    client call that updates it, then runs `then(client, updated)` at once."""
    await env.call(lambda c: c.create(configmap("cm", a="1")))
    await settle(1)  # the cache holds a=1
    return _update_then(env)


def _update_then(env: Env) -> Any:
    """A client call that updates the ConfigMap to a=2, then runs `then(client, updated)`."""
    def run(then: Any) -> Any:
        async def call(c: Any) -> Any:
            current = await c.get("configmaps", "cm")
            updated = await c.update({**current, "data": {"a": "2"}})
            return updated, await then(c, updated)
        return env.call(call)
    return run


async def test_a_patch_applies_to_the_stored_object_not_a_stale_cached_copy(
        env: Env, lagging: None, autojump_clock: Any) -> None:
    run = await _updated_under_lag(env)
    updated, patched = await run(lambda c, _: c.patch(
        "configmaps", "cm", {"metadata": {"labels": {"x": "y"}}}))
    assert patched["data"] == {"a": "2"} and patched["metadata"]["labels"] == {"x": "y"}
    assert int(patched["metadata"]["resourceVersion"]) > int(
        updated["metadata"]["resourceVersion"])


async def test_a_patch_precondition_on_the_stored_version_under_lag(
        env: Env, lagging: None, autojump_clock: Any) -> None:
    run = await _updated_under_lag(env)
    _, patched = await run(lambda c, updated: c.patch("configmaps", "cm", {"metadata": {
        "resourceVersion": updated["metadata"]["resourceVersion"],
        "labels": {"x": "y"}}}))
    assert patched["metadata"]["labels"] == {"x": "y"}


async def test_a_patch_that_changes_nothing_stored_writes_nothing_under_lag(
        env: Env, lagging: None, autojump_clock: Any) -> None:
    run = await _updated_under_lag(env)
    updated, patched = await run(lambda c, _: c.patch("configmaps", "cm",
                                                       {"data": {"a": "2"}}))
    assert patched["metadata"]["resourceVersion"] == updated["metadata"]["resourceVersion"]


async def test_a_patch_back_to_the_cached_copy_is_written_under_lag(
        env: Env, lagging: None, autojump_clock: Any) -> None:
    """Nothing to change against the stale copy is no reason to skip the write."""
    run = await _updated_under_lag(env)
    updated, patched = await run(lambda c, _: c.patch("configmaps", "cm",
                                                       {"data": {"a": "1"}}))
    assert patched["data"] == {"a": "1"}
    assert int(patched["metadata"]["resourceVersion"]) > int(
        updated["metadata"]["resourceVersion"])
    assert (await env.call(lambda c: c.get("configmaps", "cm")))["data"] == {"a": "1"}


async def test_a_patch_of_a_cached_object_reads_nothing_from_the_store(
        env: Env, monkeypatch: pytest.MonkeyPatch, autojump_clock: Any) -> None:
    await env.call(lambda c: c.create(configmap("cm", a="1")))
    await settle(1)
    reads: list[str] = []
    original = Rest.read

    async def counted(self: Any, info: Any, namespace: Any, name: str) -> Any:
        reads.append(name)
        return await original(self, info, namespace, name)

    monkeypatch.setattr(Rest, "read", counted)
    patched = await env.call(lambda c: c.patch("configmaps", "cm", {"data": {"a": "2"}}))
    assert patched["data"] == {"a": "2"} and reads == []
    with pytest.raises(NotFound):  # what the cache does not hold is read from the store
        await env.call(lambda c: c.patch("configmaps", "missing", {"data": {"a": "2"}}))
    assert reads == ["missing"]


# -- updates too start from the watch cache's copy ---------------------------------------------

async def test_an_update_with_the_stored_version_under_lag(
        env: Env, lagging: None, autojump_clock: Any) -> None:
    """Read-your-writes: the client's resourceVersion is newer than the cached copy's."""
    run = await _updated_under_lag(env)
    updated, written = await run(lambda c, updated: c.update(
        {**updated, "metadata": {**updated["metadata"], "labels": {"x": "y"}}}))
    assert written["data"] == {"a": "2"} and written["metadata"]["labels"] == {"x": "y"}
    assert int(written["metadata"]["resourceVersion"]) > int(
        updated["metadata"]["resourceVersion"])


async def test_an_update_with_the_cached_copys_version_under_lag_is_a_conflict(
        env: Env, lagging: None, autojump_clock: Any) -> None:
    run = await _updated_under_lag(env)
    cached = await env.call(lambda c: c.get("configmaps", "cm", resourceVersion="0"))
    assert cached["data"] == {"a": "1"}  # still the stale copy
    with pytest.raises(Conflict):
        await run(lambda c, _: c.update({**cached, "data": {"a": "3"}}))


async def test_an_unconditional_update_applies_to_the_stored_object_under_lag(
        env: Env, lagging: None, autojump_clock: Any) -> None:
    def unconditional(data: dict[str, str]) -> Any:
        return lambda c, updated: c.update({
            **updated, "data": data,
            "metadata": {k: v for k, v in updated["metadata"].items()
                         if k != "resourceVersion"}})

    run = await _updated_under_lag(env)
    updated, same = await run(unconditional({"a": "2"}))  # what is stored: no write
    assert same["metadata"]["resourceVersion"] == updated["metadata"]["resourceVersion"]
    await settle(1)
    run = await _updated_under_lag_again(env)
    updated, back = await run(unconditional({"a": "1"}))  # the stale copy's data: a write
    assert back["data"] == {"a": "1"}
    assert int(back["metadata"]["resourceVersion"]) > int(
        updated["metadata"]["resourceVersion"])
    assert (await env.call(lambda c: c.get("configmaps", "cm")))["data"] == {"a": "1"}


async def _updated_under_lag_again(env: Env) -> Any:
    """`_updated_under_lag` for the ConfigMap that exists already: back to a=1, cached."""
    current = await env.call(lambda c: c.get("configmaps", "cm"))
    await env.call(lambda c: c.update({**current, "data": {"a": "1"}}))
    await settle(1)
    return _update_then(env)


async def test_an_update_of_a_cached_object_reads_nothing_from_the_store(
        env: Env, monkeypatch: pytest.MonkeyPatch, autojump_clock: Any) -> None:
    await env.call(lambda c: c.create(configmap("cm", a="1")))
    await settle(1)
    current = await env.call(lambda c: c.get("configmaps", "cm"))
    reads: list[str] = []
    original = Rest.read

    async def counted(self: Any, info: Any, namespace: Any, name: str) -> Any:
        reads.append(name)
        return await original(self, info, namespace, name)

    monkeypatch.setattr(Rest, "read", counted)
    written = await env.call(lambda c: c.update({**current, "data": {"a": "2"}}))
    assert written["data"] == {"a": "2"} and reads == []
    with pytest.raises(Conflict):  # a stale version: decided on a fresh read
        await env.call(lambda c: c.update({**current, "data": {"a": "3"}}))
    assert reads == ["cm"]
    with pytest.raises(NotFound):
        await env.call(lambda c: c.update(configmap("missing", a="2")))
    assert reads == ["cm", "missing"]
