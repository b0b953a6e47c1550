"""An attempt's life after the Originate: ringing, answered, and its result with the retry rules.

Only attempts still in flight (``placing``/``ringing``) change, so AMI events seen twice (after a
reconnect) or a late settlement from the call records do nothing the second time. A final result
ends the dial's lease on the account, records ``last_outcome`` and sets the retry time: the rule's
minutes for a failed try, the minimum gap after an answered call (the agent's outcome decides the
rest), never earlier than a retry time already set.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Row, String, Table, and_, bindparam, case, cast, null, select, update

from callcentre.db import UTCDateTime
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


# Built once (settling runs after every dial); the SET columns come with the parameters.
_FINISH = (
    update(ATTEMPTS)
    .where(ATTEMPTS.c.id == bindparam("b_attempt"), ATTEMPTS.c.state.in_(IN_FLIGHT))
    .returning(ATTEMPTS.c.account_id, ATTEMPTS.c.agent)
)
_RETRY = bindparam("b_retry", type_=UTCDateTime())
_OWN_LEASE = ACCOUNTS.c.leased_by == bindparam("b_agent")


def _settle_account(answered: bool) -> Any:
    """The account's side of a result, in one ``UPDATE ... RETURNING`` (every ``CASE`` reads the
    row as it was): the later retry time wins; the dial's own lease ends (an agent who took the
    account since keeps theirs); a failed try at the campaign's limit exhausts an active account.
    """
    values: dict[str, Any] = {
        "last_outcome": bindparam("b_state"),
        "updated_at": bindparam("b_now", type_=UTCDateTime()),
        "next_attempt_at": case(
            (ACCOUNTS.c.next_attempt_at > _RETRY, ACCOUNTS.c.next_attempt_at), else_=_RETRY
        ),
        "leased_by": case((_OWN_LEASE, null()), else_=ACCOUNTS.c.leased_by),
        "leased_until": case((_OWN_LEASE, null()), else_=ACCOUNTS.c.leased_until),
    }
    if not answered:
        spent = and_(ACCOUNTS.c.status == "active", ACCOUNTS.c.attempts_total >= bindparam("b_max"))
        reason = cast(ACCOUNTS.c.attempts_total, String) + " dials without a contact"
        values["status"] = case((spent, "exhausted"), else_=ACCOUNTS.c.status)
        values["status_reason"] = case((spent, reason), else_=ACCOUNTS.c.status_reason)
    return (
        update(ACCOUNTS)
        .where(ACCOUNTS.c.id == bindparam("b_account"))
        .values(values)
        .returning(ACCOUNTS.c.next_attempt_at)
    )


_SETTLE_ACCOUNT = {answered: _settle_account(answered) for answered in (False, True)}


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
    values: dict[str, object] = {"b_attempt": attempt_id, "state": state, "reason": reason, "ended_at": now}
    if linkedid:
        values["linkedid"] = linkedid
    if state == "answered":
        values["answered_at"] = now
    row = conn.execute(_FINISH, values).first()
    if row is None:
        return None
    retry = now + dt.timedelta(
        minutes=rules.retry_after(state) if state != "answered" else rules.min_gap_minutes
    )
    account = {"b_account": row.account_id, "b_agent": row.agent, "b_state": state, "b_now": now}
    limits = {"b_retry": retry, "b_max": rules.max_per_campaign}
    next_try = conn.execute(_SETTLE_ACCOUNT[state == "answered"], account | limits).scalar_one()
    return Settled(attempt_id, row.account_id, state, next_try)
