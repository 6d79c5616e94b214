"""kubectl's imperative commands against `kactors run --api-port 0 --https`.

`kubectl create namespace|deployment|service|job|serviceaccount|role|rolebinding|
clusterrole|clusterrolebinding|secret|configmap|token` send their objects as protobuf
(client-go's typed clients); `kubectl run`, `expose`, `scale` and `set image` send JSON or
patches. Each test asserts what the server stored, and where it matters that the cluster
acted on it (the Deployment's pods, the Job's completion, the RBAC rules enforced for a
ServiceAccount's token). One cluster for the module, as in test_kubectl.py.
"""

from __future__ import annotations

import base64
import datetime
import json
from pathlib import Path
from typing import Any

import pytest
from test_kubectl import Served, cluster, kubectl, needs_kubectl  # noqa: F401 - the fixture

pytestmark = needs_kubectl


def get(served: Served, *what: str) -> Any:
    return json.loads(kubectl(served, "get", *what, "-o", "json").stdout)


def test_namespace_serviceaccount_configmap_and_secrets(cluster: Served,  # noqa: F811
                                                        tmp_path: Path) -> None:
    assert kubectl(cluster, "create", "namespace", "team").stdout.strip() == \
        "namespace/team created"
    assert get(cluster, "namespace", "team")["status"]["phase"] == "Active"
    kubectl(cluster, "create", "serviceaccount", "robot", "-n", "team")
    assert get(cluster, "sa", "robot", "-n", "team")["metadata"]["namespace"] == "team"
    kubectl(cluster, "create", "configmap", "settings", "-n", "team", "--from-literal=a=1",
            "--from-literal=b=2")
    assert get(cluster, "cm", "settings", "-n", "team")["data"] == {"a": "1", "b": "2"}
    kubectl(cluster, "create", "secret", "generic", "creds", "-n", "team",
            "--from-literal=password=s3cret")
    secret = get(cluster, "secret", "creds", "-n", "team")
    assert (secret["type"], base64.b64decode(secret["data"]["password"])) == (
        "Opaque", b"s3cret")
    kubectl(cluster, "create", "secret", "docker-registry", "regcred", "-n", "team",
            "--docker-server=r.io", "--docker-username=u", "--docker-password=p")
    registry = get(cluster, "secret", "regcred", "-n", "team")
    assert registry["type"] == "kubernetes.io/dockerconfigjson"
    auths = json.loads(base64.b64decode(registry["data"][".dockerconfigjson"]))["auths"]
    assert auths["r.io"]["username"] == "u"
    cert, key = _self_signed(tmp_path)
    kubectl(cluster, "create", "secret", "tls", "site", "-n", "team", f"--cert={cert}",
            f"--key={key}")
    tls = get(cluster, "secret", "site", "-n", "team")
    assert tls["type"] == "kubernetes.io/tls"
    assert base64.b64decode(tls["data"]["tls.crt"]) == cert.read_bytes()


def _self_signed(tmp_path: Path) -> tuple[Path, Path]:
    """A throwaway certificate and key, as `kubectl create secret tls` wants files."""
    pytest.importorskip("cryptography")
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "site")])
    now = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
                   .public_key(key.public_key()).serial_number(1).not_valid_before(now)
                   .not_valid_after(now + datetime.timedelta(days=1))
                   .sign(key, hashes.SHA256()))
    cert_path, key_path = tmp_path / "tls.crt", tmp_path / "tls.key"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def test_deployment_scale_set_image_and_expose(cluster: Served) -> None:  # noqa: F811
    out = kubectl(cluster, "create", "deployment", "shop", "--image=nginx", "--replicas=2",
                  "--port=80").stdout
    assert out.strip() == "deployment.apps/shop created"
    spec = get(cluster, "deploy", "shop")["spec"]
    assert (spec["replicas"], spec["selector"]) == (2, {"matchLabels": {"app": "shop"}})
    container = spec["template"]["spec"]["containers"][0]
    assert (container["name"], container["image"]) == ("nginx", "nginx")
    assert container["ports"] == [{"containerPort": 80, "protocol": "TCP"}]
    assert spec["strategy"]["type"] == "RollingUpdate"  # defaulted from the empty strategy
    kubectl(cluster, "scale", "deployment", "shop", "--replicas=3")
    kubectl(cluster, "rollout", "status", "deployment/shop", "--timeout=60s")
    old = kubectl(cluster, "get", "pods", "-l", "app=shop", "-o", "name").stdout.split()
    kubectl(cluster, "set", "image", "deployment/shop", "nginx=nginx:1.25")
    kubectl(cluster, "rollout", "status", "deployment/shop", "--timeout=60s")
    # the rollout is complete once the new pods are available; the old ones terminate
    # gracefully meanwhile (listed as Terminating until their kubelet removes them)
    kubectl(cluster, "wait", "--for=delete", *old, "--timeout=60s")
    images = kubectl(cluster, "get", "pods", "-l", "app=shop", "-o",
                     "jsonpath={.items[*].spec.containers[0].image}").stdout.split()
    assert images == ["nginx:1.25"] * 3
    kubectl(cluster, "expose", "deployment", "shop", "--port=80", "--target-port=8080")
    service = get(cluster, "svc", "shop")["spec"]
    assert service["selector"] == {"app": "shop"}
    assert [(p["port"], p["targetPort"]) for p in service["ports"]] == [(80, 8080)]


def test_services_clusterip_and_nodeport(cluster: Served) -> None:  # noqa: F811
    kubectl(cluster, "create", "service", "clusterip", "front", "--tcp=80:8080")
    front = get(cluster, "svc", "front")["spec"]
    assert (front["type"], front["selector"]) == ("ClusterIP", {"app": "front"})
    assert front["ports"] == [{"name": "80-8080", "port": 80, "protocol": "TCP",
                               "targetPort": 8080}]
    assert front["clusterIP"].count(".") == 3
    kubectl(cluster, "create", "service", "nodeport", "edge", "--tcp=443:8443",
            "--node-port=30443")
    edge = get(cluster, "svc", "edge")["spec"]
    assert edge["type"] == "NodePort"
    assert [(p["port"], p["targetPort"], p["nodePort"]) for p in edge["ports"]] == [
        (443, 8443, 30443)]


def test_job_runs_to_completion_and_pod_runs(cluster: Served) -> None:  # noqa: F811
    kubectl(cluster, "create", "job", "pi", "--image=perl", "--", "perl", "-e", "1")
    template = get(cluster, "job", "pi")["spec"]["template"]["spec"]
    assert template["containers"][0]["command"] == ["perl", "-e", "1"]
    assert template["restartPolicy"] == "Never"
    kubectl(cluster, "wait", "--for=condition=complete", "job/pi", "--timeout=60s")
    assert kubectl(cluster, "run", "solo", "--image=nginx").stdout.strip() == \
        "pod/solo created"
    kubectl(cluster, "wait", "--for=condition=Ready", "pod/solo", "--timeout=60s")


def test_rbac_objects_govern_a_service_account_token(cluster: Served) -> None:  # noqa: F811
    kubectl(cluster, "create", "serviceaccount", "reader")
    kubectl(cluster, "create", "role", "pod-reader", "--verb=get,list", "--resource=pods")
    kubectl(cluster, "create", "rolebinding", "read-pods", "--role=pod-reader",
            "--serviceaccount=default:reader", "--user=bob")
    binding = get(cluster, "rolebinding", "read-pods")
    assert binding["roleRef"] == {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role",
                                  "name": "pod-reader"}
    assert [s["kind"] for s in binding["subjects"]] == ["User", "ServiceAccount"]
    assert get(cluster, "role", "pod-reader")["rules"] == [
        {"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list"]}]
    token = kubectl(cluster, "create", "token", "reader", "--duration=20m").stdout.strip()
    as_reader = ("--token", token)
    assert kubectl(cluster, "get", "pods", *as_reader).returncode == 0
    denied = kubectl(cluster, "get", "nodes", *as_reader, check=False)
    assert denied.returncode != 0 and "Forbidden" in denied.stderr

    kubectl(cluster, "create", "clusterrole", "node-reader", "--verb=get",
            "--resource=nodes", "--non-resource-url=/healthz")
    assert [r.get("resources") or r.get("nonResourceURLs")
            for r in get(cluster, "clusterrole", "node-reader")["rules"]] == [
        ["nodes"], ["/healthz"]]
    kubectl(cluster, "create", "clusterrolebinding", "read-nodes",
            "--clusterrole=node-reader", "--serviceaccount=default:reader")
    assert get(cluster, "clusterrolebinding", "read-nodes")["subjects"] == [
        {"kind": "ServiceAccount", "name": "reader", "namespace": "default"}]
    assert kubectl(cluster, "get", "node", "node-1", *as_reader).returncode == 0


def test_a_kind_kactors_lacks_is_refused(cluster: Served, tmp_path: Path) -> None:  # noqa: F811
    """IPAddresses (networking.k8s.io) are not served: a POST that skips discovery
    (``create --raw``) hears 404 as from Kubernetes for a resource it does not serve."""
    body = tmp_path / "ip.json"
    body.write_text(json.dumps({"apiVersion": "networking.k8s.io/v1", "kind": "IPAddress",
                                "metadata": {"name": "10.96.0.99"}}))
    result = kubectl(cluster, "create", "--raw", "/apis/networking.k8s.io/v1/ipaddresses",
                     "-f", str(body), check=False)
    assert result.returncode != 0
    assert "the server could not find the requested resource" in result.stderr
