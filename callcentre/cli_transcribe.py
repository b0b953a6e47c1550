"""``callcentre worker``, ``callcentre transcribe`` and ``callcentre transcripts``."""

from __future__ import annotations

import json
import logging
import multiprocessing
import signal
from dataclasses import asdict
from pathlib import Path
from types import FrameType
from typing import Any

import click
from rich.console import Console
from rich.progress import Progress

from callcentre import jobs
from callcentre.cli import CliState, cli, pass_state
from callcentre.worker import JobRunner
from transcription.job import TRANSCRIBE, CallAudio
from transcription.model_store import ModelMissing
from transcription.result import TranscriptResult
from transcription.store import search

log = logging.getLogger("callcentre.worker")


@cli.command()
@click.option(
    "--processes",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="Worker processes on this host (each loads the model once).",
)
@pass_state
def worker(state: CliState, processes: int) -> None:
    """Transcribe and score calls from the job queue until stopped (SIGTERM finishes the job in hand)."""
    if processes == 1:
        _work(state.config_file, state.overrides)
        return
    context = multiprocessing.get_context("spawn")
    children = [
        context.Process(target=_work, args=(state.config_file, state.overrides), name=f"worker-{n}")
        for n in range(processes)
    ]
    for child in children:
        child.start()

    def forward(_signum: int, _frame: FrameType | None) -> None:
        for child in children:  # each finishes the job in hand, then exits
            if child.is_alive():
                child.terminate()

    signal.signal(signal.SIGTERM, forward)
    for child in children:
        child.join()
    failed = [child.name for child in children if child.exitcode not in (0, -signal.SIGTERM)]
    if failed:
        names = ", ".join(failed)
        raise click.ClickException(f"worker process(es) {names} stopped with an error (see above)")


def _work(config_file: Path | None, overrides: dict[str, Any]) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(processName)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    try:
        app = CliState(config_file, overrides).app()
        recogniser = app.recogniser()
    except (ModelMissing, click.ClickException) as exc:
        # Also in a child process, where no click context would print it: say it and exit non-zero.
        message = exc.format_message() if isinstance(exc, click.ClickException) else str(exc)
        click.echo(f"Error: {message}", err=True)
        raise SystemExit(2) from None
    # The QA models load (or train, the first time) on the first score job, not before transcribing.
    runner = app.job_runner([app.transcribe_handler(recogniser), app.score_handler(app.scorer)])
    signal.signal(signal.SIGTERM, lambda _signum, _frame: runner.stop.set())
    log.info("worker %s ready (%s %s)", runner.worker, recogniser.info.engine, recogniser.info.model)
    stats = runner.run()
    log.info(
        "worker %s stopped: %d done, %d failed, %d retried",
        runner.worker,
        stats.done,
        stats.failed,
        stats.retried,
    )


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--pending", is_flag=True, help="Work through the queued transcribe jobs, then stop.")
@click.option("--language", help="Language of the recordings given as PATHs (default: the setting).")
@click.option("--outbound", is_flag=True, help="The PATHs are outbound calls (left channel = customer).")
@click.option("--json", "as_json", is_flag=True, help="Print each transcript as JSON.")
@pass_state
def transcribe(
    state: CliState,
    paths: tuple[Path, ...],
    pending: bool,
    language: str | None,
    outbound: bool,
    as_json: bool,
) -> None:
    """Transcribe recordings given as files (nothing is stored), or the queued jobs with --pending."""
    if bool(paths) == pending:
        raise click.UsageError("give recording files, or --pending, not both")
    app = state.app()
    try:
        handler = app.transcribe_handler(app.recogniser())
    except ModelMissing as exc:
        raise click.ClickException(str(exc)) from None
    if pending:
        drain_with_progress(app.job_runner([handler]), Console())
        return
    lang = (language or app.settings.transcription.default_language).lower()
    with Progress(transient=True) as progress:
        task = progress.add_task("transcribing", total=len(paths))
        for path in paths:
            call = CallAudio(path.stem, path, "outbound" if outbound else "inbound", lang)
            result = handler.transcribe(call)
            progress.advance(task)
            _print(result, as_json)


def drain_with_progress(
    runner: JobRunner, console: Console, kinds: tuple[str, ...] = (TRANSCRIBE,), label: str = "transcribed"
) -> None:
    """Run the queued jobs of ``kinds`` to the end with a progress bar, then say how it went."""
    with runner.engine.connect() as connection:
        total = sum(
            count
            for (kind, state), count in jobs.counts(connection).items()
            if kind in kinds and state in (jobs.QUEUED, jobs.RUNNING)
        )
    with Progress(console=console) as progress:
        task = progress.add_task(f"queued calls to be {label}", total=total)
        runner.on_done = lambda _claim: progress.advance(task)
        stats = runner.run(drain=True)
    console.print(f"{stats.done} {label}, {stats.failed} failed, {stats.retried} to retry")


def _print(result: TranscriptResult, as_json: bool) -> None:
    if as_json:
        document = asdict(result)
        click.echo(json.dumps(document, ensure_ascii=False))
        return
    click.echo(f"== {result.linkedid} ({result.engine} {result.model or ''}, {result.status})")
    if result.review_reason:
        click.echo(f"   needs a person: {result.review_reason}")
    for segment in result.segments:
        click.echo(f"   {segment.start:7.2f}-{segment.end:7.2f} {segment.speaker:>8}: {segment.text}")


@cli.group()
def transcripts() -> None:
    """Stored transcripts."""


@transcripts.command("search")
@click.argument("query")
@click.option("--limit", type=int, default=20, show_default=True)
@pass_state
def transcripts_search(state: CliState, query: str, limit: int) -> None:
    """Full-text search over every transcript (all the words must appear in one speaker turn)."""
    app = state.app()
    with app.engine.connect() as connection:
        hits = search(connection, query, limit)
    for hit in hits:
        click.echo(f"{hit.linkedid}  {hit.start:7.2f}s {hit.speaker:>8}: {hit.text}")
    if not hits:
        click.echo("no transcript matches")
