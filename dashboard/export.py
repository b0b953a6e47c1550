"""CSV and Excel exports of the tables a user filtered; every download is audited.

Cells that a spreadsheet would run as a formula (``=...``, ``@...``, ``+``/``-`` not
followed by a number) are prefixed with ``'``; phone numbers such as ``+27...`` are kept.
Times are written in the call centre's time zone, without an offset (Excel has none).
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
import streamlit as st

from dashboard import audit, data
from dashboard.auth import SessionUser

_NUMBER = re.compile(r"[+-]?\d[\d .]*")
_FORMULA_START = ("=", "@", "+", "-", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """``value``, defused if a spreadsheet would read it as a formula."""
    if isinstance(value, str) and value.startswith(_FORMULA_START) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def prepare(frame: pd.DataFrame, zone: str) -> pd.DataFrame:
    """A copy ready to write: local times without offset, formula-like text defused, lists as text."""
    out = frame.copy()
    for name in out.columns:
        column = out[name]
        if isinstance(column.dtype, pd.DatetimeTZDtype):
            out[name] = column.dt.tz_convert(ZoneInfo(zone)).dt.tz_localize(None)
        elif pd.api.types.is_object_dtype(column) or pd.api.types.is_string_dtype(column):
            out[name] = column.map(lambda value: safe_cell(_plain(value, zone)))
    return out


def _plain(value: Any, zone: str) -> Any:
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(ZoneInfo(zone)).replace(tzinfo=None)
    if isinstance(value, list | dict | tuple | set):
        return str(value)
    return value


def csv_bytes(frame: pd.DataFrame, zone: str = "UTC") -> bytes:
    """The table as UTF-8 CSV with a byte-order mark (so Excel reads the accents right)."""
    text: str = prepare(frame, zone).to_csv(index=False)
    return text.encode("utf-8-sig")


def excel_bytes(frame: pd.DataFrame, zone: str = "UTC", sheet: str = "export") -> bytes:
    """The table as an Excel workbook (.xlsx), one sheet."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        prepare(frame, zone).to_excel(writer, sheet_name=sheet[:31], index=False)
    return buffer.getvalue()


def download_buttons(
    user: SessionUser,
    name: str,
    table: pd.DataFrame | Callable[[], pd.DataFrame],
    key: str,
    detail: dict[str, Any] | None = None,
) -> None:
    """ "Download CSV" and "Download Excel" for ``table`` (built only when clicked if a function)."""
    zone = data.settings().timezone

    def frame() -> pd.DataFrame:
        return table() if callable(table) else table

    left, right, _ = st.columns([1, 1, 4])
    left.download_button(
        "Download CSV",
        data=lambda: csv_bytes(frame(), zone),
        file_name=f"{name}.csv",
        mime="text/csv",
        key=f"{key}_csv",
        on_click=_audit,
        args=(user.username, name, "csv", detail or {}),
    )
    right.download_button(
        "Download Excel",
        data=lambda: excel_bytes(frame(), zone, name),
        file_name=f"{name}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key=f"{key}_xlsx",
        on_click=_audit,
        args=(user.username, name, "xlsx", detail or {}),
    )


def _audit(username: str, name: str, kind: str, detail: dict[str, Any]) -> None:
    with data.engine().begin() as connection:
        audit.record(connection, username, "download", name, {"format": kind, **detail})
