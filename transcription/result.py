"""A transcript as plain data: what the pipeline produces and the store writes."""

from __future__ import annotations

from dataclasses import dataclass, field

from transcription.redaction import Word

DONE, HUMAN_REVIEW = "done", "human_review"


@dataclass(slots=True)
class Segment:
    """One speaker turn: a stretch of speech of one party and its (redacted) words."""

    speaker: str
    start: float
    end: float
    words: list[Word]

    @property
    def text(self) -> str:
        return " ".join(word.text for word in self.words)

    @property
    def confidence(self) -> float | None:
        return sum(word.conf for word in self.words) / len(self.words) if self.words else None


@dataclass(frozen=True, slots=True)
class SpanRecord:
    """Where personal information was removed."""

    kind: str
    speaker: str
    start: float
    end: float


@dataclass(slots=True)
class TranscriptResult:
    """A call's transcript, or the reason it needs a person (``status = human_review``)."""

    linkedid: str
    status: str
    engine: str
    model: str | None
    language: str | None
    audio_seconds: float = 0.0
    speech_seconds: float = 0.0
    review_reason: str | None = None
    segments: list[Segment] = field(default_factory=list)
    redactions: list[SpanRecord] = field(default_factory=list)
    redacted_audio_path: str | None = None

    @property
    def word_count(self) -> int:
        return sum(len(segment.words) for segment in self.segments)
