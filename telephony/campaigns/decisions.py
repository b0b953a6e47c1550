"""One dial decision: take the next account, run the compliance check, record the attempt.

:func:`decide` is the only way a dial is born. It leases an account (the next in priority order,
from :func:`selection.take_candidates`, or the one an agent previewed) and judges it as the lease
returned it, never as an earlier read saw it. It checks each of its numbers with
:func:`compliance.check`, logs every answer in ``dial_decisions`` and — when one number passes —
writes the ``dial_attempts`` row and bumps the counters in the same transaction, *before* the
Originate is sent. A refused account gets its retry time (or is marked ``exhausted`` when no number
can ever be dialled).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Row, Table, bindparam, insert, update

from telephony.campaigns import selection
from telephony.campaigns.compliance import Decision, DialFacts, check
from telephony.campaigns.models import DialAttempt, DialDecision
from telephony.campaigns.rules import DialRules

ATTEMPTS: Table = DialAttempt.__table__  # type: ignore[assignment]
DECISIONS: Table = DialDecision.__table__  # type: ignore[assignment]
ACCOUNTS: Table = selection.ACCOUNTS
PHONES: Table = selection.PHONES
#: Refusals that concern one number only: the account's next number may still be dialled.
NUMBER_RULES = frozenset({"wrong_number", "dnc", "number_daily_limit"})
#: Accounts one decision tries at most before it gives up (each refused one is postponed).
ACCOUNTS_PER_DECISION = 8
# Built once: a decision runs them all (SET columns come with the parameters).
_INSERT_ATTEMPT = insert(ATTEMPTS)
_SET_ACTION_ID = (
    update(ATTEMPTS).where(ATTEMPTS.c.id == bindparam("b_attempt")).values(action_id=bindparam("b_action"))
)
_UPDATE_ACCOUNT = update(ACCOUNTS).where(ACCOUNTS.c.id == bindparam("b_account"))
_COUNT_PHONE = (
    update(PHONES)
    .where(PHONES.c.id == bindparam("b_phone"))
    .values(attempts_total=PHONES.c.attempts_total + 1)
)
_LOG = insert(DECISIONS)


@dataclass(frozen=True, slots=True)
class DialOrder:
    """A dial the compliance check allowed, recorded as attempt ``attempt_id``: send it."""

    attempt_id: int
    action_id: str
    campaign_id: int
    account_id: int
    account_number: str
    phone_id: int
    number: str
    agent: str
    interface: str


@dataclass(frozen=True, slots=True)
class Dialler:
    """Who dials: the agent (name as in ``calls.agent``) and their phone's interface."""

    agent: str
    interface: str
    mode: str = "progressive"


def decide(
    conn: Connection,
    campaign_id: int,
    rules: DialRules,
    who: Dialler,
    now: dt.datetime,
    hold_seconds: float,
    account_id: int | None = None,
) -> tuple[DialOrder | None, Decision | None]:
    """The next dial for ``who`` (``account_id``: that account only, as in preview), or why none.

    Returns the order (attempt recorded) or ``None`` with the last refusal (``None`` when there
    was no candidate at all). The caller commits.
    """
    last: Decision | None = None
    for candidate in _account_ids(conn, campaign_id, now, account_id):
        # The facts come from the lease, not the candidates query: another dialer may have dialled
        # (and settled) the account in between, and its counters and last dial must count.
        account = selection.lease_row(conn, candidate, who.agent, now, hold_seconds, due=account_id is None)
        if account is None:
            continue  # someone else took it meanwhile
        order, last = _try_account(conn, campaign_id, rules, who, account, now, hold_seconds)
        if order is not None:
            return order, last
        selection.release(conn, account.id, who.agent)
    return None, last


def _account_ids(
    conn: Connection, campaign_id: int, now: dt.datetime, account_id: int | None
) -> Iterator[int]:
    """The preview's account, or the next candidates one at a time (the rest stay in the hopper)."""
    if account_id is not None:
        yield account_id
        return
    for _ in range(ACCOUNTS_PER_DECISION):
        taken = selection.take_candidates(conn, campaign_id, now, 1)
        if not taken:
            return
        yield taken[0]


def _try_account(
    conn: Connection,
    campaign_id: int,
    rules: DialRules,
    who: Dialler,
    account: Row[tuple[object, ...]],
    now: dt.datetime,
    hold_seconds: float,
) -> tuple[DialOrder | None, Decision]:
    refusals: list[Decision] = []
    numbers = selection.phones(conn, account.id)
    for phone in numbers:
        decision = check(_facts(account, phone), rules, now)
        if decision.allowed:
            return _record(conn, campaign_id, who, account, phone, now, hold_seconds, decision), decision
        log(conn, campaign_id, account.id, phone.number, now, decision)
        refusals.append(decision)
        if decision.rule not in NUMBER_RULES:
            break  # the account itself is refused: its other numbers would be too
    if not numbers:
        refusals.append(Decision(False, "no_number", "the account has no phone number"))
        log(conn, campaign_id, account.id, None, now, refusals[-1])
    _postpone(conn, account.id, refusals, now)
    return None, refusals[-1]


def _facts(account: Row[tuple[object, ...]], phone: selection.PhoneRow) -> DialFacts:
    return DialFacts(
        account_status=account.status,
        phone_status=phone.status,
        on_dnc=phone.on_dnc,
        timezone=account.timezone,
        attempts_total=account.attempts_total,
        account_day=account.attempts_day,
        account_today=account.attempts_today,
        number_day=phone.attempts_day,
        number_today=phone.attempts_today,
        last_attempt_at=account.last_attempt_at,
        callback_at=account.callback_at,
    )


def _postpone(conn: Connection, account_id: int, refusals: list[Decision], now: dt.datetime) -> None:
    """Retry when the earliest refusal passes; ``exhausted`` when none ever will."""
    times = [d.retry_at for d in refusals if d.retry_at is not None]
    if times:
        conn.execute(_UPDATE_ACCOUNT, {"b_account": account_id, "next_attempt_at": min(times)})
        return
    if refusals and refusals[-1].rule != "account_status":
        reason = "; ".join(d.reason for d in refusals)
        changes = {"status": "exhausted", "status_reason": reason, "updated_at": now}
        conn.execute(_UPDATE_ACCOUNT, {"b_account": account_id, **changes})


def _record(
    conn: Connection,
    campaign_id: int,
    who: Dialler,
    account: Row[tuple[object, ...]],
    phone: selection.PhoneRow,
    now: dt.datetime,
    hold_seconds: float,
    decision: Decision,
) -> DialOrder:
    today = now.astimezone(ZoneInfo(account.timezone)).date().isoformat()
    attempt_id = conn.execute(
        _INSERT_ATTEMPT,
        {
            "campaign_id": campaign_id,
            "account_id": account.id,
            "phone_id": phone.id,
            "number": phone.number,
            "agent": who.agent,
            "agent_interface": who.interface,
            "mode": who.mode,
            "state": "placing",
            "placed_at": now,
        },
    ).inserted_primary_key[0]  # type: ignore[index]
    action_id = f"cc-{campaign_id}-{attempt_id}"
    conn.execute(_SET_ACTION_ID, {"b_attempt": attempt_id, "b_action": action_id})
    counted = {"attempts_day": today, "last_attempt_at": now}
    conn.execute(
        _UPDATE_ACCOUNT,
        {
            "b_account": account.id,
            "attempts_total": account.attempts_total + 1,
            "attempts_today": (account.attempts_today if account.attempts_day == today else 0) + 1,
            "leased_by": who.agent,
            "leased_until": now + dt.timedelta(seconds=hold_seconds),
            **counted,
        },
    )
    today_count = (phone.attempts_today if phone.attempts_day == today else 0) + 1
    conn.execute(_COUNT_PHONE, {"b_phone": phone.id, "attempts_today": today_count, **counted})
    log(conn, campaign_id, account.id, phone.number, now, decision, attempt_id)
    return DialOrder(
        attempt_id,
        action_id,
        campaign_id,
        account.id,
        account.account_number,
        phone.id,
        phone.number,
        who.agent,
        who.interface,
    )


def log(
    conn: Connection,
    campaign_id: int,
    account_id: int | None,
    number: str | None,
    now: dt.datetime,
    decision: Decision,
    attempt_id: int | None = None,
) -> None:
    """Append one compliance decision to ``dial_decisions``."""
    conn.execute(
        _LOG,
        {
            "campaign_id": campaign_id,
            "account_id": account_id,
            "number": number,
            "at": now,
            "allowed": decision.allowed,
            "rule": decision.rule,
            "reason": decision.reason,
            "attempt_id": attempt_id,
        },
    )
