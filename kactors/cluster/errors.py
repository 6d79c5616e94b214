"""The errors of a cluster.toml: where each mistake is, and all of them at once.

A learner who mistypes three keys should see three lines, not fix-rerun-fix-rerun, so the
loader collects every problem into one :class:`ConfigErrors`. Each problem is a
:class:`ConfigError` naming the file, the 1-based line and the dotted key path, rendered
like a compiler diagnostic so that editors and terminals can jump to it::

    cluster.toml:12: nodes[0].memory: invalid quantity "8GB": quantities must match ...
    cluster.toml:3:7: invalid TOML: Expected '=' after a key in a key/value pair

A TOML syntax error is reported alone (with its column): nothing after it can be trusted.
Errors compare by value so tests can assert on them directly.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["ConfigError", "ConfigErrors"]


class ConfigError(ValueError):
    """One problem in a configuration: ``file:line[:column]: key: message``.

    ``line`` is ``None`` when the problem has no place in a file (a command-line
    override); ``key`` is ``None`` when it concerns the file itself or its top level
    (syntax errors, unknown top-level keys); ``column`` is only known for syntax errors.
    """

    def __init__(
        self,
        file: str,
        line: int | None,
        key: str | None,
        message: str,
        column: int | None = None,
    ) -> None:
        super().__init__(file, line, key, message, column)
        self.file = file
        self.line = line
        self.key = key
        self.message = message
        self.column = column

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        key = f" {self.key}:" if self.key else ""
        return f"{where}:{key} {self.message}"

    def __repr__(self) -> str:
        return f"ConfigError({', '.join(repr(arg) for arg in self.args)})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ConfigError):
            return NotImplemented
        return self.args == other.args

    def __hash__(self) -> int:
        return hash(self.args)


class ConfigErrors(ValueError):
    """Every problem found in one configuration, in file order; ``str()`` is one per line.

    The only exception :func:`~kactors.cluster.load_config` and friends raise, so a CLI
    needs a single ``except`` (print it, exit with status 2).
    """

    def __init__(self, errors: Iterable[ConfigError]) -> None:
        ordered = sorted(errors, key=_file_order)
        if not ordered:
            raise ValueError("ConfigErrors needs at least one error")
        super().__init__(ordered)
        self.errors: tuple[ConfigError, ...] = tuple(ordered)

    def __str__(self) -> str:
        return "\n".join(str(error) for error in self.errors)

    def __repr__(self) -> str:
        return f"ConfigErrors({list(self.errors)!r})"


def _file_order(error: ConfigError) -> tuple[bool, int]:
    """Errors read top to bottom like the file; those without a line come last.

    ``sorted`` is stable, so errors on one line keep the order they were found in.
    """
    return (error.line is None, error.line or 0)
