"""Tables owned by the transcription package: transcripts, their segments, words and redactions.

Everything stored here is already redacted (POPIA): the original words of a
redacted span are never written; the span's kind and times are, so a redacted
copy of the audio can be made and a reviewer sees where something was removed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from callcentre.db import Base, BigId, UTCDateTime


class Transcript(Base):
    """The transcript of one call, or why it needs a person instead (``status = human_review``)."""

    __tablename__ = "transcripts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    linkedid: Mapped[str] = mapped_column(String(64), unique=True)
    #: ``done`` or ``human_review`` (no model for the language, no recognisable speech).
    status: Mapped[str] = mapped_column(String(16))
    review_reason: Mapped[str | None] = mapped_column(Text)
    #: ``vosk``, or ``script`` for the demo's scripted text when no English model is installed.
    engine: Mapped[str] = mapped_column(String(16))
    model: Mapped[str | None] = mapped_column(String(128))
    language: Mapped[str | None] = mapped_column(String(16))
    audio_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    speech_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    word_count: Mapped[int] = mapped_column(Integer, default=0)
    redacted_audio_path: Mapped[str | None] = mapped_column(String(1024))
    #: For a transcript imported from another system (no call record): direction, call_type, queue,
    #: reference, agent and holds as the file gave them.
    call_facts: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    segments: Mapped[list[TranscriptSegment]] = relationship(
        back_populates="transcript", order_by="TranscriptSegment.start"
    )
    redactions: Mapped[list[Redaction]] = relationship(
        back_populates="transcript", order_by="Redaction.start"
    )


class TranscriptSegment(Base):
    """One stretch of speech by one party (a speaker turn)."""

    __tablename__ = "transcript_segments"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    transcript_id: Mapped[int] = mapped_column(ForeignKey("transcripts.id", ondelete="CASCADE"), index=True)
    #: ``caller`` (the customer on outbound calls), ``agent``, or ``mixed`` for a mono recording.
    speaker: Mapped[str] = mapped_column(String(16))
    start: Mapped[float] = mapped_column(Float)
    end: Mapped[float] = mapped_column(Float)
    text: Mapped[str] = mapped_column(Text)
    confidence: Mapped[float | None] = mapped_column(Float)

    transcript: Mapped[Transcript] = relationship(back_populates="segments")
    words: Mapped[list[TranscriptWord]] = relationship(
        back_populates="segment", order_by="TranscriptWord.start"
    )


class TranscriptWord(Base):
    """A recognised word with its times and confidence (a redaction placeholder counts as one word)."""

    __tablename__ = "transcript_words"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    segment_id: Mapped[int] = mapped_column(
        ForeignKey("transcript_segments.id", ondelete="CASCADE"), index=True
    )
    word: Mapped[str] = mapped_column(String(128))
    start: Mapped[float] = mapped_column(Float)
    end: Mapped[float] = mapped_column(Float)
    confidence: Mapped[float | None] = mapped_column(Float)

    segment: Mapped[TranscriptSegment] = relationship(back_populates="words")


class Redaction(Base):
    """Where personal information was removed: kind, party and times (never the removed words)."""

    __tablename__ = "transcript_redactions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    transcript_id: Mapped[int] = mapped_column(ForeignKey("transcripts.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    speaker: Mapped[str] = mapped_column(String(16))
    start: Mapped[float] = mapped_column(Float)
    end: Mapped[float] = mapped_column(Float)

    transcript: Mapped[Transcript] = relationship(back_populates="redactions")
