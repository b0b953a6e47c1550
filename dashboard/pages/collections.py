"""Collections: what the revenue-collection campaigns achieved, per campaign, per agent and per day."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from dashboard import auth, data, export, widgets
from dashboard.auth import SessionUser
from dashboard.queries import collections as q
from telephony.campaigns.money import rand


def rands(value: Any) -> str:
    """An amount in rand (a table cell) as ``R 1 234.50``."""
    return "–" if pd.isna(value) else rand(round(float(value) * 100))


def percent(value: Any) -> str:
    """A rate (a table cell) as a percentage; ``–`` when there is none."""
    return "–" if pd.isna(value) else f"{float(value):.1%}"


def show(frame: pd.DataFrame) -> None:
    """A results table: amounts as rand, rates as percentages (right-aligned like the counts)."""
    shown = frame.copy()
    texts = {name: rands for name in q.MONEY} | {name: percent for name in q.RATES}
    for name, fmt in texts.items():
        if name in shown.columns:
            shown[name] = shown[name].map(fmt)
    config = {name: st.column_config.TextColumn(alignment="right") for name in texts}
    st.dataframe(shown, hide_index=True, width="stretch", column_config=config)


def choose_campaign() -> tuple[int | None, str]:
    """The campaign filter: all campaigns, or one."""
    found = {item["id"]: item for item in data.read(q.campaigns)}
    chosen = st.selectbox(
        "Campaign",
        [None, *found],
        format_func=lambda i: (
            "All campaigns"
            if i is None
            else f"{found[i]['name']} ({found[i]['mode']}{'' if found[i]['active'] else ', ended'})"
        ),
        key="coll_campaign",
    )
    return chosen, "all" if chosen is None else str(found[chosen]["name"])


def headline(start: datetime, end: datetime, campaign_id: int | None) -> None:
    """The period's figures in one row of metrics."""
    total = data.read(q.totals, start, end, campaign_id)
    cells = [*st.columns(4), *st.columns(4)]
    cells[0].metric("Dials", f"{total.dials:,}")
    cells[1].metric("Contacts", f"{total.contacts:,}", help="Answered dials")
    cells[2].metric(
        "Right-party contacts", f"{total.right_party:,}", help="Outcomes with the verified holder"
    )
    cells[3].metric("Promises", f"{total.promises:,}", help="Each instalment of an arrangement counts")
    cells[4].metric("Promised", rand(total.promised_cents))
    cells[5].metric("Collected", rand(total.collected_cents), help="Paid against those promises")
    cells[6].metric("Kept rate", widgets.percent(total.kept_rate) or "–", help="Kept / (kept + broken)")
    cells[7].metric("Contact rate", widgets.percent(total.contact_rate) or "–", help="Contacts / dials")


def agent_charts(agents: pd.DataFrame) -> None:
    """Promised against collected, and the kept rate, per agent."""
    money = agents.melt(id_vars=["agent"], value_vars=list(q.MONEY), var_name="amount", value_name="rand")
    left, right = st.columns(2)
    left.altair_chart(
        alt.Chart(money, title="Promised and collected per agent")
        .mark_bar()
        .encode(
            x=alt.X("rand:Q", title="rand"),
            y=alt.Y("agent:N", title=None),
            yOffset="amount:N",
            color=alt.Color("amount:N", title=None, legend=alt.Legend(orient="bottom")),
            tooltip=["agent", "amount", alt.Tooltip("rand:Q", format=",.2f")],
        ),
        width="stretch",
    )
    rated = agents.dropna(subset=["kept rate"])
    if rated.empty:
        right.caption("No promise has been kept or broken yet in this period, so there is no kept rate.")
        return
    right.altair_chart(
        alt.Chart(rated, title="Kept rate per agent (promises resolved)")
        .mark_bar()
        .encode(
            x=alt.X(
                "kept rate:Q", title="kept rate", axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1])
            ),
            y=alt.Y("agent:N", title=None),
            tooltip=["agent", alt.Tooltip("kept rate:Q", format=".1%"), "kept", "broken"],
        )
        .properties(height=alt.Step(40)),
        width="stretch",
    )


def daily_chart(days: pd.DataFrame) -> None:
    """Dials, contacts and right-party contacts per day."""
    labelled = days.assign(date=pd.to_datetime(days["day"]).dt.strftime("%a %d %b"))
    series = labelled.melt(
        id_vars=["day", "date"], value_vars=["dials", "contacts", "right-party contacts"], var_name="figure"
    )
    st.altair_chart(
        alt.Chart(series, title="Dials, contacts and right-party contacts", height=260)
        .mark_line(point=True)
        .encode(
            x=alt.X("date:O", title=None, sort=alt.SortField("day"), axis=alt.Axis(labelAngle=0)),
            y=alt.Y("value:Q", title="count"),
            color=alt.Color("figure:N", title=None, legend=alt.Legend(orient="bottom")),
            tooltip=["date", "figure", "value"],
        ),
        width="stretch",
    )


def render(user: SessionUser) -> None:
    """The page."""
    st.title("Collections")
    left, right = st.columns([2, 2])
    with left:
        start, end = widgets.period_picker("coll_period", days=7, up_to_today=True)
    with right:
        campaign_id, name = choose_campaign()
    period = {"period": f"{start.date()}..{end.date()}", "campaign": name}
    headline(start, end, campaign_id)
    st.subheader("Per campaign")
    campaigns = widgets.table(data.read(q.per_campaign, start, end, campaign_id))
    if campaigns.empty:
        st.caption("No campaign yet.")
    else:
        show(campaigns)
        export.download_buttons(user, "collections-campaigns", campaigns, "coll_campaigns_export", period)
    st.subheader("Per agent")
    agents = widgets.table(data.read(q.per_agent, start, end, campaign_id))
    if agents.empty:
        st.caption("No agent dialled, recorded an outcome or took a promise in this period.")
    else:
        show(agents)
        agent_charts(agents)
        export.download_buttons(user, "collections-agents", agents, "coll_agents_export", period)
    days = widgets.table(data.read(q.per_day, start, end, data.settings().timezone, campaign_id))
    st.subheader("Per day")
    daily_chart(days)
    with st.expander("Per day, as a table"):
        show(days)
    export.download_buttons(user, "collections-days", days, "coll_days_export", period)


render(auth.require_page("collections"))
