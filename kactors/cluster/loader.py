"""cluster.toml -> :class:`~kactors.cluster.config.ClusterConfig`, or every reason why not.

:func:`parse_config` is the whole pipeline over text: TOML syntax first (a syntax error
is reported alone, with its column, since nothing after it can be trusted), then every
section, then the checks that span sections (host names shared by nodes, etcd members
and actions). The only I/O is checking that referenced manifests exist, relative to the
folder of the TOML file, so that ``kactors run examples/cluster.toml`` works from any
directory.
"""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path

from .config import ClusterConfig
from .errors import ConfigError, ConfigErrors
from .load_actions import FileCheck, read_actions
from .load_images import read_images
from .load_nodes import read_node_groups
from .load_sections import (
    read_apiserver,
    read_cluster,
    read_controllers,
    read_etcd,
    read_ingress,
    read_log,
    read_metrics_server,
    read_scheduler,
)
from .reader import Invalid, Problems, Table, array, literal, string

__all__ = ["SECTIONS", "load_config", "parse_config"]

#: the top-level keys of a cluster.toml, in the order the example files use
SECTIONS = ("cluster", "etcd", "apiserver", "nodes", "images", "controllers", "scheduler",
            "metrics_server", "ingress", "manifests", "actions", "log")

_TOML_POSITION = re.compile(r"^(?P<message>.*) \(at line (?P<line>\d+), column (?P<column>\d+)\)$",
                            re.DOTALL)


def load_config(path: str | os.PathLike[str]) -> ClusterConfig:
    """Read and validate the cluster.toml at ``path``; raises :class:`ConfigErrors`.

    Messages name the file as ``path`` was given, so they point where the user typed.
    """
    source = os.fspath(path)
    try:
        with open(source, "rb") as stream:
            data = stream.read()
    except OSError as error:
        reason = error.strerror or str(error)
        raise ConfigErrors([ConfigError(source, None, None, f"cannot read the file: {reason}")]
                           ) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise ConfigErrors([ConfigError(source, line, None, "the file is not UTF-8 text")]
                           ) from None
    return parse_config(text, source)


def parse_config(text: str, source: str = "<string>", *,
                 base_dir: str | os.PathLike[str] | None = None) -> ClusterConfig:
    """Validate the TOML ``text``; ``source`` names it in messages.

    Manifest paths are resolved against ``base_dir``, by default the folder of
    ``source``. Raises :class:`ConfigErrors` with every problem found.
    """
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigErrors([syntax_error(error, text, source)]) from None
    base = Path(source).parent if base_dir is None else Path(base_dir)
    problems = Problems(source, text, SECTIONS)
    config = _read_document(Table(problems, (), document), base, source)
    if problems.errors:
        raise ConfigErrors(problems.errors)
    return config


def syntax_error(error: tomllib.TOMLDecodeError, text: str, source: str) -> ConfigError:
    """tomllib's message, with its position moved into the ``file:line:column`` prefix."""
    message = str(error)
    match = _TOML_POSITION.match(message)
    if match is not None:
        return ConfigError(source, int(match["line"]), None,
                           f"invalid TOML: {match['message']}", int(match["column"]))
    lines = text.split("\n")  # "at end of document" (or a message we do not know)
    return ConfigError(source, len(lines), None, f"invalid TOML: {message}",
                       len(lines[-1]) + 1)


def _read_document(root: Table, base: Path, source: str) -> ClusterConfig:
    root.check_keys(SECTIONS)
    before = len(root.problems.errors)
    etcd = read_etcd(root.table("etcd"))
    node_groups = read_node_groups(root, etcd.members)
    # host names are only known for sure when etcd and the nodes were read cleanly
    hosts = None if len(root.problems.errors) > before else [
        *(name for group in node_groups for name in group.node_names()), *etcd.members]
    file = _existing_file(base)
    return ClusterConfig(
        cluster=read_cluster(root.table("cluster")),
        etcd=etcd,
        apiserver=read_apiserver(root.table("apiserver")),
        node_groups=node_groups,
        images=read_images(root.table("images")),
        controllers=read_controllers(root.table("controllers")),
        scheduler=read_scheduler(root.table("scheduler")),
        metrics_server=read_metrics_server(root.table("metrics_server")),
        ingress=read_ingress(root.table("ingress")),
        manifests=root.get("manifests", array(file), ()),
        actions=read_actions(root, hosts, file),
        log=read_log(root.table("log")),
        source=source,
    )


def _existing_file(base: Path) -> FileCheck:
    """A converter: a path as written (relative to ``base``) that names an existing file."""
    text = string(nonempty=True)

    def convert(value: object) -> Path:
        path = base / text(value)
        if not path.exists():
            raise Invalid(f"file not found: {literal(str(path), limit=None)}")
        if not path.is_file():
            raise Invalid(f"not a file: {literal(str(path), limit=None)}")
        return path

    return convert
