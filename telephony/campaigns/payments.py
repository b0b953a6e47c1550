"""The billing system's payments export, and promises marked kept or broken from it.

:func:`import_payments` reads ``account_number, amount, paid_on (YYYY-MM-DD), reference`` (CSV or
``.xlsx``; amounts as in :mod:`.sheets`); every bad row is reported with its row number and the
reason. A payment is identified by (account number, reference): importing the same file again
adds nothing and counts the payments already there (one stored with a different amount or date is
reported, and the stored one kept).

:func:`reconcile_promises` then settles the open promises. For each account number (the billing
system's: payments are not per campaign), its promises in due-date order are paid from its
payments, oldest first, each payment's amount used once (first in, first out). A promise counts
a payment made on or after the (local) day the promise was made and no later than its due date
plus the grace days. It is ``kept`` once paid in full, ``broken`` when the grace period is over
(``today`` after due date + grace) and it is not, and ``open`` meanwhile; ``paid_cents`` shows
what it has been paid. The allocation is recomputed from all of the account's promises each time,
so a payment already used by a kept promise is never counted twice; kept and broken are final.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine, Row, Table, func, select

from telephony.campaigns import sheets
from telephony.campaigns.bulk import insert_rows, update_rows
from telephony.campaigns.models import CampaignAccount, Payment, Promise
from telephony.campaigns.sheets import Cell, ImportFileError, Sheet, open_sheet

PAYMENTS: Table = Payment.__table__  # type: ignore[assignment]
PROMISES: Table = Promise.__table__  # type: ignore[assignment]
ACCOUNTS: Table = CampaignAccount.__table__  # type: ignore[assignment]
_CHUNK = 500
_SETTLED = ("status", "paid_cents", "resolved_at")


@dataclass
class PaymentImportResult:
    """Payments added, payments already imported, and every row not imported."""

    added: int = 0
    already: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)


@dataclass
class ReconcileResult:
    """Promises newly kept and newly broken by this run, and those still open."""

    kept: int = 0
    broken: int = 0
    open: int = 0


@dataclass(frozen=True, slots=True)
class _Payment:
    row: int
    account: str
    amount_cents: int
    paid_on: dt.date
    reference: str


def import_payments(engine: Engine, path: Path, now: dt.datetime) -> PaymentImportResult:
    """Add the payments of the export at ``path`` (see the module); idempotent.

    Raises :class:`~telephony.campaigns.sheets.ImportFileError` when the file cannot be read or
    lacks a column.
    """
    sheet = open_sheet(path)
    columns = _columns(sheet, path)
    result = PaymentImportResult()
    payments = _read(sheet, columns, result)
    with engine.begin() as conn:
        stored = _stored(conn, payments)
        new = []
        for payment in payments:
            old = stored.get((payment.account, payment.reference))
            if old is None:
                new.append(payment)
                continue
            result.already += 1
            if old != (payment.amount_cents, payment.paid_on):
                result.errors.append((payment.row, _differs(payment, old)))
        values = [(p.account, p.amount_cents, p.paid_on, p.reference, now) for p in new]
        insert_rows(
            conn, PAYMENTS, ("account_number", "amount_cents", "paid_on", "reference", "imported_at"), values
        )
    result.added = len(new)
    result.errors.sort()
    return result


def _columns(sheet: Sheet, path: Path) -> tuple[int, int, int, int]:
    names = {
        "account_number": sheet.column("account_number", "account", "account_no"),
        "amount": sheet.column("amount", "amount_paid", "paid"),
        "paid_on": sheet.column("paid_on", "date", "payment_date", "paid_date"),
        "reference": sheet.column("reference", "receipt", "receipt_number", "ref"),
    }
    missing = [name for name, index in names.items() if index is None]
    if missing:
        sheet.close()
        raise ImportFileError(f"{path}: header (row 1) lacks {', '.join(missing)}")
    account, amount, paid_on, reference = (index for index in names.values() if index is not None)
    return account, amount, paid_on, reference


def _read(sheet: Sheet, columns: tuple[int, int, int, int], result: PaymentImportResult) -> list[_Payment]:
    payments: list[_Payment] = []
    first: dict[tuple[str, str], int] = {}
    for number, cells in sheet.rows:
        try:
            payment = _payment(number, cells + [None] * (len(sheet.header) - len(cells)), columns)
        except ValueError as exc:
            result.errors.append((number, str(exc)))
            continue
        key = (payment.account, payment.reference)
        if key in first:
            result.errors.append(
                (number, f"reference {payment.reference} repeated (first on row {first[key]})")
            )
            continue
        first[key] = number
        payments.append(payment)
    return payments


def _payment(number: int, cells: list[Cell], columns: tuple[int, int, int, int]) -> _Payment:
    account_col, amount_col, paid_col, reference_col = columns
    account = sheets.account_number(cells[account_col])
    amount = sheets.cents(cells[amount_col], "amount")
    if amount <= 0:
        raise ValueError(f"amount {sheets.text(cells[amount_col])!r} is not a payment (zero or less)")
    paid_on = sheets.day(cells[paid_col], "paid_on")
    reference = sheets.text(cells[reference_col])
    if not reference:
        raise ValueError("no reference")
    if len(reference) > 64:
        raise ValueError("reference is longer than 64 characters")
    return _Payment(number, account, amount, paid_on, reference)


def _stored(conn: Connection, payments: list[_Payment]) -> dict[tuple[str, str], tuple[int, dt.date]]:
    """The stored payments of the file's accounts: (account, reference) -> (amount, paid on)."""
    accounts = sorted({p.account for p in payments})
    found: dict[tuple[str, str], tuple[int, dt.date]] = {}
    for start in range(0, len(accounts), _CHUNK):
        query = select(
            PAYMENTS.c.account_number, PAYMENTS.c.reference, PAYMENTS.c.amount_cents, PAYMENTS.c.paid_on
        ).where(PAYMENTS.c.account_number.in_(accounts[start : start + _CHUNK]))
        for account, reference, amount, paid_on in conn.execute(query):
            found[(account, reference)] = (int(amount), paid_on)
    return found


def _differs(payment: _Payment, old: tuple[int, dt.date]) -> str:
    return (
        f"reference {payment.reference} was imported before as {old[0] / 100:.2f} on {old[1]}; "
        f"this row says {payment.amount_cents / 100:.2f} on {payment.paid_on} (the first kept)"
    )


def reconcile_promises(
    conn: Connection,
    today: dt.date,
    grace_days: int,
    now: dt.datetime | None = None,
    timezone: str = "Africa/Johannesburg",
) -> ReconcileResult:
    """Settle the open promises from the payments (see the module); the counts of this run.

    ``today`` is the local date; ``now`` (default: the current time) is written as
    ``resolved_at``; ``timezone`` gives the local day a promise was made.
    """
    resolved_at = now or dt.datetime.now(dt.UTC)
    zone = ZoneInfo(timezone)
    result = ReconcileResult()
    changes: list[tuple[Any, ...]] = []
    accounts = _accounts_with_open_promises(conn)
    for start in range(0, len(accounts), _CHUNK):
        part = accounts[start : start + _CHUNK]
        promises, paid = _promises(conn, part), _payments(conn, part)
        for account in part:
            for promise, status, paid_cents in _allocate(
                promises[account], paid[account], grace_days, zone, today
            ):
                if promise.status != "open" or (status, paid_cents) == ("open", promise.paid_cents):
                    continue
                result.kept += status == "kept"
                result.broken += status == "broken"
                changes.append(_change(promise.id, status, paid_cents, resolved_at))
    update_rows(conn, PROMISES, _SETTLED, changes)
    open_count = conn.execute(select(func.count()).where(PROMISES.c.status == "open")).scalar()
    result.open = int(open_count or 0)
    return result


def _change(promise_id: int, status: str, paid_cents: int, at: dt.datetime) -> tuple[Any, ...]:
    """A row for :func:`update_rows` of ``_SETTLED``."""
    return (promise_id, status, paid_cents, None if status == "open" else at)


def _accounts_with_open_promises(conn: Connection) -> list[str]:
    query = (
        select(ACCOUNTS.c.account_number)
        .join(PROMISES, PROMISES.c.account_id == ACCOUNTS.c.id)
        .where(PROMISES.c.status == "open")
        .distinct()
    )
    return sorted(conn.scalars(query))


def _promises(conn: Connection, accounts: list[str]) -> dict[str, list[Row[Any]]]:
    """Every promise (any status) of the accounts, in allocation order."""
    query = (
        select(ACCOUNTS.c.account_number, PROMISES)
        .join(ACCOUNTS, ACCOUNTS.c.id == PROMISES.c.account_id)
        .where(ACCOUNTS.c.account_number.in_(accounts))
        .order_by(PROMISES.c.due_date, PROMISES.c.made_at, PROMISES.c.instalment, PROMISES.c.id)
    )
    found: dict[str, list[Row[Any]]] = defaultdict(list)
    for row in conn.execute(query):
        found[row.account_number].append(row)
    return found


def _payments(conn: Connection, accounts: list[str]) -> dict[str, list[tuple[dt.date, int]]]:
    """The accounts' payments, oldest first: ``(paid on, amount)``."""
    query = (
        select(PAYMENTS.c.account_number, PAYMENTS.c.paid_on, PAYMENTS.c.amount_cents)
        .where(PAYMENTS.c.account_number.in_(accounts))
        .order_by(PAYMENTS.c.paid_on, PAYMENTS.c.id)
    )
    found: dict[str, list[tuple[dt.date, int]]] = defaultdict(list)
    for account, paid_on, amount in conn.execute(query):
        found[account].append((paid_on, int(amount)))
    return found


def _allocate(
    promises: list[Row[Any]],
    payments: list[tuple[dt.date, int]],
    grace_days: int,
    zone: ZoneInfo,
    today: dt.date,
) -> list[tuple[Row[Any], str, int]]:
    """Each promise with its status and what it has been paid (first in, first out)."""
    left = [amount for _, amount in payments]
    grace = dt.timedelta(days=grace_days)
    settled = []
    for promise in promises:
        made_on, deadline = promise.made_at.astimezone(zone).date(), promise.due_date + grace
        paid = 0
        for index, (paid_on, _) in enumerate(payments):
            if paid >= promise.amount_cents:
                break
            if made_on <= paid_on <= deadline and left[index] > 0:
                used = min(left[index], promise.amount_cents - paid)
                left[index] -= used
                paid += used
        status = "kept" if paid >= promise.amount_cents else "broken" if today > deadline else "open"
        settled.append((promise, status, paid))
    return settled
