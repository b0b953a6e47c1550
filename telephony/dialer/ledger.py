"""The dialer's reads and writes besides the dial decision: campaigns, agents' requests, results
settled from the call records, the end of answered calls."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Connection, Row, Table, select, update

from callcentre.settings_dialer import DialerSettings
from telephony.campaigns.attempts import DISPOSITION_RESULTS
from telephony.campaigns.models import CallOutcome, Campaign, DialAttempt, DialRequest
from telephony.campaigns.rules import DialRules, rules_from_settings
from telephony.campaigns.selection import ACCOUNTS
from telephony.models import Call

CAMPAIGNS: Table = Campaign.__table__  # type: ignore[assignment]
REQUESTS: Table = DialRequest.__table__  # type: ignore[assignment]
ATTEMPTS: Table = DialAttempt.__table__  # type: ignore[assignment]
OUTCOMES: Table = CallOutcome.__table__  # type: ignore[assignment]
CALLS: Table = Call.__table__  # type: ignore[assignment]
#: A call record starts at most this long before the attempt row was written (clock skew).
CALL_MATCH_SLACK = dt.timedelta(seconds=5)


@dataclass(frozen=True, slots=True)
class CampaignInfo:
    """A campaign the dialer works, with its rules."""

    id: int
    name: str
    queue: str
    mode: str
    rules: DialRules


def active_campaigns(conn: Connection, settings: DialerSettings, names: frozenset[str]) -> list[CampaignInfo]:
    """Active campaigns (only ``names`` when given), each with the settings' rules and its overrides."""
    query = select(CAMPAIGNS).where(CAMPAIGNS.c.active.is_(True)).order_by(CAMPAIGNS.c.id)
    if names:
        query = query.where(CAMPAIGNS.c.name.in_(names))
    return [
        CampaignInfo(r.id, r.name, r.queue, r.mode, rules_from_settings(settings, r.rules or {}))
        for r in conn.execute(query)
    ]


def pending_requests(conn: Connection, campaign_ids: list[int]) -> list[Row[tuple[object, ...]]]:
    """Agents' Dial presses not yet handled, oldest first."""
    return list(
        conn.execute(
            select(REQUESTS)
            .where(REQUESTS.c.state == "pending", REQUESTS.c.campaign_id.in_(campaign_ids))
            .order_by(REQUESTS.c.id)
        )
    )


def mark_request(
    conn: Connection,
    request_id: int,
    state: str,
    now: dt.datetime,
    reason: str | None = None,
    attempt_id: int | None = None,
) -> None:
    """Record what became of an agent's Dial press (``placed`` or ``refused`` with the reason)."""
    conn.execute(
        update(REQUESTS)
        .where(REQUESTS.c.id == request_id)
        .values(state=state, reason=reason, attempt_id=attempt_id, handled_at=now)
    )


def mark_ended(conn: Connection, attempt_id: int, now: dt.datetime, linkedid: str | None) -> None:
    """An answered call hung up."""
    values: dict[str, object] = {"ended_at": now}
    if linkedid:
        values["linkedid"] = linkedid
    conn.execute(
        update(ATTEMPTS).where(ATTEMPTS.c.id == attempt_id, ATTEMPTS.c.state == "answered").values(**values)
    )


def has_outcome(conn: Connection, attempt_id: int) -> bool:
    """Whether the agent has recorded the outcome of ``attempt_id``."""
    return (
        conn.execute(select(OUTCOMES.c.id).where(OUTCOMES.c.attempt_id == attempt_id).limit(1)).first()
        is not None
    )


def recorded_result(
    conn: Connection, attempt: Row[tuple[object, ...]], campaign: str
) -> tuple[str, str] | None:
    """The result of an attempt whose AMI events were missed, from the logger's call record.

    The call logger links outbound calls to ``campaign``/``account`` through ``CC_CAMPAIGN`` and
    ``CC_ACCOUNT``; the first such call that began after the attempt was written is the attempt's.
    """
    query = select(CALLS.c.disposition, CALLS.c.linkedid).where(
        CALLS.c.direction == "outbound",
        CALLS.c.campaign == campaign,
        CALLS.c.start_time >= attempt.placed_at - CALL_MATCH_SLACK,
    )
    if attempt.linkedid:
        query = query.where(CALLS.c.linkedid == attempt.linkedid)
    else:
        number = select(ACCOUNTS.c.account_number).where(ACCOUNTS.c.id == attempt.account_id)
        query = query.where(CALLS.c.account == number.scalar_subquery())
    row = conn.execute(query.order_by(CALLS.c.start_time).limit(1)).first()
    if row is None:
        return None
    return DISPOSITION_RESULTS.get(row.disposition, "failed"), row.linkedid


def agents_in_flight(conn: Connection) -> dict[str, int]:
    """Agents with an attempt not yet settled (after a restart: do not dial them again)."""
    rows = conn.execute(
        select(ATTEMPTS.c.agent, ATTEMPTS.c.id).where(ATTEMPTS.c.state.in_(("placing", "ringing")))
    )
    return {r.agent: r.id for r in rows}


def campaign_of(conn: Connection, attempt_id: int) -> int | None:
    """The campaign an attempt belongs to."""
    return conn.scalar(select(ATTEMPTS.c.campaign_id).where(ATTEMPTS.c.id == attempt_id))
