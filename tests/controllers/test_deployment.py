"""The Deployment controller: pure helpers, then rollouts against a control plane (with
the ReplicaSet controller and a fake kubelet), in virtual time."""

from __future__ import annotations

import re
from typing import Any

import trio

from kactors.api.meta import deep_copy
from kactors.controllers import deploymentutil as du
from kactors.controllers.deployment import DeploymentController
from kactors.controllers.hashing import compute_hash, fnv32a, safe_encode_string
from kactors.controllers.podutil import is_pod_active, is_pod_ready
from kactors.controllers.replicaset import ReplicaSetController

from .workloads_env import Env, cluster, deployment

HASH = re.compile(r"^[bcdfghjklmnpqrstvwxz2456789]{1,10}$")
RS = "apps/v1/ReplicaSet"
DEPLOY = "apps/v1/Deployment"


# -- pure helpers --------------------------------------------------------------------------------
def test_fenceposts_round_surge_up_and_unavailable_down():
    assert du.resolve_fenceposts("25%", "25%", 10) == (3, 2)
    assert du.resolve_fenceposts("25%", "25%", 4) == (1, 1)
    assert du.resolve_fenceposts(2, "50%", 5) == (2, 2)
    # both rounding to zero: one pod may be unavailable, or nothing could ever move
    assert du.resolve_fenceposts(0, "1%", 2) == (0, 1)
    assert du.resolve_fenceposts("1%", 0, 1) == (1, 0)
    rolling = deployment("d", 3, strategy={"type": "RollingUpdate", "rollingUpdate": {
        "maxSurge": 1, "maxUnavailable": 5}})
    assert du.max_unavailable(rolling) == 3  # never more than replicas
    assert du.max_surge(deployment("d", 3, strategy={"type": "Recreate"})) == 0
    assert du.max_unavailable(deployment("d", 3, strategy={"type": "Recreate"})) == 0


def test_new_replica_set_grows_within_the_surge():
    d = deployment("d", 10, strategy={"type": "RollingUpdate", "rollingUpdate": {
        "maxSurge": "25%", "maxUnavailable": "25%"}})
    old = {"spec": {"replicas": 10}}
    new = {"spec": {"replicas": 0}}
    assert du.new_rs_new_replicas(d, [old, new], new) == 3
    assert du.new_rs_new_replicas(d, [{"spec": {"replicas": 8}}, {"spec": {"replicas": 3}}],
                                  {"spec": {"replicas": 3}}) == 5
    assert du.new_rs_new_replicas(d, [{"spec": {"replicas": 10}}, {"spec": {"replicas": 3}}],
                                  {"spec": {"replicas": 3}}) == 3
    recreate = deployment("d", 4, strategy={"type": "Recreate"})
    assert du.new_rs_new_replicas(recreate, [new], new) == 4


def test_pod_template_hash_is_stable_safe_and_moved_by_collisions():
    template = deployment("d")["spec"]["template"]
    first = compute_hash(template)
    assert first == compute_hash(deep_copy(template)) and HASH.match(first)
    assert compute_hash(template, 1) != first and HASH.match(compute_hash(template, 1))
    changed = deep_copy(template)
    changed["spec"]["containers"][0]["image"] = "nginx:1.26"
    assert compute_hash(changed) != first
    assert fnv32a(b"") == 0x811C9DC5 and fnv32a(b"a") == 0xE40C292C  # FNV-1a test vectors
    assert safe_encode_string("0123456789") == "456789bcdf"


def test_templates_equal_ignoring_the_hash_label():
    template = deployment("d")["spec"]["template"]
    hashed = deep_copy(template)
    hashed["metadata"]["labels"][du.DEFAULT_UNIQUE_LABEL] = "abc"
    hashed["spec"]["securityContext"] = {}
    assert du.equal_ignore_hash(template, hashed)
    hashed["spec"]["containers"][0]["image"] = "other"
    assert not du.equal_ignore_hash(template, hashed)


def test_proportional_share_of_a_scale_during_a_rollout():
    d = deployment("d", 15, strategy={"type": "RollingUpdate", "rollingUpdate": {
        "maxSurge": 3, "maxUnavailable": 2}})
    annotated = {"metadata": {"annotations": {du.MAX_REPLICAS_ANNOTATION: "13"}},
                 "spec": {"replicas": 8}}
    # 8 of 13 pods, the deployment now allows 18: 8 * 18 / 13 = 11.08 -> 11 (+3)
    assert du.get_proportion(annotated, d, 5, 0) == 3
    assert du.get_proportion(annotated, d, 5, 4) == 1  # never more than what is left
    assert du.get_proportion({"spec": {"replicas": 0}}, d, 5, 0) == 0


def test_conditions_keep_transition_time_when_only_the_reason_changes():
    status: dict[str, Any] = {}
    du.set_condition(status, du.new_condition("Progressing", "True", "NewReplicaSetCreated",
                                              "m1", now=0))
    du.set_condition(status, du.new_condition("Progressing", "True", "ReplicaSetUpdated",
                                              "m2", now=30))
    (condition,) = status["conditions"]
    assert condition["lastTransitionTime"] == "2026-01-01T00:00:00Z"
    assert condition["lastUpdateTime"] == "2026-01-01T00:00:30Z"
    du.set_condition(status, du.new_condition("Progressing", "True", "ReplicaSetUpdated",
                                              "m3", now=60))
    assert status["conditions"][0]["message"] == "m2"  # same status and reason: unchanged


# -- against a control plane ------------------------------------------------------------------
async def start(env: Env, **kubelet: Any) -> None:
    await env.start(ReplicaSetController)
    await env.start(DeploymentController)
    await env.start_kubelet(**kubelet)


async def replica_sets(env: Env) -> dict[str, dict[str, Any]]:
    return {rs["metadata"]["name"]: rs for rs in await env.items(RS)}


async def update_template(env: Env, name: str, image: str) -> dict[str, Any]:
    d = deep_copy(await env.get(DEPLOY, name))
    d["spec"]["template"]["spec"]["containers"][0]["image"] = image
    return await env.client.update(d)


async def rolled_out(env: Env, name: str, generation: int, timeout: float = 120) -> dict:
    """Wait until the rollout of `generation` is complete; return the Deployment."""
    async def check() -> dict[str, Any] | None:
        d = await env.get(DEPLOY, name)
        status = d.get("status") or {}
        progressing = du.get_condition(status, "Progressing") or {}
        want = d["spec"]["replicas"]
        if status.get("observedGeneration") == generation and \
                progressing.get("reason") == "NewReplicaSetAvailable" and \
                status.get("updatedReplicas", 0) == want == status.get("availableReplicas", 0) \
                and status.get("replicas", 0) == want:
            return d
        return None

    return await env.until(check, timeout)


async def test_creates_a_hashed_replicaset_and_reports_status_and_conditions(autojump_clock):
    async with cluster() as env:
        await start(env)
        created = await env.client.create(deployment("nginx", 3))
        d = await rolled_out(env, "nginx", 1)
        (rs,) = (await replica_sets(env)).values()
        pod_hash = compute_hash(created["spec"]["template"])
        name = f"nginx-{pod_hash}"
        assert rs["metadata"]["name"] == name
        assert rs["metadata"]["labels"] == {"app": "nginx", "pod-template-hash": pod_hash}
        assert rs["spec"]["selector"] == {"matchLabels": {"app": "nginx",
                                                          "pod-template-hash": pod_hash}}
        assert rs["spec"]["template"]["metadata"]["labels"] == rs["metadata"]["labels"]
        assert rs["metadata"]["annotations"] == {
            "deployment.kubernetes.io/revision": "1",
            "deployment.kubernetes.io/desired-replicas": "3",
            "deployment.kubernetes.io/max-replicas": "4"}
        assert rs["metadata"]["ownerReferences"][0]["uid"] == created["metadata"]["uid"]
        assert d["metadata"]["annotations"] == {"deployment.kubernetes.io/revision": "1"}
        for p in await env.pods("nginx-"):
            assert p["metadata"]["labels"]["pod-template-hash"] == pod_hash
        status = d["status"]
        assert {k: v for k, v in status.items() if k != "conditions"} == {
            "observedGeneration": 1, "replicas": 3, "updatedReplicas": 3, "readyReplicas": 3,
            "availableReplicas": 3}
        conditions = {c["type"]: c for c in status["conditions"]}
        assert (conditions["Available"]["status"], conditions["Available"]["reason"],
                conditions["Available"]["message"]) == \
            ("True", "MinimumReplicasAvailable", "Deployment has minimum availability.")
        assert (conditions["Progressing"]["status"], conditions["Progressing"]["reason"],
                conditions["Progressing"]["message"]) == \
            ("True", "NewReplicaSetAvailable", f'ReplicaSet "{name}" has successfully progressed.')
        assert await env.messages("ScalingReplicaSet") == \
            [f"Scaled up replica set {name} from 0 to 3"]
        event = (await env.events("ScalingReplicaSet"))[0]
        assert event["involvedObject"]["kind"] == "Deployment"
        assert event["source"]["component"] == "deployment-controller"


async def test_rolling_update_stays_within_max_surge_and_max_unavailable(autojump_clock):
    """10 replicas, default 25%/25%: maxSurge 3 (rounded up), maxUnavailable 2 (down).
    At every pod event, count the pods not being deleted and the available ones."""
    async with cluster(seed=5) as env:
        await start(env, start_after=0.5, ready_after=1.5)
        samples: list[tuple[float, int, int, int]] = []

        def on_change(pods: dict[str, Any], now: float) -> None:
            active = [p for p in pods.values() if is_pod_active(p)]
            available = [p for p in active if is_pod_ready(p)]
            new = [p for p in active if p["spec"]["containers"][0]["image"] == "nginx:1.26"]
            samples.append((now, len(active), len(available), len(new)))

        await env.watch_pods(on_change)
        await env.client.create(deployment("nginx", 10))
        await rolled_out(env, "nginx", 1)
        old_name = next(iter(await replica_sets(env)))
        samples.clear()
        updated = await update_template(env, "nginx", "nginx:1.26")
        d = await rolled_out(env, "nginx", 2)

        assert max(total for _, total, _, _ in samples) <= 13
        assert min(available for _, _, available, _ in samples) >= 8
        assert max(total for _, total, _, _ in samples) == 13  # the surge was used...
        assert min(available for _, _, available, _ in samples) == 8  # ...and the budget
        assert samples[-1][1:] == (10, 10, 10)
        rss = await replica_sets(env)
        new_name = f"nginx-{compute_hash(updated['spec']['template'])}"
        assert set(rss) == {old_name, new_name}
        assert rss[old_name]["spec"]["replicas"] == 0
        assert rss[new_name]["metadata"]["annotations"]["deployment.kubernetes.io/revision"] \
            == "2"
        assert d["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "2"
        assert (await env.messages("ScalingReplicaSet"))[1:] == [
            f"Scaled up replica set {new_name} from 0 to 3",      # surge: 13 pods
            f"Scaled down replica set {old_name} from 10 to 8",   # 2 may be unavailable
            f"Scaled up replica set {new_name} from 3 to 5",      # back to 13
            f"Scaled down replica set {old_name} from 8 to 3",    # 5 new pods available
            f"Scaled up replica set {new_name} from 5 to 10",
            f"Scaled down replica set {old_name} from 3 to 0"]


async def test_recreate_removes_every_old_pod_before_creating_new_ones(autojump_clock):
    async with cluster(seed=2) as env:
        await start(env)
        mixed: list[float] = []

        def on_change(pods: dict[str, Any], now: float) -> None:
            images = {p["spec"]["containers"][0]["image"] for p in pods.values()}
            if len(images) > 1:  # even terminating old pods count: they may still run
                mixed.append(now)

        await env.watch_pods(on_change)
        await env.client.create(deployment("db", 3, strategy={"type": "Recreate"}))
        await rolled_out(env, "db", 1)
        old_name = next(iter(await replica_sets(env)))
        updated = await update_template(env, "db", "postgres:17")
        await rolled_out(env, "db", 2)
        assert mixed == []
        new_name = f"db-{compute_hash(updated['spec']['template'])}"
        assert (await env.messages("ScalingReplicaSet"))[1:] == [
            f"Scaled down replica set {old_name} from 3 to 0",
            f"Scaled up replica set {new_name} from 0 to 3"]


async def test_rollback_reuses_the_old_replicaset_and_bumps_its_revision(autojump_clock):
    async with cluster() as env:
        await start(env)
        await env.client.create(deployment("web", 2))
        await rolled_out(env, "web", 1)
        (first,) = await replica_sets(env)
        await update_template(env, "web", "nginx:1.26")
        await rolled_out(env, "web", 2)
        # `kubectl rollout undo`: the template of revision 1 comes back
        await update_template(env, "web", "nginx:1.25")
        d = await rolled_out(env, "web", 3)
        rss = await replica_sets(env)
        assert len(rss) == 2 and rss[first]["spec"]["replicas"] == 2
        annotations = rss[first]["metadata"]["annotations"]
        assert annotations["deployment.kubernetes.io/revision"] == "3"
        assert annotations["deployment.kubernetes.io/revision-history"] == "1"
        assert d["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "3"
        second = next(name for name in rss if name != first)
        assert rss[second]["spec"]["replicas"] == 0
        assert rss[second]["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "2"
        assert {p["metadata"]["labels"]["pod-template-hash"]
                for p in await env.pods() if is_pod_active(p)} == {first.split("-", 1)[1]}


async def test_scaling_up_and_down_resizes_the_replicaset(autojump_clock):
    async with cluster() as env:
        await start(env)
        await env.client.create(deployment("web", 3))
        await rolled_out(env, "web", 1)
        (name,) = await replica_sets(env)
        await env.client.scale(DEPLOY, "web", 5)
        await rolled_out(env, "web", 2)
        await env.client.scale(DEPLOY, "web", 2)
        await rolled_out(env, "web", 3)
        assert await env.messages("ScalingReplicaSet") == [
            f"Scaled up replica set {name} from 0 to 3",
            f"Scaled up replica set {name} from 3 to 5",
            f"Scaled down replica set {name} from 5 to 2"]
        rs = (await replica_sets(env))[name]
        assert rs["metadata"]["annotations"]["deployment.kubernetes.io/desired-replicas"] == "2"
        assert rs["metadata"]["annotations"]["deployment.kubernetes.io/max-replicas"] == "3"
        assert len([p for p in await env.pods() if is_pod_active(p)]) == 2


async def test_scaling_mid_rollout_is_shared_in_proportion(autojump_clock):
    async with cluster() as env:
        # new pods never become ready: the rollout stalls with two ReplicaSets active
        await start(env, never_ready=lambda p: p["spec"]["containers"][0]["image"] == "bad")
        await env.client.create(deployment("web", 10))
        await rolled_out(env, "web", 1)
        (old,) = await replica_sets(env)
        await update_template(env, "web", "bad")
        await trio.sleep(10)
        rss = await replica_sets(env)
        new = next(name for name in rss if name != old)
        assert (rss[old]["spec"]["replicas"], rss[new]["spec"]["replicas"]) == (8, 5)
        await env.client.scale(DEPLOY, "web", 20)
        await trio.sleep(10)
        rss = await replica_sets(env)
        # 20 + 5 surge = 25 allowed, 13 running: 12 more, shared 8:5 (leftover to the largest)
        assert (rss[old]["spec"]["replicas"], rss[new]["spec"]["replicas"]) == (15, 10)
        for rs in rss.values():
            assert rs["metadata"]["annotations"]["deployment.kubernetes.io/desired-replicas"] \
                == "20"


async def test_revision_history_limit_deletes_the_oldest_replicasets(autojump_clock):
    async with cluster() as env:
        await start(env)
        await env.client.create(deployment("web", 1, revisionHistoryLimit=1))
        await rolled_out(env, "web", 1)
        names = list(await replica_sets(env))
        for generation, image in enumerate(("v2", "v3", "v4"), start=2):
            await update_template(env, "web", image)
            await rolled_out(env, "web", generation)
            names += [n for n in await replica_sets(env) if n not in names]
        await trio.sleep(2)
        rss = await replica_sets(env)
        # the current one and one old one (the latest) are kept
        assert sorted(rss) == sorted(names[-2:])
        revisions = sorted(du.revision(rs) for rs in rss.values())
        assert revisions == [3, 4]


async def test_a_paused_deployment_does_not_roll_out(autojump_clock):
    async with cluster() as env:
        await start(env)
        await env.client.create(deployment("web", 2))
        await rolled_out(env, "web", 1)
        d = deep_copy(await env.get(DEPLOY, "web"))
        d["spec"]["paused"] = True
        d["spec"]["template"]["spec"]["containers"][0]["image"] = "nginx:1.26"
        await env.client.update(d)
        d = await env.wait_status(DEPLOY, "web", observedGeneration=2)
        await trio.sleep(10)
        assert len(await replica_sets(env)) == 1
        progressing = du.get_condition(d["status"], "Progressing")
        assert (progressing["status"], progressing["reason"], progressing["message"]) == \
            ("Unknown", "DeploymentPaused", "Deployment is paused")
        resumed = deep_copy(await env.get(DEPLOY, "web"))
        resumed["spec"]["paused"] = False
        await env.client.update(resumed)
        await rolled_out(env, "web", 3)
        assert len(await replica_sets(env)) == 2


async def test_progress_deadline_exceeded_when_new_pods_never_become_ready(autojump_clock):
    async with cluster() as env:
        await start(env, never_ready=lambda p: True)
        await env.client.create(deployment("web", 2, progressDeadlineSeconds=30))
        await trio.sleep(20)
        d = await env.get(DEPLOY, "web")
        (name,) = await replica_sets(env)
        conditions = {c["type"]: c for c in d["status"]["conditions"]}
        # created, then pods appeared (progress), then nothing more
        assert (conditions["Progressing"]["status"], conditions["Progressing"]["reason"],
                conditions["Progressing"]["message"]) == \
            ("True", "ReplicaSetUpdated", f'ReplicaSet "{name}" is progressing.')
        assert (conditions["Available"]["status"], conditions["Available"]["reason"],
                conditions["Available"]["message"]) == \
            ("False", "MinimumReplicasUnavailable",
             "Deployment does not have minimum availability.")
        await trio.sleep(20)  # no event comes: the controller looks again by itself
        d = await env.get(DEPLOY, "web")
        progressing = du.get_condition(d["status"], "Progressing")
        assert (progressing["status"], progressing["reason"], progressing["message"]) == \
            ("False", "ProgressDeadlineExceeded", f'ReplicaSet "{name}" has timed out progressing.')
        assert d["status"]["unavailableReplicas"] == 2


async def test_adopts_an_orphaned_replicaset_with_its_template(autojump_clock):
    async with cluster() as env:
        await start(env)
        template = deployment("web")["spec"]["template"]
        hashed = deep_copy(template)
        hashed["metadata"]["labels"]["pod-template-hash"] = "abc"
        await env.client.create({
            "apiVersion": "apps/v1", "kind": "ReplicaSet",
            "metadata": {"name": "web-abc", "namespace": "default",
                         "labels": hashed["metadata"]["labels"]},
            "spec": {"replicas": 0, "selector": {"matchLabels": hashed["metadata"]["labels"]},
                     "template": hashed}})
        created = await env.client.create(deployment("web", 2))
        await rolled_out(env, "web", 1)
        rss = await replica_sets(env)
        assert list(rss) == ["web-abc"]  # adopted and used: no new ReplicaSet
        rs = rss["web-abc"]
        assert [r["uid"] for r in rs["metadata"]["ownerReferences"]] == \
            [created["metadata"]["uid"]]
        assert rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "1"
        assert await env.messages("ScalingReplicaSet") == \
            ["Scaled up replica set web-abc from 0 to 2"]


async def test_a_name_taken_by_another_template_bumps_the_collision_count(autojump_clock):
    async with cluster() as env:
        await start(env)
        wanted = deployment("web", 1)
        # what the Deployment's template will look like once defaulted by the apiserver
        probe = await env.client.create({**deployment("probe", 0), "metadata": {
            "name": "probe", "namespace": "default"}})
        template = deep_copy(probe["spec"]["template"])
        template["metadata"]["labels"] = {"app": "web"}
        taken = f"web-{compute_hash(template)}"
        squatter = deep_copy(template)
        squatter["metadata"]["labels"] = {"app": "squatter"}
        await env.client.create({
            "apiVersion": "apps/v1", "kind": "ReplicaSet",
            "metadata": {"name": taken, "namespace": "default"},
            "spec": {"replicas": 0, "selector": {"matchLabels": {"app": "squatter"}},
                     "template": squatter}})
        await env.client.create(wanted)
        d = await rolled_out(env, "web", 1)
        assert d["status"]["collisionCount"] == 1
        rss = await replica_sets(env)
        assert f"web-{compute_hash(template, 1)}" in rss
        assert rss[taken]["metadata"].get("ownerReferences") is None
