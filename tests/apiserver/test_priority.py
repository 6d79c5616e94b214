"""PriorityClasses and the Priority admission plugin, through the apiserver actor."""

from __future__ import annotations

from typing import Any

import pytest

from kactors.client.errors import Forbidden, Invalid

from .conftest import Env


def priority_class(name: str, value: int, **extra: Any) -> dict[str, Any]:
    return {"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass",
            "metadata": {"name": name}, "value": value, **extra}


def pod(name: str, **spec: Any) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
            "spec": {"containers": [{"name": "app", "image": "nginx"}], **spec}}


async def test_pods_get_their_class_priority(env: Env, autojump_clock: Any) -> None:
    system = await env.call(lambda c: c.get("priorityclasses", "system-node-critical"))
    assert system["value"] == 2000001000
    await env.call(lambda c: c.create(priority_class("high", 1000, preemptionPolicy="Never")))
    high = await env.call(lambda c: c.create(pod("important", priorityClassName="high")))
    assert (high["spec"]["priority"], high["spec"]["preemptionPolicy"]) == (1000, "Never")
    plain = await env.call(lambda c: c.create(pod("plain")))
    assert plain["spec"]["priority"] == 0
    with pytest.raises(Forbidden) as refused:
        await env.call(lambda c: c.create(pod("lost", priorityClassName="nope")))
    assert str(refused.value) == ('pods "lost" is forbidden: no PriorityClass with name nope '
                                  "was found")
    with pytest.raises(Forbidden) as refused:
        await env.call(lambda c: c.create(pod("sly", priorityClassName="high", priority=5)))
    assert "the integer value of priority (5) must not be provided in pod spec; priority " \
        "admission controller computed 1000 from the given PriorityClass name" in \
        str(refused.value)
    # a global default class is what pods naming none get
    await env.call(lambda c: c.create(priority_class("normal", 100, globalDefault=True)))
    later = await env.call(lambda c: c.create(pod("later")))
    assert (later["spec"]["priorityClassName"], later["spec"]["priority"]) == ("normal", 100)


async def test_priority_classes_are_validated(env: Env, autojump_clock: Any) -> None:
    with pytest.raises(Invalid) as invalid:
        await env.call(lambda c: c.create(priority_class("huge", 2_000_000_000,
                                                         preemptionPolicy="Sometimes")))
    assert [c["field"] for c in invalid.value.causes] == ["value", "preemptionPolicy"]
    with pytest.raises(Invalid):
        await env.call(lambda c: c.create(priority_class("system-mine", 10)))
    created = await env.call(lambda c: c.create(priority_class("mid", 10)))
    with pytest.raises(Invalid) as invalid:
        await env.call(lambda c: c.update({**created, "value": 11}))
    assert invalid.value.causes[0]["message"] == "Forbidden: may not be changed in an update."
