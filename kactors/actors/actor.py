"""The Actor base class and the context the runtime gives each actor."""

from __future__ import annotations

import inspect
import itertools
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from .supervision import ChildSpec, SupervisionPolicy
from .timers import TimerHandle

if TYPE_CHECKING:
    import random

    from .cell import ActorCell
    from .network import Network, RemoteRef
    from .ref import ActorRef
    from .system import ActorSystem


class Actor:
    """Subclass and override `receive`; it handles one message at a time.

    `receive` may be a plain or an async method; its return value is the reply to an ask.
    An exception escaping it crashes the actor (the asker gets the exception too) and the
    parent's supervision policy decides what happens next. Expected failures should be
    returned as values instead.
    """

    supervision: ClassVar[SupervisionPolicy] = SupervisionPolicy()
    ctx: ActorContext

    async def started(self) -> None:
        """Called before the first message; children spawned here start in order."""

    async def stopping(self) -> None:
        """Called when the actor is asked to stop, before its children are stopped."""

    async def stopped(self) -> None:
        """Called last, after the children stopped. Not called after a brutal kill."""

    def receive(self, message: Any) -> Any:
        self.ctx.log.warning("actor.unhandled", message=type(message).__name__)
        return None


class ReplyHandle(Protocol):
    """Settles an ask exactly once; later calls are ignored."""

    def set(self, value: Any) -> None: ...

    def fail(self, error: BaseException) -> None: ...


class _NoReply:
    def set(self, value: Any) -> None:
        pass

    def fail(self, error: BaseException) -> None:
        pass


NO_REPLY: ReplyHandle = _NoReply()

_ASYNC_RECEIVE: dict[type, bool] = {}


def receive_is_async(cls: type) -> bool:
    try:
        return _ASYNC_RECEIVE[cls]
    except KeyError:
        result = _ASYNC_RECEIVE[cls] = inspect.iscoroutinefunction(cls.receive)
        return result


class ActorContext:
    """What an actor may use: its ref, logger, the cluster clock and random generator,
    children, death watch and timers (which die with the actor's incarnation)."""

    def __init__(self, cell: ActorCell) -> None:
        self._cell = cell
        self.system: ActorSystem = cell.system
        self.self: ActorRef = cell.ref
        self.path: str = cell.path
        self.name: str = cell.name
        self.host: str | None = cell.host
        self.log = cell.system.logger.bind(actor=cell.path)
        self.random: random.Random = cell.system.random
        self._names = itertools.count(1)

    # -- the mailbox -----------------------------------------------------------------------
    def has_queued(self) -> bool:
        """Whether messages wait in this actor's mailbox behind the one being handled. An
        actor that gathers work to do once per batch (a Raft member's flush) can do it at
        once when nothing waits, instead of telling itself a message to do it later."""
        mailbox = self._cell.mailbox
        return bool(mailbox.queue or mailbox.system)

    # -- time ------------------------------------------------------------------------------
    def now(self) -> float:
        """Cluster time in seconds since the system started (virtual under MockClock)."""
        system = self.system
        clock = system._clock  # `system.now()`, inlined: actors read the time very often
        if clock is not None:
            return clock() - system._t0
        return system.now()

    def send_after(self, delay: float, message: Any) -> TimerHandle:
        """Tell `message` to this actor after `delay` seconds; cancelled if the actor stops."""
        return self._cell.add_timer(delay, message, None)

    def every(self, interval: float, message: Any, *, initial_delay: float | None = None
              ) -> TimerHandle:
        """Tell `message` to this actor every `interval` seconds while it lives."""
        if not interval > 0:
            raise ValueError(f"timer interval must be > 0, got {interval!r}")
        return self._cell.add_timer(
            interval if initial_delay is None else initial_delay, message, interval
        )

    # -- children --------------------------------------------------------------------------
    def _spec(self, child: ChildSpec | Callable[[], Actor], name: str | None,
              options: dict[str, Any]) -> ChildSpec:
        if isinstance(child, ChildSpec):
            return child
        if name is None:
            base = getattr(child, "__name__", "actor").lower()
            name = f"{base}-{next(self._names)}"
        options.setdefault("host", self.host)
        return ChildSpec(name=name, factory=child, **options)

    def spawn(self, child: ChildSpec | Callable[[], Actor], name: str | None = None,
              **options: Any) -> ActorRef:
        """Start a child and return its ref at once; its `started` hook runs concurrently."""
        return self._cell.spawn_child(self._spec(child, name, options))

    async def start_child(self, child: ChildSpec | Callable[[], Actor],
                          name: str | None = None, **options: Any) -> ActorRef:
        """Start a child and wait until its `started` hook returned (OTP's start_link)."""
        return await self._cell.start_child(self._spec(child, name, options))

    async def stop_child(self, name: str) -> None:
        """Stop a child for good (in its shutdown time, else kill it); no restart."""
        await self._cell.terminate_child(name)

    @property
    def children(self) -> dict[str, ActorRef]:
        return {name: cell.ref for name, cell in self._cell.children.items()}

    @property
    def parent(self) -> ActorRef | None:
        parent = self._cell.parent
        return parent.ref if parent is not None else None

    def start_soon(self, fn: Callable[..., Awaitable[Any]], *args: Any,
                   name: str | None = None) -> None:
        """Run `fn(*args)` as a task of this actor, concurrently with its message loop.

        For work that waits (a request that awaits the store) while the actor goes on with
        its mailbox. The task is cancelled when the actor stops (after `stopping`); an
        exception escaping it crashes the actor, as one escaping `receive` would.
        """
        self._cell.start_task(fn, args, name)

    def defer_reply(self) -> ReplyHandle:
        """Take over the reply to the ask being handled, to settle it later.

        Like OTP's `{noreply, State}` + `gen_server:reply/2`: the handler returns at once
        (the actor goes on with other messages) and calls `.set(value)` or `.fail(exc)` on
        the handle when the answer exists, e.g. after a Raft commit. For a tell the handle
        does nothing. A handle that is never settled ends in the asker's timeout.
        """
        cell = self._cell
        reply = cell._current_reply
        if reply is None:
            return NO_REPLY
        cell._current_reply = None
        return reply

    def stop(self) -> None:
        """Stop this actor normally once the current message is handled."""
        self._cell.request_stop(None)

    # -- death watch -----------------------------------------------------------------------
    def watch(self, ref: ActorRef) -> None:
        """Receive `Terminated(ref, reason)` when `ref` stops for good (at once if it has)."""
        self.system.watch(ref, self.self)

    def unwatch(self, ref: ActorRef) -> None:
        self.system.unwatch(ref, self.self)

    @property
    def network(self) -> Network:
        return self.system.network

    def remote(self, ref: ActorRef) -> RemoteRef:
        """`ref` as seen from this actor's host: tells and asks cross the simulated network."""
        return self.system.network.ref(ref, self.host)
