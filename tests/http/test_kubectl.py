"""Real kubectl and the official Python client against `kactors run --api-port 0 --https`.

One cluster for the module: a subprocess serving HTTPS on a free loopback port, which
writes its context into a temporary kubeconfig (as kind does), in real time sped up 10x.
Every wait is on a condition with a deadline (/readyz, `kubectl wait`, `rollout status
--timeout`), never a fixed sleep.
"""

from __future__ import annotations

import base64
import datetime
import json
import os
import re
import shutil
import signal
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import attrs
import pytest
import yaml
from kubectl_manifests import CONFIGMAP, WEB
from typer.testing import CliRunner

from kactors.apiserver.http import kubeconfig as kc
from kactors_cli.app import app

HERE = Path(__file__).parent
CONFIG = HERE / "kubectl-cluster.toml"
KUBECTL = shutil.which("kubectl")
needs_kubectl = pytest.mark.skipif(KUBECTL is None, reason="kubectl is not on PATH")
CLI = [sys.executable, "-c", "from kactors_cli.app import main; main()"]


@attrs.frozen
class Served:
    env: dict[str, str]
    url: str
    token: str
    ca: bytes
    home: Path

    @property
    def kubeconfig(self) -> Path:
        return Path(self.env["KUBECONFIG"])


def _wait_ready(kubeconfig: Path, proc: subprocess.Popen, deadline: float
                ) -> tuple[str, str, bytes]:
    """The URL, token and CA once the kubeconfig is written and /readyz says ok."""
    while time.monotonic() < deadline:
        assert proc.poll() is None, "kactors run exited early"
        found = kc.extract(kc.read(kubeconfig), "kubectl-test") if kubeconfig.exists() else None
        if found is not None:
            url = found["clusters"][0]["cluster"]["server"]
            ca = base64.b64decode(
                found["clusters"][0]["cluster"]["certificate-authority-data"])
            context = ssl.create_default_context(cadata=ca.decode())
            try:
                with urllib.request.urlopen(f"{url}/readyz", context=context,
                                            timeout=2) as reply:
                    if reply.read() == b"ok":
                        return url, found["users"][0]["user"]["token"], ca
            except OSError:
                pass
        time.sleep(0.05)  # polling the subprocess, with the deadline above
    raise TimeoutError("the cluster did not become ready")


@pytest.fixture(scope="module")
def cluster() -> Served:
    pytest.importorskip("cryptography")  # the test extra has it: --https needs it
    home = Path(tempfile.mkdtemp(prefix="kactors-kubectl-"))
    kubeconfig = home / "kubeconfig"
    kubeconfig.write_text(yaml.safe_dump({  # a context of someone else's: must survive
        "apiVersion": "v1", "kind": "Config", "current-context": "other",
        "clusters": [{"name": "other", "cluster": {"server": "https://other:6443"}}],
        "users": [{"name": "other", "user": {"token": "other-token"}}],
        "contexts": [{"name": "other", "context": {"cluster": "other", "user": "other"}}]}))
    env = {**os.environ, "HOME": str(home), "KUBECONFIG": str(kubeconfig)}
    log = (home / "run.log").open("w")
    proc = subprocess.Popen([*CLI, "run", str(CONFIG), "--api-port", "0", "--https",
                             "--log-format", "json"], env=env, stdout=log,
                            stderr=subprocess.STDOUT)
    try:
        url, token, ca = _wait_ready(kubeconfig, proc, time.monotonic() + 60)
        served = Served(env, url, token, ca, home)
        if KUBECTL:
            kubectl(served, "wait", "--for=condition=Ready", "node", "--all", "--timeout=60s")
        yield served
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            code = proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            code = proc.wait()
        log.close()
    text = (home / "run.log").read_text()
    assert code == 0, text[-3000:]
    assert '"event":"cluster.summary"' in text.replace(" ", "")
    assert token not in text  # the admin token is never logged
    shutil.rmtree(home, ignore_errors=True)


def kubectl(cluster: Served, *args: str, check: bool = True, stdin: str | None = None,
            timeout: float = 90) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([KUBECTL or "kubectl", *args], env=cluster.env, input=stdin,
                            capture_output=True, text=True, timeout=timeout)
    if check:
        assert result.returncode == 0, f"kubectl {' '.join(args)}: {result.stderr}"
    return result


def test_the_kubeconfig_is_merged_and_printed(cluster: Served) -> None:
    written = kc.read(cluster.kubeconfig)
    assert written["current-context"] == "kactors-kubectl-test"
    assert [c["name"] for c in written["contexts"]] == ["other", "kactors-kubectl-test"]
    assert cluster.url.startswith("https://127.0.0.1:")
    printed = CliRunner().invoke(app, ["kubeconfig", str(CONFIG)], env=cluster.env)
    assert printed.exit_code == 0, printed.output
    assert yaml.safe_load(printed.stdout) == kc.extract(written, "kubectl-test")
    absent = CliRunner().invoke(app, ["kubeconfig", str(CONFIG), "--kubeconfig",
                                      str(cluster.home / "nothing")])
    assert absent.exit_code == 1


@needs_kubectl
def test_cluster_info_and_api_resources(cluster: Served) -> None:
    info = kubectl(cluster, "cluster-info").stdout
    assert f"Kubernetes control plane is running at {cluster.url}" in info
    resources = kubectl(cluster, "api-resources").stdout
    for line in (r"deployments\s+deploy\s+apps/v1\s+true\s+Deployment",
                 r"nodes\s+no\s+v1\s+false\s+Node",
                 r"customresourcedefinitions\s+crd,crds\s+apiextensions.k8s.io/v1\s+false"):
        assert re.search(line, resources), line
    version = kubectl(cluster, "version", "-o", "json").stdout
    assert json.loads(version)["serverVersion"]["minor"] == "32"


@needs_kubectl
def test_get_built_in_kinds(cluster: Served) -> None:
    nodes = kubectl(cluster, "get", "nodes").stdout.splitlines()
    assert nodes[0].split() == ["NAME", "STATUS", "ROLES", "AGE", "VERSION"]
    assert sorted(line.split()[:2] for line in nodes[1:]) == [
        ["node-1", "Ready"], ["node-2", "Ready"]]
    assert {"default", "kube-system"} <= set(
        kubectl(cluster, "get", "ns", "-o", "name").stdout.replace("namespace/", "").split())
    wide = kubectl(cluster, "get", "pods", "-A", "-o", "wide").stdout.splitlines()
    assert wide[0].split()[:8] == ["NAMESPACE", "NAME", "READY", "STATUS", "RESTARTS", "AGE",
                                   "IP", "NODE"]
    assert any(line.startswith("kube-system") and "kube-scheduler" in line for line in wide)
    narrow = kubectl(cluster, "get", "pods", "-n", "kube-system").stdout.splitlines()[0]
    assert narrow.split() == ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    for kind in ("svc", "ep", "cm", "secrets", "events", "sa", "deploy", "rs"):
        kubectl(cluster, "get", kind, "-A")
    svc = kubectl(cluster, "get", "svc", "kubernetes").stdout.splitlines()
    assert svc[1].split()[:5] == ["kubernetes", "ClusterIP", "10.96.0.1", "<none>",
                                  "443/TCP"]
    endpoints = kubectl(cluster, "get", "ep", "kubernetes").stdout.splitlines()
    assert endpoints[1].split()[:2] == ["kubernetes", "10.0.255.100:6443"]
    token = kubectl(cluster, "create", "token", "default").stdout.strip()
    # the token authenticates the ServiceAccount: basic-user's rights, not more
    assert kubectl(cluster, f"--token={token}", "auth", "can-i", "list", "pods",
                   check=False).stdout.strip() == "no"
    assert kubectl(cluster, f"--token={token}", "auth", "can-i", "create",
                   "selfsubjectrulesreviews").stdout.strip() == "yes"


@needs_kubectl
def test_create_apply_twice_rollout_scale_undo(cluster: Served, tmp_path: Path) -> None:
    manifest = tmp_path / "web.yaml"
    manifest.write_text(WEB)
    out = kubectl(cluster, "apply", "-f", str(manifest)).stdout
    assert out.splitlines() == ["deployment.apps/web created", "service/web created"]
    assert "successfully rolled out" in kubectl(
        cluster, "rollout", "status", "deployment/web", "--timeout=60s").stdout
    manifest.write_text(WEB.replace("nginx:1.14.2", "nginx:1.16.1"))
    out = kubectl(cluster, "apply", "-f", str(manifest)).stdout
    assert out.splitlines() == ["deployment.apps/web configured", "service/web unchanged"]
    kubectl(cluster, "rollout", "status", "deployment/web", "--timeout=60s")
    history = kubectl(cluster, "rollout", "history", "deployment/web").stdout
    assert re.search(r"^1\s", history, re.M) and re.search(r"^2\s", history, re.M)
    before = kubectl(cluster, "get", "pods", "-l", "app=web", "-o", "name").stdout.split()
    assert "rolled back" in kubectl(cluster, "rollout", "undo", "deployment/web").stdout
    kubectl(cluster, "rollout", "status", "deployment/web", "--timeout=60s")
    # the replaced pods terminate gracefully after the rollout (listed until they are gone)
    kubectl(cluster, "wait", "--for=delete", *before, "--timeout=60s")
    image = kubectl(cluster, "get", "deploy", "web", "-o",
                    "jsonpath={.spec.template.spec.containers[0].image}").stdout
    assert image == "nginx:1.14.2"
    assert kubectl(cluster, "scale", "deploy/web", "--replicas=3").stdout.strip() == \
        "deployment.apps/web scaled"
    kubectl(cluster, "rollout", "status", "deployment/web", "--timeout=60s")
    pods = kubectl(cluster, "get", "pods", "-l", "app=web", "-o", "name").stdout.split()
    assert len(pods) == 3 and all(p.startswith("pod/web-") for p in pods)
    deploy = kubectl(cluster, "get", "deploy", "web").stdout.splitlines()
    assert deploy[0].split() == ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"]
    assert deploy[1].split()[:4] == ["web", "3/3", "3", "3"]
    endpoints = kubectl(cluster, "get", "ep", "web", "-o", "json").stdout
    assert len(json.loads(endpoints)["subsets"][0]["addresses"]) == 3

    described = kubectl(cluster, "describe", "deployment", "web").stdout
    assert "Replicas:               3 desired | 3 updated | 3 total | 3 available" in described
    assert "ScalingReplicaSet" in described
    pod = pods[0]
    described = kubectl(cluster, "describe", pod).stdout
    assert "Status:           Running" in described
    assert re.search(r"Normal\s+Started\s+\S+\s+kubelet\s+Started container nginx", described)
    node = kubectl(cluster, "get", pod, "-o", "jsonpath={.spec.nodeName}").stdout
    assert "Allocated resources:" in kubectl(cluster, "describe", "node", node).stdout
    logs = kubectl(cluster, "logs", pod).stdout
    assert logs.strip()
    follower = subprocess.Popen([KUBECTL, "logs", "-f", "--tail=1", pod], env=cluster.env,
                                stdout=subprocess.PIPE, text=True)
    try:  # the last line, and the stream stays open for more
        assert follower.stdout.readline() == logs.splitlines(keepends=True)[-1]
        assert follower.poll() is None
    finally:
        follower.terminate()
        follower.wait(timeout=30)
    as_yaml = yaml.safe_load(kubectl(cluster, "get", pod, "-o", "yaml").stdout)
    assert as_yaml["metadata"]["labels"]["app"] == "web"

    assert kubectl(cluster, "label", "deploy", "web", "tier=front").stdout.strip() == \
        "deployment.apps/web labeled"
    assert kubectl(cluster, "annotate", "deploy", "web", "note=hi").stdout.strip() == \
        "deployment.apps/web annotated"
    assert kubectl(cluster, "get", "deploy", "-l", "tier=front", "-o", "jsonpath="
                   "{.items[0].metadata.annotations.note}").stdout == "hi"

    rs = kubectl(cluster, "get", "rs", "-l", "app=web", "-o", "name").stdout.split()
    assert kubectl(cluster, "delete", "deploy", "web", "--cascade=orphan").stdout.strip() == \
        'deployment.apps "web" deleted'
    assert kubectl(cluster, "get", "rs", "-l", "app=web", "-o", "name").stdout.split() == rs
    kubectl(cluster, "delete", "rs", "-l", "app=web", "--wait=true", "--timeout=60s")
    kubectl(cluster, "wait", "--for=delete", "pod", "-l", "app=web", "--timeout=60s")
    assert kubectl(cluster, "delete", "-f", str(manifest), "--ignore-not-found").stdout \
        .strip() == 'service "web" deleted'


@needs_kubectl
def test_create_delete_and_errors(cluster: Served, tmp_path: Path) -> None:
    manifest = tmp_path / "cm.yaml"
    manifest.write_text(CONFIGMAP)
    assert kubectl(cluster, "create", "-f", str(manifest)).stdout.strip() == \
        "configmap/settings created"
    again = kubectl(cluster, "create", "-f", str(manifest), check=False)
    assert again.returncode == 1 and "AlreadyExists" in again.stderr
    assert kubectl(cluster, "get", "cm", "-l", "team=blue", "-o", "name").stdout.strip() == \
        "configmap/settings"
    typo = CONFIGMAP.replace("data:", "datta:").replace("settings", "typo")
    refused = kubectl(cluster, "create", "-f", "-", stdin=typo, check=False)
    assert 'strict decoding error: unknown field "datta"' in refused.stderr
    assert kubectl(cluster, "delete", "cm", "settings").stdout.strip() == \
        'configmap "settings" deleted'
    missing = kubectl(cluster, "get", "widgets", check=False)
    assert 'the server doesn\'t have a resource type "widgets"' in missing.stderr
    denied = kubectl(cluster, "--token=not-a-token", "get", "pods", check=False)
    assert "Unauthorized" in denied.stderr
    forbidden = kubectl(cluster, "--token=viewer-token-for-tests", "get", "pods", check=False)
    assert 'User "viewer" cannot list resource "pods"' in forbidden.stderr


@needs_kubectl
def test_apply_of_a_typo_is_refused_by_strict_field_validation(cluster: Served,
                                                               tmp_path: Path) -> None:
    """kubectl apply sends fieldValidation=Strict, on the create and on the patch of a
    changed manifest; the patched result is judged, as kube-apiserver does."""
    manifest = tmp_path / "typo.yaml"
    app = WEB.split("---")[0].replace("web", "typo")
    manifest.write_text(app)
    assert kubectl(cluster, "apply", "-f", str(manifest)).stdout.strip() == \
        "deployment.apps/typo created"
    manifest.write_text(app.replace("image: nginx:1.14.2", "imagee: nginx:1.16.1"))
    refused = kubectl(cluster, "apply", "-f", str(manifest), check=False)
    assert refused.returncode == 1
    assert 'strict decoding error: unknown field "spec.template.spec.containers[0].imagee"' \
        in refused.stderr
    image = kubectl(cluster, "get", "deploy", "typo", "-o",
                    "jsonpath={.spec.template.spec.containers[0].image}").stdout
    assert image == "nginx:1.14.2"
    created = kubectl(cluster, "create", "-f", "-", check=False,
                      stdin=app.replace("typo", "typo2").replace("image:", "imagee:"))
    assert ('Error from server (BadRequest): error when creating "STDIN": Deployment in '
            'version "v1" cannot be handled as a Deployment: strict decoding error: unknown '
            'field "spec.template.spec.containers[0].imagee"') in created.stderr
    kubectl(cluster, "delete", "deploy", "typo")


@needs_kubectl
def test_timestamps_are_wall_clock_times(cluster: Served) -> None:
    """With a real clock, cluster time 0 is the wall time at start: ages are what kubectl
    computes from its own clock (the cluster runs 10x faster, hence the margin)."""
    stamp = kubectl(cluster, "get", "ns", "default", "-o",
                    "jsonpath={.metadata.creationTimestamp}").stdout
    created = datetime.datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(
        tzinfo=datetime.UTC)
    now = datetime.datetime.now(datetime.UTC)
    assert now - datetime.timedelta(minutes=10) <= created <= now + datetime.timedelta(
        seconds=5)
    age = kubectl(cluster, "get", "ns", "default").stdout.splitlines()[1].split()[-1]
    assert re.fullmatch(r"\d+(s|m\d*s?)", age), age


@needs_kubectl
def test_auth_can_i(cluster: Served) -> None:
    assert kubectl(cluster, "auth", "can-i", "create", "pods").stdout.strip() == "yes"
    viewer = kubectl(cluster, "--token=viewer-token-for-tests", "auth", "can-i", "create",
                     "pods", check=False)
    assert (viewer.returncode, viewer.stdout.strip()) == (1, "no")
    # --list: a SelfSubjectRulesReview, printed as a table of the rules
    listed = kubectl(cluster, "auth", "can-i", "--list").stdout.splitlines()
    assert listed[0].split() == ["Resources", "Non-Resource", "URLs", "Resource", "Names",
                                 "Verbs"]
    assert ["*.*", "[]", "[]", "[*]"] in [line.split() for line in listed]
    mine = kubectl(cluster, "--token=viewer-token-for-tests", "auth", "can-i", "--list",
                   "-n", "kube-system").stdout.splitlines()
    rows = [line.split() for line in mine[1:]]
    assert ["selfsubjectrulesreviews.authorization.k8s.io", "[]", "[]", "[create]"] in rows
    assert not any(row[0] == "*.*" for row in rows)


@needs_kubectl
def test_impersonation_with_as_and_whoami(cluster: Served) -> None:
    """`--as` and `--as-group`: the admin may act as anyone, and then has the rights of
    whom it acts as; the viewer may impersonate no one (RBAC's `impersonate` verb)."""
    as_viewer = kubectl(cluster, "auth", "can-i", "create", "pods", "--as=viewer", check=False)
    assert (as_viewer.returncode, as_viewer.stdout.strip()) == (1, "no")
    listed = kubectl(cluster, "get", "pods", "--as=viewer", check=False)
    assert 'pods is forbidden: User "viewer" cannot list resource "pods"' in listed.stderr
    as_masters = kubectl(cluster, "auth", "can-i", "delete", "nodes", "--as=bob",
                         "--as-group=system:masters")
    assert as_masters.stdout.strip() == "yes"
    as_sa = kubectl(cluster, "auth", "can-i", "list", "secrets", "-n", "kube-system",
                    "--as=system:serviceaccount:default:default", check=False)
    assert as_sa.stdout.strip() == "no"
    refused = kubectl(cluster, "--token=viewer-token-for-tests", "get", "pods", "--as=admin",
                      check=False)
    assert refused.returncode == 1
    assert ('users "admin" is forbidden: User "viewer" cannot impersonate resource "users" '
            'in API group "" at the cluster scope') in refused.stderr
    # kubectl auth whoami (a SelfSubjectReview, sent as protobuf): who the server sees
    whoami = kubectl(cluster, "auth", "whoami", "--as=bob", "--as-group=devs").stdout
    assert [line.split(None, 1) for line in whoami.splitlines()] == [
        ["ATTRIBUTE", "VALUE"], ["Username", "bob"], ["Groups", "[devs system:authenticated]"]]
    viewer = kubectl(cluster, "--token=viewer-token-for-tests", "auth", "whoami", "-o", "json")
    assert json.loads(viewer.stdout)["status"]["userInfo"] == {
        "username": "viewer", "groups": ["system:authenticated"]}


@needs_kubectl
def test_drain_respects_a_pod_disruption_budget(cluster: Served) -> None:
    """`kubectl drain` evicts through pods/eviction: refused while the budget allows no
    disruption, done once it allows one (only this test's pods: --pod-selector)."""
    ns = ["-n", "drain-test"]
    kubectl(cluster, "create", "namespace", "drain-test")
    node = None
    try:
        kubectl(cluster, "create", "deployment", "d", "--image=nginx", "--replicas=2", *ns)
        kubectl(cluster, "rollout", "status", "deployment/d", "--timeout=60s", *ns)
        kubectl(cluster, "create", "pdb", "d-pdb", "--selector=app=d", "--min-available=2",
                *ns)
        kubectl(cluster, "wait", "--for=jsonpath={.status.currentHealthy}=2", "pdb/d-pdb",
                "--timeout=30s", *ns)
        table = kubectl(cluster, "get", "pdb", *ns).stdout.splitlines()
        assert table[0].split() == ["NAME", "MIN", "AVAILABLE", "MAX", "UNAVAILABLE",
                                    "ALLOWED", "DISRUPTIONS", "AGE"]
        assert table[1].split()[:4] == ["d-pdb", "2", "N/A", "0"]
        node = kubectl(cluster, "get", "pods", "-l", "app=d", *ns, "-o",
                       "jsonpath={.items[0].spec.nodeName}").stdout
        blocked = kubectl(cluster, "drain", node, "--pod-selector=app=d", "--timeout=3s",
                          check=False)
        assert blocked.returncode != 0
        assert "Cannot evict pod as it would violate the pod's disruption budget" in \
            blocked.stderr
        kubectl(cluster, "patch", "pdb", "d-pdb", *ns, "--type=merge", "-p",
                '{"spec": {"minAvailable": 1}}')
        kubectl(cluster, "wait", "--for=jsonpath={.status.disruptionsAllowed}=1", "pdb/d-pdb",
                "--timeout=30s", *ns)
        drained = kubectl(cluster, "drain", node, "--pod-selector=app=d", "--timeout=30s")
        assert "evicted" in drained.stdout and f"node/{node} drained" in drained.stdout
    finally:
        if node:
            kubectl(cluster, "uncordon", node)
        kubectl(cluster, "delete", "namespace", "drain-test", "--wait=false")


@needs_kubectl
def test_cronjobs(cluster: Served) -> None:
    """`kubectl create cronjob` (protobuf), its table, and a Job made from it by hand,
    which the CronJob controller tells of but does not count as its own run."""
    kubectl(cluster, "create", "cronjob", "tick", "--image=busybox",
            "--schedule=0 0 * * *", "--", "echo", "hi")
    table = kubectl(cluster, "get", "cronjobs").stdout.splitlines()
    assert table[0].split() == ["NAME", "SCHEDULE", "TIMEZONE", "SUSPEND", "ACTIVE", "LAST",
                                "SCHEDULE", "AGE"]
    assert table[1].split()[:8] == ["tick", "0", "0", "*", "*", "*", "<none>", "False"]
    bad = kubectl(cluster, "create", "cronjob", "bad", "--image=busybox",
                  "--schedule=61 * * * *", check=False)
    assert "end of range (61) above maximum (59): 61" in bad.stderr
    kubectl(cluster, "create", "job", "tick-now", "--from=cronjob/tick")
    job = json.loads(kubectl(cluster, "get", "job", "tick-now", "-o", "json").stdout)
    assert job["metadata"]["ownerReferences"][0]["name"] == "tick"
    kubectl(cluster, "delete", "cronjob", "tick")


@needs_kubectl
def test_priority_classes(cluster: Served) -> None:
    """`kubectl create priorityclass` (protobuf), its table with the system classes, and
    a pod that names it getting its value from the Priority admission plugin."""
    kubectl(cluster, "create", "priorityclass", "vip", "--value=1000")
    rows = [line.split() for line in kubectl(cluster, "get", "pc").stdout.splitlines()]
    assert rows[0] == ["NAME", "VALUE", "GLOBAL-DEFAULT", "AGE", "PREEMPTIONPOLICY"]
    assert ["system-node-critical", "2000001000", "false"] in [row[:3] for row in rows]
    kubectl(cluster, "run", "vip-pod", "--image=nginx",
            '--overrides={"spec": {"priorityClassName": "vip"}}')
    priority = kubectl(cluster, "get", "pod", "vip-pod", "-o",
                       "jsonpath={.spec.priority}").stdout
    assert priority == "1000"
    kubectl(cluster, "delete", "pod", "vip-pod", "--wait=false")


@needs_kubectl
def test_get_watch_prints_new_pods(cluster: Served) -> None:
    watcher = subprocess.Popen([KUBECTL, "get", "pods", "-l", "app=watched", "-w",
                                "--request-timeout=60s"], env=cluster.env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines: list[str] = []
    seen = threading.Event()

    def read() -> None:
        for line in watcher.stdout:
            lines.append(line)
            if line.startswith("watched "):
                seen.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        pod = ("apiVersion: v1\nkind: Pod\nmetadata: {name: watched, labels: {app: watched}}\n"
               "spec: {containers: [{name: c, image: nginx}]}\n")
        kubectl(cluster, "apply", "-f", "-", stdin=pod)
        assert seen.wait(60), lines
    finally:
        watcher.terminate()
        watcher.wait(timeout=30)
    assert lines[0].split() == ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    kubectl(cluster, "delete", "pod", "watched", "--timeout=60s")


def test_python_client(cluster: Served) -> None:
    from kubernetes import client, config, watch

    api_client = config.new_client_from_config(config_file=str(cluster.kubeconfig))
    core = client.CoreV1Api(api_client)
    system = core.list_namespaced_pod("kube-system")
    assert any(p.metadata.name.startswith("kube-apiserver") for p in system.items)
    apps = client.AppsV1Api(api_client)
    body = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "py"},
            "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "py"}},
                     "template": {"metadata": {"labels": {"app": "py"}},
                                  "spec": {"containers": [{"name": "c",
                                                           "image": "nginx:1.14.2"}]}}}}
    created = apps.create_namespaced_deployment("default", body)
    assert created.metadata.uid and created.spec.replicas == 1
    phases = []
    stream = watch.Watch()
    for event in stream.stream(core.list_namespaced_pod, "default", label_selector="app=py",
                               timeout_seconds=60):
        phases.append((event["type"], event["object"].status.phase))
        if event["object"].status.phase == "Running":
            stream.stop()
    assert phases[0] == ("ADDED", "Pending") and phases[-1][1] == "Running"
    apps.delete_namespaced_deployment("py", "default", propagation_policy="Foreground")
    with pytest.raises(client.ApiException) as error:
        core.read_namespaced_pod("no-such-pod", "default")
    assert error.value.status == 404
