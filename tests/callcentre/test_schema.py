"""The schema check: an out-of-date database is refused with the command that fixes it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import inspect
from sqlalchemy.engine import make_url

from callcentre.db import make_engine
from callcentre.schema import SchemaOutOfDate, current_revision, ensure_current, head_revision, upgrade
from tests.conftest import CAPTURES, Database, unmigrated_database
from tests.test_cli import run

FIX = "callcentre db upgrade"


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A database with no tables at all (the shared ``database`` fixture is already migrated)."""
    with unmigrated_database(request.param, tmp_path) as database:
        yield database


def test_an_empty_database_is_refused_with_the_command_to_run(empty_database: Database) -> None:
    assert current_revision(empty_database.engine) is None
    with pytest.raises(SchemaOutOfDate) as raised:
        ensure_current(empty_database.engine)
    message = str(raised.value)
    assert FIX in message and "has no tables yet" in message and head_revision() in message


def test_after_upgrade_the_database_is_current(empty_database: Database) -> None:
    upgrade(empty_database.engine)
    ensure_current(empty_database.engine)
    assert current_revision(empty_database.engine) == head_revision()
    tables = set(inspect(empty_database.engine).get_table_names())
    assert {"raw_events", "calls", "call_legs", "queue_visits", "holds", "transfers"} <= tables


def test_upgrading_twice_is_harmless(empty_database: Database) -> None:
    upgrade(empty_database.engine)
    upgrade(empty_database.engine)
    ensure_current(empty_database.engine)


def test_the_message_names_the_database_but_never_its_password(tmp_path: Path) -> None:
    """On PostgreSQL (a SQLite URL has no password). The test server trusts local connections."""
    with unmigrated_database("postgresql", tmp_path) as database:
        url = make_url(database.url).set(password="s3cr3t-pw").render_as_string(hide_password=False)
        engine = make_engine(url)
        try:
            with pytest.raises(SchemaOutOfDate) as raised:
                ensure_current(engine)
        finally:
            engine.dispose()
    assert "s3cr3t-pw" not in str(raised.value)
    assert f"/{make_url(url).database}" in str(raised.value)  # it still says which database


def test_calls_on_an_unmigrated_sqlite_file_fails_and_says_to_upgrade(tmp_path: Path) -> None:
    result = run(tmp_path, "calls")
    assert result.exit_code != 0
    assert FIX in result.output and "has no tables yet" in result.output
    assert str(tmp_path / "callcentre.db") in result.output


@pytest.mark.parametrize("command", ["stats", "replay", "logger"])
def test_every_database_command_refuses_an_unmigrated_database(tmp_path: Path, command: str) -> None:
    arguments = [str(CAPTURES / "inbound_answered.ami")] if command == "replay" else []
    result = run(tmp_path, command, *arguments)
    assert result.exit_code != 0 and FIX in result.output


def test_db_upgrade_then_lets_calls_run(tmp_path: Path) -> None:
    assert run(tmp_path, "calls").exit_code != 0
    upgraded = run(tmp_path, "db", "upgrade")
    assert upgraded.exit_code == 0, upgraded.output
    assert f"is at revision {head_revision()}" in upgraded.output
    result = run(tmp_path, "calls", "--json")
    assert result.exit_code == 0, result.output
    assert result.stdout == ""  # no calls yet, and no complaint
