"""The ``score`` job: a call's transcript and record in, its score (verdicts and evidence) out.

Queued by the transcription job when a transcript is done; ``callcentre score``
runs the same handler in batch. Scoring is pure CPU on data already loaded,
so the heavy part (``prepare``) holds no transaction.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine

from callcentre import jobs
from callcentre.worker import PermanentJobError
from qa.scorer import Scorer
from qa.store import load_call_inputs, save_score
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

    def __init__(self, engine: Engine, scorer: Scorer | Callable[[], Scorer]) -> None:
        """``scorer`` may be a function that builds it: then it is built on the first score job, so a
        worker that only transcribes never loads (or trains) the QA models."""
        self.engine = engine
        self._scorer = scorer
        self._lock = threading.Lock()

    @property
    def scorer(self) -> Scorer:
        """The scorer, built now if it was given as a function."""
        with self._lock:
            if not isinstance(self._scorer, Scorer):
                self._scorer = self._scorer()
            return self._scorer

    def prepare(self, claim: jobs.Claim) -> Scored:
        return self.score(claim.subject)

    def commit(self, connection: Connection, claim: jobs.Claim, result: Any) -> None:
        self.save(connection, result)

    def score(self, linkedid: str, scorecard: str | None = None) -> Scored:
        """Score one call from the database (not yet saved)."""
        scored = self.score_batch([linkedid], scorecard)
        if linkedid not in scored:
            raise PermanentJobError(f"call {linkedid} has no transcript to score")
        return scored[linkedid]

    def score_batch(self, linkedids: Sequence[str], scorecard: str | None = None) -> dict[str, Scored]:
        """Score several calls from the database at once (not yet saved).

        Calls without a transcript are absent from the result.
        """
        with self.engine.connect() as connection:
            calls = list(load_call_inputs(connection, linkedids).values())
        results = self.scorer.score_many(calls, scorecard)
        return {call.call_id: Scored(result, call.agent) for call, result in zip(calls, results, strict=True)}

    def save(self, connection: Connection, scored: Scored) -> int:
        """Store a score as the call's current one."""
        name = scored.result.scorecard
        scorecard = self.scorer.library.get(name) if name else None
        return save_score(connection, scored.result, scorecard, scored.agent)
