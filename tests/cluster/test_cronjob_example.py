"""examples/cronjob.toml: the docs' `hello` CronJob runs every minute and keeps two Jobs;
`report` (Forbid) never overlaps: its late run starts when the previous one ends."""

from __future__ import annotations

from .helpers import run_json

MINUTE_0 = 1767225600 // 60  # 2026-01-01T00:00Z, the cluster's time 0, in minutes


def test_cronjobs_tell_their_story() -> None:
    records, summary = run_json("cronjob.toml")

    def created(cronjob: str) -> list[tuple[float, str]]:
        return [(r["ts"], r["job"]) for r in records if r["event"] == "cronjob.job_created"
                and r["cronjob"] == f"default/{cronjob}"]

    def messages(reason: str, cronjob: str) -> list[tuple[float, str]]:
        return [(r["ts"], r["message"]) for r in records if r["event"] == "event.recorded"
                and r.get("reason") == reason and r["object"] == f"CronJob/default/{cronjob}"]

    # hello: a Job at every whole minute (a tenth of a second after: the requeue margin)
    assert created("hello") == [(60 * m + 0.1, f"hello-{MINUTE_0 + m}") for m in range(1, 7)]
    # successfulJobsHistoryLimit: 2: each new completion deletes the oldest one kept
    deleted = [m for _, m in messages("SuccessfulDelete", "hello")]
    assert deleted[:3] == [f"Deleted job hello-{MINUTE_0 + m}" for m in (1, 2, 3)]
    # report: 150 s runs every 2 minutes, Forbid: the 00:04 run waits for the 00:02 one
    runs = created("report")
    assert runs[0] == (120.1, f"report-{MINUTE_0 + 2}")
    waited = [ts for ts, _ in messages("JobAlreadyActive", "report")]
    assert 240.1 in waited
    finished = [r["ts"] for r in records if r["event"] == "job.completed"
                and r["job"] == f"default/report-{MINUTE_0 + 2}"]
    assert runs[1] == (finished[0], f"report-{MINUTE_0 + 4}")
    assert 250 < finished[0] < 290  # 150 s after it started, give or take the spread
    assert not [r for r in records if r["event"] == "actor.crashed"]
    assert summary["pods"]["Failed"] == 0
