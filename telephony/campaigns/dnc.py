"""The do-not-call list: numbers (E.164) never to be dialled, whatever campaign lists them.

Numbers are normalised as the campaign import normalises them, so ``082 123 4567`` on the list
blocks ``+27821234567`` on an account. Adding a number already listed changes nothing (the first
reason and source are kept). The dialer's compliance check reads the list
(:func:`telephony.campaigns.selection.phones`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Connection, Engine, Table, delete, insert, select

from telephony.campaigns import sheets
from telephony.campaigns.bulk import insert_rows
from telephony.campaigns.models import DoNotCall
from telephony.campaigns.phones import DEFAULT_REGION, to_e164
from telephony.campaigns.sheets import ImportFileError, open_sheet

DNC: Table = DoNotCall.__table__  # type: ignore[assignment]
SOURCES = ("import", "outcome", "manual")
NUMBER_NAMES = ("number", "phone", "phone_number", "msisdn", "telephone", "mobile", "cell")


@dataclass(frozen=True, slots=True)
class DncEntry:
    """One listed number."""

    number: str
    reason: str | None
    source: str
    added_by: str | None
    added_at: dt.datetime


@dataclass
class DncImportResult:
    """Numbers added, numbers already listed (or repeated in the file), and every bad row."""

    added: int = 0
    already: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)


def add_number(
    conn: Connection,
    number: str,
    reason: str | None,
    source: str,
    by: str | None,
    now: dt.datetime,
    region: str = DEFAULT_REGION,
) -> tuple[str, bool]:
    """List ``number``; ``(its E.164 form, whether it was added)`` — False when already listed.

    Raises ``ValueError`` (:class:`~telephony.campaigns.phones.PhoneError`) for a number that is
    not valid, and for an unknown ``source``.
    """
    if source not in SOURCES:
        raise ValueError(f"unknown source {source!r} (one of {', '.join(SOURCES)})")
    e164 = to_e164(number, region)
    if conn.execute(select(DNC.c.id).where(DNC.c.number == e164)).first() is not None:
        return e164, False
    conn.execute(
        insert(DNC).values(number=e164, reason=reason or None, source=source, added_by=by, added_at=now)
    )
    return e164, True


def import_dnc(
    engine: Engine, path: Path, now: dt.datetime, region: str = DEFAULT_REGION, by: str | None = None
) -> DncImportResult:
    """Add the numbers of a CSV/``.xlsx`` with a ``number`` column (and optionally ``reason``).

    Every row not added is reported with its number and the reason, except numbers already listed
    (counted). Raises :class:`~telephony.campaigns.sheets.ImportFileError` when the file cannot be
    read or lacks the ``number`` column.
    """
    sheet = open_sheet(path)
    column = sheet.column(*NUMBER_NAMES)
    if column is None:
        sheet.close()
        raise ImportFileError(f"{path}: header (row 1) lacks number")
    reason_column = sheet.column("reason", "note")
    result = DncImportResult()
    wanted: dict[str, str | None] = {}
    for row_number, cells in sheet.rows:
        cells = cells + [None] * (len(sheet.header) - len(cells))
        try:
            number = to_e164(sheets.text(cells[column]), region)
        except ValueError as exc:
            result.errors.append((row_number, str(exc)))
            continue
        if number in wanted:
            result.already += 1
            continue
        wanted[number] = sheets.text(cells[reason_column]) or None if reason_column is not None else None
    with engine.begin() as conn:
        listed = _listed(conn, list(wanted))
        rows = [(n, r, "import", by, now) for n, r in wanted.items() if n not in listed]
        insert_rows(conn, DNC, ("number", "reason", "source", "added_by", "added_at"), rows)
    result.added, result.already = len(rows), result.already + len(listed)
    return result


def _listed(conn: Connection, numbers: list[str], chunk: int = 500) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(numbers), chunk):
        part = numbers[start : start + chunk]
        found.update(conn.scalars(select(DNC.c.number).where(DNC.c.number.in_(part))))
    return found


def list_numbers(conn: Connection) -> list[DncEntry]:
    """Every listed number, most recently added first."""
    rows = conn.execute(select(DNC).order_by(DNC.c.added_at.desc(), DNC.c.id.desc()))
    return [DncEntry(r.number, r.reason, r.source, r.added_by, r.added_at) for r in rows]


def is_listed(conn: Connection, number: str, region: str = DEFAULT_REGION) -> bool:
    """Whether ``number`` (any format) is on the list."""
    e164 = to_e164(number, region)
    return conn.execute(select(DNC.c.id).where(DNC.c.number == e164)).first() is not None


def remove_number(conn: Connection, number: str, region: str = DEFAULT_REGION) -> bool:
    """Take ``number`` off the list; False when it was not listed."""
    e164 = to_e164(number, region)
    return bool(conn.execute(delete(DNC).where(DNC.c.number == e164)).rowcount)
