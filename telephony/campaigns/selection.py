"""Finding the next account to dial, through the ``ix_campaign_accounts_next`` index.

The candidates are a campaign's ``active`` accounts in priority order whose retry time has come
and that nobody holds: the index ``(campaign_id, status, priority_key, id)`` gives them in order,
so the database reads from the front of the campaign instead of sorting it. Taking an account is a
conditional ``UPDATE`` (a lease): two dialers, or a dialer and an agent's preview, never take the
same account.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Connection, Row, Table, and_, or_, select, update

from telephony.campaigns.models import CampaignAccount, CampaignPhone, DoNotCall

ACCOUNTS: Table = CampaignAccount.__table__  # type: ignore[assignment]
PHONES: Table = CampaignPhone.__table__  # type: ignore[assignment]
DNC: Table = DoNotCall.__table__  # type: ignore[assignment]


@dataclass(frozen=True, slots=True)
class PhoneRow:
    """One of an account's numbers and its counters."""

    id: int
    number: str
    status: str
    attempts_day: str | None
    attempts_today: int
    on_dnc: bool


def free_filter(now: dt.datetime) -> list[ColumnElement[bool]]:
    """Conditions of an account nobody holds whose retry time has come."""
    return [
        ACCOUNTS.c.status == "active",
        or_(ACCOUNTS.c.next_attempt_at.is_(None), ACCOUNTS.c.next_attempt_at <= now),
        or_(ACCOUNTS.c.leased_until.is_(None), ACCOUNTS.c.leased_until <= now),
    ]


def candidates(
    conn: Connection, campaign_id: int, now: dt.datetime, limit: int = 8
) -> list[Row[tuple[object, ...]]]:
    """Up to ``limit`` dialable-looking accounts, best priority first (index order)."""
    query = (
        select(ACCOUNTS)
        .where(ACCOUNTS.c.campaign_id == campaign_id, *free_filter(now))
        .order_by(ACCOUNTS.c.priority_key, ACCOUNTS.c.id)
        .limit(limit)
    )
    return list(conn.execute(query))


def lease(conn: Connection, account_id: int, holder: str, now: dt.datetime, seconds: float) -> bool:
    """Take the account for ``holder`` until ``now + seconds``; False when someone else holds it."""
    free = or_(
        ACCOUNTS.c.leased_until.is_(None), ACCOUNTS.c.leased_until <= now, ACCOUNTS.c.leased_by == holder
    )
    result = conn.execute(
        update(ACCOUNTS)
        .where(and_(ACCOUNTS.c.id == account_id, free))
        .values(leased_by=holder, leased_until=now + dt.timedelta(seconds=seconds))
    )
    return result.rowcount == 1


def release(conn: Connection, account_id: int, holder: str | None = None) -> None:
    """Give the account back (only ``holder``'s lease, when given)."""
    query = update(ACCOUNTS).where(ACCOUNTS.c.id == account_id)
    if holder is not None:
        query = query.where(ACCOUNTS.c.leased_by == holder)
    conn.execute(query.values(leased_by=None, leased_until=None))


def lease_next(
    conn: Connection, campaign_id: int, holder: str, now: dt.datetime, seconds: float
) -> Row[tuple[object, ...]] | None:
    """The best free account, leased to ``holder`` (an agent's preview, or the dialer); else None.

    An account ``holder`` already holds comes first, so a preview survives a page reload.
    """
    held = conn.execute(
        select(ACCOUNTS).where(
            ACCOUNTS.c.campaign_id == campaign_id,
            ACCOUNTS.c.status == "active",
            ACCOUNTS.c.leased_by == holder,
            ACCOUNTS.c.leased_until > now,
        )
    ).first()
    if held is not None:
        return held
    for row in candidates(conn, campaign_id, now):
        if lease(conn, row.id, holder, now, seconds):
            return conn.execute(select(ACCOUNTS).where(ACCOUNTS.c.id == row.id)).one()
    return None


def phones(conn: Connection, account_id: int) -> list[PhoneRow]:
    """The account's numbers in export order, each flagged when on the do-not-call list."""
    rows = list(
        conn.execute(
            select(PHONES).where(PHONES.c.account_id == account_id).order_by(PHONES.c.position, PHONES.c.id)
        )
    )
    numbers = [r.number for r in rows]
    blocked = set(conn.scalars(select(DNC.c.number).where(DNC.c.number.in_(numbers)))) if numbers else set()
    return [
        PhoneRow(r.id, r.number, r.status, r.attempts_day, r.attempts_today, r.number in blocked)
        for r in rows
    ]
