"""Pods run as their ServiceAccount, in a whole cluster: admission defaults and checks the
account and injects the `kube-api-access-*` token volume; the kubelet gets a token bound
to the pod (TokenRequest, allowed by the node authorizer only for its pods' accounts) and
the container finds it at /var/run/secrets/kubernetes.io/serviceaccount with the
namespace and the `kube-root-ca.crt` bundle; the token authenticates as the account and
RBAC applies. The root-ca-cert-publisher keeps `kube-root-ca.crt` in every namespace."""

from __future__ import annotations

import re

import pytest
import trio

from kactors.client.client import ApiClient
from kactors.client.errors import Forbidden
from kactors.cluster.config import CONTROLLERS
from kactors.controllers.rootcacert import DESCRIPTION, RootCACertPublisher
from kactors.controllers.serviceaccount import CA_PLACEHOLDER, ServiceAccountController
from kactors.node.kubelet import GetFiles
from kactors.testing.harness import cluster_harness, full_cluster

SA_DIR = "/var/run/secrets/kubernetes.io/serviceaccount"

SHOP = """
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: robot, namespace: shop}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: quiet, namespace: shop}
automountServiceAccountToken: false
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: pod-reader, namespace: shop}
rules:
- {apiGroups: [""], resources: [pods], verbs: [get, list, watch]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: robot-reads-pods, namespace: shop}
subjects: [{kind: ServiceAccount, name: robot, namespace: shop}]
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: pod-reader}
"""


def pod(name: str, namespace: str = "shop", containers: tuple[str, ...] = ("app",),
        **spec: object) -> dict:
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": namespace},
            "spec": {"containers": [{"name": c, "image": "nginx"} for c in containers],
                     **spec}}


def running(obj: dict) -> bool:
    return (obj.get("status") or {}).get("phase") == "Running"


def kubelet_of(cluster, obj: dict):
    return cluster.actor(cluster.tree.kubelet_path(obj["spec"]["nodeName"]))


def client_with(cluster, token: str) -> ApiClient:
    return ApiClient(cluster.actor(cluster.probe).ctx, cluster.apiserver, token)


async def mint(client: ApiClient, namespace: str, account: str) -> dict:
    return await client.request("create", client.info("serviceaccounts"), namespace=namespace,
                                name=account, subresource="token",
                                body={"apiVersion": "authentication.k8s.io/v1",
                                      "kind": "TokenRequest", "spec": {}})


async def test_a_pod_runs_as_its_service_account_and_its_token_works(autojump_clock):
    async with full_cluster(seed=3) as cluster:
        await cluster.apply(SHOP)
        await cluster.apply(pod("web", containers=("app", "sidecar"),
                                serviceAccountName="robot"))
        web = await cluster.wait_for("v1/Pod", "web", "shop", predicate=running, timeout=60)
        spec = web["spec"]
        [volume] = spec["volumes"]
        assert re.fullmatch(r"kube-api-access-[bcdfghjklmnpqrstvwxz2456789]{5}",
                            volume["name"])
        assert [s for source in volume["projected"]["sources"] for s in source] == [
            "serviceAccountToken", "configMap", "downwardAPI"]
        assert all(c["volumeMounts"] == [{"name": volume["name"], "readOnly": True,
                                          "mountPath": SA_DIR}] for c in spec["containers"])

        # what the container sees: a token, its namespace, the published CA bundle
        kubelet_ref = cluster.system.lookup(cluster.tree.kubelet_path(spec["nodeName"]))
        files = await cluster.actor(cluster.probe).ctx.remote(kubelet_ref).ask(
            GetFiles("shop", "web", "sidecar"), timeout=5.0)
        assert files == kubelet_of(cluster, web).container_files("shop", "web", "app")
        assert sorted(files) == [f"{SA_DIR}/ca.crt", f"{SA_DIR}/namespace", f"{SA_DIR}/token"]
        assert files[f"{SA_DIR}/namespace"] == "shop"
        [issued] = [r for r in cluster.logs("pod.token_issued") if r["pod"] == "shop/web"]
        assert issued["serviceaccount"] == "shop/robot"
        assert files[f"{SA_DIR}/token"] not in str(cluster.logs())  # secrets never logged
        root_ca = await cluster.get("v1/ConfigMap", "kube-root-ca.crt", "shop")
        assert files[f"{SA_DIR}/ca.crt"] == root_ca["data"]["ca.crt"] == CA_PLACEHOLDER

        # the token is the pod's identity: RBAC lets robot list pods in shop, nothing else
        as_pod = client_with(cluster, files[f"{SA_DIR}/token"])
        listed = await as_pod.list("pods", "shop")
        assert [p["metadata"]["name"] for p in listed["items"]] == ["web"]
        with pytest.raises(Forbidden) as refused:
            await as_pod.list("pods", "default")
        assert 'User "system:serviceaccount:shop:robot" cannot list resource "pods"' in str(
            refused.value)
        with pytest.raises(Forbidden):
            await as_pod.list("secrets", "shop")

        # a kubelet may mint tokens for its own pods' accounts only
        kubelet = kubelet_of(cluster, web)
        assert (await mint(kubelet.client, "shop", "robot"))["status"]["token"]
        with pytest.raises(Forbidden) as refused:
            await mint(kubelet.client, "shop", "quiet")
        assert f"no relationship found between node '{spec['nodeName']}' and this object" in \
            str(refused.value)
        other = next(node.name for node in cluster.tree.config.nodes
                     if node.name != spec["nodeName"])
        with pytest.raises(Forbidden):
            await mint(cluster.actor(cluster.tree.kubelet_path(other)).client, "shop", "robot")


async def test_automount_opt_outs_missing_accounts_and_new_namespaces(autojump_clock):
    async with full_cluster(seed=4) as cluster:
        await cluster.apply(SHOP)
        # no token for an account that opts out, or a pod that does (the pod wins)
        await cluster.apply(pod("batch", serviceAccountName="quiet"))
        await cluster.apply(pod("plain", automountServiceAccountToken=False))
        await cluster.apply(pod("insists", serviceAccountName="quiet",
                                automountServiceAccountToken=True))
        for name, volumes in (("batch", 0), ("plain", 0), ("insists", 1)):
            obj = await cluster.wait_for("v1/Pod", name, "shop", predicate=running, timeout=60)
            assert len(obj["spec"].get("volumes") or []) == volumes, name
            files = kubelet_of(cluster, obj).container_files("shop", name)
            assert (f"{SA_DIR}/token" in files) is bool(volumes), name
        assert (await cluster.get("v1/Pod", "plain", "shop"))["spec"][
            "serviceAccountName"] == "default"

        # an account that does not exist: refused, in Kubernetes' words
        with pytest.raises(Forbidden) as refused:
            await cluster.apply(pod("lost", serviceAccountName="ghost"))
        assert str(refused.value) == (
            'pods "lost" is forbidden: error looking up service account shop/ghost: '
            'serviceaccount "ghost" not found')

        # a pod right behind its new namespace waits (briefly) for the `default` account
        await cluster.apply([{"apiVersion": "v1", "kind": "Namespace",
                              "metadata": {"name": "fresh"}}, pod("first", "fresh")])
        first = await cluster.wait_for("v1/Pod", "first", "fresh", predicate=running,
                                       timeout=60)
        assert first["spec"]["serviceAccountName"] == "default"
        assert f"{SA_DIR}/token" in kubelet_of(cluster, first).container_files("fresh", "first")
        assert [r["serviceaccount"] for r in cluster.logs(
            "apiserver.serviceaccount_missing")] == ["shop/ghost"]


async def test_a_pod_waits_for_kube_root_ca_crt_with_failed_mount(autojump_clock):
    """Without the publisher, the token volume cannot be mounted: FailedMount, the pod
    stays Pending, and starts once someone creates the ConfigMap."""
    enabled = ", ".join(f'"{c}"' for c in CONTROLLERS if c != "root-ca-cert-publisher")
    async with full_cluster(f"[controllers]\nenabled = [{enabled}]\n", seed=5) as cluster:
        await cluster.apply(pod("web", "default"))
        await cluster.sleep(15)
        web = await cluster.get("v1/Pod", "web", "default")
        assert web["status"]["phase"] == "Pending"
        volume = web["spec"]["volumes"][0]["name"]
        events = [e for e in (await cluster.list("v1/Event", "default"))
                  if e["reason"] == "FailedMount"]
        assert events and events[0]["message"] == (
            f'MountVolume.SetUp failed for volume "{volume}" : '
            f'configmap "kube-root-ca.crt" not found')
        assert events[0]["type"] == "Warning"
        await cluster.apply({"apiVersion": "v1", "kind": "ConfigMap",
                             "metadata": {"name": "kube-root-ca.crt", "namespace": "default"},
                             "data": {"ca.crt": "bundle\n"}})
        web = await cluster.wait_for("v1/Pod", "web", "default", predicate=running, timeout=60)
        files = kubelet_of(cluster, web).container_files("default", "web")
        assert files[f"{SA_DIR}/ca.crt"] == "bundle\n"


async def test_root_ca_publisher_keeps_the_configmap_in_every_namespace(autojump_clock):
    async with cluster_harness(seed=6) as cluster:
        await cluster.start_controller(RootCACertPublisher)
        await cluster.apply({"apiVersion": "v1", "kind": "Namespace",
                             "metadata": {"name": "team"}})
        await cluster.sleep(2)
        published = {c["metadata"]["namespace"]: c for c in await cluster.list("v1/ConfigMap")
                     if c["metadata"]["name"] == "kube-root-ca.crt"}
        assert sorted(published) == ["default", "kube-node-lease", "kube-public",
                                     "kube-system", "team"]
        team = published["team"]
        assert team["data"] == {"ca.crt": CA_PLACEHOLDER}
        assert team["metadata"]["annotations"] == {"kubernetes.io/description": DESCRIPTION}
        # edited: put back; deleted: created again
        await cluster.apply({**team, "data": {"ca.crt": "tampered"},
                             "metadata": {"name": "kube-root-ca.crt", "namespace": "team",
                                          "annotations": {"kubernetes.io/description": ""}}})
        await cluster.sleep(2)
        repaired = await cluster.get("v1/ConfigMap", "kube-root-ca.crt", "team")
        assert repaired["data"] == {"ca.crt": CA_PLACEHOLDER}
        assert repaired["metadata"]["annotations"]["kubernetes.io/description"] == DESCRIPTION
        await cluster.delete("v1/ConfigMap", "kube-root-ca.crt", "team")
        await cluster.sleep(2)
        again = await cluster.get("v1/ConfigMap", "kube-root-ca.crt", "team")
        assert again["metadata"]["uid"] != team["metadata"]["uid"]
        assert cluster.logs("rootca.repaired") and len(cluster.logs("rootca.published")) == 6


async def test_a_bare_control_plane_has_no_service_account_admission(autojump_clock):
    """`cluster_harness` runs no serviceaccount controller, so nothing would create the
    accounts: its apiserver admits pods without looking them up or mounting tokens."""
    async with cluster_harness(seed=7) as cluster:
        [stored] = await cluster.apply(pod("web", "default", serviceAccountName="ghost"))
        assert "volumes" not in stored["spec"]
        assert stored["spec"]["serviceAccountName"] == "ghost"


async def test_admission_waits_briefly_for_the_default_account(autojump_clock):
    """The serviceaccount controller creates `default` just after its namespace appears:
    admission looks for it again for a second or two (Kubernetes: 10 tries, 100-200 ms
    apart) before refusing the pod."""
    async with cluster_harness(seed=8, service_account_admission=True) as cluster:
        await cluster.apply({"apiVersion": "v1", "kind": "Namespace",
                             "metadata": {"name": "team"}})
        start = cluster.now()
        with pytest.raises(Forbidden) as refused:  # nothing creates `default` here
            await cluster.apply(pod("early", "team"))
        assert 0.9 <= cluster.now() - start <= 2.5
        assert str(refused.value) == (
            'pods "early" is forbidden: error looking up service account team/default: '
            'serviceaccount "default" not found')
        stored: list[dict] = []

        async def create() -> None:
            stored.extend(await cluster.apply(pod("web", "team")))

        async with trio.open_nursery() as nursery:
            nursery.start_soon(create)
            await cluster.sleep(0.5)
            assert not stored  # still waiting
            await cluster.start_controller(ServiceAccountController)
        assert stored[0]["spec"]["serviceAccountName"] == "default"
        assert stored[0]["spec"]["volumes"][0]["name"].startswith("kube-api-access-")
