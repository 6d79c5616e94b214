"""cluster.toml's [metrics_server] section."""

from __future__ import annotations

import pytest

from kactors.cluster.errors import ConfigErrors
from kactors.cluster.loader import parse_config


def test_metrics_server_section() -> None:
    default = parse_config("").metrics_server
    assert (default.enabled, default.metric_resolution) == (True, 15.0)
    custom = parse_config("[metrics_server]\nenabled = false\nmetric_resolution = 30\n")
    assert (custom.metrics_server.enabled, custom.metrics_server.metric_resolution) == (
        False, 30.0)
    with pytest.raises(ConfigErrors) as raised:
        parse_config("[metrics_server]\nmetric_resolution = 5\nscrape = true\n", "c.toml")
    text = str(raised.value)
    assert "c.toml:2: metrics_server.metric_resolution: must be at least 10, got 5" in text
    assert "c.toml:3: metrics_server: unknown key 'scrape' (expected one of: enabled, " \
           "metric_resolution)" in text
