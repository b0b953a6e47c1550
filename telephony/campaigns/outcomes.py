"""Recording what an agent says came of a call: the outcome form, checked and applied.

:func:`record_outcome` validates an :class:`OutcomeForm` (a ``ValueError`` names the bad field),
stores the ``call_outcomes`` row linked to the agent's latest dial of the account, applies it
(promises, account status, wrong numbers, call-backs, the do-not-call list) and releases the
agent's hold on the account, all in the caller's transaction. The debt is disclosed only to the
verified account holder, so what needs the debt discussed (a promise, an arrangement, a dispute,
a refusal to pay) needs ``right_party``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import pairwise
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Row, insert, select, update

from telephony.campaigns import selection
from telephony.campaigns.account_view import (
    OUTCOMES,
    PROMISES,
    account_row,
    latest_attempt,
    open_attempt,
)
from telephony.campaigns.models import OUTCOME_KINDS
from telephony.campaigns.money import rand
from telephony.campaigns.selection import ACCOUNTS, DNC, PHONES

#: Outcomes that discuss the debt: only with the verified account holder.
RIGHT_PARTY_KINDS = ("promise", "arrangement", "dispute", "refused")
#: Outcomes about one number (the one dialled unless the form names another).
NUMBER_KINDS = ("wrong_number", "do_not_call")
MAX_INSTALMENTS = 60


@dataclass(frozen=True, slots=True)
class OutcomeForm:
    """The workspace's outcome form. Amounts in cents; dates in the account's time zone."""

    #: One of :data:`~telephony.campaigns.models.OUTCOME_KINDS`.
    kind: str
    #: The account holder was reached and verified.
    right_party: bool
    note: str = ""
    #: ``promise``: how much, by when.
    amount_cents: int | None = None
    due_date: dt.date | None = None
    #: ``arrangement``: (due date, cents) per instalment, at least two, dates ascending.
    instalments: Sequence[tuple[dt.date, int]] = ()
    #: ``callback``: when the holder asked to be called (timezone-aware).
    callback_at: dt.datetime | None = None
    #: ``wrong_number``/``do_not_call``: the number meant (default: the one last dialled).
    phone_id: int | None = None


@dataclass(frozen=True, slots=True)
class _Context:
    """What applying an outcome needs."""

    conn: Connection
    campaign_id: int
    account: Row[tuple[object, ...]]
    agent: str
    form: OutcomeForm
    outcome_id: int
    phone_id: int | None
    now: dt.datetime


def validate(form: OutcomeForm, today: dt.date, now: dt.datetime) -> None:
    """Check the form against its kind; ``ValueError`` naming the field otherwise."""
    if form.kind not in OUTCOME_KINDS:
        raise ValueError(f"kind: {form.kind!r} is not one of {', '.join(OUTCOME_KINDS)}")
    if form.kind in RIGHT_PARTY_KINDS and not form.right_party:
        raise ValueError(
            f"right_party: a {form.kind.replace('_', ' ')} needs the verified account holder "
            "(the debt may be discussed with nobody else)"
        )
    if form.kind == "wrong_number" and form.right_party:
        raise ValueError("right_party: a wrong number cannot have reached the account holder")
    checks: dict[str, Callable[[OutcomeForm, dt.date, dt.datetime], None]] = {
        "promise": _check_promise,
        "arrangement": _check_arrangement,
        "dispute": _check_dispute,
        "callback": _check_callback,
    }
    if form.kind in checks:
        checks[form.kind](form, today, now)


def _check_promise(form: OutcomeForm, today: dt.date, now: dt.datetime) -> None:
    if form.amount_cents is None or form.amount_cents <= 0:
        raise ValueError("amount_cents: a promise needs an amount above zero")
    if form.due_date is None:
        raise ValueError("due_date: a promise needs the date it will be paid by")
    if form.due_date < today:
        raise ValueError(f"due_date: {form.due_date} is in the past")


def _check_arrangement(form: OutcomeForm, today: dt.date, now: dt.datetime) -> None:
    parts = list(form.instalments)
    if len(parts) < 2:
        raise ValueError("instalments: an arrangement needs at least two instalments")
    if len(parts) > MAX_INSTALMENTS:
        raise ValueError(f"instalments: at most {MAX_INSTALMENTS} instalments")
    for number, (due, cents) in enumerate(parts, start=1):
        if cents <= 0:
            raise ValueError(f"instalments: instalment {number} needs an amount above zero")
        if due < today:
            raise ValueError(f"instalments: instalment {number} is due in the past ({due})")
    if any(later <= earlier for (earlier, _), (later, _) in pairwise(parts)):
        raise ValueError("instalments: the due dates must be in ascending order, one per date")


def _check_dispute(form: OutcomeForm, today: dt.date, now: dt.datetime) -> None:
    if not form.note.strip():
        raise ValueError("note: say what the account holder disputes")


def _check_callback(form: OutcomeForm, today: dt.date, now: dt.datetime) -> None:
    if form.callback_at is None:
        raise ValueError("callback_at: a call-back needs a time")
    if form.callback_at.tzinfo is None:
        raise ValueError("callback_at: give a timezone-aware time")
    if form.callback_at <= now:
        raise ValueError("callback_at: the call-back time must be in the future")


def record_outcome(
    conn: Connection,
    campaign_id: int,
    account_id: int,
    agent: str,
    form: OutcomeForm,
    now: dt.datetime,
) -> int:
    """Store and apply ``form`` for the account ``agent`` is working; the ``call_outcomes`` id.

    The outcome is linked to the agent's latest dial of the account (attempt and Linkedid). The
    agent must hold the account or owe an outcome for a dial of it; ``ValueError`` (naming the
    field) on anything wrong, with nothing written.
    """
    account = account_row(conn, account_id)
    if account.campaign_id != campaign_id:
        raise ValueError(f"account_id: account {account_id} is not on campaign {campaign_id}")
    if not working(conn, account, agent):
        raise ValueError(f"account_id: account {account.account_number} is not yours to work")
    validate(form, now.astimezone(ZoneInfo(account.timezone)).date(), now)
    attempt = latest_attempt(conn, account_id, agent)
    if attempt is not None and _has_outcome(conn, attempt.id):
        attempt = None  # an earlier call, already recorded: this outcome stands on its own
    phone_id = _phone(conn, account_id, form, attempt)
    outcome_id = _insert_outcome(conn, campaign_id, account_id, agent, form, now, attempt, phone_id)
    APPLY[form.kind](_Context(conn, campaign_id, account, agent, form, outcome_id, phone_id, now))
    conn.execute(update(ACCOUNTS).where(ACCOUNTS.c.id == account_id).values(updated_at=now))
    selection.release(conn, account_id, agent)
    return outcome_id


def working(conn: Connection, account: Row[tuple[object, ...]], agent: str) -> bool:
    """``agent`` holds the account (preview) or owes an outcome for their latest dial of it."""
    if account.leased_by == agent:
        return True
    owed = open_attempt(conn, account.campaign_id, agent)
    return owed is not None and owed.account_id == account.id


def _has_outcome(conn: Connection, attempt_id: int) -> bool:
    return conn.execute(select(OUTCOMES.c.id).where(OUTCOMES.c.attempt_id == attempt_id)).first() is not None


def _phone(
    conn: Connection, account_id: int, form: OutcomeForm, attempt: Row[tuple[object, ...]] | None
) -> int | None:
    """The number the outcome is about: the form's, else the one dialled."""
    if form.phone_id is None:
        if form.kind in NUMBER_KINDS and attempt is None:
            raise ValueError(f"phone_id: say which number is meant by {form.kind.replace('_', ' ')}")
        return None if attempt is None else int(attempt.phone_id)
    found = conn.execute(
        select(PHONES.c.id).where(PHONES.c.id == form.phone_id, PHONES.c.account_id == account_id)
    ).first()
    if found is None:
        raise ValueError(f"phone_id: number {form.phone_id} is not one of this account's")
    return form.phone_id


def _insert_outcome(
    conn: Connection,
    campaign_id: int,
    account_id: int,
    agent: str,
    form: OutcomeForm,
    now: dt.datetime,
    attempt: Row[tuple[object, ...]] | None,
    phone_id: int | None,
) -> int:
    result = conn.execute(
        insert(OUTCOMES).values(
            campaign_id=campaign_id,
            account_id=account_id,
            attempt_id=None if attempt is None else attempt.id,
            phone_id=phone_id,
            agent=agent,
            at=now,
            right_party=form.right_party,
            kind=form.kind,
            callback_at=form.callback_at if form.kind == "callback" else None,
            note=form.note.strip() or None,
            linkedid=None if attempt is None else attempt.linkedid,
        )
    )
    return int(result.inserted_primary_key[0])  # type: ignore[index]


def _promises(ctx: _Context, parts: Sequence[tuple[dt.date, int]]) -> None:
    """One ``promises`` row per instalment, numbered from 1."""
    ctx.conn.execute(
        insert(PROMISES),
        [
            {
                "campaign_id": ctx.campaign_id,
                "account_id": ctx.account.id,
                "outcome_id": ctx.outcome_id,
                "agent": ctx.agent,
                "made_at": ctx.now,
                "amount_cents": cents,
                "due_date": due,
                "instalment": number,
                "status": "open",
                "paid_cents": 0,
            }
            for number, (due, cents) in enumerate(parts, start=1)
        ],
    )


def _set_account(ctx: _Context, **values: object) -> None:
    ctx.conn.execute(update(ACCOUNTS).where(ACCOUNTS.c.id == ctx.account.id).values(**values))


def _apply_promise(ctx: _Context) -> None:
    assert ctx.form.amount_cents is not None and ctx.form.due_date is not None  # validated
    _promises(ctx, [(ctx.form.due_date, ctx.form.amount_cents)])
    reason = f"promised {rand(ctx.form.amount_cents)} by {ctx.form.due_date.isoformat()}"
    _set_account(ctx, status="done", status_reason=reason)


def _apply_arrangement(ctx: _Context) -> None:
    parts = list(ctx.form.instalments)
    _promises(ctx, parts)
    total = sum(cents for _, cents in parts)
    reason = f"arrangement: {len(parts)} instalments, {rand(total)} from {parts[0][0].isoformat()}"
    _set_account(ctx, status="done", status_reason=reason)


def _apply_dispute(ctx: _Context) -> None:
    _set_account(ctx, status="dispute", status_reason=ctx.form.note.strip())


def _apply_refused(ctx: _Context) -> None:
    note = ctx.form.note.strip()
    _set_account(ctx, status="done", status_reason="refused" + (f": {note}" if note else ""))


def _apply_callback(ctx: _Context) -> None:
    _set_account(ctx, callback_at=ctx.form.callback_at, next_attempt_at=ctx.form.callback_at)


def _apply_wrong_number(ctx: _Context) -> None:
    ctx.conn.execute(update(PHONES).where(PHONES.c.id == ctx.phone_id).values(status="wrong_number"))
    left = ctx.conn.execute(
        select(PHONES.c.id)
        .outerjoin(DNC, DNC.c.number == PHONES.c.number)
        .where(PHONES.c.account_id == ctx.account.id, PHONES.c.status == "active", DNC.c.id.is_(None))
        .limit(1)
    ).first()
    if left is None and ctx.account.status == "active":
        _set_account(ctx, status="exhausted", status_reason="no active number left (wrong numbers)")


def _apply_do_not_call(ctx: _Context) -> None:
    number = ctx.conn.execute(select(PHONES.c.number).where(PHONES.c.id == ctx.phone_id)).scalar_one()
    if ctx.conn.execute(select(DNC.c.id).where(DNC.c.number == number)).first() is not None:
        return
    ctx.conn.execute(
        insert(DNC).values(
            number=number,
            reason=ctx.form.note.strip() or "asked not to be called",
            source="outcome",
            added_by=ctx.agent,
            added_at=ctx.now,
        )
    )


def _apply_nothing(ctx: _Context) -> None:
    """``no_contact``: the right party was not reached; the retry rules decide the next dial."""


APPLY: dict[str, Callable[[_Context], None]] = {
    "promise": _apply_promise,
    "arrangement": _apply_arrangement,
    "dispute": _apply_dispute,
    "wrong_number": _apply_wrong_number,
    "callback": _apply_callback,
    "refused": _apply_refused,
    "no_contact": _apply_nothing,
    "do_not_call": _apply_do_not_call,
}
