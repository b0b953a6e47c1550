"""Writing the logger's batches on a background thread, in order, surviving database outages.

Reading AMI never waits for the database: the logger prepares a batch (raw
events, built call records) and hands it here. Batches are written one at a
time, in order, each in one transaction. If the database goes away, the batch
is retried with back-off until it comes back; meanwhile at most
``max_pending`` batches wait, after which ``submit`` blocks, so the AMI socket
stops being read and TCP holds Asterisk back rather than events being dropped.
A batch the database rejects for good (a bug or impossible data) is written to
a dead-letter file, never silently lost.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from callcentre import jobs
from telephony import store
from telephony.record import CallRecord

log = logging.getLogger(__name__)

Rebuild = Callable[[Connection, set[str]], list[CallRecord]]
#: The job the transcription workers take for every recorded call.
TRANSCRIBE = "transcribe"


@dataclass(slots=True)
class WriteBatch:
    """Everything one transaction writes."""

    raw: list[store.RawRow]
    records: list[CallRecord]
    built_at: datetime
    rebuild: set[str] = field(default_factory=set)
    arrived: list[tuple[str, str]] = field(default_factory=list)

    def empty(self) -> bool:
        return not (self.raw or self.records or self.rebuild or self.arrived)


def is_transient(exc: BaseException) -> bool:
    """A database error worth retrying: the server or the connection went away."""
    if isinstance(exc, OperationalError | InterfaceError):
        return True
    return isinstance(exc, DBAPIError) and bool(exc.connection_invalidated)


class BatchWriter:
    """One background thread writing :class:`WriteBatch` es in submission order."""

    def __init__(
        self,
        engine: Engine,
        rebuild: Rebuild,
        *,
        max_pending: int = 4,
        retry_initial: float = 0.5,
        retry_max: float = 30.0,
        dead_letter: Path | None = None,
    ) -> None:
        self.engine = engine
        self.rebuild = rebuild
        self.retry_initial, self.retry_max = retry_initial, retry_max
        self.dead_letter = dead_letter
        self.failures = 0
        self._queue: queue.Queue[WriteBatch | None] = queue.Queue(max_pending)
        self._thread = threading.Thread(target=self._run, name="call-logger-writer", daemon=True)
        self._thread.start()

    def submit(self, batch: WriteBatch) -> None:
        """Queue ``batch``; blocks while ``max_pending`` batches are already waiting."""
        self._queue.put(batch)

    def wait(self) -> None:
        """Return once every submitted batch is written (or dead-lettered)."""
        self._queue.join()

    def close(self) -> None:
        """Write what is queued, then stop the thread."""
        self._queue.put(None)
        self._thread.join()

    def _run(self) -> None:
        while (batch := self._queue.get()) is not None:
            try:
                self._write_until_done(batch)
            finally:
                self._queue.task_done()
        self._queue.task_done()

    def _write_until_done(self, batch: WriteBatch) -> None:
        delay = self.retry_initial
        while True:
            try:
                self._write(batch)
                return
            except Exception as exc:
                if not is_transient(exc):
                    self._bury(batch, exc)
                    return
                self.failures += 1
                log.error(
                    "database unavailable (%s); retrying this batch in %.1f s", exc.__class__.__name__, delay
                )
                time.sleep(delay)
                delay = min(delay * 2, self.retry_max)

    def _write(self, batch: WriteBatch) -> None:
        with self.engine.begin() as connection:
            for linkedid, status in batch.arrived:
                store.set_recording_status(connection, linkedid, status)
            store.append_raw(connection, batch.raw)
            records = list(batch.records)
            if batch.rebuild:
                records += self.rebuild(connection, batch.rebuild)
            store.replace_calls(connection, records, built_at=batch.built_at)
            # In the same transaction: a stored call with a recording always has its job, exactly once.
            recorded = [record.linkedid for record in records if record.recording_status == "present"]
            recorded += [linkedid for linkedid, status in batch.arrived if status == "present"]
            for linkedid in recorded:
                jobs.enqueue(connection, TRANSCRIBE, linkedid)

    def _bury(self, batch: WriteBatch, exc: BaseException) -> None:
        """Keep a batch the database refuses, so its events can be replayed once the cause is fixed."""
        log.exception(
            "the database refused a batch of %d events and %d calls", len(batch.raw), len(batch.records)
        )
        if self.dead_letter is None:
            return
        self.dead_letter.parent.mkdir(parents=True, exist_ok=True)
        with self.dead_letter.open("a", encoding="utf-8") as out:
            for row in batch.raw:
                out.write(json.dumps({"error": str(exc)[:500], "frame": row[-1]}) + "\n")
        log.error(
            "its raw frames were appended to %s (replay them with `callcentre replay`)", self.dead_letter
        )
