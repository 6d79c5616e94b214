"""Cron schedules as robfig/cron's standard parser reads them."""

from __future__ import annotations

import datetime

import pytest

from kactors.api.cron import CronError, parse_cron, schedule_times, time_zone

UTC = datetime.UTC
NEW_YEAR = datetime.datetime(2026, 1, 1, tzinfo=UTC)  # a Thursday


def first(schedule: str, count: int = 3, start: datetime.datetime = NEW_YEAR) -> list[str]:
    times = schedule_times(parse_cron(schedule), start,
                           start + datetime.timedelta(days=800), count)
    return [t.strftime("%a %Y-%m-%d %H:%M") for t in times]


@pytest.mark.parametrize(("schedule", "expected"), [
    ("*/15 * * * *", ["Thu 2026-01-01 00:15", "Thu 2026-01-01 00:30",
                      "Thu 2026-01-01 00:45"]),
    ("0 9 * * MON-FRI", ["Thu 2026-01-01 09:00", "Fri 2026-01-02 09:00",
                         "Mon 2026-01-05 09:00"]),
    ("30 2 1 * *", ["Thu 2026-01-01 02:30", "Sun 2026-02-01 02:30", "Sun 2026-03-01 02:30"]),
    ("5 4 * * 7", ["Sun 2026-01-04 04:05", "Sun 2026-01-11 04:05", "Sun 2026-01-18 04:05"]),
    # both day fields restricted: either matches
    ("0 0 13 * 5", ["Fri 2026-01-02 00:00", "Fri 2026-01-09 00:00", "Tue 2026-01-13 00:00"]),
    ("0 12 29 2 *", ["Tue 2028-02-29 12:00"]),
    ("10/20 8-9 * jan,JUL ?", ["Thu 2026-01-01 08:10", "Thu 2026-01-01 08:30",
                               "Thu 2026-01-01 08:50"]),
    ("@hourly", ["Thu 2026-01-01 01:00", "Thu 2026-01-01 02:00", "Thu 2026-01-01 03:00"]),
    ("@weekly", ["Sun 2026-01-04 00:00", "Sun 2026-01-11 00:00", "Sun 2026-01-18 00:00"]),
    ("@yearly", ["Fri 2027-01-01 00:00", "Sat 2028-01-01 00:00"]),
    ("@every 1h30m", ["Thu 2026-01-01 01:30", "Thu 2026-01-01 03:00",
                      "Thu 2026-01-01 04:30"]),
])
def test_when_schedules_fire(schedule: str, expected: list[str]) -> None:
    assert first(schedule) == expected


def test_february_30th_never_comes() -> None:
    assert first("0 0 30 2 *") == []


def test_times_in_a_time_zone() -> None:
    paris = time_zone("Europe/Paris")
    assert paris is not None and time_zone("Mars/Base") is None
    start = NEW_YEAR.astimezone(paris)
    (fire,) = schedule_times(parse_cron("0 9 * * *"), start,
                             start + datetime.timedelta(days=1), 1)
    assert fire.astimezone(UTC).strftime("%H:%M") == "08:00"  # 09:00 in Paris, winter


@pytest.mark.parametrize(("schedule", "message"), [
    ("* * * *", "expected exactly 5 fields, found 4: [* * * *]"),
    ("60 * * * *", "end of range (60) above maximum (59): 60"),
    ("* 0-24 * * *", "end of range (24) above maximum (23): 0-24"),
    ("* * 0 * *", "beginning of range (0) below minimum (1): 0"),
    ("*/0 * * * *", "step of range should be a positive number: */0"),
    ("5-2 * * * *", "beginning of range (5) beyond end of range (2): 5-2"),
    ("* * * foo *", 'failed to parse int from foo: strconv.Atoi: parsing "foo": invalid syntax'),
    ("@fortnightly", "unrecognized descriptor: @fortnightly"),
    ("@every soon", 'failed to parse duration @every soon: time: invalid duration "soon"'),
])
def test_schedules_that_do_not_parse(schedule: str, message: str) -> None:
    with pytest.raises(CronError) as error:
        parse_cron(schedule)
    assert str(error.value) == message
