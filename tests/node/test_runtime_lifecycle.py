"""The runtime's container state machines: start, pulls, restarts, exits, with exact wording.

Images here have no random spread (``FAST`` and friends), so times are exact: a pod
synced at t=0 has its sandbox at 0.3, pulls for 1 s, is created at 1.4 and started at 1.5.
"""

from __future__ import annotations

import attrs
import pytest

from kactors.node import EventKind, Health, ImageCatalog
from kactors.node.runtime import PULL_FAIL_SECONDS

from .helpers import FAST, UID, Driver, catalog, make_pod

POD = "web_default(" + UID + ")"


def test_normal_start_pending_creating_running_ready() -> None:
    driver = Driver()
    driver.sync(make_pod([{"name": "app", "image": "fast:1"}]))
    driver.run_until(1.0)
    status = driver.status()
    assert status["phase"] == "Pending"
    assert status["podIP"] == "10.244.1.2" and status["podIPs"] == [{"ip": "10.244.1.2"}]
    assert driver.container("app")["state"] == {"waiting": {"reason": "ContainerCreating"}}
    assert driver.condition("Ready") | {"lastTransitionTime": None} == {
        "type": "Ready", "status": "False", "reason": "ContainersNotReady",
        "message": "containers with unready status: [app]",
        "lastProbeTime": None, "lastTransitionTime": None,
    }
    driver.run_until(5.0)
    assert driver.recorded() == [
        ("Normal", "Pulling", 'Pulling image "fast:1"'),
        ("Normal", "Pulled", 'Successfully pulled image "fast:1" in 1s (1s including waiting). '
                             "Image size: 50000000 bytes."),
        ("Normal", "Created", "Created container: app"),
        ("Normal", "Started", "Started container app"),
    ]
    status = driver.status()
    assert status["phase"] == "Running"
    app = driver.container("app")
    assert app["state"] == {"running": {"startedAt": pytest.approx(1.5)}}
    assert app["ready"] is True and app["started"] is True and app["restartCount"] == 0
    assert app["lastState"] == {}
    assert app["image"] == "docker.io/library/fast:1"
    assert app["imageID"].startswith("docker.io/library/fast@sha256:")
    assert app["containerID"].startswith("containerd://") and len(app["containerID"]) == 13 + 64
    ready = driver.condition("Ready")
    assert (ready["status"], ready["lastTransitionTime"]) == ("True", pytest.approx(1.5))
    assert driver.condition("PodReadyToStartContainers")["lastTransitionTime"] == pytest.approx(0.3)
    assert driver.condition("PodScheduled")["lastTransitionTime"] == "2026-01-01T00:00:00Z"
    assert [c["type"] for c in status["conditions"]] == [
        "PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled",
    ]
    assert (status["hostIP"], status["startTime"], status["qosClass"]) == ("172.18.0.3", 0.0, "BestEffort")
    phases = [e.message for e in driver.events if e.kind is EventKind.PHASE]
    assert phases == ["Pending -> Running"]
    assert all(e.field_path == "spec.containers{app}" for e in driver.events if e.record)


def test_readiness_probe_gates_ready() -> None:
    slow = attrs.evolve(FAST, readiness=Health("after", 5.0))
    driver = Driver(catalog(slow=slow))
    probe = {"httpGet": {"path": "/", "port": 80}, "periodSeconds": 2, "initialDelaySeconds": 1}
    driver.sync(make_pod([{"name": "app", "image": "slow:1", "readinessProbe": probe}]))
    driver.run_until(6.0)
    assert driver.status()["phase"] == "Running"
    assert driver.container("app")["ready"] is False
    assert driver.condition("ContainersReady")["message"] == "containers with unready status: [app]"
    driver.run_until(10.0)
    # probes at 2.5, 4.5, 6.5 (age 5: healthy)
    assert driver.times(EventKind.READY) == [pytest.approx(6.5)]
    assert driver.recorded()[-2:] == [
        ("Warning", "Unhealthy", "Readiness probe failed: HTTP probe failed with statuscode: 503"),
        ("Warning", "Unhealthy", "Readiness probe failed: HTTP probe failed with statuscode: 503"),
    ]
    assert driver.condition("Ready")["status"] == "True"


def test_flapping_readiness_goes_ready_and_unready() -> None:
    flapping = attrs.evolve(FAST, readiness=Health("flapping", 20.0))
    driver = Driver(catalog(flap=flapping))
    probe = {"httpGet": {"port": 80}, "periodSeconds": 5, "failureThreshold": 1}
    driver.sync(make_pod([{"name": "app", "image": "flap:1", "readinessProbe": probe}]))
    driver.run_until(70.0)
    assert driver.times(EventKind.READY) == pytest.approx([1.5, 41.5])
    assert driver.times(EventKind.NOT_READY) == pytest.approx([21.5, 61.5])


def test_image_already_present_and_serialized_pulls() -> None:
    driver = Driver(catalog(fast=FAST, other=attrs.evolve(FAST, pull_seconds=3.0)))
    driver.sync(make_pod([{"name": "a", "image": "other:1"}], uid="u1"))
    driver.sync(make_pod([{"name": "b", "image": "fast:1"}], uid="u2"))
    driver.run_until(10.0)
    assert ("Normal", "Pulled", 'Successfully pulled image "fast:1" in 1s (4s including waiting). '
            "Image size: 50000000 bytes.") in driver.recorded("b")
    driver.sync(make_pod([{"name": "c", "image": "fast:1"}], uid="u3"), 10.0)
    driver.run_until(20.0)
    assert driver.recorded("c")[0] == ("Normal", "Pulled", 'Container image "fast:1" already present on machine')
    assert driver.runtime.has_image("docker.io/library/fast:1")


def test_two_pods_pulling_the_same_image_share_the_pull() -> None:
    driver = Driver()
    driver.sync(make_pod([{"name": "a", "image": "fast:1"}], uid="u1"))
    driver.runtime.sync_pod(make_pod([{"name": "b", "image": "fast:1"}], uid="u2"), 0.5)
    driver.pods["u2"] = make_pod([{"name": "b", "image": "fast:1"}], uid="u2")
    driver.run_until(5.0)
    assert ("Normal", "Pulled", 'Successfully pulled image "fast:1" in 500ms (500ms including waiting). '
            "Image size: 50000000 bytes.") in driver.recorded("b")


def test_pull_policy_always_repulls_and_never_fails() -> None:
    driver = Driver()
    driver.sync(make_pod([{"name": "a", "image": "fast:1"}], uid="u1"))
    driver.run_until(3.0)
    driver.sync(make_pod([{"name": "b", "image": "fast:1", "imagePullPolicy": "Always"}], uid="u2"), 3.0)
    driver.sync(make_pod([{"name": "c", "image": "fast:2", "imagePullPolicy": "Never"}], uid="u3"), 3.0)
    driver.run_until(8.0)
    assert driver.recorded("b")[:2] == [
        ("Normal", "Pulling", 'Pulling image "fast:1"'),
        ("Normal", "Pulled", 'Successfully pulled image "fast:1" in 500ms (500ms including waiting). '
                             "Image size: 50000000 bytes."),
    ]
    message = 'Container image "fast:2" is not present with pull policy of Never'
    assert driver.recorded("c") == [
        ("Warning", "ErrImageNeverPull", message),
        ("Warning", "Failed", "Error: ErrImageNeverPull"),
    ]
    assert driver.container("c", "u3")["state"] == {"waiting": {"reason": "ErrImageNeverPull", "message": message}}


def test_pull_failure_err_image_pull_then_backoff_10_20_40() -> None:
    driver = Driver(catalog(fast=FAST, gone=attrs.evolve(FAST, missing=True)))
    driver.sync(make_pod([{"name": "app", "image": "gone:1"}]))
    driver.run_until(1.5)
    error = ('rpc error: code = NotFound desc = failed to pull and unpack image "docker.io/library/gone:1": '
             'failed to resolve reference "docker.io/library/gone:1": docker.io/library/gone:1: not found')
    assert driver.container("app")["state"] == {"waiting": {"reason": "ErrImagePull", "message": error}}
    assert driver.recorded() == [
        ("Normal", "Pulling", 'Pulling image "gone:1"'),
        ("Warning", "Failed", f'Failed to pull image "gone:1": {error}'),
        ("Warning", "Failed", "Error: ErrImagePull"),
    ]
    driver.run_until(3.0)
    assert driver.container("app")["state"] == {"waiting": {
        "reason": "ImagePullBackOff",
        "message": f'Back-off pulling image "gone:1": ErrImagePull: {error}',
    }}
    assert driver.recorded()[-2:] == [
        ("Normal", "BackOff", 'Back-off pulling image "gone:1"'),
        ("Warning", "Failed", "Error: ImagePullBackOff"),
    ]
    driver.run_until(400.0)
    pulls = driver.times(EventKind.PULLING)
    failures = driver.times(EventKind.PULL_FAILED)
    waits = [start - failed for failed, start in zip(failures, pulls[1:], strict=False)]
    assert waits == pytest.approx([10, 20, 40, 80, 160])
    assert failures[0] - pulls[0] == pytest.approx(PULL_FAIL_SECONDS)
    assert driver.status()["phase"] == "Pending"


def test_fixing_the_image_name_pulls_the_new_one_at_once() -> None:
    driver = Driver(catalog(fast=FAST, gone=attrs.evolve(FAST, missing=True)))
    driver.sync(make_pod([{"name": "app", "image": "gone:1"}]))
    driver.run_until(5.0)
    driver.sync(make_pod([{"name": "app", "image": "fast:1"}]), 5.0)
    driver.run_until(8.0)
    assert driver.recorded()[-4:] == [
        ("Normal", "Pulling", 'Pulling image "fast:1"'),
        ("Normal", "Pulled", 'Successfully pulled image "fast:1" in 1s (1s including waiting). '
                             "Image size: 50000000 bytes."),
        ("Normal", "Created", "Created container: app"),
        ("Normal", "Started", "Started container app"),
    ]
    assert driver.status()["phase"] == "Running"


def test_crash_loop_backoff_doubles_to_300s() -> None:
    crashing = attrs.evolve(FAST, run_seconds=2.0, exit_code=1)
    driver = Driver(catalog(crash=crashing))
    driver.sync(make_pod([{"name": "app", "image": "crash:1"}]))
    driver.run_until(6.0)
    app = driver.container("app")
    assert app["restartCount"] == 1
    assert app["state"] == {"waiting": {
        "reason": "CrashLoopBackOff",
        "message": f"back-off 10s restarting failed container=app pod={POD}",
    }}
    assert app["lastState"]["terminated"] | {"startedAt": 0, "finishedAt": 0, "containerID": ""} == {
        "exitCode": 1, "reason": "Error", "startedAt": 0, "finishedAt": 0, "containerID": "",
    }
    assert app["ready"] is False
    assert driver.status()["phase"] == "Running"
    assert ("Warning", "BackOff", f"Back-off restarting failed container app in pod {POD}") in driver.recorded()
    driver.run_until(1500.0)
    exits = driver.times(EventKind.EXITED)
    starts = driver.times(EventKind.STARTED)
    waits = [start - exit for exit, start in zip(exits, starts[1:], strict=False)]
    assert waits[:7] == pytest.approx([0.2, 10.2, 20.2, 40.2, 80.2, 160.2, 300.2])
    assert len(waits) > 7 and waits[7:] == pytest.approx([300.2] * (len(waits) - 7))
    assert driver.container("app")["restartCount"] == len(starts) - 1
    assert driver.container("app")["state"]["waiting"]["message"].startswith("back-off 5m0s restarting")


def test_a_long_run_resets_the_crash_backoff() -> None:
    late = attrs.evolve(FAST, run_seconds=700.0, exit_code=1)
    driver = Driver(catalog(late=late))
    driver.sync(make_pod([{"name": "app", "image": "late:1"}]))
    driver.run_until(2200.0)
    exits = driver.times(EventKind.EXITED)
    starts = driver.times(EventKind.STARTED)
    assert [start - exit for exit, start in zip(exits, starts[1:], strict=False)] == pytest.approx([0.2, 0.2, 0.2])
    assert not driver.times(EventKind.BACKOFF)


def test_restart_policy_never_fails_the_pod() -> None:
    driver = Driver(catalog(crash=attrs.evolve(FAST, run_seconds=2.0, exit_code=3)))
    driver.sync(make_pod([{"name": "app", "image": "crash:1"}], restartPolicy="Never"))
    driver.run_until(60.0)
    status = driver.status()
    assert status["phase"] == "Failed"
    assert driver.container("app")["state"]["terminated"]["exitCode"] == 3
    assert driver.container("app")["state"]["terminated"]["reason"] == "Error"
    assert driver.container("app")["restartCount"] == 0
    assert (driver.condition("Ready")["status"], driver.condition("Ready")["reason"]) == ("False", "PodFailed")
    assert driver.condition("PodReadyToStartContainers")["status"] == "False"
    assert driver.runtime.next_wakeup() is None


def test_job_like_exit_0_succeeds_with_pod_completed() -> None:
    driver = Driver(catalog(job=attrs.evolve(FAST, run_seconds=10.0)))
    driver.sync(make_pod([{"name": "pi", "image": "job:1"}], restartPolicy="Never"))
    driver.run_until(30.0)
    assert driver.status()["phase"] == "Succeeded"
    terminated = driver.container("pi")["state"]["terminated"]
    assert (terminated["exitCode"], terminated["reason"]) == (0, "Completed")
    assert terminated["finishedAt"] - terminated["startedAt"] == pytest.approx(10.0)
    for kind in ("Ready", "ContainersReady"):
        assert (driver.condition(kind)["status"], driver.condition(kind)["reason"]) == ("False", "PodCompleted")
    assert (driver.condition("Initialized")["status"], driver.condition("Initialized")["reason"]) == (
        "True", "PodCompleted",
    )
    assert [e.message for e in driver.events if e.kind is EventKind.PHASE] == [
        "Pending -> Running", "Running -> Succeeded",
    ]
    assert driver.runtime.ipam.in_use() == {}  # the sandbox is gone, its IP freed


@pytest.mark.parametrize(("code", "phase", "restarts"), [(0, "Succeeded", 0), (1, "Running", 1)])
def test_on_failure_restarts_only_non_zero_exits(code: int, phase: str, restarts: int) -> None:
    driver = Driver(catalog(job=attrs.evolve(FAST, run_seconds=2.0, exit_code=code)))
    driver.sync(make_pod([{"name": "app", "image": "job:1"}], restartPolicy="OnFailure"))
    driver.run_until(5.0)
    assert driver.status()["phase"] == phase
    assert driver.container("app")["restartCount"] == restarts


def test_oom_killed_when_memory_exceeds_the_limit() -> None:
    hungry = attrs.evolve(FAST, memory_bytes=200 * 2**20, memory_ramp_seconds=4.0)
    driver = Driver(catalog(hungry=hungry))
    container = {"name": "app", "image": "hungry:1", "resources": {"limits": {"memory": "100Mi"}}}
    driver.sync(make_pod([container], restartPolicy="Never"))
    driver.run_until(20.0)
    terminated = driver.container("app")["state"]["terminated"]
    assert (terminated["exitCode"], terminated["reason"]) == (137, "OOMKilled")
    assert terminated["finishedAt"] - terminated["startedAt"] == pytest.approx(2.0)  # half way up the ramp
    assert driver.status()["phase"] == "Failed"


def test_no_oom_within_the_limit() -> None:
    driver = Driver(catalog(small=attrs.evolve(FAST, memory_bytes=50 * 2**20)))
    container = {"name": "app", "image": "small:1", "resources": {"limits": {"memory": "64Mi"}}}
    driver.sync(make_pod([container]))
    driver.run_until(100.0)
    assert "running" in driver.container("app")["state"]


def test_liveness_failure_restarts_the_container() -> None:
    sick = attrs.evolve(FAST, liveness=Health("until", 12.0))
    driver = Driver(catalog(sick=sick))
    probe = {"httpGet": {"path": "/healthz", "port": 8080}, "periodSeconds": 5}
    driver.sync(make_pod([{"name": "app", "image": "sick:1", "livenessProbe": probe}]))
    driver.run_until(28.0)
    # probes at ages 0, 5, 10 (ok), 15, 20, 25 (three failures: kill at 26.5)
    assert driver.recorded()[4:] == [
        ("Warning", "Unhealthy", "Liveness probe failed: HTTP probe failed with statuscode: 500"),
        ("Warning", "Unhealthy", "Liveness probe failed: HTTP probe failed with statuscode: 500"),
        ("Warning", "Unhealthy", "Liveness probe failed: HTTP probe failed with statuscode: 500"),
        ("Normal", "Killing", "Container app failed liveness probe, will be restarted"),
        ("Normal", "Pulled", 'Container image "sick:1" already present on machine'),
        ("Normal", "Created", "Created container: app"),
        ("Normal", "Started", "Started container app"),
    ]
    app = driver.container("app")
    assert app["restartCount"] == 1
    last = app["lastState"]["terminated"]
    assert (last["exitCode"], last["reason"]) == (0, "Completed")  # it handled SIGTERM
    assert last["finishedAt"] == pytest.approx(26.6)


def test_liveness_kill_of_a_process_ignoring_sigterm_waits_for_the_grace_period() -> None:
    stubborn = attrs.evolve(FAST, liveness=Health("never"), stop_seconds=None)
    driver = Driver(catalog(stubborn=stubborn))
    probe = {"exec": {"command": ["/check"]}, "periodSeconds": 1, "failureThreshold": 1,
             "terminationGracePeriodSeconds": 5}
    driver.sync(make_pod([{"name": "app", "image": "stubborn:1", "livenessProbe": probe}],
                         restartPolicy="Never"))
    driver.run_until(20.0)
    assert ("Warning", "Unhealthy", "Liveness probe failed: ") in driver.recorded()
    assert ("Normal", "Killing", "Container app failed liveness probe") in driver.recorded()
    terminated = driver.container("app")["state"]["terminated"]
    assert (terminated["exitCode"], terminated["reason"]) == (137, "Error")
    assert terminated["finishedAt"] == pytest.approx(6.5)
    assert driver.status()["phase"] == "Failed"


def test_startup_probe_holds_liveness_and_readiness() -> None:
    slow = attrs.evolve(FAST, readiness=Health("after", 7.0))
    driver = Driver(catalog(slow=slow))
    container = {"name": "app", "image": "slow:1",
                 "startupProbe": {"httpGet": {"port": 80}, "periodSeconds": 3, "failureThreshold": 10}}
    driver.sync(make_pod([container]))
    driver.run_until(8.0)
    assert driver.container("app")["started"] is False and driver.container("app")["ready"] is False
    driver.run_until(12.0)  # startup probes at ages 0, 3, 6, 9: started at 10.5
    assert driver.container("app")["started"] is True and driver.container("app")["ready"] is True
    assert driver.times(EventKind.READY) == [pytest.approx(10.5)]
    assert [r for r in driver.recorded() if r[1] == "Unhealthy"] == [
        ("Warning", "Unhealthy", "Startup probe failed: HTTP probe failed with statuscode: 503")
    ] * 3


def test_missing_configmap_is_create_container_config_error_until_it_appears() -> None:
    objects: dict[tuple[str, str, str], dict[str, object]] = {}
    driver = Driver(lookup=lambda kind, ns, name: objects.get((kind, ns, name)))
    env = [{"name": "MODE", "valueFrom": {"configMapKeyRef": {"name": "cfg", "key": "mode"}}}]
    driver.sync(make_pod([{"name": "app", "image": "fast:1", "env": env}]))
    driver.run_until(5.0)
    assert driver.container("app")["state"] == {"waiting": {
        "reason": "CreateContainerConfigError", "message": 'configmap "cfg" not found',
    }}
    assert driver.recorded()[-1] == ("Warning", "Failed", 'Error: configmap "cfg" not found')
    assert driver.status()["phase"] == "Pending"
    objects["ConfigMap", "default", "cfg"] = {"data": {"other": "x"}}
    driver.run_until(12.0)
    assert driver.container("app")["state"]["waiting"]["message"] == "couldn't find key mode in ConfigMap default/cfg"
    objects["ConfigMap", "default", "cfg"] = {"data": {"mode": "fast"}}
    driver.run_until(30.0)
    assert driver.status()["phase"] == "Running"
    assert driver.recorded()[-3:] == [
        ("Normal", "Pulled", 'Container image "fast:1" already present on machine'),
        ("Normal", "Created", "Created container: app"),
        ("Normal", "Started", "Started container app"),
    ]


def test_missing_secret_volume_blocks_the_pod_with_failed_mount() -> None:
    objects: dict[tuple[str, str, str], dict[str, object]] = {}
    driver = Driver(lookup=lambda kind, ns, name: objects.get((kind, ns, name)))
    volumes = [{"name": "creds", "secret": {"secretName": "db"}}, {"name": "tmp", "emptyDir": {}}]
    driver.sync(make_pod([{"name": "app", "image": "fast:1"}], volumes=volumes))
    driver.run_until(15.0)
    failed = ("Warning", "FailedMount", 'MountVolume.SetUp failed for volume "creds" : secret "db" not found')
    assert driver.recorded() == [failed, failed]  # at 0 and 10
    status = driver.status()
    assert "podIP" not in status and status["phase"] == "Pending"
    assert driver.container("app")["state"] == {"waiting": {"reason": "ContainerCreating"}}
    assert driver.condition("PodReadyToStartContainers")["status"] == "False"
    objects["Secret", "default", "db"] = {"data": {"password": "eA=="}}
    driver.run_until(30.0)
    assert driver.status()["phase"] == "Running"


def test_hostnetwork_pods_use_the_node_ip() -> None:
    driver = Driver()
    driver.sync(make_pod([{"name": "app", "image": "fast:1"}], hostNetwork=True))
    driver.run_until(3.0)
    assert driver.status()["podIP"] == "172.18.0.3"
    assert driver.runtime.ipam.in_use() == {}


def test_pod_ips_are_unique_in_the_cidr_and_freed_on_removal() -> None:
    driver = Driver()
    for index in range(40):
        driver.sync(make_pod([{"name": "app", "image": "fast:1"}], uid=f"u{index}"))
    driver.run_until(2.0)
    ips = [driver.runtime.pod_ip(f"u{index}") for index in range(40)]
    assert len(set(ips)) == 40
    assert all(ip is not None and ip.startswith("10.244.1.") and ip != "10.244.1.1" for ip in ips)
    driver.runtime.remove_pod("u0")
    assert ips[0] not in driver.runtime.ipam.in_use()


def test_sandbox_failure_when_the_cidr_is_full() -> None:
    driver = Driver(pod_cidr="10.0.0.0/30")  # a single pod address
    driver.sync(make_pod([{"name": "app", "image": "fast:1"}], uid="u1"))
    driver.sync(make_pod([{"name": "app", "image": "fast:1"}], uid="u2"))
    driver.run_until(1.0)
    (event,) = [e for e in driver.events if e.reason == "FailedCreatePodSandBox"]
    assert event.message.startswith("Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox \"")
    assert event.message.endswith('plugin type="bridge" failed (add): failed to allocate for range 0: '
                                  "no IP addresses available in range set: 10.0.0.1-10.0.0.2")
    driver.runtime.remove_pod("u1")
    driver.run_until(12.0)
    assert driver.runtime.pod_ip("u2") == "10.0.0.2"


def test_missing_required_env_makes_postgres_crash() -> None:
    postgres = attrs.evolve(ImageCatalog().lookup("postgres"), spread=0.0)
    driver = Driver(catalog(postgres=postgres))
    driver.sync(make_pod([{"name": "db", "image": "postgres:16"}]))
    driver.run_until(15.0)
    assert driver.container("db")["state"]["waiting"]["reason"] == "CrashLoopBackOff"
    assert driver.runtime.logs(UID, "db") == [
        "Error: Database is uninitialized and superuser password is not specified.",
        "       You must specify POSTGRES_PASSWORD to a non-empty value for the",
        '       superuser. For example, "-e POSTGRES_PASSWORD=password" on "docker run".',
    ]
    fine = Driver(catalog(postgres=postgres))
    env = [{"name": "POSTGRES_PASSWORD", "value": "example"}]
    fine.sync(make_pod([{"name": "db", "image": "postgres:16", "env": env}]))
    fine.run_until(30.0)
    assert "running" in fine.container("db")["state"]
    assert fine.runtime.logs(UID, "db", tail=1) == ["LOG:  database system is ready to accept connections"]


def test_busybox_without_command_exits_and_crash_loops() -> None:
    driver = Driver(catalog(busybox=attrs.evolve(ImageCatalog().lookup("busybox"), spread=0.0)))
    driver.sync(make_pod([{"name": "bb", "image": "busybox:1.36"}]))
    driver.run_until(20.0)
    bb = driver.container("bb")
    assert bb["lastState"]["terminated"]["reason"] == "Completed"
    assert bb["state"]["waiting"]["reason"] == "CrashLoopBackOff"
    assert driver.status()["phase"] == "Running"


def test_busybox_sleep_command_runs_that_long() -> None:
    driver = Driver(catalog(busybox=attrs.evolve(ImageCatalog().lookup("busybox"), spread=0.0)))
    driver.sync(make_pod([{"name": "bb", "image": "busybox:1.36", "command": ["sleep", "3600"]}],
                         restartPolicy="Never"))
    driver.run_until(3000.0)
    assert "running" in driver.container("bb")["state"]
    driver.run_until(4000.0)
    assert driver.status()["phase"] == "Succeeded"


def test_idle_runtime_has_no_wakeup() -> None:
    driver = Driver()
    assert driver.runtime.next_wakeup() is None
    driver.sync(make_pod([{"name": "app", "image": "fast:1"}]))
    assert driver.runtime.next_wakeup() == pytest.approx(0.3)  # the sandbox
    driver.run_until(10.0)
    assert driver.runtime.next_wakeup() is None  # running forever, no probes


def test_terminal_pods_are_not_started_and_unknown_pods_get_a_basic_status() -> None:
    driver = Driver()
    done = make_pod([{"name": "app", "image": "fast:1"}], uid="old")
    done["status"]["phase"] = "Succeeded"
    driver.sync(done)
    assert driver.runtime.pod_uids() == []
    status = driver.runtime.pod_status(done, 1.0)
    assert status["phase"] == "Succeeded" and status["hostIP"] == "172.18.0.3"
