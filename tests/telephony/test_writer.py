"""The background writer against a real PostgreSQL that goes away, or refuses a batch."""

from __future__ import annotations

import json
import time
from pathlib import Path

from sqlalchemy import text

from telephony.protocol import parse
from telephony.service import CallLogger
from tests.conftest import Database, capture
from tests.telephony.helpers import raw_event_count, stored_calls
from tests.telephony.test_captures_vs_cdr import EXPECTED_DISPOSITIONS


def test_a_database_outage_delays_writes_but_loses_nothing(postgresql: Database) -> None:
    logger = CallLogger(postgresql.engine)
    logger.writer.retry_initial = 0.05
    frames = parse(capture("busy_hour")).messages
    half = len(frames) // 2
    logger.handle(frames[:half])
    logger.flush()
    with postgresql.engine.connect() as blocker:
        # Hold the writer in its INSERT, then cut its connection, as a server restart would.
        blocker.execute(text("LOCK TABLE raw_events IN ACCESS EXCLUSIVE MODE"))
        logger.handle(frames[half:])
        logger.flush(everything_ended=True, wait=False)
        assert _terminate_waiting_writer(postgresql) == 1
        blocker.rollback()
    logger.wait()
    logger.close()
    assert logger.writer.failures >= 1, "the writer should have seen the outage"
    calls = stored_calls(postgresql.engine)
    assert [call.disposition for call in calls] == EXPECTED_DISPOSITIONS["busy_hour"]
    assert raw_event_count(postgresql.engine) == logger.counters.kept


def _terminate_waiting_writer(database: Database) -> int:
    with database.engine.connect() as probe:
        for _ in range(100):
            pids = list(
                probe.execute(
                    text(
                        "SELECT pid FROM pg_stat_activity "
                        "WHERE datname = current_database() AND wait_event_type = 'Lock'"
                    )
                ).scalars()
            )
            if pids:
                break
            time.sleep(0.05)
        for pid in pids:
            probe.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        return len(pids)


def test_a_batch_the_database_refuses_is_kept_in_the_dead_letter_file(
    postgresql: Database, tmp_path: Path
) -> None:
    database = postgresql
    dead = tmp_path / "dead-letter.jsonl"
    logger = CallLogger(database.engine, dead_letter=dead)
    with database.engine.begin() as connection:
        connection.execute(text("ALTER TABLE raw_events RENAME TO raw_events_gone"))
    logger.handle(parse(capture("inbound_answered")).messages)
    logger.flush(everything_ended=True)
    logger.close()
    lines = [json.loads(line) for line in dead.read_text().splitlines()]
    assert len(lines) == logger.counters.kept
    assert "raw_events" in lines[0]["error"] and lines[0]["frame"].startswith("Event: ")
