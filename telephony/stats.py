"""Queue figures computed from call records. Each formula is defined here, once.

Definitions (all over inbound calls that reached a queue, ``start_time`` in the period):

* **offered**: calls that joined a queue, less *short abandons* (callers who hung
  up within ``short_abandon_seconds``, default 0 s: none are excluded).
* **answered**: offered calls an agent answered.
* **abandoned**: offered calls whose caller hung up in the queue.
* **ASA** (average speed of answer): mean queue wait of answered calls, in seconds.
* **abandonment rate**: abandoned / offered.
* **service level**: calls answered within ``service_level_seconds`` (default 20 s) / offered,
  compared with ``service_level_target`` (default 80 %).
* **AHT** (average handle time): mean of talk + hold seconds of answered calls. Wrap-up
  (after-call work) is not reported over AMI, so it is not included.
* **calls per agent**: answered calls by agent, with their AHT.
* **call-back list**: abandoned callers who did not get through on a later call in the period.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, case, func, select

from callcentre.settings import QueueSettings
from telephony.models import Call


@dataclass(frozen=True, slots=True)
class QueueFigures:
    """The figures of one queue (``queue`` is ``"all"`` for the whole centre)."""

    queue: str
    offered: int
    answered: int
    abandoned: int
    asa_seconds: float | None
    abandonment_rate: float | None
    service_level: float | None
    service_level_target: float
    aht_seconds: float | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class AgentFigures:
    agent: str
    agent_interface: str | None
    answered: int
    aht_seconds: float | None
    talk_seconds: float


@dataclass(frozen=True, slots=True)
class CallBack:
    caller_number: str | None
    caller_name: str | None
    queue: str | None
    abandoned_at: datetime
    waited_seconds: float | None
    linkedid: str


def _in_period(start: datetime, end: datetime) -> Any:
    return and_(Call.start_time >= start, Call.start_time < end)


def queue_figures(
    connection: Connection, start: datetime, end: datetime, settings: QueueSettings
) -> list[QueueFigures]:
    """Figures per queue and for all queues together (``"all"`` last)."""
    threshold, short = settings.service_level_seconds, settings.short_abandon_seconds
    answered = Call.disposition == "answered"
    abandoned = Call.disposition == "abandoned"
    short_abandon = and_(abandoned, func.coalesce(Call.queue_wait_seconds, 0) < short)
    counted = and_(
        Call.queue.is_not(None), Call.direction == "inbound", _in_period(start, end), ~short_abandon
    )
    columns = (
        func.count().label("offered"),
        func.sum(case((answered, 1), else_=0)).label("answered"),
        func.sum(case((abandoned, 1), else_=0)).label("abandoned"),
        func.avg(case((answered, Call.queue_wait_seconds))).label("asa"),
        func.sum(case((and_(answered, Call.queue_wait_seconds <= threshold), 1), else_=0)).label("in_sl"),
        func.avg(case((answered, Call.talk_seconds + Call.hold_seconds))).label("aht"),
    )
    per_queue = connection.execute(select(Call.queue, *columns).where(counted).group_by(Call.queue))
    rows = [(queue, *rest) for queue, *rest in per_queue]
    overall = connection.execute(select(*columns).where(counted)).one()
    rows.append(("all", *overall))
    return [_figures(row, settings.service_level_target) for row in sorted(rows, key=_queue_order)]


def _queue_order(row: tuple[Any, ...]) -> tuple[bool, str]:
    return (row[0] == "all", str(row[0]))


def _figures(row: tuple[Any, ...], target: float) -> QueueFigures:
    queue, offered, answered, abandoned, asa, in_sl, aht = row
    offered, answered, abandoned, in_sl = (int(value or 0) for value in (offered, answered, abandoned, in_sl))
    return QueueFigures(
        queue=str(queue),
        offered=offered,
        answered=answered,
        abandoned=abandoned,
        asa_seconds=_round(asa),
        abandonment_rate=_ratio(abandoned, offered),
        service_level=_ratio(in_sl, offered),
        service_level_target=target,
        aht_seconds=_round(aht),
    )


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _round(value: Any) -> float | None:
    return None if value is None else round(float(value), 2)


def agent_figures(connection: Connection, start: datetime, end: datetime) -> list[AgentFigures]:
    """Answered calls (inbound and outbound) per agent."""
    handle = Call.talk_seconds + Call.hold_seconds
    query = (
        select(Call.agent, Call.agent_interface, func.count(), func.avg(handle), func.sum(Call.talk_seconds))
        .where(Call.disposition == "answered", Call.agent.is_not(None), _in_period(start, end))
        .group_by(Call.agent, Call.agent_interface)
        .order_by(func.count().desc(), Call.agent)
    )
    return [
        AgentFigures(str(agent), interface, int(count), _round(aht), float(talk or 0.0))
        for agent, interface, count, aht, talk in connection.execute(query)
    ]


def call_backs(connection: Connection, start: datetime, end: datetime) -> list[CallBack]:
    """Abandoned callers to call back: those with no later answered call from the same number."""
    later = Call.__table__.alias("later")
    got_through = (
        select(later.c.id)
        .where(
            later.c.caller_number == Call.caller_number,
            later.c.start_time > Call.start_time,
            later.c.start_time < end,
            later.c.disposition == "answered",
        )
        .exists()
    )
    query = (
        select(
            Call.caller_number,
            Call.caller_name,
            Call.queue,
            Call.start_time,
            Call.queue_wait_seconds,
            Call.linkedid,
        )
        .where(Call.disposition == "abandoned", _in_period(start, end), ~got_through)
        .order_by(Call.start_time)
    )
    return [CallBack(*row) for row in connection.execute(query)]
