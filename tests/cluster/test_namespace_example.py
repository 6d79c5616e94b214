"""examples/namespace.toml: deleting the `shop` namespace empties it (the namespace
controller and the garbage collector), waits for its pods to stop, then deletes it."""

from __future__ import annotations

from .helpers import run_json


def test_deleting_the_shop_namespace_empties_it_then_deletes_it() -> None:
    records, summary = run_json("namespace.toml", duration=90)
    created = [r["object"] for r in records if r["event"] == "manifest.created"]
    assert created[:5] == ["Namespace/shop", "Deployment/storefront", "Service/storefront",
                           "ConfigMap/settings", "Secret/payment-key"]
    [action] = [r for r in records if r["event"] == "action.delete"]
    assert action["object"] == "namespace/shop" and action["ts"] == 60
    # while it is terminating, nothing new moves in (the ReplicaSet tries to replace pods)
    refused = [r for r in records if r["event"] == "event.recorded"
               and r["reason"] == "FailedCreate"]
    assert refused and all("unable to create new content in namespace shop because it is "
                           "being terminated" in r["message"] for r in refused)
    # the garbage collector removes what the Deployment owned
    collected = [r for r in records if r["event"] == "gc.deleting"]
    assert any(r["dependent"].startswith("ReplicaSet/shop/storefront-")
               and r["owner"] == "Deployment/storefront" for r in collected)
    # the namespace controller reports the pods still stopping, then nothing left
    deleting = [r for r in records if r["event"] == "namespace.deleting"]
    assert deleting[0]["namespace"] == "shop" and deleting[0]["remaining"] == {"pods.": 2}
    assert deleting[0]["estimate"] == 30  # nginx pods' default grace period
    assert deleting[-1]["remaining"] == {}
    stopped = [r for r in records if r["event"] == "pod.deleted"
               and r["pod"].startswith("shop/")]
    assert len(stopped) == 2
    [deleted] = [r for r in records if r["event"] == "namespace.deleted"]
    assert deleted["namespace"] == "shop"
    # after half the expected wait it looked again, found nothing, and finalized
    assert max(r["ts"] for r in stopped) < deleted["ts"] == 75
    order = [r["event"] for r in records if r["event"] in (
        "action.delete", "gc.deleting", "namespace.deleting", "pod.deleted",
        "namespace.deleted")]
    assert order.index("action.delete") < order.index("namespace.deleting") < \
        order.index("namespace.deleted") == len(order) - 1
    # kube-system's components (etcd x3, apiserver, controller-manager, scheduler,
    # metrics-server, kube-proxy x2) keep running; the shop's pods are gone
    assert summary["pods"]["Running"] == 9
