"""``callcentre calls`` and ``callcentre stats``: reading call records."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import click
from rich.console import Console
from rich.table import Table
from sqlalchemy import select

from callcentre.cli import CliState, cli, pass_state
from callcentre.settings import Settings
from telephony.models import Call
from telephony.stats import agent_figures, call_backs, queue_figures

CALL_COLUMNS = [column.name for column in Call.__table__.columns]


def _period(start: str | None, end: str | None, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """``--from``/``--to`` as aware datetimes; default: today (local) until now."""
    now = datetime.now(tz=zone)
    begin = _parse_time(start, zone) if start else datetime.combine(now.date(), time(), tzinfo=zone)
    finish = _parse_time(end, zone) if end else now + timedelta(seconds=1)
    if finish <= begin:
        raise click.BadParameter(f"--to ({finish}) must be after --from ({begin})")
    return begin, finish


def _parse_time(text: str, zone: ZoneInfo) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise click.BadParameter(
            f"{text!r} is not a date or time like 2026-11-22 or 2026-11-22T08:00"
        ) from None
    return value if value.tzinfo else value.replace(tzinfo=zone)


@cli.command()
@click.option("--from", "start", help="Earliest call start (ISO date/time, local time zone). Default: today.")
@click.option("--to", "end", help="Latest call start (exclusive). Default: now.")
@click.option("--queue")
@click.option("--agent", help="Agent name or interface (PJSIP/1001).")
@click.option("--direction", type=click.Choice(["inbound", "outbound", "internal"]))
@click.option("--disposition")
@click.option("--limit", type=int, default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Every field of each call as JSON lines.")
@pass_state
def calls(
    state: CliState,
    start: str | None,
    end: str | None,
    queue: str | None,
    agent: str | None,
    direction: str | None,
    disposition: str | None,
    limit: int,
    as_json: bool,
) -> None:
    """Recent calls, newest first."""
    app = state.app()
    zone = ZoneInfo(app.settings.timezone)
    begin, finish = _period(start, end, zone)
    query = select(Call.__table__).where(Call.start_time >= begin, Call.start_time < finish)
    for column, value in ((Call.queue, queue), (Call.direction, direction), (Call.disposition, disposition)):
        if value:
            query = query.where(column == value)
    if agent:
        query = query.where((Call.agent == agent) | (Call.agent_interface == agent))
    query = query.order_by(Call.start_time.desc()).limit(limit)
    with app.engine.connect() as connection:
        rows = [row._asdict() for row in connection.execute(query)]
    if as_json:
        for row in rows:
            click.echo(json.dumps(row, default=str))
        return
    Console().print(_calls_table(rows, zone))


def _calls_table(rows: list[dict[str, Any]], zone: ZoneInfo) -> Table:
    table = Table(title=f"{len(rows)} call(s)")
    for heading in ("start", "dir", "from", "to", "queue", "wait", "agent", "talk", "hold", "disposition"):
        table.add_column(heading)
    for row in rows:
        table.add_row(
            row["start_time"].astimezone(zone).strftime("%Y-%m-%d %H:%M:%S"),
            row["direction"],
            row["caller_number"] or "",
            row["dialled_number"] or "",
            row["queue"] or "",
            _seconds(row["queue_wait_seconds"]),
            row["agent"] or "",
            _seconds(row["talk_seconds"]),
            _seconds(row["hold_seconds"]),
            row["disposition"] + (" (partial)" if row["partial"] else ""),
        )
    return table


def _seconds(value: float | None) -> str:
    return "" if value is None else f"{value:.0f}s"


@cli.command()
@click.option("--from", "start", help="Period start (ISO date/time). Default: today.")
@click.option("--to", "end", help="Period end (exclusive). Default: now.")
@click.option("--json", "as_json", is_flag=True)
@pass_state
def stats(state: CliState, start: str | None, end: str | None, as_json: bool) -> None:
    """Queue figures: ASA, abandonment, service level, AHT, calls per agent, callers to call back."""
    app = state.app()
    begin, finish = _period(start, end, ZoneInfo(app.settings.timezone))
    with app.engine.connect() as connection:
        queues = queue_figures(connection, begin, finish, app.settings.queues)
        agents = agent_figures(connection, begin, finish)
        backs = call_backs(connection, begin, finish)
    if as_json:
        document = {
            "from": begin.isoformat(),
            "to": finish.isoformat(),
            "queues": [item.as_dict() for item in queues],
            "agents": [asdict(item) for item in agents],
            "call_backs": [asdict(item) for item in backs],
        }
        click.echo(json.dumps(document, default=str, indent=2))
        return
    print_stats(Console(), queues, agents, backs, app.settings)


def print_stats(
    console: Console, queues: list[Any], agents: list[Any], backs: list[Any], settings: Settings
) -> None:
    """The figures as three tables (also used by the demo), times in the configured zone."""
    sl, zone = settings.queues.service_level_seconds, ZoneInfo(settings.timezone)
    table = Table(title="Queues")
    for heading in ("queue", "offered", "answered", "abandoned", "ASA", "abandon %", f"SL ({sl:g}s)", "AHT"):
        table.add_column(heading, justify="right")
    for item in queues:
        table.add_row(
            item.queue,
            str(item.offered),
            str(item.answered),
            str(item.abandoned),
            _seconds(item.asa_seconds),
            _percent(item.abandonment_rate),
            _percent(item.service_level),
            _seconds(item.aht_seconds),
        )
    console.print(table)
    people = Table(title="Agents")
    for heading in ("agent", "interface", "answered", "AHT"):
        people.add_column(heading)
    for agent in agents:
        people.add_row(
            agent.agent, agent.agent_interface or "", str(agent.answered), _seconds(agent.aht_seconds)
        )
    console.print(people)
    callback = Table(title=f"Abandoned callers to call back ({len(backs)})")
    for heading in ("caller", "name", "queue", "abandoned at", "waited"):
        callback.add_column(heading)
    for item in backs:
        callback.add_row(
            item.caller_number or "",
            item.caller_name or "",
            item.queue or "",
            item.abandoned_at.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S"),
            _seconds(item.waited_seconds),
        )
    console.print(callback)


def _percent(value: float | None) -> str:
    return "" if value is None else f"{value * 100:.1f}%"
