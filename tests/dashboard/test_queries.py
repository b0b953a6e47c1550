"""The dashboard's queries on the seeded call centre, on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from dashboard.queries.calls import CallFilters, calls_page, count_calls, export_calls, filter_choices
from dashboard.queries.detail import call_detail, may_open, owners
from dashboard.queries.timeline import ivr_steps, playback, timeline
from qa import reviews
from tests.dashboard.conftest import (
    ABANDONED,
    GOOD_ACCOUNT,
    GOOD_FAULT,
    HOLD_CALL,
    ID_NUMBER,
    OUTBOUND,
    PIETER,
    POOR_FAULT,
    THANDI,
    Seeded,
)

DAY = datetime(2026, 11, 22, tzinfo=UTC)
WEEK = CallFilters(start=DAY - timedelta(days=3), end=DAY + timedelta(days=3))
ALL_CALLS = 7


def ids(seeded: Seeded, filters: CallFilters) -> list[str]:
    with seeded.database.engine.connect() as connection:
        return [row["linkedid"] for row in calls_page(connection, filters).rows]


def with_filters(**changes: object) -> CallFilters:
    return CallFilters(**{**{"start": WEEK.start, "end": WEEK.end}, **changes})  # type: ignore[arg-type]


def test_the_calls_list_is_newest_first_with_each_calls_current_score(seeded: Seeded) -> None:
    with seeded.database.engine.connect() as connection:
        rows = calls_page(connection, WEEK).rows
    assert len(rows) == ALL_CALLS
    starts = [row["start_time"] for row in rows]
    assert starts == sorted(starts, reverse=True)
    by_id = {row["linkedid"]: row for row in rows}
    assert by_id[HOLD_CALL]["score_status"] == "scored" and by_id[HOLD_CALL]["call_reason"] == "billing"
    assert by_id[ABANDONED]["score"] is None and by_id[ABANDONED]["disposition"] == "abandoned"
    assert ids(seeded, with_filters(end=DAY)) == []  # the period bounds the list


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"queues": ("faults",)}, {GOOD_FAULT, ABANDONED, POOR_FAULT}),
        ({"directions": ("outbound",)}, {OUTBOUND}),
        ({"agents": (PIETER,)}, {GOOD_ACCOUNT, HOLD_CALL}),
        ({"dispositions": ("abandoned",)}, {ABANDONED}),
        ({"call_reasons": ("billing",)}, {GOOD_ACCOUNT, HOLD_CALL}),
        ({"score_min": 90.0, "score_max": 100.0}, {GOOD_FAULT, GOOD_ACCOUNT}),
        ({"score_max": 50.0}, {POOR_FAULT}),
        ({"failed_criterion": "greeting"}, {POOR_FAULT}),
        ({"failed_criterion": "further_help"}, {POOR_FAULT, HOLD_CALL}),
        ({"text": "burst pipe"}, {GOOD_FAULT}),
        ({"text": "Streetlights, MAIN road!"}, {POOR_FAULT}),
        ({"text": 'pipe" OR "thank'}, set()),  # FTS syntax is never obeyed: every word must be in one turn
        ({"text": ID_NUMBER}, set()),  # redacted: the number was never stored
        ({"only_agent": THANDI}, {GOOD_FAULT, POOR_FAULT, OUTBOUND}),
        ({"only_agent": THANDI, "queues": ("accounts",)}, set()),
        ({"queues": ("faults",), "call_reasons": ("water",), "score_min": 50.0}, {GOOD_FAULT}),
    ],
)
def test_each_filter_narrows_the_list(seeded: Seeded, changes: dict[str, object], expected: set[str]) -> None:
    assert set(ids(seeded, with_filters(**changes))) == expected


def test_pages_follow_each_other_without_gaps_or_repeats(seeded: Seeded) -> None:
    seen: list[str] = []
    with seeded.database.engine.connect() as connection:
        whole = [row["linkedid"] for row in calls_page(connection, WEEK).rows]
        page = calls_page(connection, WEEK, None, 2)
        sizes = [len(page.rows)]
        seen += [row["linkedid"] for row in page.rows]
        while page.next_cursor is not None:
            page = calls_page(connection, WEEK, page.next_cursor, 2)
            sizes.append(len(page.rows))
            seen += [row["linkedid"] for row in page.rows]
    assert sizes == [2, 2, 2, 1] and seen == whole


def test_the_count_stops_at_its_cap(seeded: Seeded) -> None:
    with seeded.database.engine.connect() as connection:
        assert count_calls(connection, WEEK) == (ALL_CALLS, False)
        assert count_calls(connection, WEEK, cap=3) == (3, True)
        assert count_calls(connection, with_filters(queues=("faults",))) == (3, False)
        assert len(export_calls(connection, WEEK, limit=5)) == 5


def test_filter_choices_come_from_the_data(seeded: Seeded) -> None:
    with seeded.database.engine.connect() as connection:
        choices = filter_choices(connection)
    assert choices.queues == ["accounts", "faults"]
    assert choices.agents == [PIETER, THANDI]
    assert {"answered", "abandoned", "ivr"} <= set(choices.dispositions)
    assert choices.call_reasons == ["billing", "electricity", "water"]


def test_call_detail_has_the_record_transcript_score_and_evidence(seeded: Seeded) -> None:
    with seeded.database.engine.connect() as connection:
        detail = call_detail(connection, HOLD_CALL)
        missing = call_detail(connection, "no-such-call")
    assert detail.exists and not missing.exists
    assert detail.call is not None and detail.call["agent"] == PIETER
    assert len(detail.holds) == 1 and [v["queue"] for v in detail.queue_visits] == ["accounts"]
    assert {leg["role"] for leg in detail.legs} == {"caller", "agent"}
    assert [s["speaker"] for s in detail.segments] == ["agent", "customer", "agent", "agent", "customer"]
    assert "[ID NUMBER]" in detail.segments[1]["text"] and ID_NUMBER not in detail.segments[1]["text"]
    assert [r["kind"] for r in detail.redactions] == ["id_number"]
    assert detail.scorecard is not None and detail.scorecard["name"] == "account-query"
    hold = next(v for v in detail.verdicts if v["criterion_id"] == "hold_permission")
    assert hold["effective"] == "pass" and hold["evidence"][0]["start"] == pytest.approx(6.7)
    assert detail.effective is not None and detail.effective.score == detail.score["score"]  # type: ignore[index]


def test_a_review_changes_the_effective_verdict_in_the_detail(seeded: Seeded) -> None:
    with seeded.database.engine.begin() as connection:
        reviews.add_review(connection, HOLD_CALL, "further_help", "pass", "nomsa", "offered at the end")
        detail = call_detail(connection, HOLD_CALL)
    further = next(v for v in detail.verdicts if v["criterion_id"] == "further_help")
    assert (further["verdict"], further["effective"], further["reviewer"]) == ("fail", "pass", "nomsa")
    assert detail.effective is not None and detail.effective.source == "reviewed"
    assert detail.effective.score == 100.0 and [r["verdict"] for r in detail.reviews] == ["pass"]


def test_only_the_calls_own_agent_may_open_it(seeded: Seeded) -> None:
    with seeded.database.engine.connect() as connection:
        assert owners(connection, HOLD_CALL) == {PIETER}
        assert may_open(connection, HOLD_CALL, PIETER)
        assert not may_open(connection, HOLD_CALL, THANDI)
        assert may_open(connection, HOLD_CALL, None)  # not an agent
        assert not may_open(connection, "no-such-call", THANDI)
        assert not may_open(connection, ABANDONED, THANDI)  # nobody's call


def test_playback_never_plays_the_original_of_a_redacted_call(seeded: Seeded) -> None:
    roots = (seeded.data_dir / "recordings", seeded.data_dir / "redacted")
    with seeded.database.engine.connect() as connection:
        sounds = {
            linkedid: playback(call_detail(connection, linkedid), roots)
            for linkedid in (GOOD_FAULT, HOLD_CALL, GOOD_ACCOUNT, OUTBOUND, ABANDONED)
        }
        elsewhere = playback(call_detail(connection, GOOD_ACCOUNT), (Path("/nonexistent"),))
    assert sounds[GOOD_FAULT].path is None and "original is not played" in sounds[GOOD_FAULT].note
    assert sounds[HOLD_CALL].path == str(seeded.data_dir / "redacted" / f"{HOLD_CALL}.wav")
    assert sounds[HOLD_CALL].redacted
    assert sounds[GOOD_ACCOUNT].path == str(seeded.data_dir / "recordings" / f"{GOOD_ACCOUNT}.wav")
    assert sounds[OUTBOUND].path is not None and "not transcribed" in sounds[OUTBOUND].note
    assert sounds[ABANDONED].path is None and "empty" in sounds[ABANDONED].note
    assert elsewhere.path is None  # a file outside the recordings root is never served


def test_the_timeline_has_each_phase_of_the_call(seeded: Seeded) -> None:
    with seeded.database.engine.connect() as connection:
        held = timeline(call_detail(connection, HOLD_CALL))
        moved = timeline(call_detail(connection, POOR_FAULT))
        ivr = timeline(call_detail(connection, GOOD_ACCOUNT))
    assert [p["phase"] for p in held] == ["call", "queue wait", "ring", "talk", "hold"]
    assert all(p["start"] <= p["end"] for p in held)
    assert [p["label"] for p in moved if p["phase"] == "transfer"] == ["redirect to accounts"]
    assert [p["label"] for p in moved if p["phase"] == "talk"] == [THANDI, PIETER]
    assert ivr[1]["phase"] == "IVR" and ivr_steps("main/1/account:50012345") == "main › 1 › account"
