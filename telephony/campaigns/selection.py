"""Finding the next account to dial, through the ``ix_campaign_accounts_next`` index.

The candidates are a campaign's ``active`` accounts in priority order whose retry time has come
and that nobody holds: the index ``(campaign_id, status, priority_key, id)`` gives them in order,
so the database reads from the front of the campaign instead of sorting it. Taking an account is a
conditional ``UPDATE`` (a lease): two dialers, or a dialer and an agent's preview, never take the
same account.

The dialer reads candidates ahead (:func:`take_candidates`): one index scan fills a small *hopper*
per campaign that serves the next decisions, so late in a campaign, when the best accounts all wait
for their retries and the scan has to read past them, it is paid once per hopper, not per dial.
A candidate from the hopper may have been taken or dialled since: its lease checks again, in the
same ``UPDATE``, that it is still active, due and free, and returns the account as it is then.
The statements are built once (bound parameters), as the dialer runs them thousands of times.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import deque
from dataclasses import dataclass
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    Row,
    Table,
    bindparam,
    exists,
    or_,
    select,
    update,
)

from callcentre.db import UTCDateTime
from telephony.campaigns.models import CampaignAccount, CampaignPhone, DoNotCall

ACCOUNTS: Table = CampaignAccount.__table__  # type: ignore[assignment]
PHONES: Table = CampaignPhone.__table__  # type: ignore[assignment]
DNC: Table = DoNotCall.__table__  # type: ignore[assignment]
#: Candidates one scan reads ahead, and how long (by the caller's clock) they are trusted.
HOPPER_SIZE = 100
HOPPER_SECONDS = 60.0


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


_NOW = bindparam("b_now", type_=UTCDateTime())
_FREE = or_(ACCOUNTS.c.leased_until.is_(None), ACCOUNTS.c.leased_until <= _NOW)
_DUE = [
    ACCOUNTS.c.status == "active",
    or_(ACCOUNTS.c.next_attempt_at.is_(None), ACCOUNTS.c.next_attempt_at <= _NOW),
]
_CANDIDATE_IDS = (
    select(ACCOUNTS.c.id)
    .where(ACCOUNTS.c.campaign_id == bindparam("b_campaign"), *_DUE, _FREE)
    .order_by(ACCOUNTS.c.priority_key, ACCOUNTS.c.id)
    .limit(HOPPER_SIZE)
)


def _lease_statement(due: bool) -> Any:
    """``UPDATE ... RETURNING`` taking one account: free (or the holder's own), or free and due."""
    taken = [_FREE, *_DUE] if due else [or_(_FREE, ACCOUNTS.c.leased_by == bindparam("b_holder"))]
    return (
        update(ACCOUNTS)
        .where(ACCOUNTS.c.id == bindparam("b_account"), *taken)
        .values(leased_by=bindparam("b_holder"), leased_until=bindparam("b_until", type_=UTCDateTime()))
        .returning(*ACCOUNTS.c)
    )


_LEASE = {due: _lease_statement(due) for due in (False, True)}
_RELEASE = (
    update(ACCOUNTS).where(ACCOUNTS.c.id == bindparam("b_account")).values(leased_by=None, leased_until=None)
)
_RELEASE_HELD = _RELEASE.where(ACCOUNTS.c.leased_by == bindparam("b_holder"))
_PHONES = (
    select(
        PHONES.c.id,
        PHONES.c.number,
        PHONES.c.status,
        PHONES.c.attempts_day,
        PHONES.c.attempts_today,
        exists().where(DNC.c.number == PHONES.c.number).label("on_dnc"),
    )
    .where(PHONES.c.account_id == bindparam("b_account"))
    .order_by(PHONES.c.position, PHONES.c.id)
)


@dataclass
class _Hopper:
    """Candidate ids read ahead for one campaign, and the clock they were read at."""

    ids: deque[int]
    filled_at: dt.datetime

    def serves(self, now: dt.datetime) -> bool:
        """True when it still has ids read recently enough before ``now``."""
        return bool(self.ids) and self.filled_at <= now < self.filled_at + dt.timedelta(
            seconds=HOPPER_SECONDS
        )


_HOPPERS: WeakKeyDictionary[Engine, dict[int, _Hopper]] = WeakKeyDictionary()
_HOPPERS_LOCK = threading.Lock()


def take_candidates(conn: Connection, campaign_id: int, now: dt.datetime, count: int) -> list[int]:
    """Up to ``count`` candidate ids, best first, from the campaign's hopper.

    The hopper is refilled by one index scan when it is empty, or was filled more than
    :data:`HOPPER_SECONDS` before ``now`` (or after it): accounts that became due since, or a newer
    import's, wait at most that long. Each id is handed out once; its lease decides.
    """
    with _HOPPERS_LOCK:
        hoppers = _HOPPERS.setdefault(conn.engine, {})
        hopper = hoppers.get(campaign_id)
        if hopper is None or not hopper.serves(now):
            found = conn.scalars(_CANDIDATE_IDS, {"b_campaign": campaign_id, "b_now": now})
            hopper = hoppers[campaign_id] = _Hopper(deque(found), now)
        return [hopper.ids.popleft() for _ in range(min(count, len(hopper.ids)))]


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
    return lease_row(conn, account_id, holder, now, seconds) is not None


def lease_row(
    conn: Connection, account_id: int, holder: str, now: dt.datetime, seconds: float, *, due: bool = False
) -> Row[tuple[object, ...]] | None:
    """:func:`lease`, returning the account as it is once leased; ``None`` when it could not be taken.

    The row comes from the lease's own ``UPDATE ... RETURNING``, so it includes whatever another
    dialer did after the candidates were read (a dial placed and settled meanwhile). With ``due``
    (the dialer's next account), it must also still be ``active``, past its retry time and held by
    nobody, not even ``holder``.
    """
    values = {"b_account": account_id, "b_holder": holder, "b_now": now}
    values["b_until"] = now + dt.timedelta(seconds=seconds)
    return conn.execute(_LEASE[due], values).first()


def release(conn: Connection, account_id: int, holder: str | None = None) -> None:
    """Give the account back (only ``holder``'s lease, when given)."""
    if holder is None:
        conn.execute(_RELEASE, {"b_account": account_id})
    else:
        conn.execute(_RELEASE_HELD, {"b_account": account_id, "b_holder": holder})


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
        leased = lease_row(conn, row.id, holder, now, seconds, due=True)
        if leased is not None:
            return leased
    return None


def phones(conn: Connection, account_id: int) -> list[PhoneRow]:
    """The account's numbers in export order, each flagged when on the do-not-call list."""
    rows = conn.execute(_PHONES, {"b_account": account_id})
    return [
        PhoneRow(r.id, r.number, r.status, r.attempts_day, r.attempts_today, bool(r.on_dnc)) for r in rows
    ]
