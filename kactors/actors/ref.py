"""ActorRef: the only handle one actor has on another.

`tell` never waits (it raises MailboxFull rather than block); `send` waits for room;
`ask` waits for the reply, always with a timeout. A ref stays valid across restarts of its
actor, and after a stop it resolves by path, so a ref to a component that its supervisor
re-created under the same name reaches the new one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import ActorStopped, InvalidTimeout, SystemStopped
from .reply import Reply

if TYPE_CHECKING:
    from .cell import ActorCell

DEFAULT_ASK_TIMEOUT = 5.0
_NUMBER = (int, float)  # a tuple: `int | float` would be built again per ask


class ActorRef:
    __slots__ = ("_cell", "path")

    def __init__(self, cell: ActorCell) -> None:
        self._cell = cell
        self.path = cell.path

    def __repr__(self) -> str:
        return f"<ActorRef {self.path}>"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ActorRef) and other.path == self.path

    def __hash__(self) -> int:
        return hash(self.path)

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[-1]

    def _live_cell(self) -> ActorCell | None:
        cell = self._cell
        if cell.dead:
            system = cell.system
            if not system.running:
                raise SystemStopped(system.name)
            found = system.lookup_cell(self.path)
            if found is None:
                return None
            self._cell = cell = found
        return cell

    @property
    def alive(self) -> bool:
        cell = self._cell
        return not cell.dead or cell.system.lookup_cell(self.path) is not None

    def tell(self, message: Any) -> None:
        """Enqueue `message` and return at once. Raises MailboxFull, never waits."""
        cell = self._cell
        if cell.dead:
            cell = self._live_cell()
            if cell is None:
                self._cell.system.dead_letter(self.path, message, "actor is stopped")
                return
        system = cell.system
        cell.mailbox.put_nowait((message, None, system.sender_path() if system.trace else None))

    async def send(self, message: Any) -> None:
        """Enqueue `message`, waiting for room if the mailbox is full (backpressure)."""
        cell = self._live_cell()
        if cell is None:
            self._cell.system.dead_letter(self.path, message, "actor is stopped")
            return
        if not await cell.mailbox.put((message, None, cell.system.sender_path())):
            # the actor stopped for good while we waited for room
            cell.system.dead_letter(self.path, message, "actor stopped")

    async def ask(self, message: Any, timeout: float = DEFAULT_ASK_TIMEOUT) -> Any:
        """Send `message` and wait for the handler's return value (or its exception).

        Never hangs: raises AskTimeout after `timeout` seconds of cluster time, and
        ActorStopped when the target is stopped or stops before it replies.
        """
        if not (isinstance(timeout, _NUMBER) and timeout > 0):
            raise InvalidTimeout(timeout)
        cell = self._cell
        if cell.dead:
            cell = self._live_cell()
            if cell is None:
                self._cell.system.dead_letter(self.path, message, "actor is stopped")
                raise ActorStopped(self.path)
        system = cell.system
        reply = Reply(self.path, timeout, message)
        cell.mailbox.put_nowait((message, reply, system.sender_path() if system.trace else None))
        system.timers.start_timeout(reply, timeout)
        return await reply.wait()
