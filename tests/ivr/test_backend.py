"""The database back end: requests, statuses, verification with lock-out across calls, outages, call-backs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from callcentre.settings import IvrSettings, Secret
from ivr import actions as a
from ivr import events as e
from ivr.backend import DatabaseBackend, SessionInfo, verification_digest
from ivr.models import BillingAccount, Callback, OutageRow, ServiceRequest
from ivr.references import is_valid_reference, make_reference
from tests.conftest import Database

INFO = SessionInfo(call_id="c1", caller="0821234567", linkedid="L1", transport="agi")
SETTINGS = IvrSettings(id_hash_salt=Secret("pepper"), lockout_failures=3, lockout_minutes=30)
NOW = datetime(2025, 3, 3, 10, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


def _account(db: Database, number: str = "41234567", last_four: str = "1234", **extra: object) -> None:
    with Session(db.engine) as s:
        s.add(
            BillingAccount(
                account_number=number,
                holder="T Nkosi",
                verification_hash=verification_digest("pepper", number, last_four),
                balance_cents=123456,
                area=str(extra.get("area", "")),
                phone=extra.get("phone"),
                failed_attempts=0,
                updated_at=NOW,
            )
        )
        s.commit()


def test_requests_get_distinct_valid_references_and_their_status_is_told_truthfully(
    database: Database,
) -> None:
    backend = DatabaseBackend(database.engine, SETTINGS, Clock())
    create = a.CreateServiceRequest(
        "water", (("detail_kind", "meter"), ("detail", "20456")), "0821234567", "zu"
    )
    first, second = backend.handle(create, INFO), backend.handle(create, INFO)
    assert isinstance(first, e.RequestCreated) and isinstance(second, e.RequestCreated)
    assert first.reference != second.reference and is_valid_reference(first.reference)
    assert backend.handle(a.LookupStatus(first.reference), INFO) == e.StatusFound(first.reference, "open")
    with Session(database.engine) as s:
        row = s.scalars(select(ServiceRequest).where(ServiceRequest.reference == first.reference)).one()
        assert (row.language, row.linkedid, row.caller_number) == ("zu", "L1", "0821234567")
        row.status = "resolved"
        s.commit()
    assert backend.handle(a.LookupStatus(first.reference), INFO) == e.StatusFound(first.reference, "resolved")
    unknown = make_reference(1000)
    assert backend.handle(a.LookupStatus(unknown), INFO) == e.StatusUnknown(unknown)


def test_verification_locks_the_account_across_calls_and_unlocks_after_the_lockout(
    database: Database,
) -> None:
    _account(database)
    clock = Clock()
    backend = DatabaseBackend(database.engine, SETTINGS, clock)
    assert backend.handle(a.VerifyAccount("99999999", "1234"), INFO) == e.AccountUnknown("99999999")
    assert backend.handle(a.VerifyAccount("41234567", "1234"), INFO) == e.AccountVerified("41234567", 123456)
    other_call = SessionInfo("c2", "0831112222", None, "sip")
    assert backend.handle(a.VerifyAccount("41234567", "0000"), INFO) == e.VerificationFailed("41234567")
    assert backend.handle(a.VerifyAccount("41234567", "0000"), other_call) == e.VerificationFailed("41234567")
    assert backend.handle(a.VerifyAccount("41234567", "0000"), INFO) == e.AccountLocked("41234567")
    # locked: even the right digits disclose nothing, from any call
    assert backend.handle(a.VerifyAccount("41234567", "1234"), other_call) == e.AccountLocked("41234567")
    clock.now = NOW + timedelta(minutes=31)
    assert backend.handle(a.VerifyAccount("41234567", "1234"), other_call) == e.AccountVerified(
        "41234567", 123456
    )


def test_outages_for_everyone_and_for_the_callers_area_only(database: Database) -> None:
    _account(database, area="Ward 7", phone="0821234567")
    with Session(database.engine) as s:
        s.add_all(
            [
                OutageRow(
                    service="water", area="", message={}, starts_at=NOW - timedelta(hours=1), ends_at=None
                ),
                OutageRow(
                    service="electricity",
                    area="Ward 7",
                    message={},
                    starts_at=NOW - timedelta(hours=1),
                    ends_at=NOW + timedelta(hours=2),
                ),
                OutageRow(service="electricity", area="Ward 9", message={}, starts_at=NOW, ends_at=None),
                OutageRow(
                    service="sewage",
                    area="",
                    message={},
                    starts_at=NOW - timedelta(days=2),
                    ends_at=NOW - timedelta(days=1),
                ),
            ]
        )
        s.commit()
    backend = DatabaseBackend(database.engine, SETTINGS, Clock())
    found = backend.handle(a.LookupOutages("+27821234567"), INFO)
    assert found == e.OutagesFound((e.Outage("water", ""), e.Outage("electricity", "Ward 7")))
    stranger = backend.handle(a.LookupOutages("0839999999"), INFO)
    assert stranger == e.OutagesFound((e.Outage("water", ""),))
    assert backend.handle(a.LookupOutages("0821234567", "water"), INFO) == e.OutagesFound(
        (e.Outage("water", ""),)
    )


def test_a_call_back_is_queued(database: Database) -> None:
    backend = DatabaseBackend(database.engine, SETTINGS, Clock())
    assert (
        backend.handle(a.RequestCallBack("0821234567", "", "af", "language/main"), INFO)
        == e.CallbackScheduled()
    )
    with Session(database.engine) as s:
        row = s.scalars(select(Callback)).one()
    assert (row.queue, row.language, row.status, row.linkedid) == ("callbacks", "af", "pending", "L1")


def test_a_database_failure_is_service_unavailable_not_an_exception(tmp_path: object) -> None:
    broken = create_engine("sqlite:////nonexistent-dir/none.db")
    event = DatabaseBackend(broken, SETTINGS).handle(a.LookupStatus("181328444"), INFO)
    assert isinstance(event, e.ServiceUnavailable) and event.reason.startswith("database:")
