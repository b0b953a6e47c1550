"""Tables owned by the telephony package: raw AMI events and the call records built from them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from callcentre.db import Base, BigId, UTCDateTime


class RawEvent(Base):
    """One AMI event as received, append-only. ``digest`` makes replays store nothing twice."""

    __tablename__ = "raw_events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    digest: Mapped[str] = mapped_column(String(32), unique=True)
    event: Mapped[str] = mapped_column(String(64))
    linkedid: Mapped[str | None] = mapped_column(String(64))
    uniqueid: Mapped[str | None] = mapped_column(String(64))
    #: The event's own ``Timestamp`` header (epoch seconds); never the arrival time.
    pbx_time: Mapped[float | None] = mapped_column(Float)
    #: When the logger received it (epoch seconds): for diagnosing delays, never for call times.
    received_at: Mapped[float] = mapped_column(Float)
    #: ``ami`` for Asterisk's events, ``reconcile`` for facts learnt by reconciliation.
    source: Mapped[str] = mapped_column(String(16), default="ami")
    #: The frame exactly as received (CRLF lines); parsed again for a rebuild.
    frame: Mapped[str] = mapped_column(Text)


class Call(Base):
    """One call: everything that shared a ``Linkedid``. Rebuilt whole from raw events; safe to repeat."""

    __tablename__ = "calls"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    linkedid: Mapped[str] = mapped_column(String(64), unique=True)
    direction: Mapped[str] = mapped_column(String(16))
    disposition: Mapped[str] = mapped_column(String(16), index=True)
    caller_number: Mapped[str | None] = mapped_column(String(32), index=True)
    caller_name: Mapped[str | None] = mapped_column(String(128))
    dialled_number: Mapped[str | None] = mapped_column(String(32))
    start_time: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    answer_time: Mapped[datetime | None] = mapped_column(UTCDateTime)
    end_time: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ivr_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    queue: Mapped[str | None] = mapped_column(String(64), index=True)
    queue_wait_seconds: Mapped[float | None] = mapped_column(Float)
    queue_position: Mapped[int | None] = mapped_column(Integer)
    abandoned: Mapped[bool] = mapped_column(Boolean, default=False)
    agent: Mapped[str | None] = mapped_column(String(128), index=True)
    agent_interface: Mapped[str | None] = mapped_column(String(128))
    ring_seconds: Mapped[float | None] = mapped_column(Float)
    talk_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    hold_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    hold_count: Mapped[int] = mapped_column(Integer, default=0)
    hung_up_by: Mapped[str | None] = mapped_column(String(16))
    hangup_cause: Mapped[int | None] = mapped_column(Integer)
    hangup_cause_text: Mapped[str | None] = mapped_column(String(64))
    dtmf: Mapped[str] = mapped_column(String(256), default="")
    ivr_path: Mapped[str | None] = mapped_column(String(512))
    campaign: Mapped[str | None] = mapped_column(String(64), index=True)
    account: Mapped[str | None] = mapped_column(String(64), index=True)
    reference: Mapped[str | None] = mapped_column(String(64))
    recording_path: Mapped[str | None] = mapped_column(String(1024))
    #: ``none``, ``present``, ``empty`` (header only), ``missing`` or ``outside_root``.
    recording_status: Mapped[str] = mapped_column(String(16), default="none")
    variables: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: True when part of the call happened while the logger was not connected.
    partial: Mapped[bool] = mapped_column(Boolean, default=False)
    partial_reason: Mapped[str | None] = mapped_column(Text)
    built_at: Mapped[datetime] = mapped_column(UTCDateTime)

    legs: Mapped[list[CallLeg]] = relationship(back_populates="call", order_by="CallLeg.start_time")
    queue_visits: Mapped[list[QueueVisit]] = relationship(
        back_populates="call", order_by="QueueVisit.joined_at"
    )
    holds: Mapped[list[Hold]] = relationship(back_populates="call", order_by="Hold.start_time")
    transfers: Mapped[list[Transfer]] = relationship(back_populates="call", order_by="Transfer.at")


class CallLeg(Base):
    """One channel of a call (caller, agent, customer...)."""

    __tablename__ = "call_legs"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(128))
    uniqueid: Mapped[str] = mapped_column(String(64), index=True)
    role: Mapped[str] = mapped_column(String(16))
    number: Mapped[str | None] = mapped_column(String(32))
    start_time: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answer_time: Mapped[datetime | None] = mapped_column(UTCDateTime)
    end_time: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hangup_cause: Mapped[int | None] = mapped_column(Integer)
    hangup_cause_text: Mapped[str | None] = mapped_column(String(64))

    call: Mapped[Call] = relationship(back_populates="legs")


class QueueVisit(Base):
    """One stay of the caller in a queue (a transferred call has several)."""

    __tablename__ = "queue_visits"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    queue: Mapped[str] = mapped_column(String(64))
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime)
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    wait_seconds: Mapped[float | None] = mapped_column(Float)
    position: Mapped[int | None] = mapped_column(Integer)
    #: ``answered``, ``abandoned``, ``timeout`` or ``unknown``.
    outcome: Mapped[str] = mapped_column(String(16))
    agent: Mapped[str | None] = mapped_column(String(128))
    agent_interface: Mapped[str | None] = mapped_column(String(128))
    ring_no_answer: Mapped[int] = mapped_column(Integer, default=0)
    talk_seconds: Mapped[float | None] = mapped_column(Float)
    agent_complete_reason: Mapped[str | None] = mapped_column(String(16))

    call: Mapped[Call] = relationship(back_populates="queue_visits")


class Hold(Base):
    """The caller put on hold by an agent."""

    __tablename__ = "holds"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(128))
    start_time: Mapped[datetime] = mapped_column(UTCDateTime)
    end_time: Mapped[datetime | None] = mapped_column(UTCDateTime)

    call: Mapped[Call] = relationship(back_populates="holds")


class Transfer(Base):
    """A transfer of the caller: ``redirect`` (AMI Redirect), ``blind`` or ``attended``."""

    __tablename__ = "transfers"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    from_agent: Mapped[str | None] = mapped_column(String(128))
    target: Mapped[str | None] = mapped_column(String(128))
    #: For attended transfers that joined two calls: the other call's Linkedid.
    other_linkedid: Mapped[str | None] = mapped_column(String(64))

    call: Mapped[Call] = relationship(back_populates="transfers")


Index("ix_raw_events_linkedid_id", RawEvent.linkedid, RawEvent.id)
#: An agent's own calls, newest first (the dashboard's agent view).
Index("ix_calls_agent_start_time", Call.agent, Call.start_time)
