"""The runtime behind one actor: its mailbox loop, its children and their supervision.

A cell outlives the actor instances it runs: a restart is a new *incarnation* (a fresh
instance from the child spec's factory) in the same cell, with the same ref and the same
mailbox, as in Akka. A cell dies for good (`_terminate`) only when its parent decides so;
then its queued messages become dead letters and its watchers get `Terminated`.

Every incarnation is one trio task in the parent's nursery, and owns a nursery for its
own children, so the supervision tree *is* trio's task tree: cancelling a cell's scope
kills its whole subtree, and nothing outlives the system.
"""

from __future__ import annotations

import contextvars
import enum
from typing import TYPE_CHECKING, Any

import trio

from .actor import Actor, ActorContext, receive_is_async
from .errors import ActorError, ActorStopped, DuplicateName, SupervisorEscalation, UnknownChild
from .mailbox import Mailbox
from .messages import KILLED, NORMAL, SHUTDOWN, ExitKind, ExitReason
from .ref import ActorRef
from .supervision import ChildSpec, Restart, RestartIntensity, Strategy
from .timers import TimerHandle

if TYPE_CHECKING:
    from .system import ActorSystem

BATCH = 128  # messages handled per wake-up before yielding to other tasks (fairness)

current_cell: contextvars.ContextVar[ActorCell | None] = contextvars.ContextVar(
    "kactors_current_cell", default=None
)


class State(enum.Enum):
    NEW = "new"
    STARTING = "starting"
    RUNNING = "running"
    STOPPING = "stopping"
    EXITED = "exited"  # between incarnations: the parent decides restart or termination
    DEAD = "dead"


class ActorCell:
    def __init__(self, system: ActorSystem, parent: ActorCell | None, spec: ChildSpec,
                 path: str | None = None) -> None:
        self.system = system
        self.parent = parent
        self.spec = spec
        self.name = spec.name
        self.path = path if path is not None else f"{parent.path if parent else ''}/{spec.name}"
        self.host = spec.host if spec.host is not None else (parent.host if parent else None)
        self.mailbox = Mailbox(self.path, spec.mailbox_capacity)
        self.ref = ActorRef(self)
        self.children: dict[str, ActorCell] = {}
        self.watchers: dict[str, ActorRef] = {}
        self.state = State.NEW
        self.dead = False
        self.actor: Actor | None = None
        self.processed = 0
        self.restarts = 0
        self.incarnation = 0
        self.exit_reason: ExitReason | None = None
        self._scope: trio.CancelScope | None = None
        self._nursery: trio.Nursery | None = None
        self._tasks: trio.Nursery | None = None
        self._done: trio.Event | None = None
        self._timers: dict[int, TimerHandle] = {}
        self._current_reply: Any = None
        self._intensity: RestartIntensity | None = None
        self._parent_is_stopping_me = False
        self._pending_restart: TimerHandle | None = None
        system.register_cell(self)

    def __repr__(self) -> str:
        return f"<ActorCell {self.path or '/'} {self.state.value}>"

    # -- one incarnation -------------------------------------------------------------------
    async def run(self, task_status: trio.TaskStatus[ActorRef] = trio.TASK_STATUS_IGNORED
                  ) -> None:
        if self.dead:  # stopped for good before its task got to run (spawn, then stop)
            task_status.started(self.ref)
            return
        self.incarnation += 1
        self._intensity = None  # a new incarnation has a fresh restart history (OTP)
        self._done = trio.Event()
        self._parent_is_stopping_me = False
        self.mailbox.system.clear()
        current_cell.set(self)
        reason: ExitReason = KILLED
        reported = False
        try:
            with trio.CancelScope() as scope:
                self._scope = scope
                async with trio.open_nursery() as nursery:
                    self._nursery = nursery
                    async with trio.open_nursery() as tasks:
                        self._tasks = tasks
                        failure = await self._start(task_status)
                        reported = True
                        reason = failure if failure is not None else await self._live()
                        self.state = State.STOPPING
                        if self.actor is not None:
                            await self._hook(self.actor.stopping)
                        tasks.cancel_scope.cancel()
                    self._tasks = None
                    await self._wind_down(reason)
            if scope.cancelled_caught:
                reason = KILLED
        finally:
            if not reported:
                try:
                    task_status.started(self.ref)
                except RuntimeError:
                    pass
            self._finish(reason)
        if self.parent is None and reason.abnormal and not self.system.stopping:
            self.system.raise_escalation(self, reason)

    async def _start(self, task_status: trio.TaskStatus[ActorRef]) -> ExitReason | None:
        """Create the instance and run `started`; the crash reason if that failed."""
        self.state = State.STARTING
        try:
            actor = self.spec.factory()
            if not isinstance(actor, Actor):
                raise ActorError(f"factory of {self.path} returned {actor!r}, not an Actor")
            actor.ctx = ActorContext(self)
            self.actor = actor
            await actor.started()
        except Exception as exc:
            task_status.started(self.ref)
            return ExitReason(ExitKind.CRASHED, exc)
        self.state = State.RUNNING
        task_status.started(self.ref)
        self.system.log_event(self, "actor.restarted" if self.incarnation > 1 else
                              "actor.started", restarts=self.restarts)
        return None

    async def _live(self) -> ExitReason:
        mailbox = self.mailbox
        queue = mailbox.queue
        sysq = mailbox.system
        actor = self.actor
        assert actor is not None
        receive = actor.receive
        is_async = receive_is_async(type(actor))
        system = self.system
        while True:
            while sysq:
                outcome = await self._system_message(sysq.popleft())
                if outcome is not None:
                    return outcome
            if not queue:
                # `mailbox.wait()`, inlined (both queues are empty here): one coroutine
                # less per wake-up, and an actor wakes up for nearly every message it gets
                mailbox._receiver = trio.lowlevel.current_task()
                await trio.lowlevel.wait_task_rescheduled(mailbox._abort_wait)
                continue
            handled = 0
            while queue and not sysq and handled < BATCH:
                message, reply, sender = queue.popleft()
                if mailbox._senders:
                    mailbox.space_freed()
                if system.trace:
                    system.trace_delivery(self, message, sender)
                self._current_reply = reply
                try:
                    result = (await receive(message)) if is_async else receive(message)
                except Exception as exc:
                    self._current_reply = None
                    self.processed += handled + 1
                    if reply is not None:
                        reply.fail(exc)
                    return ExitReason(ExitKind.CRASHED, exc)
                if self._current_reply is not None:  # None: the handler deferred it
                    self._current_reply = None
                    reply.set(result)
                handled += 1
            self.processed += handled
            if handled >= BATCH:
                await trio.lowlevel.checkpoint()

    async def _wind_down(self, reason: ExitReason) -> None:
        """Children stop in reverse start order, then the `stopped` hook runs."""
        actor = self.actor
        for child in reversed(list(self.children.values())):
            await self._stop_incarnation(child, SHUTDOWN)
            child._terminate(child.exit_reason or SHUTDOWN)
        if actor is not None:
            await self._hook(actor.stopped)

    async def _hook(self, hook: Any) -> None:
        try:
            await hook()
        except Exception as exc:
            self.system.log_event(self, "actor.hook_failed", hook=hook.__name__,
                                  error=repr(exc), level="error")

    def _finish(self, reason: ExitReason) -> None:
        """Sync cleanup that must run even when the incarnation was cancelled."""
        self.state = State.EXITED
        self.exit_reason = reason
        for timer in list(self._timers.values()):
            timer.cancel()
        self._timers.clear()
        if self._current_reply is not None:
            self._current_reply.fail(ActorStopped(self.path, "actor stopped before it replied"))
            self._current_reply = None
        self.actor = None
        self._nursery = None
        for child in reversed(list(self.children.values())):
            child._terminate(KILLED)
        if reason.kind is ExitKind.CRASHED:
            self.system.log_event(self, "actor.crashed", reason=str(reason), level="error")
        elif reason.kind is ExitKind.KILLED:
            self.system.log_event(self, "actor.killed", level="warning")
        else:
            self.system.log_event(self, "actor.stopped", reason=reason.kind.value)
        assert self._done is not None
        self._done.set()
        if self.parent is not None and not self._parent_is_stopping_me:
            self.parent.mailbox.put_system(("child_exit", self, reason, self.incarnation))

    def _terminate(self, reason: ExitReason) -> None:
        """Final death of the cell: dead letters, watchers notified, name freed."""
        if self.dead:
            return
        for child in reversed(list(self.children.values())):
            child._terminate(reason)
        self.dead = True
        self.state = State.DEAD
        self.exit_reason = reason
        if self._pending_restart is not None:
            self._pending_restart.cancel()
            self._pending_restart = None
        parent = self.parent
        if parent is not None and parent.children.get(self.name) is self:
            del parent.children[self.name]
        mailbox = self.mailbox
        mailbox.closed = True
        system = self.system
        while mailbox.queue:
            message, reply, _ = mailbox.queue.popleft()
            system.dead_letter(self.path, message, "actor stopped")
            if reply is not None:
                reply.fail(ActorStopped(self.path, "actor stopped before it replied"))
        mailbox.system.clear()
        mailbox.wake_all_senders()
        system.unregister_cell(self)
        system.notify_watchers(self, reason)

    # -- requests from outside -------------------------------------------------------------
    def request_stop(self, reason: ExitReason | None) -> None:
        if not self.dead:
            self.mailbox.put_system(("stop", reason or NORMAL))

    def add_timer(self, delay: float, message: Any, interval: float | None) -> TimerHandle:
        if not delay >= 0:
            raise ValueError(f"timer delay must be >= 0, got {delay!r}")
        timers = self._timers
        handle = self.system.timers.call_later(delay, self._timer_fired, message,
                                               interval=interval)
        handle.owner = timers
        timers[id(handle)] = handle
        return handle

    def _timer_fired(self, message: Any) -> None:
        if self.state in (State.STARTING, State.RUNNING):
            try:
                self.mailbox.put_nowait((message, None, None))
            except ActorError:
                self.system.log_event(self, "timer.dropped", message=type(message).__name__,
                                      reason="mailbox full", level="warning")

    def start_task(self, fn: Any, args: tuple[Any, ...], name: str | None) -> None:
        if self._tasks is None or self.state not in (State.STARTING, State.RUNNING):
            raise ActorError(f"{self.path or '/'} cannot start tasks while {self.state.value}")
        self._tasks.start_soon(self._task, fn, args, name=name or f"{self.path}:task")

    async def _task(self, fn: Any, args: tuple[Any, ...]) -> None:
        try:
            await fn(*args)
        except Exception as exc:
            self.mailbox.put_system(("task_failed", exc))

    # -- children --------------------------------------------------------------------------
    def _new_child(self, spec: ChildSpec) -> ActorCell:
        if self._nursery is None or self.state not in (State.STARTING, State.RUNNING):
            raise ActorError(f"{self.path or '/'} cannot start children while {self.state.value}")
        if spec.name in self.children:
            raise DuplicateName(self.path, spec.name)
        cell = ActorCell(self.system, self, spec)
        self.children[spec.name] = cell
        return cell

    def spawn_child(self, spec: ChildSpec) -> ActorRef:
        cell = self._new_child(spec)
        assert self._nursery is not None
        self._nursery.start_soon(cell.run, name=cell.path)
        return cell.ref

    async def start_child(self, spec: ChildSpec) -> ActorRef:
        cell = self._new_child(spec)
        assert self._nursery is not None
        await self._nursery.start(cell.run, name=cell.path)
        return cell.ref

    async def terminate_child(self, name: str, reason: ExitReason = SHUTDOWN) -> None:
        child = self.children.get(name)
        if child is None:
            raise UnknownChild(self.path, name)
        await self._stop_incarnation(child, reason)
        child._terminate(reason if reason is not SHUTDOWN else (child.exit_reason or reason))

    async def _stop_incarnation(self, child: ActorCell, reason: ExitReason) -> None:
        """Ask `child` to stop; after its shutdown timeout, cancel it. Keeps the cell."""
        child._parent_is_stopping_me = True
        if child._pending_restart is not None:
            child._pending_restart.cancel()
            child._pending_restart = None
        done = child._done
        if done is None or done.is_set():
            return
        if reason is KILLED:
            assert child._scope is not None
            child._scope.cancel()
        else:
            child.mailbox.put_system(("stop", reason))
            with trio.move_on_after(child.spec.shutdown):
                await done.wait()
            if not done.is_set():
                self.system.log_event(child, "actor.shutdown_timeout",
                                      timeout=child.spec.shutdown, level="warning")
                assert child._scope is not None
                child._scope.cancel()
        await done.wait()

    # -- system messages -------------------------------------------------------------------
    async def _system_message(self, message: tuple[Any, ...]) -> ExitReason | None:
        kind = message[0]
        if kind == "stop":
            return message[1]
        if kind == "task_failed":
            return ExitReason(ExitKind.CRASHED, message[1])
        if kind == "child_exit":
            return await self._child_exited(message[1], message[2], message[3])
        if kind == "restart":
            await self._restart(message[1])
            return None
        if kind == "kill_child":
            child = self.children.get(message[1])
            if child is not None:
                await self._stop_incarnation(child, KILLED)
                child._terminate(KILLED)
            return None
        if kind == "start_child":
            spec = message[1]
            if spec.name not in self.children:
                await self.start_child(spec)
            return None
        raise AssertionError(f"unknown system message {kind!r}")

    async def _child_exited(self, child: ActorCell, reason: ExitReason, incarnation: int
                            ) -> ExitReason | None:
        if child.dead or self.children.get(child.name) is not child:
            return None
        if incarnation != child.incarnation or child._parent_is_stopping_me:
            return None
        restart = child.spec.restart
        if restart is Restart.TEMPORARY or (restart is Restart.TRANSIENT and not reason.abnormal):
            child._terminate(reason)
            return None
        assert self.actor is not None
        policy = self.actor.supervision
        if self._intensity is None:
            self._intensity = RestartIntensity(policy.intensity, policy.period)
        if not self._intensity.record(self.system.now()):
            self.system.log_event(self, "supervisor.escalated", child=child.path,
                                  intensity=policy.intensity, period=policy.period,
                                  reason=str(reason), level="error")
            child._terminate(reason)
            cause = reason.error or ActorError(f"{child.path} exited: {reason}")
            return ExitReason(ExitKind.CRASHED, SupervisorEscalation(
                self.path, child.path, policy.intensity, policy.period, cause))
        siblings = list(self.children.values())
        if policy.strategy is Strategy.ONE_FOR_ONE:
            group = [child]
        elif policy.strategy is Strategy.ONE_FOR_ALL:
            group = siblings
        else:
            group = siblings[siblings.index(child):]
        for other in reversed(group):
            if other is not child:
                await self._stop_incarnation(other, SHUTDOWN)
        restart_group = []
        for cell in group:
            if cell is not child and cell.spec.restart is Restart.TEMPORARY:
                cell._terminate(SHUTDOWN)
            else:
                restart_group.append(cell)
        delay = policy.backoff.delay(self._intensity.recent) if policy.backoff else 0.0
        self.system.log_event(self, "supervisor.restarting", child=child.path,
                              strategy=policy.strategy.value, reason=str(reason),
                              group=[c.name for c in restart_group], delay=delay)
        if delay > 0:
            handle = self.system.timers.call_later(
                delay, self.mailbox.put_system, ("restart", restart_group))
            for cell in restart_group:
                cell._pending_restart = handle
        else:
            await self._restart(restart_group)
        return None

    async def _restart(self, cells: list[ActorCell]) -> None:
        assert self._nursery is not None
        for cell in cells:
            if cell.dead or self.children.get(cell.name) is not cell:
                continue
            cell._pending_restart = None
            cell.restarts += 1
            await self._nursery.start(cell.run, name=cell.path)
