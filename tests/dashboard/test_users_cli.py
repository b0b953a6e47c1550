"""``callcentre users add|list|disable`` and ``callcentre dashboard`` end to end on a SQLite file."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import select

from callcentre import cli_dashboard  # registers the sub-commands on the group
from callcentre.cli import cli
from callcentre.db import make_engine
from dashboard import passwords
from dashboard.models import AuditEntry, User
from tests.test_cli import CALLCENTRE, cli_env, ok, process_env, run

PASSWORD = "correct-horse-battery"


def invoke(data_dir: Path, *args: str, stdin: str | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), env=cli_env(data_dir), input=stdin)


@pytest.fixture
def upgraded(tmp_path: Path) -> Path:
    ok(tmp_path, "db", "upgrade")
    return tmp_path


def stored(data_dir: Path) -> dict[str, tuple[str, str | None, bool, str]]:
    engine = make_engine(f"sqlite:///{data_dir / 'callcentre.db'}")
    with engine.connect() as connection:
        rows = connection.execute(
            select(User.username, User.role, User.agent_name, User.disabled, User.password_hash)
        )
        found = {row.username: (row.role, row.agent_name, row.disabled, row.password_hash) for row in rows}
    engine.dispose()
    return found


def test_users_add_asks_for_the_password_twice_and_stores_only_its_hash(upgraded: Path) -> None:
    result = invoke(
        upgraded,
        "users",
        "add",
        "thandi",
        "--role",
        "agent",
        "--agent-name",
        "Thandi Mokoena",
        stdin=f"{PASSWORD}\n{PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    assert "user thandi added (agent, agent Thandi Mokoena)" in result.output
    assert PASSWORD not in result.output  # the prompt hides it
    role, agent, disabled, digest = stored(upgraded)["thandi"]
    assert (role, agent, disabled) == ("agent", "Thandi Mokoena", False)
    assert digest.startswith("$argon2id$") and passwords.verify_password(digest, PASSWORD)


def test_users_add_refuses_two_different_passwords(upgraded: Path) -> None:
    result = invoke(
        upgraded, "users", "add", "nomsa", "--role", "qa", stdin=f"{PASSWORD}\nsomething-else-1\n" * 3
    )
    assert result.exit_code != 0 and "nomsa" not in stored(upgraded)


def test_users_add_reads_the_password_from_stdin_and_explains_refusals(upgraded: Path) -> None:
    added = invoke(
        upgraded, "users", "add", "admin", "--role", "admin", "--password-stdin", stdin=PASSWORD + "\n"
    )
    assert added.exit_code == 0, added.output
    again = invoke(
        upgraded, "users", "add", "admin", "--role", "admin", "--password-stdin", stdin=PASSWORD + "\n"
    )
    assert again.exit_code != 0 and "already exists" in again.output
    weak = invoke(
        upgraded, "users", "add", "sipho", "--role", "supervisor", "--password-stdin", stdin="short\n"
    )
    assert weak.exit_code != 0 and "at least 10 characters" in weak.output
    agent = invoke(
        upgraded, "users", "add", "pieter", "--role", "agent", "--password-stdin", stdin=PASSWORD + "\n"
    )
    assert agent.exit_code != 0 and "--agent-name" in agent.output
    assert run(upgraded, "users", "add", "x", "--role", "boss").exit_code != 0


def test_users_list_and_disable(upgraded: Path) -> None:
    for name, role in (("nomsa", "qa"), ("sipho", "supervisor")):
        invoke(
            upgraded,
            "users",
            "add",
            name,
            "--role",
            role,
            "--display-name",
            name.title(),
            "--password-stdin",
            stdin=PASSWORD + "\n",
        )
    assert "user nomsa disabled" in ok(upgraded, "users", "disable", "nomsa").output
    listing = ok(upgraded, "users", "list").output
    assert "nomsa" in listing and "disabled" in listing and "argon2" not in listing
    rows = [json.loads(line) for line in ok(upgraded, "users", "list", "--json").output.splitlines()]
    assert [(row["username"], row["role"], row["disabled"]) for row in rows] == [
        ("nomsa", "qa", True),
        ("sipho", "supervisor", False),
    ]
    assert "password_hash" not in rows[0]
    missing = run(upgraded, "users", "disable", "nobody")
    assert missing.exit_code != 0 and "no enabled user 'nobody'" in missing.output
    engine = make_engine(f"sqlite:///{upgraded / 'callcentre.db'}")
    with engine.connect() as connection:
        actions = connection.execute(select(AuditEntry.username, AuditEntry.action, AuditEntry.subject)).all()
    engine.dispose()
    assert ("user_disabled", "nomsa") in [(action, subject) for _, action, subject in actions]
    assert all(who.startswith("cli") for who, _, _ in actions)


def test_users_and_dashboard_refuse_an_unmigrated_database(tmp_path: Path) -> None:
    for args in (("users", "list"), ("dashboard", "--port", "8599")):
        result = run(tmp_path, *args)
        assert result.exit_code != 0 and "callcentre db upgrade" in result.output


def test_the_dashboard_command_runs_streamlit_headless_on_the_address_given() -> None:
    command = cli_dashboard.streamlit_command("0.0.0.0", 8600)
    assert command[:4] == [sys.executable, "-m", "streamlit", "run"]
    assert Path(command[4]).name == "app.py" and Path(command[4]).is_file()
    options = dict(zip(command[5::2], command[6::2], strict=True))
    assert options["--server.address"] == "0.0.0.0" and options["--server.port"] == "8600"
    assert options["--server.headless"] == "true" and options["--browser.gatherUsageStats"] == "false"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_callcentre_dashboard_serves_the_login_page(upgraded: Path) -> None:
    port = free_port()
    process = subprocess.Popen(
        [str(CALLCENTRE), "dashboard", "--port", str(port)],
        env=process_env(upgraded),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        health = ""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and health != "ok":
            assert process.poll() is None, process.communicate()[0]
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as response:
                    health = response.read().decode()
            except OSError:
                time.sleep(0.3)
        assert health == "ok"
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as response:
            assert response.status == 200 and "<noscript>" in response.read().decode()
    finally:
        process.terminate()
        output = process.communicate(timeout=30)[0]
    assert f"QA dashboard on http://127.0.0.1:{port}" in output
