"""The small pure pieces: back-off, IPAM, durations, logs, probes, config references."""

from __future__ import annotations

import pytest

from kactors.node import (
    Backoff,
    FileSpec,
    Health,
    ImageBehavior,
    ImageStore,
    IPAllocator,
    IPExhaustedError,
    LogSpec,
    check_volumes,
    go_duration,
    probe_spec,
    render_logs,
    resolve_env,
    run_probe,
)

# -- back-off ---------------------------------------------------------------------------


def test_crash_backoff_sequence_doubles_to_five_minutes() -> None:
    backoff = Backoff()
    delays = []
    now = 0.0
    for _ in range(9):
        if backoff.in_backoff_since(now, now):
            now += backoff.duration  # wait it out
        delays.append(backoff.next(now, now))
        now += 5  # runs 5 s, crashes again
    assert delays == [10, 20, 40, 80, 160, 300, 300, 300, 300]


def test_backoff_resets_after_ten_quiet_minutes() -> None:
    backoff = Backoff()
    backoff.next(0, 0)
    backoff.next(10, 10)
    assert backoff.duration == 20
    assert not backoff.in_backoff_since(611, 611)  # expired: restart at once
    assert backoff.next(611, 611) == 10


def test_backoff_since_update_and_float_edges() -> None:
    backoff = Backoff()
    assert not backoff.in_backoff_since_update(0)
    backoff.next(0.1, 0.1)
    assert backoff.in_backoff_since_update(10.09)
    assert not backoff.in_backoff_since_update(0.1 + 10.0)
    assert not backoff.in_backoff_since(0.1, 0.1 + 10.0)


# -- IPAM -------------------------------------------------------------------------------


def test_ips_come_from_the_cidr_after_the_gateway() -> None:
    ipam = IPAllocator("10.244.1.0/24")
    assert ipam.gateway == "10.244.1.1"
    assert ipam.capacity == 253
    assert [ipam.allocate(f"pod-{i}") for i in range(3)] == ["10.244.1.2", "10.244.1.3", "10.244.1.4"]
    assert ipam.allocate("pod-1") == "10.244.1.3"  # idempotent per owner


def test_ips_are_unique_and_not_reused_at_once() -> None:
    ipam = IPAllocator("10.0.0.0/29")  # .2 to .6
    ips = [ipam.allocate(str(i)) for i in range(5)]
    assert len(set(ips)) == 5
    with pytest.raises(IPExhaustedError) as caught:
        ipam.allocate("one-too-many")
    assert str(caught.value) == (
        "failed to allocate for range 0: no IP addresses available in range set: 10.0.0.1-10.0.0.6"
    )
    assert ipam.release("1") == "10.0.0.3"
    assert ipam.release("1") is None
    assert ipam.allocate("new") == "10.0.0.3"  # the only free one
    ipam.release("0")
    ipam.release("2")
    assert ipam.allocate("newer") == "10.0.0.4"  # round-robin: after the last handed out
    assert list(ipam.in_use()) == sorted(ipam.in_use(), key=lambda ip: int(ip.rsplit(".", 1)[1]))


def test_ipam_rejects_tiny_ranges() -> None:
    with pytest.raises(ValueError, match="too small"):
        IPAllocator("10.0.0.0/31")


# -- Go durations -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "0s"), (0.25, "250ms"), (2.1, "2.1s"), (2.0, "2s"), (1.8534, "1.853s"), (10, "10s"),
     (80, "1m20s"), (300, "5m0s"), (61.5, "1m1.5s"), (3600, "1h0m0s"), (0.0004, "0s")],
)
def test_go_duration(seconds: float, text: str) -> None:
    assert go_duration(seconds) == text


# -- logs -------------------------------------------------------------------------------


def test_logs_static_at_and_periodic() -> None:
    specs = (LogSpec("start"), LogSpec("{n}: tick", 0.0, 5.0), LogSpec("late", 12.0))
    lines = render_logs(specs, 100.0, 116.0)
    assert [(line.time, line.text) for line in lines] == [
        (100.0, "start"), (105.0, "0: tick"), (110.0, "1: tick"), (112.0, "late"), (115.0, "2: tick"),
    ]
    assert [line.text for line in render_logs(specs, 100.0, 116.0, tail=2)] == ["late", "2: tick"]
    assert render_logs(specs, 100.0, 116.0, tail=0) == []
    assert len(render_logs(specs, 100.0, 116.0, tail=-1)) == 5


def test_logs_tail_of_a_long_run_is_cheap_and_right() -> None:
    lines = render_logs((LogSpec("{n}", 0.0, 1.0),), 0.0, 10_000_000.0, tail=3)
    assert [line.text for line in lines] == ["9999997", "9999998", "9999999"]


# -- probes ------------------------------------------------------------------------------


def test_probe_defaults() -> None:
    spec = probe_spec({"readinessProbe": {"httpGet": {"port": 80}}}, "readiness")
    assert spec is not None
    assert (spec.initial_delay, spec.period, spec.failure_threshold, spec.success_threshold) == (0, 10, 3, 1)
    assert probe_spec({}, "liveness") is None
    startup = probe_spec({"startupProbe": {"exec": {"command": ["true"]}, "successThreshold": 3}}, "startup")
    assert startup is not None and startup.success_threshold == 1  # must be 1 for startup


def test_probe_failure_output_per_handler() -> None:
    broken = ImageBehavior(readiness=Health("never"), liveness=Health("never"))
    container = {"ports": [{"name": "redis", "containerPort": 6379}]}
    cases = {
        "httpGet": ({"httpGet": {"port": 80}}, "HTTP probe failed with statuscode: 500"),
        "tcpSocket": ({"tcpSocket": {"port": "redis"}}, "dial tcp 10.244.1.5:6379: connect: connection refused"),
        "grpc": ({"grpc": {"port": 9000}}, 'timeout: failed to connect service ":9000" within 1s'),
        "exec": ({"exec": {"command": ["/bin/check"]}}, ""),
    }
    for name, (handler, output) in cases.items():
        spec = probe_spec({"livenessProbe": handler}, "liveness")
        assert spec is not None
        assert run_probe(spec, broken, 1.0, container, "10.244.1.5") == (False, output), name
    readiness = probe_spec({"readinessProbe": {"httpGet": {"port": 80}}}, "readiness")
    assert readiness is not None
    assert run_probe(readiness, broken, 1.0, container, "ip")[1] == "HTTP probe failed with statuscode: 503"


def test_exec_probe_follows_the_scripts_files() -> None:
    behavior = ImageBehavior(files=(FileSpec("/tmp/healthy", 0.0, 30.0),), liveness=Health("never"))
    spec = probe_spec({"livenessProbe": {"exec": {"command": ["cat", "/tmp/healthy"]}}}, "liveness")
    assert spec is not None
    assert run_probe(spec, behavior, 10, {}, "") == (True, "")
    assert run_probe(spec, behavior, 30, {}, "") == (
        False, "cat: can't open '/tmp/healthy': No such file or directory"
    )


# -- config references ---------------------------------------------------------------------

OBJECTS = {
    ("ConfigMap", "default", "cfg"): {"data": {"mode": "fast"}, "binaryData": {"blob": "AA=="}},
    ("Secret", "default", "db"): {"data": {"password": "c2VjcmV0"}},
}


def lookup(kind: str, namespace: str, name: str) -> dict[str, object] | None:
    return OBJECTS.get((kind, namespace, name))  # type: ignore[return-value]


def test_env_names_from_envfrom_and_env() -> None:
    container = {
        "envFrom": [{"configMapRef": {"name": "cfg"}, "prefix": "CFG_"},
                    {"secretRef": {"name": "gone", "optional": True}}],
        "env": [{"name": "A", "value": "1"},
                {"name": "PW", "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}}},
                {"name": "NODE", "valueFrom": {"fieldRef": {"fieldPath": "spec.nodeName"}}},
                {"name": "OPT", "valueFrom": {"configMapKeyRef": {"name": "cfg", "key": "x", "optional": True}}}],
    }
    result = resolve_env(container, "default", lookup)
    assert result.error is None
    assert result.names == ("CFG_blob", "CFG_mode", "A", "PW", "NODE")


@pytest.mark.parametrize(
    ("container", "error"),
    [
        ({"env": [{"name": "X", "valueFrom": {"configMapKeyRef": {"name": "x", "key": "k"}}}]},
         'configmap "x" not found'),
        ({"env": [{"name": "X", "valueFrom": {"secretKeyRef": {"name": "x", "key": "k"}}}]},
         'secret "x" not found'),
        ({"env": [{"name": "X", "valueFrom": {"configMapKeyRef": {"name": "cfg", "key": "k"}}}]},
         "couldn't find key k in ConfigMap default/cfg"),
        ({"env": [{"name": "X", "valueFrom": {"secretKeyRef": {"name": "db", "key": "user"}}}]},
         "couldn't find key user in Secret default/db"),
        ({"envFrom": [{"configMapRef": {"name": "nope"}}]}, 'configmap "nope" not found'),
        ({"envFrom": [{"secretRef": {"name": "nope"}}]}, 'secret "nope" not found'),
    ],
)
def test_env_errors_in_kubelet_words(container: dict[str, object], error: str) -> None:
    assert resolve_env(container, "default", lookup).error == error


def test_volume_errors() -> None:
    volumes = [
        {"name": "ok", "configMap": {"name": "cfg"}},
        {"name": "cfg", "configMap": {"name": "missing"}},
        {"name": "maybe", "configMap": {"name": "missing", "optional": True}},
        {"name": "creds", "secret": {"secretName": "gone"}},
        {"name": "items", "configMap": {"name": "cfg", "items": [{"key": "nope", "path": "x"}]}},
        {"name": "sitems", "secret": {"secretName": "db", "items": [{"key": "nope", "path": "x"}]}},
        {"name": "scratch", "emptyDir": {}},
        {"name": "host", "hostPath": {"path": "/var/log"}},
        {"name": "token", "projected": {"sources": [{"configMap": {"name": "kube-root-ca.crt"}}]}},
    ]
    assert check_volumes(volumes, "default", lookup) == [
        ("cfg", 'configmap "missing" not found'),
        ("creds", 'secret "gone" not found'),
        ("items", "configmap references non-existent config key: nope"),
        ("sitems", "references non-existent secret key: nope"),
        ("token", 'configmap "kube-root-ca.crt" not found'),
    ]


# -- image store ------------------------------------------------------------------------


def test_pulls_are_serialized_and_joined() -> None:
    store = ImageStore()
    assert store.pull("a", 3.0, 0.0) == (3.0, 3.0)
    assert store.pull("b", 1.0, 1.0) == (4.0, 1.0)  # waits for "a"
    assert store.pull("a", 5.0, 2.0) == (3.0, 1.0)  # joins the pull under way
    assert not store.present("b", 3.9) and store.present("b", 4.0)
    assert store.fail(1.0, 4.5) == 5.5
    assert store.pull("a", 0.5, 10.0) == (10.5, 0.5)  # a re-pull (imagePullPolicy: Always)
    assert store.present("a", 10.0)  # still present meanwhile
    store.preload("pause")
    assert store.present("pause", -1e9)
