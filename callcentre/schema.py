"""Schema migrations (Alembic) and the check that refuses to run on an out-of-date database."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, MetaData

from callcentre.db import safe_url

MIGRATIONS = Path(__file__).parent / "migrations"


class SchemaOutOfDate(RuntimeError):
    """The database is not at the revision this code expects; the message says what to run."""


def target_metadata() -> MetaData:
    """The metadata of every package's tables (imported here so Alembic sees them all)."""
    import callcentre.jobs  # noqa: F401  (each import registers its package's tables on Base)
    import dashboard.models  # noqa: F401
    import ivr.models  # noqa: F401
    import qa.models  # noqa: F401
    import telephony.campaigns.models
    import telephony.models  # noqa: F401
    import transcription.models  # noqa: F401
    from callcentre.db import Base

    return Base.metadata


def _config(engine: Engine | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head_revision() -> str:
    """The newest migration this code ships."""
    head = ScriptDirectory.from_config(_config()).get_current_head()
    if head is None:
        raise RuntimeError("no migrations found")
    return head


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at (``None`` for an empty database)."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrate the database to ``revision``."""
    config = _config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def ensure_current(engine: Engine) -> None:
    """Raise :class:`SchemaOutOfDate` unless the database is at the newest revision."""
    current, head = current_revision(engine), head_revision()
    if current == head:
        return
    where = safe_url(engine.url.render_as_string(hide_password=False))
    state = "has no tables yet" if current is None else f"is at revision {current}"
    raise SchemaOutOfDate(
        f"the database {where} {state}; this version of callcentre needs revision {head}. "
        "Run: callcentre db upgrade"
    )
