"""``callcentre demo`` and ``callcentre simulator``: the suite on embedded defaults.

The demo starts the built-in Asterisk simulator (real AMI over TCP on a free
local port), runs the real call logger against it on SQLite, plays an hour of
a municipal call centre compressed ``--speed`` times, and prints the queue
figures. Nothing here is special-cased for the demo: the logger does not know
it is talking to a simulator. It ends by adding one dashboard user per role
(random passwords, printed once) and serving the QA dashboard on the demo's data
until Ctrl-C (``--no-dashboard`` stops after the figures: the tests and CI use it).
"""

from __future__ import annotations

import asyncio
import secrets
import shutil
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import select

from callcentre.bootstrap import App, build_app
from callcentre.cli import CliState, cli, pass_state
from callcentre.cli_calls import print_stats
from callcentre.cli_transcribe import drain_with_progress
from callcentre.db import make_engine, safe_url
from callcentre.demo_dashboard import serve_dashboard
from callcentre.demo_ivr import run_ivr_calls
from callcentre.demo_revenue import run_revenue_campaign
from callcentre.qa_summary import print_qa_summary, qa_summary
from callcentre.schema import upgrade
from callcentre.settings import Secret, Settings
from qa.corpus.dialogue import corpus_dialogue
from telephony.service import CallLogger
from telephony.simulator import SimConfig, SimulatorThread, plan_workload, run_simulator
from telephony.stats import agent_figures, call_backs, queue_figures
from transcription.job import SCORE
from transcription.models import Transcript, TranscriptSegment
from transcription.store import search

HOUR = 3600.0


@dataclass(frozen=True)
class DemoOptions:
    calls: int
    speed: float
    seed: int


@cli.command()
@click.option(
    "--calls",
    type=click.IntRange(1, 100_000),
    default=120,
    show_default=True,
    help="Calls in the simulated hour.",
)
@click.option(
    "--speed",
    type=click.FloatRange(1, 10_000),
    default=120.0,
    show_default=True,
    help="How many times faster than real time the hour plays.",
)
@click.option("--seed", type=int, default=1, show_default=True, help="Same seed, same calls.")
@click.option("--no-dashboard", is_flag=True, help="Stop after the figures: no demo users, no dashboard.")
@click.option(
    "--dashboard-port",
    type=click.IntRange(1, 65535),
    default=8501,
    show_default=True,
    help="The dashboard's port.",
)
@pass_state
def demo(
    state: CliState, calls: int, speed: float, seed: int, no_dashboard: bool, dashboard_port: int
) -> None:
    """Play an hour of calls through the simulator and the call logger, show the figures, serve the dashboard.

    The dashboard (http://localhost:8501) runs until Ctrl-C, with one demo user per role.
    """
    settings = _demo_settings(state.settings())
    engine = make_engine(settings.sqlalchemy_url())
    upgrade(engine)
    app = build_app(settings)
    console = Console()
    console.print(f"[bold]Demo database:[/] {safe_url(settings.sqlalchemy_url())}")
    console.print(f"[bold]Recordings:[/] {settings.recordings_root}")
    began = datetime.now(tz=UTC)
    logger = _play(app, DemoOptions(calls, speed, seed), console)
    _report(app, logger, began, console)
    run_ivr_calls(app, console, calls=30, seed=seed)
    run_revenue_campaign(app, console, seed=seed)
    _transcribe(app, console)
    _score(app, console)
    if not no_dashboard:
        status = serve_dashboard(app, console, dashboard_port, state.config_file)
        if status not in (0, -2, 130):  # -2, 130: stopped by Ctrl-C
            raise click.ClickException(f"the dashboard stopped with status {status}")


def _score(app: App, console: Console) -> None:
    """Score every transcribed call against its scorecard, as `callcentre worker` would."""
    console.print("Loading the scorecards and the call-reason and sentiment models (trained once)...")
    handler = app.score_handler(app.scorer())
    drain_with_progress(app.job_runner([handler]), console, (SCORE,), "scored")
    with app.engine.connect() as connection:
        print_qa_summary(console, qa_summary(connection))
    url = app.settings.sqlalchemy_url()
    console.print(f"One call's verdicts and evidence: [bold]callcentre --database-url {url} qa show CALL[/]")


def _demo_settings(base: Settings) -> Settings:
    """The demo's own SQLite file and recordings folder (started afresh), unless a database was named."""
    if not base.database_url:
        database = base.data_dir / "demo.db"
        for leftover in (database, database.with_name("demo.db-wal"), database.with_name("demo.db-shm")):
            leftover.unlink(missing_ok=True)  # each demo shows its own hour, not the sum of every run
        base.database_url = Secret(f"sqlite:///{database}")
    base.recordings_root = base.data_dir / "demo-recordings"
    shutil.rmtree(base.recordings_root, ignore_errors=True)
    base.recordings_root.mkdir(parents=True, exist_ok=True)
    base.ami.host, base.ami.port = "127.0.0.1", 0
    base.ami.username, base.ami.secret = "demo", Secret(secrets.token_urlsafe(16))
    base.ami.ping_interval = 5.0
    return base


def _play(app: App, options: DemoOptions, console: Console) -> CallLogger:
    settings = app.settings
    config = SimConfig(
        username=settings.ami.username,
        secret=settings.ami.secret.reveal(),
        recordings_dir=settings.recordings_root,
        recording_prefix=settings.pbx_recordings_dir,
        # The hour that just ended, so today's figures include it.
        start_epoch=time.time() - HOUR - HOUR / options.speed,
        speed=options.speed,
        seed=options.seed,
        # Varied wording, good and bad agents: the QA scores below differ as real ones do.
        dialogue=corpus_dialogue,
    )
    simulator = SimulatorThread(config)
    _host, settings.ami.port = simulator.start()
    logger = app.call_logger()
    try:
        simulator.play(plan_workload(config, options.calls, options.seed, duration=HOUR))
        asyncio.run(_log_until_done(app, logger, simulator, options, console))
    finally:
        simulator.stop()
    return logger


async def _log_until_done(
    app: App, logger: CallLogger, simulator: SimulatorThread, options: DemoOptions, console: Console
) -> None:
    stop = asyncio.Event()
    task = asyncio.create_task(app.supervisor(logger).run(stop))
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console) as progress:
        bar = progress.add_task(f"calls logged (an hour at {options.speed:g}x)", total=options.calls)
        while logger.counters.calls < options.calls and not task.done():
            progress.update(bar, completed=logger.counters.calls)
            await asyncio.sleep(0.2)
        progress.update(bar, completed=logger.counters.calls)
    # The last recordings are written after their calls end, as MixMonitor's post-command does.
    await asyncio.to_thread(simulator.wait_idle, 60)
    stop.set()
    await task  # re-raises a login or connection error instead of hiding it


def _report(app: App, logger: CallLogger, began: datetime, console: Console) -> None:
    start, end = began - timedelta(hours=2), datetime.now(tz=UTC) + timedelta(hours=1)
    with app.engine.connect() as connection:
        queues = queue_figures(connection, start, end, app.settings.queues)
        agents = agent_figures(connection, start, end)
        backs = call_backs(connection, start, end)
    print_stats(console, queues, agents, backs, app.settings)
    counters = logger.counters
    console.print(
        f"{counters.received} AMI events received, {counters.kept} stored, {counters.calls} calls recorded."
    )
    url = app.settings.sqlalchemy_url()
    console.print(f"Look closer: [bold]callcentre --database-url {url} calls --limit 20[/]")


def _transcribe(app: App, console: Console) -> None:
    """Transcribe the demo's recorded calls in-process, as `callcentre worker` would."""
    recogniser = app.recogniser(allow_script=True)
    if recogniser.info.engine == "script":
        model = app.settings.transcription.model
        console.print(
            f"[yellow]The speech model {model!r} is not installed, so the transcripts below are the "
            f"simulator's scripted words, stored with engine 'script' — not speech recognition.[/] "
            f"To recognise the audio: callcentre models download {model}"
        )
    drain_with_progress(app.job_runner([app.transcribe_handler(recogniser)]), console)
    with app.engine.connect() as connection:
        hits = search(connection, "reference number", limit=1)
        example = hits[0].linkedid if hits else None
        turns = (
            connection.execute(
                select(TranscriptSegment.speaker, TranscriptSegment.start, TranscriptSegment.text)
                .join(Transcript)
                .where(Transcript.linkedid == example)
                .order_by(TranscriptSegment.start)
            ).all()
            if example
            else []
        )
    for speaker, start, text in turns[:8]:
        console.print(f"  {start:6.1f}s [bold]{speaker:>8}[/]: {text}")
    console.print(
        "Search every transcript: [bold]callcentre --database-url "
        f"{app.settings.sqlalchemy_url()} transcripts search 'burst pipe'[/]"
    )


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=5038, show_default=True)
@click.option("--username", default="qa", show_default=True)
@click.option("--secret", default="qa-secret", show_default=True, help="The AMI secret clients must send.")
@click.option("--recordings", type=click.Path(path_type=Path), help="Folder to write the WAV recordings to.")
@click.option("--calls", type=int, default=120, show_default=True)
@click.option("--speed", type=float, default=60.0, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
def simulator(
    host: str,
    port: int,
    username: str,
    secret: str,
    recordings: Path | None,
    calls: int,
    speed: float,
    seed: int,
) -> None:
    """Serve AMI like Asterisk 22 and play an hour of calls (for trying the logger or a dialer)."""
    click.echo(f"Asterisk simulator on {host}:{port} (user {username!r}); Ctrl-C to stop")
    played = run_simulator(host, port, username, secret, recordings, calls, speed, seed, forever=True)
    click.echo(f"played {len(played)} calls")
