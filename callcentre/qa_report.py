"""Printing scores for people (a readable table) and for programs (JSON with every verdict's evidence)."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

import click

from qa.library import Library
from qa.verdict import ScoreResult

_MARK = {"pass": "PASS", "fail": "FAIL", "na": " n/a"}


def result_document(result: ScoreResult, library: Library) -> dict[str, Any]:
    """A score as JSON-ready data; each verdict carries its criterion's title, weight and principle."""
    document = asdict(result)
    card = library.scorecards.get(result.scorecard)
    for verdict in document["verdicts"]:
        if card is not None:
            criterion = card.criterion(verdict["criterion_id"])
            verdict.update(
                title=criterion.title,
                section=criterion.section,
                principle=criterion.principle,
                weight=criterion.weight,
                auto_fail=criterion.auto_fail,
            )
        verdict["evidence"] = list(verdict["evidence"])
    return document


def print_result(result: ScoreResult, library: Library, as_json: bool) -> None:
    """Print one score, as JSON or as a table."""
    if as_json:
        click.echo(json.dumps(result_document(result, library), ensure_ascii=False))
        return
    headline = f"{result.score:.1f}" if result.score is not None else result.status
    click.echo(f"== {result.call_id}: {headline} ({result.scorecard or 'no scorecard'})")
    typed = f"{result.call_type or 'unknown'} (from the {result.call_type_source or '-'})"
    click.echo(f"   call type {typed}")
    for label, prediction in (("reason", result.reason_prediction), ("sentiment", result.sentiment)):
        if prediction is not None:
            click.echo(
                f"   {label} {prediction.label} ({prediction.confidence:.0%}, model {prediction.model})"
            )
    if result.reason:
        click.echo(f"   {result.reason}")
    for verdict in result.verdicts:
        when = ""
        if verdict.evidence and verdict.evidence[0].get("start") is not None:
            when = f" @{float(verdict.evidence[0]['start']):.1f}s"
        click.echo(f"   {_MARK[verdict.verdict]} {verdict.criterion_id:20} {verdict.reason}{when}")
