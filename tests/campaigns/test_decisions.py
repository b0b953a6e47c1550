"""The dial decision on a real database (SQLite and PostgreSQL): order, leases, numbers, the log,
exhaustion, preview, settling, and two dialers that never take the same account."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Connection, Engine, event, insert, select, update

from callcentre.settings_dialer import DialerSettings
from telephony.campaigns import selection
from telephony.campaigns.attempts import settle
from telephony.campaigns.decisions import ACCOUNTS, ATTEMPTS, DECISIONS, PHONES, Dialler, DialOrder, decide
from telephony.campaigns.models import Campaign, DoNotCall
from telephony.campaigns.rules import rules_from_settings
from tests.conftest import Database

SAST = ZoneInfo("Africa/Johannesburg")
NOW = dt.datetime(2025, 3, 4, 10, 0, tzinfo=SAST)  # a Tuesday morning
RULES = rules_from_settings(DialerSettings())
LERATO = Dialler("Lerato", "PJSIP/1001")
SIPHO = Dialler("Sipho", "PJSIP/1002")
HOLD = 600.0


def add_campaign(conn: Connection, name: str = "arrears") -> int:
    """A progressive campaign; its id."""
    table = Campaign.__table__
    values = {"name": name, "queue": "revenue", "mode": "progressive", "priority": "arrears_desc"}
    result = conn.execute(insert(table).values(active=True, rules={}, created_at=NOW, **values))  # type: ignore[arg-type]
    return int(result.inserted_primary_key[0])  # type: ignore[index]


def add_account(
    conn: Connection, campaign_id: int, priority: int, numbers: tuple[str, ...], **values: Any
) -> int:
    """An account with ``numbers`` in order (``"!+27..."`` marks a wrong number); its id."""
    row = {
        "campaign_id": campaign_id,
        "account_number": f"ACC{priority:06d}",
        "holder": "Thandi Mokoena",
        "arrears_cents": 100_000 - priority,
        "days_in_arrears": 90,
        "priority_key": priority,
        "imported_at": NOW - dt.timedelta(days=1),
        "updated_at": NOW - dt.timedelta(days=1),
        **values,
    }
    account_id = int(conn.execute(insert(ACCOUNTS).values(**row)).inserted_primary_key[0])  # type: ignore[index]
    for position, number in enumerate(numbers):
        status = "wrong_number" if number.startswith("!") else "active"
        conn.execute(
            insert(PHONES).values(
                account_id=account_id, number=number.lstrip("!"), position=position, status=status
            )
        )
    return account_id


def block(conn: Connection, number: str) -> None:
    """Put ``number`` on the do-not-call list."""
    table = DoNotCall.__table__
    conn.execute(insert(table).values(number=number, source="manual", added_at=NOW))  # type: ignore[arg-type]


def dial(
    engine: Engine, cid: int, who: Dialler = LERATO, now: dt.datetime = NOW, **kwargs: Any
) -> DialOrder | None:
    """One decision in its own transaction; the order, if any."""
    with engine.begin() as conn:
        order, _ = decide(conn, cid, kwargs.pop("rules", RULES), who, now, HOLD, **kwargs)
    return order


def account_row(engine: Engine, account_id: int) -> Any:
    """The account as stored."""
    with engine.connect() as conn:
        return conn.execute(select(ACCOUNTS).where(ACCOUNTS.c.id == account_id)).one()


def decisions_of(engine: Engine, account_id: int) -> list[tuple[str | None, bool, str, bool]]:
    """The account's logged decisions: (number, allowed, rule, has an attempt)."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(DECISIONS).where(DECISIONS.c.account_id == account_id).order_by(DECISIONS.c.id)
        )
        return [(r.number, r.allowed, r.rule, r.attempt_id is not None) for r in rows]


def test_accounts_are_taken_in_priority_order(database: Database) -> None:
    with database.engine.begin() as conn:
        cid = add_campaign(conn)
        ids = {p: add_account(conn, cid, p, (f"+2782000{p:04d}",)) for p in (30, 10, 20)}
    orders = [dial(database.engine, cid, Dialler(f"agent{n}", f"PJSIP/10{n}")) for n in range(4)]
    assert [o.account_id for o in orders if o] == [ids[10], ids[20], ids[30]]
    assert orders[3] is None  # all three are in flight
    first = orders[0]
    assert first is not None
    assert (first.number, first.agent, first.interface) == ("+27820000010", "agent0", "PJSIP/100")
    assert first.action_id == f"cc-{cid}-{first.attempt_id}"
    row = account_row(database.engine, ids[10])
    assert (row.attempts_total, row.attempts_today, row.attempts_day) == (1, 1, "2025-03-04")
    assert (row.leased_by, row.last_attempt_at) == ("agent0", NOW)
    with database.engine.connect() as conn:
        attempt = conn.execute(select(ATTEMPTS).where(ATTEMPTS.c.id == first.attempt_id)).one()
    assert (attempt.state, attempt.placed_at, attempt.number, attempt.mode) == (
        "placing",
        NOW,
        "+27820000010",
        "progressive",
    )


def test_leased_accounts_and_accounts_waiting_for_a_retry_are_skipped(database: Database) -> None:
    with database.engine.begin() as conn:
        cid = add_campaign(conn)
        held = add_account(conn, cid, 1, ("+27820000001",))
        waiting = add_account(conn, cid, 2, ("+27820000002",), next_attempt_at=NOW + dt.timedelta(minutes=10))
        free = add_account(conn, cid, 3, ("+27820000003",))
        assert selection.lease(conn, held, "Sipho", NOW, 3600)
    first = dial(database.engine, cid)
    assert first is not None and first.account_id == free
    later = dial(database.engine, cid, now=NOW + dt.timedelta(minutes=10))
    assert later is not None and later.account_id == waiting
    assert dial(database.engine, cid, now=NOW + dt.timedelta(minutes=11)) is None
    after_lease = dial(database.engine, cid, now=NOW + dt.timedelta(hours=1))
    assert after_lease is not None and after_lease.account_id == held


@pytest.mark.parametrize(
    ("first", "rule"),
    [("dnc", "dnc"), ("wrong", "wrong_number"), ("limit", "number_daily_limit")],
)
def test_the_second_number_is_tried_when_the_first_cannot_be(
    database: Database, first: str, rule: str
) -> None:
    with database.engine.begin() as conn:
        cid = add_campaign(conn)
        numbers = ("!+27821110000" if first == "wrong" else "+27821110000", "+27832220000")
        account = add_account(conn, cid, 1, numbers)
        if first == "dnc":
            block(conn, "+27821110000")
        if first == "limit":
            conn.execute(
                update(PHONES)
                .where(PHONES.c.number == "+27821110000")
                .values(attempts_day="2025-03-04", attempts_today=2)
            )
    order = dial(database.engine, cid)
    assert order is not None and (order.account_id, order.number) == (account, "+27832220000")
    assert decisions_of(database.engine, account) == [
        ("+27821110000", False, rule, False),
        ("+27832220000", True, "ok", True),
    ]


def test_every_refusal_is_logged_with_its_rule_and_reason(database: Database) -> None:
    sunday = dt.datetime(2025, 3, 9, 11, 0, tzinfo=SAST)
    with database.engine.begin() as conn:
        cid = add_campaign(conn)
        one = add_account(conn, cid, 1, ("+27820000001", "+27820000011"))
        two = add_account(conn, cid, 2, ("+27820000002",))
    with database.engine.begin() as conn:
        order, last = decide(conn, cid, RULES, LERATO, sunday, HOLD)
    assert order is None and last is not None and last.rule == "window"
    for account in (one, two):  # the window refuses the account: its second number is not tried
        assert decisions_of(database.engine, account) == [
            (f"+2782000000{account - one + 1}", False, "window", False)
        ]
        row = account_row(database.engine, account)
        assert row.next_attempt_at == dt.datetime(2025, 3, 10, 8, 0, tzinfo=SAST)
        assert (row.status, row.leased_by, row.attempts_total) == ("active", None, 0)
    with database.engine.connect() as conn:
        reasons = list(conn.scalars(select(DECISIONS.c.reason)))
    assert reasons == ["Sun 11:00 Africa/Johannesburg is outside the calling window"] * 2
    assert dial(database.engine, cid, now=sunday + dt.timedelta(hours=2)) is None  # both wait for Monday
    monday = dial(database.engine, cid, now=dt.datetime(2025, 3, 10, 8, 0, tzinfo=SAST))
    assert monday is not None and monday.account_id == one


@pytest.mark.parametrize(
    ("numbers", "dnc", "values", "reason"),
    [
        (("+27820000001", "!+27820000002"), True, {}, "do-not-call list; number is marked wrong number"),
        ((), False, {}, "the account has no phone number"),
        (("+27820000001",), False, {"attempts_total": 10}, "10 dials reach the campaign's limit of 10"),
    ],
)
def test_an_account_that_can_never_be_dialled_is_exhausted(
    database: Database, numbers: tuple[str, ...], dnc: bool, values: dict[str, Any], reason: str
) -> None:
    with database.engine.begin() as conn:
        cid = add_campaign(conn)
        hopeless = add_account(conn, cid, 1, numbers, **values)
        fine = add_account(conn, cid, 2, ("+27830000000",))
        if dnc:
            block(conn, "+27820000001")
    order = dial(database.engine, cid)
    assert order is not None and order.account_id == fine
    row = account_row(database.engine, hopeless)
    assert row.status == "exhausted" and row.status_reason.endswith(reason)
    assert row.next_attempt_at is None and row.leased_by is None
    assert all(not allowed for _, allowed, _, _ in decisions_of(database.engine, hopeless))


def test_preview_dials_only_the_chosen_account(database: Database) -> None:
    with database.engine.begin() as conn:
        cid = add_campaign(conn)
        best = add_account(conn, cid, 1, ("+27820000001",))
        chosen = add_account(conn, cid, 2, ("+27820000002",))
        disputed = add_account(conn, cid, 3, ("+27820000003",), status="dispute")
        paid = add_account(conn, cid, 4, ("+27820000004",), status="paid")
    order = dial(database.engine, cid, account_id=chosen)
    assert order is not None and order.account_id == chosen
    for account, status in ((disputed, "dispute"), (paid, "paid")):
        with database.engine.begin() as conn:
            refused, decision = decide(conn, cid, RULES, SIPHO, NOW, HOLD, account_id=account)
        assert refused is None and decision is not None and decision.rule == "account_status"
        assert decision.reason == f"account is {status}, not active"
        assert decisions_of(database.engine, account) == [
            (f"+2782000000{account - best + 1}", False, "account_status", False)
        ]
        row = account_row(database.engine, account)
        assert (row.status, row.leased_by, row.next_attempt_at) == (status, None, None)
    assert dial(database.engine, cid, SIPHO, account_id=chosen) is None  # Lerato's dial holds it
    assert dial(database.engine, cid, account_id=10_000) is None
    assert account_row(database.engine, best).attempts_total == 0


@pytest.mark.parametrize(
    ("result", "minutes"), [("busy", 60), ("no_answer", 120), ("answered", 60), ("failed", 60)]
)
def test_settle_applies_the_retry_minutes_once(database: Database, result: str, minutes: int) -> None:
    with database.engine.begin() as conn:
        cid = add_campaign(conn)
        account = add_account(conn, cid, 1, ("+27820000001",))
    order = dial(database.engine, cid)
    assert order is not None
    ended = NOW + dt.timedelta(seconds=40)
    with database.engine.begin() as conn:
        settled = settle(conn, order.attempt_id, result, ended, RULES, reason="test")
    assert settled is not None and settled.next_attempt_at == ended + dt.timedelta(minutes=minutes)
    row = account_row(database.engine, account)
    assert (row.next_attempt_at, row.last_outcome, row.leased_by, row.leased_until) == (
        ended + dt.timedelta(minutes=minutes),
        result,
        None,
        None,
    )
    with database.engine.begin() as conn:
        assert settle(conn, order.attempt_id, "busy", ended + dt.timedelta(hours=5), RULES) is None
    again = account_row(database.engine, account)
    assert (again.next_attempt_at, again.last_outcome) == (row.next_attempt_at, result)
    with database.engine.connect() as conn:
        attempt = conn.execute(select(ATTEMPTS).where(ATTEMPTS.c.id == order.attempt_id)).one()
    assert (attempt.state, attempt.ended_at, attempt.reason) == (result, ended, "test")
    assert attempt.answered_at == (ended if result == "answered" else None)
    with pytest.raises(ValueError, match="not a final attempt state"), database.engine.begin() as conn:
        settle(conn, order.attempt_id, "ringing", ended, RULES)


def test_settle_keeps_a_later_retry_time_and_another_agents_lease(database: Database) -> None:
    with database.engine.begin() as conn:
        cid = add_campaign(conn)
        account = add_account(conn, cid, 1, ("+27820000001",))
    order = dial(database.engine, cid)
    assert order is not None
    thursday = NOW + dt.timedelta(days=2)
    late = NOW + dt.timedelta(seconds=HOLD + 60)  # the dial's lease ran out before its result came
    with database.engine.begin() as conn:  # meanwhile: a call-back was agreed and Sipho took the account
        conn.execute(update(ACCOUNTS).where(ACCOUNTS.c.id == account).values(next_attempt_at=thursday))
        assert selection.lease(conn, account, "Sipho", late, HOLD)
        settled = settle(conn, order.attempt_id, "busy", late, RULES)
    assert settled is not None and settled.next_attempt_at == thursday
    row = account_row(database.engine, account)
    assert (row.next_attempt_at, row.leased_by, row.last_outcome) == (thursday, "Sipho", "busy")


def test_settle_exhausts_an_account_at_the_campaign_limit(database: Database) -> None:
    rules = rules_from_settings(DialerSettings(), {"max_per_campaign": 1})
    with database.engine.begin() as conn:
        cid = add_campaign(conn)
        account = add_account(conn, cid, 1, ("+27820000001",))
    order = dial(database.engine, cid, rules=rules)
    assert order is not None
    with database.engine.begin() as conn:
        settle(conn, order.attempt_id, "no_answer", NOW, rules)
    row = account_row(database.engine, account)
    assert (row.status, row.status_reason) == ("exhausted", "1 dials without a contact")


def test_candidates_read_ahead_are_refreshed_within_a_minute(database: Database) -> None:
    """One index scan serves the next decisions; an account due since waits at most HOPPER_SECONDS."""
    soon = NOW + dt.timedelta(seconds=10)
    with database.engine.begin() as conn:
        cid = add_campaign(conn)
        best = add_account(conn, cid, 1, ("+27820000001",), next_attempt_at=soon)
        others = [add_account(conn, cid, p, (f"+2782000000{p}",)) for p in (2, 3, 4)]
    taken = [
        dial(database.engine, cid, Dialler(f"a{n}", "PJSIP/1"), NOW + dt.timedelta(seconds=20 * n))
        for n in range(2)
    ]
    assert [o.account_id for o in taken if o] == others[:2]  # read at NOW, before the best was due
    fresh = NOW + dt.timedelta(seconds=selection.HOPPER_SECONDS)
    again = dial(database.engine, cid, Dialler("a2", "PJSIP/1"), fresh)
    assert again is not None and again.account_id == best


def test_two_dialers_never_take_the_same_account(database: Database) -> None:
    with database.engine.begin() as conn:
        cid = add_campaign(conn)
        for priority in range(40):
            add_account(conn, cid, priority, (f"+2782{priority:07d}",))
    taken: list[int] = []
    errors: list[BaseException] = []

    def work(who: Dialler) -> None:
        try:
            while (order := dial(database.engine, cid, who)) is not None:
                taken.append(order.account_id)
        except BaseException as error:  # reported below, in the test's thread
            errors.append(error)

    threads = [threading.Thread(target=work, args=(Dialler(f"d{n}", f"PJSIP/{n}"),)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(taken) == sorted(set(taken)) and len(taken) == 40


def test_a_dialer_sees_what_another_dialer_did_meanwhile(database: Database) -> None:
    """Sipho's preview dial is placed and settled between Lerato's reading of candidates and her lease."""
    with database.engine.begin() as conn:
        cid = add_campaign(conn)
        first = add_account(conn, cid, 1, ("+27820000001",))
        second = add_account(conn, cid, 2, ("+27820000002",))

    def sipho_dials_first(*args: Any) -> None:
        if not placed and args[2].startswith("UPDATE campaign_accounts SET leased_by"):
            placed.append(dial(database.engine, cid, SIPHO, account_id=first))
            with database.engine.begin() as other:
                settle(other, placed[0].attempt_id, "busy", NOW, RULES)  # type: ignore[union-attr]

    placed: list[DialOrder | None] = []
    with database.engine.connect() as conn:
        event.listen(conn, "before_cursor_execute", sipho_dials_first)
        with conn.begin():
            order, _ = decide(conn, cid, RULES, LERATO, NOW, HOLD)
    assert placed[0] is not None and placed[0].account_id == first
    assert order is not None and order.account_id == second
    assert account_row(database.engine, first).attempts_total == 1
