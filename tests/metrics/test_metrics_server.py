"""metrics-server in a whole cluster, in virtual time: kubelets report usage, the
metrics-server actor scrapes them, and metrics.k8s.io serves NodeMetrics and PodMetrics
through the apiserver's authentication and RBAC."""

from __future__ import annotations

from kactors.api.quantity import Quantity
from kactors.client.client import ApiClient
from kactors.client.errors import ApiError, NotFound
from kactors.testing.harness import full_cluster

MI = 1024 * 1024
NODES = "metrics.k8s.io/v1beta1/NodeMetrics"
PODS = "metrics.k8s.io/v1beta1/PodMetrics"

CONFIG = """
[[nodes]]
name = "node"
count = 2

[[apiserver.users]]
name = "carol"
token = "carol-token"

[images."example.com/leaky:1"]
memory = "300Mi"     # grows linearly over two minutes
memory_ramp = 120
cpu = "20m"
"""

LEAKY = {
    "apiVersion": "v1", "kind": "Pod",
    "metadata": {"name": "leaky", "namespace": "default", "labels": {"app": "leaky"}},
    "spec": {"nodeName": "node-2",
             "containers": [{"name": "app", "image": "example.com/leaky:1"}]},
}


def _bytes(text: str) -> int:
    return Quantity.parse(text).value()


def _nanocores(text: str) -> int:
    return Quantity.parse(text).nanos


async def test_pod_memory_follows_the_image_ramp_and_a_stopped_node_disappears(
        autojump_clock) -> None:
    async with full_cluster(CONFIG, seed=3, log_level="info") as cluster:
        client = cluster.client
        await cluster.apply(LEAKY)
        await cluster.wait_for("pod/leaky", predicate=lambda p: p["status"].get("phase") ==
                               "Running", timeout=60)
        seen: list[dict] = []
        while len(seen) < 4:
            try:
                metrics = await client.get(PODS, "leaky", "default")
            except NotFound as error:
                assert not seen  # only until the second scrape
                assert str(error) == 'podmetrics.metrics.k8s.io "default/leaky" not found'
            else:
                if not seen or metrics["timestamp"] != seen[-1]["timestamp"]:
                    seen.append(metrics)
            await cluster.sleep(5)
        assert [m["window"] for m in seen[1:]] == ["15s"] * 3
        memory = [_bytes(m["containers"][0]["usage"]["memory"]) for m in seen]
        # 300Mi over 120 s: 37.5Mi more per 15 s scrape, to the page
        for before, after in zip(memory, memory[1:], strict=False):
            assert abs((after - before) - 300 * MI * 15 // 120) <= 4096, memory
        assert memory[-1] < 300 * MI
        cpu = [_nanocores(m["containers"][0]["usage"]["cpu"]) for m in seen]
        # 20m within the image's spread (cluster.toml's `spread = 0` is its default, so
        # the runtime's own 10 % applies), the same for the container's whole life
        assert 18_000_000 <= cpu[0] <= 22_000_000 and max(cpu) - min(cpu) <= 1, cpu
        assert seen[-1]["metadata"]["labels"] == {"app": "leaky"}

        nodes = await client.list(NODES)
        assert [n["metadata"]["name"] for n in nodes["items"]] == ["node-1", "node-2"]
        node2 = nodes["items"][1]["usage"]
        # the node's system (320Mi) plus its pods (the leaky one, a kube-proxy...)
        assert _bytes(node2["memory"]) >= 320 * MI + memory[-1]
        assert _nanocores(node2["cpu"]) >= 50_000_000 + cpu[-1] - 1
        selected = await client.list(PODS, "default", label_selector="app=leaky")
        assert [p["metadata"]["name"] for p in selected["items"]] == ["leaky"]
        assert (await client.list(PODS, "default", label_selector="app=none"))["items"] == []

        cluster.system.network.crash("node-2")  # its kubelet no longer answers
        await cluster.sleep(30)
        nodes = await client.list(NODES)
        assert [n["metadata"]["name"] for n in nodes["items"]] == ["node-1"]
        try:
            await client.get(NODES, "node-2")
            raise AssertionError("node-2 still has metrics")
        except NotFound as error:
            assert str(error) == 'nodemetrics.metrics.k8s.io "node-2" not found'
        # routine rounds log at debug; at info only the rounds a kubelet failed
        rounds = cluster.logs("metrics.scraped")
        assert rounds and rounds[0]["actor"] == "/cluster/control-plane/metrics-server"
        assert all(r["nodes"] == 1 and r["failed"] == {"node-2": "kubelet not running"}
                   for r in rounds)


async def test_rbac_verbs_and_a_cluster_without_metrics_server(autojump_clock) -> None:
    async with full_cluster(CONFIG + "\n[metrics_server]\nmetric_resolution = 10\n",
                            seed=4, log_level="warning") as cluster:
        ctx = cluster.actor(cluster.probe).ctx
        carol = ApiClient(ctx, cluster.apiserver, "carol-token")
        for kind, namespace in ((NODES, None), (PODS, "default")):
            try:
                await carol.list(kind, namespace)
                raise AssertionError("carol may read metrics")
            except ApiError as error:
                assert error.code == 403
        try:
            await carol.list(NODES)
        except ApiError as error:
            assert str(error) == ('nodes.metrics.k8s.io is forbidden: User "carol" cannot '
                                  'list resource "nodes" in API group "metrics.k8s.io" at '
                                  'the cluster scope')
        # `view` in a namespace covers its pods' metrics (system:aggregated-metrics-reader)
        await cluster.apply({"apiVersion": "rbac.authorization.k8s.io/v1",
                             "kind": "RoleBinding",
                             "metadata": {"name": "carol-view", "namespace": "default"},
                             "roleRef": {"apiGroup": "rbac.authorization.k8s.io",
                                         "kind": "ClusterRole", "name": "view"},
                             "subjects": [{"kind": "User", "name": "carol"}]})
        await cluster.apply(LEAKY)
        await cluster.sleep(40)
        listed = await carol.list(PODS, "default")
        assert [p["metadata"]["name"] for p in listed["items"]] == ["leaky"]
        for verb in ("create", "delete", "watch"):
            info = carol.info(PODS)
            try:
                await carol.request(verb, info, namespace="default", name="leaky",
                                    body={"metadata": {"name": "leaky"}})
                raise AssertionError(f"{verb} is served")
            except ApiError as error:
                assert (error.code, error.reason) == (405, "MethodNotAllowed")

    async with full_cluster(CONFIG + "\n[metrics_server]\nenabled = false\n", seed=4,
                            log_level="warning") as cluster:
        assert cluster.system.lookup("/cluster/control-plane/metrics-server") is None
        try:
            await cluster.client.list(NODES)
            raise AssertionError("metrics without metrics-server")
        except ApiError as error:
            assert (error.code, error.reason, str(error)) == (
                503, "ServiceUnavailable",
                "the server is currently unable to handle the request")
