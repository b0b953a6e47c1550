"""The record of an IVR session, derived from the engine's state at any moment (stored at hang-up).

It answers the call-centre questions about the IVR: which way callers went and how long each step
took, what they keyed in (secret entries masked), where they gave up, how the session ended
(self-served, transferred to which queue, call-back requested, abandoned at which node), in which
language, and what went wrong on the way.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from ivr.engine_state import KeyInput, Note, Outcome, State


@dataclass(frozen=True, slots=True)
class NodeTime:
    """A node on the caller's path: when it was reached and how long the caller spent there."""

    node: str
    entered_at: float  # seconds into the call
    seconds: float


@dataclass(frozen=True, slots=True)
class SessionRecord:
    """Everything to store about one IVR session."""

    call_id: str
    caller: str
    started: dt.datetime
    language: str
    path: tuple[NodeTime, ...]
    inputs: tuple[KeyInput, ...]
    notes: tuple[Note, ...]
    outcome: Outcome | None  # None while the session is still running
    queue: str | None
    ended_by: str  # "caller", "ivr" or "" (still running)
    last_node: str  # where the session is, or ended
    hangup_node: str | None  # where the caller hung up, if they did before a transfer
    references: tuple[str, ...]
    self_served: tuple[str, ...]
    callback_requested: bool
    bad_inputs: int
    slots: tuple[tuple[str, str], ...]  # values collected (secret ones left out)
    seconds: float  # time in the IVR so far

    @property
    def ivr_path(self) -> str:
        """The nodes visited, ``/``-separated (as in ``CC_IVR_PATH``)."""
        return "/".join(step.node for step in self.path)

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-able data for storing."""
        return {
            "call_id": self.call_id,
            "caller": self.caller,
            "started": self.started.isoformat(),
            "language": self.language,
            "path": [[step.node, step.entered_at, step.seconds] for step in self.path],
            "inputs": [[key.node, key.keys, key.at, key.result] for key in self.inputs],
            "notes": [[note.node, note.at, note.what] for note in self.notes],
            "outcome": self.outcome.value if self.outcome else None,
            "queue": self.queue,
            "ended_by": self.ended_by,
            "last_node": self.last_node,
            "hangup_node": self.hangup_node,
            "references": list(self.references),
            "self_served": list(self.self_served),
            "callback_requested": self.callback_requested,
            "bad_inputs": self.bad_inputs,
            "slots": dict(self.slots),
            "seconds": self.seconds,
        }


def session_record(state: State) -> SessionRecord:
    """The session as it stands in ``state`` (complete once ``state.ended``)."""
    end = state.ended_at if state.ended_at is not None else state.at
    times = [visit.at for visit in state.visits[1:]] + [end]
    path = tuple(
        NodeTime(visit.node, visit.at, round(max(0.0, until - visit.at), 3))
        for visit, until in zip(state.visits, times, strict=True)
    )
    start = state.visits[0].at if state.visits else end
    return SessionRecord(
        call_id=state.call_id,
        caller=state.caller,
        started=state.local_time,
        language=state.language,
        path=path,
        inputs=state.inputs,
        notes=state.notes,
        outcome=state.outcome,
        queue=state.queue,
        ended_by=state.ended_by,
        last_node=state.node,
        hangup_node=state.node if state.ended_by == "caller" else None,
        references=state.references,
        self_served=tuple(dict.fromkeys(state.served)),
        callback_requested=state.callback,
        bad_inputs=sum(
            1 for key in state.inputs if key.result.startswith("invalid") or key.result == "no_input"
        ),
        slots=tuple(sorted((k, v) for k, v in state.slots.items() if k not in state.secrets)),
        seconds=round(end - start, 3),
    )
