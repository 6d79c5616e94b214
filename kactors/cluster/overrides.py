"""Command-line overrides: ``kactors run cluster.toml --seed 7 --duration 300``.

The CLI changes a loaded config rather than the file, so the same cluster.toml can be
replayed with other seeds. Values are checked like the file's (same messages), and
reported as coming from the command line, under the key they replace.
"""

from __future__ import annotations

import attrs

from kactors.actors.logging import LEVELS

from .config import ClusterConfig
from .errors import ConfigError, ConfigErrors
from .reader import Converter, Invalid, choice, integer, number

__all__ = ["COMMAND_LINE", "with_overrides"]

#: the "file" of errors in overrides
COMMAND_LINE = "command line"


def with_overrides(
    config: ClusterConfig,
    *,
    seed: int | None = None,
    duration: float | None = None,
    clock: str | None = None,
    rate: float | None = None,
    log_format: str | None = None,
    log_level: str | None = None,
) -> ClusterConfig:
    """``config`` with the given values replaced (None: keep); raises :class:`ConfigErrors`.

    Switching to the virtual clock resets ``rate`` to 1 (virtual time has no speed);
    giving a ``rate`` with a virtual clock is an error, as in the file.
    """
    errors: list[ConfigError] = []

    def check(key: str, value: object, convert: Converter[object]) -> None:
        try:
            convert(value)
        except Invalid as invalid:
            errors.extend(ConfigError(COMMAND_LINE, None, key, message)
                          for _, message in invalid.problems)

    values = {
        "cluster.seed": (seed, integer()),
        "cluster.duration": (duration, number(above=0)),
        "cluster.clock": (clock, choice("virtual", "real")),
        "cluster.rate": (rate, number(above=0)),
        "log.format": (log_format, choice("console", "json")),
        "log.level": (log_level, choice(*LEVELS)),
    }
    for key, (value, convert) in values.items():
        if value is not None:
            check(key, value, convert)
    final_clock = config.cluster.clock if clock is None else clock
    if rate is not None and final_clock == "virtual":
        errors.append(ConfigError(COMMAND_LINE, None, "cluster.rate",
                                  'only applies to clock "real" (virtual time has no speed)'))
    if errors:
        raise ConfigErrors(errors)

    cluster = config.cluster
    changes: dict[str, object] = {}
    if seed is not None:
        changes["seed"] = seed
    if duration is not None:
        changes["duration"] = float(duration)
    if clock is not None:
        changes["clock"] = clock
    if rate is not None:
        changes["rate"] = float(rate)
    if final_clock == "virtual":
        changes["rate"] = 1.0
    log_changes: dict[str, object] = {}
    if log_format is not None:
        log_changes["format"] = log_format
    if log_level is not None:
        log_changes["level"] = log_level
    return attrs.evolve(
        config,
        cluster=attrs.evolve(cluster, **changes),
        log=attrs.evolve(config.log, **log_changes),
    )
