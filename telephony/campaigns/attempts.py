"""An attempt's life after the Originate: ringing, answered, and its result with the retry rules.

Only attempts still in flight (``placing``/``ringing``) change, so AMI events seen twice (after a
reconnect) or a late settlement from the call records do nothing the second time. A final result
releases the account, records ``last_outcome`` and sets the retry time: the rule's minutes for a
failed try, the minimum gap after an answered call (the agent's outcome decides the rest).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Connection, Row, Table, select, update

from telephony.campaigns.models import FINAL_STATES, DialAttempt
from telephony.campaigns.rules import DialRules
from telephony.campaigns.selection import ACCOUNTS

ATTEMPTS: Table = DialAttempt.__table__  # type: ignore[assignment]
IN_FLIGHT = ("placing", "ringing")
#: The call record's disposition for an outbound call -> the attempt's result.
DISPOSITION_RESULTS = {
    "answered": "answered",
    "busy": "busy",
    "no_answer": "no_answer",
    "congestion": "congestion",
    "failed": "failed",
}


@dataclass(frozen=True, slots=True)
class Settled:
    """What a final result changed: the attempt, its account and the account's next try."""

    attempt_id: int
    account_id: int
    state: str
    next_attempt_at: dt.datetime | None


def in_flight(conn: Connection) -> list[Row[tuple[object, ...]]]:
    """Attempts without a result yet, oldest first."""
    return list(conn.execute(select(ATTEMPTS).where(ATTEMPTS.c.state.in_(IN_FLIGHT)).order_by(ATTEMPTS.c.id)))


def by_action(conn: Connection, action_id: str) -> Row[tuple[object, ...]] | None:
    """The attempt an Originate ActionID belongs to."""
    return conn.execute(select(ATTEMPTS).where(ATTEMPTS.c.action_id == action_id)).first()


def mark_ringing(conn: Connection, attempt_id: int, uniqueid: str | None, linkedid: str | None) -> None:
    """The agent answered: the customer is being dialled."""
    conn.execute(
        update(ATTEMPTS)
        .where(ATTEMPTS.c.id == attempt_id, ATTEMPTS.c.state.in_(IN_FLIGHT))
        .values(state="ringing", uniqueid=uniqueid, linkedid=linkedid)
    )


def settle(
    conn: Connection,
    attempt_id: int,
    state: str,
    now: dt.datetime,
    rules: DialRules,
    reason: str | None = None,
    linkedid: str | None = None,
) -> Settled | None:
    """Give an in-flight attempt its final ``state``; ``None`` when it already had one."""
    if state not in FINAL_STATES:
        raise ValueError(f"{state!r} is not a final attempt state ({', '.join(FINAL_STATES)})")
    row = conn.execute(
        select(ATTEMPTS).where(ATTEMPTS.c.id == attempt_id, ATTEMPTS.c.state.in_(IN_FLIGHT))
    ).first()
    if row is None:
        return None
    values: dict[str, object] = {"state": state, "reason": reason, "ended_at": now}
    if linkedid:
        values["linkedid"] = linkedid
    if state == "answered":
        values["answered_at"] = now
    conn.execute(update(ATTEMPTS).where(ATTEMPTS.c.id == attempt_id).values(**values))
    retry = now + dt.timedelta(
        minutes=rules.retry_after(state) if state != "answered" else rules.min_gap_minutes
    )
    account = conn.execute(select(ACCOUNTS).where(ACCOUNTS.c.id == row.account_id)).one()
    changes: dict[str, object] = {
        "last_outcome": state,
        "leased_by": None,
        "leased_until": None,
        "updated_at": now,
        "next_attempt_at": max(retry, account.next_attempt_at or retry),
    }
    if (
        account.status == "active"
        and state != "answered"
        and account.attempts_total >= rules.max_per_campaign
    ):
        changes |= {
            "status": "exhausted",
            "status_reason": f"{account.attempts_total} dials without a contact",
        }
    conn.execute(update(ACCOUNTS).where(ACCOUNTS.c.id == row.account_id).values(**changes))
    return Settled(attempt_id, row.account_id, state, retry)
