"""List: label and field selectors, pagination with limit/continue, all namespaces."""

from __future__ import annotations

from typing import Any

import pytest

from kactors.client.errors import BadRequest, Gone

from .conftest import Env, configmap, names, pod

NAMESPACE = {"apiVersion": "v1", "kind": "Namespace"}


async def make_pods(env: Env) -> None:
    async def create(c: Any) -> None:
        await c.create({**NAMESPACE, "metadata": {"name": "other"}})
        await c.create(pod("web-1", labels={"app": "web", "tier": "front"}))
        await c.create(pod("web-2", labels={"app": "web", "tier": "back"}))
        await c.create(pod("db-1", labels={"app": "db"}, node="node-2"))
        await c.create(pod("plain"))
        await c.create(pod("web-9", "other", labels={"app": "web"}))
        web1 = await c.get("pods", "web-1")
        await c.bind(web1, "node-1")
        await c.patch("pods", "web-2", {"status": {"phase": "Running"}},
                      subresource="status")

    await env.call(create)


@pytest.mark.parametrize("selector,expected", [
    ("app=web", ["web-1", "web-2"]),
    ("app==web", ["web-1", "web-2"]),
    ("app!=web", ["db-1", "plain"]),
    ("app", ["db-1", "web-1", "web-2"]),
    ("!app", ["plain"]),
    ("app in (web,db)", ["db-1", "web-1", "web-2"]),
    ("app notin (web)", ["db-1", "plain"]),
    ("app=web,tier=front", ["web-1"]),
    ("app in (web),tier notin (front)", ["web-2"]),
    ("app=nothing", []),
])
async def test_label_selectors(env: Env, autojump_clock: Any, selector: str,
                               expected: list[str]) -> None:
    await make_pods(env)
    listed = await env.call(lambda c: c.list("pods", label_selector=selector))
    assert names(listed) == expected
    paged = await env.call(lambda c: c.list("pods", label_selector=selector, limit=1))
    assert names(paged) == expected[:1]


@pytest.mark.parametrize("selector,expected", [
    ("metadata.name=web-1", ["web-1"]),
    ("metadata.name!=web-1", ["db-1", "plain", "web-2"]),
    ("metadata.namespace=default", ["db-1", "plain", "web-1", "web-2"]),
    ("spec.nodeName=node-1", ["web-1"]),
    ("spec.nodeName=", ["plain", "web-2"]),
    ("spec.nodeName!=", ["db-1", "web-1"]),
    ("status.phase=Running", ["web-2"]),
    ("status.phase=Pending,spec.nodeName=", ["plain"]),
])
async def test_field_selectors(env: Env, autojump_clock: Any, selector: str,
                               expected: list[str]) -> None:
    await make_pods(env)
    listed = await env.call(lambda c: c.list("pods", field_selector=selector))
    assert names(listed) == expected


async def test_field_and_label_selectors_together(env: Env, autojump_clock: Any) -> None:
    await make_pods(env)
    listed = await env.call(lambda c: c.list("pods", label_selector="app=web",
                                             field_selector="spec.nodeName=node-1"))
    assert names(listed) == ["web-1"]


async def test_list_across_all_namespaces(env: Env, autojump_clock: Any) -> None:
    await make_pods(env)
    listed = await env.call(lambda c: c.list("pods", all_namespaces=True,
                                             label_selector="app=web"))
    assert [(i["metadata"]["namespace"], i["metadata"]["name"]) for i in listed["items"]] == [
        ("default", "web-1"), ("default", "web-2"), ("other", "web-9")]
    other = await env.call(lambda c: c.list("pods", all_namespaces=True,
                                            field_selector="metadata.namespace=other"))
    assert names(other) == ["web-9"]
    assert names(await env.call(lambda c: c.list("pods", "other"))) == ["web-9"]


async def test_bad_selectors_are_400(env: Env, autojump_clock: Any) -> None:
    for options in ({"label_selector": "app in (web"}, {"label_selector": "a b c"},
                    {"field_selector": "spec.unknown=1"}, {"field_selector": "nonsense"}):
        with pytest.raises(BadRequest) as caught:
            await env.call(lambda c, options=options: c.list("pods", **options))
        assert caught.value.code == 400 and caught.value.reason == "BadRequest"
    with pytest.raises(BadRequest) as caught:
        await env.call(lambda c: c.list("pods", field_selector="spec.unknown=1"))
    assert caught.value.status["message"] == 'field label not supported: spec.unknown'


async def test_pagination_is_consistent_across_pages(env: Env, autojump_clock: Any) -> None:
    for i in range(7):
        await env.call(lambda c, i=i: c.create(configmap(f"cm-{i}")))
    first = await env.call(lambda c: c.list("configmaps", limit=3))
    assert names(first) == ["cm-0", "cm-1", "cm-2"]
    token = first["metadata"]["continue"]
    revision = first["metadata"]["resourceVersion"]
    # changes between pages do not show: a new object, a deleted one, a modified one
    await env.call(lambda c: c.create(configmap("cm-3a")))
    await env.call(lambda c: c.delete("configmaps", "cm-4"))
    await env.call(lambda c: c.patch("configmaps", "cm-5", {"data": {"new": "1"}}))
    second = await env.call(lambda c: c.list("configmaps", limit=3, **{"continue": token}))
    assert names(second) == ["cm-3", "cm-4", "cm-5"]
    assert second["metadata"]["resourceVersion"] == revision
    assert second["items"][2].get("data") == {}
    third = await env.call(lambda c: c.list("configmaps", limit=3,
                                            **{"continue": second["metadata"]["continue"]}))
    assert names(third) == ["cm-6"]
    assert "continue" not in third["metadata"]
    assert third["metadata"]["resourceVersion"] == revision
    # a fresh list sees the changes
    assert names(await env.call(lambda c: c.list("configmaps"))) == [
        "cm-0", "cm-1", "cm-2", "cm-3", "cm-3a", "cm-5", "cm-6"]


async def test_exact_pages_end_without_a_token(env: Env, autojump_clock: Any) -> None:
    for i in range(4):
        await env.call(lambda c, i=i: c.create(configmap(f"cm-{i}")))
    first = await env.call(lambda c: c.list("configmaps", limit=2))
    second = await env.call(lambda c: c.list("configmaps", limit=2,
                                             **{"continue": first["metadata"]["continue"]}))
    assert names(second) == ["cm-2", "cm-3"]
    # Kubernetes may hand out a token that then yields an empty last page; either way
    # the pages together are everything, once
    token = second["metadata"].get("continue")
    rest = [] if token is None else names(await env.call(
        lambda c: c.list("configmaps", limit=2, **{"continue": token})))
    assert rest == []
    everything = await env.call(lambda c: c.list("configmaps", limit=100))
    assert names(everything) == ["cm-0", "cm-1", "cm-2", "cm-3"]
    assert "continue" not in everything["metadata"]


async def test_a_continue_token_after_compaction_is_410(env: Env, autojump_clock: Any) -> None:
    for i in range(4):
        await env.call(lambda c, i=i: c.create(configmap(f"cm-{i}")))
    first = await env.call(lambda c: c.list("configmaps", limit=2))
    await env.call(lambda c: c.create(configmap("cm-9")))
    latest = await env.store(lambda s: s.range("/registry/", "/registry0", count_only=True))
    await env.store(lambda s: s.compact(latest.revision))
    with pytest.raises(Gone) as caught:
        await env.call(lambda c: c.list("configmaps", limit=2,
                                        **{"continue": first["metadata"]["continue"]}))
    error = caught.value
    assert error.code == 410 and error.reason == "Expired"
    assert error.status["message"].startswith(
        "The provided continue parameter is too old to display a consistent list result. "
        "You can start a new list without the continue parameter")
    # the token in the Status continues, inconsistently, at the latest revision
    token = error.status["metadata"]["continue"]
    rest = await env.call(lambda c: c.list("configmaps", limit=10, **{"continue": token}))
    assert names(rest) == ["cm-2", "cm-3", "cm-9"]
    assert rest["metadata"]["resourceVersion"] == str(latest.revision)


async def test_a_bad_continue_token_is_400(env: Env, autojump_clock: Any) -> None:
    await env.call(lambda c: c.create(configmap("cm")))
    for token in ("garbage", "bm90IGpzb24=", "e30=", "eyJydiI6IDAsICJzdGFydCI6ICIifQ=="):
        with pytest.raises(BadRequest) as caught:
            await env.call(lambda c, token=token: c.list("configmaps", limit=1,
                                                         **{"continue": token}))
        assert caught.value.status["message"].startswith("continue key is not valid")
    for token in (12, ["x"]):  # not even a string
        with pytest.raises(BadRequest):
            await env.call(lambda c, token=token: c.list("configmaps", limit=1,
                                                         **{"continue": token}))
    # a token of another namespace's list
    await env.call(lambda c: c.create(configmap("cm2")))
    first = await env.call(lambda c: c.list("configmaps", limit=1))
    with pytest.raises(BadRequest, match="^continue key is not valid: wrong prefix$"):
        await env.call(lambda c: c.list("configmaps", "kube-system", limit=1,
                                        **{"continue": first["metadata"]["continue"]}))


async def test_a_bad_limit_is_400(env: Env, autojump_clock: Any) -> None:
    for limit in ("ten", [1], {"a": 1}):
        with pytest.raises(BadRequest):
            await env.call(lambda c, limit=limit: c.list("configmaps", limit=limit))


async def test_list_sees_its_own_writes(env: Env, autojump_clock: Any) -> None:
    async def write_then_list(c: Any) -> list[str]:
        seen = []
        for i in range(5):
            await c.create(configmap(f"cm-{i}"))
            seen.append(names(await c.list("configmaps")))
        return seen

    seen = await env.call(write_then_list)
    assert seen == [[f"cm-{j}" for j in range(i + 1)] for i in range(5)]
