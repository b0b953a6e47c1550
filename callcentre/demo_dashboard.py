"""The end of ``callcentre demo``: one log-in per dashboard role, then the dashboard on the demo data.

The passwords are random and printed once; only their Argon2id hashes are stored, as for any user.
The dashboard runs in the foreground (Ctrl-C stops it) exactly as ``callcentre dashboard`` serves it.
"""

from __future__ import annotations

import os
import secrets
import subprocess
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from sqlalchemy import Connection, func, select

from callcentre.bootstrap import App
from callcentre.cli_dashboard import streamlit_command
from dashboard import users
from dashboard.models import ROLES, User
from telephony.models import Call

#: Who made the demo users, as the audit log records it.
BY = "demo"


@dataclass(frozen=True, slots=True)
class DemoLogin:
    """A demo user and its password (shown once)."""

    username: str
    password: str
    role: str
    agent_name: str | None


def busiest_agent(connection: Connection) -> str | None:
    """The agent who answered or placed the most calls (``None`` if no call had an agent)."""
    query = (
        select(Call.agent)
        .where(Call.agent.is_not(None))
        .group_by(Call.agent)
        .order_by(func.count().desc(), Call.agent)
        .limit(1)
    )
    return connection.execute(query).scalar()


def create_demo_users(connection: Connection) -> list[DemoLogin]:
    """One user per role (named after it) with a random password; an existing username is left alone.

    The agent user is the busiest agent, so their own calls and scores have something to show.
    """
    agent = busiest_agent(connection)
    existing = set(connection.execute(select(User.username)).scalars())
    made = []
    for role in ROLES:
        if role in existing or (role == "agent" and agent is None):
            continue
        login = DemoLogin(role, secrets.token_urlsafe(12), role, agent if role == "agent" else None)
        users.add_user(
            connection,
            login.username,
            login.password,
            role,
            by=BY,
            display_name=f"Demo {role}",
            agent_name=login.agent_name,
        )
        made.append(login)
    return made


def print_logins(console: Console, logins: list[DemoLogin], url: str) -> None:
    """The dashboard's address and the log-ins (the only time the passwords are shown)."""
    console.print(f"[bold]QA dashboard:[/] {url}  (Ctrl-C stops it)")
    if not logins:
        console.print("No demo users were added (they exist already): log in with yours.")
    for login in logins:
        agent = f" (agent {login.agent_name})" if login.agent_name else ""
        console.print(
            f"  {login.role:<11} user [bold]{login.username}[/] password [bold]{login.password}[/]{agent}"
        )
    console.print("These passwords are shown only now.")


def dashboard_env(app: App, config_file: Path | None) -> dict[str, str]:
    """The environment that points the dashboard at the demo's database and recordings."""
    env = dict(os.environ)
    env["CALLCENTRE_DATABASE_URL"] = app.settings.sqlalchemy_url()
    env["CALLCENTRE_DATA_DIR"] = str(app.settings.data_dir)
    env["CALLCENTRE_RECORDINGS_ROOT"] = str(app.settings.recordings_root)
    if config_file is not None:
        env["CALLCENTRE_CONFIG"] = str(config_file)
    return env


def serve_dashboard(app: App, console: Console, port: int, config_file: Path | None = None) -> int:
    """Add the demo users, print the log-ins and serve the dashboard until Ctrl-C; its exit status."""
    with app.engine.begin() as connection:
        logins = create_demo_users(connection)
    env = dashboard_env(app, config_file)
    app.engine.dispose()
    print_logins(console, logins, f"http://localhost:{port}")
    process = subprocess.Popen(streamlit_command("127.0.0.1", port), env=env)
    try:
        return process.wait()
    except KeyboardInterrupt:  # Ctrl-C reached Streamlit too (same process group): let it finish
        return process.wait()
