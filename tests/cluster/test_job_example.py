"""examples/job.toml: the `pi` Job of the Kubernetes documentation completes, and a Job
whose container always fails gives up with BackoffLimitExceeded, then expires (TTL)."""

from __future__ import annotations

from .helpers import run_json


def test_the_pi_job_completes_and_the_failing_job_hits_its_backoff_limit() -> None:
    records, summary = run_json("job.toml", duration=90)
    by_event: dict[str, list[dict]] = {}
    for record in records:
        by_event.setdefault(record["event"], []).append(record)
    # pi: one pod, its 2000 digits of pi, Complete
    [completed] = [r for r in by_event["job.completed"]]
    assert completed["job"] == "default/pi" and completed["succeeded"] == 1
    pi_pods = [r["pod"] for r in by_event["job.pod_created"] if r["job"] == "default/pi"]
    assert len(pi_pods) == 1 and pi_pods[0].startswith("pi-")
    job_events = [r for r in by_event["event.recorded"] if r["object"].startswith("Job/")]
    assert ("Job/default/pi", "Completed", "Job completed") in \
        [(r["object"], r["reason"], r["message"]) for r in job_events]
    # flaky: three pods, each replacement after a longer backoff, then Failed
    flaky = [r for r in by_event["job.pod_created"] if r["job"] == "default/flaky"]
    assert len(flaky) == 3
    assert [r["failures"] for r in by_event["job.backoff"]] == [1, 2]
    [failed] = by_event["job.failed"]
    assert failed["job"] == "default/flaky" and failed["reason"] == "BackoffLimitExceeded"
    assert failed["failed"] == 3
    warning = [r for r in job_events if r["reason"] == "BackoffLimitExceeded"]
    assert [(r["type"], r["message"]) for r in warning] == [
        ("Warning", "Job has reached the specified backoff limit")]
    # the story in order: created, failed, backoff, created ..., failed, deleted by TTL
    order = [r["event"] for r in records if r.get("job") == "default/flaky"
             and r["event"] in ("job.pod_created", "job.pod_failed", "job.backoff",
                                "job.failed", "ttlafterfinished.job_deleted")]
    assert order == ["job.pod_created", "job.pod_failed", "job.backoff",
                     "job.pod_created", "job.pod_failed", "job.backoff",
                     "job.pod_created", "job.pod_failed", "job.failed",
                     "ttlafterfinished.job_deleted"]
    [deleted] = by_event["ttlafterfinished.job_deleted"]
    assert deleted["ts"] >= failed["ts"] + 29
    assert summary["pods"]["Succeeded"] >= 1
