"""Pieces of the agent's workspace page: the compliance reminder, the account, the dial's state, and
the outcome form's fields (read back as an :class:`~telephony.campaigns.workspace.OutcomeForm`)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time, timedelta
from typing import Any

import pandas as pd
import streamlit as st
from dateutil.relativedelta import relativedelta

from dashboard import data, widgets
from telephony.campaigns.account_view import AccountView
from telephony.campaigns.money import cents, rand
from telephony.campaigns.workspace import OutcomeForm

KINDS = {
    "promise": "Promise to pay",
    "arrangement": "Payment arrangement (instalments)",
    "callback": "Call back later",
    "dispute": "Dispute",
    "refused": "Refused to pay",
    "no_contact": "No contact with the account holder",
    "wrong_number": "Wrong number",
    "do_not_call": "Do not call this number again",
}
#: Session key of the outcome form's generation: each saved outcome (or skip) starts a new, empty form.
GENERATION_KEY = "ws_form"
EVERY = {"month": relativedelta(months=1), "2 weeks": relativedelta(weeks=2), "week": relativedelta(weeks=1)}


def reminder() -> None:
    """The compliance script, always on screen."""
    names = data.settings().qa.municipality_names()
    who = names[0] if names else "the municipality"
    with st.container(border=True):
        st.markdown(
            "**Every call**\n"
            f"1. Say your name and that you are calling from **{who}**.\n"
            "2. Verify you are speaking to the **account holder** before you mention the debt; "
            "tell nobody else about it.\n"
            "3. Say that **the call is recorded**.\n"
            "4. Be courteous: **never threaten**, insult or mislead."
        )


def account(view: AccountView) -> None:
    """Who the account holder is and what they owe."""
    st.subheader(view.holder)
    reserved = (
        f" · reserved for you until {widgets.local(view.leased_until, '%H:%M')}" if view.leased_until else ""
    )
    st.caption(
        f"Account **{view.account_number}** · {view.campaign} ({view.mode}) · language {view.language}"
        + (f" · {view.ward}" if view.ward else "")
        + reserved
    )
    a, b, c = st.columns(3)
    a.metric("Arrears", rand(view.arrears_cents))
    b.metric("Age of the debt", f"{view.days_in_arrears:,} days")
    c.metric("Status", view.status)
    with st.container():  # a fixed place for what only some accounts show
        if view.status != "active":
            st.info(f"This account is now **{view.status}**: {view.status_reason or ''}")
        if view.callback_at is not None:
            st.caption(f"Asked to be called back at {widgets.local(view.callback_at, '%Y-%m-%d %H:%M')}.")
    st.markdown("**Numbers**")
    phones = pd.DataFrame(
        [
            {
                "number": p.number,
                "status": "do not call" if p.on_dnc else p.status.replace("_", " "),
                "dials": p.attempts,
            }
            for p in view.phones
        ],
        columns=["number", "status", "dials"],
    )
    widgets.show(phones)


def history(view: AccountView) -> None:
    """The account's previous dials, outcomes and promises."""
    st.markdown("**Previous dials**")
    dials = [
        {"placed": a.placed_at, "number": a.number, "result": a.state, "agent": a.agent}
        for a in view.attempts
    ]
    _table(dials, ["placed", "number", "result", "agent"], "Never dialled.")
    st.markdown("**Previous outcomes**")
    outcomes = [
        {
            "at": o.at,
            "outcome": KINDS.get(o.kind, o.kind),
            "right party": "yes" if o.right_party else "no",
            "agent": o.agent,
            "note": o.note or "",
        }
        for o in view.outcomes
    ]
    _table(outcomes, ["at", "outcome", "right party", "agent", "note"], "No outcome recorded yet.")
    st.markdown("**Previous promises**")
    promises = [
        {
            "due": p.due_date,
            "amount": rand(p.amount_cents),
            "instalment": p.instalment,
            "status": p.status,
            "paid": rand(p.paid_cents),
            "agent": p.agent,
        }
        for p in view.promises
    ]
    _table(promises, ["due", "amount", "instalment", "status", "paid", "agent"], "No promise yet.")


def _table(rows: list[dict[str, Any]], columns: list[str], empty: str) -> None:
    if rows:
        widgets.show(widgets.table(rows, columns))
    else:
        st.caption(empty)


def dial_state(view: AccountView) -> None:
    """Where the agent's Dial stands: pending, placed (and the call's state), or refused and why."""
    request, call = view.request, view.in_progress
    if call is not None:
        st.info(
            f"Calling **{call.number}**: {call.state} — your phone rings first, then the account holder's."
        )
    if request is None or request.state == "skipped":
        return
    asked = widgets.local(request.requested_at, "%H:%M:%S")
    if request.state == "pending":
        st.info(f"Dial requested at {asked}: waiting for the dialer's compliance check.")
    elif request.state == "refused":
        st.error(f"Dial refused by the compliance check: {request.reason or 'no reason given'}")
    elif request.state == "expired":
        st.warning(f"Dial requested at {asked} expired: {request.reason}")
    elif request.state == "placed" and call is None:
        result = (request.attempt_state or "placed").replace("_", " ")
        st.success(f"Dial placed at {asked}; the call's result: **{result}**.")


def outcome_fields(view: AccountView) -> None:
    """The outcome form's inputs; only those the chosen outcome needs are shown."""
    st.radio(
        "Right party reached? (the account holder, identity verified)",
        ["Yes", "No"],
        index=None,
        horizontal=True,
        key=key("right_party"),
    )
    with st.container():
        _right_party_hint(st.session_state.get(key("right_party")))
    kind = st.selectbox("Outcome", list(KINDS), format_func=KINDS.__getitem__, index=None, key=key("kind"))
    today = datetime.now(widgets.zone()).date()
    if kind == "promise":
        a, b = st.columns(2)
        a.number_input("Amount (R)", min_value=0.0, step=50.0, format="%.2f", key=key("amount"))
        b.date_input("Pays by", value=today, min_value=today, key=key("due"), format="YYYY-MM-DD")
    elif kind == "arrangement":
        _arrangement_fields(today)
    elif kind == "callback":
        a, b = st.columns(2)
        a.date_input("Call back on", value=today, min_value=today, key=key("cb_date"), format="YYYY-MM-DD")
        b.time_input("at", value=time(16, 0), step=timedelta(minutes=15), key=key("cb_time"))
    elif kind in ("wrong_number", "do_not_call"):
        numbers = {p.id: p.number for p in view.phones}
        dialled = next(
            (p.id for p in view.phones if view.attempts and p.number == view.attempts[0].number), None
        )
        ids = list(numbers)
        st.selectbox(
            "Which number",
            ids,
            index=ids.index(dialled) if dialled in ids else 0,
            format_func=numbers.__getitem__,
            key=key("number"),
        )
    st.text_area("Note", key=key("note"), height=80, placeholder="What was said (a dispute needs its reason)")


def _right_party_hint(answer: str | None) -> None:
    if answer == "Yes":
        st.caption("The account holder, verified: you may discuss the account and the debt.")
    elif answer == "No":
        st.caption(
            "Not the account holder: do not mention the debt. Record no contact, a call-back, "
            "a wrong number or do not call."
        )


def _arrangement_fields(today: date) -> None:
    a, b = st.columns(2)
    a.number_input("Instalments", min_value=2, max_value=36, value=3, step=1, key=key("count"))
    b.number_input("Amount of each (R)", min_value=0.0, step=50.0, format="%.2f", key=key("each"))
    c, d = st.columns(2)
    c.date_input("First due on", value=today, min_value=today, key=key("first"), format="YYYY-MM-DD")
    d.selectbox("Every", list(EVERY), key=key("every"))
    plan = instalments()
    if plan:
        total = rand(sum(amount for _, amount in plan))
        each, first, last = rand(plan[0][1]), plan[0][0], plan[-1][0]
        st.caption(f"{len(plan)} instalments of {each}, {first} to {last}: {total} in all.")


def instalments() -> list[tuple[date, int]]:
    """The arrangement's instalments from the form (equal amounts at a fixed interval)."""
    state = st.session_state
    first, count = state.get(key("first")), int(state.get(key("count")) or 0)
    if not isinstance(first, date):
        return []
    each = cents(state.get(key("each")) or 0)
    step = EVERY[state.get(key("every")) or "month"]
    return [(first + step * n, each) for n in range(count)]


def read_form(view: AccountView) -> OutcomeForm:
    """The outcome form's values; ``ValueError`` naming what is missing."""
    state = st.session_state
    if state.get(key("right_party")) not in ("Yes", "No"):
        raise ValueError("right_party: say whether you reached the account holder")
    kind = state.get(key("kind"))
    if kind is None:
        raise ValueError("kind: choose the outcome")
    form = OutcomeForm(
        kind=str(kind), right_party=state[key("right_party")] == "Yes", note=str(state.get(key("note")) or "")
    )
    if kind == "promise":
        return replace(
            form, amount_cents=cents(state.get(key("amount")) or 0), due_date=state.get(key("due"))
        )
    if kind == "arrangement":
        return replace(form, instalments=instalments())
    if kind == "callback":
        day, at = state.get(key("cb_date")), state.get(key("cb_time"))
        when = datetime.combine(day, at, tzinfo=widgets.zone()) if day and at else None
        return replace(form, callback_at=when)
    if kind in ("wrong_number", "do_not_call"):
        return replace(form, phone_id=state.get(key("number")))
    return form


def key(name: str) -> str:
    """The session key of an input of the outcome (or skip) form in its current generation."""
    return f"ws_{name}_{st.session_state.get(GENERATION_KEY, 0)}"


def clear_form() -> None:
    """Start a new, empty form (after a saved outcome or a skip): its inputs get new keys."""
    st.session_state[GENERATION_KEY] = st.session_state.get(GENERATION_KEY, 0) + 1
