"""The controller-uid index: objects by their controller's uid, a namespace's orphans
together, kept up to date as ownerReferences change (adoption, release)."""

from __future__ import annotations

import random
from typing import Any

from kactors.client.indexer import (
    CONTROLLER_INDEX,
    Indexer,
    by_controller,
    object_key,
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


def test_an_update_that_moves_no_entry_keeps_every_index_as_a_fresh_build_would() -> None:
    """Most updates (a status) leave the index values alone and skip the index work;
    the indices must then be exactly those of an indexer built from the final objects,
    including the multi-valued index of a custom function."""
    def by_label_values(obj: dict[str, Any]) -> list[str]:
        return sorted((obj["metadata"].get("labels") or {}).values())

    def labelled(obj: dict[str, Any], **labels: str) -> dict[str, Any]:
        return {**obj, "metadata": {**obj["metadata"], "labels": labels}}

    indexer = Indexer({CONTROLLER_INDEX: by_controller, "labels": by_label_values})
    final: dict[str, dict[str, Any]] = {}
    for obj in (labelled(pod("a", "web"), app="x", tier="y"), labelled(pod("b"), app="x"),
                {**labelled(pod("a", "web"), app="x", tier="y"), "status": {"phase": "Running"}},
                labelled(pod("b", "web"), app="x"),           # adopted: moves in one index
                labelled(pod("a", "web"), app="z", tier="y"),  # relabelled: the other
                {**labelled(pod("b", "web"), app="x"), "status": {"phase": "Running"}}):
        indexer.upsert(obj)
        final[obj["metadata"]["name"]] = obj
    fresh = Indexer({CONTROLLER_INDEX: by_controller, "labels": by_label_values})
    fresh.replace(list(final.values()), "1")
    assert indexer.indices == fresh.indices
    assert names(indexer.by_index("labels", "x")) == ["b"]
    assert names(indexer.by_index(CONTROLLER_INDEX, "uid-web")) == ["a", "b"]
    assert indexer.by_index(CONTROLLER_INDEX, orphan_index_key("default")) == []


def test_index_functions_may_return_any_iterable() -> None:
    """A list from an index function is used as it is; a generator or a tuple is read
    once into a list, so comparing and moving an updated object's entries still works."""
    def by_label_values(obj: dict[str, Any]) -> Any:
        return (value for value in sorted((obj["metadata"].get("labels") or {}).values()))

    def by_owner_names(obj: dict[str, Any]) -> tuple[str, ...]:
        return tuple(ref["name"] for ref in obj["metadata"].get("ownerReferences") or ())

    indexer = Indexer({"labels": by_label_values, "owners": by_owner_names})
    first = {**pod("a", "web"), "metadata": {**pod("a", "web")["metadata"],
                                             "labels": {"app": "x"}}}
    indexer.upsert(first)
    indexer.upsert({**first, "status": {"phase": "Running"}})  # moves no entry
    assert names(indexer.by_index("labels", "x")) == ["a"]
    moved = {**pod("a", "api"), "metadata": {**pod("a", "api")["metadata"],
                                             "labels": {"app": "y"}}}
    indexer.upsert(moved)
    assert indexer.by_index("labels", "x") == [] and indexer.by_index("owners", "web") == []
    assert names(indexer.by_index("labels", "y")) == names(
        indexer.by_index("owners", "api")) == ["a"]
    fresh = Indexer({"labels": by_label_values, "owners": by_owner_names})
    fresh.replace([moved], "1")
    assert indexer.indices == fresh.indices


def test_listings_stay_sorted_and_current_through_random_writes() -> None:
    """`by_index`, `list` and `keys` keep each bucket's sorted keys between the writes that
    move a key in or out of it; after any mix of adds, updates (moving or not), deletes
    and re-lists they must answer as a sort of the current contents would."""
    rng = random.Random(7)
    indexer = Indexer({CONTROLLER_INDEX: by_controller})
    owners = ["web", "api", None]
    spaces = ["default", "other"]

    def check() -> None:
        for namespace in spaces:
            expected = sorted((o for o in indexer.items.values()
                               if o["metadata"]["namespace"] == namespace), key=object_key)
            assert indexer.list(namespace) == expected
            assert indexer.by_index(CONTROLLER_INDEX, orphan_index_key(namespace)) == [
                o for o in expected if not o["metadata"].get("ownerReferences")]
        for owner in ("web", "api"):
            assert indexer.by_index(CONTROLLER_INDEX, f"uid-{owner}") == sorted(
                (o for o in indexer.items.values() if (o["metadata"].get("ownerReferences")
                 or [{}])[0].get("uid") == f"uid-{owner}"), key=object_key)
        assert indexer.keys() == sorted(indexer.items)
        assert indexer.list() == [indexer.items[k] for k in sorted(indexer.items)]

    for step in range(400):
        name = f"p{rng.randrange(30)}"
        action = rng.random()
        if action < 0.6:
            obj = pod(name, rng.choice(owners), rng.choice(spaces))
            obj["status"] = {"step": step}
            indexer.upsert(obj)
        elif action < 0.9:
            for namespace in spaces:
                indexer.remove(pod(name, namespace=namespace))
        else:
            indexer.replace(list(indexer.items.values())[: rng.randrange(10)], str(step))
        if step % 3 == 0:
            check()
    check()
    listed = indexer.keys()
    listed.append("not a key")  # what a caller does with its list is its own business
    assert "not a key" not in indexer.keys()
