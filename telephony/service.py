"""The call logger's core: events in, raw events and finished call records out.

Transport-free: the supervisor feeds it messages from the AMI client, a test
or a benchmark feeds it parsed captures. Each :meth:`CallLogger.flush` writes
the pending raw events and the calls that finished, in one transaction, so a
crash loses nothing that was flushed and a replay stores nothing twice.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Connection, Engine

from telephony import store
from telephony.builder import BuildOptions, build_call
from telephony.names import Ev, H
from telephony.protocol import AmiMessage
from telephony.record import CallRecord
from telephony.recordings import PendingRecordings, RecordingLocator
from telephony.tracker import ActiveCall, CallTracker, is_kept
from telephony.writer import BatchWriter, WriteBatch

log = logging.getLogger(__name__)
RECENTLY_FINISHED = 10_000


@dataclass(slots=True)
class FlushStats:
    """What one flush wrote."""

    events: int = 0
    calls: int = 0


@dataclass(slots=True)
class LoggerCounters:
    """Running totals, for progress bars and logs."""

    received: int = 0
    kept: int = 0
    calls: int = 0
    rebuilt: int = 0
    build_errors: int = 0


class CallLogger:
    """Turns a stream of AMI events into stored raw events and call records."""

    def __init__(
        self,
        engine: Engine,
        *,
        grace: float = 2.0,
        build_options: BuildOptions | None = None,
        recordings: RecordingLocator | None = None,
        recording_wait_seconds: float = 60.0,
        dead_letter: Path | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(tz=UTC),
    ) -> None:
        self.engine = engine
        self.tracker = CallTracker(grace=grace)
        self.options = build_options or BuildOptions()
        self.recordings = recordings
        self.pending_recordings = (
            PendingRecordings(recordings, recording_wait_seconds) if recordings else None
        )
        self.clock = clock
        self.counters = LoggerCounters()
        self._pending_raw: list[store.RawRow] = []
        self._rebuild: set[str] = set()
        self._finished: OrderedDict[str, None] = OrderedDict()
        self._agent_names: dict[str, str] = {}
        self._warned_no_timestamp = False
        self.writer = BatchWriter(engine, self._rebuild_from_store, dead_letter=dead_letter)

    # -- intake ---------------------------------------------------------------------------------
    def handle(self, messages: Iterable[AmiMessage], source: str = "ami") -> None:
        """Take events (responses and banners are ignored); nothing is written until :meth:`flush`."""
        received_at = self.clock().timestamp()
        for message in messages:
            if message.kind != "event":
                continue
            self.counters.received += 1
            if not is_kept(message):
                continue
            self._take(message, received_at, source)

    def _take(self, event: AmiMessage, received_at: float, source: str) -> None:
        if event.timestamp is None:
            self._warn_no_timestamp()
        self._learn_agent(event)
        linkedid = self.tracker.linkedid_of(event) or self._stored_linkedid(event)
        self.counters.kept += 1
        row = store.raw_row(event, linkedid, received_at, source)
        self._pending_raw.append(row)
        if linkedid is None:
            return
        if linkedid not in self.tracker.calls and self._is_finished(linkedid, event):
            self._rebuild.add(linkedid)  # a late event of a call already stored
            return
        self.tracker.add(event, linkedid, row[0])

    def _stored_linkedid(self, event: AmiMessage) -> str | None:
        """For a ``Cdr`` (no Linkedid, only its channel) of a call stored before this process started."""
        uniqueid = event.get(H.CDR_UNIQUEID) or event.get(H.UNIQUEID)
        if not uniqueid:
            return None
        self.writer.wait()  # the call may be in a batch not written yet
        with self.engine.connect() as connection:
            return store.linkedid_of_channel(connection, uniqueid)

    def _is_finished(self, linkedid: str, event: AmiMessage) -> bool:
        if event.name == Ev.NEWCHANNEL:
            return False
        if linkedid in self._finished:
            return True
        with self.engine.connect() as connection:
            return store.call_exists(connection, linkedid)

    def _learn_agent(self, event: AmiMessage) -> None:
        name, interface = event.get(H.MEMBER_NAME), event.get(H.INTERFACE)
        if name and interface:
            self._agent_names[interface] = name

    def _warn_no_timestamp(self) -> None:
        if not self._warned_no_timestamp:
            log.error(
                "AMI events carry no Timestamp header: set 'timestampevents = yes' in Asterisk's "
                "manager.conf [general]; events without it cannot be timed and are not used for call records"
            )
            self._warned_no_timestamp = True

    # -- output ---------------------------------------------------------------------------------
    def flush(
        self, *, everything_ended: bool = False, now: float | None = None, wait: bool = True
    ) -> FlushStats:
        """Write pending raw events and every finished call, in one transaction.

        With ``wait=False`` the batch is handed to the background writer and the
        caller goes back to reading; :meth:`wait` (or the next waiting flush) makes sure it landed.
        """
        finished = self.tracker.pop_finished(now=now, everything_ended=everything_ended)
        rows, self._pending_raw = self._pending_raw, []
        rebuild, self._rebuild = self._rebuild, set()
        arrived = self.pending_recordings.arrived() if self.pending_recordings else []
        records = [record for call in finished if (record := self._build(call.linkedid, call.events))]
        batch = WriteBatch(
            rows, records, self.clock(), rebuild - {call.linkedid for call in finished}, arrived
        )
        if not batch.empty():
            self.writer.submit(batch)
        for call in finished:
            self._mark_finished(call)
        self.counters.calls += len(finished)
        if wait:
            self.writer.wait()
        return FlushStats(events=len(rows), calls=len(records))

    def wait(self) -> None:
        """Block until everything flushed so far is in the database."""
        self.writer.wait()

    def close(self) -> None:
        """Write what is pending and stop the background writer."""
        self.writer.close()

    def _rebuild_from_store(self, connection: Connection, linkedids: set[str]) -> list[CallRecord]:
        records = []
        for linkedid in sorted(linkedids):
            record = self._build(linkedid, store.load_call_events(connection, linkedid))
            if record is not None:
                records.append(record)
                self.counters.rebuilt += 1
        return records

    def _build(self, linkedid: str, events: list[AmiMessage]) -> CallRecord | None:
        try:
            record = build_call(linkedid, events, replace(self.options, agent_names=dict(self._agent_names)))
        except Exception:
            # One bad call must never stop the logger; its raw events stay stored for a rebuild.
            log.exception("could not build call %s from %d events", linkedid, len(events))
            self.counters.build_errors += 1
            return None
        return self._locate_recording(record)

    def _locate_recording(self, record: CallRecord) -> CallRecord:
        if self.recordings is None or not record.recording_path:
            return record
        reported = record.recording_path
        record.recording_status = self.recordings.status(reported)
        local = self.recordings.resolve(reported)
        if record.recording_status == "outside_root":
            log.warning(
                "call %s: recording path %r is outside the recordings root",
                record.linkedid,
                record.recording_path,
            )
        elif local is not None:
            record.recording_path = str(local)
        if record.recording_status == "missing" and self.pending_recordings is not None:
            self.pending_recordings.add(record.linkedid, reported)
        return record

    def _mark_finished(self, call: ActiveCall) -> None:
        self._finished[call.linkedid] = None
        while len(self._finished) > RECENTLY_FINISHED:
            self._finished.popitem(last=False)

    # -- recovery -------------------------------------------------------------------------------
    def restore(self) -> int:
        """Reload the calls that were in progress when the logger last stopped; returns how many."""
        with self.engine.connect() as connection:
            linkedids = store.unfinished_linkedids(connection)
            for linkedid in linkedids:
                for digest, event in store.load_call_events_with_digests(connection, linkedid):
                    self._learn_agent(event)
                    self.tracker.add(event, linkedid, digest)
        return len(linkedids)

    def pending_events(self) -> int:
        """Raw events taken but not yet flushed."""
        return len(self._pending_raw)
