"""`kubectl exec` against `kactors run --api-port 0 --https`: kubectl v1.32 opens a
WebSocket (v5.channel.k8s.io), the command runs over the simulated container's view, and
kubectl prints its output and exits with its status. One cluster for the module, as in
test_kubectl.py; every wait is on a condition with a deadline."""

from __future__ import annotations

from test_kubectl import Served, cluster, kubectl, needs_kubectl  # noqa: F401 - the fixture

pytestmark = needs_kubectl

VIEWER = "viewer-token-for-tests"  # noqa: S105 - the test cluster's viewer (kubectl-cluster.toml)
MANIFEST = """
apiVersion: v1
kind: Namespace
metadata: {name: shell}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: game-config, namespace: shell}
data:
  SPECIAL_LEVEL: very
  game.properties: |
    enemies=aliens
    lives=3
---
apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: shell
  annotations: {kubectl.kubernetes.io/default-container: app}
spec:
  containers:
  - name: app
    image: nginx
    env:
    - name: SPECIAL_LEVEL_KEY
      valueFrom: {configMapKeyRef: {name: game-config, key: SPECIAL_LEVEL}}
    volumeMounts: [{name: config, mountPath: /etc/config}]
  - name: side
    image: busybox
    command: [sleep, "3600"]
  volumes:
  - name: config
    configMap: {name: game-config}
---
apiVersion: v1
kind: Pod
metadata: {name: stuck, namespace: shell}
spec:
  containers:
  - name: app
    image: nginx
    env:
    - name: X
      valueFrom: {configMapKeyRef: {name: absent, key: x}}
"""


def test_kubectl_exec(cluster: Served) -> None:  # noqa: F811
    kubectl(cluster, "apply", "-f", "-", stdin=MANIFEST)
    kubectl(cluster, "wait", "-n", "shell", "--for=condition=Ready", "pod/web",
            "--timeout=60s")

    assert kubectl(cluster, "exec", "-n", "shell", "web", "--", "printenv",
                   "SPECIAL_LEVEL_KEY").stdout == "very\n"
    env = kubectl(cluster, "exec", "-n", "shell", "web", "--", "env").stdout
    assert "HOSTNAME=web\n" in env and "SPECIAL_LEVEL_KEY=very\n" in env
    assert kubectl(cluster, "exec", "-n", "shell", "web", "-c", "app", "--", "cat",
                   "/etc/config/game.properties").stdout == "enemies=aliens\nlives=3\n"
    assert kubectl(cluster, "exec", "-n", "shell", "web", "-c", "side", "--",
                   "hostname").stdout == "web\n"
    piped = kubectl(cluster, "exec", "-i", "-n", "shell", "web", "--", "sh",
                    stdin="echo $SPECIAL_LEVEL_KEY\nexit 4\n", check=False)
    assert (piped.returncode, piped.stdout) == (4, "very\n")

    failed = kubectl(cluster, "exec", "-n", "shell", "web", "--", "sh", "-c",
                     "echo $HOSTNAME; exit 3", check=False)
    assert (failed.returncode, failed.stdout) == (3, "web\n")
    assert failed.stderr.strip() == "command terminated with exit code 3"
    missing = kubectl(cluster, "exec", "-n", "shell", "web", "--", "bash2", check=False)
    assert missing.returncode == 1
    assert 'exec: "bash2": executable file not found in $PATH' in missing.stderr
    wrong = kubectl(cluster, "exec", "-n", "shell", "web", "-c", "nope", "--", "env",
                    check=False)
    assert wrong.stderr.strip() == \
        "Error from server (BadRequest): container nope is not valid for pod web"

    # bound, but its container cannot start (CreateContainerConfigError): the kubelet's
    # words, through kubectl's SPDY fallback
    kubectl(cluster, "wait", "-n", "shell", "--for=condition=PodScheduled", "pod/stuck",
            "--timeout=60s")
    stuck = kubectl(cluster, "exec", "-n", "shell", "stuck", "--", "env", check=False)
    assert (stuck.returncode, stuck.stderr.strip()) == (
        1, 'error: unable to upgrade connection: container not found ("app")')

    # a viewer may read the pod but not exec into it (kubectl falls back to SPDY, which
    # is refused too: the create verb's message is what it prints)
    kubectl(cluster, "create", "rolebinding", "viewer-view", "-n", "shell",
            "--clusterrole=view", "--user=viewer")
    denied = kubectl(cluster, "--token", VIEWER, "exec", "-n", "shell", "web", "--", "env",
                     check=False)
    assert denied.returncode == 1
    assert denied.stderr.strip() == (
        'Error from server (Forbidden): pods "web" is forbidden: User "viewer" cannot '
        'create resource "pods/exec" in API group "" in the namespace "shell"')
