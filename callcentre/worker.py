"""The job runner: claim, work, finish — with heartbeats, retries and a graceful stop.

A handler does its heavy work in :meth:`JobHandler.prepare`, outside any
transaction (decoding audio can take a minute), then writes its result in
:meth:`JobHandler.commit`, inside the transaction that marks the job done —
which only succeeds while this worker still owns the job. So a result is
written exactly once, even if this worker was too slow and its lease passed
to another.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import Connection, Engine

from callcentre import jobs

log = logging.getLogger(__name__)


class PermanentJobError(Exception):
    """The job cannot succeed by trying again (a corrupt recording): fail it now, with this message."""


class JobHandler(Protocol):
    """What a kind of job does."""

    kind: str

    def prepare(self, claim: jobs.Claim) -> Any:
        """Do the work; raise :class:`PermanentJobError` for input that will never work."""

    def commit(self, connection: Connection, claim: jobs.Claim, result: Any) -> None:
        """Write the result (and any follow-up jobs) in the finishing transaction."""


@dataclass(slots=True)
class RunnerStats:
    done: int = 0
    failed: int = 0
    retried: int = 0
    lost: int = 0


class JobRunner:
    """Runs handlers' jobs from the database until stopped (or, with ``drain``, until none are left)."""

    def __init__(
        self,
        engine: Engine,
        handlers: Sequence[JobHandler],
        *,
        lease_seconds: float = 120.0,
        poll_seconds: float = 1.0,
        retry_backoff_seconds: float = 30.0,
        worker: str | None = None,
        on_done: Callable[[jobs.Claim], None] | None = None,
    ) -> None:
        self.engine = engine
        self.handlers = {handler.kind: handler for handler in handlers}
        self.lease_seconds = lease_seconds
        self.poll_seconds = poll_seconds
        self.retry_backoff_seconds = retry_backoff_seconds
        self.worker = worker or jobs.worker_name()
        self.on_done = on_done
        self.stats = RunnerStats()
        self.stop = threading.Event()

    def run(self, *, drain: bool = False) -> RunnerStats:
        """Work until :attr:`stop` is set; with ``drain``, also return once no job is runnable."""
        while not self.stop.is_set():
            claim = self._claim()
            if claim is None:
                if drain:
                    break
                self.stop.wait(self.poll_seconds)
                continue
            self.run_one(claim)
        return self.stats

    def _claim(self) -> jobs.Claim | None:
        with self.engine.begin() as connection:
            return jobs.claim(connection, list(self.handlers), self.worker, self.lease_seconds)

    def run_one(self, claim: jobs.Claim) -> None:
        """Work one claimed job to done, retry or failure; never raises."""
        handler = self.handlers[claim.kind]
        beat = _Heartbeat(self.engine, claim, self.lease_seconds)
        beat.start()
        try:
            result = handler.prepare(claim)
        except PermanentJobError as exc:
            self._fail(claim, str(exc), retry=False)
            return
        except KeyboardInterrupt:
            self._release(claim)  # stopped mid-job: hand it back at once rather than at lease expiry
            raise
        except Exception as exc:
            log.exception("%s job %d (%s) failed", claim.kind, claim.id, claim.subject)
            self._fail(claim, f"{type(exc).__name__}: {exc}", retry=True)
            return
        finally:
            beat.stop()
        self._finish(handler, claim, result)

    def _finish(self, handler: JobHandler, claim: jobs.Claim, result: Any) -> None:
        with self.engine.connect() as connection, connection.begin() as transaction:
            if not jobs.finish(connection, claim):
                transaction.rollback()
                self.stats.lost += 1
                log.warning(
                    "%s job %d was taken over by another worker; this result is discarded",
                    claim.kind,
                    claim.id,
                )
                return
            handler.commit(connection, claim, result)
        self.stats.done += 1
        if self.on_done is not None:
            self.on_done(claim)

    def _release(self, claim: jobs.Claim) -> None:
        with self.engine.begin() as connection:
            jobs.release(connection, claim)
        log.info("%s job %d released for another worker", claim.kind, claim.id)

    def _fail(self, claim: jobs.Claim, error: str, *, retry: bool) -> None:
        with self.engine.begin() as connection:
            state = jobs.fail(
                connection, claim, error, retry=retry, backoff_seconds=self.retry_backoff_seconds
            )
        if state == jobs.FAILED:
            self.stats.failed += 1
            log.error("%s job %d (%s) failed for good: %s", claim.kind, claim.id, claim.subject, error)
        elif state == jobs.QUEUED:
            self.stats.retried += 1


class _Heartbeat:
    """Extends a claim's lease every third of it while the work runs."""

    def __init__(self, engine: Engine, claim: jobs.Claim, lease_seconds: float) -> None:
        self.engine, self.claim, self.lease_seconds = engine, claim, lease_seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"heartbeat-{claim.id}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self.lease_seconds / 3):
            try:
                with self.engine.begin() as connection:
                    if not jobs.heartbeat(connection, self.claim, self.lease_seconds):
                        log.warning("lost the lease on job %d", self.claim.id)
                        return
            except Exception:
                log.exception("heartbeat for job %d failed", self.claim.id)
