"""Cron schedules as a CronJob's ``spec.schedule`` reads them (robfig/cron's standard
parser, which Kubernetes uses).

Five fields: minute (0-59), hour (0-23), day of month (1-31), month (1-12 or JAN-DEC),
day of week (0-6 or SUN-SAT, 7 is Sunday too). Each is ``*`` (or ``?``), a value, a range
``a-b``, a step ``*/n`` or ``a-b/n`` or ``a/n``, or a comma list of those. When both day
fields are restricted, a day matches if *either* does (cron's old rule); otherwise both
must. The descriptors ``@yearly`` (``@annually``), ``@monthly``, ``@weekly``, ``@daily``
(``@midnight``), ``@hourly`` and ``@every <duration>`` are accepted too. Times are
computed in the zone the caller gives (the CronJob's ``timeZone``, UTC by default).
"""

from __future__ import annotations

import datetime
import re
import zoneinfo
from collections.abc import Sequence

import attrs

__all__ = ["CronError", "CronSchedule", "parse_cron", "schedule_times", "time_zone"]

_MONTHS = {name: number for number, name in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"),
    start=1)}
_WEEKDAYS = {name: number for number, name in enumerate(
    ("sun", "mon", "tue", "wed", "thu", "fri", "sat"))}
#: (name, low, high, names) of the five fields
_FIELDS = (("minute", 0, 59, {}), ("hour", 0, 23, {}), ("day of month", 1, 31, {}),
           ("month", 1, 12, _MONTHS), ("day of week", 0, 7, _WEEKDAYS))
_DESCRIPTORS = {"@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *",
                "@weekly": "0 0 * * 0", "@daily": "0 0 * * *", "@midnight": "0 0 * * *",
                "@hourly": "0 * * * *"}
_DURATION = re.compile(r"(\d+(?:\.\d+)?)(h|ms|m|s)")
_UNITS = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}
#: how far ahead a schedule is searched (Feb 30 never comes)
_HORIZON = datetime.timedelta(days=5 * 366)


class CronError(ValueError):
    """A schedule that does not parse; the message is robfig/cron's."""


@attrs.frozen
class CronSchedule:
    """A parsed schedule: the allowed values of each field, or a constant delay."""

    minutes: frozenset[int] = frozenset()
    hours: frozenset[int] = frozenset()
    days: frozenset[int] = frozenset()
    months: frozenset[int] = frozenset()
    weekdays: frozenset[int] = frozenset()
    #: the day fields were ``*``: they then combine with AND, else with OR
    any_day: bool = True
    any_weekday: bool = True
    #: ``@every``: a fixed interval in seconds instead of fields
    every: float | None = None

    def _day_matches(self, moment: datetime.datetime) -> bool:
        day = moment.day in self.days
        weekday = (moment.isoweekday() % 7) in self.weekdays
        if self.any_day or self.any_weekday:
            return day and weekday
        return day or weekday

    def next_after(self, moment: datetime.datetime) -> datetime.datetime | None:
        """The first time strictly after `moment` (an aware datetime, in the schedule's
        zone) that the schedule fires, or None if none within five years."""
        if self.every is not None:
            step = datetime.timedelta(seconds=self.every)
            return (moment + step).replace(microsecond=0)
        limit = moment + _HORIZON
        tz = moment.tzinfo
        t = moment.replace(second=0, microsecond=0, tzinfo=None) + \
            datetime.timedelta(minutes=1)
        end = limit.replace(tzinfo=None)
        while t <= end:
            if t.month not in self.months:
                t = (t.replace(day=1, hour=0, minute=0) + datetime.timedelta(days=32)
                     ).replace(day=1)
                continue
            if not self._day_matches(t):
                t = t.replace(hour=0, minute=0) + datetime.timedelta(days=1)
                continue
            if t.hour not in self.hours:
                t = t.replace(minute=0) + datetime.timedelta(hours=1)
                continue
            if t.minute not in self.minutes:
                t += datetime.timedelta(minutes=1)
                continue
            return t.replace(tzinfo=tz)
        return None


def parse_cron(text: str) -> CronSchedule:
    """``cron.ParseStandard``."""
    spec = text.strip()
    if spec.startswith("@"):
        if spec.startswith("@every "):
            return CronSchedule(every=_parse_duration(spec[len("@every "):].strip()))
        standard = _DESCRIPTORS.get(spec)
        if standard is None:
            raise CronError(f"unrecognized descriptor: {spec}")
        spec = standard
    fields = spec.split()
    if len(fields) != 5:
        raise CronError(f"expected exactly 5 fields, found {len(fields)}: [{' '.join(fields)}]")
    values = [_parse_field(field, *info) for field, info in zip(fields, _FIELDS, strict=True)]
    weekdays = frozenset(day % 7 for day in values[4])
    return CronSchedule(frozenset(values[0]), frozenset(values[1]), frozenset(values[2]),
                        frozenset(values[3]), weekdays,
                        any_day=fields[2] in ("*", "?"), any_weekday=fields[4] in ("*", "?"))


def _parse_duration(text: str) -> float:
    """Go's ``time.ParseDuration`` for the units a schedule would use."""
    position, total = 0, 0.0
    for match in _DURATION.finditer(text):
        if match.start() != position:
            break
        total += float(match.group(1)) * _UNITS[match.group(2)]
        position = match.end()
    if not text or position != len(text) or total <= 0:
        raise CronError(f"failed to parse duration @every {text}: time: invalid duration "
                        f'"{text}"')
    return max(total, 1.0)


def _parse_field(field: str, name: str, low: int, high: int, names: dict[str, int]
                 ) -> set[int]:
    result: set[int] = set()
    for part in field.split(","):
        result |= _parse_range(part, low, high, names)
    return result


def _parse_range(expression: str, low: int, high: int, names: dict[str, int]) -> set[int]:
    range_part, slash, step_part = expression.partition("/")
    if range_part in ("*", "?"):
        start, end = low, high
    else:
        start_text, dash, end_text = range_part.partition("-")
        start = _value(start_text, names)
        end = _value(end_text, names) if dash else start
    step = 1
    if slash:
        step = _number(step_part)
        if step == 0:
            raise CronError(f"step of range should be a positive number: {expression}")
        if range_part not in ("*", "?") and "-" not in range_part:
            end = high  # "a/n": from a to the end of the field
    if start < low:
        raise CronError(f"beginning of range ({start}) below minimum ({low}): {expression}")
    if end > high:
        raise CronError(f"end of range ({end}) above maximum ({high}): {expression}")
    if start > end:
        raise CronError(f"beginning of range ({start}) beyond end of range ({end}): "
                        f"{expression}")
    return set(range(start, end + 1, step))


def _value(text: str, names: dict[str, int]) -> int:
    named = names.get(text.lower())
    return named if named is not None else _number(text)


def _number(text: str) -> int:
    if not text.isdigit():
        raise CronError(f'failed to parse int from {text}: strconv.Atoi: parsing "{text}": '
                        "invalid syntax")
    return int(text)


def schedule_times(schedule: CronSchedule, after: datetime.datetime,
                   until: datetime.datetime, limit: int) -> Sequence[datetime.datetime]:
    """Up to `limit` fire times in (`after`, `until`], oldest first."""
    times: list[datetime.datetime] = []
    moment = schedule.next_after(after)
    while moment is not None and moment <= until and len(times) < limit:
        times.append(moment)
        moment = schedule.next_after(moment)
    return times


def time_zone(name: str | None) -> datetime.tzinfo | None:
    """The zone named `name` (IANA), UTC for None, or None when the tz database does not
    know it."""
    if name is None:
        return datetime.UTC
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None
