"""What a container's ``command``/``args`` would do, read the way a learner writes them.

Shell images (busybox, alpine, perl...) do whatever their command says, so the examples
of the Kubernetes documentation must behave as documented::

    command: ["sleep", "3600"]                                   # runs 3600 s, exits 0
    args: ["/bin/sh", "-c", "echo hello; sleep 5; exit 3"]        # prints, exits 3 after 5 s
    args: [sh, -c, 'while true; do echo "$(date)"; sleep 5; done'] # forever, a line per 5 s
    args: [/bin/sh, -c, touch /tmp/healthy; sleep 30; rm -f /tmp/healthy; sleep 600]
    command: ["perl", "-Mbignum=bpi", "-wle", "print bpi(2000)"]   # ~10 s, prints pi

This is a tiny interpreter of a few shell words (``sleep``, ``echo``, ``exit``, ``touch``,
``rm``, ``while true``), not a shell: anything else takes no time and prints nothing.
"""

from __future__ import annotations

import functools
import re
import shlex
from collections.abc import Sequence

import attrs

from .images import FileSpec, ImageBehavior, LogSpec, parse_duration

__all__ = ["SHELLS", "Script", "apply_command", "interpret", "pi_digits"]

#: the shells images have; `sh -c SCRIPT` runs SCRIPT (here and in :mod:`.execshell`)
SHELLS = {"sh", "bash", "ash", "dash", "zsh"}
_STATEMENT_SPLIT = re.compile(r";|&&|\|\||\n")
_BPI = re.compile(r"bpi\(\s*(\d+)\s*\)")
#: A script that does nothing noticeable still takes a moment to run.
_MINIMUM_RUN = 0.1


@attrs.frozen
class Script:
    """The observable outcome of a container command."""

    run_seconds: float | None
    exit_code: int = 0
    logs: tuple[LogSpec, ...] = ()
    files: tuple[FileSpec, ...] = ()
    #: whether any word was understood (a bare ``/app/server`` is not)
    recognized: bool = False


@functools.cache
def pi_digits(count: int) -> str:
    """π with ``count`` significant digits, as ``perl -Mbignum=bpi`` prints ``bpi(count)``.

    Machin's formula in integer arithmetic: exact, and a few milliseconds for 2000 digits.
    """
    count = max(1, min(count, 20_000))
    guard = 10
    unity = 10 ** (count + guard)

    def arctan_inverse(x: int) -> int:
        total, term, n, sign = 0, unity // x, 1, 1
        x_squared = x * x
        while term:
            total += sign * (term // n)
            term //= x_squared
            n += 2
            sign = -sign
        return total

    pi = 4 * (4 * arctan_inverse(5) - arctan_inverse(239))
    digits = str(pi // 10 ** (guard + 1))  # count significant digits, truncated
    digits = digits[:count]
    return digits[0] + ("." + digits[1:] if len(digits) > 1 else "")


def _words(statement: str) -> list[str]:
    try:
        return shlex.split(statement)
    except ValueError:
        return statement.split()


class _Interpreter:
    def __init__(self) -> None:
        self.clock = 0.0
        self.forever = False
        self.exit_code: int | None = None
        self.logs: list[LogSpec] = []
        self.created: dict[str, float] = {}
        self.files: list[FileSpec] = []
        self.recognized = False
        self.in_loop = False
        self.loop_start = 0.0
        self.loop_lines: list[str] = []

    def run_script(self, text: str) -> None:
        for raw in _STATEMENT_SPLIT.split(text):
            if self.exit_code is not None or self.forever and not self.in_loop:
                return
            words = _words(raw)
            while words and words[0] in ("do", "then", "else", "{", "}"):
                words = words[1:]
            if words:
                self.statement(words)
        if self.in_loop:
            self.end_loop()

    def statement(self, words: list[str]) -> None:
        name = words[0].rsplit("/", 1)[-1]
        if name == "while" and words[1:2] in (["true"], [":"], ["[", "1", "]"]):
            self.recognized = True
            self.in_loop, self.loop_start, self.loop_lines = True, self.clock, []
        elif name in ("done", "fi"):
            if self.in_loop and name == "done":
                self.end_loop()
        elif name == "sleep":
            self.recognized = True
            arguments = words[1:] or ["0"]
            if arguments[0] == "infinity":
                self.forever = True
                return
            try:
                self.clock += parse_duration(arguments[0])
            except ValueError:
                pass
        elif name in ("echo", "printf"):
            self.recognized = True
            text = " ".join(word for word in words[1:] if word not in ("-n", "-e"))
            if self.in_loop:
                self.loop_lines.append(text)
            else:
                self.logs.append(LogSpec(text, self.clock))
        elif name == "exit":
            self.recognized = True
            try:
                self.exit_code = int(words[1]) % 256 if len(words) > 1 else 0
            except ValueError:
                self.exit_code = 2  # sh: exit: Illegal number
        elif name == "touch":
            self.recognized = True
            for path in words[1:]:
                self.created.setdefault(path, self.clock)
        elif name == "rm":
            self.recognized = True
            for path in words[1:]:
                if not path.startswith("-") and path in self.created:
                    self.files.append(FileSpec(path, self.created.pop(path), self.clock))
        elif name == "tail" and "-f" in words:
            self.recognized = True
            self.forever = True
        elif name in SHELLS and "-c" in words[1:]:
            index = words.index("-c")
            if index + 1 < len(words):
                self.run_script(words[index + 1])
        elif name.startswith("perl"):
            match = _BPI.search(" ".join(words))
            if match:
                self.recognized = True
                count = int(match.group(1))
                self.clock += max(1.0, count / 200)
                self.logs.append(LogSpec(pi_digits(count), self.clock))

    def end_loop(self) -> None:
        period = self.clock - self.loop_start
        if period <= 0:
            period = 1.0  # a busy loop: one line a second is plenty
        for text in self.loop_lines:
            self.logs.append(LogSpec(text, self.loop_start, every=period))
        self.in_loop = False
        self.forever = True

    def result(self) -> Script:
        files = [*self.files, *(FileSpec(path, at) for path, at in self.created.items())]
        run = None if self.forever and self.exit_code is None else max(self.clock, _MINIMUM_RUN)
        return Script(run, self.exit_code or 0, tuple(self.logs), tuple(files), self.recognized)


def interpret(command: Sequence[str], args: Sequence[str]) -> Script | None:
    """The outcome of running ``command + args``; ``None`` when both are empty."""
    words = [str(word) for word in (*command, *args)]
    if not words:
        return None
    interpreter = _Interpreter()
    interpreter.statement(words)
    if interpreter.in_loop:
        interpreter.end_loop()
    return interpreter.result()


def apply_command(
    behavior: ImageBehavior, command: Sequence[str], args: Sequence[str]
) -> ImageBehavior:
    """``behavior`` as changed by the container's ``command``/``args``.

    Shell images always do what the script says (a script of unknown words ends at
    once, exit 0). Other images change only when the words were understood, so that
    ``args: ["--port=8080"]`` leaves a web server running.
    """
    script = interpret(command, args)
    if script is None or not (behavior.shell or script.recognized):
        return behavior
    logs = script.logs if script.recognized or behavior.shell else behavior.logs
    return attrs.evolve(
        behavior,
        run_seconds=script.run_seconds,
        exit_code=script.exit_code,
        logs=logs,
        files=script.files,
    )
