"""``schedule``: pick a node for one pod, as kube-scheduler's ``schedulePod`` does.

1. Look at nodes in name order starting where the previous cycle stopped
   (``nextStartNodeIndex``), until ``num_feasible_nodes_to_find`` nodes passed every
   filter or every node was seen. Big clusters are thus only sampled, yet every node
   gets its turn.
2. No feasible node: a :class:`FitError` whose message counts the reasons across all
   nodes, ``0/3 nodes are available: 3 Insufficient cpu.``
3. One feasible node: take it without scoring.
4. Otherwise score the feasible nodes (weighted sum of plugin scores, normalised where
   the plugin says so) and take the best; ties are broken by the injected
   ``random.Random``, so a seed makes every choice reproducible.

The function is pure apart from the scheduler-owned bookkeeping it updates in ``state``
(the rotating start index and the cached per-node verdicts of ``table.py``).
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Mapping
from typing import Any

import attrs

from .config import DEFAULT_CONFIG, SchedulerConfig
from .framework import FilterStatus, build_context, normalize_score
from .plugins import Normalize
from .podinfo import PodInfo, new_pod_info
from .state import ClusterState
from .table import ScoreTable

__all__ = [
    "MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND",
    "MIN_FEASIBLE_NODES_TO_FIND",
    "NO_NODES_AVAILABLE",
    "FitError",
    "ScheduleResult",
    "Window",
    "num_feasible_nodes_to_find",
    "schedule",
]

MIN_FEASIBLE_NODES_TO_FIND = 100
MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND = 5
NO_NODES_AVAILABLE = "no nodes available to schedule pods"


def num_feasible_nodes_to_find(num_all_nodes: int, percentage: int = 0) -> int:
    """How many feasible nodes to find before scoring (``numFeasibleNodesToFind``).

    Below 100 nodes, all of them. Otherwise ``percentage`` of them, where 0 means the
    adaptive ``50 - nodes/125`` percent (at least 5%), and never fewer than 100.
    """
    if num_all_nodes < MIN_FEASIBLE_NODES_TO_FIND:
        return num_all_nodes
    if percentage == 0:
        percentage = max(50 - num_all_nodes // 125, MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND)
    return max(num_all_nodes * percentage // 100, MIN_FEASIBLE_NODES_TO_FIND)


@attrs.frozen
class FitError:
    """No node fits: why, counted per reason over all nodes (``framework.FitError``)."""

    num_all_nodes: int
    #: ``(reason, number of nodes)`` in the order the message lists them.
    reason_counts: tuple[tuple[str, int], ...] = ()
    #: Filter plugins that rejected at least one node (decides which events retry the pod).
    unschedulable_plugins: tuple[str, ...] = ()
    #: a PreFilter's rejection of the whole pod (``Diagnosis.PreFilterMsg``): said instead
    #: of per-node reasons
    prefilter_message: str = ""

    @property
    def message(self) -> str:
        """Exactly kube-scheduler's message (without the preemption part: we have none)."""
        if self.num_all_nodes == 0:
            return NO_NODES_AVAILABLE
        message = f"0/{self.num_all_nodes} nodes are available:"
        if self.prefilter_message:
            return f"{message} {self.prefilter_message}."
        if self.reason_counts:
            message += " " + ", ".join(f"{n} {reason}" for reason, n in self.reason_counts) + "."
        return message

    def __str__(self) -> str:
        return self.message


@attrs.frozen(eq=False)
class Window:
    """What one cycle looked at, in evaluation order, for explanations.

    ``totals`` ranks the feasible nodes (-1 for rejected ones); the real final score is
    ``totals[i] + constant``. ``maxima`` holds, per normalised plugin, the largest raw
    score among feasible nodes (what normalisation divided by).
    """

    names: list[str] = attrs.Factory(list)
    statuses: list[FilterStatus | None] = attrs.Factory(list)
    totals: list[int] = attrs.Factory(list)
    details: list[tuple[int, ...] | None] = attrs.Factory(list)
    filters: tuple[str, ...] = ()
    skipped_filters: tuple[str, ...] = ()
    scores: tuple[tuple[str, int, Normalize], ...] = ()
    maxima: Mapping[str, int] = attrs.Factory(dict)
    constant: int = 0
    scored: bool = False
    chosen: int | None = None


@attrs.frozen(eq=False)
class ScheduleResult:
    """The outcome of one scheduling cycle: a node, or a :class:`FitError`."""

    pod_key: str
    node_name: str | None
    fit_error: FitError | None
    num_all_nodes: int
    evaluated_nodes: int
    feasible_nodes: int
    window: Window = attrs.field(repr=False)

    @property
    def scheduled(self) -> bool:
        """Whether a node was found."""
        return self.node_name is not None


def _signature_key(info: PodInfo, state: ClusterState, config: SchedulerConfig) -> Any:
    if state.has_anti_affinity_pods:
        # Existing pods' anti-affinity looks at the incoming pod's namespace and labels.
        return (info.signature, config, info.namespace, tuple(sorted(info.labels.items())))
    return (info.signature, config)


def _table_for(info: PodInfo, state: ClusterState, config: SchedulerConfig) -> ScoreTable:
    size = state.num_nodes
    if info.signature is None:
        table = ScoreTable(size, state.epoch, state.log_base + len(state.changes))
        table.context = build_context(info, state, config)
        return table
    key = _signature_key(info, state, config)
    tables = state.score_tables
    table = tables.get(key)
    if table is None:
        table = tables[key] = ScoreTable(size, state.epoch, state.log_base + len(state.changes))
        while len(tables) > max(config.table_cache_size, 1):
            tables.popitem(last=False)
    else:
        tables.move_to_end(key)
        table.sync(state.epoch, size, state.log_base, state.changes)
    if table.context is None or table.context_version != state.affinity_version:
        table.context = build_context(info, state, config)
        table.context_version = state.affinity_version
    return table


def _fit_error(num_nodes: int, statuses: list[FilterStatus | None]) -> FitError:
    by_status = Counter(statuses)
    reasons: Counter[str] = Counter()
    plugins = set()
    for status, times in by_status.items():
        if status is None:
            continue
        plugins.add(status.plugin)
        for reason in status.reasons:
            reasons[reason] += times
    # kube sorts the "<count> <reason>" strings themselves, so "10 x" sorts before "2 y".
    ordered = sorted(reasons.items(), key=lambda item: f"{item[1]} {item[0]}")
    return FitError(num_nodes, tuple(ordered), tuple(sorted(plugins)))


def schedule(
    pod: Mapping[str, Any] | PodInfo,
    state: ClusterState,
    config: SchedulerConfig = DEFAULT_CONFIG,
    rng: random.Random | None = None,
) -> ScheduleResult:
    """Choose a node for ``pod`` (a pod dict or a :class:`PodInfo`).

    Does not assume the pod: the caller does that (``state.assume_pod``) once it commits
    to the result. Ties between best nodes are broken with ``rng``; without one, the
    first best node in evaluation order wins.
    """
    info = pod if isinstance(pod, PodInfo) else new_pod_info(pod)
    nodes = state.node_infos()
    size = len(nodes)
    if size == 0:
        return ScheduleResult(info.key, None, FitError(0), 0, 0, 0, Window())
    table = _table_for(info, state, config)
    context = table.context
    assert context is not None
    if context.rejection is not None:  # a PreFilter said no for every node at once
        plugin, message = context.rejection
        error = FitError(size, unschedulable_plugins=(plugin,), prefilter_message=message)
        return ScheduleResult(info.key, None, error, size, 0, 0, Window(
            filters=context.filter_names, skipped_filters=context.skipped_filters))
    wanted = num_feasible_nodes_to_find(size, config.percentage_of_nodes_to_score)
    if not config.weights:
        wanted = 1  # nothing to compare: the first feasible node will do
    start = state.next_start_index % size
    length = table.ensure_window(start, wanted, nodes, context)
    state.next_start_index = (start + length) % size
    feasible = length - table.count(table.infeasible, start, length)
    names = table.window(state.node_names(), start, length)
    statuses = table.window(table.status, start, length)
    totals = table.window(table.res, start, length)
    details = table.window(table.detail, start, length)

    def window(**outcome: Any) -> Window:
        return Window(
            names=names,
            statuses=statuses,
            details=details,
            filters=context.filter_names,
            skipped_filters=context.skipped_filters,
            scores=context.score_summary,
            **outcome,
        )

    if feasible == 0:
        error = _fit_error(size, statuses)
        return ScheduleResult(info.key, None, error, size, length, 0, window(totals=totals))
    if feasible == 1 or not config.weights:
        # kube-scheduler does not score a single candidate.
        chosen = totals.index(max(totals))
        seen = window(totals=totals, chosen=chosen)
        return ScheduleResult(info.key, names[chosen], None, size, length, feasible, seen)
    maxima = {s.name: 0 for s in context.scores if s.normalize is not Normalize.NONE}
    constant = context.normalized_constant
    if context.normalized and table.count(table.varied, start, length):
        totals, maxima = _normalized_totals(totals, details, context.scores, context.normalized)
        constant = 0
    chosen = _pick_best(totals, rng)
    seen = window(totals=totals, maxima=maxima, constant=constant, scored=True, chosen=chosen)
    return ScheduleResult(info.key, names[chosen], None, size, length, feasible, seen)


def _pick_best(totals: list[int], rng: random.Random | None) -> int:
    """A uniformly random position among those with the best total (kube's random
    tie-breaking); the first one without ``rng``.

    Ties are common (identical nodes), so when they are plentiful we draw positions
    until one is best (a few draws on average) instead of listing them all.
    """
    best = max(totals)
    ties = totals.count(best)
    if ties == 1 or rng is None:
        return totals.index(best)
    if ties * 4 >= len(totals):
        while True:
            position = rng.randrange(len(totals))
            if totals[position] == best:
                return position
    position = totals.index(best)
    for _ in range(rng.randrange(ties)):
        position = totals.index(best, position + 1)
    return position


def _normalized_totals(
    totals: list[int],
    details: list[tuple[int, ...] | None],
    scores: tuple[Any, ...],
    normalized: tuple[int, ...],
) -> tuple[list[int], dict[str, int]]:
    """Add the weighted, normalised scores (NormalizeScore over the feasible nodes)."""
    maxima = dict.fromkeys(normalized, 0)
    for raw in details:
        if raw is not None:
            for i in normalized:
                if raw[i] > maxima[i]:
                    maxima[i] = raw[i]
    out = []
    for total, raw in zip(totals, details, strict=True):
        if raw is None:
            out.append(-1)
            continue
        for i in normalized:
            spec = scores[i]
            total += spec.weight * normalize_score(spec.normalize, raw[i], maxima[i])
        out.append(total)
    return out, {scores[i].name: maxima[i] for i in normalized}
