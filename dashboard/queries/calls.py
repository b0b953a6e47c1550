"""The calls list: filters, keyset pagination newest first, a capped count, and the filters' choices.

Built for a million calls: every filter is on an indexed column (``calls.start_time``,
``queue``, ``agent``, ``disposition``; the current score by ``(linkedid, current)``,
``score``, ``call_reason``; failed criteria by ``(criterion_id, verdict, score_id)``),
pages are read with ``WHERE (start_time, id) < cursor ORDER BY start_time DESC, id DESC LIMIT n``
(no OFFSET), and the total stops counting at :data:`COUNT_CAP`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Select, and_, func, select, text, tuple_

from dashboard.queries.search import matching_calls
from qa.models import CriterionVerdict, Score
from telephony.models import Call

COUNT_CAP = 10_000
PAGE_SIZE = 50
EXPORT_LIMIT = 100_000
DIRECTIONS = ("inbound", "outbound", "internal")

_calls = Call.__table__
_scores = Score.__table__


@dataclass(frozen=True, slots=True)
class CallFilters:
    """What the calls list shows. Empty tuples and ``None`` mean "any"."""

    start: datetime
    end: datetime
    queues: tuple[str, ...] = ()
    directions: tuple[str, ...] = ()
    agents: tuple[str, ...] = ()
    dispositions: tuple[str, ...] = ()
    call_reasons: tuple[str, ...] = ()
    #: The automatic score of the current score, inclusive; unscored calls drop out when set.
    score_min: float | None = None
    score_max: float | None = None
    #: Calls whose current score failed this criterion (the machine's verdict).
    failed_criterion: str | None = None
    #: Words that must all occur in one speaker turn of the transcript.
    text: str = ""
    #: An agent user: only calls they answered or placed. Set by the dashboard, never by the agent.
    only_agent: str | None = None


@dataclass(frozen=True, slots=True)
class Cursor:
    """Where the next page starts: the last row's ``(start_time, id)``."""

    start_time: datetime
    id: int


@dataclass(frozen=True, slots=True)
class CallPage:
    """One page of calls and the cursor of the next (``None`` on the last page)."""

    rows: list[dict[str, Any]]
    next_cursor: Cursor | None


def _columns() -> list[Any]:
    c, s = _calls.c, _scores.c
    return [
        c.id,
        c.linkedid,
        c.start_time,
        c.direction,
        c.caller_number,
        c.dialled_number,
        c.queue,
        c.queue_wait_seconds,
        c.agent,
        c.talk_seconds,
        c.hold_seconds,
        c.disposition,
        c.recording_status,
        s.status.label("score_status"),
        s.score,
        s.passed,
        s.auto_failed,
        s.call_reason,
    ]


def _filtered(connection: Connection, filters: CallFilters, columns: list[Any]) -> Select[*tuple[Any, ...]]:
    c, s = _calls.c, _scores.c
    joined = _calls.outerjoin(_scores, and_(s.linkedid == c.linkedid, s.current.is_(True)))
    query = select(*columns).select_from(joined)
    query = query.where(c.start_time >= filters.start, c.start_time < filters.end)
    for column, values in (
        (c.queue, filters.queues),
        (c.direction, filters.directions),
        (c.agent, filters.agents),
        (c.disposition, filters.dispositions),
        (s.call_reason, filters.call_reasons),
    ):
        if values:
            query = query.where(column.in_(values))
    if filters.only_agent is not None:
        query = query.where(c.agent == filters.only_agent)
    if filters.score_min is not None:
        query = query.where(s.score >= filters.score_min)
    if filters.score_max is not None:
        query = query.where(s.score <= filters.score_max)
    if filters.failed_criterion:
        v = CriterionVerdict.__table__.c
        failed = select(v.score_id).where(v.criterion_id == filters.failed_criterion, v.verdict == "fail")
        query = query.where(s.id.in_(failed))
    if filters.text.strip():
        query = query.where(c.linkedid.in_(matching_calls(connection.dialect.name, filters.text)))
    return query


def calls_page(
    connection: Connection, filters: CallFilters, cursor: Cursor | None = None, size: int = PAGE_SIZE
) -> CallPage:
    """The ``size`` newest calls after ``cursor`` that pass the filters."""
    c = _calls.c
    query = _filtered(connection, filters, _columns())
    if cursor is not None:
        query = query.where(tuple_(c.start_time, c.id) < tuple_(cursor.start_time, cursor.id))
    query = query.order_by(c.start_time.desc(), c.id.desc()).limit(size + 1)
    rows = [row._asdict() for row in connection.execute(query)]
    more = len(rows) > size
    rows = rows[:size]
    last = rows[-1] if rows else None
    next_cursor = Cursor(last["start_time"], last["id"]) if more and last is not None else None
    return CallPage(rows, next_cursor)


def count_calls(connection: Connection, filters: CallFilters, cap: int = COUNT_CAP) -> tuple[int, bool]:
    """How many calls pass the filters, counting no further than ``cap``: (count, more than cap)."""
    inner = _filtered(connection, filters, [_calls.c.id]).limit(cap + 1).subquery()
    counted = int(connection.execute(select(func.count()).select_from(inner)).scalar_one())
    return min(counted, cap), counted > cap


def export_calls(
    connection: Connection, filters: CallFilters, limit: int = EXPORT_LIMIT
) -> list[dict[str, Any]]:
    """Every call that passes the filters, newest first, up to ``limit`` (for CSV and Excel)."""
    c = _calls.c
    query = _filtered(connection, filters, _columns()).order_by(c.start_time.desc(), c.id.desc())
    return [row._asdict() for row in connection.execute(query.limit(limit))]


@dataclass(frozen=True, slots=True)
class FilterChoices:
    """The values the calls filters offer."""

    queues: list[str]
    agents: list[str]
    dispositions: list[str]
    call_reasons: list[str]


def distinct_values(connection: Connection, column: Any) -> list[str]:
    """The distinct non-null values of an indexed column, in order, one index seek per value.

    A loose index scan (a recursive query stepping from each value to the next), so a column of a
    million rows with a few dozen values costs a few dozen seeks, not a scan.
    """
    quote = connection.dialect.identifier_preparer.quote
    table, name = quote(column.table.name), quote(column.name)
    sql = text(
        f"WITH RECURSIVE v(x) AS (SELECT min({name}) FROM {table} UNION ALL "
        f"SELECT (SELECT min({name}) FROM {table} WHERE {name} > v.x) FROM v WHERE v.x IS NOT NULL) "
        "SELECT x FROM v WHERE x IS NOT NULL"
    )
    return [str(value) for value in connection.execute(sql).scalars()]


def filter_choices(connection: Connection) -> FilterChoices:
    """Distinct queues, agents, dispositions and call reasons (each read from its index)."""
    c = _calls.c
    return FilterChoices(
        distinct_values(connection, c.queue),
        distinct_values(connection, c.agent),
        distinct_values(connection, c.disposition),
        distinct_values(connection, _scores.c.call_reason),
    )
