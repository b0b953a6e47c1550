"""What the collection campaigns achieved: dials, contacts, promises and what was collected.

Every figure is a SQL aggregate over ``[start, end)`` (timezone-aware), grouped by campaign, by
agent or by local day:

* dials and contacts (answered dials) from ``dial_attempts`` by ``placed_at``;
* right-party contacts from ``call_outcomes`` (``right_party``) by ``at``;
* promises, amount promised and collected, kept and broken from ``promises`` by ``made_at``. Each
  instalment of an arrangement counts as one promise (each is kept or broken on its own);
  collected is the promises' ``paid_cents``, kept/broken the statuses the payments import set.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Connection, case, func, literal, select

from telephony.campaigns.account_view import ATTEMPTS, CAMPAIGNS, OUTCOMES, PROMISES


@dataclass(frozen=True, slots=True)
class Figures:
    """The results of one group (a campaign, an agent, a day, or everything)."""

    dials: int = 0
    contacts: int = 0
    right_party: int = 0
    promises: int = 0
    promised_cents: int = 0
    collected_cents: int = 0
    kept: int = 0
    broken: int = 0

    @property
    def kept_rate(self) -> float | None:
        """Kept / (kept + broken); ``None`` while no promise is resolved."""
        resolved = self.kept + self.broken
        return None if resolved == 0 else self.kept / resolved

    @property
    def contact_rate(self) -> float | None:
        """Contacts per dial; ``None`` without dials."""
        return None if self.dials == 0 else self.contacts / self.dials

    def as_dict(self) -> dict[str, Any]:
        """The figures and the rates, by name."""
        values: dict[str, Any] = {f.name: getattr(self, f.name) for f in fields(self)}
        return values | {"kept_rate": self.kept_rate, "contact_rate": self.contact_rate}


@dataclass(frozen=True, slots=True)
class CampaignResult:
    """One campaign's results."""

    campaign_id: int
    campaign: str
    mode: str
    active: bool
    figures: Figures


@dataclass(frozen=True, slots=True)
class AgentResult:
    """One agent's results."""

    agent: str
    figures: Figures


@dataclass(frozen=True, slots=True)
class DayResult:
    """One local day's results (days without activity included, all zero)."""

    day: dt.date
    figures: Figures


@dataclass(frozen=True, slots=True)
class Scope:
    """Which activity counts: the period ``[start, end)``, optionally one campaign and one agent."""

    start: dt.datetime
    end: dt.datetime
    campaign_id: int | None = None
    agent: str | None = None


def totals(conn: Connection, scope: Scope) -> Figures:
    """Everything in the scope, as one set of figures."""
    return _grouped(conn, scope, "all").get("all", Figures())


def by_campaign(conn: Connection, scope: Scope) -> list[CampaignResult]:
    """Per campaign: every active campaign, and inactive ones with activity in the scope, by name."""
    found = _grouped(conn, scope, "campaign")
    query = select(CAMPAIGNS.c.id, CAMPAIGNS.c.name, CAMPAIGNS.c.mode, CAMPAIGNS.c.active)
    if scope.campaign_id is not None:
        query = query.where(CAMPAIGNS.c.id == scope.campaign_id)
    return [
        CampaignResult(int(r.id), str(r.name), str(r.mode), bool(r.active), found.get(r.id, Figures()))
        for r in conn.execute(query.order_by(CAMPAIGNS.c.name))
        if r.active or r.id in found
    ]


def by_agent(conn: Connection, scope: Scope) -> list[AgentResult]:
    """Per agent with any activity in the scope, by name."""
    found = _grouped(conn, scope, "agent")
    return [AgentResult(str(agent), found[agent]) for agent in sorted(found)]


def daily(conn: Connection, scope: Scope, zone: str = "Africa/Johannesburg") -> list[DayResult]:
    """Per local day of ``zone`` from the first to the last day of the period, gaps filled with zeros."""
    found = {_as_date(key): value for key, value in _grouped(conn, scope, "day", zone).items()}
    local = ZoneInfo(zone)
    first = scope.start.astimezone(local).date()
    last = (scope.end - dt.timedelta(microseconds=1)).astimezone(local).date()
    days = [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
    return [DayResult(day, found.get(day, Figures())) for day in days]


def _grouped(conn: Connection, scope: Scope, by: str, zone: str = "UTC") -> dict[Any, Figures]:
    """Figures per group key: three aggregate queries (dials, outcomes, promises) merged."""
    dialect = conn.dialect.name
    parts: dict[Any, dict[str, int]] = {}
    for query in (
        _dial_figures(scope, by, zone, dialect),
        _outcome_figures(scope, by, zone, dialect),
        _promise_figures(scope, by, zone, dialect),
    ):
        for row in conn.execute(query):
            values = row._asdict()
            key = values.pop("key")
            parts.setdefault(key, {}).update({name: int(value or 0) for name, value in values.items()})
    return {key: Figures(**values) for key, values in parts.items()}


def _key(table: Any, time: Any, by: str, zone: str, dialect: str) -> ColumnElement[Any]:
    if by == "campaign":
        return table.c.campaign_id  # type: ignore[no-any-return]
    if by == "agent":
        return table.c.agent  # type: ignore[no-any-return]
    if by == "day":
        return local_day(time, zone, dialect)
    return literal("all")


def _where(table: Any, time: Any, scope: Scope) -> list[ColumnElement[bool]]:
    conditions = [time >= scope.start, time < scope.end]
    if scope.campaign_id is not None:
        conditions.append(table.c.campaign_id == scope.campaign_id)
    if scope.agent is not None:
        conditions.append(table.c.agent == scope.agent)
    return conditions


def _count(condition: ColumnElement[bool]) -> ColumnElement[Any]:
    return func.sum(case((condition, 1), else_=0))


def _select(table: Any, time: Any, scope: Scope, by: str, zone: str, dialect: str, *figures: Any) -> Any:
    key = _key(table, time, by, zone, dialect).label("key")
    query = select(key, *figures).where(*_where(table, time, scope))
    return query if by == "all" else query.group_by(key)


def _dial_figures(scope: Scope, by: str, zone: str, dialect: str) -> Any:
    time = ATTEMPTS.c.placed_at
    return _select(
        ATTEMPTS,
        time,
        scope,
        by,
        zone,
        dialect,
        func.count().label("dials"),
        _count(ATTEMPTS.c.state == "answered").label("contacts"),
    )


def _outcome_figures(scope: Scope, by: str, zone: str, dialect: str) -> Any:
    time = OUTCOMES.c.at
    return _select(
        OUTCOMES,
        time,
        scope,
        by,
        zone,
        dialect,
        _count(OUTCOMES.c.right_party.is_(True)).label("right_party"),
    )


def _promise_figures(scope: Scope, by: str, zone: str, dialect: str) -> Any:
    time = PROMISES.c.made_at
    return _select(
        PROMISES,
        time,
        scope,
        by,
        zone,
        dialect,
        func.count().label("promises"),
        func.sum(PROMISES.c.amount_cents).label("promised_cents"),
        func.sum(PROMISES.c.paid_cents).label("collected_cents"),
        _count(PROMISES.c.status == "kept").label("kept"),
        _count(PROMISES.c.status == "broken").label("broken"),
    )


def local_day(column: Any, zone: str, dialect: str) -> ColumnElement[Any]:
    """The local date of ``zone`` of a UTC timestamp column, in SQL.

    PostgreSQL converts with the zone's rules; SQLite (UTC text) is shifted by the zone's offset now
    (exact for zones without daylight saving, such as South Africa's).
    """
    if dialect == "postgresql":
        return func.date(func.timezone(zone, column))
    offset = dt.datetime.now(ZoneInfo(zone)).utcoffset() or dt.timedelta()
    return func.date(column, f"{int(offset.total_seconds() // 60):+d} minutes")


def _as_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])
