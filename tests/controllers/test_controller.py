"""The Controller base class: workqueue guarantees, owned objects, apply, shared informers.

Controllers run in a whole control plane (`cluster_harness`) in virtual time; a `Probe`
controller journals when each reconcile starts and ends, so the assertions are about
exact cluster times.
"""

from __future__ import annotations

import pytest

from kactors.actors import ChildSpec
from kactors.apiserver.config import TokenUser
from kactors.client.errors import Forbidden
from kactors.client.informer import InformerEvent, InformerFactory
from kactors.client.result import Result, TerminalError
from kactors.controllers import AlreadyOwned, Controller, ControllerConfig
from kactors.controllers.apply import merge_for_apply
from kactors.testing.harness import cluster_harness

from .helpers import Journal, OtherProbe, Probe, cm, deployment, secret


async def start_probe(cluster, journal, **options):
    ref = await cluster.start_controller(Probe, journal, **options)
    return ref, cluster.actor(ref)


# -- the workqueue's guarantees, inside a controller ------------------------------------------


async def test_a_key_is_never_reconciled_concurrently_and_no_change_is_lost(autojump_clock):
    async with cluster_harness(seed=1) as cluster:
        journal = Journal()
        await start_probe(cluster, journal, duration=1.0)
        await cluster.apply(cm("a", v="0"))
        t0 = cluster.now()
        for v in range(1, 4):  # three changes while the first reconcile runs
            await cluster.sleep(0.2)
            await cluster.apply(cm("a", v=str(v)))
        await cluster.sleep(5)
        # the changes collapse into one more reconcile, after the first one ended
        assert journal.entries == [("start", "default/a", t0), ("end", "default/a", t0 + 1),
                                   ("start", "default/a", t0 + 1),
                                   ("end", "default/a", t0 + 2)]


async def test_workers_reconcile_different_keys_at_once_up_to_their_number(autojump_clock):
    async with cluster_harness(seed=2) as cluster:
        journal = Journal()
        await cluster.apply([cm("a"), cm("b"), cm("c")])
        t0 = cluster.now()
        await start_probe(cluster, journal, duration=1.0)
        await cluster.sleep(5)
        starts = sorted((key, t - t0) for what, key, t in journal.entries if what == "start")
        assert starts == [("default/a", 0.0), ("default/b", 0.0), ("default/c", 1.0)]
        assert journal.max_concurrency() == 2


async def test_a_failing_reconcile_is_retried_with_exponential_backoff(autojump_clock):
    async with cluster_harness(seed=3) as cluster:
        journal = Journal()
        fail_three_times = {"default/a": lambda n: RuntimeError(f"attempt {n}") if n <= 3
                            else None}
        ref, probe = await start_probe(cluster, journal, script=fail_three_times)
        await cluster.apply(cm("a"))
        await cluster.sleep(5)
        starts = journal.starts("default/a")
        gaps = [round(b - a, 9) for a, b in zip(starts, starts[1:], strict=False)]
        assert gaps == [0.005, 0.01, 0.02]  # client-go's 5 ms, doubling
        assert probe.outcomes == {"error": 3, "success": 1}
        assert [r["error"] for r in cluster.logs("controller.reconcile_failed")] == [
            "RuntimeError('attempt 1')", "RuntimeError('attempt 2')",
            "RuntimeError('attempt 3')"]
        assert probe.queue.num_requeues("default/a") == 0  # forgotten after the success


async def test_a_terminal_error_stops_retrying_until_the_object_changes(autojump_clock):
    async with cluster_harness(seed=4) as cluster:
        journal = Journal()
        terminal = {"default/a": lambda n: TerminalError(ValueError("bad spec"))
                    if n == 1 else None}
        ref, probe = await start_probe(cluster, journal, script=terminal)
        await cluster.apply(cm("a", v="1"))
        await cluster.sleep(120)
        assert len(journal.starts("default/a")) == 1
        assert probe.outcomes == {"terminal_error": 1}
        [log] = cluster.logs("controller.reconcile_terminal")
        assert log["key"] == "default/a"
        assert log["error"] == "TerminalError(ValueError('bad spec'))"
        await cluster.apply(cm("a", v="2"))  # a new change is a new chance
        await cluster.sleep(1)
        assert len(journal.starts("default/a")) == 2
        assert probe.outcomes == {"terminal_error": 1, "success": 1}


async def test_requeue_after_brings_the_key_back_later(autojump_clock):
    async with cluster_harness(seed=5) as cluster:
        journal = Journal()
        poll = {"default/a": lambda n: Result(requeue_after=30) if n <= 2 else None}
        ref, probe = await start_probe(cluster, journal, script=poll)
        await cluster.apply(cm("a"))
        t0 = cluster.now()
        await cluster.sleep(100)
        assert [t - t0 for t in journal.starts("default/a")] == [0.0, 30.0, 60.0]
        assert probe.outcomes == {"requeue_after": 2, "success": 1}


async def test_enqueue_after_and_a_controller_restart_reconcile_again(autojump_clock):
    async with cluster_harness(seed=6) as cluster:
        journal = Journal()
        await cluster.apply([cm("a"), cm("b")])
        ref, probe = await start_probe(cluster, journal)
        await cluster.sleep(1)
        assert sorted(journal.keys()) == ["default/a", "default/b"]
        t0 = cluster.now()
        probe.enqueue("default/b", after=10)
        await cluster.sleep(11)
        assert journal.keys()[2:] == ["default/b"]
        assert journal.starts("default/b")[-1] == t0 + 10
        ref.tell("crash")  # restarted by the controller-manager: everything is reconciled
        await cluster.sleep(1)
        assert ref._cell.restarts == 1
        assert sorted(journal.keys()[3:]) == ["default/a", "default/b"]


async def test_reconciles_wait_until_every_informer_of_the_controller_synced(autojump_clock):
    # The controller's own identity may list ConfigMaps but not (yet) Secrets: its Secret
    # informer cannot sync, and nothing is reconciled until it can.
    limited = TokenUser("probe", "probe-token")
    async with cluster_harness(seed=7, users=(limited,)) as cluster:
        await cluster.apply([cm("a"), *rbac("probe", ["configmaps"])])
        journal = Journal()
        factory = await cluster.system.start(ChildSpec("component", lambda: InformerFactory(
            cluster.apiserver, "probe-token", retry_delay=1.0), host="control-plane"))
        config = ControllerConfig(cluster.apiserver, factory, "probe-token")
        ref = await cluster.system.start(ChildSpec(
            "probe", lambda: Probe(config, journal), host="control-plane"))
        probe = cluster.actor(ref)
        await cluster.sleep(10)
        assert not probe.synced
        assert journal.entries == []
        failed = cluster.logs("informer.list_failed", "/component/secrets")
        assert failed and "Forbidden" in failed[0]["error"]
        await cluster.apply(rbac("probe", ["configmaps", "secrets"]))
        await cluster.sleep(20)
        assert probe.synced
        assert journal.keys() == ["default/a"]


def rbac(user, resources):
    return [{"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
             "metadata": {"name": "probe-reader"},
             "rules": [{"apiGroups": [""], "resources": resources,
                        "verbs": ["get", "list", "watch"]}]},
            {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
             "metadata": {"name": "probe-reader"},
             "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                         "name": "probe-reader"},
             "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User",
                           "name": user}]}]


# -- owned objects --------------------------------------------------------------------------------


async def test_events_of_owned_objects_reconcile_their_controller_owner(autojump_clock):
    async with cluster_harness(seed=8) as cluster:
        journal = Journal()
        owner, other = await cluster.apply([cm("owner"), cm("other")])
        await start_probe(cluster, journal)
        await cluster.sleep(1)
        journal.entries.clear()
        await cluster.apply(secret("owned", owner, v="1"))
        await cluster.sleep(1)
        assert journal.keys() == ["default/owner"]
        await cluster.apply(secret("owned", owner, v="2"))
        await cluster.delete("secret/owned")
        await cluster.sleep(1)
        assert journal.keys() == ["default/owner", "default/owner", "default/owner"]
        journal.entries.clear()
        await cluster.apply([secret("not-controller", other, controller=False),
                             secret("orphan")])
        await cluster.sleep(1)
        assert journal.keys() == []


def test_map_event_checks_the_owner_kind_and_group():
    probe = Probe(ControllerConfig(None, None), Journal())  # type: ignore[arg-type]
    probe.kind, probe.group = "Website", "example.com"

    def owned(api_version, kind="Website", controller=True):
        return {"apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": "c", "namespace": "ns", "ownerReferences": [
                    {"apiVersion": api_version, "kind": kind, "name": "site", "uid": "u",
                     "controller": controller}]}}

    def keys(obj, old=None):
        return probe.map_event(InformerEvent("ConfigMap", "update", obj, old))

    assert keys(owned("example.com/v1")) == ["ns/site"]
    assert keys(owned("example.com/v2"), owned("example.com/v1")) == ["ns/site"]
    assert keys(owned("other.io/v1")) == []
    assert keys(owned("example.com/v1", kind="Blog")) == []
    assert keys(owned("example.com/v1", controller=False)) == []
    site = {"apiVersion": "example.com/v1", "kind": "Website",
            "metadata": {"name": "site", "namespace": "ns"}}
    assert probe.map_event(InformerEvent("Website", "add", site)) == ["ns/site"]


# -- shared informers -----------------------------------------------------------------------------


async def test_controllers_of_one_component_share_its_informers(autojump_clock):
    async with cluster_harness(seed=9) as cluster:
        journal = Journal()
        await cluster.apply(cm("a"))
        one = cluster.actor(await cluster.start_controller(Probe, journal))
        two = cluster.actor(await cluster.start_controller(OtherProbe, journal))
        await cluster.sleep(1)
        assert one.handles["v1/ConfigMap"] == two.handles["v1/ConfigMap"]
        assert one.handles["v1/Secret"].indexer is two.handles["v1/Secret"].indexer
        factory = cluster.actor(cluster.informers)
        assert sorted(factory.ctx.children) == ["configmaps", "secrets"]
        apiserver = cluster.actor(cluster.apiserver)
        watched = sorted(w.ref.path for w in apiserver.watchers.values())
        assert watched == ["/controller-manager/informers/configmaps",
                           "/controller-manager/informers/secrets"]
        assert sorted(journal.keys()) == ["default/a", "default/a"]  # one per controller
        assert one.lister("ConfigMap").keys() == ["default/a"]
        assert one.lister("secrets").keys() == []


# -- apply and status ---------------------------------------------------------------------------


async def test_apply_creates_then_updates_and_sets_the_controller_reference(autojump_clock):
    async with cluster_harness(seed=10) as cluster:
        owner = (await cluster.apply(cm("owner")))[0]
        probe = cluster.actor(await cluster.start_controller(Probe, Journal()))
        created = await probe.apply(secret("s", k="1"), owner=owner)
        assert created["metadata"]["namespace"] == "default"
        assert created["metadata"]["ownerReferences"] == [{
            "apiVersion": "v1", "kind": "ConfigMap", "name": "owner",
            "uid": owner["metadata"]["uid"], "controller": True, "blockOwnerDeletion": True}]
        same = await probe.apply(secret("s", k="1"), owner=owner)
        assert same == created  # nothing to change: nothing written
        changed = await probe.apply(secret("s", k="2"), owner=owner)
        assert changed["data"] == {"k": "Mg=="}
        assert int(changed["metadata"]["resourceVersion"]) > int(
            created["metadata"]["resourceVersion"])
        assert changed["metadata"]["ownerReferences"] == created["metadata"]["ownerReferences"]
        assert await cluster.get("secret/s") == changed

        # another controller's object is not taken over
        other = (await cluster.apply(cm("other")))[0]
        with pytest.raises(TerminalError) as caught:
            await probe.apply(secret("s", k="3"), owner=other)
        assert isinstance(caught.value.cause, AlreadyOwned)
        assert str(caught.value.cause) == (
            f"Secret default/s is already controlled by ConfigMap owner "
            f"(uid {owner['metadata']['uid']})")


async def test_apply_keeps_server_defaults_and_only_writes_real_changes(autojump_clock):
    async with cluster_harness(seed=11) as cluster:
        probe = cluster.actor(await cluster.start_controller(Probe, Journal()))
        first = await probe.apply(deployment("web", replicas=2))
        assert first["spec"]["template"]["spec"]["containers"][0]["imagePullPolicy"] == "Always"
        again = await probe.apply(deployment("web", replicas=2))
        assert again["metadata"]["resourceVersion"] == first["metadata"]["resourceVersion"]
        scaled = await probe.apply(deployment("web", replicas=3, image="nginx:2"))
        assert scaled["spec"]["replicas"] == 3
        container = scaled["spec"]["template"]["spec"]["containers"][0]
        assert container["image"] == "nginx:2"
        assert container["terminationMessagePath"] == "/dev/termination-log"
        assert scaled["metadata"]["generation"] == 2
        # None removes a field
        labelled = await probe.apply({**deployment("web", 3, "nginx:2"), "metadata": {
            "name": "web", "labels": {"tier": "front", "x": "y"}}})
        assert labelled["metadata"]["labels"] == {"tier": "front", "x": "y"}
        unlabelled = await probe.apply({**deployment("web", 3, "nginx:2"), "metadata": {
            "name": "web", "labels": {"x": None}}})
        assert unlabelled["metadata"]["labels"] == {"tier": "front"}


def test_merge_for_apply_merges_like_a_patch():
    current = {"apiVersion": "v1", "kind": "Pod",
               "metadata": {"name": "p", "uid": "1", "resourceVersion": "5",
                            "labels": {"a": "1"},
                            "ownerReferences": [{"uid": "x", "name": "x", "kind": "K",
                                                 "apiVersion": "v1"}]},
               "spec": {"containers": [{"name": "c", "image": "i", "imagePullPolicy": "Always"}]},
               "status": {"phase": "Running"}}
    desired = {"apiVersion": "v1", "kind": "Pod",
               "metadata": {"name": "p", "labels": {"b": "2"}, "uid": "ignored"},
               "spec": {"containers": [{"name": "c", "image": "j"}]},
               "status": {"phase": "ignored"}}
    merged = merge_for_apply(current, desired)
    assert merged["metadata"] == {**current["metadata"], "labels": {"a": "1", "b": "2"}}
    assert merged["spec"] == {"containers": [{"name": "c", "image": "j",
                                              "imagePullPolicy": "Always"}]}
    assert merged["status"] == {"phase": "Running"}
    # a custom resource merges lists whole, owner references by uid
    custom = {"apiVersion": "example.com/v1", "kind": "Pod", "metadata": {
        "name": "p", "ownerReferences": [{"uid": "x", "name": "x"}]}, "spec": {"l": [1, 2]}}
    merged = merge_for_apply(custom, {"spec": {"l": [3]}, "metadata": {
        "ownerReferences": [{"uid": "y", "name": "y", "controller": True}]}}, custom=True)
    assert merged["spec"] == {"l": [3]}
    assert [r["uid"] for r in merged["metadata"]["ownerReferences"]] == ["x", "y"]
    with pytest.raises(AlreadyOwned):
        merge_for_apply(merged, {"metadata": {"ownerReferences": [
            {"uid": "z", "name": "z", "kind": "K", "controller": True}]}}, custom=True)


async def test_patch_status_writes_the_status_subresource_only_when_it_changes(
        autojump_clock):
    async with cluster_harness(seed=12) as cluster:
        probe = cluster.actor(await cluster.start_controller(Probe, Journal()))
        dep = await probe.apply(deployment("web"))
        patched = await probe.patch_status(dep, {"availableReplicas": 1, "replicas": 1})
        assert patched["status"] == {"availableReplicas": 1, "replicas": 1}
        assert patched["metadata"]["generation"] == dep["metadata"]["generation"]
        same = await probe.patch_status(patched, {"replicas": 1})
        assert same == patched
        cleared = await probe.patch_status(patched, {"availableReplicas": None})
        assert cleared["status"] == {"replicas": 1}


async def test_a_controller_that_cannot_start_is_reported_by_the_harness(autojump_clock):
    class Nothing(Controller):
        pass

    class Unknown(Controller):
        watches = "example.com/v1/Nope"

    class Broken(Probe):
        async def setup(self) -> None:
            raise ValueError("no setup today")

    async with cluster_harness(seed=13) as cluster:
        with pytest.raises(TypeError, match="Nothing must set `watches`"):
            await cluster.start_controller(Nothing)
        with pytest.raises(LookupError, match='no matches for kind "Nope"'):
            await cluster.start_controller(Unknown)
        with pytest.raises(RuntimeError, match="controller broken failed to start: crashed: "
                                               "ValueError: no setup today"):
            await cluster.start_controller(Broken, Journal())
        manager = cluster.actor(await cluster.controller_manager())
        assert sorted(manager.ctx.children) == ["informers"]


async def test_the_controller_identity_needs_rbac_for_its_writes(autojump_clock):
    async with cluster_harness(seed=14, users=(TokenUser("probe", "probe-token"),)) as cluster:
        await cluster.apply(rbac("probe", ["configmaps", "secrets"]))
        probe = cluster.actor(await cluster.start_controller(Probe, Journal(),
                                                             token="probe-token"))
        with pytest.raises(Forbidden):
            await probe.apply(cm("x"))


async def test_a_batch_period_coalesces_a_burst_of_events_into_one_reconcile(autojump_clock):
    """`batch_period`: events of a key within the window wait for it and make one
    reconcile (kube's --endpoint-updates-batch-period), where without it each event that
    arrives after the previous reconcile ended makes one more."""

    class Batched(Probe):
        batch_period = 1.0

    async with cluster_harness(seed=3) as cluster:
        journal = Journal()
        await cluster.start_controller(Batched, journal)
        await cluster.apply(cm("a", v="0"))
        await cluster.sleep(2)
        t0 = cluster.now()
        for v in range(1, 5):  # four changes within 0.8 s
            await cluster.apply(cm("a", v=str(v)))
            await cluster.sleep(0.2)
        await cluster.sleep(5)
        starts = [t - t0 for what, key, t in journal.entries if what == "start" and t >= t0]
        assert len(starts) == 1 and 1.0 <= starts[0] < 1.2, starts
