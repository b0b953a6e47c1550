"""Full-text search in transcripts as a subquery of call ids (SQLite FTS5 / PostgreSQL GIN).

The same search as :func:`transcription.store.search`, but returning the calls
whose transcript has a speaker turn containing every word, for use in a filter.
"""

from __future__ import annotations

import re

from sqlalchemy import String, TextualSelect, column, text

_WORD = re.compile(r"\w+", re.UNICODE)


def terms(query: str) -> list[str]:
    """The words of a search (punctuation and FTS syntax dropped)."""
    return _WORD.findall(query.lower())


def matching_calls(dialect: str, query: str) -> TextualSelect:
    """``SELECT linkedid`` of the calls with a turn containing every word of ``query``."""
    words = terms(query) or ["\u2205"]  # nothing to look for: match nothing
    if dialect == "sqlite":
        # Each term quoted: what a user types must never be read as FTS5 query syntax.
        match = " AND ".join('"' + word.replace('"', '""') + '"' for word in words)
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
