"""One ``kubectl exec`` session: a command run over a container's view, streamed.

The I/O shell around :class:`~kactors.node.execshell.Shell`: its output steps go to
``write(stream, data)`` as they come, its sleeps are played with ``trio.sleep`` on the
cluster's clock (virtual in tests, real under ``kactors run``), and stdin feeds it:

* a shell with no script (``kubectl exec -it web -- sh``) runs each line of stdin as it
  arrives, through the terminal's line discipline (:mod:`.terminal`: echo, prompt and
  ``\\r\\n`` with ``-t``), until ``exit`` or end of input; Ctrl-C stops the command
  that runs (``sleep infinity``);
* any other command with ``-i`` reads stdin to its end first (``echo hi | kubectl exec
  -i web -- cat``), then runs;
* without ``-i`` its stdin is empty.

The outcome is the exit status, or the runtime's error for a program the image does not
have. Used by the HTTP front (over a WebSocket) and by in-process callers alike.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Awaitable, Callable, Sequence

import attrs
import trio

from kactors.apiserver.podexec import ExecOutcome

from .execshell import (
    ContainerView,
    Output,
    ProgramNotFound,
    Shell,
    Steps,
    is_interactive_shell,
    not_found_message,
)
from .terminal import INTERRUPT, LineDiscipline

__all__ = ["ContainerSession", "ExecOutcome", "run_exec_session"]

Write = Callable[[int, bytes], Awaitable[None]]
#: what a root shell prompts with (busybox's ``/ # ``)
PROMPT = "/ # "


async def _play(steps: Steps, write: Write, terminal: LineDiscipline) -> int:
    while True:
        try:
            step = next(steps)
        except StopIteration as done:
            return int(done.value or 0)
        if isinstance(step, Output):
            stream = 1 if terminal.tty else step.stream  # a tty has one output
            await write(stream, terminal.output(step.text))
        elif step.seconds is None:
            await trio.sleep_forever()
        elif step.seconds > 0:
            await trio.sleep(step.seconds)


async def run_exec_session(view: ContainerView, command: Sequence[str], write: Write, *,
                           stdin: trio.abc.ReceiveChannel[bytes] | None = None,
                           tty: bool = False,
                           clock: Callable[[], datetime.datetime] | None = None,
                           exec_id: str = "0" * 64) -> ExecOutcome:
    """Run ``command`` in ``view``; ``stdin`` (if the client attached one) ends when the
    channel closes or yields ``b""``."""
    shell = Shell(view, clock)
    terminal = LineDiscipline(tty)
    if not is_interactive_shell(list(command)):
        text = ""
        if stdin is not None:
            chunks = []
            async for data in stdin:
                if not data:
                    break
                chunks.append(data)
            text = b"".join(chunks).decode("utf-8", "replace")
        try:
            steps = shell.exec(list(command), text)
        except ProgramNotFound as missing:
            return ExecOutcome(None, not_found_message(missing.program, exec_id))
        return ExecOutcome(await _play(steps, write, terminal))
    if stdin is None:
        return ExecOutcome(0)  # a shell whose stdin is empty ends at once
    return await _interactive(shell, terminal, stdin, write)


async def _interactive(shell: Shell, terminal: LineDiscipline,
                       stdin: trio.abc.ReceiveChannel[bytes], write: Write) -> ExecOutcome:
    """A shell reading stdin: one task feeds the terminal (echoing as it types, even
    while a command runs), the shell runs each line; Ctrl-C interrupts the running
    command (status 130, as SIGINT would) or abandons the line being typed."""
    lines_send, lines_receive = trio.open_memory_channel[str](math.inf)
    running: trio.CancelScope | None = None

    async def read_stdin() -> None:
        async for data in stdin:
            if not data:
                break
            lines, echo = terminal.feed(data)
            if echo:
                await write(1, echo)
            for line in lines:
                if line == INTERRUPT and running is not None:
                    running.cancel()
                else:
                    lines_send.send_nowait(line)
            if terminal.eof:
                break
        for line in terminal.close():
            lines_send.send_nowait(line)
        lines_send.close()

    async with trio.open_nursery() as nursery:
        nursery.start_soon(read_stdin)
        if terminal.tty:
            await write(1, PROMPT.encode())
        async for line in lines_receive:
            if line != INTERRUPT:
                with trio.CancelScope() as running:
                    await _play(shell.run_line(line), write, terminal)
                if running.cancelled_caught:
                    shell.status = 130
                running = None
            if shell.exited is not None:
                nursery.cancel_scope.cancel()
                return ExecOutcome(shell.exited)
            if terminal.tty:
                await write(1, PROMPT.encode())
    return ExecOutcome(shell.status)


@attrs.frozen
class ContainerSession:
    """A running container as the apiserver's exec sees it
    (:class:`kactors.apiserver.podexec.ExecTarget`): its view, and sessions run over it."""

    view: ContainerView

    async def run(self, command: Sequence[str], write: Write, *,
                  stdin: trio.abc.ReceiveChannel[bytes] | None = None, tty: bool = False,
                  clock: Callable[[], datetime.datetime] | None = None,
                  exec_id: str = "0" * 64) -> ExecOutcome:
        return await run_exec_session(self.view, command, write, stdin=stdin, tty=tty,
                                      clock=clock, exec_id=exec_id)
