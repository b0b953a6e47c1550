"""Writing raw events (append-only, idempotent) and call records (delete and re-insert)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, delete, exists, insert, select
from sqlalchemy.dialects import postgresql, sqlite

from telephony.models import Call, CallLeg, Hold, QueueVisit, RawEvent, Transfer
from telephony.names import H
from telephony.protocol import AmiMessage
from telephony.record import CallRecord

CHILD_TABLES: tuple[type[Any], ...] = (CallLeg, QueueVisit, Hold, Transfer)


def event_digest(event: AmiMessage) -> str:
    """A stable identity for an event: the same frame replayed has the same digest."""
    payload = event.raw or json.dumps(event.headers).encode()
    return hashlib.blake2b(payload, digest_size=16).hexdigest()


def raw_row(
    event: AmiMessage, linkedid: str | None, received_at: datetime, source: str = "ami"
) -> dict[str, Any]:
    """The ``raw_events`` row for ``event``."""
    return {
        "digest": event_digest(event),
        "event": event.name[:64],
        "linkedid": linkedid,
        "uniqueid": event.get(H.UNIQUEID) or event.get(H.CDR_UNIQUEID),
        "pbx_time": event.timestamp,
        "received_at": received_at,
        "source": source,
        "headers": [list(pair) for pair in event.headers],
    }


def append_raw(connection: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """Insert ``rows``, skipping any whose digest is already stored."""
    if not rows:
        return
    dialect = connection.dialect.name
    if dialect == "postgresql":
        statement: Any = postgresql.insert(RawEvent).on_conflict_do_nothing(index_elements=["digest"])
    elif dialect == "sqlite":
        statement = sqlite.insert(RawEvent).on_conflict_do_nothing(index_elements=["digest"])
    else:
        raise RuntimeError(f"unsupported database {dialect!r}: use PostgreSQL or SQLite")
    connection.execute(statement, list(rows))


def message_from_headers(headers: Iterable[Sequence[str]]) -> AmiMessage:
    """Rebuild a message from its stored headers."""
    return AmiMessage(tuple((str(key), str(value)) for key, value in headers))


def load_call_events(connection: Connection, linkedid: str) -> list[AmiMessage]:
    """Every stored event of one call, in arrival order."""
    rows = connection.execute(
        select(RawEvent.headers).where(RawEvent.linkedid == linkedid).order_by(RawEvent.id)
    )
    return [message_from_headers(headers) for (headers,) in rows]


def load_call_events_with_digests(connection: Connection, linkedid: str) -> list[tuple[str, AmiMessage]]:
    """Like :func:`load_call_events`, with each event's stored digest."""
    rows = connection.execute(
        select(RawEvent.digest, RawEvent.headers).where(RawEvent.linkedid == linkedid).order_by(RawEvent.id)
    )
    return [(digest, message_from_headers(headers)) for digest, headers in rows]


def unfinished_linkedids(connection: Connection) -> list[str]:
    """Calls with stored events but no call record: in progress when the logger stopped."""
    has_call = exists().where(Call.linkedid == RawEvent.linkedid)
    rows = connection.execute(
        select(RawEvent.linkedid).where(RawEvent.linkedid.is_not(None), ~has_call).distinct()
    )
    return [linkedid for (linkedid,) in rows if linkedid is not None]


def call_exists(connection: Connection, linkedid: str) -> bool:
    """Whether a call record for ``linkedid`` is stored."""
    return connection.execute(select(Call.id).where(Call.linkedid == linkedid)).first() is not None


def replace_calls(
    connection: Connection, records: Sequence[CallRecord], built_at: datetime | None = None
) -> None:
    """Store ``records``, replacing any earlier build of the same calls (never two records for one call)."""
    if not records:
        return
    built_at = built_at or datetime.now(tz=UTC)
    linkedids = [record.linkedid for record in records]
    old_ids = select(Call.id).where(Call.linkedid.in_(linkedids)).scalar_subquery()
    for table in CHILD_TABLES:
        connection.execute(delete(table).where(table.call_id.in_(old_ids)))
    connection.execute(delete(Call).where(Call.linkedid.in_(linkedids)))
    rows = [_call_row(record, built_at) for record in records]
    ids = connection.execute(
        insert(Call).returning(Call.id, Call.linkedid, sort_by_parameter_order=True), rows
    )
    by_linkedid = {linkedid: call_id for call_id, linkedid in ids}
    _insert_children(connection, records, by_linkedid)


def _call_row(record: CallRecord, built_at: datetime) -> dict[str, Any]:
    row = {key: value for key, value in asdict(record).items() if key not in _CHILD_FIELDS}
    row["direction"] = record.direction.value
    row["disposition"] = record.disposition.value
    row["built_at"] = built_at
    return row


_CHILD_FIELDS = {"legs", "queue_visits", "holds", "transfers"}


def _insert_children(connection: Connection, records: Sequence[CallRecord], ids: dict[str, int]) -> None:
    batches: dict[type[Any], list[dict[str, Any]]] = {table: [] for table in CHILD_TABLES}
    for record in records:
        call_id = ids[record.linkedid]
        for table, items in (
            (CallLeg, record.legs),
            (QueueVisit, record.queue_visits),
            (Hold, record.holds),
            (Transfer, record.transfers),
        ):
            batches[table] += [{**asdict(item), "call_id": call_id} for item in items]
    for table, rows in batches.items():
        if rows:
            connection.execute(insert(table), rows)
