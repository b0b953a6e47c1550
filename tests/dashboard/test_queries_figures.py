"""The figures' queries (agents, service levels, calibration, scorecards, audit) on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from statistics import mean

from sqlalchemy import select

from callcentre.settings import QueueSettings
from dashboard import audit
from dashboard.queries import agents, calibration, scorecards, service
from dashboard.queries.calls import CallFilters
from qa import reviews
from qa.library import load_library
from qa.models import Score
from tests.dashboard.conftest import (
    ABANDONED,
    GOOD_ACCOUNT,
    GOOD_FAULT,
    HOLD_CALL,
    PIETER,
    POOR_FAULT,
    THANDI,
    Seeded,
)

DAY = datetime(2026, 11, 22, tzinfo=UTC)
WEEK = CallFilters(start=DAY - timedelta(days=3), end=DAY + timedelta(days=3))
ALL_CALLS = 7


def test_agent_figures_summary_trend_weakest_criteria_and_disputes(seeded: Seeded) -> None:
    engine = seeded.database.engine
    with engine.begin() as connection:
        reviews.open_dispute(connection, POOR_FAULT, THANDI, "I was transferring it", "greeting")
        scores = {
            linkedid: float(score or 0.0)
            for linkedid, score in connection.execute(
                select(Score.linkedid, Score.score).where(Score.current.is_(True))
            )
        }
        everyone = agents.AgentFilters(WEEK.start, WEEK.end)
        summary = {row["agent"]: row for row in agents.agent_summary(connection, everyone)}
        only = agents.agent_summary(connection, agents.AgentFilters(WEEK.start, WEEK.end, only_agent=PIETER))
        trend = agents.score_trend(connection, everyone, "day", "Africa/Johannesburg")
        weekly = agents.score_trend(connection, everyone, "week", "Africa/Johannesburg")
        weakest = agents.weakest_criteria(connection, everyone)
        disputes = agents.disputes(connection, agents.AgentFilters(DAY, DAY + timedelta(days=400)))
    assert list(summary) == [PIETER, THANDI]  # best first
    assert summary[PIETER]["mean_score"] == round(mean([scores[GOOD_ACCOUNT], scores[HOLD_CALL]]), 1)
    assert summary[THANDI]["scored"] == 2 and summary[THANDI]["pass_rate"] == 0.5
    assert (summary[THANDI]["disputes"], summary[THANDI]["open_disputes"]) == (1, 1)
    assert [row["agent"] for row in only] == [PIETER]
    assert {(row["agent"], str(row["period"])) for row in trend} == {
        (PIETER, "2026-11-22"),
        (THANDI, "2026-11-22"),
    }
    assert {str(row["period"]) for row in weekly} == {"2026-11-16"}  # the Monday of that week
    thandi = [row for row in weakest if row["agent"] == THANDI]
    assert len(thandi) == 3 and thandi[0]["criterion"] == "empathy" and thandi[0]["fail_rate"] == 1.0
    assert [row["fail_rate"] for row in thandi[1:]] == [0.5, 0.5]  # failed on one of her two calls
    assert [row["criterion"] for row in weakest if row["agent"] == PIETER] == ["further_help"]
    assert [(row["agent"], row["criterion_id"]) for row in disputes] == [(THANDI, "greeting")]


def test_service_levels_per_queue_and_interval_with_red_amber_green(seeded: Seeded) -> None:
    settings, targets = QueueSettings(), service.Targets()
    with seeded.database.engine.connect() as connection:
        period = {
            row["queue"]: row
            for row in service.period_figures(connection, WEEK.start, WEEK.end, settings, targets)
        }
        hourly = service.interval_figures(
            connection, DAY, DAY + timedelta(days=1), timedelta(hours=1), settings, targets
        )
        backs = service.callers_to_call_back(connection, WEEK.start, WEEK.end)
    assert [(q, r["offered"], r["answered"], r["abandoned"]) for q, r in period.items()] == [
        ("accounts", 2, 2, 0),
        ("faults", 3, 2, 1),
        ("all", 5, 4, 1),
    ]
    assert period["faults"]["service_level_rag"] == "amber"  # 67 %: short of 80 %, within a quarter of it
    assert (
        period["accounts"]["service_level_rag"] == "green" and period["all"]["abandonment_rate_rag"] == "red"
    )
    assert {row["interval"] for row in hourly} == {DAY + timedelta(hours=12)}  # all at 12:3x UTC
    assert [row["linkedid"] for row in backs] == [ABANDONED]


def test_red_amber_green_against_targets() -> None:
    targets = service.Targets(service_level=0.8, asa_seconds=20, abandonment_rate=0.05, aht_seconds=300)
    assert [service.rag("service_level", v, targets) for v in (0.85, 0.8, 0.7, 0.5)] == [
        "green",
        "green",
        "amber",
        "red",
    ]
    assert [service.rag("asa_seconds", v, targets) for v in (10, 20, 25, 26)] == [
        "green",
        "green",
        "amber",
        "red",
    ]
    assert service.rag("aht_seconds", None, targets) is None


def test_ivr_containment_and_where_calls_ended_without_what_callers_keyed(seeded: Seeded) -> None:
    with seeded.database.engine.connect() as connection:
        figures = service.ivr_figures(connection, WEEK.start, WEEK.end)
        endings = service.ivr_endings(connection, WEEK.start, WEEK.end)
    assert (figures["entered"], figures["contained"], figures["containment_rate"]) == (2, 1, 0.5)
    assert endings == [
        {"last_step": "reference", "path": "main › 3 › reference", "hung_up_by": "caller", "calls": 1}
    ]


def test_calibration_over_the_period_and_per_window(seeded: Seeded) -> None:
    with seeded.database.engine.begin() as connection:
        for linkedid in (GOOD_FAULT, GOOD_ACCOUNT, HOLD_CALL):
            reviews.add_review(connection, linkedid, "greeting", "pass", "nomsa")
            reviews.add_review(connection, linkedid, "closing", "fail", "nomsa", "too abrupt")
        now = datetime.now(UTC)
        report = {
            row["criterion"]: row
            for row in calibration.calibration(
                connection, now - timedelta(hours=1), now + timedelta(hours=1), 0.6
            )
        }
        windows = calibration.calibration_over_time(
            connection, now - timedelta(days=2), now + timedelta(days=1), timedelta(days=1), 0.6
        )
        before = calibration.calibration(connection, now - timedelta(days=2), now - timedelta(days=1), 0.6)
    assert report["greeting"]["agreement"] == 1.0 and not report["greeting"]["flagged"]
    assert report["closing"]["agreement"] == 0.0 and report["closing"]["flagged"]
    assert list(report) == ["closing", "greeting"]  # worst first
    assert {(row["criterion"], row["reviewed"]) for row in windows} == {("closing", 3), ("greeting", 3)}
    assert before == []


def test_scorecard_versions_and_the_ones_in_use(seeded: Seeded) -> None:
    library = load_library()
    with seeded.database.engine.connect() as connection:
        stored = scorecards.versions(connection)
        text = scorecards.source(connection, stored[0]["id"])
    assert [(row["name"], row["version"]) for row in stored] == [("account-query", 1), ("inbound-fault", 1)]
    assert text is not None and "name: account-query" in text
    assert scorecards.in_use(library)["inbound-fault"] == stored[1]["digest"]
    criteria = scorecards.criteria(library.get("inbound-fault"))
    greeting = next(row for row in criteria if row["criterion"] == "greeting")
    assert greeting["principle"] == "courtesy" and greeting["applies_to"] == "every call"


def test_the_audit_log_reads_back_filtered_and_newest_first(seeded: Seeded) -> None:
    engine = seeded.database.engine
    with engine.begin() as connection:
        audit.record(connection, "nomsa", "open_call", HOLD_CALL)
        audit.record(connection, "nomsa", "play", HOLD_CALL, {"from": 6.7})
        audit.record(connection, "thandi", "open_call", GOOD_FAULT)
    now = datetime.now(UTC)
    period = audit.AuditFilters(now - timedelta(minutes=5), now + timedelta(minutes=5))
    with engine.connect() as connection:
        everything = audit.entries(connection, period)
        plays = audit.entries(connection, audit.AuditFilters(period.start, period.end, action="play"))
        hers = audit.entries(connection, audit.AuditFilters(period.start, period.end, subject=HOLD_CALL))
    assert [row["action"] for row in everything] == ["open_call", "play", "open_call"]
    assert plays[0]["detail"] == {"from": 6.7} and {row["username"] for row in hers} == {"nomsa"}
