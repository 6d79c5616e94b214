"""Membership: the configuration (`ConfState`) and single-member changes to it.

Changes are applied one at a time (Raft's single-server changes, as etcd's ConfChange v1), so no
joint consensus is needed: the leader refuses a new change until the previous one is applied.
Learners receive the log but neither vote nor count towards a quorum.
"""

from __future__ import annotations

import enum

import attrs

from .errors import ConfChangeError


class ConfChangeType(enum.Enum):
    """What a `ConfChange` does to `node_id`."""

    ADD_VOTER = "add_voter"
    ADD_LEARNER = "add_learner"
    PROMOTE_LEARNER = "promote_learner"
    REMOVE_NODE = "remove_node"


@attrs.frozen
class ConfChange:
    """A single-member change; the data of a CONF_CHANGE entry."""

    type: ConfChangeType
    node_id: str


def _sorted_tuple(ids: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    return tuple(sorted(ids))


@attrs.frozen
class ConfState:
    """The members of the group. Both tuples are kept sorted so equal configs compare equal."""

    voters: tuple[str, ...] = attrs.field(default=(), converter=_sorted_tuple)
    learners: tuple[str, ...] = attrs.field(default=(), converter=_sorted_tuple)

    def __attrs_post_init__(self) -> None:
        both = set(self.voters) & set(self.learners)
        if both:
            raise ConfChangeError(f"{sorted(both)[0]} is both a voter and a learner")

    @property
    def is_empty(self) -> bool:
        return not self.voters and not self.learners

    def members(self) -> tuple[str, ...]:
        """Voters then learners, deterministic order."""
        return self.voters + self.learners


def apply_conf_change(conf: ConfState, cc: ConfChange) -> ConfState:
    """Return the configuration after `cc`, or raise `ConfChangeError` if `cc` makes no sense.

    Validated at proposal time on the leader; since changes are serialized, the same check
    passes again when the committed entry is applied on every member.
    """
    node = cc.node_id
    voters, learners = conf.voters, conf.learners
    if cc.type is ConfChangeType.ADD_VOTER:
        if node in voters:
            raise ConfChangeError(f"{node} is already a voter")
        if node in learners:
            raise ConfChangeError(f"{node} is a learner: promote it instead")
        return ConfState(voters=(*voters, node), learners=learners)
    if cc.type is ConfChangeType.ADD_LEARNER:
        if node in voters:
            raise ConfChangeError(f"{node} is a voter: demotion is not supported")
        if node in learners:
            raise ConfChangeError(f"{node} is already a learner")
        return ConfState(voters=voters, learners=(*learners, node))
    if cc.type is ConfChangeType.PROMOTE_LEARNER:
        if node not in learners:
            raise ConfChangeError(f"{node} is not a learner")
        return ConfState(voters=(*voters, node), learners=tuple(x for x in learners if x != node))
    # REMOVE_NODE
    if node in voters:
        if len(voters) == 1:
            raise ConfChangeError(f"cannot remove {node}: it is the last voter")
        return ConfState(voters=tuple(x for x in voters if x != node), learners=learners)
    if node in learners:
        return ConfState(voters=voters, learners=tuple(x for x in learners if x != node))
    raise ConfChangeError(f"{node} is not a member")
