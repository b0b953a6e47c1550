"""Scores, reviews, disputes and calibration in a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from callcentre import jobs
from callcentre.worker import JobRunner
from qa import reviews
from qa.calibration import calibration_report
from qa.job import ScoreHandler
from qa.library import SHIPPED, load_library
from qa.models import CriterionVerdict, Score, ScorecardVersion
from qa.scorecard_loader import load_shared_phrases, parse_scorecard
from qa.scorer import Scorer
from qa.store import import_transcript, load_call_input, scorecard_version
from qa.transcript import parse_transcript
from tests.conftest import Database
from transcription.job import SCORE
from transcription.models import Redaction

GOOD: dict[str, Any] = {
    "direction": "inbound",
    "call_type": "fault",
    "agent": "Thandi",
    "reference": "47110382",
    "turns": [
        {
            "speaker": "agent",
            "text": "Good morning, Rivervale Metro, my name is Thandi.",
            "start": 1,
            "end": 4,
        },
        {
            "speaker": "customer",
            "text": "There's a burst pipe in Church Street, my ID is 8001015009087",
            "start": 5,
            "end": 11,
        },
        {
            "speaker": "agent",
            "text": "I've logged it. Your reference number is four seven one one oh three eight two.",
            "start": 12,
            "end": 19,
        },
        {
            "speaker": "agent",
            "text": "A team will be there within forty eight hours.",
            "start": 19.5,
            "end": 22,
        },
        {"speaker": "agent", "text": "Is there anything else I can help you with?", "start": 23, "end": 25},
        {"speaker": "customer", "text": "No, thank you.", "start": 25.5, "end": 26.5},
        {
            "speaker": "agent",
            "text": "Thank you for calling Rivervale Metro, goodbye.",
            "start": 27,
            "end": 29,
        },
    ],
}


def _import(database: Database, call_id: str, document: dict[str, Any]) -> None:
    with database.engine.begin() as connection:
        import_transcript(connection, parse_transcript(document, "test", call_id), "test")


def _score(database: Database, call_id: str) -> int:
    handler = ScoreHandler(database.engine, Scorer(load_library()))
    scored = handler.score(call_id)
    with database.engine.begin() as connection:
        return handler.save(connection, scored)


def test_an_imported_transcript_is_redacted_scored_and_stored_with_its_evidence(database: Database) -> None:
    _import(database, "imp-1", GOOD)
    with database.engine.connect() as connection:
        call = load_call_input(connection, "imp-1")
        kinds = connection.execute(select(Redaction.kind)).scalars().all()
    assert call is not None and call.reference == "47110382" and call.agent == "Thandi"
    assert "8001015009087" not in " ".join(turn.text for turn in call.turns)
    assert kinds == ["id_number"]
    score_id = _score(database, "imp-1")
    with database.engine.connect() as connection:
        score = connection.execute(select(Score.__table__).where(Score.id == score_id)).one()
        verdicts = {
            v.criterion_id: v
            for v in connection.execute(
                select(CriterionVerdict.__table__).where(CriterionVerdict.score_id == score_id)
            ).all()
        }
    assert score.status == "scored" and score.current and score.agent == "Thandi"
    assert verdicts["reference_integrity"].verdict == "pass"
    assert verdicts["greeting"].evidence[0]["start"] < 4
    assert verdicts["empathy"].verdict == "na" and "does not apply" in verdicts["empathy"].reason


def test_rescoring_keeps_the_old_score_and_a_changed_scorecard_gets_a_new_version(database: Database) -> None:
    _import(database, "imp-2", GOOD)
    first, second = _score(database, "imp-2"), _score(database, "imp-2")
    library = load_library()
    card = library.get("inbound-fault")
    text = Path(card.path).read_text(encoding="utf-8").replace("pass_mark: 80", "pass_mark: 90")
    changed = parse_scorecard(text, "changed.yaml", shared=load_shared_phrases(SHIPPED / "phrases.yaml"))
    with database.engine.begin() as connection:
        v1 = scorecard_version(connection, card)
        v1_again = scorecard_version(connection, card)
        v2 = scorecard_version(connection, changed)
        versions = connection.execute(
            select(ScorecardVersion.version).order_by(ScorecardVersion.version)
        ).all()
        current = connection.execute(
            select(Score.id).where(Score.linkedid == "imp-2", Score.current.is_(True))
        ).all()
        total = connection.execute(
            select(func.count()).select_from(Score).where(Score.linkedid == "imp-2")
        ).scalar()
    assert first != second and current == [(second,)] and total == 2
    assert v1 == v1_again and v2 != v1 and [row.version for row in versions] == [1, 2]


def test_reviews_override_without_overwriting_and_disputes_keep_who_and_when(database: Database) -> None:
    _import(database, "imp-3", GOOD)
    _score(database, "imp-3")
    with database.engine.begin() as connection:
        before = reviews.effective_score(connection, "imp-3")
        reviews.add_review(connection, "imp-3", "closing", "fail", "qa.nomsa", "closed too abruptly")
        after = reviews.effective_score(connection, "imp-3")
        dispute = reviews.open_dispute(connection, "imp-3", "Thandi", "I did close politely", "closing")
        reviews.resolve_dispute(connection, dispute, "upheld", "qa.lead", "agreed after listening")
        reviews.add_review(connection, "imp-3", "closing", "pass", "qa.lead", "dispute upheld")
        final = reviews.effective_score(connection, "imp-3")
        auto = connection.execute(
            select(CriterionVerdict.verdict).where(CriterionVerdict.criterion_id == "closing")
        ).scalar_one()
    assert before.source == "automatic" and before.score == before.automatic
    closing = next(v for v in after.verdicts if v.criterion_id == "closing")
    assert closing.auto == "pass" and closing.verdict == "fail" and closing.reviewer == "qa.nomsa"
    assert after.source == "reviewed" and after.score is not None and after.score < (before.score or 0)
    assert auto == "pass"  # the machine's verdict is never overwritten
    assert final.score == before.score
    with database.engine.begin() as connection, pytest.raises(reviews.ReviewError, match="already resolved"):
        reviews.resolve_dispute(connection, dispute, "rejected", "someone", "late")
    with database.engine.begin() as connection, pytest.raises(reviews.ReviewError, match="no criterion"):
        reviews.add_review(connection, "imp-3", "no_such_thing", "fail", "qa.nomsa")


def test_calibration_compares_the_latest_review_with_the_machine(database: Database) -> None:
    for n in range(6):
        _import(database, f"cal-{n}", GOOD)
        _score(database, f"cal-{n}")
    with database.engine.begin() as connection:
        for n in range(6):  # reviewers agree on greeting, disagree on closing half the time
            reviews.add_review(connection, f"cal-{n}", "greeting", "pass", "qa")
            reviews.add_review(connection, f"cal-{n}", "closing", "fail" if n % 2 else "pass", "qa")
        report = {row.criterion_id: row for row in calibration_report(connection)}
    assert report["greeting"].agreement == 1.0 and not report["greeting"].flagged
    assert report["closing"].agreement == 0.5 and report["closing"].flagged
    assert report["closing"].confusion == [[3, 0, 0], [3, 0, 0], [0, 0, 0]]


def test_the_job_runner_scores_queued_calls_and_a_call_without_transcript_fails_clearly(
    database: Database,
) -> None:
    _import(database, "job-1", GOOD)
    with database.engine.begin() as connection:
        jobs.enqueue(connection, SCORE, "job-1")
        jobs.enqueue(connection, SCORE, "no-such-call")
    runner = JobRunner(database.engine, [ScoreHandler(database.engine, Scorer(load_library()))])
    stats = runner.run(drain=True)
    with database.engine.connect() as connection:
        errors = connection.execute(select(jobs.Job.subject, jobs.Job.state, jobs.Job.last_error)).all()
        scored = connection.execute(select(Score.linkedid)).scalars().all()
    assert stats.done == 1 and stats.failed == 1 and scored == ["job-1"]
    failed = next(row for row in errors if row.subject == "no-such-call")
    assert failed.state == jobs.FAILED and "has no transcript" in failed.last_error


def test_a_human_review_transcript_gets_no_automatic_score(database: Database) -> None:
    _import(
        database,
        "silent",
        {"direction": "inbound", "turns": [{"speaker": "customer", "text": "hello hello"}]},
    )
    _score(database, "silent")
    with database.engine.connect() as connection:
        score = connection.execute(select(Score.__table__).where(Score.linkedid == "silent")).one()
        verdicts = connection.execute(select(func.count()).select_from(CriterionVerdict)).scalar()
    assert (
        score.status == "human_review" and score.score is None and "no agent speech" in (score.reason or "")
    )
    assert verdicts == 0
