"""``callcentre campaign`` (import an arrears list, list campaigns), ``callcentre dnc`` (the
do-not-call list) and ``callcentre payments import`` (then promises kept/broken).

Imports report every refused row as ``row N: reason`` and exit 0 when the good rows were imported;
a file that cannot be read at all (missing, not CSV/Excel, a required column lacking) exits 1
with nothing changed.
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import Connection, Table, func, select

from callcentre.cli import CliState, cli, pass_state
from telephony.campaigns import dnc as dnc_list
from telephony.campaigns.importer import CampaignImportResult, import_campaign
from telephony.campaigns.models import ACCOUNT_STATUSES, DIAL_MODES, PRIORITIES, Campaign, CampaignAccount
from telephony.campaigns.payments import import_payments, reconcile_promises
from telephony.campaigns.sheets import ImportFileError, count_rows

CAMPAIGNS: Table = Campaign.__table__  # type: ignore[assignment]
ACCOUNTS: Table = CampaignAccount.__table__  # type: ignore[assignment]
FILE = click.Path(dir_okay=False, path_type=Path)


@cli.group()
def campaign() -> None:
    """Revenue-collection campaigns: import arrears lists, list campaigns."""


@campaign.command("import")
@click.argument("file", type=FILE)
@click.option("--campaign", "name", required=True, help="Campaign name (created when new).")
@click.option("--queue", help="Queue whose agents work it (new campaigns: revenue).")
@click.option("--mode", type=click.Choice(DIAL_MODES), help="Dial mode (new campaigns: progressive).")
@click.option("--priority", type=click.Choice(PRIORITIES), help="Dialling order (new: arrears_desc).")
@pass_state
def campaign_import(
    state: CliState, file: Path, name: str, queue: str | None, mode: str | None, priority: str | None
) -> None:
    """Import (or re-import) an arrears list, CSV or .xlsx, into campaign NAME."""
    app = state.app()
    settings = app.settings
    with _progress(file) as progress:
        try:
            result = import_campaign(
                app.engine,
                file,
                name,
                dt.datetime.now(dt.UTC),
                region=settings.phone_region,
                queue=queue,
                mode=mode,
                priority=priority,
                progress=progress,
                default_timezone=settings.dialer.timezone,
            )
        except ValueError as exc:  # ImportFileError, or a campaign name too long
            raise click.ClickException(str(exc)) from None
    _report_import(result)


@contextmanager
def _progress(file: Path) -> Iterator[Callable[[int], None] | None]:
    """A rich progress bar on a terminal (the callback the import calls); nothing otherwise."""
    console = Console(stderr=True)
    if not console.is_terminal:
        yield None
        return
    columns = (TextColumn("importing"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task("import", total=count_rows(file))
        yield lambda done: bar.update(task, completed=done)


def _report_import(result: CampaignImportResult) -> None:
    for row, reason in result.errors:
        click.echo(f"row {row}: {reason}")
    for row, reason in result.warnings:
        click.echo(f"row {row}: warning: {reason}")
    verb = "created" if result.created else "updated"
    click.echo(
        f"campaign {result.campaign} {verb}: {result.added} accounts added, {result.updated} updated, "
        f"{result.marked_paid} marked paid, {result.reactivated} active again, "
        f"{result.phones_added} numbers added; {len(result.errors)} rows refused, "
        f"{len(result.warnings)} warnings"
    )
    if result.nothing_imported:
        click.echo("no row could be imported: accounts absent from the file were left as they were")


@campaign.command("list")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per campaign.")
@pass_state
def campaign_list(state: CliState, as_json: bool) -> None:
    """Campaigns with their accounts counted by status."""
    app = state.app()
    with app.engine.connect() as conn:
        rows = campaign_summaries(conn)
    for row in rows:
        if as_json:
            click.echo(json.dumps(row))
            continue
        counts = ", ".join(f"{row['statuses'][status]} {status}" for status in ACCOUNT_STATUSES)
        state_text = "" if row["active"] else " (inactive)"
        click.echo(
            f"{row['name']}{state_text}: {row['mode']}, {row['priority']}, queue {row['queue']}; "
            f"{row['accounts']} accounts ({counts}); last import {row['last_import_at'] or 'never'}"
        )


def campaign_summaries(conn: Connection) -> list[dict[str, Any]]:
    """Every campaign with its settings and its accounts counted by status."""
    counts: dict[int, dict[str, int]] = {}
    query = select(ACCOUNTS.c.campaign_id, ACCOUNTS.c.status, func.count()).group_by(
        ACCOUNTS.c.campaign_id, ACCOUNTS.c.status
    )
    for campaign_id, status, count in conn.execute(query):
        counts.setdefault(campaign_id, {})[status] = int(count)
    out = []
    for row in conn.execute(select(CAMPAIGNS).order_by(CAMPAIGNS.c.name)):
        statuses = {status: counts.get(row.id, {}).get(status, 0) for status in ACCOUNT_STATUSES}
        out.append(
            {
                "name": row.name,
                "queue": row.queue,
                "mode": row.mode,
                "priority": row.priority,
                "active": row.active,
                "accounts": sum(counts.get(row.id, {}).values()),
                "statuses": statuses,
                "created_at": row.created_at.isoformat(),
                "last_import_at": row.last_import_at.isoformat() if row.last_import_at else None,
            }
        )
    return out


@cli.group()
def dnc() -> None:
    """The do-not-call list."""


@dnc.command("import")
@click.argument("file", type=FILE)
@pass_state
def dnc_import(state: CliState, file: Path) -> None:
    """Add the numbers of a CSV/.xlsx with a ``number`` column (and optionally ``reason``)."""
    app = state.app()
    try:
        result = dnc_list.import_dnc(
            app.engine, file, dt.datetime.now(dt.UTC), app.settings.phone_region, _who()
        )
    except ImportFileError as exc:
        raise click.ClickException(str(exc)) from None
    for row, reason in result.errors:
        click.echo(f"row {row}: {reason}")
    click.echo(
        f"{result.added} numbers added, {result.already} already listed, {len(result.errors)} rows refused"
    )


def _who() -> str | None:
    """The operating-system user running the command (kept with the numbers they list)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (a container)
        return None


@dnc.command("add")
@click.argument("number")
@click.option("--reason", help="Why (kept with the number).")
@pass_state
def dnc_add(state: CliState, number: str, reason: str | None) -> None:
    """Put NUMBER on the do-not-call list."""
    app = state.app()
    with app.engine.begin() as conn:
        try:
            e164, added = dnc_list.add_number(
                conn,
                number,
                reason,
                "manual",
                _who(),
                dt.datetime.now(dt.UTC),
                app.settings.phone_region,
            )
        except ValueError as exc:
            raise click.ClickException(str(exc)) from None
    click.echo(f"{e164} added" if added else f"{e164} was already listed")


@dnc.command("remove")
@click.argument("number")
@pass_state
def dnc_remove(state: CliState, number: str) -> None:
    """Take NUMBER off the do-not-call list."""
    app = state.app()
    with app.engine.begin() as conn:
        try:
            removed = dnc_list.remove_number(conn, number, app.settings.phone_region)
        except ValueError as exc:
            raise click.ClickException(str(exc)) from None
    if not removed:
        raise click.ClickException(f"{number} is not on the do-not-call list")
    click.echo(f"{number} removed")


@dnc.command("list")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per number.")
@pass_state
def dnc_show(state: CliState, as_json: bool) -> None:
    """Every listed number, most recently added first."""
    app = state.app()
    with app.engine.connect() as conn:
        entries = dnc_list.list_numbers(conn)
    for entry in entries:
        if as_json:
            click.echo(json.dumps({**asdict(entry), "added_at": entry.added_at.isoformat()}))
        else:
            who = f" by {entry.added_by}" if entry.added_by else ""
            reason = f": {entry.reason}" if entry.reason else ""
            click.echo(f"{entry.number}  {entry.source}{who} {entry.added_at:%Y-%m-%d}{reason}")


@cli.group()
def payments() -> None:
    """Payments from the billing system (they keep or break promises)."""


@payments.command("import")
@click.argument("file", type=FILE)
@pass_state
def payments_import(state: CliState, file: Path) -> None:
    """Import a payments export (account_number, amount, paid_on, reference), then settle promises."""
    app = state.app()
    now = dt.datetime.now(dt.UTC)
    try:
        result = import_payments(app.engine, file, now)
    except ImportFileError as exc:
        raise click.ClickException(str(exc)) from None
    for row, reason in result.errors:
        click.echo(f"row {row}: {reason}")
    click.echo(
        f"{result.added} payments added, {result.already} already imported, {len(result.errors)} rows refused"
    )
    zone = app.settings.dialer.timezone
    with app.engine.begin() as conn:
        settled = reconcile_promises(
            conn, now.astimezone(ZoneInfo(zone)).date(), app.settings.dialer.promise_grace_days, now, zone
        )
    click.echo(f"promises: {settled.kept} kept, {settled.broken} broken, {settled.open} open")
