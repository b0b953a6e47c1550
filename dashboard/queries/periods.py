"""Time buckets (day, week) in the call centre's time zone, in SQL, and intervals for the figures."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, func, literal_column

BUCKETS = ("day", "week")
#: No chart is drawn from more intervals than this (the interval grows instead).
MAX_INTERVALS = 400


def bucket(column: Any, kind: str, zone: str, dialect: str) -> ColumnElement[Any]:
    """``column`` (a UTC timestamp) truncated to the local ``day`` or ``week`` (weeks start on Monday)."""
    if kind not in BUCKETS:
        raise ValueError(f"bucket must be one of {', '.join(BUCKETS)}, not {kind!r}")
    if dialect == "postgresql":
        local = func.timezone(zone, column)
        return func.date_trunc(literal_column(f"'{kind}'"), local)
    # SQLite stores UTC text; shift by the zone's offset (fixed: the zone's offset now).
    offset = datetime.now(ZoneInfo(zone)).utcoffset() or timedelta()
    shift = f"{int(offset.total_seconds() // 60):+d} minutes"
    if kind == "day":
        return func.date(column, shift)
    return func.date(column, shift, "-6 days", "weekday 1")


def as_date(value: Any) -> date:
    """A bucket value as a date (SQLite returns text, PostgreSQL a timestamp)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def intervals(start: datetime, end: datetime, step: timedelta) -> list[tuple[datetime, datetime]]:
    """``[start, end)`` cut into steps; the step doubles until there are at most :data:`MAX_INTERVALS`."""
    if end <= start:
        return []
    while (end - start) / step > MAX_INTERVALS:
        step *= 2
    out, at = [], start
    while at < end:
        out.append((at, min(at + step, end)))
        at += step
    return out
