"""Storage through real kubectl: `get pv,pvc,sc` with Kubernetes' columns, `describe pvc`
with its Events, and the docs' `web` StatefulSet whose claims www-web-N are provisioned
by the default `standard` class and Bound. One cluster for the module, as in
test_kubectl.py."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from test_kubectl import Served, cluster, kubectl, needs_kubectl  # noqa: F401 - the fixture

pytestmark = needs_kubectl

WEB = Path(__file__).resolve().parents[2] / "examples" / "manifests" / "web-statefulset.yaml"


def get(served: Served, *what: str) -> Any:
    return json.loads(kubectl(served, "get", *what, "-o", "json").stdout)


def rows(served: Served, *what: str) -> list[list[str]]:
    return [line.split() for line in kubectl(served, "get", *what).stdout.splitlines()]


def test_storage_classes_and_a_static_volume(cluster: Served) -> None:  # noqa: F811
    table = rows(cluster, "sc")
    assert [row[:-1] for row in table] == [
        ["NAME", "PROVISIONER", "RECLAIMPOLICY", "VOLUMEBINDINGMODE", "ALLOWVOLUMEEXPANSION"],
        ["standard", "(default)", "rancher.io/local-path", "Delete", "WaitForFirstConsumer",
         "false"]]
    kubectl(cluster, "apply", "-f", "-", stdin="""
apiVersion: v1
kind: PersistentVolume
metadata: {name: manual}
spec:
  capacity: {storage: 2Gi}
  accessModes: [ReadWriteOnce]
  storageClassName: manual
  hostPath: {path: /mnt/data}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: manual-claim, namespace: default}
spec:
  storageClassName: manual
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
""")
    kubectl(cluster, "wait", "--for=jsonpath={.status.phase}=Bound", "pvc/manual-claim",
            "--timeout=30s")
    pv = rows(cluster, "pv", "manual")
    assert pv[0] == ["NAME", "CAPACITY", "ACCESS", "MODES", "RECLAIM", "POLICY", "STATUS",
                     "CLAIM", "STORAGECLASS", "VOLUMEATTRIBUTESCLASS", "REASON", "AGE"]
    assert pv[1][:7] == ["manual", "2Gi", "RWO", "Retain", "Bound", "default/manual-claim",
                         "manual"]
    pvc = rows(cluster, "pvc", "manual-claim")
    assert pvc[1][:6] == ["manual-claim", "Bound", "manual", "2Gi", "RWO", "manual"]
    invalid = kubectl(cluster, "patch", "pvc", "manual-claim", "--type=merge", "-p",
                      '{"spec": {"storageClassName": "other"}}', check=False)
    assert "spec is immutable after creation except resources.requests" in invalid.stderr
    explained = kubectl(cluster, "explain", "pvc.spec.storageClassName").stdout
    assert "storageClassName is the name of the StorageClass required by the claim" in \
        explained
    kubectl(cluster, "delete", "pvc", "manual-claim")
    kubectl(cluster, "wait", "--for=jsonpath={.status.phase}=Released", "pv/manual",
            "--timeout=30s")
    kubectl(cluster, "delete", "pv", "manual")


def test_web_statefulset_claims_bound_and_described(cluster: Served) -> None:  # noqa: F811
    kubectl(cluster, "apply", "-f", str(WEB))
    try:
        kubectl(cluster, "rollout", "status", "statefulset/web", "--timeout=60s")
        claims = rows(cluster, "pvc", "-l", "app=nginx")
        assert claims[0] == ["NAME", "STATUS", "VOLUME", "CAPACITY", "ACCESS", "MODES",
                             "STORAGECLASS", "VOLUMEATTRIBUTESCLASS", "AGE"]
        assert [row[:2] + row[3:6] for row in claims[1:]] == [
            [f"www-web-{i}", "Bound", "1Gi", "RWO", "standard"] for i in range(3)]
        listed = get(cluster, "pv,pvc,sc")
        kinds = sorted({item["kind"] for item in listed["items"]})
        assert kinds == ["PersistentVolume", "PersistentVolumeClaim", "StorageClass"]
        claim = get(cluster, "pvc", "www-web-0")
        pod = get(cluster, "pod", "web-0")
        assert pod["spec"]["nodeName"] == \
            claim["metadata"]["annotations"]["volume.kubernetes.io/selected-node"]
        described = kubectl(cluster, "describe", "pvc", "www-web-0").stdout
        for text in ("StorageClass:  standard", "Status:        Bound",
                     "Finalizers:    [kubernetes.io/pvc-protection]",
                     f"Volume:        {claim['spec']['volumeName']}", "Used By:       web-0",
                     "WaitForFirstConsumer", "ProvisioningSucceeded",
                     "waiting for first consumer to be created before binding"):
            assert text in described, described
    finally:
        kubectl(cluster, "delete", "-f", str(WEB), "--wait=false")
