"""The namespace controller: a terminating namespace is emptied (custom resources
included), reports what remains in its conditions, refuses new content, then goes."""

from __future__ import annotations

from typing import Any

import pytest

from kactors.api.kinds import DEFAULT_REGISTRY
from kactors.client.errors import Forbidden
from kactors.controllers.nsdeletion import (
    deletable_resources,
    namespace_conditions,
    pods_grace_estimate,
    remaining_of,
)
from kactors.testing.harness import full_cluster

from .test_garbagecollector import CRD, deployment

CONFIG = """
[cluster]
name = "ns"
[[nodes]]
name = "node"
count = 2

[images."busybox:1.36"]
run_time = 100000      # ignores SIGTERM: its pods take their whole grace period to stop
"""


def in_shop(obj: dict[str, Any]) -> dict[str, Any]:
    obj["metadata"]["namespace"] = "shop"
    return obj


def conditions_of(ns: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["type"]: c for c in (ns.get("status") or {}).get("conditions") or []}


async def test_deleting_a_namespace_empties_it_then_deletes_it(autojump_clock) -> None:
    async with full_cluster(CONFIG, seed=7) as cluster:
        await cluster.apply(CRD)
        await cluster.apply([
            {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}},
            in_shop(deployment(grace=10, image="busybox:1.36")),
            {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": "shop"},
             "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]}},
            {"apiVersion": "v1", "kind": "ConfigMap",
             "metadata": {"name": "settings", "namespace": "shop"}, "data": {"a": "b"}},
            {"apiVersion": "v1", "kind": "Secret",
             "metadata": {"name": "password", "namespace": "shop"},
             "stringData": {"password": "s3cret"}},
            {"apiVersion": "example.com/v1", "kind": "Website",
             "metadata": {"name": "home", "namespace": "shop"}, "spec": {"domain": "x"}},
        ])
        await cluster.wait_for("apps/v1/Deployment", "web", "shop", ready_replicas=2,
                               timeout=120)
        started = cluster.now()
        await cluster.delete("v1/Namespace", "shop")
        ns = await cluster.wait_for(
            "v1/Namespace", "shop", predicate=lambda o: "NamespaceContentRemaining" in
            conditions_of(o), timeout=10)
        assert ns["status"]["phase"] == "Terminating"
        assert ns["spec"]["finalizers"] == ["kubernetes"]
        remaining = conditions_of(ns)["NamespaceContentRemaining"]
        # the pods are stopping through their kubelets (SIGTERM ignored: 10 s of grace)
        assert remaining["status"] == "True" and remaining["reason"] == "SomeResourcesRemain"
        assert remaining["message"] == "Some resources are remaining: pods. has 2 resource " \
                                       "instances"
        assert conditions_of(ns)["NamespaceDeletionDiscoveryFailure"]["reason"] == \
            "ResourcesDiscovered"
        for kind, name in (("v1/ConfigMap", "settings"), ("v1/Secret", "password"),
                           ("v1/Service", "web"), ("apps/v1/Deployment", "web"),
                           ("example.com/v1/Website", "home")):
            assert await cluster.get(kind, name, "shop") is None, kind
        # nothing new may move in meanwhile
        with pytest.raises(Forbidden) as refused:
            await cluster.client.create(in_shop(
                {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "late"}}))
        assert refused.value.code == 403
        assert str(refused.value) == ('configmaps "late" is forbidden: unable to create new '
                                      'content in namespace shop because it is being terminated')
        await cluster.wait_gone("v1/Namespace", "shop", timeout=60)
        assert cluster.now() - started >= 10  # it waited for the pods' grace period
        assert await cluster.list("v1/Pod", "shop") == []
        deleting = cluster.logs(event="namespace.deleting")
        assert deleting[0]["namespace"] == "shop" and deleting[0]["remaining"]["pods."] == 2
        assert deleting[-1]["remaining"] == {}
        assert [r["namespace"] for r in cluster.logs(event="namespace.deleted")] == ["shop"]
        # a namespace of the same name starts afresh
        await cluster.apply({"apiVersion": "v1", "kind": "Namespace",
                             "metadata": {"name": "shop"}})
        await cluster.apply(in_shop({"apiVersion": "v1", "kind": "ConfigMap",
                                     "metadata": {"name": "again"}}))


async def test_a_finalizer_holds_the_namespace_until_it_is_removed(autojump_clock) -> None:
    async with full_cluster(CONFIG, seed=8) as cluster:
        await cluster.apply([
            {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "held"}},
            {"apiVersion": "v1", "kind": "ConfigMap",
             "metadata": {"name": "keep", "namespace": "held",
                          "finalizers": ["example.com/hold"]}}])
        await cluster.delete("v1/Namespace", "held")
        for immortal in ("default", "kube-system", "kube-public"):
            with pytest.raises(Forbidden) as refused:
                await cluster.client.delete("v1/Namespace", immortal)
            assert str(refused.value) == \
                f'namespaces "{immortal}" is forbidden: this namespace may not be deleted'
        ns = await cluster.wait_for(
            "v1/Namespace", "held", predicate=lambda o: conditions_of(o).get(
                "NamespaceFinalizersRemaining", {}).get("status") == "True", timeout=10)
        held = conditions_of(ns)["NamespaceFinalizersRemaining"]
        assert held["reason"] == "SomeFinalizersRemain"
        assert held["message"] == "Some content in the namespace has finalizers remaining: " \
                                  "example.com/hold in 1 resource instances"
        await cluster.sleep(30)
        assert await cluster.get("v1/Namespace", "held") is not None
        await cluster.client.patch("v1/ConfigMap", "keep", {"metadata": {"finalizers": None}},
                                   "held")
        await cluster.wait_gone("v1/Namespace", "held", timeout=30)


# -- pure helpers ------------------------------------------------------------------------------
def test_deletable_resources_are_the_namespaced_ones_with_delete_and_list() -> None:
    names = [(i.group, i.resource) for i in deletable_resources(DEFAULT_REGISTRY)]
    assert ("", "pods") in names and ("apps", "deployments") in names
    assert ("", "services") in names and ("", "events") in names
    assert ("", "bindings") not in names and ("", "namespaces") not in names
    assert ("", "nodes") not in names
    assert len(names) == len(set(names))


def test_what_remains_is_explained_or_an_error() -> None:
    pods = DEFAULT_REGISTRY.by_resource("pods")
    pod = {"metadata": {"name": "p"}, "spec": {"terminationGracePeriodSeconds": 30},
           "status": {"phase": "Running"}}
    done = {"metadata": {"name": "q"}, "spec": {"terminationGracePeriodSeconds": 90},
            "status": {"phase": "Succeeded"}}
    assert pods_grace_estimate([pod, done]) == 30
    assert remaining_of(pods, "x", [], 30).count == 0
    left = remaining_of(pods, "x", [pod], 30)
    assert (left.count, left.estimate, left.error) == (1, 30, None)
    held = remaining_of(pods, "x", [{"metadata": {"finalizers": ["a", "b"]}}], 0)
    assert (held.estimate, dict(held.finalizers)) == (15, {"a": 1, "b": 1})
    stuck = remaining_of(pods, "x", [pod], 0)
    assert stuck.error == "unexpected items still remain in namespace: x for gvr: { v1 pods}"


def test_conditions_keep_their_transition_time_until_their_status_flips() -> None:
    first = namespace_conditions([], 10.0, remaining={"pods.": 2, "secrets.": 0})
    by_type = {c["type"]: c for c in first}
    assert [c["type"] for c in first] == [
        "NamespaceDeletionDiscoveryFailure", "NamespaceDeletionGroupVersionParsingFailure",
        "NamespaceDeletionContentFailure", "NamespaceContentRemaining",
        "NamespaceFinalizersRemaining"]
    assert by_type["NamespaceContentRemaining"]["status"] == "True"
    assert by_type["NamespaceFinalizersRemaining"] == {
        "type": "NamespaceFinalizersRemaining", "status": "False",
        "lastTransitionTime": "2026-01-01T00:00:10Z", "reason": "ContentHasNoFinalizers",
        "message": "All content-preserving finalizers finished"}
    later = namespace_conditions(first, 20.0, remaining={"pods.": 1},
                                 content_errors=["b", "a"])
    by_type = {c["type"]: c for c in later}
    remaining = by_type["NamespaceContentRemaining"]
    assert remaining["message"] == "Some resources are remaining: pods. has 1 resource instances"
    assert remaining["lastTransitionTime"] == "2026-01-01T00:00:10Z"  # still True
    failure = by_type["NamespaceDeletionContentFailure"]
    assert failure["message"] == "Failed to delete all resource types, 2 remaining: a, b"
    assert failure["lastTransitionTime"] == "2026-01-01T00:00:20Z"  # flipped
    done = {c["type"]: c for c in namespace_conditions(later, 30.0)}
    assert done["NamespaceContentRemaining"]["reason"] == "ContentRemoved"
    assert done["NamespaceContentRemaining"]["status"] == "False"
