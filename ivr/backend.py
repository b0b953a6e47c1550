"""The IVR's back end: the engine's database actions, executed for any transport.

A transport never talks to the database itself: :func:`ivr.runner.run_session` hands every back-end
action (:data:`BACKEND_ACTIONS`) to a :class:`Backend` and feeds the event it returns to the engine.
:class:`DatabaseBackend` is the real one, on the suite's database:

==========================  =====================================================================
action                      event
==========================  =====================================================================
CreateServiceRequest        RequestCreated(reference): a ``service_requests`` row, status ``logged``
LookupStatus                StatusFound (the status in the menu's words) / StatusUnknown
VerifyAccount               AccountVerified / AccountUnknown / VerificationFailed / AccountLocked
LookupOutages               OutagesFound: active outages for the caller's area (from their phone)
RequestCallBack             CallbackScheduled: a ``callbacks`` row
==========================  =====================================================================

A database error becomes ``ServiceUnavailable(reason)``: the engine routes the caller to an agent.
Events come back with ``at=0.0``; the runner stamps them with the session clock.

Account lock-out holds across calls: after ``ivr.lockout_failures`` failed verifications in a row the
account's self-service is locked for ``ivr.lockout_minutes``, whatever number the caller calls from.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from sqlalchemy import Engine, or_, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from callcentre.settings import IvrSettings
from ivr import actions as a
from ivr import events as e
from ivr.engine import local_number
from ivr.models import BillingAccount, Callback, OutageRow, ServiceRequest
from ivr.references import make_reference, normalise

log = logging.getLogger(__name__)

Action = a.Action
Event = e.Event

BACKEND_ACTIONS = (
    a.CreateServiceRequest,
    a.LookupStatus,
    a.VerifyAccount,
    a.LookupOutages,
    a.RequestCallBack,
)

#: Stored statuses as the menu's status node names them (``open``, ``in_progress``, ...).
MENU_STATUS = {
    "logged": "open",
    "assigned": "in_progress",
    "in_progress": "in_progress",
    "resolved": "resolved",
    "closed": "closed",
}


@dataclass(frozen=True)
class SessionInfo:
    """Which call a session belongs to: the transport's id, caller, the call record's Linkedid."""

    call_id: str
    caller: str | None
    linkedid: str | None
    transport: str  # "agi" or "sip"


class Backend(Protocol):
    """Executes the engine's back-end actions; never raises for a database problem."""

    def handle(self, action: Action, session: SessionInfo) -> Event:
        """The event answering ``action`` (``ServiceUnavailable`` when the back end failed)."""
        ...


def verification_digest(salt: str, account: str, last_four: str) -> str:
    """The stored form of an account's verification digits (salted SHA-256, bound to the account)."""
    text = f"{salt}\x00{normalise(account)}\x00{last_four}"
    return hashlib.sha256(text.encode()).hexdigest()


def id_number_digest(salt: str, id_number: str) -> str:
    """The stored form of a whole ID number (salted SHA-256): never the number itself."""
    return hashlib.sha256(f"{salt}\x00{id_number}".encode()).hexdigest()


def _utcnow() -> datetime:
    return datetime.now(UTC)


class DatabaseBackend:
    """:class:`Backend` on the suite's database (SQLite or PostgreSQL). Safe to share between threads."""

    def __init__(
        self, engine: Engine, settings: IvrSettings, clock: Callable[[], datetime] = _utcnow
    ) -> None:
        self.engine = engine
        self.settings = settings
        self.clock = clock

    def handle(self, action: Action, session: SessionInfo) -> Event:
        """Execute ``action``; a database error comes back as ``ServiceUnavailable``."""
        try:
            with Session(self.engine, expire_on_commit=False) as db:
                event = self._dispatch(db, action, session)
                db.commit()
                return event
        except SQLAlchemyError as exc:
            log.warning("IVR back end failed on %s for %s: %s", type(action).__name__, session.call_id, exc)
            return e.ServiceUnavailable(reason=f"database:{type(exc).__name__}")

    def _dispatch(self, db: Session, action: Action, session: SessionInfo) -> Event:
        if isinstance(action, a.CreateServiceRequest):
            return self._create_request(db, action, session)
        if isinstance(action, a.LookupStatus):
            return self._status(db, action)
        if isinstance(action, a.VerifyAccount):
            return self._verify(db, action)
        if isinstance(action, a.LookupOutages):
            return self._outages(db, action)
        if isinstance(action, a.RequestCallBack):
            return self._callback(db, action, session)
        return e.ServiceUnavailable(reason=f"not_a_backend_action:{type(action).__name__}")

    def _create_request(self, db: Session, action: a.CreateServiceRequest, session: SessionInfo) -> Event:
        now = self.clock()
        row = ServiceRequest(
            reference=f"pending-{session.call_id}"[:40],
            category=action.service,
            details=dict(action.details),
            language=action.language,
            caller_number=action.caller or session.caller or None,
            linkedid=session.linkedid,
            created_at=now,
            status="logged",
            updated_at=now,
        )
        db.add(row)
        db.flush()  # the id gives the reference: one per request, never reused
        row.reference = make_reference(row.id)
        return e.RequestCreated(reference=row.reference)

    def _status(self, db: Session, action: a.LookupStatus) -> Event:
        reference = normalise(action.reference)
        status = db.scalar(select(ServiceRequest.status).where(ServiceRequest.reference == reference))
        if status is None:
            return e.StatusUnknown(reference=reference)
        return e.StatusFound(reference=reference, status=MENU_STATUS.get(status, status))

    def _verify(self, db: Session, action: a.VerifyAccount) -> Event:
        account = normalise(action.account)
        row = db.scalar(
            select(BillingAccount).where(BillingAccount.account_number == account).with_for_update()
        )
        if row is None:
            return e.AccountUnknown(account=account)
        now = self.clock()
        if row.locked_until is not None and row.locked_until > now:
            return e.AccountLocked(account=account)
        expected = verification_digest(self.settings.id_hash_salt.reveal(), account, action.verification)
        if hmac.compare_digest(expected, row.verification_hash):
            row.failed_attempts = 0
            row.locked_until = None
            return e.AccountVerified(account=account, balance_cents=row.balance_cents)
        row.failed_attempts += 1
        if row.failed_attempts >= self.settings.lockout_failures:
            row.failed_attempts = 0
            row.locked_until = now + timedelta(minutes=self.settings.lockout_minutes)
            log.warning("IVR self-service for account ...%s locked after failed verifications", account[-3:])
            return e.AccountLocked(account=account)
        return e.VerificationFailed(account=account)

    def _outages(self, db: Session, action: a.LookupOutages) -> Event:
        now = self.clock()
        phone = local_number(action.caller)
        areas: set[str] = set()
        if phone:
            areas = {
                area
                for area in db.scalars(select(BillingAccount.area).where(BillingAccount.phone == phone))
                if area
            }
        query = select(OutageRow).where(
            OutageRow.starts_at <= now,
            or_(OutageRow.ends_at.is_(None), OutageRow.ends_at > now),
            or_(OutageRow.area == "", OutageRow.area.in_(sorted(areas))),
        )
        if action.service:
            query = query.where(OutageRow.service == action.service)
        rows = db.scalars(query.order_by(OutageRow.starts_at, OutageRow.id))
        return e.OutagesFound(outages=tuple(e.Outage(service=row.service, area=row.area) for row in rows))

    def _callback(self, db: Session, action: a.RequestCallBack, session: SessionInfo) -> Event:
        db.add(
            Callback(
                caller_number=action.number or session.caller or "",
                language=action.language,
                queue=action.queue or self.settings.callback_queue,
                requested_at=self.clock(),
                linkedid=session.linkedid,
                status="pending",
                ivr_path=action.ivr_path,
            )
        )
        return e.CallbackScheduled()
