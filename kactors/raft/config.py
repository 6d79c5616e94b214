"""Configuration of one `RaftCore`."""

from __future__ import annotations

import enum
import random

import attrs

from .errors import ConfigError


class ReadOnlyOption(enum.Enum):
    """How `read_index` confirms leadership.

    SAFE (etcd's ReadOnlySafe): a heartbeat round acknowledged by a quorum, always correct.
    LEASE_BASED: trust the check-quorum lease; no round trip, but relies on bounded clock drift
    (here: on members ticking at similar rates).
    """

    SAFE = "safe"
    LEASE_BASED = "lease_based"


def _ids(value: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    return tuple(value)


@attrs.frozen(kw_only=True)
class Config:
    """Static settings of a member. `rng` drives the randomized election timeout.

    `peers`/`learners` bootstrap a brand-new group: they are used only when the storage is
    pristine, and are then written to it as committed conf-change entries (etcd's Bootstrap),
    so members that join later learn the initial membership from the log. A restarted member
    ignores them and restores its membership from storage; a member started to *join* an
    existing group passes no peers and waits for the leader.
    """

    id: str
    rng: random.Random = attrs.field(eq=False, repr=False)
    peers: tuple[str, ...] = attrs.field(default=(), converter=_ids)
    learners: tuple[str, ...] = attrs.field(default=(), converter=_ids)
    election_tick: int = 10
    heartbeat_tick: int = 1
    pre_vote: bool = True
    check_quorum: bool = True
    max_entries_per_msg: int = 4096
    max_inflight: int = 256
    read_only_option: ReadOnlyOption = attrs.field(
        default=ReadOnlyOption.SAFE, converter=ReadOnlyOption
    )

    def __attrs_post_init__(self) -> None:
        if not self.id:
            raise ConfigError("id must not be empty")
        if self.heartbeat_tick <= 0:
            raise ConfigError("heartbeat_tick must be greater than 0")
        if self.election_tick <= self.heartbeat_tick:
            raise ConfigError("election_tick must be greater than heartbeat_tick")
        if self.max_inflight <= 0:
            raise ConfigError("max_inflight must be greater than 0")
        if self.max_entries_per_msg <= 0:
            raise ConfigError("max_entries_per_msg must be greater than 0")
        if self.read_only_option is ReadOnlyOption.LEASE_BASED and not self.check_quorum:
            raise ConfigError("check_quorum must be enabled when read_only_option is lease_based")
        if set(self.peers) & set(self.learners):
            raise ConfigError("a member cannot be both a peer and a learner")
