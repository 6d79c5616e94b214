"""`kactors run` end to end: the whole pod-creation workflow through every actor, in
virtual time, and how the command reports a bad config."""

from __future__ import annotations

import io
import json
from pathlib import Path

import attrs
from typer.testing import CliRunner

from kactors.cluster import ApplyAction, load_config, with_overrides
from kactors.cluster.run import run
from kactors_cli.app import app

from .helpers import run_json

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"




def test_the_bundled_cluster_runs_the_whole_workflow() -> None:
    records, summary = run_json("cluster.toml", duration=60)
    assert all(list(r)[:3] == ["ts", "actor", "event"] for r in records)
    last = records[-1]
    assert last["event"] == "cluster.summary"
    # nginx x3, and in kube-system: etcd x3, apiserver, controller-manager, scheduler,
    # metrics-server, kube-proxy x3 (the components as mirror pods, as in a real cluster)
    assert last["pods"] == {"Running": 13, "Pending": 0, "Succeeded": 0, "Failed": 0,
                            "Unknown": 0}
    system = [r["object"] for r in records if r["event"] == "manifest.created"]
    assert system[:2] == ["Deployment/nginx-deployment", "Service/nginx"]
    assert last["nodes"] == {"Ready": 3, "NotReady": 0}
    events = [r["event"] for r in records]
    # the five steps of the workflow, in order, each naming its objects
    steps = ["manifest.created", "event.recorded", "pod.scheduled", "pod.admitted",
             "pod.phase"]
    nginx = [i for i, r in enumerate(records)
             if "nginx" in str(r.get("pod", r.get("object", r.get("message", ""))))]
    positions = [next(i for i in nginx if events[i] == step) for step in steps]
    positions.append(next(i for i, r in enumerate(records)
                          if r["event"] == "endpoints.update" and r["ready"] > 0))
    assert positions == sorted(positions), positions
    scaled = next(r for r in records if r["event"] == "event.recorded"
                  and r["reason"] == "ScalingReplicaSet")
    assert "Scaled up replica set nginx-deployment-" in scaled["message"]
    # one pod can be followed across the scheduler and its kubelet
    pod = next(r["pod"] for r in records if r["event"] == "pod.scheduled")
    actors = {r["actor"] for r in records if r.get("pod") == pod}
    assert any(a.endswith("/scheduler") for a in actors)
    assert any(a.endswith("/kubelet") for a in actors)
    ready = [r for r in records if r["event"] == "endpoints.update"][-1]
    assert ready["ready"] == 3 and ready["not_ready"] == 0


def test_the_same_seed_tells_the_same_story() -> None:
    first, _ = run_json("cluster.toml", duration=20)
    second, _ = run_json("cluster.toml", duration=20)
    assert first == second


def test_pods_that_fit_nowhere_stay_pending_with_kubernetes_wording() -> None:
    records, summary = run_json("pending.toml", duration=30)
    assert summary["pods"]["Running"] == 2 + 9 and summary["pods"]["Pending"] == 1
    failed = [r for r in records if r["event"] == "pod.unschedulable"]
    assert failed and failed[0]["message"] == "0/2 nodes are available: 2 Insufficient cpu."


def test_a_crashing_image_loops_with_backoff() -> None:
    records, _ = run_json("crashloop.toml", duration=120)
    backoffs = [r["ts"] for r in records if r["event"] == "container.backoff"]
    exits = [r for r in records if r["event"] == "container.exited"]
    assert len(backoffs) >= 3 and all(r["exit_code"] == 1 for r in exits)
    starts = [r["ts"] for r in records if r["event"] == "container.started"]
    gaps = [round(b - a) for a, b in zip(starts, starts[1:], strict=False)]
    assert gaps[1:4] == sorted(gaps[1:4]) and gaps[3] > gaps[1]  # growing back-off


def test_a_bad_config_names_file_line_and_key_and_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[cluster]\nname = "demo"\n\n[[nodes]]\nname = "n"\nmemory = "8GB"\n')
    result = CliRunner().invoke(app, ["run", str(bad)])
    assert result.exit_code == 2
    assert f"{bad}:6: nodes[0].memory: invalid quantity" in result.output


def test_a_rejected_manifest_is_reported_and_the_run_goes_on(tmp_path: Path) -> None:
    manifest = tmp_path / "bad.yaml"
    manifest.write_text("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: bad\n"
                        "spec:\n  replicas: -1\n  selector:\n    matchLabels: {a: b}\n"
                        "  template:\n    metadata:\n      labels: {a: b}\n    spec:\n"
                        "      containers: [{name: c, image: nginx}]\n")
    config = with_overrides(load_config(EXAMPLES / "cluster.toml"), log_format="json",
                            duration=20)
    config = attrs.evolve(config, log=attrs.evolve(config.log, filters=()))
    out = io.StringIO()
    summary = run(config, extra_manifests=(manifest,), stream=out)
    records = [json.loads(line) for line in out.getvalue().splitlines()]
    rejected = [r for r in records if r["event"] == "manifest.rejected"]
    assert rejected[0]["code"] == 422 and rejected[0]["causes"] == ["spec.replicas"]
    assert summary["pods"]["Running"] == 13


def test_traffic_to_a_service_is_balanced_over_its_ready_pods() -> None:
    records, _ = run_json("cluster.toml", duration=65)
    summary = next(r for r in records if r["event"] == "traffic.summary")
    landed = summary["landed"]
    assert sum(landed.values()) == 30 and len(landed) == 3  # every replica got some
    pod_ips = {r["message"].rsplit(" ", 1)[-1] for r in records
               if r["event"] == "sandbox.ready"}
    assert {where.split(":")[0] for where in landed} <= pod_ips
    routed = [r for r in records if r["event"] == "proxy.routed"]
    assert len(routed) == 30 and all(r["actor"].endswith("node-1/kube-proxy") for r in routed)


def test_a_pod_waiting_for_its_configmap_starts_once_it_is_created(tmp_path: Path) -> None:
    """The kubelet looks again for a missing ConfigMap (each heartbeat), as Kubernetes
    retries CreateContainerConfigError: the pod starts once the ConfigMap exists."""
    pod = tmp_path / "pod.yaml"
    pod.write_text("apiVersion: v1\nkind: Pod\nmetadata: {name: needs-config}\nspec:\n"
                   "  containers:\n  - name: app\n    image: nginx:1.27\n"
                   "    env:\n    - name: GREETING\n      valueFrom:\n"
                   "        configMapKeyRef: {name: settings, key: greeting}\n")
    later = tmp_path / "cm.yaml"
    later.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\n"
                     "data: {greeting: hello}\n")
    config = with_overrides(load_config(EXAMPLES / "cluster.toml"), log_format="json",
                            duration=60)
    config = attrs.evolve(config, log=attrs.evolve(config.log, filters=()), actions=(
        ApplyAction(20.0, later),))
    out = io.StringIO()
    run(config, extra_manifests=(pod,), stream=out)
    records = [json.loads(line) for line in out.getvalue().splitlines()]
    ours = [r for r in records if r.get("pod") == "default/needs-config"]
    failed = [r for r in ours if r["event"] == "container.failed"]
    assert failed and 'configmap "settings" not found' in failed[0]["message"]
    started = [r for r in ours if r["event"] == "container.started"]
    assert started and started[0]["ts"] >= 20.0
