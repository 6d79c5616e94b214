"""`kubectl top` against `kactors run --api-port 0 --https`: the resource metrics API.

metrics-server scrapes every kubelet each 15 cluster seconds (1.5 s of wall time in this
cluster, 10x real time) and needs two scrapes for a CPU rate, so each test waits on the
condition "kubectl top shows what we expect" with a deadline, never a fixed sleep. One
cluster for the module, as in test_kubectl.py.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable

from test_kubectl import Served, cluster, kubectl, needs_kubectl  # noqa: F401 - the fixture

pytestmark = needs_kubectl

DEPLOYMENT = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: top-web}
spec:
  replicas: 2
  selector: {matchLabels: {app: top-web}}
  template:
    metadata: {labels: {app: top-web}}
    spec:
      containers:
      - name: web
        image: nginx
        resources: {limits: {memory: 64Mi}}
      - {name: cache, image: redis}
"""


def _rows(text: str) -> list[list[str]]:
    return [line.split() for line in text.strip().splitlines()]


def _until(served: Served, args: tuple[str, ...], done: Callable[[list[list[str]]], bool],
           timeout: float = 60.0) -> list[list[str]]:
    """`kubectl *args` again until its table satisfies `done` (metrics appear only after
    two scrapes); the last table, or the failure once the deadline passed."""
    deadline = time.monotonic() + timeout
    while True:
        result = kubectl(served, *args, check=False)
        rows = _rows(result.stdout) if result.returncode == 0 else []
        if rows and done(rows):
            return rows
        assert time.monotonic() < deadline, f"kubectl {' '.join(args)}: {result.stdout}" \
                                            f"{result.stderr}"
        time.sleep(0.2)  # polling a condition, under the deadline above


def test_top_node(cluster: Served) -> None:  # noqa: F811
    rows = _until(cluster, ("top", "node"), lambda rows: len(rows) == 3)
    assert rows[0] == ["NAME", "CPU(cores)", "CPU(%)", "MEMORY(bytes)", "MEMORY(%)"]
    for name, cpu, cpu_percent, memory, memory_percent in rows[1:]:
        assert name in ("node-1", "node-2")
        # the node's own system (50m, 320Mi) plus its pods (kube-proxy at least)
        assert re.fullmatch(r"\d+m", cpu) and int(cpu[:-1]) >= 50, rows
        assert re.fullmatch(r"\d+Mi", memory) and int(memory[:-2]) >= 320, rows
        assert cpu_percent.endswith("%") and memory_percent.endswith("%")
    # the API kubectl read, as any client sees it
    listed = json.loads(kubectl(cluster, "get", "--raw",
                                "/apis/metrics.k8s.io/v1beta1/nodes").stdout)
    assert listed["kind"] == "NodeMetricsList"
    item = listed["items"][0]
    # a real clock: the scrapes are about 15 s apart ("15.001s")
    assert re.fullmatch(r"1[45](\.\d+)?s", item["window"]), item
    assert set(item["usage"]) == {"cpu", "memory"}
    assert item["metadata"]["labels"]["kubernetes.io/hostname"] == item["metadata"]["name"]


def test_top_pod_all_namespaces_selector_and_containers(cluster: Served) -> None:  # noqa: F811
    kubectl(cluster, "apply", "-f", "-", stdin=DEPLOYMENT)
    kubectl(cluster, "rollout", "status", "deployment/top-web", "--timeout=60s")
    rows = _until(cluster, ("top", "pod", "-l", "app=top-web"), lambda rows: len(rows) == 3)
    assert rows[0] == ["NAME", "CPU(cores)", "MEMORY(bytes)"]
    for name, cpu, memory in rows[1:]:
        assert name.startswith("top-web-")
        # nginx 8Mi + redis 6Mi, once their memory has ramped up; about 1m + 3m of CPU
        assert memory == "14Mi", rows
        assert cpu in ("3m", "4m", "5m"), rows
    every = _rows(kubectl(cluster, "top", "pod", "-A").stdout)
    assert every[0] == ["NAMESPACE", "NAME", "CPU(cores)", "MEMORY(bytes)"]
    namespaces = {row[0] for row in every[1:]}
    assert {"default", "kube-system"} <= namespaces, every  # kube-proxy pods run on nodes
    containers = _rows(kubectl(cluster, "top", "pod", "-l", "app=top-web",
                               "--containers").stdout)
    assert containers[0] == ["POD", "NAME", "CPU(cores)", "MEMORY(bytes)"]
    assert sorted(row[1] for row in containers[1:]) == ["cache", "cache", "web", "web"]
    assert {row[3] for row in containers[1:] if row[1] == "web"} == {"8Mi"}
    # `kubectl get` prints the server's table: metrics-server's columns
    printed = _rows(kubectl(cluster, "get", "pods.metrics.k8s.io", "-l", "app=top-web").stdout)
    assert printed[0] == ["NAME", "CPU", "MEMORY", "WINDOW"]
    assert len(printed) == 3 and all(row[2] == "14Mi" for row in printed[1:]), printed


def test_top_errors_and_rbac(cluster: Served) -> None:  # noqa: F811
    missing = kubectl(cluster, "top", "pod", "no-such-pod", check=False)
    assert missing.returncode != 0
    assert 'pods "no-such-pod" not found' in missing.stderr
    # a user without a role: RBAC on metrics.k8s.io, as for any other group
    forbidden = kubectl(cluster, "--token=viewer-token-for-tests", "top", "node", check=False)
    assert forbidden.returncode != 0
    assert 'User "viewer" cannot list resource "nodes" in API group "metrics.k8s.io"' in \
        forbidden.stderr, forbidden.stderr
    # read-only: no other verb is routed (405, as Kubernetes answers)
    created = kubectl(cluster, "create", "--raw", "/apis/metrics.k8s.io/v1beta1/nodes",
                      "-f", "-", stdin='{"metadata": {"name": "x"}}', check=False)
    assert created.returncode != 0
    assert created.stderr.startswith("Error from server (MethodNotAllowed)"), created.stderr
