"""Importing a campaign's arrears list (the billing system's export, CSV or ``.xlsx``).

Every row is imported or reported with its row number and the reason (columns and formats:
:mod:`.arrears_rows` and :mod:`.sheets`); a row with some numbers refused and at least one valid
is imported with the valid ones, and each refused number is reported as a warning. An account
repeated in the file is reported on the repeat, naming the row it first appeared on.

Re-importing a campaign updates holders, amounts, days, languages, wards and priorities, adds new
numbers (one no longer listed is kept for its history but marked ``unlisted``: never dialled),
and keeps attempt counters, leases, call history and the ``dispute``/``done`` statuses. An
account absent from the new file, or with arrears of zero or less, becomes ``paid`` with the
reason; a ``paid`` account back in arrears becomes ``active`` again, and so does an
``exhausted`` one given a new number. Accounts whose row was refused keep their state (they are
not "absent"), and when no row at all can be imported nothing is marked paid.

The whole import is one transaction. Speed: the campaign's accounts and numbers are loaded once
into dicts and rows are written in chunks with Core ``executemany`` (no per-row query);
``bench/bench_campaign_import.py`` measures it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine, Table, insert, select, update

from telephony.campaigns import sheets
from telephony.campaigns.arrears_rows import ArrearsRow, Columns, find_columns, read_row
from telephony.campaigns.bulk import insert_keyed, insert_rows, update_rows
from telephony.campaigns.models import DIAL_MODES, PRIORITIES, Campaign, CampaignAccount, CampaignPhone
from telephony.campaigns.sheets import Cell, open_sheet

CAMPAIGNS: Table = Campaign.__table__  # type: ignore[assignment]
ACCOUNTS: Table = CampaignAccount.__table__  # type: ignore[assignment]
PHONES: Table = CampaignPhone.__table__  # type: ignore[assignment]
CHUNK_ROWS = 5000
#: The fields a re-import may change, in the order :class:`_Known` keeps them.
_FIELDS = ("holder", "arrears_cents", "days_in_arrears", "language", "ward", "timezone", "priority_key")
#: What an update of a known account sets.
_UPDATED = (*_FIELDS, "status", "status_reason", "updated_at")
ACCOUNT_COLUMNS = (
    "campaign_id",
    "account_number",
    *_FIELDS,
    "status",
    "status_reason",
    "attempts_total",
    "attempts_today",
    "imported_at",
    "updated_at",
)
PHONE_COLUMNS = ("account_id", "number", "position", "status", "attempts_total", "attempts_today")
T = TypeVar("T")


@dataclass
class CampaignImportResult:
    """What an import did, and every row not (or not wholly) imported: ``(row number, reason)``."""

    campaign: str
    campaign_id: int = 0
    created: bool = False
    rows: int = 0
    added: int = 0
    updated: int = 0
    marked_paid: int = 0
    reactivated: int = 0
    phones_added: int = 0
    #: Rows not imported.
    errors: list[tuple[int, str]] = field(default_factory=list)
    #: Rows imported without one of their numbers.
    warnings: list[tuple[int, str]] = field(default_factory=list)
    #: True when no row could be imported, so absent accounts were left as they were.
    nothing_imported: bool = False


@dataclass(slots=True)
class _Known:
    """An account already on the campaign."""

    id: int
    values: tuple[Any, ...]
    status: str
    reason: str | None
    numbers: set[str] = field(default_factory=set)
    #: number -> (phone id, status), to mark numbers the export no longer lists (and relist them).
    phones: dict[str, tuple[int, str]] = field(default_factory=dict)
    next_position: int = 0


def priority_key(priority: str, row: ArrearsRow) -> int:
    """The account's place in the campaign (smaller first) for the campaign's ``priority``."""
    if priority == "arrears_desc":
        return -row.arrears_cents
    if priority == "days_desc":
        return -row.days
    return row.number


def import_campaign(
    engine: Engine,
    path: Path,
    campaign_name: str,
    now: dt.datetime,
    region: str = "ZA",
    queue: str | None = None,
    mode: str | None = None,
    priority: str | None = None,
    progress: Callable[[int], None] | None = None,
    default_timezone: str = "Africa/Johannesburg",
) -> CampaignImportResult:
    """Create or update campaign ``campaign_name`` from the export at ``path`` (see the module).

    ``queue``/``mode``/``priority`` set the campaign's (a new campaign gets ``revenue``,
    ``progressive``, ``arrears_desc``); ``progress`` is called with the rows read so far.
    Raises :class:`~telephony.campaigns.sheets.ImportFileError` when the file cannot be read
    (then nothing is changed) and ``ValueError`` for an unknown mode or priority.
    """
    _check_options(campaign_name, mode, priority)
    sheet = open_sheet(path)
    try:
        columns = find_columns(sheet)
    except sheets.ImportFileError as exc:
        sheet.close()
        raise sheets.ImportFileError(f"{path}: {exc}") from None
    result = CampaignImportResult(campaign_name)
    local_day = now.astimezone(ZoneInfo(default_timezone)).date()
    with engine.begin() as conn:
        campaign_id, order = _campaign(conn, campaign_name, now, queue, mode, priority, result)
        run = _Run(conn, campaign_id, order, now, local_day.isoformat(), result)
        for chunk in _chunks(sheet.rows, CHUNK_ROWS):
            run.write(_read_chunk(chunk, columns, region, default_timezone, run))
            result.rows += len(chunk)
            if progress is not None:
                progress(result.rows)
        run.mark_absent()
        conn.execute(update(CAMPAIGNS).where(CAMPAIGNS.c.id == campaign_id).values(last_import_at=now))
    return result


def _check_options(name: str, mode: str | None, priority: str | None) -> None:
    if not name.strip() or len(name) > 64:
        raise ValueError("the campaign name must be 1 to 64 characters")
    if mode is not None and mode not in DIAL_MODES:
        raise ValueError(f"unknown mode {mode!r} (one of {', '.join(DIAL_MODES)})")
    if priority is not None and priority not in PRIORITIES:
        raise ValueError(f"unknown priority {priority!r} (one of {', '.join(PRIORITIES)})")


def _campaign(
    conn: Connection,
    name: str,
    now: dt.datetime,
    queue: str | None,
    mode: str | None,
    priority: str | None,
    result: CampaignImportResult,
) -> tuple[int, str]:
    """The campaign's id and priority order, creating it, or applying the options given."""
    found = conn.execute(select(CAMPAIGNS).where(CAMPAIGNS.c.name == name)).first()
    given = {key: value for key, value in (("queue", queue), ("mode", mode), ("priority", priority)) if value}
    if found is None:
        values = {"queue": "revenue", "mode": "progressive", "priority": "arrears_desc", **given}
        inserted = conn.execute(
            insert(CAMPAIGNS)
            .values(name=name, active=True, rules={}, created_at=now, **values)
            .returning(CAMPAIGNS.c.id)
        )
        result.campaign_id, result.created = int(inserted.scalar_one()), True
        return result.campaign_id, values["priority"]
    if given:
        conn.execute(update(CAMPAIGNS).where(CAMPAIGNS.c.id == found.id).values(**given))
    result.campaign_id = int(found.id)
    return result.campaign_id, given.get("priority", found.priority)


def _chunks(rows: Iterator[T], size: int) -> Iterator[list[T]]:
    while chunk := list(islice(rows, size)):
        yield chunk


def _read_chunk(
    chunk: list[tuple[int, list[Cell]]], columns: Columns, region: str, zone: str, run: _Run
) -> list[ArrearsRow]:
    """The chunk's importable rows; the others reported on the result."""
    good: list[ArrearsRow] = []
    for number, cells in chunk:
        try:
            row = read_row(number, cells, columns, region, zone)
        except ValueError as exc:
            run.result.errors.append((number, str(exc)))
            run.protect(cells[columns.account] if columns.account < len(cells) else None)
            continue
        first = run.seen.get(row.account)
        if first is not None:
            run.result.errors.append((number, f"account {row.account} repeated (first on row {first})"))
            continue
        run.seen[row.account] = number
        run.result.warnings.extend((number, warning) for warning in row.warnings)
        good.append(row)
    return good


class _Run:
    """One import's state: the campaign's known accounts, the accounts seen, the writes."""

    def __init__(
        self,
        conn: Connection,
        campaign_id: int,
        order: str,
        now: dt.datetime,
        day: str,
        result: CampaignImportResult,
    ) -> None:
        self.conn, self.campaign_id, self.order, self.now, self.day = conn, campaign_id, order, now, day
        self.result = result
        self.seen: dict[str, int] = {}
        #: Accounts named by a refused row: not absent, so not marked paid.
        self.protected: set[str] = set()
        self.known = self._load()

    def _load(self) -> dict[str, _Known]:
        columns = [ACCOUNTS.c.id, ACCOUNTS.c.account_number, ACCOUNTS.c.status, ACCOUNTS.c.status_reason]
        query = select(*columns, *(ACCOUNTS.c[name] for name in _FIELDS)).where(
            ACCOUNTS.c.campaign_id == self.campaign_id
        )
        known = {r[1]: _Known(r[0], tuple(r[4:]), r[2], r[3]) for r in self.conn.execute(query).all()}
        by_id = {account.id: account for account in known.values()}
        phones = select(
            PHONES.c.account_id, PHONES.c.number, PHONES.c.position, PHONES.c.id, PHONES.c.status
        ).join(ACCOUNTS, ACCOUNTS.c.id == PHONES.c.account_id)
        for account_id, number, position, phone_id, status in self.conn.execute(
            phones.where(ACCOUNTS.c.campaign_id == self.campaign_id)
        ).all():
            account = by_id[account_id]
            account.numbers.add(number)
            account.phones[number] = (phone_id, status)
            account.next_position = max(account.next_position, position + 1)
        return known

    def protect(self, cell: Cell) -> None:
        """Keep the account a refused row names (if it can be read) from being marked paid."""
        with contextlib.suppress(ValueError):
            self.protected.add(sheets.account_number(cell))

    def write(self, rows: list[ArrearsRow]) -> None:
        """Insert the new accounts and numbers and update the known ones that changed."""
        known = [(row, self.known[row.account]) for row in rows if row.account in self.known]
        phones = self._insert_accounts([row for row in rows if row.account not in self.known])
        changed: list[tuple[Any, ...]] = []
        listing: list[tuple[Any, ...]] = []
        for row, account in known:
            phones += self._update(row, account, changed)
            listing += _listing(row, account)
        update_rows(self.conn, ACCOUNTS, _UPDATED, changed)
        update_rows(self.conn, PHONES, ("status",), listing)
        insert_rows(self.conn, PHONES, PHONE_COLUMNS, phones)
        self.result.phones_added += len(phones)

    def _insert_accounts(self, rows: list[ArrearsRow]) -> list[tuple[Any, ...]]:
        """Insert new accounts; their numbers to insert."""
        if not rows:
            return []
        values = [self._account_values(row) for row in rows]
        scope = (ACCOUNTS.c.campaign_id, self.campaign_id)
        found = insert_keyed(self.conn, ACCOUNTS, ACCOUNT_COLUMNS, values, "account_number", scope)
        self.result.added += len(rows)
        phones = []
        for row in rows:  # (an account appears once in a file: no need to add it to ``known``)
            account_id = found[row.account]
            phones += [
                (account_id, number, position, "active", 0, 0) for position, number in enumerate(row.phones)
            ]
        return phones

    def _account_values(self, row: ArrearsRow) -> tuple[Any, ...]:
        """The values of :data:`ACCOUNT_COLUMNS` for a new account."""
        paid = row.arrears_cents <= 0
        status, reason = ("paid", self._paid_up(row)) if paid else ("active", None)
        return (self.campaign_id, row.account, *self._fields(row), status, reason, 0, 0, self.now, self.now)

    def _fields(self, row: ArrearsRow) -> tuple[Any, ...]:
        """The values of :data:`_FIELDS`."""
        key = priority_key(self.order, row)
        return (row.holder, row.arrears_cents, row.days, row.language, row.ward, row.timezone, key)

    def _paid_up(self, row: ArrearsRow) -> str:
        return f"paid up (arrears R{row.arrears_cents / 100:.2f} in the import of {self.day})"

    def _update(
        self, row: ArrearsRow, known: _Known, changed: list[tuple[Any, ...]]
    ) -> list[tuple[Any, ...]]:
        """Queue the account's update (:data:`_UPDATED`) if anything changed; its new numbers."""
        self.result.updated += 1
        fresh = [number for number in row.phones if number not in known.numbers]
        start = known.next_position
        phones = [(known.id, number, start + i, "active", 0, 0) for i, number in enumerate(fresh)]
        status, reason = self._status(row, known, bool(fresh))
        values = self._fields(row)
        if values != known.values or (status, reason) != (known.status, known.reason):
            changed.append((known.id, *values, status, reason, self.now))
        return phones

    def _status(self, row: ArrearsRow, known: _Known, new_number: bool) -> tuple[str, str | None]:
        """The account's status after this import (and counts the changes)."""
        if row.arrears_cents <= 0:
            if known.status == "paid":
                return known.status, known.reason
            self.result.marked_paid += 1
            return "paid", self._paid_up(row)
        if known.status == "paid":
            self.result.reactivated += 1
            return "active", f"back in arrears in the import of {self.day}"
        if known.status == "exhausted" and new_number:
            self.result.reactivated += 1
            return "active", f"new number in the import of {self.day}"
        return known.status, known.reason

    def mark_absent(self) -> None:
        """Mark ``paid`` the known accounts the file did not list (unless no row was importable)."""
        if not self.seen:
            self.result.nothing_imported = True
            return
        reason = f"not in the import of {self.day}"
        absent = [
            (known.id, "paid", reason, self.now)
            for account, known in self.known.items()
            if known.status != "paid" and account not in self.seen and account not in self.protected
        ]
        update_rows(self.conn, ACCOUNTS, ("status", "status_reason", "updated_at"), absent)
        self.result.marked_paid += len(absent)


def _listing(row: ArrearsRow, known: _Known) -> list[tuple[Any, ...]]:
    """``(phone id, status)`` for the numbers the export stopped listing (``unlisted``: never
    dialled again) or lists again (``active``). A wrong number stays wrong."""
    listed = set(row.phones)
    out: list[tuple[Any, ...]] = []
    for number, (phone_id, status) in known.phones.items():
        if status == "active" and number not in listed:
            out.append((phone_id, "unlisted"))
        elif status == "unlisted" and number in listed:
            out.append((phone_id, "active"))
    return out
