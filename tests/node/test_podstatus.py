"""Pod phase and conditions from container statuses (kubelet's getPhase and generate.go)."""

from __future__ import annotations

from typing import Any

import pytest

from kactors.node import (
    containers_ready_condition,
    initialized_condition,
    pod_phase,
    ready_condition,
)
from kactors.node.podstatus import by_name


def running(name: str, ready: bool = True, started: bool = True) -> dict[str, Any]:
    return {"name": name, "state": {"running": {"startedAt": 1.0}}, "lastState": {},
            "ready": ready, "started": started}


def waiting(name: str, reason: str = "ContainerCreating", last_exit: int | None = None) -> dict[str, Any]:
    last = {"terminated": {"exitCode": last_exit}} if last_exit is not None else {}
    return {"name": name, "state": {"waiting": {"reason": reason}}, "lastState": last, "ready": False}


def terminated(name: str, code: int) -> dict[str, Any]:
    ready = code == 0
    return {"name": name, "state": {"terminated": {"exitCode": code}}, "lastState": {}, "ready": ready}


def spec(*names: str, policy: str = "Always", init: tuple[str, ...] = (), sidecars: tuple[str, ...] = ()) -> dict[str, Any]:
    return {
        "restartPolicy": policy,
        "containers": [{"name": n} for n in names],
        "initContainers": [{"name": n} for n in init] + [{"name": n, "restartPolicy": "Always"} for n in sidecars],
    }


@pytest.mark.parametrize(
    ("policy", "statuses", "phase"),
    [
        ("Always", [waiting("app")], "Pending"),
        ("Always", [running("app")], "Running"),
        ("Always", [running("a"), waiting("b")], "Pending"),
        ("Always", [waiting("app", "CrashLoopBackOff", last_exit=1)], "Running"),
        ("Always", [terminated("app", 0)], "Running"),  # about to restart
        ("OnFailure", [terminated("app", 0)], "Succeeded"),
        ("OnFailure", [terminated("app", 1)], "Running"),  # restarting
        ("OnFailure", [waiting("app", "CrashLoopBackOff", last_exit=1)], "Running"),
        ("Never", [terminated("app", 0)], "Succeeded"),
        ("Never", [terminated("app", 2)], "Failed"),
        ("Never", [terminated("a", 0), terminated("b", 1)], "Failed"),
        ("Never", [terminated("a", 0), running("b")], "Running"),
    ],
)
def test_phase_table(policy: str, statuses: list[dict[str, Any]], phase: str) -> None:
    names = tuple(s["name"] for s in statuses)
    assert pod_phase(spec(*names, policy=policy), [], statuses) == phase


def test_terminal_pods_are_succeeded_or_failed_whatever_the_policy() -> None:
    assert pod_phase(spec("a"), [], [terminated("a", 0)], terminal=True) == "Succeeded"
    assert pod_phase(spec("a"), [], [terminated("a", 137)], terminal=True) == "Failed"


def test_init_containers_keep_the_pod_pending_and_fail_it_under_never() -> None:
    pod = spec("app", init=("init",))
    assert pod_phase(pod, [running("init", ready=False)], [waiting("app", "PodInitializing")]) == "Pending"
    assert pod_phase(pod, [terminated("init", 0)], [running("app")]) == "Running"
    never = spec("app", init=("init",), policy="Never")
    assert pod_phase(never, [terminated("init", 1)], [waiting("app", "PodInitializing")]) == "Failed"
    assert pod_phase(pod, [waiting("init", "CrashLoopBackOff", 1)], [waiting("app", "PodInitializing")]) == "Pending"


def test_sidecars_count_as_running_but_not_as_stopped() -> None:
    pod = spec("app", policy="Never", sidecars=("proxy",))
    assert pod_phase(pod, [running("proxy")], [running("app")]) == "Running"
    assert pod_phase(pod, [running("proxy")], [terminated("app", 0)]) == "Running"
    assert pod_phase(pod, [terminated("proxy", 137)], [terminated("app", 0)]) == "Succeeded"


def test_unready_messages() -> None:
    pod = spec("app", "web")
    statuses = [running("app", ready=False), running("web", ready=False)]
    assert containers_ready_condition(pod, statuses, "Running") == (
        "ContainersReady", "False", "ContainersNotReady", "containers with unready status: [app web]",
    )
    assert ready_condition(pod, statuses, "Running") == (
        "Ready", "False", "ContainersNotReady", "containers with unready status: [app web]",
    )
    assert containers_ready_condition(pod, [running("app")], "Pending") == (
        "ContainersReady", "False", "ContainersNotReady",
        "containers with unknown status: [web]",
    )
    assert ready_condition(pod, [running("app"), running("web")], "Running") == ("Ready", "True", "", "")


def test_terminal_phase_conditions() -> None:
    pod = spec("app", policy="Never")
    assert ready_condition(pod, [terminated("app", 0)], "Succeeded") == ("Ready", "False", "PodCompleted", "")
    assert containers_ready_condition(pod, [terminated("app", 1)], "Failed") == (
        "ContainersReady", "False", "PodFailed", "",
    )
    assert initialized_condition(pod, [terminated("app", 0)], "Succeeded") == (
        "Initialized", "True", "PodCompleted", "",
    )


def test_readiness_gates() -> None:
    pod = spec("app") | {"readinessGates": [{"conditionType": "example.com/lb"}]}
    assert ready_condition(pod, [running("app")], "Running", []) == (
        "Ready", "False", "ReadinessGatesNotReady",
        'corresponding condition of pod readiness gate "example.com/lb" does not exist.',
    )
    gate = [{"type": "example.com/lb", "status": "False"}]
    assert ready_condition(pod, [running("app")], "Running", gate)[3] == (
        'the status of pod readiness gate "example.com/lb" is not "True", but False'
    )
    assert ready_condition(pod, [running("app")], "Running", [{"type": "example.com/lb", "status": "True"}])[1] == "True"


def test_initialized_condition() -> None:
    pod = spec("app", init=("one", "two"))
    assert initialized_condition(pod, [terminated("one", 0), running("two", ready=False)], "Pending") == (
        "Initialized", "False", "ContainersNotInitialized", "containers with incomplete status: [two]",
    )
    assert initialized_condition(pod, [terminated("one", 0)], "Pending") == (
        "Initialized", "False", "ContainersNotInitialized", "containers with unknown status: [two]",
    )
    assert initialized_condition(
        pod, [terminated("one", 0), terminated("two", 0), running("app")], "Running"
    ) == ("Initialized", "True", "", "")


@pytest.mark.parametrize(
    ("pod", "init_statuses", "statuses", "phase"),
    [
        (spec("app", init=("one",), sidecars=("proxy",)), [running("one", ready=False)], [],
         "Pending"),
        (spec("app", init=("one",), sidecars=("proxy",)),
         [terminated("one", 0), running("proxy")], [running("app", ready=False)], "Running"),
        (spec("a", "b", policy="Never"), [], [terminated("a", 0), waiting("b")], "Pending"),
        (spec("a", policy="OnFailure"), [], [terminated("a", 0)], "Succeeded"),
        (spec("a", "b", init=("one",)), [waiting("one", "CrashLoopBackOff", last_exit=1)], [],
         "Pending"),
    ],
)
def test_the_statuses_by_name_given_by_the_caller_change_no_answer(
    pod: dict[str, Any], init_statuses: list[dict[str, Any]], statuses: list[dict[str, Any]],
    phase: str,
) -> None:
    """The runtime builds the name -> status map once per refresh and hands it to the
    phase and condition functions: each answers what it answers when it builds its own."""
    every = [*init_statuses, *statuses]
    known = by_name(every)
    assert pod_phase(pod, init_statuses, statuses, known=known) == pod_phase(
        pod, init_statuses, statuses) == phase
    for condition in (containers_ready_condition, initialized_condition):
        assert condition(pod, every, phase, known=known) == condition(pod, every, phase)
