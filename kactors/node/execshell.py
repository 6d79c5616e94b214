"""What ``kubectl exec`` runs inside a simulated container (sans-I/O).

The containers have no processes and no filesystem, but they have what a learner looks
at through ``exec``: the environment the kubelet resolved when it started the container,
the files of its mounted volumes, its hostname. :class:`ContainerView` is that snapshot;
:class:`Shell` runs commands over it and says what they would print, as
a generator of :class:`Output` and :class:`Sleep` steps whose return value is the exit
status, so that the caller plays the sleeps on the cluster's clock (virtual in tests,
real in ``kactors run``) and ``date`` after ``sleep 5`` is five seconds later.

What it understands, the way busybox/coreutils answer:
``env``, ``printenv [NAME...]``, ``echo``, ``printf``, ``cat``, ``ls [-1aA]``,
``hostname``, ``pwd``, ``cd``, ``id``, ``whoami``, ``uname``, ``date``, ``sleep N``,
``true``, ``false``, ``exit N``, ``export``/``NAME=value``, and ``sh -c '...'`` scripts
with ``;``, ``&&``, ``||``, newlines, pipes into ``grep``, ``head``, ``tail``, ``wc -l``,
``sort``, ``$VAR``, ``${VAR}``, ``$?`` expansion (not inside single quotes), and the
redirections ``>&2``, ``2>&1``, ``>/dev/null``, ``2>/dev/null``.

A program that does not exist: inside a shell, ``sh: NAME: not found`` and status 127;
run directly (``kubectl exec web -- bash``), the container runtime cannot start it and
:class:`ProgramNotFound` carries containerd's message. :mod:`.commands` reads a pod's own
``command``/``args`` for their timing and log lines; this module runs commands a user
types, with real output, and shares its list of shells.
"""

from __future__ import annotations

import datetime
import posixpath
import re
import shlex
from collections.abc import Callable, Generator, Mapping
from typing import Any

import attrs

from .commands import SHELLS
from .images import parse_duration

__all__ = ["ContainerView", "Output", "ProgramNotFound", "Shell", "Sleep", "Steps",
           "is_interactive_shell", "not_found_message"]

STDOUT, STDERR = 1, 2
#: directories every image has (``ls /``)
ROOT_DIRS = ("bin", "dev", "etc", "home", "lib", "proc", "root", "run", "sbin", "sys",
             "tmp", "usr", "var")
_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_ASSIGNMENT = re.compile(rf"({_NAME})=(.*)", re.DOTALL)
_VARIABLE = re.compile(rf"\$(?:\{{({_NAME}|\?)\}}|({_NAME})|(\?))")


@attrs.frozen
class ContainerView:
    """A running container as ``exec`` sees it (a snapshot the kubelet hands over)."""

    #: ``namespace/name`` and the container, for the log event
    pod: str
    container: str
    hostname: str
    #: the process environment, in order
    env: tuple[tuple[str, str], ...] = ()
    #: absolute path -> text: volume files, /etc/hostname, /etc/hosts
    files: Mapping[str, str] = attrs.field(factory=dict)


@attrs.frozen
class Output:
    """Text written to ``stream`` (1 stdout, 2 stderr)."""

    stream: int
    text: str


@attrs.frozen
class Sleep:
    """Wait ``seconds`` of cluster time; None: forever (until the client leaves)."""

    seconds: float | None


Step = Output | Sleep
#: a running command: yields steps, returns its exit status
Steps = Generator[Step, None, int]


class ProgramNotFound(Exception):
    """The program of a direct exec does not exist in the image."""

    def __init__(self, program: str) -> None:
        super().__init__(program)
        self.program = program


def not_found_message(program: str, exec_id: str) -> str:
    """What containerd reports for a program it cannot start (kubectl shows it after
    ``error: Internal error occurred: ``)."""
    return ("error executing command in container: failed to exec in container: failed to "
            f'start exec "{exec_id}": OCI runtime exec failed: exec failed: unable to start '
            f'container process: exec: "{program}": executable file not found in $PATH: '
            "unknown")


def is_interactive_shell(command: tuple[str, ...] | list[str]) -> bool:
    """Whether ``command`` is a shell reading its commands from stdin (``sh``, ``bash -i``,
    ``sh -``), rather than one running ``-c`` or a script."""
    if not command or posixpath.basename(command[0]) not in SHELLS:
        return False
    rest = [word for word in command[1:] if word not in ("-i", "-l", "-s", "-")]
    return not rest


class _Exit(Exception):
    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


def _split(text: str) -> list[tuple[list[str], str]]:
    """A script as pipelines: ``([stage text, ...], operator before it)``; the operators
    ``;``, newline, ``&&``, ``||`` outside quotes separate them, ``|`` separates stages."""
    pipelines: list[tuple[list[str], str]] = []
    stages: list[str] = []
    current: list[str] = []
    operator = ";"
    quote = ""
    i = 0

    def end_stage() -> None:
        stages.append("".join(current))
        current.clear()

    while i < len(text):
        char = text[i]
        if quote:
            current.append(char)
            if char == "\\" and quote == '"' and i + 1 < len(text):
                current.append(text[i + 1])
                i += 1
            elif char == quote:
                quote = ""
        elif char in "'\"":
            quote = char
            current.append(char)
        elif char == "\\" and i + 1 < len(text):
            current.append(text[i:i + 2])
            i += 1
        elif char == "#" and (not current or current[-1] in " \t"):
            while i < len(text) and text[i] != "\n":
                i += 1
            continue
        elif char in ";\n" or text.startswith(("&&", "||"), i):
            end_stage()
            pipelines.append((list(stages), operator))
            stages.clear()
            operator = ";" if char in ";\n" else text[i:i + 2]
            i += 1 if char in ";\n" else 2
            continue
        elif char == "|":
            end_stage()
        else:
            current.append(char)
        i += 1
    end_stage()
    pipelines.append((list(stages), operator))
    return [(s, op) for s, op in pipelines if any(stage.strip() for stage in s)]


_REDIRECTION = re.compile(r"([12]?)>(&[12]|/dev/null)")


def _redirections(words: list[str]) -> tuple[dict[int, int], list[str]]:
    """``>&2``, ``2>&1``, ``>/dev/null``, ``2>/dev/null``: where each stream goes (0:
    nowhere), and the other words. Files cannot be written (read-only views)."""
    routes: dict[int, int] = {}
    rest = []
    for word in words:
        match = _REDIRECTION.fullmatch(word)
        if match is None:
            rest.append(word)
            continue
        source = int(match.group(1) or 1)
        target = match.group(2)
        routes[source] = 0 if target == "/dev/null" else int(target[1])
    return routes, rest


class Shell:
    """Runs commands over a :class:`ContainerView`; keeps the shell's state (variables,
    ``$?``, the working directory) from one command line to the next, as a shell reading
    stdin does."""

    def __init__(self, view: ContainerView,
                 clock: Callable[[], datetime.datetime] | None = None) -> None:
        self.view = view
        self.clock = clock or (lambda: datetime.datetime.now(datetime.UTC))
        self.variables: dict[str, str] = dict(view.env)
        self.exported: dict[str, None] = dict.fromkeys(self.variables)
        self.status = 0
        self.cwd = "/"
        self.exited: int | None = None
        self.programs: dict[str, Callable[[list[str], str], Steps]] = {
            "env": self._env, "printenv": self._printenv, "echo": self._echo,
            "printf": self._printf, "cat": self._cat, "ls": self._ls,
            "hostname": self._hostname, "pwd": self._pwd, "cd": self._cd, "id": self._id,
            "whoami": self._whoami, "uname": self._uname, "date": self._date,
            "sleep": self._sleep, "true": self._true, "false": self._false, "exit": self._exit,
            "export": self._export, "grep": self._grep, "head": self._head,
            "tail": self._tail, "wc": self._wc, "sort": self._sort,
        }

    # -- entry points --------------------------------------------------------------------
    def exec(self, command: list[str] | tuple[str, ...], stdin: str = "") -> Steps:
        """Run a program directly (``kubectl exec POD -- PROGRAM ARGS``), reading
        ``stdin``; raises :class:`ProgramNotFound` at once when the image has no such
        program."""
        if not command:
            raise ProgramNotFound("")
        name = posixpath.basename(command[0])
        if name not in self.programs and name not in SHELLS or name in ("cd", "exit", "export"):
            raise ProgramNotFound(command[0])
        return self._run_stage(list(command), stdin)

    def run_line(self, line: str) -> Steps:
        """Run one line of shell input (a shell reading stdin); sets :attr:`exited`
        after ``exit``."""
        try:
            return (yield from self._script(line))
        except _Exit as done:
            self.exited = self.status = done.code
            return done.code

    # -- the shell ------------------------------------------------------------------------
    def _script(self, text: str) -> Steps:
        for stages, operator in _split(text):
            if operator == "&&" and self.status != 0 or operator == "||" and self.status == 0:
                continue
            self.status = yield from self._pipeline(stages)
        return self.status

    def _pipeline(self, stages: list[str]) -> Steps:
        stdin = ""
        status = 0
        for index, stage in enumerate(stages):
            words = self._words(stage)
            if index == len(stages) - 1:
                status = yield from self._command(words, stdin)
            else:
                captured: list[str] = []
                run = self._command(words, stdin)
                while True:
                    try:
                        step = next(run)
                    except StopIteration:
                        break
                    if isinstance(step, Output) and step.stream == STDOUT:
                        captured.append(step.text)
                    else:
                        yield step
                stdin = "".join(captured)
        return status

    def _words(self, stage: str) -> list[str]:
        try:
            return shlex.split(self._expand(stage))
        except ValueError:
            return self._expand(stage).split()

    def _expand(self, text: str) -> str:
        """``$VAR``, ``${VAR}`` and ``$?`` outside single quotes; the values quoted so
        that the words come out as the shell would split them."""
        out: list[str] = []
        quote = ""
        i = 0
        while i < len(text):
            char = text[i]
            if char == "'" and quote != '"':
                quote = "" if quote == "'" else "'"
            elif char == '"' and quote != "'":
                quote = "" if quote == '"' else '"'
            elif char == "\\" and quote != "'" and i + 1 < len(text):
                out.append(text[i:i + 2])
                i += 2
                continue
            elif char == "$" and quote != "'":
                match = _VARIABLE.match(text, i)
                if match is not None:
                    name = match.group(1) or match.group(2) or match.group(3)
                    value = str(self.status) if name == "?" else self.variables.get(name, "")
                    if quote == '"':
                        out.append(value.replace("\\", "\\\\").replace('"', '\\"')
                                   .replace("$", "\\$").replace("`", "\\`"))
                    else:
                        out.append(" ".join(shlex.quote(word) for word in value.split()))
                    i = match.end()
                    continue
            out.append(char)
            i += 1
        return "".join(out)

    def _command(self, words: list[str], stdin: str) -> Steps:
        routes, words = _redirections(words)
        if not routes:
            return (yield from self._simple(words, stdin))
        run = self._simple(words, stdin)
        while True:
            try:
                step = next(run)
            except StopIteration as done:
                return int(done.value or 0)
            if isinstance(step, Output):
                stream = routes.get(step.stream, step.stream)
                if stream:
                    yield Output(stream, step.text)
            else:
                yield step

    def _simple(self, words: list[str], stdin: str) -> Steps:
        assignments: dict[str, str] = {}
        while words and (match := _ASSIGNMENT.fullmatch(words[0])):
            assignments[match.group(1)] = match.group(2)
            words = words[1:]
        if not words:
            self.variables.update(assignments)
            return 0
        if assignments:  # VAR=x cmd: for that command only
            saved = dict(self.variables)
            self.variables.update(assignments)
            self.exported.update(dict.fromkeys(assignments))
            try:
                return (yield from self._run_stage(words, stdin))
            finally:
                self.variables = saved
        return (yield from self._run_stage(words, stdin))

    def _run_stage(self, words: list[str], stdin: str) -> Steps:
        name = posixpath.basename(words[0])
        program = self.programs.get(name)
        if program is not None:
            return (yield from program(words[1:], stdin))
        if name in SHELLS:
            return (yield from self._subshell(words[1:], stdin))
        yield Output(STDERR, f"sh: {words[0]}: not found\n")
        return 127

    def _subshell(self, args: list[str], stdin: str) -> Steps:
        """``sh -c SCRIPT`` (or a shell reading ``stdin``): a child with a copy of the
        exported variables; its ``exit`` ends it, not us."""
        child = Shell(self.view, self.clock)
        child.variables = {k: v for k, v in self.variables.items() if k in self.exported}
        child.exported = dict.fromkeys(child.variables)
        child.cwd = self.cwd
        if "-c" in args:
            index = args.index("-c")
            script = args[index + 1] if index + 1 < len(args) else ""
            if index + 1 >= len(args):
                yield Output(STDERR, "sh: -c requires an argument\n")
                return 2
            if index + 2 < len(args):
                child.variables["0"] = args[index + 2]
        elif args and not args[0].startswith("-"):
            yield Output(STDERR, f"sh: can't open '{args[0]}': No such file or directory\n")
            return 2
        else:
            script = stdin
        try:
            return (yield from child._script(script))
        except _Exit as done:
            return done.code

    # -- files ----------------------------------------------------------------------------
    def _path(self, path: str) -> str:
        return posixpath.normpath(posixpath.join(self.cwd, path))

    def _files(self) -> dict[str, str]:
        return dict(self.view.files)

    def _is_dir(self, path: str) -> bool:
        if path == "/" or path.strip("/") in ROOT_DIRS:
            return True
        prefix = path.rstrip("/") + "/"
        return any(name.startswith(prefix) for name in self.view.files)

    def _entries(self, path: str) -> list[str]:
        prefix = "/" if path == "/" else path.rstrip("/") + "/"
        names = {name[len(prefix):].split("/", 1)[0] for name in self.view.files
                 if name.startswith(prefix)}
        if path == "/":
            names.update(ROOT_DIRS)
        return sorted(names)

    # -- programs (each: args, stdin -> steps, status) -------------------------------------
    def _env(self, args: list[str], stdin: str) -> Steps:
        if args:
            return (yield from self._command(args, stdin))
        yield Output(STDOUT, "".join(f"{k}={v}\n" for k, v in self.variables.items()
                                     if k in self.exported))
        return 0

    def _printenv(self, args: list[str], stdin: str) -> Steps:
        exported = {k: v for k, v in self.variables.items() if k in self.exported}
        if not args:
            yield Output(STDOUT, "".join(f"{k}={v}\n" for k, v in exported.items()))
            return 0
        found = [exported[name] for name in args if name in exported]
        if found:
            yield Output(STDOUT, "".join(f"{value}\n" for value in found))
        return 0 if len(found) == len(args) else 1

    def _echo(self, args: list[str], stdin: str) -> Steps:
        newline = "\n"
        while args and args[0] in ("-n", "-e", "-E"):
            if args[0] == "-n":
                newline = ""
            args = args[1:]
        yield Output(STDOUT, " ".join(args) + newline)
        return 0

    def _printf(self, args: list[str], stdin: str) -> Steps:
        if not args:
            yield Output(STDERR, "printf: usage: printf format [arguments]\n")
            return 2
        text = args[0].replace("\\n", "\n").replace("\\t", "\t")
        values = iter(args[1:])
        text = re.sub(r"%[sd]", lambda _: next(values, ""), text).replace("%%", "%")
        yield Output(STDOUT, text)
        return 0

    def _cat(self, args: list[str], stdin: str) -> Steps:
        paths = [a for a in args if not a.startswith("-") or a == "-"]
        if not paths:
            yield Output(STDOUT, stdin)
            return 0
        status = 0
        files = self._files()
        for path in paths:
            full = self._path(path)
            if path == "-":
                yield Output(STDOUT, stdin)
            elif full in files:
                yield Output(STDOUT, files[full])
            elif self._is_dir(full):
                yield Output(STDERR, f"cat: {path}: Is a directory\n")
                status = 1
            else:
                yield Output(STDERR, f"cat: {path}: No such file or directory\n")
                status = 1
        return status

    def _ls(self, args: list[str], stdin: str) -> Steps:
        flags = "".join(a[1:] for a in args if a.startswith("-"))
        paths = [a for a in args if not a.startswith("-")] or ["."]
        status = 0
        files = self._files()
        listings: list[str] = []
        for path in paths:
            full = self._path(path)
            if full in files:
                listings.append(f"{path}\n")
            elif self._is_dir(full):
                entries = self._entries(full)
                if "a" in flags:
                    entries = [".", "..", *entries]
                body = "".join(f"{name}\n" for name in entries)
                listings.append(f"{path}:\n{body}" if len(paths) > 1 else body)
            else:
                yield Output(STDERR,
                             f"ls: cannot access '{path}': No such file or directory\n")
                status = 2
        if listings:
            yield Output(STDOUT, "\n".join(listings))
        return status

    def _hostname(self, args: list[str], stdin: str) -> Steps:
        yield Output(STDOUT, f"{self.view.hostname}\n")
        return 0

    def _pwd(self, args: list[str], stdin: str) -> Steps:
        yield Output(STDOUT, f"{self.cwd}\n")
        return 0

    def _cd(self, args: list[str], stdin: str) -> Steps:
        target = self._path(args[0]) if args else self.variables.get("HOME", "/")
        if not self._is_dir(target):
            yield Output(STDERR, f"sh: cd: can't cd to {args[0]}: No such file or directory\n")
            return 2
        self.cwd = target
        return 0

    def _id(self, args: list[str], stdin: str) -> Steps:
        yield Output(STDOUT, "uid=0(root) gid=0(root) groups=0(root)\n")
        return 0

    def _whoami(self, args: list[str], stdin: str) -> Steps:
        yield Output(STDOUT, "root\n")
        return 0

    def _uname(self, args: list[str], stdin: str) -> Steps:
        text = "Linux"
        if "-a" in args:
            text = f"Linux {self.view.hostname} 6.8.0-kactors #1 SMP x86_64 GNU/Linux"
        yield Output(STDOUT, f"{text}\n")
        return 0

    def _date(self, args: list[str], stdin: str) -> Steps:
        now = self.clock().astimezone(datetime.UTC)
        yield Output(STDOUT, now.strftime("%a %b %e %H:%M:%S UTC %Y") + "\n")
        return 0

    def _sleep(self, args: list[str], stdin: str) -> Steps:
        if not args:
            yield Output(STDERR, "sleep: missing operand\n")
            return 1
        if args[0] == "infinity":
            yield Sleep(None)
            return 0
        try:
            seconds = sum(parse_duration(a) for a in args)
        except ValueError:
            yield Output(STDERR, f"sleep: invalid time interval '{args[0]}'\n")
            return 1
        yield Sleep(seconds)
        return 0

    def _true(self, args: list[str], stdin: str) -> Steps:
        return 0
        yield  # a generator

    def _false(self, args: list[str], stdin: str) -> Steps:
        return 1
        yield  # a generator

    def _exit(self, args: list[str], stdin: str) -> Steps:
        code = self.status
        if args:
            try:
                code = int(args[0]) % 256
            except ValueError:
                yield Output(STDERR, f"sh: exit: Illegal number: {args[0]}\n")
                code = 2
        raise _Exit(code)

    def _export(self, args: list[str], stdin: str) -> Steps:
        for arg in args:
            match = _ASSIGNMENT.fullmatch(arg)
            name = match.group(1) if match else arg
            if match:
                self.variables[name] = match.group(2)
            self.exported[name] = None
        return 0
        yield  # a generator

    # -- filters (the right side of a pipe) ------------------------------------------------
    def _input(self, args: list[str], stdin: str) -> tuple[str, list[str]]:
        """The text a filter reads (its file arguments, else stdin) and its other args."""
        files = self._files()
        paths = [a for a in args if not a.startswith("-") and self._path(a) in files]
        text = "".join(files[self._path(p)] for p in paths) if paths else stdin
        return text, [a for a in args if a not in paths]

    def _grep(self, args: list[str], stdin: str) -> Steps:
        flags = "".join(a[1:] for a in args if a.startswith("-"))
        words = [a for a in args if not a.startswith("-")]
        if not words:
            yield Output(STDERR, "Usage: grep [OPTION]... PATTERNS [FILE]...\n")
            return 2
        pattern, rest = words[0], words[1:]
        text, _ = self._input(rest, stdin)
        try:
            regex = re.compile(pattern, re.IGNORECASE if "i" in flags else 0)
        except re.error:
            regex = re.compile(re.escape(pattern), re.IGNORECASE if "i" in flags else 0)
        lines = [line for line in text.splitlines()
                 if bool(regex.search(line)) != ("v" in flags)]
        if "c" in flags:
            yield Output(STDOUT, f"{len(lines)}\n")
        elif lines:
            yield Output(STDOUT, "".join(f"{line}\n" for line in lines))
        return 0 if lines else 1

    def _count(self, args: list[str], default: int) -> int:
        for index, arg in enumerate(args):
            if arg == "-n" and index + 1 < len(args) and args[index + 1].isdigit():
                return int(args[index + 1])
            if arg.startswith("-") and arg[1:].isdigit():
                return int(arg[1:])
        return default

    def _head(self, args: list[str], stdin: str) -> Steps:
        text, rest = self._input(args, stdin)
        lines = text.splitlines(keepends=True)[:self._count(rest, 10)]
        yield Output(STDOUT, "".join(lines))
        return 0

    def _tail(self, args: list[str], stdin: str) -> Steps:
        text, rest = self._input(args, stdin)
        count = self._count(rest, 10)
        lines = text.splitlines(keepends=True)
        yield Output(STDOUT, "".join(lines[-count:] if count else []))
        return 0

    def _wc(self, args: list[str], stdin: str) -> Steps:
        text, rest = self._input(args, stdin)
        counts = {"l": text.count("\n"), "w": len(text.split()), "c": len(text.encode())}
        chosen = [c for c in "lwc" if any(c in a for a in rest if a.startswith("-"))]
        values = [counts[c] for c in (chosen or "lwc")]
        yield Output(STDOUT, " ".join(str(v) for v in values) + "\n")
        return 0

    def _sort(self, args: list[str], stdin: str) -> Steps:
        text, rest = self._input(args, stdin)
        lines = sorted(text.splitlines(), reverse="-r" in rest)
        yield Output(STDOUT, "".join(f"{line}\n" for line in lines))
        return 0


def run_all(steps: Steps) -> tuple[list[Any], int]:
    """Every step of a command that never sleeps for ever, and its status (for tests and
    callers that do not stream)."""
    collected: list[Any] = []
    while True:
        try:
            collected.append(next(steps))
        except StopIteration as done:
            return collected, int(done.value or 0)
