"""The Job and TTL-after-finished controllers: pure decisions, then whole clusters (real
scheduler and kubelets: the pods' processes exit as their images and commands say)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kactors.cluster.tree import CONTROLLER_CLASSES
from kactors.controllers import jobutil as ju
from kactors.controllers.podutil import cluster_seconds, now_timestamp
from kactors.controllers.ttlafterfinished import expires_in
from kactors.testing.harness import full_cluster

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
CONFIG = """
[cluster]
name = "jobs"
[[nodes]]
name = "node"
count = 2
"""


def job(name: str, script: str, *, restart: str = "Never", **spec: Any) -> dict[str, Any]:
    return {"apiVersion": "batch/v1", "kind": "Job",
            "metadata": {"name": name, "namespace": "default"},
            "spec": {**spec, "template": {"spec": {
                "restartPolicy": restart,
                "containers": [{"name": "c", "image": "busybox",
                                "command": ["sh", "-c", script]}]}}}}


def condition(obj: dict[str, Any], type_: str) -> dict[str, Any] | None:
    return next((c for c in (obj.get("status") or {}).get("conditions") or []
                 if c["type"] == type_), None)


def finished(type_: str):
    return lambda obj: (condition(obj, type_) or {}).get("status") == "True"


def events(cluster, reason: str) -> list[dict[str, Any]]:
    return [r for r in cluster.logs("event.recorded") if r.get("reason") == reason]


# -- pure decisions ----------------------------------------------------------------------------
def test_backoff_starts_at_10s_doubles_and_caps_at_6_minutes() -> None:
    assert ju.remaining_backoff(ju.BackoffRecord(), 100.0) == 0
    assert ju.remaining_backoff(ju.BackoffRecord(1, 100.0), 104.0) == 6.0
    assert ju.remaining_backoff(ju.BackoffRecord(3, 100.0), 100.0) == 40.0
    assert ju.remaining_backoff(ju.BackoffRecord(12, 100.0), 100.0) == 360.0
    assert ju.remaining_backoff(ju.BackoffRecord(2, 100.0), 130.0) == 0


def _pod(phase: str, finished_at: float, restarts: int = 0) -> dict[str, Any]:
    state = {"terminated": {"finishedAt": now_timestamp(finished_at)}} \
        if phase in ("Succeeded", "Failed") else {"running": {}}
    return {"metadata": {"name": "p"}, "status": {"phase": phase, "containerStatuses": [
        {"name": "c", "state": state, "restartCount": restarts}]}}


def test_a_success_resets_the_failure_count() -> None:
    record = ju.new_backoff_record(ju.BackoffRecord(), [], [_pod("Failed", 5), _pod("Failed", 9)])
    assert record == ju.BackoffRecord(2, 9.0)
    assert ju.new_backoff_record(record, [_pod("Succeeded", 12)], []) == ju.BackoffRecord()
    # failures after the latest success count, earlier ones do not
    mixed = ju.new_backoff_record(record, [_pod("Succeeded", 12)],
                                  [_pod("Failed", 11), _pod("Failed", 14)])
    assert mixed == ju.BackoffRecord(1, 14.0)


def test_active_pods_wanted() -> None:
    spec = {"completions": 5, "parallelism": 2}
    assert ju.want_active({"spec": spec}, 0, 0) == 2
    assert ju.want_active({"spec": spec}, 2, 4) == 1
    assert ju.want_active({"spec": spec}, 0, 5) == 0
    queue = {"spec": {"parallelism": 3}}  # a work queue: no completions
    assert ju.want_active(queue, 0, 0) == 3
    assert ju.want_active(queue, 2, 1) == 2  # one succeeded: start no more


def test_on_failure_restarts_count_against_the_backoff_limit() -> None:
    spec = {"backoffLimit": 3, "template": {"spec": {"restartPolicy": "OnFailure"}}}
    assert not ju.past_backoff_limit_on_failure({"spec": spec}, [_pod("Running", 0, 2)])
    assert ju.past_backoff_limit_on_failure({"spec": spec}, [_pod("Running", 0, 3)])
    never = {"backoffLimit": 3, "template": {"spec": {"restartPolicy": "Never"}}}
    assert not ju.past_backoff_limit_on_failure({"spec": never}, [_pod("Running", 0, 9)])


def test_deleted_pods_count_as_failed_unless_they_succeeded() -> None:
    deleted = {"metadata": {"deletionTimestamp": now_timestamp(3)},
               "status": {"phase": "Running"}}
    assert ju.is_pod_failed(deleted) and ju.is_pod_terminating(deleted)
    done = {"metadata": {"deletionTimestamp": now_timestamp(3)}, "status": {"phase": "Succeeded"}}
    assert not ju.is_pod_failed(done) and not ju.is_pod_terminating(done)


def test_completed_indexes_are_written_as_ranges() -> None:
    assert ju.format_indexes([5, 0, 2, 1, 7, 8]) == "0-2,5,7-8"
    assert ju.parse_indexes("0-2,5,7-8", 8) == {0, 1, 2, 5, 7}
    assert ju.format_indexes([]) == ""


def test_ttl_expiry_counts_from_the_finish() -> None:
    done = {"spec": {"ttlSecondsAfterFinished": 30}, "metadata": {},
            "status": {"conditions": [{"type": "Complete", "status": "True",
                                       "lastTransitionTime": now_timestamp(100)}]}}
    assert expires_in(done, 110.0) == 20.0
    assert expires_in({**done, "spec": {}}, 500.0) is None
    assert expires_in({**done, "status": {}}, 500.0) is None


# -- whole clusters ------------------------------------------------------------------------------
async def test_completions_with_parallelism_never_run_more_than_parallelism(
        autojump_clock) -> None:
    async with full_cluster(CONFIG, seed=2) as cluster:
        created = await cluster.apply(job("work", "echo working; sleep 3",
                                          completions=5, parallelism=2))
        uid = created[0]["metadata"]["uid"]
        peak = 0
        seen_finalizer = False
        while True:
            pods = await cluster.list("v1/Pod", "default")
            active = [p for p in pods if p["status"].get("phase") not in ("Succeeded", "Failed")]
            peak = max(peak, len(active))
            seen_finalizer |= any(ju.TRACKING_FINALIZER in (p["metadata"].get("finalizers") or [])
                                  for p in active)
            current = await cluster.get("batch/v1/Job", "work", "default")
            if finished("Complete")(current):
                break
            assert cluster.now() < 120, current["status"]
            await cluster.sleep(0.5)
        assert peak == 2 and seen_finalizer
        status = current["status"]
        assert status["succeeded"] == 5 and "failed" not in status
        assert status["ready"] == 0 and status["terminating"] == 0
        assert status["uncountedTerminatedPods"] == {}
        assert [c["type"] for c in status["conditions"]] == ["SuccessCriteriaMet", "Complete"]
        assert condition(current, "Complete")["reason"] == "CompletionsReached"
        assert cluster_seconds(status["completionTime"]) >= cluster_seconds(status["startTime"])
        pods = await cluster.list("v1/Pod", "default")
        assert len(pods) == 5 and all(p["status"]["phase"] == "Succeeded" for p in pods)
        for pod in pods:
            meta = pod["metadata"]
            assert ju.TRACKING_FINALIZER not in (meta.get("finalizers") or [])
            assert meta["name"].startswith("work-")
            assert meta["labels"]["batch.kubernetes.io/controller-uid"] == uid
            assert meta["labels"]["controller-uid"] == uid
            assert meta["labels"]["batch.kubernetes.io/job-name"] == "work"
            assert meta["labels"]["job-name"] == "work"
            assert meta["ownerReferences"][0]["kind"] == "Job"
            assert meta["ownerReferences"][0]["controller"] is True
        assert len(events(cluster, "SuccessfulCreate")) == 5
        assert [e["message"] for e in events(cluster, "Completed")] == ["Job completed"]
        assert len(cluster.logs("job.pod_succeeded")) == 5
        assert len(cluster.logs("job.completed")) == 1


async def test_failed_pods_are_replaced_after_a_backoff_until_the_limit(autojump_clock) -> None:
    async with full_cluster(CONFIG, seed=3) as cluster:
        await cluster.apply(job("flaky", "echo boom; exit 1", backoffLimit=2))
        current = await cluster.wait_for("batch/v1/Job", "flaky", "default",
                                         predicate=finished("Failed"), timeout=120)
        status = current["status"]
        assert status["failed"] == 3 and "active" not in status
        assert [c["type"] for c in status["conditions"]] == ["FailureTarget", "Failed"]
        failed = condition(current, "Failed")
        assert failed["reason"] == "BackoffLimitExceeded"
        assert failed["message"] == "Job has reached the specified backoff limit"
        assert "completionTime" not in status
        warning = events(cluster, "BackoffLimitExceeded")
        assert [e["type"] for e in warning] == ["Warning"]
        # each replacement waits 10 s, then 20 s, after the previous failure
        created = [r["ts"] for r in cluster.logs("job.pod_created")]
        failures = [r["ts"] for r in cluster.logs("job.pod_failed")]
        assert len(created) == 3 and len(failures) == 3
        assert created[1] - failures[0] >= 10 - 1 and created[1] - failures[0] < 12
        assert created[2] - failures[1] >= 20 - 1 and created[2] - failures[1] < 22
        assert [r["failures"] for r in cluster.logs("job.backoff")] == [1, 2]
        pods = await cluster.list("v1/Pod", "default")
        assert all(not p["metadata"].get("finalizers") for p in pods)
        [failed_log] = cluster.logs("job.failed")
        assert failed_log["reason"] == "BackoffLimitExceeded" and failed_log["failed"] == 3


async def test_active_deadline_fails_the_job_and_deletes_its_pods(autojump_clock) -> None:
    async with full_cluster(CONFIG, seed=4) as cluster:
        await cluster.apply(job("slow", "sleep 3600", activeDeadlineSeconds=10,
                                completions=2, parallelism=2))
        current = await cluster.wait_for("batch/v1/Job", "slow", "default",
                                         predicate=finished("Failed"), timeout=120)
        failed = condition(current, "Failed")
        assert (failed["reason"], failed["message"]) == (
            "DeadlineExceeded", "Job was active longer than specified deadline")
        started = cluster_seconds(current["status"]["startTime"])
        assert cluster_seconds(condition(current, "FailureTarget")["lastTransitionTime"]) \
            - started in (10, 11)
        assert current["status"]["failed"] == 2 and "active" not in current["status"]
        assert len(events(cluster, "SuccessfulDelete")) == 2
        assert [e["reason"] for e in events(cluster, "DeadlineExceeded")] == ["DeadlineExceeded"]
        for _ in range(60):  # the deleted pods go once the kubelet stopped them
            if not await cluster.list("v1/Pod", "default"):
                break
            await cluster.sleep(1)
        assert await cluster.list("v1/Pod", "default") == []


async def test_on_failure_restarts_in_place_and_counts_restarts(autojump_clock) -> None:
    async with full_cluster(CONFIG, seed=5) as cluster:
        await cluster.apply(job("retry", "sleep 1; exit 1", restart="OnFailure",
                                backoffLimit=2))
        current = await cluster.wait_for("batch/v1/Job", "retry", "default",
                                         predicate=finished("Failed"), timeout=200)
        assert condition(current, "Failed")["reason"] == "BackoffLimitExceeded"
        assert len(cluster.logs("job.pod_created")) == 1  # the kubelet restarted it in place
        assert current["status"]["failed"] == 1  # the one pod, deleted when the Job failed


async def test_a_finished_job_is_deleted_after_its_ttl(autojump_clock) -> None:
    async with full_cluster(CONFIG, seed=6) as cluster:
        await cluster.apply(job("short", "echo done", ttlSecondsAfterFinished=15))
        current = await cluster.wait_for("batch/v1/Job", "short", "default",
                                         predicate=finished("Complete"), timeout=60)
        done_at = cluster_seconds(condition(current, "Complete")["lastTransitionTime"])
        await cluster.wait_gone("batch/v1/Job", "short", "default", timeout=60)
        [deleted] = cluster.logs("ttlafterfinished.job_deleted")
        assert deleted["ts"] >= done_at + 15 and deleted["ts"] < done_at + 17
        if "garbagecollector" in CONTROLLER_CLASSES:  # background propagation removes pods
            for _ in range(30):
                if not await cluster.list("v1/Pod", "default"):
                    break
                await cluster.sleep(1)
            assert await cluster.list("v1/Pod", "default") == []


async def test_an_indexed_job_runs_each_index_once(autojump_clock) -> None:
    async with full_cluster(CONFIG, seed=7) as cluster:
        await cluster.apply(job("idx", "echo part; sleep 2", completionMode="Indexed",
                                completions=3, parallelism=2))
        current = await cluster.wait_for("batch/v1/Job", "idx", "default",
                                         predicate=finished("Complete"), timeout=120)
        assert current["status"]["succeeded"] == 3
        assert current["status"]["completedIndexes"] == "0-2"
        pods = await cluster.list("v1/Pod", "default")
        by_index = sorted((p["metadata"]["annotations"][ju.COMPLETION_INDEX], p) for p in pods)
        assert [i for i, _ in by_index] == ["0", "1", "2"]
        for index, pod in by_index:
            assert pod["metadata"]["name"].startswith(f"idx-{index}-")
            assert pod["metadata"]["labels"][ju.COMPLETION_INDEX] == index
            assert pod["spec"]["hostname"] == f"idx-{index}"
            env = pod["spec"]["containers"][0]["env"]
            assert env[0]["name"] == "JOB_COMPLETION_INDEX"


async def test_the_pi_job_of_the_kubernetes_docs_prints_pi_and_completes(autojump_clock) -> None:
    async with full_cluster(CONFIG, seed=8) as cluster:
        await cluster.apply(EXAMPLES / "manifests" / "pi-job.yaml")
        current = await cluster.wait_for("batch/v1/Job", "pi", "default",
                                         predicate=finished("Complete"), timeout=120)
        assert current["status"]["succeeded"] == 1
        # the apiserver generated the selector and labels from the Job's uid
        uid = current["metadata"]["uid"]
        assert current["spec"]["selector"] == {
            "matchLabels": {"batch.kubernetes.io/controller-uid": uid}}
        assert current["spec"]["manualSelector"] is False
        assert current["metadata"]["labels"] == {
            "batch.kubernetes.io/controller-uid": uid, "batch.kubernetes.io/job-name": "pi",
            "controller-uid": uid, "job-name": "pi"}
        [pod] = await cluster.list("v1/Pod", "default", label_selector="job-name=pi")
        info = cluster.client.info("v1/Pod")
        log = await cluster.client.request("get", info, namespace="default",
                                           name=pod["metadata"]["name"], subresource="log")
        assert str(log).strip().startswith("3.14159265358979323846")
        assert len(str(log).strip()) == 2001  # "3." and 1999 more digits


async def test_a_suspended_job_starts_no_pod_until_resumed(autojump_clock) -> None:
    async with full_cluster(CONFIG, seed=9) as cluster:
        await cluster.apply(job("later", "sleep 2", suspend=True))
        current = await cluster.wait_for("batch/v1/Job", "later", "default",
                                         predicate=finished("Suspended"), timeout=30)
        suspended = condition(current, "Suspended")
        assert (suspended["reason"], suspended["message"]) == ("JobSuspended", "Job suspended")
        assert "startTime" not in current["status"]
        await cluster.sleep(10)
        assert await cluster.list("v1/Pod", "default") == []
        resumed_at = cluster.now()
        await cluster.apply(job("later", "sleep 2", suspend=False))
        current = await cluster.wait_for("batch/v1/Job", "later", "default",
                                         predicate=finished("Complete"), timeout=60)
        resumed = condition(current, "Suspended")
        assert (resumed["status"], resumed["reason"]) == ("False", "JobResumed")
        assert cluster_seconds(current["status"]["startTime"]) >= int(resumed_at)
        assert [e["message"] for e in events(cluster, "Suspended")] == ["Job suspended"]
        assert [e["message"] for e in events(cluster, "Resumed")] == ["Job resumed"]


async def test_deleting_a_running_job_frees_its_pods_of_the_tracking_finalizer(
        autojump_clock) -> None:
    async with full_cluster(CONFIG, seed=10) as cluster:
        await cluster.apply(job("gone", "sleep 3600"))

        async def pods_with_finalizer() -> list[str]:
            return [p["metadata"]["name"] for p in await cluster.list("v1/Pod", "default")
                    if ju.TRACKING_FINALIZER in (p["metadata"].get("finalizers") or [])]

        await cluster.wait_for("batch/v1/Job", "gone", "default", active=1, timeout=30)
        assert len(await pods_with_finalizer()) == 1
        await cluster.delete("batch/v1/Job", "gone", "default", propagation_policy="Background")
        for _ in range(50):
            if not await pods_with_finalizer():
                break
            await cluster.sleep(0.2)
        assert await pods_with_finalizer() == []
