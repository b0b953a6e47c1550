"""Pieces the pages share: the period picker, local times, tables for display, messages."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
import streamlit as st
from sqlalchemy import Connection, func, select

from dashboard import data
from telephony.models import Call

FLASH_KEY = "flash"


def zone() -> ZoneInfo:
    """The call centre's time zone (the ``timezone`` setting)."""
    return ZoneInfo(data.settings().timezone)


def newest_call(connection: Connection) -> datetime | None:
    """The start of the newest call (read from the ``start_time`` index)."""
    return connection.execute(select(func.max(Call.start_time))).scalar()


def period_picker(
    key: str, label: str = "Period", days: int = 7, *, up_to_today: bool = False
) -> tuple[datetime, datetime]:
    """A date range as ``[start, end)`` local datetimes.

    The default is the ``days`` up to the newest call (a quiet database still shows its calls), or up to
    today with ``up_to_today`` (for what people did: reviews, the audit log).
    """
    newest = None if up_to_today else data.read(newest_call)
    last = (newest.astimezone(zone()) if newest else datetime.now(zone())).date()
    chosen = st.date_input(label, value=(last - timedelta(days=days - 1), last), key=key, format="YYYY-MM-DD")
    first, final = _range(chosen, last)
    start = datetime.combine(first, time(), tzinfo=zone())
    return start, datetime.combine(final + timedelta(days=1), time(), tzinfo=zone())


def _range(chosen: Any, fallback: date) -> tuple[date, date]:
    if isinstance(chosen, date):
        return chosen, chosen
    values = [value for value in (chosen or ()) if isinstance(value, date)]
    if not values:
        return fallback, fallback
    return min(values), max(values)


def local(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M:%S") -> str:
    """A UTC time as local text."""
    return "" if value is None else value.astimezone(zone()).strftime(fmt)


def clock(seconds: float | None) -> str:
    """Seconds as ``m:ss`` (or ``h:mm:ss``)."""
    if seconds is None:
        return ""
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


def table(rows: list[dict[str, Any]], columns: list[str] | None = None) -> pd.DataFrame:
    """Rows as a DataFrame with times as local wall-clock times (``columns`` picks and orders them)."""
    frame = pd.DataFrame(rows, columns=columns) if columns else pd.DataFrame(rows)
    for name in frame.columns:
        if frame[name].map(lambda value: isinstance(value, datetime) and value.tzinfo is not None).any():
            frame[name] = pd.to_datetime(frame[name], utc=True).dt.tz_convert(zone()).dt.tz_localize(None)
    return frame


def show(frame: pd.DataFrame, **options: Any) -> None:
    """A table as people read it: headings without underscores, no index, full width."""
    st.dataframe(
        frame.rename(columns=lambda name: str(name).replace("_", " ")),
        hide_index=True,
        width="stretch",
        **options,
    )


def percent(value: float | None) -> str:
    """A share as a percentage."""
    return "" if value is None else f"{value * 100:.1f}%"


def flash(message: str, kind: str = "success") -> None:
    """A message to show at the top of the page after the next rerun."""
    st.session_state[FLASH_KEY] = (kind, message)


def show_flash() -> None:
    """Show (once) the message left by :func:`flash`."""
    kind, message = st.session_state.pop(FLASH_KEY, (None, None))
    if kind == "success":
        st.success(message)
    elif kind == "error":
        st.error(message)
