"""The ``score`` job: a call's transcript and record in, its score (verdicts and evidence) out.

Queued by the transcription job when a transcript is done; ``callcentre score``
runs the same handler in batch. Scoring is pure CPU on data already loaded,
so the heavy part (``prepare``) holds no transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine

from callcentre import jobs
from callcentre.worker import PermanentJobError
from qa.scorer import Scorer
from qa.store import load_call_input, save_score
from qa.verdict import ScoreResult
from transcription.job import SCORE


@dataclass(frozen=True, slots=True)
class Scored:
    """What ``prepare`` hands to ``commit``."""

    result: ScoreResult
    agent: str | None


class ScoreHandler:
    """Runs ``score`` jobs with one :class:`~qa.scorer.Scorer` (scorecards and models loaded once)."""

    kind = SCORE

    def __init__(self, engine: Engine, scorer: Scorer) -> None:
        self.engine = engine
        self.scorer = scorer

    def prepare(self, claim: jobs.Claim) -> Scored:
        return self.score(claim.subject)

    def commit(self, connection: Connection, claim: jobs.Claim, result: Any) -> None:
        self.save(connection, result)

    def score(self, linkedid: str, scorecard: str | None = None) -> Scored:
        """Score one call from the database (not yet saved)."""
        with self.engine.connect() as connection:
            call = load_call_input(connection, linkedid)
        if call is None:
            raise PermanentJobError(f"call {linkedid} has no transcript to score")
        return Scored(self.scorer.score(call, scorecard), call.agent)

    def save(self, connection: Connection, scored: Scored) -> int:
        """Store a score as the call's current one."""
        name = scored.result.scorecard
        scorecard = self.scorer.library.get(name) if name else None
        return save_score(connection, scored.result, scorecard, scored.agent)
