"""Scorecards: the standards calls are scored against, and every version used; readable by everyone."""

from __future__ import annotations

import streamlit as st

from dashboard import auth, data, export, widgets
from dashboard.auth import SessionUser
from dashboard.queries import scorecards as q


def in_use(user: SessionUser) -> None:
    """The scorecards the scorer loads now, with their criteria."""
    library = data.library()
    for error in library.errors:
        st.error(f"Scorecard not loaded: {error}")
    names = sorted(library.scorecards)
    if not names:
        return
    name = st.selectbox(
        "Scorecard",
        names,
        key="scorecards_name",
        format_func=lambda n: f"{library.scorecards[n].title} ({n})",
    )
    card = library.scorecards[name]
    st.caption(
        f"For {'/'.join(card.directions)} calls"
        + (f" of type {'/'.join(card.call_types)}" if card.call_types else "")
        + f" · pass mark {card.pass_mark:g}"
    )
    if card.description:
        st.write(card.description)
    criteria = widgets.table(q.criteria(card))
    widgets.show(criteria)
    export.download_buttons(user, f"scorecard-{name}", criteria, "scorecard_export")


def versions(user: SessionUser) -> None:
    """Every stored version, and the text of the one picked."""
    rows = data.read(q.versions)
    if not rows:
        st.caption("No call has been scored yet, so no version is stored.")
        return
    current = q.in_use(data.library())
    for row in rows:
        row["in use"] = current.get(row["name"]) == row["digest"]
    frame = widgets.table(rows, ["name", "version", "title", "created_at", "in use", "id"])
    widgets.show(frame.drop(columns=["id"]))
    labels = {row["id"]: f"{row['name']} version {row['version']}" for row in rows}
    chosen = st.selectbox(
        "Show the text of", list(labels), format_func=lambda i: labels[i], key="scorecards_version"
    )
    text = data.read(q.source, chosen) if chosen is not None else None
    if text:
        st.code(text, language="yaml")


def render(user: SessionUser) -> None:
    """The page."""
    st.title("Scorecards")
    st.subheader("In use")
    in_use(user)
    st.subheader("Versions")
    versions(user)


render(auth.require_page("scorecards"))
