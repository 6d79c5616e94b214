"""Single-member configuration changes: validation messages and results."""

from __future__ import annotations

import pytest

from kactors.raft import ConfChange, ConfChangeError, ConfChangeType, ConfState, apply_conf_change

ADD, LEARN, PROMOTE, REMOVE = (
    ConfChangeType.ADD_VOTER,
    ConfChangeType.ADD_LEARNER,
    ConfChangeType.PROMOTE_LEARNER,
    ConfChangeType.REMOVE_NODE,
)
BASE = ConfState(voters=("b", "a"), learners=("l",))


def test_conf_state_is_sorted_and_disjoint() -> None:
    assert BASE.voters == ("a", "b")
    with pytest.raises(ConfChangeError, match="^a is both a voter and a learner$"):
        ConfState(voters=("a",), learners=("a",))


@pytest.mark.parametrize(
    ("kind", "node", "voters", "learners"),
    [
        (ADD, "c", ("a", "b", "c"), ("l",)),
        (LEARN, "m", ("a", "b"), ("l", "m")),
        (PROMOTE, "l", ("a", "b", "l"), ()),
        (REMOVE, "a", ("b",), ("l",)),
        (REMOVE, "l", ("a", "b"), ()),
    ],
)
def test_valid_changes(
    kind: ConfChangeType, node: str, voters: tuple[str, ...], learners: tuple[str, ...]
) -> None:
    assert apply_conf_change(BASE, ConfChange(kind, node)) == ConfState(voters, learners)


@pytest.mark.parametrize(
    ("kind", "node", "message"),
    [
        (ADD, "a", "a is already a voter"),
        (ADD, "l", "l is a learner: promote it instead"),
        (LEARN, "a", "a is a voter: demotion is not supported"),
        (LEARN, "l", "l is already a learner"),
        (PROMOTE, "a", "a is not a learner"),
        (REMOVE, "z", "z is not a member"),
    ],
)
def test_invalid_changes(kind: ConfChangeType, node: str, message: str) -> None:
    with pytest.raises(ConfChangeError, match=f"^{message}$"):
        apply_conf_change(BASE, ConfChange(kind, node))


def test_cannot_remove_last_voter() -> None:
    with pytest.raises(ConfChangeError, match="^cannot remove a: it is the last voter$"):
        apply_conf_change(ConfState(voters=("a",)), ConfChange(REMOVE, "a"))
