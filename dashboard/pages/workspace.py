"""Workspace (agents): the account to work next, Dial and Skip, and the outcome of the call.

Every action is one transaction with its audit entry (``open_account``, ``dial_request``, ``skip``,
``outcome``); the work itself is :mod:`telephony.campaigns.workspace`.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import streamlit as st

from dashboard import audit, auth, data, widgets
from dashboard import workspace_view as view_
from dashboard.auth import SessionUser
from telephony.campaigns import workspace
from telephony.campaigns.account_view import AccountView
from telephony.campaigns.money import rand

OPENED_KEY = "ws_opened"
_FIELD = re.compile(r"^[a-z_]+: ")


def message(exc: ValueError) -> str:
    """A refusal as the agent reads it (without the field name the service puts first)."""
    text = _FIELD.sub("", str(exc), count=1)
    return text[:1].upper() + text[1:] or "Refused."


def _dial(user: SessionUser, view: AccountView) -> None:
    phone_id = st.session_state.get(f"ws_phone_{view.id}")
    try:
        with data.engine().begin() as conn:
            request_id = workspace.request_dial(
                conn, view.campaign_id, view.id, user.agent_name or "", datetime.now(UTC), phone_id
            )
            detail = {"campaign": view.campaign, "request": request_id, "phone_id": phone_id}
            audit.record(conn, user.username, "dial_request", view.account_number, detail)
    except ValueError as exc:
        widgets.flash(message(exc), "error")
        return
    widgets.flash("Dial requested: the dialer checks the calling rules, then rings your phone.")


def _skip(user: SessionUser, view: AccountView) -> None:
    reason = str(st.session_state.get(view_.key("skip_reason")) or "")
    try:
        with data.engine().begin() as conn:
            request_id = workspace.skip(conn, view.id, user.agent_name or "", reason, datetime.now(UTC))
            detail = {"campaign": view.campaign, "request": request_id, "reason": reason.strip()}
            audit.record(conn, user.username, "skip", view.account_number, detail)
    except ValueError as exc:
        widgets.flash(message(exc), "error")
        return
    view_.clear_form()
    widgets.flash(f"Account {view.account_number} skipped.")


def _save(user: SessionUser, view: AccountView) -> None:
    try:
        form = view_.read_form(view)
        with data.engine().begin() as conn:
            outcome_id = workspace.record_outcome(
                conn, view.campaign_id, view.id, user.agent_name or "", form, datetime.now(UTC)
            )
            detail = {"campaign": view.campaign, "outcome": outcome_id, "kind": form.kind}
            audit.record(conn, user.username, "outcome", view.account_number, detail | _amounts(form))
    except ValueError as exc:
        widgets.flash(message(exc), "error")
        return
    view_.clear_form()
    data.clear_reads()
    widgets.flash(
        f"Saved for account {view.account_number}: {view_.KINDS[form.kind].lower()}{_summary(form)}."
    )


def _amounts(form: workspace.OutcomeForm) -> dict[str, int]:
    if form.kind == "promise" and form.amount_cents is not None:
        return {"amount_cents": form.amount_cents}
    if form.kind == "arrangement":
        return {"amount_cents": sum(c for _, c in form.instalments), "instalments": len(form.instalments)}
    return {}


def _summary(form: workspace.OutcomeForm) -> str:
    if form.kind == "promise" and form.amount_cents is not None:
        return f", {rand(form.amount_cents)} by {form.due_date}"
    if form.kind == "arrangement":
        return f", {len(form.instalments)} instalments, {rand(sum(c for _, c in form.instalments))} in all"
    return ""


def opened(user: SessionUser, view: AccountView) -> None:
    """Audit the first sight of an account in this session (its holder's personal information)."""
    seen: set[int] = st.session_state.setdefault(OPENED_KEY, set())
    if view.id in seen:
        return
    seen.add(view.id)
    with data.engine().begin() as conn:
        audit.record(conn, user.username, "open_account", view.account_number, {"campaign": view.campaign})


def actions(user: SessionUser, view: AccountView) -> None:
    """Dial (preview campaigns) and Skip."""
    busy = view.in_progress is not None or (view.request is not None and view.request.state == "pending")
    if view.mode == "preview":
        numbers = {p.id: p.number for p in view.dialable_phones}
        a, b = st.columns([3, 1], vertical_alignment="bottom")
        a.selectbox(
            "Number to dial", list(numbers), format_func=numbers.__getitem__, key=f"ws_phone_{view.id}"
        )
        b.button(
            "Dial",
            type="primary",
            key="ws_dial",
            disabled=busy or not numbers or view.status != "active",
            on_click=_dial,
            args=(user, view),
            width="stretch",
        )
    else:
        st.caption("The dialer places this campaign's calls: your phone rings when it has one for you.")
    c, d = st.columns([3, 1], vertical_alignment="bottom")
    c.text_input("Reason to skip", key=view_.key("skip_reason"), placeholder="e.g. the holder is deceased")
    d.button("Skip", key="ws_skip", disabled=busy, on_click=_skip, args=(user, view), width="stretch")


def dial_state(view: AccountView) -> None:
    """The dial's state, with a button to look again while a dial is pending or under way.

    Not refreshed on a timer: a timed rerun would redraw the outcome form while the agent fills it in.
    """
    view_.dial_state(view)
    if view.in_progress is not None or (view.request is not None and view.request.state == "pending"):
        st.button("Check the dial again", key="ws_refresh", icon=":material/refresh:")


def outcome(user: SessionUser, view: AccountView) -> None:
    """The outcome form."""
    st.subheader("Outcome of the call")
    view_.outcome_fields(view)
    st.button("Save outcome", type="primary", key="ws_save", on_click=_save, args=(user, view))


def choose_campaign() -> int | None:
    """The active campaign to work (``None`` when there is none)."""
    with data.engine().connect() as conn:
        found = {cid: (name, mode) for cid, name, mode in workspace.active_campaigns(conn)}
    if not found:
        return None
    return st.selectbox(
        "Campaign", list(found), format_func=lambda c: f"{found[c][0]} ({found[c][1]})", key="ws_campaign"
    )


def render(user: SessionUser) -> None:
    """The page."""
    st.title("Workspace")
    with st.container():  # a fixed place: what follows keeps its place whether a message shows or not
        widgets.show_flash()
    agent = user.agent_name
    campaign_id = choose_campaign() if agent else None
    current = None
    if agent and campaign_id is not None:
        with data.engine().begin() as conn:
            current = workspace.current_account(
                conn, campaign_id, agent, datetime.now(UTC), data.settings().dialer.preview_lease_seconds
            )
    left, right = st.columns([3, 2], gap="large")
    with right:
        view_.reminder()
        if current is not None and agent:
            actions(user, current)
            with st.container():
                dial_state(current)
            outcome(user, current)
    with left:
        if not agent:
            st.warning("Your user has no agent name, so there is no work for it: ask an administrator.")
        elif campaign_id is None:
            st.info("No campaign is active.")
        elif current is None:
            st.info("No account is due for you on this campaign now. Look again in a few minutes.")
        else:
            opened(user, current)
            view_.account(current)
            view_.history(current)


render(auth.require_page("workspace"))
