"""`kactors run --api-port` when the port is taken, and `kactors kubeconfig` without a
served cluster: clear messages and exit codes, nothing started."""

from __future__ import annotations

import socket
from pathlib import Path

from typer.testing import CliRunner

from kactors_cli.app import app

CONFIG = Path(__file__).parent / "kubectl-cluster.toml"


def test_a_taken_port_is_reported() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(app, ["run", str(CONFIG), "--api-port", str(port)])
    assert result.exit_code == 1
    assert f"cannot serve the API on 127.0.0.1:{port}: " in result.output


def test_options_are_checked(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["run", str(CONFIG), "--api-port", "1",
                                      "--api-address", "nope"])
    assert result.exit_code == 2
    assert "cluster.api_address: expected an IPv4 address" in result.output
    result = CliRunner().invoke(app, ["run", str(CONFIG), "--api-port", "70000"])
    assert result.exit_code == 2
    missing = CliRunner().invoke(app, ["kubeconfig", str(CONFIG), "--kubeconfig",
                                       str(tmp_path / "config")])
    assert missing.exit_code == 1
    assert "no context kactors-kubectl-test in" in missing.output
