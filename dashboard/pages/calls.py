"""Calls: filter, page through (newest first) and export calls, and open one."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st
from sqlalchemy import Engine

from dashboard import auth, data, export, widgets
from dashboard.auth import SessionUser
from dashboard.queries import calls as q

PAGES_KEY, SEEN_KEY, ARRIVED_KEY = "calls_pages", "calls_filters_seen", "calls_arrived"
COLUMNS = {
    "start_time": "start",
    "direction": "direction",
    "caller_number": "caller",
    "queue": "queue",
    "queue_wait_seconds": "wait (s)",
    "agent": "agent",
    "talk_seconds": "talk (s)",
    "disposition": "disposition",
    "score": "score",
    "call_reason": "call reason",
    "linkedid": "call id",
}


def criteria() -> dict[str, str]:
    """Criterion id -> title, over every scorecard in use."""
    found = {c.id: c.title for card in data.library().scorecards.values() for c in card.criteria}
    return dict(sorted(found.items()))


def filters(user: SessionUser) -> q.CallFilters:
    """The filter widgets; an agent's list is always limited to their own calls."""
    choices = data.read(q.filter_choices)
    titles = criteria()
    with st.expander("Filters", expanded=True):
        a, b, c = st.columns(3)
        with a:
            start, end = widgets.period_picker("calls_period")
        queues = b.multiselect("Queue", choices.queues, key="calls_queue")
        directions = c.multiselect("Direction", q.DIRECTIONS, key="calls_direction")
        agents = [] if user.role == "agent" else a.multiselect("Agent", choices.agents, key="calls_agent")
        dispositions = b.multiselect("Disposition", choices.dispositions, key="calls_disposition")
        reasons = c.multiselect("Call reason", choices.call_reasons, key="calls_reason")
        low, high = a.slider("Automatic score", 0, 100, (0, 100), key="calls_score")
        failed = b.selectbox(
            "Failed criterion",
            ["", *titles],
            format_func=lambda c: titles.get(c, "(any)"),
            key="calls_failed",
        )
        text = c.text_input("Search transcripts", key="calls_text", placeholder="words said in one turn")
    scored = (low, high) != (0, 100)
    return q.CallFilters(
        start=start,
        end=end,
        queues=tuple(queues),
        directions=tuple(directions),
        agents=tuple(agents),
        dispositions=tuple(dispositions),
        call_reasons=tuple(reasons),
        score_min=float(low) if scored else None,
        score_max=float(high) if scored else None,
        failed_criterion=failed or None,
        text=text.strip(),
        only_agent=(user.agent_name or "") if user.role == "agent" else None,
    )


def describe(chosen: q.CallFilters) -> dict[str, Any]:
    """The filters in force, as the audit log keeps them with a download."""
    fields = {name: getattr(chosen, name) for name in chosen.__dataclass_fields__}
    return {name: str(value) for name, value in fields.items() if value not in ((), None, "")}


def current_cursor(chosen: q.CallFilters) -> tuple[int, q.Cursor | None]:
    """The page number and its cursor; changing a filter goes back to page 1."""
    if st.session_state.get(SEEN_KEY) != chosen:
        st.session_state[SEEN_KEY] = chosen
        st.session_state[PAGES_KEY] = [None]
    pages: list[q.Cursor | None] = st.session_state[PAGES_KEY]
    return len(pages), pages[-1]


def _next(cursor: q.Cursor) -> None:
    st.session_state[PAGES_KEY].append(cursor)


def _previous() -> None:
    if len(st.session_state[PAGES_KEY]) > 1:
        st.session_state[PAGES_KEY].pop()


def _open(linkedid: str) -> None:
    st.session_state["call"] = linkedid
    st.session_state["goto_call"] = True


def _selected(linkedids: list[str]) -> None:
    rows = st.session_state["calls_table"]["selection"]["rows"]
    if rows:
        _open(linkedids[rows[0]])


def display(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """A page of calls as the table shows it."""
    frame = widgets.table(rows, list(COLUMNS)).rename(columns=COLUMNS)
    return frame.round({"wait (s)": 0, "talk (s)": 0, "score": 1})


def export_table(engine: Engine, chosen: q.CallFilters, zone: str) -> pd.DataFrame:
    """Every call passing the filters (up to the export limit), built when a download is clicked."""
    with engine.connect() as connection:
        rows = q.export_calls(connection, chosen)
    return pd.DataFrame(rows).drop(columns=["id"], errors="ignore")


def follow_link() -> None:
    """On arriving after the login page: open the call its address named (``?call=``), if any.

    A link to a call opened before logging in lands here (the first page) with the call in its address.
    """
    if st.session_state.get(ARRIVED_KEY):
        return
    st.session_state[ARRIVED_KEY] = True
    linked = st.query_params.get("call")
    if linked:
        st.switch_page("pages/call_detail.py", query_params={"call": linked})


def render(user: SessionUser) -> None:
    """The page."""
    follow_link()
    if st.session_state.pop("goto_call", False):
        st.switch_page("pages/call_detail.py", query_params={"call": st.session_state["call"]})
    st.title("My calls" if user.role == "agent" else "Calls")
    chosen = filters(user)
    number, cursor = current_cursor(chosen)
    total, more = data.read(q.count_calls, chosen)
    page = data.read(q.calls_page, chosen, cursor)
    st.markdown(f"**{total:,}{'+' if more else ''} calls** · page {number}")
    linkedids = [row["linkedid"] for row in page.rows]
    st.dataframe(
        display(page.rows),
        key="calls_table",
        on_select=lambda: _selected(linkedids),
        selection_mode="single-row",
        hide_index=True,
        width="stretch",
    )
    prev, nxt, pick, go = st.columns([1, 1, 3, 1], vertical_alignment="bottom")
    prev.button("← Previous", key="calls_prev", disabled=number == 1, on_click=_previous)
    if page.next_cursor is not None:
        nxt.button("Next →", key="calls_next", on_click=_next, args=(page.next_cursor,))
    else:
        nxt.button("Next →", key="calls_next", disabled=True)
    choice = pick.selectbox("Open a call", linkedids, key="calls_open", index=None, placeholder="call id")
    go.button("Open call", key="calls_open_button", disabled=choice is None, on_click=_open, args=(choice,))
    engine, zone = data.engine(), data.settings().timezone
    export.download_buttons(
        user, "calls", lambda: export_table(engine, chosen, zone), "calls_export", describe(chosen)
    )
    st.caption(f"Exports hold every call that passes the filters, up to {q.EXPORT_LIMIT:,}.")


render(auth.require_page("calls"))
