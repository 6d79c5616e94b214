"""Events across the components of a whole cluster, as `kubectl get events` shows them:
each records Kubernetes' reasons, and repeats of one event (a crash loop's BackOff, a pod
that fits nowhere) become one Event whose count grows, as client-go's correlator does."""

from __future__ import annotations

from kactors.testing.harness import full_cluster

CONFIG = """
[cluster]
name = "events"
[[nodes]]
name = "node"
count = 1
cpu = "1"
[images."example.com/crashy:1.0"]
pull_time = 2
start_time = 0.5
crash_after = 3
"""

CRASHY = {
    "apiVersion": "apps/v1", "kind": "Deployment",
    "metadata": {"name": "crashy", "namespace": "default"},
    "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "crashy"}},
             "template": {"metadata": {"labels": {"app": "crashy"}},
                          "spec": {"containers": [{"name": "app",
                                                   "image": "example.com/crashy:1.0"}]}}}}

HUNGRY = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "hungry",
                                                          "namespace": "default"},
          "spec": {"containers": [{"name": "c", "image": "nginx",
                                   "resources": {"requests": {"cpu": "2"}}}]}}


async def test_components_record_events_and_repeats_are_counted(autojump_clock) -> None:
    async with full_cluster(CONFIG, seed=11) as cluster:
        await cluster.apply([CRASHY, HUNGRY])
        await cluster.sleep(120)
        await cluster.client.patch("deployments", "crashy", {"spec": {"replicas": 0}},
                                   "default")
        await cluster.sleep(20)
        events = await cluster.list("v1/Event", "default")
        seen = {(e["involvedObject"]["kind"], e["source"]["component"], e["type"],
                 e["reason"]) for e in events}
        assert {
            ("Deployment", "deployment-controller", "Normal", "ScalingReplicaSet"),
            ("ReplicaSet", "replicaset-controller", "Normal", "SuccessfulCreate"),
            ("ReplicaSet", "replicaset-controller", "Normal", "SuccessfulDelete"),
            ("Pod", "default-scheduler", "Normal", "Scheduled"),
            ("Pod", "default-scheduler", "Warning", "FailedScheduling"),
            ("Pod", "kubelet", "Normal", "Pulling"),
            ("Pod", "kubelet", "Normal", "Pulled"),
            ("Pod", "kubelet", "Normal", "Created"),
            ("Pod", "kubelet", "Normal", "Started"),
            ("Pod", "kubelet", "Warning", "BackOff"),
        } <= seen, sorted(seen)

        def only(reason: str, name_prefix: str) -> dict:
            [event] = [e for e in events if e["reason"] == reason
                       and e["involvedObject"]["name"].startswith(name_prefix)]
            return event

        # the crash loop: one BackOff Event, counted, its last time moving on
        backoff = only("BackOff", "crashy-")
        assert backoff["count"] >= 3
        assert backoff["lastTimestamp"] > backoff["firstTimestamp"]
        assert backoff["message"].startswith("Back-off restarting failed container app in pod")
        assert backoff["source"]["host"] == "node-1"
        started = only("Started", "crashy-")
        assert started["count"] >= 3 and started["message"] == "Started container app"
        # the scheduler's retries of a pod that fits nowhere: one Event, counted
        failed = only("FailedScheduling", "hungry")
        assert failed["count"] > 1
        assert failed["message"] == "0/1 nodes are available: 1 Insufficient cpu."
        # a repeat never makes a second Event of the same reason and message
        keys = [(e["involvedObject"].get("uid"), e["type"], e["reason"], e["message"])
                for e in events]
        assert len(keys) == len(set(keys))
