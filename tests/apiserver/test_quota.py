"""ResourceQuota admission: the apiserver refuses creates a namespace's quotas do not
allow, counting from its caches and the creates in flight (no controller-manager here)."""

from __future__ import annotations

from typing import Any

import pytest
import trio

from kactors.client.errors import Forbidden, Invalid

from .conftest import Env


def quota(name: str = "compute", **hard: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ResourceQuota", "metadata": {"name": name},
            "spec": {"hard": hard}}


def pod(name: str, cpu: str | None = "400m", **extra: Any) -> dict[str, Any]:
    resources = {"requests": {"cpu": cpu}} if cpu else {}
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
            "spec": {"containers": [{"name": "app", "image": "nginx", "resources": resources,
                                     **extra}]}}


async def test_creates_beyond_a_quota_are_refused(env: Env, autojump_clock: Any) -> None:
    await env.call(lambda c: c.create(quota(**{"pods": "2", "requests.cpu": "1"})))
    await env.call(lambda c: c.create(pod("p1")))
    await env.call(lambda c: c.create(pod("p2")))
    with pytest.raises(Forbidden) as refused:
        await env.call(lambda c: c.create(pod("p3")))
    assert str(refused.value) == (
        'pods "p3" is forbidden: exceeded quota: compute, requested: pods=1,requests.cpu=400m,'
        " used: pods=2,requests.cpu=800m, limited: pods=2,requests.cpu=1")
    with pytest.raises(Forbidden) as refused:
        await env.call(lambda c: c.create(pod("lazy", cpu=None)))
    assert str(refused.value) == ('pods "lazy" is forbidden: failed quota: compute: must '
                                  "specify requests.cpu for: app")
    # room again once a pod is gone (not scheduled: deleted at once)
    await env.call(lambda c: c.delete("pods", "p1"))
    await env.call(lambda c: c.create(pod("p3", cpu="500m")))


async def test_creates_in_flight_together_cannot_overrun(env: Env, autojump_clock: Any) -> None:
    await env.call(lambda c: c.create(quota(pods="3")))
    outcomes: list[str] = []

    async def burst(client: Any) -> None:
        async def one(index: int) -> None:
            try:
                await client.create(pod(f"b{index}", cpu=None))
                outcomes.append("created")
            except Forbidden:
                outcomes.append("refused")

        async with trio.open_nursery() as nursery:
            for index in range(6):
                nursery.start_soon(one, index)

    await env.call(burst)
    assert sorted(outcomes) == ["created"] * 3 + ["refused"] * 3


async def test_object_counts_and_validation(env: Env, autojump_clock: Any) -> None:
    await env.call(lambda c: c.create(quota("objects", configmaps="1")))
    cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}, "data": {}}
    await env.call(lambda c: c.create(cm))
    with pytest.raises(Forbidden) as refused:
        await env.call(lambda c: c.create({**cm, "metadata": {"name": "b"}}))
    assert "exceeded quota: objects, requested: configmaps=1, used: configmaps=1, limited: " \
        "configmaps=1" in str(refused.value)
    with pytest.raises(Invalid) as invalid:
        await env.call(lambda c: c.create(quota("bad", widgets="1", pods="-1")))
    assert [(c["field"], c["message"]) for c in invalid.value.causes] == [
        ("spec.hard[widgets]", 'Invalid value: "widgets": must be a standard resource for '
                               "quota"),
        ("spec.hard[pods]", 'Invalid value: "-1": must be greater than or equal to 0')]
