"""The example cluster files load, and say what their comments promise."""

from __future__ import annotations

from pathlib import Path

import pytest

from kactors.api import load_manifest_file
from kactors.api.quantity import Quantity
from kactors.cluster import (
    ApplyAction,
    ClusterConfig,
    ConfigErrors,
    SetImageAction,
    load_config,
    parse_config,
)

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def load(name: str) -> ClusterConfig:
    return load_config(EXAMPLES / name)


@pytest.mark.parametrize("name", sorted(path.name for path in EXAMPLES.glob("*.toml")))
def test_example_loads_and_its_manifests_parse(name: str) -> None:
    config = load(name)
    assert config.manifests
    for path in config.manifests:
        assert load_manifest_file(path)
    # every image the manifests run is described in the file
    images = {
        container["image"]
        for path in config.manifests
        for obj in load_manifest_file(path)
        if obj["kind"] == "Deployment"
        for container in obj["spec"]["template"]["spec"]["containers"]
    }
    assert images <= set(config.images)


def test_the_teaching_cluster() -> None:
    config = load("cluster.toml")
    assert config.cluster.name == "demo" and config.cluster.clock == "virtual"
    assert config.cluster.duration == 120
    assert config.etcd.members == ("etcd-1", "etcd-2", "etcd-3")
    assert [node.name for node in config.nodes] == ["node-1", "node-2", "node-3"]
    assert {(node.cpu, node.memory) for node in config.nodes} == {
        (Quantity.parse("2"), Quantity.parse("4Gi"))}
    nginx = config.images["nginx:1.14.2"]
    assert (nginx.pull_time, nginx.start_time, nginx.ready_after) == (2, 0.5, 1)
    deployment, service = load_manifest_file(config.manifests[0])
    assert deployment["kind"] == "Deployment" and deployment["spec"]["replicas"] == 3
    assert deployment["spec"]["selector"]["matchLabels"] == {"app": "nginx"}
    assert service["kind"] == "Service" and service["metadata"]["name"] == "nginx"
    assert service["spec"]["selector"] == {"app": "nginx"}
    assert service["spec"]["ports"][0]["port"] == 80


def test_the_comment_of_the_teaching_cluster_shows_a_real_error() -> None:
    text = (EXAMPLES / "cluster.toml").read_text()
    shown = next(line for line in text.splitlines() if "nodes[0].memory" in line)
    promised = shown.lstrip("# ").removesuffix("...")
    broken = text.replace('memory = "4Gi"', 'memory = "4GB"')
    with pytest.raises(ConfigErrors) as info:
        parse_config(broken, "examples/cluster.toml", base_dir=EXAMPLES)
    assert str(info.value).startswith(promised)


def test_pending_asks_for_more_cpu_than_the_nodes_have() -> None:
    config = load("pending.toml")
    (hungry,) = load_manifest_file(config.manifests[0])
    container = hungry["spec"]["template"]["spec"]["containers"][0]
    request = Quantity.parse(container["resources"]["requests"]["cpu"])
    wanted = request * hungry["spec"]["replicas"]
    total = sum((node.cpu for node in config.nodes), Quantity(0))
    assert wanted > total
    assert all(request * 2 > node.cpu for node in config.nodes)  # one replica per node
    assert config.actions == ()  # the third replica stays Pending to the end


def test_rolling_update_changes_the_image_twice() -> None:
    config = load("rolling-update.toml")
    apply, set_image = config.actions
    assert isinstance(apply, ApplyAction) and isinstance(set_image, SetImageAction)
    (updated,) = load_manifest_file(apply.path)
    assert updated["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.16.1"
    assert (set_image.name, set_image.container, set_image.image) == (
        "nginx-deployment", "nginx", "nginx:1.27")
    assert {"nginx:1.14.2", "nginx:1.16.1", "nginx:1.27"} <= set(config.images)


def test_crashloop_image_crashes() -> None:
    config = load("crashloop.toml")
    crashy = config.images["example.com/crashy:1.0"]
    assert crashy.crash_after == 3 and crashy.exit_status == 1
    (fix,) = config.actions
    assert isinstance(fix, SetImageAction) and fix.image in config.images
    assert config.images[fix.image].crash_after is None
