"""One call in full: its record (legs, queue visits, holds, transfers), transcript, score and reviews."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, FromClause, select

from qa import reviews
from qa.models import Acknowledgement, CriterionVerdict, Dispute, Review, Score, ScorecardVersion
from telephony.models import Call, CallLeg, Hold, QueueVisit, Transfer
from transcription.models import Redaction, Transcript, TranscriptSegment


@dataclass
class CallDetail:
    """Everything the call page shows. ``call`` is ``None`` for a transcript imported without a record."""

    linkedid: str
    call: dict[str, Any] | None = None
    legs: list[dict[str, Any]] = field(default_factory=list)
    queue_visits: list[dict[str, Any]] = field(default_factory=list)
    holds: list[dict[str, Any]] = field(default_factory=list)
    transfers: list[dict[str, Any]] = field(default_factory=list)
    transcript: dict[str, Any] | None = None
    segments: list[dict[str, Any]] = field(default_factory=list)
    redactions: list[dict[str, Any]] = field(default_factory=list)
    score: dict[str, Any] | None = None
    scorecard: dict[str, Any] | None = None
    effective: reviews.EffectiveScore | None = None
    #: The current score's criteria: the machine's verdict, reason and evidence, and any review.
    verdicts: list[dict[str, Any]] = field(default_factory=list)
    reviews: list[dict[str, Any]] = field(default_factory=list)
    disputes: list[dict[str, Any]] = field(default_factory=list)
    acknowledgements: list[dict[str, Any]] = field(default_factory=list)

    @property
    def exists(self) -> bool:
        """True if anything is known of the call (a record, a transcript or a score)."""
        return self.call is not None or self.transcript is not None or self.score is not None


def _rows(connection: Connection, table: FromClause, *where: Any, order: Any = None) -> list[dict[str, Any]]:
    query = select(table).where(*where)
    if order is not None:
        query = query.order_by(order)
    return [row._asdict() for row in connection.execute(query)]


def _first(connection: Connection, table: FromClause, *where: Any) -> dict[str, Any] | None:
    row = connection.execute(select(table).where(*where)).first()
    return None if row is None else row._asdict()


def owners(connection: Connection, linkedid: str) -> set[str]:
    """The agents a call belongs to: its record's agent and its current score's agent."""
    names = set(connection.execute(select(Call.agent).where(Call.linkedid == linkedid)).scalars())
    names |= set(
        connection.execute(
            select(Score.agent).where(Score.linkedid == linkedid, Score.current.is_(True))
        ).scalars()
    )
    return {name for name in names if name}


def may_open(connection: Connection, linkedid: str, agent_name: str | None) -> bool:
    """True if an agent with this name may see the call (``None``: not an agent, always true)."""
    return agent_name is None or agent_name in owners(connection, linkedid)


def call_detail(connection: Connection, linkedid: str) -> CallDetail:
    """The call in full (check :attr:`CallDetail.exists`)."""
    detail = CallDetail(linkedid, call=_first(connection, Call.__table__, Call.linkedid == linkedid))
    if detail.call is not None:
        _record(connection, detail, detail.call["id"])
    detail.transcript = _first(connection, Transcript.__table__, Transcript.linkedid == linkedid)
    if detail.transcript is not None:
        tid = detail.transcript["id"]
        table = TranscriptSegment.__table__
        detail.segments = _rows(connection, table, table.c.transcript_id == tid, order=table.c.start)
        spans = Redaction.__table__
        detail.redactions = _rows(connection, spans, spans.c.transcript_id == tid, order=spans.c.start)
    detail.score = _first(connection, Score.__table__, Score.linkedid == linkedid, Score.current.is_(True))
    if detail.score is not None:
        _score(connection, detail, detail.score)
    return detail


def _record(connection: Connection, detail: CallDetail, call_id: int) -> None:
    legs, visits = CallLeg.__table__, QueueVisit.__table__
    holds, transfers = Hold.__table__, Transfer.__table__
    detail.legs = _rows(connection, legs, legs.c.call_id == call_id, order=legs.c.start_time)
    detail.queue_visits = _rows(connection, visits, visits.c.call_id == call_id, order=visits.c.joined_at)
    detail.holds = _rows(connection, holds, holds.c.call_id == call_id, order=holds.c.start_time)
    detail.transfers = _rows(connection, transfers, transfers.c.call_id == call_id, order=transfers.c.at)


def _score(connection: Connection, detail: CallDetail, score: dict[str, Any]) -> None:
    linkedid = detail.linkedid
    if score["scorecard_id"] is not None:
        cards = ScorecardVersion.__table__
        card = _first(connection, cards, cards.c.id == score["scorecard_id"])
        detail.scorecard = None if card is None else {k: card[k] for k in ("name", "version", "title")}
    table = CriterionVerdict.__table__
    machine = _rows(connection, table, table.c.score_id == score["id"], order=table.c.id)
    detail.effective = reviews.effective_score(connection, linkedid) if machine else None
    counted = {v.criterion_id: v for v in detail.effective.verdicts} if detail.effective else {}
    for row in machine:
        effective = counted.get(row["criterion_id"])
        row["effective"] = effective.verdict if effective else row["verdict"]
        row["human"] = effective.human if effective else None
        row["reviewer"] = effective.reviewer if effective else None
        row["comment"] = effective.comment if effective else None
    detail.verdicts = machine
    r, d, a = Review.__table__, Dispute.__table__, Acknowledgement.__table__
    detail.reviews = _rows(connection, r, r.c.linkedid == linkedid, order=r.c.id)
    detail.disputes = _rows(connection, d, d.c.linkedid == linkedid, order=d.c.id)
    detail.acknowledgements = _rows(connection, a, a.c.score_id == score["id"], order=a.c.id)
