"""The QA commands end to end on a SQLite file, with the real models (trained once for this module)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from callcentre import cli_qa, cli_qa_reviews  # noqa: F401  (registers the sub-commands)
from tests.test_cli import run

GOOD: dict[str, Any] = {
    "direction": "inbound",
    "call_type": "fault",
    "agent": "Thandi",
    "reference": "47110382",
    "holds": [],
    "turns": [
        {
            "speaker": "agent",
            "text": "Good morning, Rivervale Metro, my name is Thandi.",
            "start": 1,
            "end": 4,
        },
        {
            "speaker": "customer",
            "text": "The water pipe burst in Church Street, since Monday!",
            "start": 5,
            "end": 9,
        },
        {
            "speaker": "agent",
            "text": "I am so sorry about that. Let me log it for you.",
            "start": 9.5,
            "end": 12,
        },
        {
            "speaker": "agent",
            "text": "Your reference number is four seven one one oh three eight two.",
            "start": 12.5,
            "end": 18,
        },
        {
            "speaker": "agent",
            "text": "A team will be there within forty eight hours.",
            "start": 18.5,
            "end": 21,
        },
        {"speaker": "agent", "text": "Is there anything else I can help you with?", "start": 22, "end": 24},
        {"speaker": "customer", "text": "No, thank you.", "start": 24.5, "end": 25.5},
        {
            "speaker": "agent",
            "text": "Thank you for calling Rivervale Metro, goodbye.",
            "start": 26,
            "end": 28,
        },
    ],
}
THREAT: dict[str, Any] = {
    "direction": "outbound",
    "agent": "Pieter",
    "turns": [
        {
            "speaker": "agent",
            "text": "Hello, Pieter from Rivervale Metro. Your account is in arrears.",
            "start": 1,
            "end": 5,
        },
        {"speaker": "customer", "text": "Who is this? I am not the account holder.", "start": 5.5, "end": 8},
        {
            "speaker": "agent",
            "text": "Pay two thousand rand today or we will send the sheriff.",
            "start": 8.5,
            "end": 12,
        },
        {"speaker": "agent", "text": "Goodbye.", "start": 12.5, "end": 13},
    ],
}


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated data directory (its models are trained by the first command that needs them)."""
    folder = tmp_path_factory.mktemp("qa-cli")
    ok(folder, "db", "upgrade")
    for name, document in (("good-call", GOOD), ("threat-call", THREAT)):
        (folder / f"{name}.json").write_text(json.dumps(document), encoding="utf-8")
    (folder / "broken.json").write_text('{"direction": "inbound", "turns": [', encoding="utf-8")
    return folder


def ok(data_dir: Path, *args: str) -> Result:
    result = run(data_dir, *args)
    assert result.exit_code == 0, f"{args}: {result.output}\n{result.exception!r}"
    return result


def test_qa_score_prints_every_verdict_with_its_evidence_and_says_why_a_file_is_refused(
    data_dir: Path,
) -> None:
    result = run(
        data_dir, "qa", "score", "--json", str(data_dir / "good-call.json"), str(data_dir / "broken.json")
    )
    assert result.exit_code == 1 and "broken.json: line 1: not JSON" in result.output
    document = json.loads(next(line for line in result.output.splitlines() if line.startswith("{")))
    verdicts = {v["criterion_id"]: v for v in document["verdicts"]}
    assert document["scorecard"] == "inbound-fault" and document["status"] == "scored"
    assert verdicts["reference_integrity"]["verdict"] == "pass"
    assert verdicts["greeting"]["verdict"] == "pass" and verdicts["greeting"]["evidence"][0]["start"] < 4
    assert verdicts["greeting"]["principle"] == "courtesy"
    assert (
        document["reason_prediction"]["label"] == "water"
        and 0 < document["reason_prediction"]["confidence"] <= 1
    )


def test_a_threat_fails_the_revenue_call_outright(data_dir: Path) -> None:
    result = ok(data_dir, "qa", "score", str(data_dir / "threat-call.json"))
    assert "0.0 (revenue-collection)" in result.output and "auto-fail: no_threats" in result.output
    assert "FAIL no_threats" in result.output and "sheriff" in result.output


def test_imported_transcripts_are_scored_reviewed_disputed_and_calibrated(data_dir: Path) -> None:
    imported = ok(
        data_dir,
        "transcripts",
        "import",
        str(data_dir / "good-call.json"),
        str(data_dir / "threat-call.json"),
    )
    assert "2 imported, 0 refused" in imported.output
    assert "2 scored, 0 failed" in ok(data_dir, "score", "--pending").output
    shown = json.loads(ok(data_dir, "qa", "show", "good-call", "--json").output)
    assert shown["source"] == "automatic" and shown["score"] == shown["automatic"]
    reviewed = ok(
        data_dir, "qa", "review", "good-call", "closing", "fail", "--by", "qa.nomsa", "--comment", "rushed"
    )
    assert "closing = fail by qa.nomsa" in reviewed.output
    after = json.loads(ok(data_dir, "qa", "show", "good-call", "--json").output)
    assert after["source"] == "reviewed" and after["score"] < shown["score"]
    assert (
        "dispute 1 opened"
        in ok(data_dir, "qa", "dispute", "good-call", "--agent", "Thandi", "--reason", "I closed").output
    )
    assert (
        "upheld by qa.lead"
        in ok(data_dir, "qa", "resolve", "1", "upheld", "--by", "qa.lead", "--comment", "ok").output
    )
    report = json.loads(ok(data_dir, "qa", "calibrate", "--json").output)
    assert [row["criterion"] for row in report] == ["closing"] and report[0]["agreement"] == 0.0
    rescored = ok(data_dir, "score", "--all", "--json")
    assert len([line for line in rescored.output.splitlines() if line.startswith("{")]) == 2


def test_a_review_of_an_unknown_criterion_or_call_is_refused(data_dir: Path) -> None:
    assert "has no score" in run(data_dir, "qa", "review", "nope", "closing", "fail", "--by", "x").output
    result = run(data_dir, "score", "no-such-call")
    assert result.exit_code == 1 and "no-such-call: not scored: no transcript" in result.output


def test_scorecards_are_listed_and_a_broken_one_is_reported_with_its_line(data_dir: Path) -> None:
    bad = data_dir / "bad.yaml"
    bad.write_text(
        "name: x\ntitle: X\napplies_to: {directions: [inbound]}\nsections:\n  - title: S\n    criteria:\n"
        "      - {id: a, title: A, principle: kindness, weight: 1,\n"
        "         detector: {kind: dead_air, max_seconds: 9}}\n"
    )
    result = run(data_dir, "qa", "scorecards", str(bad))
    assert (
        result.exit_code == 1 and f"{bad}:7:" in result.output and "'kindness' is not one of" in result.output
    )
    assert "revenue-collection: Outbound revenue-collection call" in result.output
    assert "no_threats" in result.output and "AUTO-FAIL" in result.output
