"""The parts of the call page: the player, the transcript, the scorecard and the call record.

Clicking a turn or an evidence item plays the recording from that moment: it sets
``st.session_state["play_from"]`` to ``(call, seconds)``, audits ``play`` and reruns.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from dashboard import audit, data, widgets
from dashboard.auth import SessionUser
from dashboard.queries.detail import CallDetail
from dashboard.queries.timeline import Playback, ivr_steps, timeline

PLAY_KEY = "play_from"
ICONS = {"pass": ":material/check_circle:", "fail": ":material/cancel:", "na": ":material/remove:"}
AVATARS = {"agent": ":material/support_agent:"}


def _play(username: str, linkedid: str, seconds: float, via: str, redacted: bool) -> None:
    st.session_state[PLAY_KEY] = (linkedid, seconds)
    with data.engine().begin() as connection:
        audit.record(
            connection,
            username,
            "play",
            linkedid,
            {"from": round(seconds, 2), "via": via, "redacted": redacted},
        )


def play_button(
    user: SessionUser, detail: CallDetail, sound: Playback, seconds: float, label: str, key: str
) -> None:
    """A button that plays the call from ``seconds`` (plain text when nothing may be played)."""
    if sound.path is None:
        st.caption(label)
        return
    args = (user.username, detail.linkedid, float(seconds), key.split("_", 1)[0], sound.redacted)
    st.button(label, key=key, on_click=_play, args=args, type="tertiary")


def player(user: SessionUser, detail: CallDetail, sound: Playback) -> None:
    """The audio player (the redacted copy where redaction applies), shown once playing is asked for."""
    if sound.path is None:
        st.warning(f"Recording not played: {sound.note}.")
        return
    chosen = st.session_state.get(PLAY_KEY)
    if isinstance(chosen, tuple) and chosen[0] == detail.linkedid:
        st.audio(Path(sound.path), format="audio/wav", start_time=float(chosen[1]), autoplay=True)
        st.caption(f"Playing from {widgets.clock(chosen[1])}: {sound.note}.")
    else:
        play_button(user, detail, sound, 0.0, "▶ Play recording", "play_recording")
        st.caption(f"Plays {sound.note}.")


def transcript(user: SessionUser, detail: CallDetail, sound: Playback) -> None:
    """The transcript as speaker turns with their times; each turn plays from its start."""
    st.subheader("Transcript")
    info = detail.transcript
    if info is None:
        st.info("This call has not been transcribed.")
        return
    if info["status"] != "done":
        st.warning(f"Human review: {info['review_reason'] or 'no automatic transcript'}")
    kinds = ", ".join(sorted({span["kind"] for span in detail.redactions}))
    st.caption(
        f"{info['engine']} {info['model'] or ''} · {info['language'] or ''} · {info['word_count']} words"
        + (f" · redacted: {kinds}" if kinds else "")
    )
    for index, segment in enumerate(detail.segments):
        speaker = segment["speaker"]
        with st.chat_message(speaker, avatar=AVATARS.get(speaker, ":material/person:")):
            label = f"▶ {widgets.clock(segment['start'])} {speaker}"
            play_button(user, detail, sound, segment["start"], label, f"turn_{index}")
            st.text(segment["text"])


def scorecard(user: SessionUser, detail: CallDetail, sound: Playback) -> None:
    """Every criterion: the verdict that counts, the machine's reason and evidence, any review."""
    st.subheader("Scorecard")
    score = detail.score
    if score is None:
        st.info("This call has not been scored.")
        return
    card = detail.scorecard
    if card:
        st.caption(f"{card['title']} (scorecard {card['name']}, version {card['version']})")
    if score["status"] != "scored":
        st.warning(f"{score['status'].replace('_', ' ')}: {score['reason'] or ''}")
    effective = detail.effective
    left, middle, right = st.columns(3)
    left.metric("Score", "–" if effective is None or effective.score is None else f"{effective.score:.1f}")
    middle.metric("Automatic score", "–" if score["score"] is None else f"{score['score']:.1f}")
    right.metric("Counts", "reviewed" if effective and effective.source == "reviewed" else "automatic")
    for verdict in detail.verdicts:
        _criterion(user, detail, sound, verdict)


def _criterion(user: SessionUser, detail: CallDetail, sound: Playback, verdict: dict[str, Any]) -> None:
    counted = verdict["effective"]
    reviewed = " (reviewed)" if verdict["human"] else ""
    with st.expander(f"{verdict['title']}: {counted}{reviewed}", icon=ICONS.get(counted)):
        flags = " · auto-fail" if verdict["auto_fail"] else ""
        principle = verdict["principle"].replace("_", " ")
        st.caption(f"{verdict['section']} · {principle} · weight {verdict['weight']:g}{flags}")
        st.text(f"Machine: {verdict['verdict']}, {verdict['reason']}")
        if verdict["human"]:
            st.text(f"Reviewer {verdict['reviewer']}: {verdict['human']}, {verdict['comment'] or ''}")
        for number, item in enumerate(verdict["evidence"] or []):
            quoted = f" “{item['text']}”" if item.get("text") else ""
            label = f"▶ {widgets.clock(item.get('start'))} {item.get('speaker', '')}{quoted}"
            key = f"evidence_{verdict['criterion_id']}_{number}"
            play_button(user, detail, sound, float(item.get("start") or 0.0), label, key)


def record(detail: CallDetail) -> None:
    """The call record: figures, a timeline of its phases, and its queue visits, holds, transfers, legs."""
    st.subheader("Call record")
    call = detail.call
    if call is None:
        st.info("No call record: this transcript was imported from another system.")
        return
    cells = st.columns(6)
    cells[0].metric("Queue wait", widgets.clock(call["queue_wait_seconds"]) or "–")
    cells[1].metric("Ring", widgets.clock(call["ring_seconds"]) or "–")
    cells[2].metric("Talk", widgets.clock(call["talk_seconds"]))
    cells[3].metric("Hold", f"{widgets.clock(call['hold_seconds'])} ({call['hold_count']}×)")
    cells[4].metric("Transfers", str(len(detail.transfers)))
    cells[5].metric("Hung up by", call["hung_up_by"] or "–")
    if call["ivr_path"]:
        st.caption(f"IVR path: {ivr_steps(call['ivr_path'])} ({widgets.clock(call['ivr_seconds'])})")
    _timeline_chart(detail)
    for title, rows in (
        ("Queue visits", detail.queue_visits),
        ("Holds", detail.holds),
        ("Transfers", detail.transfers),
        ("Channels", detail.legs),
    ):
        if rows:
            st.markdown(f"**{title}**")
            widgets.show(widgets.table(rows).drop(columns=["id", "call_id"], errors="ignore"))


def _timeline_chart(detail: CallDetail) -> None:
    phases = timeline(detail)
    if not phases or detail.call is None:
        return
    origin = detail.call["start_time"]
    frame = pd.DataFrame(phases)
    frame["from_s"] = [(start - origin).total_seconds() for start in frame["start"]]
    frame["to_s"] = [(end - origin).total_seconds() for end in frame["end"]]
    chart = (
        alt.Chart(frame.drop(columns=["start", "end"]))
        .mark_bar()
        .encode(
            x=alt.X("from_s:Q", title="seconds from the start of the call"),
            x2="to_s:Q",
            y=alt.Y("phase:N", sort=None, title=None),
            color=alt.Color("phase:N", legend=None),
            tooltip=["phase", "label", "seconds"],
        )
    )
    st.altair_chart(chart, width="stretch")
