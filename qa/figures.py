"""QA figures over current scores: per agent and per criterion (the dashboard and the demo use these)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, case, func, select

from qa.models import CriterionVerdict, Score
from qa.verdict import SCORED


@dataclass(frozen=True, slots=True)
class AgentQa:
    agent: str
    scored: int
    mean_score: float
    pass_rate: float
    auto_fails: int


@dataclass(frozen=True, slots=True)
class CriterionQa:
    criterion_id: str
    judged: int
    failed: int

    @property
    def fail_rate(self) -> float:
        return self.failed / self.judged if self.judged else 0.0


@dataclass(frozen=True, slots=True)
class QaSummary:
    statuses: dict[str, int]
    agents: list[AgentQa]
    criteria: list[CriterionQa]


def qa_summary(connection: Connection) -> QaSummary:
    """Counts by status, figures per agent (best first) and per criterion (most failed first)."""
    statuses = dict(
        connection.execute(
            select(Score.status, func.count()).where(Score.current.is_(True)).group_by(Score.status)
        ).all()
    )
    agents = [
        AgentQa(
            row.agent or "(none)",
            row.n,
            float(row.mean or 0),
            float(row.passed or 0) / row.n,
            int(row.fails or 0),
        )
        for row in connection.execute(
            select(
                Score.agent,
                func.count().label("n"),
                func.avg(Score.score).label("mean"),
                func.sum(case((Score.passed.is_(True), 1), else_=0)).label("passed"),
                func.sum(case((Score.auto_failed.is_(True), 1), else_=0)).label("fails"),
            )
            .where(Score.current.is_(True), Score.status == SCORED)
            .group_by(Score.agent)
            .order_by(func.avg(Score.score).desc())
        )
    ]
    criteria = [
        CriterionQa(row.criterion_id, int(row.judged), int(row.failed or 0))
        for row in connection.execute(
            select(
                CriterionVerdict.criterion_id,
                func.sum(case((CriterionVerdict.verdict.in_(("pass", "fail")), 1), else_=0)).label("judged"),
                func.sum(case((CriterionVerdict.verdict == "fail", 1), else_=0)).label("failed"),
            )
            .join(Score, Score.id == CriterionVerdict.score_id)
            .where(Score.current.is_(True), Score.status == SCORED)
            .group_by(CriterionVerdict.criterion_id)
        )
    ]
    criteria.sort(key=lambda c: (-c.fail_rate, c.criterion_id))
    return QaSummary({str(k): int(v) for k, v in statuses.items()}, agents, criteria)
