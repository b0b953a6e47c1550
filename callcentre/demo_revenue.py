"""The demo's revenue campaign: an arrears list imported, dialled by the real dialer, worked by agents.

An arrears export (with a few bad rows, reported by row number) is imported as a progressive
campaign; the real dialer places the calls with AMI Originate on a fresh simulator while the real
call logger records them (stereo, linked to the accounts); two simulated agents record an outcome
after each answered call, as they would in the workspace; a payments file is imported and the
promises are marked kept or broken. The answered calls are then transcribed and scored with the
revenue-collection scorecard like every other call.
"""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import logging
import time
from pathlib import Path
from random import Random

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import func, select

from callcentre.bootstrap import App
from callcentre.demo_agents import SimulatedAgents
from callcentre.schedule import ScheduleStatus
from qa.corpus.dialogue import corpus_dialogue
from telephony.campaigns.compliance import next_window_open
from telephony.campaigns.importer import CampaignImportResult, import_campaign
from telephony.campaigns.models import CampaignAccount, DialAttempt, Promise
from telephony.campaigns.money import rand
from telephony.campaigns.payments import import_payments, reconcile_promises
from telephony.campaigns.results import Scope, by_agent
from telephony.campaigns.rules import rules_from_settings
from telephony.dialer.service import Dialer
from telephony.simulator import SimConfig, SimulatorThread

CAMPAIGN = "demo-arrears"
SURNAMES = (
    "Dlamini",
    "Nkosi",
    "van der Merwe",
    "Mokoena",
    "Naidoo",
    "Botha",
    "Khumalo",
    "Pillay",
    "Mahlangu",
)
FIRST = ("Sipho", "Anele", "Johan", "Zanele", "Priya", "Thabo", "Marietjie", "Lindiwe", "Kagiso", "Fatima")
#: Last digit of a number -> what the simulated customer does (the simulator's policy): 7 busy,
#: 8 no answer, 9 congestion, anything else answers.
DIGITS = "0123456012345601234789"
#: South African mobile prefixes (after the trunk 0).
MOBILE_PREFIXES = ("60", "71", "72", "73", "74", "76", "78", "79", "81", "82", "83", "84")
#: Simulated seconds per answered revenue call.
TALK_SECONDS = 150.0


def run_revenue_campaign(
    app: App, console: Console, seed: int, speed: float = 100.0, accounts: int = 40
) -> None:
    """Import, dial, work and report a demo revenue campaign (see the module docstring)."""
    console.rule("Outbound revenue collection")
    path = app.settings.data_dir / "demo-arrears.csv"
    write_arrears_csv(path, Random(seed), accounts)
    result = import_campaign(app.engine, path, CAMPAIGN, dt.datetime.now(dt.UTC), app.settings.phone_region)
    _print_import(console, path, result)
    _open_window_for_the_demo(app, console)
    _dial(app, console, seed, speed, result.added + result.updated)
    _print_attempts(app, console)
    _pay_and_report(app, console, Random(seed + 1))


def write_arrears_csv(path: Path, rng: Random, accounts: int) -> None:
    """A billing system's arrears export: ``accounts`` good rows and three bad ones."""
    rows = []
    for n in range(accounts):
        prefix, digits = rng.choice(MOBILE_PREFIXES), rng.randrange(1_000_000)
        phones = [f"0{prefix}{digits:06d}{rng.choice(DIGITS)}"]
        if rng.random() < 0.3:
            phones.append(f"011{rng.randrange(1_000_000, 9_999_999)}")
        arrears = rng.randrange(500_00, 25_000_00) / 100
        holder = f"{rng.choice(FIRST)} {rng.choice(SURNAMES)}"
        rows.append(
            [
                f"30{n:08d}",
                holder,
                "; ".join(phones),
                f"{arrears:.2f}",
                str(rng.randrange(30, 720)),
                "en",
                f"Ward {rng.randrange(1, 60)}",
            ]
        )
    rows.insert(5, ["3000000099", "Bongani Zulu", "082 123", "812.40", "45", "zu", "Ward 3"])  # too short
    rows.insert(9, [rows[2][0], "Twice Listed", "0821234567", "100.00", "30", "en", ""])  # duplicate
    rows.insert(14, ["3000000098", "Ayesha Moosa", "0831234567", "", "60", "en", "Ward 9"])  # no amount
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ["account_number", "holder", "phones", "arrears", "days_in_arrears", "language", "ward"]
        )
        writer.writerows(rows)


def _print_import(console: Console, path: Path, result: CampaignImportResult) -> None:
    console.print(
        f"Imported arrears list {path.name} as campaign [bold]{result.campaign}[/]: "
        f"{result.added} accounts added, {result.updated} updated, {len(result.errors)} rows refused:"
    )
    for row, reason in result.errors:
        console.print(f"  row {row}: {reason}")


def _open_window_for_the_demo(app: App, console: Console) -> None:
    """Outside South Africa's calling hours the demo says so, then dials as if it were inside them."""
    rules = rules_from_settings(app.settings.dialer)
    now = dt.datetime.now(dt.UTC)
    status = rules.window.status(now)
    if status is ScheduleStatus.OPEN:
        console.print("Inside the calling window (CPA: Mon-Fri 08-20, Sat 09-13, no Sundays or holidays).")
        return
    reopens = next_window_open(rules.window, now)
    when = f"; a real dialer would wait until {reopens:%a %d %b %H:%M}" if reopens else ""
    console.print(
        f"[yellow]It is {rules.window.local(now):%a %H:%M} in {rules.window.timezone}: outside the calling "
        f"window ({status.value}){when}.[/] The demo opens the window all day for its simulated calls."
    )
    app.settings.dialer.window = "daily 00:00-24:00"
    app.settings.dialer.holidays_country = ""


def _dial(app: App, console: Console, seed: int, speed: float, accounts: int) -> None:
    settings = app.settings
    config = SimConfig(
        username=settings.ami.username,
        secret=settings.ami.secret.reveal(),
        recordings_dir=settings.recordings_root,
        recording_prefix=settings.pbx_recordings_dir,
        start_epoch=time.time(),
        speed=speed,
        seed=seed + 100,
        dialogue=corpus_dialogue,
        originate_talk_seconds=TALK_SECONDS,
    )
    simulator = SimulatorThread(config)
    _host, settings.ami.port = simulator.start()
    settings.dialer.wrapup_seconds = 2  # the simulated agents record their outcome well within it
    try:
        asyncio.run(_run(app, console, simulator, accounts, Random(seed)))
    finally:
        simulator.stop()


async def _run(app: App, console: Console, simulator: SimulatorThread, accounts: int, rng: Random) -> None:
    logger = app.call_logger()
    logging.getLogger("telephony.dialer").setLevel(logging.WARNING)  # the progress bar says enough
    dialer = Dialer(app.engine, app.settings)
    agents = SimulatedAgents(app.engine, rng)
    stop = asyncio.Event()
    tasks = [asyncio.create_task(app.supervisor(logger).run(stop)), asyncio.create_task(dialer.run(stop))]
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console) as progress:
        bar = progress.add_task("accounts dialled by 2 agents (progressive)", total=accounts)
        deadline = asyncio.get_running_loop().time() + 180
        while asyncio.get_running_loop().time() < deadline and not any(t.done() for t in tasks):
            agents.work()
            done = _dialled(app)
            progress.update(bar, completed=done)
            if done >= accounts and _settled(app):
                break
            await asyncio.sleep(0.2)
    await asyncio.to_thread(simulator.wait_idle, 60)
    agents.work()
    stop.set()
    await asyncio.gather(*tasks)
    logger.flush(everything_ended=True)


def _dialled(app: App) -> int:
    with app.engine.connect() as conn:
        return int(conn.scalar(select(func.count(func.distinct(DialAttempt.account_id)))) or 0)


def _settled(app: App) -> bool:
    with app.engine.connect() as conn:
        return not conn.scalar(select(func.count()).where(DialAttempt.state.in_(("placing", "ringing"))))


def _print_attempts(app: App, console: Console) -> None:
    with app.engine.connect() as conn:
        states = dict(conn.execute(select(DialAttempt.state, func.count()).group_by(DialAttempt.state)).all())
        statuses = dict(
            conn.execute(select(CampaignAccount.status, func.count()).group_by(CampaignAccount.status)).all()
        )
    table = Table(title="Dial attempts", show_header=True)
    for state in states:
        table.add_column(state.replace("_", " "), justify="right")
    table.add_row(*(str(n) for n in states.values()))
    console.print(table)
    console.print("Accounts now: " + ", ".join(f"{n} {s}" for s, n in sorted(statuses.items())))


def _pay_and_report(app: App, console: Console, rng: Random) -> None:
    """Payments "a month on": most promises paid, some not; then the results per agent."""
    path = app.settings.data_dir / "demo-payments.csv"
    with app.engine.connect() as conn:
        promises = conn.execute(select(Promise.account_id, Promise.amount_cents, Promise.due_date)).all()
        numbers = dict(conn.execute(select(CampaignAccount.id, CampaignAccount.account_number)).all())
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["account_number", "amount", "paid_on", "reference"])
        for n, (account_id, cents, due) in enumerate(promises):
            if rng.random() < 0.7:
                paid_on = due - dt.timedelta(days=rng.randrange(0, 3))
                writer.writerow(
                    [numbers[account_id], f"{cents / 100:.2f}", paid_on.isoformat(), f"RCPT{n:06d}"]
                )
    imported = import_payments(app.engine, path, dt.datetime.now(dt.UTC))
    latest = max((due for _a, _c, due in promises), default=dt.date.today())
    as_of = latest + dt.timedelta(days=app.settings.dialer.promise_grace_days + 1)
    with app.engine.begin() as conn:
        settled = reconcile_promises(conn, as_of, app.settings.dialer.promise_grace_days)
    console.print(
        f"Payments imported: {imported.added}. Promises as of {as_of} (simulated, a month on): "
        f"{settled.kept} kept, {settled.broken} broken, {settled.open} open."
    )
    _print_results(app, console)


def _print_results(app: App, console: Console) -> None:
    """Per agent, one column each: few agents, many figures."""
    end = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
    with app.engine.connect() as conn:
        agents = by_agent(conn, Scope(end - dt.timedelta(days=30), end))
    table = Table(title="Revenue collection per agent")
    table.add_column("")
    for row in agents:
        table.add_column(row.agent, justify="right", no_wrap=True)
    figures = [row.figures for row in agents]
    lines = [
        ("dials", [str(f.dials) for f in figures]),
        ("contacts (answered)", [str(f.contacts) for f in figures]),
        ("right-party contacts", [str(f.right_party) for f in figures]),
        ("promises (each instalment)", [str(f.promises) for f in figures]),
        ("amount promised", [rand(f.promised_cents) for f in figures]),
        ("amount collected", [rand(f.collected_cents) for f in figures]),
        ("promises kept", ["-" if f.kept_rate is None else f"{f.kept_rate:.0%}" for f in figures]),
    ]
    for label, values in lines:
        table.add_row(label, *values)
    console.print(table)
    console.print("Agents work accounts on the dashboard's Workspace page; supervisors see Collections.")
