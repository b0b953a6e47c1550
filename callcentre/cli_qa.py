"""``callcentre score``, ``callcentre qa ...`` and ``callcentre transcripts import``."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console
from rich.progress import Progress
from sqlalchemy import select

from callcentre import jobs
from callcentre.bootstrap import App
from callcentre.cli import CliState, cli, pass_state
from callcentre.cli_transcribe import drain_with_progress, transcripts
from callcentre.qa_report import print_result
from qa.job import ScoreHandler
from qa.library import load_library
from qa.scorecard_loader import ScorecardError, load_scorecard
from qa.store import import_transcript
from qa.transcript import TranscriptFileError, read_transcript_file
from transcription.job import SCORE
from transcription.models import Transcript

BATCH = 200


@cli.command()
@click.argument("calls", nargs=-1)
@click.option("--pending", is_flag=True, help="Work through the queued score jobs, then stop.")
@click.option("--all", "everything", is_flag=True, help="Score every transcribed call again (re-scoring).")
@click.option("--scorecard", help="Use this scorecard instead of the one the call type picks.")
@click.option("--json", "as_json", is_flag=True, help="Print each score as JSON.")
@pass_state
def score(
    state: CliState,
    calls: tuple[str, ...],
    pending: bool,
    everything: bool,
    scorecard: str | None,
    as_json: bool,
) -> None:
    """Score calls (by Linkedid), the queued ones (--pending) or all again (--all); scores are stored.

    A re-scored call keeps its earlier scores (no longer current) and the scorecard version of each.
    """
    if sum((bool(calls), pending, everything)) != 1:
        raise click.UsageError("give call ids, or --pending, or --all")
    app = state.app()
    handler = app.score_handler(app.scorer())
    if pending:
        drain_with_progress(app.job_runner([handler]), Console(), (SCORE,), "scored")
        return
    if everything:
        with app.engine.connect() as connection:
            calls = tuple(connection.execute(select(Transcript.linkedid).order_by(Transcript.id)).scalars())
    failures = _score_in_batches(app, handler, calls, scorecard, as_json)
    if failures:
        raise click.ClickException(f"{failures} of {len(calls)} calls could not be scored (see above)")


def _score_in_batches(
    app: App, handler: ScoreHandler, calls: tuple[str, ...], scorecard: str | None, as_json: bool
) -> int:
    """Score and store ``calls`` 200 at a time with a progress bar; the number that could not be scored."""
    failures = 0
    with Progress(transient=True, disable=as_json) as progress:
        task = progress.add_task("scoring", total=len(calls))
        for first in range(0, len(calls), BATCH):
            batch = calls[first : first + BATCH]
            try:
                scored = handler.score_batch(batch, scorecard)
            except KeyError as exc:
                raise click.ClickException(str(exc.args[0])) from None
            with app.engine.begin() as connection:
                for result in scored.values():
                    handler.save(connection, result)
            for linkedid in batch:
                if linkedid not in scored:
                    failures += 1
                    click.echo(f"{linkedid}: not scored: no transcript", err=True)
                elif as_json or len(calls) <= 20:
                    print_result(scored[linkedid].result, handler.scorer.library, as_json)
            progress.advance(task, len(batch))
    return failures


@cli.group()
def qa() -> None:
    """QA scoring: scorecards, transcript files, models, reviews and calibration."""


@qa.command("score")
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option("--scorecard", help="Use this scorecard instead of the one the call type picks.")
@click.option("--json", "as_json", is_flag=True, help="Print every verdict with its evidence as JSON.")
@pass_state
def qa_score(state: CliState, files: tuple[Path, ...], scorecard: str | None, as_json: bool) -> None:
    """Score transcript files directly (nothing is stored); see the README for the file format."""
    app = state.app()
    scorer = app.scorer()
    bad = 0
    for path in files:
        try:
            call = read_transcript_file(path)
            result = scorer.score(call, scorecard)
        except (TranscriptFileError, KeyError) as exc:
            bad += 1
            click.echo(f"Error: {exc}", err=True)
            continue
        print_result(result, scorer.library, as_json)
    if bad:
        raise click.ClickException(f"{bad} of {len(files)} files could not be scored (see above)")


@qa.command("scorecards")
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@pass_state
def qa_scorecards(state: CliState, files: tuple[Path, ...]) -> None:
    """List the scorecards in use (or check scorecard FILES); errors name the file and line."""
    settings = state.settings().qa
    library = load_library(settings.resolved_scorecards_dir(), settings.municipality_names())
    errors = list(library.errors)
    for path in files:
        try:
            library.scorecards[path.stem] = load_scorecard(path, settings.municipality_names())
        except ScorecardError as exc:
            errors.append(str(exc))
    for name, card in sorted(library.scorecards.items()):
        click.echo(f"{name}: {card.title} ({', '.join(card.directions)}; {', '.join(card.call_types)})")
        for criterion in card.criteria:
            flag = " AUTO-FAIL" if criterion.auto_fail else ""
            click.echo(
                f"  {criterion.id:22} w={criterion.weight:<4g} {criterion.principle:22} "
                f"{criterion.title}{flag}"
            )
    for error in errors:
        click.echo(f"Error: {error}", err=True)
    if errors:
        raise click.ClickException(f"{len(errors)} scorecard error(s)")


@transcripts.command("import")
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option("--score/--no-score", "and_score", default=True, help="Queue a score job for each (default).")
@pass_state
def transcripts_import(state: CliState, files: tuple[Path, ...], and_score: bool) -> None:
    """Import transcripts made by other systems (JSON, the README's format), redacted like our own."""
    app = state.app()
    bad = 0
    with Progress(transient=True) as progress:
        task = progress.add_task("importing", total=len(files))
        for path in files:
            progress.advance(task)
            try:
                call = read_transcript_file(path)
            except TranscriptFileError as exc:
                bad += 1
                click.echo(f"Error: {exc}", err=True)
                continue
            with app.engine.begin() as connection:
                import_transcript(connection, call, str(path))
                if and_score:
                    jobs.requeue(connection, SCORE, call.call_id)
    click.echo(f"{len(files) - bad} imported, {bad} refused")
    if bad:
        raise click.ClickException(f"{bad} of {len(files)} files could not be imported (see above)")
