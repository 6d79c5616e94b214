"""The membership as the core tracks it: voters, learners, one `Progress` each, votes.

Quorum arithmetic lives here: a majority of *voters*; learners never count.
"""

from __future__ import annotations

import enum

from .confchange import ConfState
from .progress import Progress


class VoteResult(enum.Enum):
    PENDING = "pending"
    WON = "won"
    LOST = "lost"


class ProgressTracker:
    __slots__ = ("voters", "learners", "progress", "votes", "max_inflight")

    def __init__(self, max_inflight: int) -> None:
        self.voters: tuple[str, ...] = ()
        self.learners: tuple[str, ...] = ()
        self.progress: dict[str, Progress] = {}
        self.votes: dict[str, bool] = {}
        self.max_inflight = max_inflight

    def conf_state(self) -> ConfState:
        return ConfState(voters=self.voters, learners=self.learners)

    def set_config(self, conf: ConfState, next_index: int) -> None:
        """Switch to `conf`, keeping the progress of members that stay."""
        old = self.progress
        self.progress = {}
        for node in conf.members():
            pr = old.get(node)
            if pr is None:
                pr = Progress(next_index, self.max_inflight)
            pr.is_learner = node in conf.learners
            self.progress[node] = pr
        self.voters = conf.voters
        self.learners = conf.learners

    def is_singleton(self) -> bool:
        return len(self.voters) == 1

    def quorum(self) -> int:
        return len(self.voters) // 2 + 1

    def committed(self) -> int:
        """The largest index replicated on a majority of voters."""
        n = len(self.voters)
        if n == 0:
            return 0
        progress = self.progress
        if n == 3:  # the common case, without sorting (nor a generator)
            v1, v2, v3 = self.voters
            a, b, c = progress[v1].match, progress[v2].match, progress[v3].match
            return max(min(a, b), min(max(a, b), c))
        matches = sorted(progress[v].match for v in self.voters)
        return matches[n - self.quorum()]

    def reset_votes(self) -> None:
        self.votes = {}

    def record_vote(self, node: str, granted: bool) -> None:
        self.votes.setdefault(node, granted)

    def vote_result(self, votes: dict[str, bool] | None = None) -> VoteResult:
        votes = self.votes if votes is None else votes
        granted = rejected = 0
        for v in self.voters:
            answer = votes.get(v)
            if answer is True:
                granted += 1
            elif answer is False:
                rejected += 1
        q = self.quorum()
        if granted >= q:
            return VoteResult.WON
        if len(self.voters) - rejected < q:
            return VoteResult.LOST
        return VoteResult.PENDING

    def quorum_active(self) -> bool:
        active = sum(1 for v in self.voters if self.progress[v].recent_active)
        return active >= self.quorum()
