"""Verdicts and scores as plain data: what the scorer produces and the store writes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from qa.scorecard import FAIL, NA, PASS

#: Score statuses: ``scored``; ``human_review`` (no usable transcript: no automatic score);
#: ``not_applicable`` (every criterion N/A, e.g. a transcript of a few words).
SCORED, HUMAN_REVIEW, NOT_APPLICABLE = "scored", "human_review", "not_applicable"


@dataclass(frozen=True, slots=True)
class Verdict:
    """One criterion judged: ``pass``, ``fail`` or ``na`` (with the reason), and the evidence."""

    criterion_id: str
    verdict: str
    reason: str
    evidence: tuple[dict[str, Any], ...] = ()

    @classmethod
    def passed(cls, criterion_id: str, reason: str, evidence: list[dict[str, Any]]) -> Verdict:
        return cls(criterion_id, PASS, reason, tuple(evidence))

    @classmethod
    def failed(cls, criterion_id: str, reason: str, evidence: list[dict[str, Any]] | None = None) -> Verdict:
        return cls(criterion_id, FAIL, reason, tuple(evidence or ()))

    @classmethod
    def not_applicable(cls, criterion_id: str, reason: str) -> Verdict:
        return cls(criterion_id, NA, reason)


@dataclass(frozen=True, slots=True)
class Prediction:
    """A model's label for a call and how sure it was (0-1), with the model version."""

    label: str
    confidence: float
    model: str


@dataclass(slots=True)
class ScoreResult:
    """A call scored against one scorecard."""

    call_id: str
    scorecard: str
    status: str
    reason: str = ""
    verdicts: list[Verdict] = field(default_factory=list)
    #: 0-100 over the criteria that applied (weighted); ``None`` unless ``status == scored``.
    score: float | None = None
    auto_failed: bool = False
    passed: bool | None = None
    call_type: str | None = None
    #: ``record`` (from the call record or the file) or ``classifier``.
    call_type_source: str | None = None
    reason_prediction: Prediction | None = None
    sentiment: Prediction | None = None

    def verdict(self, criterion_id: str) -> Verdict:
        for verdict in self.verdicts:
            if verdict.criterion_id == criterion_id:
                return verdict
        raise KeyError(criterion_id)
