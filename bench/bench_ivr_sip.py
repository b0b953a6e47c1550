"""Concurrent IVR calls per process on the pyVoIP SIP endpoint, driven by SIPp over loopback.

SIPp (registrar + caller, as in tests/ivr/test_sip_endpoint.py) places N simultaneous calls that walk
the shipped menu: English, report a water fault, meter number, confirm, hear the reference read back
twice, then ``0`` for the faults desk (AMI Setvar + Redirect to a fake AMI peer). A run passes when
every call completes correctly (SIPp reports no failed call; every session stored as transferred to
``faults`` with its service request and reference) and fewer than 1 % of the RTP packets the endpoint
sent were late by more than 20 ms (a packet leaving more than 20 ms after its predecessor's send
time + 20 ms; send times measured at the endpoint's RTP socket). N = 5, 10, 20, 40, ... until a run
fails; the result is the largest N that passed. Writes bench/results/ivr_sip.json.

    python -m bench.bench_ivr_sip                 # 5, 10, 20, 40, ... up to failure
    python -m bench.bench_ivr_sip --max 40        # stop at 40
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from callcentre.db import make_engine
from callcentre.schema import upgrade
from ivr.models import IvrSession, ServiceRequest
from tests.ivr.test_sip_endpoint import SIPP, run_calls

RESULTS = Path(__file__).parent / "results" / "ivr_sip.json"


def one_run(calls: int) -> dict[str, Any]:
    """N simultaneous calls against a fresh endpoint and database; what happened."""
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        engine = make_engine(f"sqlite:///{tmp / 'bench.db'}")
        upgrade(engine)
        started = time.monotonic()
        endpoint, ami, code = run_calls(engine, "water_fault.xml", tmp, calls)
        seconds = time.monotonic() - started
        with Session(engine) as db:
            requests = db.scalar(select(func.count()).select_from(ServiceRequest)) or 0
            good = (
                db.scalar(
                    select(func.count())
                    .select_from(IvrSession)
                    .where(IvrSession.outcome == "transferred", IvrSession.queue == "faults")
                    .where(IvrSession.reference.is_not(None))
                )
                or 0
            )
        engine.dispose()
    packets = sum(r.packets for r in endpoint.reports)
    late = sum(r.late for r in endpoint.reports)
    redirects = len(ami.named("Redirect"))
    correct = code == 0 and len(endpoint.reports) == calls and requests == calls and good == calls
    correct = correct and redirects == calls
    late_share = late / packets if packets else 1.0
    return {
        "calls": calls,
        "sipp_exit_code": code,
        "sessions_reported": len(endpoint.reports),
        "service_requests": requests,
        "sessions_transferred_with_reference": good,
        "ami_redirects": redirects,
        "rtp_packets_sent": packets,
        "rtp_packets_late": late,
        "late_share": round(late_share, 5),
        "largest_gap_ms": round(1000 * max((r.max_gap for r in endpoint.reports), default=0.0), 1),
        "wall_seconds": round(seconds, 1),
        "passed": correct and late_share < 0.01,
    }


def main() -> None:
    """Run N = 5, 10, 20, 40, ... until a run fails; write the results."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--max", type=int, default=640, help="largest N to try")
    args = parser.parse_args()
    if SIPP is None:
        raise SystemExit("sipp is not installed (Debian package sip-tester)")
    runs: list[dict[str, Any]] = []
    calls = 5
    while calls <= args.max:
        run = one_run(calls)
        runs.append(run)
        print(json.dumps(run), flush=True)
        if not run["passed"]:
            break
        calls = 10 if calls == 5 else calls * 2
    passed = [r["calls"] for r in runs if r["passed"]]
    result = {
        "benchmark": "pyVoIP SIP endpoint: simultaneous IVR calls per process (SIPp over loopback)",
        "criterion": "every call correct and < 1% of sent RTP packets late by > 20 ms",
        "largest_passing_n": max(passed, default=0),
        "runs": runs,
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "pyvoip": "1.6.8",
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(f"largest N passing: {result['largest_passing_n']} -> {RESULTS}")


if __name__ == "__main__":
    main()
