"""``callcentre requests``, ``accounts import`` and ``ivr prompts`` against a real database."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

import callcentre.cli_ivr  # noqa: F401  (registers the commands)
from callcentre.settings import IvrSettings
from ivr import actions as a
from ivr import events as e
from ivr.backend import DatabaseBackend, SessionInfo
from ivr.models import BillingAccount
from ivr.references import luhn_check_digit
from tests.conftest import Database
from tests.test_cli import run

INFO = SessionInfo("c1", "0821234567", "L1", "agi")


def _id(body: str = "800101500908") -> str:
    return body + luhn_check_digit(body)


def _request(database: Database) -> str:
    event = DatabaseBackend(database.engine, IvrSettings()).handle(
        a.CreateServiceRequest("water", (("detail", "20456"),), "0821234567", "en"), INFO
    )
    assert isinstance(event, e.RequestCreated)
    return event.reference


def test_requests_are_listed_updated_and_a_wrong_check_digit_is_named(
    database: Database, tmp_path: Path
) -> None:
    reference = _request(database)
    url = database.url
    listed = run(tmp_path, "--database-url", url, "requests", "list", "--json")
    assert listed.exit_code == 0, listed.output
    assert json.loads(listed.output.splitlines()[0])["reference"] == reference
    done = run(
        tmp_path, "--database-url", url, "requests", "update", reference, "resolved", "--note", "fixed"
    )
    assert done.exit_code == 0 and "resolved" in done.output
    mistyped = reference[:-1] + str((int(reference[-1]) + 1) % 10)
    bad = run(tmp_path, "--database-url", url, "requests", "update", mistyped, "closed")
    assert bad.exit_code != 0 and "invalid check digit" in bad.output
    found = DatabaseBackend(database.engine, IvrSettings()).handle(a.LookupStatus(reference), INFO)
    assert found == e.StatusFound(reference, "resolved")
    only = run(tmp_path, "--database-url", url, "requests", "list", "--status", "logged", "--json")
    assert only.output.strip() == ""


def test_status_import_applies_good_rows_and_reports_every_bad_one(
    database: Database, tmp_path: Path
) -> None:
    reference = _request(database)
    csv_file = tmp_path / "statuses.csv"
    wrong = reference[:-1] + str((int(reference[-1]) + 1) % 10)
    csv_file.write_text(
        "reference,status,note\n"
        f"{reference},in_progress,team sent\n{wrong},closed,\n{reference},exploded,\n12,closed,\n"
    )
    result = run(tmp_path, "--database-url", database.url, "requests", "import-status", str(csv_file))
    assert result.exit_code == 1
    assert "row 3:" in result.output and "check digit" in result.output
    assert "row 4: unknown status" in result.output and "row 5:" in result.output
    assert "1 requests updated, 3 rows rejected" in result.output
    found = DatabaseBackend(database.engine, IvrSettings()).handle(a.LookupStatus(reference), INFO)
    assert found == e.StatusFound(reference, "in_progress")


def test_accounts_import_hashes_ids_reports_bad_rows_and_reimport_updates(
    database: Database, tmp_path: Path
) -> None:
    good = _id()
    csv_file = tmp_path / "billing.csv"
    csv_file.write_text(
        "account_number,holder,id_number,balance,area,phone\n"
        f"41234567,T Nkosi,{good},1234.56,Ward 7,+27821234567\n"
        f"41234568,No Check,{good[:-1]}{(int(good[-1]) + 1) % 10},10.00,,\n"
        f"ABC,Bad Number,{good},10.00,,\n"
        f"41234569,Bad Balance,{good},ten,,\n"
    )
    first = run(tmp_path, "--database-url", database.url, "accounts", "import", str(csv_file))
    assert first.exit_code == 1 and "1 accounts added, 0 updated, 3 rows rejected" in first.output
    assert "row 3: ID number" in first.output and "row 4: account number" in first.output
    assert "row 5: balance" in first.output
    with Session(database.engine) as db:
        row = db.scalars(select(BillingAccount)).one()
        assert row.balance_cents == 123456 and row.phone == "0821234567" and good not in str(vars(row))
    backend = DatabaseBackend(database.engine, IvrSettings())
    assert backend.handle(a.VerifyAccount("41234567", good[-4:]), INFO) == e.AccountVerified(
        "41234567", 123456
    )
    csv_file.write_text(f"account_number,holder,id_number,balance\n41234567,T Nkosi,{good},99.00\n")
    again = run(tmp_path, "--database-url", database.url, "accounts", "import", str(csv_file))
    assert again.exit_code == 0 and "0 accounts added, 1 updated" in again.output
    assert backend.handle(a.VerifyAccount("41234567", good[-4:]), INFO) == e.AccountVerified("41234567", 9900)


def test_ivr_prompts_lists_every_prompt_per_language(tmp_path: Path) -> None:
    recorded = tmp_path / "recorded" / "en"
    recorded.mkdir(parents=True)
    (recorded / "language.wav").write_bytes(b"RIFF")
    result = run(tmp_path, "ivr", "prompts", CALLCENTRE_IVR_PROMPTS_DIR=str(tmp_path / "recorded"))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "en  recorded  language" in lines
    assert any(line.startswith("zu  missing") and "Swahili" in line for line in lines)
    assert {line[:3].strip() for line in lines[:-1]} == {"en", "zu", "af", "st"}
    assert datetime.now(UTC)  # the listing does not generate anything
    assert not (tmp_path / "prompt-cache").exists()
