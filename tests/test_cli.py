"""The ``callcentre`` command end to end: a SQLite file, real captures, and a fake Asterisk for ``logger``."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import select

from callcentre import cli_calls, cli_logger, demo  # noqa: F401  (registers the sub-commands on the group)
from callcentre.cli import cli
from callcentre.db import make_engine
from callcentre.demo_dashboard import create_demo_users
from callcentre.schema import head_revision
from dashboard.models import ROLES, User
from dashboard.passwords import verify_password
from tests.conftest import CAPTURES, capture
from tests.telephony.fake_asterisk import FakeAsterisk, capture_events

#: The installed console script, beside the interpreter running the tests.
CALLCENTRE = Path(sys.executable).parent / "callcentre"


def cli_env(data_dir: Path, **extra: str) -> dict[str, str | None]:
    """Variables for one CLI run: nothing inherited that could pick another database or config."""
    env: dict[str, str | None] = {
        name: None
        for name in os.environ
        if name.startswith("CALLCENTRE_") and not name.startswith(("CALLCENTRE_TEST_", "CALLCENTRE_REQUIRE"))
    }
    env.update({"DATABASE_URL": None, "CALLCENTRE_CONFIG": None, "CALLCENTRE_DATA_DIR": str(data_dir)})
    env.update(extra)
    return env


def run(data_dir: Path, *args: str, **env: str) -> Result:
    return CliRunner().invoke(cli, list(args), env=cli_env(data_dir, **env))


def ok(data_dir: Path, *args: str) -> Result:
    result = run(data_dir, *args)
    assert result.exit_code == 0, f"{args}: {result.output}\n{result.exception!r}"
    return result


@pytest.fixture
def replayed(tmp_path: Path) -> Path:
    """A data directory whose database holds an abandoned faults call and an answered accounts call."""
    ok(tmp_path, "db", "upgrade")
    ok(tmp_path, "replay", str(CAPTURES / "inbound_abandoned.ami"), str(CAPTURES / "ivr_to_queue.ami"))
    return tmp_path


def json_lines(result: Result) -> list[dict[str, Any]]:
    return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


def test_db_upgrade_creates_the_sqlite_file_at_the_newest_revision(tmp_path: Path) -> None:
    result = ok(tmp_path, "db", "upgrade")
    assert f"is at revision {head_revision()}" in result.output
    assert (tmp_path / "callcentre.db").is_file()
    current = ok(tmp_path, "db", "current").output
    assert f"database: {head_revision()}; code needs: {head_revision()}" in current


def test_database_url_flag_picks_the_database(tmp_path: Path) -> None:
    other = tmp_path / "elsewhere" / "calls.db"
    ok(tmp_path, "--database-url", f"sqlite:///{other}", "db", "upgrade")
    assert other.is_file() and not (tmp_path / "callcentre.db").exists()


def test_replay_reports_events_read_kept_and_calls_built(tmp_path: Path) -> None:
    ok(tmp_path, "db", "upgrade")
    files = [str(CAPTURES / "inbound_abandoned.ami"), str(CAPTURES / "ivr_to_queue.ami")]
    first = ok(tmp_path, "replay", *files).output
    # README: inbound_abandoned has 100 events and ivr_to_queue 262; one call each.
    counts = re.search(r"(\d+) events read, (\d+) kept, (\d+) calls built", first)
    assert counts is not None, first
    read, kept, built = (int(value) for value in counts.groups())
    assert (read, built) == (362, 2) and 0 < kept < read
    again = ok(tmp_path, "replay", *files).output
    assert f"{read} events read, {kept} kept, 2 calls built" in again
    assert len(json_lines(ok(tmp_path, "calls", "--from", "2026-11-22", "--to", "2026-11-23", "--json"))) == 2


def test_calls_as_json_lines_with_e164_numbers(replayed: Path) -> None:
    rows = json_lines(ok(replayed, "calls", "--from", "2026-11-22", "--json"))
    assert [row["linkedid"] for row in rows] == ["1795350961.3", "1795350939.2"]  # newest first
    for row in rows:
        assert re.fullmatch(r"\+27\d{9}", row["caller_number"]), row
        assert re.fullmatch(r"\+27\d{9}", row["dialled_number"]), row
    assert [(row["queue"], row["disposition"]) for row in rows] == [
        ("accounts", "answered"),
        ("faults", "abandoned"),
    ]
    assert rows[0]["start_time"].startswith("2026-11-22 12:")  # stored in UTC


def test_calls_filter_by_queue(replayed: Path) -> None:
    period = ("--from", "2026-11-22", "--to", "2026-11-23")
    (row,) = json_lines(ok(replayed, "calls", *period, "--queue", "faults", "--json"))
    assert (row["caller_number"], row["disposition"]) == ("+27723339876", "abandoned")
    table = run(replayed, "calls", *period, "--queue", "faults", COLUMNS="200").output  # no wrapping
    assert "1 call(s)" in table and "+27723339876" in table and "abandoned" in table
    assert "0 call(s)" in ok(replayed, "calls", *period, "--queue", "revenue").output


def test_stats_as_json_has_queues_agents_and_call_backs(replayed: Path) -> None:
    document = json.loads(
        ok(replayed, "stats", "--from", "2026-11-22", "--to", "2026-11-23", "--json").stdout
    )
    assert set(document) >= {"from", "to", "queues", "agents", "call_backs"}
    queues = {item["queue"]: item for item in document["queues"]}
    assert list(queues) == ["accounts", "faults", "all"]
    figures = [(name, item["offered"], item["answered"], item["abandoned"]) for name, item in queues.items()]
    assert figures == [("accounts", 1, 1, 0), ("faults", 1, 0, 1), ("all", 2, 1, 1)]
    assert queues["all"]["abandonment_rate"] == 0.5
    assert [agent["agent"] for agent in document["agents"]] == ["Pieter van Wyk"]
    assert [item["caller_number"] for item in document["call_backs"]] == ["+27723339876"]


def test_stats_table_prints_the_three_tables(replayed: Path) -> None:
    output = ok(replayed, "stats", "--from", "2026-11-22", "--to", "2026-11-23").output
    for title in ("Queues", "Agents", "Abandoned callers to call back (1)"):
        assert title in output


@pytest.mark.parametrize("command", ["stats", "calls"])
def test_period_ending_before_it_starts_is_refused_clearly(replayed: Path, command: str) -> None:
    result = run(replayed, command, "--from", "2026-11-23", "--to", "2026-11-22")
    assert result.exit_code != 0
    assert "--to" in result.output and "must be after --from" in result.output


def test_a_date_that_is_not_a_date_is_refused_clearly(replayed: Path) -> None:
    result = run(replayed, "stats", "--from", "yesterday")
    assert result.exit_code != 0 and "'yesterday' is not a date or time" in result.output


@contextmanager
def fake_asterisk_in_a_thread(peer: FakeAsterisk) -> Iterator[int]:
    """Serve ``peer`` on its own event loop in a thread of this process; yields its port."""
    loop = asyncio.new_event_loop()
    started = threading.Event()

    def serve() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(peer.start())
        started.set()
        loop.run_forever()

    thread = threading.Thread(target=serve, name="fake-asterisk", daemon=True)
    thread.start()
    assert started.wait(10), "the fake Asterisk did not start"
    try:
        yield peer.port
    finally:
        asyncio.run_coroutine_threadsafe(peer.stop(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()


def process_env(data_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of a ``callcentre`` subprocess (see :func:`cli_env`)."""
    unset = cli_env(data_dir, **extra)
    env = {name: value for name, value in os.environ.items() if name not in unset}
    env.update({name: value for name, value in unset.items() if value is not None})
    return env


def logger_process(data_dir: Path, port: int, env: Mapping[str, str]) -> subprocess.Popen[str]:
    assert CALLCENTRE.is_file(), f"console script not installed at {CALLCENTRE}"
    command = [str(CALLCENTRE), "logger", "--ami-host", "127.0.0.1", "--ami-port", str(port)]
    return subprocess.Popen(
        command, env=process_env(data_dir, **env), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def test_logger_with_a_wrong_secret_exits_non_zero_saying_login_was_refused(tmp_path: Path) -> None:
    ok(tmp_path, "db", "upgrade")
    peer = FakeAsterisk(secret="the-right-one")
    with fake_asterisk_in_a_thread(peer) as port:
        process = logger_process(tmp_path, port, {"CALLCENTRE_AMI_SECRET": "wrong-secret-4411"})
        try:
            stdout, stderr = process.communicate(timeout=60)
        finally:
            if process.poll() is None:
                process.kill()
    output = stdout + stderr
    assert process.returncode == 1, output
    assert "refused login for user 'callcentre'" in output
    assert "wrong-secret-4411" not in output
    assert [action.get("Secret") for action in peer.actions] == ["wrong-secret-4411"]  # it did try once
    assert peer.logins == 0


def stored_linkedids(database: Path) -> list[str]:
    with sqlite3.connect(database) as connection:
        return [row[0] for row in connection.execute("SELECT linkedid FROM calls")]


def test_logger_records_calls_from_asterisk_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    ok(tmp_path, "db", "upgrade")
    peer = FakeAsterisk(secret="right", events=capture_events(capture("inbound_answered")))
    env = {"CALLCENTRE_AMI_SECRET": "right", "CALLCENTRE_LOGGER_END_GRACE_SECONDS": "0.2"}
    with fake_asterisk_in_a_thread(peer) as port:
        process = logger_process(tmp_path, port, env)
        try:
            deadline = time.monotonic() + 30
            while not stored_linkedids(tmp_path / "callcentre.db") and time.monotonic() < deadline:
                assert process.poll() is None, process.communicate()
                time.sleep(0.1)
            process.send_signal(signal.SIGTERM)
            stdout, stderr = process.communicate(timeout=30)
        finally:
            if process.poll() is None:
                process.kill()
    assert process.returncode == 0, stdout + stderr
    assert stored_linkedids(tmp_path / "callcentre.db") == ["1795350910.0"]
    assert peer.logins == 1


def test_demo_can_skip_the_dashboard(tmp_path: Path) -> None:
    """Tests and CI run ``callcentre demo --no-dashboard``: the demo must never block on a server."""
    assert "--no-dashboard" in ok(tmp_path, "demo", "--help").output


def test_demo_users_one_per_role_the_agent_being_the_busiest(replayed: Path) -> None:
    engine = make_engine(f"sqlite:///{replayed / 'callcentre.db'}")
    with engine.begin() as connection:
        logins = create_demo_users(connection)
        again = create_demo_users(connection)
        rows = connection.execute(select(User.username, User.password_hash))
        hashes = {row.username: row.password_hash for row in rows}
    engine.dispose()
    assert [login.role for login in logins] == list(ROLES) and again == []
    assert next(login.agent_name for login in logins if login.role == "agent") == "Pieter van Wyk"
    assert all(verify_password(hashes[login.username], login.password) for login in logins)
