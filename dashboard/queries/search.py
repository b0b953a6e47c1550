"""Full-text search in transcripts as a subquery of call ids (SQLite FTS5 / PostgreSQL GIN).

The same search as :func:`transcription.store.search`, but returning the calls
whose transcript has a speaker turn containing every word, for use in a filter.
"""

from __future__ import annotations

from sqlalchemy import String, TextualSelect, column, text

from transcription.store import fts5_match, search_terms


def matching_calls(dialect: str, query: str) -> TextualSelect:
    """``SELECT linkedid`` of the calls with a turn containing every word of ``query``."""
    words = search_terms(query) or ["\u2205"]  # nothing to look for: match nothing
    if dialect == "sqlite":
        match = fts5_match(words)
        sql = text(
            "SELECT t.linkedid FROM transcript_search "
            "JOIN transcript_segments s ON s.id = transcript_search.rowid "
            "JOIN transcripts t ON t.id = s.transcript_id "
            "WHERE transcript_search MATCH :fts_match"
        ).bindparams(fts_match=match)
    else:
        # The expression of the GIN index ix_transcript_segments_search, so the index is used.
        sql = text(
            "SELECT t.linkedid FROM transcript_segments s "
            "JOIN transcripts t ON t.id = s.transcript_id "
            "WHERE to_tsvector('simple', s.text) @@ plainto_tsquery('simple', :fts_query)"
        ).bindparams(fts_query=" ".join(words))
    return sql.columns(column("linkedid", String))
