"""The cluster's kubeconfig, written and merged the way kind does it.

``kactors run`` with an API port writes a cluster, a user and a context all named
``kactors-<cluster name>`` into the kubeconfig file (``--kubeconfig``, else the first file
of ``$KUBECONFIG``, else ``~/.kube/config``), makes that context current and leaves every
other entry alone, so plain ``kubectl get pods`` talks to it. The admin token is random
per run: the file is the only place it is kept (mode 0600), and ``kactors kubeconfig``
reads the context back from there, so what it prints always matches the running cluster.

Merging is a pure function over dicts (:func:`merge`); only :func:`write` and :func:`read`
touch the disk, and :func:`write` replaces the file atomically.
"""

from __future__ import annotations

import base64
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

__all__ = ["context_name", "entry", "extract", "kubeconfig_path", "merge", "read", "write"]


def context_name(cluster: str) -> str:
    return f"kactors-{cluster}"


def kubeconfig_path(explicit: str | os.PathLike[str] | None = None,
                    environ: Mapping[str, str] | None = None) -> Path:
    """``explicit``, else the first file of ``$KUBECONFIG``, else ``~/.kube/config``."""
    if explicit:
        return Path(explicit).expanduser()
    env = os.environ if environ is None else environ
    for item in (env.get("KUBECONFIG") or "").split(os.pathsep):
        if item:
            return Path(item).expanduser()
    home = env.get("HOME") or str(Path.home())
    return Path(home) / ".kube" / "config"


def entry(cluster: str, server: str, token: str, ca_pem: bytes | None = None
          ) -> dict[str, Any]:
    """A whole kubeconfig holding just this cluster, its admin user and their context."""
    name = context_name(cluster)
    cluster_entry: dict[str, Any] = {"server": server}
    if ca_pem is not None:
        cluster_entry["certificate-authority-data"] = base64.b64encode(ca_pem).decode()
    return {
        "apiVersion": "v1", "kind": "Config", "preferences": {},
        "clusters": [{"name": name, "cluster": cluster_entry}],
        "users": [{"name": name, "user": {"token": token}}],
        "contexts": [{"name": name, "context": {"cluster": name, "user": name}}],
        "current-context": name,
    }


def _named(items: Any) -> list[dict[str, Any]]:
    return [item for item in items or [] if isinstance(item, dict)]


def merge(existing: Mapping[str, Any] | None, new: Mapping[str, Any]) -> dict[str, Any]:
    """``existing`` with the clusters, users and contexts of ``new`` added or replaced by
    name, and ``new``'s context made current; nothing else changes."""
    merged: dict[str, Any] = dict(existing or {})
    merged.setdefault("apiVersion", "v1")
    merged.setdefault("kind", "Config")
    merged.setdefault("preferences", {})
    for section in ("clusters", "users", "contexts"):
        incoming = _named(new.get(section))
        names = {item.get("name") for item in incoming}
        kept = [item for item in _named(merged.get(section)) if item.get("name") not in names]
        merged[section] = kept + incoming
    merged["current-context"] = new["current-context"]
    return merged


def extract(config: Mapping[str, Any], cluster: str) -> dict[str, Any] | None:
    """The standalone kubeconfig of ``kactors-<cluster>`` found in ``config``, or None."""
    name = context_name(cluster)
    found: dict[str, Any] = {}
    for section in ("clusters", "users", "contexts"):
        match = [item for item in _named(config.get(section)) if item.get("name") == name]
        if not match:
            return None
        found[section] = match[:1]
    return {"apiVersion": "v1", "kind": "Config", "preferences": {}, **found,
            "current-context": name}


def read(path: Path) -> dict[str, Any]:
    """The kubeconfig at ``path`` ({} if there is none); ValueError if it is not one."""
    try:
        text = path.read_text()
    except FileNotFoundError:
        return {}
    loaded = yaml.safe_load(text) if text.strip() else {}
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise ValueError(f"{path} is not a kubeconfig (a YAML mapping)")
    return loaded


def write(path: Path, new: Mapping[str, Any]) -> None:
    """Merge ``new`` into the kubeconfig at ``path`` (created with mode 0600 if absent),
    replacing the file atomically so a concurrent kubectl never reads half of it."""
    merged = merge(read(path), new)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".kubeconfig-", dir=path.parent)
    try:
        with os.fdopen(fd, "w") as stream:
            yaml.safe_dump(merged, stream, default_flow_style=False, sort_keys=False)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def dump(config: Mapping[str, Any]) -> str:
    return yaml.safe_dump(dict(config), default_flow_style=False, sort_keys=False)
