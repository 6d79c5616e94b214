"""Shared helpers of the cluster.toml tests."""

from __future__ import annotations

import io
import json
import textwrap
from pathlib import Path

import attrs
import pytest

from kactors.cluster import ClusterConfig, ConfigErrors, load_config, parse_config, with_overrides
from kactors.cluster.run import run

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

QUANTITY_FORMAT = (
    "quantities must match the regular expression "
    "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
)
DNS_LABEL = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', "
    "and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', "
    "regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
)


def parse(text: str, base_dir: Path | str = "/nonexistent") -> ClusterConfig:
    """Parse dedented ``text`` as cluster.toml."""
    return parse_config(textwrap.dedent(text), "cluster.toml", base_dir=base_dir)


def errors(text: str, base_dir: Path | str = "/nonexistent") -> list[str]:
    """Every error ``text`` produces, as the CLI prints them."""
    with pytest.raises(ConfigErrors) as info:
        parse(text, base_dir)
    assert str(info.value) == "\n".join(str(error) for error in info.value.errors)
    return [str(error) for error in info.value.errors]


def run_json(name: str, **overrides: object) -> tuple[list[dict], dict]:
    """Run ``examples/<name>`` with JSON logs (no filters): its records and summary."""
    config = with_overrides(load_config(EXAMPLES / name), log_format="json", **overrides)
    config = attrs.evolve(config, log=attrs.evolve(config.log, filters=()))
    out = io.StringIO()
    summary = run(config, stream=out)
    records = [json.loads(line) for line in out.getvalue().splitlines()]
    return records, summary
