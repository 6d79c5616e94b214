"""examples/quota.toml: a LimitRange gives the team's pods their resources, a
ResourceQuota stops the Deployment's scale-up at 4 pods, as the ReplicaSet reports."""

from __future__ import annotations

from .helpers import run_json


def test_a_quota_stops_a_scale_up() -> None:
    records, summary = run_json("quota.toml")
    counted = [r for r in records if r["event"] == "resourcequota.counted"]
    before = [r["used"] for r in counted if r["ts"] < 30]
    # three pods of the LimitRange's 200m / 128Mi each
    assert before[-1] == {"pods": "3", "requests.cpu": "600m", "limits.memory": "384Mi"}
    assert counted[-1]["used"] == {"pods": "4", "requests.cpu": "800m",
                                   "limits.memory": "512Mi"}
    refused = [r["message"] for r in records if r["event"] == "event.recorded"
               and r.get("reason") == "FailedCreate"]
    assert refused and all(message.endswith(
        "is forbidden: exceeded quota: compute, requested: pods=1, used: pods=4, "
        "limited: pods=4") for message in refused)
    assert summary["deployments"] == {"team/web": "4/6"}
    assert not [r for r in records if r["event"] == "actor.crashed"]
