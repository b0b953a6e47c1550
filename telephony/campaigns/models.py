"""Tables of outbound revenue collection: campaigns, their accounts and numbers, every dial and
every compliance decision, the do-not-call list, agents' outcomes, promises and payments.

* ``campaigns``: which queue's agents work it, dial mode, priority order, retry rules.
* ``campaign_accounts``: one account in arrears per campaign (the billing system's arrears
  export). ``priority_key`` orders the campaign (smaller first) and, with ``status`` and
  ``next_attempt_at``, is indexed so the next eligible account is found without a scan. Attempt
  counters live on the row (``attempts_day`` is the account's local date the ``attempts_today``
  count belongs to), so the compliance check needs no counting query.
* ``campaign_phones``: the account's numbers in E.164, each with its own counters; a wrong
  number is kept (for the history) but never dialled again.
* ``dial_attempts``: every Originate, written *before* it is sent (state ``placing``) so a
  reconnect can never dial the same account twice; its state follows AMI.
* ``dial_decisions``: every compliance decision — the dials allowed and the refusals — with the
  rule and the reason.
* ``do_not_call``: numbers never to be dialled (imported, or added from an outcome).
* ``dial_requests``: preview mode — an agent pressed Dial (or Skip) in the workspace; the dialer
  places it after the compliance check.
* ``call_outcomes``: what the agent recorded after a call; ``promises`` are the promises to pay
  (one per instalment of an arrangement), marked kept or broken from ``payments``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from callcentre.db import Base, BigId, UTCDateTime

#: ``progressive`` dials the next eligible account as soon as an agent is free (one call per free
#: agent); ``preview`` shows the agent the account and dials when they press Dial.
DIAL_MODES = ("progressive", "preview")
#: Priority orders: highest arrears first, oldest debt first, or the export's row order.
PRIORITIES = ("arrears_desc", "days_desc", "file_order")
#: ``active`` accounts are dialled; ``dispute`` pauses one; ``paid`` (absent from a newer import, or
#: paid up) and ``done`` (a promise or arrangement made, or refused) are never dialled again;
#: ``exhausted``: no dialable number left or the campaign's attempt limit reached.
ACCOUNT_STATUSES = ("active", "dispute", "paid", "done", "exhausted")
#: Attempt states: ``placing`` (written, Originate being sent), ``ringing`` (the agent answered and
#: the customer is being dialled), then one final state.
ATTEMPT_STATES = (
    "placing",
    "ringing",
    "answered",
    "busy",
    "no_answer",
    "congestion",
    "failed",
    "unknown",
)
FINAL_STATES = ("answered", "busy", "no_answer", "congestion", "failed", "unknown")
#: What an agent can record (the workspace's outcome form).
OUTCOME_KINDS = (
    "promise",
    "arrangement",
    "dispute",
    "wrong_number",
    "callback",
    "refused",
    "no_contact",
    "do_not_call",
)
PROMISE_STATUSES = ("open", "kept", "broken")
#: A Dial press the dialer has not acted on within this many seconds expires (state ``expired``):
#: an agent must never be rung minutes after they asked, e.g. when the dialer was down.
REQUEST_EXPIRY_SECONDS = 90


class Campaign(Base):
    """A revenue-collection campaign: one arrears list worked by one queue's agents."""

    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    #: The queue whose members work it (``revenue``); agent availability comes from its members.
    queue: Mapped[str] = mapped_column(String(64), default="revenue")
    #: One of :data:`DIAL_MODES`.
    mode: Mapped[str] = mapped_column(String(16), default="progressive")
    #: One of :data:`PRIORITIES`; applied to ``priority_key`` at import.
    priority: Mapped[str] = mapped_column(String(16), default="arrears_desc")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: Retry rules overriding the ``[dialer]`` settings for this campaign (same keys), e.g.
    #: ``{"max_per_day": 2, "retry_minutes": {"busy": 20}}``.
    rules: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_import_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class CampaignAccount(Base):
    """An account in arrears on a campaign, with its attempt counters."""

    __tablename__ = "campaign_accounts"
    __table_args__ = (
        Index("uq_campaign_accounts_campaign_account", "campaign_id", "account_number", unique=True),
        Index("ix_campaign_accounts_next", "campaign_id", "status", "priority_key", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"))
    account_number: Mapped[str] = mapped_column(String(32))
    holder: Mapped[str] = mapped_column(String(128))
    arrears_cents: Mapped[int] = mapped_column(BigInteger)
    days_in_arrears: Mapped[int] = mapped_column(Integer)
    language: Mapped[str] = mapped_column(String(8), default="en")
    ward: Mapped[str | None] = mapped_column(String(64))
    #: IANA zone the calling window is judged in.
    timezone: Mapped[str] = mapped_column(String(64), default="Africa/Johannesburg")
    #: One of :data:`ACCOUNT_STATUSES`.
    status: Mapped[str] = mapped_column(String(16), default="active")
    status_reason: Mapped[str | None] = mapped_column(Text)
    #: Smaller first (e.g. minus the arrears for ``arrears_desc``).
    priority_key: Mapped[int] = mapped_column(BigInteger, default=0)
    #: Earliest time the retry rules allow another dial (``None``: now).
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Preview reservation or a dial in flight: nobody else takes the account before this.
    leased_by: Mapped[str | None] = mapped_column(String(128))
    leased_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts_total: Mapped[int] = mapped_column(Integer, default=0)
    #: The account's local date ``attempts_today`` counts (ISO ``YYYY-MM-DD``).
    attempts_day: Mapped[str | None] = mapped_column(String(10))
    attempts_today: Mapped[int] = mapped_column(Integer, default=0)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_outcome: Mapped[str | None] = mapped_column(String(16))
    #: A call-back the account holder asked for (not dialled before it).
    callback_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CampaignPhone(Base):
    """One of an account's numbers (E.164), with its own attempt counters."""

    __tablename__ = "campaign_phones"
    __table_args__ = (Index("uq_campaign_phones_account_number", "account_id", "number", unique=True),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("campaign_accounts.id"), index=True)
    #: E.164, e.g. ``+27821234567``.
    number: Mapped[str] = mapped_column(String(20), index=True)
    #: Order in the export (the first number is tried first).
    position: Mapped[int] = mapped_column(Integer, default=0)
    #: ``active`` or ``wrong_number`` (never dialled again).
    status: Mapped[str] = mapped_column(String(16), default="active")
    attempts_total: Mapped[int] = mapped_column(Integer, default=0)
    attempts_day: Mapped[str | None] = mapped_column(String(10))
    attempts_today: Mapped[int] = mapped_column(Integer, default=0)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class DialAttempt(Base):
    """One Originate to one number, written before it is sent."""

    __tablename__ = "dial_attempts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("campaign_accounts.id"), index=True)
    phone_id: Mapped[int] = mapped_column(ForeignKey("campaign_phones.id"))
    number: Mapped[str] = mapped_column(String(20))
    #: The agent's name as in ``calls.agent`` and their interface (``PJSIP/1001``).
    agent: Mapped[str] = mapped_column(String(128), index=True)
    agent_interface: Mapped[str] = mapped_column(String(128))
    mode: Mapped[str] = mapped_column(String(16))
    #: The Originate's ActionID (unique: ``cc-<campaign>-<attempt id>``).
    action_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    #: One of :data:`ATTEMPT_STATES`.
    state: Mapped[str] = mapped_column(String(16), index=True, default="placing")
    reason: Mapped[str | None] = mapped_column(Text)
    #: The agent channel's Uniqueid (from OriginateResponse) and the call's Linkedid.
    uniqueid: Mapped[str | None] = mapped_column(String(64))
    linkedid: Mapped[str | None] = mapped_column(String(64), index=True)
    placed_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class DialDecision(Base):
    """A compliance decision before a dial: allowed (with the attempt it led to) or refused."""

    __tablename__ = "dial_decisions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("campaign_accounts.id"), index=True)
    number: Mapped[str | None] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    allowed: Mapped[bool] = mapped_column(Boolean)
    #: The rule that decided (``ok`` when allowed): ``window``, ``holiday``, ``dnc``, ``daily_limit``...
    rule: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(Text)
    attempt_id: Mapped[int | None] = mapped_column(ForeignKey("dial_attempts.id"))


class DoNotCall(Base):
    """A number never to be dialled."""

    __tablename__ = "do_not_call"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    reason: Mapped[str | None] = mapped_column(Text)
    #: ``import``, ``outcome`` (an agent recorded it) or ``manual``.
    source: Mapped[str] = mapped_column(String(16))
    added_by: Mapped[str | None] = mapped_column(String(128))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DialRequest(Base):
    """Preview mode: an agent pressed Dial (``pending`` until the dialer acts) or Skip."""

    __tablename__ = "dial_requests"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"))
    account_id: Mapped[int] = mapped_column(ForeignKey("campaign_accounts.id"), index=True)
    phone_id: Mapped[int | None] = mapped_column(ForeignKey("campaign_phones.id"))
    agent: Mapped[str] = mapped_column(String(128))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: ``pending``, ``placed``, ``refused`` (compliance said no: see ``reason``), ``skipped``,
    #: ``expired`` (not acted on within :data:`REQUEST_EXPIRY_SECONDS`).
    state: Mapped[str] = mapped_column(String(16), index=True, default="pending")
    reason: Mapped[str | None] = mapped_column(Text)
    attempt_id: Mapped[int | None] = mapped_column(ForeignKey("dial_attempts.id"))
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class CallOutcome(Base):
    """What the agent recorded after a call (the workspace's outcome form)."""

    __tablename__ = "call_outcomes"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("campaign_accounts.id"), index=True)
    attempt_id: Mapped[int | None] = mapped_column(ForeignKey("dial_attempts.id"))
    phone_id: Mapped[int | None] = mapped_column(ForeignKey("campaign_phones.id"))
    agent: Mapped[str] = mapped_column(String(128), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    right_party: Mapped[bool] = mapped_column(Boolean)
    #: One of :data:`OUTCOME_KINDS`.
    kind: Mapped[str] = mapped_column(String(16))
    callback_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    note: Mapped[str | None] = mapped_column(Text)
    linkedid: Mapped[str | None] = mapped_column(String(64))


class Promise(Base):
    """A promise to pay (or one instalment of an arrangement), kept or broken by payments."""

    __tablename__ = "promises"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("campaign_accounts.id"), index=True)
    outcome_id: Mapped[int] = mapped_column(ForeignKey("call_outcomes.id"))
    agent: Mapped[str] = mapped_column(String(128), index=True)
    made_at: Mapped[datetime] = mapped_column(UTCDateTime)
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    due_date: Mapped[date] = mapped_column(Date, index=True)
    #: 1 for a promise; 1..n for the instalments of an arrangement.
    instalment: Mapped[int] = mapped_column(Integer, default=1)
    #: One of :data:`PROMISE_STATUSES`.
    status: Mapped[str] = mapped_column(String(8), default="open", index=True)
    paid_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Payment(Base):
    """A payment from the billing system's payments export."""

    __tablename__ = "payments"
    __table_args__ = (Index("uq_payments_account_reference", "account_number", "reference", unique=True),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    account_number: Mapped[str] = mapped_column(String(32), index=True)
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    paid_on: Mapped[date] = mapped_column(Date)
    #: The billing system's receipt reference (re-importing the same file adds nothing).
    reference: Mapped[str] = mapped_column(String(64))
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime)
