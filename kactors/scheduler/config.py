"""``SchedulerConfig``: the scheduler profile (which filters, which score weights, how
many nodes to look at). Frozen and hashable, since cached per-node verdicts are only
valid for the configuration that produced them."""

from __future__ import annotations

from collections.abc import Mapping

import attrs

from .plugins import DEFAULT_FILTERS, DEFAULT_WEIGHTS, FILTER_PLUGINS, SCORE_PLUGINS

__all__ = ["DEFAULT_CONFIG", "SchedulerConfig"]


def _weights(value: Mapping[str, int] | tuple[tuple[str, int], ...]) -> tuple[tuple[str, int], ...]:
    items = dict(value.items() if isinstance(value, Mapping) else value)
    for name, weight in items.items():
        if name not in SCORE_PLUGINS:
            raise ValueError(f"unknown score plugin {name!r}; known: {sorted(SCORE_PLUGINS)}")
        if not isinstance(weight, int) or isinstance(weight, bool) or weight < 0:
            raise ValueError(f"weight of {name} must be a non-negative integer, not {weight!r}")
    # Plugin order, not caller order, so equal configs hash equal; weight 0 disables.
    return tuple((name, items[name]) for name in SCORE_PLUGINS if items.get(name))


def _filters(value: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    wanted = set(value)
    unknown = sorted(wanted - set(FILTER_PLUGINS))
    if unknown:
        raise ValueError(f"unknown filter plugins {unknown}; known: {list(FILTER_PLUGINS)}")
    return tuple(name for name in FILTER_PLUGINS if name in wanted)


def _percentage(value: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 100:
        raise ValueError(f"percentage_of_nodes_to_score must be in 0..100, not {value!r}")
    return value


@attrs.frozen(cache_hash=True)
class SchedulerConfig:
    """A scheduling profile.

    ``weights`` maps score plugin names to weights (a plugin absent or weighted 0 does
    not score); ``filters`` lists the filter plugins to run (always in kube-scheduler's
    order); ``percentage_of_nodes_to_score`` is kube-scheduler's knob, 0 meaning adaptive
    (50% minus 1% per 125 nodes, at least 5% and at least 100 nodes); ``table_cache_size``
    bounds the number of pod signatures whose per-node verdicts are kept between pods.
    """

    weights: tuple[tuple[str, int], ...] = attrs.field(
        default=tuple(DEFAULT_WEIGHTS.items()), converter=_weights
    )
    filters: tuple[str, ...] = attrs.field(default=DEFAULT_FILTERS, converter=_filters)
    percentage_of_nodes_to_score: int = attrs.field(default=0, converter=_percentage)
    table_cache_size: int = 32

    def weight(self, plugin: str) -> int:
        """The weight of score plugin ``plugin`` (0 when it does not score)."""
        return dict(self.weights).get(plugin, 0)


DEFAULT_CONFIG = SchedulerConfig()
