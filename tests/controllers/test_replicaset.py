"""The ReplicaSet controller: pure helpers, then against a control plane in virtual time."""

from __future__ import annotations

import random
import re
from typing import Any

import trio

from kactors.actors.network import Delay, LinkFaults
from kactors.api.meta import deep_copy
from kactors.client.errors import ServerError
from kactors.controllers.expectations import Expectations
from kactors.controllers.podutil import (
    generate_name,
    is_pod_active,
    is_pod_available,
    now_timestamp,
    pods_to_delete,
    rank_pods_for_deletion,
)
from kactors.controllers.replicaset import ReplicaSetController, calculate_status

from .workloads_env import Env, cluster, owner_names, pod, replicaset

POD_NAME = re.compile(r"^web-[bcdfghjklmnpqrstvwxz2456789]{5}$")


# -- pure helpers --------------------------------------------------------------------------------
def fake_pod(name: str, *, node: str = "", phase: str = "Pending", ready: bool | None = None,
             ready_since: float = 0.0, created: float = 0.0, restarts: int = 0,
             cost: int | None = None) -> dict[str, Any]:
    status: dict[str, Any] = {"phase": phase}
    if ready is not None:
        status["conditions"] = [{"type": "Ready", "status": "True" if ready else "False",
                                 "lastTransitionTime": now_timestamp(ready_since)}]
    if restarts:
        status["containerStatuses"] = [{"name": "app", "restartCount": restarts}]
    meta: dict[str, Any] = {"name": name, "namespace": "default", "uid": f"uid-{name}",
                            "creationTimestamp": now_timestamp(created)}
    if cost is not None:
        meta["annotations"] = {"controller.kubernetes.io/pod-deletion-cost": str(cost)}
    spec = {"nodeName": node} if node else {}
    return {"metadata": meta, "spec": spec, "status": status}


def test_deletion_preference_follows_active_pods_with_ranks():
    pods = [
        fake_pod("ready-old", node="n3", phase="Running", ready=True, ready_since=10),
        fake_pod("ready-new", node="n4", phase="Running", ready=True, ready_since=3590),
        fake_pod("running-not-ready", node="n1", phase="Running", ready=False),
        fake_pod("unknown", node="n1", phase="Unknown"),
        fake_pod("pending", node="n1", phase="Pending"),
        fake_pod("unscheduled"),
    ]
    ranked = [p["metadata"]["name"] for p in rank_pods_for_deletion(pods, pods, now=3600)]
    # unassigned < assigned; Pending < Unknown < Running; not ready < ready;
    # ready for less time < more time (on a log2 scale: 10 s against an hour apart)
    assert ranked == ["unscheduled", "pending", "unknown", "running-not-ready",
                      "ready-new", "ready-old"]
    assert [p["metadata"]["name"] for p in pods_to_delete(pods, pods, 2, now=3600)] == \
        ["unscheduled", "pending"]


def test_deletion_preference_cost_colocation_restarts_and_age():
    cheap = fake_pod("cheap", node="n1", phase="Running", cost=-10)
    dear = fake_pod("dear", node="n2", phase="Running", cost=100)
    assert [p["metadata"]["name"] for p in rank_pods_for_deletion([dear, cheap], [], 0)] == \
        ["cheap", "dear"]
    # doubled up on a node (counting the pods of sibling ReplicaSets) goes first
    alone = fake_pod("alone", node="n1", phase="Running")
    crowded = fake_pod("crowded", node="n2", phase="Running")
    sibling = fake_pod("sibling", node="n2", phase="Running")
    assert rank_pods_for_deletion([alone, crowded], [alone, crowded, sibling], 0)[0] is crowded
    # more restarts first, then newer first
    flaky = fake_pod("flaky", node="n1", phase="Running", restarts=5)
    steady = fake_pod("steady", node="n1", phase="Running")
    assert rank_pods_for_deletion([steady, flaky], [], 0)[0] is flaky
    young = fake_pod("young", node="n1", phase="Running", created=3500)
    old = fake_pod("old", node="n1", phase="Running", created=0)
    assert rank_pods_for_deletion([old, young], [], 3600)[0] is young


def test_pod_availability_needs_min_ready_seconds_strictly():
    ready = fake_pod("p", node="n1", phase="Running", ready=True, ready_since=100)
    assert is_pod_available(ready, 0, 100)
    assert not is_pod_available(ready, 10, 110)
    assert is_pod_available(ready, 10, 110.5)
    assert not is_pod_available(fake_pod("q", ready=False), 0, 1000)
    terminating = fake_pod("t", phase="Running")
    terminating["metadata"]["deletionTimestamp"] = now_timestamp(5)
    assert not is_pod_active(terminating)
    assert not is_pod_active(fake_pod("done", phase="Succeeded"))


def test_generated_names_use_kubernetes_alphabet_and_fit_63_characters():
    rng = random.Random(7)
    assert POD_NAME.match(generate_name("web-", rng))
    long = generate_name("x" * 70 + "-", rng)
    assert len(long) == 63 and long.startswith("x" * 58)


def test_expectations_wait_for_observations_and_expire():
    exp = Expectations(ttl=300)
    assert exp.satisfied("ns/rs", 0)
    exp.expect_creations("ns/rs", 2, now=0)
    assert not exp.satisfied("ns/rs", 1)
    exp.creation_observed("ns/rs")
    assert not exp.satisfied("ns/rs", 1)
    exp.creation_observed("ns/rs")
    assert exp.satisfied("ns/rs", 1)
    exp.expect_deletions("ns/rs", ["ns/a", "ns/b"], now=10)
    exp.deletion_observed("ns/rs", "ns/a")
    exp.deletion_observed("ns/rs", "ns/a")  # seen twice (terminating, then gone): once
    assert not exp.satisfied("ns/rs", 11)
    assert exp.expires_in("ns/rs", 11) == 299
    assert exp.satisfied("ns/rs", 311)  # expired: act again rather than wait forever
    exp.deletion_observed("ns/rs", "ns/b")
    assert exp.satisfied("ns/rs", 12)
    exp.forget("ns/rs")
    assert exp.get("ns/rs") is None


def test_status_counts_and_replica_failure_condition():
    rs = replicaset("web", 3, min_ready_seconds=5)
    rs["metadata"]["generation"] = 2
    pods = [fake_pod("a", node="n", phase="Running", ready=True, ready_since=0),
            fake_pod("b", node="n", phase="Running", ready=True, ready_since=98),
            fake_pod("c", node="n", phase="Running", ready=False)]
    for p in pods[:2]:
        p["metadata"]["labels"] = {"app": "web"}
    status = calculate_status(rs, pods, None, now=100)
    assert status == {"replicas": 3, "fullyLabeledReplicas": 2, "readyReplicas": 2,
                      "availableReplicas": 1}
    failed = calculate_status(rs, pods[:1], ServerError({"message": "etcd is sad"}), now=100)
    assert failed["conditions"] == [{"type": "ReplicaFailure", "status": "True",
                                     "lastTransitionTime": "2026-01-01T00:01:40Z",
                                     "reason": "FailedCreate", "message": "etcd is sad"}]
    rs["status"] = failed
    assert "conditions" not in calculate_status(rs, pods, None, now=101)


# -- against a control plane ------------------------------------------------------------------
async def active_pods(env: Env, owner: str = "web") -> list[dict[str, Any]]:
    return [p for p in await env.pods() if is_pod_active(p) and owner_names(p) == [owner]]


async def test_creates_pods_from_the_template_and_reports_status(autojump_clock):
    async with cluster() as env:
        await env.start(ReplicaSetController)
        rs = await env.client.create(replicaset("web", 3))
        await env.wait_status("apps/v1/ReplicaSet", "web", replicas=3, observedGeneration=1)
        pods = await env.pods("web-")
        names = sorted(p["metadata"]["name"] for p in pods)
        assert len(names) == 3 and all(POD_NAME.match(n) for n in names)
        for p in pods:
            assert p["metadata"]["labels"] == {"app": "web"}
            assert p["metadata"]["ownerReferences"] == [{
                "apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web",
                "uid": rs["metadata"]["uid"], "controller": True, "blockOwnerDeletion": True}]
            assert p["spec"]["containers"][0]["image"] == "nginx:1.25"
        status = (await env.get("apps/v1/ReplicaSet", "web"))["status"]
        assert status == {"replicas": 3, "fullyLabeledReplicas": 3, "observedGeneration": 1}
        assert sorted(await env.messages("SuccessfulCreate")) == \
            [f"Created pod: {n}" for n in names]
        events = await env.events("SuccessfulCreate")
        assert {e["source"]["component"] for e in events} == {"replicaset-controller"}
        assert {e["involvedObject"]["name"] for e in events} == {"web"}


async def test_readiness_and_min_ready_seconds_drive_available_replicas(autojump_clock):
    async with cluster() as env:
        await env.start(ReplicaSetController)
        await env.start_kubelet(start_after=0.5, ready_after=1.0)
        await env.client.create(replicaset("web", 2, min_ready_seconds=10))
        await env.wait_status("apps/v1/ReplicaSet", "web", readyReplicas=2, timeout=5)
        status = (await env.get("apps/v1/ReplicaSet", "web"))["status"]
        assert status.get("availableReplicas", 0) == 0
        ready_at = env.now()
        await env.wait_status("apps/v1/ReplicaSet", "web", availableReplicas=2, timeout=15)
        # ready (at second precision) for more than 10 s, and no later than a poll after
        assert 9 < env.now() - ready_at < 12


async def test_scale_down_deletes_unscheduled_pending_and_unready_pods_first(autojump_clock):
    async with cluster() as env:
        await env.start(ReplicaSetController)
        await env.client.create(replicaset("web", 5))
        await env.wait_status("apps/v1/ReplicaSet", "web", replicas=5)
        pods = sorted(await env.pods("web-"), key=lambda p: p["metadata"]["name"])
        unscheduled, pending, unready, ready1, ready2 = pods
        for p in pods[1:]:
            await env.client.bind(p, "node-1")
        for p, ip in ((unready, "10.0.0.3"), (ready1, "10.0.0.4"), (ready2, "10.0.0.5")):
            await env.client.patch("v1/Pod", p["metadata"]["name"], {"status": {
                "phase": "Running", "podIP": ip}}, "default", subresource="status")
        await env.set_ready(ready1["metadata"]["name"])
        await env.set_ready(ready2["metadata"]["name"])
        await env.client.scale("apps/v1/ReplicaSet", "web", 2)
        await env.wait_status("apps/v1/ReplicaSet", "web", replicas=2, readyReplicas=2)
        left = sorted(p["metadata"]["name"] for p in await active_pods(env))
        assert left == sorted([ready1["metadata"]["name"], ready2["metadata"]["name"]])
        assert sorted(await env.messages("SuccessfulDelete")) == sorted(
            f"Deleted pod: {p['metadata']['name']}" for p in (unscheduled, pending, unready))
        # the unscheduled pod is gone at once; bound ones terminate (no kubelet here)
        remaining = {p["metadata"]["name"] for p in await env.pods("web-")}
        assert unscheduled["metadata"]["name"] not in remaining
        assert pending["metadata"]["name"] in remaining


async def test_adopts_matching_orphans_and_releases_pods_that_stop_matching(autojump_clock):
    async with cluster() as env:
        await env.client.create(pod("stray", {"app": "web"}))
        await env.client.create(pod("someone-elses", {"app": "web"}))
        await env.client.patch("v1/Pod", "someone-elses", {"metadata": {"ownerReferences": [{
            "apiVersion": "v1", "kind": "ReplicationController", "name": "other",
            "uid": "0000", "controller": True}]}}, "default")
        await env.start(ReplicaSetController)
        rs = await env.client.create(replicaset("web", 2))
        await env.wait_status("apps/v1/ReplicaSet", "web", replicas=2)
        await trio.sleep(1)
        stray = await env.get("v1/Pod", "stray")
        assert stray["metadata"]["ownerReferences"] == [{
            "apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web",
            "uid": rs["metadata"]["uid"], "controller": True, "blockOwnerDeletion": True}]
        assert owner_names(await env.get("v1/Pod", "someone-elses")) == ["other"]
        owned = await active_pods(env)
        assert len(owned) == 2 and len(await env.messages("SuccessfulCreate")) == 1

        # relabelled: no longer selected, so released; a replacement is created
        await env.client.patch("v1/Pod", "stray", {"metadata": {"labels": {"app": "debug"}}},
                               "default")
        await env.until(lambda: _released(env))
        await env.wait_status("apps/v1/ReplicaSet", "web", replicas=2, fullyLabeledReplicas=2)
        assert "stray" not in {p["metadata"]["name"] for p in await active_pods(env)}
        assert len(await env.messages("SuccessfulCreate")) == 2


async def _released(env: Env) -> bool:
    return not owner_names(await env.get("v1/Pod", "stray"))


async def test_a_lagging_cache_never_doubles_a_burst_of_creates(autojump_clock):
    """The informers' watch events arrive 3 s late, the controller's own requests take
    0.5 s each way: the first pod's ADD triggers a reconcile while the cache holds one
    pod of five. With expectations it waits for the other four; without (expectations
    that expire at once), it creates four more, then has to delete them."""
    peaks = []
    for timeout in (300.0, 0.0):
        async with cluster(seed=3) as env:
            peak = [0]

            def on_change(pods: dict[str, Any], now: float, peak: list[int] = peak) -> None:
                active = [p for p in pods.values() if is_pod_active(p)]
                peak[0] = max(peak[0], len(active))

            await env.watch_pods(on_change)
            network = env.system.network
            network.set_link("controller-manager", "control-plane",
                             LinkFaults(delay=Delay.constant(0.5)))
            network.set_link("control-plane", "informers", LinkFaults(delay=Delay.constant(3.0)),
                             symmetric=False)
            await env.start(ReplicaSetController, informer_host="informers",
                            expectations_timeout=timeout)
            await trio.sleep(10)  # informers listed and watching
            await env.client.create(replicaset("web", 5))
            await trio.sleep(40)
            with trio.fail_after(120):  # without expectations, it may still be undoing
                while len(await active_pods(env)) != 5:
                    await trio.sleep(1)
            peaks.append(peak[0])
    assert peaks[0] == 5, "with expectations: never more than five pods"
    assert peaks[1] > 5, "without them the lagging cache makes the controller over-create"


class FlakyReplicaSetController(ReplicaSetController):
    """Its second pod creation fails (as a quota or webhook might make it)."""

    async def setup(self) -> None:
        await super().setup()
        self.attempts = 0
        real_create = self.client.create

        async def create(obj: Any, *args: Any, **kwargs: Any) -> Any:
            if obj.get("kind") != "Pod":  # events, say
                return await real_create(obj, *args, **kwargs)
            self.attempts += 1
            if self.attempts == 2:
                raise ServerError({"code": 500, "reason": "InternalError",
                                   "message": "etcd is sad"})
            return await real_create(obj, *args, **kwargs)

        self.client.create = create  # type: ignore[method-assign]


async def test_slow_start_stops_at_the_first_failing_batch(autojump_clock):
    async with cluster() as env:
        controller = await env.start(FlakyReplicaSetController)
        await env.client.create(replicaset("web", 7))
        await env.wait_status("apps/v1/ReplicaSet", "web", replicas=7)
        await trio.sleep(2)
        # first reconcile: batches of 1 and 2 (one fails: stop, 4 never tried);
        # the retry creates the 5 missing pods in batches of 1, 2 and 2
        assert controller.attempts == 3 + 5
        assert len(await env.pods("web-")) == 7
        assert await env.messages("FailedCreate") == ["Error creating: etcd is sad"]
        status = (await env.get("apps/v1/ReplicaSet", "web"))["status"]
        assert "conditions" not in status  # the ReplicaFailure went with the next success


async def test_deleted_replicaset_is_forgotten_and_status_skips_needless_writes(
        autojump_clock):
    async with cluster() as env:
        controller = await env.start(ReplicaSetController)
        await env.client.create(replicaset("web", 1))
        rs = await env.wait_status("apps/v1/ReplicaSet", "web", replicas=1)
        await trio.sleep(5)
        # nothing changed: the status was not written again
        assert (await env.get("apps/v1/ReplicaSet", "web"))["metadata"]["resourceVersion"] == \
            rs["metadata"]["resourceVersion"]
        changed = deep_copy(rs)
        changed["spec"]["template"]["metadata"]["annotations"] = {"note": "x"}
        await env.client.update(changed)
        await env.wait_status("apps/v1/ReplicaSet", "web", observedGeneration=2)
        await env.client.delete("apps/v1/ReplicaSet", "web")
        await trio.sleep(1)
        assert controller.expectations.get("default/web") is None
