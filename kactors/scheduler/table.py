"""``ScoreTable``: per-node verdicts for one pod signature, kept between pods.

Pods of a ReplicaSet are identical to every filter and score, and placing one pod
changes a single node. So instead of re-running every plugin on hundreds of nodes for
each pod, the table remembers, per node index, the verdict (rejection reasons, or the
weighted score and raw scores) and recomputes only nodes that changed since - the
cluster state keeps an append-only log of changed node indices (and an *epoch* that
bumps when the node list itself changes, which resets every table).

The table also answers kube-scheduler's sampling question without looking at every
entry: "starting at node ``start`` and wrapping around, how many nodes must be examined
to find ``k`` feasible ones?" Sorted lists of the unknown and the infeasible indices make
that a few binary searches.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Sequence
from typing import Any

from .framework import FilterStatus, PodContext
from .nodeinfo import NodeInfo

__all__ = ["UNKNOWN", "ScoreTable"]


class _Unknown:
    def __repr__(self) -> str:
        return "UNKNOWN"


#: Status of a node whose verdict has not been computed (or was invalidated).
UNKNOWN: Any = _Unknown()


def _remove(items: list[int], value: int) -> None:
    position = bisect_left(items, value)
    if position < len(items) and items[position] == value:
        del items[position]


class ScoreTable:
    """Verdicts for every node index, each either known or :data:`UNKNOWN`."""

    __slots__ = (
        "context",
        "context_version",
        "detail",
        "epoch",
        "infeasible",
        "log_pos",
        "size",
        "res",
        "status",
        "unknown",
        "varied",
    )

    def __init__(self, size: int, epoch: int, log_pos: int) -> None:
        self.context: PodContext | None = None
        self.context_version = -1
        self.reset(size, epoch, log_pos)

    def reset(self, size: int, epoch: int, log_pos: int) -> None:
        """Forget everything: all ``size`` nodes become unknown."""
        self.size = size
        self.epoch = epoch
        self.log_pos = log_pos
        self.status: list[FilterStatus | None] = [UNKNOWN] * size
        #: Weighted sum of the non-normalised scores; -1 for infeasible/unknown nodes.
        self.res: list[int] = [-1] * size
        self.detail: list[tuple[int, ...] | None] = [None] * size
        self.unknown: list[int] = list(range(size))
        self.infeasible: list[int] = []
        #: Feasible nodes on which a normalised plugin gave a non-zero raw score.
        self.varied: list[int] = []

    # -- keeping up with the cluster ----------------------------------------------------------

    def sync(self, epoch: int, size: int, log_base: int, changes: Sequence[int]) -> None:
        """Invalidate the nodes logged as changed since the table last looked."""
        if epoch != self.epoch or size != self.size or self.log_pos < log_base:
            self.reset(size, epoch, log_base + len(changes))
            return
        first = self.log_pos - log_base
        if first < len(changes):
            for index in changes[first:]:
                self.invalidate(index)
        self.log_pos = log_base + len(changes)

    def invalidate(self, index: int) -> None:
        """Make node ``index`` unknown again."""
        status = self.status[index]
        if status is UNKNOWN:
            return
        if status is not None:
            _remove(self.infeasible, index)
        else:
            _remove(self.varied, index)
        self.status[index] = UNKNOWN
        self.res[index] = -1
        self.detail[index] = None
        insort(self.unknown, index)

    # -- filling and sampling -------------------------------------------------------------------

    def _fill(self, low: int, high: int, nodes: Sequence[NodeInfo], context: PodContext) -> None:
        unknown = self.unknown
        first = bisect_left(unknown, low)
        last = bisect_left(unknown, high)
        if first == last:
            return
        todo = unknown[first:last]
        del unknown[first:last]
        status, res, detail = self.status, self.res, self.detail
        evaluate = context.evaluate
        normalized = bool(context.normalized)
        for index in todo:
            verdict, score, raw = evaluate(nodes[index])
            status[index] = verdict
            res[index] = score
            detail[index] = raw
            if verdict is not None:
                insort(self.infeasible, index)
            elif normalized and context.varies(raw):  # type: ignore[arg-type]
                insort(self.varied, index)

    def count(self, items: list[int], start: int, length: int) -> int:
        """How many of the sorted ``items`` fall in the wrapping window."""
        end = start + length
        if end <= self.size:
            return bisect_left(items, end) - bisect_left(items, start)
        return len(items) - bisect_left(items, start) + bisect_left(items, end - self.size)

    def ensure_window(
        self, start: int, wanted: int, nodes: Sequence[NodeInfo], context: PodContext
    ) -> int:
        """Evaluate nodes from ``start`` (wrapping) until ``wanted`` are feasible or all
        were seen; returns how many nodes that took (kube-scheduler's processed nodes).

        The window grows to ``wanted + infeasible-in-window`` until that stops changing,
        which is exactly where the ``wanted``-th feasible node sits.
        """
        size = self.size
        length = min(wanted, size)
        while True:
            end = start + length
            if end <= size:
                self._fill(start, end, nodes, context)
            else:
                self._fill(start, size, nodes, context)
                self._fill(0, end - size, nodes, context)
            grown = min(wanted + self.count(self.infeasible, start, length), size)
            if grown <= length:
                return length
            length = grown

    def window(self, values: list[Any], start: int, length: int) -> list[Any]:
        """A copy of ``values`` over the wrapping window."""
        end = start + length
        if end <= self.size:
            return values[start:end]
        return values[start:] + values[: end - self.size]
