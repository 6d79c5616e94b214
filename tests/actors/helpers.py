"""Small actors and log queries shared by the actor runtime tests."""

from __future__ import annotations

import json
from typing import Any

import trio
import trio.lowlevel

from kactors.actors import Actor, ActorSystem


def new_system(seed: int = 0, **options: Any) -> ActorSystem:
    """A system that captures its logs instead of printing them."""
    options.setdefault("log_to_stdout", False)
    options.setdefault("capture_logs", True)
    return ActorSystem(seed=seed, **options)


def records(system: ActorSystem) -> list[dict[str, Any]]:
    assert system.records is not None, "build the system with capture_logs=True"
    return system.records


def events(system: ActorSystem, event: str | None = None, actor: str | None = None
           ) -> list[dict[str, Any]]:
    """Captured records, optionally only one event name and/or one actor path."""
    return [r for r in records(system)
            if (event is None or r["event"] == event) and (actor is None or r["actor"] == actor)]


def timeline(system: ActorSystem, *names: str) -> list[tuple[str, str]]:
    """(actor, event) pairs of the given event names, in log order."""
    return [(r["actor"], r["event"]) for r in records(system) if r["event"] in names]


def ts(system: ActorSystem, event: str, actor: str) -> list[float]:
    return [r["ts"] for r in events(system, event, actor)]


def json_lines(system: ActorSystem) -> list[str]:
    return [json.dumps(r, sort_keys=True, default=repr) for r in records(system)]


class Echo(Actor):
    """Replies with the message; counts what it handled."""

    def __init__(self) -> None:
        self.seen: list[Any] = []

    def receive(self, message: Any) -> Any:
        self.seen.append(message)
        return message


class Counter(Actor):
    """State that a restart resets: "inc" adds one, "get" returns the count,
    "boom" crashes, "stop" stops normally."""

    def __init__(self) -> None:
        self.count = 0

    def receive(self, message: Any) -> Any:
        if message == "inc":
            self.count += 1
            return self.count
        if message == "get":
            return self.count
        if message == "boom":
            raise ValueError(f"boom in {self.ctx.path}")
        if message == "stop":
            self.ctx.stop()
            return "stopping"
        return message


class Journal:
    """A shared, ordered list of (who, what) that actors of one test append to."""

    def __init__(self) -> None:
        self.entries: list[tuple[str, str]] = []

    def add(self, who: str, what: str) -> None:
        self.entries.append((who, what))

    def of(self, what: str) -> list[str]:
        return [who for who, w in self.entries if w == what]


class Hooked(Actor):
    """Records its lifecycle hooks in a Journal; each hook yields so order is really tested."""

    def __init__(self, journal: Journal, name: str) -> None:
        self.journal = journal
        self.name = name

    async def started(self) -> None:
        self.journal.add(self.name, "started:begin")
        await trio.sleep(0.01)
        self.journal.add(self.name, "started")

    async def stopping(self) -> None:
        self.journal.add(self.name, "stopping")
        await trio.sleep(0.01)

    async def stopped(self) -> None:
        self.journal.add(self.name, "stopped")

    async def receive(self, message: Any) -> Any:
        self.journal.add(self.name, f"receive:{message}")
        if message == "boom":
            raise ValueError(f"boom in {self.name}")
        return message


class StepCounter(trio.abc.Instrument):
    """Counts how many times trio ran one step of the task named `name`."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.steps = 0

    def before_task_step(self, task: trio.lowlevel.Task) -> None:
        if task.name == self.name:
            self.steps += 1
