"""The ControllerRevision history core (`kactors.controllers.history`), pure: the patch a
revision stores, its name and labels, equality, numbering, rollback renumbering,
truncation that keeps live revisions, and reading an old template back."""

from __future__ import annotations

from typing import Any

from kactors.controllers.hashing import compute_hash
from kactors.controllers.history import (
    HASH_LABEL,
    equal_revision,
    history_limit,
    new_revision,
    next_revision,
    plan_update_revision,
    revision_name,
    revision_patch,
    revisions_to_truncate,
    sort_revisions,
    template_of,
)


def sts(image: str = "nginx:1", **spec: Any) -> dict[str, Any]:
    return {"apiVersion": "apps/v1", "kind": "StatefulSet",
            "metadata": {"name": "web", "namespace": "default", "uid": "u-web",
                         "annotations": {"kubernetes.io/change-cause": "first"}},
            "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "nginx"}},
                     "template": {"metadata": {"labels": {"app": "nginx"}},
                                  "spec": {"containers": [{"name": "nginx", "image": image}]}},
                     **spec}}


def stored(owner: dict[str, Any], number: int, created: str = "2024-01-01T00:00:00Z"
           ) -> dict[str, Any]:
    """A revision as the apiserver would return it."""
    revision = new_revision(owner, number)
    revision["metadata"].update(uid=f"uid-{number}", creationTimestamp=created)
    return revision


def test_a_revision_stores_the_patch_that_replaces_the_template() -> None:
    owner = sts()
    patch = revision_patch(owner)
    assert patch == {"spec": {"template": {
        "metadata": {"labels": {"app": "nginx"}},
        "spec": {"containers": [{"name": "nginx", "image": "nginx:1"}]},
        "$patch": "replace"}}}
    assert "$patch" not in owner["spec"]["template"]  # the owner is not touched
    revision = new_revision(owner, 4)
    hash_ = compute_hash(owner["spec"]["template"], 0)
    assert revision["metadata"] == {
        "name": f"web-{hash_}", "namespace": "default",
        "labels": {"app": "nginx", HASH_LABEL: hash_},
        "annotations": {"kubernetes.io/change-cause": "first"},
        "ownerReferences": [{"apiVersion": "apps/v1", "kind": "StatefulSet", "name": "web",
                             "uid": "u-web", "controller": True,
                             "blockOwnerDeletion": True}]}
    assert (revision["kind"], revision["data"], revision["revision"]) == (
        "ControllerRevision", patch, 4)
    # the collision count changes the name, not the snapshot
    other = new_revision(owner, 4, collision_count=1)
    assert other["metadata"]["name"] != revision["metadata"]["name"]
    assert equal_revision(other, revision)
    assert revision_name("x" * 300, "abc") == "x" * 223 + "-abc"


def test_equality_numbering_and_order() -> None:
    one, two = stored(sts("nginx:1"), 1), stored(sts("nginx:2"), 2)
    assert equal_revision(one, stored(sts("nginx:1"), 7))
    assert not equal_revision(one, two)
    assert equal_revision(None, None) and not equal_revision(one, None)
    assert next_revision([]) == 1 and next_revision([two, one]) == 3
    tie_a = stored(sts("a"), 5, "2024-01-01T00:00:01Z")
    tie_b = stored(sts("b"), 5, "2024-01-01T00:00:00Z")
    assert sort_revisions([tie_a, two, tie_b, one]) == [one, two, tie_b, tie_a]


def test_the_update_revision_is_kept_created_or_renumbered_on_rollback() -> None:
    one, two = stored(sts("nginx:1"), 1), stored(sts("nginx:2"), 2)
    # nothing yet: revision 1
    first = plan_update_revision(sts("nginx:1"), [])
    assert (first.action, first.revision["revision"]) == ("create", 1)
    # the latest revision is the template: kept as it is
    assert plan_update_revision(sts("nginx:2"), [one, two]) == \
        type(first)("keep", two)
    # a new template: a new revision, numbered after the others
    third = plan_update_revision(sts("nginx:3"), [two, one])
    assert (third.action, third.revision["revision"]) == ("create", 3)
    assert third.revision["data"]["spec"]["template"]["spec"]["containers"][0]["image"] == \
        "nginx:3"
    # back to an older template: that revision, with the next number
    back = plan_update_revision(sts("nginx:1"), [one, two])
    assert back.action == "renumber"
    assert back.revision["metadata"]["name"] == one["metadata"]["name"]
    assert back.revision["revision"] == 3 and one["revision"] == 1


def test_truncation_keeps_live_revisions_and_the_newest_history() -> None:
    revisions = [stored(sts(f"nginx:{n}"), n) for n in range(1, 7)]
    names = [r["metadata"]["name"] for r in revisions]
    # limit 2, nothing live: the four oldest go
    assert [r["revision"] for r in revisions_to_truncate(revisions, set(), 2)] == [1, 2, 3, 4]
    # live ones (current, update, a pod's) neither count nor go
    live = {names[0], names[5], names[2]}
    assert [r["revision"] for r in revisions_to_truncate(revisions[::-1], live, 2)] == [2]
    assert revisions_to_truncate(revisions, live, 10) == []
    assert [r["revision"] for r in revisions_to_truncate(revisions, set(), 0)] == list(
        range(1, 7))
    assert history_limit(sts()) == 10 and history_limit(sts(revisionHistoryLimit=0)) == 0
    # the DaemonSet's way: the live ones count towards the limit (but still stay)
    old = revisions[:5]  # all but the current revision
    assert [r["revision"] for r in revisions_to_truncate(
        old, {names[0]}, 3, counting_live=True)] == [2, 3]
    assert [r["revision"] for r in revisions_to_truncate(
        old, {names[0], names[1], names[2], names[3]}, 1, counting_live=True)] == [5]
    assert revisions_to_truncate(old, set(names), 0, counting_live=True) == []


def test_an_old_template_is_read_back_from_its_revision() -> None:
    old = stored(sts("nginx:1"), 1)
    now = sts("nginx:2")
    now["spec"]["template"]["spec"]["containers"][0]["env"] = [{"name": "A", "value": "1"}]
    now["spec"]["template"]["metadata"]["annotations"] = {"x": "y"}
    # the whole template is replaced, not merged: the env and annotation are gone
    assert template_of(now, old) == {"metadata": {"labels": {"app": "nginx"}},
                                     "spec": {"containers": [{"name": "nginx",
                                                              "image": "nginx:1"}]}}
    assert template_of(now, {"data": None}) == now["spec"]["template"]
