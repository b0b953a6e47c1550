"""The agent's workspace service on SQLite and PostgreSQL: the account to work, Dial, Skip, outcomes."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import Engine, Table, func, select

from telephony.campaigns import workspace
from telephony.campaigns.models import (
    REQUEST_EXPIRY_SECONDS,
    CallOutcome,
    CampaignAccount,
    CampaignPhone,
    DialRequest,
    DoNotCall,
    Promise,
)
from telephony.campaigns.workspace import OutcomeForm
from tests.campaigns import seed
from tests.campaigns.seed import NOW
from tests.conftest import Database

LERATO, SIPHO = "Lerato Mokoena", "Sipho Ndlovu"
LEASE = 600.0
TODAY = dt.date(2026, 11, 24)


def table(model: type[Any]) -> Table:
    found: Table = model.__table__
    return found


def rows(engine: Engine, model: type[Any], **where: Any) -> list[Any]:
    """Every row of the model's table matching ``where``, by id."""
    t = table(model)
    query = select(t).where(*(t.c[name] == value for name, value in where.items())).order_by(t.c.id)
    with engine.connect() as conn:
        return list(conn.execute(query))


def one(engine: Engine, model: type[Any], row_id: int) -> Any:
    """The row with this id."""
    (found,) = rows(engine, model, id=row_id)
    return found


@pytest.fixture
def preview(database: Database) -> dict[str, int]:
    """A preview campaign: a big debt (two numbers), a small one, and one not due before tomorrow."""
    with database.engine.begin() as conn:
        cid = seed.campaign(conn)
        big = seed.account(conn, cid, "1001", "Thabo Nkosi", 900_000, phones=("+27821110001", "+27821110002"))
        small = seed.account(conn, cid, "1002", "Anna Botha", 50_000)
        seed.account(conn, cid, "1003", "Later", 990_000, next_attempt_at=NOW + dt.timedelta(days=1))
    return {"campaign": cid, "big": big, "small": small}


def current(database: Database, campaign_id: int, agent: str = LERATO, now: dt.datetime = NOW) -> Any:
    with database.engine.begin() as conn:
        return workspace.current_account(conn, campaign_id, agent, now, LEASE)


def record(database: Database, ids: dict[str, int], form: OutcomeForm, account: str = "big") -> int:
    with database.engine.begin() as conn:
        return workspace.record_outcome(conn, ids["campaign"], ids[account], LERATO, form, NOW)


# The account to work -------------------------------------------------------------------------------


def test_preview_leases_the_best_account_and_keeps_it_across_reloads(
    database: Database, preview: dict[str, int]
) -> None:
    view = current(database, preview["campaign"])
    assert view is not None and view.id == preview["big"]
    assert (view.holder, view.arrears_cents, view.days_in_arrears, view.ward) == (
        "Thabo Nkosi",
        900_000,
        95,
        "Ward 12",
    )
    assert [p.number for p in view.phones] == ["+27821110001", "+27821110002"]
    assert view.leased_until == NOW + dt.timedelta(seconds=LEASE) and view.mode == "preview"
    assert current(database, preview["campaign"], now=NOW + dt.timedelta(minutes=5)).id == preview["big"]
    other = current(database, preview["campaign"], SIPHO)
    assert other is not None and other.id == preview["small"]  # the big one is Lerato's
    assert current(database, preview["campaign"], "Third Agent") is None  # the last is not due yet


def test_the_view_shows_the_accounts_history(database: Database, preview: dict[str, int]) -> None:
    cid, big = preview["campaign"], preview["big"]
    with database.engine.begin() as conn:
        first, _ = seed.phone_ids(conn, big)
        old = seed.attempt(conn, cid, big, first, SIPHO, "no_answer", NOW - dt.timedelta(days=3))
        outcome = seed.outcome(conn, cid, big, SIPHO, "callback", True, NOW - dt.timedelta(days=2), old)
        seed.promise(conn, cid, big, outcome, SIPHO, 20_000, made_at=NOW - dt.timedelta(days=20))
        seed.request(conn, cid, big, LERATO, "refused", reason="outside the calling window")
        seed.request(conn, cid, big, SIPHO, "pending")  # someone else's: not shown to Lerato
    view = current(database, preview["campaign"])
    assert [(a.agent, a.state, a.number) for a in view.attempts] == [(SIPHO, "no_answer", "+27821110001")]
    assert [(o.kind, o.right_party) for o in view.outcomes] == [("callback", True)]
    assert [(p.amount_cents, p.status) for p in view.promises] == [(20_000, "open")]
    assert view.request is not None and view.request.state == "refused"
    assert view.request.reason == "outside the calling window" and view.in_progress is None


def test_progressive_shows_the_account_the_dialer_placed_until_its_outcome(database: Database) -> None:
    with database.engine.begin() as conn:
        cid = seed.campaign(conn, "progressive", mode="progressive")
        acc = seed.account(conn, cid, "2001")
        (phone,) = seed.phone_ids(conn, acc)
    assert current(database, cid) is None  # nothing placed yet, and progressive never leases here
    with database.engine.begin() as conn:
        seed.attempt(conn, cid, acc, phone, LERATO, "ringing", NOW, linkedid="1795350000.1")
    view = current(database, cid)
    assert view is not None and view.id == acc
    assert view.in_progress is not None and view.in_progress.state == "ringing"
    assert current(database, cid, SIPHO) is None
    with database.engine.begin() as conn:
        workspace.record_outcome(conn, cid, acc, LERATO, OutcomeForm("no_contact", False), NOW)
    assert current(database, cid) is None
    (outcome,) = rows(database.engine, CallOutcome)
    assert outcome.linkedid == "1795350000.1" and outcome.attempt_id is not None


def test_preview_keeps_a_dialled_account_after_its_call_until_the_outcome(
    database: Database, preview: dict[str, int]
) -> None:
    cid, small = preview["campaign"], preview["small"]
    with database.engine.begin() as conn:
        (phone,) = seed.phone_ids(conn, small)
        seed.attempt(conn, cid, small, phone, LERATO, "answered", NOW - dt.timedelta(minutes=3))
    view = current(database, cid)  # the bigger account is free, but Lerato owes this call's outcome
    assert view is not None and view.id == small and view.leased_until is not None
    with database.engine.begin() as conn:
        workspace.skip(conn, small, LERATO, "holder will visit the office", NOW)
    assert current(database, cid).id == preview["big"]


# Dial and Skip --------------------------------------------------------------------------------------


def test_dial_asks_the_dialer_once(database: Database, preview: dict[str, int]) -> None:
    cid, big = preview["campaign"], preview["big"]
    view = current(database, cid)
    with database.engine.begin() as conn:
        request_id = workspace.request_dial(conn, cid, big, LERATO, NOW, view.phones[1].id)
    request = one(database.engine, DialRequest, request_id)
    assert (request.state, request.agent, request.phone_id) == ("pending", LERATO, view.phones[1].id)
    with pytest.raises(ValueError, match=r"account_id: .*already pending"), database.engine.begin() as conn:
        workspace.request_dial(conn, cid, big, LERATO, NOW)
    assert current(database, cid).request.state == "pending"


@pytest.mark.parametrize(
    ("who", "later", "match"),
    [
        (SIPHO, 0, "account_id: account 1001 is not reserved for you"),
        (LERATO, LEASE + 1, "account_id: account 1001 is not reserved for you"),
    ],
)
def test_dial_is_refused_without_the_reservation(
    database: Database, preview: dict[str, int], who: str, later: float, match: str
) -> None:
    current(database, preview["campaign"])
    moment = NOW + dt.timedelta(seconds=later)
    with pytest.raises(ValueError, match=match), database.engine.begin() as conn:
        workspace.request_dial(conn, preview["campaign"], preview["big"], who, moment)
    assert rows(database.engine, DialRequest) == []


def test_dial_is_refused_for_a_bad_number_and_for_a_progressive_campaign(
    database: Database, preview: dict[str, int]
) -> None:
    cid, big = preview["campaign"], preview["big"]
    view = current(database, cid)
    with database.engine.begin() as conn:
        wrong = seed.phone(conn, big, "+27821110009", 5, status="wrong_number")
        prog = seed.campaign(conn, "progressive", mode="progressive")
    for phone_id, match in ((wrong, "phone_id: .* wrong number"), (10_000, "phone_id: .* not one of")):
        with pytest.raises(ValueError, match=match), database.engine.begin() as conn:
            workspace.request_dial(conn, cid, big, LERATO, NOW, phone_id)
    with pytest.raises(ValueError, match=r"campaign_id: .*progressively"), database.engine.begin() as conn:
        workspace.request_dial(conn, prog, view.id, LERATO, NOW)


def test_skip_needs_a_reason_releases_and_postpones(database: Database, preview: dict[str, int]) -> None:
    cid, big = preview["campaign"], preview["big"]
    current(database, cid)
    with pytest.raises(ValueError, match="reason"), database.engine.begin() as conn:
        workspace.skip(conn, big, LERATO, "   ", NOW)
    with pytest.raises(ValueError, match=r"account_id: .*not yours"), database.engine.begin() as conn:
        workspace.skip(conn, big, SIPHO, "not mine", NOW)
    with database.engine.begin() as conn:
        request_id = workspace.skip(conn, big, LERATO, "holder deceased, estate queried", NOW)
    request = one(database.engine, DialRequest, request_id)
    assert (request.state, request.reason) == ("skipped", "holder deceased, estate queried")
    account = one(database.engine, CampaignAccount, big)
    assert account.leased_by is None and account.next_attempt_at == NOW + workspace.SKIP_DELAY
    assert current(database, cid).id == preview["small"]  # not straight back
    assert current(database, cid, SIPHO, NOW + dt.timedelta(hours=2)).id == big  # but back later


def test_skip_is_refused_while_a_dial_is_pending(database: Database, preview: dict[str, int]) -> None:
    cid, big = preview["campaign"], preview["big"]
    current(database, cid)
    with database.engine.begin() as conn:
        workspace.request_dial(conn, cid, big, LERATO, NOW)
    with pytest.raises(ValueError, match="pending"), database.engine.begin() as conn:
        workspace.skip(conn, big, LERATO, "changed my mind", NOW)


def test_a_dial_the_dialer_never_acted_on_expires_and_no_longer_blocks(
    database: Database, preview: dict[str, int]
) -> None:
    cid, big = preview["campaign"], preview["big"]
    current(database, cid)
    with database.engine.begin() as conn:
        request = workspace.request_dial(conn, cid, big, LERATO, NOW)
    later = NOW + dt.timedelta(seconds=REQUEST_EXPIRY_SECONDS + 1)
    assert current(database, cid, LERATO, later).request.state == "expired"
    with database.engine.begin() as conn:
        workspace.skip(conn, big, LERATO, "the dialer was down", later)
        reason = conn.scalar(select(DialRequest.reason).where(DialRequest.id == request))
    assert "press Dial again" in (reason or "")


# Outcomes --------------------------------------------------------------------------------------------


def test_a_promise_is_stored_linked_and_closes_the_account(
    database: Database, preview: dict[str, int]
) -> None:
    cid, big = preview["campaign"], preview["big"]
    current(database, cid)
    with database.engine.begin() as conn:
        first, _ = seed.phone_ids(conn, big)
        attempt = seed.attempt(conn, cid, big, first, LERATO, "answered", NOW, "1795351111.7")
    form = OutcomeForm("promise", True, "pays at the post office", amount_cents=150_000, due_date=TODAY)
    outcome_id = record(database, preview, form)
    outcome = one(database.engine, CallOutcome, outcome_id)
    assert (outcome.attempt_id, outcome.linkedid, outcome.phone_id) == (attempt, "1795351111.7", first)
    assert (outcome.kind, outcome.right_party, outcome.note) == ("promise", True, "pays at the post office")
    (promise,) = rows(database.engine, Promise)
    assert (promise.amount_cents, promise.due_date, promise.instalment, promise.status) == (
        150_000,
        TODAY,
        1,
        "open",
    )
    assert (promise.outcome_id, promise.agent) == (outcome_id, LERATO)
    account = one(database.engine, CampaignAccount, big)
    assert (account.status, account.leased_by) == ("done", None)
    assert account.status_reason == "promised R 1 500.00 by 2026-11-24"


def test_an_arrangement_is_one_promise_per_instalment(database: Database, preview: dict[str, int]) -> None:
    current(database, preview["campaign"])
    plan = [(dt.date(2026, 12, 1), 100_000), (dt.date(2027, 1, 1), 100_000), (dt.date(2027, 2, 1), 50_000)]
    record(database, preview, OutcomeForm("arrangement", True, instalments=plan))
    found = [(p.instalment, p.due_date, p.amount_cents) for p in rows(database.engine, Promise)]
    assert found == [(n, due, cents) for n, (due, cents) in enumerate(plan, start=1)]
    assert one(database.engine, CampaignAccount, preview["big"]).status == "done"


@pytest.mark.parametrize(
    ("form", "match"),
    [
        (OutcomeForm("paid", True), "kind: 'paid' is not one of"),
        (OutcomeForm("promise", False, amount_cents=100, due_date=TODAY), "right_party: a promise needs"),
        (OutcomeForm("refused", False), "right_party: a refused needs"),
        (OutcomeForm("promise", True, amount_cents=0, due_date=TODAY), "amount_cents"),
        (OutcomeForm("promise", True, amount_cents=100), "due_date: a promise needs"),
        (OutcomeForm("promise", True, amount_cents=100, due_date=dt.date(2026, 11, 23)), "due_date: .*past"),
        (OutcomeForm("arrangement", True, instalments=[(TODAY, 100)]), "instalments: .*at least two"),
        (
            OutcomeForm("arrangement", True, instalments=[(dt.date(2027, 1, 1), 100), (TODAY, 100)]),
            "instalments: .*ascending",
        ),
        (
            OutcomeForm("arrangement", True, instalments=[(dt.date(2026, 11, 1), 100), (TODAY, 100)]),
            "instalments: instalment 1 is due in the past",
        ),
        (OutcomeForm("dispute", True, note=" "), "note: say what"),
        (OutcomeForm("dispute", False, note="never lived there"), "right_party"),
        (OutcomeForm("callback", False), "callback_at: a call-back needs a time"),
        (OutcomeForm("callback", False, callback_at=NOW - dt.timedelta(minutes=1)), "callback_at: .*future"),
        (OutcomeForm("wrong_number", True), "right_party: a wrong number"),
        (OutcomeForm("wrong_number", False), "phone_id: say which number"),
        (OutcomeForm("do_not_call", False, phone_id=99_999), "phone_id: number 99999 is not one"),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_nothing_is_written(
    database: Database, preview: dict[str, int], form: OutcomeForm, match: str
) -> None:
    current(database, preview["campaign"])
    with pytest.raises(ValueError, match=match):
        record(database, preview, form)
    assert rows(database.engine, CallOutcome) == [] and rows(database.engine, Promise) == []
    assert one(database.engine, CampaignAccount, preview["big"]).leased_by == LERATO


def test_an_outcome_on_an_account_not_being_worked_is_refused(
    database: Database, preview: dict[str, int]
) -> None:
    with pytest.raises(ValueError, match=r"account_id: .*not yours"):
        record(database, preview, OutcomeForm("no_contact", False), account="small")
    with pytest.raises(ValueError, match=r"account_id: .*not on campaign"), database.engine.begin() as conn:
        workspace.record_outcome(conn, 10_000, preview["big"], LERATO, OutcomeForm("no_contact", False), NOW)


def test_a_dispute_pauses_the_account_with_the_note(database: Database, preview: dict[str, int]) -> None:
    current(database, preview["campaign"])
    record(database, preview, OutcomeForm("dispute", True, "meter was replaced in June, reading wrong"))
    account = one(database.engine, CampaignAccount, preview["big"])
    assert (account.status, account.status_reason) == ("dispute", "meter was replaced in June, reading wrong")


def test_refused_closes_and_no_contact_changes_nothing_else(
    database: Database, preview: dict[str, int]
) -> None:
    current(database, preview["campaign"])
    record(database, preview, OutcomeForm("no_contact", False, "voicemail"))
    account = one(database.engine, CampaignAccount, preview["big"])
    assert (account.status, account.leased_by, account.next_attempt_at) == ("active", None, None)
    current(database, preview["campaign"])  # leased again: still the best account
    record(database, preview, OutcomeForm("refused", True, "will not pay"))
    account = one(database.engine, CampaignAccount, preview["big"])
    assert (account.status, account.status_reason) == ("done", "refused: will not pay")


def test_a_callback_sets_the_time_of_the_next_dial(database: Database, preview: dict[str, int]) -> None:
    current(database, preview["campaign"])
    when = NOW + dt.timedelta(days=1, hours=2)
    outcome_id = record(database, preview, OutcomeForm("callback", True, callback_at=when))
    account = one(database.engine, CampaignAccount, preview["big"])
    assert (account.callback_at, account.next_attempt_at, account.status) == (when, when, "active")
    assert one(database.engine, CallOutcome, outcome_id).callback_at == when


def test_wrong_numbers_exhaust_the_account_when_none_is_left(
    database: Database, preview: dict[str, int]
) -> None:
    cid, big = preview["campaign"], preview["big"]
    current(database, cid)
    with database.engine.begin() as conn:
        first, second = seed.phone_ids(conn, big)
        seed.attempt(conn, cid, big, first, LERATO, "answered", NOW)
    record(database, preview, OutcomeForm("wrong_number", False, "a shop"))  # the number dialled
    assert one(database.engine, CampaignPhone, first).status == "wrong_number"
    assert one(database.engine, CampaignAccount, big).status == "active"  # the second number is left
    current(database, cid)
    record(database, preview, OutcomeForm("wrong_number", False, phone_id=second))
    account = one(database.engine, CampaignAccount, big)
    assert one(database.engine, CampaignPhone, second).status == "wrong_number"
    assert account.status == "exhausted" and "no active number" in (account.status_reason or "")


def test_do_not_call_lists_the_number(database: Database, preview: dict[str, int]) -> None:
    cid, big = preview["campaign"], preview["big"]
    current(database, cid)
    with database.engine.begin() as conn:
        _, second = seed.phone_ids(conn, big)
    record(database, preview, OutcomeForm("do_not_call", False, "asked never to be called", phone_id=second))
    (entry,) = rows(database.engine, DoNotCall)
    assert (entry.number, entry.source, entry.added_by) == ("+27821110002", "outcome", LERATO)
    assert entry.reason == "asked never to be called"
    view = current(database, cid)
    assert [p.on_dnc for p in view.phones] == [False, True] and len(view.dialable_phones) == 1


def test_a_second_outcome_for_the_same_call_stands_on_its_own(
    database: Database, preview: dict[str, int]
) -> None:
    cid, big = preview["campaign"], preview["big"]
    current(database, cid)
    with database.engine.begin() as conn:
        first, _ = seed.phone_ids(conn, big)
        attempt = seed.attempt(conn, cid, big, first, LERATO, "answered", NOW)
    record(database, preview, OutcomeForm("callback", True, callback_at=NOW + dt.timedelta(hours=3)))
    current(database, cid, now=NOW + dt.timedelta(hours=4))
    with database.engine.begin() as conn:
        count = conn.execute(select(func.count()).select_from(table(CallOutcome))).scalar_one()
    assert count == 1
    later = record(database, preview, OutcomeForm("no_contact", False))
    assert one(database.engine, CallOutcome, later).attempt_id is None  # not linked to the old call again
    assert one(database.engine, CallOutcome, later - 1).attempt_id == attempt
