"""Shared helpers of the cluster.toml tests."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from kactors.cluster import ClusterConfig, ConfigErrors, parse_config

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
