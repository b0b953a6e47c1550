"""Calibration: how often the machine's verdict agrees with QA reviewers, per criterion, over time.

A criterion whose Cohen's kappa is below the ``qa.min_kappa`` setting (or whose
agreement is under 80 %) is flagged: its phrases or rules need work.
"""

from __future__ import annotations

from datetime import timedelta

import altair as alt
import pandas as pd
import streamlit as st

from dashboard import auth, data, export, widgets
from dashboard.auth import SessionUser
from dashboard.queries import calibration as q

#: How the per-criterion table shows its figures (the export keeps the raw numbers).
SHARES = {
    "agreement": st.column_config.NumberColumn(format="percent"),
    "kappa": st.column_config.NumberColumn(format="%.2f"),
}
WINDOWS = {"day": timedelta(days=1), "week": timedelta(weeks=1), "4 weeks": timedelta(weeks=4)}


def over_time_chart(frame: pd.DataFrame) -> None:
    """Agreement per criterion per window."""
    chart = (
        alt.Chart(frame)
        .mark_line(point=True)
        .encode(
            x=alt.X("window:T", title=None),
            y=alt.Y(
                "agreement:Q", title="agreement", scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%")
            ),
            color=alt.Color("criterion:N"),
            tooltip=["criterion", alt.Tooltip("window:T"), "reviewed", "agreement", "kappa", "flagged"],
        )
    )
    st.altair_chart(chart, width="stretch")


def render(user: SessionUser) -> None:
    """The page."""
    st.title("Calibration")
    left, right = st.columns([3, 1])
    with left:
        start, end = widgets.period_picker("cal_period", days=90, up_to_today=True)
    window = WINDOWS[right.selectbox("Window", list(WINDOWS), index=1, key="cal_window")]
    min_kappa = data.settings().qa.min_kappa
    now = pd.DataFrame(data.read(q.calibration, start, end, min_kappa))
    if now.empty:
        st.info("No reviews in this period: reviewers' verdicts are what the machine is compared with.")
        return
    st.subheader("Per criterion over the period")
    st.caption(f"Flagged: kappa below {min_kappa:g} or agreement below 80 %. Worst first.")
    shown = now.assign(confusion=now["confusion"].map(lambda c: str(c["human_rows_auto_columns"])))
    widgets.show(shown, column_config=SHARES)
    export.download_buttons(user, "calibration", shown, "cal_export", {"period": f"{start}..{end}"})
    over_time = widgets.table(data.read(q.calibration_over_time, start, end, window, min_kappa))
    st.subheader("Agreement over time")
    over_time_chart(over_time)
    export.download_buttons(user, "calibration-over-time", over_time, "cal_time_export")


render(auth.require_page("calibration"))
