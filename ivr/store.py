"""Stores IVR session records (``ivr_sessions``), linked to the call record by Linkedid.

The row keeps what the dashboard needs for IVR containment and where callers give up: outcome,
queue, the node the caller hung up at, the path with times, the keys (secret entries already masked
by :func:`ivr.session.session_record`) and the notes. The engine's ``abandoned`` outcome is stored
as ``hung_up``.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from ivr.backend import SessionInfo
from ivr.models import IvrSession
from ivr.session import SessionRecord

#: Engine outcomes as stored (the issue's words).
STORED_OUTCOME = {"abandoned": "hung_up"}


class SessionStore:
    """Saves session records to the suite's database. Safe to share between threads."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def save(self, record: SessionRecord, info: SessionInfo) -> int:
        """Store ``record`` for the call ``info`` describes; the new row's id."""
        outcome = record.outcome.value if record.outcome is not None else "disconnected"
        row = IvrSession(
            linkedid=info.linkedid,
            call_id=info.call_id or record.call_id,
            transport=info.transport,
            language=record.language,
            caller_number=info.caller or record.caller or None,
            started_at=record.started,
            ended_at=record.started + timedelta(seconds=record.seconds),
            outcome=STORED_OUTCOME.get(outcome, outcome),
            queue=record.queue,
            hangup_node=record.hangup_node,
            path=[[step.node, step.entered_at, step.seconds] for step in record.path],
            digits=[[key.node, key.keys, key.at, key.result] for key in record.inputs],
            notes=[[note.node, note.at, note.what] for note in record.notes],
            reference=record.references[-1] if record.references else None,
            seconds=record.seconds,
        )
        with Session(self.engine) as db:
            db.add(row)
            db.commit()
            return row.id
