"""Messages the runtime itself delivers to actors, and why an actor stopped."""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING

import attrs

from .errors import describe_exception

if TYPE_CHECKING:
    from .ref import ActorRef


class ExitKind(enum.Enum):
    NORMAL = "normal"  # the actor stopped itself
    SHUTDOWN = "shutdown"  # its parent (or the system) stopped it
    CRASHED = "crashed"  # an exception escaped a handler or hook
    KILLED = "killed"  # it did not stop within its shutdown timeout, or its host crashed


@attrs.frozen
class ExitReason:
    kind: ExitKind
    error: BaseException | None = attrs.field(default=None, eq=False)

    @property
    def abnormal(self) -> bool:
        return self.kind in (ExitKind.CRASHED, ExitKind.KILLED)

    def __str__(self) -> str:
        if self.error is not None:
            return f"{self.kind.value}: {describe_exception(self.error)}"
        return self.kind.value


NORMAL = ExitReason(ExitKind.NORMAL)
SHUTDOWN = ExitReason(ExitKind.SHUTDOWN)
KILLED = ExitReason(ExitKind.KILLED)


@attrs.frozen
class Terminated:
    """Delivered to every watcher when a watched actor stops for good (not on restarts)."""

    ref: ActorRef
    reason: ExitReason

    @property
    def path(self) -> str:
        return self.ref.path
