"""The kubeconfig `kactors run` writes: where, merged like kind, and read back."""

from __future__ import annotations

import base64
import os
import stat
from pathlib import Path

import yaml

from kactors.apiserver.http import kubeconfig as kc


def test_which_file() -> None:
    assert kc.kubeconfig_path("/x/config", {"KUBECONFIG": "/y"}) == Path("/x/config")
    assert kc.kubeconfig_path(None, {"KUBECONFIG": f"/a{os.pathsep}/b"}) == Path("/a")
    assert kc.kubeconfig_path(None, {"KUBECONFIG": "", "HOME": "/home/u"}) == Path(
        "/home/u/.kube/config")


def test_merge_replaces_ours_and_keeps_the_rest() -> None:
    existing = {"apiVersion": "v1", "kind": "Config", "current-context": "prod",
                "clusters": [{"name": "prod", "cluster": {"server": "https://prod"}},
                             {"name": "kactors-dev", "cluster": {"server": "http://old"}}],
                "users": [{"name": "prod", "user": {"token": "p"}}],
                "contexts": [{"name": "prod", "context": {"cluster": "prod", "user": "prod"}}],
                "extensions": [{"name": "kept"}]}
    new = kc.entry("dev", "http://127.0.0.1:6443", "secret-token")
    merged = kc.merge(existing, new)
    assert merged["current-context"] == "kactors-dev"
    assert [c["name"] for c in merged["clusters"]] == ["prod", "kactors-dev"]
    assert merged["clusters"][1]["cluster"] == {"server": "http://127.0.0.1:6443"}
    assert [u["name"] for u in merged["users"]] == ["prod", "kactors-dev"]
    assert merged["extensions"] == [{"name": "kept"}]
    assert kc.extract(merged, "dev") == new
    assert kc.extract(merged, "other") is None


def test_write_creates_a_private_file_and_merges(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "config"
    kc.write(path, kc.entry("a", "http://127.0.0.1:1", "t1"))
    kc.write(path, kc.entry("b", "https://127.0.0.1:2", "t2", ca_pem=b"PEM"))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    written = yaml.safe_load(path.read_text())
    assert written["current-context"] == "kactors-b"
    assert [c["name"] for c in written["contexts"]] == ["kactors-a", "kactors-b"]
    b = kc.extract(kc.read(path), "b")
    assert base64.b64decode(b["clusters"][0]["cluster"]["certificate-authority-data"]) == b"PEM"
    assert b["users"][0]["user"]["token"] == "t2"
    assert kc.read(tmp_path / "missing") == {}
    assert list(path.parent.iterdir()) == [path]  # no temporary file left behind
