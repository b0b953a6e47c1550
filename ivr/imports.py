"""Service-request status updates and the billing system's account export, from the command line or CSV.

Every CSV row is either applied or reported with its row number (the header is row 1, as a
spreadsheet shows it) and the reason; nothing is dropped silently. A reference with a wrong check
digit is reported as such, not as "unknown". Re-importing accounts updates balances, holders, areas
and verification digests, and keeps the lock-out state.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from ivr.backend import id_number_digest, verification_digest
from ivr.engine import local_number
from ivr.models import REQUEST_STATUSES, BillingAccount, ServiceRequest
from ivr.references import REFERENCE_LENGTH, is_valid_reference, luhn_valid, normalise

ACCOUNT_COLUMNS = ("account_number", "holder", "id_number", "balance")


class RequestError(ValueError):
    """A status update that cannot be applied; the message says why."""


@dataclass
class ImportResult:
    """How many rows were added and updated, and every row that was not applied (row number, reason)."""

    added: int = 0
    updated: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)


def check_reference(reference: str) -> str:
    """The reference normalised; :class:`RequestError` when it cannot be one (check digit named)."""
    digits = normalise(reference)
    if not (digits.isascii() and digits.isdigit()) or len(digits) != REFERENCE_LENGTH:
        raise RequestError(f"{reference!r} is not a reference number (nine digits)")
    if not is_valid_reference(digits):
        raise RequestError(f"{reference!r}: invalid check digit (mistyped reference?)")
    return digits


def update_status(
    db: Session, reference: str, status: str, note: str | None, now: datetime
) -> ServiceRequest:
    """Set a request's status (and note); :class:`RequestError` for a bad reference or status."""
    digits = check_reference(reference)
    status = status.strip().lower()
    if status not in REQUEST_STATUSES:
        raise RequestError(f"unknown status {status!r} (one of {', '.join(REQUEST_STATUSES)})")
    row = db.scalars(select(ServiceRequest).where(ServiceRequest.reference == digits)).one_or_none()
    if row is None:
        raise RequestError(f"no service request has reference {digits}")
    row.status, row.updated_at = status, now
    if note is not None:
        row.status_note = note
    return row


def import_statuses(engine: Engine, path: Path, now: datetime) -> ImportResult:
    """Apply ``reference,status,note`` rows; every bad row is reported with its number."""
    result = ImportResult()
    with Session(engine) as db, path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        missing = {"reference", "status"} - set(reader.fieldnames or ())
        if missing:
            result.errors.append((1, f"header lacks {', '.join(sorted(missing))}"))
            return result
        for number, row in enumerate(reader, start=2):
            try:
                update_status(db, row["reference"] or "", row["status"] or "", row.get("note") or None, now)
            except RequestError as exc:
                result.errors.append((number, str(exc)))
                continue
            result.updated += 1
        db.commit()
    return result


def list_requests(engine: Engine, status: str | None, since: datetime | None) -> list[dict[str, Any]]:
    """Service requests, newest first, as dicts."""
    query = select(ServiceRequest).order_by(ServiceRequest.created_at.desc(), ServiceRequest.id.desc())
    if status:
        query = query.where(ServiceRequest.status == status)
    if since:
        query = query.where(ServiceRequest.created_at >= since)
    with Session(engine) as db:
        return [
            {
                "reference": r.reference,
                "category": r.category,
                "details": r.details,
                "language": r.language,
                "caller_number": r.caller_number,
                "linkedid": r.linkedid,
                "created_at": r.created_at.isoformat(),
                "status": r.status,
                "status_note": r.status_note,
                "updated_at": r.updated_at.isoformat(),
            }
            for r in db.scalars(query)
        ]


def _account_row(row: dict[str, str | None], salt: str) -> dict[str, Any]:
    number = normalise(row.get("account_number") or "")
    if not (number.isascii() and number.isdigit() and 6 <= len(number) <= 20):
        raise ValueError(f"account number {number!r} is not 6 to 20 digits")
    holder = (row.get("holder") or "").strip()
    if not holder:
        raise ValueError("no account holder")
    id_number = (row.get("id_number") or "").replace(" ", "")
    if len(id_number) != 13 or not luhn_valid(id_number):
        raise ValueError("ID number is not 13 digits with a valid check digit")
    try:
        balance = Decimal((row.get("balance") or "").replace(" ", "").replace(",", ""))
    except InvalidOperation:
        raise ValueError(f"balance {row.get('balance')!r} is not an amount") from None
    if not balance.is_finite() or balance != balance.quantize(Decimal("0.01")):
        raise ValueError(f"balance {row.get('balance')!r} is not an amount in rand and cents")
    return {
        "account_number": number,
        "holder": holder,
        "id_number_hash": id_number_digest(salt, id_number),
        "verification_hash": verification_digest(salt, number, id_number[-4:]),
        "balance_cents": int(balance * 100),
        "area": (row.get("area") or "").strip(),
        "phone": local_number(row.get("phone") or "") or None,
    }


def import_accounts(engine: Engine, path: Path, salt: str, now: datetime) -> ImportResult:
    """Add or update accounts from the billing export (CSV: :data:`ACCOUNT_COLUMNS`, then area, phone)."""
    result = ImportResult()
    with Session(engine) as db, path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        missing = set(ACCOUNT_COLUMNS) - set(reader.fieldnames or ())
        if missing:
            result.errors.append((1, f"header lacks {', '.join(sorted(missing))}"))
            return result
        seen: dict[str, int] = {}
        for number, row in enumerate(reader, start=2):
            try:
                values = _account_row(row, salt)
            except ValueError as exc:
                result.errors.append((number, str(exc)))
                continue
            if values["account_number"] in seen:
                result.errors.append(
                    (number, f"account repeated (first on row {seen[values['account_number']]})")
                )
                continue
            seen[values["account_number"]] = number
            account = db.scalars(
                select(BillingAccount).where(BillingAccount.account_number == values["account_number"])
            ).one_or_none()
            if account is None:
                db.add(BillingAccount(**values, failed_attempts=0, updated_at=now))
                result.added += 1
            else:
                for name, value in values.items():
                    setattr(account, name, value)
                account.updated_at = now
                result.updated += 1
        db.commit()
    return result
