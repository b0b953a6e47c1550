"""Tables owned by the IVR: service requests, IVR sessions, billing accounts, outages and call-backs.

* ``service_requests``: what callers reported, under a reference with a Damm check digit
  (:mod:`ivr.references`); ``callcentre requests`` lists them and updates their status, so the IVR's
  status lookup answers truthfully.
* ``ivr_sessions``: one row per IVR session (path with times, masked digits, outcome, queue, where
  the caller hung up), linked to the call record by ``linkedid``.
* ``billing_accounts``: the billing system's export (``callcentre accounts import``). The ID number is
  never stored: only a salted SHA-256 of the last four digits the menu asks for (and of the whole ID,
  when the export has it), plus the verification failures that lock self-service across calls.
* ``outages``: announced before the menu to callers in the area; ``callbacks``: call-backs to place.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from callcentre.db import Base, BigId, UTCDateTime

#: Service-request statuses, in their usual order.
REQUEST_STATUSES = ("logged", "assigned", "in_progress", "resolved", "closed")


class ServiceRequest(Base):
    """A fault or request logged by the IVR (or an agent), under a unique reference."""

    __tablename__ = "service_requests"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    #: Nine digits, the last a Damm check digit (:func:`ivr.references.make_reference` of ``id``).
    reference: Mapped[str] = mapped_column(String(40), unique=True)
    #: The service: ``water``, ``electricity``, ``sewage``, ``refuse``, ``roads_stormwater``...
    category: Mapped[str] = mapped_column(String(32), index=True)
    #: What the caller keyed in: ``{"detail_kind": "meter", "detail": "04123456789"}``.
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    language: Mapped[str] = mapped_column(String(8))
    caller_number: Mapped[str | None] = mapped_column(String(32))
    linkedid: Mapped[str | None] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    #: One of :data:`REQUEST_STATUSES`.
    status: Mapped[str] = mapped_column(String(16), index=True, default="logged")
    status_note: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class IvrSession(Base):
    """One caller's way through the IVR (see :class:`ivr.session.SessionRecord`)."""

    __tablename__ = "ivr_sessions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    #: The call record's Linkedid (FastAGI: ``agi_uniqueid``'s call; SIP: from the X-CC-Channel header).
    linkedid: Mapped[str | None] = mapped_column(String(64), index=True)
    call_id: Mapped[str] = mapped_column(String(128))
    #: ``agi`` or ``sip``.
    transport: Mapped[str] = mapped_column(String(8))
    language: Mapped[str] = mapped_column(String(8))
    caller_number: Mapped[str | None] = mapped_column(String(32))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ended_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: ``self_served``, ``transferred``, ``callback``, ``abandoned`` (hung up) or ``disconnected``.
    outcome: Mapped[str] = mapped_column(String(16), index=True)
    queue: Mapped[str | None] = mapped_column(String(64))
    #: Where the caller hung up, if they did before being transferred.
    hangup_node: Mapped[str | None] = mapped_column(String(64), index=True)
    #: ``[[node, entered_at, seconds], ...]``.
    path: Mapped[list[Any]] = mapped_column(JSON, default=list)
    #: ``[[node, keys, at, result], ...]``, secret entries masked with ``*``.
    digits: Mapped[list[Any]] = mapped_column(JSON, default=list)
    #: ``[[node, at, what], ...]``: status_unknown, account_locked, service_unavailable...
    notes: Mapped[list[Any]] = mapped_column(JSON, default=list)
    #: The last service-request reference created in the session, if any.
    reference: Mapped[str | None] = mapped_column(String(40))
    seconds: Mapped[float] = mapped_column(default=0.0)


class BillingAccount(Base):
    """An account from the billing system's export: balance and what the caller verifies with."""

    __tablename__ = "billing_accounts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    account_number: Mapped[str] = mapped_column(String(20), unique=True)
    holder: Mapped[str] = mapped_column(String(200))
    #: SHA-256 (salted per install) of the holder's whole ID number, when the export has it.
    id_number_hash: Mapped[str | None] = mapped_column(String(64))
    #: SHA-256 (salted per install, with the account number) of the ID number's last four digits.
    verification_hash: Mapped[str] = mapped_column(String(64))
    balance_cents: Mapped[int] = mapped_column(BigInteger)
    area: Mapped[str] = mapped_column(String(64), default="", index=True)
    #: The holder's phone (local form ``0821234567``): a caller from it is in ``area``.
    phone: Mapped[str | None] = mapped_column(String(20), index=True)
    #: Verification failures since the last success (across calls).
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class OutageRow(Base):
    """A planned or unplanned outage, announced to callers in ``area`` (``""``: everywhere)."""

    __tablename__ = "outages"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    service: Mapped[str] = mapped_column(String(32))
    area: Mapped[str] = mapped_column(String(64), default="")
    #: ``{"en": "...", "zu": "..."}``: an outage-specific message per language (may be empty).
    message: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)


class Callback(Base):
    """A caller who asked to be called back instead of waiting."""

    __tablename__ = "callbacks"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    caller_number: Mapped[str] = mapped_column(String(32))
    language: Mapped[str] = mapped_column(String(8))
    queue: Mapped[str] = mapped_column(String(64))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    linkedid: Mapped[str | None] = mapped_column(String(64), index=True)
    #: ``pending``, ``done`` or ``failed``.
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    ivr_path: Mapped[str] = mapped_column(Text, default="")
