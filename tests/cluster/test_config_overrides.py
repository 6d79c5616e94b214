"""Command-line overrides of a loaded config."""

from __future__ import annotations

import pytest

from kactors.cluster import ClusterConfig, ConfigErrors, with_overrides

from .helpers import parse


def test_overrides_replace_only_what_is_given() -> None:
    config = parse('[cluster]\nseed = 3\nduration = 10\n[log]\nlevel = "debug"\n')
    assert with_overrides(config) == config
    changed = with_overrides(config, seed=9, duration=30, log_format="json")
    assert (changed.cluster.seed, changed.cluster.duration) == (9, 30.0)
    assert isinstance(changed.cluster.duration, float)
    assert (changed.log.format, changed.log.level) == ("json", "debug")
    assert changed.etcd == config.etcd and changed.source == config.source
    assert config.cluster.seed == 3  # the original is untouched


def test_clock_and_rate() -> None:
    real = with_overrides(ClusterConfig(), clock="real", rate=10)
    assert (real.cluster.clock, real.cluster.rate) == ("real", 10.0)
    back = with_overrides(real, clock="virtual")
    assert (back.cluster.clock, back.cluster.rate) == ("virtual", 1.0)
    assert with_overrides(real, seed=2).cluster.rate == 10.0


def test_bad_overrides_are_all_reported_under_their_keys() -> None:
    with pytest.raises(ConfigErrors) as info:
        with_overrides(ClusterConfig(), seed="x", duration=-5, clock="fast",  # type: ignore[arg-type]
                       log_format="xml", log_level="loud")
    assert str(info.value).splitlines() == [
        'command line: cluster.seed: expected an integer, got string "x"',
        "command line: cluster.duration: must be greater than 0, got -5",
        'command line: cluster.clock: unknown value "fast" (expected one of: "virtual", '
        '"real")',
        'command line: log.format: unknown value "xml" (expected one of: "console", "json")',
        'command line: log.level: unknown value "loud" (expected one of: "debug", "info", '
        '"warning", "error", "critical", "off")',
    ]
    with pytest.raises(ConfigErrors) as info:
        with_overrides(ClusterConfig(), rate=2)
    assert str(info.value) == (
        'command line: cluster.rate: only applies to clock "real" (virtual time has no speed)'
    )
