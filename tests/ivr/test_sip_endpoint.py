"""The pyVoIP SIP endpoint end to end over real SIP and RTP on loopback, with SIPp as registrar and caller.

One SIPp process plays both Asterisk roles the endpoint talks to: its out-of-call scenario
(``sipp/registrar.xml``) answers REGISTER, and its call scenario sends the INVITE (with
``X-CC-Channel``) and RFC 4733 keys replayed from SIPp's own pcaps. One process is needed because
pyVoIP sends every request and response to its registrar's address, as it would to Asterisk.
Transfers go to a fake Asterisk AMI peer on a socket, which records the actions it gets: the
simulator (telephony.simulator) answers ``Setvar`` with "Invalid/unknown command" and ``Redirect``
only for channels of calls it is playing itself.
"""

from __future__ import annotations

import datetime as dt
import shutil
import socket
import socketserver
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine as DbEngine
from sqlalchemy.orm import Session

from callcentre.settings import IvrSettings, Secret
from ivr.backend import DatabaseBackend
from ivr.engine import Engine
from ivr.menu_loader import load_menu
from ivr.models import IvrSession, ServiceRequest
from ivr.sip_audio import TonePrompts, decode_digits, ulaw_to_float
from ivr.sip_endpoint import SipEndpoint, SipOptions
from ivr.sip_redirect import AmiRedirector
from ivr.store import SessionStore
from tests.conftest import Database

SIPP = shutil.which("sipp")
SCENARIOS = Path(__file__).parent / "sipp"
TUESDAY_10AM = dt.datetime(2025, 3, 4, 10, 0, tzinfo=ZoneInfo("Africa/Johannesburg"))
FAST_PROMPTS = TonePrompts(seconds_per_char=0.01)  # keeps a whole menu walk under ~30 s

pytestmark = pytest.mark.skipif(SIPP is None, reason="sipp not installed (Debian package sip-tester)")


def free_port(kind: int = socket.SOCK_DGRAM) -> int:
    """A port free on 127.0.0.1 right now."""
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class FakeAmi:
    """An Asterisk AMI look-alike that accepts every action and records it (thread-safe list)."""

    actions: list[dict[str, str]] = field(default_factory=list)
    port: int = 0

    @contextmanager
    def serving(self) -> Iterator[FakeAmi]:
        """Listen on a free port for the duration of the ``with`` block."""
        recorded = self.actions

        class Handler(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                self.wfile.write(b"Asterisk Call Manager/11.0.0\r\n")
                frame: dict[str, str] = {}
                for raw in self.rfile:
                    line = raw.decode().rstrip("\r\n")
                    if line:
                        key, _, value = line.partition(":")
                        frame[key.strip()] = value.strip()
                        continue
                    if not frame:
                        continue
                    recorded.append(frame)
                    name = frame.get("Action", "").lower()
                    reply = "Goodbye" if name == "logoff" else "Success"
                    answer = (
                        f"Response: {reply}\r\nActionID: {frame.get('ActionID', '')}\r\nMessage: ok\r\n\r\n"
                    )
                    self.wfile.write(answer.encode())
                    frame = {}
                    if name == "logoff":
                        return

        server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        self.port = server.server_address[1]
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            server.shutdown()
            server.server_close()

    def named(self, action: str) -> list[dict[str, str]]:
        """The recorded actions called ``action``."""
        return [a for a in self.actions if a.get("Action", "").lower() == action.lower()]


def start_sipp(
    scenario: str, target: int, port: int, workdir: Path, calls: int = 1
) -> subprocess.Popen[bytes]:
    """SIPp on ``port`` (registrar and caller) placing ``calls`` calls at once to ``127.0.0.1:target``."""
    assert SIPP is not None
    command = [
        SIPP, f"127.0.0.1:{target}", "-sf", str(SCENARIOS / scenario),
        "-oocsf", str(SCENARIOS / "registrar.xml"),
        "-i", "127.0.0.1", "-mi", "127.0.0.1", "-p", str(port), "-mp", str(free_port()), "-m", str(calls),
        "-l", str(calls), "-r", str(calls), "-rp", "1000", "-nostdin", "-timeout", "240s", "-trace_err",
    ]  # fmt: skip
    return subprocess.Popen(command, cwd=workdir, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def make_endpoint(
    db_engine: DbEngine, sip_port: int, local_port: int, ami: FakeAmi, tmp: Path, **options: Any
) -> SipEndpoint:
    """The endpoint registered at SIPp (127.0.0.1:sip_port), storing into ``db_engine``."""
    settings = IvrSettings(
        sip_server="127.0.0.1", sip_port=sip_port, sip_username="ivr", sip_password=Secret("x"),
        sip_local_ip="127.0.0.1", sip_rtp_port_low=40000, sip_rtp_port_high=44999,
    )  # fmt: skip
    engine = Engine(load_menu())
    return SipEndpoint(
        settings, engine, DatabaseBackend(db_engine, settings), SessionStore(db_engine), tmp / "recordings",
        local_port=local_port, prompts=FAST_PROMPTS, clock=lambda: TUESDAY_10AM,
        redirector=AmiRedirector("127.0.0.1", ami.port, "qa", "qa-secret"),
        options=SipOptions(**options),
    )  # fmt: skip


def wait_for(condition: Callable[[], bool], timeout: float) -> bool:
    """Poll ``condition()`` until true or ``timeout``."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.1)
    return False


def run_calls(
    db_engine: DbEngine,
    scenario: str,
    tmp: Path,
    calls: int = 1,
    before: Callable[[int], None] | None = None,
    **options: Any,
) -> tuple[SipEndpoint, FakeAmi, int]:
    """``calls`` SIPp calls of ``scenario`` to a fresh endpoint: (endpoint, AMI peer, SIPp exit code).

    ``before(endpoint_port)`` runs once the endpoint is up, before the calls arrive.
    """
    ami = FakeAmi()
    with ami.serving():
        sipp_port, endpoint_port = free_port(), free_port()
        endpoint = make_endpoint(db_engine, sipp_port, endpoint_port, ami, tmp, **options)
        process = start_sipp(scenario, endpoint_port, sipp_port, tmp, calls)
        try:
            endpoint.start()
            if before is not None:
                before(endpoint_port)
            code = process.wait(timeout=240)
            wait_for(lambda: len(endpoint.reports) >= calls, 20)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
            endpoint.stop()
    return endpoint, ami, code


def test_a_caller_reports_a_water_fault_over_sip_and_is_put_through_to_the_faults_desk(
    database: Database, tmp_path: Path
) -> None:
    endpoint, ami, code = run_calls(database.engine, "water_fault.xml", tmp_path, capture_audio=True)
    assert code == 0, f"SIPp reported a failed call (see {tmp_path}/*errors.log)"
    assert len(endpoint.reports) == 1
    report = endpoint.reports[0]
    with Session(database.engine) as db:
        request = db.scalars(select(ServiceRequest)).one()
        stored = db.scalars(select(IvrSession)).one()
    assert (request.category, request.language, request.caller_number) == ("water", "en", "0821234567")
    assert request.details["detail"] == "20456" and request.details["detail_kind"] == "meter"
    assert stored.reference == request.reference and stored.transport == "sip"
    assert (stored.outcome, stored.queue) == ("transferred", "faults")

    # The reference read back, twice, in the RTP audio the endpoint actually sent.
    sent = ulaw_to_float(b"".join(report.sent_payloads))
    heard = decode_digits(sent)
    assert request.reference * 2 in heard, heard
    assert heard == "20456" + request.reference * 2  # "You entered 2 0 4 5 6", then the reference twice

    # The transfer: Setvar x3 then Redirect of the caller's channel (from X-CC-Channel) to the queue.
    variables = {a["Variable"]: a["Value"] for a in ami.named("Setvar")}
    assert {a["Channel"] for a in ami.named("Setvar")} == {"PJSIP/caller-00000001"}
    assert variables["CC_REFERENCE"] == request.reference and variables["CC_LANGUAGE"] == "en"
    assert variables["CC_IVR_PATH"].endswith("request_created/anything_else/agent_faults")
    (redirect,) = ami.named("Redirect")
    assert (redirect["Channel"], redirect["Context"], redirect["Exten"]) == (
        "PJSIP/caller-00000001",
        "cc-queue",
        "faults",
    )
    assert report.packets > 500 and report.late / report.packets < 0.01
    assert float(np.max(np.abs(sent))) > 0.3  # real audio went out, not only silence


def test_a_caller_without_rfc4733_support_hears_a_prompt_and_reaches_an_agent(
    database: Database, tmp_path: Path
) -> None:
    _, ami, code = run_calls(database.engine, "no_dtmf.xml", tmp_path)
    assert code == 0
    with Session(database.engine) as db:
        stored = db.scalars(select(IvrSession)).one()
    general = load_menu().nodes["queue_general"]  # the general agents' queue, as the menu names it
    assert (stored.outcome, stored.queue) == ("transferred", getattr(general, "queue", None))
    assert [r for _node, _keys, _at, r in stored.digits].count("no_input") >= 2
    assert [a["Exten"] for a in ami.named("Redirect")] == [stored.queue]


def garbage(port: int) -> None:
    """A peer that sends the endpoint what is not SIP at all, and a truncated SIP request."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.sendto(b"\x00\xff\xfe this is not SIP\r\n\r\n", ("127.0.0.1", port))
        sock.sendto(b"INVITE sip:ivr@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP", ("127.0.0.1", port))


def test_garbage_from_a_peer_does_not_stop_the_endpoint_serving_the_next_caller(
    database: Database, tmp_path: Path
) -> None:
    endpoint, ami, code = run_calls(database.engine, "water_fault.xml", tmp_path, before=garbage)
    assert code == 0 and len(endpoint.reports) == 1
    with Session(database.engine) as db:
        stored = db.scalars(select(IvrSession)).one()
    assert (stored.outcome, stored.queue) == ("transferred", "faults")
    assert [a["Exten"] for a in ami.named("Redirect")] == ["faults"]


def test_a_caller_who_vanishes_mid_call_is_stored_as_hung_up(database: Database, tmp_path: Path) -> None:
    _, ami, code = run_calls(database.engine, "vanish.xml", tmp_path, rtp_timeout=3.0)
    assert code == 0
    with Session(database.engine) as db:
        assert wait_for(lambda: db.scalars(select(IvrSession)).first() is not None, 20)
        stored = db.scalars(select(IvrSession)).one()
    assert stored.outcome == "hung_up" and stored.hangup_node is not None
    assert ami.named("Redirect") == []
