"""One dial decision: take the next account, run the compliance check, record the attempt.

:func:`decide` is the only way a dial is born. It leases an account (the next in priority order,
or the one an agent previewed), checks each of its numbers with :func:`compliance.check`, logs
every answer in ``dial_decisions`` and — when one number passes — writes the ``dial_attempts`` row
and bumps the counters in the same transaction, *before* the Originate is sent. A refused account
gets its retry time (or is marked ``exhausted`` when no number can ever be dialled).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Row, Table, insert, select, update

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
    for account in _accounts(conn, campaign_id, now, account_id):
        if not selection.lease(conn, account.id, who.agent, now, hold_seconds):
            continue  # someone else took it meanwhile
        order, last = _try_account(conn, campaign_id, rules, who, account, now, hold_seconds)
        if order is not None:
            return order, last
        selection.release(conn, account.id, who.agent)
    return None, last


def _accounts(
    conn: Connection, campaign_id: int, now: dt.datetime, account_id: int | None
) -> list[Row[tuple[object, ...]]]:
    if account_id is None:
        return selection.candidates(conn, campaign_id, now)
    return list(conn.execute(select(ACCOUNTS).where(ACCOUNTS.c.id == account_id)))


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
        conn.execute(update(ACCOUNTS).where(ACCOUNTS.c.id == account_id).values(next_attempt_at=min(times)))
        return
    if refusals and refusals[-1].rule != "account_status":
        reason = "; ".join(d.reason for d in refusals)
        conn.execute(
            update(ACCOUNTS)
            .where(ACCOUNTS.c.id == account_id)
            .values(status="exhausted", status_reason=reason, updated_at=now)
        )


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
        insert(ATTEMPTS).values(
            campaign_id=campaign_id,
            account_id=account.id,
            phone_id=phone.id,
            number=phone.number,
            agent=who.agent,
            agent_interface=who.interface,
            mode=who.mode,
            state="placing",
            placed_at=now,
        )
    ).inserted_primary_key[0]  # type: ignore[index]
    action_id = f"cc-{campaign_id}-{attempt_id}"
    conn.execute(update(ATTEMPTS).where(ATTEMPTS.c.id == attempt_id).values(action_id=action_id))
    held = now + dt.timedelta(seconds=hold_seconds)
    conn.execute(
        update(ACCOUNTS)
        .where(ACCOUNTS.c.id == account.id)
        .values(
            attempts_total=account.attempts_total + 1,
            attempts_today=(account.attempts_today if account.attempts_day == today else 0) + 1,
            attempts_day=today,
            last_attempt_at=now,
            leased_by=who.agent,
            leased_until=held,
        )
    )
    conn.execute(
        update(PHONES)
        .where(PHONES.c.id == phone.id)
        .values(
            attempts_total=PHONES.c.attempts_total + 1,
            attempts_today=(phone.attempts_today if phone.attempts_day == today else 0) + 1,
            attempts_day=today,
            last_attempt_at=now,
        )
    )
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
        insert(DECISIONS).values(
            campaign_id=campaign_id,
            account_id=account_id,
            number=number,
            at=now,
            allowed=decision.allowed,
            rule=decision.rule,
            reason=decision.reason,
            attempt_id=attempt_id,
        )
    )
