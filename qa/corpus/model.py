"""The labelled call: one synthetic (or hand-labelled) call transcript with its QA labels.

One call is one JSON object on one line of a JSONL file; :func:`write_jsonl` and :func:`read_jsonl`
convert, and :meth:`LabelledCall.from_dict` validates every field, so a malformed corpus fails on
load with the line number rather than deep inside the scorer.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, cast, get_args

__all__ = [
    "CALL_TYPES",
    "CRITERIA",
    "FAULT_REASONS",
    "INBOUND_CRITERIA",
    "OUTBOUND_CRITERIA",
    "REASONS",
    "REASON_CALL_TYPE",
    "SENTIMENTS",
    "CallType",
    "CorpusError",
    "Direction",
    "Hold",
    "LabelValue",
    "LabelledCall",
    "Reason",
    "Sentiment",
    "Speaker",
    "Turn",
    "read_jsonl",
    "write_jsonl",
]

Direction = Literal["inbound", "outbound"]
CallType = Literal["fault", "account", "general", "revenue"]
Reason = Literal[
    "water",
    "electricity",
    "sewage",
    "refuse",
    "roads_stormwater",
    "illegal_dumping",
    "billing",
    "payment_arrangement",
    "other",
]
Sentiment = Literal["positive", "neutral", "frustrated"]
Speaker = Literal["agent", "customer"]
LabelValue = Literal["pass", "fail", "na"]

REASONS: tuple[Reason, ...] = get_args(Reason)
SENTIMENTS: tuple[Sentiment, ...] = get_args(Sentiment)
CALL_TYPES: tuple[CallType, ...] = get_args(CallType)
FAULT_REASONS: tuple[Reason, ...] = REASONS[:6]

#: The call type an inbound call of each reason belongs to (outbound calls are all "revenue").
REASON_CALL_TYPE: Mapping[Reason, CallType] = {
    **{reason: "fault" for reason in FAULT_REASONS},
    "billing": "account",
    "payment_arrangement": "account",
    "other": "general",
}

#: Criterion ids of the inbound and outbound scorecards, in scorecard order.
INBOUND_CRITERIA: tuple[str, ...] = (
    "greeting",
    "agent_name",
    "verification",
    "reference_given",
    "reference_integrity",
    "turnaround",
    "empathy",
    "hold_permission",
    "further_help",
    "closing",
    "rudeness",
)
OUTBOUND_CRITERIA: tuple[str, ...] = (
    "greeting",
    "agent_name",
    "right_party",
    "recording_disclosure",
    "purpose_amount",
    "payment_options",
    "promise_confirmed",
    "no_threats",
    "hold_permission",
    "closing",
)
CRITERIA: Mapping[Direction, tuple[str, ...]] = {"inbound": INBOUND_CRITERIA, "outbound": OUTBOUND_CRITERIA}

_TEXT = re.compile(r"^[a-z]+( [a-z]+)*$|^$")
_REFERENCE = re.compile(r"^[0-9]+$")


class CorpusError(ValueError):
    """A labelled call that does not follow the corpus format."""


@dataclass(frozen=True)
class Turn:
    """One speaker's stretch of speech: lower-case words, times in seconds from the call's start."""

    speaker: Speaker
    text: str
    start: float
    end: float


@dataclass(frozen=True)
class Hold:
    """A stretch of the call during which the customer was on hold."""

    start: float
    end: float


@dataclass(frozen=True)
class LabelledCall:
    """A call transcript with its reason, the customer's sentiment and one label per QA criterion."""

    id: str
    direction: Direction
    call_type: CallType
    reason: Reason
    sentiment: Sentiment
    reference: str | None
    agent: str
    turns: tuple[Turn, ...]
    labels: Mapping[str, LabelValue]
    holds: tuple[Hold, ...] = ()
    language: str = "en"

    def speaker_turns(self) -> list[tuple[str, str]]:
        """The turns as (speaker, text) pairs, the form the classifiers take."""
        return [(turn.speaker, turn.text) for turn in self.turns]

    def to_dict(self) -> dict[str, Any]:
        """The call as the JSON object of the corpus format."""
        return {
            "id": self.id,
            "direction": self.direction,
            "call_type": self.call_type,
            "reason": self.reason,
            "sentiment": self.sentiment,
            "language": self.language,
            "reference": self.reference,
            "agent": self.agent,
            "holds": [{"start": hold.start, "end": hold.end} for hold in self.holds],
            "turns": [
                {"speaker": turn.speaker, "text": turn.text, "start": turn.start, "end": turn.end}
                for turn in self.turns
            ],
            "labels": dict(self.labels),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LabelledCall:
        """Parse and validate one JSON object of the corpus format; raises :class:`CorpusError`."""
        try:
            call = cls(
                id=str(data["id"]),
                direction=_choice(data["direction"], get_args(Direction), "direction"),
                call_type=_choice(data["call_type"], CALL_TYPES, "call_type"),
                reason=_choice(data["reason"], REASONS, "reason"),
                sentiment=_choice(data["sentiment"], SENTIMENTS, "sentiment"),
                language=str(data.get("language", "en")),
                reference=_reference(data.get("reference")),
                agent=str(data["agent"]),
                holds=tuple(Hold(float(h["start"]), float(h["end"])) for h in data.get("holds", [])),
                turns=tuple(_turn(item) for item in data["turns"]),
                labels={str(k): _choice(v, get_args(LabelValue), "label") for k, v in data["labels"].items()},
            )
        except (KeyError, TypeError, AttributeError) as exc:
            raise CorpusError(f"missing or malformed field: {exc!r}") from exc
        _check_labels(call)
        return call


def _choice(value: Any, allowed: Sequence[str], what: str) -> Any:
    """``value`` if it is one of ``allowed``, else a :class:`CorpusError` naming the field."""
    if value not in allowed:
        raise CorpusError(f"{what} {value!r} is not one of {', '.join(allowed)}")
    return value


def _reference(value: Any) -> str | None:
    """A reference number: a string of digits, or None."""
    if value is None:
        return None
    if not isinstance(value, str) or not _REFERENCE.match(value):
        raise CorpusError(f"reference {value!r} is not a string of digits")
    return value


def _turn(item: Mapping[str, Any]) -> Turn:
    """One turn, its text checked to be lower-case words separated by single spaces."""
    text = str(item["text"])
    if not _TEXT.match(text):
        raise CorpusError(f"turn text is not lower-case words: {text[:60]!r}")
    speaker = cast(Speaker, _choice(item["speaker"], get_args(Speaker), "speaker"))
    return Turn(speaker, text, float(item["start"]), float(item["end"]))


def _check_labels(call: LabelledCall) -> None:
    """Every criterion of the call's scorecard has a label, and no other criterion does."""
    expected = set(CRITERIA[call.direction])
    if set(call.labels) != expected:
        raise CorpusError(f"{call.id}: labels {sorted(call.labels)} are not the {call.direction} criteria")


def write_jsonl(calls: Iterable[LabelledCall], path: Path | str) -> int:
    """Write ``calls`` to ``path``, one compact JSON object a line; returns how many were written."""
    count = 0
    with Path(path).open("w", encoding="utf-8") as out:
        for call in calls:
            out.write(json.dumps(call.to_dict(), separators=(",", ":")) + "\n")
            count += 1
    return count


def read_jsonl(path: Path | str) -> list[LabelledCall]:
    """Read a JSONL corpus; a bad line raises :class:`CorpusError` naming the file and line."""
    calls = []
    with Path(path).open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                calls.append(LabelledCall.from_dict(json.loads(line)))
            except (CorpusError, json.JSONDecodeError) as exc:
                raise CorpusError(f"{path}:{number}: {exc}") from exc
    return calls
