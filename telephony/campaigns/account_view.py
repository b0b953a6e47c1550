"""What an agent sees of one account in the workspace: the account, its numbers and its history.

:func:`load` reads an :class:`AccountView` (a handful of small queries, each on an indexed
``account_id``); :func:`open_attempt` finds the dial an agent still owes an outcome for.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Connection, Row, Table, exists, select, update

from telephony.campaigns.models import (
    REQUEST_EXPIRY_SECONDS,
    CallOutcome,
    Campaign,
    DialAttempt,
    DialRequest,
    Promise,
)
from telephony.campaigns.selection import ACCOUNTS, DNC, PHONES

CAMPAIGNS: Table = Campaign.__table__  # type: ignore[assignment]
ATTEMPTS: Table = DialAttempt.__table__  # type: ignore[assignment]
OUTCOMES: Table = CallOutcome.__table__  # type: ignore[assignment]
PROMISES: Table = Promise.__table__  # type: ignore[assignment]
REQUESTS: Table = DialRequest.__table__  # type: ignore[assignment]
#: Attempt states of a dial still under way.
IN_FLIGHT = ("placing", "ringing")
#: How much history the workspace shows (newest first).
HISTORY = 20


@dataclass(frozen=True, slots=True)
class PhoneView:
    """One of the account's numbers."""

    id: int
    number: str
    status: str
    attempts: int
    on_dnc: bool

    @property
    def dialable(self) -> bool:
        """Not a wrong number and not on the do-not-call list."""
        return self.status == "active" and not self.on_dnc


@dataclass(frozen=True, slots=True)
class AttemptView:
    """One dial of the account."""

    id: int
    placed_at: dt.datetime
    number: str
    state: str
    agent: str
    reason: str | None
    linkedid: str | None


@dataclass(frozen=True, slots=True)
class OutcomeView:
    """An outcome an agent recorded on the account."""

    at: dt.datetime
    agent: str
    kind: str
    right_party: bool
    note: str | None
    callback_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class PromiseView:
    """A promise to pay (or an instalment of an arrangement) and where it stands."""

    made_at: dt.datetime
    agent: str
    amount_cents: int
    due_date: dt.date
    instalment: int
    status: str
    paid_cents: int


@dataclass(frozen=True, slots=True)
class RequestView:
    """The agent's latest Dial (or Skip) on the account, and the attempt it led to."""

    id: int
    state: str
    requested_at: dt.datetime
    reason: str | None
    number: str | None
    attempt_state: str | None


@dataclass(frozen=True, slots=True)
class AccountView:
    """Everything the workspace shows of the account an agent is working."""

    campaign_id: int
    campaign: str
    mode: str
    id: int
    account_number: str
    holder: str
    arrears_cents: int
    days_in_arrears: int
    language: str
    ward: str | None
    timezone: str
    status: str
    status_reason: str | None
    callback_at: dt.datetime | None
    leased_until: dt.datetime | None
    phones: tuple[PhoneView, ...]
    attempts: tuple[AttemptView, ...]
    outcomes: tuple[OutcomeView, ...]
    promises: tuple[PromiseView, ...]
    #: The dial under way (``placing``/``ringing``), else ``None``.
    in_progress: AttemptView | None
    #: The agent's latest Dial or Skip on the account, else ``None``.
    request: RequestView | None

    @property
    def dialable_phones(self) -> tuple[PhoneView, ...]:
        """The numbers that may still be dialled."""
        return tuple(phone for phone in self.phones if phone.dialable)


def load(conn: Connection, account: Row[tuple[object, ...]], agent: str) -> AccountView:
    """The view of ``account`` (a ``campaign_accounts`` row) for ``agent``."""
    campaign = conn.execute(select(CAMPAIGNS).where(CAMPAIGNS.c.id == account.campaign_id)).one()
    tried = attempts(conn, account.id)
    return AccountView(
        campaign_id=campaign.id,
        campaign=campaign.name,
        mode=campaign.mode,
        id=account.id,
        account_number=account.account_number,
        holder=account.holder,
        arrears_cents=account.arrears_cents,
        days_in_arrears=account.days_in_arrears,
        language=account.language,
        ward=account.ward,
        timezone=account.timezone,
        status=account.status,
        status_reason=account.status_reason,
        callback_at=account.callback_at,
        leased_until=account.leased_until if account.leased_by == agent else None,
        phones=numbers(conn, account.id),
        attempts=tried,
        outcomes=outcomes(conn, account.id),
        promises=promises(conn, account.id),
        in_progress=next((a for a in tried if a.state in IN_FLIGHT), None),
        request=latest_request(conn, account.id, agent),
    )


def numbers(conn: Connection, account_id: int) -> tuple[PhoneView, ...]:
    """The account's numbers in export order, each flagged when on the do-not-call list."""
    rows = conn.execute(
        select(PHONES, DNC.c.id.is_not(None).label("on_dnc"))
        .outerjoin(DNC, DNC.c.number == PHONES.c.number)
        .where(PHONES.c.account_id == account_id)
        .order_by(PHONES.c.position, PHONES.c.id)
    )
    return tuple(PhoneView(r.id, r.number, r.status, r.attempts_total, bool(r.on_dnc)) for r in rows)


def attempts(conn: Connection, account_id: int, limit: int = HISTORY) -> tuple[AttemptView, ...]:
    """The account's dials, newest first."""
    rows = conn.execute(
        select(ATTEMPTS)
        .where(ATTEMPTS.c.account_id == account_id)
        .order_by(ATTEMPTS.c.placed_at.desc(), ATTEMPTS.c.id.desc())
        .limit(limit)
    )
    return tuple(
        AttemptView(r.id, r.placed_at, r.number, r.state, r.agent, r.reason, r.linkedid) for r in rows
    )


def outcomes(conn: Connection, account_id: int, limit: int = HISTORY) -> tuple[OutcomeView, ...]:
    """The outcomes recorded on the account, newest first."""
    rows = conn.execute(
        select(OUTCOMES)
        .where(OUTCOMES.c.account_id == account_id)
        .order_by(OUTCOMES.c.at.desc(), OUTCOMES.c.id.desc())
        .limit(limit)
    )
    return tuple(OutcomeView(r.at, r.agent, r.kind, r.right_party, r.note, r.callback_at) for r in rows)


def promises(conn: Connection, account_id: int, limit: int = HISTORY) -> tuple[PromiseView, ...]:
    """The account's promises and instalments, newest first (instalments in order)."""
    rows = conn.execute(
        select(PROMISES)
        .where(PROMISES.c.account_id == account_id)
        .order_by(PROMISES.c.made_at.desc(), PROMISES.c.instalment, PROMISES.c.id)
        .limit(limit)
    )
    return tuple(
        PromiseView(r.made_at, r.agent, r.amount_cents, r.due_date, r.instalment, r.status, r.paid_cents)
        for r in rows
    )


def latest_request(conn: Connection, account_id: int, agent: str) -> RequestView | None:
    """The agent's latest Dial or Skip on the account, with the state of the attempt it led to."""
    row = conn.execute(
        select(REQUESTS, PHONES.c.number, ATTEMPTS.c.state.label("attempt_state"))
        .outerjoin(PHONES, PHONES.c.id == REQUESTS.c.phone_id)
        .outerjoin(ATTEMPTS, ATTEMPTS.c.id == REQUESTS.c.attempt_id)
        .where(REQUESTS.c.account_id == account_id, REQUESTS.c.agent == agent)
        .order_by(REQUESTS.c.requested_at.desc(), REQUESTS.c.id.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    return RequestView(row.id, row.state, row.requested_at, row.reason, row.number, row.attempt_state)


def expire_requests(conn: Connection, now: dt.datetime) -> int:
    """Mark ``expired`` the Dial presses still pending after :data:`REQUEST_EXPIRY_SECONDS`."""
    cutoff = now - dt.timedelta(seconds=REQUEST_EXPIRY_SECONDS)
    result = conn.execute(
        update(REQUESTS)
        .where(REQUESTS.c.state == "pending", REQUESTS.c.requested_at < cutoff)
        .values(
            state="expired",
            reason=f"the dialer did not act on it within {REQUEST_EXPIRY_SECONDS} s; press Dial again",
            handled_at=now,
        )
    )
    return int(result.rowcount or 0)


def pending_request(conn: Connection, account_id: int) -> int | None:
    """The id of a Dial on the account the dialer has not acted on yet (anyone's)."""
    return conn.execute(
        select(REQUESTS.c.id).where(REQUESTS.c.account_id == account_id, REQUESTS.c.state == "pending")
    ).scalar()


def latest_attempt(conn: Connection, account_id: int, agent: str) -> Row[tuple[object, ...]] | None:
    """The agent's latest dial of the account."""
    return conn.execute(
        select(ATTEMPTS)
        .where(ATTEMPTS.c.account_id == account_id, ATTEMPTS.c.agent == agent)
        .order_by(ATTEMPTS.c.placed_at.desc(), ATTEMPTS.c.id.desc())
        .limit(1)
    ).first()


def open_attempt(conn: Connection, campaign_id: int, agent: str) -> Row[tuple[object, ...]] | None:
    """The agent's latest dial on the campaign if it still awaits its outcome, else ``None``.

    A dial is closed by an outcome linked to it, or by the agent skipping the account after it.
    """
    latest = conn.execute(
        select(ATTEMPTS)
        .where(ATTEMPTS.c.campaign_id == campaign_id, ATTEMPTS.c.agent == agent)
        .order_by(ATTEMPTS.c.placed_at.desc(), ATTEMPTS.c.id.desc())
        .limit(1)
    ).first()
    if latest is None:
        return None
    closed = select(
        exists().where(OUTCOMES.c.attempt_id == latest.id)
        | exists().where(
            REQUESTS.c.account_id == latest.account_id,
            REQUESTS.c.agent == agent,
            REQUESTS.c.state == "skipped",
            REQUESTS.c.requested_at >= latest.placed_at,
        )
    )
    return None if conn.execute(closed).scalar() else latest


def account_row(conn: Connection, account_id: int) -> Row[tuple[object, ...]]:
    """The ``campaign_accounts`` row; ``ValueError`` naming ``account_id`` when there is none."""
    row = conn.execute(select(ACCOUNTS).where(ACCOUNTS.c.id == account_id)).first()
    if row is None:
        raise ValueError(f"account_id: no account {account_id}")
    return row
