"""The runtime looks at a pod's phase and conditions after every step, reusing what did
not change: these check that the reuse never hides a change nor invents one."""

from __future__ import annotations

import copy

import pytest

from kactors.node import EventKind, render_times

from .helpers import FAST, UID, Driver, catalog, make_pod

GATE = "example.com/lb"


def _gated_pod() -> dict:
    return make_pod([{"name": "app", "image": "fast:1"}],
                    readinessGates=[{"conditionType": GATE}])


def test_a_readiness_gate_set_by_a_pod_update_alone_makes_the_pod_ready() -> None:
    driver = Driver(catalog(fast=FAST))
    pod = _gated_pod()
    driver.sync(pod)
    driver.run_until(10.0)
    assert driver.condition("ContainersReady")["status"] == "True"
    assert driver.condition("Ready")["reason"] == "ReadinessGatesNotReady"
    # only the pod's status changes (a load balancer controller set the gate): no
    # container moved, yet Ready must follow, from the time of the update
    status = copy.deepcopy(pod["status"])
    status["conditions"].append({"type": GATE, "status": "True"})
    driver.sync(pod | {"status": status}, 12.0)
    ready = driver.condition("Ready")
    assert (ready["status"], ready.get("reason")) == ("True", None)
    assert ready["lastTransitionTime"] == pytest.approx(12.0)
    # and back, when the gate goes False
    status = copy.deepcopy(status)
    status["conditions"][-1]["status"] = "False"
    driver.sync(pod | {"status": status}, 15.0)
    ready = driver.condition("Ready")
    assert (ready["status"], ready["reason"]) == ("False", "ReadinessGatesNotReady")
    assert ready["lastTransitionTime"] == pytest.approx(15.0)


def test_the_same_pod_synced_again_changes_nothing() -> None:
    driver = Driver(catalog(fast=FAST))
    pod = make_pod([{"name": "app", "image": "fast:1"}])
    driver.sync(pod)
    driver.run_until(10.0)
    before = driver.status()
    seen = len(driver.events)
    for now in (11.0, 12.5, 20.0):  # our own status writes coming back, say
        driver.sync(copy.deepcopy(pod), now)
    assert driver.status(now=20.0) == before
    assert driver.events[seen:] == []


def test_a_changed_image_is_seen_although_the_pod_object_is_new_each_time() -> None:
    driver = Driver(catalog(fast=FAST))
    pod = make_pod([{"name": "app", "image": "fast:1"}])
    driver.sync(pod)
    driver.run_until(10.0)
    changed = copy.deepcopy(pod)
    changed["spec"]["containers"][0]["image"] = "fast:2"
    driver.sync(changed, 10.0)
    driver.run_until(20.0)
    assert driver.container("app")["image"] == "docker.io/library/fast:2"
    assert driver.container("app")["restartCount"] == 1
    assert [e.kind for e in driver.events].count(EventKind.STARTED) == 2


def test_pod_status_hands_out_its_own_copies() -> None:
    driver = Driver(catalog(fast=FAST))
    driver.sync(make_pod([{"name": "app", "image": "fast:1"}]))
    driver.run_until(10.0)
    first = driver.status()
    first["containerStatuses"][0]["ready"] = "tampered"
    first["containerStatuses"][0]["state"].clear()
    again = driver.status()
    assert again["containerStatuses"][0]["ready"] is True
    assert "running" in again["containerStatuses"][0]["state"]
    assert driver.runtime.describe()[1].startswith("  app: running")
    assert UID in driver.runtime.pod_uids()


def test_the_kubelets_rendered_status_is_the_rendered_pod_status_in_its_own_dicts() -> None:
    driver = Driver(catalog(fast=FAST))
    pod = make_pod([{"name": "app", "image": "fast:1"}],
                   initContainers=[{"name": "setup", "image": "fast:1", "command": ["true"]}],
                   readinessGates=[{"conditionType": GATE}])
    # a condition someone else owns, with a time the runtime must render as well
    pod["status"]["conditions"].append({"type": GATE, "status": "True",
                                        "lastTransitionTime": 3})
    driver.sync(pod)
    driver.run_until(10.0)

    def text(seconds: float) -> str:
        return f"T{seconds!r}"

    rendered = driver.runtime.rendered_status(pod, 10.0, text)
    assert rendered == render_times(driver.status(), text)
    assert [c["lastTransitionTime"] for c in rendered["conditions"]][0] == "T3.0"
    assert rendered["startTime"] == "T0.0"
    assert [s["name"] for s in rendered["initContainerStatuses"]] == ["setup"]
    # the kubelet's copy is its own: changing it changes nothing the runtime keeps
    kept = copy.deepcopy(rendered)
    for status in [*rendered["initContainerStatuses"], *rendered["containerStatuses"]]:
        status["state"].clear()
    rendered["conditions"][0]["status"] = "tampered"
    assert driver.runtime.rendered_status(pod, 10.0, text) == kept
    assert kept["initContainerStatuses"][0]["state"]
