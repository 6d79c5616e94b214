"""The watch cache's ordered key index: lists by namespace and after a key."""

from __future__ import annotations

from typing import Any

from kactors.apiserver.watchcache import WatchCache
from kactors.store.kv import DELETE, PUT, Event, KeyValue


def put(key: str, rev: int) -> Event:
    return Event(PUT, KeyValue(key, {"metadata": {"name": key}}, rev, rev, 1, 0), None)


def delete(key: str, rev: int) -> Event:
    return Event(DELETE, KeyValue(key, None, 0, rev, 0, 0), None)


def names(objs: list[Any]) -> list[str]:
    return [o["metadata"]["name"].rsplit("/", 1)[-1] for o in objs]


def test_lists_in_key_order_by_namespace_and_after_a_key() -> None:
    cache = WatchCache("/registry/pods/")
    keys = [f"/registry/pods/{ns}/p{i}" for i in (3, 1, 2, 10) for ns in ("b", "a", "ab")]
    for rev, key in enumerate(keys, start=2):
        cache.apply([put(key, rev)], rev)
    assert names(cache.list("/registry/pods/a/")) == ["p1", "p10", "p2", "p3"]
    assert names(cache.list("/registry/pods/a/", "/registry/pods/a/p10")) == ["p2", "p3"]
    assert names(cache.list("/registry/pods/a/", "/registry/pods/")) == ["p1", "p10", "p2", "p3"]
    assert cache.keys_in(None, "/registry/pods/ab/p3") == [
        f"/registry/pods/b/p{i}" for i in (1, 10, 2, 3)]
    assert cache.list("/registry/pods/a/", "/registry/pods/zz") == []
    cache.apply([delete("/registry/pods/a/p10", 20)], 20)
    assert names(cache.list("/registry/pods/a/")) == ["p1", "p2", "p3"]
    assert len(cache.list()) == 11
    cache.replace([], 21)
    assert cache.list() == []
