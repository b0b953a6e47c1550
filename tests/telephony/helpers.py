"""Test helpers: feed captures through the real logger and read back what it stored."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, selectinload

from telephony.models import Call, RawEvent
from telephony.protocol import parse
from telephony.recordings import RecordingLocator
from telephony.service import CallLogger
from tests.conftest import CAPTURES


def replay(
    engine: Engine, data: bytes, *, chunk: int = 4096, recordings: RecordingLocator | None = None
) -> CallLogger:
    """Parse ``data`` in ``chunk``-byte reads, as a socket would deliver it, and log every call."""
    logger = CallLogger(engine, recordings=recordings)
    leftover, discarding = b"", False
    for start in range(0, len(data), chunk):
        result = parse(leftover + data[start : start + chunk], discarding=discarding)
        leftover, discarding = result.leftover, result.discarding
        logger.handle(result.messages)
        logger.flush()
    logger.flush(everything_ended=True)
    return logger


def stored_calls(engine: Engine) -> list[Call]:
    """Every call record with its legs, queue visits, holds and transfers, by start time."""
    with Session(engine) as session:
        query = (
            select(Call)
            .options(
                selectinload(Call.legs),
                selectinload(Call.queue_visits),
                selectinload(Call.holds),
                selectinload(Call.transfers),
            )
            .order_by(Call.start_time)
        )
        return list(session.scalars(query))


def raw_event_count(engine: Engine) -> int:
    with Session(engine) as session:
        return int(session.scalar(select(func.count()).select_from(RawEvent)) or 0)


@dataclass(frozen=True)
class CdrRow:
    uniqueid: str
    start: datetime
    end: datetime
    disposition: str
    dstchannel: str


def cdr_rows(scenario: str, folder: Path = CAPTURES) -> list[CdrRow]:
    """Asterisk's own CDR rows shipped beside a capture (times are UTC: the PBX ran in UTC)."""
    with (folder / f"{scenario}.cdr.csv").open(newline="") as stream:
        return [
            CdrRow(
                row["uniqueid"], _utc(row["start"]), _utc(row["end"]), row["disposition"], row["dstchannel"]
            )
            for row in csv.DictReader(stream)
        ]


def _utc(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
