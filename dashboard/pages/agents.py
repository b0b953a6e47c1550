"""Agents: each agent's score trend, weakest criteria, calls reviewed and disputes; the team compared.

An agent sees only their own figures ("My scores"), never the team's.
"""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from dashboard import auth, data, export, widgets
from dashboard.auth import SessionUser
from dashboard.queries import agents as q
from dashboard.queries.calls import filter_choices

#: How the tables show rates and means (the exports keep the raw numbers).
SHARES = {
    "pass rate": st.column_config.NumberColumn(format="percent"),
    "fail rate": st.column_config.NumberColumn(format="percent"),
    "mean score": st.column_config.NumberColumn(format="%.1f"),
}


def filters(user: SessionUser) -> tuple[q.AgentFilters, str]:
    """The period, the agents (not for an agent user) and the trend's bucket."""
    left, middle, right = st.columns([2, 3, 1])
    with left:
        start, end = widgets.period_picker("agents_period", days=28)
    if user.role == "agent":
        return q.AgentFilters(start, end, only_agent=user.agent_name or ""), right.selectbox(
            "Trend per", ("day", "week"), key="agents_bucket"
        )
    names = data.read(filter_choices).agents
    chosen = middle.multiselect("Agents", names, key="agents_agents", placeholder="every agent")
    bucket = right.selectbox("Trend per", ("day", "week"), key="agents_bucket")
    return q.AgentFilters(start, end, agents=tuple(chosen)), bucket


def trend_chart(rows: list[dict[str, object]]) -> None:
    """Mean score per agent over time."""
    frame = pd.DataFrame(rows)
    frame["period"] = pd.to_datetime(frame["period"])
    chart = (
        alt.Chart(frame)
        .mark_line(point=True)
        .encode(
            x=alt.X("period:T", title=None),
            y=alt.Y("mean_score:Q", title="mean score", scale=alt.Scale(domain=[0, 100])),
            color=alt.Color("agent:N", title="agent"),
            tooltip=["agent", alt.Tooltip("period:T"), "mean_score", "scored"],
        )
    )
    st.altair_chart(chart, width="stretch")


def comparison_chart(frame: pd.DataFrame) -> None:
    """Mean score per agent, side by side (the bar's label: calls scored)."""
    chart = (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X("mean_score:Q", title="mean score", scale=alt.Scale(domain=[0, 100])),
            y=alt.Y("agent:N", sort="-x", title=None),
            tooltip=["agent", "scored", "mean_score", "pass_rate", "auto_fails", "reviewed", "disputes"],
        )
    )
    st.altair_chart(chart, width="stretch")


def render(user: SessionUser) -> None:
    """The page."""
    st.title("My scores" if user.role == "agent" else "Agents")
    chosen, bucket = filters(user)
    zone = data.settings().timezone
    summary = widgets.table(data.read(q.agent_summary, chosen))
    if summary.empty:
        st.info("No scored calls in this period.")
        return
    st.subheader("Summary")
    widgets.show(summary, column_config=SHARES)
    export.download_buttons(
        user, "agents", summary, "agents_export", {"period": f"{chosen.start}..{chosen.end}"}
    )
    if user.role != "agent" and len(summary) > 1:
        st.subheader("Team comparison")
        comparison_chart(summary)
    st.subheader("Score trend")
    trend_chart(data.read(q.score_trend, chosen, bucket, zone))
    st.subheader("Weakest criteria")
    weakest = widgets.table(data.read(q.weakest_criteria, chosen))
    if weakest.empty:
        st.caption("No criterion failed in this period.")
    else:
        widgets.show(weakest, column_config=SHARES)
        export.download_buttons(user, "weakest-criteria", weakest, "weakest_export")
    st.subheader("Disputes")
    disputes = widgets.table(data.read(q.disputes, chosen))
    if disputes.empty:
        st.caption("No disputes in this period.")
    else:
        widgets.show(disputes.drop(columns=["score_id"]))
        export.download_buttons(user, "disputes", disputes, "disputes_export")


render(auth.require_page("agents"))
