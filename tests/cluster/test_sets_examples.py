"""The DaemonSet and StatefulSet teaching scenarios, run as `kactors run` runs them: the
story each example's comments tell must be the one its JSON log records tell."""

from __future__ import annotations

from .helpers import run_json


def test_the_daemonset_example_follows_taints_and_nodes() -> None:
    records, summary = run_json("daemonset.toml")
    created = [r for r in records if r["event"] == "daemonset.pod_created"]
    deleted = [r for r in records if r["event"] == "daemonset.pod_deleted"]
    # t=0: the two ordinary nodes; the gpu node's taint is not tolerated
    assert sorted(r["node"] for r in created if r["ts"] < 20) == ["node-1", "node-2"]
    # t=20: tolerating the taint: the gpu node gets an agent, the others roll one at a time
    rolled = [r for r in records if r["event"] == "daemonset.rolling_update"]
    assert len(rolled) == 2 and all(len(r["replacing"]) == 1 for r in rolled)
    update = [(r["event"], r["node"]) for r in records
              if r["event"] in ("daemonset.pod_created", "daemonset.pod_deleted")
              and 20 <= r["ts"] < 40]
    assert update[0] == ("daemonset.pod_created", "gpu-1")
    assert [e for e, _ in update[1:]] == ["daemonset.pod_deleted", "daemonset.pod_created"] * 2
    # t=50: node-2's Node is deleted: its agent goes; t=60: it registers again, agent back
    gone = [r for r in deleted if r["ts"] >= 50]
    assert [(r["node"], r["reason"]) for r in gone] == [("node-2", "node gone")]
    back = [r for r in created if r["ts"] >= 60]
    assert [r["node"] for r in back] == ["node-2"]
    statuses = [r for r in records if r["event"] == "daemonset.status"]
    assert (statuses[-1]["desired"], statuses[-1]["ready"]) == (3, 3)
    assert min(r["desired"] for r in statuses if 50 <= r["ts"] < 60) == 2
    # fluentd x3 + etcd x3, apiserver, controller-manager, scheduler, metrics-server,
    # kube-proxy x3
    assert summary["pods"]["Running"] == 13 and summary["nodes"]["Ready"] == 3
    messages = [r["message"] for r in records if r["event"] == "event.recorded"
                and r["object"].startswith("DaemonSet/")]
    assert any(m.startswith("Created pod: fluentd-elasticsearch-") for m in messages)
    assert any(m.startswith("Deleted pod: fluentd-elasticsearch-") for m in messages)
    revisions = [r for r in records if r["event"] == "controllerrevision.created"]
    assert [(r["number"], r["ts"] < 20) for r in revisions] == [(1, True), (2, False)]


def test_the_statefulset_example_comes_up_in_order_and_keeps_identities() -> None:
    records, summary = run_json("statefulset.toml")
    created = [(r["pod"], r["ts"]) for r in records if r["event"] == "statefulset.pod_created"]
    first = [pod for pod, ts in created if ts < 20]
    assert first == ["web-0", "web-1", "web-2"]
    # each ordinal created once its predecessor is Ready (not all at once)
    assert created[0][1] < created[1][1] < created[2][1]
    messages = [r["message"] for r in records if r["event"] == "event.recorded"
                and r["object"] == "StatefulSet/default/web"]
    # the ordinal's claim from the volumeClaimTemplate first, then its pod
    assert messages[:2] == ["create Claim www-web-0 Pod web-0 in StatefulSet web success",
                            "create Pod web-0 in StatefulSet web successful"]
    # t=20: web-1 deleted and created again under its name
    assert [pod for pod, ts in created if 20 <= ts < 30] == ["web-1"]
    # t=30: scale to 5, in order; t=45: down to 2, highest ordinal first
    assert [pod for pod, ts in created if 30 <= ts < 45] == ["web-3", "web-4"]
    deleted = [(r["pod"], r["reason"]) for r in records
               if r["event"] == "statefulset.pod_deleted"]
    assert deleted == [("web-4", "scale_down"), ("web-3", "scale_down"),
                       ("web-2", "scale_down"), ("web-1", "update"), ("web-0", "update")]
    # the headless Service's endpoints follow the ready pods
    updates = [r for r in records if r["event"] == "endpoints.update"
               and r.get("service") == "default/nginx"]
    assert max(r["ready"] for r in updates) == 5 and updates[-1]["ready"] == 2
    last = [r for r in records if r["event"] == "statefulset.status"][-1]
    assert last["replicas"] == last["ready"] == last["updated"] == last["current"] == 2
    assert summary["pods"]["Running"] == 2 + 9
    revisions = [r for r in records if r["event"] == "controllerrevision.created"]
    assert [(r["number"], r["ts"] < 60) for r in revisions] == [(1, True), (2, False)]
    assert revisions[-1]["revision"] == last["update_revision"]
