"""Shared fixtures: databases (SQLite and PostgreSQL), captures, and the skip policy.

Tests that need a peer that may be absent (PostgreSQL on a laptop) skip with a
reason; with ``CALLCENTRE_REQUIRE_ALL=1`` (set by ``.ci/run``) every such skip
is a failure, so CI always runs everything.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from callcentre.db import make_engine
from callcentre.schema import upgrade

FIXTURES = Path(__file__).parent / "fixtures"
CAPTURES = FIXTURES / "asterisk"
POSTGRES_URL = os.environ.get(
    "CALLCENTRE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REQUIRE_ALL = os.environ.get("CALLCENTRE_REQUIRE_ALL") == "1"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    if REQUIRE_ALL and report.skipped:
        report.outcome = "failed"
        report.longrepr = f"skipped, but CALLCENTRE_REQUIRE_ALL=1 forbids skips: {report.longrepr}"


def capture(name: str) -> bytes:
    """The raw bytes of a recorded AMI capture."""
    return (CAPTURES / f"{name}.ami").read_bytes()


SCENARIOS = sorted(path.stem for path in CAPTURES.glob("*.ami") if not path.stem.startswith("actions"))


@dataclass
class Database:
    """A migrated test database and the URL a CLI would be given for it."""

    engine: Engine
    url: str
    kind: str


def _postgres_database() -> Database:
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = make_engine(POSTGRES_URL)
    try:
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_URL}: {type(exc).__name__}: {exc}")
    finally:
        admin.dispose()
    url = f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    return Database(make_engine(url), url, "postgresql")


def _drop_postgres(database: Database) -> None:
    database.engine.dispose()
    schema = database.url.rsplit("%3D", 1)[1]
    admin = make_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@contextmanager
def unmigrated_database(kind: str, folder: Path) -> Iterator[Database]:
    """A database with no tables (a SQLite file in ``folder``, or a fresh server schema), dropped after."""
    if kind == "sqlite":
        url = f"sqlite:///{folder / 'test.db'}"
        db = Database(make_engine(url), url, "sqlite")
    else:
        db = _postgres_database()
    try:
        yield db
    finally:
        if db.kind == "postgresql":
            _drop_postgres(db)
        else:
            db.engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """An empty, migrated database: a SQLite file, and a fresh schema on the PostgreSQL server."""
    with unmigrated_database(request.param, tmp_path) as db:
        upgrade(db.engine)
        yield db


@pytest.fixture
def postgresql() -> Iterator[Database]:
    """A migrated schema on the PostgreSQL server only (for behaviour only a server has)."""
    db = _postgres_database()
    upgrade(db.engine)
    yield db
    _drop_postgres(db)


@pytest.fixture
def engine(database: Database) -> Engine:
    """The engine of :func:`database`."""
    return database.engine
