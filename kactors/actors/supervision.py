"""Supervision vocabulary after Erlang/OTP: strategies, restart types, child specs, intensity.

Pure data and arithmetic; the runtime in `cell.py` acts on it.
"""

from __future__ import annotations

import enum
import math
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import attrs

from .errors import InvalidChildSpec, InvalidStrategy

if TYPE_CHECKING:
    from .actor import Actor


class Strategy(enum.Enum):
    ONE_FOR_ONE = "one_for_one"  # restart only the child that died
    ONE_FOR_ALL = "one_for_all"  # the children depend on each other: restart them all
    REST_FOR_ONE = "rest_for_one"  # later children depend on earlier ones: restart the rest


class Restart(enum.Enum):
    PERMANENT = "permanent"  # always restarted
    TRANSIENT = "transient"  # restarted only after an abnormal exit (a crash)
    TEMPORARY = "temporary"  # never restarted


def _enum_value(cls: type[enum.Enum], value: Any, what: str) -> Any:
    if isinstance(value, cls):
        return value
    try:
        return cls(value)
    except ValueError:
        choices = ", ".join(member.value for member in cls)
        raise InvalidStrategy(f"unknown {what} {value!r}; expected one of: {choices}") from None


@attrs.frozen
class Backoff:
    """Exponential delay between restarts of a crashing child: initial * factor**(n-1), capped."""

    initial: float = 0.1
    maximum: float = 10.0
    factor: float = 2.0

    def __attrs_post_init__(self) -> None:
        if not (self.initial >= 0 and self.maximum >= self.initial and self.factor >= 1):
            raise InvalidStrategy(
                f"invalid backoff: need 0 <= initial <= maximum and factor >= 1, got "
                f"initial={self.initial}, maximum={self.maximum}, factor={self.factor}"
            )

    def delay(self, attempt: int) -> float:
        return min(self.maximum, self.initial * self.factor ** max(0, attempt - 1))


@attrs.frozen
class SupervisionPolicy:
    """How an actor supervises its children. OTP defaults: one_for_one, 1 restart in 5 s."""

    strategy: Strategy = attrs.field(
        default=Strategy.ONE_FOR_ONE, converter=lambda v: _enum_value(Strategy, v, "strategy")
    )
    intensity: int = 1
    period: float = 5.0
    backoff: Backoff | None = None

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.intensity, int) or self.intensity < 0:
            raise InvalidStrategy(f"intensity must be an integer >= 0, got {self.intensity!r}")
        if not (isinstance(self.period, int | float) and self.period > 0):
            raise InvalidStrategy(f"period must be a number > 0, got {self.period!r}")


def _check_name(name: str) -> str:
    if not isinstance(name, str) or not name:
        raise InvalidChildSpec(f"child name must be a non-empty string, got {name!r}")
    if "/" in name:
        raise InvalidChildSpec(f"child name {name!r} must not contain '/'")
    return name


@attrs.frozen
class ChildSpec:
    """What a supervisor needs to start, restart and stop one child.

    `shutdown` is how long (cluster seconds) the child gets to stop after it is asked to;
    then it is cancelled ("brutal kill"). Use `math.inf` for a supervisor child, as OTP does.
    """

    name: str = attrs.field(converter=_check_name)
    factory: Callable[[], Actor]
    restart: Restart = attrs.field(
        default=Restart.PERMANENT, converter=lambda v: _enum_value(Restart, v, "restart type")
    )
    shutdown: float = 5.0
    mailbox_capacity: int = 10_000
    host: str | None = None

    def __attrs_post_init__(self) -> None:
        if not callable(self.factory):
            raise InvalidChildSpec(f"child {self.name!r}: factory must be callable, "
                                   f"got {self.factory!r}")
        if not (isinstance(self.shutdown, int | float) and self.shutdown >= 0):
            raise InvalidChildSpec(f"child {self.name!r}: shutdown timeout must be >= 0 "
                                   f"(or math.inf), got {self.shutdown!r}")
        if not (isinstance(self.mailbox_capacity, int) and self.mailbox_capacity >= 1):
            raise InvalidChildSpec(f"child {self.name!r}: mailbox_capacity must be an integer "
                                   f">= 1, got {self.mailbox_capacity!r}")


class RestartIntensity:
    """Counts restarts in a sliding window: more than `intensity` within `period` = give up."""

    def __init__(self, intensity: int, period: float) -> None:
        self.intensity = intensity
        self.period = period
        self._times: deque[float] = deque()

    def record(self, now: float) -> bool:
        """Record one restart at `now`; False when the limit is exceeded."""
        times = self._times
        times.append(now)
        while times and times[0] <= now - self.period:
            times.popleft()
        return len(times) <= self.intensity

    @property
    def recent(self) -> int:
        return len(self._times)


def is_finite(value: float) -> bool:
    return not math.isinf(value)
