"""The audit log: who opened, played or downloaded which call, and who changed which score (POPIA).

:func:`record` is called in the transaction of the change it describes, so a
review and its audit entry are stored together or not at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select

from dashboard.models import AuditEntry

#: The actions written by the suite (the audit page offers these as a filter).
ACTIONS = (
    "login",
    "login_failed",
    "logout",
    "open_call",
    "denied",
    "play",
    "download",
    "review",
    "dispute",
    "resolve",
    "acknowledge",
    "user_added",
    "user_disabled",
    # The agent's workspace (outbound revenue collection).
    "open_account",
    "dial_request",
    "skip",
    "outcome",
)


def record(
    connection: Connection,
    username: str,
    action: str,
    subject: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Append one entry (the time is now, in UTC)."""
    connection.execute(
        insert(AuditEntry).values(
            at=datetime.now(UTC),
            username=username[:64],
            action=action[:32],
            subject=None if subject is None else subject[:128],
            detail=detail or {},
        )
    )


@dataclass(frozen=True, slots=True)
class AuditFilters:
    """Which entries to read; empty strings mean any."""

    start: datetime
    end: datetime
    username: str = ""
    action: str = ""
    subject: str = ""


def entries(connection: Connection, filters: AuditFilters, limit: int = 5000) -> list[dict[str, Any]]:
    """Entries in the period, newest first (at most ``limit``)."""
    table = AuditEntry.__table__
    query = select(table).where(table.c.at >= filters.start, table.c.at < filters.end)
    if filters.username:
        query = query.where(table.c.username == filters.username)
    if filters.action:
        query = query.where(table.c.action == filters.action)
    if filters.subject:
        query = query.where(table.c.subject == filters.subject)
    query = query.order_by(table.c.at.desc(), table.c.id.desc()).limit(limit)
    return [row._asdict() for row in connection.execute(query)]


def failures_since(connection: Connection, username: str, since: datetime) -> int:
    """Failed logins for ``username`` since then and since their last successful login."""
    name = username[:64]
    last_login = connection.execute(
        select(func.max(AuditEntry.at)).where(AuditEntry.username == name, AuditEntry.action == "login")
    ).scalar()
    query = select(func.count()).where(
        AuditEntry.username == name,
        AuditEntry.action == "login_failed",
        AuditEntry.at >= max(since, last_login or since),
    )
    return int(connection.execute(query).scalar_one())
