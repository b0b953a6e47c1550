"""Auto-vs-human agreement per criterion, over the whole period and per window of it."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection

from dashboard.queries.periods import intervals
from qa.calibration import agreement, review_pairs


def calibration(
    connection: Connection, start: datetime, end: datetime, min_kappa: float
) -> list[dict[str, Any]]:
    """Per reviewed criterion over the period: reviewed, agreement, kappa, confusion, flagged; worst first."""
    report = [agreement(c, pairs, min_kappa) for c, pairs in review_pairs(connection, start, end).items()]
    report.sort(key=lambda row: (row.kappa if row.kappa is not None else row.agreement, row.criterion_id))
    return [row.as_dict() for row in report]


def calibration_over_time(
    connection: Connection, start: datetime, end: datetime, step: timedelta, min_kappa: float
) -> list[dict[str, Any]]:
    """Agreement per criterion per window (windows without reviews are left out)."""
    rows = []
    for begin, finish in intervals(start, end, step):
        for criterion, pairs in sorted(review_pairs(connection, begin, finish).items()):
            figures = agreement(criterion, pairs, min_kappa)
            rows.append(
                {
                    "window": begin,
                    "criterion": criterion,
                    "reviewed": figures.reviewed,
                    "agreement": round(figures.agreement, 3),
                    "kappa": None if figures.kappa is None else round(figures.kappa, 3),
                    "flagged": figures.flagged,
                }
            )
    return rows
