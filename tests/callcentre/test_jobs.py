"""The job queue and runner on SQLite and PostgreSQL: racing workers, dead workers, retries."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, text, update

from callcentre import jobs
from callcentre.worker import JobRunner, PermanentJobError


class Recorder:
    """A kind of job whose result is one row per completion, so duplicates would show."""

    kind = "record"

    def __init__(self, delay: float = 0.0, fail_times: int = 0, permanent: bool = False) -> None:
        self.delay, self.fail_times, self.permanent = delay, fail_times, permanent
        self.calls = 0

    def prepare(self, claim: jobs.Claim) -> str:
        self.calls += 1
        time.sleep(self.delay)
        if self.permanent:
            raise PermanentJobError(f"recording for {claim.subject} is not a WAV file")
        if self.calls <= self.fail_times:
            raise RuntimeError("transient trouble")
        return f"result of {claim.subject}"

    def commit(self, connection: Connection, claim: jobs.Claim, result: Any) -> None:
        connection.execute(
            text("INSERT INTO job_results (subject, result) VALUES (:s, :r)"),
            {"s": claim.subject, "r": result},
        )


def results_table(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE job_results (subject VARCHAR(64), result VARCHAR(128))"))


def results(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        return sorted(row[0] for row in connection.execute(text("SELECT subject FROM job_results")))


def enqueue_many(engine: Engine, count: int) -> None:
    with engine.begin() as connection:
        for number in range(count):
            jobs.enqueue(connection, "record", f"call-{number:03d}")


def states(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {state: count for (_kind, state), count in jobs.counts(connection).items()}


def test_enqueue_is_idempotent_while_a_job_is_pending(engine: Engine) -> None:
    with engine.begin() as connection:
        assert jobs.enqueue(connection, "record", "call-1")
        assert not jobs.enqueue(connection, "record", "call-1")
    assert states(engine) == {"queued": 1}


def test_two_workers_racing_do_every_job_exactly_once(engine: Engine) -> None:
    results_table(engine)
    enqueue_many(engine, 40)
    runners = [JobRunner(engine, [Recorder(delay=0.005)], worker=f"w{n}") for n in range(2)]
    threads = [threading.Thread(target=runner.run, kwargs={"drain": True}) for runner in runners]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert results(engine) == [f"call-{number:03d}" for number in range(40)]
    assert states(engine) == {"done": 40}
    assert all(runner.stats.done > 0 for runner in runners), "both workers should have had a share"


def test_a_dead_workers_job_is_done_once_by_another_after_its_lease(engine: Engine) -> None:
    results_table(engine)
    enqueue_many(engine, 1)
    with engine.begin() as connection:
        dead = jobs.claim(connection, ["record"], "dead-worker", lease_seconds=60)
    assert dead is not None
    with engine.begin() as connection:  # the dead worker's lease runs out
        connection.execute(update(jobs.Job).values(lease_until=datetime.now(tz=UTC) - timedelta(seconds=1)))
    JobRunner(engine, [Recorder()], worker="alive").run(drain=True)
    with engine.begin() as connection:  # the dead worker wakes up and tries to finish: refused
        assert not jobs.finish(connection, dead)
    assert results(engine) == ["call-000"]
    assert states(engine) == {"done": 1}


def test_failures_are_retried_with_backoff_then_marked_failed_with_the_error(engine: Engine) -> None:
    results_table(engine)
    enqueue_many(engine, 1)
    flaky = Recorder(fail_times=1)
    runner = JobRunner(engine, [flaky], retry_backoff_seconds=0.0)
    runner.run(drain=True)
    assert (flaky.calls, results(engine), runner.stats.retried) == (2, ["call-000"], 1)

    enqueue_many(engine, 1)  # call-000 again: a re-run
    broken = JobRunner(engine, [Recorder(permanent=True)])
    broken.run(drain=True)
    with engine.connect() as connection:
        job = connection.execute(jobs.Job.__table__.select().where(jobs.Job.state == jobs.FAILED)).one()
    assert job.last_error == "recording for call-000 is not a WAV file" and broken.stats.failed == 1


def test_a_worker_stopped_mid_job_releases_it_for_the_next(engine: Engine) -> None:
    results_table(engine)
    enqueue_many(engine, 1)

    class Interrupted(Recorder):
        def prepare(self, claim: jobs.Claim) -> str:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        JobRunner(engine, [Interrupted()]).run(drain=True)
    assert states(engine) == {"queued": 1}
    JobRunner(engine, [Recorder()]).run(drain=True)
    assert results(engine) == ["call-000"]


def test_heartbeats_keep_a_long_job_from_being_taken(engine: Engine) -> None:
    results_table(engine)
    enqueue_many(engine, 1)
    slow = JobRunner(engine, [Recorder(delay=1.5)], lease_seconds=0.6, worker="slow")
    thread = threading.Thread(target=slow.run, kwargs={"drain": True})
    thread.start()
    time.sleep(0.9)  # past the first lease: only the heartbeat keeps it
    thief = JobRunner(engine, [Recorder()], worker="thief").run(drain=True)
    thread.join(10)
    assert thief.done == 0 and slow.stats.done == 1 and results(engine) == ["call-000"]
