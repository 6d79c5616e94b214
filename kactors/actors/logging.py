"""Structured logs: the teaching medium of kactors.

Every record carries `ts` (cluster seconds since the system started), `actor` (its path)
and `event` (a dotted name such as `actor.restarted`). Rendered as aligned console lines
for people or JSON lines for tools; optionally captured as dicts for tests. Each system
builds its own logger (no global structlog configuration), so tests can run many systems.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable, MutableMapping
from typing import IO, Any

import structlog

LEVELS = {"debug": 10, "info": 20, "warning": 30, "error": 40, "critical": 50, "off": 100}
_SECRET_KEY = re.compile(r"token|password|passwd|secret|authorization|credential|private_key",
                         re.IGNORECASE)
REDACTED = "[REDACTED]"

EventDict = MutableMapping[str, Any]


class Secret(str):
    """A string that renders as [REDACTED] in any log record or repr."""

    def __repr__(self) -> str:
        return REDACTED


def log_enabled(log: Any, level: str) -> bool:
    """Whether `log` keeps events of `level` (structlog's filtering loggers say so; the
    level of a system's logger is fixed when it is built), so an actor can skip building
    the arguments of events that would be dropped."""
    is_enabled_for = getattr(log, "is_enabled_for", None)
    return bool(is_enabled_for(LEVELS[level])) if callable(is_enabled_for) else True


def redact(event: EventDict) -> EventDict:
    """Secrets never reach a log: by key name, or by the `Secret` type, at any depth."""
    for key, value in list(event.items()):
        if _SECRET_KEY.search(key) and value is not None:
            event[key] = REDACTED
        elif isinstance(value, Secret):
            event[key] = REDACTED
        elif isinstance(value, dict | list | tuple):
            event[key] = _redact_value(value)
    return event


def _redact_value(value: Any) -> Any:
    """Secrets inside containers: a Secret is a str, so JSON would print it in clear."""
    if isinstance(value, Secret):
        return REDACTED
    if isinstance(value, dict):
        return redact(dict(value))
    if isinstance(value, list | tuple):
        items = [_redact_value(item) for item in value]
        if all(new is old for new, old in zip(items, value, strict=True)):
            return value  # nothing secret inside: keep the value (and its type) as logged
        return items if isinstance(value, list) else tuple(items)
    return value


def _order(now: Callable[[], float]) -> Callable[[Any, str, EventDict], EventDict]:
    def processor(_: Any, method: str, event: EventDict) -> EventDict:
        # ts, actor and event lead every record (and every JSON line), then the level
        ordered: dict[str, Any] = {"ts": round(now(), 6), "actor": event.pop("actor", "/"),
                                   "event": event.pop("event")}
        ordered["level"] = event.pop("level", method)
        ordered.update(event)
        return redact(ordered)

    return processor


def render_console(event: EventDict) -> str:
    extras = " ".join(f"{key}={_short(value)}" for key, value in event.items()
                      if key not in ("ts", "actor", "event", "level"))
    level = _SHORT_LEVEL.get(event.get("level", "info"), "INFO")
    return f"{event['ts']:10.3f} {level:<5} {event['actor']:<32} {event['event']:<24} {extras}".rstrip()


_SHORT_LEVEL = {"debug": "DEBUG", "info": "INFO", "warning": "WARN", "error": "ERROR",
                "critical": "CRIT"}


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=repr, sort_keys=False)
    return text if " " not in text or text.startswith(("{", "[", '"')) else json.dumps(text)


def render_json(event: EventDict) -> str:
    return json.dumps(event, default=repr, separators=(", ", ": "))


class _Sink:
    """The structlog 'logger': writes rendered lines and/or keeps records for tests."""

    def __init__(self, stream: IO[str] | None, fmt: str,
                 records: list[dict[str, Any]] | None) -> None:
        self.stream = stream
        self.render = render_json if fmt == "json" else render_console
        self.records = records

    def write(self, event: EventDict) -> None:
        if self.records is not None:
            self.records.append(dict(event))
        if self.stream is not None:
            self.stream.write(self.render(event) + "\n")

    def msg(self, event: EventDict) -> None:
        self.write(event)

    debug = info = warning = warn = error = critical = exception = msg


def _to_sink(_: Any, __: str, event: EventDict) -> Any:
    return ((event,), {})


def _only(prefixes: tuple[str, ...]) -> Callable[[Any, str, EventDict], EventDict]:
    """Keep events whose name starts with one of `prefixes`; warnings and errors, and the
    system's own `system.`/`cluster.` events, always pass."""
    always = ("system.", "cluster.")

    def processor(_: Any, method: str, event: EventDict) -> EventDict:
        name = str(event.get("event", ""))
        if name.startswith(prefixes) or name.startswith(always) or \
                LEVELS.get(method, 20) >= LEVELS["warning"]:
            return event
        raise structlog.DropEvent

    return processor


def build_logger(now: Callable[[], float], *, fmt: str = "console", level: str = "info",
                 stream: IO[str] | None = None, records: list[dict[str, Any]] | None = None,
                 use_stdout: bool = True, only: tuple[str, ...] = ()) -> Any:
    """A structlog bound logger for one actor system.

    `only`: event-name prefixes to keep (e.g. ``("pod.", "deployment.")``); empty keeps all.
    """
    if fmt not in ("console", "json"):
        raise ValueError(f"log format must be 'console' or 'json', got {fmt!r}")
    if level not in LEVELS:
        raise ValueError(f"log level must be one of {', '.join(LEVELS)}, got {level!r}")
    if stream is None and use_stdout:
        stream = sys.stdout
    sink = _Sink(stream, fmt, records)
    return structlog.wrap_logger(
        sink,
        processors=[*([_only(tuple(only))] if only else []), _order(now), _to_sink],
        wrapper_class=structlog.make_filtering_bound_logger(LEVELS[level]),
        cache_logger_on_first_use=True,
    )
