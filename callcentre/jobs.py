"""The job queue, in the database: enqueue, claim with a lease, heartbeat, finish, retry.

Workers on any number of hosts share one PostgreSQL: a claim is one
``UPDATE ... WHERE id = (SELECT ... FOR UPDATE SKIP LOCKED) RETURNING``, so two
workers never take the same job and never wait for each other. On SQLite the
same statement is atomic because SQLite runs one writer at a time (the
``FOR UPDATE SKIP LOCKED`` clause is simply not emitted there).

A claimed job carries a lease; the worker extends it with heartbeats. A job
whose worker died is claimable again once its lease has expired. Finishing is
conditional on still owning the job (same worker, same attempt), and happens
in the same transaction as the job's result, so a job's result is written
exactly once even when a slow worker's lease was taken over.
"""

from __future__ import annotations

import logging
import os
import socket
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import JSON, Connection, Integer, String, Text, and_, func, insert, or_, select, update
from sqlalchemy.orm import Mapped, mapped_column

from callcentre.db import Base, BigId, UTCDateTime

log = logging.getLogger(__name__)

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"


class Job(Base):
    """One unit of background work on one subject (a call's Linkedid)."""

    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(String(64), index=True)
    state: Mapped[str] = mapped_column(String(16), default=QUEUED)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=5)
    run_after: Mapped[datetime] = mapped_column(UTCDateTime)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    worker: Mapped[str | None] = mapped_column(String(128))
    last_error: Mapped[str | None] = mapped_column(Text)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


@dataclass(frozen=True, slots=True)
class Claim:
    """A job this worker holds: finishing it needs the same worker and attempt."""

    id: int
    kind: str
    subject: str
    attempt: int
    worker: str
    payload: dict[str, Any]


def worker_name() -> str:
    """``host:pid``, so an operator can tell which process holds a job."""
    return f"{socket.gethostname()}:{os.getpid()}"


def _now() -> datetime:
    return datetime.now(tz=UTC)


def enqueue(connection: Connection, kind: str, subject: str, payload: dict[str, Any] | None = None) -> bool:
    """Queue ``kind`` for ``subject`` unless one is already queued or running; True if queued now."""
    pending = select(Job.id).where(Job.kind == kind, Job.subject == subject, Job.state.in_([QUEUED, RUNNING]))
    if connection.execute(pending.limit(1)).first() is not None:
        return False
    now = _now()
    connection.execute(
        insert(Job).values(
            kind=kind,
            subject=subject,
            state=QUEUED,
            attempts=0,
            max_attempts=5,
            run_after=now,
            payload=payload or {},
            created_at=now,
        )
    )
    return True


def claim(connection: Connection, kinds: list[str], worker: str, lease_seconds: float) -> Claim | None:
    """Take the oldest runnable job of ``kinds`` (queued and due, or running with an expired lease)."""
    now = _now()
    runnable = or_(
        and_(Job.state == QUEUED, Job.run_after <= now),
        and_(Job.state == RUNNING, Job.lease_until < now),
    )
    oldest = (
        select(Job.id)
        .where(Job.kind.in_(kinds), runnable)
        .order_by(Job.id)
        .limit(1)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    statement = (
        update(Job)
        .where(Job.id == oldest)
        .values(
            state=RUNNING,
            worker=worker,
            attempts=Job.attempts + 1,
            lease_until=now + timedelta(seconds=lease_seconds),
        )
        .returning(Job.id, Job.kind, Job.subject, Job.attempts, Job.payload)
    )
    row = connection.execute(statement).first()
    if row is None:
        return None
    return Claim(row.id, row.kind, row.subject, row.attempts, worker, row.payload or {})


def _owned(claim: Claim) -> Any:
    return and_(
        Job.id == claim.id, Job.worker == claim.worker, Job.attempts == claim.attempt, Job.state == RUNNING
    )


def heartbeat(connection: Connection, claim: Claim, lease_seconds: float) -> bool:
    """Extend the lease; False if the job is no longer ours (the lease expired and another took it)."""
    result = connection.execute(
        update(Job).where(_owned(claim)).values(lease_until=_now() + timedelta(seconds=lease_seconds))
    )
    return result.rowcount == 1


def finish(connection: Connection, claim: Claim) -> bool:
    """Mark the job done, in the caller's transaction; False (write nothing else!) if no longer ours."""
    result = connection.execute(
        update(Job)
        .where(_owned(claim))
        .values(state=DONE, finished_at=_now(), lease_until=None, last_error=None)
    )
    return result.rowcount == 1


def fail(
    connection: Connection, claim: Claim, error: str, *, retry: bool, backoff_seconds: float = 30.0
) -> str:
    """Record a failure: back to the queue after a back-off, or ``failed`` for good. Returns the new state."""
    job = connection.execute(select(Job.attempts, Job.max_attempts).where(_owned(claim))).first()
    if job is None:
        return "lost"
    exhausted = job.attempts >= job.max_attempts
    state = QUEUED if retry and not exhausted else FAILED
    delay = backoff_seconds * 2 ** (job.attempts - 1)
    connection.execute(
        update(Job)
        .where(_owned(claim))
        .values(
            state=state,
            last_error=error[:4000],
            lease_until=None,
            run_after=_now() + timedelta(seconds=delay),
            finished_at=_now() if state == FAILED else None,
        )
    )
    return state


def release(connection: Connection, claim: Claim) -> None:
    """Give the job back untouched (a worker shutting down mid-job); the attempt does not count."""
    connection.execute(
        update(Job)
        .where(_owned(claim))
        .values(state=QUEUED, lease_until=None, worker=None, attempts=Job.attempts - 1, run_after=_now())
    )


def requeue(connection: Connection, kind: str, subject: str) -> bool:
    """Run ``kind`` for ``subject`` again (re-transcribe, re-score); a no-op if one is pending."""
    return enqueue(connection, kind, subject)


def counts(connection: Connection) -> dict[tuple[str, str], int]:
    """Jobs per (kind, state), for status displays."""
    rows = connection.execute(select(Job.kind, Job.state, func.count()).group_by(Job.kind, Job.state))
    return {(kind, state): int(count) for kind, state, count in rows}
