"""People on top of the machine: reviewers' verdicts, agents' disputes and acknowledgements.

Nothing is overwritten: a review is a new row beside the automatic verdict,
and a later review of the same criterion supersedes an earlier one only in the
*effective* score, which says for every criterion whether it uses the
machine's verdict or a reviewer's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Row, insert, select, update

from qa.models import Acknowledgement, CriterionVerdict, Dispute, Review, Score
from qa.scorecard import FAIL, NA, PASS

VERDICTS = (PASS, FAIL, NA)
DISPUTE_OUTCOMES = ("upheld", "rejected")


class ReviewError(ValueError):
    """A review or dispute that cannot be recorded (unknown call or criterion, bad verdict)."""


@dataclass(frozen=True, slots=True)
class EffectiveVerdict:
    """A criterion as it counts now: the reviewer's verdict if there is one, else the machine's."""

    criterion_id: str
    title: str
    weight: float
    auto_fail: bool
    auto: str
    human: str | None
    reviewer: str | None
    comment: str | None

    @property
    def verdict(self) -> str:
        return self.human or self.auto

    @property
    def source(self) -> str:
        return "reviewer" if self.human else "automatic"


@dataclass(frozen=True, slots=True)
class EffectiveScore:
    """The call's score counting reviewers' verdicts; ``source`` says whether any were used."""

    score_id: int
    automatic: float | None
    score: float | None
    auto_failed: bool
    source: str
    verdicts: list[EffectiveVerdict]


def _now() -> datetime:
    return datetime.now(UTC)


def current_score(connection: Connection, linkedid: str) -> Row[Any]:
    """The call's current score row; :class:`ReviewError` if the call has none."""
    query = select(Score.__table__).where(Score.linkedid == linkedid, Score.current.is_(True))
    row = connection.execute(query).first()
    if row is None:
        raise ReviewError(f"call {linkedid} has no score")
    return row


def add_review(
    connection: Connection, linkedid: str, criterion_id: str, verdict: str, reviewer: str, comment: str = ""
) -> int:
    """Record a reviewer's verdict on one criterion of the call's current score."""
    if verdict not in VERDICTS:
        raise ReviewError(f"verdict must be one of {', '.join(VERDICTS)}, not {verdict!r}")
    if not reviewer.strip():
        raise ReviewError("a review needs the reviewer's name")
    score = current_score(connection, linkedid)
    auto = connection.execute(
        select(CriterionVerdict.verdict).where(
            CriterionVerdict.score_id == score.id, CriterionVerdict.criterion_id == criterion_id
        )
    ).scalar()
    if auto is None:
        raise ReviewError(f"call {linkedid}: the scorecard has no criterion {criterion_id!r}")
    values = {
        "linkedid": linkedid,
        "score_id": score.id,
        "criterion_id": criterion_id,
        "verdict": verdict,
        "auto_verdict": auto,
        "comment": comment,
        "reviewer": reviewer,
        "created_at": _now(),
    }
    return int(connection.execute(insert(Review).values(**values).returning(Review.id)).scalar_one())


def open_dispute(
    connection: Connection, linkedid: str, agent: str, reason: str, criterion_id: str | None = None
) -> int:
    """An agent disputes the call's current score (or one criterion of it)."""
    if not reason.strip():
        raise ReviewError("a dispute needs a reason")
    score = current_score(connection, linkedid)
    values = {
        "linkedid": linkedid,
        "score_id": score.id,
        "criterion_id": criterion_id,
        "agent": agent,
        "reason": reason,
        "created_at": _now(),
        "status": "open",
    }
    return int(connection.execute(insert(Dispute).values(**values).returning(Dispute.id)).scalar_one())


def resolve_dispute(connection: Connection, dispute_id: int, outcome: str, by: str, resolution: str) -> None:
    """Close a dispute as ``upheld`` or ``rejected``, saying who and why."""
    if outcome not in DISPUTE_OUTCOMES:
        raise ReviewError(f"outcome must be one of {', '.join(DISPUTE_OUTCOMES)}, not {outcome!r}")
    changed = connection.execute(
        update(Dispute)
        .where(Dispute.id == dispute_id, Dispute.status == "open")
        .values(status=outcome, resolved_by=by, resolved_at=_now(), resolution=resolution)
    ).rowcount
    if changed != 1:
        raise ReviewError(f"dispute {dispute_id} does not exist or is already resolved")


def acknowledge(connection: Connection, linkedid: str, agent: str) -> int:
    """The agent has seen the call's current score."""
    score = current_score(connection, linkedid)
    values = {"score_id": score.id, "agent": agent, "created_at": _now()}
    return int(
        connection.execute(
            insert(Acknowledgement).values(**values).returning(Acknowledgement.id)
        ).scalar_one()
    )


def effective_score(connection: Connection, linkedid: str) -> EffectiveScore:
    """The current score with the latest review of each criterion applied."""
    score = current_score(connection, linkedid)
    automatic = connection.execute(
        select(CriterionVerdict.__table__)
        .where(CriterionVerdict.score_id == score.id)
        .order_by(CriterionVerdict.id)
    ).all()
    latest: dict[str, Row[Any]] = {}
    for review in connection.execute(
        select(Review.__table__).where(Review.linkedid == linkedid).order_by(Review.id)
    ):
        latest[review.criterion_id] = review
    verdicts = [
        EffectiveVerdict(
            v.criterion_id,
            v.title,
            v.weight,
            v.auto_fail,
            v.verdict,
            latest[v.criterion_id].verdict if v.criterion_id in latest else None,
            latest[v.criterion_id].reviewer if v.criterion_id in latest else None,
            latest[v.criterion_id].comment if v.criterion_id in latest else None,
        )
        for v in automatic
    ]
    value, failed = total(verdicts)
    reviewed = any(v.human for v in verdicts)
    return EffectiveScore(
        score.id, score.score, value, failed, "reviewed" if reviewed else "automatic", verdicts
    )


def total(verdicts: list[EffectiveVerdict]) -> tuple[float | None, bool]:
    """Weighted share of applicable criteria that pass (0 on an auto-fail), as in :mod:`qa.scoring`."""
    judged = [v for v in verdicts if v.verdict in (PASS, FAIL)]
    possible = sum(v.weight for v in judged)
    if not judged or possible == 0:
        return None, False
    if any(v.auto_fail and v.verdict == FAIL for v in judged):
        return 0.0, True
    return round(100.0 * sum(v.weight for v in judged if v.verdict == PASS) / possible, 1), False
