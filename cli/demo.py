"""`kactors demo supervision`: the actor runtime narrating itself, no Kubernetes yet.

A small supervision tree on two simulated hosts: a pinger asks a ponger across the
network every second, a flaky worker crashes now and then and is restarted by its
supervisor, and halfway through the network is partitioned and healed. Everything runs in
virtual time from one seed, so the same seed prints the same story.
"""

from __future__ import annotations

from typing import Any

import attrs
import trio

from kactors.actors import (
    Actor,
    ActorSystem,
    AskTimeout,
    Backoff,
    ChildSpec,
    Delay,
    LinkFaults,
    SupervisionPolicy,
    Supervisor,
)


@attrs.frozen
class Tick:
    pass


@attrs.frozen
class Ping:
    n: int


class Ponger(Actor):
    def receive(self, message: Any) -> Any:
        if isinstance(message, Ping):
            return message.n


class Pinger(Actor):
    def __init__(self, target: str) -> None:
        self.target = target
        self.n = 0

    async def started(self) -> None:
        self.ctx.every(1.0, Tick())

    async def receive(self, message: Any) -> None:
        if isinstance(message, Tick):
            self.n += 1
            ref = self.ctx.system.lookup(self.target)
            if ref is None:
                return
            try:
                answer = await self.ctx.remote(ref).ask(Ping(self.n), timeout=0.5)
                self.ctx.log.info("demo.pong", n=answer)
            except AskTimeout:
                self.ctx.log.warning("demo.pong_lost", n=self.n)


class Flaky(Actor):
    async def started(self) -> None:
        self.ctx.every(1.0, Tick())

    def receive(self, message: Any) -> None:
        if isinstance(message, Tick) and self.ctx.random.random() < 0.15:
            raise RuntimeError("simulated failure")


async def supervision_demo(seconds: float, seed: int, log_format: str) -> None:
    async with ActorSystem("demo", seed=seed, log_format=log_format) as system:
        system.network.set_default(LinkFaults(delay=Delay.uniform(0.001, 0.01)))
        policy = SupervisionPolicy(intensity=10, period=30.0, backoff=Backoff(0.5, 4.0))
        await system.start(ChildSpec("demo", lambda: Supervisor([
            ChildSpec("ponger", Ponger, host="host-b"),
            ChildSpec("pinger", lambda: Pinger("/demo/ponger"), host="host-a"),
            ChildSpec("flaky", Flaky, host="host-a"),
        ], policy), shutdown=float("inf")))
        await trio.sleep(seconds / 2)
        system.network.partition(["host-a"], ["host-b"])
        await trio.sleep(3)
        system.network.heal()
        await trio.sleep(seconds / 2 - 3)
        tree = system.tree()
        system.log.info("demo.tree", children=[
            {"path": c["path"], "restarts": c["restarts"], "processed": c["processed"]}
            for c in tree["children"][0]["children"]])
