"""jobs and transcripts

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import callcentre.db

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "jobs",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("subject", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("run_after", callcentre.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("lease_until", callcentre.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("worker", sa.String(length=128), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", callcentre.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", callcentre.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jobs")),
    )
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_jobs_subject"), ["subject"], unique=False)

    op.create_table(
        "transcripts",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("linkedid", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("review_reason", sa.Text(), nullable=True),
        sa.Column("engine", sa.String(length=16), nullable=False),
        sa.Column("model", sa.String(length=128), nullable=True),
        sa.Column("language", sa.String(length=16), nullable=True),
        sa.Column("audio_seconds", sa.Float(), nullable=False),
        sa.Column("speech_seconds", sa.Float(), nullable=False),
        sa.Column("word_count", sa.Integer(), nullable=False),
        sa.Column("redacted_audio_path", sa.String(length=1024), nullable=True),
        sa.Column("created_at", callcentre.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transcripts")),
        sa.UniqueConstraint("linkedid", name=op.f("uq_transcripts_linkedid")),
    )
    op.create_table(
        "transcript_redactions",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("transcript_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("speaker", sa.String(length=16), nullable=False),
        sa.Column("start", sa.Float(), nullable=False),
        sa.Column("end", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["transcript_id"],
            ["transcripts.id"],
            name=op.f("fk_transcript_redactions_transcript_id_transcripts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transcript_redactions")),
    )
    with op.batch_alter_table("transcript_redactions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_transcript_redactions_transcript_id"), ["transcript_id"], unique=False
        )

    op.create_table(
        "transcript_segments",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("transcript_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("speaker", sa.String(length=16), nullable=False),
        sa.Column("start", sa.Float(), nullable=False),
        sa.Column("end", sa.Float(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["transcript_id"],
            ["transcripts.id"],
            name=op.f("fk_transcript_segments_transcript_id_transcripts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transcript_segments")),
    )
    with op.batch_alter_table("transcript_segments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_transcript_segments_transcript_id"), ["transcript_id"], unique=False
        )

    op.create_table(
        "transcript_words",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("segment_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("word", sa.String(length=128), nullable=False),
        sa.Column("start", sa.Float(), nullable=False),
        sa.Column("end", sa.Float(), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["segment_id"],
            ["transcript_segments.id"],
            name=op.f("fk_transcript_words_segment_id_transcript_segments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transcript_words")),
    )
    with op.batch_alter_table("transcript_words", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_transcript_words_segment_id"), ["segment_id"], unique=False)

    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.create_index("ix_jobs_claim", ["state", "kind", "run_after"], unique=False)
    _create_search()


def _create_search() -> None:
    """Full-text search over transcript segments: SQLite FTS5, or a PostgreSQL GIN index."""
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "CREATE VIRTUAL TABLE transcript_search USING fts5("
            "text, content='transcript_segments', content_rowid='id', tokenize='unicode61 remove_diacritics 2')"
        )
        op.execute(
            "CREATE TRIGGER transcript_search_insert AFTER INSERT ON transcript_segments BEGIN "
            "INSERT INTO transcript_search(rowid, text) VALUES (new.id, new.text); END"
        )
        op.execute(
            "CREATE TRIGGER transcript_search_delete AFTER DELETE ON transcript_segments BEGIN "
            "INSERT INTO transcript_search(transcript_search, rowid, text) VALUES ('delete', old.id, old.text); END"
        )
        op.execute(
            "CREATE TRIGGER transcript_search_update AFTER UPDATE ON transcript_segments BEGIN "
            "INSERT INTO transcript_search(transcript_search, rowid, text) VALUES ('delete', old.id, old.text); "
            "INSERT INTO transcript_search(rowid, text) VALUES (new.id, new.text); END"
        )
    else:
        # 'simple': transcripts are in several languages, so no English stemming.
        op.execute(
            "CREATE INDEX ix_transcript_segments_search ON transcript_segments "
            "USING gin (to_tsvector('simple', text))"
        )


def _drop_search() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS transcript_search_{name}")
        op.execute("DROP TABLE IF EXISTS transcript_search")
    else:
        op.execute("DROP INDEX IF EXISTS ix_transcript_segments_search")


def downgrade() -> None:
    _drop_search()
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_index("ix_jobs_claim")

    with op.batch_alter_table("transcript_words", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_transcript_words_segment_id"))

    op.drop_table("transcript_words")
    with op.batch_alter_table("transcript_segments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_transcript_segments_transcript_id"))

    op.drop_table("transcript_segments")
    with op.batch_alter_table("transcript_redactions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_transcript_redactions_transcript_id"))

    op.drop_table("transcript_redactions")
    op.drop_table("transcripts")
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_jobs_subject"))

    op.drop_table("jobs")
