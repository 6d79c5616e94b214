"""The CronJob controller end to end: Jobs on schedule, their history, the concurrency
policies, suspension; the whole cluster in virtual time (the cluster's clock starts at
2026-01-01T00:00:00Z, so a `*/1 * * * *` CronJob fires at every whole cluster minute)."""

from __future__ import annotations

from typing import Any

import pytest

from kactors.client.errors import Invalid
from kactors.controllers.cronjob import SCHEDULED_TIMESTAMP
from kactors.testing.harness import full_cluster

CONFIG = """
[cluster]
name = "cron"
[[nodes]]
name = "node"
count = 2
"""
MINUTES_AT_EPOCH = 1767225600 // 60  # 2026-01-01T00:00:00Z in minutes since 1970


def cronjob(name: str = "hello", script: str = "sleep 5", **spec: Any) -> dict[str, Any]:
    return {"apiVersion": "batch/v1", "kind": "CronJob",
            "metadata": {"name": name, "namespace": "default"},
            "spec": {"schedule": "*/1 * * * *", **spec, "jobTemplate": {
                "metadata": {"labels": {"cron": name}},
                "spec": {"template": {"spec": {
                    "restartPolicy": "OnFailure",
                    "containers": [{"name": "c", "image": "busybox",
                                    "command": ["sh", "-c", script]}]}}}}}}


def events(cluster: Any, reason: str) -> list[dict[str, Any]]:
    return [r for r in cluster.logs("event.recorded") if r.get("reason") == reason]


async def jobs(cluster: Any) -> list[dict[str, Any]]:
    return sorted(await cluster.list("batch/v1/Job", "default"),
                  key=lambda j: j["metadata"]["name"])


async def test_jobs_on_schedule_and_the_history_kept(autojump_clock) -> None:
    async with full_cluster(CONFIG, seed=1) as cluster:
        await cluster.apply(cronjob(successfulJobsHistoryLimit=2))
        created = await cluster.get("batch/v1/CronJob", "hello", "default")
        assert (created["spec"]["concurrencyPolicy"], created["spec"]["suspend"],
                created["spec"]["failedJobsHistoryLimit"]) == ("Allow", False, 1)
        await cluster.sleep(60.5 - cluster.now())
        (first,) = await jobs(cluster)
        assert first["metadata"]["name"] == f"hello-{MINUTES_AT_EPOCH + 1}"
        assert first["metadata"]["annotations"][SCHEDULED_TIMESTAMP] == \
            "2026-01-01T00:01:00+00:00"
        assert first["metadata"]["labels"]["cron"] == "hello"
        owner = first["metadata"]["ownerReferences"][0]
        assert (owner["kind"], owner["name"], owner["controller"]) == \
            ("CronJob", "hello", True)
        status = (await cluster.get("batch/v1/CronJob", "hello", "default"))["status"]
        assert status["lastScheduleTime"] == "2026-01-01T00:01:00Z"
        assert [ref["name"] for ref in status["active"]] == [first["metadata"]["name"]]

        # four runs later: each Job completed; only the last two are kept
        await cluster.sleep(4 * 60 + 30)
        names = [j["metadata"]["name"] for j in await jobs(cluster)]
        assert names == [f"hello-{MINUTES_AT_EPOCH + m}" for m in (4, 5)]
        status = (await cluster.get("batch/v1/CronJob", "hello", "default"))["status"]
        assert "active" not in status
        assert status["lastScheduleTime"] == "2026-01-01T00:05:00Z"
        assert status["lastSuccessfulTime"] >= "2026-01-01T00:05:05Z"
        assert len(events(cluster, "SuccessfulCreate")) >= 5
        assert {e["message"] for e in events(cluster, "SawCompletedJob")} >= {
            f"Saw completed job: hello-{MINUTES_AT_EPOCH + 1}, status: Complete"}
        deleted = [e["message"] for e in events(cluster, "SuccessfulDelete")
                   if e["object"].startswith("CronJob/")]
        assert deleted[:3] == [f"Deleted job hello-{MINUTES_AT_EPOCH + m}" for m in (1, 2, 3)]


async def test_forbid_waits_and_replace_replaces(autojump_clock) -> None:
    async with full_cluster(CONFIG, seed=2) as cluster:
        await cluster.apply(cronjob("slow", "sleep 150", concurrencyPolicy="Forbid"))
        await cluster.apply(cronjob("swap", "sleep 150", concurrencyPolicy="Replace"))
        await cluster.sleep(2 * 60 + 30 - cluster.now())
        slow = [j for j in await jobs(cluster) if j["metadata"]["name"].startswith("slow-")]
        assert [j["metadata"]["name"] for j in slow] == [f"slow-{MINUTES_AT_EPOCH + 1}"]
        assert [e["object"] for e in events(cluster, "JobAlreadyActive")] == \
            ["CronJob/default/slow"]
        swap = [j for j in await jobs(cluster) if j["metadata"]["name"].startswith("swap-")
                and not j["metadata"].get("deletionTimestamp")]
        assert [j["metadata"]["name"] for j in swap] == [f"swap-{MINUTES_AT_EPOCH + 2}"]
        assert f"Deleted job swap-{MINUTES_AT_EPOCH + 1}" in [
            e["message"] for e in events(cluster, "SuccessfulDelete")]
        status = (await cluster.get("batch/v1/CronJob", "swap", "default"))["status"]
        assert [ref["name"] for ref in status["active"]] == [f"swap-{MINUTES_AT_EPOCH + 2}"]


async def test_suspended_and_late_schedules_make_no_jobs(autojump_clock) -> None:
    async with full_cluster(CONFIG, seed=3) as cluster:
        await cluster.apply(cronjob(suspend=True, startingDeadlineSeconds=10))
        await cluster.sleep(3 * 60 + 30 - cluster.now())
        assert await jobs(cluster) == []
        # resumed at 03:30 with a 10 s deadline: the missed 01:00-03:00 are not made up
        await cluster.apply(cronjob(suspend=False, startingDeadlineSeconds=10))
        await cluster.sleep(20)
        assert await jobs(cluster) == []
        await cluster.sleep(60)
        assert [j["metadata"]["name"] for j in await jobs(cluster)] == \
            [f"hello-{MINUTES_AT_EPOCH + 4}"]


async def test_invalid_cronjobs_are_refused(autojump_clock) -> None:
    async with full_cluster(CONFIG, seed=4) as cluster:
        with pytest.raises(Invalid) as invalid:
            await cluster.apply(cronjob(schedule="61 * * * *", timeZone="Mars/Base",
                                        concurrencyPolicy="Sometimes"))
        assert [(c["field"], c["message"]) for c in invalid.value.status["details"]["causes"]] \
            == [("spec.schedule", 'Invalid value: "61 * * * *": end of range (61) above '
                                  "maximum (59): 61"),
                ("spec.timeZone", 'Invalid value: "Mars/Base": unknown time zone Mars/Base'),
                ("spec.concurrencyPolicy", 'Unsupported value: "Sometimes": supported '
                                           'values: "Allow", "Forbid", "Replace"')]
