"""Pod-level behaviour: graceful termination, init containers, sidecars, logs, determinism."""

from __future__ import annotations

import attrs
import pytest

from kactors.node import (
    EventKind,
    ImageBehavior,
    ImageCatalog,
    LogSpec,
    LogsUnavailable,
    render_times,
)

from .helpers import FAST, UID, Driver, catalog, make_pod

STUBBORN = attrs.evolve(FAST, stop_seconds=None)  # PID 1 without a SIGTERM handler
RUN = attrs.evolve(FAST, run_seconds=2.0)
CRASH = attrs.evolve(FAST, run_seconds=2.0, exit_code=1)


def images() -> ImageCatalog:
    return catalog(fast=FAST, stubborn=STUBBORN, run=RUN, crash=CRASH)


# -- graceful termination -----------------------------------------------------------------


def test_graceful_kill_sigterm_then_terminated() -> None:
    driver = Driver(images())
    driver.sync(make_pod([{"name": "app", "image": "fast:1"}]))
    driver.run_until(10.0)
    driver.runtime.kill_pod(UID, 30, 10.0)
    events = driver.run_until(20.0)
    assert [(e.kind, e.reason, e.message) for e in events if e.kind in (EventKind.KILLING, EventKind.TERMINATED)] == [
        (EventKind.KILLING, "Killing", "Stopping container app"),
        (EventKind.TERMINATED, "", "all containers of the pod have stopped"),
    ]
    assert driver.times(EventKind.TERMINATED) == [pytest.approx(10.1)]
    terminated = driver.container("app")["state"]["terminated"]
    assert (terminated["exitCode"], terminated["reason"]) == (0, "Completed")
    assert driver.status()["phase"] == "Succeeded"  # deleted, all exited 0
    assert driver.runtime.is_terminated(UID)
    assert driver.runtime.ipam.in_use() == {}
    assert driver.status()["podIP"] == "10.244.1.2"  # still reported until the pod is gone


def test_grace_period_expiry_is_sigkill_137() -> None:
    driver = Driver(images())
    pod = make_pod([{"name": "app", "image": "fast:1"}, {"name": "sleeper", "image": "stubborn:1"}])
    driver.sync(pod)
    driver.run_until(10.0)
    deleted = pod | {"metadata": pod["metadata"] | {
        "deletionTimestamp": "2026-01-01T00:00:10Z", "deletionGracePeriodSeconds": 5,
    }}
    driver.sync(deleted, 10.0)
    driver.run_until(30.0)
    assert driver.times(EventKind.TERMINATED) == [pytest.approx(15.0)]
    sleeper = driver.container("sleeper")["state"]["terminated"]
    assert (sleeper["exitCode"], sleeper["reason"], sleeper["finishedAt"]) == (137, "Error", pytest.approx(15.0))
    assert driver.status()["phase"] == "Failed"
    assert driver.condition("Ready")["reason"] == "PodFailed"


def test_a_shorter_second_grace_period_wins() -> None:
    driver = Driver(images())
    driver.sync(make_pod([{"name": "app", "image": "stubborn:1"}]))
    driver.run_until(10.0)
    driver.runtime.kill_pod(UID, 30, 10.0)
    driver.runtime.kill_pod(UID, 2, 11.0)
    driver.run_until(60.0)
    assert driver.times(EventKind.TERMINATED) == [pytest.approx(13.0)]
    assert len(driver.times(EventKind.KILLING)) == 1


def test_killing_a_pod_that_never_started() -> None:
    driver = Driver(images())
    driver.sync(make_pod([{"name": "app", "image": "fast:1"}]))
    driver.run_until(0.5)  # pulling
    driver.runtime.kill_pod(UID, 30, 0.5)
    driver.run_until(5.0)
    assert driver.times(EventKind.TERMINATED) == [pytest.approx(0.5)]
    assert driver.container("app")["state"] == {"terminated": {
        "exitCode": 137, "reason": "ContainerStatusUnknown",
        "message": "The container could not be located when the pod was terminated",
        "startedAt": None, "finishedAt": None,
    }}
    assert driver.status()["phase"] == "Failed"
    assert not driver.times(EventKind.STARTED)


def test_remove_pod_forgets_everything() -> None:
    driver = Driver(images())
    driver.sync(make_pod([{"name": "app", "image": "crash:1"}]))
    driver.run_until(10.0)
    driver.runtime.remove_pod(UID)
    assert driver.runtime.pod_uids() == []
    assert driver.runtime.next_wakeup() is None
    assert driver.runtime.advance(1000.0) == []


def test_image_change_restarts_the_container() -> None:
    driver = Driver(catalog(fast=FAST, other=FAST))
    driver.sync(make_pod([{"name": "app", "image": "fast:1"}]))
    driver.run_until(5.0)
    driver.sync(make_pod([{"name": "app", "image": "other:2"}]), 5.0)
    driver.run_until(10.0)
    assert driver.recorded()[4:6] == [
        ("Normal", "Killing", "Container app definition changed, will be restarted"),
        ("Normal", "Pulling", 'Pulling image "other:2"'),
    ]
    app = driver.container("app")
    assert app["image"] == "docker.io/library/other:2"
    assert app["restartCount"] == 1


# -- init containers and sidecars ---------------------------------------------------------------


def test_init_containers_run_in_order_before_the_app() -> None:
    driver = Driver(images())
    pod = make_pod([{"name": "app", "image": "fast:1"}],
                   initContainers=[{"name": "one", "image": "run:1"}, {"name": "two", "image": "run:1"}])
    driver.sync(pod)
    driver.run_until(2.0)
    status = driver.status()
    assert status["phase"] == "Pending"
    assert driver.container("app")["state"] == {"waiting": {"reason": "PodInitializing"}}
    assert driver.container("two")["state"] == {"waiting": {"reason": "PodInitializing"}}
    assert driver.condition("Initialized") | {"lastTransitionTime": 0} == {
        "type": "Initialized", "status": "False", "reason": "ContainersNotInitialized",
        "message": "containers with incomplete status: [one two]",
        "lastProbeTime": None, "lastTransitionTime": 0,
    }
    driver.run_until(20.0)
    started = [(e.container, e.time) for e in driver.events if e.kind is EventKind.STARTED]
    assert [name for name, _ in started] == ["one", "two", "app"]
    one = driver.container("one")
    assert one["state"]["terminated"]["reason"] == "Completed" and one["ready"] is True
    assert driver.status()["phase"] == "Running"
    assert driver.condition("Initialized")["status"] == "True"
    assert [f for f in (e.field_path for e in driver.events if e.record)][:1] == ["spec.initContainers{one}"]


def test_failed_init_container_under_never_fails_the_pod() -> None:
    driver = Driver(images())
    driver.sync(make_pod([{"name": "app", "image": "fast:1"}], restartPolicy="Never",
                         initContainers=[{"name": "init", "image": "crash:1"}]))
    driver.run_until(30.0)
    assert driver.status()["phase"] == "Failed"
    assert driver.container("app")["state"] == {"waiting": {"reason": "PodInitializing"}}
    assert not [e for e in driver.events if e.kind is EventKind.STARTED and e.container == "app"]


def test_failed_init_container_restarts_with_backoff_under_always() -> None:
    driver = Driver(images())
    driver.sync(make_pod([{"name": "app", "image": "fast:1"}],
                         initContainers=[{"name": "init", "image": "crash:1"}]))
    driver.run_until(30.0)
    init = driver.container("init")
    assert init["state"]["waiting"]["reason"] == "CrashLoopBackOff"
    assert init["restartCount"] >= 2
    assert driver.status()["phase"] == "Pending"


def test_sidecar_starts_before_the_app_and_stops_after_a_job() -> None:
    driver = Driver(images())
    pod = make_pod([{"name": "job", "image": "run:1"}], restartPolicy="Never",
                   initContainers=[{"name": "proxy", "image": "fast:1", "restartPolicy": "Always"}])
    driver.sync(pod)
    driver.run_until(3.0)
    assert "running" in driver.container("proxy")["state"]
    assert driver.condition("Initialized")["status"] == "True"
    driver.run_until(30.0)
    assert ("Normal", "Killing", "Stopping container proxy") in driver.recorded()
    assert driver.status()["phase"] == "Succeeded"
    assert driver.container("proxy")["restartCount"] == 0


# -- logs -----------------------------------------------------------------------------------


def test_logs_of_a_running_container() -> None:
    chatty = attrs.evolve(FAST, logs=(LogSpec("listening on :8080"), LogSpec("GET / 200", 0.0, 5.0)))
    driver = Driver(catalog(chatty=chatty))
    driver.sync(make_pod([{"name": "app", "image": "chatty:1"}]))
    driver.run_until(17.0)
    assert driver.runtime.logs(UID, "app") == ["listening on :8080", "GET / 200", "GET / 200", "GET / 200"]
    assert driver.runtime.logs(UID, "app", tail=1) == ["GET / 200"]
    lines = driver.runtime.log_lines(UID, "app", now=21.6)
    assert [line.time for line in lines] == pytest.approx([1.5, 6.5, 11.5, 16.5, 21.5])


def test_logs_of_the_shell_script_and_previous_run() -> None:
    busybox = attrs.evolve(ImageCatalog().lookup("busybox"), spread=0.0)
    driver = Driver(catalog(busybox=busybox))
    script = "echo starting; sleep 2; echo failing; exit 1"
    driver.sync(make_pod([{"name": "bb", "image": "busybox:1.36", "command": ["sh", "-c", script]}]))
    driver.run_until(30.0)
    assert driver.runtime.logs(UID, "bb") == ["starting", "failing"]
    assert driver.runtime.logs(UID, "bb", previous=True) == ["starting", "failing"]


@pytest.mark.parametrize("seed", range(8))
def test_a_script_prints_its_last_line_however_its_run_is_spread(seed: int) -> None:
    """The spread stretches a script's whole run, its printed lines with it: the line a
    script prints as it ends (perl's pi) is in its log, whether the run came out shorter
    or longer than written."""
    busybox = attrs.evolve(ImageCatalog().lookup("busybox"), spread=0.3)
    driver = Driver(catalog(busybox=busybox), seed=seed)
    script = "echo starting; sleep 10; echo done"
    driver.sync(make_pod([{"name": "bb", "image": "busybox:1.36", "command": ["sh", "-c", script]}],
                         restartPolicy="Never"))
    driver.run_until(60.0)
    assert driver.runtime.logs(UID, "bb") == ["starting", "done"], f"seed {seed}"


@pytest.mark.parametrize(
    ("until", "container", "previous", "message"),
    [
        (0.5, "app", False, 'container "app" in pod "web" is waiting to start: ContainerCreating'),
        (0.5, "nope", False, "container nope is not valid for pod web"),
        (5.0, "app", True, 'previous terminated container "app" in pod "web" not found'),
    ],
)
def test_logs_unavailable_messages(until: float, container: str, previous: bool, message: str) -> None:
    driver = Driver(images())
    driver.sync(make_pod([{"name": "app", "image": "fast:1"}]))
    driver.run_until(until)
    with pytest.raises(LogsUnavailable) as caught:
        driver.runtime.logs(UID, container, previous=previous)
    assert str(caught.value) == message


def test_logs_while_failing_to_pull() -> None:
    driver = Driver(catalog(gone=attrs.evolve(FAST, missing=True)))
    driver.sync(make_pod([{"name": "app", "image": "gone:1"}]))
    driver.run_until(1.5)
    with pytest.raises(LogsUnavailable, match="is waiting to start: image can't be pulled$"):
        driver.runtime.logs(UID, "app")
    driver.run_until(3.0)
    with pytest.raises(LogsUnavailable, match="is waiting to start: trying and failing to pull image$"):
        driver.runtime.logs(UID, "app")
    with pytest.raises(LogsUnavailable, match='^pod with UID "other" is not known on node "node-1"$'):
        driver.runtime.logs("other", "app")


# -- determinism and rendering -------------------------------------------------------------------


def scenario(seed: int) -> list[tuple[float, str, str | None, str]]:
    spread = ImageBehavior(pull_seconds=2.0, run_seconds=5.0, exit_code=1, spread=0.3)
    driver = Driver(catalog(spread=spread, fast=attrs.evolve(FAST, spread=0.2)), seed=seed)
    for index in range(3):
        driver.sync(make_pod([{"name": "a", "image": "spread:1"}, {"name": "b", "image": "fast:1"}],
                             uid=f"u{index}"), index * 0.5)
    driver.run_until(200.0)
    return [(e.time, e.kind.value, e.container, e.message) for e in driver.events]


def test_same_seed_same_events() -> None:
    first = scenario(42)
    assert first == scenario(42)
    assert len(first) > 50
    assert first != scenario(43)


def test_render_times_converts_every_time_field() -> None:
    driver = Driver(images())
    driver.sync(make_pod([{"name": "app", "image": "crash:1"}]))
    driver.run_until(8.0)
    rendered = render_times(driver.status(), lambda seconds: f"T+{seconds:.1f}")
    app = rendered["containerStatuses"][0]
    assert rendered["startTime"] == "T+0.0"
    assert app["lastState"]["terminated"]["startedAt"].startswith("T+")
    assert app["lastState"]["terminated"]["finishedAt"].startswith("T+")
    assert {c["type"]: c["lastTransitionTime"] for c in rendered["conditions"]}["PodReadyToStartContainers"] == "T+0.3"
    assert rendered["conditions"][-1]["lastTransitionTime"] == "2026-01-01T00:00:00Z"  # text kept
    assert app["restartCount"] == 1  # numbers that are not times stay numbers


def test_describe_lists_pods_and_containers() -> None:
    driver = Driver(images())
    driver.sync(make_pod([{"name": "app", "image": "fast:1"}]))
    driver.run_until(5.0)
    assert driver.runtime.describe() == [
        "default/web Running ip=10.244.1.2",
        "  app: running ready=True restarts=0",
    ]


def test_a_pod_deleted_before_it_started_terminates_at_once() -> None:
    driver = Driver(images())
    pod = make_pod([{"name": "app", "image": "fast:1"}])
    pod["metadata"]["deletionTimestamp"] = "2026-01-01T00:00:00Z"
    driver.sync(pod)
    assert driver.times(EventKind.TERMINATED) == [0.0]
    driver.run_until(10.0)
    assert not driver.times(EventKind.PULLING)
    assert driver.status()["phase"] == "Failed"


def test_preloaded_images_are_not_pulled() -> None:
    driver = Driver(images())
    driver.runtime.preload_image("fast:1")
    assert driver.runtime.has_image("docker.io/library/fast:1")
    driver.sync(make_pod([{"name": "app", "image": "fast:1"}]))
    driver.run_until(2.0)
    assert driver.recorded()[0] == ("Normal", "Pulled", 'Container image "fast:1" already present on machine')
    assert driver.times(EventKind.STARTED) == [pytest.approx(0.5)]


def test_fixing_a_crash_looping_image_restarts_without_backoff() -> None:
    driver = Driver(images())
    driver.sync(make_pod([{"name": "app", "image": "crash:1"}]))
    driver.run_until(7.0)  # in CrashLoopBackOff until 15.7
    assert driver.container("app")["state"]["waiting"]["reason"] == "CrashLoopBackOff"
    driver.sync(make_pod([{"name": "app", "image": "fast:1"}]), 7.0)
    driver.run_until(9.0)
    assert "running" in driver.container("app")["state"]


def test_inputs_are_never_mutated() -> None:
    import copy

    objects = {("ConfigMap", "default", "cfg"): {"data": {"mode": "x"}}}
    driver = Driver(images(), lookup=lambda kind, ns, name: objects.get((kind, ns, name)))
    pod = make_pod(
        [{"name": "app", "image": "crash:1", "envFrom": [{"configMapRef": {"name": "cfg"}}],
          "livenessProbe": {"httpGet": {"port": 80}}}],
        initContainers=[{"name": "init", "image": "run:1"}],
        volumes=[{"name": "cfg", "configMap": {"name": "cfg"}}],
    )
    frozen = copy.deepcopy(pod)
    frozen_objects = copy.deepcopy(objects)
    driver.sync(pod)
    driver.run_until(60.0)
    status = driver.status()
    status["conditions"][-1]["status"] = "changed"  # the result is the caller's to change
    driver.runtime.kill_pod(UID, 1, 61.0)
    driver.run_until(70.0)
    assert pod == frozen and objects == frozen_objects
