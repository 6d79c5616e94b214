"""Loading cluster.toml: defaults, every section's values, every error with its line."""

from __future__ import annotations

from pathlib import Path

import pytest

from kactors.api.quantity import Quantity
from kactors.cluster import (
    CONTROLLERS,
    DEFAULT_WORKERS,
    ApplyAction,
    ClusterConfig,
    CrashNodeAction,
    DeleteAction,
    HealAction,
    ImageConfig,
    IsolateNodeAction,
    NodeGroup,
    RestartNodeAction,
    ScaleAction,
    SetImageAction,
    Taint,
    load_config,
)

from .helpers import DNS_LABEL, QUANTITY_FORMAT, errors, parse

# -- defaults ----------------------------------------------------------------------------


def test_an_empty_file_is_the_default_cluster() -> None:
    config = parse("")
    assert config == ClusterConfig()
    assert config.cluster.clock == "virtual" and config.cluster.duration == 60.0
    assert config.etcd.members == ("etcd-1", "etcd-2", "etcd-3")
    assert [node.name for node in config.nodes] == ["node-1", "node-2", "node-3"]
    assert [node.pod_cidr for node in config.nodes] == [
        "10.244.0.0/24", "10.244.1.0/24", "10.244.2.0/24"]
    assert config.controllers.enabled == CONTROLLERS
    assert dict(config.controllers.workers) == dict(DEFAULT_WORKERS)
    assert config.image("anything:1") == ImageConfig()
    assert ClusterConfig().source == "<defaults>" and config.source == "cluster.toml"


def test_records_are_frozen_and_their_mappings_read_only() -> None:
    config = parse('[[nodes]]\nlabels = { zone = "a" }\n')
    with pytest.raises(AttributeError):
        config.cluster = None  # type: ignore[misc]
    with pytest.raises(TypeError):
        config.node_groups[0].labels["zone"] = "b"  # type: ignore[index]
    with pytest.raises(TypeError):
        config.controllers.workers["job"] = 1  # type: ignore[index]


# -- every section, valid ----------------------------------------------------------------

FULL = """\
manifests = ["app.yaml"]

[cluster]
name = "lab"
seed = -7
clock = "real"
rate = 4
duration = 30.5
api_port = 0
api_address = "0.0.0.0"

[etcd]
count = 5
tick = 0.05
election_ticks = 20
heartbeat_ticks = 2
snapshot_entries = 100
pre_vote = false
check_quorum = false

[apiserver]
anonymous = false
watch_cache_size = 100
service_cidr = "10.0.0.0/16"

[[apiserver.users]]
name = "admin"
token = "t0ps3cret"
groups = ["system:masters"]

[[nodes]]
name = "big"
count = 2
cpu = 8
memory = "32Gi"
pods = 50
labels = { "topology.kubernetes.io/zone" = "z1" }
taints = [{ key = "dedicated", value = "db", effect = "NoSchedule" }]
pod_cidr = "10.100.0.0/16"

[[nodes]]
name = "small"
cpu = "500m"

[[nodes.taints]]
key = "spot"
effect = "NoExecute"

[images."job:1"]
run_time = 5
exit_code = 3
memory = "64Mi"
logs = ["working", "done"]
spread = 0.5

[images.crashy]
crash_after = 2.5
readiness = "flapping"
liveness_fails_after = 10
missing = true

[controllers]
enabled = ["job", "deployment"]
workers = { job = 2 }
max_endpoints_per_slice = 50

[scheduler]
weights = { NodeAffinity = 0, TaintToleration = 7 }
percentage_of_nodes_to_score = 50

[log]
format = "json"
level = "debug"
filters = ["pod.", "raft."]
trace_messages = true

[[actions]]
at = 50
heal = true

[[actions]]
at = 10
apply = "app.yaml"
namespace = "team-a"

[[actions]]
at = 10
delete = "svc/web"

[[actions]]
at = 20
scale = "deploy/web"
replicas = 0

[[actions]]
at = 20
set_image = "statefulsets.apps/db"
container = "db"
image = "postgres:16"
namespace = "data"

[[actions]]
at = 30
crash_node = "big-1"

[[actions]]
at = 31
isolate_node = "etcd-5"

[[actions]]
at = 40
restart_node = "small-1"
"""


def test_every_key_of_every_section(tmp_path: Path) -> None:
    (tmp_path / "app.yaml").write_text("kind: List\n")
    config = parse(FULL, tmp_path)
    cluster = config.cluster
    assert (cluster.name, cluster.seed, cluster.clock, cluster.rate, cluster.duration,
            cluster.api_port, cluster.api_address) == ("lab", -7, "real", 4.0, 30.5, 0,
                                                       "0.0.0.0")
    assert isinstance(cluster.rate, float)
    etcd = config.etcd
    assert etcd.members == ("etcd-1", "etcd-2", "etcd-3", "etcd-4", "etcd-5")
    assert (etcd.tick, etcd.election_ticks, etcd.heartbeat_ticks, etcd.snapshot_entries,
            etcd.pre_vote, etcd.check_quorum) == (0.05, 20, 2, 100, False, False)
    api = config.apiserver
    assert (api.anonymous, api.watch_cache_size, api.service_cidr) == (False, 100,
                                                                       "10.0.0.0/16")
    assert [(user.name, user.token, user.groups) for user in api.users] == [
        ("admin", "t0ps3cret", ("system:masters",))]
    big, small = config.node_groups
    assert big == NodeGroup(
        name="big", count=2, cpu=Quantity.parse("8"), memory=Quantity.parse("32Gi"), pods=50,
        labels={"topology.kubernetes.io/zone": "z1"},
        taints=(Taint("dedicated", "NoSchedule", "db"),), pod_cidr="10.100.0.0/16")
    assert small.cpu == Quantity.parse("0.5") and small.count == 1
    assert small.taints == (Taint("spot", "NoExecute"),)
    assert [(node.name, node.group, node.pod_cidr) for node in config.nodes] == [
        ("big-1", "big", "10.100.0.0/24"),
        ("big-2", "big", "10.100.1.0/24"),
        ("small-1", "small", "10.244.2.0/24"),  # the default range, by cluster node number
    ]
    assert config.images["job:1"] == ImageConfig(
        run_time=5.0, exit_code=3, memory=Quantity.parse("64Mi"), logs=("working", "done"),
        spread=0.5)
    assert config.images["job:1"].exit_status == 3
    crashy = config.image("crashy")
    assert (crashy.crash_after, crashy.readiness, crashy.liveness_fails_after,
            crashy.missing, crashy.exit_status) == (2.5, "flapping", 10.0, True, 1)
    assert config.controllers.enabled == ("job", "deployment")
    assert config.controllers.workers["job"] == 2
    assert config.controllers.workers["deployment"] == 5
    assert config.controllers.max_endpoints_per_slice == 50
    assert dict(config.scheduler.weights) == {
        "NodeResourcesFit": 1, "NodeResourcesBalancedAllocation": 1, "NodeAffinity": 0,
        "TaintToleration": 7}
    assert config.scheduler.percentage_of_nodes_to_score == 50
    log = config.log
    assert (log.format, log.level, log.filters, log.trace_messages) == (
        "json", "debug", ("pod.", "raft."), True)
    assert config.manifests == (tmp_path / "app.yaml",)
    assert config.actions == (  # sorted by time, ties in file order
        ApplyAction(10.0, tmp_path / "app.yaml", "team-a"),
        DeleteAction(10.0, "svc", "web"),
        ScaleAction(20.0, "deploy", "web", replicas=0),
        SetImageAction(20.0, "statefulsets.apps", "db", container="db", image="postgres:16",
                       namespace="data"),
        CrashNodeAction(30.0, "big-1"),
        IsolateNodeAction(31.0, "etcd-5"),
        RestartNodeAction(40.0, "small-1"),
        HealAction(50.0),
    )


def test_image_exit_status() -> None:
    assert ImageConfig().exit_status is None
    assert ImageConfig(run_time=1).exit_status == 0
    assert ImageConfig(crash_after=1).exit_status == 1
    assert ImageConfig(crash_after=1, exit_code=137).exit_status == 137


# -- secrets -----------------------------------------------------------------------------


def test_tokens_never_appear_in_repr_str_or_errors() -> None:
    config = parse("""\
        [[apiserver.users]]
        name = "alice"
        token = "hunter2-very-secret"
        """)
    user = config.apiserver.users[0]
    assert user.token == "hunter2-very-secret"
    for text in (repr(config), str(config), repr(user), str(user), repr(user.token)):
        assert "hunter2" not in text
    assert repr(user) == "User(name='alice', groups=())"
    # a wrong type or a duplicate names the user, never the value
    assert errors("""\
        [[apiserver.users]]
        name = "a"
        token = 123456789
        [[apiserver.users]]
        name = "b"
        token = "hunter2-very-secret"
        [[apiserver.users]]
        name = "c"
        token = "hunter2-very-secret"
        """) == [
        "cluster.toml:3: apiserver.users[0].token: expected a string, got integer",
        "cluster.toml:9: apiserver.users[2].token: same token as users[1]: tokens must be unique",
    ]


# -- errors, section by section ----------------------------------------------------------


def test_unknown_top_level_key() -> None:
    assert errors("nodez = 1\n") == [
        "cluster.toml:1: unknown key 'nodez' (expected one of: cluster, etcd, apiserver, "
        "nodes, images, controllers, scheduler, metrics_server, ingress, manifests, actions, "
        "log)"
    ]


def test_top_level_key_after_a_table_gets_a_hint() -> None:
    assert errors("""\
        [log]
        level = "info"
        manifests = []
        """) == [
        "cluster.toml:3: log: unknown key 'manifests' (expected one of: format, level, "
        "filters, trace_messages); a top-level key such as 'manifests' must come before "
        "the first [table] of the file"
    ]


def test_cluster_errors() -> None:
    assert errors("""\
        [cluster]
        name = "Demo_1"
        seed = "3"
        clock = "fast"
        duration = 0
        api_port = 70000
        api_address = "localhost"
        color = true
        """) == [
        f'cluster.toml:2: cluster.name: invalid name "Demo_1": {DNS_LABEL}',
        'cluster.toml:3: cluster.seed: expected an integer, got string "3"',
        'cluster.toml:4: cluster.clock: unknown value "fast" (expected one of: "virtual", '
        '"real")',
        "cluster.toml:5: cluster.duration: must be greater than 0, got 0",
        "cluster.toml:6: cluster.api_port: must be between 0 and 65535, got 70000",
        'cluster.toml:7: cluster.api_address: invalid address "localhost": expected an IPv4 '
        'address such as "127.0.0.1"',
        "cluster.toml:8: cluster: unknown key 'color' (expected one of: name, seed, clock, "
        "rate, duration, api_port, api_address)",
    ]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("duration = nan", "must be a finite number, got nan"),
        ("duration = inf", "must be a finite number, got inf"),
        ("duration = true", "expected a number, got boolean true"),
        ("duration = [1]", "expected a number, got an array"),
        ("duration = { s = 1 }", "expected a number, got a table"),
        ("duration = 1979-05-27", "expected a number, got date 1979-05-27"),
        ("seed = 1.0", "expected an integer, got float 1.0"),
        ('name = "' + "x" * 70 + '"',
         'invalid name "' + "x" * 55 + '...": must be no more than 63 characters'),
    ],
)
def test_value_types_and_rendering(line: str, message: str) -> None:
    key = line.split(" ")[0]
    assert errors(f"[cluster]\n{line}\n") == [f"cluster.toml:2: cluster.{key}: {message}"]


def test_rate_only_with_the_real_clock() -> None:
    assert parse('[cluster]\nclock = "real"\nrate = 0.5\n').cluster.rate == 0.5
    assert errors("[cluster]\nrate = 2\n") == [
        'cluster.toml:2: cluster.rate: only applies to clock "real" (virtual time has no speed)'
    ]
    assert errors('[cluster]\nclock = "real"\nrate = 0\n') == [
        "cluster.toml:3: cluster.rate: must be greater than 0, got 0"
    ]


def test_etcd_errors() -> None:
    assert errors("""\
        [etcd]
        members = ["etcd-1", "etcd-1", "Etcd"]
        count = 0
        tick = 0
        election_ticks = 2
        heartbeat_ticks = 2
        snapshot_entries = 1.5
        pre_vote = "yes"
        """) == [
        'cluster.toml:2: etcd.members[1]: duplicate member name "etcd-1"',
        f'cluster.toml:2: etcd.members[2]: invalid name "Etcd": {DNS_LABEL}',
        "cluster.toml:3: etcd.count: give either members or count, not both",
        "cluster.toml:3: etcd.count: must be at least 1, got 0",
        "cluster.toml:4: etcd.tick: must be greater than 0, got 0",
        "cluster.toml:5: etcd.election_ticks: must be greater than heartbeat_ticks (2), got 2",
        "cluster.toml:7: etcd.snapshot_entries: expected an integer, got float 1.5",
        'cluster.toml:8: etcd.pre_vote: expected a boolean (true or false), got string "yes"',
    ]
    assert errors("[etcd]\nheartbeat_ticks = 12\n") == [
        "cluster.toml:2: etcd.heartbeat_ticks: must be less than election_ticks (10), got 12"
    ]
    assert errors("[etcd]\nmembers = []\n") == [
        "cluster.toml:2: etcd.members: a cluster needs at least one etcd member"
    ]


def test_etcd_member_and_node_names_must_differ() -> None:
    assert errors('[etcd]\nmembers = ["node-2"]\n') == [
        'cluster.toml:2: etcd.members: node "node-2" would have the name of an etcd member'
    ]
    assert errors("""\
        [etcd]
        count = 3
        [[nodes]]
        name = "etcd"
        count = 2
        """) == ['cluster.toml:4: nodes[0].name: node "etcd-1" would have the name of an '
                 'etcd member']


def test_apiserver_errors() -> None:
    assert errors("""\
        [[apiserver.users]]
        token = "x"
        groups = ["system:masters", "", 3]
        colour = 1
        [[apiserver.users]]
        name = "bob"
        token = ""
        [apiserver]
        anonymous = 1
        watch_cache_size = 0
        service_cidr = "10.96.0.1/12"
        """) == [
        "cluster.toml:1: apiserver.users[0]: missing required key 'name'",
        "cluster.toml:3: apiserver.users[0].groups[1]: must not be empty",
        "cluster.toml:3: apiserver.users[0].groups[2]: expected a string, got integer 3",
        "cluster.toml:4: apiserver.users[0]: unknown key 'colour' (expected one of: name, "
        "token, groups)",
        "cluster.toml:7: apiserver.users[1].token: must not be empty",
        "cluster.toml:9: apiserver.anonymous: expected a boolean (true or false), got integer 1",
        "cluster.toml:10: apiserver.watch_cache_size: must be at least 1, got 0",
        'cluster.toml:11: apiserver.service_cidr: invalid CIDR "10.96.0.1/12": host bits are '
        'set (the network is "10.96.0.0/12")',
    ]
    assert errors('[apiserver]\nservice_cidr = "10.96.0.0"\nusers = 3\n') == [
        'cluster.toml:2: apiserver.service_cidr: invalid CIDR "10.96.0.0": expected an IPv4 '
        'network such as "10.96.0.0/12"',
        "cluster.toml:3: apiserver.users: expected an array of tables, got integer 3",
    ]


def test_node_errors() -> None:
    assert errors("""\
        [[nodes]]
        count = 0
        cpu = "two"
        memory = "8GB"
        pods = 0
        labels = { "bad key!" = "x", zone = "a b", n = 3 }
        taints = [{ key = "k", effect = "NoSchedul" }, { value = "v" }, 7]
        cpus = 2
        """) == [
        "cluster.toml:2: nodes[0].count: must be at least 1, got 0",
        f'cluster.toml:3: nodes[0].cpu: invalid quantity "two": {QUANTITY_FORMAT}',
        f'cluster.toml:4: nodes[0].memory: invalid quantity "8GB": {QUANTITY_FORMAT}',
        "cluster.toml:5: nodes[0].pods: must be at least 1, got 0",
        'cluster.toml:6: nodes[0].labels."bad key!": invalid label key "bad key!": name part '
        "must consist of alphanumeric characters, '-', '_' or '.', and must start and end "
        "with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex "
        "used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
        'cluster.toml:6: nodes[0].labels.zone: invalid label value "a b": a valid label must '
        "be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must "
        "start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or "
        "'12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
        "cluster.toml:6: nodes[0].labels.n: expected a string, got integer 3",
        'cluster.toml:7: nodes[0].taints[0].effect: unknown effect "NoSchedul" (expected one '
        'of: "NoSchedule", "PreferNoSchedule", "NoExecute")',
        "cluster.toml:7: nodes[0].taints[1]: missing required key 'key'",
        "cluster.toml:7: nodes[0].taints[1]: missing required key 'effect'",
        "cluster.toml:7: nodes[0].taints[2]: expected a table, got integer 7",
        "cluster.toml:8: nodes[0]: unknown key 'cpus' (expected one of: name, count, cpu, "
        "memory, pods, labels, taints, pod_cidr)",
    ]


def test_quantities_must_be_positive() -> None:
    assert errors('[[nodes]]\ncpu = 0\nmemory = "-1Gi"\n') == [
        "cluster.toml:2: nodes[0].cpu: must be greater than 0, got 0",
        'cluster.toml:3: nodes[0].memory: must be greater than 0, got "-1Gi"',
    ]
    assert errors("[[nodes]]\ncpu = true\n") == [
        'cluster.toml:2: nodes[0].cpu: expected a quantity (a string such as "4Gi" or a '
        "number), got boolean true"
    ]


def test_node_group_names_and_pod_cidrs() -> None:
    assert errors("""\
        [[nodes]]
        count = 2
        [[nodes]]
        pod_cidr = "10.244.1.0/24"
        [[nodes]]
        name = "wide"
        count = 3
        pod_cidr = "10.1.0.0/23"
        [[nodes]]
        name = "x"
        count = 1000
        """) == [
        'cluster.toml:3: nodes[1].name: duplicate node group name "node" (also nodes[0])',
        "cluster.toml:4: nodes[1].pod_cidr: pod addresses overlap those of nodes[0] "
        '(group "node")',
        "cluster.toml:8: nodes[2].pod_cidr: too small for 3 nodes (a /24 each): 10.1.0.0/23 "
        "has room for 2",
        "cluster.toml:9: nodes[3]: too many nodes for the default pod network 10.244.0.0/16 "
        "(a /24 each, 256 in all): give this group a pod_cidr",
    ]
    assert errors('[[nodes]]\nname = "' + "n" * 60 + '"\ncount = 100\n') == [
        "cluster.toml:2: nodes[0].name: node names must be at most 63 characters, but "
        f'"{"n" * 60}-100" has 64'
    ]
    # one node may take any range; several need a /24 each
    config = parse('[[nodes]]\npod_cidr = "10.9.9.0/28"\n[[nodes]]\nname = "b"\ncount = 2\n')
    assert [node.pod_cidr for node in config.nodes] == [
        "10.9.9.0/28", "10.244.1.0/24", "10.244.2.0/24"]


def test_no_node_groups_is_a_cluster_without_nodes() -> None:
    assert parse("nodes = []\n").nodes == ()


def test_image_errors() -> None:
    assert errors("""\
        [images."nginx:1.27"]
        pull_time = -1
        run_time = 5
        crash_after = 3
        exit_code = 300
        readiness = "sometimes"
        spread = 1.5
        memory = "lots"
        logs = ["a", 3]
        pulltime = 1
        [images."bad name"]
        [images.nginx]
        exit_code = 1
        [images]
        busybox = 3
        """) == [
        "cluster.toml:2: images.\"nginx:1.27\".pull_time: must be at least 0, got -1",
        'cluster.toml:4: images."nginx:1.27".crash_after: cannot be combined with run_time: '
        "a container either exits (run_time) or crashes (crash_after)",
        'cluster.toml:5: images."nginx:1.27".exit_code: must be between 0 and 255, got 300',
        'cluster.toml:6: images."nginx:1.27".readiness: unknown value "sometimes" (expected '
        'one of: "ready", "never", "flapping")',
        'cluster.toml:7: images."nginx:1.27".spread: must be between 0 and 1, got 1.5',
        f'cluster.toml:8: images."nginx:1.27".memory: invalid quantity "lots": '
        f"{QUANTITY_FORMAT}",
        'cluster.toml:9: images."nginx:1.27".logs[1]: expected a string, got integer 3',
        "cluster.toml:10: images.\"nginx:1.27\": unknown key 'pulltime' (expected one of: "
        "pull_time, start_time, run_time, exit_code, crash_after, memory, memory_ramp, cpu, "
        "cpu_per_request, ready_after, readiness, liveness_fails_after, missing, logs, spread)",
        'cluster.toml:11: images."bad name": invalid image name "bad name": must not contain '
        "whitespace",
        "cluster.toml:13: images.nginx.exit_code: needs run_time or crash_after: without them "
        "the container never exits",
        "cluster.toml:15: images.busybox: expected a table, got integer 3",
    ]


def test_controllers_scheduler_and_log_errors() -> None:
    assert errors("""\
        [controllers]
        enabled = ["deployment", "deploymnt", "deployment"]
        [controllers.workers]
        deployment = 0
        hpa = 2
        [scheduler]
        percentage_of_nodes_to_score = 101
        [scheduler.weights]
        NodeResourcesFit = -1
        ImageLocality = 1
        [log]
        format = "xml"
        level = "verbose"
        filters = [""]
        trace_messages = 1
        """) == [
        'cluster.toml:2: controllers.enabled[1]: unknown controller "deploymnt" (expected '
        'one of: "deployment", "replicaset", "endpoints", "endpointslice", '
        '"endpointslicemirroring", "namespace", "garbagecollector", '
        '"serviceaccount", "serviceaccount-token", "root-ca-cert-publisher", "job", '
        '"ttl-after-finished", "daemonset", "statefulset", "nodelifecycle", "disruption", '
        '"cronjob", "resourcequota", "persistentvolume-binder", '
        '"horizontalpodautoscaling")',
        'cluster.toml:2: controllers.enabled[2]: duplicate controller "deployment"',
        "cluster.toml:4: controllers.workers.deployment: must be at least 1, got 0",
        "cluster.toml:5: controllers.workers: unknown key 'hpa' (expected one of: "
        "deployment, replicaset, endpoints, endpointslice, endpointslicemirroring, namespace, "
        "garbagecollector, serviceaccount, serviceaccount-token, root-ca-cert-publisher, job, "
        "ttl-after-finished, daemonset, statefulset, nodelifecycle, disruption, cronjob, "
        "resourcequota, persistentvolume-binder, horizontalpodautoscaling)",
        "cluster.toml:7: scheduler.percentage_of_nodes_to_score: must be between 0 and 100, "
        "got 101",
        "cluster.toml:9: scheduler.weights.NodeResourcesFit: must be at least 0, got -1",
        "cluster.toml:10: scheduler.weights: unknown key 'ImageLocality' (expected one of: "
        "NodeResourcesFit, NodeResourcesBalancedAllocation, NodeAffinity, TaintToleration)",
        'cluster.toml:12: log.format: unknown value "xml" (expected one of: "console", "json")',
        'cluster.toml:13: log.level: unknown value "verbose" (expected one of: "debug", '
        '"info", "warning", "error", "critical", "off")',
        "cluster.toml:14: log.filters[0]: must not be empty",
        "cluster.toml:15: log.trace_messages: expected a boolean (true or false), got "
        "integer 1",
    ]
    assert errors('controllers = "all"\n') == [
        'cluster.toml:1: controllers: expected a table, got string "all"'
    ]
    assert errors("[controllers]\nmax_endpoints_per_slice = 1001\n") == [
        "cluster.toml:2: controllers.max_endpoints_per_slice: must be between 1 and 1000, "
        "got 1001"
    ]


def test_manifests_must_exist(tmp_path: Path) -> None:
    (tmp_path / "ok.yaml").write_text("{}")
    (tmp_path / "folder").mkdir()
    assert errors('manifests = ["ok.yaml", "missing.yaml", 3, "folder", ""]\n',
                  tmp_path) == [
        f'cluster.toml:1: manifests[1]: file not found: "{tmp_path}/missing.yaml"',
        "cluster.toml:1: manifests[2]: expected a string, got integer 3",
        f'cluster.toml:1: manifests[3]: not a file: "{tmp_path}/folder"',
        "cluster.toml:1: manifests[4]: must not be empty",
    ]
    assert errors('manifests = "ok.yaml"\n', tmp_path) == [
        'cluster.toml:1: manifests: expected an array, got string "ok.yaml"'
    ]


def test_manifests_are_relative_to_the_toml_file(tmp_path: Path) -> None:
    (tmp_path / "manifests").mkdir()
    (tmp_path / "manifests" / "app.yaml").write_text("{}")
    (tmp_path / "cluster.toml").write_text('manifests = ["manifests/app.yaml"]\n')
    config = load_config(tmp_path / "cluster.toml")
    assert config.manifests == (tmp_path / "manifests" / "app.yaml",)
    assert config.source == str(tmp_path / "cluster.toml")


def test_action_errors() -> None:
    assert errors("""\
        [[actions]]
        at = -1
        scale = "service/x"
        [[actions]]
        at = 5
        delete = "deployment"
        replicas = 3
        [[actions]]
        at = 5
        [[actions]]
        at = 1
        crash_node = "node-9"
        isolate_node = "node-1"
        [[actions]]
        at = 1
        crash_node = "node-9"
        [[actions]]
        heal = false
        at = 2
        [[actions]]
        at = 3
        set_image = "deployment/web"
        image = ""
        [[actions]]
        at = 3
        apply = "nope.yaml"
        namespace = "Bad"
        [[actions]]
        restart_node = "node-1"
        """) == [
        "cluster.toml:1: actions[0]: missing required key 'replicas'",
        "cluster.toml:2: actions[0].at: must be at least 0, got -1",
        'cluster.toml:3: actions[0].scale: invalid target "service/x": expected one of these '
        "kinds: deployment, replicaset, statefulset",
        'cluster.toml:6: actions[1].delete: invalid target "deployment": expected '
        '"kind/name", such as "deployment/nginx"',
        "cluster.toml:7: actions[1]: unknown key 'replicas' for a delete action (expected one "
        "of: at, delete, namespace)",
        "cluster.toml:8: actions[2]: missing what to do (one of: apply, delete, scale, "
        "set_image, crash_node, isolate_node, heal, restart_node, connect, request, drain, "
        "uncordon)",
        "cluster.toml:10: actions[3]: an action does one thing, found 2: crash_node, "
        "isolate_node (give each its own [[actions]])",
        'cluster.toml:16: actions[4].crash_node: unknown node "node-9" (expected a node or '
        'an etcd member: "node-1", "node-2", "node-3", "etcd-1", "etcd-2", "etcd-3")',
        "cluster.toml:18: actions[5].heal: expected true, got boolean false",
        "cluster.toml:20: actions[6]: missing required key 'container'",
        "cluster.toml:23: actions[6].image: must not be empty",
        'cluster.toml:26: actions[7].apply: file not found: "/nonexistent/nope.yaml"',
        f'cluster.toml:27: actions[7].namespace: invalid namespace "Bad": {DNS_LABEL}',
        "cluster.toml:28: actions[8]: missing required key 'at'",
    ]


def test_action_targets_resolve_like_kubectl() -> None:
    config = parse("""\
        [[actions]]
        at = 1
        scale = "rs/web"
        replicas = 1
        [[actions]]
        at = 2
        set_image = "DaemonSet/agent"
        container = "agent"
        image = "agent:2"
        [[actions]]
        at = 3
        delete = "websites.example.com/hello"
        """)
    assert [type(action).__name__ for action in config.actions] == [
        "ScaleAction", "SetImageAction", "DeleteAction"]
    assert errors("""\
        [[actions]]
        at = 1
        set_image = "pod/web"
        container = "Web"
        image = "x"
        [[actions]]
        at = 2
        delete = "a/b/c"
        """) == [
        'cluster.toml:3: actions[0].set_image: invalid target "pod/web": expected one of these '
        "kinds: deployment, daemonset, statefulset, replicaset",
        f'cluster.toml:4: actions[0].container: invalid container name "Web": {DNS_LABEL}',
        'cluster.toml:8: actions[1].delete: invalid target "a/b/c": expected "kind/name", such '
        'as "deployment/nginx"',
    ]


def test_node_actions_accept_any_name_when_the_nodes_are_invalid() -> None:
    # the bad count makes node names unknowable: no second, misleading error
    assert errors("""\
        [[nodes]]
        name = "w"
        count = "3"
        [[actions]]
        at = 1
        crash_node = "w-3"
        """) == ['cluster.toml:3: nodes[0].count: expected an integer, got string "3"']


def test_every_error_of_a_file_at_once(tmp_path: Path) -> None:
    text = """\
        nodez = 1
        manifests = ["missing.yaml"]

        [cluster]
        seed = "3"

        [etcd]
        tick = -1

        [[nodes]]
        memory = "8GB"

        [images."nginx:1.27"]
        spread = 2

        [log]
        level = "loud"

        [[actions]]
        at = 1
        scale = "deployment/web"
        replicas = -1
        """
    found = errors(text, tmp_path)
    assert found == [
        "cluster.toml:1: unknown key 'nodez' (expected one of: cluster, etcd, apiserver, "
        "nodes, images, controllers, scheduler, metrics_server, ingress, manifests, actions, "
        "log)",
        f'cluster.toml:2: manifests[0]: file not found: "{tmp_path}/missing.yaml"',
        'cluster.toml:5: cluster.seed: expected an integer, got string "3"',
        "cluster.toml:8: etcd.tick: must be greater than 0, got -1",
        f'cluster.toml:11: nodes[0].memory: invalid quantity "8GB": {QUANTITY_FORMAT}',
        'cluster.toml:14: images."nginx:1.27".spread: must be between 0 and 1, got 2',
        'cluster.toml:17: log.level: unknown value "loud" (expected one of: "debug", "info", '
        '"warning", "error", "critical", "off")',
        "cluster.toml:22: actions[0].replicas: must be at least 0, got -1",
    ]


def test_long_host_lists_are_cut() -> None:
    found = errors('[[nodes]]\ncount = 20\n[[actions]]\nat = 1\nisolate_node = "x"\n')
    assert found == [
        'cluster.toml:5: actions[0].isolate_node: unknown node "x" (expected a node or an '
        'etcd member: "node-1", "node-2", "node-3", "node-4", "node-5", "node-6", "node-7", '
        '"node-8", "node-9", "node-10", "node-11", "node-12", ...)'
    ]


def test_parse_config_is_deterministic(tmp_path: Path) -> None:
    (tmp_path / "app.yaml").write_text("{}")
    assert parse(FULL, tmp_path) == parse(FULL, tmp_path)
    assert repr(parse(FULL, tmp_path)) == repr(parse(FULL, tmp_path))


def test_stray_keys_are_named_with_the_keys_of_that_verb() -> None:
    assert errors("""\
        [[actions]]
        at = 1
        apply = "x.yaml"
        replicas = 2
        [[actions]]
        at = 2
        heal = "yes"
        node = "node-1"
        """) == [
        'cluster.toml:3: actions[0].apply: file not found: "/nonexistent/x.yaml"',
        "cluster.toml:4: actions[0]: unknown key 'replicas' for an apply action (expected one "
        "of: at, apply, namespace)",
        'cluster.toml:7: actions[1].heal: expected true, got string "yes"',
        "cluster.toml:8: actions[1]: unknown key 'node' for a heal action (expected one of: "
        "at, heal)",
    ]


def test_actions_may_target_etcd_members_and_not_when_etcd_is_invalid() -> None:
    config = parse('[etcd]\nmembers = ["a", "b", "c"]\n[[actions]]\nat = 1\ncrash_node = "b"\n')
    assert config.actions == (CrashNodeAction(1.0, "b"),)
    assert errors('[etcd]\nmembers = ["a", "a"]\n[[actions]]\nat = 1\ncrash_node = "b"\n') == [
        'cluster.toml:2: etcd.members[1]: duplicate member name "a"'
    ]


def test_a_connect_action_needs_a_namespaced_service_and_a_port() -> None:
    from kactors.cluster import ConfigErrors, ConnectAction, parse_config

    config = parse_config('[[actions]]\nat = 5\nconnect = "default/web"\nport = 80\ncount = 3\n',
                          "c.toml")
    assert config.actions == (ConnectAction(5.0, "default/web", 80, 3, None),)
    try:
        parse_config('[[actions]]\nat = 5\nconnect = "web"\n', "c.toml")
    except ConfigErrors as errors:
        text = str(errors)
    else:
        raise AssertionError("a bad connect action was accepted")
    assert 'c.toml:3: actions[0].connect: invalid service "web": expected "namespace/name"' in text
    assert "c.toml:1: actions[0]: missing required key 'port'" in text
