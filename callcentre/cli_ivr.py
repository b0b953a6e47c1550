"""``callcentre ivr`` (the FastAGI server; prompts), ``callcentre requests`` and ``callcentre accounts``."""

from __future__ import annotations

import json
import logging
import signal
import threading
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from zoneinfo import ZoneInfo

import click

from callcentre.cli import CliState, cli, pass_state
from ivr.agi import AgiServer
from ivr.backend import DatabaseBackend
from ivr.engine import Engine
from ivr.imports import RequestError, import_accounts, import_statuses, list_requests, update_status
from ivr.menu_loader import DEFAULT_MENU, load_menu
from ivr.models import REQUEST_STATUSES
from ivr.prompts import Prompts
from ivr.sip_service import sip_endpoint
from ivr.store import SessionStore

log = logging.getLogger(__name__)


@cli.group(invoke_without_command=True)
@click.option("--agi-host", help="Address the FastAGI server listens on (setting ivr.agi_host).")
@click.option("--agi-port", type=int, help="FastAGI port (setting ivr.agi_port, 4573).")
@click.option(
    "--sip/--no-sip", default=None, help="Also serve the pyVoIP SIP endpoint (setting ivr.sip_enabled)."
)
@click.pass_context
def ivr(ctx: click.Context, agi_host: str | None, agi_port: int | None, sip: bool | None) -> None:
    """Run the IVR until SIGTERM/SIGINT: the FastAGI server (``AGI(agi://host:port)`` in the dialplan)
    and, with ``--sip``, the pyVoIP endpoint registered to Asterisk (``Dial(PJSIP/ivr)``)."""
    if ctx.invoked_subcommand is not None:
        return
    state = ctx.find_object(CliState)
    assert state is not None
    app = state.app(**{"ivr.agi_host": agi_host, "ivr.agi_port": agi_port, "ivr.sip_enabled": sip})
    settings = app.settings
    menu = load_menu(settings.ivr.resolved_menu() or DEFAULT_MENU)
    server = AgiServer(
        (settings.ivr.agi_host, settings.ivr.agi_port),
        Engine(menu),
        DatabaseBackend(app.engine, settings.ivr),
        SessionStore(app.engine),
        settings.ivr,
        timezone=settings.timezone,
        recordings_dir=settings.pbx_recordings_dir,
    )
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    thread = threading.Thread(target=server.serve_forever, name="fastagi", daemon=True)
    thread.start()
    host, port = str(server.server_address[0]), int(server.server_address[1])
    click.echo(f"FastAGI listening on {host}:{port} (menu {menu.name})", err=True)
    endpoint = sip_endpoint(settings, app.engine, Engine(menu)) if settings.ivr.sip_enabled else None
    try:
        if endpoint is not None:
            endpoint.start()
            click.echo(
                f"SIP endpoint registered at {settings.ivr.sip_server} as {settings.ivr.sip_username}",
                err=True,
            )
        stop.wait()
    finally:
        if endpoint is not None:
            endpoint.stop()
        server.shutdown()
        server.server_close()
        thread.join(10)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    click.echo(f"FastAGI stopped after {server.sessions} sessions", err=True)


@ivr.command("prompts")
@click.option("--generate", is_flag=True, help="Generate (espeak-ng) every prompt that is not recorded.")
@click.option("--json", "as_json", is_flag=True)
@pass_state
def ivr_prompts(state: CliState, generate: bool, as_json: bool) -> None:
    """Every prompt per language: recorded, generated or missing."""
    settings = state.settings()
    menu = load_menu(settings.ivr.resolved_menu() or DEFAULT_MENU)
    prompts = Prompts(
        settings.ivr.resolved_prompts_dir(), settings.ivr.resolved_prompt_cache_dir(settings.data_dir)
    )
    rows = prompts.generate(menu) if generate else prompts.listing(menu)
    if as_json:
        for row in rows:
            click.echo(json.dumps({**row.__dict__, "path": str(row.path) if row.path else None}))
        return
    for row in rows:
        note = f"  ({row.note})" if row.note and row.status != "recorded" else ""
        click.echo(f"{row.language:3} {row.status:9} {row.key}{note}")
    counts: dict[str, int] = {}
    for row in rows:
        counts[row.status] = counts.get(row.status, 0) + 1
    click.echo(", ".join(f"{count} {status}" for status, count in sorted(counts.items())))


@cli.group()
def requests() -> None:
    """Service requests logged by the IVR: list them, update their status."""


@requests.command("list")
@click.option("--status", type=click.Choice(REQUEST_STATUSES))
@click.option("--since", help="Created on or after (ISO date/time, local time zone).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@pass_state
def requests_list(state: CliState, status: str | None, since: str | None, as_json: bool) -> None:
    """Service requests, newest first."""
    app = state.app()
    start = None
    if since:
        try:
            start = datetime.fromisoformat(since)
        except ValueError:
            raise click.BadParameter(f"not an ISO date/time: {since!r}", param_hint="--since") from None
        if start.tzinfo is None:
            start = start.replace(tzinfo=ZoneInfo(app.settings.timezone))
    for row in list_requests(app.engine, status, start):
        if as_json:
            click.echo(json.dumps(row))
        else:
            detail = " ".join(str(v) for v in row["details"].values())
            click.echo(
                f"{row['reference']}  {row['status']:11} {row['category']:17} {row['created_at']}  {detail}"
            )


@requests.command("update")
@click.argument("reference")
@click.argument("status", type=click.Choice(REQUEST_STATUSES))
@click.option("--note", help="A note kept with the status.")
@pass_state
def requests_update(state: CliState, reference: str, status: str, note: str | None) -> None:
    """Set a service request's STATUS."""
    from sqlalchemy.orm import Session

    app = state.app()
    with Session(app.engine) as db:
        try:
            row = update_status(db, reference, status, note, datetime.now(UTC))
        except RequestError as exc:
            raise click.ClickException(str(exc)) from None
        db.commit()
        click.echo(f"{row.reference}: {row.status}")


@requests.command("import-status")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@pass_state
def requests_import_status(state: CliState, file: Path) -> None:
    """Apply status updates from a CSV (reference,status,note); bad rows are reported, good ones applied."""
    app = state.app()
    result = import_statuses(app.engine, file, datetime.now(UTC))
    _report(result.errors, f"{result.updated} requests updated")


@cli.group()
def accounts() -> None:
    """Billing accounts the IVR tells balances from."""


@accounts.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@pass_state
def accounts_import(state: CliState, file: Path) -> None:
    """Import the billing system's export (CSV); re-importing updates balances."""
    app = state.app()
    result = import_accounts(app.engine, file, app.settings.ivr.id_hash_salt.reveal(), datetime.now(UTC))
    _report(result.errors, f"{result.added} accounts added, {result.updated} updated")


def _report(errors: list[tuple[int, str]], summary: str) -> None:
    for row, reason in errors:
        click.echo(f"row {row}: {reason}", err=True)
    click.echo(summary + (f", {len(errors)} rows rejected" if errors else ""))
    if errors:
        raise SystemExit(1)
