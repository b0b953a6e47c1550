"""The agent's workspace behind the dashboard page: the account to work, Dial, Skip and the outcome.

No Streamlit here: every function takes a Connection and the caller commits.

* :func:`current_account` — the account the agent works now. A dial the agent still owes an outcome
  for comes first (the dialer releases an account when its call ends, so the agent keeps it until
  the outcome is recorded); otherwise, in a ``preview`` campaign, the account leased to the agent
  (:func:`selection.lease_next <telephony.campaigns.selection.lease_next>`).
* :func:`request_dial` — preview: the agent pressed Dial; the dialer places it after its
  compliance check (``dial_requests``).
* :func:`skip` — the agent passes the account on, with a reason.
* :func:`record_outcome` — see :mod:`telephony.campaigns.outcomes`.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, Row, insert, select, update

from telephony.campaigns import selection
from telephony.campaigns.account_view import (
    ATTEMPTS,
    CAMPAIGNS,
    IN_FLIGHT,
    REQUESTS,
    AccountView,
    PhoneView,
    account_row,
    expire_requests,
    load,
    numbers,
    open_attempt,
    pending_request,
)
from telephony.campaigns.outcomes import OutcomeForm, record_outcome, working
from telephony.campaigns.selection import ACCOUNTS

__all__ = [
    "SKIP_DELAY",
    "AccountView",
    "OutcomeForm",
    "active_campaigns",
    "current_account",
    "record_outcome",
    "request_dial",
    "skip",
]

#: A skipped account is not offered again before this.
SKIP_DELAY = dt.timedelta(hours=1)


def active_campaigns(conn: Connection) -> list[tuple[int, str, str]]:
    """(id, name, mode) of the active campaigns, by name."""
    rows = conn.execute(
        select(CAMPAIGNS.c.id, CAMPAIGNS.c.name, CAMPAIGNS.c.mode)
        .where(CAMPAIGNS.c.active.is_(True))
        .order_by(CAMPAIGNS.c.name)
    )
    return [(int(r.id), str(r.name), str(r.mode)) for r in rows]


def current_account(
    conn: Connection, campaign_id: int, agent: str, now: dt.datetime, lease_seconds: float
) -> AccountView | None:
    """The account ``agent`` works now on the campaign, or ``None`` when there is none.

    First the account of the agent's latest dial still without an outcome (progressive: the dial
    the dialer placed; preview: the one they asked for, leased to them again so they may dial its
    next number); then, in a preview campaign that is active, the account leased to the agent,
    taking the next free one if they hold none.
    """
    campaign = conn.execute(select(CAMPAIGNS).where(CAMPAIGNS.c.id == campaign_id)).first()
    if campaign is None:
        raise ValueError(f"campaign_id: no campaign {campaign_id}")
    expire_requests(conn, now)
    owed = open_attempt(conn, campaign_id, agent)
    if owed is not None:
        if campaign.mode == "preview":
            selection.lease(conn, owed.account_id, agent, now, lease_seconds)
        return load(conn, account_row(conn, owed.account_id), agent)
    if campaign.mode != "preview" or not campaign.active:
        return None
    row = selection.lease_next(conn, campaign_id, agent, now, lease_seconds)
    return None if row is None else load(conn, row, agent)


def request_dial(
    conn: Connection,
    campaign_id: int,
    account_id: int,
    agent: str,
    now: dt.datetime,
    phone_id: int | None = None,
) -> int:
    """Ask the dialer to dial the account leased to ``agent`` (``phone_id``: that number); the request id.

    ``ValueError`` (naming the field) when the campaign is not in preview mode, the account is not
    leased to the agent, a dial of it is already pending or under way, or the number cannot be dialled.
    """
    campaign = conn.execute(select(CAMPAIGNS).where(CAMPAIGNS.c.id == campaign_id)).first()
    if campaign is None:
        raise ValueError(f"campaign_id: no campaign {campaign_id}")
    if campaign.mode != "preview":
        raise ValueError(f"campaign_id: {campaign.name} dials progressively; the dialer places its calls")
    account = account_row(conn, account_id)
    if account.campaign_id != campaign_id:
        raise ValueError(f"account_id: account {account_id} is not on campaign {campaign.name}")
    if account.leased_by != agent or account.leased_until is None or account.leased_until <= now:
        raise ValueError(
            f"account_id: account {account.account_number} is not reserved for you "
            "(the reservation may have run out): open the workspace again"
        )
    expire_requests(conn, now)
    _not_busy(conn, account)
    if phone_id is not None:
        _dialable(conn, account_id, phone_id)
    result = conn.execute(
        insert(REQUESTS).values(
            campaign_id=campaign_id,
            account_id=account_id,
            phone_id=phone_id,
            agent=agent,
            requested_at=now,
            state="pending",
        )
    )
    return int(result.inserted_primary_key[0])  # type: ignore[index]


def skip(
    conn: Connection,
    account_id: int,
    agent: str,
    reason: str,
    now: dt.datetime,
    delay: dt.timedelta = SKIP_DELAY,
) -> int:
    """Pass the account on: a ``skipped`` request with the reason, the lease released, not offered
    again before ``now + delay``. Returns the request id; ``ValueError`` naming the field otherwise.
    """
    why = reason.strip()
    if not why:
        raise ValueError("reason: say why the account is skipped")
    account = account_row(conn, account_id)
    if not working(conn, account, agent):
        raise ValueError(f"account_id: account {account.account_number} is not yours to skip")
    expire_requests(conn, now)
    _not_busy(conn, account)
    result = conn.execute(
        insert(REQUESTS).values(
            campaign_id=account.campaign_id,
            account_id=account_id,
            agent=agent,
            requested_at=now,
            state="skipped",
            reason=why,
            handled_at=now,
        )
    )
    later = max(now + delay, account.next_attempt_at or now)
    conn.execute(
        update(ACCOUNTS).where(ACCOUNTS.c.id == account_id).values(next_attempt_at=later, updated_at=now)
    )
    selection.release(conn, account_id, agent)
    return int(result.inserted_primary_key[0])  # type: ignore[index]


def _not_busy(conn: Connection, account: Row[tuple[object, ...]]) -> None:
    """``ValueError`` when a dial of the account is pending or under way."""
    if pending_request(conn, account.id) is not None:
        raise ValueError(f"account_id: a dial of account {account.account_number} is already pending")
    busy = conn.execute(
        select(ATTEMPTS.c.id).where(ATTEMPTS.c.account_id == account.id, ATTEMPTS.c.state.in_(IN_FLIGHT))
    ).first()
    if busy is not None:
        raise ValueError(f"account_id: a call to account {account.account_number} is under way")


def _dialable(conn: Connection, account_id: int, phone_id: int) -> PhoneView:
    phone = next((p for p in numbers(conn, account_id) if p.id == phone_id), None)
    if phone is None:
        raise ValueError(f"phone_id: number {phone_id} is not one of this account's")
    if not phone.dialable:
        why = "on the do-not-call list" if phone.on_dnc else "marked as a wrong number"
        raise ValueError(f"phone_id: {phone.number} is {why}")
    return phone
