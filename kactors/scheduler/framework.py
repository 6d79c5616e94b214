"""The per-pod scheduling context: PreFilter/PreScore results and node evaluation.

``build_context`` runs every plugin's prefilter and prescore once for a pod and keeps
only the plugins that have something to do (a skipped plugin costs nothing per node).
``PodContext.evaluate`` then judges one node: the filters in order until the first
rejection, and, if the node passes, every raw score. Scores that need normalising across
nodes (NodeAffinity, TaintToleration) are kept raw; the others are summed, weighted, into
one integer so that ranking common pods is a single ``max`` over a list.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple

import attrs

from .config import SchedulerConfig
from .nodeinfo import NodeInfo
from .plugins import FILTER_PLUGINS, MAX_NODE_SCORE, SCORE_PLUGINS, SKIP, Normalize, Reasons
from .plugins.volumebinding import Rejection
from .podinfo import PodInfo

if TYPE_CHECKING:
    from .state import ClusterState

__all__ = ["FilterStatus", "PodContext", "ScoreSpec", "build_context", "normalize_score"]


class FilterStatus(NamedTuple):
    """Why a node was rejected: the plugin and its reasons (hashable, cheap to count)."""

    plugin: str
    reasons: Reasons


@attrs.frozen
class ScoreSpec:
    """An active score plugin for this pod."""

    name: str
    weight: int
    normalize: Normalize
    score: Callable[[PodInfo, NodeInfo, Any], int] = attrs.field(repr=False)
    data: Any = attrs.field(repr=False)


def normalize_score(kind: Normalize, raw: int, max_raw: int) -> int:
    """``helper.DefaultNormalizeScore`` for one node given the maximum over all nodes."""
    if kind is Normalize.NONE:
        return raw
    if max_raw == 0:
        return MAX_NODE_SCORE if kind is Normalize.MAX_REVERSE else 0
    score = MAX_NODE_SCORE * raw // max_raw
    return MAX_NODE_SCORE - score if kind is Normalize.MAX_REVERSE else score


@attrs.define(eq=False)
class PodContext:
    """A pod's prefilter/prescore state for one configuration (``CycleState``)."""

    pod: PodInfo
    #: Active filters as (name, function, prefilter data), in order.
    filters: tuple[tuple[str, Callable[[PodInfo, NodeInfo, Any], Reasons | None], Any], ...]
    #: Filter plugins that the pod made skip (they pass every node).
    skipped_filters: tuple[str, ...]
    scores: tuple[ScoreSpec, ...]
    #: (index into ``scores``, weight) of plugins summed as they are.
    fixed: tuple[tuple[int, int], ...]
    #: Indices into ``scores`` of plugins normalised across nodes.
    normalized: tuple[int, ...]
    #: Weighted total the normalised plugins add when every raw score is 0.
    normalized_constant: int
    _calls: tuple[tuple[Callable[[PodInfo, NodeInfo, Any], int], Any], ...] = attrs.field(
        init=False
    )
    #: A PreFilter that rejected the pod outright: (plugin, message) (``PreFilterMsg``)
    rejection: tuple[str, str] | None = attrs.field(default=None, kw_only=True)
    #: What every cycle's `Window` reports about the plugins, built once per context.
    filter_names: tuple[str, ...] = attrs.field(init=False)
    score_summary: tuple[tuple[str, int, Normalize], ...] = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        self._calls = tuple((spec.score, spec.data) for spec in self.scores)
        self.filter_names = tuple(name for name, _, _ in self.filters)
        self.score_summary = tuple((s.name, s.weight, s.normalize) for s in self.scores)

    def evaluate(self, node: NodeInfo) -> tuple[FilterStatus | None, int, tuple[int, ...] | None]:
        """Judge ``node``: ``(rejection or None, fixed weighted score or -1, raw scores)``."""
        pod = self.pod
        for name, check, data in self.filters:
            reasons = check(pod, node, data)
            if reasons is not None:
                return FilterStatus(name, reasons), -1, None
        detail = tuple([score(pod, node, data) for score, data in self._calls])
        total = 0
        for index, weight in self.fixed:
            total += detail[index] * weight
        return None, total, detail

    def varies(self, detail: tuple[int, ...]) -> bool:
        """Whether a normalised plugin gave this node a non-zero raw score."""
        return any(detail[i] for i in self.normalized)


def build_context(pod: PodInfo, state: ClusterState, config: SchedulerConfig) -> PodContext:
    """Run PreFilter and PreScore for ``pod`` against ``state``."""
    filters = []
    skipped = []
    rejection = None
    for name in config.filters:
        plugin = FILTER_PLUGINS[name]
        data = plugin.prefilter(pod, state)
        if data is SKIP:
            skipped.append(name)
        elif isinstance(data, Rejection):
            rejection = (name, data.message)
        else:
            filters.append((name, plugin.filter, data))
    scores = []
    for name, weight in config.weights:
        plugin = SCORE_PLUGINS[name]
        data = plugin.prescore(pod)
        if data is not SKIP:
            scores.append(ScoreSpec(name, weight, plugin.normalize, plugin.score, data))
    fixed = tuple((i, s.weight) for i, s in enumerate(scores) if s.normalize is Normalize.NONE)
    normalized = tuple(i for i, s in enumerate(scores) if s.normalize is not Normalize.NONE)
    constant = sum(
        scores[i].weight * normalize_score(scores[i].normalize, 0, 0) for i in normalized
    )
    return PodContext(
        pod, tuple(filters), tuple(skipped), tuple(scores), fixed, normalized, constant,
        rejection=rejection,
    )
