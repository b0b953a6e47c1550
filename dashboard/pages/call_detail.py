"""Call detail: recording, transcript, scorecard with evidence, reviews and disputes, the call record.

An agent may open only their own calls: any other call id (or one that does not
exist) shows "not your call"; the refusal is audited as ``denied`` and nothing is shown.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from dashboard import audit, auth, call_view, data, reviewing, widgets
from dashboard.auth import SessionUser
from dashboard.queries.detail import call_detail, may_open
from dashboard.queries.timeline import playback

OPENED_KEY = "opened_calls"
NOT_YOURS = "Not your call: agents can open only the calls they answered or placed."


def chosen_call() -> str:
    """The call to show: the address's ``?call=``, else the one picked on the Calls page, else typed in."""
    wanted = st.query_params.get("call") or st.session_state.get("call") or ""
    if "detail_call_id" not in st.session_state or st.session_state.get("detail_wanted") != wanted:
        st.session_state["detail_call_id"] = wanted
        st.session_state["detail_wanted"] = wanted
    linkedid = st.sidebar.text_input("Open a call by its id", key="detail_call_id").strip()
    if linkedid:
        st.session_state["call"] = linkedid
        st.query_params["call"] = linkedid
    return linkedid


def _audit_once(user: SessionUser, linkedid: str, action: str) -> None:
    """Audit opening a call (or being refused it) once per session, not on every rerun."""
    seen: set[tuple[str, str]] = st.session_state.setdefault(OPENED_KEY, set())
    if (action, linkedid) in seen:
        return
    with data.engine().begin() as connection:
        audit.record(connection, user.username, action, linkedid)
    seen.add((action, linkedid))


def header(linkedid: str, call: dict[str, Any] | None) -> None:
    """The call's title and its key facts."""
    st.title(f"Call {linkedid}")
    if call is None:
        return
    facts = [
        widgets.local(call["start_time"]),
        str(call["direction"]),
        f"queue {call['queue']}" if call["queue"] else "",
        f"agent {call['agent']}" if call["agent"] else "",
        str(call["disposition"]),
        f"caller {call['caller_number']}" if call["caller_number"] else "",
    ]
    st.caption(" · ".join(fact for fact in facts if fact))


def render(user: SessionUser) -> None:
    """The page."""
    widgets.show_flash()
    linkedid = chosen_call()
    if not linkedid:
        st.title("Call detail")
        st.info("Pick a call on the Calls page, or enter its id in the sidebar.")
        return
    agent = (user.agent_name or "") if user.role == "agent" else None
    with data.engine().connect() as connection:
        allowed = may_open(connection, linkedid, agent)
        detail = call_detail(connection, linkedid) if allowed else None
    if detail is None:
        _audit_once(user, linkedid, "denied")
        st.error(NOT_YOURS)
        return
    if not detail.exists:
        st.error(f"There is no call {linkedid}.")
        return
    _audit_once(user, linkedid, "open_call")
    settings = data.settings()
    sound = playback(detail, (settings.recordings_root, settings.data_dir / "redacted"))
    header(linkedid, detail.call)
    call_view.player(user, detail, sound)
    left, right = st.columns(2)
    with left:
        call_view.transcript(user, detail, sound)
    with right:
        call_view.scorecard(user, detail, sound)
        reviewing.forms(user, detail)
    call_view.record(detail)


render(auth.require_page("call_detail"))
