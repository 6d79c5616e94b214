"""The controller-uid index: objects by their controller's uid, a namespace's orphans
together, kept up to date as ownerReferences change (adoption, release)."""

from __future__ import annotations

from typing import Any

from kactors.client.indexer import (
    CONTROLLER_INDEX,
    Indexer,
    by_controller,
    orphan_index_key,
)


def pod(name: str, owner: str | None = None, namespace: str = "default",
        controller: bool = True) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "namespace": namespace}
    if owner is not None:
        meta["ownerReferences"] = [{"apiVersion": "apps/v1", "kind": "ReplicaSet",
                                    "name": owner, "uid": f"uid-{owner}",
                                    "controller": controller}]
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta}


def names(objs: list[dict[str, Any]]) -> list[str]:
    return [o["metadata"]["name"] for o in objs]


def test_pods_are_indexed_by_controller_and_orphans_by_namespace() -> None:
    indexer = Indexer({CONTROLLER_INDEX: by_controller})
    for obj in (pod("b", "web"), pod("a", "web"), pod("c", "api"), pod("d"),
                pod("e", namespace="other"), pod("f", "web", controller=False)):
        indexer.upsert(obj)
    assert names(indexer.by_index(CONTROLLER_INDEX, "uid-web")) == ["a", "b"]
    assert names(indexer.by_index(CONTROLLER_INDEX, "uid-api")) == ["c"]
    # an owner that is not the controller does not make a pod less of an orphan
    assert names(indexer.by_index(CONTROLLER_INDEX, orphan_index_key("default"))) == ["d", "f"]
    assert names(indexer.by_index(CONTROLLER_INDEX, orphan_index_key("other"))) == ["e"]


def test_adoption_and_release_move_a_pod_between_entries() -> None:
    indexer = Indexer({CONTROLLER_INDEX: by_controller})
    indexer.upsert(pod("d"))
    indexer.upsert(pod("d", "web"))  # adopted
    assert names(indexer.by_index(CONTROLLER_INDEX, "uid-web")) == ["d"]
    assert indexer.by_index(CONTROLLER_INDEX, orphan_index_key("default")) == []
    indexer.upsert(pod("d"))  # released
    assert indexer.by_index(CONTROLLER_INDEX, "uid-web") == []
    indexer.remove(pod("d"))
    assert indexer.by_index(CONTROLLER_INDEX, orphan_index_key("default")) == []
