"""Writing raw events (append-only, idempotent) and call records (delete and re-insert)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import fields
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, delete, exists, insert, select, update

from telephony.models import Call, CallLeg, Hold, QueueVisit, RawEvent, Transfer
from telephony.names import H
from telephony.protocol import AmiMessage, parse
from telephony.record import CallRecord

CHILD_TABLES: tuple[type[Any], ...] = (CallLeg, QueueVisit, Hold, Transfer)


def event_digest(event: AmiMessage) -> str:
    """A stable identity for an event: the same frame replayed has the same digest."""
    return hashlib.blake2b(frame_bytes(event), digest_size=16).hexdigest()


def frame_bytes(event: AmiMessage) -> bytes:
    """The frame as received, or rebuilt from its headers for messages made in code."""
    if event.raw:
        return event.raw
    return ("".join(f"{key}: {value}\r\n" for key, value in event.headers) + "\r\n").encode()


RAW_COLUMNS = ("digest", "event", "linkedid", "uniqueid", "pbx_time", "received_at", "source", "frame")


def raw_row(event: AmiMessage, linkedid: str | None, received_at: float, source: str = "ami") -> RawRow:
    """The ``raw_events`` row for ``event``, in :data:`RAW_COLUMNS` order."""
    frame = frame_bytes(event)
    return (
        hashlib.blake2b(frame, digest_size=16).hexdigest(),
        event.name[:64],
        linkedid,
        event.get(H.UNIQUEID) or event.get(H.CDR_UNIQUEID),
        event.timestamp,
        received_at,
        source,
        frame.decode("utf-8"),
    )


RawRow = tuple[str, str, str | None, str | None, float | None, float, str, str]


def append_raw(connection: Connection, rows: Sequence[RawRow]) -> None:
    """Insert ``rows``, skipping any whose digest is already stored.

    Goes straight to the driver: this is the logger's hot path. SQLite takes an
    ``executemany`` (in-process, cheap per row); PostgreSQL takes the whole batch
    as one statement over column arrays, one round trip instead of one per row.
    """
    if not rows:
        return
    dialect = connection.dialect.name
    columns = ", ".join(RAW_COLUMNS)
    if dialect == "sqlite":
        marks = ", ".join("?" * len(RAW_COLUMNS))
        sql = f"INSERT INTO raw_events ({columns}) VALUES ({marks}) ON CONFLICT (digest) DO NOTHING"
        connection.exec_driver_sql(sql, list(rows))
    elif dialect == "postgresql":
        _append_raw_postgresql(connection, rows, columns)
    else:
        raise RuntimeError(f"unsupported database {dialect!r}: use PostgreSQL or SQLite")


_PG_STAGING = (
    "CREATE TEMPORARY TABLE IF NOT EXISTS raw_events_incoming (digest varchar(32), event varchar(64), "
    "linkedid varchar(64), uniqueid varchar(64), pbx_time float8, received_at float8, source varchar(16), "
    "frame text) ON COMMIT DELETE ROWS"
)


def _append_raw_postgresql(connection: Connection, rows: Sequence[RawRow], columns: str) -> None:
    """COPY the batch into a session-local staging table, then one INSERT ... SELECT that skips repeats.

    COPY moves rows without per-value Python work; plain COPY cannot skip rows
    that are already stored, hence the staging table (emptied at each commit).
    """
    connection.exec_driver_sql(_PG_STAGING)
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    with cursor.copy(f"COPY raw_events_incoming ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
    connection.exec_driver_sql(
        f"INSERT INTO raw_events ({columns}) SELECT {columns} FROM raw_events_incoming "
        "ORDER BY ctid ON CONFLICT (digest) DO NOTHING"
    )


def message_from_frame(frame: str) -> AmiMessage:
    """Parse a stored frame back into a message."""
    (message,) = parse(frame.encode("utf-8")).messages
    return message


def load_call_events(connection: Connection, linkedid: str) -> list[AmiMessage]:
    """Every stored event of one call, in arrival order."""
    rows = connection.execute(
        select(RawEvent.frame).where(RawEvent.linkedid == linkedid).order_by(RawEvent.id)
    )
    return [message_from_frame(frame) for (frame,) in rows]


def load_call_events_with_digests(connection: Connection, linkedid: str) -> list[tuple[str, AmiMessage]]:
    """Like :func:`load_call_events`, with each event's stored digest."""
    rows = connection.execute(
        select(RawEvent.digest, RawEvent.frame).where(RawEvent.linkedid == linkedid).order_by(RawEvent.id)
    )
    return [(digest, message_from_frame(frame)) for digest, frame in rows]


def unfinished_linkedids(connection: Connection) -> list[str]:
    """Calls with stored events but no call record: in progress when the logger stopped."""
    has_call = exists().where(Call.linkedid == RawEvent.linkedid)
    rows = connection.execute(
        select(RawEvent.linkedid).where(RawEvent.linkedid.is_not(None), ~has_call).distinct()
    )
    return [linkedid for (linkedid,) in rows if linkedid is not None]


def linkedid_of_channel(connection: Connection, uniqueid: str) -> str | None:
    """The Linkedid of the stored call one of whose legs is the channel ``uniqueid``."""
    query = (
        select(Call.linkedid).join(CallLeg, CallLeg.call_id == Call.id).where(CallLeg.uniqueid == uniqueid)
    )
    return connection.execute(query.limit(1)).scalar()


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
    _delete_calls(connection, [record.linkedid for record in records])
    rows = [_call_row(record, built_at) for record in records]
    # An executemany with RETURNING: SQLAlchemy sends it as batched multi-row INSERTs ("insertmanyvalues").
    inserted = connection.execute(
        insert(Call).returning(Call.id, Call.linkedid, sort_by_parameter_order=True), rows
    )
    _insert_children(connection, records, {linkedid: call_id for call_id, linkedid in inserted})


def _delete_calls(connection: Connection, linkedids: list[str]) -> None:
    """Delete earlier builds of these calls, if any (usually none: then it costs one query)."""
    old_ids = [row[0] for row in connection.execute(select(Call.id).where(Call.linkedid.in_(linkedids)))]
    if not old_ids:
        return
    for table in CHILD_TABLES:
        connection.execute(delete(table).where(table.call_id.in_(old_ids)))
    connection.execute(delete(Call).where(Call.id.in_(old_ids)))


def set_recording_status(connection: Connection, linkedid: str, status: str) -> None:
    """Record that a call's recording has turned up (or turned out empty)."""
    connection.execute(update(Call).where(Call.linkedid == linkedid).values(recording_status=status))


_CHILD_FIELDS = frozenset({"legs", "queue_visits", "holds", "transfers"})
_CALL_FIELDS = tuple(item.name for item in fields(CallRecord) if item.name not in _CHILD_FIELDS)


def _call_row(record: CallRecord, built_at: datetime) -> dict[str, Any]:
    # Shallow, unlike dataclasses.asdict, which deep-copies every leg: this runs once per call.
    row = {name: getattr(record, name) for name in _CALL_FIELDS}
    row["direction"] = record.direction.value
    row["disposition"] = record.disposition.value
    row["built_at"] = built_at
    return row


def _shallow(item: Any, call_id: int) -> dict[str, Any]:
    row = {name.name: getattr(item, name.name) for name in fields(item)}
    row["call_id"] = call_id
    return row


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
            batches[table] += [_shallow(item, call_id) for item in items]
    for table, rows in batches.items():
        if rows:
            connection.execute(insert(table), rows)
