"""The demo's IVR part: simulated callers key their way through the real menu over real FastAGI.

The callers are Asterisk's side of FastAGI (``telephony.simulator.agi_caller``) talking to the real
FastAGI server on a local port, which runs the shipped menu with the database back end: faults are
reported (service requests with reference numbers), callers ask for an agent, hang up mid-menu or
press nothing. Every session is stored like a real one, so the figures printed are real queries.
"""

from __future__ import annotations

import threading
from collections import Counter
from random import Random

from rich.console import Console
from rich.progress import Progress
from sqlalchemy import func, select

from callcentre.bootstrap import App
from ivr.agi import AgiServer
from ivr.backend import DatabaseBackend
from ivr.engine import Engine
from ivr.menu_loader import DEFAULT_MENU, load_menu
from ivr.models import IvrSession, ServiceRequest
from ivr.store import SessionStore
from telephony.simulator.agi_caller import AgiPeer

#: English, report a fault, water, meter number + #, confirm (then: 2 = done, 0 = an agent).
WATER = "1111{meter}#1"
#: (what the caller does, keys, command at which they hang up)
BEHAVIOURS: tuple[tuple[str, str, int | None], ...] = (
    ("reports a water fault and is done", WATER + "2", None),
    ("reports a water fault, then asks for an agent", WATER + "0", None),
    ("asks for an agent at once", "10", None),
    ("hangs up in the main menu", "1", 6),
    ("presses nothing", "", None),
)


def run_ivr_calls(app: App, console: Console, calls: int = 30, seed: int = 0) -> None:
    """Play ``calls`` IVR calls through a FastAGI server on a free local port, then print the figures."""
    settings = app.settings
    server = AgiServer(
        ("127.0.0.1", 0),
        Engine(load_menu(settings.ivr.resolved_menu() or DEFAULT_MENU)),
        DatabaseBackend(app.engine, settings.ivr),
        SessionStore(app.engine),
        settings.ivr,
        timezone=settings.timezone,
    )
    thread = threading.Thread(target=server.serve_forever, name="demo-fastagi", daemon=True)
    thread.start()
    port = int(server.server_address[1])
    rng = Random(seed)
    try:
        with Progress(console=console, transient=True) as progress:
            task = progress.add_task("IVR calls over FastAGI", total=calls)
            for n in range(calls):
                _, keys, hangup_at = rng.choice(BEHAVIOURS)
                keys = keys.format(meter=rng.randrange(10_000, 99_999))
                AgiPeer(
                    port, keys, uniqueid=f"ivr-demo.{n}", linkedid=f"ivr-demo.{n}", hangup_at=hangup_at
                ).run()
                progress.advance(task)
    finally:
        server.shutdown()
        server.server_close()
    _print_figures(app, console)


def _print_figures(app: App, console: Console) -> None:
    with app.engine.connect() as connection:
        outcomes = Counter(
            dict(
                connection.execute(
                    select(IvrSession.outcome, func.count()).group_by(IvrSession.outcome)
                ).all()
            )
        )
        requests = connection.execute(select(func.count()).select_from(ServiceRequest)).scalar_one()
        gave_up = Counter(
            dict(
                connection.execute(
                    select(IvrSession.hangup_node, func.count())
                    .where(IvrSession.outcome == "hung_up")
                    .group_by(IvrSession.hangup_node)
                ).all()
            )
        )
    total = sum(outcomes.values())
    contained = outcomes.get("self_served", 0) + outcomes.get("callback", 0)
    console.print(
        f"IVR: {total} sessions stored — {', '.join(f'{n} {o}' for o, n in outcomes.most_common())}; "
        f"containment {contained / total:.0%}; {requests} service requests logged with reference numbers."
        if total
        else "IVR: no sessions stored"
    )
    if gave_up:
        console.print(
            "Where callers gave up: " + ", ".join(f"{node} ({n})" for node, n in gave_up.most_common(3))
        )
