"""Tables owned by the qa package: scorecard versions, scores, verdicts, reviews and disputes.

Nothing here is ever overwritten. Re-scoring a call adds a score and marks
the older one not current; a reviewer's verdict on a criterion is a row of its
own beside the automatic one; an agent's dispute and its resolution keep who
and when. The effective verdict of a criterion is the latest review if there
is one, else the automatic verdict (see :mod:`qa.reviews`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from callcentre.db import Base, BigId, UTCDateTime


class ScorecardVersion(Base):
    """One version of a scorecard: its YAML text exactly as it was used."""

    __tablename__ = "qa_scorecards"
    __table_args__ = (
        UniqueConstraint("name", "version", name="uq_qa_scorecards_name_version"),
        UniqueConstraint("name", "digest", name="uq_qa_scorecards_name_digest"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)
    #: SHA-256 of the text: an unchanged scorecard keeps its version.
    digest: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(256))
    source: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Score(Base):
    """A call scored (or sent to human review) with one scorecard version."""

    __tablename__ = "qa_scores"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    linkedid: Mapped[str] = mapped_column(String(64))
    scorecard_id: Mapped[int | None] = mapped_column(ForeignKey("qa_scorecards.id"))
    #: ``scored``, ``human_review`` or ``not_applicable``.
    status: Mapped[str] = mapped_column(String(16), index=True)
    reason: Mapped[str | None] = mapped_column(Text)
    #: 0-100 from the automatic verdicts; ``None`` unless scored.
    score: Mapped[float | None] = mapped_column(Float, index=True)
    auto_failed: Mapped[bool] = mapped_column(Boolean, default=False)
    passed: Mapped[bool | None] = mapped_column(Boolean)
    agent: Mapped[str | None] = mapped_column(String(128), index=True)
    call_type: Mapped[str | None] = mapped_column(String(16))
    #: ``record`` or ``classifier``: where the call type came from.
    call_type_source: Mapped[str | None] = mapped_column(String(16))
    call_reason: Mapped[str | None] = mapped_column(String(32), index=True)
    call_reason_confidence: Mapped[float | None] = mapped_column(Float)
    call_reason_model: Mapped[str | None] = mapped_column(String(96))
    sentiment: Mapped[str | None] = mapped_column(String(16))
    sentiment_confidence: Mapped[float | None] = mapped_column(Float)
    sentiment_model: Mapped[str | None] = mapped_column(String(96))
    #: False once the call was scored again; the old score and its verdicts stay.
    current: Mapped[bool] = mapped_column(Boolean, default=True)
    scored_at: Mapped[datetime] = mapped_column(UTCDateTime)

    verdicts: Mapped[list[CriterionVerdict]] = relationship(
        back_populates="score", order_by="CriterionVerdict.id"
    )
    scorecard: Mapped[ScorecardVersion | None] = relationship()


class CriterionVerdict(Base):
    """The automatic verdict on one criterion, with its evidence (who, when, which words)."""

    __tablename__ = "qa_verdicts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    score_id: Mapped[int] = mapped_column(ForeignKey("qa_scores.id", ondelete="CASCADE"), index=True)
    criterion_id: Mapped[str] = mapped_column(String(64))
    section: Mapped[str] = mapped_column(String(128))
    title: Mapped[str] = mapped_column(String(256))
    principle: Mapped[str] = mapped_column(String(32))
    weight: Mapped[float] = mapped_column(Float)
    auto_fail: Mapped[bool] = mapped_column(Boolean, default=False)
    #: ``pass``, ``fail`` or ``na``.
    verdict: Mapped[str] = mapped_column(String(8))
    reason: Mapped[str] = mapped_column(Text)
    evidence: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)

    score: Mapped[Score] = relationship(back_populates="verdicts")


class Review(Base):
    """A QA reviewer's verdict on one criterion of a call (an override when it differs from the machine)."""

    __tablename__ = "qa_reviews"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    linkedid: Mapped[str] = mapped_column(String(64))
    #: The score the reviewer was looking at.
    score_id: Mapped[int] = mapped_column(ForeignKey("qa_scores.id"))
    criterion_id: Mapped[str] = mapped_column(String(64))
    verdict: Mapped[str] = mapped_column(String(8))
    #: What the machine said at the time (kept for calibration even after re-scoring).
    auto_verdict: Mapped[str | None] = mapped_column(String(8))
    comment: Mapped[str] = mapped_column(Text, default="")
    reviewer: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Dispute(Base):
    """An agent disputing a score (or one criterion of it), and how it was resolved."""

    __tablename__ = "qa_disputes"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    linkedid: Mapped[str] = mapped_column(String(64), index=True)
    score_id: Mapped[int] = mapped_column(ForeignKey("qa_scores.id"))
    criterion_id: Mapped[str | None] = mapped_column(String(64))
    agent: Mapped[str] = mapped_column(String(128))
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: ``open``, ``upheld`` (the agent was right) or ``rejected``.
    status: Mapped[str] = mapped_column(String(16), default="open")
    resolved_by: Mapped[str | None] = mapped_column(String(128))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolution: Mapped[str | None] = mapped_column(Text)


class Acknowledgement(Base):
    """An agent confirming they have seen a score."""

    __tablename__ = "qa_acknowledgements"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    score_id: Mapped[int] = mapped_column(ForeignKey("qa_scores.id"), index=True)
    agent: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


Index("ix_qa_scores_linkedid_current", Score.linkedid, Score.current)
Index("ix_qa_reviews_linkedid_criterion", Review.linkedid, Review.criterion_id, Review.id)
#: The dashboard's "failed criterion" filter.
Index(
    "ix_qa_verdicts_criterion_verdict",
    CriterionVerdict.criterion_id,
    CriterionVerdict.verdict,
    CriterionVerdict.score_id,
)
