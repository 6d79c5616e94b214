"""Supervisor actors: a static list of child specs (OTP `supervisor`) or dynamic children.

A `Supervisor` starts its children in order, each one's `started` hook finished before the
next begins, and stops them in reverse order. It answers OTP's management calls as
messages: start, terminate, restart and delete a child, and list the children.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs

from .actor import Actor
from .errors import DuplicateName, InvalidStrategy, UnknownChild
from .ref import ActorRef
from .supervision import ChildSpec, Strategy, SupervisionPolicy


@attrs.frozen
class StartChild:
    spec: ChildSpec


@attrs.frozen
class TerminateChild:
    """Stop a child but keep its spec, so RestartChild can start it again."""

    name: str


@attrs.frozen
class RestartChild:
    name: str


@attrs.frozen
class DeleteChild:
    """Forget the spec of a terminated child."""

    name: str


@attrs.frozen
class WhichChildren:
    pass


@attrs.frozen
class ChildInfo:
    name: str
    ref: ActorRef | None  # None while terminated
    restart: str
    restarts: int


_MANAGEMENT = (StartChild, TerminateChild, RestartChild, DeleteChild, WhichChildren)


class Supervisor(Actor):
    def __init__(self, children: Sequence[ChildSpec] = (),
                 policy: SupervisionPolicy | None = None) -> None:
        self.supervision = policy or SupervisionPolicy()  # type: ignore[misc]
        self.specs: dict[str, ChildSpec] = {}
        for spec in children:
            if not isinstance(spec, ChildSpec):
                raise InvalidStrategy(f"supervisor children must be ChildSpec, got {spec!r}")
            if spec.name in self.specs:
                raise DuplicateName("supervisor spec", spec.name)
            self.specs[spec.name] = spec

    async def started(self) -> None:
        for spec in self.specs.values():
            await self.ctx.start_child(spec)

    async def receive(self, message: Any) -> Any:
        if not isinstance(message, _MANAGEMENT):
            return self.handle(message)
        try:
            return await self._manage(message)
        except (DuplicateName, UnknownChild) as exc:
            # As in OTP, a bad management call is an error *reply*, not a supervisor crash
            # (which would restart every child): the asker gets the exception, we go on.
            reply = self.ctx._cell._current_reply
            if reply is not None:
                reply.fail(exc)
            else:
                self.ctx.log.warning("supervisor.request_failed",
                                     request=type(message).__name__, error=str(exc))
            return None

    async def _manage(self, message: Any) -> Any:
        match message:
            case StartChild(spec):
                if spec.name in self.specs:
                    raise DuplicateName(self.ctx.path, spec.name)
                self.specs[spec.name] = spec
                return await self.ctx.start_child(spec)
            case TerminateChild(name):
                self._spec(name)
                if name in self.ctx.children:
                    await self.ctx.stop_child(name)
                return None
            case RestartChild(name):
                spec = self._spec(name)
                if name in self.ctx.children:
                    return self.ctx.children[name]
                return await self.ctx.start_child(spec)
            case DeleteChild(name):
                self._spec(name)
                if name in self.ctx.children:
                    await self.ctx.stop_child(name)
                del self.specs[name]
                return None
            case WhichChildren():
                return self.which_children()
            case _:
                return self.handle(message)

    def handle(self, message: Any) -> Any:
        """Override to handle other messages."""
        return super().receive(message)

    def _spec(self, name: str) -> ChildSpec:
        try:
            return self.specs[name]
        except KeyError:
            raise UnknownChild(self.ctx.path, name) from None

    def which_children(self) -> list[ChildInfo]:
        cells = self.ctx._cell.children
        out = []
        for name, spec in self.specs.items():
            cell = cells.get(name)
            out.append(ChildInfo(name, cell.ref if cell else None, spec.restart.value,
                                 cell.restarts if cell else 0))
        return out


class DynamicSupervisor(Supervisor):
    """Children added at run time (OTP simple_one_for_one), e.g. one kubelet per node.

    Every child is independent, so only one_for_one makes sense here.
    """

    def __init__(self, policy: SupervisionPolicy | None = None) -> None:
        policy = policy or SupervisionPolicy()
        if policy.strategy is not Strategy.ONE_FOR_ONE:
            raise InvalidStrategy(
                f"a dynamic supervisor supports only one_for_one, got {policy.strategy.value}"
            )
        super().__init__((), policy)
