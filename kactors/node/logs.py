"""A container's stdout, computed on demand from its image's log specs.

Nothing is stored per line: a container that prints a line a second for a week costs
nothing until someone asks for its logs, and ``tail`` only computes the last lines.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import attrs

from .images import LogSpec

__all__ = ["MAX_LOG_LINES", "LogLine", "render_logs"]

#: Without ``tail``, at most this many (most recent) lines are returned.
MAX_LOG_LINES = 10_000
_EPSILON = 1e-9


@attrs.frozen
class LogLine:
    """One line of output and the cluster time it was printed."""

    time: float
    text: str


def render_logs(
    specs: Iterable[LogSpec], started_at: float, until: float, tail: int | None = None
) -> list[LogLine]:
    """The lines printed by a container started at ``started_at``, up to ``until``.

    ``tail`` keeps only the last lines (``kubectl logs --tail``); a negative ``tail``
    means all of them, like kubectl's ``-1``.
    """
    limit = MAX_LOG_LINES if tail is None or tail < 0 else tail
    if limit == 0:
        return []
    elapsed = until - started_at
    entries: list[tuple[float, int, int, str]] = []
    for order, spec in enumerate(specs):
        if spec.every is None:
            if spec.at <= elapsed + _EPSILON:
                entries.append((started_at + spec.at, order, 0, spec.text))
            continue
        count = math.floor((elapsed - spec.at) / spec.every + _EPSILON)
        for k in range(max(1, count - limit + 1), count + 1):
            text = spec.text.replace("{n}", str(k - 1))
            entries.append((started_at + spec.at + k * spec.every, order, k, text))
    entries.sort()
    return [LogLine(time, text) for time, _, _, text in entries[-limit:]]
