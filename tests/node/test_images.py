from __future__ import annotations

import random

import attrs
import pytest

from kactors.node import (
    DEFAULT_IMAGES,
    GENERIC_IMAGE,
    Health,
    ImageBehavior,
    ImageCatalog,
    ImageConfigError,
    LogSpec,
    parse_duration,
    parse_image_behavior,
    parse_image_ref,
)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [(3, 3.0), (2.5, 2.5), ("10", 10.0), ("10s", 10.0), ("500ms", 0.5), ("2m", 120.0),
     ("1m30s", 90.0), ("1h", 3600.0), (" 5s ", 5.0)],
)
def test_parse_duration(value: object, seconds: float) -> None:
    assert parse_duration(value) == seconds


@pytest.mark.parametrize("value", ["soon", "", "5 s", "-1", True, None, float("inf"), -2, "1x"])
def test_parse_duration_rejects(value: object) -> None:
    with pytest.raises(ValueError):
        parse_duration(value)


def test_health_modes() -> None:
    assert Health().healthy(0)
    assert not Health("never").healthy(100)
    after = Health("after", 5)
    assert not after.healthy(4.9) and after.healthy(5)
    until = Health("until", 60)
    assert until.healthy(59.9) and not until.healthy(60)
    flapping = Health("flapping", 10)
    assert [flapping.healthy(t) for t in (0, 9, 10, 19, 20)] == [True, True, False, False, True]


def test_parse_table_overrides_only_given_keys() -> None:
    behavior = parse_image_behavior(
        {"pull_seconds": "3s", "readiness": "after 5s", "liveness": "until 1m", "memory": "64Mi",
         "logs": ["hello", "every 5s: 'GET / 200'", "at 10s: done"]},
        DEFAULT_IMAGES["nginx"], name="nginx",
    )
    assert behavior.pull_seconds == 3.0
    assert behavior.readiness == Health("after", 5.0)
    assert behavior.liveness == Health("until", 60.0)
    assert behavior.memory_bytes == 64 * 1024 * 1024
    assert behavior.logs == (LogSpec("hello"), LogSpec("GET / 200", 0.0, 5.0), LogSpec("done", 10.0))
    assert behavior.size_bytes == DEFAULT_IMAGES["nginx"].size_bytes  # untouched


def test_parse_health_spellings() -> None:
    parse = lambda value: parse_image_behavior({"readiness": value}).readiness  # noqa: E731
    assert parse(3) == Health("after", 3.0)
    assert parse("never") == Health("never")
    assert parse(True) == Health("always")
    assert parse(False) == Health("never")
    assert parse("flapping") == Health("flapping", 30.0)
    assert parse("flapping 20s") == Health("flapping", 20.0)


def test_crash_after_means_exit_1() -> None:
    behavior = parse_image_behavior({"crash_after": "20s"})
    assert (behavior.run_seconds, behavior.exit_code) == (20.0, 1)
    assert parse_image_behavior({"crash_after": 5, "exit_code": 3}).exit_code == 3


def test_run_seconds_forever_spellings() -> None:
    assert parse_image_behavior({"run_seconds": "forever"}).run_seconds is None
    assert parse_image_behavior({"run_seconds": 4}).run_seconds == 4.0


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"pull_seconds": "soon"},
         "image 'nginx': pull_seconds: expected a duration such as 10s, 2m or 500ms, got 'soon'"),
        ({"exit_code": 300}, "image 'nginx': exit_code: expected an exit code from 0 to 255, got 300"),
        ({"missing": "yes"}, "image 'nginx': missing: expected true or false, got 'yes'"),
        ({"memory": "lots"}, "image 'nginx': memory: expected a size such as 64Mi or 1G, got 'lots'"),
        ({"readiness": "sometimes"},
         "image 'nginx': readiness: expected \"always\", \"never\", \"after 5s\", \"until 60s\", "
         "\"flapping 20s\" or a number of seconds, got 'sometimes'"),
        ({"logs": 5}, "image 'nginx': logs: expected a list of log lines, got 5"),
        ({"crash_after": 5, "exit_code": 0},
         "image 'nginx': crash_after: a crash needs a non-zero exit_code"),
        ({"requires_env": [1]}, "image 'nginx': requires_env: expected a string or a list of strings, got [1]"),
    ],
)
def test_parse_errors_name_the_key(table: dict[str, object], message: str) -> None:
    with pytest.raises(ImageConfigError) as caught:
        parse_image_behavior(table, name="nginx")
    assert str(caught.value) == message


def test_unknown_key_lists_the_allowed_ones() -> None:
    with pytest.raises(ImageConfigError, match=r"^image 'x': pul: unknown key \(expected one of: cpu, cpu_nanocores, cpu_per_request, "
                       r"crash_after, "):
        parse_image_behavior({"pul": 1}, name="x")


@pytest.mark.parametrize(
    ("image", "name", "short"),
    [
        ("nginx", "docker.io/library/nginx:latest", "nginx"),
        ("nginx:1.27", "docker.io/library/nginx:1.27", "nginx"),
        ("bitnami/redis:7", "docker.io/bitnami/redis:7", "bitnami/redis"),
        ("registry.k8s.io/pause:3.10", "registry.k8s.io/pause:3.10", "pause"),
        ("localhost:5000/app", "localhost:5000/app:latest", "app"),
        ("docker.io/library/busybox:1.36", "docker.io/library/busybox:1.36", "busybox"),
    ],
)
def test_image_refs_are_normalized(image: str, name: str, short: str) -> None:
    ref = parse_image_ref(image)
    assert ref.name == name
    assert ref.short_path == short
    assert ref.image_id.startswith(name.rsplit(":", 1)[0] + "@sha256:")
    assert ref.image_id == parse_image_ref(image).image_id  # stable


def test_catalog_lookup_most_specific_first() -> None:
    special = attrs.evolve(GENERIC_IMAGE, pull_seconds=9.0)
    catalog = ImageCatalog().with_images([("nginx:1.25", special)])
    assert catalog.lookup("nginx:1.25") is special
    assert catalog.lookup("docker.io/library/nginx:1.25") is special
    assert catalog.lookup("nginx:1.27") is DEFAULT_IMAGES["nginx"]
    assert catalog.lookup("bitnami/redis:7") is DEFAULT_IMAGES["redis"]
    assert catalog.lookup("registry.k8s.io/pause:3.10") is DEFAULT_IMAGES["pause"]
    assert catalog.lookup("example.com/unknown:1") is GENERIC_IMAGE


def test_unknown_images_can_be_missing() -> None:
    catalog = ImageCatalog(unknown_missing=True)
    assert catalog.lookup("nginxx").missing
    assert not catalog.lookup("nginx").missing


def test_catalog_from_config_builds_on_defaults() -> None:
    catalog = ImageCatalog.from_config({
        "nginx": {"readiness": "after 3s"},
        "myorg/api:v2": {"crash_after": "20s", "memory": "300Mi"},
        "*": {"pull_seconds": 4},
    })
    nginx = catalog.lookup("nginx:1.27")
    assert nginx.readiness == Health("after", 3.0)
    assert nginx.logs == DEFAULT_IMAGES["nginx"].logs
    api = catalog.lookup("myorg/api:v2")
    assert (api.run_seconds, api.exit_code, api.pull_seconds) == (20.0, 1, 4.0)
    assert catalog.lookup("other").pull_seconds == 4.0


def test_catalog_from_config_errors() -> None:
    with pytest.raises(ImageConfigError, match=r"^image 'redis': spread: "):
        ImageCatalog.from_config({"redis": {"spread": "wide"}})
    with pytest.raises(ImageConfigError, match=r"^image 'redis': expected a table"):
        ImageCatalog.from_config({"redis": 5})


def test_default_images_are_sensible() -> None:
    for name in ("nginx", "httpd", "redis", "postgres", "mysql", "pause"):
        assert DEFAULT_IMAGES[name].run_seconds is None, name
    assert DEFAULT_IMAGES["busybox"].run_seconds == 1.0 and DEFAULT_IMAGES["busybox"].shell
    assert DEFAULT_IMAGES["busybox"].stop_seconds is None  # PID 1 ignores SIGTERM
    assert "POSTGRES_PASSWORD" in DEFAULT_IMAGES["postgres"].requires_env
    assert GENERIC_IMAGE.run_seconds is None and GENERIC_IMAGE.readiness == Health()


def test_jitter_uses_the_spread_and_the_rng() -> None:
    behavior = ImageBehavior(spread=0.5)
    draws = [behavior.jitter(10.0, random.Random(seed)) for seed in range(50)]
    assert all(5.0 <= value <= 15.0 for value in draws)
    assert len(set(draws)) > 40
    assert draws == [behavior.jitter(10.0, random.Random(seed)) for seed in range(50)]
    assert ImageBehavior(spread=0.0).jitter(10.0, random.Random(1)) == 10.0
