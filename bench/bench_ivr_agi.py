"""FastAGI throughput: sessions per second and concurrent sessions on one process (SQLite database).

Each session is a full water-fault call (language, fault, water, meter number, confirm, reference read
back twice, goodbye) played by the test AGI client over real TCP sockets; every session must end
with a HANGUP after its own reference was read back, and be stored. Writes bench/results/ivr_agi.json.
"""

from __future__ import annotations

import json
import platform
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from callcentre.db import make_engine
from callcentre.schema import upgrade
from callcentre.settings import IvrSettings
from ivr.agi import AgiServer
from ivr.backend import DatabaseBackend
from ivr.engine import Engine
from ivr.menu_loader import load_menu
from ivr.models import IvrSession
from ivr.store import SessionStore
from telephony.simulator.agi_caller import AgiPeer

CALL = "1" + "1" + "1" + "20456#" + "1" + "2"


def run(concurrency: int, sessions: int, folder: Path) -> dict[str, float | int]:
    engine = make_engine(f"sqlite:///{folder / f'bench-{concurrency}.db'}")
    upgrade(engine)
    settings = IvrSettings(agi_timeout=60)
    server = AgiServer(
        ("127.0.0.1", 0),
        Engine(load_menu()),
        DatabaseBackend(engine, settings),
        SessionStore(engine),
        settings,
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    port = int(server.server_address[1])
    peers = [AgiPeer(port, CALL, uniqueid=f"b.{n}", linkedid=f"b.{n}") for n in range(sessions)]
    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        done = list(pool.map(lambda peer: peer.run(120), peers))
    seconds = time.perf_counter() - started
    server.shutdown()
    server.server_close()
    ok = sum(1 for p in done if p.commands and p.commands[-1] == "HANGUP" and len(p.said_digits()) == 7)
    with Session(engine) as db:
        stored = db.scalar(select(func.count()).select_from(IvrSession)) or 0
    engine.dispose()
    return {
        "concurrency": concurrency,
        "sessions": sessions,
        "completed_ok": ok,
        "stored": stored,
        "seconds": round(seconds, 3),
        "sessions_per_second": round(sessions / seconds, 1),
        "agi_commands_per_session": len(done[0].commands),
    }


def main() -> None:
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for concurrency in (1, 50, 100, 200, 400):
            result = run(concurrency, max(200, 2 * concurrency), Path(tmp))
            print(result, flush=True)
            results.append(result)
    good = [r for r in results if r["completed_ok"] == r["sessions"] == r["stored"]]
    out = {
        "benchmark": "FastAGI sessions (full water-fault call, test AGI client over loopback TCP, SQLite)",
        "host": {
            "python": platform.python_version(),
            "machine": platform.machine(),
            "cpus": __import__("os").cpu_count(),
        },
        "runs": results,
        "max_concurrent_all_correct": max((int(r["concurrency"]) for r in good), default=0),
        "best_sessions_per_second": max((float(r["sessions_per_second"]) for r in good), default=0.0),
        "note": "the test clients run in the same process and share its cores and GIL with the server",
    }
    target = Path(__file__).parent / "results" / "ivr_agi.json"
    target.write_text(json.dumps(out, indent=2) + "\n")
    print(json.dumps({k: out[k] for k in ("max_concurrent_all_correct", "best_sessions_per_second")}))


if __name__ == "__main__":
    main()
