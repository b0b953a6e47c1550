"""What the scorer reads: a call's speaker turns and the facts of its call record, as plain data.

Both our own transcripts (from the database) and transcripts made by other
systems (JSON files, see the README's "Transcript files") become a
:class:`CallInput`. Speakers are normalised to ``agent`` and ``customer``:
the transcription stores ``caller`` on inbound calls and ``customer`` on
outbound ones, and both are the customer here.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

AGENT, CUSTOMER = "agent", "customer"
DIRECTIONS = ("inbound", "outbound")
_SPEAKERS = {"agent": AGENT, "customer": CUSTOMER, "caller": CUSTOMER}
_NOT_WORD = re.compile(r"[^\w\s']+")
_SPACES = re.compile(r"\s+")


class TranscriptFileError(ValueError):
    """A transcript file that cannot be read; the message names the file and the field."""


def normalise_text(text: str) -> str:
    """Lower case words separated by single spaces: what a recogniser prints, whatever wrote it."""
    return _SPACES.sub(" ", _NOT_WORD.sub(" ", text.lower())).strip()


@dataclass(frozen=True, slots=True)
class Turn:
    """One stretch of speech by one party; times in seconds from the start of the recording."""

    speaker: str
    text: str
    start: float
    end: float


@dataclass(frozen=True, slots=True)
class Span:
    """A stretch of the call (a hold) in seconds from the start of the recording."""

    start: float
    end: float


@dataclass(slots=True)
class CallInput:
    """Everything scoring one call needs."""

    call_id: str
    direction: str
    turns: list[Turn]
    call_type: str | None = None
    queue: str | None = None
    ivr_path: str | None = None
    reference: str | None = None
    language: str | None = None
    agent: str | None = None
    holds: list[Span] = field(default_factory=list)
    #: True when ``holds`` comes from a call record (or a file that lists them): then it is the whole truth,
    #: and the words are not searched for a hold the record does not have.
    holds_known: bool = True
    #: From the call record: talk + hold (seconds); ``None`` for an imported transcript.
    handle_seconds: float | None = None
    #: ``human_review`` when the transcript could not be made (no model for the language, no speech).
    transcript_status: str = "done"
    review_reason: str | None = None
    #: False when the turns' times were not given (a file without times): timing rules are then N/A.
    timed: bool = True

    @property
    def duration(self) -> float:
        """Handle time if the call record has it, else the end of the last turn."""
        if self.handle_seconds is not None:
            return self.handle_seconds
        return max((turn.end for turn in self.turns), default=0.0)

    def speech(self, speaker: str) -> list[Turn]:
        return [turn for turn in self.turns if turn.speaker == speaker]


def speaker_role(value: str) -> str | None:
    """``agent`` or ``customer`` for a stored or imported speaker name; ``None`` if it is neither."""
    return _SPEAKERS.get(value.strip().lower())


def read_transcript_file(path: Path) -> CallInput:
    """A transcript file (JSON, the README's format) as a :class:`CallInput`; the file stem is its id."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise TranscriptFileError(f"{path}: cannot read: {exc}") from exc
    except json.JSONDecodeError as exc:
        raise TranscriptFileError(f"{path}: line {exc.lineno}: not JSON: {exc.msg}") from exc
    return parse_transcript(document, str(path), default_id=path.stem)


def parse_transcript(document: Any, source: str, default_id: str) -> CallInput:
    """Validate a transcript document; errors name ``source`` and the field."""
    if not isinstance(document, dict):
        raise TranscriptFileError(f"{source}: expected a JSON object with 'direction' and 'turns'")
    direction = document.get("direction")
    if direction not in DIRECTIONS:
        raise TranscriptFileError(f"{source}: 'direction' must be 'inbound' or 'outbound', not {direction!r}")
    raw_turns = document.get("turns")
    if not isinstance(raw_turns, list):
        raise TranscriptFileError(f"{source}: 'turns' must be a list of {{speaker, text, start, end}}")
    turns = _parse_turns(raw_turns, source)
    holds = [
        Span(float(hold["start"]), float(hold["end"]))
        for hold in document.get("holds") or []
        if isinstance(hold, dict)
    ]
    return CallInput(
        call_id=str(document.get("call_id") or document.get("id") or default_id),
        direction=direction,
        turns=turns,
        call_type=_optional_str(document, "call_type", source),
        queue=_optional_str(document, "queue", source),
        reference=_optional_str(document, "reference", source),
        language=_optional_str(document, "language", source),
        agent=_optional_str(document, "agent", source),
        holds=holds,
        holds_known="holds" in document,
        timed=all(isinstance(raw, dict) and raw.get("start") is not None for raw in raw_turns),
    )


def _optional_str(document: dict[str, Any], key: str, source: str) -> str | None:
    value = document.get(key)
    if value is None:
        return None
    if not isinstance(value, str | int):
        raise TranscriptFileError(f"{source}: '{key}' must be a string, not {type(value).__name__}")
    return str(value)


def _parse_turns(raw_turns: list[Any], source: str) -> list[Turn]:
    """Turns in time order; a turn without times is placed after the previous one (2.5 words/s)."""
    turns: list[Turn] = []
    clock = 0.0
    for index, raw in enumerate(raw_turns):
        where = f"{source}: turns[{index}]"
        if not isinstance(raw, dict):
            raise TranscriptFileError(f"{where}: expected an object with 'speaker' and 'text'")
        speaker = speaker_role(str(raw.get("speaker", "")))
        if speaker is None:
            raise TranscriptFileError(
                f"{where}: 'speaker' must be 'agent' or 'customer' (or 'caller'), not {raw.get('speaker')!r}"
            )
        text = raw.get("text")
        if not isinstance(text, str):
            raise TranscriptFileError(f"{where}: 'text' must be a string")
        words = normalise_text(text)
        start, end = _times(raw, where, clock, words)
        clock = max(clock, end)
        if words:
            turns.append(Turn(speaker, words, start, end))
    turns.sort(key=lambda turn: turn.start)
    return turns


def _times(raw: dict[str, Any], where: str, clock: float, words: str) -> tuple[float, float]:
    try:
        start = float(raw["start"]) if raw.get("start") is not None else clock
        end = float(raw["end"]) if raw.get("end") is not None else start + max(1.0, len(words.split()) / 2.5)
    except (TypeError, ValueError) as exc:
        raise TranscriptFileError(f"{where}: 'start' and 'end' must be numbers of seconds") from exc
    if end < start or start < 0:
        raise TranscriptFileError(f"{where}: times must satisfy 0 <= start <= end, got {start}..{end}")
    return start, end
