"""Alembic environment: runs on the connection handed over by callcentre.schema."""

from __future__ import annotations

from alembic import context

from callcentre.schema import target_metadata

connection = context.config.attributes["connection"]


def include_object(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    """Leave the full-text search objects (made by hand in 0002, per dialect) out of autogenerate."""
    return not (name or "").startswith(("transcript_search", "ix_transcript_segments_search"))


context.configure(
    connection=connection,
    target_metadata=target_metadata(),
    render_as_batch=True,  # SQLite cannot ALTER most things; batch mode copies the table instead
    compare_type=True,
    include_object=include_object,
)
with context.begin_transaction():
    context.run_migrations()
