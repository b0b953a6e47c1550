"""What a call page derives from the record: the timeline of the call, and which audio may be played."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from dashboard.queries.detail import CallDetail

#: Transfers are moments; they are drawn this long so they can be seen.
MOMENT = timedelta(milliseconds=500)


def timeline(detail: CallDetail) -> list[dict[str, Any]]:
    """The phases of the call in order: IVR, each queue wait, ringing, talk, holds, transfers."""
    call = detail.call
    if call is None:
        return []
    start, end = call["start_time"], call["end_time"] or call["start_time"]
    phases: list[dict[str, Any]] = [_phase("call", call["direction"], start, end)]
    if call["ivr_seconds"]:
        ivr_end = start + timedelta(seconds=call["ivr_seconds"])
        phases.append(_phase("IVR", call["ivr_path"] or "IVR", start, ivr_end))
    for visit in detail.queue_visits:
        left = visit["left_at"] or end
        phases.append(
            _phase("queue wait", f"{visit['queue']} ({visit['outcome']})", visit["joined_at"], left)
        )
        if visit["outcome"] == "answered" and visit["talk_seconds"] is not None:
            talk_end = left + timedelta(seconds=visit["talk_seconds"])
            phases.append(_phase("talk", visit["agent"] or "agent", left, talk_end))
    if call["answer_time"] is not None and call["ring_seconds"]:
        ring_start = call["answer_time"] - timedelta(seconds=call["ring_seconds"])
        phases.append(_phase("ring", call["agent"] or "", ring_start, call["answer_time"]))
    if call["answer_time"] is not None and not detail.queue_visits:
        phases.append(_phase("talk", call["agent"] or "", call["answer_time"], end))
    for hold in detail.holds:
        phases.append(_phase("hold", hold["channel"], hold["start_time"], hold["end_time"] or end))
    for transfer in detail.transfers:
        label = f"{transfer['kind']} to {transfer['target'] or '?'}"
        phases.append(_phase("transfer", label, transfer["at"], transfer["at"] + MOMENT))
    return sorted(phases, key=lambda phase: (phase["start"], phase["phase"] != "call"))


def _phase(phase: str, label: str, start: datetime, end: datetime) -> dict[str, Any]:
    return {
        "phase": phase,
        "label": label,
        "start": start,
        "end": max(start, end),
        "seconds": round(max(0.0, (end - start).total_seconds()), 1),
    }


def ivr_steps(path: str | None) -> str:
    """An IVR path as menu steps, without what the caller keyed in (account numbers stay out)."""
    if not path:
        return ""
    return " › ".join(step.split(":", 1)[0] for step in path.split("/"))


@dataclass(frozen=True, slots=True)
class Playback:
    """The file the player may play (``None``: nothing, and ``note`` says why)."""

    path: str | None
    redacted: bool
    note: str


def playback(detail: CallDetail, roots: tuple[Path, ...]) -> Playback:
    """The redacted copy where anything was redacted; never the original of a redacted call.

    Only files inside ``roots`` (the recordings root, the folder of redacted copies) are played.
    """
    transcript = detail.transcript
    if detail.redactions:
        copy = transcript["redacted_audio_path"] if transcript else None
        if copy and _inside(copy, roots):
            return Playback(copy, True, "the redacted copy: personal information is silenced")
        return Playback(
            None,
            True,
            "personal information was redacted from this call, but there is no redacted copy of the "
            "recording, so the original is not played",
        )
    call = detail.call
    if call is None or not call["recording_path"] or call["recording_status"] == "none":
        return Playback(None, False, "this call has no recording")
    if call["recording_status"] == "empty":
        return Playback(None, False, "the recording is empty: the caller never reached an agent")
    if call["recording_status"] != "present" or not _inside(call["recording_path"], roots):
        return Playback(None, False, f"the recording is not available here ({call['recording_status']})")
    if transcript is None:
        return Playback(call["recording_path"], False, "not transcribed yet: not checked for personal data")
    return Playback(call["recording_path"], False, "the recording (nothing needed redacting)")


def _inside(path: str, roots: tuple[Path, ...]) -> bool:
    """True if ``path`` is a file inside one of ``roots`` (links resolved first)."""
    real = Path(path).resolve()
    return real.is_file() and any(real.is_relative_to(root.resolve()) for root in roots)
