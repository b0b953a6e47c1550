"""Service levels: ASA, abandonment, service level and AHT per interval and queue against targets;
the abandoned callers to call back; IVR containment and where callers leave the IVR."""

from __future__ import annotations

from datetime import datetime, timedelta

import altair as alt
import pandas as pd
import streamlit as st

from dashboard import auth, data, export, widgets
from dashboard.auth import SessionUser
from dashboard.queries import service as q

STEPS = {
    "15 minutes": timedelta(minutes=15),
    "30 minutes": timedelta(minutes=30),
    "hour": timedelta(hours=1),
    "day": timedelta(days=1),
}
FIGURES = {
    "service_level": "service level",
    "asa_seconds": "ASA (s)",
    "abandonment_rate": "abandonment",
    "aht_seconds": "AHT (s)",
}


def targets() -> q.Targets:
    """The targets: service level from the settings, the others adjustable here."""
    base = q.Targets.from_settings(data.settings().queues)
    with st.expander("Targets"):
        a, b, c, d = st.columns(4)
        level = a.number_input("Service level", 0.0, 1.0, base.service_level, 0.05, key="sl_target_level")
        asa = b.number_input("ASA (s)", 0.0, 3600.0, base.asa_seconds, 5.0, key="sl_target_asa")
        abandon = c.number_input(
            "Abandonment", 0.0, 1.0, base.abandonment_rate, 0.01, key="sl_target_abandon"
        )
        aht = d.number_input("AHT (s)", 0.0, 7200.0, base.aht_seconds, 30.0, key="sl_target_aht")
    return q.Targets(float(level), float(asa), float(abandon), float(aht), base.amber_band)


COLOURS = {
    "green": "background-color: #c8e6c9",
    "amber": "background-color: #ffe0b2",
    "red": "background-color: #ffcdd2",
}
PERCENTS = ("service level", "abandonment rate", "service level target")


def _colours(row: pd.Series) -> list[str]:
    """Each rated figure and its status cell coloured red, amber or green."""
    return [COLOURS.get(str(row.get(f"{name.removesuffix(' rag')} rag")), "") for name in row.index]


def show_rated(frame: pd.DataFrame) -> None:
    """Figures against targets: each rated cell red, amber or green; rates as percentages, seconds to 0.1."""
    readable = frame.rename(columns=lambda name: str(name).replace("_", " "))
    shares = {name: "{:.1%}" for name in PERCENTS if name in readable.columns}
    seconds = {name: "{:.1f}" for name in readable.columns if str(name).endswith("seconds")}
    styled = readable.style.apply(_colours, axis=1).format(shares | seconds, na_rep="–")
    st.dataframe(styled, hide_index=True, width="stretch")


def interval_charts(frame: pd.DataFrame, chosen: q.Targets) -> None:
    """One chart per figure over the intervals, a line per queue, the target as a rule."""
    columns = st.columns(2)
    for number, (figure, title) in enumerate(FIGURES.items()):
        lines = (
            alt.Chart(frame)
            .mark_line(point=True)
            .encode(
                x=alt.X("interval:T", title=None),
                y=alt.Y(f"{figure}:Q", title=title),
                color=alt.Color("queue:N"),
                tooltip=["queue", alt.Tooltip("interval:T"), figure, "offered"],
            )
        )
        rule = (
            alt.Chart(pd.DataFrame({"target": [getattr(chosen, figure)]}))
            .mark_rule(strokeDash=[4, 4], color="gray")
            .encode(y="target:Q")
        )
        columns[number % 2].altair_chart(lines + rule, width="stretch")


def ivr(user: SessionUser, start: datetime, end: datetime) -> None:
    """IVR containment and where calls that stayed in the IVR ended."""
    st.subheader("IVR")
    figures = data.read(q.ivr_figures, start, end)
    a, b, c = st.columns(3)
    a.metric("Entered the IVR", f"{figures['entered']:,}")
    b.metric("Contained (ended in the IVR)", f"{figures['contained']:,}")
    c.metric("Containment", widgets.percent(figures["containment_rate"]) or "–")
    endings = widgets.table(data.read(q.ivr_endings, start, end))
    if endings.empty:
        return
    chart = (
        alt.Chart(endings)
        .mark_bar()
        .encode(
            x=alt.X("sum(calls):Q", title="calls"),
            y=alt.Y("last_step:N", sort="-x", title="last IVR step"),
            color=alt.Color("hung_up_by:N", title="hung up by"),
            tooltip=["path", "hung_up_by", "calls"],
        )
    )
    st.altair_chart(chart, width="stretch")
    export.download_buttons(user, "ivr-endings", endings, "ivr_export")


def render(user: SessionUser) -> None:
    """The page."""
    st.title("Service levels")
    left, right = st.columns([3, 1])
    with left:
        start, end = widgets.period_picker("sl_period", days=1)
    step = STEPS[right.selectbox("Interval", list(STEPS), index=2, key="sl_interval")]
    chosen, queues = targets(), data.settings().queues
    period = widgets.table(data.read(q.period_figures, start, end, queues, chosen))
    st.subheader("Per queue over the period")
    show_rated(period)
    export.download_buttons(user, "service-levels", period, "sl_export", {"period": f"{start}..{end}"})
    rows = data.read(q.interval_figures, start, end, step, queues, chosen)
    if rows:
        st.subheader("Per interval")
        per_interval = widgets.table(rows)
        interval_charts(per_interval, chosen)
        with st.expander("Per interval and queue, against the targets"):
            show_rated(per_interval)
        export.download_buttons(user, "service-levels-per-interval", per_interval, "sl_interval_export")
    st.subheader("Abandoned callers to call back")
    backs = widgets.table(data.read(q.callers_to_call_back, start, end))
    if backs.empty:
        st.caption("Nobody to call back in this period.")
    else:
        widgets.show(backs)
        export.download_buttons(user, "call-backs", backs, "callbacks_export")
    ivr(user, start, end)


render(auth.require_page("service_levels"))
