"""``callcentre qa review|dispute|resolve|acknowledge|show|calibrate|train``: people and models."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import datetime
from pathlib import Path

import click

from callcentre.cli import CliState, pass_state
from callcentre.cli_qa import qa
from qa import reviews
from qa.calibration import calibration_report
from qa.ml.store import MODEL_KINDS, train_and_save


@qa.command("review")
@click.argument("call")
@click.argument("criterion")
@click.argument("verdict", type=click.Choice(reviews.VERDICTS))
@click.option("--by", "reviewer", required=True, help="The reviewer's name (kept with the review).")
@click.option("--comment", default="", help="Why (shown to the agent).")
@pass_state
def qa_review(state: CliState, call: str, criterion: str, verdict: str, reviewer: str, comment: str) -> None:
    """Record a reviewer's verdict on one criterion of a call (the automatic verdict is kept too)."""
    app = state.app()
    try:
        with app.engine.begin() as connection:
            reviews.add_review(connection, call, criterion, verdict, reviewer, comment)
            effective = reviews.effective_score(connection, call)
    except reviews.ReviewError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{call}: {criterion} = {verdict} by {reviewer}; effective score {_score(effective.score)}")


@qa.command("dispute")
@click.argument("call")
@click.option("--agent", required=True, help="The agent disputing the score.")
@click.option("--reason", required=True, help="What the agent says is wrong.")
@click.option("--criterion", help="The criterion disputed (default: the whole score).")
@pass_state
def qa_dispute(state: CliState, call: str, agent: str, reason: str, criterion: str | None) -> None:
    """An agent disputes a call's score."""
    app = state.app()
    try:
        with app.engine.begin() as connection:
            dispute_id = reviews.open_dispute(connection, call, agent, reason, criterion)
    except reviews.ReviewError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"dispute {dispute_id} opened on {call} by {agent}")


@qa.command("resolve")
@click.argument("dispute_id", type=int)
@click.argument("outcome", type=click.Choice(reviews.DISPUTE_OUTCOMES))
@click.option("--by", "resolver", required=True, help="Who resolved it.")
@click.option("--comment", required=True, help="The resolution, as the agent will read it.")
@pass_state
def qa_resolve(state: CliState, dispute_id: int, outcome: str, resolver: str, comment: str) -> None:
    """Resolve an agent's dispute (upheld or rejected)."""
    app = state.app()
    try:
        with app.engine.begin() as connection:
            reviews.resolve_dispute(connection, dispute_id, outcome, resolver, comment)
    except reviews.ReviewError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"dispute {dispute_id} {outcome} by {resolver}")


@qa.command("show")
@click.argument("call")
@click.option("--json", "as_json", is_flag=True)
@pass_state
def qa_show(state: CliState, call: str, as_json: bool) -> None:
    """A call's effective score: each criterion's automatic verdict, any review, and which counts."""
    app = state.app()
    try:
        with app.engine.connect() as connection:
            effective = reviews.effective_score(connection, call)
    except reviews.ReviewError as exc:
        raise click.ClickException(str(exc)) from None
    if as_json:
        click.echo(json.dumps(asdict(effective), default=str))
        return
    click.echo(
        f"{call}: {_score(effective.score)} ({effective.source}; automatic {_score(effective.automatic)})"
    )
    for v in effective.verdicts:
        review = f"  <- {v.human} by {v.reviewer}: {v.comment}" if v.human else ""
        click.echo(f"  {v.criterion_id:22} {v.auto:5}{review}")


@qa.command("calibrate")
@click.option("--since", type=click.DateTime(), help="Only reviews made since then.")
@click.option("--json", "as_json", is_flag=True)
@pass_state
def qa_calibrate(state: CliState, since: datetime | None, as_json: bool) -> None:
    """Auto vs human verdicts per criterion: agreement, Cohen's kappa, confusion matrix; poor ones flagged."""
    app = state.app()
    with app.engine.connect() as connection:
        report = calibration_report(connection, app.settings.qa.min_kappa, since)
    if as_json:
        click.echo(json.dumps([row.as_dict() for row in report]))
        return
    if not report:
        click.echo("no reviewed criteria yet: reviewers' verdicts are what the machine is compared with")
        return
    click.echo(
        f"{'criterion':22} {'reviewed':>8} {'agree':>6} {'kappa':>6}  confusion (rows human, cols auto)"
    )
    for row in report:
        kappa = "-" if row.kappa is None else f"{row.kappa:.2f}"
        flag = "  POOR AGREEMENT" if row.flagged else ""
        click.echo(
            f"{row.criterion_id:22} {row.reviewed:8d} {row.agreement:6.0%} {kappa:>6}  {row.confusion}{flag}"
        )


@qa.command("train")
@click.option(
    "--corpus", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="Labelled JSONL."
)
@click.option("--model", "kinds", multiple=True, type=click.Choice(MODEL_KINDS), help="Default: both.")
@pass_state
def qa_train(state: CliState, corpus: Path | None, kinds: tuple[str, ...]) -> None:
    """Train the call-reason and sentiment models; each is saved as a new version with its CV accuracy."""
    settings = state.settings()
    folder = settings.qa.resolved_models_dir(settings.data_dir)
    for kind in kinds or MODEL_KINDS:
        click.echo(f"training the {kind} model...")
        model, path = train_and_save(kind, folder, corpus)
        click.echo(
            f"  {model.version}: cross-validated accuracy {model.cv_accuracy:.3f} ± {model.cv_std:.3f} "
            f"on {model.n_train} calls -> {path}"
        )


def _score(value: float | None) -> str:
    return "no score" if value is None else f"{value:.1f}"
