"""Importing arrears lists (CSV and .xlsx) on SQLite and PostgreSQL: bad rows reported by row
number and reason, numbers normalised, priorities, and re-imports that keep history."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook
from sqlalchemy import Engine, func, insert, select, update

from telephony.campaigns import sheets
from telephony.campaigns.importer import ACCOUNTS, CAMPAIGNS, PHONES, import_campaign
from telephony.campaigns.models import DialAttempt
from telephony.campaigns.sheets import ImportFileError

NOW = dt.datetime(2026, 11, 2, 7, 30, tzinfo=dt.UTC)
LATER = NOW + dt.timedelta(days=30)
HEADER = ["account_number", "holder", "phones", "arrears", "days_in_arrears", "language", "ward"]
GOOD = [
    ["1001", "Sipho Dlamini", "082 123 4567; 011 555 0100", "1234.50", "95", "zu", "Ward 3"],
    ["1002", "Johan Botha", "083 765 4321", "99.00", "400", "af", ""],
    ["1003", "Priya Naidoo", "+27 84 000 1111", "5 000,00", "30", "", "Ward 9"],
]


def write_csv(folder: Path, rows: list[list[str]], header: list[str] = HEADER, name: str = "a.csv") -> Path:
    path = folder / name
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def accounts(engine: Engine) -> dict[str, Any]:
    with engine.connect() as conn:
        return {row.account_number: row for row in conn.execute(select(ACCOUNTS))}


def numbers(engine: Engine, account: str) -> list[tuple[str, int]]:
    query = (
        select(PHONES.c.number, PHONES.c.position)
        .join(ACCOUNTS, ACCOUNTS.c.id == PHONES.c.account_id)
        .where(ACCOUNTS.c.account_number == account)
        .order_by(PHONES.c.position)
    )
    with engine.connect() as conn:
        return [(number, position) for number, position in conn.execute(query)]


def test_good_rows_are_imported_into_a_new_campaign(engine: Engine, tmp_path: Path) -> None:
    result = import_campaign(engine, write_csv(tmp_path, GOOD), "arrears-nov", NOW)
    assert (result.created, result.rows, result.added, result.updated, result.errors) == (True, 3, 3, 0, [])
    assert result.phones_added == 4
    with engine.connect() as conn:
        campaign = conn.execute(select(CAMPAIGNS)).one()
    assert (campaign.name, campaign.queue, campaign.mode, campaign.priority) == (
        "arrears-nov",
        "revenue",
        "progressive",
        "arrears_desc",
    )
    assert campaign.last_import_at == NOW
    rows = accounts(engine)
    sipho = rows["1001"]
    assert (sipho.holder, sipho.arrears_cents, sipho.days_in_arrears, sipho.language, sipho.ward) == (
        "Sipho Dlamini",
        123450,
        95,
        "zu",
        "Ward 3",
    )
    assert (sipho.status, sipho.timezone, sipho.attempts_total, sipho.priority_key) == (
        "active",
        "Africa/Johannesburg",
        0,
        -123450,
    )
    assert (sipho.imported_at, sipho.updated_at) == (NOW, NOW)
    assert rows["1002"].ward is None and rows["1003"].language == "en"
    assert rows["1003"].arrears_cents == 500000
    assert numbers(engine, "1001") == [("+27821234567", 0), ("+27115550100", 1)]
    with engine.connect() as conn:  # timestamps compare in SQL (SQLite stores them as text)
        stamped = conn.execute(select(func.count()).where(ACCOUNTS.c.imported_at == NOW)).scalar()
    assert stamped == 3


def test_every_bad_row_is_reported_with_its_number_and_reason(engine: Engine, tmp_path: Path) -> None:
    rows = [
        GOOD[0],  # row 2
        ["1010", "Bongani Zulu", "082 123", "812.40", "45", "zu", ""],  # 3: the only number is bad
        ["1001", "Twice Listed", "0821234567", "100.00", "30", "en", ""],  # 4: repeated
        ["1011", "Ayesha Moosa", "0831234567", "", "60", "en", ""],  # 5: no amount
        ["1012", "", "0831234567", "10.00", "60", "en", ""],  # 6: no holder
        ["1013", "Nomsa Khumalo", "0831234567", "ten rand", "60", "en", ""],  # 7
        ["1014", "Thabo Mokoena", "0831234567", "10.00", "-3", "en", ""],  # 8
        ["1015", "Lindiwe Nkosi", "0831234567", "10.00", "3", "klingon", ""],  # 9
        ["1016", "Kagiso Mahlangu", "abc; 0845550000", "10.00", "3", "en", ""],  # 10: warning only
        ["", "No Account", "0831234567", "10.00", "3", "en", ""],  # 11
        [],  # 12: blank, skipped
        ["1017", "Fatima Pillay", "", "10.00", "3", "en", ""],  # 13: no number at all
    ]
    result = import_campaign(engine, write_csv(tmp_path, rows), "c", NOW)
    assert result.errors == [
        (3, "no valid phone number (phones: '082 123' is too short)"),
        (4, "account 1001 repeated (first on row 2)"),
        (5, "no arrears"),
        (6, "no account holder"),
        (7, "arrears 'ten rand' is not an amount in rand"),
        (8, "days in arrears '-3' is not a whole number of zero or more"),
        (9, "language 'klingon' is not a language code (en, af, zu, xh...)"),
        (11, "no account number"),
        (13, "no valid phone number"),
    ]
    assert result.warnings == [
        (10, "number refused, the others imported: phones: 'abc' is not a phone number")
    ]
    assert sorted(accounts(engine)) == ["1001", "1016"]
    assert numbers(engine, "1016") == [("+27845550000", 0)]
    assert accounts(engine)["1001"].holder == "Sipho Dlamini"  # the first listing is kept


def test_excel_export_with_separate_phone_columns(engine: Engine, tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(
        ["Account Number", "Account Holder", "Phone", "Phone 2", "Arrears", "Days In Arrears", "Area"]
    )
    sheet.append([2001, "Zanele Mokoena", 821234567, "011 555 0100", 1234.5, 61, "Soweto"])
    sheet.append([2002, "Anele Nkosi", "0831112222", None, 300, 12.0, None])
    sheet.append([2003, "Marietjie van der Merwe", "12", "34", 10, 1, None])
    sheet.append([None, None, None, None, None, None, None])  # trailing blank row
    path = tmp_path / "arrears.xlsx"
    book.save(path)
    result = import_campaign(engine, path, "xlsx", NOW, priority="days_desc")
    assert result.errors == [
        (4, "no valid phone number (phone: '12' is too short; phone_2: '34' is too short)")
    ]
    rows = accounts(engine)
    assert (rows["2001"].arrears_cents, rows["2001"].days_in_arrears, rows["2001"].ward) == (
        123450,
        61,
        "Soweto",
    )
    assert (rows["2002"].arrears_cents, rows["2002"].priority_key) == (30000, -12)
    assert numbers(engine, "2001") == [("+27821234567", 0), ("+27115550100", 1)]


def test_reimport_updates_keeps_history_and_marks_absent_accounts_paid(
    engine: Engine, tmp_path: Path
) -> None:
    import_campaign(engine, write_csv(tmp_path, GOOD), "c", NOW)
    rows = accounts(engine)
    _history(engine, rows["1001"].id, rows["1001"].campaign_id)
    with engine.begin() as conn:
        conn.execute(update(ACCOUNTS).where(ACCOUNTS.c.account_number == "1002").values(status="dispute"))
    second = [
        ["1001", "Sipho M. Dlamini", "0845550000; 082 123 4567", "1500.00", "125", "en", "Ward 4"],
        ["1002", "Johan Botha", "083 765 4321", "120.00", "430", "af", ""],
        ["1004", "New Account", "0829990000", "50.00", "31", "xh", ""],
        ["1005", "Paid Up", "0829990001", "0.00", "0", "en", ""],
    ]
    result = import_campaign(engine, write_csv(tmp_path, second, name="b.csv"), "c", LATER)
    assert (result.created, result.added, result.updated, result.marked_paid, result.phones_added) == (
        False,
        2,
        2,
        1,
        3,
    )
    rows = accounts(engine)
    sipho = rows["1001"]
    assert (sipho.holder, sipho.arrears_cents, sipho.days_in_arrears, sipho.language, sipho.ward) == (
        "Sipho M. Dlamini",
        150000,
        125,
        "en",
        "Ward 4",
    )
    assert (sipho.attempts_total, sipho.attempts_today, sipho.attempts_day, sipho.last_outcome) == (
        4,
        2,
        "2026-11-01",
        "busy",
    )
    assert (sipho.imported_at, sipho.updated_at, sipho.priority_key) == (NOW, LATER, -150000)
    # The number no longer listed stays (it has a dial attempt); the new one comes after it.
    assert numbers(engine, "1001") == [("+27821234567", 0), ("+27115550100", 1), ("+27845550000", 2)]
    assert (rows["1002"].status, rows["1002"].arrears_cents) == ("dispute", 12000)
    assert (rows["1003"].status, rows["1003"].status_reason) == ("paid", "not in the import of 2026-12-02")
    assert (rows["1005"].status, rows["1005"].status_reason) == (
        "paid",
        "paid up (arrears R0.00 in the import of 2026-12-02)",
    )
    assert rows["1004"].status == "active"
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(DialAttempt)).scalar() == 1
        assert conn.execute(select(CAMPAIGNS.c.last_import_at)).scalar() == LATER

    third = [*second[:2], ["1003", "Priya Naidoo", "+27 84 000 1111", "700.00", "60", "en", ""]]
    again = import_campaign(engine, write_csv(tmp_path, third, name="c.csv"), "c", LATER)
    rows = accounts(engine)
    assert (again.reactivated, again.marked_paid) == (1, 1)  # 1003 back; 1004 absent now
    assert (rows["1003"].status, rows["1003"].status_reason) == (
        "active",
        "back in arrears in the import of 2026-12-02",
    )
    assert rows["1004"].status == "paid" and rows["1005"].status == "paid"


def _history(engine: Engine, account_id: int, campaign_id: int) -> None:
    """Dials made on the account: counters and one attempt on its first number."""
    with engine.begin() as conn:
        conn.execute(
            update(ACCOUNTS)
            .where(ACCOUNTS.c.id == account_id)
            .values(attempts_total=4, attempts_today=2, attempts_day="2026-11-01", last_outcome="busy")
        )
        phone_id = conn.execute(
            select(PHONES.c.id).where(PHONES.c.account_id == account_id, PHONES.c.position == 0)
        ).scalar_one()
        conn.execute(
            insert(DialAttempt).values(
                campaign_id=campaign_id,
                account_id=account_id,
                phone_id=phone_id,
                number="+27821234567",
                agent="Agent One",
                agent_interface="PJSIP/1001",
                mode="progressive",
                state="busy",
                placed_at=NOW,
            )
        )


def test_a_refused_row_or_an_unimportable_file_marks_nothing_paid(engine: Engine, tmp_path: Path) -> None:
    import_campaign(engine, write_csv(tmp_path, GOOD), "c", NOW)
    typo = [GOOD[0], ["1002", "Johan Botha", "083 765 4321", "12O.00", "400", "af", ""]]
    result = import_campaign(engine, write_csv(tmp_path, typo, name="typo.csv"), "c", LATER)
    assert result.errors == [(3, "arrears '12O.00' is not an amount in rand")]
    rows = accounts(engine)
    assert rows["1002"].status == "active" and rows["1003"].status == "paid"  # 1002 was in the file

    bad_only = [["1001", "Sipho Dlamini", "12", "1.00", "1", "en", ""]]
    result = import_campaign(engine, write_csv(tmp_path, bad_only, name="bad.csv"), "c", LATER)
    assert result.nothing_imported and result.marked_paid == 0
    assert accounts(engine)["1002"].status == "active"

    with pytest.raises(ImportFileError, match="lacks arrears, days_in_arrears"):
        import_campaign(engine, write_csv(tmp_path, GOOD, ["account", "name", "phone"], "h.csv"), "c", LATER)
    with pytest.raises(ImportFileError, match="cannot be read"):
        import_campaign(engine, tmp_path / "missing.csv", "c", LATER)
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(ImportFileError, match="no header row"):
        import_campaign(engine, tmp_path / "empty.csv", "c", LATER)
    (tmp_path / "fake.xlsx").write_text("not a workbook")
    with pytest.raises(ImportFileError, match=r"not a readable \.xlsx"):
        import_campaign(engine, tmp_path / "fake.xlsx", "c", LATER)
    assert accounts(engine)["1002"].status == "active"


@pytest.mark.parametrize(
    ("priority", "keys"),
    [
        ("arrears_desc", {"1001": -123450, "1002": -9900, "1003": -500000}),
        ("days_desc", {"1001": -95, "1002": -400, "1003": -30}),
        ("file_order", {"1001": 2, "1002": 3, "1003": 4}),
    ],
)
def test_priority_keys(engine: Engine, tmp_path: Path, priority: str, keys: dict[str, int]) -> None:
    import_campaign(
        engine, write_csv(tmp_path, GOOD), "c", NOW, priority=priority, mode="preview", queue="q2"
    )
    assert {number: row.priority_key for number, row in accounts(engine).items()} == keys
    with engine.connect() as conn:
        assert conn.execute(select(CAMPAIGNS.c.priority, CAMPAIGNS.c.mode, CAMPAIGNS.c.queue)).one() == (
            priority,
            "preview",
            "q2",
        )


def test_changing_the_priority_on_reimport_reorders_the_campaign(engine: Engine, tmp_path: Path) -> None:
    import_campaign(engine, write_csv(tmp_path, GOOD), "c", NOW)
    import_campaign(engine, write_csv(tmp_path, GOOD), "c", LATER, priority="days_desc")
    with engine.connect() as conn:
        order = conn.scalars(select(ACCOUNTS.c.account_number).order_by(ACCOUNTS.c.priority_key)).all()
    assert order == ["1002", "1001", "1003"]
    with pytest.raises(ValueError, match="unknown priority"):
        import_campaign(engine, write_csv(tmp_path, GOOD), "c", LATER, priority="random")


def test_progress_is_reported_in_rows(engine: Engine, tmp_path: Path) -> None:
    rows = [[str(5000 + n), f"Holder {n}", f"082{n:07d}", "10.00", "5", "en", ""] for n in range(6000)]
    seen: list[int] = []
    result = import_campaign(engine, write_csv(tmp_path, rows), "big", NOW, progress=seen.append)
    assert result.added == 6000 and result.errors == []
    assert seen == [5000, 6000]
    assert len(accounts(engine)) == 6000


@pytest.mark.parametrize(
    ("text", "cents"),
    [
        ("1234.50", 123450),
        ("1 234,50", 123450),
        ("R 1 234.50", 123450),
        ("1,234.50", 123450),
        ("1.234,50", 123450),
        ("1234,5", 123450),
        ("1,234", 123400),
        ("1 000 000", 100000000),
        ("-12.00", -1200),
        ("0", 0),
    ],
)
def test_amount_formats(text: str, cents: int) -> None:
    assert sheets.cents(text) == cents


@pytest.mark.parametrize("text", ["12.345.6", "1,23,4", "1e5", "NaN", "12.3.4,5", "R", "1.2.3"])
def test_amounts_that_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match=r"is not an amount|more than two decimals"):
        sheets.cents(text)


def test_optional_columns_language_names_and_time_zones(engine: Engine, tmp_path: Path) -> None:
    header = ["Account", "Name", "Cell", "Tel 2", "Arrears Amount", "Days", "Lang", "Area", "Time Zone"]
    rows = [
        ["3001", "Lerato Dlamini", "0821234567", "", "10.00", "5", "isiZulu", "Ward 1", ""],
        ["3002", "Kobus Smit", "0821234568", "0215550100", "10.00", "5", "Afrikaans", "", "Africa/Windhoek"],
        ["3003", "Mary Jones", "0821234569", "", "10.00", "5", "en", "", "Mars/Olympus"],
    ]
    result = import_campaign(
        engine, write_csv(tmp_path, rows, header), "c", NOW, default_timezone="Africa/Maputo"
    )
    assert result.errors == [(4, "time zone 'Mars/Olympus' does not exist (e.g. Africa/Johannesburg)")]
    found = accounts(engine)
    assert (found["3001"].language, found["3001"].timezone) == ("zu", "Africa/Maputo")
    assert (found["3002"].language, found["3002"].timezone) == ("af", "Africa/Windhoek")
    assert numbers(engine, "3002") == [("+27821234568", 0), ("+27215550100", 1)]


def test_a_number_the_export_stops_listing_is_never_dialled_again_until_it_returns(
    engine: Engine, tmp_path: Path
) -> None:
    def statuses() -> dict[str, str]:
        query = select(PHONES.c.number, PHONES.c.status).join(ACCOUNTS, ACCOUNTS.c.id == PHONES.c.account_id)
        with engine.connect() as conn:
            return dict(conn.execute(query.where(ACCOUNTS.c.account_number == "1001")).all())

    import_campaign(engine, write_csv(tmp_path, GOOD), "c", NOW)
    with engine.begin() as conn:  # an agent marked the landline wrong before
        conn.execute(update(PHONES).where(PHONES.c.number == "+27115550100").values(status="wrong_number"))
    dropped = [["1001", "Sipho Dlamini", "0845550000", "1234.50", "95", "zu", "Ward 3"], *GOOD[1:]]
    import_campaign(engine, write_csv(tmp_path, dropped, name="b.csv"), "c", LATER)
    assert statuses() == {
        "+27821234567": "unlisted",
        "+27115550100": "wrong_number",
        "+27845550000": "active",
    }
    import_campaign(engine, write_csv(tmp_path, GOOD, name="c.csv"), "c", LATER)
    assert statuses() == {
        "+27821234567": "active",
        "+27115550100": "wrong_number",
        "+27845550000": "unlisted",
    }
