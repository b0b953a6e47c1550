"""``callcentre dialer`` as a user runs it: a process, the simulator as Asterisk, SIGTERM to stop."""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

from sqlalchemy import Engine

from callcentre.db import make_engine
from telephony.simulator import SimConfig, SimulatorThread
from tests.dialer.helpers import Account, attempts, make_campaign
from tests.test_cli import CALLCENTRE, ok, process_env

#: Any time of day: the window is opened wide so the test does not depend on when CI runs.
ALWAYS = {"CALLCENTRE_DIALER_WINDOW": "daily 00:00-24:00", "CALLCENTRE_DIALER_HOLIDAYS_COUNTRY": ""}


def _dialer(data_dir: Path, port: int, **env: str) -> subprocess.Popen[str]:
    command = [str(CALLCENTRE), "dialer", "--ami-host", "127.0.0.1", "--ami-port", str(port)]
    return subprocess.Popen(
        command,
        env=process_env(data_dir, CALLCENTRE_AMI_SECRET="s3cret", **env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _until(engine: Engine, process: subprocess.Popen[str], count: int) -> None:
    deadline = time.monotonic() + 60
    while len([a for a in attempts(engine) if a.state not in ("placing", "ringing")]) < count:
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the dialer placed nothing in 60 s"
        time.sleep(0.1)


def test_dialer_command_dials_the_campaign_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    ok(tmp_path, "db", "upgrade")
    engine = make_engine(f"sqlite:///{tmp_path / 'callcentre.db'}")
    make_campaign(engine, [Account("5101", ["+27821110000"]), Account("5102", ["+27821110007"])])
    simulator = SimulatorThread(SimConfig(username="callcentre", secret="s3cret", speed=40.0))
    _host, port = simulator.start()
    try:
        process = _dialer(tmp_path, port, **ALWAYS)
        try:
            _until(engine, process, 2)
            process.send_signal(signal.SIGTERM)
            stdout, stderr = process.communicate(timeout=30)
        finally:
            if process.poll() is None:
                process.kill()
    finally:
        simulator.stop()
    assert process.returncode == 0, stdout + stderr
    assert sorted(a.state for a in attempts(engine)) == ["answered", "busy"]
    assert "stopped: 2 dials placed" in stderr


def test_a_broken_calling_window_is_refused_naming_the_setting(tmp_path: Path) -> None:
    ok(tmp_path, "db", "upgrade")
    process = _dialer(tmp_path, 1, CALLCENTRE_DIALER_WINDOW="mon-fri 8am-8pm")
    _stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 1
    assert "dialer.window" in stderr and "8am" in stderr
