"""Changing a score from the call page: overrides, disputes, acknowledgements, resolutions.

Each change is made with :mod:`qa.reviews` in one transaction with its audit entry;
who made it is the logged-in user. The forms act in callbacks, before the page is
drawn again, so the page shows the changed score at once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st
from sqlalchemy import Connection

from dashboard import audit, data, widgets
from dashboard.auth import REVIEWERS, SessionUser
from dashboard.queries.detail import CallDetail, may_open
from qa import reviews


def _apply(
    change: Callable[[Connection], str], action: str, username: str, subject: str, detail: dict[str, Any]
) -> None:
    try:
        with data.engine().begin() as connection:
            message = change(connection)
            audit.record(connection, username, action, subject, detail)
    except reviews.ReviewError as exc:
        widgets.flash(str(exc), "error")
        return
    data.clear_reads()
    widgets.flash(message)


def _own(connection: Connection, linkedid: str, agent: str) -> None:
    """Checked again when an agent acts, not only when the page was drawn."""
    if not may_open(connection, linkedid, agent):
        raise reviews.ReviewError("not your call")


def _override(username: str, linkedid: str) -> None:
    criterion = str(st.session_state.get("override_criterion") or "")
    verdict = str(st.session_state.get("override_verdict") or "")
    comment = str(st.session_state.get("override_comment") or "").strip()
    if not comment:
        widgets.flash("An override needs a comment: the agent reads why.", "error")
        return

    def change(connection: Connection) -> str:
        reviews.add_review(connection, linkedid, criterion, verdict, username, comment)
        effective = reviews.effective_score(connection, linkedid)
        shown = "no score" if effective.score is None else f"{effective.score:.1f}"
        return f"Saved: {criterion} is now {verdict}; the score is {shown}."

    _apply(change, "review", username, linkedid, {"criterion": criterion, "verdict": verdict})


def _dispute(username: str, agent: str, linkedid: str) -> None:
    criterion = str(st.session_state.get("dispute_criterion") or "") or None
    reason = str(st.session_state.get("dispute_reason") or "").strip()

    def change(connection: Connection) -> str:
        _own(connection, linkedid, agent)
        number = reviews.open_dispute(connection, linkedid, agent, reason, criterion)
        return f"Dispute {number} opened: QA will look at it."

    _apply(change, "dispute", username, linkedid, {"criterion": criterion})


def _acknowledge(username: str, agent: str, linkedid: str) -> None:
    def change(connection: Connection) -> str:
        _own(connection, linkedid, agent)
        reviews.acknowledge(connection, linkedid, agent)
        return "Acknowledged."

    _apply(change, "acknowledge", username, linkedid, {})


def _resolve(username: str, linkedid: str) -> None:
    number = int(st.session_state.get("resolve_dispute") or 0)
    outcome = str(st.session_state.get("resolve_outcome") or "")
    comment = str(st.session_state.get("resolve_comment") or "").strip()
    if not comment:
        widgets.flash("A resolution needs a comment: the agent reads it.", "error")
        return

    def change(connection: Connection) -> str:
        reviews.resolve_dispute(connection, number, outcome, username, comment)
        return f"Dispute {number} {outcome}."

    _apply(change, "resolve", username, linkedid, {"dispute": number, "outcome": outcome})


def forms(user: SessionUser, detail: CallDetail) -> None:
    """The forms this user may use on this call, and the history of reviews and disputes."""
    if detail.score is None:
        return
    titles = {v["criterion_id"]: v["title"] for v in detail.verdicts}
    if user.role in REVIEWERS and titles:
        _override_form(user, detail, titles)
    if user.role == "agent" and user.agent_name:
        _agent_forms(user, user.agent_name, detail, titles)
    open_disputes = [d for d in detail.disputes if d["status"] == "open"]
    if user.role in REVIEWERS and open_disputes:
        _resolve_form(user, detail, open_disputes)
    _history(detail)


def _override_form(user: SessionUser, detail: CallDetail, titles: dict[str, str]) -> None:
    st.subheader("Override a verdict")
    with st.form("override", clear_on_submit=True):
        st.selectbox("Criterion", list(titles), format_func=lambda c: titles[c], key="override_criterion")
        st.radio("Verdict", reviews.VERDICTS, horizontal=True, key="override_verdict")
        st.text_area("Comment (the agent reads it)", key="override_comment")
        st.form_submit_button("Save override", on_click=_override, args=(user.username, detail.linkedid))


def _agent_forms(user: SessionUser, agent: str, detail: CallDetail, titles: dict[str, str]) -> None:
    st.subheader("Your score")
    score_id = detail.score["id"] if detail.score else None
    seen = any(a["agent"] == agent and a["score_id"] == score_id for a in detail.acknowledgements)
    st.button(
        "Acknowledged" if seen else "Acknowledge this score",
        key="acknowledge",
        disabled=seen,
        on_click=_acknowledge,
        args=(user.username, agent, detail.linkedid),
    )
    with st.form("dispute", clear_on_submit=True):
        options = ["", *titles]
        st.selectbox(
            "What do you dispute?",
            options,
            format_func=lambda c: titles.get(c, "the whole score"),
            key="dispute_criterion",
        )
        st.text_area("Why", key="dispute_reason")
        st.form_submit_button("Open dispute", on_click=_dispute, args=(user.username, agent, detail.linkedid))


def _resolve_form(user: SessionUser, detail: CallDetail, open_disputes: list[dict[str, Any]]) -> None:
    st.subheader("Resolve a dispute")
    reasons = {
        d["id"]: f"{d['id']}: {d['agent']} on {d['criterion_id'] or 'the score'}: {d['reason']}"
        for d in open_disputes
    }
    with st.form("resolve", clear_on_submit=True):
        st.selectbox("Dispute", list(reasons), format_func=lambda n: reasons[n], key="resolve_dispute")
        st.radio("Outcome", reviews.DISPUTE_OUTCOMES, horizontal=True, key="resolve_outcome")
        st.text_area("Resolution (the agent reads it)", key="resolve_comment")
        st.form_submit_button("Resolve dispute", on_click=_resolve, args=(user.username, detail.linkedid))


def _history(detail: CallDetail) -> None:
    for title, rows, columns in (
        (
            "Reviews",
            detail.reviews,
            ["created_at", "reviewer", "criterion_id", "auto_verdict", "verdict", "comment"],
        ),
        (
            "Disputes",
            detail.disputes,
            ["id", "created_at", "agent", "criterion_id", "reason", "status", "resolved_by", "resolution"],
        ),
        ("Acknowledgements", detail.acknowledgements, ["created_at", "agent"]),
    ):
        if rows:
            st.markdown(f"**{title}**")
            widgets.show(widgets.table(rows, columns))
