"""Mirror pods: the control-plane components and kube-proxies shown as pods in
`kube-system`, as kubeadm's static pods appear in a real cluster (`kubectl get pods -n
kube-system`). They describe actors of the tree. The etcd members' and the control
plane's hosts have no kubelet, so their status is written once, as Running; a kube-proxy's
pod is run and reported by its node's kubelet, as a static pod's mirror pod is."""

from __future__ import annotations

from typing import Any

from kactors.api.defaults_pod import MIRROR_ANNOTATION
from kactors.cluster.config import ClusterConfig

IMAGE_TAG = "v1.32.0"
METRICS_SERVER_TAG = "v0.7.2"


def _pod(name: str, component: str, image: str, node: str, ip: str, *,
         tier: str = "control-plane") -> dict[str, Any]:
    return {
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": "kube-system",
                     "labels": {"component": component, "tier": tier},
                     "annotations": {MIRROR_ANNOTATION: "kactors",
                                     "kubernetes.io/config.source": "file"}},
        "spec": {"nodeName": node, "hostNetwork": True, "priorityClassName":
                 "system-node-critical" if tier == "node" else "system-cluster-critical",
                 "containers": [{"name": component, "image": image}]},
        "_ip": ip,
    }


def mirror_pods(config: ClusterConfig) -> list[dict[str, Any]]:
    """The pods to show, each with the address of its host under the key `_ip`."""
    pods = [_pod(f"{member}", "etcd", "registry.k8s.io/etcd:3.5.16-0", member,
                 f"10.0.255.{index + 1}") for index, member in enumerate(config.etcd.members)]
    for component in ("kube-apiserver", "kube-controller-manager", "kube-scheduler"):
        pods.append(_pod(f"{component}-control-plane", component,
                         f"registry.k8s.io/{component}:{IMAGE_TAG}", "control-plane",
                         "10.0.255.100"))
    if config.metrics_server.enabled:
        pods.append(_pod("metrics-server-control-plane", "metrics-server",
                         f"registry.k8s.io/metrics-server/metrics-server:{METRICS_SERVER_TAG}",
                         "control-plane", "10.0.255.100"))
    for index, node in enumerate(config.nodes):
        pods.append(_pod(f"kube-proxy-{node.name}", "kube-proxy",
                         f"registry.k8s.io/kube-proxy:{IMAGE_TAG}", node.name,
                         f"10.0.{index // 250}.{index % 250 + 2}", tier="node"))
    return pods


def running_status(pod: dict[str, Any], started: str) -> dict[str, Any]:
    container = pod["spec"]["containers"][0]
    ready = [{"type": kind, "status": "True", "lastTransitionTime": started}
             for kind in ("PodReadyToStartContainers", "Initialized", "Ready",
                          "ContainersReady", "PodScheduled")]
    return {"phase": "Running", "conditions": ready, "hostIP": pod["_ip"],
            "podIP": pod["_ip"], "podIPs": [{"ip": pod["_ip"]}], "startTime": started,
            "qosClass": "BestEffort",
            "containerStatuses": [{"name": container["name"], "image": container["image"],
                                   "imageID": "", "ready": True, "started": True,
                                   "restartCount": 0,
                                   "state": {"running": {"startedAt": started}}}]}
