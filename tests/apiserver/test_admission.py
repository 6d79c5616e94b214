"""Admission: defaults, validation (422 with causes), immutable fields, Service ClusterIPs."""

from __future__ import annotations

from typing import Any

import pytest

from kactors.api.kinds import DEFAULT_REGISTRY
from kactors.apiserver.admission import Admission
from kactors.apiserver.security import Security
from kactors.client.errors import AlreadyExists, Invalid, NotFound

from .conftest import Env, configmap, deployment, pod


def service(name: str, cluster_ip: str | None = None, **spec: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"ports": [{"port": 80}], "selector": {"app": name}, **spec}
    if cluster_ip is not None:
        body["clusterIP"] = cluster_ip
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name}, "spec": body}


def fields(error: Invalid) -> list[str]:
    return [cause["field"] for cause in error.causes]


# -- defaults ----------------------------------------------------------------------------------

async def test_pod_defaults(env: Env, autojump_clock: Any) -> None:
    body = pod("p")
    body["spec"]["containers"] = [{"name": "tagged", "image": "nginx:1.25"},
                                  {"name": "latest", "image": "nginx:latest"},
                                  {"name": "untagged", "image": "nginx"},
                                  {"name": "mine", "image": "nginx:1.25",
                                   "imagePullPolicy": "Never"}]
    created = await env.call(lambda c: c.create(body))
    spec = created["spec"]
    assert spec["restartPolicy"] == "Always"
    assert spec["dnsPolicy"] == "ClusterFirst"
    assert spec["terminationGracePeriodSeconds"] == 30
    assert spec["schedulerName"] == "default-scheduler"
    assert spec["serviceAccountName"] == "default"
    assert {c["name"]: c["imagePullPolicy"] for c in spec["containers"]} == {
        "tagged": "IfNotPresent", "latest": "Always", "untagged": "Always", "mine": "Never"}
    assert created["status"] == {"phase": "Pending", "qosClass": "BestEffort"}
    # what the client set is kept
    custom = pod("q", restartPolicy="Never")
    assert (await env.call(lambda c: c.create(custom)))["spec"]["restartPolicy"] == "Never"


async def test_deployment_defaults(env: Env, autojump_clock: Any) -> None:
    body = deployment("web")
    del body["spec"]["replicas"]
    created = await env.call(lambda c: c.create(body))
    spec = created["spec"]
    assert spec["replicas"] == 1
    assert spec["strategy"] == {"type": "RollingUpdate",
                                "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}}
    assert spec["revisionHistoryLimit"] == 10
    assert spec["progressDeadlineSeconds"] == 600
    template = spec["template"]["spec"]
    assert template["restartPolicy"] == "Always"
    assert template["containers"][0]["imagePullPolicy"] == "IfNotPresent"
    assert created["status"] == {}


async def test_defaults_apply_on_update_too(env: Env, autojump_clock: Any) -> None:
    created = await env.call(lambda c: c.create(deployment("web")))
    spec = dict(created["spec"])
    del spec["strategy"]
    updated = await env.call(lambda c: c.update({**created, "spec": spec}))
    assert updated["spec"]["strategy"]["rollingUpdate"] == {"maxUnavailable": "25%",
                                                            "maxSurge": "25%"}


# -- rejections --------------------------------------------------------------------------------

async def test_invalid_pods_are_422_with_causes(env: Env, autojump_clock: Any) -> None:
    no_containers = pod("p")
    no_containers["spec"]["containers"] = []
    with pytest.raises(Invalid) as caught:
        await env.call(lambda c: c.create(no_containers))
    assert fields(caught.value) == ["spec.containers"]
    assert caught.value.causes[0]["reason"] == "FieldValueRequired"
    assert caught.value.status["message"] == (
        'Pod "p" is invalid: spec.containers: Required value')
    twins = pod("p")
    twins["spec"]["containers"] = [{"name": "a", "image": "x"}, {"name": "a", "image": "y"}]
    with pytest.raises(Invalid) as caught:
        await env.call(lambda c: c.create(twins))
    assert fields(caught.value) == ["spec.containers[1].name"]
    assert caught.value.causes[0]["reason"] == "FieldValueDuplicate"


async def test_invalid_deployments_are_422(env: Env, autojump_clock: Any) -> None:
    body = deployment("web", replicas=-1)
    body["spec"]["template"]["metadata"]["labels"] = {"app": "other"}
    with pytest.raises(Invalid) as caught:
        await env.call(lambda c: c.create(body))
    assert set(fields(caught.value)) >= {"spec.replicas", "spec.template.metadata.labels"}
    with pytest.raises(NotFound):
        await env.call(lambda c: c.get("deployments", "web"))


async def test_invalid_labels_and_names(env: Env, autojump_clock: Any) -> None:
    with pytest.raises(Invalid) as caught:
        await env.call(lambda c: c.create(configmap("cfg", labels={"bad key!": "v"})))
    assert fields(caught.value) == ["metadata.labels"]
    with pytest.raises(Invalid) as caught:
        await env.call(lambda c: c.create(configmap("Not_A_Name")))
    assert fields(caught.value) == ["metadata.name"]
    assert caught.value.status["message"].startswith(
        'ConfigMap "Not_A_Name" is invalid: metadata.name: Invalid value: "Not_A_Name": '
        'a lowercase RFC 1123 subdomain')


async def test_an_invalid_update_changes_nothing(env: Env, autojump_clock: Any) -> None:
    created = await env.call(lambda c: c.create(deployment("web")))
    with pytest.raises(Invalid):
        await env.call(lambda c: c.patch("deployments", "web", {"spec": {"replicas": -3}}))
    assert await env.call(lambda c: c.get("deployments", "web")) == created


# -- immutable fields --------------------------------------------------------------------------

async def test_immutable_fields_on_update(env: Env, autojump_clock: Any) -> None:
    await env.call(lambda c: c.create(deployment("web")))
    with pytest.raises(Invalid) as caught:
        await env.call(lambda c: c.patch("deployments", "web", {"spec": {
            "selector": {"matchLabels": {"app": "new"}},
            "template": {"metadata": {"labels": {"app": "new"}}}}}))
    assert fields(caught.value) == ["spec.selector"]
    assert caught.value.status["message"].endswith("field is immutable")
    # most of a pod's spec is immutable
    await env.call(lambda c: c.create(pod("p")))
    with pytest.raises(Invalid) as caught:
        await env.call(lambda c: c.patch("pods", "p", {"spec": {"restartPolicy": "Never"}}))
    assert fields(caught.value) == ["spec"]
    assert "pod updates may not change fields other than" in caught.value.status["message"]
    # the image may change
    updated = await env.call(lambda c: c.patch("pods", "p", {"spec": {"containers": [
        {"name": "app", "image": "nginx:1.27"}]}},
        patch_type="application/strategic-merge-patch+json"))
    assert updated["spec"]["containers"][0]["image"] == "nginx:1.27"
    # an immutable ConfigMap
    await env.call(lambda c: c.create({**configmap("frozen", a="1"), "immutable": True}))
    with pytest.raises(Invalid) as caught:
        await env.call(lambda c: c.patch("configmaps", "frozen", {"data": {"a": "2"}}))
    assert fields(caught.value) == ["data"]


# -- Service ClusterIPs ------------------------------------------------------------------------

async def test_cluster_ips_are_allocated_unique(env: Env, autojump_clock: Any) -> None:
    ips = []
    for name in ("a", "b", "c"):
        created = await env.call(lambda c, name=name: c.create(service(name)))
        spec = created["spec"]
        assert spec["clusterIPs"] == [spec["clusterIP"]]
        ips.append(spec["clusterIP"])
    assert len(set(ips)) == 3
    assert all(ip.startswith("10.") for ip in ips)
    # the kubernetes-style range: 10.96.0.0/12
    import ipaddress
    assert all(ipaddress.ip_address(ip) in ipaddress.ip_network("10.96.0.0/12") for ip in ips)


async def test_a_requested_cluster_ip(env: Env, autojump_clock: Any) -> None:
    created = await env.call(lambda c: c.create(service("dns", "10.96.0.10")))
    assert created["spec"]["clusterIP"] == "10.96.0.10"
    with pytest.raises(Invalid) as caught:
        await env.call(lambda c: c.create(service("other", "10.96.0.10")))
    assert fields(caught.value) == ["spec.clusterIPs"]
    assert caught.value.status["message"] == (
        'Service "other" is invalid: spec.clusterIPs: Invalid value: ["10.96.0.10"]: '
        'failed to allocate IP 10.96.0.10: provided IP is already allocated')
    with pytest.raises(Invalid) as caught:
        await env.call(lambda c: c.create(service("outside", "192.168.0.1")))
    assert caught.value.status["message"] == (
        'Service "outside" is invalid: spec.clusterIPs: Invalid value: '
        '["192.168.0.1"]: failed to allocate IP 192.168.0.1: the provided IP '
        '(192.168.0.1) is not in the valid range. The range of valid IPs is 10.96.0.0/12')
    # allocation never hands it out either
    for name in ("x1", "x2", "x3"):
        got = await env.call(lambda c, name=name: c.create(service(name)))
        assert got["spec"]["clusterIP"] != "10.96.0.10"


async def test_headless_services_keep_none(env: Env, autojump_clock: Any) -> None:
    first = await env.call(lambda c: c.create(service("headless", "None")))
    second = await env.call(lambda c: c.create(service("headless-2", "None")))
    for created in (first, second):
        assert created["spec"]["clusterIP"] == "None"
        assert created["spec"]["clusterIPs"] == ["None"]


async def test_the_cluster_ip_is_immutable_and_kept_on_update(
        env: Env, autojump_clock: Any) -> None:
    created = await env.call(lambda c: c.create(service("web")))
    ip = created["spec"]["clusterIP"]
    spec = {k: v for k, v in created["spec"].items() if k not in ("clusterIP", "clusterIPs")}
    updated = await env.call(lambda c: c.update({**created, "spec": spec}))
    assert updated["spec"]["clusterIP"] == ip
    with pytest.raises(Invalid) as caught:
        await env.call(lambda c: c.patch("services", "web", {"spec": {
            "clusterIP": "10.96.0.99", "clusterIPs": ["10.96.0.99"]}}))
    assert "spec.clusterIPs[0]" in fields(caught.value) or "spec.clusterIP" in fields(
        caught.value)


async def test_a_failed_create_gives_its_cluster_ip_back(env: Env, autojump_clock: Any) -> None:
    await env.call(lambda c: c.create(service("web", "10.96.0.50")))
    # the name is taken: AlreadyExists, and 10.96.0.51 stays free
    with pytest.raises(AlreadyExists):
        await env.call(lambda c: c.create(service("web", "10.96.0.51")))
    # invalid: 422, and its address stays free
    bad = service("bad", "10.96.0.52")
    bad["spec"]["ports"] = [{"port": 70000}]
    with pytest.raises(Invalid):
        await env.call(lambda c: c.create(bad))
    # a dry run allocates nothing
    dry = await env.call(lambda c: c.create(service("dry", "10.96.0.53"), dryRun=["All"]))
    assert dry["spec"]["clusterIP"] == "10.96.0.53"
    for number, name in ((51, "a"), (52, "b"), (53, "c")):
        created = await env.call(lambda c, number=number, name=name: c.create(
            service(name, f"10.96.0.{number}")))
        assert created["spec"]["clusterIP"] == f"10.96.0.{number}"


async def test_a_deleted_services_ip_can_be_requested_again(
        env: Env, autojump_clock: Any) -> None:
    await env.call(lambda c: c.create(service("web", "10.96.0.77")))
    await env.call(lambda c: c.delete("services", "web"))
    created = await env.call(lambda c: c.create(service("again", "10.96.0.77")))
    assert created["spec"]["clusterIP"] == "10.96.0.77"


async def test_service_account_admission(env: Env, autojump_clock: Any) -> None:
    created = await env.call(lambda c: c.create(pod("p", serviceAccountName="robot")))
    assert created["spec"]["serviceAccountName"] == "robot"


async def test_a_restarted_apiserver_rebuilds_its_state_from_the_store(
        autojump_clock: Any) -> None:
    from kactors.apiserver.config import TokenUser
    from kactors.client.errors import Forbidden

    from .conftest import control_plane, settle

    rbac = "rbac.authorization.k8s.io/v1"
    async with control_plane(users=[TokenUser("alice", "alice-token")]) as env:
        first = await env.call(lambda c: c.create(service("a")))
        await env.call(lambda c: c.create({"apiVersion": "v1", "kind": "Namespace",
                                           "metadata": {"name": "doomed"}}))
        await env.call(lambda c: c.delete("namespaces", "doomed"))
        await env.call(lambda c: c.create({
            "apiVersion": rbac, "kind": "RoleBinding",
            "metadata": {"name": "alice-view", "namespace": "default"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                        "name": "view"},
            "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User",
                          "name": "alice"}]}))
        env.system.network.crash("control-plane")
        await settle()
        env.system.network.restart("control-plane")
        await settle(2)
        second = await env.call(lambda c: c.create(service("b")))
        assert second["spec"]["clusterIP"] != first["spec"]["clusterIP"]
        with pytest.raises(Invalid):
            await env.call(lambda c: c.create(service("c", first["spec"]["clusterIP"])))
        with pytest.raises(Forbidden):
            await env.call(lambda c: c.create(configmap("x", "doomed")))
        assert await env.call(lambda c: c.list("pods"), token="alice-token")


def test_the_resources_whose_writes_security_and_admission_keep_track_of() -> None:
    """The apiserver hands a store event to them only for these (the rest, such as
    Events and Leases, are most writes and change nothing they hold)."""
    observed = [sorted({info.resource for info in DEFAULT_REGISTRY if part.observes(
        info.storage_prefix)}) for part in (Security, Admission)]
    assert observed == [["clusterrolebindings", "clusterroles", "pods", "rolebindings",
                         "roles", "serviceaccounts"],
                        ["ingressclasses", "limitranges", "namespaces", "pods",
                         "priorityclasses", "resourcequotas", "services", "storageclasses"]]
