"""A terminal's line discipline for ``kubectl exec -i [-t]`` (sans-I/O).

With ``-t`` kubectl puts the user's terminal in raw mode and sends each key as typed: the
*container's* terminal echoes it, ends a line at Enter (``\\r``), erases on backspace,
turns Ctrl-C into a fresh prompt and Ctrl-D on an empty line into end of input, and
writes ``\\r\\n`` for every newline of the output (``onlcr``). Without ``-t``, stdin is a
plain pipe: lines end at ``\\n``, nothing is echoed.
"""

from __future__ import annotations

__all__ = ["LineDiscipline", "INTERRUPT"]

#: a line that Ctrl-C abandoned (the shell prints a new prompt)
INTERRUPT = "\x03"


class LineDiscipline:
    """Feed stdin bytes; take complete lines and what to echo."""

    def __init__(self, tty: bool) -> None:
        self.tty = tty
        self.pending = ""
        self.eof = False

    def feed(self, data: bytes) -> tuple[list[str], bytes]:
        """(the lines completed by ``data``, without their ending; :data:`INTERRUPT` for
        a line abandoned with Ctrl-C) and the bytes to echo back."""
        text = data.decode("utf-8", "replace")
        lines: list[str] = []
        if not self.tty:
            self.pending += text
            *complete, self.pending = self.pending.split("\n")
            return complete, b""
        echo: list[str] = []
        for char in text:
            if char in "\r\n":
                lines.append(self.pending)
                self.pending = ""
                echo.append("\r\n")
            elif char in "\x7f\b":
                if self.pending:
                    self.pending = self.pending[:-1]
                    echo.append("\b \b")
            elif char == "\x03":
                lines.append(INTERRUPT)
                self.pending = ""
                echo.append("^C\r\n")
            elif char == "\x04":
                if not self.pending:
                    self.eof = True
                    break
            elif char >= " " or char == "\t":
                self.pending += char
                echo.append(char)
        return lines, "".join(echo).encode()

    def close(self) -> list[str]:
        """End of input: what is left becomes the last line."""
        self.eof = True
        last, self.pending = self.pending, ""
        return [last] if last else []

    def output(self, text: str) -> bytes:
        """Output as the terminal shows it (``\\n`` -> ``\\r\\n`` with a tty)."""
        if self.tty:
            text = text.replace("\r\n", "\n").replace("\n", "\r\n")
        return text.encode()
