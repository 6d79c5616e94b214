"""The controller-author example (examples/website) against the in-process cluster."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from kactors.api.manifests import load_manifest_file
from kactors.client.errors import Invalid
from kactors.testing.harness import cluster_harness

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "website"


def _load_example():
    spec = importlib.util.spec_from_file_location("website_example", EXAMPLE / "controller.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


website = _load_example()


def owned_by(site):
    return [{"apiVersion": "example.com/v1", "kind": "Website", "name": site["metadata"]["name"],
             "uid": site["metadata"]["uid"], "controller": True, "blockOwnerDeletion": True}]


@pytest.mark.parametrize("store", ["local", "raft"])
async def test_the_website_controller_keeps_a_configmap_and_a_deployment(autojump_clock, store):
    async with cluster_harness(seed=42, store=store) as cluster:
        await cluster.apply(load_manifest_file(EXAMPLE / "website-crd.yaml"))
        site, = await cluster.apply(load_manifest_file(EXAMPLE / "website.yaml"))
        ref = await cluster.start_controller(website.WebsiteController)
        assert ref.path == "/controller-manager/website-controller"

        content = await cluster.wait_for("configmap/hello-content", timeout=10)
        assert content["data"] == {
            "message": "Hello from kactors!",
            "index.html": "<html><body><h1>Hello from kactors!</h1></body></html>\n"}
        assert content["metadata"]["ownerReferences"] == owned_by(site)
        deploy = await cluster.wait_for("deployment/hello", timeout=10)
        assert deploy["spec"]["replicas"] == 2
        [container] = deploy["spec"]["template"]["spec"]["containers"]
        assert container["image"] == "nginx:1.27"
        assert deploy["spec"]["template"]["spec"]["volumes"] == [
            {"name": "content", "configMap": {"name": "hello-content", "defaultMode": 420}}]
        assert deploy["metadata"]["ownerReferences"] == owned_by(site)
        site = await cluster.wait_for("website/hello", observed_generation=1, timeout=10)
        assert site["status"] == {"observedGeneration": 1, "availableReplicas": 0,
                                  "ready": False}

        # the Website changes: the ConfigMap and the Deployment follow
        await cluster.apply({"apiVersion": "example.com/v1", "kind": "Website",
                             "metadata": {"name": "hello"},
                             "spec": {"message": "Bye!", "replicas": 3}})
        await cluster.wait_for("configmap/hello-content", data__message="Bye!", timeout=10)
        deploy = await cluster.wait_for("deployment/hello", spec__replicas=3, timeout=10)
        assert deploy["metadata"]["generation"] == 2
        await cluster.wait_for("website/hello", observed_generation=2, timeout=10)

        # someone deletes the ConfigMap: it comes back
        await cluster.delete("configmap/hello-content")
        again = await cluster.wait_for("configmap/hello-content", timeout=10)
        assert again["metadata"]["uid"] != content["metadata"]["uid"]
        assert again["data"]["message"] == "Bye!"

        # no Deployment controller runs here: play its part, and the Website becomes ready
        await cluster.client.update_status({**deploy, "status": {
            "replicas": 3, "readyReplicas": 3, "availableReplicas": 3,
            "observedGeneration": 2}})
        site = await cluster.wait_for("website/hello", ready=True, timeout=10)
        assert site["status"] == {"observedGeneration": 2, "availableReplicas": 3,
                                  "ready": True}
        await cluster.sleep(1)
        [event] = await cluster.list("events", "default")
        assert (event["reason"], event["message"], event["involvedObject"]["name"]) == (
            "Ready", "3 replicas available", "hello")

        # and then it rests: nothing left to do, nothing written
        controller = cluster.actor(ref)
        before = dict(controller.outcomes)
        deploy_rv = (await cluster.get("deployment/hello"))["metadata"]["resourceVersion"]
        await cluster.sleep(60)
        assert controller.outcomes == before
        assert (await cluster.get("deployment/hello"))["metadata"]["resourceVersion"] == \
            deploy_rv
        assert set(before) == {"success"}


async def test_the_schema_defaults_replicas_and_rejects_negative_ones(autojump_clock):
    async with cluster_harness(seed=43) as cluster:
        await cluster.apply(load_manifest_file(EXAMPLE / "website-crd.yaml"))
        await cluster.start_controller(website.WebsiteController)
        plain, = await cluster.apply({"apiVersion": "example.com/v1", "kind": "Website",
                                      "metadata": {"name": "plain"},
                                      "spec": {"image": "httpd"}})
        assert plain["spec"] == {"image": "httpd", "replicas": 1}
        deploy = await cluster.wait_for("deployment/plain", timeout=10)
        assert deploy["spec"]["replicas"] == 1
        content = await cluster.wait_for("configmap/plain-content", timeout=10)
        assert content["data"]["message"] == ""
        with pytest.raises(Invalid, match="spec.replicas"):
            await cluster.apply({"apiVersion": "example.com/v1", "kind": "Website",
                                 "metadata": {"name": "bad"},
                                 "spec": {"image": "httpd", "replicas": -1}})


def test_the_decisions_are_plain_functions_of_the_website():
    site = {"apiVersion": "example.com/v1", "kind": "Website",
            "metadata": {"name": "s", "namespace": "default", "generation": 4},
            "spec": {"image": "img", "replicas": 2, "message": "hi"}}
    assert website.content_for(site)["data"]["message"] == "hi"
    deploy = website.deployment_for(site)
    assert deploy["spec"]["replicas"] == 2
    assert deploy["spec"]["selector"] == {"matchLabels": {"app": "s"}}
    assert website.status_for(site, None) == {"observedGeneration": 4,
                                              "availableReplicas": 0, "ready": False}
    running = {**deploy, "status": {"availableReplicas": 2}}
    assert website.status_for(site, running) == {"observedGeneration": 4,
                                                 "availableReplicas": 2, "ready": True}


async def _story(seed):
    async with cluster_harness(seed=seed) as cluster:
        await cluster.apply(load_manifest_file(EXAMPLE / "website-crd.yaml"))
        await cluster.apply(load_manifest_file(EXAMPLE / "website.yaml"))
        await cluster.start_controller(website.WebsiteController)
        await cluster.wait_for("website/hello", observed_generation=1, timeout=10)
        await cluster.apply({"apiVersion": "example.com/v1", "kind": "Website",
                             "metadata": {"name": "hello"}, "spec": {"replicas": 5}})
        await cluster.wait_for("deployment/hello", spec__replicas=5, timeout=10)
        deploy = await cluster.get("deployment/hello")
        return ([(r["ts"], r["actor"], r["event"]) for r in cluster.logs()],
                deploy["metadata"]["uid"], deploy["metadata"]["resourceVersion"])


async def test_the_same_seed_tells_the_same_story(autojump_clock):
    first, second = await _story(7), await _story(7)
    assert first == second  # the log, and the uids and resourceVersions handed out
    assert ("/controller-manager/website-controller", "actor.started") in [
        (actor, event) for _, actor, event in first[0]]
