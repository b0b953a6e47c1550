"""``callcentre campaign``, ``dnc`` and ``payments`` end to end against a real database."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from sqlalchemy import insert, select

import callcentre.cli_campaigns  # noqa: F401  (registers the commands)
from telephony.campaigns.importer import ACCOUNTS
from telephony.campaigns.models import CallOutcome, Promise
from tests.campaigns.test_importer import GOOD, HEADER, write_csv
from tests.conftest import Database
from tests.test_cli import run


def test_campaign_import_reports_rows_and_lists_counts(database: Database, tmp_path: Path) -> None:
    url = database.url
    rows = [*GOOD, ["1009", "Bongani Zulu", "082 123", "812.40", "45", "zu", ""], GOOD[1]]
    path = write_csv(tmp_path, rows)
    result = run(
        tmp_path,
        "--database-url",
        url,
        "campaign",
        "import",
        str(path),
        "--campaign",
        "nov",
        "--mode",
        "preview",
    )
    assert result.exit_code == 0, result.output
    assert "row 5: no valid phone number (phones: '082 123' is too short)" in result.output
    assert "row 6: account 1002 repeated (first on row 3)" in result.output
    assert "campaign nov created: 3 accounts added, 0 updated, 0 marked paid" in result.output
    assert "2 rows refused" in result.output

    shorter = write_csv(tmp_path, GOOD[:2], name="dec.csv")
    again = run(tmp_path, "--database-url", url, "campaign", "import", str(shorter), "--campaign", "nov")
    assert again.exit_code == 0, again.output
    assert "campaign nov updated: 0 accounts added, 2 updated, 1 marked paid" in again.output

    listed = run(tmp_path, "--database-url", url, "campaign", "list", "--json")
    assert listed.exit_code == 0, listed.output
    (summary,) = [json.loads(line) for line in listed.output.splitlines()]
    assert (summary["name"], summary["mode"], summary["queue"], summary["accounts"]) == (
        "nov",
        "preview",
        "revenue",
        3,
    )
    assert summary["statuses"] == {"active": 2, "dispute": 0, "paid": 1, "done": 0, "exhausted": 0}
    assert summary["last_import_at"] is not None
    text = run(tmp_path, "--database-url", url, "campaign", "list")
    assert "nov: preview, arrears_desc, queue revenue; 3 accounts (2 active, 0 dispute, 1 paid" in text.output


def test_an_unreadable_file_exits_1_and_changes_nothing(database: Database, tmp_path: Path) -> None:
    url = database.url
    missing = run(
        tmp_path, "--database-url", url, "campaign", "import", str(tmp_path / "nope.csv"), "--campaign", "x"
    )
    assert missing.exit_code == 1 and "cannot be read" in missing.output
    header = write_csv(tmp_path, GOOD, [*HEADER[:3], "amount_due", *HEADER[4:]])
    bad = run(tmp_path, "--database-url", url, "campaign", "import", str(header), "--campaign", "x")
    assert bad.exit_code == 1 and "header (row 1) lacks arrears" in bad.output
    with database.engine.connect() as conn:
        assert conn.execute(select(ACCOUNTS.c.id)).first() is None
    assert run(tmp_path, "--database-url", url, "campaign", "list").output == ""


def test_dnc_add_import_list_remove(database: Database, tmp_path: Path) -> None:
    url = database.url
    added = run(tmp_path, "--database-url", url, "dnc", "add", "082 123 4567", "--reason", "asked")
    assert added.exit_code == 0 and "+27821234567 added" in added.output
    twice = run(tmp_path, "--database-url", url, "dnc", "add", "+27821234567")
    assert twice.exit_code == 0 and "+27821234567 was already listed" in twice.output
    bad = run(tmp_path, "--database-url", url, "dnc", "add", "12")
    assert bad.exit_code == 1 and "'12' is too short" in bad.output
    path = tmp_path / "dnc.csv"
    path.write_text("number,reason\n0831112222,register\nxyz,\n0821234567,\n", encoding="utf-8")
    imported = run(tmp_path, "--database-url", url, "dnc", "import", str(path))
    assert imported.exit_code == 0, imported.output
    assert "row 3: 'xyz' is not a phone number" in imported.output
    assert "1 numbers added, 1 already listed, 1 rows refused" in imported.output
    listed = run(tmp_path, "--database-url", url, "dnc", "list", "--json")
    assert listed.exit_code == 0, listed.output
    numbers = {entry["number"]: entry for entry in map(json.loads, listed.output.splitlines())}
    assert sorted(numbers) == ["+27821234567", "+27831112222"]
    assert (numbers["+27821234567"]["reason"], numbers["+27821234567"]["source"]) == ("asked", "manual")
    removed = run(tmp_path, "--database-url", url, "dnc", "remove", "0831112222")
    assert removed.exit_code == 0 and "removed" in removed.output
    shown = run(tmp_path, "--database-url", url, "dnc", "list")
    assert shown.exit_code == 0 and "+27821234567  manual by " in shown.output and ": asked" in shown.output
    assert "+27831112222" not in shown.output


def test_payments_import_settles_promises(database: Database, tmp_path: Path) -> None:
    url = database.url
    run(
        tmp_path,
        "--database-url",
        url,
        "campaign",
        "import",
        str(write_csv(tmp_path, GOOD)),
        "--campaign",
        "c",
    )
    today = dt.date.today()
    with database.engine.begin() as conn:
        account = conn.execute(select(ACCOUNTS).where(ACCOUNTS.c.account_number == "1001")).one()
        made = dt.datetime.now(dt.UTC) - dt.timedelta(days=20)
        for number, due in ((1, today - dt.timedelta(days=15)), (2, today + dt.timedelta(days=5))):
            outcome = conn.execute(
                insert(CallOutcome)
                .values(
                    campaign_id=account.campaign_id,
                    account_id=account.id,
                    agent="a",
                    at=made,
                    right_party=True,
                    kind="arrangement",
                )
                .returning(CallOutcome.id)
            ).scalar_one()
            conn.execute(
                insert(Promise).values(
                    campaign_id=account.campaign_id,
                    account_id=account.id,
                    outcome_id=outcome,
                    agent="a",
                    made_at=made,
                    amount_cents=50_000,
                    due_date=due,
                    instalment=number,
                )
            )
    paid_on = (today - dt.timedelta(days=16)).isoformat()
    path = tmp_path / "payments.csv"
    path.write_text(
        f"account_number,amount,paid_on,reference\n1001,500.00,{paid_on},R1\n1001,x,{paid_on},R2\n"
    )
    result = run(tmp_path, "--database-url", url, "payments", "import", str(path))
    assert result.exit_code == 0, result.output
    assert "row 3: amount 'x' is not an amount in rand" in result.output
    assert "1 payments added, 0 already imported, 1 rows refused" in result.output
    assert "promises: 1 kept, 0 broken, 1 open" in result.output
    again = run(tmp_path, "--database-url", url, "payments", "import", str(path))
    assert "0 payments added, 1 already imported" in again.output
    assert "promises: 0 kept, 0 broken, 1 open" in again.output
