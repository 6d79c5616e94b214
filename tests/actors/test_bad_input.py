"""Bad input fails early, with a message that says what and where."""

from __future__ import annotations

import math
from typing import Any

import pytest
import trio

from kactors.actors import (
    Actor,
    ActorError,
    Backoff,
    ChildSpec,
    DuplicateName,
    InvalidChildSpec,
    InvalidStrategy,
    SupervisionPolicy,
    Supervisor,
)

from .helpers import Echo, events, new_system


async def test_duplicate_child_names_are_rejected(autojump_clock: Any) -> None:
    class Parent(Actor):
        def receive(self, message: Any) -> Any:
            self.ctx.spawn(Echo, name="kid")
            with pytest.raises(DuplicateName) as info:
                self.ctx.spawn(Echo, name="kid")
            return str(info.value)

    async with new_system() as system:
        await system.start(Echo, name="echo")
        with pytest.raises(DuplicateName) as info:
            await system.start(Echo, name="echo")
        assert str(info.value) == "/ already has a child named 'echo'"
        with pytest.raises(DuplicateName, match="^/ already has a child named 'echo'$"):
            system.spawn(Echo, name="echo")
        parent = await system.start(Parent, name="parent")
        assert await parent.ask("go") == "/parent already has a child named 'kid'"
    with pytest.raises(DuplicateName) as info:
        Supervisor([ChildSpec("a", Echo), ChildSpec("a", Echo)])
    assert str(info.value) == "supervisor spec already has a child named 'a'"


def test_an_unknown_strategy_lists_the_choices() -> None:
    with pytest.raises(InvalidStrategy) as info:
        SupervisionPolicy(strategy="one_for_some")
    assert str(info.value) == (
        "unknown strategy 'one_for_some'; expected one of: one_for_one, one_for_all, "
        "rest_for_one")
    assert isinstance(info.value, ValueError) and isinstance(info.value, ActorError)
    with pytest.raises(InvalidStrategy) as info:
        ChildSpec("a", Echo, restart="sometimes")
    assert str(info.value) == (
        "unknown restart type 'sometimes'; expected one of: permanent, transient, temporary")


@pytest.mark.parametrize(("options", "message"), [
    ({"intensity": -1}, "intensity must be an integer >= 0, got -1"),
    ({"intensity": 1.5}, "intensity must be an integer >= 0, got 1.5"),
    ({"period": 0}, "period must be a number > 0, got 0"),
    ({"period": -5.0}, "period must be a number > 0, got -5.0"),
])
def test_invalid_intensity_or_period(options: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidStrategy) as info:
        SupervisionPolicy(**options)
    assert str(info.value) == message


@pytest.mark.parametrize(("args", "shown"), [
    ((-1.0, 10.0, 2.0), "initial=-1.0, maximum=10.0, factor=2.0"),
    ((5.0, 1.0, 2.0), "initial=5.0, maximum=1.0, factor=2.0"),
    ((0.1, 10.0, 0.5), "initial=0.1, maximum=10.0, factor=0.5"),
])
def test_invalid_backoff(args: tuple[float, float, float], shown: str) -> None:
    with pytest.raises(InvalidStrategy) as info:
        Backoff(*args)
    assert str(info.value) == (
        f"invalid backoff: need 0 <= initial <= maximum and factor >= 1, got {shown}")


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"name": ""}, "child name must be a non-empty string, got ''"),
    ({"name": None}, "child name must be a non-empty string, got None"),
    ({"name": "a/b"}, "child name 'a/b' must not contain '/'"),
    ({"factory": 42}, "child 'x': factory must be callable, got 42"),
    ({"shutdown": -1}, "child 'x': shutdown timeout must be >= 0 (or math.inf), got -1"),
    ({"shutdown": "5"}, "child 'x': shutdown timeout must be >= 0 (or math.inf), got '5'"),
    ({"mailbox_capacity": 0}, "child 'x': mailbox_capacity must be an integer >= 1, got 0"),
    ({"mailbox_capacity": 2.5},
     "child 'x': mailbox_capacity must be an integer >= 1, got 2.5"),
])
def test_invalid_child_specs(kwargs: dict[str, Any], message: str) -> None:
    options: dict[str, Any] = {"name": "x", "factory": Echo, **kwargs}
    with pytest.raises(InvalidChildSpec) as info:
        ChildSpec(**options)
    assert str(info.value) == message


def test_valid_child_spec_edges() -> None:
    spec = ChildSpec("x", Echo, shutdown=math.inf, mailbox_capacity=1)
    assert spec.shutdown == math.inf and spec.restart.value == "permanent"
    assert ChildSpec("y", Echo, shutdown=0).shutdown == 0


async def test_invalid_spawn_options_are_rejected_before_anything_starts(
        autojump_clock: Any) -> None:
    async with new_system() as system:
        with pytest.raises(InvalidChildSpec, match="^child name 'a/b' must not contain '/'$"):
            await system.start(Echo, name="a/b")
        with pytest.raises(InvalidChildSpec,
                           match="^child 'x': mailbox_capacity must be an integer >= 1, got 0$"):
            system.spawn(Echo, name="x", mailbox_capacity=0)
        assert system.tree()["children"] == []


def test_supervisor_children_must_be_specs() -> None:
    with pytest.raises(InvalidStrategy) as info:
        Supervisor([Echo])  # type: ignore[list-item]
    assert str(info.value).startswith("supervisor children must be ChildSpec, got <class ")


async def test_a_factory_that_returns_no_actor_crashes_the_child(autojump_clock: Any) -> None:
    """A child whose start fails is a crashed child for its supervisor (restart policy and
    intensity apply); `start` itself returns the ref once the attempt is over."""
    async with new_system() as system:
        await system.start(ChildSpec("x", lambda: 42, restart="temporary"))  # type: ignore
        await trio.sleep(0.1)
        assert system.lookup("/x") is None
    assert events(system, "actor.crashed")[0]["reason"] == (
        "crashed: ActorError: factory of /x returned 42, not an Actor")
