"""`kubectl rollout history|undo` of a StatefulSet and a DaemonSet against
`kactors run --api-port 0 --https`: kubectl lists the ControllerRevisions the owner
controls, shows the template of one (`--revision=N`), and rolls back by patching the
owner with a revision's data; the controller then renumbers that revision as the latest.
One cluster for the module, as in test_kubectl.py; every wait has a deadline.
"""

from __future__ import annotations

import re

from test_kubectl import Served, cluster, kubectl, needs_kubectl  # noqa: F401 - the fixture

pytestmark = needs_kubectl

STATEFULSET = """\
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: web
spec:
  replicas: 2
  serviceName: web
  selector:
    matchLabels: {app: web-sts}
  template:
    metadata:
      labels: {app: web-sts}
    spec:
      containers:
      - name: nginx
        image: nginx:1.25
"""

DAEMONSET = """\
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: agent
spec:
  selector:
    matchLabels: {app: agent}
  template:
    metadata:
      labels: {app: agent}
    spec:
      containers:
      - name: agent
        image: fluentd:1
"""


def revisions(served: Served, what: str) -> list[int]:
    """The REVISION column of `kubectl rollout history <what>`."""
    out = kubectl(served, "rollout", "history", what).stdout
    assert out.splitlines()[1].split() == ["REVISION", "CHANGE-CAUSE"], out
    return [int(line.split()[0]) for line in out.splitlines()[2:] if line.strip()]


def image(served: Served, what: str) -> str:
    return kubectl(served, "get", what, "-o",
                   "jsonpath={.spec.template.spec.containers[0].image}").stdout


def rolled_out(served: Served, what: str) -> None:
    kubectl(served, "rollout", "status", what, "--timeout=60s")


def test_statefulset_history_and_undo(cluster: Served) -> None:  # noqa: F811
    kubectl(cluster, "apply", "-f", "-", stdin=STATEFULSET)
    rolled_out(cluster, "statefulset/web")
    kubectl(cluster, "set", "image", "statefulset/web", "nginx=nginx:1.26")
    rolled_out(cluster, "statefulset/web")
    table = kubectl(cluster, "get", "controllerrevisions", "-l", "app=web-sts").stdout
    assert table.splitlines()[0].split() == ["NAME", "CONTROLLER", "REVISION", "AGE"]
    assert sorted(line.split()[1:3] for line in table.splitlines()[1:]) == [
        ["statefulset.apps/web", "1"], ["statefulset.apps/web", "2"]]
    assert revisions(cluster, "statefulset/web") == [1, 2]
    first = kubectl(cluster, "rollout", "history", "statefulset/web", "--revision=1").stdout
    assert "statefulset.apps/web with revision #1" in first
    assert re.search(r"Image:\s+nginx:1\.25", first)

    assert kubectl(cluster, "rollout", "undo", "statefulset/web").stdout.strip() == \
        "statefulset.apps/web rolled back"
    assert image(cluster, "statefulset/web") == "nginx:1.25"
    rolled_out(cluster, "statefulset/web")
    assert revisions(cluster, "statefulset/web") == [2, 3]  # revision 1 became 3
    kubectl(cluster, "rollout", "undo", "statefulset/web", "--to-revision=2")
    assert image(cluster, "statefulset/web") == "nginx:1.26"
    rolled_out(cluster, "statefulset/web")
    assert revisions(cluster, "statefulset/web") == [3, 4]
    pods = kubectl(cluster, "get", "pods", "-l", "app=web-sts", "-o",
                   "jsonpath={.items[*].spec.containers[0].image}").stdout.split()
    assert pods == ["nginx:1.26", "nginx:1.26"]
    kubectl(cluster, "delete", "statefulset", "web", "--wait=true", "--timeout=60s")


def test_daemonset_history_and_undo(cluster: Served) -> None:  # noqa: F811
    kubectl(cluster, "apply", "-f", "-", stdin=DAEMONSET)
    rolled_out(cluster, "daemonset/agent")
    kubectl(cluster, "set", "image", "ds/agent", "agent=fluentd:2")
    rolled_out(cluster, "daemonset/agent")
    assert revisions(cluster, "ds/agent") == [1, 2]
    second = kubectl(cluster, "rollout", "history", "ds/agent", "--revision=2").stdout
    assert "daemonset.apps/agent with revision #2" in second
    assert re.search(r"Image:\s+fluentd:2", second)
    missing = kubectl(cluster, "rollout", "history", "ds/agent", "--revision=7", check=False)
    assert missing.returncode != 0 and "unable to find the specified revision" in \
        missing.stderr

    assert kubectl(cluster, "rollout", "undo", "ds/agent").stdout.strip() == \
        "daemonset.apps/agent rolled back"
    rolled_out(cluster, "daemonset/agent")
    assert image(cluster, "ds/agent") == "fluentd:1"
    assert revisions(cluster, "ds/agent") == [2, 3]
    pods = kubectl(cluster, "get", "pods", "-l", "app=agent", "-o",
                   "jsonpath={.items[*].spec.containers[0].image}").stdout.split()
    assert pods == ["fluentd:1", "fluentd:1"]
    # the revisions go with their DaemonSet (garbage collector)
    kubectl(cluster, "delete", "ds", "agent", "--wait=true", "--timeout=60s")
    kubectl(cluster, "wait", "--for=delete", "controllerrevision", "-l", "app=agent",
            "--timeout=60s")
