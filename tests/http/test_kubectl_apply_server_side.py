"""`kubectl apply --server-side` (v1.32) against `kactors run --api-port 0 --https`:
managedFields shown with --show-managed-fields, a conflict after `kubectl scale`,
--force-conflicts, --field-manager, and a server-side apply after a client-side one."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from test_kubectl import Served, cluster, kubectl, needs_kubectl  # noqa: F401 - the fixture

pytestmark = needs_kubectl

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: ssa-web
spec:
  replicas: 2
  selector:
    matchLabels: {app: ssa-web}
  template:
    metadata:
      labels: {app: ssa-web}
    spec:
      containers:
      - name: nginx
        image: nginx:1.25
        ports:
        - containerPort: 80
"""


def get(served: Served, *what: str) -> Any:
    return json.loads(kubectl(served, "get", *what, "-o", "json",
                              "--show-managed-fields").stdout)


def test_server_side_apply_conflicts_and_force(cluster: Served,  # noqa: F811
                                               tmp_path: Path) -> None:
    manifest = tmp_path / "web.yaml"
    manifest.write_text(DEPLOYMENT)
    out = kubectl(cluster, "apply", "--server-side", "-f", str(manifest)).stdout
    assert out.strip() == "deployment.apps/ssa-web serverside-applied"
    deploy = get(cluster, "deploy", "ssa-web")
    [entry] = [e for e in deploy["metadata"]["managedFields"] if e["operation"] == "Apply"]
    assert entry["manager"] == "kubectl" and entry["apiVersion"] == "apps/v1"
    containers = entry["fieldsV1"]["f:spec"]["f:template"]["f:spec"]["f:containers"]
    assert containers['k:{"name":"nginx"}']["f:ports"] == {
        'k:{"containerPort":80,"protocol":"TCP"}': {".": {}, "f:containerPort": {}}}
    # without --show-managed-fields kubectl hides them
    plain = json.loads(kubectl(cluster, "get", "deploy", "ssa-web", "-o", "json").stdout)
    assert "managedFields" not in plain["metadata"]
    shown = kubectl(cluster, "get", "deploy", "ssa-web", "-o", "yaml",
                    "--show-managed-fields").stdout
    assert "managedFields:" in shown and "operation: Apply" in shown

    kubectl(cluster, "scale", "deploy/ssa-web", "--replicas=3")
    refused = kubectl(cluster, "apply", "--server-side", "-f", str(manifest), check=False)
    assert refused.returncode != 0
    assert ('Apply failed with 1 conflict: conflict with "kubectl" with subresource "scale" '
            'using apps/v1: .spec.replicas') in refused.stderr
    assert get(cluster, "deploy", "ssa-web")["spec"]["replicas"] == 3

    out = kubectl(cluster, "apply", "--server-side", "--force-conflicts", "-f",
                  str(manifest)).stdout
    assert out.strip() == "deployment.apps/ssa-web serverside-applied"
    deploy = get(cluster, "deploy", "ssa-web")
    assert deploy["spec"]["replicas"] == 2
    owners = {(e["manager"], e["operation"], e.get("subresource", "")): e["fieldsV1"]
              for e in deploy["metadata"]["managedFields"]}
    assert "f:replicas" in owners[("kubectl", "Apply", "")]["f:spec"]
    assert ("kubectl", "Update", "scale") not in owners  # it owned replicas only: gone

    # another manager applies the image: a conflict with kubectl's Apply
    other = tmp_path / "image.yaml"
    other.write_text(DEPLOYMENT.replace("nginx:1.25", "nginx:1.27"))
    refused = kubectl(cluster, "apply", "--server-side", "--field-manager=rollout-bot",
                      "-f", str(other), check=False)
    assert 'conflict with "kubectl": .spec.template.spec.containers[name="nginx"].image' \
        in refused.stderr
    kubectl(cluster, "delete", "-f", str(manifest))


def test_server_side_apply_after_client_side_apply(cluster: Served,  # noqa: F811
                                                   tmp_path: Path) -> None:
    manifest = tmp_path / "cm.yaml"
    manifest.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa-cm\n"
                        "data:\n  a: '1'\n  b: '2'\n")
    assert kubectl(cluster, "apply", "-f", str(manifest)).stdout.strip() == \
        "configmap/ssa-cm created"
    manifest.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa-cm\n"
                        "data:\n  a: '10'\n")
    out = kubectl(cluster, "apply", "--server-side", "-f", str(manifest)).stdout
    assert out.strip() == "configmap/ssa-cm serverside-applied"
    cm = get(cluster, "cm", "ssa-cm")
    assert cm["data"]["a"] == "10"
    owners = {(e["manager"], e["operation"]): e["fieldsV1"]
              for e in cm["metadata"]["managedFields"]}
    assert owners[("kubectl", "Apply")] == {"f:data": {"f:a": {}}}
    # kubectl keeps the client-side annotation current with an apply of its own
    assert owners[("kubectl-last-applied", "Apply")] == {"f:metadata": {"f:annotations": {
        "f:kubectl.kubernetes.io/last-applied-configuration": {}}}}
    # b was set before any apply recorded owners: nobody owns it, so it stays (Kubernetes
    # would have recorded kubectl-client-side-apply as its owner and pruned it)
    assert cm["data"]["b"] == "2"
    # a client-side apply after it is recorded as an Update by its field manager
    manifest.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa-cm\n"
                        "data:\n  a: '10'\n  c: '3'\n")
    kubectl(cluster, "apply", "-f", str(manifest))
    cm = get(cluster, "cm", "ssa-cm")
    owners = {(e["manager"], e["operation"]): e["fieldsV1"]
              for e in cm["metadata"]["managedFields"]}
    assert "f:c" in owners[("kubectl-client-side-apply", "Update")]["f:data"]
    # server-side again: kubectl upgrades the client-side manager to its own Apply entry
    # (a JSON patch of managedFields), so c, no longer in the file, is pruned
    manifest.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa-cm\n"
                        "data:\n  a: '10'\n")
    kubectl(cluster, "apply", "--server-side", "-f", str(manifest))
    cm = get(cluster, "cm", "ssa-cm")
    owners = {(e["manager"], e["operation"]): e["fieldsV1"]
              for e in cm["metadata"]["managedFields"]}
    assert ("kubectl-client-side-apply", "Update") not in owners
    assert "c" not in cm["data"] and cm["data"]["a"] == "10"
    kubectl(cluster, "delete", "cm", "ssa-cm")
