"""Opening hours: per weekday, closed on public holidays (South Africa's by default, from ``holidays``).

A schedule is data (from the menu YAML); :meth:`Schedule.status` is a pure function of the moment it
is given. The engine passes the time carried by the caller's events, never the wall clock::

    office:
      timezone: Africa/Johannesburg     # the default
      public_holidays: ZA               # a `holidays` country code; false to ignore holidays
      hours:
        mon-fri: "07:30-16:00"
        sat: "08:00-12:00"              # days not listed are closed
      holiday_hours: closed             # or ranges, when the office opens on public holidays
    always:
      hours: {daily: "00:00-24:00"}
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

DEFAULT_TIMEZONE = "Africa/Johannesburg"
DEFAULT_HOLIDAYS = "ZA"
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
Interval = tuple[int, int]  # minutes after midnight, [start, end)


class ScheduleStatus(StrEnum):
    """What a schedule says about a moment."""

    OPEN = "open"
    CLOSED = "closed"
    HOLIDAY = "holiday"  # a public holiday, outside any holiday hours


class ScheduleError(ValueError):
    """A bad schedule setting; ``field`` names the setting (for the menu loader's line numbers)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True, slots=True)
class Schedule:
    """Open intervals per weekday (0 = Monday) in a time zone, closed on public holidays."""

    name: str
    hours: Mapping[int, tuple[Interval, ...]]
    timezone: str = DEFAULT_TIMEZONE
    public_holidays: str | None = DEFAULT_HOLIDAYS
    subdivision: str | None = None
    holiday_hours: tuple[Interval, ...] = field(default=())

    def local(self, moment: dt.datetime) -> dt.datetime:
        """``moment`` in the schedule's time zone (a naive moment is taken to be local already)."""
        if moment.tzinfo is None:
            return moment
        return moment.astimezone(_zone(self.timezone))

    def is_holiday(self, day: dt.date) -> bool:
        """True when ``day`` is a public holiday of the schedule's country (and subdivision)."""
        if self.public_holidays is None:
            return False
        return day in holiday_dates(self.public_holidays, self.subdivision, day.year)

    def status(self, moment: dt.datetime) -> ScheduleStatus:
        """Open, closed or (closed for) a public holiday at ``moment``."""
        local = self.local(moment)
        minute = local.hour * 60 + local.minute
        if self.is_holiday(local.date()):
            return ScheduleStatus.OPEN if _inside(minute, self.holiday_hours) else ScheduleStatus.HOLIDAY
        if _inside(minute, self.hours.get(local.weekday(), ())):
            return ScheduleStatus.OPEN
        return ScheduleStatus.CLOSED


def _inside(minute: int, intervals: tuple[Interval, ...]) -> bool:
    return any(start <= minute < end for start, end in intervals)


@lru_cache(maxsize=16)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


@lru_cache(maxsize=64)
def holiday_dates(country: str, subdivision: str | None, year: int) -> frozenset[dt.date]:
    """The public holidays (including observed days) of ``country`` in ``year``, cached."""
    calendar = holidays.country_holidays(country, subdiv=subdivision, years=year)
    return frozenset(calendar.keys())


def parse_schedule(name: str, spec: Mapping[str, Any]) -> Schedule:
    """A :class:`Schedule` from its YAML mapping; raises :class:`ScheduleError` naming the bad field."""
    unknown = set(spec) - {"timezone", "public_holidays", "subdivision", "hours", "holiday_hours"}
    if unknown:
        key = sorted(map(str, unknown))[0]
        raise ScheduleError(key, "unknown setting (expected timezone, public_holidays, hours, holiday_hours)")
    timezone = spec.get("timezone", DEFAULT_TIMEZONE)
    _check_timezone(timezone)
    country = spec.get("public_holidays", DEFAULT_HOLIDAYS)
    subdivision = spec.get("subdivision")
    country = _check_holidays(country, subdivision)
    hours = spec.get("hours")
    if not isinstance(hours, Mapping) or not hours:
        raise ScheduleError("hours", "expected a mapping of days (mon, mon-fri, daily ...) to opening hours")
    return Schedule(
        name=name,
        hours=parse_week(hours),
        timezone=timezone,
        public_holidays=country,
        subdivision=subdivision,
        holiday_hours=parse_intervals("holiday_hours", spec.get("holiday_hours", "closed")),
    )


def _check_timezone(timezone: Any) -> None:
    try:
        _zone(str(timezone))
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ScheduleError("timezone", f"unknown time zone {timezone!r}") from error


def _check_holidays(country: Any, subdivision: Any) -> str | None:
    if country is False or country is None:
        return None
    try:
        holidays.country_holidays(str(country), subdiv=subdivision)
    except NotImplementedError as error:  # how the holidays package says it has no such country
        raise ScheduleError("public_holidays", f"no public-holiday calendar for {country!r}") from error
    return str(country)


def parse_week(spec: Mapping[Any, Any]) -> dict[int, tuple[Interval, ...]]:
    """``{"mon-fri": "07:30-16:00", "sat": "08:00-12:00"}`` as weekday -> intervals."""
    week: dict[int, tuple[Interval, ...]] = {}
    for key, value in spec.items():
        field_name = f"hours.{key}"
        intervals = parse_intervals(field_name, value)
        for day in parse_days(field_name, str(key)):
            if day in week:
                raise ScheduleError(field_name, f"{DAYS[day]} is given twice")
            week[day] = intervals
    return week


def parse_days(field_name: str, text: str) -> list[int]:
    """``mon``, ``mon-fri``, ``sat-sun`` or ``daily`` as weekday numbers."""
    text = text.strip().lower()
    if text == "daily":
        return list(range(7))
    first, _, last = text.partition("-")
    if first not in DAYS or (last and last not in DAYS):
        raise ScheduleError(field_name, f"bad day {text!r}: use mon..sun, a range like mon-fri, or daily")
    start, end = DAYS.index(first), DAYS.index(last or first)
    if end < start:
        raise ScheduleError(field_name, f"day range {text!r} runs backwards")
    return list(range(start, end + 1))


def parse_intervals(field_name: str, value: Any) -> tuple[Interval, ...]:
    """``"07:30-16:00"``, ``"07:30-12:00, 13:00-16:00"``, a list of those, or ``closed``."""
    if isinstance(value, int) and not isinstance(value, bool):
        raise ScheduleError(field_name, "quote the hours: YAML reads an unquoted 07:30 as a number")
    if value in ("closed", None, False):
        return ()
    parts = value if isinstance(value, list) else str(value).split(",")
    intervals = sorted(_interval(field_name, str(part)) for part in parts)
    for (_, end), (start, _) in itertools.pairwise(intervals):
        if start < end:
            raise ScheduleError(field_name, "opening hours overlap")
    return tuple(intervals)


def _interval(field_name: str, text: str) -> Interval:
    start_text, dash, end_text = text.strip().partition("-")
    if not dash:
        raise ScheduleError(field_name, f"bad hours {text.strip()!r}: expected HH:MM-HH:MM")
    start, end = _minute(field_name, start_text), _minute(field_name, end_text)
    if end <= start:
        raise ScheduleError(field_name, f"hours {text.strip()!r} end before they start")
    return start, end


def _minute(field_name: str, text: str) -> int:
    hour, colon, minute = text.strip().partition(":")
    if not (colon and hour.isdigit() and minute.isdigit() and len(minute) == 2):
        raise ScheduleError(field_name, f"bad time {text.strip()!r}: expected HH:MM")
    value = int(hour) * 60 + int(minute)
    if int(minute) > 59 or value > 24 * 60:
        raise ScheduleError(field_name, f"bad time {text.strip()!r}")
    return value
