"""The actor runtime's exceptions.

Each one names what went wrong and where, because these errors surface far from their cause
(an ask that timed out, a crash escalated through three supervisors).
"""

from __future__ import annotations


class ActorError(Exception):
    """Base class of every error raised by the actor runtime."""


class MailboxFull(ActorError):
    """A `tell` found the mailbox at capacity. `tell` never waits; use `await ref.send()`."""

    def __init__(self, path: str, capacity: int) -> None:
        super().__init__(f"mailbox of {path} is full (capacity {capacity})")
        self.path = path
        self.capacity = capacity


class ActorStopped(ActorError):
    """The target of an ask is stopped, or stopped before it replied."""

    def __init__(self, path: str, detail: str = "actor is stopped") -> None:
        super().__init__(f"ask to {path} failed: {detail}")
        self.path = path


class AskTimeout(ActorError, TimeoutError):
    """An ask got no reply within its timeout (cluster time)."""

    def __init__(self, path: str, timeout: float, message: object) -> None:
        super().__init__(
            f"ask to {path} timed out after {timeout:g}s waiting for a reply to "
            f"{type(message).__name__}"
        )
        self.path = path
        self.timeout = timeout


class SystemStopped(ActorError):
    """A message was sent through a ref whose actor system is no longer running."""

    def __init__(self, system: str) -> None:
        super().__init__(f"actor system {system!r} is stopped; cannot send messages to it")


class DuplicateName(ActorError):
    def __init__(self, parent: str, name: str) -> None:
        super().__init__(f"{parent or '/'} already has a child named {name!r}")


class InvalidChildSpec(ActorError, ValueError):
    """A child spec or spawn argument is invalid (name, factory, timeouts, capacity)."""


class InvalidTimeout(ActorError, ValueError):
    """An ask timeout that is not a number > 0 (an ask must be able to end)."""

    def __init__(self, timeout: object) -> None:
        super().__init__(f"ask timeout must be a number > 0, got {timeout!r}")


class InvalidStrategy(ActorError, ValueError):
    """A supervision strategy or restart type that does not exist, or bad intensity/period."""


class UnknownChild(ActorError, LookupError):
    def __init__(self, parent: str, name: str) -> None:
        super().__init__(f"{parent or '/'} has no child named {name!r}")


class SupervisorEscalation(ActorError):
    """A supervisor exceeded its restart intensity and gave up; its parent sees this crash."""

    def __init__(self, supervisor: str, child: str, intensity: int, period: float,
                 cause: BaseException) -> None:
        super().__init__(
            f"{supervisor or '/'} gave up: child {child} crashed more than {intensity} "
            f"time(s) in {period:g}s; last error: {describe_exception(cause)}"
        )
        self.supervisor = supervisor
        self.child = child
        self.cause = cause


class EscalationError(ActorError):
    """A failure escalated past the root supervisor: the whole actor system stopped.

    The message names every supervisor on the way and the original exception, so the
    chain can be read without a debugger.
    """

    def __init__(self, actor: str, cause: BaseException) -> None:
        chain = [f"{actor or '/'} failed"]
        exc: BaseException | None = cause
        while isinstance(exc, SupervisorEscalation):
            chain.append(f"{exc.supervisor or '/'} gave up on {exc.child}")
            exc = exc.cause
        chain.append(f"root cause: {describe_exception(exc)}" if exc is not None else "")
        super().__init__("; ".join(part for part in chain if part))
        self.actor = actor
        self.cause = cause
        self.root_cause = exc


def describe_exception(exc: BaseException | None) -> str:
    if exc is None:
        return "none"
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
