"""The test harness (`cluster_harness`) and the pytest plugin's `kactors_cluster` fixture."""

from __future__ import annotations

from pathlib import Path

import pytest
import trio

from kactors.testing.harness import WaitTimeout, cluster_harness

from .helpers import deployment

# as a project's top-level conftest.py would (its marker is registered in our conftest,
# since this module's marks are evaluated before its plugins are loaded)
pytest_plugins = ["kactors.testing.pytest_plugin"]

YAML = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: from-yaml
data:
  greeting: hello
---
apiVersion: v1
kind: Namespace
metadata:
  name: team
"""

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "website"


async def test_apply_takes_yaml_text_objects_and_files_and_patches_existing_ones(
        autojump_clock):
    async with cluster_harness(seed=1) as cluster:
        made = await cluster.apply(YAML)
        assert [(o["kind"], o["metadata"]["name"]) for o in made] == [
            ("ConfigMap", "from-yaml"), ("Namespace", "team")]
        assert made[0]["metadata"]["namespace"] == "default"
        # an existing object is patched: what the manifest leaves out stays
        await cluster.apply({"apiVersion": "v1", "kind": "ConfigMap",
                             "metadata": {"name": "from-yaml"}, "data": {"extra": "1"}})
        stored = await cluster.get("configmap/from-yaml")
        assert stored["data"] == {"greeting": "hello", "extra": "1"}
        in_team = (await cluster.apply({"apiVersion": "v1", "kind": "ConfigMap",
                                        "metadata": {"name": "x"}}, namespace="team"))[0]
        assert in_team["metadata"]["namespace"] == "team"
        crd, = await cluster.apply(EXAMPLE / "website-crd.yaml")
        assert any(c["type"] == "Established" for c in crd["status"]["conditions"])
        site, = await cluster.apply(EXAMPLE / "website.yaml")
        assert site["spec"]["replicas"] == 2
        assert [o["metadata"]["name"] for o in await cluster.list("websites")] == ["hello"]
        assert await cluster.get("Website", "nope") is None
        assert (await cluster.delete("website/hello"))["metadata"]["name"] == "hello"
        assert await cluster.delete("website/hello") is None
        await cluster.wait_gone("website/hello")


async def test_wait_for_matches_fields_and_predicates_and_times_out_clearly(autojump_clock):
    async with cluster_harness(seed=2) as cluster:
        async def scale_later():
            await cluster.sleep(5)
            await cluster.apply(deployment("web", replicas=3))

        await cluster.apply(deployment("web", replicas=1))
        async with trio.open_nursery() as nursery:
            nursery.start_soon(scale_later)
            found = await cluster.wait_for("deployment/web", spec__replicas=3, timeout=10)
        assert cluster.now() == pytest.approx(5.0, abs=0.2)
        assert found["spec"]["replicas"] == 3
        assert await cluster.wait_for("Deployment", "web", replicas=3)  # spec, as no status
        assert await cluster.wait_for("deployment/web",
                                      predicate=lambda d: d["metadata"]["generation"] == 2)
        start = cluster.now()
        with pytest.raises(WaitTimeout) as caught:
            await cluster.wait_for("deployment/web", ready_replicas=3, timeout=2)
        assert str(caught.value) == ("deployment default/web: no ready_replicas=3 after 2 s; "
                                     "last seen: ready_replicas=<missing>")
        assert cluster.now() - start == pytest.approx(2.0, abs=0.11)
        with pytest.raises(WaitTimeout, match="no existence after 1 s; last seen: nothing"):
            await cluster.wait_for("deployment/nope", timeout=1)
        with pytest.raises(WaitTimeout, match="deployment web still exists after 1 s"):
            await cluster.wait_gone("deployment/web", timeout=1)
        with pytest.raises(ValueError, match="name the object"):
            await cluster.wait_for("Deployment")


async def test_the_harness_gives_logs_actors_and_the_controller_manager(autojump_clock):
    async with cluster_harness(seed=3) as cluster:
        assert repr(cluster) == "<Cluster seed=3 t=0>"
        assert cluster.logs("apiserver.ready")[0]["actor"] == "/apiserver"
        assert cluster.actor("/harness") is cluster.actor(cluster.probe)
        with pytest.raises(LookupError, match="no controller-manager yet"):
            cluster.informers  # noqa: B018
        manager = await cluster.controller_manager()
        assert manager.path == "/controller-manager"
        assert cluster.informers.path == "/controller-manager/informers"
        with pytest.raises(LookupError, match="no actor at '/nope'"):
            cluster.actor("/nope")


@pytest.mark.kactors(seed=11, watch_cache_size=7)
async def test_the_plugin_fixture_is_a_seeded_cluster_in_virtual_time(kactors_cluster):
    cluster = kactors_cluster
    assert cluster.system.seed == 11
    assert cluster.actor(cluster.apiserver).config.watch_cache_size == 7
    clock = trio.lowlevel.current_clock()
    assert isinstance(clock, trio.testing.MockClock) and clock.autojump_threshold == 0
    await cluster.sleep(600)
    assert cluster.now() == 600
