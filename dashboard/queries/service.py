"""Service levels per interval and queue (the formulas of :mod:`telephony.stats`), against targets.

Red/amber/green: a figure on the right side of its target is green; within the
amber band of it (relative) is amber; beyond is red.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, func, select

from callcentre.settings import QueueSettings
from dashboard.queries.periods import intervals
from dashboard.queries.timeline import ivr_steps
from telephony.models import Call
from telephony.stats import call_backs, queue_figures


@dataclass(frozen=True, slots=True)
class Targets:
    """What good looks like. Service level and its threshold come from the ``[queues]`` settings."""

    service_level: float = 0.8
    asa_seconds: float = 20.0
    abandonment_rate: float = 0.05
    aht_seconds: float = 300.0
    #: How far past a target (relative) a figure is amber rather than red.
    amber_band: float = 0.25

    @classmethod
    def from_settings(cls, settings: QueueSettings) -> Targets:
        """Service level and ASA targets from the ``[queues]`` settings; the others the defaults."""
        return cls(service_level=settings.service_level_target, asa_seconds=settings.service_level_seconds)


#: Figure -> True when higher is better.
RATED = {"service_level": True, "asa_seconds": False, "abandonment_rate": False, "aht_seconds": False}


def rag(figure: str, value: float | None, targets: Targets) -> str | None:
    """``green``, ``amber`` or ``red`` for a figure against its target (``None`` with no value)."""
    if value is None:
        return None
    target, higher_is_better = getattr(targets, figure), RATED[figure]
    if higher_is_better:
        return (
            "green" if value >= target else "amber" if value >= target * (1 - targets.amber_band) else "red"
        )
    return "green" if value <= target else "amber" if value <= target * (1 + targets.amber_band) else "red"


def _rated(row: dict[str, Any], targets: Targets) -> dict[str, Any]:
    for figure in RATED:
        row[f"{figure}_rag"] = rag(figure, row[figure], targets)
    return row


def period_figures(
    connection: Connection, start: datetime, end: datetime, settings: QueueSettings, targets: Targets
) -> list[dict[str, Any]]:
    """The figures of each queue (and ``all``) over the whole period, rated."""
    return [_rated(item.as_dict(), targets) for item in queue_figures(connection, start, end, settings)]


def interval_figures(
    connection: Connection,
    start: datetime,
    end: datetime,
    step: timedelta,
    settings: QueueSettings,
    targets: Targets,
) -> list[dict[str, Any]]:
    """The figures of each queue per interval (intervals with no calls are left out), rated."""
    rows = []
    for begin, finish in intervals(start, end, step):
        for item in queue_figures(connection, begin, finish, settings):
            if item.offered:
                rows.append(_rated({"interval": begin, **item.as_dict()}, targets))
    return rows


def callers_to_call_back(connection: Connection, start: datetime, end: datetime) -> list[dict[str, Any]]:
    """Abandoned callers who did not get through later in the period."""
    return [asdict(item) for item in call_backs(connection, start, end)]


def ivr_figures(connection: Connection, start: datetime, end: datetime) -> dict[str, Any]:
    """IVR containment: of the inbound calls that entered the IVR, how many ended there."""
    entered = Call.ivr_path.is_not(None)
    query = (
        select(Call.disposition, func.count())
        .where(entered, Call.direction == "inbound", Call.start_time >= start, Call.start_time < end)
        .group_by(Call.disposition)
    )
    counts = {str(disposition): int(count) for disposition, count in connection.execute(query)}
    total, contained = sum(counts.values()), counts.get("ivr", 0)
    return {
        "entered": total,
        "contained": contained,
        "to_queue": total - contained,
        "containment_rate": round(contained / total, 4) if total else None,
        "by_disposition": counts,
    }


def ivr_endings(connection: Connection, start: datetime, end: datetime) -> list[dict[str, Any]]:
    """Where the calls that ended in the IVR ended: the last menu step, and who hung up."""
    query = (
        select(Call.ivr_path, Call.hung_up_by, func.count())
        .where(
            Call.disposition == "ivr",
            Call.direction == "inbound",
            Call.start_time >= start,
            Call.start_time < end,
        )
        .group_by(Call.ivr_path, Call.hung_up_by)
    )
    totals: dict[tuple[str, str, str], int] = {}
    for path, hung_up_by, count in connection.execute(query):
        steps = ivr_steps(path)
        key = (steps.rsplit(" › ", 1)[-1] or "(unknown)", steps, hung_up_by or "unknown")
        totals[key] = totals.get(key, 0) + int(count)
    rows = [
        {"last_step": last, "path": steps, "hung_up_by": who, "calls": count}
        for (last, steps, who), count in totals.items()
    ]
    return sorted(rows, key=lambda row: (-row["calls"], row["path"]))
