"""Explanations of a scheduling decision, for the ``explain`` log event and an annotation.

Like kube-scheduler-simulator's annotations, an explanation tells per node which filter
passed or rejected it and, per score plugin, the raw score and the final (normalised,
weighted) one. A 5,000-node cluster would make that huge, so the compact form keeps the
few best nodes and counts the rejections by reason; :func:`node_explanation` details any
single node that was evaluated.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from .algorithm import ScheduleResult, Window
from .framework import normalize_score

__all__ = [
    "EXPLANATION_ANNOTATION",
    "annotation_text",
    "explain",
    "explanation_annotation",
    "node_explanation",
]

#: Annotation key under which the scheduler actor may store :func:`explanation_annotation`.
EXPLANATION_ANNOTATION = "scheduler.kactors.io/explanation"

#: At most this many rejection reasons are listed; the rest are summed.
MAX_REASONS = 10

PASSED = "passed"
NOT_RUN = "not run"
SKIPPED = "skipped"


def _plugin_scores(window: Window, position: int) -> dict[str, list[int]]:
    """``{plugin: [raw, final]}`` for a feasible node."""
    raw_scores = window.details[position]
    if raw_scores is None or not window.scored:
        return {}
    out = {}
    for (name, weight, normalize), raw in zip(window.scores, raw_scores, strict=True):
        score = normalize_score(normalize, raw, window.maxima.get(name, 0))
        out[name] = [raw, score * weight]
    return out


def _filter_verdicts(window: Window, position: int) -> dict[str, Any]:
    status = window.statuses[position]
    verdicts: dict[str, Any] = {}
    rejected = False
    for name in window.filters:
        if rejected:
            verdicts[name] = NOT_RUN
        elif status is not None and status.plugin == name:
            verdicts[name] = list(status.reasons)
            rejected = True
        else:
            verdicts[name] = PASSED
    for name in window.skipped_filters:
        verdicts[name] = SKIPPED
    return verdicts


def _top_positions(window: Window, top: int) -> list[int]:
    """The ``top`` best feasible positions, the chosen one first, then by score and
    evaluation order; found with C-level list scans, not a Python sort of every node."""
    totals = window.totals
    chosen = window.chosen
    positions = [] if chosen is None else [chosen]
    for value in sorted(set(totals), reverse=True):
        if value < 0 or len(positions) >= top:
            break
        position = -1
        while len(positions) < top:
            try:
                position = totals.index(value, position + 1)
            except ValueError:
                break
            if position != chosen:
                positions.append(position)
    return positions[:top]


def node_explanation(result: ScheduleResult, node_name: str) -> dict[str, Any] | None:
    """Every filter's verdict and every score of one evaluated node, or ``None``."""
    window = result.window
    try:
        position = window.names.index(node_name)
    except ValueError:
        return None
    out: dict[str, Any] = {"node": node_name, "filters": _filter_verdicts(window, position)}
    if window.statuses[position] is None and window.scored:
        out["score"] = window.totals[position] + window.constant
        out["scores"] = _plugin_scores(window, position)
    return out


def explain(result: ScheduleResult, top: int = 3) -> dict[str, Any]:
    """A compact, JSON-ready explanation: counts, the best ``top`` nodes, rejections."""
    window = result.window
    out: dict[str, Any] = {
        "pod": result.pod_key,
        "node": result.node_name,
        "nodes": result.num_all_nodes,
        "evaluated": result.evaluated_nodes,
        "feasible": result.feasible_nodes,
    }
    if result.fit_error is not None:
        out["message"] = result.fit_error.message
    statuses = window.statuses
    if statuses.count(None) != len(statuses):  # else every node passed: nothing to count
        rejected: Counter[str] = Counter()
        for status, times in Counter(statuses).items():
            if status is not None:
                for reason in status.reasons:
                    rejected[reason] += times
        if rejected:
            # The most frequent reasons (a cluster can have many distinct taint values).
            common = sorted(rejected.items(), key=lambda item: (-item[1], item[0]))
            out["rejected"] = dict(sorted(common[:MAX_REASONS]))
            if len(common) > MAX_REASONS:
                out["rejected_other"] = sum(n for _, n in common[MAX_REASONS:])
    if result.node_name is not None:
        best = []
        for position in _top_positions(window, top):
            entry: dict[str, Any] = {"node": window.names[position]}
            if window.scored:
                entry["score"] = window.totals[position] + window.constant
                entry["scores"] = _plugin_scores(window, position)
            best.append(entry)
        out["top"] = best
    return out


#: one encoder for every annotation: `json.dumps` with options builds a new one per call
_ANNOTATION_ENCODER = json.JSONEncoder(separators=(",", ":"), sort_keys=True)


def annotation_text(explanation: dict[str, Any]) -> str:
    """An :func:`explain` result as compact JSON (stable key order), as annotated."""
    return _ANNOTATION_ENCODER.encode(explanation)


def explanation_annotation(result: ScheduleResult, top: int = 3) -> str:
    """:func:`explain` as compact JSON (stable key order), small enough for an annotation."""
    return annotation_text(explain(result, top))
