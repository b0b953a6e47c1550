"""``callcentre dashboard`` (the Streamlit QA dashboard) and ``callcentre users add|list|disable``."""

from __future__ import annotations

import getpass
import json
import os
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path

import click

import dashboard as dashboard_package
from callcentre.cli import CliState, cli, pass_state
from dashboard import users as dashboard_users
from dashboard.models import ROLES

APP = Path(dashboard_package.__file__).resolve().with_name("app.py")


def streamlit_command(host: str, port: int) -> list[str]:
    """The command that serves the dashboard (headless, no usage statistics sent anywhere)."""
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(APP),
        "--server.address",
        host,
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        "--client.toolbarMode",
        "minimal",
    ]


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8501, show_default=True, type=click.IntRange(1, 65535))
@pass_state
def dashboard(state: CliState, host: str, port: int) -> None:
    """Serve the QA dashboard against the configured database (log in with a `callcentre users add` user)."""
    app = state.app()  # refuses an out-of-date schema before anything starts
    env = dict(os.environ)
    env["CALLCENTRE_DATABASE_URL"] = app.settings.sqlalchemy_url()
    env["CALLCENTRE_DATA_DIR"] = str(app.settings.data_dir)
    if state.config_file is not None:
        env["CALLCENTRE_CONFIG"] = str(state.config_file)
    app.engine.dispose()
    click.echo(f"QA dashboard on http://{host}:{port} (Ctrl-C stops it)")
    command = streamlit_command(host, port)
    if os.name == "posix":
        sys.stdout.flush()
        os.execve(sys.executable, command, env)  # Streamlit takes this process: signals reach it directly
    try:
        sys.exit(subprocess.call(command, env=env))
    except KeyboardInterrupt:
        sys.exit(130)


@cli.group("users")
def users_group() -> None:
    """Dashboard users (QA reviewers, supervisors, agents, admins)."""


def _who() -> str:
    """Who made a change from the command line, as the audit log records it."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


@users_group.command("add")
@click.argument("username")
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--agent-name", help="For an agent: the name their calls are recorded under.")
@click.option("--display-name", help="The name shown in the dashboard (default: the username).")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin.")
@pass_state
def users_add(
    state: CliState,
    username: str,
    role: str,
    agent_name: str | None,
    display_name: str | None,
    password_stdin: bool,
) -> None:
    """Add a dashboard user; the password is asked for twice (hidden), or read from stdin."""
    app = state.app()
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        with app.engine.begin() as connection:
            dashboard_users.add_user(
                connection,
                username,
                password,
                role,
                by=_who(),
                display_name=display_name,
                agent_name=agent_name,
            )
    except dashboard_users.UserError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"user {username} added ({role}{', agent ' + agent_name if agent_name else ''})")


@users_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@pass_state
def users_list(state: CliState, as_json: bool) -> None:
    """List the dashboard users (never their password hashes)."""
    app = state.app()
    with app.engine.connect() as connection:
        everyone = dashboard_users.list_users(connection)
    for user in everyone:
        if as_json:
            click.echo(json.dumps(asdict(user), default=str))
        else:
            status = "disabled" if user.disabled else "enabled"
            agent = f" agent={user.agent_name}" if user.agent_name else ""
            click.echo(f"{user.username:20} {user.role:10} {status:8} {user.display_name}{agent}")
    if not everyone and not as_json:
        click.echo("no users yet: add one with `callcentre users add NAME --role admin`")


@users_group.command("disable")
@click.argument("username")
@pass_state
def users_disable(state: CliState, username: str) -> None:
    """Disable a user: they can no longer log in (their audit history stays)."""
    app = state.app()
    try:
        with app.engine.begin() as connection:
            dashboard_users.disable_user(connection, username, by=_who())
    except dashboard_users.UserError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"user {username} disabled")
