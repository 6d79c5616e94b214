"""The ActorSystem: a root of the supervision tree inside one trio nursery.

`async with ActorSystem(seed=...) as system:` starts the timer service and the root
guardian; leaving the block (normally, by cancellation or Ctrl-C) stops the whole tree in
reverse start order and leaves no task behind. A failure that escalates past the root ends
the block with `EscalationError`, naming the actors on the way and the original exception.
"""

from __future__ import annotations

import contextlib
import random
from collections.abc import Callable
from typing import IO, Any

import trio

from .actor import Actor
from .cell import ActorCell, current_cell
from .clock import current_clock_reader
from .determinism import enable_deterministic_scheduling
from .errors import ActorError, EscalationError, SystemStopped
from .logging import build_logger
from .messages import SHUTDOWN, ExitReason, Terminated
from .network import Network
from .ref import ActorRef
from .supervision import ChildSpec, SupervisionPolicy
from .timers import TimerService


class _Guardian(Actor):
    """The root actor: supervises top-level actors with the system's root policy."""

    def __init__(self, policy: SupervisionPolicy) -> None:
        self.supervision = policy  # type: ignore[misc]


class ActorSystem:
    def __init__(self, name: str = "kactors", *, seed: int = 0, log_format: str = "console",
                 log_level: str = "info", log_stream: IO[str] | None = None,
                 log_to_stdout: bool = True, capture_logs: bool = False,
                 trace_messages: bool = False, deterministic: bool = True,
                 root_policy: SupervisionPolicy | None = None,
                 shutdown_timeout: float = 60.0, log_only: tuple[str, ...] = ()) -> None:
        self.name = name
        self.seed = seed
        self.random = random.Random(seed)
        self.deterministic = deterministic
        self.trace = trace_messages
        self.records: list[dict[str, Any]] | None = [] if capture_logs else None
        self.logger = build_logger(self.now, fmt=log_format, level=log_level, stream=log_stream,
                                   records=self.records, use_stdout=log_to_stdout,
                                   only=log_only)
        self.log = self.logger.bind(actor="/")
        self.timers = TimerService()
        self.root_policy = root_policy or SupervisionPolicy()
        self.shutdown_timeout = shutdown_timeout
        self.running = False
        self.stopping = False
        self.dead_letters = 0
        self._cells: dict[str, ActorCell] = {}
        self._t0 = 0.0
        #: reads the run's clock (see `clock`); set while the system runs, None outside
        self._clock: Callable[[], float] | None = None
        self._stack: contextlib.AsyncExitStack | None = None
        self._timer_scope: trio.CancelScope | None = None
        self._stopped = trio.Event()
        self.root: ActorCell | None = None
        self.network = Network(self)

    # -- lifecycle -------------------------------------------------------------------------
    async def __aenter__(self) -> ActorSystem:
        if self.deterministic:
            enable_deterministic_scheduling(self.seed)
        self._clock = current_clock_reader()
        self._t0 = self._clock()
        stack = contextlib.AsyncExitStack()
        nursery = await stack.enter_async_context(trio.open_nursery())
        self._stack = stack
        await nursery.start(self._run_timers)
        root_spec = ChildSpec(name="root", factory=lambda: _Guardian(self.root_policy),
                              shutdown=float("inf"))
        self.root = ActorCell(self, None, root_spec, path="")
        self.running = True
        await nursery.start(self._run_root, name="/")
        self.log.info("system.started", system=self.name, seed=self.seed)
        return self

    async def _run_timers(self, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED
                          ) -> None:
        # Shielded, like the tree: a cancellation of the enclosing scope must not stop the
        # timers (ask timeouts, backoff) before `__aexit__` has stopped the tree in order.
        with trio.CancelScope(shield=True) as scope:
            self._timer_scope = scope
            task_status.started()
            await self.timers.run()

    async def _run_root(self, task_status: trio.TaskStatus[ActorRef] = trio.TASK_STATUS_IGNORED
                        ) -> None:
        # The tree is shielded from the enclosing scope: when that scope is cancelled,
        # `__aexit__` stops the actors in reverse start order with their stop hooks, instead
        # of trio cancelling every task at once in scheduler order.
        assert self.root is not None
        with trio.CancelScope(shield=True):
            await self.root.run(task_status)

    async def __aexit__(self, exc_type: Any, exc: Any, tb: Any) -> bool | None:
        assert self._stack is not None and self.root is not None
        try:
            with trio.CancelScope(shield=True):
                await self._stop_tree()
        finally:
            self.running = False
            self._clock = None
            self._stopped.set()
        try:
            # The tree and the timers are done: the nursery only collects an escalation.
            # The body's own exception (or cancellation) is not passed in, so it propagates
            # unchanged rather than wrapped in an ExceptionGroup.
            await self._stack.__aexit__(None, None, None)
        except BaseExceptionGroup as group:
            escalations = [e for e in _leaves(group) if isinstance(e, EscalationError)]
            if escalations:
                raise escalations[0] from None
            raise
        return None

    async def _stop_tree(self) -> None:
        root = self.root
        assert root is not None
        self.stopping = True
        done = root._done
        if done is not None and not done.is_set():
            root.request_stop(SHUTDOWN)
            with trio.move_on_after(self.shutdown_timeout):
                await done.wait()
            if not done.is_set() and root._scope is not None:
                root._scope.cancel()
                await done.wait()
        root._terminate(root.exit_reason or SHUTDOWN)
        self.log.info("system.stopped", system=self.name, dead_letters=self.dead_letters)
        if self._timer_scope is not None:
            self._timer_scope.cancel()

    def raise_escalation(self, cell: ActorCell, reason: ExitReason) -> None:
        error = EscalationError(cell.path, reason.error or RuntimeError(str(reason)))
        self.log.error("system.escalated", error=str(error))
        raise error from reason.error

    async def wait_stopped(self) -> None:
        await self._stopped.wait()

    # -- spawning top-level actors ---------------------------------------------------------
    def _spec(self, child: ChildSpec | Callable[[], Actor], name: str | None,
              options: dict[str, Any]) -> ChildSpec:
        if isinstance(child, ChildSpec):
            return child
        return ChildSpec(name=name or getattr(child, "__name__", "actor").lower(),
                         factory=child, **options)

    def _root(self) -> ActorCell:
        if not self.running or self.root is None:
            raise SystemStopped(self.name)
        return self.root

    def spawn(self, child: ChildSpec | Callable[[], Actor], name: str | None = None,
              **options: Any) -> ActorRef:
        """Start a top-level actor under the root guardian; returns its ref at once."""
        return self._root().spawn_child(self._spec(child, name, options))

    async def start(self, child: ChildSpec | Callable[[], Actor], name: str | None = None,
                    **options: Any) -> ActorRef:
        """Start a top-level actor and wait until its `started` hook returned."""
        return await self._root().start_child(self._spec(child, name, options))

    async def stop(self, ref: ActorRef) -> None:
        """Stop a top-level actor for good."""
        root = self._root()
        if ref.path != f"/{ref.name}":  # else a top-level namesake would be stopped instead
            raise ActorError(f"{ref.path} is not a top-level actor; stop it through its "
                             f"supervisor")
        await root.terminate_child(ref.name)

    # -- registry, clock, watch, dead letters ------------------------------------------------
    def now(self) -> float:
        clock = self._clock
        if clock is not None:
            return clock() - self._t0
        try:
            return trio.current_time() - self._t0
        except RuntimeError:
            return 0.0

    def register_cell(self, cell: ActorCell) -> None:
        self._cells[cell.path] = cell

    def unregister_cell(self, cell: ActorCell) -> None:
        if self._cells.get(cell.path) is cell:
            del self._cells[cell.path]

    def lookup_cell(self, path: str) -> ActorCell | None:
        return self._cells.get(path)

    def lookup(self, path: str) -> ActorRef | None:
        """The ref of the live actor at `path` (e.g. "/cluster/control-plane/apiserver")."""
        cell = self._cells.get(path)
        return cell.ref if cell is not None else None

    def watch(self, target: ActorRef, watcher: ActorRef) -> None:
        cell = self._cells.get(target.path)
        if cell is None:
            dead = target._cell
            watcher.tell(Terminated(target, dead.exit_reason or SHUTDOWN))
            return
        cell.watchers[watcher.path] = watcher

    def unwatch(self, target: ActorRef, watcher: ActorRef) -> None:
        cell = self._cells.get(target.path)
        if cell is not None:
            cell.watchers.pop(watcher.path, None)

    def notify_watchers(self, cell: ActorCell, reason: ExitReason) -> None:
        watchers, cell.watchers = cell.watchers, {}
        if not self.running:
            return
        message = Terminated(cell.ref, reason)
        for watcher in watchers.values():
            # Not `tell`: a watcher's full mailbox must neither lose the notification nor
            # raise MailboxFull into whoever is stopping `cell` (a supervisor, a finally).
            target = watcher._live_cell()
            if target is None:
                self.dead_letter(watcher.path, message, "watcher is stopped")
            else:
                target.mailbox.put_unbounded((message, None, None))

    def dead_letter(self, path: str, message: Any, why: str) -> None:
        self.dead_letters += 1
        if self.running and not self.stopping:
            self.log.info("deadletter", to=path or "/", message=type(message).__name__, why=why)

    def sender_path(self) -> str | None:
        if not self.trace:
            return None
        cell = current_cell.get()
        return cell.path if cell is not None else None

    def trace_delivery(self, cell: ActorCell, message: Any, sender: str | None) -> None:
        self.logger.info("msg.delivered", actor=cell.path, message=type(message).__name__,
                         sender=sender or "-", receiver=cell.path)

    def log_event(self, cell: ActorCell, event: str, level: str = "info", **fields: Any) -> None:
        getattr(self.logger, level)(event, actor=cell.path or "/", **fields)

    # -- introspection -----------------------------------------------------------------------
    def tree(self) -> dict[str, Any]:
        """The live supervision tree: per actor its state, mailbox depth, counters, children."""
        if self.root is None:
            return {}
        return _describe(self.root)


def _describe(cell: ActorCell) -> dict[str, Any]:
    return {
        "path": cell.path or "/",
        "state": cell.state.value,
        "host": cell.host,
        "mailbox": len(cell.mailbox),
        "processed": cell.processed,
        "restarts": cell.restarts,
        "children": [_describe(child) for child in cell.children.values()],
    }


def _leaves(group: BaseException) -> list[BaseException]:
    if isinstance(group, BaseExceptionGroup):
        out: list[BaseException] = []
        for exc in group.exceptions:
            out.extend(_leaves(exc))
        return out
    return [group]
