"""The shape of a scheduler plugin: plain functions bundled in a frozen record.

kube-scheduler's framework calls PreFilter once per pod, then Filter once per node;
PreScore once, then Score per feasible node, then NormalizeScore over all of them. Here
a plugin is the same sequence as functions:

* ``prefilter(pod, state)`` computes per-pod data once, or returns :data:`SKIP` when the
  plugin has nothing to check for this pod (``framework.Skip``: no per-node calls);
* ``filter(pod, node, data)`` returns ``None`` (fits) or a tuple of reasons, worded
  exactly like Kubernetes since they end up in ``0/5 nodes are available: ...``;
* ``prescore(pod)`` / ``score(pod, node, data)`` give a raw integer per node, and
  ``normalize`` says how raw scores become 0..100 across the nodes being compared.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import attrs

from ..events import ClusterEvent

if TYPE_CHECKING:
    from ..nodeinfo import NodeInfo
    from ..podinfo import PodInfo
    from ..state import ClusterState

__all__ = ["MAX_NODE_SCORE", "SKIP", "FilterPlugin", "Normalize", "Reasons", "ScorePlugin"]

#: Scores are integers in 0..MAX_NODE_SCORE before weighting (``framework.MaxNodeScore``).
MAX_NODE_SCORE = 100

Reasons = tuple[str, ...]


class _Skip:
    def __repr__(self) -> str:
        return "SKIP"


#: Returned by a prefilter/prescore to say "nothing to do for this pod".
SKIP: Any = _Skip()


class Normalize(enum.Enum):
    """How raw scores become 0..100 (``helper.DefaultNormalizeScore``)."""

    NONE = "none"  # raw scores already are 0..100
    MAX = "max"  # score * 100 // max raw score (all 0 stays 0)
    MAX_REVERSE = "max-reverse"  # 100 - score * 100 // max (all 0 becomes 100)


def _no_prefilter(pod: PodInfo, state: ClusterState) -> Any:
    return None


def _no_prescore(pod: PodInfo) -> Any:
    return None


@attrs.frozen
class FilterPlugin:
    """A filter: rejects nodes a pod cannot run on."""

    name: str
    filter: Callable[[PodInfo, NodeInfo, Any], Reasons | None]
    prefilter: Callable[[PodInfo, ClusterState], Any] = _no_prefilter
    #: Events that may make a pod this plugin rejected schedulable again.
    events: tuple[ClusterEvent, ...] = ()


@attrs.frozen
class ScorePlugin:
    """A score: ranks the nodes that passed every filter."""

    name: str
    score: Callable[[PodInfo, NodeInfo, Any], int]
    prescore: Callable[[PodInfo], Any] = _no_prescore
    normalize: Normalize = Normalize.NONE
