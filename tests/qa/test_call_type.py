"""Which scorecard a call gets (record first, then the reason model), and reading transcript files."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from qa.call_type import CLASSIFIER, DEFAULT, RECORD, call_type_from_record, parse_queue_types
from qa.library import load_library
from qa.scorer import Scorer
from qa.transcript import (
    CUSTOMER,
    CallInput,
    TranscriptFileError,
    Turn,
    parse_transcript,
    read_transcript_file,
)
from qa.verdict import HUMAN_REVIEW, NOT_APPLICABLE, SCORED, Prediction

LIBRARY = load_library()
QUEUES = parse_queue_types("faults:fault, accounts:account ,general:general")
TURNS = [
    {"speaker": "agent", "text": "Good morning, Rivervale Metro, my name is Thandi.", "start": 0, "end": 4},
    {"speaker": "caller", "text": "Hi, I have a question about my water.", "start": 4.5, "end": 7},
    {
        "speaker": "agent",
        "text": "Certainly, is there anything else I can help you with?",
        "start": 7.5,
        "end": 10,
    },
    {"speaker": "caller", "text": "No thanks, goodbye.", "start": 10.5, "end": 12},
]


@dataclass(frozen=True)
class Label:
    label: str
    confidence: float


@dataclass
class FixedReasonModel:
    """Stands for a trained call-reason classifier: always answers ``label``, and keeps what it was shown."""

    label: str
    version: str = "reason-test-1"
    seen: list[list[tuple[str, str]]] = field(default_factory=list)

    def predict_many(self, calls: Sequence[Sequence[tuple[str, str]]]) -> list[Label]:
        self.seen += [list(turns) for turns in calls]
        return [Label(self.label, 0.87) for _ in calls]


def make_call(
    direction: str = "inbound", turns: list[dict[str, Any]] | None = None, **fields: Any
) -> CallInput:
    document = {"direction": direction, "turns": TURNS if turns is None else turns, **fields}
    return parse_transcript(document, "test", "call-1")


def test_queue_types_setting_is_parsed_and_checked() -> None:
    assert QUEUES == {"faults": "fault", "accounts": "account", "general": "general"}
    assert parse_queue_types("") == {}
    with pytest.raises(ValueError, match="'faults' is not queue:type"):
        parse_queue_types("faults, accounts:account")


def test_an_outbound_call_is_revenue_from_the_record() -> None:
    call = make_call("outbound", queue="faults", call_type="fault")
    assert call_type_from_record(call, QUEUES) == "revenue"
    model = FixedReasonModel("water")
    result = Scorer(LIBRARY, reason_model=model, queue_types=QUEUES).score(call)
    assert (result.call_type, result.call_type_source, result.scorecard) == (
        "revenue",
        RECORD,
        "revenue-collection",
    )
    assert result.status == SCORED


def test_the_call_type_in_the_record_wins() -> None:
    assert call_type_from_record(make_call(call_type="account", queue="faults"), QUEUES) == "account"


def test_queue_mapping() -> None:
    assert call_type_from_record(make_call(queue="accounts"), QUEUES) == "account"
    assert call_type_from_record(make_call(queue="faults"), QUEUES) == "fault"
    assert call_type_from_record(make_call(queue="switchboard"), QUEUES) is None
    result = Scorer(LIBRARY, queue_types=QUEUES).score(make_call(queue="accounts"))
    assert (result.call_type, result.call_type_source, result.scorecard) == (
        "account",
        RECORD,
        "account-query",
    )


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("main/faults", "fault"),
        ("main>accounts", "account"),
        ("main/faults/accounts/1", "account"),  # the deepest step that names a queue wins
        ("main/2/9", None),
        ("", None),
    ],
)
def test_ivr_path_mapping(path: str, expected: str | None) -> None:
    call = make_call()
    call.ivr_path = path
    assert call_type_from_record(call, QUEUES) == expected


@pytest.mark.parametrize(
    ("label", "call_type", "scorecard"),
    [
        ("water", "fault", "inbound-fault"),
        ("billing", "account", "account-query"),
        ("other", "general", "inbound-fault"),
    ],
)
def test_unknown_type_is_decided_by_the_reason_model(label: str, call_type: str, scorecard: str) -> None:
    model = FixedReasonModel(label)
    result = Scorer(LIBRARY, reason_model=model, queue_types=QUEUES).score(make_call(queue="switchboard"))
    assert (result.call_type, result.call_type_source, result.scorecard) == (call_type, CLASSIFIER, scorecard)
    assert result.reason_prediction == Prediction(label, 0.87, "reason-test-1")
    assert result.status == SCORED
    # The model reads the normalised turns, the caller as the customer.
    assert model.seen == [[(turn.speaker, turn.text) for turn in make_call().turns]]
    assert model.seen[0][1] == (CUSTOMER, "hi i have a question about my water")


def test_the_record_beats_the_reason_model() -> None:
    model = FixedReasonModel("billing")
    result = Scorer(LIBRARY, reason_model=model).score(make_call(call_type="fault"))
    assert (result.call_type, result.call_type_source, result.scorecard) == ("fault", RECORD, "inbound-fault")
    assert result.reason_prediction == Prediction("billing", 0.87, "reason-test-1")  # asked, and kept


def test_unknown_inbound_type_without_a_model_is_scored_as_general() -> None:
    result = Scorer(LIBRARY, queue_types=QUEUES).score(make_call(queue="switchboard"))
    assert (result.call_type, result.call_type_source, result.scorecard) == (
        "general",
        DEFAULT,
        "inbound-fault",
    )
    assert result.status == SCORED and result.reason_prediction is None


def test_an_unscorable_call_is_not_shown_to_the_model() -> None:
    model = FixedReasonModel("water")
    short = [{"speaker": "agent", "text": "hello there", "start": 0, "end": 1}]
    result = Scorer(LIBRARY, reason_model=model).score(make_call(turns=short))
    assert result.status == NOT_APPLICABLE and result.score is None
    silent_agent = [turn for turn in TURNS if turn["speaker"] == "caller"] * 3
    result = Scorer(LIBRARY, reason_model=model).score(make_call(turns=silent_agent))
    assert result.status == HUMAN_REVIEW and result.score is None
    assert model.seen == [] and result.reason_prediction is None


def test_a_named_scorecard_overrides_the_call_type() -> None:
    result = Scorer(LIBRARY).score(make_call(call_type="fault"), "account-query")
    assert (result.scorecard, result.call_type) == ("account-query", "fault")


# Transcript files ----------------------------------------------------------------------------------


def test_a_transcript_file_is_read_normalised_and_sorted(tmp_path: Path) -> None:
    path = tmp_path / "call-42.json"
    document = {"direction": "inbound", "queue": 7, "turns": [TURNS[1], TURNS[0]]}
    path.write_text(json.dumps(document), encoding="utf-8")
    call = read_transcript_file(path)
    assert (call.call_id, call.direction, call.queue, call.timed) == ("call-42", "inbound", "7", True)
    assert call.turns == [
        Turn("agent", "good morning rivervale metro my name is thandi", 0.0, 4.0),
        Turn(CUSTOMER, "hi i have a question about my water", 4.5, 7.0),
    ]


def test_turns_without_times_follow_each_other_at_speaking_pace() -> None:
    call = make_call(
        turns=[{"speaker": "agent", "text": "one two three four five"}, {"speaker": "caller", "text": "ok"}]
    )
    assert [(t.start, t.end) for t in call.turns] == [(0.0, 2.0), (2.0, 3.0)]
    assert call.timed is False


def test_a_file_that_is_not_json_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text(
        '{\n  "direction": "inbound",\n  "turns": [\n    {"speaker": "agent" "text": "hi"}\n  ]\n}\n'
    )
    with pytest.raises(TranscriptFileError, match=r"broken\.json: line 4: not JSON"):
        read_transcript_file(path)


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (["not", "an", "object"], r"^t\.json: expected a JSON object"),
        (
            {"direction": "sideways", "turns": []},
            r"^t\.json: 'direction' must be 'inbound' or 'outbound', not 'sideways'",
        ),
        ({"direction": "inbound"}, r"^t\.json: 'turns' must be a list"),
        ({"direction": "inbound", "turns": {"speaker": "agent"}}, r"^t\.json: 'turns' must be a list"),
        (
            {"direction": "inbound", "turns": [TURNS[0], {"speaker": "robot", "text": "hi"}]},
            r"^t\.json: turns\[1\]: 'speaker'.*'robot'",
        ),
        ({"direction": "inbound", "turns": ["hello"]}, r"^t\.json: turns\[0\]: expected an object"),
        (
            {"direction": "inbound", "turns": [{"speaker": "agent", "text": 5}]},
            r"^t\.json: turns\[0\]: 'text' must be a string",
        ),
        (
            {"direction": "inbound", "turns": [{"speaker": "agent", "text": "hi", "start": 5, "end": 4}]},
            r"^t\.json: turns\[0\]: times must satisfy 0 <= start <= end, got 5\.0\.\.4\.0",
        ),
        (
            {"direction": "inbound", "turns": [{"speaker": "agent", "text": "hi", "start": "soon"}]},
            r"^t\.json: turns\[0\]: 'start' and 'end' must be numbers",
        ),
        (
            {"direction": "inbound", "turns": [], "queue": ["faults"]},
            r"^t\.json: 'queue' must be a string, not list",
        ),
    ],
)
def test_invalid_transcripts_name_the_source_and_the_field(document: Any, message: str) -> None:
    with pytest.raises(TranscriptFileError, match=message):
        parse_transcript(document, "t.json", "t")
