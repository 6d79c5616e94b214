"""The explicit package list in pyproject.toml must name every package folder."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_package_folder_is_listed() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    listed = set(config["tool"]["setuptools"]["packages"])
    found = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for init in (ROOT / "kactors").rglob("__init__.py")
    }
    assert found <= listed, f"add to pyproject packages: {sorted(found - listed)}"
    assert "kactors_cli" in listed and (ROOT / "cli" / "__init__.py").exists()


def test_cli_is_not_a_generic_top_level_module() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "cli" not in config["tool"]["setuptools"]["packages"]
    assert config["project"]["scripts"]["kactors"] == "kactors_cli.app:main"
