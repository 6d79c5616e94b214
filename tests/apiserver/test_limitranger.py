"""LimitRanges: the LimitRanger admission plugin defaults and bounds new pods' resources,
through the apiserver actor with the namespace's LimitRanges from its watch cache."""

from __future__ import annotations

from typing import Any

import pytest

from kactors.client.errors import Forbidden, Invalid

from .conftest import Env


def limit_range(*limits: dict[str, Any], name: str = "limits") -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "LimitRange", "metadata": {"name": name},
            "spec": {"limits": list(limits)}}


def pod(name: str, *containers: dict[str, Any]) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
            "spec": {"containers": list(containers) or [{"name": "app", "image": "nginx"}]}}


def container(name: str = "app", **resources: Any) -> dict[str, Any]:
    return {"name": name, "image": "nginx", "resources": resources}


async def test_defaults_fill_what_containers_leave_out(env: Env, autojump_clock: Any) -> None:
    stored = await env.call(lambda c: c.create(limit_range(
        {"type": "Container", "default": {"cpu": "500m", "memory": "256Mi"},
         "defaultRequest": {"cpu": "100m"}, "max": {"cpu": "1"}})))
    # API defaulting completes the item: memory's default request is its default limit
    item = stored["spec"]["limits"][0]
    assert item["defaultRequest"] == {"cpu": "100m", "memory": "256Mi"}
    created = await env.call(lambda c: c.create(pod(
        "web", container("app"), container("side", limits={"cpu": "800m"}))))
    app, side = created["spec"]["containers"]
    assert app["resources"] == {"requests": {"cpu": "100m", "memory": "256Mi"},
                                "limits": {"cpu": "500m", "memory": "256Mi"}}
    # what a container sets is kept (its cpu request defaults to its own limit first)
    assert side["resources"]["limits"] == {"cpu": "800m", "memory": "256Mi"}
    assert side["resources"]["requests"]["cpu"] == "800m"
    assert created["metadata"]["annotations"]["kubernetes.io/limit-ranger"] == (
        "LimitRanger plugin set: cpu, memory request for container app; cpu, memory limit "
        "for container app; memory request for container side; memory limit for container "
        "side")


async def test_bounds_refuse_pods_with_kubernetes_words(env: Env, autojump_clock: Any) -> None:
    await env.call(lambda c: c.create(limit_range(
        {"type": "Container", "min": {"cpu": "50m"}, "max": {"cpu": "1", "memory": "1Gi"},
         "maxLimitRequestRatio": {"cpu": "4"}},
        {"type": "Pod", "max": {"cpu": "1500m"}})))
    with pytest.raises(Forbidden) as refused:
        await env.call(lambda c: c.create(pod("big", container(
            limits={"cpu": "2", "memory": "512Mi"}, requests={"cpu": "1"}))))
    assert str(refused.value) == ('pods "big" is forbidden: [maximum cpu usage per Container '
                                  'is 1, but limit is 2, maximum cpu usage per Pod is 1500m, '
                                  'but limit is 2]')
    with pytest.raises(Forbidden) as refused:
        await env.call(lambda c: c.create(pod("greedy", container(
            limits={"cpu": "800m", "memory": "512Mi"}, requests={"cpu": "100m"}))))
    assert str(refused.value) == ('pods "greedy" is forbidden: cpu max limit to request ratio '
                                  'per Container is 4, but provided ratio is 8.000000.')
    two = await env.call(lambda c: c.create(pod("pair", container(
        "a", limits={"cpu": "700m", "memory": "1Gi"}), container(
        "b", limits={"cpu": "700m", "memory": "1Gi"}))))
    assert two["metadata"]["name"] == "pair"  # 1400m in all: within the Pod's 1500m


async def test_limit_ranges_are_validated(env: Env, autojump_clock: Any) -> None:
    with pytest.raises(Invalid) as invalid:
        await env.call(lambda c: c.create(limit_range(
            {"type": "Container", "min": {"cpu": "2"}, "max": {"cpu": "1"}},
            {"type": "Pod", "default": {"cpu": "1"}},
            {"type": "Node"})))
    assert [(c["field"], c["message"]) for c in invalid.value.causes] == [
        ("spec.limits[0].min[cpu]", 'Invalid value: "2": min value 2 is greater than max '
                                    "value 1"),
        # the default request and limit come from max (1): below min too
        ("spec.limits[0].defaultRequest[cpu]", 'Invalid value: "1": min value 2 is greater '
                                               "than default request value 1"),
        ("spec.limits[0].default[cpu]", 'Invalid value: "2": min value 2 is greater than '
                                        "default value 1"),
        ("spec.limits[1].default", "Forbidden: may not be specified when `type` is 'Pod'"),
        ("spec.limits[2].type", 'Unsupported value: "Node": supported values: "Container", '
                                '"PersistentVolumeClaim", "Pod"')]
