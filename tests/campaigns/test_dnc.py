"""The do-not-call list on SQLite and PostgreSQL: normalised, idempotent, imported with row errors."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from telephony.campaigns.dnc import DNC, add_number, import_dnc, is_listed, list_numbers, remove_number
from telephony.campaigns.sheets import ImportFileError

NOW = dt.datetime(2026, 11, 2, 7, 30, tzinfo=dt.UTC)


def test_a_number_is_listed_once_whatever_its_format(engine: Engine) -> None:
    with engine.begin() as conn:
        assert add_number(conn, "082 123 4567", "asked not to be called", "manual", "sup1", NOW) == (
            "+27821234567",
            True,
        )
        assert add_number(conn, "+27821234567", "again", "outcome", "agent7", NOW) == ("+27821234567", False)
        assert is_listed(conn, "0821234567") and not is_listed(conn, "0831234567")
        (entry,) = list_numbers(conn)
    assert (entry.number, entry.reason, entry.source, entry.added_by, entry.added_at) == (
        "+27821234567",
        "asked not to be called",
        "manual",
        "sup1",
        NOW,
    )


def test_bad_numbers_and_sources_are_refused(engine: Engine) -> None:
    with engine.begin() as conn:
        with pytest.raises(ValueError, match="'082 12' is too short"):
            add_number(conn, "082 12", None, "manual", None, NOW)
        with pytest.raises(ValueError, match="unknown source 'robot'"):
            add_number(conn, "0821234567", None, "robot", None, NOW)
        assert conn.execute(select(func.count()).select_from(DNC)).scalar() == 0


def test_import_reports_bad_rows_and_counts_numbers_already_listed(engine: Engine, tmp_path: Path) -> None:
    with engine.begin() as conn:
        add_number(conn, "0821234567", "complaint", "manual", "sup1", NOW)
    path = tmp_path / "dnc.csv"
    path.write_text(
        "Number,Reason\n"
        "082 123 4567,listed before\n"  # row 2: already listed
        "083 111 2222,national opt-out register\n"  # 3
        "not a number,\n"  # 4
        "+27831112222,\n"  # 5: repeats row 3
        "011 555 0100,\n",  # 6
        encoding="utf-8",
    )
    result = import_dnc(engine, path, NOW, by="sup2")
    assert (result.added, result.already, result.errors) == (
        2,
        2,
        [(4, "'not a number' is not a phone number")],
    )
    with engine.connect() as conn:
        entries = {entry.number: entry for entry in list_numbers(conn)}
    assert sorted(entries) == ["+27115550100", "+27821234567", "+27831112222"]
    assert (entries["+27831112222"].reason, entries["+27831112222"].source) == (
        "national opt-out register",
        "import",
    )
    assert entries["+27821234567"].reason == "complaint"  # the first reason is kept
    again = import_dnc(engine, path, NOW)
    assert (again.added, again.already) == (0, 4)


def test_import_without_a_number_column_is_refused(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "dnc.csv"
    path.write_text("who,why\nx,y\n", encoding="utf-8")
    with pytest.raises(ImportFileError, match="lacks number"):
        import_dnc(engine, path, NOW)


def test_a_number_can_be_taken_off(engine: Engine) -> None:
    with engine.begin() as conn:
        add_number(conn, "0821234567", None, "manual", None, NOW)
        assert remove_number(conn, "082 123 4567")
        assert not remove_number(conn, "082 123 4567")
        assert list_numbers(conn) == []
