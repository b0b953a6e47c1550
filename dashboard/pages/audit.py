"""Audit log (admins only): who logged in, opened, played or downloaded which call, changed which score."""

from __future__ import annotations

import altair as alt
import streamlit as st

from dashboard import audit, auth, data, export, widgets
from dashboard.auth import SessionUser

LIMIT = 5000


def render(user: SessionUser) -> None:
    """The page."""
    st.title("Audit log")
    a, b, c, d = st.columns([2, 1, 1, 1])
    with a:
        start, end = widgets.period_picker("audit_period", days=7, up_to_today=True)
    username = b.text_input("User", key="audit_user")
    action = c.selectbox(
        "Action", ["", *audit.ACTIONS], format_func=lambda x: x or "(any)", key="audit_action"
    )
    subject = d.text_input("Call or subject", key="audit_subject")
    chosen = audit.AuditFilters(start, end, username.strip(), action, subject.strip())
    with data.engine().connect() as connection:
        rows = audit.entries(connection, chosen, LIMIT)
    frame = widgets.table(rows, ["at", "username", "action", "subject", "detail"])
    frame["detail"] = frame["detail"].map(str)
    st.markdown(f"**{len(frame):,} entries**" + (f" (the newest {LIMIT:,})" if len(frame) == LIMIT else ""))
    if not frame.empty:
        counts = (
            alt.Chart(frame)
            .mark_bar()
            .encode(
                x=alt.X("count():Q", title="entries"),
                y=alt.Y("username:N", sort="-x", title=None),
                color=alt.Color("action:N"),
                tooltip=["username", "action", "count()"],
            )
        )
        st.altair_chart(counts, width="stretch")
    widgets.show(frame)
    export.download_buttons(
        user,
        "audit-log",
        frame,
        "audit_export",
        {"period": f"{start}..{end}", "user": username, "action": action},
    )


render(auth.require_page("audit"))
