"""cluster.toml: the schema of a whole cluster, its loader and its error reports.

``kactors run cluster.toml`` starts from :func:`load_config`, which returns a frozen
:class:`ClusterConfig` or raises :class:`ConfigErrors` listing every mistake of the file
as ``file:line: key: message``. Modules, one concept each:

* :mod:`~kactors.cluster.config` - the typed records and their defaults (the schema);
* :mod:`~kactors.cluster.loader` - TOML text -> config (``load_sections``, ``load_nodes``,
  ``load_images`` and ``load_actions`` read one part each, through ``reader``);
* :mod:`~kactors.cluster.reader` - typed reading of TOML values, collecting problems;
* :mod:`~kactors.cluster.locate` - the line of a key path in TOML source;
* :mod:`~kactors.cluster.errors` - :class:`ConfigError` and :class:`ConfigErrors`;
* :mod:`~kactors.cluster.overrides` - command-line overrides of a loaded config.
"""

from .config import (
    CONTROLLERS,
    DEFAULT_WORKERS,
    SCHEDULER_PLUGINS,
    Action,
    ApiServerSection,
    ApplyAction,
    ClusterConfig,
    ClusterSection,
    ConnectAction,
    ControllersSection,
    CrashNodeAction,
    DeleteAction,
    EtcdSection,
    HealAction,
    ImageConfig,
    IngressSection,
    IsolateNodeAction,
    LogSection,
    NodeGroup,
    NodeSpec,
    RequestAction,
    RestartNodeAction,
    ScaleAction,
    SchedulerSection,
    SetImageAction,
    Taint,
    User,
)
from .errors import ConfigError, ConfigErrors
from .loader import load_config, parse_config
from .locate import KeyPath, format_path, locate
from .overrides import with_overrides

__all__ = [
    "CONTROLLERS",
    "DEFAULT_WORKERS",
    "SCHEDULER_PLUGINS",
    "Action",
    "ApiServerSection",
    "ApplyAction",
    "ClusterConfig",
    "ClusterSection",
    "ConnectAction",
    "ConfigError",
    "ConfigErrors",
    "ControllersSection",
    "CrashNodeAction",
    "DeleteAction",
    "EtcdSection",
    "HealAction",
    "IngressSection",
    "ImageConfig",
    "IsolateNodeAction",
    "KeyPath",
    "LogSection",
    "NodeGroup",
    "NodeSpec",
    "RequestAction",
    "RestartNodeAction",
    "ScaleAction",
    "SchedulerSection",
    "SetImageAction",
    "Taint",
    "User",
    "format_path",
    "load_config",
    "locate",
    "parse_config",
    "with_overrides",
]
