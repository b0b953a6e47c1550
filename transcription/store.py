"""Writing transcripts (replace, never duplicate) and searching them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, delete, insert, select, text

from transcription.models import Redaction, Transcript, TranscriptSegment, TranscriptWord
from transcription.result import TranscriptResult


def save_transcript(connection: Connection, result: TranscriptResult) -> int:
    """Store ``result`` for its call, replacing an earlier transcript of the same call."""
    delete_transcript(connection, result.linkedid)
    transcript_id = connection.execute(
        insert(Transcript).returning(Transcript.id),
        {
            "linkedid": result.linkedid,
            "status": result.status,
            "review_reason": result.review_reason,
            "engine": result.engine,
            "model": result.model,
            "language": result.language,
            "audio_seconds": result.audio_seconds,
            "speech_seconds": result.speech_seconds,
            "word_count": result.word_count,
            "redacted_audio_path": result.redacted_audio_path,
            "created_at": datetime.now(tz=UTC),
        },
    ).scalar_one()
    for segment in result.segments:
        segment_id = connection.execute(
            insert(TranscriptSegment).returning(TranscriptSegment.id),
            {
                "transcript_id": transcript_id,
                "speaker": segment.speaker,
                "start": segment.start,
                "end": segment.end,
                "text": segment.text,
                "confidence": segment.confidence,
            },
        ).scalar_one()
        words = [
            {
                "segment_id": segment_id,
                "word": word.text[:128],
                "start": word.start,
                "end": word.end,
                "confidence": word.conf,
            }
            for word in segment.words
        ]
        if words:
            connection.execute(insert(TranscriptWord), words)
    spans = [
        {
            "transcript_id": transcript_id,
            "kind": span.kind,
            "speaker": span.speaker,
            "start": span.start,
            "end": span.end,
        }
        for span in result.redactions
    ]
    if spans:
        connection.execute(insert(Redaction), spans)
    return int(transcript_id)


def delete_transcript(connection: Connection, linkedid: str) -> None:
    """Remove a call's transcript and everything under it."""
    transcript_ids = select(Transcript.id).where(Transcript.linkedid == linkedid).scalar_subquery()
    segment_ids = select(TranscriptSegment.id).where(TranscriptSegment.transcript_id.in_(transcript_ids))
    connection.execute(
        delete(TranscriptWord).where(TranscriptWord.segment_id.in_(segment_ids.scalar_subquery()))
    )
    connection.execute(delete(TranscriptSegment).where(TranscriptSegment.transcript_id.in_(transcript_ids)))
    connection.execute(delete(Redaction).where(Redaction.transcript_id.in_(transcript_ids)))
    connection.execute(delete(Transcript).where(Transcript.linkedid == linkedid))


@dataclass(frozen=True, slots=True)
class SearchHit:
    linkedid: str
    speaker: str
    start: float
    end: float
    text: str


_WORD = re.compile(r"\w+", re.UNICODE)


def search_terms(query: str) -> list[str]:
    """The words of a search, lower case (punctuation and full-text query syntax dropped)."""
    return _WORD.findall(query.lower())


def fts5_match(terms: list[str]) -> str:
    """An FTS5 MATCH expression requiring every term; each is quoted, so what a user types is never
    read as FTS5 query syntax."""
    return " AND ".join('"' + term.replace('"', '""') + '"' for term in terms)


def search(connection: Connection, query: str, limit: int = 50) -> list[SearchHit]:
    """Segments whose text contains every word of ``query`` (SQLite FTS5 / PostgreSQL full text)."""
    terms = search_terms(query)
    if not terms:
        return []
    if connection.dialect.name == "sqlite":
        match = fts5_match(terms)
        sql = text(
            'SELECT t.linkedid, s.speaker, s.start, s."end", s.text FROM transcript_search '
            "JOIN transcript_segments s ON s.id = transcript_search.rowid "
            "JOIN transcripts t ON t.id = s.transcript_id "
            "WHERE transcript_search MATCH :match ORDER BY rank LIMIT :limit"
        )
        rows = connection.execute(sql, {"match": match, "limit": limit})
    else:
        sql = text(
            'SELECT t.linkedid, s.speaker, s.start, s."end", s.text FROM transcript_segments s '
            "JOIN transcripts t ON t.id = s.transcript_id "
            "WHERE to_tsvector('simple', s.text) @@ plainto_tsquery('simple', :query) "
            "ORDER BY t.linkedid, s.start LIMIT :limit"
        )
        rows = connection.execute(sql, {"query": " ".join(terms), "limit": limit})
    return [SearchHit(*row) for row in rows]
