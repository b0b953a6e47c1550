"""The payments import (row errors, idempotent) and promises kept, broken or open from payments:
partial payments, the grace period, first-in-first-out allocation — on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, Table, insert, select

from telephony.campaigns.models import CallOutcome, Campaign, CampaignAccount, Promise
from telephony.campaigns.payments import PAYMENTS, PROMISES, import_payments, reconcile_promises
from telephony.campaigns.sheets import ImportFileError

NOW = dt.datetime(2026, 11, 2, 8, 0, tzinfo=dt.UTC)
MADE = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)  # 11:00 in Johannesburg
DUE = dt.date(2026, 11, 10)
GRACE = 3


def _table(model: type[Any]) -> Table:
    table: Table = model.__table__
    return table


def _insert(conn: Connection, model: type[Any], **values: Any) -> int:
    table = _table(model)
    return int(conn.execute(insert(table).values(**values).returning(table.c.id)).scalar_one())


def account(conn: Connection, number: str, campaign: str = "c") -> int:
    """An account on campaign ``campaign`` (created when new); its id."""
    campaigns = _table(Campaign)
    campaign_id = conn.execute(select(campaigns.c.id).where(campaigns.c.name == campaign)).scalar()
    if campaign_id is None:
        campaign_id = _insert(
            conn, Campaign, name=campaign, queue="revenue", mode="preview", rules={}, created_at=NOW
        )
    values = {"holder": "Lerato Dlamini", "arrears_cents": 100_000, "days_in_arrears": 90, "priority_key": 0}
    return _insert(
        conn,
        CampaignAccount,
        campaign_id=campaign_id,
        account_number=number,
        imported_at=NOW,
        updated_at=NOW,
        **values,
    )


def promise(
    conn: Connection, account_id: int, cents: int, due: dt.date = DUE, made: dt.datetime = MADE, n: int = 1
) -> int:
    """A promise of ``cents`` due ``due``, recorded as an outcome at ``made``; its id."""
    campaign_id = conn.execute(
        select(_table(CampaignAccount).c.campaign_id).where(_table(CampaignAccount).c.id == account_id)
    ).scalar_one()
    outcome = _insert(
        conn,
        CallOutcome,
        campaign_id=campaign_id,
        account_id=account_id,
        agent="Agent One",
        at=made,
        right_party=True,
        kind="promise",
    )
    return _insert(
        conn,
        Promise,
        campaign_id=campaign_id,
        account_id=account_id,
        outcome_id=outcome,
        agent="Agent One",
        made_at=made,
        amount_cents=cents,
        due_date=due,
        instalment=n,
    )


def pay(conn: Connection, number: str, cents: int, on: dt.date, reference: str) -> None:
    conn.execute(
        insert(PAYMENTS).values(
            account_number=number, amount_cents=cents, paid_on=on, reference=reference, imported_at=NOW
        )
    )


def promises(engine: Engine) -> dict[int, tuple[str, int, bool]]:
    """Promise id -> (status, paid cents, resolved)."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(PROMISES.c.id, PROMISES.c.status, PROMISES.c.paid_cents, PROMISES.c.resolved_at)
        )
        return {row.id: (row.status, row.paid_cents, row.resolved_at is not None) for row in rows}


def settle(engine: Engine, today: dt.date) -> tuple[int, int, int]:
    with engine.begin() as conn:
        result = reconcile_promises(conn, today, GRACE, NOW)
    return result.kept, result.broken, result.open


def test_import_reports_bad_rows_and_is_idempotent(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "payments.csv"
    path.write_text(
        "Account Number,Amount,Paid On,Reference\n"
        "1001,500.00,2026-11-05,RCPT-1\n"  # 2
        "1001,250,2026-11-06,RCPT-2\n"  # 3
        "1002,0.00,2026-11-06,RCPT-3\n"  # 4: zero
        "1002,100.00,06/11/2026,RCPT-4\n"  # 5: not ISO
        "1002,100.00,2026-11-06,\n"  # 6: no reference
        "1001,500.00,2026-11-05,RCPT-1\n"  # 7: repeated
        '1003,"1 200,50",2026-11-07,RCPT-9\n',  # 8
        encoding="utf-8",
    )
    result = import_payments(engine, path, NOW)
    assert (result.added, result.already) == (3, 0)
    assert result.errors == [
        (4, "amount '0.00' is not a payment (zero or less)"),
        (5, "paid_on '06/11/2026' is not a date (YYYY-MM-DD)"),
        (6, "no reference"),
        (7, "reference RCPT-1 repeated (first on row 2)"),
    ]
    with engine.connect() as conn:
        stored = conn.execute(
            select(PAYMENTS.c.account_number, PAYMENTS.c.amount_cents, PAYMENTS.c.paid_on).order_by(
                PAYMENTS.c.id
            )
        ).all()
    assert [tuple(row) for row in stored] == [
        ("1001", 50000, dt.date(2026, 11, 5)),
        ("1001", 25000, dt.date(2026, 11, 6)),
        ("1003", 120050, dt.date(2026, 11, 7)),
    ]
    again = import_payments(engine, path, NOW)
    assert (again.added, again.already) == (0, 3)

    changed = tmp_path / "changed.csv"
    changed.write_text(
        "account_number,amount,paid_on,reference\n1001,600.00,2026-11-05,RCPT-1\n", encoding="utf-8"
    )
    differs = import_payments(engine, changed, NOW)
    assert (differs.added, differs.already) == (0, 1)
    assert differs.errors == [
        (
            2,
            "reference RCPT-1 was imported before as 500.00 on 2026-11-05; "
            "this row says 600.00 on 2026-11-05 (the first kept)",
        )
    ]
    (tmp_path / "bad.csv").write_text("account_number,amount\n1,2\n", encoding="utf-8")
    with pytest.raises(ImportFileError, match="lacks paid_on, reference"):
        import_payments(engine, tmp_path / "bad.csv", NOW)


def test_kept_broken_and_open(engine: Engine) -> None:
    with engine.begin() as conn:
        kept = promise(conn, account(conn, "1001"), 50_000)
        broken = promise(conn, account(conn, "1002"), 50_000)
        early = promise(conn, account(conn, "1003"), 20_000)
        pay(conn, "1001", 20_000, dt.date(2026, 11, 3), "a")
        pay(conn, "1001", 30_000, DUE + dt.timedelta(days=GRACE), "b")  # last day of grace: counts
        pay(conn, "1002", 10_000, dt.date(2026, 11, 9), "c")
        pay(conn, "1003", 20_000, dt.date(2026, 11, 1), "d")  # before the promise: not for it
    assert settle(engine, DUE + dt.timedelta(days=GRACE)) == (1, 0, 2)
    assert promises(engine) == {
        kept: ("kept", 50_000, True),
        broken: ("open", 10_000, False),
        early: ("open", 0, False),
    }
    assert settle(engine, DUE + dt.timedelta(days=GRACE + 1)) == (0, 2, 0)
    assert promises(engine)[broken] == ("broken", 10_000, True)
    assert promises(engine)[early] == ("broken", 0, True)
    with engine.begin() as conn:  # paid late: a broken promise stays broken
        pay(conn, "1002", 40_000, DUE + dt.timedelta(days=GRACE + 2), "e")
    assert settle(engine, DUE + dt.timedelta(days=GRACE + 2)) == (0, 0, 0)
    assert promises(engine)[broken] == ("broken", 10_000, True)


def test_payments_are_allocated_first_in_first_out_and_used_once(engine: Engine) -> None:
    second_due = DUE + dt.timedelta(days=30)
    with engine.begin() as conn:
        account_id = account(conn, "1001")
        first = promise(conn, account_id, 30_000, DUE, n=1)
        second = promise(conn, account_id, 30_000, second_due, n=2)
        pay(conn, "1001", 40_000, dt.date(2026, 11, 8), "a")
    assert settle(engine, DUE) == (1, 0, 1)
    assert promises(engine) == {first: ("kept", 30_000, True), second: ("open", 10_000, False)}
    assert settle(engine, DUE) == (0, 0, 1)  # again: the R400 is not counted twice
    assert promises(engine)[second] == ("open", 10_000, False)
    with engine.begin() as conn:
        pay(conn, "1001", 25_000, DUE + dt.timedelta(days=10), "b")  # after the first's grace
    assert settle(engine, DUE + dt.timedelta(days=10)) == (1, 0, 0)
    assert promises(engine)[second] == ("kept", 30_000, True)


def test_one_account_number_in_two_campaigns_shares_its_payments(engine: Engine) -> None:
    with engine.begin() as conn:
        october = promise(conn, account(conn, "1001", "october"), 20_000, DUE)
        november = promise(conn, account(conn, "1001", "november"), 20_000, DUE + dt.timedelta(days=1))
        pay(conn, "1001", 30_000, dt.date(2026, 11, 4), "a")
    assert settle(engine, DUE + dt.timedelta(days=GRACE + 5)) == (1, 1, 0)
    assert promises(engine) == {october: ("kept", 20_000, True), november: ("broken", 10_000, True)}


def test_the_day_a_promise_was_made_is_the_local_day(engine: Engine) -> None:
    late_evening = dt.datetime(2026, 11, 2, 22, 30, tzinfo=dt.UTC)  # 00:30 on the 3rd in Johannesburg
    with engine.begin() as conn:
        made = promise(conn, account(conn, "1001"), 10_000, DUE, late_evening)
        pay(conn, "1001", 10_000, dt.date(2026, 11, 2), "a")  # the day before, locally
    assert settle(engine, DUE + dt.timedelta(days=GRACE + 1)) == (0, 1, 0)
    assert promises(engine)[made] == ("broken", 0, True)
