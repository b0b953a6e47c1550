"""QA figures per agent over a period of calls: summary, score trend, weakest criteria, disputes.

Scores count by the time of the call (``calls.start_time``, indexed), current scores only;
the score is the machine's (reviewers' overrides are counted under "reviewed").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Select, and_, case, distinct, func, select

from dashboard.queries.periods import as_date, bucket
from qa.models import CriterionVerdict, Dispute, Review, Score
from qa.verdict import SCORED
from telephony.models import Call

WEAKEST = 3


@dataclass(frozen=True, slots=True)
class AgentFilters:
    """Which calls count. ``only_agent`` is set for an agent user (their own figures only)."""

    start: datetime
    end: datetime
    agents: tuple[str, ...] = ()
    only_agent: str | None = None


def _scope(query: Select[*tuple[Any, ...]], filters: AgentFilters) -> Select[*tuple[Any, ...]]:
    query = query.join(Call, Call.linkedid == Score.linkedid).where(
        Score.current.is_(True),
        Score.status == SCORED,
        Score.agent.is_not(None),
        Call.start_time >= filters.start,
        Call.start_time < filters.end,
    )
    if filters.agents:
        query = query.where(Score.agent.in_(filters.agents))
    if filters.only_agent is not None:
        query = query.where(Score.agent == filters.only_agent)
    return query


def agent_summary(connection: Connection, filters: AgentFilters) -> list[dict[str, Any]]:
    """Per agent: calls scored, mean score, pass rate, auto-fails, calls reviewed, disputes; best first."""
    query = _scope(
        select(
            Score.agent,
            func.count().label("scored"),
            func.avg(Score.score).label("mean_score"),
            func.sum(case((Score.passed.is_(True), 1), else_=0)).label("passed"),
            func.sum(case((Score.auto_failed.is_(True), 1), else_=0)).label("auto_fails"),
        ).select_from(Score),
        filters,
    ).group_by(Score.agent)
    rows = {row.agent: row._asdict() for row in connection.execute(query)}
    reviewed = _people(connection, filters, Review.linkedid)
    disputes = _people(connection, filters, Dispute.id)
    open_disputes = _people(connection, filters, Dispute.id, Dispute.status == "open")
    out = []
    for agent, row in rows.items():
        scored = int(row["scored"])
        out.append(
            {
                "agent": agent,
                "scored": scored,
                "mean_score": round(float(row["mean_score"] or 0.0), 1),
                "pass_rate": round(int(row["passed"] or 0) / scored, 3) if scored else None,
                "auto_fails": int(row["auto_fails"] or 0),
                "reviewed": reviewed.get(agent, 0),
                "disputes": disputes.get(agent, 0),
                "open_disputes": open_disputes.get(agent, 0),
            }
        )
    return sorted(out, key=lambda item: (-item["mean_score"], item["agent"]))


def _people(connection: Connection, filters: AgentFilters, counted: Any, *where: Any) -> dict[str, int]:
    """Per agent, distinct ``counted`` (a column of the reviews or disputes) on calls in the period.

    Read from the reviews or disputes (people's work: few rows) towards the calls, not the other way.
    """
    table = counted.class_
    query = (
        select(Score.agent, func.count(distinct(counted)))
        .select_from(table)
        .join(Score, and_(Score.linkedid == table.linkedid, Score.current.is_(True)))
        .join(Call, Call.linkedid == table.linkedid)
        .where(Call.start_time >= filters.start, Call.start_time < filters.end, *where)
    )
    if filters.agents:
        query = query.where(Score.agent.in_(filters.agents))
    if filters.only_agent is not None:
        query = query.where(Score.agent == filters.only_agent)
    rows = connection.execute(query.group_by(Score.agent))
    return {str(agent): int(count) for agent, count in rows if agent is not None}


def score_trend(
    connection: Connection, filters: AgentFilters, period: str = "day", zone: str = "UTC"
) -> list[dict[str, Any]]:
    """Mean score and calls scored per agent per local day or week."""
    when = bucket(Call.start_time, period, zone, connection.dialect.name).label("period")
    query = _scope(
        select(
            Score.agent, when, func.avg(Score.score).label("mean_score"), func.count().label("scored")
        ).select_from(Score),
        filters,
    ).group_by(Score.agent, when)
    rows = [
        {
            "agent": row.agent,
            "period": as_date(row.period),
            "mean_score": round(float(row.mean_score or 0.0), 1),
            "scored": int(row.scored),
        }
        for row in connection.execute(query)
    ]
    return sorted(rows, key=lambda row: (row["period"], row["agent"]))


def weakest_criteria(
    connection: Connection, filters: AgentFilters, top: int = WEAKEST
) -> list[dict[str, Any]]:
    """Each agent's ``top`` most failed criteria (by the machine's verdicts), worst first."""
    v = CriterionVerdict
    query = _scope(
        select(
            Score.agent,
            v.criterion_id,
            func.max(v.title).label("title"),
            func.sum(case((v.verdict.in_(("pass", "fail")), 1), else_=0)).label("judged"),
            func.sum(case((v.verdict == "fail", 1), else_=0)).label("failed"),
        )
        .select_from(Score)
        .join(v, v.score_id == Score.id),
        filters,
    ).group_by(Score.agent, v.criterion_id)
    per_agent: dict[str, list[dict[str, Any]]] = {}
    for row in connection.execute(query):
        judged, failed = int(row.judged or 0), int(row.failed or 0)
        if failed:
            item = {
                "agent": row.agent,
                "criterion": row.criterion_id,
                "title": row.title,
                "judged": judged,
                "failed": failed,
                "fail_rate": round(failed / judged, 3),
            }
            per_agent.setdefault(row.agent, []).append(item)
    out = []
    for agent in sorted(per_agent):
        ranked = sorted(
            per_agent[agent], key=lambda item: (-item["fail_rate"], -item["failed"], item["criterion"])
        )
        out += ranked[:top]
    return out


def disputes(connection: Connection, filters: AgentFilters) -> list[dict[str, Any]]:
    """Disputes opened in the period by the agents in scope, newest first."""
    d = Dispute.__table__.c
    query = select(Dispute.__table__).where(d.created_at >= filters.start, d.created_at < filters.end)
    if filters.agents:
        query = query.where(d.agent.in_(filters.agents))
    if filters.only_agent is not None:
        query = query.where(d.agent == filters.only_agent)
    return [row._asdict() for row in connection.execute(query.order_by(d.created_at.desc()))]
