"""Small records describing a member's state: persistent (HardState), volatile (SoftState)."""

from __future__ import annotations

import enum
from collections.abc import Hashable
from typing import NamedTuple

import attrs


class Role(enum.Enum):
    FOLLOWER = "follower"
    PRE_CANDIDATE = "pre_candidate"
    CANDIDATE = "candidate"
    LEADER = "leader"


class HardState(NamedTuple):
    """What must be on stable storage before any message of the same Ready is sent.

    `term` and `vote` make "vote once per term" survive crashes; `commit` lets a restarted member
    re-apply committed entries without waiting for the leader. A named tuple: one is made
    per commit on every member.
    """

    term: int = 0
    vote: str | None = None
    commit: int = 0


@attrs.frozen
class SoftState:
    """Volatile state worth reporting (not persisted): who leads, and our role."""

    leader: str | None
    role: Role


@attrs.frozen
class ReadState:
    """A linearizable read may be served once the state machine applied `index`."""

    index: int
    ctx: Hashable
